/**
 * Which branches are production's, worked out once from the workflow's
 * protected-stages: the setup command hints and init print, setup's and
 * policy's defaults and the trust policies all take them from here. Pure.
 *
 * The rule is the reusable workflow's route job (.github/workflows/deploy.yml):
 * a push goes to the production job when its branch (no stage input) is
 * exactly one of protected-stages, read as commas or lines, trimmed, `#`
 * lines skipped, each entry as written, and lower-cased where that is a
 * stage's form. So `staging` listed there is a production branch,
 * `Release/1.x` makes `Release/1.x` one (its twin `release/1.x` is a
 * preview), `Release` makes `Release` and `release` ones (setup trusts only
 * those the repository has), and with the default list the branch `Main` is
 * a preview.
 */
import { DEFAULT_PROTECTED_STAGES } from './protected-stages.js';

/**
 * An exact branch name (git refuses blanks and `~^:?*[\\` in one): what a
 * trust policy's `ref:refs/heads/NAME` and the route job compare with, where
 * a `*` would be a pattern or match nothing.
 */
export const BRANCH_NAME = /^[^\s*?~^:\\[]+$/;

/** Branches whose pushes the production deploy role trusts with the default protected-stages. */
export const DEFAULT_PROTECTED_BRANCHES: readonly string[] = ['main', 'master'];

/**
 * The default protected stages that name no branch (prod, production): the
 * stage input deploys them, from a production branch. A push of a branch so
 * named fails in the route job (its stage protected, the branch none of
 * production's): anyone with write access could create such a branch.
 */
export const STAGE_ONLY_NAMES: readonly string[] = DEFAULT_PROTECTED_STAGES.filter(
  (stage) => !DEFAULT_PROTECTED_BRANCHES.includes(stage),
);

/**
 * protected-stages as the route job compares them, once each, in order: each
 * entry as written, and lower-cased where that is a stage's form (`Release`
 * is also stage `release`; `Release/1.x` names no stage, so its twin
 * `release/1.x` is a preview).
 */
export function routeStages(protectedStages: readonly string[]): string[] {
  const entries = protectedStages.map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  return [
    ...new Set(entries.flatMap((s) => (/^[a-z0-9-]+$/.test(asciiLower(s)) ? [s, asciiLower(s)] : [s]))),
  ];
}

/** Lower-cased as the route job's `tr` does, A-Z only: toLowerCase makes the Kelvin sign `K` a `k`. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The settings' protected-stages as written (their entries, without the branches' stages added). */
export function stageEntries(settings: {
  protectedStages: readonly string[];
  protectedStageEntries?: readonly string[] | undefined;
}): readonly string[] {
  return settings.protectedStageEntries ?? settings.protectedStages;
}

/** Whether the route job sends a push of `branch` (no stage input) to the production job. */
export function routesToProduction(branch: string, protectedStages: readonly string[]): boolean {
  return routeStages(protectedStages).includes(branch);
}

/**
 * The production branches of a workflow whose protected-stages are
 * `protectedStages` (as written: the settings' `protectedStageEntries`):
 * those whose pushes the route job sends to the production job, but
 * STAGE_ONLY_NAMES. The production role trusts their pushes, its GitHub
 * environment admits them, the preview role excludes them; every other
 * branch is a preview. Empty when no entry names a branch (`prod` alone):
 * then no push deploys production, and main is a preview like any branch.
 */
export function productionBranches(protectedStages: readonly string[]): string[] {
  return routeStages(protectedStages).filter((stage) => !STAGE_ONLY_NAMES.includes(stage.toLowerCase()));
}
