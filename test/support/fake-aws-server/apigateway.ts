/**
 * API Gateway, both generations behind the one `apigateway` signing name:
 * v2 (HTTP APIs, /v2/apis...) and v1 (REST APIs, API keys, usage plans).
 * REST-JSON with camelCase members; v2 dates are ISO strings, v1 dates epoch
 * seconds, as their SDK schemas say.
 */
import { AwsFault, json, empty, parseJsonBody, type FakeRequest, type Reply } from './http.js';
import type { Routed } from './lambda.js';
import {
  ACCOUNT_ID,
  REGION,
  newId,
  type AccountState,
  type FakeApiKey,
  type FakeHttpApi,
  type FakeRestApi,
  type FakeRestResource,
  type FakeUsagePlan,
} from './state.js';

/** What the test may tell the fake about a new front door. */
export interface ApiInfo {
  kind: 'http-api' | 'rest-api';
  id: string;
  name: string;
  tags: Record<string, string>;
}

export interface ApiGatewayContext {
  state: AccountState;
  /** The ApiEndpoint of a new HTTP API (default `https://{id}.execute-api.{region}.amazonaws.com`). */
  endpointFor(api: ApiInfo): string;
  /** The value of a new API key. */
  newApiKeyValue(): string;
}

interface PatchOperation {
  op?: string;
  path?: string;
  value?: string;
}

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

