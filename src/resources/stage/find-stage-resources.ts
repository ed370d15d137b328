/**
 * Everything that belongs to one stage, for undeploy and status: the
 * tagging API's view first, then each kind's finder (function, front door,
 * warm-up rules, logs), where a resource's own tags decide.
 */
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { allPages } from '../../aws/all-pages.js';
import { callAws, type RetryDeps } from '../../aws/aws-call.js';
import { TagKeys } from '../../model/tags.js';
import { tagValue } from '../../model/stage-name.js';
import {
  findStageApiKeys,
  findStageHttpApis,
  findStageRestApis,
  findStageUsagePlans,
  type FoundApi,
  type FoundUsagePlan,
} from '../front-door/stage-front-door.js';
import {
  findStageFunctions,
  type FoundFunction,
  type FoundFunctionUrl,
} from '../function/stage-functions.js';
import { findStageLogGroups, type FoundLogGroup } from '../logs/stage-logs.js';
import { findStageRules, type FoundRule } from '../warm-up/rules.js';
import {
  removalCall,
  StageSearch,
  type CleanupClients,
  type FindTarget,
  type Labelled,
  type SkippedResource,
  emptyTaggedIndex,
  type TaggedIndex,
} from './stage-search.js';
import { parseTaggedArn, tagMap, tagMismatch, type StageOwner } from './tag-guard.js';

export type { CleanupClients, FindTarget, SkippedResource } from './stage-search.js';
export type { FoundApi, FoundUsagePlan } from '../front-door/stage-front-door.js';
export type { FoundFunction, FoundFunctionUrl } from '../function/stage-functions.js';
export type { FoundLogGroup } from '../logs/stage-logs.js';
export type { FoundRule } from '../warm-up/rules.js';

/** What belongs to one stage, checked by tags, and what merely looked like it. */
export interface StageInventory {
  project: string;
  stage: string;
  functionName: string;
  functions: FoundFunction[];
  functionUrls: FoundFunctionUrl[];
  httpApis: FoundApi[];
  restApis: FoundApi[];
  usagePlans: FoundUsagePlan[];
  apiKeys: FoundApi[];
  rules: FoundRule[];
  logGroups: FoundLogGroup[];
  /** Log groups tagged for the stage and left alone because remove-logs is off. */
  keptLogGroups: string[];
  /** Never touched: a name matched but the tags did not (or remove-logs is off). */
  skipped: SkippedResource[];
}

/** The resources in removal order: front door, keep-warm rules, logs, function. */
export function inventoryResources(inv: StageInventory): Labelled[] {
  return [
    ...inv.usagePlans,
    ...inv.apiKeys,
    ...inv.restApis,
    ...inv.httpApis,
    ...inv.functionUrls,
    ...inv.rules,
    ...inv.logGroups,
    ...inv.functions,
  ];
}

export function inventoryIsEmpty(inv: StageInventory): boolean {
  return inventoryResources(inv).length === 0;
}

const TYPE_FILTERS = ['lambda:function', 'apigateway', 'events:rule', 'logs:log-group'];

/**
 * The tagging API's view of the stage: every resource listed with both the
 * project and the stage tag, by kind. A kind we do not remove is reported
 * through `skip`.
 */
async function taggedForStage(
  clients: CleanupClients,
  owner: StageOwner,
  deps: RetryDeps,
  skip: (resource: string, why: string) => void,
): Promise<TaggedIndex> {
  const mappings = await allPages(
    (token) =>
      callAws(
        deps,
        removalCall(`list the resources tagged for stage ${owner.stage}`, 'tag:GetResources'),
        () =>
          clients.tagging.send(
            new GetResourcesCommand({
              TagFilters: [
                { Key: TagKeys.Name, Values: [tagValue(owner.project)] },
                { Key: TagKeys.Stage, Values: [tagValue(owner.stage)] },
              ],
              ResourceTypeFilters: TYPE_FILTERS,
              PaginationToken: token,
            }),
          ),
      ),
    (page) => page.ResourceTagMappingList,
    (page) => page.PaginationToken,
  );
  const tagged = emptyTaggedIndex();
  const byId = {
    'rest-api': tagged.restApis,
    'http-api': tagged.httpApis,
    'usage-plan': tagged.usagePlans,
    'api-key': tagged.apiKeys,
  };
  for (const mapping of mappings) {
    const arn = mapping.ResourceARN ?? '';
    // The index filtered on the tags already; a disagreement here means a stale or odd answer.
    if (tagMismatch(tagMap(mapping.Tags), owner)) continue;
    const parsed = parseTaggedArn(arn);
    if (parsed.kind === 'function') tagged.functions.add(parsed.name);
    else if (parsed.kind === 'rule')
      tagged.rules.set(arn, { name: parsed.name, eventBusName: parsed.eventBusName });
    else if (parsed.kind === 'log-group') tagged.logGroups.add(parsed.name);
    else if (parsed.kind === 'api-stage')
      continue; // removed with its API
    else if (parsed.kind !== 'other') byId[parsed.kind].add(parsed.id);
    else skip(arn, 'tagged for this stage, but lambda-deploy does not remove this kind of resource');
  }
  return tagged;
}

/**
 * Finds a stage's resources: those the tagging API lists with both the
 * project and the stage tag, plus those named after the stage's function.
 * Every candidate's own tags decide; a name match alone is only reported.
 */
export async function findStageResources(
  clients: CleanupClients,
  target: FindTarget,
  deps: RetryDeps,
): Promise<StageInventory> {
  const { project, stage, functionName } = target;
  const skipped: SkippedResource[] = [];
  const owner = { project, stage, repository: target.repository };
  const tagged = await taggedForStage(clients, owner, deps, (resource, why) =>
    skipped.push({ resource, why }),
  );
  const search = new StageSearch(clients, target, tagged, deps);
  search.skipped.push(...skipped);

  const { functions, functionUrls, notOurs } = await findStageFunctions(search);
  const httpApis = await findStageHttpApis(search);
  const restApis = await findStageRestApis(search);
  const usagePlans = await findStageUsagePlans(search, restApis);
  const apiKeys = await findStageApiKeys(search, usagePlans);
  const rules = await findStageRules(search);
  const logGroups = await findStageLogGroups(search, functions, notOurs);
  return {
    project,
    stage,
    functionName,
    functions,
    functionUrls,
    httpApis,
    restApis,
    usagePlans,
    apiKeys,
    rules,
    logGroups,
    keptLogGroups: target.includeLogs ? [] : [...tagged.logGroups],
    skipped: search.skipped,
  };
}
