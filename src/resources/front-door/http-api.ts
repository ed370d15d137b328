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
import { callAws, findAws, type AwsCall } from '../../aws/aws-call.js';
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

const spec = (input: GatewayInput, action: string, verb: 'GET' | 'POST' | 'PATCH', path: string): AwsCall =>
  apiGatewayCall(input.context, action, verb, path);

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

/** Integration and `$default` route; returns true when something was created or updated. */
async function ensureIntegrationAndRoute(
  client: ApiGatewayV2Client,
  apiId: string,
  isNew: boolean,
  input: GatewayInput,
  deps: CallDeps,
): Promise<boolean> {
  const path = `/apis/${apiId}`;
  const readIntegrations = () =>
    allPages(
      (token) =>
        callAws(
          deps,
          spec(input, `read the integrations of HTTP API ${apiId}`, 'GET', `${path}/integrations`),
          () => client.send(new GetIntegrationsCommand({ ApiId: apiId, NextToken: token })),
        ),
      (page) => page.Items,
      (page) => page.NextToken,
    );
  const readRoutes = () =>
    allPages(
      (token) =>
        callAws(deps, spec(input, `read the routes of HTTP API ${apiId}`, 'GET', `${path}/routes`), () =>
          client.send(new GetRoutesCommand({ ApiId: apiId, NextToken: token })),
        ),
      (page) => page.Items,
      (page) => page.NextToken,
    );
  const ours = (i: { IntegrationType?: string; IntegrationUri?: string }) =>
    i.IntegrationType === 'AWS_PROXY' && i.IntegrationUri === input.aliasArn;
  const integrations = isNew ? [] : await readIntegrations();
  const routes = isNew ? [] : await readRoutes();
  let changed = false;

  const route = routes.find((r) => r.RouteKey === ROUTE);
  const routed = integrations.find((i) => route?.Target === `integrations/${i.IntegrationId}`);
  let integration = integrations.find(ours) ?? (routed?.IntegrationType === 'AWS_PROXY' ? routed : undefined);
  if (!integration) {
    integration = await createOnce<{ IntegrationId?: string }>(
      deps,
      spec(input, `create the Lambda integration of HTTP API ${apiId}`, 'POST', `${path}/integrations`),
      async () => (await readIntegrations()).find(ours),
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
    changed = true;
  } else if (integration.IntegrationUri !== input.aliasArn || integration.PayloadFormatVersion !== '2.0') {
    const id = integration.IntegrationId;
    integration = await callAws(
      deps,
      spec(
        input,
        `update the Lambda integration of HTTP API ${apiId}`,
        'PATCH',
        `${path}/integrations/${id}`,
      ),
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
    changed = true;
  }

  const target = `integrations/${integration.IntegrationId}`;
  if (!route) {
    await createOnce<unknown>(
      deps,
      spec(input, `create the $default route of HTTP API ${apiId}`, 'POST', `${path}/routes`),
      async () => (await readRoutes()).find((r) => r.RouteKey === ROUTE && r.Target === target),
      () => client.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: ROUTE, Target: target })),
    );
    changed = true;
  } else if (route.Target !== target) {
    const routeId = route.RouteId;
    await callAws(
      deps,
      spec(
        input,
        `point the $default route of HTTP API ${apiId} at the function`,
        'PATCH',
        `${path}/routes/${routeId}`,
      ),
      () => client.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, Target: target })),
    );
    changed = true;
  }
  return changed;
}

export async function ensureHttpApi(
  clients: HttpApiClients,
  input: GatewayInput,
  deps: CallDeps,
): Promise<GatewayResult> {
  const { context } = input;
  const client = clients.apiGatewayV2;
  const throttle = desiredThrottle(input.throttleRate, input.throttleBurst);
  let changed = false;

  let api: { ApiId?: string; ApiEndpoint?: string } | undefined = await findHttpApi(client, input, deps);
  const isNew = !api;
  const stage = api?.ApiId ? await readStage(client, api.ApiId, input, deps) : undefined;
  let knownPolicy: Started<PolicyStatement[]> | undefined;
  if (input.pending) {
    // Alongside the function deploy: the permissions of a changing function are read
    // while it updates; nothing is written before it is deployed.
    try {
      if (stage && (await input.pending.changing))
        knownPolicy = start(deps, () => readPermissions(clients.lambda, permissionTarget(input), deps));
      input = await afterFunction(input, input.pending);
    } catch (error) {
      await knownPolicy?.settled();
      throw error;
    }
  }
  const alias = parseAliasArn(input.aliasArn);

  if (!api) {
    api = await createOnce<{ ApiId?: string; ApiEndpoint?: string }>(
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
    changed = true;
  }
  const apiId = api.ApiId as string;

  if (!stage) {
    changed = (await ensureIntegrationAndRoute(client, apiId, isNew, input, deps)) || changed;
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
    changed = true;
  } else {
    const settings = httpRouteSettingsUpdate(stage.DefaultRouteSettings, throttle);
    if (settings || stage.AutoDeploy !== true) {
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
      changed = true;
    }
  }

  const url = trimUrl(api.ApiEndpoint ?? '');
  deps.logger.info(changed ? `HTTP API ${apiId} is ready: ${url}` : `HTTP API ${apiId} unchanged: ${url}`);
  return { kind: 'http-api', url, apiId, changed };
}
