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
  /** The nearest runtime to move to. */
  replacement: string;
}

export type RuntimeSchedule = Readonly<Record<string, RuntimeDates>>;

/**
 * The schedule as read. Block dates are left out where no copy of AWS's table
 * could be read: a wrong block date would refuse deploys AWS still accepts.
 */
export const LAMBDA_RUNTIME_SCHEDULE: RuntimeSchedule = {
  // Deprecated 2025-12-15 (AWS moved it from 2025-10-31; tflint-ruleset-aws#969, Powertools #6883).
  'python3.9': { deprecated: '2025-12-15', replacement: 'python3.13' },
  // Deprecated with Node.js 20's end of life, 2026-04-30.
  'nodejs20.x': { deprecated: '2026-04-30', replacement: 'nodejs22.x' },
};

/** Where a runtime stands on a day. */
export type RuntimeStanding =
  | { state: 'supported' }
  | { state: 'deprecated'; deprecated: string; replacement: string }
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
  if (reached(deprecated, now)) return { state: 'deprecated', deprecated, replacement };
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
      return `${input}: ${runtime} is deprecated by AWS Lambda since ${standing.deprecated} (no more security patches); move to ${standing.replacement}.`;
    case 'create-blocked':
      return `${input}: AWS Lambda no longer creates functions with ${runtime} (since ${standing.createBlocked})${standing.updateBlocked ? ` and stops updating them on ${standing.updateBlocked}` : ''}; an existing function is still updated; move to ${standing.replacement}.`;
    case 'update-blocked':
      return `${input}: AWS Lambda stopped accepting ${runtime} on ${standing.updateBlocked}; it runs here on this machine only; move to ${standing.replacement}.`;
  }
}
