/**
 * API Gateway v1 (REST-JSON): REST APIs with resources, methods,
 * integrations, deployments and stages; API keys; usage plans and their keys;
 * tags. Dates are epoch seconds and listings `{item, position}`, as the SDK's
 * schema says. It refuses what API Gateway refuses: a usage plan that still
 * has API stages cannot be deleted, a REST API that a usage plan still uses
 * cannot be deleted, and (with `timings.restApiDeleteIntervalMs`) DeleteRestApi
 * is limited to one call per interval per account.
 */
import { arn, newId, type Tags } from '../account.js';
import { fault } from '../errors.js';
import { paginate } from '../pagination.js';
import type { RestCall, RestRoute, ServiceContext } from '../service.js';
import type { ApiKey, RestApi, RestResource, UsagePlan } from '../state.js';
import { json, type Reply, empty } from '../wire.js';

interface PatchOperation {
  op?: string;
  path?: string;
  value?: string;
}

const epoch = (ms: number) => Math.floor(ms / 1000);
const bad = (message: string) => fault('apiGateway', 'BadRequestException', message);
const notFound = (message: string) => fault('apiGateway', 'NotFoundException', message);
const patchOps = (body: Record<string, unknown>): PatchOperation[] =>
  Array.isArray(body.patchOperations) ? (body.patchOperations as PatchOperation[]) : [];
const unescapePath = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function restApiJson(api: RestApi) {
  return {
    id: api.id,
    name: api.name,
    ...(api.description !== undefined ? { description: api.description } : {}),
    createdDate: epoch(api.createdAt),
    apiKeySource: api.apiKeySource,
    ...(api.binaryMediaTypes.length ? { binaryMediaTypes: api.binaryMediaTypes } : {}),
    endpointConfiguration: api.endpointConfiguration,
    disableExecuteApiEndpoint: false,
    rootResourceId: api.rootResourceId,
    tags: api.tags,
  };
}

function resourceJson(r: RestResource, embed: boolean) {
  return {
    id: r.id,
    ...(r.parentId ? { parentId: r.parentId, pathPart: r.pathPart } : {}),
    path: r.path,
    ...(r.methods.size
      ? { resourceMethods: Object.fromEntries([...r.methods].map(([verb, m]) => [verb, embed ? m : {}])) }
      : {}),
  };
}

function apiKeyJson(key: ApiKey, withValue: boolean) {
  return {
    id: key.id,
    ...(withValue ? { value: key.value } : {}),
    name: key.name,
    ...(key.description !== undefined ? { description: key.description } : {}),
    enabled: key.enabled,
    createdDate: epoch(key.createdAt),
    lastUpdatedDate: epoch(key.createdAt),
    stageKeys: [],
    tags: key.tags,
  };
}

function usagePlanJson(plan: UsagePlan) {
  return {
    id: plan.id,
    name: plan.name,
    ...(plan.description !== undefined ? { description: plan.description } : {}),
    apiStages: plan.apiStages,
    ...(plan.throttle ? { throttle: plan.throttle } : {}),
    ...(plan.quota ? { quota: plan.quota } : {}),
    tags: plan.tags,
  };
}

function stageJson(input: Record<string, unknown>, now: number): Record<string, unknown> {
  return {
    deploymentId: input.deploymentId,
    stageName: input.stageName,
    ...(input.description !== undefined ? { description: input.description } : {}),
    methodSettings: {},
    cacheClusterEnabled: false,
    tracingEnabled: false,
    ...(input.variables ? { variables: input.variables } : {}),
    tags: { ...((input.tags ?? {}) as Tags) },
    createdDate: epoch(now),
    lastUpdatedDate: epoch(now),
  };
}

