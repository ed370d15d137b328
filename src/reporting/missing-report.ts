/**
 * command: report with no report: GitHub left the deploy job's `report` output out, as it leaves
 * out any job output holding a value masked in that job ("Skip output 'report' since it may contain
 * secret"): a secret the report still holds is enough: one too short to redact inside a number of
 * it (one under 6 characters is redacted only when its name makes it a secret, and then only as a word
 * of its own; under 3, never), or a value GitHub masked that the action was not given. The pull request
 * still gets a comment and the Deployment a status, from what did arrive: the job's result
 * (GitHub's) and its url output (dropped on its own), each checked as strictly as the report. The
 * comment claims nothing else and carries no other text of that job: the rest is in the run's log.
 * Pure.
 */
import { Inputs } from '../settings/names.js';
import { code, link } from './markdown.js';
import { quote, ReportInputError } from './report-json.js';
import { reportUrlProblem } from './report-url.js';

export interface MissingReport {
  /** The deploy job's result, as GitHub ended it. */
  result: 'success' | 'failure';
  /** Its url output, checked; '' when none arrived (none made, or dropped too). */
  url: string;
}

/**
 * report-result and report-url, for this run's stage and region; undefined when report-result is
 * empty (then report is required). Throws ReportInputError naming the input, the value and the form.
 */
export function parseMissingReport(
  given: { url: string; result: string },
  scope: { stage: string; region?: string | undefined },
): MissingReport | undefined {
  const result = given.result.trim();
  if (result === '') return undefined;
  if (result !== 'success' && result !== 'failure')
    throw new ReportInputError(
      `${quote(given.result)} is not valid; expected success or failure (the deploy job's result, needs.<job>.result), or empty.`,
      Inputs.ReportResult,
    );
  const url = given.url.trim();
  // An AWS deploy's only: a local stage's loopback address is gone with its job.
  const problem = reportUrlProblem(url, { stage: scope.stage, target: 'aws', region: scope.region });
  if (problem)
    throw new ReportInputError(`${quote(url)} is not valid; expected ${problem}.`, Inputs.ReportUrl);
  return { result, url };
}

/** The comment and the job summary: what is known, and where the rest is. */
export function renderMissingReport(
  missing: MissingReport,
  target: { project: string; stage: string; runUrl?: string | undefined },
): string {
  const heading =
    missing.result === 'success'
      ? `### ✅ ${code(target.project)} deploy to ${code(target.stage)}: its job succeeded`
      : `### ❌ ${code(target.project)} deploy to ${code(target.stage)}: its job failed`;
  const log = target.runUrl ? link(target.runUrl, "the run's log") : "the run's log";
  const dropped = `("Skip output 'report' since it may contain secret"): the deploy step's log warns which output held one, and why.`;
  // A failed job without a report most often stopped before the deploy step wrote one.
  const where =
    missing.result === 'success'
      ? `What the deploy did, its smoke test and the function's logs are in ${log}: its report did not reach this job. ` +
        `GitHub leaves a job output out when it holds a value masked in that job ${dropped}`
      : `Why it failed is in ${log}: its report did not reach this job. Either the job failed before the deploy step wrote one ` +
        `(a bad input, a step before it), or GitHub left the output out because it held a value masked in that job ${dropped}`;
  return [heading, ...(missing.url ? [`**URL:** ${link(missing.url)}`] : []), where].join('\n\n');
}

/** The Deployment status's one line. */
export function missingReportDescription(missing: MissingReport): string {
  return missing.result === 'success'
    ? "Deployed; the report is in the run's log"
    : "Failed; the report is in the run's log";
}
