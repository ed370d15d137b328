/**
 * The function's variables' values set outside the workflow: masked in the
 * log as soon as they are read, and redacted from the smoke answers and logs.
 */
import type { FunctionResult } from '../../resources/function/lambda-function.js';
import type { StageFunction } from '../../resources/function/stage-function-read.js';
import { versionEnvironmentValues } from '../../resources/function/function-versions.js';
import type { Logger } from '../../util/logger.js';
import type { DeployReport } from '../../model/outcome.js';
import { secretValues } from '../../settings/secret-values.js';
import type { Settings } from '../../model/settings.js';
import { errorMessage } from '../../util/retry.js';
import type { AwsSession } from '../aws-session.js';
import type { StageContext } from '../../model/stage-context.js';
import type { Plan } from '../../model/plan.js';

/**
 * The plan with the signed-in account (its names are in the outputs), having
 * masked what that account makes a secret: run-pipeline masked before sign-in,
 * taking the account a role ARN names as public (see secretValues); signed in
 * to another, a value equal to that one is in no output, and the steps after
 * this take every value of the settings as masked already.
 */
export function signedInNames(
  settings: Settings,
  plan: Plan,
  accountId: string,
  logger: Logger,
): Plan & { accountId: string } {
  const named = { ...plan, accountId };
  const maskedBefore = new Set(secretValues(settings, plan));
  for (const value of secretValues(settings, named)) if (!maskedBefore.has(value)) logger.mask(value);
  return named;
}

/**
 * The values of variables set outside the workflow (a key pasted in the
 * console): masked from here on unless they are already (`secrets` holds
 * what was masked), and redacted with the input's from the deploy's smoke
 * answers and logs (`hidden`).
 */
export function hideFunctionValues(
  values: string[],
  lists: { hidden: string[]; secrets: readonly string[] },
  logger: Logger,
): void {
  for (const value of values) {
    if (lists.hidden.includes(value)) continue;
    if (!lists.secrets.includes(value)) logger.mask(value);
    lists.hidden.push(value);
  }
}

/**
 * Hides the environment values of the versions other than this deploy's that
 * served the stage in the log window: the one `live` pointed at before (and
 * goes back to on a rollback), and one another run moved it to. They may be
 * older than $LATEST's, all that environmentBefore knows: a key rotated in a
 * deploy that was rolled back is new in $LATEST and old in the version `live`
 * went back to. Returns why the logs stay out when a version's values could
 * not be read (its lines may show them).
 */
export async function hideServedVersionValues(
  settings: Settings,
  fn: FunctionResult,
  report: DeployReport,
  session: AwsSession,
  lists: { hidden: string[]; secrets: string[] },
): Promise<string | undefined> {
  const { logger } = session.awsDeps;
  const served = new Set([fn.previousVersion, report.version].filter((v) => v && v !== fn.version));
  for (const version of served) {
    try {
      const values = await versionEnvironmentValues(
        session.clients.lambda,
        report.functionName,
        version,
        session.awsDeps,
      );
      hideFunctionValues(
        secretValues(settings, { ...report, accountId: session.accountId }, values),
        lists,
        logger,
      );
    } catch (error) {
      return (
        `The function's logs are left out: version ${version} served the stage during this deploy, and its ` +
        `environment values, which its log lines may show, could not be read to hide them (${errorMessage(error).replace(/\.$/, '')}). ` +
        `Read the logs in CloudWatch Logs (/aws/lambda/${report.functionName}).`
      );
    }
  }
  return undefined;
}

/**
 * Masks the values of the function's variables the settings do not already
 * hide, as soon as the function is read (and read again): an error may quote
 * them before the deploy ends (Lambda's answer over 4 KB quotes every variable).
 */
export function functionValuesMask(
  settings: Settings,
  /** The stage's names and account: a value equal to one is in an output, no secret. */
  stage: StageContext,
  logger: Logger,
  /** The function as read: its variables are masked at once. */
  existing: StageFunction['existing'],
): (variables: readonly (readonly [string, string])[]) => void {
  const known = new Set(secretValues(settings, stage));
  const mask = (variables: readonly (readonly [string, string])[]) => {
    for (const value of secretValues(settings, stage, variables)) if (!known.has(value)) logger.mask(value);
  };
  mask(Object.entries(existing?.config.Environment?.Variables ?? {}));
  return mask;
}