export function routeApiGateway(req: FakeRequest, ctx: ApiGatewayContext): Routed {
  const s = req.segments;
  const m = req.method;
  const body = () => parseJsonBody(req.body);
  const route = (operation: string, run: () => Reply): Routed => ({
    operation,
    input: { ...Object.fromEntries(req.query), ...safeJson(req.body), ...pathParams(s) },
    run,
  });
  const unknown = () =>
    route('Unknown', () => {
      throw new AwsFault(404, 'UnknownOperationException', `The fake API Gateway has no ${m} ${req.path}`);
    });

  if (s[0] === 'v2') {
    if (s[1] !== 'apis') return unknown();
    const [, , apiId, sub, subId] = s;
    if (!apiId) {
      if (m === 'GET')
        return route('GetApis', () =>
          json(200, { items: [...ctx.state.httpApis.values()].map(httpApiJson) }),
        );
      if (m === 'POST') return route('CreateApi', () => createHttpApi(ctx, body()));
      return unknown();
    }
    if (!sub) {
      if (m === 'GET') return route('GetApi', () => json(200, httpApiJson(httpApi(ctx, apiId))));
      if (m === 'DELETE')
        return route('DeleteApi', () => {
          httpApi(ctx, apiId);
          ctx.state.httpApis.delete(apiId);
          return empty(204);
        });
      return unknown();
    }
    if (sub === 'integrations' || sub === 'routes') {
      const idKey = sub === 'integrations' ? 'integrationId' : 'routeId';
      const what = sub === 'integrations' ? 'Integration' : 'Route';
      if (!subId && m === 'GET')
        return route(`Get${what}s`, () => json(200, { items: [...httpApi(ctx, apiId)[sub].values()] }));
      if (!subId && m === 'POST')
        return route(`Create${what}`, () => {
          const api = httpApi(ctx, apiId);
          const item = { ...body(), [idKey]: newId(7) } as Record<string, unknown>;
          if (sub === 'integrations') item.timeoutInMillis ??= 30000;
          api[sub].set(item[idKey] as string, item);
          return json(201, item);
        });
      if (subId && (m === 'PATCH' || m === 'GET'))
        return route(`${m === 'GET' ? 'Get' : 'Update'}${what}`, () => {
          const item = httpApi(ctx, apiId)[sub].get(subId);
          if (!item) throw new AwsFault(404, 'NotFoundException', `Invalid ${what} identifier specified`);
          if (m === 'PATCH') Object.assign(item, body());
          return json(200, item);
        });
      return unknown();
    }
    if (sub === 'stages') {
      if (!subId && m === 'POST')
        return route('CreateStage', () => {
          const api = httpApi(ctx, apiId);
          const input = body();
          const name = String(input.stageName ?? '');
          if (api.stages.has(name))
            throw new AwsFault(409, 'ConflictException', `Stage already exists: ${name}`);
          const now = new Date().toISOString();
          const stage = {
            defaultRouteSettings: { detailedMetricsEnabled: false },
            routeSettings: {},
            stageVariables: {},
            tags: {},
            ...input,
            createdDate: now,
            lastUpdatedDate: now,
          };
          api.stages.set(name, stage);
          return json(201, stage);
        });
      if (subId && m === 'GET') return route('GetStage', () => json(200, httpStage(ctx, apiId, subId)));
      if (subId && m === 'PATCH')
        return route('UpdateStage', () => {
          const stage = httpStage(ctx, apiId, subId);
          Object.assign(stage, body(), { lastUpdatedDate: new Date().toISOString() });
          return json(200, stage);
        });
    }
    return unknown();
  }

  // ---- v1: REST APIs, API keys, usage plans
  const [root, id, sub, subId, methods, verb, tail] = s;
  if (root === 'restapis') {
    if (!id) {
      if (m === 'GET')
        return route('GetRestApis', () =>
          json(200, { item: [...ctx.state.restApis.values()].map(restApiJson) }),
        );
      if (m === 'POST') return route('CreateRestApi', () => createRestApi(ctx, body()));
      return unknown();
    }
    if (!sub) {
      if (m === 'GET') return route('GetRestApi', () => json(200, restApiJson(restApi(ctx, id))));
      if (m === 'DELETE')
        return route('DeleteRestApi', () => {
          restApi(ctx, id);
          ctx.state.restApis.delete(id);
          return empty(202);
        });
      if (m === 'PATCH')
        return route('UpdateRestApi', () => {
          const api = restApi(ctx, id);
          for (const op of patchOps(body())) {
            const media = /^\/binaryMediaTypes\/(.+)$/.exec(op.path ?? '');
            if (media && op.op === 'add') api.binaryMediaTypes.push((media[1] as string).replace(/~1/g, '/'));
            else if (op.path === '/description') api.description = op.value;
          }
          return json(200, restApiJson(api));
        });
      return unknown();
    }
    if (sub === 'resources') {
      if (!subId && m === 'GET')
        return route('GetResources', () => {
          const embed = req.query.getAll('embed').join(',').includes('methods');
          return json(200, {
            item: [...restApi(ctx, id).resources.values()].map((r) => resourceJson(r, embed)),
          });
        });
      if (subId && !methods && m === 'POST')
        return route('CreateResource', () => {
          const api = restApi(ctx, id);
          const parent = resource(api, subId);
          const pathPart = String(body().pathPart ?? '');
          const path = `${parent.path === '/' ? '' : parent.path}/${pathPart}`;
          if ([...api.resources.values()].some((r) => r.path === path))
            throw new AwsFault(
              409,
              'ConflictException',
              `Another resource with the same parent already has this name: ${pathPart}`,
            );
          const made: FakeRestResource = {
            id: newId(6),
            parentId: parent.id,
            pathPart,
            path,
            methods: new Map(),
          };
          api.resources.set(made.id, made);
          return json(201, resourceJson(made, true));
        });
      if (subId && methods === 'methods' && verb) {
        const get = () => resource(restApi(ctx, id), subId);
        const method = () => {
          const found = get().methods.get(verb);
          if (!found) throw new AwsFault(404, 'NotFoundException', 'Invalid Method identifier specified');
          return found;
        };
        if (!tail) {
          if (m === 'PUT')
            return route('PutMethod', () => {
              const input = body();
              const made = {
                httpMethod: verb,
                authorizationType: input.authorizationType ?? 'NONE',
                apiKeyRequired: input.apiKeyRequired === true,
              };
              get().methods.set(verb, made);
              return json(201, made);
            });
          if (m === 'GET') return route('GetMethod', () => json(200, method()));
          if (m === 'PATCH')
            return route('UpdateMethod', () => {
              const found = method();
              for (const op of patchOps(body()))
                if (op.path === '/apiKeyRequired') found.apiKeyRequired = op.value === 'true';
              return json(200, found);
            });
        }
        if (tail === 'integration') {
          if (m === 'PUT')
            return route('PutIntegration', () => {
              const input = body();
              const found = method();
              const integration = {
                type: input.type,
                httpMethod: input.httpMethod,
                uri: input.uri,
                passthroughBehavior: 'WHEN_NO_MATCH',
                timeoutInMillis: 29000,
                cacheNamespace: get().id,
                cacheKeyParameters: [],
              };
              found.methodIntegration = integration;
              return json(201, integration);
            });
          if (m === 'GET')
            return route('GetIntegration', () => {
              const integration = method().methodIntegration;
              if (!integration)
                throw new AwsFault(404, 'NotFoundException', 'No integration defined for method');
              return json(200, integration);
            });
        }
      }
      return unknown();
    }
    if (sub === 'deployments' && !subId && m === 'POST')
      return route('CreateDeployment', () => {
        const api = restApi(ctx, id);
        const input = body();
        const deployment = {
          id: newId(6),
          description: input.description as string | undefined,
          createdDate: new Date(),
        };
        api.deployments.set(deployment.id, deployment);
        const stageName = input.stageName as string | undefined;
        if (stageName) {
          const stage = api.stages.get(stageName);
          if (stage) stage.deploymentId = deployment.id;
          else api.stages.set(stageName, restStage({ stageName, deploymentId: deployment.id }));
        }
        return json(201, { ...deployment, createdDate: epoch(deployment.createdDate) });
      });
    if (sub === 'stages') {
      if (!subId && m === 'POST')
        return route('CreateStage', () => {
          const api = restApi(ctx, id);
          const input = body();
          const name = String(input.stageName ?? '');
          if (api.stages.has(name)) throw new AwsFault(409, 'ConflictException', 'Stage already exists');
          if (!api.deployments.has(String(input.deploymentId)))
            throw new AwsFault(400, 'BadRequestException', 'Invalid deployment identifier specified');
          const stage = restStage(input);
          api.stages.set(name, stage);
          return json(201, stage);
        });
      if (subId && m === 'GET') return route('GetStage', () => json(200, restStageOf(ctx, id, subId)));
      if (subId && m === 'PATCH')
        return route('UpdateStage', () => {
          const stage = restStageOf(ctx, id, subId);
          const settings = (stage.methodSettings ?? {}) as Record<string, Record<string, unknown>>;
          for (const op of patchOps(body())) {
            const t = /^\/([^/]+\/[^/]+)\/throttling\/(rateLimit|burstLimit)$/.exec(op.path ?? '');
            if (t) {
              const key = (t[1] as string).replace(/~1/g, '/');
              const field = t[2] === 'rateLimit' ? 'throttlingRateLimit' : 'throttlingBurstLimit';
              settings[key] = { ...(settings[key] ?? {}), [field]: Number(op.value) };
            } else if (op.op === 'remove' && /^\/[^/]+\/[^/]+$/.test(op.path ?? '')) {
              delete settings[(op.path ?? '').slice(1)];
            }
          }
          stage.methodSettings = settings;
          stage.lastUpdatedDate = epoch(new Date());
          return json(200, stage);
        });
    }
    return unknown();
  }

  if (root === 'apikeys') {
    if (!id) {
      if (m === 'GET')
        return route('GetApiKeys', () => {
          const prefix = req.query.get('name') ?? '';
          const values = req.query.get('includeValues') === 'true';
          const keys = [...ctx.state.apiKeys.values()].filter((k) => k.name.startsWith(prefix));
          return json(200, { item: keys.map((k) => apiKeyJson(k, values)) });
        });
      if (m === 'POST')
        return route('CreateApiKey', () => {
          const input = body();
          const key: FakeApiKey = {
            id: newId(10),
            value: ctx.newApiKeyValue(),
            name: String(input.name ?? ''),
            description: input.description as string | undefined,
            enabled: input.enabled === true,
            createdDate: new Date(),
            tags: { ...((input.tags ?? {}) as Record<string, string>) },
          };
          ctx.state.apiKeys.set(key.id, key);
          return json(201, apiKeyJson(key, true));
        });
      return unknown();
    }
    const key = () => {
      const found = ctx.state.apiKeys.get(id);
      if (!found) throw new AwsFault(404, 'NotFoundException', 'Invalid API Key identifier specified');
      return found;
    };
    if (m === 'GET')
      return route('GetApiKey', () => json(200, apiKeyJson(key(), req.query.get('includeValue') === 'true')));
    if (m === 'PATCH')
      return route('UpdateApiKey', () => {
        const found = key();
        for (const op of patchOps(body())) if (op.path === '/enabled') found.enabled = op.value === 'true';
        return json(200, apiKeyJson(found, false));
      });
    if (m === 'DELETE')
      return route('DeleteApiKey', () => {
        key();
        ctx.state.apiKeys.delete(id);
        for (const plan of ctx.state.usagePlans.values()) plan.keyIds = plan.keyIds.filter((k) => k !== id);
        return empty(202);
      });
    return unknown();
  }

  if (root === 'usageplans') {
    if (!id) {
      if (m === 'GET')
        return route('GetUsagePlans', () => {
          const keyId = req.query.get('keyId');
          const plans = [...ctx.state.usagePlans.values()].filter((p) => !keyId || p.keyIds.includes(keyId));
          return json(200, { item: plans.map(usagePlanJson) });
        });
      if (m === 'POST')
        return route('CreateUsagePlan', () => {
          const input = body();
          const plan: FakeUsagePlan = {
            id: newId(6),
            name: String(input.name ?? ''),
            description: input.description as string | undefined,
            apiStages: ((input.apiStages ?? []) as { apiId: string; stage: string }[]).map((a) => ({
              apiId: a.apiId,
              stage: a.stage,
            })),
            throttle: input.throttle as FakeUsagePlan['throttle'],
            quota: input.quota as FakeUsagePlan['quota'],
            tags: { ...((input.tags ?? {}) as Record<string, string>) },
            keyIds: [],
          };
          for (const s of plan.apiStages) restStageOf(ctx, s.apiId, s.stage);
          ctx.state.usagePlans.set(plan.id, plan);
          return json(201, usagePlanJson(plan));
        });
      return unknown();
    }
    const plan = () => {
      const found = ctx.state.usagePlans.get(id);
      if (!found) throw new AwsFault(404, 'NotFoundException', 'Invalid Usage Plan ID specified');
      return found;
    };
    if (!sub) {
      if (m === 'GET') return route('GetUsagePlan', () => json(200, usagePlanJson(plan())));
      if (m === 'PATCH')
        return route('UpdateUsagePlan', () =>
          json(200, usagePlanJson(patchUsagePlan(plan(), patchOps(body())))),
        );
      if (m === 'DELETE')
        return route('DeleteUsagePlan', () => {
          const found = plan();
          if (found.apiStages.length)
            throw new AwsFault(
              400,
              'BadRequestException',
              'Cannot delete Usage Plan while it is associated with API stages',
            );
          ctx.state.usagePlans.delete(id);
          return empty(202);
        });
      return unknown();
    }
    if (sub === 'keys') {
      if (!subId && m === 'GET')
        return route('GetUsagePlanKeys', () =>
          json(200, {
            item: plan()
              .keyIds.map((k) => ctx.state.apiKeys.get(k))
              .filter((k): k is FakeApiKey => !!k)
              .map((k) => ({ id: k.id, type: 'API_KEY', name: k.name, value: k.value })),
          }),
        );
      if (!subId && m === 'POST')
        return route('CreateUsagePlanKey', () => {
          const found = plan();
          const keyId = String(body().keyId ?? '');
          const key = ctx.state.apiKeys.get(keyId);
          if (!key) throw new AwsFault(404, 'NotFoundException', 'Invalid API Key identifier specified');
          if (found.keyIds.includes(keyId))
            throw new AwsFault(
              409,
              'ConflictException',
              `Usage Plan ${id} cannot be added because API Key ${keyId} cannot reference multiple Usage Plans with the same API Stage`,
            );
          found.keyIds.push(keyId);
          return json(201, { id: key.id, type: 'API_KEY', name: key.name, value: key.value });
        });
      if (subId && m === 'DELETE')
        return route('DeleteUsagePlanKey', () => {
          const found = plan();
          if (!found.keyIds.includes(subId))
            throw new AwsFault(404, 'NotFoundException', 'Invalid API Key identifier specified');
          found.keyIds = found.keyIds.filter((k) => k !== subId);
          return empty(202);
        });
    }
    return unknown();
  }
  return unknown();
}

