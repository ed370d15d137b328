/**
 * A small stateful model of the API Gateway (v1, v2) and Lambda permission /
 * function URL APIs, behind aws-sdk-client-mock: resources persist between
 * runs, errors are the SDK's own exception classes with AWS's messages, list
 * calls are paginated (2 items a page), and any operation can be made to
 * answer TooManyRequestsException a number of times.
 */
import * as v1 from '@aws-sdk/client-api-gateway';
import * as v2 from '@aws-sdk/client-apigatewayv2';
import * as lambda from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { stageTags } from '../../src/model/tags.js';
import type { StageContext } from '../../src/model/stage-context.js';
import type { GatewayInput } from '../../src/resources/front-door/gateway-types.js';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';

export function stageContext(stage = 'pr-42', project = 'shop'): StageContext {
  return {
    project,
    stage,
    functionName: `${project}-${stage}`,
    region: REGION,
    accountId: ACCOUNT,
    tags: stageTags({
      project,
      stage,
      repository: 'octo/shop',
      ref: stage.startsWith('pr-') ? `pull/${stage.slice(3)}` : stage,
    }),
  };
}

export function gatewayInput(overrides: Partial<GatewayInput> = {}, context = stageContext()): GatewayInput {
  return {
    context,
    aliasArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${context.functionName}:live`,
    apiKey: false,
    ...overrides,
  };
}

const meta = { $metadata: { httpStatusCode: 400 } };
const PAGE = 2;

function page<T>(items: T[], token: string | undefined): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const slice = items.slice(start, start + PAGE);
  return { items: slice, ...(start + PAGE < items.length && { next: String(start + PAGE) }) };
}

interface FakeStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: unknown;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

interface HttpApi {
  api: v2.Api;
  integrations: v2.Integration[];
  routes: v2.Route[];
  stages: Map<string, v2.Stage>;
}

interface RestApi {
  api: v1.RestApi;
  resources: v1.Resource[];
  stages: Map<string, v1.Stage>;
  deployments: string[];
}

interface Plan {
  plan: v1.UsagePlan;
  keys: Set<string>;
}

export class FakeAws {
  readonly clients = {
    lambda: new lambda.LambdaClient({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    }),
    apiGatewayV2: new v2.ApiGatewayV2Client({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    }),
    apiGateway: new v1.APIGatewayClient({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    }),
  };
  readonly lambdaMock = mockClient(this.clients.lambda);
  readonly v2Mock = mockClient(this.clients.apiGatewayV2);
  readonly v1Mock = mockClient(this.clients.apiGateway);

  /** Every call, in order, as operation names (`GetApis`). */
  readonly calls: string[] = [];
  readonly policies = new Map<string, FakeStatement[]>();
  readonly urls = new Map<string, { FunctionUrl: string; AuthType: lambda.FunctionUrlAuthType }>();
  readonly httpApis = new Map<string, HttpApi>();
  readonly restApis = new Map<string, RestApi>();
  readonly apiKeys = new Map<string, v1.ApiKey>();
  readonly plans = new Map<string, Plan>();
  private readonly throttled = new Map<string, number>();
  private readonly denied = new Set<string>();
  private readonly blind = new Set<string>();
  private seq = 0;
  private clock = Date.parse('2025-01-01T00:00:00Z');

  constructor() {
    this.wireLambda();
    this.wireV2();
    this.wireV1();
  }

  /** The next `times` calls of `operation` answer TooManyRequestsException. */
  throttle(operation: string, times: number): void {
    this.throttled.set(operation, times);
  }

  /** Every call of `operation` answers AccessDeniedException. */
  deny(operation: string): void {
    this.denied.add(operation);
  }

  /** Lifts deny(). */
  allow(operation: string): void {
    this.denied.delete(operation);
  }

  /**
   * The next call of a read (`GetPolicy`, `GetUsagePlans`, `GetFunctionUrlConfig`) sees nothing, as an
   * eventually consistent read (or a parallel run) would: for "already
   * exists" races.
   */
  blindOnce(operation: string): void {
    this.blind.add(operation);
  }

  private isBlind(operation: string): boolean {
    return this.blind.delete(operation);
  }

  /** Forget the recorded calls (state stays): the start of a "second run". */
  resetCalls(): void {
    this.calls.length = 0;
    this.lambdaMock.resetHistory();
    this.v2Mock.resetHistory();
    this.v1Mock.resetHistory();
  }

  callsOf(prefix: string): string[] {
    return this.calls.filter((c) => c.startsWith(prefix));
  }

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}${this.seq.toString(36).padStart(6, '0')}`;
  }

  private now(): Date {
    this.clock += 1000;
    return new Date(this.clock);
  }

  private enter(
    operation: string,
    ThrottleError: new (o: { message: string; $metadata: object }) => Error,
  ): void {
    this.calls.push(operation);
    if (this.denied.has(operation)) {
      const error = new Error(
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/gh is not authorized to perform this action`,
      );
      error.name = 'AccessDeniedException';
      Object.assign(error, { $metadata: { httpStatusCode: 403 } });
      throw error;
    }
    const left = this.throttled.get(operation) ?? 0;
    if (left > 0) {
      this.throttled.set(operation, left - 1);
      throw new ThrottleError({ message: 'Too Many Requests', $metadata: { httpStatusCode: 429 } });
    }
  }

  // ---------------------------------------------------------------- Lambda
  private wireLambda(): void {
    const m = this.lambdaMock;
    const T = lambda.TooManyRequestsException as never;
    const key = (i: { FunctionName?: string; Qualifier?: string }) =>
      `${i.FunctionName}:${i.Qualifier ?? '$LATEST'}`;
    const arn = (i: { FunctionName?: string; Qualifier?: string }) =>
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${i.FunctionName}${i.Qualifier ? `:${i.Qualifier}` : ''}`;

    m.on(lambda.GetPolicyCommand).callsFake(async (i: lambda.GetPolicyRequest) => {
      this.enter('GetPolicy', T);
      const statements = this.isBlind('GetPolicy') ? [] : (this.policies.get(key(i)) ?? []);
      if (!statements.length)
        throw new lambda.ResourceNotFoundException({
          message: 'The resource you requested does not exist.',
          ...meta,
        });
      return {
        Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }),
        RevisionId: 'r1',
      };
    });
    m.on(lambda.AddPermissionCommand).callsFake(async (i: lambda.AddPermissionRequest) => {
      this.enter('AddPermission', T);
      const statements = this.policies.get(key(i)) ?? [];
      if (statements.some((s) => s.Sid === i.StatementId))
        throw new lambda.ResourceConflictException({
          message: `The statement id (${i.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
          ...meta,
        });
      if (i.InvokedViaFunctionUrl && i.Action !== 'lambda:InvokeFunction')
        throw new lambda.InvalidParameterValueException({
          message: 'InvokedViaFunctionUrl needs lambda:InvokeFunction',
          ...meta,
        });
      const condition: Record<string, Record<string, string>> = {};
      if (i.SourceArn) condition.ArnLike = { 'AWS:SourceArn': i.SourceArn };
      if (i.FunctionUrlAuthType)
        condition.StringEquals = { 'lambda:FunctionUrlAuthType': i.FunctionUrlAuthType };
      if (i.InvokedViaFunctionUrl) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
      const statement: FakeStatement = {
        Sid: i.StatementId as string,
        Effect: 'Allow',
        Principal: i.Principal === '*' ? '*' : { Service: i.Principal },
        Action: i.Action as string,
        Resource: arn(i),
        ...(Object.keys(condition).length && { Condition: condition }),
      };
      this.policies.set(key(i), [...statements, statement]);
      return { Statement: JSON.stringify(statement) };
    });
    m.on(lambda.RemovePermissionCommand).callsFake(async (i: lambda.RemovePermissionRequest) => {
      this.enter('RemovePermission', T);
      const statements = this.policies.get(key(i)) ?? [];
      if (!statements.some((s) => s.Sid === i.StatementId))
        throw new lambda.ResourceNotFoundException({ message: 'Statement not found', ...meta });
      this.policies.set(
        key(i),
        statements.filter((s) => s.Sid !== i.StatementId),
      );
      return {};
    });
    m.on(lambda.GetFunctionUrlConfigCommand).callsFake(async (i: lambda.GetFunctionUrlConfigRequest) => {
      this.enter('GetFunctionUrlConfig', T);
      const url = this.isBlind('GetFunctionUrlConfig') ? undefined : this.urls.get(key(i));
      if (!url)
        throw new lambda.ResourceNotFoundException({
          message: 'The resource you requested does not exist.',
          ...meta,
        });
      return { ...url, FunctionArn: arn(i) };
    });
    m.on(lambda.CreateFunctionUrlConfigCommand).callsFake(
      async (i: lambda.CreateFunctionUrlConfigRequest) => {
        this.enter('CreateFunctionUrlConfig', T);
        if (this.urls.has(key(i)))
          throw new lambda.ResourceConflictException({
            message: `Failed to create function url config for [functionArn = ${arn(i)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
            ...meta,
          });
        const url = {
          FunctionUrl: `https://${this.id('u')}abcdef.lambda-url.${REGION}.on.aws/`,
          AuthType: i.AuthType as lambda.FunctionUrlAuthType,
        };
        this.urls.set(key(i), url);
        return { ...url, FunctionArn: arn(i) };
      },
    );
    m.on(lambda.UpdateFunctionUrlConfigCommand).callsFake(
      async (i: lambda.UpdateFunctionUrlConfigRequest) => {
        this.enter('UpdateFunctionUrlConfig', T);
        const url = this.urls.get(key(i));
        if (!url) throw new lambda.ResourceNotFoundException({ message: 'not found', ...meta });
        if (i.AuthType) url.AuthType = i.AuthType;
        return { ...url, FunctionArn: arn(i) };
      },
    );
  }

  // ---------------------------------------------------------------- API Gateway v2 (HTTP APIs)
  private httpApi(id: string | undefined): HttpApi {
    const api = this.httpApis.get(id ?? '');
    if (!api) throw new v2.NotFoundException({ message: 'Invalid API identifier specified', ...meta });
    return api;
  }

  /** An HTTP API made by someone else (or another stage): for decoy tests. */
  addHttpApi(name: string, tags: Record<string, string>): string {
    const ApiId = this.id('h');
    this.httpApis.set(ApiId, {
      api: {
        ApiId,
        Name: name,
        ProtocolType: 'HTTP',
        ApiEndpoint: `https://${ApiId}.execute-api.${REGION}.amazonaws.com`,
        Tags: tags,
        CreatedDate: this.now(),
        RouteSelectionExpression: '${request.method} ${request.path}',
      },
      integrations: [],
      routes: [],
      stages: new Map(),
    });
    return ApiId;
  }

  private wireV2(): void {
    const m = this.v2Mock;
    const T = v2.TooManyRequestsException as never;
    m.on(v2.GetApisCommand).callsFake(async (i: v2.GetApisRequest) => {
      this.enter('GetApis', T);
      const p = page(
        [...this.httpApis.values()].map((a) => a.api),
        i.NextToken,
      );
      return { Items: p.items, NextToken: p.next };
    });
    m.on(v2.CreateApiCommand).callsFake(async (i: v2.CreateApiRequest) => {
      this.enter('CreateApi', T);
      const id = this.addHttpApi(i.Name as string, i.Tags ?? {});
      return this.httpApi(id).api;
    });
    m.on(v2.GetIntegrationsCommand).callsFake(async (i: v2.GetIntegrationsRequest) => {
      this.enter('GetIntegrations', T);
      const p = page(this.httpApi(i.ApiId).integrations, i.NextToken);
      return { Items: p.items, NextToken: p.next };
    });
    m.on(v2.CreateIntegrationCommand).callsFake(async (i: v2.CreateIntegrationRequest) => {
      this.enter('CreateIntegration', T);
      const api = this.httpApi(i.ApiId);
      const { ApiId: _, ...fields } = i;
      const integration: v2.Integration = { ...fields, IntegrationId: this.id('i') };
      api.integrations.push(integration);
      return integration;
    });
    m.on(v2.UpdateIntegrationCommand).callsFake(async (i: v2.UpdateIntegrationRequest) => {
      this.enter('UpdateIntegration', T);
      const integration = this.httpApi(i.ApiId).integrations.find((x) => x.IntegrationId === i.IntegrationId);
      if (!integration)
        throw new v2.NotFoundException({ message: 'Invalid Integration identifier specified', ...meta });
      const { ApiId: _a, IntegrationId: _b, ...fields } = i;
      Object.assign(integration, fields);
      return integration;
    });
    m.on(v2.GetRoutesCommand).callsFake(async (i: v2.GetRoutesRequest) => {
      this.enter('GetRoutes', T);
      const p = page(this.httpApi(i.ApiId).routes, i.NextToken);
      return { Items: p.items, NextToken: p.next };
    });
    m.on(v2.CreateRouteCommand).callsFake(async (i: v2.CreateRouteRequest) => {
      this.enter('CreateRoute', T);
      const api = this.httpApi(i.ApiId);
      if (api.routes.some((r) => r.RouteKey === i.RouteKey))
        throw new v2.ConflictException({
          message: `Unable to create Route, a Route with key ${i.RouteKey} already exists`,
          ...meta,
        });
      const route: v2.Route = { RouteId: this.id('r'), RouteKey: i.RouteKey, Target: i.Target };
      api.routes.push(route);
      return route;
    });
    m.on(v2.UpdateRouteCommand).callsFake(async (i: v2.UpdateRouteRequest) => {
      this.enter('UpdateRoute', T);
      const route = this.httpApi(i.ApiId).routes.find((r) => r.RouteId === i.RouteId);
      if (!route) throw new v2.NotFoundException({ message: 'Invalid Route identifier specified', ...meta });
      if (i.Target) route.Target = i.Target;
      return route;
    });
    m.on(v2.GetStageCommand).callsFake(async (i: v2.GetStageRequest) => {
      this.enter('GetStage', T);
      const stage = this.httpApi(i.ApiId).stages.get(i.StageName ?? '');
      if (!stage) throw new v2.NotFoundException({ message: 'Invalid Stage identifier specified', ...meta });
      return stage;
    });
    m.on(v2.CreateStageCommand).callsFake(async (i: v2.CreateStageRequest) => {
      this.enter('CreateStage', T);
      const api = this.httpApi(i.ApiId);
      if (api.stages.has(i.StageName ?? ''))
        throw new v2.ConflictException({ message: `Stage already exist`, ...meta });
      const stage: v2.Stage = {
        StageName: i.StageName,
        AutoDeploy: i.AutoDeploy,
        DefaultRouteSettings: i.DefaultRouteSettings ?? { DetailedMetricsEnabled: false },
        Tags: i.Tags,
      };
      api.stages.set(i.StageName as string, stage);
      return stage;
    });
    m.on(v2.UpdateStageCommand).callsFake(async (i: v2.UpdateStageRequest) => {
      this.enter('UpdateStage', T);
      const stage = this.httpApi(i.ApiId).stages.get(i.StageName ?? '');
      if (!stage) throw new v2.NotFoundException({ message: 'Invalid Stage identifier specified', ...meta });
      if (i.AutoDeploy !== undefined) stage.AutoDeploy = i.AutoDeploy;
      if (i.DefaultRouteSettings) stage.DefaultRouteSettings = i.DefaultRouteSettings;
      return stage;
    });
  }

  // ---------------------------------------------------------------- API Gateway v1 (REST APIs, keys, plans)
  private restApi(id: string | undefined): RestApi {
    const api = this.restApis.get(id ?? '');
    if (!api) throw new v1.NotFoundException({ message: 'Invalid API identifier specified', ...meta });
    return api;
  }

  private resource(api: RestApi, id: string | undefined): v1.Resource {
    const r = api.resources.find((x) => x.id === id);
    if (!r) throw new v1.NotFoundException({ message: 'Invalid Resource identifier specified', ...meta });
    return r;
  }

  private method(i: { restApiId?: string; resourceId?: string; httpMethod?: string }): v1.Method {
    const method = this.resource(this.restApi(i.restApiId), i.resourceId).resourceMethods?.[
      i.httpMethod ?? ''
    ];
    if (!method) throw new v1.NotFoundException({ message: 'Invalid Method identifier specified', ...meta });
    return method;
  }

  addRestApi(name: string, tags: Record<string, string>): string {
    const id = this.id('r');
    const rootId = this.id('root');
    this.restApis.set(id, {
      api: {
        id,
        name,
        tags,
        createdDate: this.now(),
        rootResourceId: rootId,
        endpointConfiguration: { types: ['REGIONAL'] },
      },
      resources: [{ id: rootId, path: '/' }],
      stages: new Map(),
      deployments: [],
    });
    return id;
  }

  addApiKey(name: string, tags: Record<string, string>): v1.ApiKey {
    const key: v1.ApiKey = {
      id: this.id('k'),
      name,
      tags,
      enabled: true,
      value: `${this.id('secret')}SeCrEtVaLuE0123456789abcdef`,
      createdDate: this.now(),
    };
    this.apiKeys.set(key.id as string, key);
    return key;
  }

  private plan(id: string | undefined): Plan {
    const plan = this.plans.get(id ?? '');
    if (!plan) throw new v1.NotFoundException({ message: 'Invalid Usage Plan ID specified', ...meta });
    return plan;
  }

  private wireV1(): void {
    const m = this.v1Mock;
    const T = v1.TooManyRequestsException as never;
    m.on(v1.GetRestApisCommand).callsFake(async (i: v1.GetRestApisRequest) => {
      this.enter('GetRestApis', T);
      const p = page(
        [...this.restApis.values()].map((a) => a.api),
        i.position,
      );
      return { items: p.items, position: p.next };
    });
    m.on(v1.CreateRestApiCommand).callsFake(async (i: v1.CreateRestApiRequest) => {
      this.enter('CreateRestApi', T);
      const api = this.restApi(this.addRestApi(i.name as string, i.tags ?? {})).api;
      if (i.binaryMediaTypes) api.binaryMediaTypes = i.binaryMediaTypes;
      return api;
    });
    m.on(v1.UpdateRestApiCommand).callsFake(async (i: v1.UpdateRestApiRequest) => {
      this.enter('UpdateRestApi', T);
      const { api } = this.restApi(i.restApiId);
      for (const op of i.patchOperations ?? []) {
        const t = /^\/binaryMediaTypes\/(.+)$/.exec(op.path ?? '');
        if (op.op === 'add' && t)
          api.binaryMediaTypes = [...(api.binaryMediaTypes ?? []), (t[1] as string).replace('~1', '/')];
        else throw new v1.BadRequestException({ message: `Invalid patch path ${op.path}`, ...meta });
      }
      return api;
    });
    m.on(v1.GetResourcesCommand).callsFake(async (i: v1.GetResourcesRequest) => {
      this.enter('GetResources', T);
      const api = this.restApi(i.restApiId);
      const embed = i.embed?.includes('methods');
      const items = api.resources.map((r) =>
        embed ? structuredClone(r) : { id: r.id, path: r.path, parentId: r.parentId, pathPart: r.pathPart },
      );
      const p = page(items, i.position);
      return { items: p.items, position: p.next };
    });
    m.on(v1.CreateResourceCommand).callsFake(async (i: v1.CreateResourceRequest) => {
      this.enter('CreateResource', T);
      const api = this.restApi(i.restApiId);
      const parent = this.resource(api, i.parentId);
      const path = `${parent.path === '/' ? '' : parent.path}/${i.pathPart}`;
      if (api.resources.some((r) => r.path === path))
        throw new v1.ConflictException({
          message: 'Another resource with the same parent already has this name',
          ...meta,
        });
      const r: v1.Resource = { id: this.id('res'), parentId: parent.id, pathPart: i.pathPart, path };
      api.resources.push(r);
      return r;
    });
    m.on(v1.PutMethodCommand).callsFake(async (i: v1.PutMethodRequest) => {
      this.enter('PutMethod', T);
      const r = this.resource(this.restApi(i.restApiId), i.resourceId);
      if (r.resourceMethods?.[i.httpMethod ?? ''])
        throw new v1.ConflictException({ message: 'Method already exists for this resource', ...meta });
      const method: v1.Method = {
        httpMethod: i.httpMethod,
        authorizationType: i.authorizationType,
        apiKeyRequired: i.apiKeyRequired ?? false,
      };
      r.resourceMethods = { ...r.resourceMethods, [i.httpMethod as string]: method };
      return method;
    });
    m.on(v1.UpdateMethodCommand).callsFake(async (i: v1.UpdateMethodRequest) => {
      this.enter('UpdateMethod', T);
      const method = this.method(i);
      for (const op of i.patchOperations ?? []) {
        if (op.op === 'replace' && op.path === '/apiKeyRequired') method.apiKeyRequired = op.value === 'true';
        else throw new v1.BadRequestException({ message: `Invalid patch path ${op.path}`, ...meta });
      }
      return method;
    });
    m.on(v1.PutIntegrationCommand).callsFake(async (i: v1.PutIntegrationRequest) => {
      this.enter('PutIntegration', T);
      const method = this.method(i);
      method.methodIntegration = {
        type: i.type,
        httpMethod: i.integrationHttpMethod,
        uri: i.uri,
        passthroughBehavior: 'WHEN_NO_MATCH',
        timeoutInMillis: 29000,
        cacheNamespace: i.resourceId,
        cacheKeyParameters: [],
      };
      return method.methodIntegration;
    });
    m.on(v1.GetIntegrationCommand).callsFake(async (i: v1.GetIntegrationRequest) => {
      this.enter('GetIntegration', T);
      const integration = this.method(i).methodIntegration;
      if (!integration)
        throw new v1.NotFoundException({ message: 'Invalid Integration identifier specified', ...meta });
      return integration;
    });
    m.on(v1.CreateDeploymentCommand).callsFake(async (i: v1.CreateDeploymentRequest) => {
      this.enter('CreateDeployment', T);
      const api = this.restApi(i.restApiId);
      const id = this.id('d');
      api.deployments.push(id);
      if (i.stageName) {
        const stage = api.stages.get(i.stageName);
        if (stage) stage.deploymentId = id;
        else api.stages.set(i.stageName, { stageName: i.stageName, deploymentId: id, methodSettings: {} });
      }
      return { id, createdDate: this.now() };
    });
    m.on(v1.CreateStageCommand).callsFake(async (i: v1.CreateStageRequest) => {
      this.enter('CreateStage', T);
      const api = this.restApi(i.restApiId);
      if (api.stages.has(i.stageName ?? ''))
        throw new v1.ConflictException({ message: 'Stage already exists', ...meta });
      if (!api.deployments.includes(i.deploymentId ?? ''))
        throw new v1.BadRequestException({ message: 'Invalid deployment identifier specified', ...meta });
      const stage: v1.Stage = {
        stageName: i.stageName,
        deploymentId: i.deploymentId,
        methodSettings: {},
        tags: i.tags,
      };
      api.stages.set(i.stageName as string, stage);
      return stage;
    });
    m.on(v1.GetStageCommand).callsFake(async (i: v1.GetStageRequest) => {
      this.enter('GetStage', T);
      const stage = this.restApi(i.restApiId).stages.get(i.stageName ?? '');
      if (!stage) throw new v1.NotFoundException({ message: 'Invalid Stage identifier specified', ...meta });
      return structuredClone(stage);
    });
    m.on(v1.UpdateStageCommand).callsFake(async (i: v1.UpdateStageRequest) => {
      this.enter('UpdateStage', T);
      const stage = this.restApi(i.restApiId).stages.get(i.stageName ?? '');
      if (!stage) throw new v1.NotFoundException({ message: 'Invalid Stage identifier specified', ...meta });
      const settings = (stage.methodSettings ??= {});
      for (const op of i.patchOperations ?? []) {
        const t = /^\/\*\/\*\/throttling\/(rateLimit|burstLimit)$/.exec(op.path ?? '');
        if (op.op === 'replace' && t) {
          // API Gateway fills the other fields of a new method setting with defaults.
          const s = (settings['*/*'] ??= {
            throttlingRateLimit: 10000,
            throttlingBurstLimit: 5000,
            metricsEnabled: false,
          });
          if (t[1] === 'rateLimit') s.throttlingRateLimit = Number(op.value);
          else s.throttlingBurstLimit = Number(op.value);
        } else if (op.op === 'remove' && op.path === '/*/*') delete settings['*/*'];
        else throw new v1.BadRequestException({ message: `Invalid patch path ${op.path}`, ...meta });
      }
      return stage;
    });

    m.on(v1.GetApiKeysCommand).callsFake(async (i: v1.GetApiKeysRequest) => {
      this.enter('GetApiKeys', T);
      const keys = [...this.apiKeys.values()]
        .filter((k) => !i.nameQuery || k.name?.startsWith(i.nameQuery))
        .map((k) => (i.includeValues ? { ...k } : { ...k, value: undefined }));
      const p = page(keys, i.position);
      return { items: p.items, position: p.next };
    });
    m.on(v1.GetApiKeyCommand).callsFake(async (i: v1.GetApiKeyRequest) => {
      this.enter('GetApiKey', T);
      const key = this.apiKeys.get(i.apiKey ?? '');
      if (!key) throw new v1.NotFoundException({ message: 'Invalid API Key identifier specified', ...meta });
      return i.includeValue ? { ...key } : { ...key, value: undefined };
    });
    m.on(v1.CreateApiKeyCommand).callsFake(async (i: v1.CreateApiKeyRequest) => {
      this.enter('CreateApiKey', T);
      const key = this.addApiKey(i.name as string, i.tags ?? {});
      key.enabled = i.enabled ?? false;
      return { ...key };
    });
    m.on(v1.UpdateApiKeyCommand).callsFake(async (i: v1.UpdateApiKeyRequest) => {
      this.enter('UpdateApiKey', T);
      const key = this.apiKeys.get(i.apiKey ?? '');
      if (!key) throw new v1.NotFoundException({ message: 'Invalid API Key identifier specified', ...meta });
      for (const op of i.patchOperations ?? []) if (op.path === '/enabled') key.enabled = op.value === 'true';
      return { ...key, value: undefined };
    });
    m.on(v1.GetUsagePlansCommand).callsFake(async (i: v1.GetUsagePlansRequest) => {
      this.enter('GetUsagePlans', T);
      if (this.isBlind('GetUsagePlans')) return { items: [] };
      const plans = [...this.plans.values()]
        .filter((p) => !i.keyId || p.keys.has(i.keyId))
        .map((p) => structuredClone(p.plan));
      const p = page(plans, i.position);
      return { items: p.items, position: p.next };
    });
    m.on(v1.CreateUsagePlanCommand).callsFake(async (i: v1.CreateUsagePlanRequest) => {
      this.enter('CreateUsagePlan', T);
      for (const s of i.apiStages ?? [])
        if (!this.restApis.get(s.apiId ?? '')?.stages.has(s.stage ?? ''))
          throw new v1.BadRequestException({ message: `Invalid stage identifier specified`, ...meta });
      const id = this.id('p');
      const plan: v1.UsagePlan = {
        id,
        name: i.name,
        apiStages: i.apiStages ?? [],
        ...(i.throttle && { throttle: i.throttle }),
        ...(i.quota && { quota: i.quota }),
        tags: i.tags,
      };
      this.plans.set(id, { plan, keys: new Set() });
      return structuredClone(plan);
    });
    m.on(v1.UpdateUsagePlanCommand).callsFake(async (i: v1.UpdateUsagePlanRequest) => {
      this.enter('UpdateUsagePlan', T);
      const { plan } = this.plan(i.usagePlanId);
      for (const op of i.patchOperations ?? []) {
        const path = op.path ?? '';
        if (path === '/apiStages' && op.op === 'add') {
          const [apiId, stage] = (op.value ?? '').split(':');
          plan.apiStages = [...(plan.apiStages ?? []), { apiId, stage }];
        } else if (path === '/apiStages' && op.op === 'remove') {
          plan.apiStages = (plan.apiStages ?? []).filter((s) => `${s.apiId}:${s.stage}` !== op.value);
        } else if (op.op === 'remove' && (path === '/throttle' || path === '/quota')) {
          delete plan[path.slice(1) as 'throttle' | 'quota'];
        } else if (op.op === 'replace' && path.startsWith('/throttle/')) {
          plan.throttle = { ...plan.throttle, [path.slice(10)]: Number(op.value) };
        } else if (op.op === 'replace' && path === '/quota/limit') {
          plan.quota = { offset: 0, ...plan.quota, limit: Number(op.value) };
        } else if (op.op === 'replace' && path === '/quota/period') {
          plan.quota = { offset: 0, ...plan.quota, period: op.value as v1.QuotaPeriodType };
        } else throw new v1.BadRequestException({ message: `Invalid patch path ${path}`, ...meta });
      }
      return structuredClone(plan);
    });
    m.on(v1.CreateUsagePlanKeyCommand).callsFake(async (i: v1.CreateUsagePlanKeyRequest) => {
      this.enter('CreateUsagePlanKey', T);
      const plan = this.plan(i.usagePlanId);
      if (plan.keys.has(i.keyId ?? ''))
        throw new v1.ConflictException({ message: 'Usage Plan Key already exists', ...meta });
      plan.keys.add(i.keyId as string);
      return { id: i.keyId, type: 'API_KEY' };
    });
    // Like API Gateway, the links carry the key's name and value.
    m.on(v1.GetUsagePlanKeysCommand).callsFake(async (i: v1.GetUsagePlanKeysRequest) => {
      this.enter('GetUsagePlanKeys', T);
      const links = [...this.plan(i.usagePlanId).keys].flatMap((id) => {
        const key = this.apiKeys.get(id);
        return key ? [{ id, type: 'API_KEY', name: key.name, value: key.value }] : [];
      });
      const p = page(links, i.position);
      return { items: p.items, position: p.next };
    });
  }
}
