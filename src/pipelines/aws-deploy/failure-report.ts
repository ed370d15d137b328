/**
 * What a failed deploy's report carries besides its error: the hint for an
 * input to change (a runtime AWS refused, an import that failed) and the
 * function's logs, secrets redacted.
 */
import type { FunctionResult } from '../../resources/function/lambda-function.js';
import type { DeployReport } from '../../model/outcome.js';
import { importFailureIn, importFix } from '../../failure-hints/import-hints.js';
import { importHintContext } from '../../failure-hints/import-hint-context.js';
import { blockedRuntimeFix, blockedRuntimeIn } from '../../failure-hints/runtime-hints.js';
import type { Settings } from '../../model/settings.js';
import { Inputs } from '../../settings/names.js';
import { LAMBDA_RUNTIME_SCHEDULE } from '../../settings/runtime-schedule.js';
import { isPythonRuntime, RUNTIMES } from '../../settings/runtimes.js';
import { inputName, type Surface } from '../../settings/surface.js';
import { fetchFunctionLogs, logGroupArn } from '../../resources/logs/function-logs.js';
import { errorMessage } from '../../util/retry.js';
import { realSleep } from '../../util/sleep.js';
import type { AwsSession } from '../aws-session.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { hideServedVersionValues } from './function-value-masks.js';

const LOG_WINDOW_MARGIN_MS = 30_000;

/** The deploy's error; where AWS refused the runtime itself (whatever our schedule says), which input to change and to what. */
export function recordFailure(error: unknown, report: DeployReport, surface: Surface = 'action'): string {
  report.error = errorMessage(error);
  const blocked = blockedRuntimeIn(error);
  if (blocked)
    report.hint = blockedRuntimeFix(
      inputName(surface, Inputs.Runtime),
      blocked,
      LAMBDA_RUNTIME_SCHEDULE,
      RUNTIMES,
    );
  return report.error;
}

/**
 * A function that failed its smoke test because an import failed (Python: a
 * requirement not listed, or not installed for Lambda's platform; Node.js: a
 * package the build did not put in the zip): what to do, read from Lambda's
 * answer or the function's lines, added to the error.
 */
function addImportHint(settings: Settings, report: DeployReport, surface?: Surface): void {
  if (report.smoke.status !== 'failed' || !report.error) return;
  const failure = importFailureIn(`${report.smoke.detail}\n${report.logs ?? ''}`);
  const family = isPythonRuntime(settings.runtime) ? 'python' : 'node';
  const hint = failure
    ? importFix(family, failure, importHintContext(settings, 'lambda', surface))
    : undefined;
  if (hint) report.hint = hint;
}

/** A failed deploy's function logs, then the hint they or the smoke test give on a failed import. */
export async function addFunctionLogs(...args: Parameters<typeof readFunctionLogs>): Promise<void> {
  await readFunctionLogs(...args);
  addImportHint(args[0], args[1], args[6].surface);
}

/**
 * A failed deploy's function logs since it started, secrets redacted, into the
 * report and the log; left out when the values of a version that served the
 * stage meanwhile could not be read (see hideServedVersionValues).
 */
async function readFunctionLogs(
  settings: Settings,
  report: DeployReport,
  fn: FunctionResult,
  started: number,
  session: AwsSession,
  lists: { hidden: string[]; secrets: string[] },
  deps: PipelineDeps,
): Promise<void> {
  const { logger } = deps;
  // The version this deploy made live, alone: the one serving meanwhile logs in the same group.
  // One live before the deploy (nothing changed) has streams older than the window: all lines.
  const version = fn.changed && fn.version ? fn.version : undefined;
  const unread = await hideServedVersionValues(settings, fn, report, session, lists);
  // Only `version`'s lines are read when there is one: the values of the others cannot show.
  if (unread && version) logger.debug(unread);
  else if (unread) {
    report.logsNote = unread;
    logger.warning(unread);
    return;
  }
  const logs = await fetchFunctionLogs(
    session.clients.logs,
    // A margin for clock skew between the runner and CloudWatch, so the first lines are not cut.
    {
      functionName: report.functionName,
      ...(fn.logGroup && {
        logGroupName: fn.logGroup,
        logGroupArn: logGroupArn(session.clients.region, session.accountId, fn.logGroup),
      }),
      startTime: started - LOG_WINDOW_MARGIN_MS,
      endTime: (deps.now ?? Date.now)(),
      ...(version && { version }),
    },
    {
      logger,
      sleep: deps.sleep ?? realSleep,
      excerpt: { secrets: [...lists.hidden, ...lists.secrets] },
      ...(deps.surface && { surface: deps.surface }),
    },
  );
  report.logs = logs.text;
  report.logsNote = logs.note;
  if (logs.text) await logger.group('Function logs', async () => logger.untrusted(logs.text));
  else if (logs.note) logger.info(logs.note);
}
