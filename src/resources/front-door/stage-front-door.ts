/**
 * A stage's front door as undeploy finds and removes it: HTTP and REST
 * APIs, usage plans and API keys. Candidates come by name, by the tagging
 * API, or by a link to one of the stage's resources; their own tags decide.
 */
import {
  DeleteApiKeyCommand,
  DeleteRestApiCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetRestApisCommand,
  GetUsagePlanCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  UpdateUsagePlanCommand,
  type RestApi,
  type UsagePlan,
  type UsagePlanKey,
} from '@aws-sdk/client-api-gateway';
import { DeleteApiCommand, GetApisCommand, type Api } from '@aws-sdk/client-apigatewayv2';
import { allPages } from '../../aws/all-pages.js';
import type { AwsClients } from '../../aws/clients.js';
import {
  AwsError,
  callAws,
  findAws,
  hasErrorName,
  isAccessDenied,
  wrapAwsError,
  type RetryDeps,
} from '../../aws/aws-call.js';
import {
  INDEX_DISAGREES,
  NAME_MATCHES,
  removalCall,
  removeOrGone,
  type CleanupClients,
  type Labelled,
  type SkippedResource,
  type StageSearch,
} from '../stage/stage-search.js';
import { namedForStage, tagMismatch } from '../stage/tag-guard.js';

export interface FoundApi extends Labelled {
  id: string;
  name: string;
}

export interface FoundUsagePlan extends FoundApi {
  apiStages: { apiId: string; stage: string }[];
}

/** The stage's HTTP APIs: listed with their tags, candidates by name or by the tagging API. */
export async function findStageHttpApis(search: StageSearch): Promise<FoundApi[]> {
  const { functionName } = search.target;
  const apis = await allPages<{ Items?: Api[]; NextToken?: string }, Api>(
    (token) =>
      callAws(search.deps, removalCall('list the HTTP APIs', 'apigateway:GET on /apis'), () =>
        search.clients.apiGatewayV2.send(new GetApisCommand({ NextToken: token })),
      ),
    (page) => page.Items,
    (page) => page.NextToken,
  );
  const found: FoundApi[] = [];
  for (const api of apis) {
    const id = api.ApiId ?? '';
    const fromIndex = search.tagged.httpApis.has(id);
    if (!fromIndex && !namedForStage(api.Name, functionName)) continue;
    const label = `HTTP API ${api.Name ?? ''} (${id})`;
    if (search.belongs(label, api.Tags, fromIndex && !namedForStage(api.Name, functionName)))
      found.push({ label, id, name: api.Name ?? '' });
  }
  return found;
}

