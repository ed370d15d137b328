/**
 * The job summary of a run that failed before it had a report of its own (an
 * invalid input, no credentials, a packaging error...): what failed, the
 * error, and where to look. Pure.
 */
import { code, factTable, fenced, link, plainText } from './markdown.js';
import { redact } from '../util/redact.js';

export interface FailureFacts {
  /** Where it failed: a phase of the run ('Reading the inputs') or the pipeline's groups ('Package', 'Installing requirements'). */
  steps: string[];
  /** `steps` are the log's groups (so the log has one of that name). */
  inGroup?: boolean;
  error: string;
  project?: string;
  /** The command that ran (deploy, undeploy...), once known. */
  command?: string;
  stage?: string;
  /** This workflow run, when known. */
  runUrl?: string;
}

/** The first place to look for a failure in a step, by where it failed. */
export function whereToLook(steps: readonly string[], inGroup = false, error = ''): string {
  const at = steps.join(' › ');
  if (/^(handler|app): /.test(error))
    return 'the `handler` or `app` input and the files of `path`: the error names the file looked for and what it defines.';
  if (/^(No OIDC token|No AWS credentials|aws-region: is not set)/.test(error))
    return "the step's sign-in: `aws-region` (or AWS_REGION); with `role-to-assume`, the job's `permissions: id-token: write`; without it, credentials set up before this step (aws-actions/configure-aws-credentials, a runner role).";
  // AWS did not answer: the credentials were never checked, so neither they nor the trust policy are to blame.
  if (/^Could not reach AWS/.test(error))
    return 'the network between the runner and AWS: a proxy (HTTPS_PROXY), a firewall, DNS, and AWS_ENDPOINT_URL if the job sets it. The credentials were not checked.';
  // AWS answered, with throttling or a server error, after every retry: nothing of ours to change.
  if (/^AWS STS.* kept failing/.test(error))
    return "AWS's side: STS kept failing after retries, so the credentials were not checked. Run the job again; if it persists, the AWS Health Dashboard for STS in the region.";
  if (/inputs/i.test(at))
    return "the step's `with:` block: each problem names the input, quotes the value and states the expected form (action.yml lists every input and its default).";
  if (/event/i.test(at))
    return "the workflow's `on:` events and the `command` input (`auto` follows the event: push, pull_request, delete, schedule, workflow_dispatch).";
  if (/sign in|credential/i.test(at))
    return "with `role-to-assume`: the job's `permissions: id-token: write` and the role's trust policy (the log prints the token's claims); without it: the job's AWS credentials (aws-actions/configure-aws-credentials, or a runner role).";
  if (/requirements/i.test(at))
    return "pip's output in the log group of that name; `requirements` and `pip-args` (a private index: `--index-url`; offline: `--no-index --find-links`).";
  if (/package/i.test(at))
    return 'the log group Package: the files collected from `path` (`include`, `exclude`) and the sizes.';
  return inGroup && at
    ? `the log group ${code(steps[steps.length - 1] as string)} of this step.`
    : "the step's log above the error.";
}

export function renderFailureSummary(facts: FailureFacts, secrets: readonly string[] = []): string {
  const rows: [string, string][] = [];
  if (facts.project) rows.push(['Project', code(facts.project)]);
  if (facts.command) rows.push(['Command', facts.command]);
  if (facts.stage) rows.push(['Stage', code(facts.stage)]);
  // The log's group names, as text: command: report reads them from JSON pull-request code could write.
  rows.push(['Failed at', facts.steps.length ? plainText(facts.steps.join(' › ')) : 'Starting']);
  if (facts.runUrl) rows.push(['Run', link(facts.runUrl)]);
  const title = facts.project
    ? `${code(facts.project)} ${facts.command ?? 'run'} failed`
    : 'lambda-deploy failed';
  return [
    `### ❌ ${title}`,
    '',
    factTable(rows),
    '',
    fenced(redact(facts.error, secrets)),
    '',
    `**Where to look:** ${whereToLook(facts.steps, facts.inGroup, facts.error)}`,
    '',
  ].join('\n');
}
