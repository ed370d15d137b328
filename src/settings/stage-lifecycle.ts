/** Reporting on GitHub, protected-stages, preview-ttl, remove-logs, target and dry-run. */
import type { Target } from '../model/settings.js';
import { BRANCH_NAME } from '../model/production-branches.js';
import { branchStage } from '../model/stage-name.js';
import { show, type Checked, type InputReader } from './input-reader.js';
import { splitList } from './input-lists.js';
import { Inputs } from './names.js';

/**
 * `protected-stages`, lower-cased. An entry that is a branch name rather than
 * a stage (`release/1.x`, whose stage is `release-1-x-{hash}`; `Main`) also
 * protects its branch's stage: read as it is, it matched no stage, so
 * undeploy, prune and pull requests could reach that branch's stage while
 * the reusable workflow deployed it as production.
 */
export function readProtectedStages(r: InputReader): string[] {
  const stages = new Set<string>();
  for (const entry of splitList(r.value(Inputs.ProtectedStages), /[,\n]/)) {
    // As given too: the reusable workflow routes a push by comparing its branch with these.
    stages.add(entry.toLowerCase());
    stages.add(branchStage(entry));
  }
  return [...stages];
}

/** `protected-stages` as written (case kept: `Main` protects its branch's stage too), once each. */
export function protectedStageEntries(r: InputReader): string[] {
  return [...new Set(splitList(r.value(Inputs.ProtectedStages), /[,\n]/))];
}

/**
 * Each entry an exact name: the route job and undeploy's refusal compare
 * names, so `release-*` would protect no stage while it read as all of them
 * (and setup could trust no branch by it).
 */
function checkProtectedStages(r: InputReader, entries: readonly string[]): void {
  for (const entry of entries)
    if (!BRANCH_NAME.test(entry))
      r.problem(
        `${Inputs.ProtectedStages}: ${show(entry)} is not valid; expected exact stage or branch names, like main,prod,release/1.x (no wildcards: list each one).`,
      );
}

/** Reporting on GitHub, the stages' lifecycle, and where and whether to deploy. */
export function readLifecycle(
  r: InputReader,
  env: NodeJS.ProcessEnv,
): Checked<
  | 'githubToken'
  | 'comment'
  | 'publicCommentLogs'
  | 'deployment'
  | 'protectedStages'
  | 'protectedStageEntries'
  | 'previewTtl'
  | 'removeLogs'
  | 'target'
  | 'dryRun'
> {
  const entries = protectedStageEntries(r);
  checkProtectedStages(r, entries);
  return {
    githubToken: r.value(Inputs.GithubToken) || env.GITHUB_TOKEN || '',
    comment: r.bool(Inputs.Comment),
    publicCommentLogs: r.bool(Inputs.PublicCommentLogs),
    deployment: r.bool(Inputs.Deployment),
    protectedStages: readProtectedStages(r),
    protectedStageEntries: entries,
    previewTtl: r.integer(Inputs.PreviewTtl, 1, 3650, ' (days)'),
    removeLogs: r.bool(Inputs.RemoveLogs),
    target: r.oneOf<Target>(Inputs.Target, ['aws', 'local']),
    dryRun: r.bool(Inputs.DryRun),
  };
}
