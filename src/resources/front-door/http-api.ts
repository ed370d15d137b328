/**
 * `gateway: http-api`: one HTTP API per stage, found by its tags, with an
 * AWS_PROXY integration (payload 2.0) to the alias, the `$default` route and
 * an auto-deployed `$default` stage.
 *
 * Creation order is API, integration, route, permission, stage: the stage
 * comes last, so a stage that exists means the integration and the route were
 * made. An unchanged rerun therefore reads only GetApis, GetStage and
 * GetPolicy; integration and route are read (and repaired) whenever the stage
 * is missing.
 */
import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteRouteCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStageCommand,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
  type Api,
  type ApiGatewayV2Client,
} from '@aws-sdk/client-apigatewayv2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { allPages } from '../../aws/all-pages.js';
import { tagsMatchStage } from '../../model/tags.js';
import { callAws, findAws, isAccessDenied, type AwsCall } from '../../aws/aws-call.js';
import { createOnce } from '../../aws/create-once.js';
import { apiGatewayCall } from './call-options.js';
import { afterFunction, type GatewayInput, type GatewayResult } from './gateway-types.js';
import { ensurePermissions, readPermissions, type PermissionTarget } from './lambda-permission.js';
import { oldestTagged } from './oldest-tagged.js';
import { PermissionIds, type PolicyStatement } from './resource-policy.js';
import { start, type CallDeps, type Started } from '../../aws/together.js';
import { desiredThrottle, httpRouteSettingsUpdate } from './throttle.js';
import { httpApiSourceArn, parseAliasArn, trimUrl } from './urls.js';

const STAGE = '$default';
const ROUTE = '$default';

export interface HttpApiClients {
  apiGatewayV2: ApiGatewayV2Client;
  lambda: LambdaClient;
}

const stagePath = (apiId: string) => `/apis/${apiId}/stages/${STAGE}`;

/** The alias's permissions: the function of the stage, qualifier `live`. */
function permissionTarget(input: GatewayInput): PermissionTarget {
  return {
    functionName: input.context.functionName,
    qualifier: parseAliasArn(input.aliasArn).qualifier,
    aliasArn: input.aliasArn,
    stage: input.context.stage,
  };
}

const spec = (
  input: GatewayInput,
  action: string,
  verb: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
): AwsCall => apiGatewayCall(input.context, action, verb, path);

/** The stage's HTTP API by its tags (never by name alone); the oldest when a race made two. */
export async function findHttpApi(
  client: ApiGatewayV2Client,
  input: GatewayInput,
  deps: CallDeps,
): Promise<Api | undefined> {
  const { stage } = input.context;
  const apis = await allPages(
    (token) =>
      callAws(deps, spec(input, 'list the HTTP APIs', 'GET', '/apis'), () =>
        client.send(new GetApisCommand({ NextToken: token })),
      ),
    (page) => page.Items,
    (page) => page.NextToken,
  );
  return oldestTagged(
    apis.filter((api) => api.ProtocolType === 'HTTP' && tagsMatchStage(api.Tags, input.context.tags)),
    { kind: 'HTTP APIs', stage, logger: deps.logger },
    (api) => api.CreatedDate,
    (api) => api.ApiId,
  );
}

/** The `$default` stage of HTTP API `apiId`, or undefined when it has none. */
function readStage(client: ApiGatewayV2Client, apiId: string, input: GatewayInput, deps: CallDeps) {
  return findAws(
    deps,
    {
      ...spec(input, `read the $default stage of HTTP API ${apiId}`, 'GET', stagePath(apiId)),
      absent: ['NotFoundException'],
    },
    () => client.send(new GetStageCommand({ ApiId: apiId, StageName: STAGE })),
  );
}

