import type { FunctionResult } from '../../resources/function/lambda-function.js';
import type { DeployReport } from '../../model/outcome.js';
import type { Settings } from '../../model/settings.js';
import { rollbackAlias } from '../../resources/function/rollback.js';
import type { AwsSession } from '../aws-session.js';
import type { PipelineDeps } from '../pipeline-deps.js';

export async function rollBack(
  settings: Settings,
  report: DeployReport,
  fn: FunctionResult,
  session: AwsSession,
  deps: PipelineDeps,
  failure?: string,
) {
  report.failedVersion = fn.version;
  if (!settings.rollback) {
    report.rollbackMessage = `rollback: false, so stage ${report.stage} keeps serving the failing version ${fn.version}.`;
  } else if (!fn.changed) {
    report.rollbackMessage = `Nothing changed in this deploy, so version ${fn.version} was already live before it: nothing to roll back.`;
  } else {
    const result = await rollbackAlias(
      session.clients.lambda,
      {
        functionName: report.functionName,
        previousVersion: fn.previousVersion,
        failedVersion: fn.version,
        ...(failure && { failure }),
      },
      session.awsDeps,
    );
    report.rollbackMessage = result.message;
    if (result.rolledBack) {
      report.rolledBack = true;
      report.version = fn.previousVersion;
    } else if (result.supersededBy) {
      report.version = result.supersededBy;
    }
  }
  // Said once: a rollback as a line where it happened; anything else (the stage serves the failing
  // version) in the step's failure, which carries it, and here only with debug.
  if (report.rolledBack) deps.logger.info(report.rollbackMessage);
  else deps.logger.debug(report.rollbackMessage);
}
