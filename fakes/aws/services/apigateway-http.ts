/**
 * API Gateway v2 (HTTP APIs, REST-JSON under /v2): APIs, integrations,
 * routes, stages, tags. Members are camelCase on the wire and dates ISO
 * strings, as the SDK's schema says; listings page with nextToken.
 */
import { ACCOUNT_ID, arn, newId, type Tags } from '../account.js';
import { fault } from '../errors.js';
import { paginate } from '../pagination.js';
import type { RestCall, RestRoute, ServiceContext } from '../service.js';
import type { HttpApi } from '../state.js';
import { empty, json } from '../wire.js';

const notFound = (what: string, id: string) =>
  fault(
    'apiGatewayV2',
    'NotFoundException',
    `Invalid ${what} identifier specified ${what === 'API' ? `${ACCOUNT_ID}:` : ''}${id}`,
    {
      fields: { resourceType: what },
    },
  );
const bad = (message: string) => fault('apiGatewayV2', 'BadRequestException', message);

function apiJson(api: HttpApi) {
  return {
    apiId: api.ApiId,
    name: api.Name,
    ...(api.Description !== undefined ? { description: api.Description } : {}),
    protocolType: api.ProtocolType,
    apiEndpoint: api.ApiEndpoint,
    apiKeySelectionExpression: '$request.header.x-api-key',
    routeSelectionExpression: '$request.method $request.path',
    disableExecuteApiEndpoint: false,
    createdDate: new Date(api.createdAt).toISOString(),
    tags: api.Tags,
  };
}

function apiOf(ctx: ServiceContext, id: string): HttpApi {
  const api = ctx.account.httpApis.get(id);
  if (!api) throw notFound('API', id);
  return api;
}

function createApi(ctx: ServiceContext, body: Record<string, unknown>) {
  const name = String(body.name ?? '');
  if (!name || name.length > 128) throw bad('Invalid API name specified');
  const protocolType = String(body.protocolType ?? '');
  if (!['HTTP', 'WEBSOCKET'].includes(protocolType)) throw bad(`Invalid protocol type ${protocolType}`);
  const id = newId(10);
  const tags = { ...((body.tags ?? {}) as Tags) };
  const api: HttpApi = {
    ApiId: id,
    Name: name,
    ...(body.description !== undefined ? { Description: String(body.description) } : {}),
    ProtocolType: protocolType,
    ApiEndpoint: ctx.endpointFor({ kind: 'http-api', id, name, tags }),
    createdAt: ctx.clock.now(),
    Tags: tags,
    integrations: new Map(),
    routes: new Map(),
    stages: new Map(),
  };
  ctx.account.httpApis.set(id, api);
  return json(201, apiJson(api));
}

function createRoute(api: HttpApi, body: Record<string, unknown>) {
  const routeKey = String(body.routeKey ?? '');
  if (!routeKey) throw bad('Route key must be specified');
  if ([...api.routes.values()].some((r) => r.routeKey === routeKey))
    throw fault(
      'apiGatewayV2',
      'ConflictException',
      `Unable to create Route, a Route with key ${routeKey} already exists`,
    );
  checkTarget(api, body.target);
  const route = {
    ...body,
    routeId: newId(7),
    apiKeyRequired: body.apiKeyRequired ?? false,
    authorizationType: body.authorizationType ?? 'NONE',
  };
  api.routes.set(route.routeId, route);
  return json(201, route);
}

function checkTarget(api: HttpApi, target: unknown): void {
  if (target === undefined) return;
  const m = /^integrations\/(\w+)$/.exec(String(target));
  if (!m || !api.integrations.has(m[1] as string))
    throw bad(`Invalid integration identifier specified: ${String(target)}`);
}

function createStage(ctx: ServiceContext, api: HttpApi, body: Record<string, unknown>) {
  const name = String(body.stageName ?? '');
  if (!/^(\$default|[a-zA-Z0-9_-]{1,128})$/.test(name)) throw bad(`Invalid stage name: ${name}`);
  if (api.stages.has(name)) throw fault('apiGatewayV2', 'ConflictException', `Stage already exists: ${name}`);
  const now = new Date(ctx.clock.now()).toISOString();
  const stage = {
    defaultRouteSettings: { detailedMetricsEnabled: false },
    routeSettings: {},
    stageVariables: {},
    tags: {},
    ...body,
    createdDate: now,
    lastUpdatedDate: now,
  };
  api.stages.set(name, stage);
  return json(201, stage);
}

/** The v2 ARN of a tagged resource: an API or one of its stages. */
function taggable(ctx: ServiceContext, resourceArn: string): { tags: Tags } {
  const m = /^arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+::\/apis\/(\w+)(?:\/stages\/([^/]+))?$/.exec(
    resourceArn,
  );
  if (!m) throw bad(`Invalid resource ARN ${resourceArn}`);
  const api = apiOf(ctx, m[1] as string);
  if (!m[2]) return { tags: api.Tags };
  const stage = api.stages.get(m[2]);
  if (!stage) throw notFound('Stage', m[2]);
  return { tags: (stage.tags ??= {}) as Tags };
}