/** The integrations and routes of an HTTP API, each list read whole (every page). */
function apiReaders(client: ApiGatewayV2Client, apiId: string, input: GatewayInput, deps: CallDeps) {
  const path = `/apis/${apiId}`;
  return {
    integrations: () =>
      allPages(
        (token) =>
          callAws(
            deps,
            spec(input, `read the integrations of HTTP API ${apiId}`, 'GET', `${path}/integrations`),
            () => client.send(new GetIntegrationsCommand({ ApiId: apiId, NextToken: token })),
          ),
        (page) => page.Items,
        (page) => page.NextToken,
      ),
    routes: () =>
      allPages(
        (token) =>
          callAws(deps, spec(input, `read the routes of HTTP API ${apiId}`, 'GET', `${path}/routes`), () =>
            client.send(new GetRoutesCommand({ ApiId: apiId, NextToken: token })),
          ),
        (page) => page.Items,
        (page) => page.NextToken,
      ),
  };
}
type ApiReaders = ReturnType<typeof apiReaders>;
type Integration = Awaited<ReturnType<ApiReaders['integrations']>>[number];
type Route = Awaited<ReturnType<ApiReaders['routes']>>[number];

/** What an existing API was found to hold, read alongside its stage (a protected stage's). */
interface ReadAhead {
  integrations: Started<Integration[]>;
  routes: Started<Route[]>;
}

/** Integration and `$default` route; returns true when something was created, updated or removed. */
async function ensureIntegrationAndRoute(
  client: ApiGatewayV2Client,
  apiId: string,
  isNew: boolean,
  input: GatewayInput,
  deps: CallDeps,
  ahead?: ReadAhead,
): Promise<boolean> {
  const read = apiReaders(client, apiId, input, deps);
  const integrations = isNew ? [] : await (ahead ? ahead.integrations.result() : read.integrations());
  const routes = isNew ? [] : await (ahead ? ahead.routes.result() : read.routes());
  const route = routes.find((r) => r.RouteKey === ROUTE);
  const routed = integrations.find((i) => route?.Target === `integrations/${i.IntegrationId}`);
  const found =
    integrations.find((i) => isOurs(i, input)) ??
    (routed?.IntegrationType === 'AWS_PROXY' ? routed : undefined);
  const integration = await ensureIntegration(client, apiId, found, read, input, deps);
  const routeChanged = await ensureRoute(
    client,
    apiId,
    route,
    `integrations/${integration.id}`,
    read,
    input,
    deps,
  );
  const removed = input.protectedStage
    ? await removeForeignRoutes(
        client,
        apiId,
        routes,
        integrations,
        `integrations/${integration.id}`,
        input,
        deps,
      )
    : false;
  return integration.changed || routeChanged || removed;
}

/**
 * A protected stage's API is lambda-deploy's (found by its tags), and its
 * only route is `$default` to the alias. Another route that sends requests
 * elsewhere (another function, any URL) was added while the stage was a
 * preview, or by hand: it would serve on the stage's own domain, so it goes,
 * named. Routes to the alias's integration (or to none) stay.
 */
async function removeForeignRoutes(
  client: ApiGatewayV2Client,
  apiId: string,
  routes: Route[],
  integrations: Integration[],
  ours: string,
  input: GatewayInput,
  deps: CallDeps,
): Promise<boolean> {
  const foreign = routes.filter((r) => r.RouteKey !== ROUTE && r.Target !== undefined && r.Target !== ours);
  for (const route of foreign) {
    const id = /^integrations\/(.+)$/.exec(route.Target ?? '')?.[1];
    const to = integrations.find((i) => i.IntegrationId === id);
    const where = to
      ? `${to.IntegrationType ?? 'an integration'} ${to.IntegrationUri ?? ''}`.trim()
      : route.Target;
    await callAws(
      deps,
      spec(
        input,
        `remove the route ${route.RouteKey} of HTTP API ${apiId}`,
        'DELETE',
        `/apis/${apiId}/routes/${route.RouteId}`,
      ),
      () => client.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: route.RouteId })),
    );
    deps.logger.warning(
      `Removed the route ${route.RouteKey} of HTTP API ${apiId} (stage ${input.context.stage}): it sent requests to ${where}, not to ${input.aliasArn}. ` +
        'A protected stage serves only what lambda-deploy set up; add other routes in an API of your own.',
    );
  }
  return foreign.length > 0;
}

/** The integration that invokes this stage's alias. */
function isOurs(i: Integration, input: GatewayInput): boolean {
  return i.IntegrationType === 'AWS_PROXY' && i.IntegrationUri === input.aliasArn;
}

