import { makePlan, type Plan } from '../../../model/plan.js';
import type { Settings } from '../../../model/settings.js';
import { protectedListSource } from '../../../model/protected-stages.js';
import { isProtectedStage } from '../../../model/protected-stages.js';
import { Inputs } from '../../../settings/names.js';
import type { CommandContext } from '../command.js';
import { UsageError } from '../flags.js';

/**
 * The plan of a command that works on a stage: --stage, else the current git
 * branch's stage. Without either, a usage error before anything runs.
 */
export function stagePlan(ctx: CommandContext, settings: Settings, command: string): Plan {
  if (!settings.stage && !ctx.github.ref)
    throw new UsageError(
      `--stage: none given, and this folder is not a git checkout on a branch to derive one from; expected --stage STAGE, like "demo"`,
      command,
    );
  const plan = makePlan(settings, ctx.github);
  if (!settings.stage) {
    const branch = ctx.github.ref.replace(/^refs\/heads\//, '');
    const from = `from the current git branch${branch === plan.stage ? '' : `, ${branch}`}`;
    refuseProductionByAccident(ctx, settings, plan.stage, from, command);
    // Said first: "function shop-master does not exist" alone does not tell where "master" came from.
    ctx.logger.info(`Stage ${plan.stage}: ${from} (--stage chooses another).`);
  }
  return plan;
}

/**
 * A deploy from a laptop that happens to be on `master` must not reach the
 * production stage by accident: a protected stage is deployed from a terminal
 * only when --stage names it (as undeploy refuses one whatever names it). The
 * action is not affected: a push to main in CI deploys main.
 */
function refuseProductionByAccident(
  ctx: CommandContext,
  settings: Settings,
  stage: string,
  from: string,
  command: string,
): void {
  if (command !== 'deploy' || settings.target === 'local') return;
  if (!isProtectedStage(stage, settings.protectedStages)) return;
  const given = ctx.flags.inputs[Inputs.ProtectedStages] !== undefined;
  const byWhat = protectedListSource(settings.protectedStages, 'terminal', given);
  throw new UsageError(
    `Stage ${stage} (${from}) is a protected stage (${byWhat}): its production deploy is not made from a branch name alone. ` +
      `To deploy it on purpose, name it: --stage ${stage}; for a stage of your own, --stage STAGE, like "demo".`,
    command,
  );
}
