import {
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetRestApisCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  type RestApi,
  type UsagePlan,
  type UsagePlanKey,
} from '@aws-sdk/client-api-gateway';
import { GetApisCommand, type Api } from '@aws-sdk/client-apigatewayv2';
import {
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand as ListLogTagsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  ListRulesCommand,
  ListTagsForResourceCommand as ListRuleTagsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetFunctionCommand, ListFunctionUrlConfigsCommand } from '@aws-sdk/client-lambda';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { AwsClients } from '../../aws/clients.js';
import { allPages } from '../../aws/all-pages.js';
import { isAccessDenied } from '../../aws/aws-call.js';
import { TagKeys } from '../../model/tags.js';
import { tagValue } from '../../model/stage-name.js';
import { awsCall, awsCallOrGone, type CleanupDeps } from './aws-call.js';
import { namedForStage, parseTaggedArn, tagMap, tagMismatch } from './tag-guard.js';

export type CleanupClients = Pick<
  AwsClients,
  'lambda' | 'apiGateway' | 'apiGatewayV2' | 'tagging' | 'events' | 'logs'
>;

/** Every found resource carries a label for logs and summaries, e.g. "REST API shop-pr-1 (a1b2c3)". */
interface Labelled {
  label: string;
}
export interface FoundFunction extends Labelled {
  name: string;
  arn: string;
  /** ISO time of the last code or configuration change. */
  lastModified?: string;
}
export interface FoundFunctionUrl extends Labelled {
  functionName: string;
  /** `live` for ours; undefined for a URL on the unqualified function. */
  qualifier?: string;
}
export interface FoundApi extends Labelled {
  id: string;
  name: string;
}
export interface FoundUsagePlan extends FoundApi {
  apiStages: { apiId: string; stage: string }[];
}
export interface FoundRule extends Labelled {
  name: string;
  arn: string;
  eventBusName?: string;
}
export interface FoundLogGroup extends Labelled {
  name: string;
}
export interface SkippedResource {
  resource: string;
  why: string;
}

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
  /** Never touched: a name matched but the tags did not (or remove-logs is off). */
  skipped: SkippedResource[];
}

export interface FindTarget {
  project: string;
  stage: string;
  /** owner/repo: a same-name stage of another repository is never ours. */
  repository: string;
  /** `{name}-{stage}` as the plan computed it. */
  functionName: string;
  /** Look for the functions' log groups (remove-logs). */
  includeLogs: boolean;
}

/** The resources in removal order: front door, keep-warm rules, function, logs. */
export function inventoryResources(inv: StageInventory): Labelled[] {
  return [
    ...inv.usagePlans,
    ...inv.apiKeys,
    ...inv.restApis,
    ...inv.httpApis,
    ...inv.functionUrls,
    ...inv.rules,
    ...inv.functions,
    ...inv.logGroups,
  ];
}

export function inventoryIsEmpty(inv: StageInventory): boolean {
  return inventoryResources(inv).length === 0;
}

const TYPE_FILTERS = ['lambda:function', 'apigateway', 'events:rule', 'logs:log-group'];

const NAME_MATCHES = 'name matches but ';
const INDEX_DISAGREES = 'listed by the tagging API for this stage, but its own tags disagree: ';

/**
 * Finds a stage's resources: those the tagging API lists with both the
 * project and the stage tag, plus those named after the stage's function.
 * Every candidate's own tags decide; a name match alone is only reported.
 */