/** The Lambda integration: `found` kept, pointed at the alias, or created. */
async function ensureIntegration(
  client: ApiGatewayV2Client,
  apiId: string,
  found: Integration | undefined,
  read: ApiReaders,
  input: GatewayInput,
  deps: CallDeps,
): Promise<{ id: string | undefined; changed: boolean }> {
  const path = `/apis/${apiId}/integrations`;
  if (!found) {
    const made = await createOnce<{ IntegrationId?: string }>(
      deps,
      spec(input, `create the Lambda integration of HTTP API ${apiId}`, 'POST', path),
      async () => (await read.integrations()).find((i) => isOurs(i, input)),
      () =>
        client.send(
          new CreateIntegrationCommand({
            ApiId: apiId,
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: input.aliasArn,
            PayloadFormatVersion: '2.0',
          }),
        ),
    );
    return { id: made.IntegrationId, changed: true };
  }
  if (found.IntegrationUri === input.aliasArn && found.PayloadFormatVersion === '2.0')
    return { id: found.IntegrationId, changed: false };
  const id = found.IntegrationId;
  const updated = await callAws(
    deps,
    spec(input, `update the Lambda integration of HTTP API ${apiId}`, 'PATCH', `${path}/${id}`),
    () =>
      client.send(
        new UpdateIntegrationCommand({
          ApiId: apiId,
          IntegrationId: id,
          IntegrationUri: input.aliasArn,
          PayloadFormatVersion: '2.0',
        }),
      ),
  );
  return { id: updated.IntegrationId, changed: true };
}

/** The `$default` route to `target`: kept, pointed there, or created; true when written. */
async function ensureRoute(
  client: ApiGatewayV2Client,
  apiId: string,
  route: Route | undefined,
  target: string,
  read: ApiReaders,
  input: GatewayInput,
  deps: CallDeps,
): Promise<boolean> {
  const path = `/apis/${apiId}/routes`;
  if (!route) {
    await createOnce<unknown>(
      deps,
      spec(input, `create the $default route of HTTP API ${apiId}`, 'POST', path),
      async () => (await read.routes()).find((r) => r.RouteKey === ROUTE && r.Target === target),
      () => client.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: ROUTE, Target: target })),
    );
    return true;
  }
  if (route.Target === target) return false;
  const routeId = route.RouteId;
  await callAws(
    deps,
    spec(
      input,
      `point the $default route of HTTP API ${apiId} at the function`,
      'PATCH',
      `${path}/${routeId}`,
    ),
    () => client.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, Target: target })),
  );
  return true;
}

