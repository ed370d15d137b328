/**
 * command: report. Posts what a deploy that ran without a token found (its `report` output): the
 * pull request comment, the GitHub Deployment and the job summary, as the deploy itself would
 * have. It runs no repository code and signs in to nothing: the job that runs it holds the
 * token's write permissions, the job that ran the pull request's code does not.
 */
import type { Plan } from '../model/plan.js';
import type { Settings } from '../model/settings.js';
import { parseMissingReport, type MissingReport } from '../reporting/missing-report.js';
import { emptyReportError, parseReport, type ReportPayload } from '../reporting/report-json.js';
import {
  reportDeploy,
  reportDeployError,
  reportDeployStart,
  reportMissing,
  type ReportOptions,
} from '../reporting/report.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { PipelineResult } from './pipeline-result.js';

/** In a public repository with public-comment-logs: false the deploy left the logs out: the summary says where they are. */
const LOGS_LEFT_OUT =
  "(left out of this report: public-comment-logs is false in a public repository; the deploy job's summary has them)";

/** report-result and report-url, checked; with report-result empty too, report's own error (it is required). */
function missingPayload(
  settings: Settings,
  scope: { project: string; stage: string; region?: string | undefined },
): { kind: 'missing'; missing: MissingReport } {
  const missing = parseMissingReport({ url: settings.reportUrl, result: settings.reportResult }, scope);
  if (!missing) throw emptyReportError();
  return { kind: 'missing', missing };
}

export async function runReport(
  settings: Settings,
  plan: Plan,
  options: ReportOptions,
  deps: PipelineDeps,
): Promise<{ result: PipelineResult; markdown: string }> {
  const { logger } = deps;
  // Checked before anything is posted: the JSON was written where pull-request code ran. Without it
  // (GitHub dropped the output), report-result and report-url, written there too, checked as strictly.
  const scope = { project: settings.name, stage: plan.stage, region: settings.awsRegion };
  const payload: ReportPayload | { kind: 'missing'; missing: MissingReport } = settings.report.trim()
    ? parseReport(settings.report, scope)
    : missingPayload(settings, scope);
  // The commit is this run's own, never the JSON's.
  const target = { project: settings.name, stage: plan.stage, sha: plan.sha };
  const local = payload.kind === 'deploy' && payload.outcome.target === 'local';
  const started = { ...options, ...(local && { deployment: false }) };
  // A job cancelled from here on leaves the Deployment to the post step to end.
  Object.assign(started, await reportDeployStart(target, started, { logger, onCreated: deps.onDeployment }));
  if (payload.kind === 'missing') {
    const { markdown } = await reportMissing(payload.missing, target, started, { logger });
    deps.onDeployment?.(undefined);
    return { result: { kind: 'report', stage: plan.stage, url: payload.missing.url }, markdown };
  }
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
