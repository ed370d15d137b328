/**
 * Lambda (REST-JSON): functions, their versions and aliases, tags. Resource
 * policies, function URLs, provisioned concurrency, Invoke and layers are in
 * lambda-attached.ts; the rules (states, refusals) in lambda-model.ts.
 */
import { arn, newUuid, type Tags } from '../account.js';
import { fault } from '../errors.js';
import { paginate } from '../pagination.js';
import {
  loggableBody,
  matchRoute,
  type RestCall,
  type RestRoute,
  type ServiceContext,
  type ServiceHandler,
} from '../service.js';
import type { FunctionConfig, LambdaFunction } from '../state.js';
import { empty, json, type Reply, type WireRequest } from '../wire.js';
import { attachedRoutes } from './lambda-attached.js';
import {
  assertIdle,
  checkEnvironment,
  checkFunctionName,
  checkLayers,
  checkPackage,
  checkRole,
  checkRuntime,
  checkSizes,
  ephemeralSize,
  getFunction,
  lambdaTime,
  notFound,
  observe,
  parseFunctionName,
  readCode,
  sha256,
  startChange,
  versionFingerprint,
} from './lambda-model.js';

const invalid = (message: string) => fault('lambda', 'InvalidParameterValueException', message);
const precondition = (what: string) =>
  fault(
    'lambda',
    'PreconditionFailedException',
    `The Revision Id provided does not match the latest Revision Id. Call the ${what} API to retrieve the latest Revision Id`,
  );

/** The configuration a qualifier names: $LATEST (observed now), a version, or an alias's version. */
export function configFor(
  ctx: ServiceContext,
  fn: LambdaFunction,
  qualifier: string | null | undefined,
): FunctionConfig {
  if (!qualifier || qualifier === '$LATEST') return observe(fn, ctx.clock.now());
  const alias = fn.aliases.get(qualifier);
  const versionName = alias ? alias.FunctionVersion : qualifier;
  if (versionName === '$LATEST')
    return { ...observe(fn, ctx.clock.now()), FunctionArn: `${fn.arn}:${qualifier}` };
  const version = fn.versions.get(versionName);
  if (!version) throw notFound(fn.name, qualifier);
  const ready = ctx.clock.now() >= version.readyAt;
  return {
    ...structuredClone(version.config),
    FunctionArn: `${fn.arn}:${qualifier}`,
    State: ready ? 'Active' : 'Pending',
    ...(ready ? {} : { StateReason: 'The function is being created.', StateReasonCode: 'Creating' }),
    LastUpdateStatus: 'Successful',
  };
}

