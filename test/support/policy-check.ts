/**
 * Which IAM permissions an AWS SDK call needs, and whether a policy grants
 * them. Pure: the coverage test feeds it every call the code makes.
 *
 * The evaluation follows IAM for identity policies: an explicit Deny wins, an
 * Allow is needed, nothing else grants. Action names match case-insensitively,
 * resources case-sensitively, both with `*` (any run, `:` and `/` included)
 * and `?` (one character). Conditions are evaluated for the string, ARN, Bool
 * and Null operators, with the IfExists suffix and the ForAllValues: /
 * ForAnyValue: set prefixes, against a request context the caller gives; any
 * other operator throws, so a check never passes by not understanding a policy.
 *
 * The context of a call is built the way AWS builds it (Service Authorization
 * Reference, checked against AWS's own data in test/iam/sar-model.test.ts):
 * - `aws:ResourceTag/KEY` holds the tags of the resource the call touches, and
 *   only for actions whose resource type supports the key. The tags come from
 *   a TagLookup: the caller (test/support/policy-recorder.ts) knows which
 *   resource each call touched and the tags that resource had at that moment.
 *   A resource that does not exist (yet) has no tags, so the key is absent;
 *   but a request that creates one with tags has them there (CREATES_WITH_TAGS).
 * - Tags are looked up where AWS takes them from: a Lambda version or alias
 *   carries its function's tags; an API Gateway child resource (route,
 *   integration, stage, deployment, method, usage plan key) its parent's,
 *   merged with its own (a stage has tags of its own).
 * - `aws:RequestTag/KEY` and `aws:TagKeys` (multi-valued) hold the tags a
 *   create or tag call sends, for the actions that support them.
 * - `lambda:Principal`, `lambda:FunctionUrlAuthType` and
 *   `lambda:InvokedViaFunctionUrl` hold what an AddPermission request sends.
 */
import type {
  ConditionBlock,
  Partition,
  PolicyDocument,
  PolicyStatement,
} from '../../src/model/policy-document.js';

/** The clients of src/aws/clients.ts, by their key in AwsClients. */
export type AwsService =
  'lambda' | 's3' | 'iam' | 'sts' | 'apiGateway' | 'apiGatewayV2' | 'logs' | 'tagging' | 'events';

export interface CallScope {
  region: string;
  accountId: string;
  partition?: Partition;
}

/** A request context value: one string, or several for a multi-valued key like aws:TagKeys. */
export type ContextValue = string | readonly string[];
export type RequestContext = Record<string, ContextValue>;

/** One permission a call needs: an action on a resource, with the request's condition keys. */
export interface Permission {
  action: string;
  resource: string;
  context?: RequestContext;
}

/** The tags a resource has (undefined: none, or it does not exist), by its ARN. */
export type TagLookup = (arn: string) => Readonly<Record<string, string>> | undefined;

/** What AWS knows about the resources a call touches, as far as conditions need it. */
export interface ResourceFacts {
  tags?: TagLookup;
  /** The permissions boundary (a policy ARN) an IAM role has now, for iam:PermissionsBoundary. */
  permissionsBoundary?: (roleArn: string) => string | undefined;
}

/** IAM actions on a role whose context carries the role's current permissions boundary. */
const BOUNDARY_OF_ROLE = new Set([
  'PutRolePolicy',
  'DeleteRolePolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'UpdateAssumeRolePolicy',
  'DeleteRolePermissionsBoundary',
]);

type Input = Record<string, unknown>;

// ---------------------------------------------------------------------------
// Matching

/** Each pattern's regex, by case: the policy tests match millions of times. */
const patternCache = { i: new Map<string, RegExp>(), s: new Map<string, RegExp>() };

/** IAM wildcard match: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  const cache = ignoreCase ? patternCache.i : patternCache.s;
  let regex = cache.get(pattern);
  if (!regex) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    cache.set(pattern, regex);
  }
  return regex.test(value);
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Whether one of the patterns (one, or a list) matches: list().some() without a list per call. */
function anyMatches(patterns: string | string[], value: string, ignoreCase = false): boolean {
  if (typeof patterns === 'string') return wildcardMatch(patterns, value, ignoreCase);
  for (const pattern of patterns) if (wildcardMatch(pattern, value, ignoreCase)) return true;
  return false;
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return anyMatches(statement.Action, action, true);
  if (statement.NotAction !== undefined) return !anyMatches(statement.NotAction, action, true);
  return false;
}

function resourceMatches(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) return anyMatches(statement.Resource, resource);
  if (statement.NotResource !== undefined) return !anyMatches(statement.NotResource, resource);
  return false;
}

const STRING_OPERATORS: Record<
  string,
  { negated: boolean; test: (pattern: string, value: string) => boolean }
