import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { pageTokens } from '../../../aws/all-pages.js';
import { callAws, findAws, hasErrorName } from '../../../aws/aws-call.js';
import { defaultLogGroup, logGroupArn } from '../../../resources/logs/function-logs.js';
import { tagMismatch, type StageOwner } from '../../../resources/stage/tag-guard.js';
import { openAwsSession, type AwsSession } from '../../../pipelines/aws-session.js';
import type { CliCommand, CommandContext } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { secretValues } from '../../../settings/secret-values.js';
import { Inputs } from '../../../settings/names.js';
import { streamRedactor } from '../../../util/redact.js';
import { errorMessage } from '../../../util/retry.js';
import { LIVE_ALIAS } from '../../../model/live-alias.js';
import { PrintedVersions, valuesOf, type VersionValues } from './log-versions.js';
import { stagePlan } from './stage-plan.js';
import type { Plan } from '../../../model/plan.js';
import type { Settings } from '../../../model/settings.js';

/** Duration like 30s, 10m, 2h, 1d, in ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m)
    throw new UsageError(
      `--since: ${JSON.stringify(text)} is not a duration; expected like 30s, 10m, 2h or 1d`,
      'logs',
    );
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** How often --follow asks for new events. */
const FOLLOW_INTERVAL_MS = 2_000;

/**
 * How late an event may reach CloudWatch and still be printed by --follow.
 * FilterLogEvents selects by the event's own timestamp, not by when it was
 * ingested, and Lambda delivers a function's lines seconds after they were
 * written (from several instances at once): a poll from the newest time seen
 * (what `aws logs tail --follow` does) never sees a line stamped earlier that
 * arrives later. So each poll also looks this far back, and the ids seen
 * keep those lines from printing twice.
 */
export const LATE_EVENTS_MS = 15_000;

/** Where the next poll of a --follow starts: the newest time seen, or LATE_EVENTS_MS ago if that is earlier. */
export function nextStartTime(newest: number, now: number, first: number): number {
  return Math.max(first, Math.min(newest, now - LATE_EVENTS_MS));
}

/**
 * The ids of events already printed, with their times. A poll asks for events
 * from nextStartTime, so only ids at or after it can come again: older ones
 * are forgotten, and a --follow of a busy function for hours stays small.
 */
export class SeenEvents {
  private readonly ids = new Map<string, number>();

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** False when the event was printed before; records it otherwise. */
  add(id: string, timestamp: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.set(id, timestamp);
    return true;
  }

  /** Forgets the ids of events before `startTime`, which no later poll returns. */
  forgetBefore(startTime: number): void {
    for (const [id, time] of this.ids) if (time < startTime) this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}

/**
 * Where the function logs (LoggingConfig.LogGroup, set outside the workflow
 * maybe), and which of that group's streams are its own: all of its own
 * group; in a custom one, which other functions may share, those Lambda
 * names `YYYY/MM/DD/{function}[VERSION]id`. Its own group when the function
 * is gone (its logs stay). Refused when the function's tags say it is not
 * the stage's: `shop`'s stage admin-main and `shop-admin`'s stage main share
 * a name, and the other project's lines are not ours to print. `latest`:
 * $LATEST's environment values, which GetFunction returns with the tags (no
 * other permission), or why they are unknown.
 */
async function functionLogs(
  session: AwsSession,
  owner: StageOwner,
  functionName: string,
): Promise<{
  logGroupName: string;
  ours: (stream: string | undefined) => boolean;
  /** Undefined when the function does not exist (`gone`). */
  latest?: VersionValues;
  /** The function does not exist: its own group is read (said once it is known whether that exists). */
  gone?: true;
}> {
  const own = { logGroupName: defaultLogGroup(functionName), ours: () => true };
  const found = await readFunction(session, functionName);
  if (!found) return { ...own, gone: true };
  const mismatch = tagMismatch(found.Tags, owner);
  if (mismatch)
    throw new Error(
      `function ${functionName} is not stage ${owner.stage} of ${owner.project}: ${mismatch}; logs reads only this project's stages (check --name and --stage).`,
    );
  const latest = valuesOf(found.Configuration, `function ${functionName}`);
  const group = found.Configuration?.LoggingConfig?.LogGroup;
  if (!group || group === own.logGroupName) return { ...own, latest };
  const mark = `/${functionName}[`;
  return { logGroupName: group, ours: (stream) => !!stream?.includes(mark), latest };
}

/** GetFunction of the function ($LATEST, with its tags) or of a version or alias; undefined when not there. */
function readFunction(session: AwsSession, functionName: string, qualifier?: string) {
  const which = qualifier
    ? `version ${qualifier} of function ${functionName}`
    : `function ${functionName} and its tags`;
  return findAws(
    session.awsDeps,
    { what: `read ${which}`, permission: `lambda:GetFunction on ${functionName}` },
    () =>
      session.clients.lambda.send(
        new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier }),
      ),
  );
}

