/**
 * The project's stages as their tagged functions tell them: what prune
 * judges, and what a shared layer must keep serving.
 */
import { GetFunctionCommand, type GetFunctionCommandOutput } from '@aws-sdk/client-lambda';
import { GetResourcesCommand, type ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import { allPages } from '../../aws/all-pages.js';
import type { StageRecord } from '../../model/prune-decisions.js';
import { functionName, tagValue } from '../../model/stage-name.js';
import { DEPLOYED_TAG, DEPLOYING_TAG, TagKeys, tagsMatchProject, tagTime } from '../../model/tags.js';
import {
  callAws,
  findAws,
  isAccessDenied,
  isNotRoleDeny,
  PATIENCE,
  wrapAwsError,
  type RetryDeps,
} from '../../aws/aws-call.js';
import { errorMessage } from '../../util/retry.js';
import { eachTogether, type ConcurrencyDeps } from '../../aws/together.js';
import type { CleanupClients } from './stage-search.js';
import { parseTaggedArn } from './tag-guard.js';

export interface ProjectStage extends StageRecord {
  /** `{name}-{stage}` when the stage has it, else its most recently deployed function (undeploy finds the others by their tags). */
  functionName: string;
  /** The layer versions its functions use (ARNs). */
  layers: string[];
  /**
   * Why a function of the stage could not be read (AccessDenied: the preview role
   * on a protected stage's function): the record comes from the tagging index's
   * tags, and its layers and versions are unknown. Prune never removes such a
   * stage, nor what it may use.
   */
  unreadable?: string;
}

/** GetFunction requests in flight at once: a project's functions read in a few round trips, under Lambda's throttling. */
const READS_AT_ONCE = 4;

function latest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a || !b) return a ?? b;
  return a.getTime() >= b.getTime() ? a : b;
}

/**
 * One record for two functions tagged for one stage (an extra or renamed
 * function, a leftover of a runtime change): a deploy into either keeps the
 * stage, its age is its newest deploy's, and the layers of both stay in use.
 */
export function mergeStage(a: ProjectStage, b: ProjectStage, expectedName: string): ProjectStage {
  const newer = (b.lastDeployed?.getTime() ?? -Infinity) > (a.lastDeployed?.getTime() ?? -Infinity) ? b : a;
  const named = [a, b].find((r) => r.functionName === expectedName) ?? newer;
  return {
    stage: a.stage,
    ref: newer.ref,
    functionName: named.functionName,
    lastDeployed: latest(a.lastDeployed, b.lastDeployed),
    // The newest mark: one under an hour old means a deploy is running, whatever an older one says.
    deployingSince: latest(a.deployingSince, b.deployingSince),
    updating: Boolean(a.updating || b.updating),
    layers: [...new Set([...a.layers, ...b.layers])],
    ...((a.unreadable ?? b.unreadable) !== undefined && { unreadable: a.unreadable ?? b.unreadable }),
  };
}

/** Lambda's `2026-03-01T12:00:00.000+0000` (no colon in the offset) as a Date; undefined when unreadable. */
export function parseLambdaTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The resources of one type tagged for the project (the tagging index: it may lag). */
export async function listProjectTagged(
  clients: Pick<CleanupClients, 'tagging'>,
  project: string,
  resourceType: 'lambda:function' | 'logs:log-group',
  what: string,
  deps: RetryDeps,
): Promise<ResourceTagMapping[]> {
  return allPages(
    (token) =>
      callAws(
        deps,
        {
          what: `list the ${what} tagged ${TagKeys.Name}=${project}`,
          permission: 'tag:GetResources',
          patience: PATIENCE.removal,
        },
        () =>
          clients.tagging.send(
            new GetResourcesCommand({
              TagFilters: [{ Key: TagKeys.Name, Values: [tagValue(project)] }],
              ResourceTypeFilters: [resourceType],
              PaginationToken: token,
            }),
          ),
      ),
    (page) => page.ResourceTagMappingList,
    (page) => page.PaginationToken,
  );
}

