/**
 * Lambda (REST-JSON) as the action uses it: functions with Pending and
 * InProgress states that settle after a number of reads, conflicts while an
 * update runs, versions (no new version when nothing changed), aliases,
 * resource policies and tags. CodeSha256 is computed from the artifact the
 * function was pointed at in the fake S3.
 */
import { createHash } from 'node:crypto';
import { AwsFault, json, empty, parseJsonBody, type FakeRequest, type Reply } from './http.js';
import {
  ACCOUNT_ID,
  REGION,
  lambdaTime,
  newRevision,
  type AccountState,
  type FakeFunction,
  type FunctionConfig,
  type PolicyStatement,
} from './state.js';

export interface LambdaContext {
  state: AccountState;
  /** Reads of $LATEST that still show Pending/InProgress after a create or update. */
  busyReads: number;
  readObject(bucket: string, key: string): Buffer | undefined;
}

export interface Routed {
  operation: string;
  /** What the call asked for, for the request log. */
  input: Record<string, unknown>;
  run: () => Reply;
}

const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

/** A name, a partial or a full ARN (optionally qualified) to the function name. */
function functionNameOf(value: string): string {
  const m = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([^:]+)/.exec(value);
  return m ? (m[1] as string) : value;
}

function notFound(name: string): AwsFault {
  return new AwsFault(404, 'ResourceNotFoundException', `Function not found: ${functionArn(name)}`);
}

function getFunction(ctx: LambdaContext, name: string): FakeFunction {
  const fn = ctx.state.functions.get(functionNameOf(name));
  if (!fn) throw notFound(functionNameOf(name));
  return fn;
}

function settle(fn: FakeFunction): void {
  if (!fn.settlesTo) return;
  fn.latest.State = fn.settlesTo.State;
  fn.latest.LastUpdateStatus = fn.settlesTo.LastUpdateStatus;
  delete fn.latest.StateReason;
  delete fn.latest.StateReasonCode;
  fn.settlesTo = undefined;
}

/** One look at $LATEST: busy while reads are left, then settled. */
function observeLatest(fn: FakeFunction): FunctionConfig {
  const shown = structuredClone(fn.latest);
  if (fn.busyReadsLeft > 0) {
    fn.busyReadsLeft--;
    if (fn.busyReadsLeft === 0) settle(fn);
  }
  return shown;
}

function becomeBusy(ctx: LambdaContext, fn: FakeFunction, settlesTo: FakeFunction['settlesTo']): void {
  fn.settlesTo = settlesTo;
  fn.busyReadsLeft = ctx.busyReads;
  if (ctx.busyReads <= 0) settle(fn);
}

function isBusy(fn: FakeFunction): boolean {
  return fn.latest.State === 'Pending' || fn.latest.LastUpdateStatus === 'InProgress';
}