> = {
  StringEquals: { negated: false, test: (p, v) => p === v },
  StringNotEquals: { negated: true, test: (p, v) => p === v },
  StringEqualsIgnoreCase: { negated: false, test: (p, v) => p.toLowerCase() === v.toLowerCase() },
  StringNotEqualsIgnoreCase: { negated: true, test: (p, v) => p.toLowerCase() === v.toLowerCase() },
  StringLike: { negated: false, test: (p, v) => wildcardMatch(p, v) },
  StringNotLike: { negated: true, test: (p, v) => wildcardMatch(p, v) },
  ArnEquals: { negated: false, test: (p, v) => wildcardMatch(p, v) },
  ArnLike: { negated: false, test: (p, v) => wildcardMatch(p, v) },
  ArnNotEquals: { negated: true, test: (p, v) => wildcardMatch(p, v) },
  ArnNotLike: { negated: true, test: (p, v) => wildcardMatch(p, v) },
  Bool: { negated: false, test: (p, v) => p.toLowerCase() === v.toLowerCase() },
};

const SET_PREFIXES = ['ForAllValues:', 'ForAnyValue:'] as const;

/** A context value as a list; an absent key and an empty list are both "no value". */
function values(actual: ContextValue | undefined): readonly string[] {
  return actual === undefined ? [] : typeof actual === 'string' ? [actual] : actual;
}

/** One operator (e.g. `ForAnyValue:StringLike`, `StringEqualsIfExists`, `Null`) on one key. */
function operatorHolds(
  rawOperator: string,
  key: string,
  expected: string | string[],
  actual: ContextValue | undefined,
): boolean {
  const set = SET_PREFIXES.find((prefix) => rawOperator.startsWith(prefix));
  let name = set ? rawOperator.slice(set.length) : rawOperator;
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const present = values(actual);
  if (name === 'Null') {
    if (set || ifExists) throw new Error(`Condition operator ${rawOperator} is not valid IAM.`);
    if (!list(expected).every((e) => /^(true|false)$/i.test(e)))
      throw new Error(
        `Condition ${rawOperator} on ${key}: ${JSON.stringify(expected)} is neither "true" nor "false".`,
      );
    // "true": the key is absent; "false": it is there. Values are OR-ed like any other.
    return list(expected).some((e) => (e.toLowerCase() === 'true') === (present.length === 0));
  }
  const operator = STRING_OPERATORS[name];
  if (!operator) throw new Error(`Condition operator ${rawOperator} is not supported by the policy checker.`);
  // A context value satisfies the operator when it matches one of the policy's values
  // (or, for a negated operator, none of them).
  const satisfies = (v: string): boolean => {
    const any = list(expected).some((pattern) => operator.test(pattern, v));
    return operator.negated ? !any : any;
  };
  if (set === 'ForAllValues:') return present.every(satisfies); // true for no values at all
  if (set === 'ForAnyValue:') return present.some(satisfies); // false for no values at all
  if (present.length === 0) return ifExists || operator.negated;
  if (present.length > 1)
    throw new Error(
      `Condition ${rawOperator} on ${key}: the key has ${present.length} values; IAM needs ForAllValues: or ForAnyValue: for a multi-valued key.`,
    );
  return satisfies(present[0] as string);
}

/** A context by its keys in lower case (condition keys are case-insensitive). */
function contextLookup(context: RequestContext): Map<string, ContextValue> {
  return new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
}

/** True when every operator and key of the block holds (keys are case-insensitive, values OR-ed). */
export function conditionsHold(condition: ConditionBlock | undefined, context: RequestContext = {}): boolean {
  return !condition || holdsIn(condition, contextLookup(context));
}