function safeJson(body: Buffer): Record<string, unknown> {
  try {
    return body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The ids in a path, for the request log: restapis/{id}/... -> {restapis: id}. */
function pathParams(segments: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < segments.length; i += 1) {
    const key = segments[i] as string;
    if (
      [
        'apis',
        'restapis',
        'resources',
        'stages',
        'apikeys',
        'usageplans',
        'keys',
        'integrations',
        'routes',
        'methods',
      ].includes(key)
    )
      out[key] = segments[i + 1] as string;
  }
  return out;
}

function patchOps(body: Record<string, unknown>): PatchOperation[] {
  return Array.isArray(body.patchOperations) ? (body.patchOperations as PatchOperation[]) : [];
}

// ---- v2 helpers

function httpApi(ctx: ApiGatewayContext, id: string): FakeHttpApi {
  const api = ctx.state.httpApis.get(id);
  if (!api)
    throw new AwsFault(404, 'NotFoundException', `Invalid API identifier specified ${ACCOUNT_ID}:${id}`);
  return api;
}

function httpStage(ctx: ApiGatewayContext, apiId: string, name: string): Record<string, unknown> {
  const stage = httpApi(ctx, apiId).stages.get(name);
  if (!stage) throw new AwsFault(404, 'NotFoundException', `Invalid stage identifier specified`);
  return stage;
}

function httpApiJson(api: FakeHttpApi) {
  return {
    apiId: api.id,
    name: api.name,
    description: api.description,
    protocolType: api.protocolType,
    apiEndpoint: api.apiEndpoint,
    apiKeySelectionExpression: '$request.header.x-api-key',
    routeSelectionExpression: '$request.method $request.path',
    disableExecuteApiEndpoint: false,
    createdDate: api.createdDate.toISOString(),
    tags: api.tags,
  };
}

function createHttpApi(ctx: ApiGatewayContext, input: Record<string, unknown>): Reply {
  const id = newId(10);
  const tags = { ...((input.tags ?? {}) as Record<string, string>) };
  const name = String(input.name ?? '');
  const api: FakeHttpApi = {
    id,
    name,
    description: input.description as string | undefined,
    protocolType: String(input.protocolType ?? 'HTTP'),
    createdDate: new Date(),
    tags,
    apiEndpoint: ctx.endpointFor({ kind: 'http-api', id, name, tags }),
    integrations: new Map(),
    routes: new Map(),
    stages: new Map(),
  };
  ctx.state.httpApis.set(id, api);
  return json(201, httpApiJson(api));
}

// ---- v1 helpers

function restApi(ctx: ApiGatewayContext, id: string): FakeRestApi {
  const api = ctx.state.restApis.get(id);
  if (!api) throw new AwsFault(404, 'NotFoundException', 'Invalid API identifier specified');
  return api;
}

function resource(api: FakeRestApi, id: string): FakeRestResource {
  const found = api.resources.get(id);
  if (!found) throw new AwsFault(404, 'NotFoundException', 'Invalid Resource identifier specified');
  return found;
}

function restStageOf(ctx: ApiGatewayContext, apiId: string, name: string): Record<string, unknown> {
  const stage = restApi(ctx, apiId).stages.get(name);
  if (!stage) throw new AwsFault(404, 'NotFoundException', 'Invalid stage identifier specified');
  return stage;
}

function restStage(input: Record<string, unknown>): Record<string, unknown> {
  const now = epoch(new Date());
  return {
    deploymentId: input.deploymentId,
    stageName: input.stageName,
    description: input.description,
    methodSettings: {},
    cacheClusterEnabled: false,
    tracingEnabled: false,
    tags: { ...((input.tags ?? {}) as Record<string, string>) },
    createdDate: now,
    lastUpdatedDate: now,
  };
}

function restApiJson(api: FakeRestApi) {
  return {
    id: api.id,
    name: api.name,
    description: api.description,
    createdDate: epoch(api.createdDate),
    apiKeySource: api.apiKeySource,
    binaryMediaTypes: api.binaryMediaTypes,
    endpointConfiguration: api.endpointConfiguration,
    disableExecuteApiEndpoint: false,
    rootResourceId: api.rootResourceId,
    tags: api.tags,
  };
}

function createRestApi(ctx: ApiGatewayContext, input: Record<string, unknown>): Reply {
  const rootId = newId(10);
  const api: FakeRestApi = {
    id: newId(10),
    name: String(input.name ?? ''),
    description: input.description as string | undefined,
    createdDate: new Date(),
    tags: { ...((input.tags ?? {}) as Record<string, string>) },
    binaryMediaTypes: Array.isArray(input.binaryMediaTypes) ? input.binaryMediaTypes.map(String) : [],
    apiKeySource: String(input.apiKeySource ?? 'HEADER'),
    endpointConfiguration: input.endpointConfiguration ?? { types: ['EDGE'] },
    rootResourceId: rootId,
    resources: new Map([[rootId, { id: rootId, path: '/', methods: new Map() }]]),
    deployments: new Map(),
    stages: new Map(),
  };
  ctx.state.restApis.set(api.id, api);
  return json(201, restApiJson(api));
}

function resourceJson(r: FakeRestResource, embedMethods: boolean) {
  const methods = Object.fromEntries(
    [...r.methods.entries()].map(([verb, method]) => [verb, embedMethods ? method : {}]),
  );
  return {
    id: r.id,
    ...(r.parentId ? { parentId: r.parentId, pathPart: r.pathPart } : {}),
    path: r.path,
    ...(r.methods.size ? { resourceMethods: methods } : {}),
  };
}

function apiKeyJson(key: FakeApiKey, withValue: boolean) {
  return {
    id: key.id,
    ...(withValue ? { value: key.value } : {}),
    name: key.name,
    description: key.description,
    enabled: key.enabled,
    createdDate: epoch(key.createdDate),
    lastUpdatedDate: epoch(key.createdDate),
    stageKeys: [],
    tags: key.tags,
  };
}

function usagePlanJson(plan: FakeUsagePlan) {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    apiStages: plan.apiStages,
    ...(plan.throttle ? { throttle: plan.throttle } : {}),
    ...(plan.quota ? { quota: plan.quota } : {}),
    tags: plan.tags,
  };
}

