import { outputsFor } from '../../action/outputs.js';
import { runPipeline } from '../../../pipelines/run-pipeline.js';
import { Outputs, type OutputName } from '../../../settings/names.js';
import type { CliCommand, CommandResult } from '../command.js';
import { INPUT_FLAGS as F } from '../flags.js';
import { CODE_FLAGS, policyStatementsInput } from './shared-flags.js';
import { stagePlan } from './stage-plan.js';

/**
 * The step outputs with the types `package` and `setup` print: GitHub outputs
 * are strings, but a --json field is read the same way whichever command gave it.
 */
function typedOutputs(outputs: Partial<Record<OutputName, string>>): CommandResult {
  const result: CommandResult = { ...outputs };
  for (const name of [Outputs.PackageBytes, Outputs.UnpackedBytes])
    if (outputs[name] !== undefined) result[name] = Number(outputs[name]);
  for (const name of [Outputs.Changed, Outputs.RolledBack])
    if (outputs[name] !== undefined) result[name] = outputs[name] === 'true';
  return result;
}

export const deployCommand: CliCommand = {
  name: 'deploy',
  summary: 'build and deploy a stage (--target local: the same path on this machine)',
  usage: '--name NAME [--stage STAGE] [--aws-region REGION] [--app MODULE:ATTR | --handler MODULE.FUNCTION]',
  description: [
    'Builds the package, uploads it, creates or updates the function and its front door,',
    'smoke-tests the URL and rolls back when that fails: what the action does, with this',
    "machine's AWS credentials (profile or environment). --target local runs it all under",
    'a local Lambda-compatible runtime, no AWS account needed, and stops it at the end.',
    'A protected stage (main, master, prod, production) is deployed only when --stage names it.',
  ].join('\n'),
  flags: [
    F.name,
    F.stage,
    F.awsRegion,
    ...CODE_FLAGS,
    F.memory,
    F.timeout,
    F.environment,
    F.layers,
    F.executionRoleArn,
    F.policyStatements,
    F.s3Bucket,
    F.gateway,
    F.invokeMode,
    F.throttleRate,
    F.throttleBurst,
    F.apiKey,
    F.quota,
    F.smokeTest,
    F.smokePath,
    F.smokeStatus,
    F.smokeContains,
    F.smokeTimeout,
    F.rollback,
    F.keepVersions,
    F.keepWarm,
    F.provisionedConcurrency,
    F.dependenciesLayer,
    F.adopt,
    F.target,
  ],
  usesAws: true,
  async run(ctx) {
    const settings = ctx.settings({ command: 'deploy', ...policyStatementsInput(ctx, 'deploy') });
    const plan = stagePlan(ctx, settings, 'deploy');
    const run = await runPipeline(settings, plan, ctx.github, await ctx.buildDeps());
    const result = typedOutputs(outputsFor(run.result));
    // The zip lived in this run's folder, removed at the end: `package --output` keeps one.
    delete result[Outputs.PackagePath];
    if (settings.target === 'local') {
      // Its URL answered only while the command ran.
      delete result[Outputs.Url];
      ctx.logger.info('The local stage stopped with the command: serve keeps one running.');
    }
    if (!run.failure) return { exitCode: 0, result };
    // Failed: stdout stays empty for a terminal (stderr says why), or --json's one object has the error and
    // the outputs that have a value (rolled-back, the version it reached), none empty.
    const known = Object.fromEntries(Object.entries(result).filter(([, value]) => value !== ''));
    return { exitCode: 1, error: run.failure, ...(ctx.flags.json && { result: known }) };
  },
};
