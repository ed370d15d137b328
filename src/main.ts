import * as core from '@actions/core';
import { readActionSettings } from './action/action-inputs.js';
import { coreLogger } from './action/core-logger.js';
import { outputsFor } from './action/outputs.js';
import { readGitHubContext } from './github/github-context.js';
import { makePlan } from './plan/plan.js';
import { failureOf, runPipeline, summaryOf } from './pipelines/run-pipeline.js';

/** The action's entry point: the one place that catches and calls setFailed. */
export async function run(): Promise<void> {
  try {
    const settings = readActionSettings();
    const ctx = readGitHubContext();
    const plan = makePlan(settings, ctx);
    const result = await runPipeline(settings, plan, ctx, { logger: coreLogger(), env: process.env });
    for (const [name, value] of Object.entries(outputsFor(result))) core.setOutput(name, value);
    const summary = summaryOf(result);
    if (summary && process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary, true).write();
    const failure = failureOf(result);
    if (failure) core.setFailed(failure);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