/** Patches the stage's method settings (`/*\/*\/throttling/rateLimit`, `/*\/*` removal). */
function patchStage(stage: Record<string, unknown>, ops: PatchOperation[], now: number): void {
  const settings = (stage.methodSettings ?? {}) as Record<string, Record<string, unknown>>;
  for (const op of ops) {
    const path = op.path ?? '';
    const t =
      /^\/([^/]+\/[^/]+)\/(throttling\/rateLimit|throttling\/burstLimit|metrics\/enabled|logging\/loglevel)$/.exec(
        path,
      );
    if (t && (op.op === 'replace' || op.op === 'add')) {
      const key = unescapePath(t[1] as string);
      // API Gateway fills the other fields of a new method setting with its defaults.
      const s = (settings[key] ??= {
        throttlingRateLimit: 10000,
        throttlingBurstLimit: 5000,
        metricsEnabled: false,
      });
      if (t[2] === 'throttling/rateLimit') s.throttlingRateLimit = Number(op.value);
      else if (t[2] === 'throttling/burstLimit') s.throttlingBurstLimit = Number(op.value);
      else if (t[2] === 'metrics/enabled') s.metricsEnabled = op.value === 'true';
      else s.loggingLevel = op.value;
    } else if (op.op === 'remove' && /^\/[^/]+\/[^/]+$/.test(path))
      delete settings[unescapePath(path.slice(1))];
    else if (op.op === 'replace' && path === '/description') stage.description = op.value;
    else if (op.op === 'replace' && path === '/deploymentId') stage.deploymentId = op.value;
    else if (/^\/variables\//.test(path)) {
      const vars = (stage.variables ??= {}) as Record<string, string>;
      const name = path.slice('/variables/'.length);
      if (op.op === 'remove') delete vars[name];
      else vars[name] = op.value ?? '';
    } else throw bad(`Invalid patch path '${path}' specified for op '${op.op}'.`);
  }
  stage.methodSettings = settings;
  stage.lastUpdatedDate = epoch(now);
}

function patchUsagePlan(ctx: ServiceContext, plan: UsagePlan, ops: PatchOperation[]): void {
  for (const op of ops) {
    const path = op.path ?? '';
    const [apiId = '', stage = ''] = (op.value ?? '').split(':');
    if (path === '/apiStages' && op.op === 'add') {
      stageOf(ctx, apiId, stage, () =>
        bad(`Invalid API Stage {api: ${apiId}, stage: ${stage}} specified for usageplan ${plan.id}`),
      );
      if (!plan.apiStages.some((s) => s.apiId === apiId && s.stage === stage))
        plan.apiStages.push({ apiId, stage });
    } else if (path === '/apiStages' && op.op === 'remove') {
      if (!plan.apiStages.some((s) => s.apiId === apiId && s.stage === stage))
        throw bad('Invalid API Stage specified');
      plan.apiStages = plan.apiStages.filter((s) => s.apiId !== apiId || s.stage !== stage);
    } else if ((path === '/throttle' || path === '/quota') && op.op === 'remove')
      delete plan[path.slice(1) as 'throttle' | 'quota'];
    else if (/^\/throttle\/(rateLimit|burstLimit)$/.test(path) && op.op !== 'remove') {
      plan.throttle = { ...plan.throttle, [path.slice('/throttle/'.length)]: Number(op.value) };
    } else if (/^\/quota\/(limit|period|offset)$/.test(path) && op.op !== 'remove') {
      const field = path.slice('/quota/'.length);
      plan.quota = { offset: 0, ...plan.quota, [field]: field === 'period' ? op.value : Number(op.value) };
    } else if (path === '/name' && op.op === 'replace') plan.name = op.value ?? plan.name;
    else if (path === '/description' && op.op === 'replace') plan.description = op.value;
    else
      throw bad(
        `Invalid patch path '${path}' specified for op '${op.op}'. Must be one of: [/apiStages, /quota, /throttle, /name, /description]`,
      );
  }
}

function stageOf(
  ctx: ServiceContext,
  apiId: string,
  stage: string,
  error = () => notFound('Invalid stage identifier specified'),
) {
  const found = ctx.account.restApis.get(apiId)?.stages.get(stage);
  if (!found) throw error();
  return found;
}

function deleteRestApi(ctx: ServiceContext, api: RestApi): Reply {
  const interval = ctx.timings.restApiDeleteIntervalMs;
  const now = ctx.clock.now();
  if (
    interval > 0 &&
    ctx.account.lastRestApiDelete !== undefined &&
    now - ctx.account.lastRestApiDelete < interval
  ) {
    const wait = Math.ceil((interval - (now - ctx.account.lastRestApiDelete)) / 1000);
    throw fault('apiGateway', 'TooManyRequestsException', 'Too Many Requests', {
      headers: { 'retry-after': String(wait) },
    });
  }
  const holders = [...ctx.account.usagePlans.values()].filter((p) =>
    p.apiStages.some((s) => s.apiId === api.id),
  );
  if (holders.length)
    throw bad(
      `Cannot delete API ${api.id} because it is still associated with usage plan(s): ${holders.map((p) => p.id).join(', ')}. Remove its stages from the usage plans first.`,
    );
  ctx.account.restApis.delete(api.id);
  ctx.account.lastRestApiDelete = now;
  return empty(202);
}

