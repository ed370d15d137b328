import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { callAws, findAws, hasErrorName } from '../../../aws/aws-call.js';
import { defaultLogGroup, logGroupArn } from '../../../resources/logs/function-logs.js';
import { tagMismatch, type StageOwner } from '../../../resources/stage/tag-guard.js';
import { openAwsSession, type AwsSession } from '../../../pipelines/aws-session.js';
import type { CliCommand, CommandContext } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { secretValues } from '../../../settings/secret-values.js';
import { lineRedactor } from '../../../util/redact.js';
import { stagePlan } from './stage-plan.js';

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
 * a name, and the other project's lines are not ours to print. `values`: its
 * environment values, which GetFunction returns with the tags (no other
 * permission); undefined, with `unknown` saying why, when Lambda could not
 * tell them.
 */
async function functionLogs(
  session: AwsSession,
  owner: StageOwner,
  functionName: string,
): Promise<{
  logGroupName: string;
  ours: (stream: string | undefined) => boolean;
  values?: string[];
  unknown?: string;
}> {
  const own = { logGroupName: defaultLogGroup(functionName), ours: () => true };
  const found = await findAws(
    session.awsDeps,
    {
      what: `read function ${functionName} and its tags`,
      permission: `lambda:GetFunction on ${functionName}`,
    },
    () => session.clients.lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
  );
  if (!found) {
    session.awsDeps.logger.warning(
      `Function ${functionName} does not exist (undeployed?): reading ${own.logGroupName}, which its tags cannot vouch for.`,
    );
    return {
      ...own,
      unknown: `The environment values of function ${functionName} are unknown (the function does not exist)`,
    };
  }
  const mismatch = tagMismatch(found.Tags, owner);
  if (mismatch)
    throw new Error(
      `function ${functionName} is not stage ${owner.stage} of ${owner.project}: ${mismatch}; logs reads only this project's stages (check --name and --stage).`,
    );
  // Variables under a KMS key the caller may not use come back as an error instead.
  const error = found.Configuration?.Environment?.Error;
  const values = error
    ? {
        unknown: `Could not read the environment variables of function ${functionName} (${`${error.ErrorCode ?? ''}: ${error.Message ?? ''}`.replace(/^: |: $/, '')}; Lambda shows them to a caller with kms:Decrypt on the function's KMS key)`,
      }
    : { values: Object.values(found.Configuration?.Environment?.Variables ?? {}) };
  const group = found.Configuration?.LoggingConfig?.LogGroup;
  if (!group || group === own.logGroupName) return { ...own, ...values };
  const mark = `/${functionName}[`;
  return { logGroupName: group, ours: (stream) => !!stream?.includes(mark), ...values };
}

/** The switch that prints the lines unmasked. */
const SHOW_SECRETS = 'show-secrets';

/**
 * How each line is shown: masked as the action's reports mask the function's
 * lines (its environment values in their printed forms, secret shapes, a PEM
 * block over several lines) unless `show`. When the values are unknown, a
 * warning says what is masked all the same.
 */
function lineShown(
  ctx: Pick<CommandContext, 'flags' | 'logger'>,
  found: { values?: string[]; unknown?: string },
  secretsOf: (values: string[]) => string[],
): (text: string) => string {
  if (ctx.flags.own[SHOW_SECRETS] === 'true') return (text) => text;
  if (!found.values)
    ctx.logger.warning(
      `${found.unknown}: only secret shapes are masked in the lines below, not its environment values (--${SHOW_SECRETS} prints the lines unmasked).`,
    );
  return lineRedactor(secretsOf(found.values ?? []));
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
    const owner = { project: settings.name, stage: plan.stage, repository: ctx.github.repository };
    const { logGroupName, ours, ...environment } = await functionLogs(session, owner, plan.functionName);
    const shown = lineShown(ctx, environment, (values) => secretValues(settings, plan, values));
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
    let waitingSaid = false;
    let printed = 0;
    if (follow)
      ctx.logger.info(`Following ${logGroupName} (events of the last ${since} first); Ctrl-C stops.`);
    for (;;) {
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
        ).catch((error: unknown) => {
          // Lambda makes the group on the first invocation: a --follow right after a first deploy waits for it.
          if (!follow || !hasErrorName(error, 'ResourceNotFoundException')) throw error;
          if (!waitingSaid)
            ctx.logger.info(
              `Log group ${logGroupName} does not exist yet (Lambda creates it on the first invocation): waiting for it; Ctrl-C stops.`,
            );
          waitingSaid = true;
          return {} as { events?: FilteredLogEvent[]; nextToken?: string };
        });
        for (const event of page.events ?? ([] as FilteredLogEvent[])) {
          if (!ours(event.logStreamName)) continue;
          if (event.eventId && !seen.add(event.eventId, event.timestamp ?? 0)) continue;
          newest = Math.max(newest, event.timestamp ?? 0);
          const line = {
            time: new Date(event.timestamp ?? 0).toISOString(),
            message: shown((event.message ?? '').trimEnd()),
          };
          printed++;
          if (ctx.flags.json) events.push(line);
          else ctx.io.out.write(`${line.time} ${line.message}\n`);
        }
        token = page.nextToken;
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
