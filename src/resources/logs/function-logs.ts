import {
  FilterLogEventsCommand,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Logger } from '../../util/logger.js';
import { partitionOf } from '../execution-role/execution-role.js';
import { errorMessage, errorName, isTransient, withRetry } from '../../util/retry.js';
import type { Sleep } from '../../util/sleep.js';
import { formatLogExcerpt, type ExcerptOptions } from './log-excerpt.js';
import type { Surface } from '../../settings/surface.js';

export interface LogWindow {
  functionName: string;
  /** ms since the epoch: the start of this deploy. */
  startTime: number;
  endTime: number;
  /** When the function logs elsewhere (LoggingConfig.LogGroup); `/aws/lambda/{functionName}` by default. */
  logGroupName?: string;
  /** That group's ARN, named in the grant to add when the deploy role may not read it. */
  logGroupArn?: string;
  /**
   * Only this version's lines: the group also holds those of the version that
   * served the stage meanwhile, which would crowd out (or pass for) the failure's.
   */
  version?: string;
}

const DAY_MS = 86_400_000;

/** The group Lambda logs to unless LoggingConfig names another. */
export function defaultLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** A log group's ARN, as IAM policies name it. */
export function logGroupArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOf(region)}:logs:${region}:${accountId}:log-group:${name}`;
}

/**
 * The stream name prefixes of the window's lines of this function (of one
 * version, when there is one), or [undefined]: every stream of its own group.
 * Lambda names a stream `YYYY/MM/DD/[VERSION]id` in the function's own group
 * and `YYYY/MM/DD/{function}[VERSION]id` in a custom one (which other
 * functions may share), dated (UTC) when its execution environment started:
 * one prefix per day of the window. Pure.
 */
export function streamPrefixes(window: LogWindow): (string | undefined)[] {
  const shared =
    window.logGroupName !== undefined && window.logGroupName !== defaultLogGroup(window.functionName);
  if (window.version === undefined && !shared) return [undefined];
  const tail = `${shared ? window.functionName : ''}[${window.version === undefined ? '' : `${window.version}]`}`;
  const prefixes: string[] = [];
  for (let day = Math.floor(window.startTime / DAY_MS) * DAY_MS; day <= window.endTime; day += DAY_MS)
    prefixes.push(`${new Date(day).toISOString().slice(0, 10).replace(/-/g, '/')}/${tail}`);
  return prefixes;
}

export interface FunctionLogsDeps {
  logger: Logger;
  sleep: Sleep;
  random?: () => number;
  /**
   * Bounds of the read: 500 events and 3 pages by default. FilterLogEvents
   * may answer an empty page with a next token while it searches: those do
   * not count, but four times maxPages calls is the most made.
   */
  maxEvents?: number;
  maxPages?: number;
  excerpt?: ExcerptOptions;
  /** Who reads the notes: the action's deploy role, or a terminal user's own credentials. */
  surface?: Surface;
}

export interface FunctionLogs {
  /** The bounded excerpt; '' when there is nothing to show. */
  text: string;
  /** One line on why there is no (or only part of the) log: a missing group, a missing permission. */
  note?: string;
}

/**
 * Reads the function's CloudWatch Logs for the deploy's window and makes an
 * excerpt of them. Never throws: logs are a help on failure, not a reason
 * for another failure.
 */
export async function fetchFunctionLogs(
  logs: CloudWatchLogsClient,
  window: LogWindow,
  deps: FunctionLogsDeps,
): Promise<FunctionLogs> {
  const logGroupName = window.logGroupName ?? defaultLogGroup(window.functionName);
  const events: FilteredLogEvent[] = [];
  let read: { complete: boolean; calls: number };
  try {
    read = await readEvents(logs, window, logGroupName, deps, events);
  } catch (error) {
    const name = errorName(error);
    if (name === 'ResourceNotFoundException') {
      // Lambda makes the group with the first lines it delivers: its absence does not say the function never ran.
      return {
        text: '',
        note:
          `No log group ${logGroupName} yet: nothing the function wrote had reached CloudWatch Logs when this deploy read it ` +
          '(lines arrive seconds after they are written; an execution role without logs:CreateLogGroup and logs:PutLogEvents writes none).',
      };
    }
    const note = /AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name)
      ? deniedNote(window, logGroupName, deps.surface ?? 'action')
      : `Could not read ${logGroupName}: ${name ? `${name}: ` : ''}${errorMessage(error)}.`;
    deps.logger.debug(`FilterLogEvents on ${logGroupName} failed: ${errorMessage(error)}`);
    // What was read before the failure is still worth showing.
    return { text: formatLogExcerpt(messagesOf(events), deps.excerpt), note };
  }

  const text = formatLogExcerpt(messagesOf(events), deps.excerpt);
  const whose = window.version === undefined ? '' : ` of version ${window.version}`;
  if (!text && !read.complete)
    return {
      text,
      note: `No log lines${whose} in the ${read.calls} pages of ${logGroupName} this deploy read; the rest was left unread: see the log group in CloudWatch Logs.`,
    };
  // Lines reach CloudWatch Logs seconds after they are written: a failure's may not be there yet.
  if (!text)
    return {
      text,
      note: `No log lines${whose} had reached ${logGroupName} when this deploy read it: CloudWatch Logs receives them seconds after they are written, so look there again shortly.`,
    };
  return !read.complete
    ? { text, note: `Only the first ${events.length} log events of this deploy's window were read.` }
    : { text };
}

