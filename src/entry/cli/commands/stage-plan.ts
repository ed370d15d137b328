import { makePlan, type Plan } from '../../../model/plan.js';
import type { Settings } from '../../../model/settings.js';
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
  // Said first: "function shop-master does not exist" alone does not tell where "master" came from.
  if (!settings.stage) {
    const branch = ctx.github.ref.replace(/^refs\/heads\//, '');
    ctx.logger.info(
      `Stage ${plan.stage}: from the current git branch${branch === plan.stage ? '' : `, ${branch}`} (--stage chooses another).`,
    );
  }
  return plan;
}
