import * as core from '@actions/core';
import { readActionSettings } from './action/action-inputs.js';
import { coreLogger } from './action/core-logger.js';
import { outputsFor } from './action/outputs.js';
import { readGitHubContext } from './github/github-context.js';
import { makePlan } from './plan/plan.js';
import { runPipeline } from './pipelines/run-pipeline.js';

/** The action's entry point: the one place that catches and calls setFailed. */
export async function run(): Promise<void> {
  try {
    const settings = readActionSettings();
    const ctx = readGitHubContext();
    const plan = makePlan(settings, ctx);
    const { result, markdown, failure } = await runPipeline(settings, plan, ctx, {
      logger: coreLogger(),
      env: process.env,
    });
    for (const [name, value] of Object.entries(outputsFor(result))) core.setOutput(name, value);
    if (markdown && process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
    if (failure) core.setFailed(failure);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
