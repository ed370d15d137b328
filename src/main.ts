import * as core from '@actions/core';
import { createAwsClients } from './aws/clients.js';
import { readActionSettings } from './entry/action/action-inputs.js';
import { coreLogger, registeredSecrets } from './entry/action/core-logger.js';
import { maskedOutputWarnings } from './entry/action/output-masks.js';
import { outputsFor } from './entry/action/outputs.js';
import { Outputs } from './settings/names.js';
import { isPostStep, keepForPostStep, runPostStep } from './entry/action/post-step.js';
import { readGitHubContext, runUrlOf } from './entry/action/runner-context.js';
import { makePlan } from './model/plan.js';
import { runPipeline } from './pipelines/run-pipeline.js';
import { renderFailureSummary, type FailureFacts } from './reporting/failure-summary.js';
import { trackSteps } from './util/step-tracker.js';
import { redact } from './util/redact.js';
import { errorMessage } from './util/retry.js';

/**
 * The action's entry point: the one place that catches and calls setFailed.
 * Every failure also leaves a job summary saying what failed and where to look.
 */
export async function run(): Promise<void> {
  if (isPostStep()) return runPostStep();
  const onDeployment = keepForPostStep();
  const steps = trackSteps(coreLogger());
  const facts: Omit<FailureFacts, 'error'> = { steps: ['Reading the inputs'], runUrl: runUrlOf(process.env) };
  const secrets: string[] = [];
  try {
    const settings = readActionSettings();
    Object.assign(facts, { project: settings.name, steps: ['Reading the event'] });
    secrets.push(settings.githubToken);
    const ctx = readGitHubContext();
    facts.steps = ['Choosing the command from the event'];
    const plan = makePlan(settings, ctx);
    let report: string | undefined;
    Object.assign(facts, {
      command: plan.command,
      stage: plan.stage || undefined,
      steps: [`Running ${plan.command}`],
    });
    const { result, markdown, failure } = await runPipeline(settings, plan, ctx, {
      logger: steps.logger,
      failedIn: steps.failedIn,
      onDeployment,
      // For a later job's command: report (the deploy's JSON is redacted already).
      onReport: (json) => {
        report = json;
        core.setOutput(Outputs.Report, json);
      },
      env: process.env,
      awsClients: createAwsClients,
    });
    const outputs = outputsFor(result);
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
    // The report leaves out a URL the deploy masked (deployReportJson); a value masked otherwise is warned of too.
    const checked = report === undefined ? outputs : { ...outputs, [Outputs.Report]: report };
    for (const warning of maskedOutputWarnings(checked, settings.environment, registeredSecrets()))
      core.warning(warning);
    if (markdown) await writeSummary(markdown);
    if (failure) core.setFailed(failure);
  } catch (error) {
    // setFailed prints past the logger's redaction (an input error may quote a URL with a password).
    const message = redact(errorMessage(error), [...secrets, ...steps.secrets()]);
    core.setFailed(message);
    const where = steps.failedIn(error);
    const summary = renderFailureSummary(
      { ...facts, ...(where.length ? { steps: where, inGroup: true } : {}), error: message },
      [...secrets, ...steps.secrets()],
    );
    await writeSummary(summary);
  }
}

/** The job summary, when the runner provides one (a failure to write it is only a warning). */
async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary
    .addRaw(markdown, true)
    .write()
    .catch((e: unknown) => core.warning(`Could not write the job summary: ${errorMessage(e)}`));
}
