import type { ClaimedLogGroups, PruneLine, SlimPruneOutcome } from '../model/outcome.js';
import { TagKeys } from '../model/tags.js';
import {
  decidePrune,
  deployingMarkFresh,
  pullRequestNumber,
  stagePullRequest,
  type PullRequestState,
} from '../model/prune-decisions.js';
import type { AwsDeps, RetryDeps } from '../aws/aws-call.js';
import { pruneLayerVersions } from '../resources/layers/dependencies-layer.js';
import type { CleanupClients } from '../resources/stage/find-stage-resources.js';
import { listProjectStages, type ProjectStage } from '../resources/stage/project-stages.js';
import {
  deleteSlimArchive,
  listSlimArchives,
  slimKeysNamedBy,
} from '../resources/artifacts/slim-archives.js';
import type { AwsClients } from '../aws/clients.js';
import type { GitHubRefs } from '../reporting/github-api.js';
import { errorMessage } from '../util/retry.js';
import { formatBytes } from '../packaging/size-check.js';
import { undeployStage } from './undeploy.js';
import { roleDeniesOtherFunctions } from '../resources/function/function-made-by.js';
import { releaseClaimedLogGroups } from '../resources/logs/claimed-log-groups.js';

export interface PruneOptions {
  project: string;
  /** owner/repo of this run: only this repository's stages are judged (by its branches and pull requests). */
  repository: string;
  protectedStages: readonly string[];
  /** Days; see decidePrune. */
  previewTtl?: number;
  dryRun: boolean;
  /** Also delete removed stages' log groups. */
  removeLogs?: boolean;
  now: Date;
}

/**
 * Removes the project's stages whose branch is gone or whose pull request
 * is closed (or, with previewTtl, idle too long). Never a protected stage.
 * One failed removal does not stop the others: it is reported as `failed`.
 */
export async function pruneStages(
  clients: CleanupClients,
  github: GitHubRefs,
  options: PruneOptions,
  deps: RetryDeps,
): Promise<PruneLine[]> {
  const stages = await listProjectStages(clients, options.project, options.repository, deps);
  if (stages.length === 0) {
    deps.logger.info(`No stages of ${options.project} found: nothing to prune.`);
    return [];
  }

  const pullRequests = new Map<number, PullRequestState>();
  for (const record of stages) {
    const n = pullRequestNumber(record.ref);
    if (n !== undefined && !pullRequests.has(n)) pullRequests.set(n, await github.getPullRequestState(n));
  }
  const needBranches = stages.some((s) => stagePullRequest(s) === undefined);
  const branches = needBranches ? await github.listBranches() : [];

  const decisions = decidePrune(stages, {
    branches,
    pullRequests,
    protectedStages: options.protectedStages,
    previewTtl: options.previewTtl,
    now: options.now,
  });

  const lines: PruneLine[] = [];
  for (const decision of decisions) {
    const record = stages.find((s) => s.stage === decision.stage);
    if (decision.action === 'keep' || !record) {
      lines.push({ stage: decision.stage, action: 'kept', why: decision.why });
      continue;
    }
    // Judged by the index's tags only: this role may not touch it (a protected stage of the policy's list).
    if (record.unreadable !== undefined) {
      const why = `its function ${record.functionName} could not be read (${record.unreadable}): this role may not remove it`;
      lines.push({ stage: decision.stage, action: 'kept', why });
      continue;
    }
    if (options.dryRun) {
      lines.push({ stage: decision.stage, action: 'would remove', why: decision.why });
      continue;
    }
    try {
      const outcome = await deps.logger.group(`Removing stage ${decision.stage}: ${decision.why}`, () =>
        undeployStage(
          clients,
          {
            project: options.project,
            repository: options.repository,
            stage: decision.stage,
            functionName: record.functionName,
            removeLogs: options.removeLogs ?? false,
            dryRun: false,
            protectedStages: options.protectedStages,
            // Judged from a listing: a deploy may have started on the stage since.
            unlessDeployingAt: options.now,
          },
          deps,
        ),
      );
      if (outcome.deployRunning)
        lines.push({
          stage: decision.stage,
          action: 'kept',
          why: `${decision.why}; kept: ${outcome.deployRunning}`,
        });
      else lines.push({ stage: decision.stage, action: 'removed', why: decision.why });
    } catch (error) {
      deps.logger.error(`Could not remove stage ${decision.stage}: ${errorMessage(error)}`);
      lines.push({
        stage: decision.stage,
        action: 'failed',
        why: `${decision.why}; removal failed: ${errorMessage(error)}`,
      });
    }
  }
  for (const line of lines) deps.logger.info(`${line.stage}: ${line.action} (${line.why})`);
  return lines;
}