/**
 * The environment values of a version whose lines are printed (or of the one
 * alias `live` serves, `undefined` when there is no such alias): GetFunction
 * tells them for a version too, so `logs` needs no other permission. A
 * failure leaves them unknown (its lines are masked with the others' values),
 * not the command failed.
 */
async function versionValues(
  session: AwsSession,
  functionName: string,
  qualifier: string,
): Promise<VersionValues | undefined> {
  const what =
    qualifier === LIVE_ALIAS
      ? `the version alias ${LIVE_ALIAS} of function ${functionName} serves`
      : `version ${qualifier} of function ${functionName}`;
  try {
    const found = await readFunction(session, functionName, qualifier);
    if (found) return valuesOf(found.Configuration, what);
    if (qualifier === LIVE_ALIAS) return undefined;
    return { unknown: `The environment values of ${what} are unknown (it no longer exists)` };
  } catch (error) {
    return { unknown: `Could not read the environment variables of ${what} (${errorMessage(error)})` };
  }
}

/** The switch that prints the lines unmasked. */
const SHOW_SECRETS = 'show-secrets';

/**
 * The stage's log group, which of its streams are the function's, and how
 * each line is shown: masked as the action's reports mask the function's
 * lines (the environment values of every version whose lines it prints, in
 * their printed forms, secret shapes, a PEM block over several lines) unless
 * --show-secrets. A version whose values are unknown is said on stderr.
 * `see` reads the versions of the streams of lines about to be shown; of a
 * function that is gone, none (its versions went with it), unless a --follow
 * sees it deployed meanwhile: from then on, as of any.
 */
async function stageLines(
  ctx: Pick<CommandContext, 'flags' | 'logger' | 'github'>,
  session: AwsSession,
  settings: Settings,
  plan: Plan,
): Promise<
  Omit<Awaited<ReturnType<typeof functionLogs>>, 'latest'> & {
    shown: (text: string, stream: string) => string;
    see: (streams: (string | undefined)[]) => Promise<void>;
  }