function holdsIn(condition: ConditionBlock, lookup: Map<string, ContextValue>): boolean {
  return Object.entries(condition).every(([rawOperator, keys]) =>
    Object.entries(keys).every(([key, expected]) =>
      operatorHolds(rawOperator, key, expected, lookup.get(key.toLowerCase())),
    ),
  );
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny';

export function evaluate(
  document: PolicyDocument,
  action: string,
  resource: string,
  context?: RequestContext,
): Decision {
  let allowed = false;
  // Made once for the statements' conditions, when one needs it.
  let lookup: Map<string, ContextValue> | undefined;
  for (const statement of document.Statement) {
    // Anything else is not IAM: a check must not read it as an Allow.
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      throw new Error(
        `Statement ${statement.Sid ?? '(no Sid)'} has the Effect ${JSON.stringify(statement.Effect)}.`,
      );
    if (!actionMatches(statement, action) || !resourceMatches(statement, resource)) continue;
    if (statement.Condition && !holdsIn(statement.Condition, (lookup ??= contextLookup(context ?? {}))))
      continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allowed' : 'implicit-deny';
}

export function isAllowed(
  document: PolicyDocument,
  action: string,
  resourceArn: string,
  context?: RequestContext,
): boolean {
  return evaluate(document, action, resourceArn, context) === 'allowed';
}

// ---------------------------------------------------------------------------
// SDK command -> IAM action

const IAM_PREFIX: Record<AwsService, string> = {
  lambda: 'lambda',
  s3: 's3',
  iam: 'iam',
  sts: 'sts',
  apiGateway: 'apigateway',
  apiGatewayV2: 'apigateway',
  logs: 'logs',
  tagging: 'tag',
  events: 'events',
};

/** Operations whose IAM action is not named like the operation. */
const RENAMED: Partial<Record<AwsService, Record<string, string>>> = {
  lambda: {
    Invoke: 'InvokeFunction',
    InvokeAsync: 'InvokeFunction',
    InvokeWithResponseStream: 'InvokeFunction',
    GetLayerVersionByArn: 'GetLayerVersion',
  },
  s3: {
    HeadObject: 'GetObject',
    HeadBucket: 'ListBucket',
    ListObjects: 'ListBucket',
    ListObjectsV2: 'ListBucket',
    ListObjectVersions: 'ListBucketVersions',
    CreateMultipartUpload: 'PutObject',
    UploadPart: 'PutObject',
    CompleteMultipartUpload: 'PutObject',
    CopyObject: 'PutObject',
    ListParts: 'ListMultipartUploadParts',
    ListMultipartUploads: 'ListBucketMultipartUploads',
    DeleteObjects: 'DeleteObject',
    PutPublicAccessBlock: 'PutBucketPublicAccessBlock',
    GetPublicAccessBlock: 'GetBucketPublicAccessBlock',
    PutBucketEncryption: 'PutEncryptionConfiguration',
    GetBucketEncryption: 'GetEncryptionConfiguration',
    PutBucketLifecycleConfiguration: 'PutLifecycleConfiguration',
    GetBucketLifecycleConfiguration: 'GetLifecycleConfiguration',
    DeleteBucketLifecycle: 'PutLifecycleConfiguration',
    DeleteBucketEncryption: 'PutEncryptionConfiguration',
  },
};

/**
 * API Gateway operations as their HTTP verb and resource path: IAM
 * authorizes `apigateway:{VERB}` on `arn:aws:apigateway:{region}::{path}`.
 * The paths are the SDK's own (the v2 API's `/v2` prefix is not part of the
 * IAM resource); test/support/policy-check.test.ts checks this table against
 * the http trait of each SDK command, so it cannot go stale.
 */
export const API_GATEWAY_ROUTES: Record<
  'apiGateway' | 'apiGatewayV2',
  Record<string, readonly [string, string]>
> = {
  apiGatewayV2: {
    CreateApi: ['POST', '/apis'],
    GetApis: ['GET', '/apis'],
    GetApi: ['GET', '/apis/{ApiId}'],
    UpdateApi: ['PATCH', '/apis/{ApiId}'],
    DeleteApi: ['DELETE', '/apis/{ApiId}'],
    ImportApi: ['PUT', '/apis'],
    ReimportApi: ['PUT', '/apis/{ApiId}'],
    CreateIntegration: ['POST', '/apis/{ApiId}/integrations'],
    GetIntegrations: ['GET', '/apis/{ApiId}/integrations'],
    GetIntegration: ['GET', '/apis/{ApiId}/integrations/{IntegrationId}'],
    UpdateIntegration: ['PATCH', '/apis/{ApiId}/integrations/{IntegrationId}'],
    DeleteIntegration: ['DELETE', '/apis/{ApiId}/integrations/{IntegrationId}'],
    CreateRoute: ['POST', '/apis/{ApiId}/routes'],
    GetRoutes: ['GET', '/apis/{ApiId}/routes'],
    GetRoute: ['GET', '/apis/{ApiId}/routes/{RouteId}'],
    UpdateRoute: ['PATCH', '/apis/{ApiId}/routes/{RouteId}'],
    DeleteRoute: ['DELETE', '/apis/{ApiId}/routes/{RouteId}'],
    CreateStage: ['POST', '/apis/{ApiId}/stages'],
    GetStages: ['GET', '/apis/{ApiId}/stages'],
    GetStage: ['GET', '/apis/{ApiId}/stages/{StageName}'],
    UpdateStage: ['PATCH', '/apis/{ApiId}/stages/{StageName}'],
    DeleteStage: ['DELETE', '/apis/{ApiId}/stages/{StageName}'],
    CreateDeployment: ['POST', '/apis/{ApiId}/deployments'],
    GetDeployments: ['GET', '/apis/{ApiId}/deployments'],
    DeleteDeployment: ['DELETE', '/apis/{ApiId}/deployments/{DeploymentId}'],
    TagResource: ['POST', '/tags/{ResourceArn}'],
    UntagResource: ['DELETE', '/tags/{ResourceArn}'],
    GetTags: ['GET', '/tags/{ResourceArn}'],
  },
  apiGateway: {
    CreateRestApi: ['POST', '/restapis'],
    GetRestApis: ['GET', '/restapis'],
    GetRestApi: ['GET', '/restapis/{restApiId}'],
    UpdateRestApi: ['PATCH', '/restapis/{restApiId}'],
    PutRestApi: ['PUT', '/restapis/{restApiId}'],
    DeleteRestApi: ['DELETE', '/restapis/{restApiId}'],
    ImportRestApi: ['POST', '/restapis'],
    GetResources: ['GET', '/restapis/{restApiId}/resources'],
    GetResource: ['GET', '/restapis/{restApiId}/resources/{resourceId}'],
    CreateResource: ['POST', '/restapis/{restApiId}/resources/{parentId}'],
    DeleteResource: ['DELETE', '/restapis/{restApiId}/resources/{resourceId}'],
    PutMethod: ['PUT', '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}'],
    GetMethod: ['GET', '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}'],
    UpdateMethod: ['PATCH', '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}'],
    DeleteMethod: ['DELETE', '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}'],
    PutMethodResponse: [
      'PUT',
      '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/responses/{statusCode}',
    ],
    PutIntegration: ['PUT', '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration'],
    GetIntegration: ['GET', '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration'],
    UpdateIntegration: [
      'PATCH',
      '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration',
    ],
    DeleteIntegration: [
      'DELETE',
      '/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration',
    ],
    CreateDeployment: ['POST', '/restapis/{restApiId}/deployments'],
    GetDeployment: ['GET', '/restapis/{restApiId}/deployments/{deploymentId}'],
    GetDeployments: ['GET', '/restapis/{restApiId}/deployments'],
    DeleteDeployment: ['DELETE', '/restapis/{restApiId}/deployments/{deploymentId}'],
    CreateStage: ['POST', '/restapis/{restApiId}/stages'],
    GetStages: ['GET', '/restapis/{restApiId}/stages'],
    GetStage: ['GET', '/restapis/{restApiId}/stages/{stageName}'],
    UpdateStage: ['PATCH', '/restapis/{restApiId}/stages/{stageName}'],
    DeleteStage: ['DELETE', '/restapis/{restApiId}/stages/{stageName}'],
    CreateUsagePlan: ['POST', '/usageplans'],
    GetUsagePlans: ['GET', '/usageplans'],
    GetUsagePlan: ['GET', '/usageplans/{usagePlanId}'],
    UpdateUsagePlan: ['PATCH', '/usageplans/{usagePlanId}'],
    DeleteUsagePlan: ['DELETE', '/usageplans/{usagePlanId}'],
    CreateUsagePlanKey: ['POST', '/usageplans/{usagePlanId}/keys'],
    GetUsagePlanKeys: ['GET', '/usageplans/{usagePlanId}/keys'],
    DeleteUsagePlanKey: ['DELETE', '/usageplans/{usagePlanId}/keys/{keyId}'],
    CreateApiKey: ['POST', '/apikeys'],
    GetApiKeys: ['GET', '/apikeys'],
    GetApiKey: ['GET', '/apikeys/{apiKey}'],
    UpdateApiKey: ['PATCH', '/apikeys/{apiKey}'],
    DeleteApiKey: ['DELETE', '/apikeys/{apiKey}'],
    TagResource: ['PUT', '/tags/{resourceArn}'],
    UntagResource: ['DELETE', '/tags/{resourceArn}'],
    GetTags: ['GET', '/tags/{resourceArn}'],
  },
};

function operationName(commandName: string): string {
  return commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : commandName;
}

function apiGatewayRoute(
  service: 'apiGateway' | 'apiGatewayV2',
  operation: string,
): readonly [string, string] {
  const route = API_GATEWAY_ROUTES[service][operation];
  if (!route)
    throw new Error(
      `${service} ${operation}: no IAM mapping is known; add it to API_GATEWAY_ROUTES in test/support/policy-check.ts (verb and path from the SDK command's http trait).`,
    );
  return route;
}

/** `CreateFunctionCommand` of the lambda client -> `lambda:CreateFunction`. */
export function operationToAction(service: AwsService, commandName: string): string {
  const operation = operationName(commandName);
  if (service === 'apiGateway' || service === 'apiGatewayV2')
    return `apigateway:${apiGatewayRoute(service, operation)[0]}`;
  return `${IAM_PREFIX[service]}:${RENAMED[service]?.[operation] ?? operation}`;
}

// ---------------------------------------------------------------------------
// SDK command + input -> resource ARN

function str(input: Input, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = input[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function need(input: Input, service: string, operation: string, ...keys: string[]): string {
  const v = str(input, ...keys);
  if (v === undefined)
    throw new Error(`${service} ${operation}: the input has no ${keys.join(' or ')} to name the resource.`);
  return v;
}

/** `name`, `name:qualifier`, `123456789012:function:name[:q]` or a full ARN -> the function's ARN. */
export function functionArn(functionName: string, qualifier: string | undefined, scope: CallScope): string {
  const p = scope.partition ?? 'aws';
  let region = scope.region;
  let account = scope.accountId;
  let rest = functionName;
  const full = /^arn:[^:]+:lambda:([^:]+):(\d{12}):function:(.+)$/.exec(functionName);
  const partial = /^(\d{12}):function:(.+)$/.exec(functionName);
  if (full) {
    region = full[1] ?? region;
    account = full[2] ?? account;
    rest = full[3] ?? rest;
  } else if (partial) {
    account = partial[1] ?? account;
    rest = partial[2] ?? rest;
  }
  const [name, nameQualifier] = rest.split(':') as [string, string | undefined];
  const q = qualifier ?? nameQualifier;
  return `arn:${p}:lambda:${region}:${account}:function:${name}${q ? `:${q}` : ''}`;
}

function layerArn(layerName: string, version: string | undefined, scope: CallScope): string {
  const base = layerName.startsWith('arn:')
    ? layerName
    : `arn:${scope.partition ?? 'aws'}:lambda:${scope.region}:${scope.accountId}:layer:${layerName}`;
  return version === undefined ? base : `${base}:${version}`;
}

const LAMBDA_LAYER_OPERATIONS = new Set([
  'PublishLayerVersion',
  'ListLayerVersions',
  'GetLayerVersion',
  'DeleteLayerVersion',
  'GetLayerVersionPolicy',
  'AddLayerVersionPermission',
  'RemoveLayerVersionPermission',
]);

const S3_BUCKET_OPERATIONS =
  /^(HeadBucket|CreateBucket|DeleteBucket|ListObjects(V2)?|ListObjectVersions|ListMultipartUploads|(Get|Put|Delete)(Bucket\w*|PublicAccessBlock))$/;

/** The path of an API Gateway call, its `{labels}` filled from the input. */
export function apiGatewayPath(template: string, input: Input, what: string): string {
  return template.replace(/\{(\w+)\}/g, (_, label: string) => {
    const v = str(input, label);
    if (v === undefined) throw new Error(`${what}: the input has no ${label} for ${template}.`);
    // Tag calls name a whole ARN in the path: IAM sees it URL-encoded, like the request.
    return encodeURIComponent(v);
  });
}

/** The resource ARN IAM checks for the call. */
export function resourceFor(
  service: AwsService,
  commandName: string,
  input: Input,
  scope: CallScope,
): string {
  const operation = operationName(commandName);
  const p = scope.partition ?? 'aws';
  const { region, accountId } = scope;
  switch (service) {
    case 'sts':
    case 'tagging':
      return '*';
    case 'lambda': {
      if (operation === 'ListLayers' || operation === 'ListFunctions' || operation === 'GetAccountSettings')
        return '*';
      if (operation === 'GetLayerVersionByArn') return need(input, service, operation, 'Arn');
      if (LAMBDA_LAYER_OPERATIONS.has(operation))
        return layerArn(need(input, service, operation, 'LayerName'), str(input, 'VersionNumber'), scope);
      if (operation === 'TagResource' || operation === 'UntagResource' || operation === 'ListTags')
        return need(input, service, operation, 'Resource');
      return functionArn(need(input, service, operation, 'FunctionName'), str(input, 'Qualifier'), scope);
    }
    case 's3': {
      const bucket = need(input, service, operation, 'Bucket');
      if (S3_BUCKET_OPERATIONS.test(operation)) return `arn:${p}:s3:::${bucket}`;
      return `arn:${p}:s3:::${bucket}/${need(input, service, operation, 'Key')}`;
    }
    case 'iam': {
      if (operation === 'PassRole') return need(input, service, operation, 'RoleArn');
      // Managed policies (the permissions boundary) are named by their ARN.
      if (str(input, 'PolicyArn')) return need(input, service, operation, 'PolicyArn');
      const path = str(input, 'Path') ?? '/';
      return `arn:${p}:iam::${accountId}:role${path}${need(input, service, operation, 'RoleName')}`;
    }
    case 'logs': {
      // Listing is authorized on the account's log groups as a whole.
      if (operation === 'DescribeLogGroups')
        return `arn:${p}:logs:${region}:${accountId}:log-group::log-stream:`;
      if (operation === 'TagResource' || operation === 'UntagResource' || operation === 'ListTagsForResource')
        return need(input, service, operation, 'resourceArn');
      const group = need(input, service, operation, 'logGroupIdentifier', 'logGroupName');
      return group.startsWith('arn:') ? group : `arn:${p}:logs:${region}:${accountId}:log-group:${group}`;
    }
    case 'events': {
      if (operation === 'ListRules') return '*';
      if (operation === 'TagResource' || operation === 'UntagResource' || operation === 'ListTagsForResource')
        return need(input, service, operation, 'ResourceARN');
      const rule = need(input, service, operation, 'Name', 'Rule');
      if (rule.startsWith('arn:')) return rule;
      const bus = str(input, 'EventBusName');
      const onBus = bus && bus !== 'default' ? `${bus.split('/').pop()}/` : '';
      return `arn:${p}:events:${region}:${accountId}:rule/${onBus}${rule}`;
    }
    case 'apiGateway':
    case 'apiGatewayV2': {
      const [, template] = apiGatewayRoute(service, operation);
      return `arn:${p}:apigateway:${region}::${apiGatewayPath(template, input, `${service} ${operation}`)}`;
    }
  }
}

// ---------------------------------------------------------------------------
// Everything a call needs: its own permission plus the ones AWS checks on the side

function layersOf(input: Input): string[] {
  return Array.isArray(input.Layers) ? input.Layers.filter((l): l is string => typeof l === 'string') : [];
}

function hasTags(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return !!value && typeof value === 'object' && Object.keys(value).length > 0;
}

/**
 * Which resources carry `aws:ResourceTag` for an action (Service Authorization
 * Reference, resource types table): Lambda functions, their versions and
 * aliases (not layers); every API Gateway resource but `/tags/...`, `/account`
 * and the collections; CloudWatch Logs log groups; EventBridge rules; IAM roles and
 * policies. S3 buckets only with ABAC turned on per bucket, which this project
 * neither needs nor models. The tagging API, STS and the list calls on `*`
 * have no resource, so no resource tags.
 */
export function supportsResourceTag(action: string, resource: string): boolean {
  const [service, name = ''] = action.toLowerCase().split(':') as [string, string?];
  switch (service) {
    case 'lambda':
      return /:function:[^:]+(:[^:]+)?$/.test(resource);
    case 'apigateway': {
      const path = resource.replace(/^arn:[^:]+:apigateway:[^:]*:[^:]*:/, '');
      // A collection (`/apis`, `/usageplans`) is no resource of its own: listing it carries no tags.
      return /^\/[^/]+\/[^/]/.test(path) && !path.startsWith('/tags/');
    }
    case 'logs':
      return name !== 'describeloggroups' && /:log-group:[^:*]+/.test(resource);
    case 'events':
      return /:rule\//.test(resource);
    case 'iam':
      return /:(role|policy)\//.test(resource);
    default:
      return false;
  }
}

/** Actions that carry `aws:RequestTag/KEY` and `aws:TagKeys` (the action-level keys of the reference). */
export const REQUEST_TAG_ACTIONS: ReadonlySet<string> = new Set(
  [
    'lambda:CreateFunction',
    'lambda:TagResource',
    'lambda:UntagResource',
    'apigateway:POST',
    'apigateway:PUT',
    'apigateway:PATCH',
    'apigateway:DELETE',
    'logs:CreateLogGroup',
    'logs:TagResource',
    'logs:TagLogGroup',
    'logs:UntagResource',
    'events:PutRule',
    'events:TagResource',
    'events:UntagResource',
    'iam:CreateRole',
    'iam:TagRole',
    'iam:UntagRole',
    's3:CreateBucket',
  ].map((a) => a.toLowerCase()),
);

export function supportsRequestTags(action: string): boolean {
  return REQUEST_TAG_ACTIONS.has(action.toLowerCase());
}

/** The tags a request sends (`Tags`/`tags` as a map or as [{Key, Value}]) and the keys it names. */
export function requestTags(input: Input): { tags: Record<string, string>; keys: string[] } {
  const raw = input.Tags ?? input.tags;
  const tags: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const t of raw as { Key?: unknown; Value?: unknown }[])
      if (t && typeof t.Key === 'string') tags[t.Key] = typeof t.Value === 'string' ? t.Value : '';
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>))
      tags[k] = typeof v === 'string' ? v : String(v);
  }
  const untag = input.TagKeys ?? input.tagKeys;
  const keys = Array.isArray(untag) ? untag.filter((k): k is string => typeof k === 'string') : [];
  return { tags, keys: [...Object.keys(tags), ...keys] };
}