export async function ensureHttpApi(
  clients: HttpApiClients,
  input: GatewayInput,
  deps: CallDeps,
): Promise<GatewayResult> {
  const client = clients.apiGatewayV2;
  const throttle = desiredThrottle(input.throttleRate, input.throttleBurst);
  let changed = false;

  let api: { ApiId?: string; ApiEndpoint?: string } | undefined = await findHttpApi(client, input, deps);
  const isNew = !api;
  // A protected stage's API is read whole, alongside its stage (see GatewayInput.protectedStage).
  const existingId = api?.ApiId;
  const ahead: ReadAhead | undefined =
    existingId && input.protectedStage
      ? (() => {
          const read = apiReaders(client, existingId, input, deps);
          return { integrations: start(deps, read.integrations), routes: start(deps, read.routes) };
        })()
      : undefined;
  let stage: Awaited<ReturnType<typeof readStage>>;
  try {
    stage = existingId ? await readStage(client, existingId, input, deps) : undefined;
  } catch (error) {
    await Promise.all([ahead?.integrations.settled(), ahead?.routes.settled()]);
    throw error;
  }
  let knownPolicy: Started<PolicyStatement[] | undefined> | undefined;
  if (input.pending) {
    // Alongside the function deploy: the permissions of a changing function are read
    // while it updates; nothing is written before it is deployed. Refused while the function
    // is not there yet (the preview role reads one without tags so): read again once it is.
    try {
      if (stage && (await input.pending.changing))
        knownPolicy = start(deps, () =>
          readPermissions(clients.lambda, permissionTarget(input), deps).catch((error: unknown) => {
            if (isAccessDenied(error)) return undefined;
            throw error;
          }),
        );
      input = await afterFunction(input, input.pending);
    } catch (error) {
      await Promise.all([knownPolicy?.settled(), ahead?.integrations.settled(), ahead?.routes.settled()]);
      throw error;
    }
  }
  const alias = parseAliasArn(input.aliasArn);

  if (!api) {
    api = await createHttpApi(client, input, deps);
    changed = true;
  }
  const apiId = api.ApiId as string;

  if (!stage || ahead) {
    changed = (await ensureIntegrationAndRoute(client, apiId, isNew, input, deps, ahead)) || changed;
  }

  // A complete front door of an unchanged function keeps the permission an earlier run granted.
  const permissionSettled = !!stage && input.functionChanged === false;
  changed =
    (!permissionSettled &&
      (await ensurePermissions(
        clients.lambda,
        permissionTarget(input),
        [
          {
            statementId: PermissionIds.httpApi,
            action: 'lambda:InvokeFunction',
            principal: 'apigateway.amazonaws.com',
            sourceArn: httpApiSourceArn(alias, apiId),
          },
        ],
        deps,
        await knownPolicy?.result(),
      ))) ||
    changed;

  changed = (await ensureStage(client, apiId, stage, throttle, input, deps)) || changed;

  const url = trimUrl(api.ApiEndpoint ?? '');
  deps.logger.info(changed ? `HTTP API ${apiId} is ready: ${url}` : `HTTP API ${apiId} unchanged: ${url}`);
  return { kind: 'http-api', url, apiId, changed };
}

async function createHttpApi(
  client: ApiGatewayV2Client,
  input: GatewayInput,
  deps: CallDeps,
): Promise<{ ApiId?: string; ApiEndpoint?: string }> {
  const { context } = input;
  const api = await createOnce<{ ApiId?: string; ApiEndpoint?: string }>(
    deps,
    spec(input, 'create the HTTP API', 'POST', '/apis'),
    () => findHttpApi(client, input, deps),
    () =>
      client.send(
        new CreateApiCommand({
          Name: context.functionName,
          ProtocolType: 'HTTP',
          Description: `lambda-deploy: ${context.project}, stage ${context.stage}`,
          Tags: context.tags,
        }),
      ),
  );
  deps.logger.info(`Created HTTP API ${api.ApiId} for stage ${context.stage}.`);
  return api;
}

/** The `$default` stage, auto-deploying with the throttling asked for: created, updated or kept; true when written. */
async function ensureStage(
  client: ApiGatewayV2Client,
  apiId: string,
  stage: Awaited<ReturnType<typeof readStage>>,
  throttle: ReturnType<typeof desiredThrottle>,
  input: GatewayInput,
  deps: CallDeps,
): Promise<boolean> {
  const { context } = input;
  if (!stage) {
    const settings = httpRouteSettingsUpdate(undefined, throttle);
    await createOnce(
      deps,
      spec(input, `create the $default stage of HTTP API ${apiId}`, 'POST', `/apis/${apiId}/stages`),
      () => readStage(client, apiId, input, deps),
      () =>
        client.send(
          new CreateStageCommand({
            ApiId: apiId,
            StageName: STAGE,
            AutoDeploy: true,
            ...(settings && { DefaultRouteSettings: settings }),
            Tags: context.tags,
          }),
        ),
    );
    return true;
  }
  const settings = httpRouteSettingsUpdate(stage.DefaultRouteSettings, throttle);
  if (!settings && stage.AutoDeploy === true) return false;
  await callAws(
    deps,
    spec(input, `update the $default stage of HTTP API ${apiId}`, 'PATCH', stagePath(apiId)),
    () =>
      client.send(
        new UpdateStageCommand({
          ApiId: apiId,
          StageName: STAGE,
          AutoDeploy: true,
          ...(settings && { DefaultRouteSettings: settings }),
        }),
      ),
  );
  deps.logger.info(`Updated the $default stage of HTTP API ${apiId} (throttling or auto-deploy).`);
  return true;
}