> {
  const { functionName } = plan;
  const owner = { project: settings.name, stage: plan.stage, repository: ctx.github.repository };
  const found = functionLogs(session, owner, functionName);
  if (ctx.flags.own[SHOW_SECRETS] === 'true')
    return { ...(await found), shown: (text) => text, see: async () => undefined };
  const versions = new PrintedVersions(
    async (version) => (await versionValues(session, functionName, version))!,
    (unknown) =>
      ctx.logger.warning(
        `${unknown}: only secret shapes and the other versions' values are masked in its lines below (--${SHOW_SECRETS} prints the lines unmasked).`,
      ),
  );
  // `live`'s version is read together with the function, so the first page waits for neither.
  const [{ latest, ...group }, live] = await Promise.all([
    found,
    versionValues(session, functionName, LIVE_ALIAS),
  ]);
  let back = !group.gone;
  // A --follow that sees lines of a function that was gone reads it again first: a deploy
  // meanwhile has values to mask. Without --follow, or still gone: no versions to read.
  const stillGone = async (streams: (string | undefined)[]): Promise<boolean> => {
    if (back) return false;
    if (ctx.flags.own.follow !== 'true' || !streams.length) return true;
    const [again, liveAgain] = await Promise.all([
      functionLogs(session, owner, functionName),
      versionValues(session, functionName, LIVE_ALIAS),
    ]);
    if (again.gone) return true;
    back = true;
    versions.record('$LATEST', again.latest);
    versions.record(LIVE_ALIAS, liveAgain);
    return false;
  };
  if (back) {
    versions.record('$LATEST', latest);
    versions.record(LIVE_ALIAS, live);
  }
  let secrets = secretValues(settings, plan, versions.values);
  let counted = versions.values.length;
  return {
    ...group,
    // Per log stream: FilterLogEvents interleaves the lines of a function's instances.
    shown: streamRedactor(() => secrets),
    see: async (streams) => {
      if (await stillGone(streams)) return;
      await versions.see(streams);
      if (versions.values.length === counted) return;
      counted = versions.values.length;
      secrets = secretValues(settings, plan, versions.values);
    },
  };
}

/**
 * What the first read of the log group tells, said once: a function that is
 * gone whose group is there (undeployed, logs kept) is read with one
 * warning; a group that is missing is waited for by --follow (Lambda makes
 * it on the first invocation), and is otherwise, with no function either, one
 * error: the stage is not there.
 */
