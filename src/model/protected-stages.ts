/**
 * How a message tells the user about protected-stages: whether the list is
 * the default or their own, and the setting without a stage. Here, below the
 * plan, so the plan's refusals and undeploy's say it alike.
 */
import type { Surface } from './surface.js';

/** The input's name (Inputs.ProtectedStages in src/settings/names.ts, a layer above). */
const INPUT = 'protected-stages';

/** The action's default protected-stages: action.yml's, which src/settings/names.ts takes from here. */
export const DEFAULT_PROTECTED_STAGES: readonly string[] = ['main', 'master', 'prod', 'production'];

/** Whether `stage` is one of protected-stages, ignoring case: `Main` is protected as main is. */
export function isProtectedStage(stage: string, protectedStages: readonly string[]): boolean {
  return protectedStages.some((p) => p.toLowerCase() === stage.toLowerCase());
}

/**
 * Where the list came from, to follow "listed in protected-stages (": the
 * default or the user's own input/flag. `given`, where the caller knows (the
 * CLI's flags); else a list equal to the default is the default (the runner
 * passes an unset input as its default, so its value is all there is to tell).
 */
export function protectedListSource(
  protectedStages: readonly string[],
  surface: Surface = 'action',
  given?: boolean,
): string {
  const list = protectedStages.join(', ') || 'none';
  const isDefault =
    given === undefined
      ? protectedStages.length === DEFAULT_PROTECTED_STAGES.length &&
        DEFAULT_PROTECTED_STAGES.every((s) => protectedStages.includes(s))
      : !given;
  if (surface === 'terminal')
    return isDefault ? `--${INPUT} not given, so its default: ${list}` : `--${INPUT}: ${list}`;
  return isDefault ? `not set in the workflow, so its default: ${list}` : `the ${INPUT} input: ${list}`;
}

/**
 * How to set the list without `stage`, to follow "without "main"": `, like
 * protected-stages: master,prod` (`--protected-stages master,prod` in a
 * terminal); '' when the stage is the only one, since an empty value reads as the default.
 */
export function listWithout(
  stage: string,
  protectedStages: readonly string[],
  surface: Surface = 'action',
): string {
  const rest = protectedStages.filter((s) => s.toLowerCase() !== stage.toLowerCase()).join(',');
  if (!rest) return '';
  return surface === 'terminal' ? `, like --${INPUT} ${rest}` : `, like ${INPUT}: ${rest}`;
}