/**
 * The ARNs whose tags a resource is authorized by, nearest last: a Lambda
 * version or alias -> its function; an API Gateway child -> its API (REST or
 * HTTP), usage plan key -> its usage plan, plus a stage's own tags.
 */
export function tagSources(resource: string): string[] {
  const fn = /^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+)(:[^:]+)?$/.exec(resource);
  if (fn) return [fn[1] as string];
  const api =
    /^(arn:[^:]+:apigateway:[^:]*:[^:]*:)(\/(?:apis|restapis|usageplans|apikeys)\/[^/]+)(\/.*)?$/.exec(
      resource,
    );
  if (api) {
    const parent = `${api[1]}${api[2]}`;
    const stage = /^\/stages\/[^/]+/.exec(api[3] ?? '');
    return stage ? [parent, `${parent}${stage[0]}`] : [parent];
  }
  return [resource];
}

/** The tags IAM sees on a resource: its own, or those it inherits (see tagSources). */
export function effectiveTags(resource: string, tags: TagLookup): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  for (const source of tagSources(resource)) {
    const own = tags(source);
    if (own) found = { ...found, ...own };
  }
  return found;
}

/**
 * Calls that create a resource with the tags they send. IAM puts those tags in
 * aws:ResourceTag for the create (its own action and the tag-on-create check):
 * "included in the request context when the requested resource already has
 * attached tags or in requests that create a resource with an attached tag"
 * (IAM User Guide, global condition keys). Modelled where the project's
 * policies depend on it: a Deny on functions without the lambda-deploy:name tag
 * must not refuse the create that brings it.
 */