function createRestApi(ctx: ServiceContext, body: Record<string, unknown>): Reply {
  const name = String(body.name ?? '');
  if (!name) throw bad('Invalid REST API name specified');
  const rootId = newId(10);
  const api: RestApi = {
    id: newId(10),
    name,
    ...(body.description !== undefined ? { description: String(body.description) } : {}),
    createdAt: ctx.clock.now(),
    tags: { ...((body.tags ?? {}) as Tags) },
    binaryMediaTypes: Array.isArray(body.binaryMediaTypes) ? body.binaryMediaTypes.map(String) : [],
    apiKeySource: String(body.apiKeySource ?? 'HEADER'),
    endpointConfiguration: body.endpointConfiguration ?? { types: ['EDGE'] },
    rootResourceId: rootId,
    resources: new Map([[rootId, { id: rootId, path: '/', methods: new Map() }]]),
    deployments: new Map(),
    stages: new Map(),
  };
  ctx.account.restApis.set(api.id, api);
  return json(201, restApiJson(api));
}

function createUsagePlan(ctx: ServiceContext, body: Record<string, unknown>): Reply {
  const id = newId(6);
  const apiStages = ((body.apiStages ?? []) as { apiId: string; stage: string }[]).map((a) => ({
    apiId: a.apiId,
    stage: a.stage,
  }));
  for (const s of apiStages)
    stageOf(ctx, s.apiId, s.stage, () =>
      bad(`Invalid API Stage {api: ${s.apiId}, stage: ${s.stage}} specified for usageplan ${id}`),
    );
  const plan: UsagePlan = {
    id,
    name: String(body.name ?? ''),
    ...(body.description !== undefined ? { description: String(body.description) } : {}),
    apiStages,
    ...(body.throttle ? { throttle: body.throttle as UsagePlan['throttle'] } : {}),
    ...(body.quota ? { quota: { offset: 0, ...(body.quota as UsagePlan['quota']) } } : {}),
    tags: { ...((body.tags ?? {}) as Tags) },
    keyIds: [],
  };
  ctx.account.usagePlans.set(id, plan);
  return json(201, usagePlanJson(plan));
}

/** The v1 resource an ARN names, for tags. */
function taggable(ctx: ServiceContext, resourceArn: string): { tags: Tags } {
  const m =
    /^arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+::\/(restapis|apikeys|usageplans)\/(\w+)(?:\/stages\/([^/]+))?$/.exec(
      resourceArn,
    );
  if (!m) throw bad(`Invalid ARN specified in the request: ${resourceArn}`);
  const [, kind, id, stage] = m as unknown as [string, string, string, string | undefined];
  if (kind === 'restapis') {
    const api = ctx.account.restApis.get(id);
    if (!api) throw notFound('Invalid API identifier specified');
    if (!stage) return api;
    return { tags: (stageOf(ctx, id, stage).tags ??= {}) as Tags };
  }
  const found = kind === 'apikeys' ? ctx.account.apiKeys.get(id) : ctx.account.usagePlans.get(id);
  if (!found) throw notFound(`Invalid ${kind === 'apikeys' ? 'API Key' : 'Usage Plan'} identifier specified`);
  return found;
}

