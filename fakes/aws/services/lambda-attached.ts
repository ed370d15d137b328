/**
 * What hangs off a Lambda function: its resource policy (AddPermission,
 * GetPolicy, RemovePermission), function URLs, provisioned concurrency,
 * Invoke; and layers (PublishLayerVersion, ListLayerVersions,
 * DeleteLayerVersion, GetLayerVersionByArn).
 */
import { randomBytes } from 'node:crypto';
import { ACCOUNT_ID, REGION, arn, newUuid } from '../account.js';
import { fault } from '../errors.js';
import { paginate } from '../pagination.js';
import type { RestCall, RestRoute, ServiceContext } from '../service.js';
import type { FunctionConfig, LambdaFunction, PolicyStatement } from '../state.js';
import { empty, json, type Reply } from '../wire.js';
import { getFunction, lambdaTime, notFound, parseFunctionName, readCode, sha256 } from './lambda-model.js';

const invalid = (message: string) => fault('lambda', 'InvalidParameterValueException', message);
const missing = () =>
  fault('lambda', 'ResourceNotFoundException', 'The resource you requested does not exist.');
const POLICY_LIMIT = 20_480;

type ConfigFor = (
  ctx: ServiceContext,
  fn: LambdaFunction,
  qualifier: string | null | undefined,
) => FunctionConfig;

/** The qualifier a policy, URL or concurrency setting applies to: '' (the function), a version or an alias. */
function target(fn: LambdaFunction, qualifier: string | null | undefined): string {
  if (!qualifier) return '';
  if (qualifier !== '$LATEST' && !fn.versions.has(qualifier) && !fn.aliases.has(qualifier))
    throw notFound(fn.name, qualifier);
  return qualifier;
}

function principalOf(value: string): unknown {
  if (value === '*') return '*';
  if (/^\d{12}$/.test(value)) return { AWS: `arn:aws:iam::${value}:root` };
  if (value.startsWith('arn:')) return { AWS: value };
  return { Service: value };
}

function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

