/**
 * `gateway: rest-api`: one regional REST API per stage, found by its tags,
 * with `ANY /` and `ANY /{proxy+}` proxying to the alias `live`, a stage named
 * after our stage (the URL ends in `/pr-42`), and, with `api-key: true`, a
 * usage plan and one key (rest-api-keys.ts).
 *
 * A deployment is made only when a method or integration was created or
 * changed, or the stage is new: API Gateway allows about one CreateDeployment
 * per 5 s per account, and every deployment is a snapshot kept forever.
 */
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  GetIntegrationCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateMethodCommand,
  UpdateRestApiCommand,
  UpdateStageCommand,
  type APIGatewayClient,
  type Integration,
  type Resource,
  type ResponseTransferMode,
  type RestApi,
} from '@aws-sdk/client-api-gateway';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { allPages } from '../../aws/all-pages.js';
import { tagsMatchStage } from '../../model/tags.js';
import { callAws, findAws, type AwsCall, type RetryDeps } from '../../aws/aws-call.js';
import { createOnce } from '../../aws/create-once.js';
import { apiGatewayCall } from './call-options.js';
import type { GatewayInput, GatewayResult } from './gateway-types.js';
import { ensurePermissions } from './lambda-permission.js';
import { oldestTagged } from './oldest-tagged.js';
import { PermissionIds } from './resource-policy.js';
import { ensureApiKey } from './rest-api-keys.js';
import { removeRestExtras, restExtras } from './rest-api-extras.js';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { desiredThrottle, restStageThrottlePatch } from './throttle.js';
import { lambdaInvocationUri, parseAliasArn, restApiSourceArn, restApiUrl, restStageName } from './urls.js';

const METHOD = 'ANY';
const PROXY_PART = '{proxy+}';
/** The paths every stage deployment serves (ANY on each), and nothing else on a protected stage. */
const SERVED_PATHS = ['/', `/${PROXY_PART}`];
/**
 * Every content type may be binary: API Gateway then decodes a proxy
 * response with `isBase64Encoded: true` (images, files) instead of sending
 * the base64 text, and passes request bodies base64-encoded.
 */
const BINARY_ALL = '*/*';

export interface RestApiClients {
  apiGateway: APIGatewayClient;
  lambda: LambdaClient;
  /** Finds an API key the preview role cannot list (see findApiKey). */
  tagging?: ResourceGroupsTaggingAPIClient;
}

type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const restSpec = (input: GatewayInput, action: string, verb: Verb, path: string): AwsCall =>
  apiGatewayCall(input.context, action, verb, path);

