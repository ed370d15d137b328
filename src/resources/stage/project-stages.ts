/**
 * The project's stages as their tagged functions tell them: what prune
 * judges, and what a shared layer must keep serving.
 */
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { allPages } from '../../aws/all-pages.js';
import type { StageRecord } from '../../model/prune-decisions.js';
import { tagValue } from '../../model/stage-name.js';
import { DEPLOYING_TAG, TagKeys, tagsMatchProject } from '../../model/tags.js';
import { callAws, findAws, PATIENCE, type RetryDeps } from '../../aws/aws-call.js';
import type { CleanupClients } from './stage-search.js';
import { parseTaggedArn } from './tag-guard.js';

export interface ProjectStage extends StageRecord {
  functionName: string;
  /** The layer versions its function uses (ARNs). */
  layers: string[];
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
 * null lists every function of every repository's stages, one entry each
 * even when two repositories have a stage of the same name (for what must
 * stay in use, like a shared layer).
 */
export async function listProjectStages(
  clients: CleanupClients,
  project: string,
  repository: string | null,
  deps: RetryDeps,
): Promise<ProjectStage[]> {
  const mappings = await allPages(
    (token) =>
      callAws(
        deps,
        {
          what: `list the functions tagged ${TagKeys.Name}=${project}`,
          permission: 'tag:GetResources',
          patience: PATIENCE.removal,
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
    const fn = await findAws(
      deps,
      { what: `read function ${parsed.name}`, permission: 'lambda:GetFunction', patience: PATIENCE.removal },
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
    const key = repository === null ? parsed.name : stage;
    if (byStage.has(key)) continue;
    const modified = parseLambdaTime(fn.Configuration?.LastModified);
    const since = tags[DEPLOYING_TAG] ? new Date(tags[DEPLOYING_TAG]) : undefined;
    byStage.set(key, {
      stage,
      ref: tags[TagKeys.Ref] ?? '',
      functionName: parsed.name,
      lastDeployed: modified,
      deployingSince: since && !Number.isNaN(since.getTime()) ? since : undefined,
      updating: fn.Configuration?.State === 'Pending' || fn.Configuration?.LastUpdateStatus === 'InProgress',
      layers: (fn.Configuration?.Layers ?? []).flatMap((l) => (l.Arn ? [l.Arn] : [])),
    });
  }
  return [...byStage.values()].sort((a, b) => a.stage.localeCompare(b.stage));
}