/**
 * Deletes the versions of the project's dependencies layer that no function
 * of the project uses, in any repository (the layer `{name}-deps` is shared
 * by all of them); the newest is always kept. The ARNs deleted (or, with
 * dryRun, that would be).
 */
export async function pruneDependencyLayers(
  clients: CleanupClients,
  project: string,
  dryRun: boolean,
  deps: AwsDeps,
  now: Date = new Date(),
): Promise<string[]> {
  const functions = await listProjectStages(clients, project, null, deps);
  // A running deploy may be about to attach a version no function uses yet (one it reuses by its
  // content): pruning now could delete it between its lookup and the function update.
  const deploying = runningDeploys(functions, now);
  if (deploying.length) {
    deps.logger.info(
      `Unused versions of the dependencies layer stay until the next prune: a deploy of stage ${deploying.join(', ')} is running and may attach one of them.`,
    );
    return [];
  }
  // The preview role may not read a protected stage's function: what it uses is unknown.
  const unknown = unreadableFunctions(functions);
  if (unknown) {
    deps.logger.info(
      `Unused versions of the dependencies layer stay: ${unknown}, so which are in use is unknown.`,
    );
    return [];
  }
  const inUse = new Set(functions.flatMap((f) => f.layers));
  // A dry run meets no Deny: the probe tells the preview role (its own Deny, as a real run's refusal
  // must be to keep them; a missing Allow or an SCP's Deny is no answer about deleting).
  const deleteDenied = () => roleDeniesOtherFunctions(clients, project, deps);
  const result = await pruneLayerVersions(clients.lambda, { project, inUse, dryRun, deleteDenied }, deps);
  return result.deleted;
}

/**
 * `the function X could not be read (why)` for functions this role may not read (the preview
 * role, a protected stage's), '' when it read them all: what they use is unknown.
 */
function unreadableFunctions(functions: readonly ProjectStage[]): string {
  const denied = functions.filter((f) => f.unreadable !== undefined);
  if (!denied.length) return '';
  const names = denied.map((f) => f.functionName).join(', ');
  return `the function${denied.length > 1 ? 's' : ''} ${names} could not be read (${denied[0]!.unreadable})`;
}

/** The stages of these functions a deploy is running on: a fresh deploying mark (deployingMarkFresh), or Lambda applying an update. */
function runningDeploys(functions: readonly ProjectStage[], now: Date): string[] {
  const running = functions.filter((f) => f.updating || deployingMarkFresh(f.deployingSince, now));
  return [...new Set(running.map((f) => f.stage))];
}

/**
 * How old an unreferenced slim archive must be to go: a running deploy uploads it before it publishes the
 * version naming it, and one that reuses an archive older than SLIM_ARCHIVE_REFRESH_MS copies it onto itself first.
 */
export const SLIM_ARCHIVE_MIN_AGE_MS = 24 * 60 * 60 * 1000;

export interface SlimPruneOptions {
  project: string;
  /** The bucket the project's deploys use (`s3-bucket`, else the default one). */
  bucket: string;
  accountId: string;
  dryRun: boolean;
  now: Date;
}

/**
 * Deletes the project's slim dependencies archives that no published version
 * or $LATEST of any function tagged for the project (any repository, any
 * stage) names, and that are older than SLIM_ARCHIVE_MIN_AGE_MS. Nothing
 * while a deploy of the project runs, nor when a function's versions cannot
 * be read: an archive a kept version needs would fail its cold starts.
 */