const CREATES_WITH_TAGS: ReadonlySet<string> = new Set(['lambda:CreateFunction', 'logs:CreateLogGroup']);

function withTagContext(
  permission: Permission,
  request: Input | undefined,
  tags?: TagLookup,
  creates = false,
): Permission {
  const context: RequestContext = { ...permission.context };
  if (tags && supportsResourceTag(permission.action, permission.resource))
    for (const [k, v] of Object.entries(effectiveTags(permission.resource, tags) ?? {}))
      context[`aws:ResourceTag/${k}`] = v;
  if (request && supportsRequestTags(permission.action)) {
    const sent = requestTags(request);
    for (const [k, v] of Object.entries(sent.tags)) {
      if (creates) context[`aws:ResourceTag/${k}`] = v;
      context[`aws:RequestTag/${k}`] = v;
    }
    if (sent.keys.length) context['aws:TagKeys'] = sent.keys;
  }
  return Object.keys(context).length ? { ...permission, context } : permission;
}

/**
 * What IAM sees of an AddPermission request: the reference lists
 * `lambda:Principal` and `lambda:FunctionUrlAuthType` as its condition keys,
 * and says of `lambda:InvokedViaFunctionUrl` (Bool) "Available during
 * AddPermission operation" (test/iam/sar-model.test.ts holds it to that).
 * Each is there when the request sends it; Principal always is (required).
 */
