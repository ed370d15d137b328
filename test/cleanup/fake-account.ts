/**
 * An in-memory AWS account behind aws-sdk-client-mock: the tagging index,
 * Lambda, API Gateway (REST and HTTP), EventBridge and CloudWatch Logs answer
 * from one shared state, so a delete is seen by the next lookup (undeploy
 * twice), lists are paginated two items a page, and the refusals AWS makes
 * (a usage plan still attached to an API stage, a rule that still has
 * targets, throttled REST API deletes, an update in progress) are modelled.
 */
import {
  APIGatewayClient,
  BadRequestException,
  DeleteApiKeyCommand,
  DeleteRestApiCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetRestApisCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  NotFoundException,
  TooManyRequestsException,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  DeleteApiCommand,
  GetApisCommand,
  NotFoundException as V2NotFoundException,
} from '@aws-sdk/client-apigatewayv2';
import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand as ListLogTagsCommand,
  ResourceNotFoundException as LogsNotFound,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTagsForResourceCommand as ListRuleTagsCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException as EventsNotFound,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  LambdaClient,
  ListFunctionUrlConfigsCommand,
  ResourceConflictException,
  ResourceNotFoundException as LambdaNotFound,
} from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import type { CleanupClients } from '../../src/resources/stage/find-stage-resources.js';
import { functionName } from '../../src/model/stage-name.js';
import { stageTags } from '../../src/model/tags.js';

export { functionName };

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const meta = { $metadata: { httpStatusCode: 400 } };

type Tags = Record<string, string>;

export interface World {
  functions: Map<
    string,
    {
      tags: Tags;
      lastModified: string;
      urls: (string | undefined)[];
      /** InProgress while Lambda applies an update. */
      lastUpdateStatus?: string;
    }
  >;
  httpApis: Map<string, { name: string; tags: Tags }>;
  restApis: Map<string, { name: string; tags: Tags }>;
  usagePlans: Map<
    string,
    { name: string; tags: Tags; apiStages: { apiId: string; stage: string }[]; keys: string[] }
  >;
  apiKeys: Map<string, { name: string; tags: Tags }>;
  rules: Map<string, { tags: Tags; targets: string[] }>;
  logGroups: Map<string, { tags: Tags }>;
  /** Index entries for resources already deleted: the tagging API lags. */
  staleIndex: { arn: string; tags: Tags }[];
  /** Throttle the next N DeleteRestApi calls. */
  throttleRestDeletes: number;
  /** Refuse the next N DeleteFunction calls with ResourceConflictException (an update in progress). */
  functionConflicts: number;
}

export function emptyWorld(): World {
  return {
    functions: new Map(),
    httpApis: new Map(),
    restApis: new Map(),
    usagePlans: new Map(),
    apiKeys: new Map(),
    rules: new Map(),
    logGroups: new Map(),
    staleIndex: [],
    throttleRestDeletes: 0,
    functionConflicts: 0,
  };
}