export async function pruneSlimArchives(
  clients: CleanupClients & Pick<AwsClients, 's3'>,
  options: SlimPruneOptions,
  deps: RetryDeps,
): Promise<SlimPruneOutcome> {
  const where = { bucket: options.bucket, accountId: options.accountId, project: options.project };
  const archives = await listSlimArchives(clients.s3, where, deps);
  if (archives.length === 0) return { deleted: [], failed: [] };
  const functions = await listProjectStages(clients, options.project, null, deps);
  const deploying = runningDeploys(functions, options.now);
  if (deploying.length)
    return {
      deleted: [],
      failed: [],
      skipped: `a deploy of stage ${deploying.join(', ')} is running and may be about to name one of them`,
    };
  const unknown = unreadableFunctions(functions);
  if (unknown)
    return { deleted: [], failed: [], skipped: `${unknown}, so which archives are in use is unknown` };
  const named = new Set<string>();
  for (const f of functions) {
    try {
      for (const key of await slimKeysNamedBy(clients.lambda, f.functionName, deps)) named.add(key);
    } catch (error) {
      return {
        deleted: [],
        failed: [],
        skipped: `the versions of ${f.functionName} could not be read (${errorMessage(error)}), so which archives are in use is unknown`,
      };
    }
  }
  const unused = archives.filter(
    (a) =>
      !named.has(a.key) &&
      a.lastModified !== undefined &&
      options.now.getTime() - a.lastModified.getTime() >= SLIM_ARCHIVE_MIN_AGE_MS,
  );
  if (options.dryRun) return { deleted: unused, failed: [] };
  const result: SlimPruneOutcome = { deleted: [], failed: [] };
  for (const archive of unused) {
    try {
      await deleteSlimArchive(clients.s3, { ...where, key: archive.key }, deps);
      result.deleted.push(archive);
    } catch (error) {
      result.failed.push({ key: archive.key, why: errorMessage(error) });
    }
  }
  return result;
}

/**
 * pruneSlimArchives for the prune command: what went (key and size) in the
 * log; a failure to look is a warning, never the prune's failure (the stages
 * were judged already, and an archive kept costs only storage).
 */
export async function pruneSlimArchivesLogged(
  clients: CleanupClients & Pick<AwsClients, 's3'>,
  options: SlimPruneOptions,
  deps: RetryDeps,
): Promise<SlimPruneOutcome> {
  let outcome: SlimPruneOutcome;
  try {
    outcome = await pruneSlimArchives(clients, options, deps);
  } catch (error) {
    outcome = { deleted: [], failed: [], skipped: errorMessage(error) };
  }
  const verb = options.dryRun ? 'Would delete' : 'Deleted';
  for (const a of outcome.deleted)
    deps.logger.info(`${verb} unused slim archive s3://${options.bucket}/${a.key} (${formatBytes(a.bytes)})`);
  for (const f of outcome.failed)
    deps.logger.warning(`Could not delete slim archive s3://${options.bucket}/${f.key}: ${f.why}`);
  if (outcome.skipped)
    deps.logger.warning(`Unused slim archives stay until the next prune: ${outcome.skipped}.`);
  return outcome;
}

/**
 * releaseClaimedLogGroups for the prune command: each group is its own
 * warning; the groups it could not check one warning for all; a failure to
 * look is one too, never the prune's failure (the stages were judged
 * already), and it names what was refused.
 */
export async function releaseClaimedLogGroupsLogged(
  clients: CleanupClients,
  options: { project: string; dryRun: boolean },
  deps: RetryDeps,
): Promise<ClaimedLogGroups> {
  try {
    const outcome = await releaseClaimedLogGroups(clients, options, deps);
    if (outcome.unchecked.length) deps.logger.warning(uncheckedWarning(options.project, outcome.unchecked));
    return outcome;
  } catch (error) {
    deps.logger.warning(
      `Could not check the log groups /aws/lambda/${options.project}-* for functions lambda-deploy did not make: ${errorMessage(error)}`,
    );
    return { claimed: [], unchecked: [] };
  }
}

/** Groups a warning names before `and N more` (the summary lists them all). */
const UNCHECKED_NAMED = 5;

/** One line: what was not checked, why (the role), and what to do. */
export function uncheckedWarning(project: string, groups: readonly string[]): string {
  const named = groups.slice(0, UNCHECKED_NAMED).join(', ');
  const more = groups.length > UNCHECKED_NAMED ? ` and ${groups.length - UNCHECKED_NAMED} more` : '';
  return (
    `Log groups not checked for functions lambda-deploy did not make: ${groups.length} tagged for ${project} (${named}${more}), ` +
    `whose functions this role may not read: it may read no function lambda-deploy did not make (the preview role, ` +
    `which the reusable workflow prunes with when the default branch is not a production branch), so it cannot tell ` +
    `a hand-made ${project}-* function's group, which pull-request code may have tagged to read its logs, from a ` +
    `removed stage's. Make the default branch a production branch (list it in protected-stages and in setup's ` +
    `--protected-stages) for prune to run with the production role and release such groups, or check them with ` +
    `administrator credentials: a group whose function exists without the ${TagKeys.Name} tag may have been read; ` +
    `remove its lambda-deploy:* tags and rotate what that function logged.`
  );
}
