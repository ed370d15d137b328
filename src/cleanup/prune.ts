import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DEPLOYING_TAG, TagKeys, tagsMatchProject } from '../plan/tags.js';
import { tagValue } from '../plan/stage-name.js';
import { errorMessage } from '../util/retry.js';
import { allPages } from '../aws/all-pages.js';
import { awsCall, awsCallOrGone, type CleanupDeps } from './aws-call.js';
import type { CleanupClients } from './find-stage-resources.js';
import type { GitHubRefs } from './github-refs.js';
import { decidePrune, stagePullRequest, type PullRequestState, type StageRecord } from './prune-decisions.js';
import { undeployStage } from './remove-stage.js';
import { parseTaggedArn } from './tag-guard.js';

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

/** One line of the prune summary. `failed`: the removal was attempted and an error stopped it. */
export interface PruneLine {
  stage: string;
  action: 'kept' | 'removed' | 'would remove' | 'failed';
  why: string;
}

export interface ProjectStage extends StageRecord {
  functionName: string;
}

/** Lambda's `2026-03-01T12:00:00.000+0000` (no colon in the offset) as a Date; undefined when unreadable. */
export function parseLambdaTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The project's stages of this repository, from their tagged functions. A
 * same-name project of another repository in the account is not listed:
 * its stages are judged by its own branches, never by ours. `repository`
 * null lists every repository's (for what must stay in use, like a shared
 * layer).
 */
export async function listProjectStages(
  clients: CleanupClients,
  project: string,
  repository: string | null,
  deps: CleanupDeps,
): Promise<ProjectStage[]> {
  const mappings = await allPages(
    (token) =>
      awsCall(
        deps,
        {
          operation: 'GetResources',
          resource: `functions tagged ${TagKeys.Name}=${project}`,
          permission: 'tag:GetResources',
        },
        () =>
          clients.tagging.send(
            new GetResourcesCommand({
              TagFilters: [{ Key: TagKeys.Name, Values: [tagValue(project)] }],
              ResourceTypeFilters: ['lambda:function'],
              PaginationToken: token,
            }),
          ),
      ),
    (page) => page.ResourceTagMappingList,
    (page) => page.PaginationToken,
  );
  const byStage = new Map<string, ProjectStage>();
  for (const mapping of mappings) {
    const parsed = parseTaggedArn(mapping.ResourceARN ?? '');
    if (parsed.kind !== 'function') continue;
    // The index may lag: the function's own tags and LastModified are the truth.
    const fn = await awsCallOrGone(
      deps,
      { operation: 'GetFunction', resource: `function ${parsed.name}`, permission: 'lambda:GetFunction' },
      () => clients.lambda.send(new GetFunctionCommand({ FunctionName: parsed.name })),
    );
    const tags = fn?.Tags ?? {};
    if (!fn) continue;
    if (
      repository === null
        ? tags[TagKeys.Name] !== tagValue(project)
        : !tagsMatchProject(tags, project, repository)
    )
      continue;
    const stage = tags[TagKeys.Stage] ?? '';
    if (byStage.has(stage)) continue;
    const modified = parseLambdaTime(fn.Configuration?.LastModified);
    const since = tags[DEPLOYING_TAG] ? new Date(tags[DEPLOYING_TAG]) : undefined;
    byStage.set(stage, {
      stage,
      ref: tags[TagKeys.Ref] ?? '',
      functionName: parsed.name,
      lastDeployed: modified,
      deployingSince: since && !Number.isNaN(since.getTime()) ? since : undefined,
      updating: fn.Configuration?.State === 'Pending' || fn.Configuration?.LastUpdateStatus === 'InProgress',
    });
  }
  return [...byStage.values()].sort((a, b) => a.stage.localeCompare(b.stage));
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
  deps: CleanupDeps,
): Promise<PruneLine[]> {
  const stages = await listProjectStages(clients, options.project, options.repository, deps);
  if (stages.length === 0) {
    deps.logger.info(`No stages of ${options.project} found: nothing to prune.`);
    return [];
  }

  const pullRequests = new Map<number, PullRequestState>();
  for (const record of stages) {
    const n = stagePullRequest(record);
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