export const arns = {
  fn: (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
  rest: (id: string) => `arn:aws:apigateway:${REGION}::/restapis/${id}`,
  http: (id: string) => `arn:aws:apigateway:${REGION}::/apis/${id}`,
  plan: (id: string) => `arn:aws:apigateway:${REGION}::/usageplans/${id}`,
  key: (id: string) => `arn:aws:apigateway:${REGION}::/apikeys/${id}`,
  rule: (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`,
  logs: (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`,
};

export type Gateway = 'http-api' | 'rest-api' | 'function-url' | 'none';

/** Tags of a stage as the deploy writes them. */
export function tagsFor(project: string, stage: string): Tags {
  return stageTags({
    project,
    stage,
    repository: 'acme/shop',
    ref: stage.startsWith('pr-') ? `pull/${stage.slice(3)}` : stage,
  });
}

let nextId = 1;
function newId(prefix: string): string {
  return `${prefix}${(nextId++).toString(36).padStart(6, '0')}`;
}

export interface Seeded {
  functionName: string;
  apiId?: string;
  usagePlanId?: string;
  apiKeyId?: string;
  ruleName?: string;
}

/** What a deploy leaves behind for one stage. */
export function seedStage(
  world: World,
  options: {
    project: string;
    stage: string;
    gateway: Gateway;
    keepWarm?: boolean;
    tags?: Tags;
    ref?: string;
    lastModified?: string;
  },
): Seeded {
  const fn = functionName(options.project, options.stage);
  const tags = options.tags ?? {
    ...tagsFor(options.project, options.stage),
    ...(options.ref ? { 'lambda-deploy:ref': options.ref } : {}),
  };
  const seeded: Seeded = { functionName: fn };
  world.functions.set(fn, {
    tags,
    lastModified: options.lastModified ?? '2026-01-01T00:00:00.000+0000',
    urls: options.gateway === 'function-url' ? ['live'] : [],
  });
  world.logGroups.set(`/aws/lambda/${fn}`, { tags: {} });
  if (options.gateway === 'http-api') {
    seeded.apiId = newId('h');
    world.httpApis.set(seeded.apiId, { name: fn, tags });
  }
  if (options.gateway === 'rest-api') {
    seeded.apiId = newId('r');
    seeded.usagePlanId = newId('p');
    seeded.apiKeyId = newId('k');
    world.restApis.set(seeded.apiId, { name: fn, tags });
    world.apiKeys.set(seeded.apiKeyId, { name: fn, tags });
    world.usagePlans.set(seeded.usagePlanId, {
      name: fn,
      tags,
      apiStages: [{ apiId: seeded.apiId, stage: 'live' }],
      keys: [seeded.apiKeyId],
    });
  }
  if (options.keepWarm) {
    seeded.ruleName = `${fn}-keep-warm`;
    world.rules.set(seeded.ruleName, { tags, targets: ['live'] });
  }
  return seeded;
}

function page<T>(items: T[], token: string | undefined, size = 2): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

function list(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Every client the cleanup uses, mocked over `world`; `calls` records each request in order. */
export function fakeAccount(world: World) {
  const calls: string[] = [];
  const record = (entry: string) => calls.push(entry);
  const clients = {
    region: REGION,
    lambda: new LambdaClient({ region: REGION }),
    apiGateway: new APIGatewayClient({ region: REGION }),
    apiGatewayV2: new ApiGatewayV2Client({ region: REGION }),
    tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
    events: new EventBridgeClient({ region: REGION }),
    logs: new CloudWatchLogsClient({ region: REGION }),
  } satisfies CleanupClients & { region: string };
  const mocks = {
    lambda: mockClient(clients.lambda),
    apiGateway: mockClient(clients.apiGateway),
    apiGatewayV2: mockClient(clients.apiGatewayV2),
    tagging: mockClient(clients.tagging),
    events: mockClient(clients.events),
    logs: mockClient(clients.logs),
  };

  mocks.tagging.on(GetResourcesCommand).callsFake((input) => {
    record(
      `GetResources ${(input.TagFilters ?? []).map((f: { Key: string; Values: string[] }) => `${f.Key}=${f.Values.join('|')}`).join(',')}`,
    );
    const all: { arn: string; tags: Tags }[] = [
      ...[...world.functions].map(([name, f]) => ({ arn: arns.fn(name), tags: f.tags })),
      ...[...world.restApis].map(([id, a]) => ({ arn: arns.rest(id), tags: a.tags })),
      ...[...world.restApis].map(([id, a]) => ({ arn: `${arns.rest(id)}/stages/live`, tags: a.tags })),
      ...[...world.httpApis].map(([id, a]) => ({ arn: arns.http(id), tags: a.tags })),
      ...[...world.usagePlans].map(([id, p]) => ({ arn: arns.plan(id), tags: p.tags })),
      ...[...world.apiKeys].map(([id, k]) => ({ arn: arns.key(id), tags: k.tags })),
      ...[...world.rules].map(([name, r]) => ({ arn: arns.rule(name), tags: r.tags })),
      ...[...world.logGroups].map(([name, g]) => ({ arn: arns.logs(name), tags: g.tags })),
      ...world.staleIndex,
    ];
    const types: string[] = input.ResourceTypeFilters ?? [];
    const typeOf = (arn: string) => {
      const [, , service, , , resource] = arn.split(':');
      return service === 'apigateway' ? 'apigateway' : `${service}:${(resource ?? '').split('/')[0]}`;
    };
    const matches = all.filter(
      (r) =>
        Object.keys(r.tags).length > 0 &&
        (types.length === 0 ||
          types.includes(typeOf(r.arn)) ||
          types.includes(typeOf(r.arn).split(':')[0] ?? '')) &&
        (input.TagFilters ?? []).every((f: { Key: string; Values?: string[] }) =>
          f.Values?.length ? f.Values.includes(r.tags[f.Key] ?? '\u0000') : f.Key in r.tags,
        ),
    );
    const p = page(matches, input.PaginationToken || undefined);
    return {
      ResourceTagMappingList: p.items.map((r) => ({ ResourceARN: r.arn, Tags: list(r.tags) })),
      PaginationToken: p.next ?? '',
    };
  });

  // Lambda
  const lambdaMissing = (name: string) =>
    new LambdaNotFound({ message: `Function not found: ${arns.fn(name)}`, ...meta, Type: 'User' });
  mocks.lambda.on(GetFunctionCommand).callsFake((input) => {
    record(`GetFunction ${input.FunctionName}`);
    const f = world.functions.get(input.FunctionName);
    if (!f) throw lambdaMissing(input.FunctionName);
    return {
      Configuration: {
        FunctionName: input.FunctionName,
        FunctionArn: arns.fn(input.FunctionName),
        LastModified: f.lastModified,
        State: 'Active',
        LastUpdateStatus: f.lastUpdateStatus ?? 'Successful',
      },
      Tags: { ...f.tags },
    };
  });
  mocks.lambda.on(ListFunctionUrlConfigsCommand).callsFake((input) => {
    record(`ListFunctionUrlConfigs ${input.FunctionName}`);
    const f = world.functions.get(input.FunctionName);
    if (!f) throw lambdaMissing(input.FunctionName);
    return {
      FunctionUrlConfigs: f.urls.map((q) => ({
        FunctionArn: q ? `${arns.fn(input.FunctionName)}:${q}` : arns.fn(input.FunctionName),
        FunctionUrl: `https://${input.FunctionName}.lambda-url.${REGION}.on.aws/`,
      })),
    };
  });
  mocks.lambda.on(DeleteFunctionUrlConfigCommand).callsFake((input) => {
    record(`DeleteFunctionUrlConfig ${input.FunctionName}:${input.Qualifier ?? ''}`);
    const f = world.functions.get(input.FunctionName);
    if (!f || !f.urls.includes(input.Qualifier))
      throw new LambdaNotFound({ message: 'The resource you requested does not exist.', ...meta });
    f.urls = f.urls.filter((q) => q !== input.Qualifier);
    return {};
  });
  mocks.lambda.on(DeleteFunctionCommand).callsFake((input) => {
    record(`DeleteFunction ${input.FunctionName}`);
    if (world.functionConflicts > 0) {
      world.functionConflicts--;
      throw new ResourceConflictException({
        message: 'The operation cannot be performed at this time. An update is in progress for resource',
        ...meta,
      });
    }
    if (!world.functions.delete(input.FunctionName)) throw lambdaMissing(input.FunctionName);
    return {};
  });

  // HTTP APIs
  mocks.apiGatewayV2.on(GetApisCommand).callsFake((input) => {
    record('GetApis');
    const p = page([...world.httpApis], input.NextToken);
    return {
      Items: p.items.map(([id, a]) => ({
        ApiId: id,
        Name: a.name,
        Tags: { ...a.tags },
        ProtocolType: 'HTTP',
      })),
      NextToken: p.next,
    };
  });
  mocks.apiGatewayV2.on(DeleteApiCommand).callsFake((input) => {
    record(`DeleteApi ${input.ApiId}`);
    if (!world.httpApis.delete(input.ApiId))
      throw new V2NotFoundException({ message: 'Invalid API identifier specified', ...meta });
    return {};
  });

  // REST APIs, usage plans, keys
  const gwMissing = (what: string) =>
    new NotFoundException({ message: `Invalid ${what} identifier specified`, ...meta });
  mocks.apiGateway.on(GetRestApisCommand).callsFake((input) => {
    record('GetRestApis');
    const p = page([...world.restApis], input.position);
    return { items: p.items.map(([id, a]) => ({ id, name: a.name, tags: { ...a.tags } })), position: p.next };
  });
  mocks.apiGateway.on(DeleteRestApiCommand).callsFake((input) => {
    record(`DeleteRestApi ${input.restApiId}`);
    if (world.throttleRestDeletes > 0) {
      world.throttleRestDeletes--;
      throw new TooManyRequestsException({
        message: 'Too Many Requests',
        retryAfterSeconds: '30',
        $metadata: { httpStatusCode: 429 },
      });
    }
    if (!world.restApis.has(input.restApiId)) throw gwMissing('REST API');
    const holder = [...world.usagePlans.values()].find((p) =>
      p.apiStages.some((s) => s.apiId === input.restApiId),
    );
    if (holder)
      throw new BadRequestException({
        message: `Cannot delete API: usage plan ${holder.name} is associated with it`,
        ...meta,
      });
    world.restApis.delete(input.restApiId);
    return {};
  });
  mocks.apiGateway.on(GetUsagePlansCommand).callsFake((input) => {
    record('GetUsagePlans');
    const p = page([...world.usagePlans], input.position);
    return {
      items: p.items.map(([id, u]) => ({
        id,
        name: u.name,
        tags: { ...u.tags },
        apiStages: u.apiStages.map((s) => ({ ...s })),
      })),
      position: p.next,
    };
  });
  mocks.apiGateway.on(GetUsagePlanKeysCommand).callsFake((input) => {
    record(`GetUsagePlanKeys ${input.usagePlanId}`);
    const plan = world.usagePlans.get(input.usagePlanId);
    if (!plan) throw gwMissing('usage plan');
    const p = page(plan.keys, input.position);
    return {
      items: p.items.map((id) => ({ id, type: 'API_KEY', name: world.apiKeys.get(id)?.name })),
      position: p.next,
    };
  });
  mocks.apiGateway.on(DeleteUsagePlanKeyCommand).callsFake((input) => {
    record(`DeleteUsagePlanKey ${input.usagePlanId} ${input.keyId}`);
    const plan = world.usagePlans.get(input.usagePlanId);
    if (!plan || !plan.keys.includes(input.keyId)) throw gwMissing('usage plan key');
    plan.keys = plan.keys.filter((k) => k !== input.keyId);
    return {};
  });
  mocks.apiGateway.on(UpdateUsagePlanCommand).callsFake((input) => {
    const op = input.patchOperations?.[0];
    record(`UpdateUsagePlan ${input.usagePlanId} ${op?.op} ${op?.path} ${op?.value}`);
    const plan = world.usagePlans.get(input.usagePlanId);
    if (!plan) throw gwMissing('usage plan');
    if (op?.op === 'remove' && op.path === '/apiStages')
      plan.apiStages = plan.apiStages.filter((s) => `${s.apiId}:${s.stage}` !== op.value);
    return { id: input.usagePlanId };
  });
  mocks.apiGateway.on(DeleteUsagePlanCommand).callsFake((input) => {
    record(`DeleteUsagePlan ${input.usagePlanId}`);
    const plan = world.usagePlans.get(input.usagePlanId);
    if (!plan) throw gwMissing('usage plan');
    if (plan.apiStages.length)
      throw new BadRequestException({
        message: 'Cannot delete usage plan: it is associated with API stages',
        ...meta,
      });
    world.usagePlans.delete(input.usagePlanId);
    return {};
  });
  mocks.apiGateway.on(GetApiKeysCommand).callsFake((input) => {
    record(`GetApiKeys ${input.nameQuery ?? ''}`);
    if (input.includeValues) throw new Error('the cleanup must never ask for key values');
    const matching = [...world.apiKeys].filter(
      ([, k]) => !input.nameQuery || k.name.startsWith(input.nameQuery),
    );
    const p = page(matching, input.position);
    return { items: p.items.map(([id, k]) => ({ id, name: k.name, tags: { ...k.tags } })), position: p.next };
  });
  mocks.apiGateway.on(GetApiKeyCommand).callsFake((input) => {
    record(`GetApiKey ${input.apiKey}`);
    if (input.includeValue) throw new Error('the cleanup must never ask for key values');
    const key = world.apiKeys.get(input.apiKey);
    if (!key) throw gwMissing('API key');
    return { id: input.apiKey, name: key.name, tags: { ...key.tags } };
  });
  mocks.apiGateway.on(DeleteApiKeyCommand).callsFake((input) => {
    record(`DeleteApiKey ${input.apiKey}`);
    if (!world.apiKeys.delete(input.apiKey)) throw gwMissing('API key');
    for (const plan of world.usagePlans.values()) plan.keys = plan.keys.filter((k) => k !== input.apiKey);
    return {};
  });

  // EventBridge
  const ruleMissing = (name: string) =>
    new EventsNotFound({ message: `Rule ${name} does not exist.`, ...meta });
  mocks.events.on(ListRulesCommand).callsFake((input) => {
    record(`ListRules ${input.NamePrefix ?? ''}`);
    const names = [...world.rules.keys()].filter((n) => n.startsWith(input.NamePrefix ?? ''));
    const p = page(names, input.NextToken);
    return {
      Rules: p.items.map((n) => ({ Name: n, Arn: arns.rule(n), EventBusName: 'default' })),
      NextToken: p.next,
    };
  });
  mocks.events.on(ListRuleTagsCommand).callsFake((input) => {
    const name = input.ResourceARN.split('/').pop();
    record(`ListTagsForResource rule/${name}`);
    const rule = world.rules.get(name);
    if (!rule) throw ruleMissing(name);
    return { Tags: list(rule.tags) };
  });
  mocks.events.on(ListTargetsByRuleCommand).callsFake((input) => {
    record(`ListTargetsByRule ${input.Rule}`);
    const rule = world.rules.get(input.Rule);
    if (!rule) throw ruleMissing(input.Rule);
    return {
      Targets: rule.targets.map((id) => ({
        Id: id,
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:x:live',
      })),
    };
  });
  mocks.events.on(RemoveTargetsCommand).callsFake((input) => {
    record(`RemoveTargets ${input.Rule} ${(input.Ids ?? []).join(',')}`);
    const rule = world.rules.get(input.Rule);
    if (!rule) throw ruleMissing(input.Rule);
    rule.targets = rule.targets.filter((t) => !(input.Ids ?? []).includes(t));
    return { FailedEntryCount: 0 };
  });
  mocks.events.on(DeleteRuleCommand).callsFake((input) => {
    record(`DeleteRule ${input.Name}`);
    const rule = world.rules.get(input.Name);
    if (!rule) throw ruleMissing(input.Name);
    if (rule.targets.length)
      throw Object.assign(new Error("Rule can't be deleted since it has targets."), {
        name: 'ValidationException',
        ...meta,
      });
    world.rules.delete(input.Name);
    return {};
  });

  // Logs
  mocks.logs.on(DescribeLogGroupsCommand).callsFake((input) => {
    record(`DescribeLogGroups ${input.logGroupNamePrefix}`);
    const names = [...world.logGroups.keys()].filter((n) => n.startsWith(input.logGroupNamePrefix ?? ''));
    return {
      logGroups: names.map((n) => ({ logGroupName: n, logGroupArn: arns.logs(n), arn: `${arns.logs(n)}:*` })),
    };
  });
  mocks.logs.on(ListLogTagsCommand).callsFake((input) => {
    const name = input.resourceArn.split(':log-group:')[1];
    record(`ListTagsForResource log-group ${name}`);
    const group = world.logGroups.get(name);
    if (!group) throw new LogsNotFound({ message: 'The specified log group does not exist.', ...meta });
    return { tags: { ...group.tags } };
  });
  mocks.logs.on(DeleteLogGroupCommand).callsFake((input) => {
    record(`DeleteLogGroup ${input.logGroupName}`);
    if (!world.logGroups.delete(input.logGroupName))
      throw new LogsNotFound({ message: 'The specified log group does not exist.', ...meta });
    return {};
  });

  /** The calls that change something, in order. */
  const changes = () => calls.filter((c) => /^(Delete|Update|Remove)/.test(c));
  const reset = () => {
    for (const m of Object.values(mocks)) m.restore();
  };
  return { clients, mocks, calls, changes, reset };
}