function patchUsagePlan(plan: FakeUsagePlan, ops: PatchOperation[]): FakeUsagePlan {
  for (const op of ops) {
    const [apiId = '', stage = ''] = (op.value ?? '').split(':');
    if (op.path === '/apiStages' && op.op === 'add') plan.apiStages.push({ apiId, stage });
    else if (op.path === '/apiStages' && op.op === 'remove')
      plan.apiStages = plan.apiStages.filter((s) => s.apiId !== apiId || s.stage !== stage);
    else if (op.path === '/throttle' && op.op === 'remove') delete plan.throttle;
    else if (op.path === '/quota' && op.op === 'remove') delete plan.quota;
    else if (op.path?.startsWith('/throttle/')) {
      const field = op.path.slice('/throttle/'.length) as 'rateLimit' | 'burstLimit';
      plan.throttle = { ...plan.throttle, [field]: Number(op.value) };
    } else if (op.path?.startsWith('/quota/')) {
      const field = op.path.slice('/quota/'.length);
      plan.quota = { ...plan.quota, [field]: field === 'period' ? op.value : Number(op.value) };
    }
  }
  return plan;
}

/** ARNs the tagging API reports for the API Gateway resources. */
export function apiGatewayArns(state: AccountState): { arn: string; tags: Record<string, string> }[] {
  const base = `arn:aws:apigateway:${REGION}::`;
  const out: { arn: string; tags: Record<string, string> }[] = [];
  for (const api of state.httpApis.values()) {
    out.push({ arn: `${base}/apis/${api.id}`, tags: api.tags });
    for (const [name, stage] of api.stages)
      out.push({
        arn: `${base}/apis/${api.id}/stages/${name}`,
        tags: (stage.tags ?? {}) as Record<string, string>,
      });
  }
  for (const api of state.restApis.values()) {
    out.push({ arn: `${base}/restapis/${api.id}`, tags: api.tags });
    for (const [name, stage] of api.stages)
      out.push({
        arn: `${base}/restapis/${api.id}/stages/${name}`,
        tags: (stage.tags ?? {}) as Record<string, string>,
      });
  }
  for (const plan of state.usagePlans.values())
    out.push({ arn: `${base}/usageplans/${plan.id}`, tags: plan.tags });
  for (const key of state.apiKeys.values()) out.push({ arn: `${base}/apikeys/${key.id}`, tags: key.tags });
  return out;
}