export async function findStageResources(
  clients: CleanupClients,
  target: FindTarget,
  deps: CleanupDeps,
): Promise<StageInventory> {
  const { project, stage, functionName } = target;
  const owner = { project, stage, repository: target.repository };
  const inv: StageInventory = {
    project,
    stage,
    functionName,
    functions: [],
    functionUrls: [],
    httpApis: [],
    restApis: [],
    usagePlans: [],
    apiKeys: [],
    rules: [],
    logGroups: [],
    skipped: [],
  };
  const skip = (resource: string, why: string): void => {
    inv.skipped.push({ resource, why });
  };
  /** Own tags decide; `fromIndex` words the reason for a tagging-API hit whose tags changed since. */
  const belongs = (
    resource: string,
    tags: Record<string, string> | undefined,
    fromIndex: boolean,
  ): boolean => {
    const mismatch = tagMismatch(tags, owner);
    if (mismatch) skip(resource, (fromIndex ? INDEX_DISAGREES : NAME_MATCHES) + mismatch);
    return !mismatch;
  };

  // 1. The tagging API's view: both tags must match.
  const mappings = await allPages(
    (token) =>
      awsCall(
        deps,
        {
          operation: 'GetResources',
          resource: `resources tagged for stage ${stage}`,
          permission: 'tag:GetResources',
        },
        () =>
          clients.tagging.send(
            new GetResourcesCommand({
              TagFilters: [
                { Key: TagKeys.Name, Values: [tagValue(project)] },
                { Key: TagKeys.Stage, Values: [tagValue(stage)] },
              ],
              ResourceTypeFilters: TYPE_FILTERS,
              PaginationToken: token,
            }),
          ),
      ),
    (page) => page.ResourceTagMappingList,
    (page) => page.PaginationToken,
  );
  const tagged = { functions: new Set<string>(), restApis: new Set<string>(), httpApis: new Set<string>() };
  const taggedPlans = new Set<string>();
  const taggedKeys = new Set<string>();
  const taggedRules = new Map<string, { name: string; eventBusName?: string }>();
  const taggedLogGroups = new Set<string>();
  for (const mapping of mappings) {
    const arn = mapping.ResourceARN ?? '';
    // The index filtered on the tags already; a disagreement here means a stale or odd answer.
    if (tagMismatch(tagMap(mapping.Tags), owner)) continue;
    const parsed = parseTaggedArn(arn);
    switch (parsed.kind) {
      case 'function':
        tagged.functions.add(parsed.name);
        break;
      case 'rest-api':
        tagged.restApis.add(parsed.id);
        break;
      case 'http-api':
        tagged.httpApis.add(parsed.id);
        break;
      case 'usage-plan':
        taggedPlans.add(parsed.id);
        break;
      case 'api-key':
        taggedKeys.add(parsed.id);
        break;
      case 'rule':
        taggedRules.set(arn, { name: parsed.name, eventBusName: parsed.eventBusName });
        break;
      case 'log-group':
        taggedLogGroups.add(parsed.name);
        break;
      case 'api-stage':
        break; // removed with its API
      default:
        skip(arn, 'tagged for this stage, but lambda-deploy does not remove this kind of resource');
    }
  }

  // 2. Functions: the expected name and every tagged one, each by its own tags.
  const notOurFunctions = new Map<string, string>();
  for (const name of new Set([functionName, ...tagged.functions])) {
    const fn = await awsCallOrGone(
      deps,
      { operation: 'GetFunction', resource: `function ${name}`, permission: 'lambda:GetFunction' },
      () => clients.lambda.send(new GetFunctionCommand({ FunctionName: name })),
    );
    if (!fn?.Configuration) continue;
    const label = `function ${name}`;
    if (!belongs(label, fn.Tags, name !== functionName)) {
      notOurFunctions.set(name, inv.skipped.at(-1)?.why ?? '');
      continue;
    }
    inv.functions.push({
      label,
      name,
      arn: fn.Configuration.FunctionArn ?? '',
      lastModified: fn.Configuration.LastModified,
    });
  }

  for (const fn of inv.functions) {
    const urls = await allPages(
      (marker) =>
        awsCallOrGone(
          deps,
          {
            operation: 'ListFunctionUrlConfigs',
            resource: fn.label,
            permission: 'lambda:ListFunctionUrlConfigs',
          },
          () =>
            clients.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: fn.name, Marker: marker })),
        ),
      (page) => page?.FunctionUrlConfigs,
      (page) => page?.NextMarker,
    );
    for (const url of urls) {
      const qualifier = parseQualifier(url.FunctionArn ?? '', fn.name);
      inv.functionUrls.push({
        label: `function URL of ${fn.name}${qualifier ? `:${qualifier}` : ''}`,
        functionName: fn.name,
        qualifier,
      });
    }
  }

  // 3. HTTP APIs and REST APIs: listed with their tags, candidates by name or tag.
  const httpApis = await allPages<{ Items?: Api[]; NextToken?: string }, Api>(
    (token) =>
      awsCall(
        deps,
        { operation: 'GetApis', resource: 'HTTP APIs', permission: 'apigateway:GET on /apis' },
        () => clients.apiGatewayV2.send(new GetApisCommand({ NextToken: token })),
      ),
    (page) => page.Items,
    (page) => page.NextToken,
  );
  for (const api of httpApis) {
    const id = api.ApiId ?? '';
    const fromIndex = tagged.httpApis.has(id);
    if (!fromIndex && !namedForStage(api.Name, functionName)) continue;
    const label = `HTTP API ${api.Name ?? ''} (${id})`;
    if (belongs(label, api.Tags, fromIndex && !namedForStage(api.Name, functionName)))
      inv.httpApis.push({ label, id, name: api.Name ?? '' });
  }

  const restApis = await allPages<{ items?: RestApi[]; position?: string }, RestApi>(
    (position) =>
      awsCall(
        deps,
        { operation: 'GetRestApis', resource: 'REST APIs', permission: 'apigateway:GET on /restapis' },
        () => clients.apiGateway.send(new GetRestApisCommand({ position, limit: 500 })),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  for (const api of restApis) {
    const id = api.id ?? '';
    const fromIndex = tagged.restApis.has(id);
    if (!fromIndex && !namedForStage(api.name, functionName)) continue;
    const label = `REST API ${api.name ?? ''} (${id})`;
    if (belongs(label, api.tags, fromIndex && !namedForStage(api.name, functionName)))
      inv.restApis.push({ label, id, name: api.name ?? '' });
  }

  // 4. Usage plans: by tag, by name, or because they serve one of our REST APIs.
  const ourRestIds = new Set(inv.restApis.map((a) => a.id));
  const plans = await allPages<{ items?: UsagePlan[]; position?: string }, UsagePlan>(
    (position) =>
      awsCall(
        deps,
        { operation: 'GetUsagePlans', resource: 'usage plans', permission: 'apigateway:GET on /usageplans' },
        () => clients.apiGateway.send(new GetUsagePlansCommand({ position, limit: 500 })),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  for (const plan of plans) {
    const id = plan.id ?? '';
    const servesOurs = (plan.apiStages ?? []).some((s) => s.apiId !== undefined && ourRestIds.has(s.apiId));
    const fromIndex = taggedPlans.has(id);
    const byName = namedForStage(plan.name, functionName);
    if (!fromIndex && !byName && !servesOurs) continue;
    const label = `usage plan ${plan.name ?? ''} (${id})`;
    const mismatch = tagMismatch(plan.tags, owner);
    if (mismatch) {
      const prefix = byName
        ? NAME_MATCHES
        : servesOurs
          ? 'serves a REST API of this stage but '
          : INDEX_DISAGREES;
      skip(label, `${prefix}${mismatch}`);
      continue;
    }
    inv.usagePlans.push({
      label,
      id,
      name: plan.name ?? '',
      apiStages: (plan.apiStages ?? []).map((s) => ({ apiId: s.apiId ?? '', stage: s.stage ?? '' })),
    });
  }

  // 5. API keys: by tag, by name, or linked to one of our usage plans.
  const keyCandidates = new Map<string, 'index' | 'name' | 'plan'>();
  // The preview role may not list /apikeys (the listing shows every key's value in the
  // region): then the keys come from the tags and the usage plans only.
  const named = await allPages(
    (position) =>
      awsCall(
        deps,
        {
          operation: 'GetApiKeys',
          resource: `API keys named ${functionName}*`,
          permission: 'apigateway:GET on /apikeys',
        },
        () =>
          clients.apiGateway.send(
            new GetApiKeysCommand({ nameQuery: functionName, position, limit: 500, includeValues: false }),
          ),
      ),
    (page) => page.items,
    (page) => page.position,
  ).catch((error: unknown) => {
    if (!isAccessDenied(error)) throw error;
    deps.logger.debug(
      'Listing API keys is not allowed to this role: API keys are found by tag and usage plan.',
    );
    return [];
  });
  const keyDetails = new Map<string, { name?: string; tags?: Record<string, string> }>();
  for (const key of named) {
    if (!key.id || !namedForStage(key.name, functionName)) continue;
    keyCandidates.set(key.id, 'name');
    keyDetails.set(key.id, { name: key.name, tags: key.tags });
  }
  for (const id of taggedKeys) if (!keyCandidates.has(id)) keyCandidates.set(id, 'index');
  for (const plan of inv.usagePlans) {
    const links = await usagePlanKeys(clients.apiGateway, plan, deps);
    for (const link of links) if (link.id && !keyCandidates.has(link.id)) keyCandidates.set(link.id, 'plan');
  }
  for (const [id, why] of keyCandidates) {
    let details = keyDetails.get(id);
    if (!details) {
      const key = await awsCallOrGone(
        deps,
        { operation: 'GetApiKey', resource: `API key ${id}`, permission: `apigateway:GET on /apikeys/${id}` },
        () => clients.apiGateway.send(new GetApiKeyCommand({ apiKey: id, includeValue: false })),
      );
      if (!key) continue;
      details = { name: key.name, tags: key.tags };
    }
    const label = `API key ${details.name ?? ''} (${id})`;
    const mismatch = tagMismatch(details.tags, owner);
    if (mismatch) {
      const prefix =
        why === 'name'
          ? NAME_MATCHES
          : why === 'plan'
            ? 'is linked to a usage plan of this stage but '
            : INDEX_DISAGREES;
      skip(label, `${prefix}${mismatch}${why === 'plan' ? ' (only the link is removed)' : ''}`);
      continue;
    }
    inv.apiKeys.push({ label, id, name: details.name ?? '' });
  }

  // 6. Keep-warm rules: by tag (any bus) or by name on the default bus.
  const rules = new Map(taggedRules);
  const byName = await allPages(
    (token) =>
      awsCall(
        deps,
        {
          operation: 'ListRules',
          resource: `EventBridge rules named ${functionName}*`,
          permission: 'events:ListRules',
        },
        () => clients.events.send(new ListRulesCommand({ NamePrefix: functionName, NextToken: token })),
      ),
    (page) => page.Rules,
    (page) => page.NextToken,
  );
  for (const rule of byName) {
    if (rule.Arn && rule.Name && namedForStage(rule.Name, functionName) && !rules.has(rule.Arn))
      rules.set(rule.Arn, {
        name: rule.Name,
        eventBusName: rule.EventBusName === 'default' ? undefined : rule.EventBusName,
      });
  }
  for (const [arn, rule] of rules) {
    const tags = await awsCallOrGone(
      deps,
      {
        operation: 'ListTagsForResource',
        resource: `EventBridge rule ${rule.name}`,
        permission: 'events:ListTagsForResource',
      },
      () => clients.events.send(new ListRuleTagsCommand({ ResourceARN: arn })),
    );
    if (!tags) continue;
    const label = `EventBridge rule ${rule.name}`;
    const fromIndex = taggedRules.has(arn) && !namedForStage(rule.name, functionName);
    if (belongs(label, tagMap(tags.Tags), fromIndex)) inv.rules.push({ label, arn, ...rule });
  }

  // 7. Log groups: they carry no tags of their own when Lambda creates them, so they follow their function.
  const logCandidates = new Set([...inv.functions.map((f) => f.name), functionName]);
  for (const name of taggedLogGroups) {
    if (!target.includeLogs) skip(`log group ${name}`, 'kept: remove-logs is false');
  }
  if (target.includeLogs) {
    for (const fnName of logCandidates) {
      const groupName = `/aws/lambda/${fnName}`;
      const label = `log group ${groupName}`;
      // Sorted by name, so the exact name comes first among those sharing the prefix: one page is enough.
      const found = await awsCall(
        deps,
        { operation: 'DescribeLogGroups', resource: label, permission: 'logs:DescribeLogGroups' },
        () => clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: groupName })),
      );
      const group = (found.logGroups ?? []).find((g) => g.logGroupName === groupName);
      if (!group) continue;
      if (inv.functions.some((f) => f.name === fnName) || taggedLogGroups.has(groupName)) {
        inv.logGroups.push({ label, name: groupName });
      } else if (notOurFunctions.has(fnName)) {
        skip(label, `belongs to function ${fnName}, whose ${notOurFunctions.get(fnName)}`);
      } else {
        // Function gone: only the log group's own tags can still vouch for it.
        const tags = group.logGroupArn
          ? await awsCallOrGone(
              deps,
              { operation: 'ListTagsForResource', resource: label, permission: 'logs:ListTagsForResource' },
              () => clients.logs.send(new ListLogTagsCommand({ resourceArn: group.logGroupArn })),
            )
          : undefined;
        const mismatch = tagMismatch(tags?.tags, owner);
        if (mismatch)
          skip(label, `its function is gone and its own tags do not tie it to this stage (${mismatch})`);
        else inv.logGroups.push({ label, name: groupName });
      }
    }
    for (const name of taggedLogGroups) {
      if (!inv.logGroups.some((g) => g.name === name))
        inv.logGroups.push({ label: `log group ${name}`, name });
    }
  }
  return inv;
}

/** `arn:...:function:name:live` -> live; the unqualified ARN -> undefined. */
function parseQualifier(functionArn: string, name: string): string | undefined {
  const marker = `:function:${name}:`;
  const at = functionArn.indexOf(marker);
  return at >= 0 ? functionArn.slice(at + marker.length) || undefined : undefined;
}

/** The API keys linked to a usage plan; none when the plan is already gone. */
export async function usagePlanKeys(
  apiGateway: AwsClients['apiGateway'],
  plan: FoundUsagePlan,
  deps: CleanupDeps,
): Promise<UsagePlanKey[]> {
  return allPages(
    (position) =>
      awsCallOrGone(
        deps,
        {
          operation: 'GetUsagePlanKeys',
          resource: plan.label,
          permission: `apigateway:GET on /usageplans/${plan.id}/keys`,
        },
        () => apiGateway.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id, position, limit: 500 })),
      ),
    (page) => page?.items,
    (page) => page?.position,
  );
}