function assertIdle(fn: FakeFunction): void {
  if (fn.latest.State === 'Pending')
    throw new AwsFault(
      409,
      'ResourceConflictException',
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
  if (fn.latest.LastUpdateStatus === 'InProgress')
    throw new AwsFault(
      409,
      'ResourceConflictException',
      `The operation cannot be performed at this time. An update is in progress for resource: ${fn.arn}`,
    );
}

/** The configuration a qualifier names: $LATEST (observed), a version, or an alias's version. */
function configFor(fn: FakeFunction, qualifier: string | null | undefined): FunctionConfig {
  if (!qualifier || qualifier === '$LATEST') return observeLatest(fn);
  const version =
    fn.versions.get(qualifier) ?? fn.versions.get(fn.aliases.get(qualifier)?.FunctionVersion ?? '');
  if (!version)
    throw new AwsFault(404, 'ResourceNotFoundException', `Function not found: ${fn.arn}:${qualifier}`);
  return structuredClone(version);
}

function code(
  ctx: LambdaContext,
  input: Record<string, unknown>,
): { bytes: Buffer; bucket?: string; key?: string } {
  if (typeof input.ZipFile === 'string') return { bytes: Buffer.from(input.ZipFile, 'base64') };
  const bucket = String(input.S3Bucket ?? '');
  const key = String(input.S3Key ?? '');
  const bytes = ctx.readObject(bucket, key);
  if (!bytes)
    throw new AwsFault(
      400,
      'InvalidParameterValueException',
      `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (s3://${bucket}/${key})`,
    );
  return { bytes, bucket, key };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

function layers(value: unknown): FunctionConfig['Layers'] {
  return Array.isArray(value) ? value.map((arn) => ({ Arn: String(arn), CodeSize: 0 })) : undefined;
}

/** What makes two configurations the same version (PublishVersion publishes nothing new when equal). */
function versionFingerprint(c: FunctionConfig): string {
  return JSON.stringify([
    c.CodeSha256,
    c.Runtime,
    c.Handler,
    c.MemorySize,
    c.Timeout,
    c.Role,
    c.Description,
    c.Architectures,
    c.Environment?.Variables ?? {},
    (c.Layers ?? []).map((l) => l.Arn),
  ]);
}

function aliasJson(fn: FakeFunction, name: string) {
  const alias = fn.aliases.get(name);
  if (!alias)
    throw new AwsFault(404, 'ResourceNotFoundException', `Cannot find alias arn: ${fn.arn}:${name}`);
  return { AliasArn: `${fn.arn}:${name}`, ...alias };
}

function requireVersion(fn: FakeFunction, version: string): void {
  if (version !== '$LATEST' && !fn.versions.has(version))
    throw new AwsFault(404, 'ResourceNotFoundException', `Function not found: ${fn.arn}:${version}`);
}

function principalOf(value: string): unknown {
  if (value === '*') return '*';
  if (/^\d{12}$/.test(value)) return { AWS: `arn:aws:iam::${value}:root` };
  return { Service: value };
}

function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

/** The policy's key: the qualifier as the caller gave it ('' for the function itself). */
function policyTarget(fn: FakeFunction, qualifier: string | null): string {
  if (!qualifier) return '';
  if (qualifier !== '$LATEST' && !fn.versions.has(qualifier) && !fn.aliases.has(qualifier))
    throw new AwsFault(404, 'ResourceNotFoundException', `Function not found: ${fn.arn}:${qualifier}`);
  return qualifier;
}

export function routeLambda(req: FakeRequest, ctx: LambdaContext): Routed {
  const [version, collection, rawName, sub, subId] = req.segments;
  const m = req.method;
  const q = req.query;
  const input = () => parseJsonBody(req.body);
  const name = rawName ? functionNameOf(rawName) : '';
  const route = (operation: string, run: () => Reply, extra: Record<string, unknown> = {}): Routed => ({
    operation,
    input: { ...(name ? { FunctionName: name } : {}), ...Object.fromEntries(q), ...safeInput(req), ...extra },
    run,
  });

  if (version === '2017-03-31' && collection === 'tags' && rawName) {
    const arn = rawName;
    if (m === 'POST')
      return route('TagResource', () => {
        const fn = getFunction(ctx, arn);
        Object.assign(fn.tags, (input().Tags ?? {}) as Record<string, string>);
        return empty(204);
      });
    if (m === 'GET') return route('ListTags', () => json(200, { Tags: getFunction(ctx, arn).tags }));
    if (m === 'DELETE')
      return route('UntagResource', () => {
        const fn = getFunction(ctx, arn);
        for (const key of q.getAll('tagKeys')) delete fn.tags[key];
        return empty(204);
      });
  }

  if (version === '2021-10-31' && collection === 'functions' && rawName && sub === 'urls' && m === 'GET')
    return route('ListFunctionUrlConfigs', () => {
      getFunction(ctx, name);
      return json(200, { FunctionUrlConfigs: [] });
    });

  if (version !== '2015-03-31' || collection !== 'functions')
    return route('Unknown', () => {
      throw new AwsFault(404, 'UnknownOperationException', `The fake Lambda has no ${m} ${req.path}`);
    });

  if (!rawName && m === 'POST') return route('CreateFunction', () => createFunction(ctx, input()));

  if (rawName && !sub) {
    if (m === 'GET')
      return route('GetFunction', () => {
        const fn = getFunction(ctx, name);
        const configuration = configFor(fn, q.get('Qualifier'));
        return json(200, {
          Configuration: configuration,
          Code: {
            RepositoryType: 'S3',
            Location: `https://awslambda-${REGION}-tasks.s3.amazonaws.com/snapshots/${ACCOUNT_ID}/${name}`,
          },
          Tags: fn.tags,
        });
      });
    if (m === 'DELETE') return route('DeleteFunction', () => deleteFunction(ctx, name, q.get('Qualifier')));
  }

  if (sub === 'configuration') {
    if (m === 'GET')
      return route('GetFunctionConfiguration', () =>
        json(200, configFor(getFunction(ctx, name), q.get('Qualifier'))),
      );
    if (m === 'PUT')
      return route('UpdateFunctionConfiguration', () => updateConfiguration(ctx, name, input()));
  }
  if (sub === 'code' && m === 'PUT') return route('UpdateFunctionCode', () => updateCode(ctx, name, input()));

  if (sub === 'versions') {
    if (m === 'POST') return route('PublishVersion', () => publishVersion(ctx, name, input()));
    if (m === 'GET')
      return route('ListVersionsByFunction', () => {
        const fn = getFunction(ctx, name);
        const all = [structuredClone(fn.latest), ...[...fn.versions.values()].map((v) => structuredClone(v))];
        const start = Number(q.get('Marker') ?? 0) || 0;
        const max = Number(q.get('MaxItems') ?? 50) || 50;
        const page = all.slice(start, start + max);
        return json(200, {
          Versions: page,
          ...(start + max < all.length ? { NextMarker: String(start + max) } : {}),
        });
      });
  }

  if (sub === 'aliases') {
    if (!subId && m === 'POST')
      return route('CreateAlias', () => {
        const fn = getFunction(ctx, name);
        const body = input();
        const aliasName = String(body.Name ?? '');
        if (fn.aliases.has(aliasName))
          throw new AwsFault(
            409,
            'ResourceConflictException',
            `Alias already exists: ${fn.arn}:${aliasName}`,
          );
        requireVersion(fn, String(body.FunctionVersion ?? ''));
        fn.aliases.set(aliasName, {
          Name: aliasName,
          FunctionVersion: String(body.FunctionVersion),
          Description: String(body.Description ?? ''),
          RevisionId: newRevision(),
        });
        return json(201, aliasJson(fn, aliasName));
      });
    if (subId && m === 'GET')
      return route('GetAlias', () => json(200, aliasJson(getFunction(ctx, name), subId)));
    if (subId && m === 'PUT')
      return route('UpdateAlias', () => {
        const fn = getFunction(ctx, name);
        const alias = fn.aliases.get(subId);
        if (!alias) return json(404, aliasJson(fn, subId));
        const body = input();
        if (body.RevisionId !== undefined && body.RevisionId !== alias.RevisionId)
          throw new AwsFault(
            412,
            'PreconditionFailedException',
            'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
          );
        if (body.FunctionVersion !== undefined) {
          requireVersion(fn, String(body.FunctionVersion));
          alias.FunctionVersion = String(body.FunctionVersion);
        }
        if (body.Description !== undefined) alias.Description = String(body.Description);
        alias.RevisionId = newRevision();
        return json(200, aliasJson(fn, subId));
      });
  }

  if (sub === 'policy') {
    if (!subId && m === 'GET')
      return route('GetPolicy', () => {
        const fn = getFunction(ctx, name);
        const statements = fn.policies.get(policyTarget(fn, q.get('Qualifier'))) ?? [];
        if (!statements.length)
          throw new AwsFault(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        return json(200, { Policy: policyDocument(statements), RevisionId: newRevision() });
      });
    if (!subId && m === 'POST')
      return route('AddPermission', () => {
        const fn = getFunction(ctx, name);
        const target = policyTarget(fn, q.get('Qualifier'));
        const body = input();
        const statements = fn.policies.get(target) ?? [];
        const sid = String(body.StatementId ?? '');
        if (statements.some((s) => s.Sid === sid))
          throw new AwsFault(
            409,
            'ResourceConflictException',
            `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
          );
        const condition: Record<string, Record<string, string>> = {};
        if (body.SourceArn) condition.ArnLike = { 'AWS:SourceArn': String(body.SourceArn) };
        if (body.FunctionUrlAuthType)
          condition.StringEquals = { 'lambda:FunctionUrlAuthType': String(body.FunctionUrlAuthType) };
        if (body.InvokedViaFunctionUrl) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
        const statement: PolicyStatement = {
          Sid: sid,
          Effect: 'Allow',
          Principal: principalOf(String(body.Principal ?? '')),
          Action: String(body.Action ?? ''),
          Resource: target ? `${fn.arn}:${target}` : fn.arn,
          ...(Object.keys(condition).length ? { Condition: condition } : {}),
        };
        fn.policies.set(target, [...statements, statement]);
        return json(201, { Statement: JSON.stringify(statement) });
      });
    if (subId && m === 'DELETE')
      return route('RemovePermission', () => {
        const fn = getFunction(ctx, name);
        const target = policyTarget(fn, q.get('Qualifier'));
        const statements = fn.policies.get(target) ?? [];
        if (!statements.some((s) => s.Sid === subId))
          throw new AwsFault(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        fn.policies.set(
          target,
          statements.filter((s) => s.Sid !== subId),
        );
        return empty(204);
      });
  }

  return route('Unknown', () => {
    throw new AwsFault(404, 'UnknownOperationException', `The fake Lambda has no ${m} ${req.path}`);
  });
}

/** The request body for the log, without inline code bytes. */
function safeInput(req: FakeRequest): Record<string, unknown> {
  if (!req.body.length) return {};
  try {
    const body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    if (typeof body.ZipFile === 'string') body.ZipFile = `<${body.ZipFile.length} base64 characters>`;
    return body;
  } catch {
    return {};
  }
}

function createFunction(ctx: LambdaContext, body: Record<string, unknown>): Reply {
  const name = String(body.FunctionName ?? '');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
    throw new AwsFault(400, 'InvalidParameterValueException', `Invalid function name: ${name}`);
  if (ctx.state.functions.has(name))
    throw new AwsFault(409, 'ResourceConflictException', `Function already exist: ${name}`);
  const role = String(body.Role ?? '');
  const roleName = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(role);
  if (!roleName || (roleName[1] === ACCOUNT_ID && !ctx.state.roles.has(roleName[2] as string)))
    throw new AwsFault(
      400,
      'InvalidParameterValueException',
      'The role defined for the function cannot be assumed by Lambda.',
    );
  const source = code(ctx, (body.Code ?? {}) as Record<string, unknown>);
  const arn = functionArn(name);
  const variables = (body.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
  const fn: FakeFunction = {
    name,
    arn,
    latest: {
      FunctionName: name,
      FunctionArn: arn,
      Runtime: String(body.Runtime ?? ''),
      Role: role,
      Handler: String(body.Handler ?? ''),
      CodeSize: source.bytes.length,
      Description: String(body.Description ?? ''),
      Timeout: Number(body.Timeout ?? 3),
      MemorySize: Number(body.MemorySize ?? 128),
      LastModified: lambdaTime(),
      CodeSha256: sha256(source.bytes),
      Version: '$LATEST',
      ...(variables ? { Environment: { Variables: { ...variables } } } : {}),
      EphemeralStorage: { Size: ephemeralSize(body) ?? 512 },
      ...(Array.isArray(body.Layers) && body.Layers.length ? { Layers: layers(body.Layers) } : {}),
      Architectures: Array.isArray(body.Architectures) ? body.Architectures.map(String) : ['x86_64'],
      PackageType: 'Zip',
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
      RevisionId: newRevision(),
    },
    tags: { ...((body.Tags ?? {}) as Record<string, string>) },
    versions: new Map(),
    nextVersion: 1,
    aliases: new Map(),
    policies: new Map(),
    busyReadsLeft: 0,
    codeSource: source.bucket ? { bucket: source.bucket, key: source.key ?? '' } : undefined,
  };
  ctx.state.functions.set(name, fn);
  const response = structuredClone(fn.latest);
  becomeBusy(ctx, fn, { State: 'Active', LastUpdateStatus: 'Successful' });
  if (body.Publish === true) publishVersion(ctx, name, {});
  return json(201, response);
}

/** EphemeralStorage.Size of a create or update body (Lambda answers with it always: 512 by default). */
function ephemeralSize(body: Record<string, unknown>): number | undefined {
  const size = (body.EphemeralStorage as { Size?: unknown } | undefined)?.Size;
  return size === undefined ? undefined : Number(size);
}

function updateConfiguration(ctx: LambdaContext, name: string, body: Record<string, unknown>): Reply {
  const fn = getFunction(ctx, name);
  assertIdle(fn);
  const c = fn.latest;
  if (body.Runtime !== undefined) c.Runtime = String(body.Runtime);
  if (body.Handler !== undefined) c.Handler = String(body.Handler);
  if (body.MemorySize !== undefined) c.MemorySize = Number(body.MemorySize);
  if (body.Timeout !== undefined) c.Timeout = Number(body.Timeout);
  if (body.Role !== undefined) c.Role = String(body.Role);
  if (body.Description !== undefined) c.Description = String(body.Description);
  const size = ephemeralSize(body);
  if (size !== undefined) c.EphemeralStorage = { Size: size };
  if (body.Layers !== undefined) {
    const next = layers(body.Layers);
    if (next?.length) c.Layers = next;
    else delete c.Layers;
  }
  if (body.Environment !== undefined) {
    const vars = (body.Environment as { Variables?: Record<string, string> }).Variables ?? {};
    if (Object.keys(vars).length) c.Environment = { Variables: { ...vars } };
    else delete c.Environment;
  }
  c.LastModified = lambdaTime();
  c.RevisionId = newRevision();
  c.LastUpdateStatus = 'InProgress';
  const response = structuredClone(c);
  becomeBusy(ctx, fn, { State: 'Active', LastUpdateStatus: 'Successful' });
  return json(200, response);
}

function updateCode(ctx: LambdaContext, name: string, body: Record<string, unknown>): Reply {
  const fn = getFunction(ctx, name);
  assertIdle(fn);
  const source = code(ctx, body);
  const c = fn.latest;
  c.CodeSha256 = sha256(source.bytes);
  c.CodeSize = source.bytes.length;
  if (Array.isArray(body.Architectures)) c.Architectures = body.Architectures.map(String);
  c.LastModified = lambdaTime();
  c.RevisionId = newRevision();
  c.LastUpdateStatus = 'InProgress';
  if (source.bucket) fn.codeSource = { bucket: source.bucket, key: source.key ?? '' };
  const response = structuredClone(c);
  becomeBusy(ctx, fn, { State: 'Active', LastUpdateStatus: 'Successful' });
  if (body.Publish === true) publishVersion(ctx, name, {});
  return json(200, response);
}

function publishVersion(ctx: LambdaContext, name: string, body: Record<string, unknown>): Reply {
  const fn = getFunction(ctx, name);
  if (isBusy(fn)) assertIdle(fn);
  if (body.CodeSha256 !== undefined && body.CodeSha256 !== fn.latest.CodeSha256)
    throw new AwsFault(
      412,
      'PreconditionFailedException',
      `CodeSHA256 (${String(body.CodeSha256)}) is different from current CodeSHA256 in $LATEST (${fn.latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
  const newest = [...fn.versions.values()].at(-1);
  if (newest && versionFingerprint(newest) === versionFingerprint(fn.latest))
    return json(201, structuredClone(newest));
  const number = String(fn.nextVersion++);
  const published: FunctionConfig = {
    ...structuredClone(fn.latest),
    Version: number,
    FunctionArn: `${fn.arn}:${number}`,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    RevisionId: newRevision(),
  };
  fn.versions.set(number, published);
  return json(201, structuredClone(published));
}

function deleteFunction(ctx: LambdaContext, name: string, qualifier: string | null): Reply {
  const fn = getFunction(ctx, name);
  if (!qualifier) {
    ctx.state.functions.delete(fn.name);
    return empty(204);
  }
  if (qualifier === '$LATEST' || fn.aliases.has(qualifier))
    throw new AwsFault(
      400,
      'InvalidParameterValueException',
      `Deletion of ${qualifier} is not allowed; delete the function or a version.`,
    );
  if (!fn.versions.has(qualifier))
    throw new AwsFault(404, 'ResourceNotFoundException', `Function not found: ${fn.arn}:${qualifier}`);
  const users = [...fn.aliases.values()].filter((a) => a.FunctionVersion === qualifier).map((a) => a.Name);
  if (users.length)
    throw new AwsFault(
      409,
      'ResourceConflictException',
      `Unable to delete version because the following aliases reference it: [${users.join(', ')}]`,
    );
  fn.versions.delete(qualifier);
  fn.policies.delete(qualifier);
  return empty(204);
}