function stageAbsence(
  ctx: Pick<CommandContext, 'flags' | 'logger'>,
  settings: Settings,
  plan: Plan,
  region: string,
  logGroupName: string,
  gone: boolean | undefined,
) {
  let said = false;
  const what = `no function ${plan.functionName}, no log group ${logGroupName}`;
  return {
    found(): void {
      if (!gone || said) return;
      said = true;
      const masked =
        ctx.flags.own[SHOW_SECRETS] === 'true'
          ? ''
          : `, and its environment values are unknown: only secret shapes are masked in its lines below (--${SHOW_SECRETS} prints the lines unmasked)`;
      ctx.logger.warning(
        `Function ${plan.functionName} does not exist (undeployed?): its log group ${logGroupName} is read, which its tags cannot vouch for${masked}.`,
      );
    },
    missing(error: unknown, follow: boolean): void {
      if (!hasErrorName(error, 'ResourceNotFoundException')) throw error;
      if (!follow && !gone) throw error;
      if (!follow) {
        const flag = settings.stage ? `--stage: ${JSON.stringify(plan.stage)}: ` : '';
        const regionFlag = ctx.flags.inputs[Inputs.AwsRegion] ? ` --aws-region ${region}` : '';
        throw new Error(
          `${flag}no stage ${plan.stage} of ${settings.name} in ${region} (${what}); expected a deployed stage: "status --name ${settings.name}${regionFlag}" lists them.`,
        );
      }
      if (said) return;
      said = true;
      ctx.logger.info(
        gone
          ? `Stage ${plan.stage} of ${settings.name} is not deployed in ${region} (${what}): waiting for its first deploy and invocation; Ctrl-C stops.`
          : `Log group ${logGroupName} does not exist yet (Lambda creates it on the first invocation): waiting for it; Ctrl-C stops.`,
      );
    },
  };
}

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: "show a stage's CloudWatch logs (--follow keeps tailing)",
  usage: '--name NAME [--stage STAGE] [--since 10m] [--follow] [--show-secrets]',
  description:
    "Prints the stage function's CloudWatch log events, oldest first; --follow keeps polling until Ctrl-C. " +
    "The function's environment values and anything shaped like a credential are masked (***), as in the action's reports: the output of a CI job is public.",
  flags: [
    F.name,
    F.stage,
    F.awsRegion,
    { name: 'since', kind: 'value', arg: 'DURATION', help: 'how far back: 30s, 10m, 2h, 1d (default 10m)' },
    { name: 'follow', kind: 'switch', help: 'keep tailing until Ctrl-C' },
    {
      name: SHOW_SECRETS,
      kind: 'switch',
      help: "print the lines unmasked, the function's secret values too (at your own terminal, never in CI)",
    },
  ],
  usesAws: true,
  async run(ctx) {
    // Checked before anything is asked of AWS.
    const since = ctx.flags.own.since ?? '10m';
    const windowMs = parseDuration(since);
    const follow = ctx.flags.own.follow === 'true';
    if (follow && ctx.flags.json)
      throw new UsageError(
        '--json prints one object at the end, which --follow never reaches; expected one of the two',
        'logs',
      );
    const settings = ctx.settings({ command: 'deploy' });
    const plan = stagePlan(ctx, settings, 'logs');
    const session = await openAwsSession(settings, plan, ctx.github, ctx.pipelineDeps());
    const { logGroupName, ours, shown, see, gone } = await stageLines(ctx, session, settings, plan);
    const absence = stageAbsence(ctx, settings, plan, session.clients.region, logGroupName, gone);
    const firstStart = Date.now() - windowMs;
    let startTime = firstStart;
    let newest = firstStart;
    const seen = new SeenEvents();
    const events: { time: string; message: string }[] = [];
    let stopped = false;
    // Ctrl-C ends the wait between polls and clears its timer, which would keep the process up to
    // FOLLOW_INTERVAL_MS longer.
    const wake = new AbortController();
    void ctx.io.interrupted().then(() => {
      stopped = true;
      wake.abort();
    });
    let printed = 0;
    if (follow)
      ctx.logger.info(`Following ${logGroupName} (events of the last ${since} first); Ctrl-C stops.`);
    for (;;) {
      const nextToken = pageTokens();
      let token: string | undefined;
      do {
        const page = await callAws(
          session.awsDeps,
          {
            what: `read the log group ${logGroupName} (has stage ${plan.stage} been deployed and invoked?)`,
            permission: `logs:FilterLogEvents on ${logGroupArn(session.clients.region, session.accountId, logGroupName)}`,
          },
          () =>
            session.clients.logs.send(
              new FilterLogEventsCommand({ logGroupName, startTime, nextToken: token }),
            ),
        ).then(
          (found) => (absence.found(), found),
          (error: unknown) => (
            absence.missing(error, follow),
            {} as { events?: FilteredLogEvent[]; nextToken?: string }
          ),
        );
        const fresh = (page.events ?? ([] as FilteredLogEvent[])).filter(
          (event) => ours(event.logStreamName) && !(event.eventId && seen.has(event.eventId)),
        );
        await see(fresh.map((event) => event.logStreamName));
        for (const event of fresh) {
          if (event.eventId && !seen.add(event.eventId, event.timestamp ?? 0)) continue;
          newest = Math.max(newest, event.timestamp ?? 0);
          const line = {
            time: new Date(event.timestamp ?? 0).toISOString(),
            message: shown((event.message ?? '').trimEnd(), event.logStreamName ?? ''),
          };
          printed++;
          if (ctx.flags.json) events.push(line);
          else ctx.io.out.write(`${line.time} ${line.message}\n`);
        }
        token = nextToken(page.nextToken);
      } while (token);
      // An empty stdout alone reads like a hang or a wrong stage; --json's empty list says it already.
      if (!follow && !printed && !ctx.flags.json)
        ctx.logger.info(
          `No log events in ${logGroupName} in the last ${since} (has stage ${plan.stage} been invoked since? --since widens the window).`,
        );
      if (!follow || stopped) break;
      startTime = nextStartTime(newest, Date.now(), firstStart);
      seen.forgetBefore(startTime);
      await ctx.io.sleep(FOLLOW_INTERVAL_MS, wake.signal);
      if (stopped) break;
    }
    return ctx.flags.json ? { exitCode: 0, result: { 'log-group': logGroupName, events } } : { exitCode: 0 };
  },
};