function createFunction(ctx: ServiceContext, body: Record<string, unknown>): Reply {
  const { name } = parseFunctionName(String(body.FunctionName ?? ''));
  checkFunctionName(name);
  checkSizes(body);
  const packageType = String(body.PackageType ?? 'Zip');
  if (packageType === 'Zip' && (body.Runtime === undefined || body.Handler === undefined))
    throw invalid(
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    );
  checkRuntime(body.Runtime);
  const role = checkRole(ctx, body.Role);
  const layers = checkLayers(ctx, body.Layers);
  const variables = checkEnvironment(body.Environment);
  const code = readCode(ctx, (body.Code ?? {}) as Record<string, unknown>);
  checkPackage(
    code.bytes,
    layers.reduce((sum, l) => sum + l.unzipped, 0),
  );
  if (ctx.account.functions.has(name))
    throw fault('lambda', 'ResourceConflictException', `Function already exist: ${name}`);
  const fnArn = arn.function(name);
  const fn: LambdaFunction = {
    name,
    arn: fnArn,
    latest: {
      FunctionName: name,
      FunctionArn: fnArn,
      ...(body.Runtime !== undefined ? { Runtime: String(body.Runtime) } : {}),
      Role: role,
      ...(body.Handler !== undefined ? { Handler: String(body.Handler) } : {}),
      CodeSize: code.bytes.length,
      Description: String(body.Description ?? ''),
      Timeout: Number(body.Timeout ?? 3),
      MemorySize: Number(body.MemorySize ?? 128),
      LastModified: lambdaTime(ctx.clock.now()),
      CodeSha256: sha256(code.bytes),
      Version: '$LATEST',
      // Lambda leaves Environment out when no variables are set.
      ...(variables && Object.keys(variables).length ? { Environment: { Variables: { ...variables } } } : {}),
      ...(layers.length ? { Layers: layers.map(({ Arn, CodeSize }) => ({ Arn, CodeSize })) } : {}),
      EphemeralStorage: { Size: ephemeralSize(body) ?? 512 },
      Architectures: Array.isArray(body.Architectures) ? body.Architectures.map(String) : ['x86_64'],
      PackageType: packageType as 'Zip',
      LoggingConfig: loggingConfig(body, { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` }),
      RevisionId: newUuid(),
    },
    tags: { ...((body.Tags ?? {}) as Tags) },
    versions: new Map(),
    nextVersion: 1,
    aliases: new Map(),
    policies: new Map(),
    urls: new Map(),
    provisioned: new Map(),
    codeSource: code.source,
  };
  ctx.account.functions.set(name, fn);
  startChange(ctx, fn, 'create');
  const response = observe(fn, ctx.clock.now());
  if (body.Publish === true) publish(ctx, fn, {});
  return json(201, response);
}

/** LoggingConfig of a create or update body over what the function had (its group, its format). */
function loggingConfig(
  body: Record<string, unknown>,
  had: { LogFormat: string; LogGroup: string },
): { LogFormat: string; LogGroup: string } {
  const asked = (body.LoggingConfig ?? {}) as { LogFormat?: unknown; LogGroup?: unknown };
  return {
    LogFormat: asked.LogFormat !== undefined ? String(asked.LogFormat) : had.LogFormat,
    LogGroup: asked.LogGroup !== undefined ? String(asked.LogGroup) : had.LogGroup,
  };
}

function checkRevision(fn: LambdaFunction, body: Record<string, unknown>): void {
  if (body.RevisionId !== undefined && body.RevisionId !== fn.latest.RevisionId)
    throw precondition('GetFunction');
}

function updateConfiguration(ctx: ServiceContext, fn: LambdaFunction, body: Record<string, unknown>): Reply {
  assertIdle(fn, ctx.clock.now());
  checkRevision(fn, body);
  checkSizes(body);
  checkRuntime(body.Runtime);
  const c = fn.latest;
  const role = body.Role !== undefined ? checkRole(ctx, body.Role) : undefined;
  const layers = body.Layers !== undefined ? checkLayers(ctx, body.Layers) : undefined;
  const variables = checkEnvironment(body.Environment);
  if (body.Runtime !== undefined) c.Runtime = String(body.Runtime);
  if (body.Handler !== undefined) c.Handler = String(body.Handler);
  if (body.MemorySize !== undefined) c.MemorySize = Number(body.MemorySize);
  if (body.Timeout !== undefined) c.Timeout = Number(body.Timeout);
  const storage = ephemeralSize(body);
  if (storage !== undefined) c.EphemeralStorage = { Size: storage };
  if (role !== undefined) c.Role = role;
  if (body.Description !== undefined) c.Description = String(body.Description);
  if (layers !== undefined) {
    if (layers.length) c.Layers = layers.map(({ Arn, CodeSize }) => ({ Arn, CodeSize }));
    else delete c.Layers;
  }
  if (variables !== undefined) {
    if (Object.keys(variables).length) c.Environment = { Variables: { ...variables } };
    else delete c.Environment;
  }
  if (body.LoggingConfig !== undefined)
    c.LoggingConfig = loggingConfig(
      body,
      c.LoggingConfig ?? { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
    );
  c.LastModified = lambdaTime(ctx.clock.now());
  c.RevisionId = newUuid();
  startChange(ctx, fn, 'update');
  return json(200, observe(fn, ctx.clock.now()));
}

function updateCode(ctx: ServiceContext, fn: LambdaFunction, body: Record<string, unknown>): Reply {
  assertIdle(fn, ctx.clock.now());
  checkRevision(fn, body);
  const code = readCode(ctx, body);
  const layersUnzipped = checkLayers(
    ctx,
    (fn.latest.Layers ?? []).map((l) => l.Arn),
  ).reduce((s, l) => s + l.unzipped, 0);
  checkPackage(code.bytes, layersUnzipped);
  const c = fn.latest;
  c.CodeSha256 = sha256(code.bytes);
  c.CodeSize = code.bytes.length;
  if (Array.isArray(body.Architectures)) c.Architectures = body.Architectures.map(String);
  c.LastModified = lambdaTime(ctx.clock.now());
  c.RevisionId = newUuid();
  fn.codeSource = code.source;
  startChange(ctx, fn, 'update');
  const response = observe(fn, ctx.clock.now());
  if (body.Publish === true) publish(ctx, fn, {});
  return json(200, response);
}

function publish(ctx: ServiceContext, fn: LambdaFunction, body: Record<string, unknown>): FunctionConfig {
  assertIdle(fn, ctx.clock.now());
  checkRevision(fn, body);
  if (body.CodeSha256 !== undefined && body.CodeSha256 !== fn.latest.CodeSha256)
    throw fault(
      'lambda',
      'PreconditionFailedException',
      `CodeSHA256 (${String(body.CodeSha256)}) is different from current CodeSHA256 in $LATEST (${fn.latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
  // Lambda publishes nothing new when $LATEST equals the newest version: it returns that one.
  const newest = [...fn.versions.entries()].at(-1);
  if (newest && versionFingerprint(newest[1].config) === versionFingerprint(fn.latest))
    return configFor(ctx, fn, newest[0]);
  const number = String(fn.nextVersion++);
  fn.versions.set(number, {
    config: {
      ...structuredClone(fn.latest),
      Version: number,
      FunctionArn: `${fn.arn}:${number}`,
      RevisionId: newUuid(),
    },
    readyAt: ctx.clock.now() + ctx.timings.versionPublishMs,
  });
  return configFor(ctx, fn, number);
}

function deleteFunction(ctx: ServiceContext, fn: LambdaFunction, qualifier: string | null): Reply {
  if (!qualifier) {
    ctx.account.functions.delete(fn.name);
    return empty(204);
  }
  if (qualifier === '$LATEST' || fn.aliases.has(qualifier))
    throw invalid(`Deletion of ${qualifier} is not allowed; delete the function or a version.`);
  if (!fn.versions.has(qualifier)) throw notFound(fn.name, qualifier);
  const users = [...fn.aliases.values()].filter((a) => a.FunctionVersion === qualifier).map((a) => a.Name);
  if (users.length)
    throw fault(
      'lambda',
      'ResourceConflictException',
      `Unable to delete version because the following aliases reference it: [${users.join(', ')}]`,
    );
  fn.versions.delete(qualifier);
  fn.policies.delete(qualifier);
  fn.provisioned.delete(qualifier);
  return empty(204);
}

// ---- aliases

const ALIAS_NAME = /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/;

function aliasJson(fn: LambdaFunction, name: string) {
  const alias = fn.aliases.get(name);
  if (!alias) throw fault('lambda', 'ResourceNotFoundException', `Cannot find alias arn: ${fn.arn}:${name}`);
  return { AliasArn: `${fn.arn}:${name}`, ...alias };
}

function requireVersion(fn: LambdaFunction, version: string): void {
  if (version !== '$LATEST' && !fn.versions.has(version)) throw notFound(fn.name, version);
}

/**
 * A request's RoutingConfig as Lambda stores it: undefined when the request
 * has none (UpdateAlias then keeps the alias's), null when it clears it (an
 * empty AdditionalVersionWeights). Weighted versions must be published ones.
 */
function routingOf(fn: LambdaFunction, body: Record<string, unknown>, primary: string) {
  const routing = body.RoutingConfig as { AdditionalVersionWeights?: Record<string, number> } | undefined;
  if (routing === undefined) return undefined;
  const weights = routing.AdditionalVersionWeights ?? {};
  if (!Object.keys(weights).length) return null;
  if (primary === '$LATEST')
    throw invalid('$LATEST is not supported for an alias pointing to more than 1 version');
  for (const [version, weight] of Object.entries(weights)) {
    if (!/^\d+$/.test(version) || !fn.versions.has(version)) throw notFound(fn.name, version);
    if (!(weight >= 0 && weight <= 1)) throw invalid(`Invalid weight ${weight}: must be between 0.0 and 1.0`);
  }
  return { AdditionalVersionWeights: { ...weights } };
}

function createAlias(fn: LambdaFunction, body: Record<string, unknown>): Reply {
  const name = String(body.Name ?? '');
  if (!ALIAS_NAME.test(name))
    throw invalid(
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`,
    );
  if (fn.aliases.has(name))
    throw fault('lambda', 'ResourceConflictException', `Alias already exists: ${fn.arn}:${name}`);
  requireVersion(fn, String(body.FunctionVersion ?? ''));
  const routing = routingOf(fn, body, String(body.FunctionVersion));
  fn.aliases.set(name, {
    Name: name,
    FunctionVersion: String(body.FunctionVersion),
    Description: String(body.Description ?? ''),
    RevisionId: newUuid(),
    ...(routing && { RoutingConfig: routing }),
  });
  return json(201, aliasJson(fn, name));
}

function updateAlias(
  ctx: ServiceContext,
  fn: LambdaFunction,
  name: string,
  body: Record<string, unknown>,
): Reply {
  const alias = fn.aliases.get(name);
  if (!alias) throw fault('lambda', 'ResourceNotFoundException', `Cannot find alias arn: ${fn.arn}:${name}`);
  if (body.RevisionId !== undefined && body.RevisionId !== alias.RevisionId) throw precondition('GetAlias');
  const primary = body.FunctionVersion !== undefined ? String(body.FunctionVersion) : alias.FunctionVersion;
  requireVersion(fn, primary);
  // Lambda keeps the weights when the request names none, and checks them against the new primary.
  const routing = routingOf(
    fn,
    body.RoutingConfig === undefined ? { RoutingConfig: alias.RoutingConfig } : body,
    primary,
  );
  const moved = alias.FunctionVersion !== primary;
  alias.FunctionVersion = primary;
  // Lambda provisions the alias's concurrency again for the version it now points at.
  const pc = fn.provisioned.get(name);
  if (moved && pc) pc.readyAt = ctx.clock.now() + ctx.timings.provisionedConcurrencyMs;
  if (body.Description !== undefined) alias.Description = String(body.Description);
  if (routing) alias.RoutingConfig = routing;
  else delete alias.RoutingConfig;
  alias.RevisionId = newUuid();
  return json(200, aliasJson(fn, name));
}

// ---- tags (by the function's unqualified ARN)

function taggedFunction(ctx: ServiceContext, resource: string): LambdaFunction {
  const { name, qualifier } = parseFunctionName(resource);
  if (qualifier)
    throw invalid('Tags on function aliases and versions are not supported. Please specify a function ARN.');
  return getFunction(ctx, name);
}

function routes(ctx: ServiceContext): RestRoute[] {
  const fnOf = (c: RestCall) => getFunction(ctx, c.params.FunctionName as string);
  const page = <T>(items: T[], c: RestCall, listing: string) =>
    paginate(items, {
      listing,
      token: c.query.get('Marker'),
      requested: c.query.get('MaxItems'),
      limits: { defaultSize: 50, maxSize: 10_000 },
      cap: ctx.pageSize,
      invalidToken: invalid,
    });
  const F = '/2015-03-31/functions';
  return [
    { method: 'POST', path: F, op: 'CreateFunction', run: (c) => createFunction(ctx, c.body()) },
    {
      method: 'GET',
      path: F,
      op: 'ListFunctions',
      run: (c) => {
        const all = [...ctx.account.functions.values()].map((fn) => observe(fn, ctx.clock.now()));
        const p = page(all, c, 'ListFunctions');
        return json(200, { Functions: p.items, ...(p.next ? { NextMarker: p.next } : {}) });
      },
    },
    {
      method: 'GET',
      path: `${F}/{FunctionName}`,
      op: 'GetFunction',
      run: (c) => {
        const fn = fnOf(c);
        return json(200, {
          Configuration: configFor(
            ctx,
            fn,
            c.query.get('Qualifier') ?? parseFunctionName(c.params.FunctionName as string).qualifier,
          ),
          Code: { RepositoryType: 'S3', Location: `${ctx.url}/__fake/lambda-code/${fn.name}` },
          ...(Object.keys(fn.tags).length ? { Tags: { ...fn.tags } } : {}),
        });
      },
    },
    {
      method: 'DELETE',
      path: `${F}/{FunctionName}`,
      op: 'DeleteFunction',
      run: (c) => deleteFunction(ctx, fnOf(c), c.query.get('Qualifier')),
    },
    {
      method: 'GET',
      path: `${F}/{FunctionName}/configuration`,
      op: 'GetFunctionConfiguration',
      run: (c) => json(200, configFor(ctx, fnOf(c), c.query.get('Qualifier'))),
    },
    {
      method: 'PUT',
      path: `${F}/{FunctionName}/configuration`,
      op: 'UpdateFunctionConfiguration',
      run: (c) => updateConfiguration(ctx, fnOf(c), c.body()),
    },
    {
      method: 'PUT',
      path: `${F}/{FunctionName}/code`,
      op: 'UpdateFunctionCode',
      run: (c) => updateCode(ctx, fnOf(c), c.body()),
    },
    {
      method: 'POST',
      path: `${F}/{FunctionName}/versions`,
      op: 'PublishVersion',
      run: (c) => json(201, publish(ctx, fnOf(c), c.body())),
    },
    {
      method: 'GET',
      path: `${F}/{FunctionName}/versions`,
      op: 'ListVersionsByFunction',
      run: (c) => {
        const fn = fnOf(c);
        const all = [
          observe(fn, ctx.clock.now()),
          ...[...fn.versions.keys()].map((v) => configFor(ctx, fn, v)),
        ];
        const p = page(all, c, `ListVersionsByFunction:${fn.name}`);
        return json(200, { Versions: p.items, ...(p.next ? { NextMarker: p.next } : {}) });
      },
    },
    {
      method: 'POST',
      path: `${F}/{FunctionName}/aliases`,
      op: 'CreateAlias',
      run: (c) => createAlias(fnOf(c), c.body()),
    },
    {
      method: 'GET',
      path: `${F}/{FunctionName}/aliases`,
      op: 'ListAliases',
      run: (c) => {
        const fn = fnOf(c);
        const p = page(
          [...fn.aliases.keys()].map((n) => aliasJson(fn, n)),
          c,
          `ListAliases:${fn.name}`,
        );
        return json(200, { Aliases: p.items, ...(p.next ? { NextMarker: p.next } : {}) });
      },
    },
    {
      method: 'GET',
      path: `${F}/{FunctionName}/aliases/{Name}`,
      op: 'GetAlias',
      run: (c) => json(200, aliasJson(fnOf(c), c.params.Name as string)),
    },
    {
      method: 'PUT',
      path: `${F}/{FunctionName}/aliases/{Name}`,
      op: 'UpdateAlias',
      run: (c) => updateAlias(ctx, fnOf(c), c.params.Name as string, c.body()),
    },
    {
      method: 'DELETE',
      path: `${F}/{FunctionName}/aliases/{Name}`,
      op: 'DeleteAlias',
      run: (c) => {
        const fn = fnOf(c);
        fn.aliases.delete(c.params.Name as string);
        fn.policies.delete(c.params.Name as string);
        fn.urls.delete(c.params.Name as string);
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/2017-03-31/tags/{Resource}',
      op: 'TagResource',
      run: (c) => {
        Object.assign(taggedFunction(ctx, c.params.Resource as string).tags, (c.body().Tags ?? {}) as Tags);
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: '/2017-03-31/tags/{Resource}',
      op: 'ListTags',
      run: (c) => json(200, { Tags: { ...taggedFunction(ctx, c.params.Resource as string).tags } }),
    },
    {
      method: 'DELETE',
      path: '/2017-03-31/tags/{Resource}',
      op: 'UntagResource',
      run: (c) => {
        const fn = taggedFunction(ctx, c.params.Resource as string);
        for (const key of c.query.getAll('tagKeys')) delete fn.tags[key];
        return empty(204);
      },
    },
    ...attachedRoutes(ctx, configFor),
  ];
}

/** Invoke's members that travel as headers (InvocationType, LogType), and the payload's size only. */
function invokeInput(req: WireRequest): Record<string, unknown> {
  const type = req.headers['x-amz-invocation-type'];
  const logType = req.headers['x-amz-log-type'];
  return {
    ...(type ? { InvocationType: type } : {}),
    ...(logType ? { LogType: logType } : {}),
    Payload: `<${req.body.length} bytes>`,
  };
}

export const lambdaService: ServiceHandler = {
  name: 'lambda',
  protocol: 'rest-json',
  route(req, ctx) {
    const found = matchRoute(routes(ctx), req);
    const params = found?.call.params ?? {};
    const input: Record<string, unknown> = {
      ...params,
      ...(params.FunctionName ? { FunctionName: parseFunctionName(params.FunctionName).name } : {}),
      ...Object.fromEntries(req.query),
      ...(found?.route.op === 'Invoke' ? invokeInput(req) : loggableBody(req)),
    };
    if (!found)
      return {
        name: 'Unknown',
        input,
        run: () => {
          throw fault(
            'lambda',
            'UnknownOperationException',
            `The fake AWS does not model Lambda ${req.method} ${req.path}`,
          );
        },
      };
    return { name: found.route.op, input, run: () => found.route.run(found.call) };
  },
};