/** The stage's REST APIs, found like its HTTP APIs. */
export async function findStageRestApis(search: StageSearch): Promise<FoundApi[]> {
  const { functionName } = search.target;
  const apis = await allPages<{ items?: RestApi[]; position?: string }, RestApi>(
    (position) =>
      callAws(search.deps, removalCall('list the REST APIs', 'apigateway:GET on /restapis'), () =>
        search.clients.apiGateway.send(new GetRestApisCommand({ position, limit: 500 })),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  const found: FoundApi[] = [];
  for (const api of apis) {
    const id = api.id ?? '';
    const fromIndex = search.tagged.restApis.has(id);
    if (!fromIndex && !namedForStage(api.name, functionName)) continue;
    const label = `REST API ${api.name ?? ''} (${id})`;
    if (search.belongs(label, api.tags, fromIndex && !namedForStage(api.name, functionName)))
      found.push({ label, id, name: api.name ?? '' });
  }
  return found;
}

/** Usage plans: by tag, by name, or because they serve one of the stage's REST APIs. */
export async function findStageUsagePlans(
  search: StageSearch,
  restApis: readonly FoundApi[],
): Promise<FoundUsagePlan[]> {
  const ourRestIds = new Set(restApis.map((a) => a.id));
  const plans = await allPages<{ items?: UsagePlan[]; position?: string }, UsagePlan>(
    (position) =>
      callAws(search.deps, removalCall('list the usage plans', 'apigateway:GET on /usageplans'), () =>
        search.clients.apiGateway.send(new GetUsagePlansCommand({ position, limit: 500 })),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  const found: FoundUsagePlan[] = [];
  for (const plan of plans) {
    const id = plan.id ?? '';
    const servesOurs = (plan.apiStages ?? []).some((s) => s.apiId !== undefined && ourRestIds.has(s.apiId));
    const fromIndex = search.tagged.usagePlans.has(id);
    const byName = namedForStage(plan.name, search.target.functionName);
    if (!fromIndex && !byName && !servesOurs) continue;
    const label = `usage plan ${plan.name ?? ''} (${id})`;
    const mismatch = tagMismatch(plan.tags, search.owner);
    if (mismatch) {
      const prefix = byName
        ? NAME_MATCHES
        : servesOurs
          ? 'serves a REST API of this stage but '
          : INDEX_DISAGREES;
      search.skip(label, `${prefix}${mismatch}`);
      continue;
    }
    found.push({
      label,
      id,
      name: plan.name ?? '',
      apiStages: (plan.apiStages ?? []).map((s) => ({ apiId: s.apiId ?? '', stage: s.stage ?? '' })),
    });
  }
  return found;
}

type KeyDetails = { name?: string; tags?: Record<string, string> };

/**
 * The API keys named for the stage. The preview role may not list /apikeys
 * (the listing shows every key's value in the region): then none, and the
 * keys come from the tags and the usage plans only.
 */
async function apiKeysNamed(search: StageSearch): Promise<Map<string, KeyDetails>> {
  const { functionName } = search.target;
  const named = await allPages(
    (position) =>
      callAws(
        search.deps,
        removalCall(`list the API keys named ${functionName}*`, 'apigateway:GET on /apikeys'),
        () =>
          search.clients.apiGateway.send(
            new GetApiKeysCommand({ nameQuery: functionName, position, limit: 500, includeValues: false }),
          ),
      ),
    (page) => page.items,
    (page) => page.position,
  ).catch((error: unknown) => {
    if (!isAccessDenied(error)) throw error;
    search.deps.logger.debug(
      'Listing API keys is not allowed to this role: API keys are found by tag and usage plan.',
    );
    return [];
  });
  const details = new Map<string, KeyDetails>();
  for (const key of named)
    if (key.id && namedForStage(key.name, functionName))
      details.set(key.id, { name: key.name, tags: key.tags });
  return details;
}

const KEY_REASONS = {
  name: NAME_MATCHES,
  plan: 'is linked to a usage plan of this stage but ',
  index: INDEX_DISAGREES,
} as const;

/** API keys: by tag, by name, or linked to one of the stage's usage plans. */
export async function findStageApiKeys(
  search: StageSearch,
  plans: readonly FoundUsagePlan[],
): Promise<FoundApi[]> {
  const { clients, deps } = search;
  const keyDetails = await apiKeysNamed(search);
  const candidates = new Map<string, keyof typeof KEY_REASONS>(
    [...keyDetails.keys()].map((id) => [id, 'name']),
  );
  for (const id of search.tagged.apiKeys) if (!candidates.has(id)) candidates.set(id, 'index');
  for (const plan of plans) {
    for (const link of await usagePlanKeys(clients.apiGateway, plan, deps))
      if (link.id && !candidates.has(link.id)) candidates.set(link.id, 'plan');
  }
  const found: FoundApi[] = [];
  for (const [id, why] of candidates) {
    let details = keyDetails.get(id);
    if (!details) {
      const key = await findAws(
        deps,
        removalCall(`read API key ${id}`, `apigateway:GET on /apikeys/${id}`),
        () => clients.apiGateway.send(new GetApiKeyCommand({ apiKey: id, includeValue: false })),
      );
      if (!key) continue;
      details = { name: key.name, tags: key.tags };
    }
    const label = `API key ${details.name ?? ''} (${id})`;
    const mismatch = tagMismatch(details.tags, search.owner);
    if (mismatch) {
      search.skip(
        label,
        `${KEY_REASONS[why]}${mismatch}${why === 'plan' ? ' (only the link is removed)' : ''}`,
      );
      continue;
    }
    found.push({ label, id, name: details.name ?? '' });
  }
  return found;
}

/** The API keys linked to a usage plan; none when the plan is already gone. */
export async function usagePlanKeys(
  apiGateway: AwsClients['apiGateway'],
  plan: FoundUsagePlan,
  deps: RetryDeps,
): Promise<UsagePlanKey[]> {
  return allPages(
    (position) =>
      findAws(
        deps,
        removalCall(`list the API keys of ${plan.label}`, `apigateway:GET on /usageplans/${plan.id}/keys`),
        () => apiGateway.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id, position, limit: 500 })),
      ),
    (page) => page?.items,
    (page) => page?.position,
  );
}

/**
 * Said when a detach is denied. AWS deletes no usage plan that still lists an API stage, and the
 * preview role may not PATCH a plan (the same call could attach production's stage to it).
 */
const PREVIEW_ROLE_NO_PLAN_CHANGES =
  "The preview role may not change usage plans (a change could attach production's API stage to a preview's plan), " +
  'and AWS deletes no plan that still lists an API stage: remove this stage with the production role ' +
  '(the scheduled prune does, or undeploy run with that role).';

/** Unlinks the plan's keys and detaches its API stages, then removes it; false when already gone. */
export async function removeUsagePlan(
  clients: CleanupClients,
  plan: FoundUsagePlan,
  deps: RetryDeps,
): Promise<boolean> {
  const gw = clients.apiGateway;
  for (const link of await usagePlanKeys(gw, plan, deps)) {
    if (!link.id) continue;
    await findAws(
      deps,
      removalCall(
        `unlink API key ${link.id} from ${plan.label}`,
        `apigateway:DELETE on /usageplans/${plan.id}/keys/*`,
      ),
      () => gw.send(new DeleteUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: link.id })),
    );
  }
  for (const { apiId, stage } of plan.apiStages) {
    try {
      await findAws(
        deps,
        removalCall(
          `detach ${apiId}:${stage} from ${plan.label}`,
          `apigateway:PATCH on /usageplans/${plan.id}`,
          {
            deniedHint: PREVIEW_ROLE_NO_PLAN_CHANGES,
          },
        ),
        () =>
          gw.send(
            new UpdateUsagePlanCommand({
              usagePlanId: plan.id,
              patchOperations: [{ op: 'remove', path: '/apiStages', value: `${apiId}:${stage}` }],
            }),
          ),
      );
    } catch (error) {
      // A detach answered with a 5xx after it took effect is sent again by the SDK, and AWS
      // refuses to remove a stage the plan does not list ("Invalid API Stage specified").
      if (!hasErrorName(error, 'BadRequestException') || (await planLists(gw, plan, apiId, stage, deps)))
        throw error;
    }
  }
  return removeOrGone(
    deps,
    removalCall(`delete ${plan.label}`, `apigateway:DELETE on /usageplans/${plan.id}`),
    () => gw.send(new DeleteUsagePlanCommand({ usagePlanId: plan.id })),
  );
}

