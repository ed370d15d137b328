/**
 * `api-key: true`: one API key and one usage plan per stage, both tagged and
 * named after the function, the plan bound to the REST API's stage with the
 * stage's throttle and quota, the key linked to the plan.
 *
 * Redeploys find and keep the same key: rotating it is an explicit choice
 * (delete the key; the next deploy makes a new one), never a side effect. A
 * key the owner disabled (it leaked) is never enabled again: the deploy makes
 * a new one, links it, and deletes the disabled one (ours, by its tags). The
 * key's value is passed to logger.mask as soon as it is read.
 */
import {
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetRestApiCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  UpdateUsagePlanCommand,
  type APIGatewayClient,
  type ApiKey,
  type UsagePlan,
} from '@aws-sdk/client-api-gateway';
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { allPages } from '../../aws/all-pages.js';
import { isAccessDenied } from '../../aws/aws-call.js';
import { TagKeys, tagsMatchStage } from '../../model/tags.js';
import { parseTaggedArn } from '../stage/tag-guard.js';
import { errorName } from '../../util/retry.js';
import { callAws, findAws, type AwsCall, type RetryDeps } from '../../aws/aws-call.js';
import { createOnce } from '../../aws/create-once.js';
import { apiGatewayCall } from './call-options.js';
import type { GatewayInput } from './gateway-types.js';
import {
  desiredThrottle,
  otherApiStages,
  usagePlanPatch,
  usagePlanQuota,
  usagePlanThrottle,
  type UsagePlanWant,
} from './throttle.js';

const restSpec = (
  input: GatewayInput,
  action: string,
  verb: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
): AwsCall => apiGatewayCall(input.context, action, verb, path);

/** Said when a create, change or link is denied: the preview role's policy leaves them out on purpose. */
const PREVIEW_ROLE_NO_KEYS =
  'The preview role may not make, change or link API keys and usage plans: IAM cannot check which key or API stage a link names, ' +
  "so a pull request could link production's key to its own plan and read its value. " +
  'Deploy stages with api-key: true with the production role, or leave this stage without a key (api-key: false).';

/** A call that makes, changes or links a key or plan. */
const writeSpec = (...args: Parameters<typeof restSpec>): AwsCall => ({
  ...restSpec(...args),
  deniedHint: PREVIEW_ROLE_NO_KEYS,
});

export interface ApiKeyResult {
  apiKeyId: string;
  /** Already masked. */
  apiKeyValue: string;
  changed: boolean;
}

/** Enabled keys first (a disabled one is only kept when it could not be deleted), then the oldest. */
function oldestFirst<T extends { createdDate?: Date; enabled?: boolean }>(items: T[]): T[] {
  const disabled = (k: T) => (k.enabled === false ? 1 : 0);
  return items.sort(
    (a, b) => disabled(a) - disabled(b) || (a.createdDate?.getTime() ?? 0) - (b.createdDate?.getTime() ?? 0),
  );
}

/**
 * The stage's key: the exact name and the stage's tags. Found by listing
 * `/apikeys` where the role may; the preview role may not (IAM cannot limit
 * that listing to the project, and with includeValues it shows every key's
 * value in the region), so it finds the key through its usage plan's links,
 * else through the tagging API: a key whose CreateApiKey took effect but
 * failed (a 5xx, a dropped connection), or whose run died before linking it,
 * is linked to no plan, and would otherwise be made a second time.
 */
async function findApiKey(
  client: APIGatewayClient,
  input: GatewayInput,
  deps: RetryDeps,
  tagging?: ResourceGroupsTaggingAPIClient,
): Promise<ApiKey | undefined> {
  try {
    return await listedApiKey(client, input, deps);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    deps.logger.debug(
      'Listing API keys is not allowed to this role: looking through the usage plan and the tagging API instead.',
    );
    const plan = await findUsagePlan(client, input, deps);
    const linked = plan?.id ? await linkedApiKey(client, input, plan.id, deps) : undefined;
    return linked ?? (tagging && (await taggedApiKey(client, tagging, input, deps)));
  }
}