export function restApiRoutes(ctx: ServiceContext): RestRoute[] {
  const api = (c: RestCall) => {
    const found = ctx.account.restApis.get(c.params.restApiId as string);
    if (!found) throw notFound('Invalid API identifier specified');
    return found;
  };
  const resource = (c: RestCall) => {
    const found = api(c).resources.get(c.params.resourceId as string);
    if (!found) throw notFound('Invalid Resource identifier specified');
    return found;
  };
  const method = (c: RestCall) => {
    const found = resource(c).methods.get(c.params.httpMethod as string);
    if (!found) throw notFound('Invalid Method identifier specified');
    return found;
  };
  const key = (c: RestCall) => {
    const found = ctx.account.apiKeys.get(c.params.apiKey as string);
    if (!found) throw notFound('Invalid API Key identifier specified');
    return found;
  };
  const plan = (c: RestCall) => {
    const found = ctx.account.usagePlans.get(c.params.usagePlanId as string);
    if (!found) throw notFound('Invalid Usage Plan ID specified');
    return found;
  };
  const page = <T>(items: T[], c: RestCall, listing: string) => {
    const p = paginate(items, {
      listing,
      token: c.query.get('position'),
      requested: c.query.get('limit'),
      limits: { defaultSize: 25, maxSize: 500 },
      cap: ctx.pageSize,
      invalidToken: bad,
    });
    return json(200, { item: p.items, ...(p.next ? { position: p.next } : {}) });
  };
  const R = '/restapis/{restApiId}';
  const M = `${R}/resources/{resourceId}/methods/{httpMethod}`;
  return [
    {
      method: 'GET',
      path: '/restapis',
      op: 'GetRestApis',
      run: (c) => page([...ctx.account.restApis.values()].map(restApiJson), c, 'GetRestApis'),
    },
    { method: 'POST', path: '/restapis', op: 'CreateRestApi', run: (c) => createRestApi(ctx, c.body()) },
    { method: 'GET', path: R, op: 'GetRestApi', run: (c) => json(200, restApiJson(api(c))) },
    { method: 'DELETE', path: R, op: 'DeleteRestApi', run: (c) => deleteRestApi(ctx, api(c)) },
    {
      method: 'PATCH',
      path: R,
      op: 'UpdateRestApi',
      run: (c) => {
        const a = api(c);
        for (const op of patchOps(c.body())) {
          const media = /^\/binaryMediaTypes\/(.+)$/.exec(op.path ?? '');
          if (media && op.op === 'add') a.binaryMediaTypes.push(unescapePath(media[1] as string));
          else if (media && op.op === 'remove')
            a.binaryMediaTypes = a.binaryMediaTypes.filter((t) => t !== unescapePath(media[1] as string));
          else if (op.path === '/description' && op.op === 'replace') a.description = op.value;
          else if (op.path === '/name' && op.op === 'replace') a.name = op.value ?? a.name;
          else throw bad(`Invalid patch path '${op.path}' specified for op '${op.op}'.`);
        }
        return json(200, restApiJson(a));
      },
    },
    {
      method: 'GET',
      path: `${R}/resources`,
      op: 'GetResources',
      run: (c) => {
        const embed = c.query.getAll('embed').join(',').includes('methods');
        return page(
          [...api(c).resources.values()].map((r) => resourceJson(r, embed)),
          c,
          `GetResources:${c.params.restApiId}`,
        );
      },
    },
    {
      method: 'POST',
      path: `${R}/resources/{parentId}`,
      op: 'CreateResource',
      run: (c) => {
        const a = api(c);
        const parent = a.resources.get(c.params.parentId as string);
        if (!parent) throw notFound('Invalid Resource identifier specified');
        const pathPart = String(c.body().pathPart ?? '');
        const path = `${parent.path === '/' ? '' : parent.path}/${pathPart}`;
        if ([...a.resources.values()].some((r) => r.path === path))
          throw fault(
            'apiGateway',
            'ConflictException',
            `Another resource with the same parent already has this name: ${pathPart}`,
          );
        const made: RestResource = { id: newId(6), parentId: parent.id, pathPart, path, methods: new Map() };
        a.resources.set(made.id, made);
        return json(201, resourceJson(made, true));
      },
    },
    {
      method: 'PUT',
      path: M,
      op: 'PutMethod',
      run: (c) => {
        const r = resource(c);
        const verb = c.params.httpMethod as string;
        if (r.methods.has(verb))
          throw fault('apiGateway', 'ConflictException', 'Method already exists for this resource');
        const body = c.body();
        const made = {
          httpMethod: verb,
          authorizationType: body.authorizationType ?? 'NONE',
          apiKeyRequired: body.apiKeyRequired === true,
        };
        r.methods.set(verb, made);
        return json(201, made);
      },
    },
    {
      method: 'DELETE',
      path: M,
      op: 'DeleteMethod',
      run: (c) => {
        method(c);
        resource(c).methods.delete(c.params.httpMethod as string);
        return empty(204);
      },
    },
    {
      method: 'DELETE',
      path: `${R}/resources/{resourceId}`,
      op: 'DeleteResource',
      run: (c) => {
        const a = api(c);
        const gone = resource(c);
        if (gone.id === a.rootResourceId) throw bad('Cannot delete the root resource');
        // With every resource under it, as API Gateway does.
        for (const r of [...a.resources.values()])
          if (r.path === gone.path || r.path.startsWith(`${gone.path}/`)) a.resources.delete(r.id);
        return empty(202);
      },
    },
    { method: 'GET', path: M, op: 'GetMethod', run: (c) => json(200, method(c)) },
    {
      method: 'PATCH',
      path: M,
      op: 'UpdateMethod',
      run: (c) => {
        const found = method(c);
        for (const op of patchOps(c.body())) {
          if (op.path === '/apiKeyRequired' && op.op === 'replace')
            found.apiKeyRequired = op.value === 'true';
          else if (op.path === '/authorizationType' && op.op === 'replace')
            found.authorizationType = op.value;
          else throw bad(`Invalid patch path '${op.path}' specified for op '${op.op}'.`);
        }
        return json(200, found);
      },
    },
    {
      method: 'PUT',
      path: `${M}/integration`,
      op: 'PutIntegration',
      run: (c) => {
        const body = c.body();
        const found = method(c);
        if (!body.type) throw bad('Enumeration value for IntegrationType must be non-empty');
        if ((body.type === 'AWS_PROXY' || body.type === 'AWS') && body.httpMethod !== 'POST')
          throw bad('AWS ARN for integration must contain path or action');
        const integration = {
          type: body.type,
          httpMethod: body.httpMethod,
          uri: body.uri,
          passthroughBehavior: 'WHEN_NO_MATCH',
          timeoutInMillis: Number(body.timeoutInMillis ?? 29000),
          cacheNamespace: c.params.resourceId,
          cacheKeyParameters: [],
          // Like API Gateway: PutIntegration replaces the integration, and BUFFERED is the default.
          ...(body.responseTransferMode ? { responseTransferMode: body.responseTransferMode } : {}),
        };
        found.methodIntegration = integration;
        return json(201, integration);
      },
    },
    {
      method: 'GET',
      path: `${M}/integration`,
      op: 'GetIntegration',
      run: (c) => {
        const integration = method(c).methodIntegration;
        if (!integration) throw notFound('No integration defined for method');
        return json(200, integration);
      },
    },
    {
      method: 'POST',
      path: `${R}/deployments`,
      op: 'CreateDeployment',
      run: (c) => {
        const a = api(c);
        const body = c.body();
        if (![...a.resources.values()].some((r) => r.methods.size))
          throw bad("The REST API doesn't contain any methods");
        // A snapshot: the stage serves the methods as they are now, whatever changes after.
        const apiSummary: Record<
          string,
          Record<string, { authorizationType: string; apiKeyRequired: boolean }>
        > = {};
        for (const r of a.resources.values())
          for (const [verb, m] of r.methods)
            (apiSummary[r.path] ??= {})[verb] = {
              authorizationType: String(m.authorizationType ?? 'NONE'),
              apiKeyRequired: m.apiKeyRequired === true,
            };
        const deployment = {
          id: newId(6),
          ...(body.description !== undefined ? { description: String(body.description) } : {}),
          createdAt: ctx.clock.now(),
          apiSummary,
        };
        a.deployments.set(deployment.id, deployment);
        const stageName = body.stageName as string | undefined;
        if (stageName) {
          const stage = a.stages.get(stageName);
          if (stage) stage.deploymentId = deployment.id;
          else
            a.stages.set(stageName, stageJson({ stageName, deploymentId: deployment.id }, ctx.clock.now()));
        }
        return json(201, {
          id: deployment.id,
          ...(deployment.description ? { description: deployment.description } : {}),
          createdDate: epoch(deployment.createdAt),
        });
      },
    },
    {
      method: 'GET',
      path: `${R}/deployments/{deploymentId}`,
      op: 'GetDeployment',
      run: (c) => {
        const found = api(c).deployments.get(c.params.deploymentId as string);
        if (!found) throw notFound('Invalid Deployment identifier specified');
        const embed = c.query.getAll('embed').join(',').includes('apisummary');
        return json(200, {
          id: found.id,
          ...(found.description ? { description: found.description } : {}),
          createdDate: epoch(found.createdAt),
          ...(embed ? { apiSummary: found.apiSummary } : {}),
        });
      },
    },
    {
      method: 'POST',
      path: `${R}/stages`,
      op: 'CreateStage',
      run: (c) => {
        const a = api(c);
        const body = c.body();
        const name = String(body.stageName ?? '');
        // AWS: "Stage names can only contain alphanumeric characters, hyphens, and underscores" ($default is HTTP APIs' only).
        if (!/^[a-zA-Z0-9_-]{1,128}$/.test(name)) throw bad('Stage name only allows a-zA-Z0-9_-');
        if (a.stages.has(name)) throw fault('apiGateway', 'ConflictException', 'Stage already exists');
        if (!a.deployments.has(String(body.deploymentId)))
          throw bad('Invalid deployment identifier specified');
        const stage = stageJson(body, ctx.clock.now());
        a.stages.set(name, stage);
        return json(201, stage);
      },
    },
    {
      method: 'GET',
      path: `${R}/stages/{stageName}`,
      op: 'GetStage',
      run: (c) => json(200, stageOf(ctx, api(c).id, c.params.stageName as string)),
    },
    {
      method: 'PATCH',
      path: `${R}/stages/{stageName}`,
      op: 'UpdateStage',
      run: (c) => {
        const stage = stageOf(ctx, api(c).id, c.params.stageName as string);
        patchStage(stage, patchOps(c.body()), ctx.clock.now());
        return json(200, stage);
      },
    },
    {
      method: 'DELETE',
      path: `${R}/stages/{stageName}`,
      op: 'DeleteStage',
      run: (c) => {
        stageOf(ctx, api(c).id, c.params.stageName as string);
        api(c).stages.delete(c.params.stageName as string);
        return empty(202);
      },
    },
    {
      method: 'GET',
      path: '/apikeys',
      op: 'GetApiKeys',
      run: (c) => {
        const prefix = c.query.get('name') ?? '';
        const values = c.query.get('includeValues') === 'true';
        const keys = [...ctx.account.apiKeys.values()]
          .filter((k) => k.name.startsWith(prefix))
          .map((k) => apiKeyJson(k, values));
        return page(keys, c, `GetApiKeys:${prefix}`);
      },
    },
    {
      method: 'POST',
      path: '/apikeys',
      op: 'CreateApiKey',
      run: (c) => {
        const body = c.body();
        const value = body.value !== undefined ? String(body.value) : ctx.newApiKeyValue();
        if (value.length < 20) throw bad('API Key value should be at least 20 characters');
        const made: ApiKey = {
          id: newId(10),
          value,
          name: String(body.name ?? ''),
          ...(body.description !== undefined ? { description: String(body.description) } : {}),
          enabled: body.enabled === true,
          createdAt: ctx.clock.now(),
          tags: { ...((body.tags ?? {}) as Tags) },
        };
        ctx.account.apiKeys.set(made.id, made);
        return json(201, apiKeyJson(made, true));
      },
    },
    {
      method: 'GET',
      path: '/apikeys/{apiKey}',
      op: 'GetApiKey',
      run: (c) => json(200, apiKeyJson(key(c), c.query.get('includeValue') === 'true')),
    },
    {
      method: 'PATCH',
      path: '/apikeys/{apiKey}',
      op: 'UpdateApiKey',
      run: (c) => {
        const found = key(c);
        for (const op of patchOps(c.body())) {
          if (op.path === '/enabled') found.enabled = op.value === 'true';
          else if (op.path === '/description') found.description = op.value;
          else if (op.path === '/name') found.name = op.value ?? found.name;
          else throw bad(`Invalid patch path '${op.path}' specified for op '${op.op}'.`);
        }
        return json(200, apiKeyJson(found, false));
      },
    },
    {
      method: 'DELETE',
      path: '/apikeys/{apiKey}',
      op: 'DeleteApiKey',
      run: (c) => {
        const found = key(c);
        ctx.account.apiKeys.delete(found.id);
        for (const p of ctx.account.usagePlans.values()) p.keyIds = p.keyIds.filter((k) => k !== found.id);
        return empty(202);
      },
    },
    {
      method: 'GET',
      path: '/usageplans',
      op: 'GetUsagePlans',
      run: (c) => {
        const keyId = c.query.get('keyId');
        const plans = [...ctx.account.usagePlans.values()]
          .filter((p) => !keyId || p.keyIds.includes(keyId))
          .map(usagePlanJson);
        return page(plans, c, `GetUsagePlans:${keyId ?? ''}`);
      },
    },
    {
      method: 'POST',
      path: '/usageplans',
      op: 'CreateUsagePlan',
      run: (c) => createUsagePlan(ctx, c.body()),
    },
    {
      method: 'GET',
      path: '/usageplans/{usagePlanId}',
      op: 'GetUsagePlan',
      run: (c) => json(200, usagePlanJson(plan(c))),
    },
    {
      method: 'PATCH',
      path: '/usageplans/{usagePlanId}',
      op: 'UpdateUsagePlan',
      run: (c) => {
        const found = plan(c);
        patchUsagePlan(ctx, found, patchOps(c.body()));
        return json(200, usagePlanJson(found));
      },
    },
    {
      method: 'DELETE',
      path: '/usageplans/{usagePlanId}',
      op: 'DeleteUsagePlan',
      run: (c) => {
        const found = plan(c);
        if (found.apiStages.length)
          throw bad(
            `Cannot delete Usage Plan ${found.id} because there are API Stages associated with it, including ${found.apiStages.map((s) => `${s.apiId}:${s.stage}`).join(', ')}`,
          );
        ctx.account.usagePlans.delete(found.id);
        return empty(202);
      },
    },
    {
      method: 'GET',
      path: '/usageplans/{usagePlanId}/keys',
      op: 'GetUsagePlanKeys',
      run: (c) => {
        const found = plan(c);
        const keys = found.keyIds
          .map((k) => ctx.account.apiKeys.get(k))
          .filter((k): k is ApiKey => !!k)
          .map((k) => ({ id: k.id, type: 'API_KEY', name: k.name, value: k.value }));
        return page(keys, c, `GetUsagePlanKeys:${found.id}`);
      },
    },
    {
      method: 'POST',
      path: '/usageplans/{usagePlanId}/keys',
      op: 'CreateUsagePlanKey',
      run: (c) => {
        const found = plan(c);
        const keyId = String(c.body().keyId ?? '');
        const k = ctx.account.apiKeys.get(keyId);
        if (!k) throw notFound('Invalid API Key identifier specified');
        if (found.keyIds.includes(keyId))
          throw fault('apiGateway', 'ConflictException', 'Usage Plan Key already exists');
        found.keyIds.push(keyId);
        return json(201, { id: k.id, type: 'API_KEY', name: k.name, value: k.value });
      },
    },
    {
      method: 'DELETE',
      path: '/usageplans/{usagePlanId}/keys/{keyId}',
      op: 'DeleteUsagePlanKey',
      run: (c) => {
        const found = plan(c);
        if (!found.keyIds.includes(c.params.keyId as string))
          throw notFound('Invalid API Key identifier specified');
        found.keyIds = found.keyIds.filter((k) => k !== c.params.keyId);
        return empty(202);
      },
    },
    {
      method: 'GET',
      path: '/tags/{resourceArn}',
      op: 'GetTags',
      run: (c) => json(200, { tags: taggable(ctx, c.params.resourceArn as string).tags }),
    },
    {
      method: 'PUT',
      path: '/tags/{resourceArn}',
      op: 'TagResource',
      run: (c) => {
        Object.assign(taggable(ctx, c.params.resourceArn as string).tags, (c.body().tags ?? {}) as Tags);
        return empty(204);
      },
    },
  ];
}

/** ARNs the tagging API reports for REST APIs, their stages, usage plans and API keys. */
export function restApiArns(ctx: Pick<ServiceContext, 'account'>): { arn: string; tags: Tags }[] {
  const out: { arn: string; tags: Tags }[] = [];
  for (const api of ctx.account.restApis.values()) {
    out.push({ arn: arn.restApi(api.id), tags: api.tags });
    for (const [name, stage] of api.stages)
      out.push({ arn: arn.restStage(api.id, name), tags: (stage.tags ?? {}) as Tags });
  }
  for (const plan of ctx.account.usagePlans.values())
    out.push({ arn: arn.usagePlan(plan.id), tags: plan.tags });
  for (const key of ctx.account.apiKeys.values()) out.push({ arn: arn.apiKey(key.id), tags: key.tags });
  return out;
}
