/**
 * command: report. Posts what a deploy that ran without a token found (its `report` output): the
 * pull request comment, the GitHub Deployment and the job summary, as the deploy itself would
 * have. It runs no repository code and signs in to nothing: the job that runs it holds the
 * token's write permissions, the job that ran the pull request's code does not.
 */
import type { Plan } from '../model/plan.js';
import type { Settings } from '../model/settings.js';
import { parseReport } from '../reporting/report-json.js';
import {
  reportDeploy,
  reportDeployError,
  reportDeployStart,
  type ReportOptions,
} from '../reporting/report.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { PipelineResult } from './pipeline-result.js';

/** In a public repository with public-comment-logs: false the deploy left the logs out: the summary says where they are. */
const LOGS_LEFT_OUT =
  "(left out of this report: public-comment-logs is false in a public repository; the deploy job's summary has them)";

export async function runReport(
  settings: Settings,
  plan: Plan,
  options: ReportOptions,
  deps: PipelineDeps,
): Promise<{ result: PipelineResult; markdown: string }> {
  const { logger } = deps;
  // Checked before anything is posted: the JSON was written where pull-request code ran.
  const payload = parseReport(settings.report, { project: settings.name, stage: plan.stage });
  // The commit is this run's own, never the JSON's.
  const target = { project: settings.name, stage: plan.stage, sha: plan.sha };
  const local = payload.kind === 'deploy' && payload.outcome.target === 'local';
  const started = { ...options, ...(local && { deployment: false }) };
  // A job cancelled from here on leaves the Deployment to the post step to end.
  Object.assign(started, await reportDeployStart(target, started, { logger, onCreated: deps.onDeployment }));
  if (payload.kind === 'error') {
    const failed = { ...target, steps: payload.steps };
    const { markdown } = await reportDeployError(new Error(payload.message), failed, started, { logger });
    deps.onDeployment?.(undefined);
    return { result: { kind: 'report', stage: plan.stage, url: '' }, markdown };
  }
  const { outcome, logsOmitted } = payload;
  const shown = { ...outcome, sha: plan.sha, ...(logsOmitted && { logs: LOGS_LEFT_OUT }) };
  const commentLogs = started.commentLogs !== false && !logsOmitted;
  const { markdown } = await reportDeploy(shown, { ...started, commentLogs }, { logger });
  deps.onDeployment?.(undefined);
  return { result: { kind: 'report', stage: plan.stage, url: outcome.url }, markdown };
}