/**
 * Why there are no logs when FilterLogEvents is denied. A custom group is not
 * granted: its name is the owner's choice, often shared with other functions,
 * so the deploy role (previews: any pull request) is not given it unasked.
 */
function deniedNote(window: LogWindow, logGroupName: string, surface: Surface): string {
  const terminal = surface === 'terminal';
  const who = terminal ? 'these AWS credentials' : 'the deploy role';
  if (logGroupName === defaultLogGroup(window.functionName))
    return `No logs: ${who} may not read ${logGroupName} (${terminal ? 'they need' : 'it needs'} logs:FilterLogEvents).`;
  const arn = window.logGroupArn ?? `the ARN of ${logGroupName}`;
  return (
    `No logs: ${who} may not read ${logGroupName}, the log group this function logs to (its LoggingConfig, set outside ${terminal ? 'lambda-deploy' : 'the workflow'}); ` +
    "the roles lambda-deploy sets up read only the functions' own groups (/aws/lambda/{function}). " +
    (terminal
      ? `To show its lines here, grant the identity you deploy with logs:FilterLogEvents on ${arn} and ${arn}:*; or read them in CloudWatch Logs.`
      : `To show its lines here, grant the deploy role logs:FilterLogEvents on ${arn} and ${arn}:* ` +
        "(other functions' lines in that group then show here too, and to the preview role's pull requests if you grant it that); or read them in CloudWatch Logs.")
  );
}

/**
 * Fills `events` with the window's events (the version's streams, when
 * there is one), page by page within the bounds; `complete` when nothing was
 * left unread. Throws what FilterLogEvents threw, `events` holding what came before.
 */
async function readEvents(
  logs: CloudWatchLogsClient,
  window: LogWindow,
  logGroupName: string,
  deps: FunctionLogsDeps,
  events: FilteredLogEvent[],
): Promise<{ complete: boolean; calls: number }> {
  const maxEvents = deps.maxEvents ?? 500;
  const maxPages = deps.maxPages ?? 3;
  const prefixes = streamPrefixes(window);
  let pages = 0;
  let calls = 0;
  for (const logStreamNamePrefix of prefixes) {
    let nextToken: string | undefined;
    do {
      if (pages >= maxPages || calls >= maxPages * 4 || events.length >= maxEvents)
        return { complete: false, calls };
      const token = nextToken;
      const page = await withRetry(
        () =>
          logs.send(
            new FilterLogEventsCommand({
              logGroupName,
              logStreamNamePrefix,
              startTime: window.startTime,
              endTime: window.endTime,
              limit: Math.min(10_000, maxEvents - events.length),
              nextToken: token,
            }),
          ),
        {
          attempts: 4,
          baseDelayMs: 500,
          maxDelayMs: 4_000,
          random: deps.random,
          sleep: deps.sleep,
          retryable: isTransient,
        },
      );
      calls++;
      if (page.events?.length) pages++;
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return { complete: true, calls };
}

function messagesOf(events: readonly FilteredLogEvent[]): string[] {
  // FilterLogEvents interleaves streams; order them in time.
  return [...events].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0)).map((e) => e.message ?? '');
}

/** The same excerpt for the local runtime's output lines. */
export function localFunctionLogs(lines: readonly string[], options?: ExcerptOptions): FunctionLogs {
  const text = formatLogExcerpt(lines, options);
  return text ? { text } : { text, note: 'The function wrote no log lines.' };
}
