import { runPipeline } from '../../../pipelines/run-pipeline.js';
import { isProtectedStage } from '../../../model/protected-stages.js';
import { ProtectedStageError } from '../../../pipelines/undeploy.js';
import type { CliCommand } from '../command.js';
import { INPUT_FLAGS as F, UsageError } from '../flags.js';
import { stagePlan } from './stage-plan.js';

export const undeployCommand: CliCommand = {
  name: 'undeploy',
  summary: 'remove a stage (only resources tagged for it)',
  usage: '--name NAME [--stage STAGE] [--dry-run] [--remove-logs]',
  description: [
    "Removes the stage's front door, function and schedule: only resources that carry",
    "this project's and stage's tags, never one that merely has a matching name.",
    'Protected stages (--protected-stages) are refused.',
  ].join('\n'),
  flags: [F.name, F.stage, F.awsRegion, F.protectedStages, F.dryRun, F.removeLogs],
  usesAws: true,
  async run(ctx) {
    const settings = ctx.settings({ command: 'undeploy' });
    const plan = stagePlan(ctx, settings, 'undeploy');
    // Refused input, decided before any AWS call: exit 2, as deploy's refusals (the pipeline's own check stays for the action).
    if (isProtectedStage(plan.stage, settings.protectedStages))
      throw new UsageError(
        new ProtectedStageError(plan.stage, settings.protectedStages, 'terminal').message,
        'undeploy',
      );
    const run = await runPipeline(settings, plan, ctx.github, ctx.pipelineDeps());
    if (run.result.kind !== 'undeploy') return { exitCode: 1, error: run.failure ?? 'nothing was removed' };
    const { outcome } = run.result;
    return {
      exitCode: run.failure ? 1 : 0,
      ...(run.failure ? { error: run.failure } : {}),
      result: {
        stage: outcome.stage,
        [outcome.dryRun ? 'would-remove' : 'removed']: outcome.removed,
        ...(outcome.skipped.length ? { kept: outcome.skipped.map((s) => `${s.resource} (${s.why})`) } : {}),
      },
    };
  },
};