/** The stage's key among those the tagging API lists with the stage's tags (each key read: its own tags decide). */
async function taggedApiKey(
  client: APIGatewayClient,
  tagging: ResourceGroupsTaggingAPIClient,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<ApiKey | undefined> {
  const { context } = input;
  const mappings = await allPages(
    (token) =>
      callAws(
        deps,
        { what: `list the API keys tagged for stage ${context.stage}`, permission: 'tag:GetResources' },
        () =>
          tagging.send(
            new GetResourcesCommand({
              TagFilters: [TagKeys.Name, TagKeys.Stage].map((Key) => ({ Key, Values: [context.tags[Key]!] })),
              ResourceTypeFilters: ['apigateway'],
              PaginationToken: token,
            }),
          ),
      ),
    (page) => page.ResourceTagMappingList,
    (page) => page.PaginationToken,
  );
  const keys: ApiKey[] = [];
  for (const mapping of mappings) {
    const parsed = parseTaggedArn(mapping.ResourceARN ?? '');
    if (parsed.kind !== 'api-key') continue;
    const id = parsed.id;
    // The index lags behind deletes: a key already gone is none.
    const key = await findAws(
      deps,
      {
        ...restSpec(input, `read the API key ${id}`, 'GET', `/apikeys/${id}`),
        absent: ['NotFoundException'],
      },
      () => client.send(new GetApiKeyCommand({ apiKey: id, includeValue: true })),
    );
    if (key && key.name === context.functionName && tagsMatchStage(key.tags, context.tags)) keys.push(key);
  }
  return oldestFirst(keys)[0];
}

/** The stage's key among those linked to its usage plan (the links carry no tags: each key is read). */
async function linkedApiKey(
  client: APIGatewayClient,
  input: GatewayInput,
  planId: string,
  deps: RetryDeps,
): Promise<ApiKey | undefined> {
  const links = await allPages(
    (position) =>
      callAws(
        deps,
        restSpec(input, `list the keys of usage plan ${planId}`, 'GET', `/usageplans/${planId}/keys`),
        () => client.send(new GetUsagePlanKeysCommand({ usagePlanId: planId, limit: 500, position })),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  const ids: string[] = [];
  for (const link of links) if (link.id && link.name === input.context.functionName) ids.push(link.id);
  const keys: ApiKey[] = [];
  for (const id of ids) {
    const key = await callAws(deps, restSpec(input, `read the API key ${id}`, 'GET', `/apikeys/${id}`), () =>
      client.send(new GetApiKeyCommand({ apiKey: id, includeValue: true })),
    );
    if (tagsMatchStage(key.tags, input.context.tags)) keys.push(key);
  }
  return oldestFirst(keys)[0];
}

async function listedApiKey(
  client: APIGatewayClient,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<ApiKey | undefined> {
  const { stage, functionName } = input.context;
  const listed = await allPages(
    (position) =>
      callAws(deps, restSpec(input, 'list the API keys', 'GET', '/apikeys'), () =>
        client.send(
          new GetApiKeysCommand({ nameQuery: functionName, includeValues: true, limit: 500, position }),
        ),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  const matches = listed.filter(
    (key) => key.name === functionName && tagsMatchStage(key.tags, input.context.tags),
  );
  oldestFirst(matches);
  const enabled = matches.filter((k) => k.enabled !== false);
  if (enabled.length > 1)
    deps.logger.warning(
      `Stage ${stage} has ${enabled.length} API keys tagged for it (${enabled.map((k) => k.id).join(', ')}); using the oldest, ${enabled[0]?.id}.`,
    );
  return matches[0];
}

/** Usage plans tagged for the stage; with `keyId`, only those the key is linked to. */
async function findUsagePlan(
  client: APIGatewayClient,
  input: GatewayInput,
  deps: RetryDeps,
  keyId?: string,
): Promise<UsagePlan | undefined> {
  const plans = await allPages(
    (position) =>
      callAws(deps, restSpec(input, 'list the usage plans', 'GET', '/usageplans'), () =>
        client.send(new GetUsagePlansCommand({ keyId, limit: 500, position })),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  return plans.find((plan) => tagsMatchStage(plan.tags, input.context.tags));
}

export async function ensureApiKey(
  client: APIGatewayClient,
  input: GatewayInput,
  target: { apiId: string; restStage: string },
  deps: RetryDeps,
  tagging?: ResourceGroupsTaggingAPIClient,
): Promise<ApiKeyResult> {
  const key = await ensureKey(client, input, deps, tagging);
  const keyId = key.key.id as string;
  const value = key.key.value ?? '';
  if (!value)
    throw new Error(
      `API key ${keyId} of stage ${input.context.stage}: API Gateway returned no value for it.`,
    );

  const want: UsagePlanWant = {
    apiId: target.apiId,
    stage: target.restStage,
    throttle: desiredThrottle(input.throttleRate, input.throttleBurst),
    quota: input.quota,
  };
  const plan = await linkedPlan(client, input, keyId, want, deps);
  const updated = !plan.created && (await updatePlan(client, input, plan.plan, want, deps));
  if (key.replaced) await retireKey(client, input, key.replaced, { id: keyId, planId: plan.plan.id }, deps);
  return { apiKeyId: keyId, apiKeyValue: value, changed: key.changed || plan.linked || updated };
}

/**
 * The stage's API key, its value masked in the log: found, or created. A
 * disabled one is not used (`replaced`): a new key is made in its place.
 */
async function ensureKey(
  client: APIGatewayClient,
  input: GatewayInput,
  deps: RetryDeps,
  tagging?: ResourceGroupsTaggingAPIClient,
): Promise<{ key: ApiKey; changed: boolean; replaced?: ApiKey }> {
  const { context } = input;
  const findWithValue = async () => {
    const found = await findApiKey(client, input, deps, tagging);
    if (!found?.id || found.value !== undefined) return found;
    // includeValues normally carries it; read the one key if it did not.
    const id = found.id;
    return callAws(deps, restSpec(input, `read the API key ${id}`, 'GET', `/apikeys/${id}`), () =>
      client.send(new GetApiKeyCommand({ apiKey: id, includeValue: true })),
    );
  };
  const found = await findWithValue();
  if (found?.value) deps.logger.mask(found.value);
  if (found && found.enabled !== false) return { key: found, changed: false };
  const key = await createOnce(
    deps,
    writeSpec(input, 'create the API key', 'POST', '/apikeys'),
    // A retried create looks for the key it may have made: an enabled one.
    async () => {
      const made = await findWithValue();
      return made?.enabled === false ? undefined : made;
    },
    () =>
      client.send(
        new CreateApiKeyCommand({
          name: context.functionName,
          description: `lambda-deploy: ${context.project}, stage ${context.stage}`,
          enabled: true,
          tags: context.tags,
        }),
      ),
  );
  if (key.value) deps.logger.mask(key.value);
  if (!found) deps.logger.info(`Created API key ${key.id} for stage ${context.stage}.`);
  return found ? { key, changed: true, replaced: found } : { key, changed: true };
}

/**
 * The disabled key, replaced by `next` (already linked to the plan): said at
 * warning level, unlinked from the plan and deleted. It is ours (found by the
 * stage's tags) and disabled, so one that cannot be deleted is a warning:
 * the next deploy uses the enabled key and leaves it be.
 */
async function retireKey(
  client: APIGatewayClient,
  input: GatewayInput,
  old: ApiKey,
  next: { id: string; planId?: string },
  deps: RetryDeps,
): Promise<void> {
  const { stage, region } = input.context;
  const oldId = old.id as string;
  deps.logger.warning(
    `The API key ${oldId} of stage ${stage} is disabled: a disabled key is never enabled again, so it is ` +
      `replaced by a new key, ${next.id}, and deleted. Clients need the new key; read its value with ` +
      `\`aws apigateway get-api-key --api-key ${next.id} --include-value --region ${region}\`.`,
  );
  try {
    const planId = next.planId;
    if (planId)
      // Not linked to this plan (any more) is as good.
      await findAws(
        deps,
        restSpec(
          input,
          `unlink API key ${oldId} from usage plan ${planId}`,
          'DELETE',
          `/usageplans/${planId}/keys/${oldId}`,
        ),
        () => client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: planId, keyId: oldId })),
      );
    await findAws(deps, restSpec(input, `delete the API key ${oldId}`, 'DELETE', `/apikeys/${oldId}`), () =>
      client.send(new DeleteApiKeyCommand({ apiKey: oldId })),
    );
  } catch (error) {
    deps.logger.warning(
      `Could not delete the disabled API key ${oldId} of stage ${stage} (it stays disabled): ${(error as Error).message}`,
    );
  }
}

/**
 * The usage plan the key is linked to: in one call when all is in place;
 * else the stage's plan (created when missing, with the API stage, throttle
 * and quota wanted) and the key linked to it.
 */
async function linkedPlan(
  client: APIGatewayClient,
  input: GatewayInput,
  keyId: string,
  want: UsagePlanWant,
  deps: RetryDeps,
): Promise<{ plan: UsagePlan; created: boolean; linked: boolean }> {
  const { context } = input;
  const linked = await findUsagePlan(client, input, deps, keyId);
  if (linked) return { plan: linked, created: false, linked: false };
  let plan = await findUsagePlan(client, input, deps);
  let created = false;
  if (!plan) {
    plan = await createOnce(
      deps,
      writeSpec(input, 'create the usage plan', 'POST', '/usageplans'),
      () => findUsagePlan(client, input, deps),
      () =>
        client.send(
          new CreateUsagePlanCommand({
            name: context.functionName,
            description: `lambda-deploy: ${context.project}, stage ${context.stage}`,
            apiStages: [{ apiId: want.apiId, stage: want.stage }],
            throttle: usagePlanThrottle(want.throttle),
            quota: usagePlanQuota(want.quota),
            tags: context.tags,
          }),
        ),
    );
    deps.logger.info(`Created usage plan ${plan.id} for stage ${context.stage}.`);
    created = true;
  }
  const planId = plan.id as string;
  await callAws(
    deps,
    writeSpec(input, `link API key ${keyId} to usage plan ${planId}`, 'POST', `/usageplans/${planId}/keys`),
    async () => {
      try {
        await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: planId, keyId, keyType: 'API_KEY' }));
      } catch (error) {
        // Already linked (a parallel run, or an earlier run stopped after linking).
        if (errorName(error) !== 'ConflictException') throw error;
      }
    },
  );
  return { plan, created, linked: true };
}

/**
 * An existing plan brought to `want`. Another API stage on it stays unless it
 * is provably ours (see ourLeftovers): an owner may share the key with an API
 * of theirs. Removing a leftover is worth a warning, not a failed deploy.
 */
async function updatePlan(
  client: APIGatewayClient,
  input: GatewayInput,
  plan: UsagePlan,
  want: UsagePlanWant,
  deps: RetryDeps,
): Promise<boolean> {
  const planId = plan.id as string;
  const update = usagePlanPatch(plan, want);
  const planSpec = writeSpec(input, `update usage plan ${planId}`, 'PATCH', `/usageplans/${planId}`);
  let changed = false;
  if (update.length) {
    await callAws(deps, planSpec, () =>
      client.send(new UpdateUsagePlanCommand({ usagePlanId: planId, patchOperations: update })),
    );
    deps.logger.info(`Updated usage plan ${planId} (API stage, throttle or quota).`);
    changed = true;
  }
  const { leftovers, kept } = await ourLeftovers(client, input, otherApiStages(plan, want), want, deps);
  if (kept.length)
    deps.logger.info(
      `The usage plan ${planId} also serves ${kept.map((s) => `${s.apiId}:${s.stage}`).join(', ')}, not this stage's REST API: kept.`,
    );
  if (leftovers.length) {
    const stale = leftovers.map((s) => ({
      op: 'remove' as const,
      path: '/apiStages',
      value: `${s.apiId}:${s.stage}`,
    }));
    try {
      await callAws(deps, planSpec, () =>
        client.send(new UpdateUsagePlanCommand({ usagePlanId: planId, patchOperations: stale })),
      );
      changed = true;
    } catch (error) {
      deps.logger.warning(`Usage plan ${planId} still lists an old API stage: ${(error as Error).message}`);
    }
  }
  return changed;
}

type ApiStage = { apiId: string; stage: string };

/**
 * Which of the plan's other API stages are leftovers of ours: another stage
 * of this stage's REST API, or an API whose own tags name this stage (a
 * second API a race made). An API we may not read or that is gone is kept.
 */
async function ourLeftovers(
  client: APIGatewayClient,
  input: GatewayInput,
  others: ApiStage[],
  want: UsagePlanWant,
  deps: RetryDeps,
): Promise<{ leftovers: ApiStage[]; kept: ApiStage[] }> {
  const leftovers: ApiStage[] = [];
  const kept: ApiStage[] = [];
  const ours = new Map<string, boolean>([[want.apiId, true]]);
  for (const s of others) {
    if (!ours.has(s.apiId)) ours.set(s.apiId, await taggedForStage(client, input, s.apiId, deps));
    (ours.get(s.apiId) ? leftovers : kept).push(s);
  }
  return { leftovers, kept };
}

async function taggedForStage(
  client: APIGatewayClient,
  input: GatewayInput,
  apiId: string,
  deps: RetryDeps,
): Promise<boolean> {
  try {
    const api = await findAws(
      deps,
      restSpec(input, `read the REST API ${apiId}`, 'GET', `/restapis/${apiId}`),
      () => client.send(new GetRestApiCommand({ restApiId: apiId })),
    );
    return tagsMatchStage(api?.tags, input.context.tags);
  } catch (error) {
    // The deploy role reads only the project's APIs: one it may not read is not ours.
    if (isAccessDenied(error)) return false;
    throw error;
  }
}
