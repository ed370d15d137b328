import type { PruneLine } from '../model/outcome.js';
import {
  decidePrune,
  DEPLOYING_MARK_MAX_AGE_MS,
  pullRequestNumber,
  stagePullRequest,
  type PullRequestState,
} from '../model/prune-decisions.js';
import type { AwsDeps, RetryDeps } from '../aws/aws-call.js';
import { pruneLayerVersions } from '../resources/layers/dependencies-layer.js';
import type { CleanupClients } from '../resources/stage/find-stage-resources.js';
import { listProjectStages } from '../resources/stage/project-stages.js';
import type { GitHubRefs } from '../reporting/github-api.js';
import { errorMessage } from '../util/retry.js';
import { undeployStage } from './undeploy.js';

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
    if (options.dryRun) {
      lines.push({ stage: decision.stage, action: 'would remove', why: decision.why });
      continue;
    }
    try {
      await deps.logger.group(`Removing stage ${decision.stage}: ${decision.why}`, () =>
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
          },
          deps,
        ),
      );
      lines.push({ stage: decision.stage, action: 'removed', why: decision.why });
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
  const deploying = functions.filter(
    (f) =>
      f.updating ||
      (f.deployingSince !== undefined &&
        now.getTime() - f.deployingSince.getTime() < DEPLOYING_MARK_MAX_AGE_MS),
  );
  if (deploying.length) {
    deps.logger.info(
      `Unused versions of the dependencies layer stay until the next prune: a deploy of stage ${[...new Set(deploying.map((f) => f.stage))].join(', ')} is running and may attach one of them.`,
    );
    return [];
  }
  const inUse = new Set(functions.flatMap((f) => f.layers));
  const result = await pruneLayerVersions(clients.lambda, { project, inUse, dryRun }, deps);
  return result.deleted;
}