/** The stage's REST API by its tags (never by name alone); the oldest when a race made two. */
export async function findRestApi(
  client: APIGatewayClient,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<RestApi | undefined> {
  const { stage } = input.context;
  const apis = await allPages(
    (position) =>
      callAws(deps, restSpec(input, 'list the REST APIs', 'GET', '/restapis'), () =>
        client.send(new GetRestApisCommand({ limit: 500, position })),
      ),
    (page) => page.items,
    (page) => page.position,
  );
  return oldestTagged(
    apis.filter((api) => tagsMatchStage(api.tags, input.context.tags)),
    { kind: 'REST APIs', stage, logger: deps.logger },
    (api) => api.createdDate,
    (api) => api.id,
  );
}

async function listResources(
  client: APIGatewayClient,
  apiId: string,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<Resource[]> {
  return allPages(
    (position) =>
      callAws(
        deps,
        restSpec(input, `read the resources of REST API ${apiId}`, 'GET', `/restapis/${apiId}/resources`),
        () =>
          client.send(
            new GetResourcesCommand({ restApiId: apiId, embed: ['methods'], limit: 500, position }),
          ),
      ),
    (page) => page.items,
    (page) => page.position,
  );
}

/** `ANY` on one resource: method, API key requirement, proxy integration. True when something changed. */
async function ensureMethod(
  client: APIGatewayClient,
  apiId: string,
  resource: Resource,
  uri: string,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<boolean> {
  const resourceId = resource.id as string;
  const where = `ANY ${resource.path} of REST API ${apiId}`;
  const methodPath = `/restapis/${apiId}/resources/${resourceId}/methods/${METHOD}`;
  const key = { restApiId: apiId, resourceId, httpMethod: METHOD };
  const method = resource.resourceMethods?.[METHOD];
  let changed = false;
  let integration: Integration | undefined;

  if (!method) {
    await createOnce<unknown>(
      deps,
      restSpec(input, `create the method ${where}`, 'PUT', methodPath),
      () =>
        findAws(
          deps,
          {
            ...restSpec(input, `read the method ${where}`, 'GET', methodPath),
            absent: ['NotFoundException'],
          },
          () => client.send(new GetMethodCommand(key)),
        ),
      () =>
        client.send(
          new PutMethodCommand({ ...key, authorizationType: 'NONE', apiKeyRequired: input.apiKey }),
        ),
    );
    changed = true;
  } else {
    if ((method.apiKeyRequired ?? false) !== input.apiKey) {
      await callAws(
        deps,
        restSpec(input, `set the API key requirement of ${where}`, 'PATCH', methodPath),
        () =>
          client.send(
            new UpdateMethodCommand({
              ...key,
              patchOperations: [{ op: 'replace', path: '/apiKeyRequired', value: String(input.apiKey) }],
            }),
          ),
      );
      deps.logger.info(`${where}: API key ${input.apiKey ? 'now required' : 'no longer required'}.`);
      changed = true;
    }
    // GetResources embeds the integration with the method; ask for it only when it is not there.
    integration =
      method.methodIntegration ??
      (await findAws(
        deps,
        {
          ...restSpec(input, `read the integration of ${where}`, 'GET', `${methodPath}/integration`),
          absent: ['NotFoundException'],
        },
        () => client.send(new GetIntegrationCommand(key)),
      ));
  }

  return (
    (await ensureIntegration(client, { key, where, methodPath }, integration, uri, input, deps)) || changed
  );
}

/**
 * The Lambda proxy integration of one method, put again when it differs:
 * type, URI (invocations, or response-streaming-invocations) and transfer mode.
 */
async function ensureIntegration(
  client: APIGatewayClient,
  at: {
    key: { restApiId: string; resourceId: string; httpMethod: string };
    where: string;
    methodPath: string;
  },
  integration: Integration | undefined,
  uri: string,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<boolean> {
  const { key, where, methodPath } = at;
  const transfer: ResponseTransferMode = input.invokeMode === 'response-stream' ? 'STREAM' : 'BUFFERED';
  if (
    !integration ||
    integration.type !== 'AWS_PROXY' ||
    integration.uri !== uri ||
    integration.httpMethod !== 'POST' ||
    (integration.responseTransferMode ?? 'BUFFERED') !== transfer
  ) {
    await callAws(
      deps,
      restSpec(input, `connect ${where} to the function`, 'PUT', `${methodPath}/integration`),
      () =>
        client.send(
          new PutIntegrationCommand({
            ...key,
            type: 'AWS_PROXY',
            integrationHttpMethod: 'POST',
            uri,
            // Omitted when buffered (API Gateway's default): PutIntegration replaces the whole integration.
            ...(transfer === 'STREAM' ? { responseTransferMode: transfer } : {}),
          }),
        ),
    );
    return true;
  }
  return false;
}

export async function ensureRestApi(
  clients: RestApiClients,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<GatewayResult> {
  const { context } = input;
  const client = clients.apiGateway;
  const alias = parseAliasArn(input.aliasArn);
  const restStage = restStageName(context.stage);

  const found = await findRestApi(client, input, deps);
  const isNew = !found;
  const api = found ?? (await createRestApi(client, input, deps));
  const apiId = api.id as string;
  const uri = lambdaInvocationUri(alias, input.aliasArn, input.invokeMode === 'response-stream');
  const methodsChanged = await ensureMethods(client, api, isNew, uri, input, deps);

  // Before the stage exists, so the first request through the new URL is allowed.
  const permitted = await ensurePermissions(
    clients.lambda,
    {
      functionName: context.functionName,
      qualifier: alias.qualifier,
      aliasArn: input.aliasArn,
      stage: context.stage,
    },
    [
      {
        statementId: PermissionIds.restApi,
        action: 'lambda:InvokeFunction',
        principal: 'apigateway.amazonaws.com',
        sourceArn: restApiSourceArn(alias, apiId),
      },
    ],
    deps,
  );
  const staged = await ensureRestStage(client, apiId, restStage, isNew, methodsChanged, input, deps);

  const url = restApiUrl(apiId, context.region, restStage);
  const changed = isNew || methodsChanged || permitted || staged;
  const result: GatewayResult = { kind: 'rest-api', url, apiId, changed };
  if (input.apiKey) {
    const key = await ensureApiKey(client, input, { apiId, restStage }, deps, clients.tagging);
    result.apiKeyId = key.apiKeyId;
    result.apiKeyValue = key.apiKeyValue;
    result.changed ||= key.changed;
  }
  deps.logger.info(
    result.changed ? `REST API ${apiId} is ready: ${url}` : `REST API ${apiId} unchanged: ${url}`,
  );
  return result;
}

async function createRestApi(client: APIGatewayClient, input: GatewayInput, deps: RetryDeps) {
  const { context } = input;
  const api = await createOnce(
    deps,
    restSpec(input, 'create the REST API', 'POST', '/restapis'),
    () => findRestApi(client, input, deps),
    () =>
      client.send(
        new CreateRestApiCommand({
          name: context.functionName,
          description: `lambda-deploy: ${context.project}, stage ${context.stage}`,
          endpointConfiguration: { types: ['REGIONAL'] },
          apiKeySource: 'HEADER',
          binaryMediaTypes: [BINARY_ALL],
          tags: context.tags,
        }),
      ),
  );
  deps.logger.info(`Created REST API ${api.id} for stage ${context.stage}.`);
  return api;
}

/**
 * Binary bodies allowed, and ANY on `/` and on `/{proxy+}` (created when
 * missing) sent to the function; true when something changed, which takes
 * effect with the next deployment.
 */
async function ensureMethods(
  client: APIGatewayClient,
  api: { id?: string; rootResourceId?: string; binaryMediaTypes?: string[] },
  isNew: boolean,
  uri: string,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<boolean> {
  const apiId = api.id as string;
  // A new API has only its root resource, with no methods: no need to read it.
  const resources = isNew
    ? [{ id: api.rootResourceId, path: '/' }]
    : await listResources(client, apiId, input, deps);
  const root = resources.find((r) => r.path === '/');
  if (!root?.id)
    throw new Error(
      `REST API ${apiId} of stage ${input.context.stage} has no root resource; delete it and deploy again.`,
    );

  let changed = false;
  if (!isNew && input.protectedStage) {
    const extras = restExtras(resources, SERVED_PATHS, METHOD);
    changed = await removeRestExtras(client, apiId, extras, input, deps);
  }
  if (!isNew && !(api.binaryMediaTypes ?? []).includes(BINARY_ALL)) {
    await callAws(
      deps,
      restSpec(input, `allow binary bodies on REST API ${apiId}`, 'PATCH', `/restapis/${apiId}`),
      () =>
        client.send(
          new UpdateRestApiCommand({
            restApiId: apiId,
            patchOperations: [{ op: 'add', path: `/binaryMediaTypes/${BINARY_ALL.replace('/', '~1')}` }],
          }),
        ),
    );
    changed = true;
  }
  changed = (await ensureMethod(client, apiId, root, uri, input, deps)) || changed;
  let proxy = resources.find((r) => r.path === `/${PROXY_PART}`);
  if (!proxy) {
    proxy = await createOnce(
      deps,
      restSpec(
        input,
        `create the resource /${PROXY_PART} of REST API ${apiId}`,
        'POST',
        `/restapis/${apiId}/resources/${root.id}`,
      ),
      async () => (await listResources(client, apiId, input, deps)).find((r) => r.path === `/${PROXY_PART}`),
      () =>
        client.send(new CreateResourceCommand({ restApiId: apiId, parentId: root.id, pathPart: PROXY_PART })),
    );
    changed = true;
  }
  return (await ensureMethod(client, apiId, proxy, uri, input, deps)) || changed;
}

/**
 * The stage: created with a first deployment, or deployed again when the
 * methods changed; its throttling set (the stage throttles everyone when
 * there is no API key, the usage plan each caller when there is). True when
 * something changed.
 */
async function ensureRestStage(
  client: APIGatewayClient,
  apiId: string,
  restStage: string,
  isNew: boolean,
  methodsChanged: boolean,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<boolean> {
  const { context } = input;
  const stagePath = `/restapis/${apiId}/stages/${restStage}`;
  const readStage = () =>
    findAws(
      deps,
      {
        ...restSpec(input, `read the stage ${restStage} of REST API ${apiId}`, 'GET', stagePath),
        absent: ['NotFoundException'],
      },
      () => client.send(new GetStageCommand({ restApiId: apiId, stageName: restStage })),
    );
  const stage = isNew ? undefined : await readStage();
  let changed = false;

  const deploySpec = restSpec(input, `deploy REST API ${apiId}`, 'POST', `/restapis/${apiId}/deployments`);
  const description = `lambda-deploy ${context.stage}`;
  if (!stage) {
    const deployment = await callAws(deps, deploySpec, () =>
      client.send(new CreateDeploymentCommand({ restApiId: apiId, description })),
    );
    await createOnce<unknown>(
      deps,
      restSpec(
        input,
        `create the stage ${restStage} of REST API ${apiId}`,
        'POST',
        `/restapis/${apiId}/stages`,
      ),
      readStage,
      () =>
        client.send(
          new CreateStageCommand({
            restApiId: apiId,
            stageName: restStage,
            deploymentId: deployment.id,
            description,
            tags: context.tags,
          }),
        ),
    );
    deps.logger.info(`Deployed REST API ${apiId} to its new stage ${restStage}.`);
    changed = true;
  } else if (methodsChanged || (await servesOtherMethods(client, apiId, stage.deploymentId, input, deps))) {
    await callAws(deps, deploySpec, () =>
      client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: restStage, description })),
    );
    deps.logger.info(`Deployed the changed methods of REST API ${apiId} to stage ${restStage}.`);
    changed = true;
  }

  const stageThrottle = input.apiKey ? undefined : desiredThrottle(input.throttleRate, input.throttleBurst);
  const ops = restStageThrottlePatch(stage?.methodSettings, stageThrottle);
  if (!ops.length) return changed;
  await callAws(
    deps,
    restSpec(input, `set the throttling of stage ${restStage} of REST API ${apiId}`, 'PATCH', stagePath),
    () =>
      client.send(new UpdateStageCommand({ restApiId: apiId, stageName: restStage, patchOperations: ops })),
  );
  deps.logger.info(`Updated the throttling of REST API ${apiId} stage ${restStage}.`);
  return true;
}

/**
 * Whether the stage's deployment serves methods other than the API's: a deploy
 * that changed them (say, to require the API key) and failed before deploying
 * them left the stage on the old ones, and the methods alone now look done.
 */
async function servesOtherMethods(
  client: APIGatewayClient,
  apiId: string,
  deploymentId: string | undefined,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<boolean> {
  if (!deploymentId) return true;
  const deployment = await callAws(
    deps,
    restSpec(
      input,
      `read the deployment ${deploymentId} of REST API ${apiId}`,
      'GET',
      `/restapis/${apiId}/deployments/${deploymentId}`,
    ),
    () => client.send(new GetDeploymentCommand({ restApiId: apiId, deploymentId, embed: ['apisummary'] })),
  );
  const summary = deployment.apiSummary ?? {};
  // A protected stage's deployment serves nothing else (a preview could have deployed more).
  const more =
    input.protectedStage &&
    Object.entries(summary).some(
      ([path, methods]) => !SERVED_PATHS.includes(path) || Object.keys(methods).some((m) => m !== METHOD),
    );
  return (
    more ||
    SERVED_PATHS.some((path) => {
      const served = summary[path]?.[METHOD];
      return (
        !served || served.authorizationType !== 'NONE' || (served.apiKeyRequired ?? false) !== input.apiKey
      );
    })
  );
}