function addPermissionContext(input: Input): RequestContext {
  const context: RequestContext = {};
  if (typeof input.Principal === 'string') context['lambda:Principal'] = input.Principal;
  if (typeof input.FunctionUrlAuthType === 'string')
    context['lambda:FunctionUrlAuthType'] = input.FunctionUrlAuthType;
  if (typeof input.InvokedViaFunctionUrl === 'boolean')
    context['lambda:InvokedViaFunctionUrl'] = String(input.InvokedViaFunctionUrl);
  return context;
}

/** The S3 calls authorized as s3:PutObject, and those of them that create the object. */
const S3_WRITES = new Set([
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
]);
const S3_CREATES = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload']);

/**
 * The permissions a call needs. Besides its own action, AWS checks some on the
 * side: passing a role (iam:PassRole, only to Lambda), tagging on create,
 * reading code from S3 as the caller, attaching layers.
 */
export function requiredPermissions(
  service: AwsService,
  commandName: string,
  input: Input,
  scope: CallScope,
  facts: ResourceFacts = {},
): Permission[] {
  const operation = operationName(commandName);
  const p = scope.partition ?? 'aws';
  const own: Permission = {
    action: operationToAction(service, commandName),
    resource: resourceFor(service, commandName, input, scope),
  };
  const extra: Permission[] = [];
  const s3Object = (bucket: unknown, key: unknown): void => {
    if (typeof bucket === 'string' && typeof key === 'string')
      extra.push({ action: 's3:GetObject', resource: `arn:${p}:s3:::${bucket}/${key}` });
  };
  if (service === 'lambda' && operation === 'AddPermission')
    own.context = { ...own.context, ...addPermissionContext(input) };
  if (service === 'lambda') {
    const fn =
      typeof input.FunctionName === 'string' ? functionArn(input.FunctionName, undefined, scope) : undefined;
    if (
      (operation === 'CreateFunction' || operation === 'UpdateFunctionConfiguration') &&
      typeof input.Role === 'string'
    )
      extra.push({
        action: 'iam:PassRole',
        resource: input.Role,
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      });
    if (operation === 'CreateFunction' && hasTags(input.Tags) && fn)
      extra.push({ action: 'lambda:TagResource', resource: fn });
    if (operation === 'CreateFunction' || operation === 'UpdateFunctionConfiguration')
      for (const layer of layersOf(input)) extra.push({ action: 'lambda:GetLayerVersion', resource: layer });
    if (operation === 'CreateFunction') {
      const code = (input.Code ?? {}) as Input;
      s3Object(code.S3Bucket, code.S3Key);
    }
    if (operation === 'UpdateFunctionCode') s3Object(input.S3Bucket, input.S3Key);
    if (operation === 'PublishLayerVersion') {
      const content = (input.Content ?? {}) as Input;
      s3Object(content.S3Bucket, content.S3Key);
    }
  }
  // "To assign tags when you create a log group, you must have either the logs:TagResource or
  // logs:TagLogGroup permission" (CreateLogGroup API reference): the newer one is modelled.
  if (service === 'logs' && operation === 'CreateLogGroup' && hasTags(input.tags))
    extra.push({ action: 'logs:TagResource', resource: own.resource });
  if (service === 'events' && operation === 'PutRule' && hasTags(input.Tags))
    extra.push({ action: 'events:TagResource', resource: own.resource });
  if (service === 'iam' && operation === 'CreateRole' && hasTags(input.Tags))
    extra.push({ action: 'iam:TagRole', resource: own.resource });
  if (service === 's3' && operation === 'CreateBucket' && typeof input.ObjectOwnership === 'string')
    extra.push({ action: 's3:PutBucketOwnershipControls', resource: own.resource });
  // CopyObject is s3:PutObject on the copy and s3:GetObject on its source (`bucket/key[?versionId=]`).
  if (service === 's3' && operation === 'CopyObject' && typeof input.CopySource === 'string') {
    const [bucket, ...key] = decodeURIComponent(input.CopySource.replace(/^\//, '').split('?')[0]!).split(
      '/',
    );
    s3Object(bucket, key.join('/'));
  }
  // S3's conditional writes ("Enforce conditional writes on Amazon S3 buckets"): s3:if-none-match holds
  // the If-None-Match header of the requests that take one (PutObject, CompleteMultipartUpload,
  // CopyObject); s3:ObjectCreationOperation is true for those and false for CreateMultipartUpload and
  // UploadPart, which take no conditional header.
  if (service === 's3' && S3_WRITES.has(operation))
    own.context = {
      ...own.context,
      's3:ObjectCreationOperation': String(S3_CREATES.has(operation)),
      ...(S3_CREATES.has(operation) && typeof input.IfNoneMatch === 'string'
        ? { 's3:if-none-match': input.IfNoneMatch }
        : {}),
    };
  // A stage's access log destination (apigateway:Request/AccessLoggingDestination, CreateStage and
  // UpdateStage): there only when the request sends one (test/iam/preview-access-logs.test.ts).
  const destination = operation.endsWith('Stage') ? accessLogDestination(input) : undefined;
  if ((service === 'apiGateway' || service === 'apiGatewayV2') && destination !== undefined)
    own.context = { ...own.context, 'apigateway:Request/AccessLoggingDestination': destination };
  if (service === 's3' && operation === 'PutObject' && typeof input.Tagging === 'string')
    extra.push({ action: 's3:PutObjectTagging', resource: own.resource });
  if (service === 'iam') {
    // CreateRole and PutRolePermissionsBoundary name the boundary they set; the rest see the role's.
    const boundary =
      operation === 'CreateRole' || operation === 'PutRolePermissionsBoundary'
        ? str(input, 'PermissionsBoundary')
        : BOUNDARY_OF_ROLE.has(operation)
          ? facts.permissionsBoundary?.(own.resource)
          : undefined;
    if (boundary) own.context = { ...own.context, 'iam:PermissionsBoundary': boundary };
  }
  // The call's own action and the tag-on-create checks carry the request's tags.
  const tagging = new Set([own, ...extra.filter((e) => /:(TagResource|TagRole)$/.test(e.action))]);
  const creates = CREATES_WITH_TAGS.has(own.action);
  return [own, ...extra].map((permission) =>
    withTagContext(permission, tagging.has(permission) ? input : undefined, facts.tags, creates),
  );
}

/**
 * The destination a stage request sets: an HTTP API's AccessLogSettings (CreateStage, UpdateStage), or a
 * REST API's UpdateStage patch of /accessLogSettings/destinationArn (its CreateStage takes none).
 */
function accessLogDestination(input: Input): string | undefined {
  const settings = input.AccessLogSettings as Input | undefined;
  if (typeof settings?.DestinationArn === 'string') return settings.DestinationArn;
  const ops = Array.isArray(input.patchOperations) ? (input.patchOperations as Input[]) : [];
  const set = ops.find((op) => op.path === '/accessLogSettings/destinationArn' && op.op !== 'remove');
  return set && typeof set.value === 'string' ? set.value : undefined;
}

/** The permissions of a call the policy does not grant (empty: the call is allowed). */
export function missingPermissions(
  document: PolicyDocument,
  service: AwsService,
  commandName: string,
  input: Input,
  scope: CallScope,
  facts?: ResourceFacts,
): Permission[] {
  return requiredPermissions(service, commandName, input, scope, facts).filter(
    (need) => !isAllowed(document, need.action, need.resource, need.context),
  );
}