export function httpApiRoutes(ctx: ServiceContext): RestRoute[] {
  const api = (c: RestCall) => apiOf(ctx, c.params.ApiId as string);
  const page = <T>(items: T[], c: RestCall, listing: string) => {
    const p = paginate(items, {
      listing,
      token: c.query.get('nextToken'),
      requested: c.query.get('maxResults'),
      limits: { defaultSize: 25, maxSize: 500 },
      cap: ctx.pageSize,
      invalidToken: bad,
    });
    return json(200, { items: p.items, ...(p.next ? { nextToken: p.next } : {}) });
  };
  const child = (kind: 'integrations' | 'routes', what: string, idName: string) => (c: RestCall) => {
    const found = api(c)[kind].get(c.params[idName] as string);
    if (!found) throw notFound(what, c.params[idName] as string);
    return found;
  };
  const integration = child('integrations', 'Integration', 'IntegrationId');
  const route = child('routes', 'Route', 'RouteId');
  const stage = (c: RestCall) => {
    const found = api(c).stages.get(c.params.StageName as string);
    if (!found) throw notFound('Stage', c.params.StageName as string);
    return found;
  };
  const A = '/v2/apis';
  return [
    {
      method: 'GET',
      path: A,
      op: 'GetApis',
      run: (c) => page([...ctx.account.httpApis.values()].map(apiJson), c, 'GetApis'),
    },
    { method: 'POST', path: A, op: 'CreateApi', run: (c) => createApi(ctx, c.body()) },
    { method: 'GET', path: `${A}/{ApiId}`, op: 'GetApi', run: (c) => json(200, apiJson(api(c))) },
    {
      method: 'DELETE',
      path: `${A}/{ApiId}`,
      op: 'DeleteApi',
      run: (c) => {
        ctx.account.httpApis.delete(api(c).ApiId);
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: `${A}/{ApiId}/integrations`,
      op: 'GetIntegrations',
      run: (c) => page([...api(c).integrations.values()], c, `GetIntegrations:${c.params.ApiId}`),
    },
    {
      method: 'POST',
      path: `${A}/{ApiId}/integrations`,
      op: 'CreateIntegration',
      run: (c) => {
        const a = api(c);
        const body = c.body();
        if (!body.integrationType) throw bad('IntegrationType must be specified');
        if (body.integrationType === 'AWS_PROXY' && a.ProtocolType === 'HTTP' && !body.payloadFormatVersion)
          throw bad('PayloadFormatVersion must be specified for AWS_PROXY integrations of HTTP APIs');
        const item = { timeoutInMillis: 30000, connectionType: 'INTERNET', ...body, integrationId: newId(7) };
        a.integrations.set(item.integrationId, item);
        return json(201, item);
      },
    },
    {
      method: 'GET',
      path: `${A}/{ApiId}/integrations/{IntegrationId}`,
      op: 'GetIntegration',
      run: (c) => json(200, integration(c)),
    },
    {
      method: 'PATCH',
      path: `${A}/{ApiId}/integrations/{IntegrationId}`,
      op: 'UpdateIntegration',
      run: (c) => json(200, Object.assign(integration(c), c.body())),
    },
    {
      method: 'GET',
      path: `${A}/{ApiId}/routes`,
      op: 'GetRoutes',
      run: (c) => page([...api(c).routes.values()], c, `GetRoutes:${c.params.ApiId}`),
    },
    {
      method: 'POST',
      path: `${A}/{ApiId}/routes`,
      op: 'CreateRoute',
      run: (c) => createRoute(api(c), c.body()),
    },
    { method: 'GET', path: `${A}/{ApiId}/routes/{RouteId}`, op: 'GetRoute', run: (c) => json(200, route(c)) },
    {
      method: 'PATCH',
      path: `${A}/{ApiId}/routes/{RouteId}`,
      op: 'UpdateRoute',
      run: (c) => {
        checkTarget(api(c), c.body().target);
        return json(200, Object.assign(route(c), c.body()));
      },
    },
    {
      method: 'DELETE',
      path: `${A}/{ApiId}/routes/{RouteId}`,
      op: 'DeleteRoute',
      run: (c) => {
        api(c).routes.delete(route(c).routeId as string);
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: `${A}/{ApiId}/stages`,
      op: 'GetStages',
      run: (c) => page([...api(c).stages.values()], c, `GetStages:${c.params.ApiId}`),
    },
    {
      method: 'POST',
      path: `${A}/{ApiId}/stages`,
      op: 'CreateStage',
      run: (c) => createStage(ctx, api(c), c.body()),
    },
    {
      method: 'GET',
      path: `${A}/{ApiId}/stages/{StageName}`,
      op: 'GetStage',
      run: (c) => json(200, stage(c)),
    },
    {
      method: 'PATCH',
      path: `${A}/{ApiId}/stages/{StageName}`,
      op: 'UpdateStage',
      run: (c) =>
        json(
          200,
          Object.assign(stage(c), c.body(), { lastUpdatedDate: new Date(ctx.clock.now()).toISOString() }),
        ),
    },
    {
      method: 'DELETE',
      path: `${A}/{ApiId}/stages/{StageName}`,
      op: 'DeleteStage',
      run: (c) => {
        stage(c);
        api(c).stages.delete(c.params.StageName as string);
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: '/v2/tags/{ResourceArn}',
      op: 'GetTags',
      run: (c) => json(200, { tags: taggable(ctx, c.params.ResourceArn as string).tags }),
    },
    {
      method: 'POST',
      path: '/v2/tags/{ResourceArn}',
      op: 'TagResource',
      run: (c) => {
        Object.assign(taggable(ctx, c.params.ResourceArn as string).tags, (c.body().tags ?? {}) as Tags);
        return json(201, {});
      },
    },
  ];
}

/** ARNs the tagging API reports for HTTP APIs and their stages. */
export function httpApiArns(ctx: Pick<ServiceContext, 'account'>): { arn: string; tags: Tags }[] {
  const out: { arn: string; tags: Tags }[] = [];
  for (const api of ctx.account.httpApis.values()) {
    out.push({ arn: arn.httpApi(api.ApiId), tags: api.Tags });
    for (const [name, stage] of api.stages)
      out.push({ arn: arn.httpStage(api.ApiId, name), tags: (stage.tags ?? {}) as Tags });
  }
  return out;
}