/** Whether the usage plan, read again, still lists the API stage (false when the plan is gone). */
async function planLists(
  gw: CleanupClients['apiGateway'],
  plan: FoundUsagePlan,
  apiId: string,
  stage: string,
  deps: RetryDeps,
): Promise<boolean> {
  const now = await findAws(
    deps,
    removalCall(`read ${plan.label}`, `apigateway:GET on /usageplans/${plan.id}`),
    () => gw.send(new GetUsagePlanCommand({ usagePlanId: plan.id })),
  );
  return (now?.apiStages ?? []).some((s) => s.apiId === apiId && s.stage === stage);
}

export function removeApiKey(clients: CleanupClients, key: FoundApi, deps: RetryDeps): Promise<boolean> {
  return removeOrGone(
    deps,
    removalCall(`delete ${key.label}`, `apigateway:DELETE on /apikeys/${key.id}`),
    () => clients.apiGateway.send(new DeleteApiKeyCommand({ apiKey: key.id })),
  );
}

/**
 * Removes a REST API; false when already gone. When AWS refuses because a
 * usage plan still holds it and `skipped` names plans we may not touch, the
 * error says which and how to fix it.
 */
export async function removeRestApi(
  clients: CleanupClients,
  api: FoundApi,
  skipped: readonly SkippedResource[],
  deps: RetryDeps,
): Promise<boolean> {
  const call = removalCall(`delete ${api.label}`, `apigateway:DELETE on /restapis/${api.id}`);
  try {
    return await removeOrGone(deps, call, () =>
      clients.apiGateway.send(new DeleteRestApiCommand({ restApiId: api.id })),
    );
  } catch (error) {
    const holders = skipped.filter((s) => s.resource.startsWith('usage plan '));
    if (
      error instanceof AwsError &&
      holders.length &&
      hasErrorName(error, 'BadRequestException', 'ConflictException')
    )
      throw wrapAwsError(
        error.cause,
        call.what,
        call.permission,
        `Usage plans not tagged for this stage still use it (${holders.map((h) => h.resource).join(', ')}): detach the API stage from them, then undeploy again.`,
        deps.needs,
      );
    throw error;
  }
}

export function removeHttpApi(clients: CleanupClients, api: FoundApi, deps: RetryDeps): Promise<boolean> {
  return removeOrGone(deps, removalCall(`delete ${api.label}`, `apigateway:DELETE on /apis/${api.id}`), () =>
    clients.apiGatewayV2.send(new DeleteApiCommand({ ApiId: api.id })),
  );
}
