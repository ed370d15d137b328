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
  return makePlan(settings, ctx.github);
}
