/**
 * AWS Lambda's deprecation schedule for the runtimes lambda-deploy accepts,
 * and what a date means for a deploy. Pure: the caller passes the clock.
 *
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
 * (table "Supported runtimes": Deprecation date, Block function create, Block
 * function update). A date is entered here only when a source for it was
 * read; a runtime with no dates is treated as supported. Past its
 * deprecation date AWS no longer patches a runtime; past "block function
 * create" CreateFunction refuses it; past "block function update"
 * UpdateFunctionCode/Configuration refuse it too.
 */

export interface RuntimeDates {
  /** No more security patches (ISO date, UTC). */
  deprecated?: string;
  /** CreateFunction refuses the runtime from this day. */
  createBlocked?: string;
  /** Updates of a function with the runtime are refused from this day. */
  updateBlocked?: string;
  /**
   * The block-update day AWS's table announces, shown in the deprecation
   * warning only: AWS has moved such days later, and a deploy refused here
   * on an old table could not be made at all (AWS's own refusal gets a Fix line).
   */
  announcedUpdateBlock?: string;
  /** The nearest runtime to move to. */
  replacement: string;
}

export type RuntimeSchedule = Readonly<Record<string, RuntimeDates>>;

/**
 * The schedule as read: AWS's table as copied by endoflife.date's scraper
 * (products/aws-lambda.md, 2026-08-16; its "Deprecated Support" end is the
 * "Block function update" column). That copy has no block-create dates, and
 * its block-update days are announcements (announcedUpdateBlock): a wrong
 * block date here would refuse deploys AWS still accepts. Runtimes whose
 * deprecation is years away are left out until their successor is known.
 */
export const LAMBDA_RUNTIME_SCHEDULE: RuntimeSchedule = {
  // Deprecated 2025-12-15 (AWS moved it from 2025-10-31; tflint-ruleset-aws#969, Powertools #6883).
  'python3.9': { deprecated: '2025-12-15', announcedUpdateBlock: '2027-03-03', replacement: 'python3.13' },
  'python3.10': { deprecated: '2026-10-31', announcedUpdateBlock: '2027-03-03', replacement: 'python3.13' },
  'python3.11': { deprecated: '2027-06-30', announcedUpdateBlock: '2027-08-31', replacement: 'python3.13' },
  // Deprecated with Node.js 20's end of life, 2026-04-30.
  'nodejs20.x': { deprecated: '2026-04-30', announcedUpdateBlock: '2027-03-03', replacement: 'nodejs22.x' },
  'nodejs22.x': { deprecated: '2027-04-30', announcedUpdateBlock: '2027-07-01', replacement: 'nodejs24.x' },
};

/** Where a runtime stands on a day. */
export type RuntimeStanding =
  | { state: 'supported' }
  | { state: 'deprecated'; deprecated: string; announcedUpdateBlock?: string; replacement: string }
  | { state: 'create-blocked'; createBlocked: string; updateBlocked?: string; replacement: string }
  | { state: 'update-blocked'; updateBlocked: string; replacement: string };

/** Whether `day` (ISO date) has come at `now`: AWS's dates start at 00:00 UTC. */
function reached(day: string | undefined, now: Date): day is string {
  return day !== undefined && now.getTime() >= Date.parse(`${day}T00:00:00Z`);
}

export function runtimeStanding(runtime: string, now: Date, schedule: RuntimeSchedule): RuntimeStanding {
  const dates = schedule[runtime];
  if (!dates) return { state: 'supported' };
  const { replacement } = dates;
  if (reached(dates.updateBlocked, now))
    return { state: 'update-blocked', updateBlocked: dates.updateBlocked, replacement };
  if (reached(dates.createBlocked, now))
    return {
      state: 'create-blocked',
      createBlocked: dates.createBlocked,
      ...(dates.updateBlocked !== undefined && { updateBlocked: dates.updateBlocked }),
      replacement,
    };
  // A block date that has come implies the deprecation date has too.
  const deprecated = dates.deprecated;
  if (reached(deprecated, now))
    return {
      state: 'deprecated',
      deprecated,
      ...(dates.announcedUpdateBlock !== undefined && { announcedUpdateBlock: dates.announcedUpdateBlock }),
      replacement,
    };
  return { state: 'supported' };
}

/** The refusal of a runtime AWS no longer accepts for this deploy. */
export function runtimeRefusal(
  input: string,
  runtime: string,
  standing: RuntimeStanding,
): string | undefined {
  if (standing.state === 'update-blocked')
    return `${input}: AWS Lambda stopped accepting ${runtime} on ${standing.updateBlocked} (no function can be created or updated with it); expected a supported runtime such as ${standing.replacement}.`;
  return undefined;
}

/** The refusal of creating a function with a runtime AWS no longer lets new functions use. */
export function createRefusal(input: string, runtime: string, standing: RuntimeStanding): string | undefined {
  if (standing.state !== 'create-blocked') return undefined;
  return `${input}: AWS Lambda stopped accepting ${runtime} for new functions on ${standing.createBlocked}, and this stage has no function yet; expected a supported runtime such as ${standing.replacement}.`;
}

/** One warning line for a runtime AWS still accepts (or that runs only on this machine). */
export function runtimeWarning(
  input: string,
  runtime: string,
  standing: RuntimeStanding,
): string | undefined {
  switch (standing.state) {
    case 'supported':
      return undefined;
    case 'deprecated':
      return `${input}: ${runtime} is deprecated by AWS Lambda since ${standing.deprecated} (no more security patches${standing.announcedUpdateBlock ? `; AWS's schedule refuses updates from ${standing.announcedUpdateBlock}` : ''}); move to ${standing.replacement}.`;
    case 'create-blocked':
      return `${input}: AWS Lambda no longer creates functions with ${runtime} (since ${standing.createBlocked})${standing.updateBlocked ? ` and stops updating them on ${standing.updateBlocked}` : ''}; an existing function is still updated; move to ${standing.replacement}.`;
    case 'update-blocked':
      return `${input}: AWS Lambda stopped accepting ${runtime} on ${standing.updateBlocked}; it runs here on this machine only; move to ${standing.replacement}.`;
  }
}