function addPermission(fn: LambdaFunction, qualifier: string | null, body: Record<string, unknown>): Reply {
  const key = target(fn, qualifier);
  const policy = fn.policies.get(key) ?? { statements: [], revisionId: newUuid() };
  if (body.RevisionId !== undefined && body.RevisionId !== policy.revisionId)
    throw fault(
      'lambda',
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
  const sid = String(body.StatementId ?? '');
  if (!/^[a-zA-Z0-9-_.]{1,100}$/.test(sid))
    throw invalid(
      `1 validation error detected: Value '${sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)`,
    );
  const action = String(body.Action ?? '');
  if (!/^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/.test(action))
    throw invalid(
      `1 validation error detected: Value '${action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])`,
    );
  if (policy.statements.some((s) => s.Sid === sid))
    throw fault(
      'lambda',
      'ResourceConflictException',
      `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
    );
  const condition: Record<string, Record<string, string>> = {};
  if (body.SourceArn) condition.ArnLike = { 'AWS:SourceArn': String(body.SourceArn) };
  if (body.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': String(body.SourceAccount) };
  if (body.FunctionUrlAuthType)
    condition.StringEquals = {
      ...condition.StringEquals,
      'lambda:FunctionUrlAuthType': String(body.FunctionUrlAuthType),
    };
  if (body.InvokedViaFunctionUrl) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
  const statement: PolicyStatement = {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalOf(String(body.Principal ?? '')),
    Action: action,
    Resource: key ? `${fn.arn}:${key}` : fn.arn,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
  const statements = [...policy.statements, statement];
  if (policyDocument(statements).length > POLICY_LIMIT)
    throw fault('lambda', 'PolicyLengthExceededException', 'The final policy size is bigger than the limit.');
  fn.policies.set(key, { statements, revisionId: newUuid() });
  return json(201, { Statement: JSON.stringify(statement) });
}

function removePermission(
  fn: LambdaFunction,
  qualifier: string | null,
  sid: string,
  revision: string | null,
): Reply {
  const key = target(fn, qualifier);
  const policy = fn.policies.get(key);
  if (!policy?.statements.length)
    throw fault('lambda', 'ResourceNotFoundException', 'No policy is associated with the given resource.');
  if (revision && revision !== policy.revisionId)
    throw fault(
      'lambda',
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
  if (!policy.statements.some((s) => s.Sid === sid))
    throw fault('lambda', 'ResourceNotFoundException', `Statement ${sid} is not found in resource policy.`);
  fn.policies.set(key, { statements: policy.statements.filter((s) => s.Sid !== sid), revisionId: newUuid() });
  return empty(204);
}

// ---- function URLs: the unqualified function, $LATEST or an alias (never a version number)

function urlTarget(fn: LambdaFunction, qualifier: string | null): string {
  if (qualifier && /^\d+$/.test(qualifier))
    throw invalid(
      `1 validation error detected: Value '${qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)`,
    );
  return target(fn, qualifier);
}

function urlOf(fn: LambdaFunction, qualifier: string | null) {
  const url = fn.urls.get(urlTarget(fn, qualifier));
  if (!url) throw missing();
  return url;
}

function createUrl(
  ctx: ServiceContext,
  fn: LambdaFunction,
  qualifier: string | null,
  body: Record<string, unknown>,
): Reply {
  const key = urlTarget(fn, qualifier);
  const functionArn = key ? `${fn.arn}:${key}` : fn.arn;
  if (fn.urls.has(key))
    throw fault(
      'lambda',
      'ResourceConflictException',
      `Failed to create function url config for [functionArn = ${functionArn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
    );
  const authType = String(body.AuthType ?? '');
  if (!['NONE', 'AWS_IAM'].includes(authType))
    throw invalid(
      `1 validation error detected: Value '${authType}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]`,
    );
  const now = new Date(ctx.clock.now()).toISOString();
  const id = [...randomBytes(32)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  const url = {
    FunctionUrl: `https://${id}.lambda-url.${REGION}.on.aws/`,
    FunctionArn: functionArn,
    AuthType: authType,
    ...(body.Cors ? { Cors: body.Cors } : {}),
    InvokeMode: String(body.InvokeMode ?? 'BUFFERED'),
    CreationTime: now,
    LastModifiedTime: now,
  };
  fn.urls.set(key, url);
  const { LastModifiedTime: _, ...created } = url;
  return json(201, created);
}

// ---- provisioned concurrency: a published version or an alias only

function concurrencyTarget(fn: LambdaFunction, qualifier: string | null): string {
  if (!qualifier) throw invalid('The qualifier is required for provisioned concurrency.');
  if (qualifier === '$LATEST')
    throw invalid('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
  return target(fn, qualifier);
}

function concurrencyJson(ctx: ServiceContext, fn: LambdaFunction, key: string) {
  const pc = fn.provisioned.get(key);
  if (!pc)
    throw fault(
      'lambda',
      'ProvisionedConcurrencyConfigNotFoundException',
      'No Provisioned Concurrency Config found for this function',
    );
  const ready = ctx.clock.now() >= pc.readyAt;
  const version = fn.aliases.get(key)?.FunctionVersion ?? key;
  const failure = fn.provisionedInitFailures?.get(version);
  if (ready && failure)
    return {
      RequestedProvisionedConcurrentExecutions: pc.requested,
      AvailableProvisionedConcurrentExecutions: 0,
      AllocatedProvisionedConcurrentExecutions: 0,
      Status: 'FAILED',
      StatusReason: failure,
      LastModified: pc.lastModified,
    };
  return {
    RequestedProvisionedConcurrentExecutions: pc.requested,
    AvailableProvisionedConcurrentExecutions: ready ? pc.requested : 0,
    AllocatedProvisionedConcurrentExecutions: ready ? pc.requested : 0,
    Status: ready ? 'READY' : 'IN_PROGRESS',
    LastModified: pc.lastModified,
  };
}

// ---- Invoke

async function invoke(
  ctx: ServiceContext,
  fn: LambdaFunction,
  qualifier: string | null,
  c: RestCall,
  configFor: ConfigFor,
): Promise<Reply> {
  const config = configFor(ctx, fn, qualifier);
  if (config.State === 'Pending' || config.State === 'Failed')
    throw fault(
      'lambda',
      'ResourceConflictException',
      `The operation cannot be performed at this time. The function is currently in the following state: ${config.State}`,
    );
  const type = c.req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (type === 'DryRun') return empty(204);
  madeLogGroup(ctx, fn.name, config);
  const result = await ctx.invoke({
    functionName: fn.name,
    version: config.Version,
    config,
    payload: c.req.body.toString('utf8'),
  });
  if (type === 'Event') return empty(202);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': config.Version,
  };
  if (result.functionError) headers['x-amz-function-error'] = result.functionError;
  if (c.req.headers['x-amz-log-type'] === 'Tail')
    headers['x-amz-log-result'] = Buffer.from((result.logTail ?? '').slice(-4096)).toString('base64');
  return { status: 200, headers, body: result.payload };
}

/**
 * A run of the function makes its log group when none is there, as Lambda
 * does (its execution role's logs:CreateLogGroup): without tags, whatever the
 * function's.
 */
function madeLogGroup(ctx: ServiceContext, functionName: string, config: Readonly<FunctionConfig>): void {
  const name = config.LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`;
  if (!ctx.account.logGroups.has(name))
    ctx.account.logGroups.set(name, { name, createdAt: ctx.clock.now(), tags: {}, events: [] });
}

// ---- layers

function layerVersionJson(
  name: string,
  v: {
    arn: string;
    version: number;
    description: string;
    createdDate: string;
    compatibleRuntimes: string[];
    compatibleArchitectures: string[];
    licenseInfo?: string;
  },
) {
  return {
    LayerVersionArn: v.arn,
    Version: v.version,
    Description: v.description,
    CreatedDate: v.createdDate,
    ...(v.compatibleRuntimes.length ? { CompatibleRuntimes: v.compatibleRuntimes } : {}),
    ...(v.compatibleArchitectures.length ? { CompatibleArchitectures: v.compatibleArchitectures } : {}),
    ...(v.licenseInfo ? { LicenseInfo: v.licenseInfo } : {}),
    LayerArn: arn.layer(name),
  };
}

function publishLayer(ctx: ServiceContext, name: string, body: Record<string, unknown>): Reply {
  if (!/^[a-zA-Z0-9-_]{1,140}$/.test(name))
    throw invalid(
      `1 validation error detected: Value '${name}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`,
    );
  const code = readCode(ctx, (body.Content ?? {}) as Record<string, unknown>);
  const layer = ctx.account.layers.get(name) ?? { name, versions: new Map(), nextVersion: 1 };
  ctx.account.layers.set(name, layer);
  const version = layer.nextVersion++;
  const v = {
    arn: arn.layer(name, version),
    version,
    description: String(body.Description ?? ''),
    createdDate: lambdaTime(ctx.clock.now()),
    bytes: code.bytes,
    sha256: sha256(code.bytes),
    compatibleRuntimes: ((body.CompatibleRuntimes ?? []) as unknown[]).map(String),
    compatibleArchitectures: ((body.CompatibleArchitectures ?? []) as unknown[]).map(String),
    ...(body.LicenseInfo ? { licenseInfo: String(body.LicenseInfo) } : {}),
  };
  layer.versions.set(version, v);
  return json(201, { Content: layerContent(ctx, name, v), ...layerVersionJson(name, v) });
}

function layerContent(
  ctx: ServiceContext,
  name: string,
  v: { version: number; bytes: Buffer; sha256: string },
) {
  return {
    // A presigned S3 URL in AWS; here the fake serves the zip itself (with Range requests).
    Location: `${ctx.url}/__fake/layers/${name}/${v.version}`,
    CodeSha256: v.sha256,
    CodeSize: v.bytes.length,
  };
}

function layerByArn(ctx: ServiceContext, value: string): Reply {
  const m = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/.exec(value);
  if (!m)
    throw invalid(
      `1 validation error detected: Value '${value}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)`,
    );
  const name = m[3] as string;
  const v =
    m[1] === REGION && m[2] === ACCOUNT_ID
      ? ctx.account.layers.get(name)?.versions.get(Number(m[4]))
      : undefined;
  if (!v) throw missing();
  return json(200, { Content: layerContent(ctx, name, v), ...layerVersionJson(name, v) });
}

export function attachedRoutes(ctx: ServiceContext, configFor: ConfigFor): RestRoute[] {
  const fnOf = (c: RestCall) => getFunction(ctx, c.params.FunctionName as string);
  const qualifierOf = (c: RestCall) =>
    c.query.get('Qualifier') ?? parseFunctionName(c.params.FunctionName as string).qualifier ?? null;
  const page = <T>(items: T[], c: RestCall, listing: string, max: number) =>
    paginate(items, {
      listing,
      token: c.query.get('Marker'),
      requested: c.query.get('MaxItems'),
      limits: { defaultSize: max, maxSize: max },
      cap: ctx.pageSize,
      invalidToken: invalid,
    });
  const P = '/2015-03-31/functions/{FunctionName}/policy';
  const U = '/2021-10-31/functions/{FunctionName}/url';
  const PC = '/2019-09-30/functions/{FunctionName}/provisioned-concurrency';
  return [
    {
      method: 'POST',
      path: P,
      op: 'AddPermission',
      run: (c) => addPermission(fnOf(c), qualifierOf(c), c.body()),
    },
    {
      method: 'GET',
      path: P,
      op: 'GetPolicy',
      run: (c) => {
        const fn = fnOf(c);
        const policy = fn.policies.get(target(fn, qualifierOf(c)));
        if (!policy?.statements.length) throw missing();
        return json(200, { Policy: policyDocument(policy.statements), RevisionId: policy.revisionId });
      },
    },
    {
      method: 'DELETE',
      path: `${P}/{StatementId}`,
      op: 'RemovePermission',
      run: (c) =>
        removePermission(fnOf(c), qualifierOf(c), c.params.StatementId as string, c.query.get('RevisionId')),
    },
    {
      method: 'POST',
      path: U,
      op: 'CreateFunctionUrlConfig',
      run: (c) => createUrl(ctx, fnOf(c), qualifierOf(c), c.body()),
    },
    {
      method: 'GET',
      path: U,
      op: 'GetFunctionUrlConfig',
      run: (c) => json(200, urlOf(fnOf(c), qualifierOf(c))),
    },
    {
      method: 'PUT',
      path: U,
      op: 'UpdateFunctionUrlConfig',
      run: (c) => {
        const url = urlOf(fnOf(c), qualifierOf(c));
        const body = c.body();
        if (body.AuthType !== undefined) url.AuthType = String(body.AuthType);
        if (body.Cors !== undefined) url.Cors = body.Cors;
        if (body.InvokeMode !== undefined) url.InvokeMode = String(body.InvokeMode);
        url.LastModifiedTime = new Date(ctx.clock.now()).toISOString();
        return json(200, url);
      },
    },
    {
      method: 'DELETE',
      path: U,
      op: 'DeleteFunctionUrlConfig',
      run: (c) => {
        const fn = fnOf(c);
        urlOf(fn, qualifierOf(c));
        fn.urls.delete(urlTarget(fn, qualifierOf(c)));
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: '/2021-10-31/functions/{FunctionName}/urls',
      op: 'ListFunctionUrlConfigs',
      run: (c) => {
        const fn = fnOf(c);
        const p = page([...fn.urls.values()], c, `ListFunctionUrlConfigs:${fn.name}`, 50);
        return json(200, { FunctionUrlConfigs: p.items, ...(p.next ? { NextMarker: p.next } : {}) });
      },
    },
    {
      method: 'PUT',
      path: PC,
      op: 'PutProvisionedConcurrencyConfig',
      run: (c) => {
        const fn = fnOf(c);
        const key = concurrencyTarget(fn, qualifierOf(c));
        const requested = Number(c.body().ProvisionedConcurrentExecutions);
        if (!(requested >= 1))
          throw invalid(
            `1 validation error detected: Value '${requested}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1`,
          );
        fn.provisioned.set(key, {
          requested,
          readyAt: ctx.clock.now() + ctx.timings.provisionedConcurrencyMs,
          lastModified: lambdaTime(ctx.clock.now()),
        });
        return json(202, concurrencyJson(ctx, fn, key));
      },
    },
    {
      method: 'GET',
      path: PC,
      op: 'GetProvisionedConcurrencyConfig',
      run: (c) => {
        const fn = fnOf(c);
        return json(200, concurrencyJson(ctx, fn, concurrencyTarget(fn, qualifierOf(c))));
      },
    },
    {
      method: 'DELETE',
      path: PC,
      op: 'DeleteProvisionedConcurrencyConfig',
      run: (c) => {
        const fn = fnOf(c);
        const key = concurrencyTarget(fn, qualifierOf(c));
        concurrencyJson(ctx, fn, key);
        fn.provisioned.delete(key);
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/2015-03-31/functions/{FunctionName}/invocations',
      op: 'Invoke',
      run: (c) => invoke(ctx, fnOf(c), qualifierOf(c), c, configFor),
    },
    {
      method: 'POST',
      path: '/2018-10-31/layers/{LayerName}/versions',
      op: 'PublishLayerVersion',
      run: (c) => publishLayer(ctx, c.params.LayerName as string, c.body()),
    },
    {
      method: 'GET',
      path: '/2018-10-31/layers/{LayerName}/versions',
      op: 'ListLayerVersions',
      run: (c) => {
        const name = c.params.LayerName as string;
        const versions = [...(ctx.account.layers.get(name)?.versions.values() ?? [])]
          .sort((a, b) => b.version - a.version)
          .map((v) => layerVersionJson(name, v));
        const p = page(versions, c, `ListLayerVersions:${name}`, 50);
        return json(200, { LayerVersions: p.items, ...(p.next ? { NextMarker: p.next } : {}) });
      },
    },
    {
      method: 'DELETE',
      path: '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}',
      op: 'DeleteLayerVersion',
      run: (c) => {
        // Idempotent in AWS: deleting a version that is gone is not an error.
        ctx.account.layers.get(c.params.LayerName as string)?.versions.delete(Number(c.params.VersionNumber));
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}',
      op: 'GetLayerVersion',
      run: (c) => layerByArn(ctx, arn.layer(c.params.LayerName as string, Number(c.params.VersionNumber))),
    },
    {
      method: 'GET',
      path: '/2018-10-31/layers',
      queryIs: { find: 'LayerVersion' },
      op: 'GetLayerVersionByArn',
      run: (c) => layerByArn(ctx, c.query.get('Arn') ?? ''),
    },
  ];
}

/** The bytes behind a layer's Content.Location, for the server's download route. */
export function layerBytes(
  ctx: Pick<ServiceContext, 'account'>,
  name: string,
  version: number,
): Buffer | undefined {
  return ctx.account.layers.get(name)?.versions.get(version)?.bytes;
}

/** The default Invoke: answers as an API Gateway proxy handler would, 200 with a small body. */
export function defaultInvoke(): { payload: string } {
  return {
    payload: JSON.stringify({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' }),
  };
}