/**
 * The project's stages of this repository, from their tagged functions. A
 * same-name project of another repository in the account is not listed:
 * its stages are judged by its own branches, never by ours. `repository`
 * null lists every function of every repository's stages, one entry each
 * even when two repositories have a stage of the same name (for what must
 * stay in use, like a shared layer). Else a stage's functions make one
 * entry (mergeStage).
 */
export async function listProjectStages(
  clients: CleanupClients,
  project: string,
  repository: string | null,
  deps: RetryDeps & ConcurrencyDeps,
): Promise<ProjectStage[]> {
  const mappings = await listProjectTagged(clients, project, 'lambda:function', 'functions', deps);
  const names = [
    ...new Set(
      mappings.flatMap((m) => {
        const parsed = parseTaggedArn(m.ResourceARN ?? '');
        return parsed.kind === 'function' ? [parsed.name] : [];
      }),
    ),
  ];
  // The index may lag: the function's own tags and LastModified are the truth (the index's
  // only for a function this role may not read).
  const read = await eachTogether(deps, names, READS_AT_ONCE, (name) => readFunction(clients, name, deps));
  const byStage = new Map<string, ProjectStage>();
  names.forEach((name, i) => {
    const r = read[i];
    if (!r) return;
    const tags = 'denied' in r ? indexTags(mappings, name) : (r.Tags ?? {});
    if (
      repository === null
        ? tags[TagKeys.Name] !== tagValue(project)
        : !tagsMatchProject(tags, project, repository)
    )
      return;
    const record = stageRecord(name, tags, r);
    const key = repository === null ? name : record.stage;
    const seen = byStage.get(key);
    byStage.set(key, seen ? mergeStage(seen, record, functionName(project, record.stage)) : record);
  });
  return [...byStage.values()].sort((a, b) => a.stage.localeCompare(b.stage));
}

/** The function, undefined when it is gone, or why this role may not read it. */
async function readFunction(
  clients: CleanupClients,
  name: string,
  deps: RetryDeps,
): Promise<GetFunctionCommandOutput | { denied: string } | undefined> {
  const call = { what: `read function ${name}`, permission: 'lambda:GetFunction' };
  try {
    return await findAws(deps, { ...call, patience: PATIENCE.removal, passThrough: isAccessDenied }, () =>
      clients.lambda.send(new GetFunctionCommand({ FunctionName: name })),
    );
  } catch (error) {
    // The role's own Deny (the preview role's on a protected stage) only: a missing Allow (an older
    // policy, a boundary, an SCP) is a permission to fix, or prune would keep everything, forever.
    if (isAccessDenied(error) && isNotRoleDeny(error))
      throw wrapAwsError(error, call.what, call.permission, undefined, deps.needs);
    if (!isAccessDenied(error)) throw error;
    return { denied: errorMessage(error) };
  }
}

/** The tags the tagging index holds for function `name`. */
function indexTags(mappings: readonly ResourceTagMapping[], name: string): Record<string, string> {
  const mapping = mappings.find((m) => {
    const parsed = parseTaggedArn(m.ResourceARN ?? '');
    return parsed.kind === 'function' && parsed.name === name;
  });
  return Object.fromEntries((mapping?.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

function stageRecord(
  name: string,
  tags: Record<string, string>,
  fn: GetFunctionCommandOutput | { denied: string },
): ProjectStage {
  const base = {
    stage: tags[TagKeys.Stage] ?? '',
    ref: tags[TagKeys.Ref] ?? '',
    functionName: name,
    deployingSince: tagTime(tags[DEPLOYING_TAG]),
  };
  if ('denied' in fn)
    return {
      ...base,
      lastDeployed: tagTime(tags[DEPLOYED_TAG]),
      updating: false,
      layers: [],
      unreadable: fn.denied,
    };
  return {
    ...base,
    lastDeployed: latest(parseLambdaTime(fn.Configuration?.LastModified), tagTime(tags[DEPLOYED_TAG])),
    updating: fn.Configuration?.State === 'Pending' || fn.Configuration?.LastUpdateStatus === 'InProgress',
    layers: (fn.Configuration?.Layers ?? []).flatMap((l) => (l.Arn ? [l.Arn] : [])),
  };
}
