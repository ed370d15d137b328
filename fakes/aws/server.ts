/**
 * The HTTP side of the fake: one server on 127.0.0.1 for every service.
 * A request is routed by the service of its SigV4 credential scope (the one
 * unsigned call, AssumeRoleWithWebIdentity, by its Action), must pass AWS's
 * checks of its signature (auth.ts: this region, the right service, a key the
 * account knows, an unexpired session token, a SigV4 signature made with the
 * key's secret), then goes through the faults, the service handler and the
 * call log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arn, newUuid } from './account.js';
import { authenticate, restServiceOf, serviceNamedBy, STATIC_USER } from './auth.js';
import type { CallLog } from './call-log.js';
import type { Clock, ServerClock } from './clock.js';
import { AwsFault, COMMON_ERRORS, fault, type ServiceName } from './errors.js';
import type { FaultRule, Faults } from './faults.js';
import type { Caller, ServiceContext, ServiceHandler } from './service.js';
import { apiGatewayFor } from './services/apigateway.js';
import { formOf } from './services/query.js';
import { layerBytes } from './services/lambda-attached.js';
import type { AccountState } from './state.js';
import { credentialScope, renderFault, type Protocol, type Reply, type WireRequest } from './wire.js';

export interface ServerParts {
  account: AccountState;
  clock: Clock;
  serverClock: ServerClock;
  faults: Faults;
  calls: CallLog;
  staticCredentials: { accessKeyId: string; secretAccessKey: string };
  /** 'any': accept every signed key (a test that builds its own clients); 'strict' (default): only known keys. */
  credentials: 'strict' | 'any';
  handlers: Partial<Record<string, ServiceHandler>>;
  /** Everything a handler needs besides the request, the caller and the url. */
  context: Omit<ServiceContext, 'caller' | 'requestId' | 'url'>;
}

/** The IAM action an operation needs, for AccessDenied messages. */
function iamAction(service: ServiceName, operation: string): string {
  const prefix: Record<ServiceName, string> = {
    lambda: 'lambda',
    iam: 'iam',
    sts: 'sts',
    s3: 's3',
    apiGateway: 'apigateway',
    apiGatewayV2: 'apigateway',
    logs: 'logs',
    events: 'events',
    tagging: 'tag',
  };
  const s3: Record<string, string> = {
    HeadBucket: 'ListBucket',
    HeadObject: 'GetObject',
    ListObjectsV2: 'ListBucket',
    UploadPart: 'PutObject',
    CreateMultipartUpload: 'PutObject',
    CompleteMultipartUpload: 'PutObject',
  };
  if (service === 's3') return `s3:${s3[operation] ?? operation}`;
  if (service === 'apiGateway' || service === 'apiGatewayV2') {
    const verb = /^(Get)/.test(operation)
      ? 'GET'
      : /^Delete/.test(operation)
        ? 'DELETE'
        : /^(Update)/.test(operation)
          ? 'PATCH'
          : /^Put/.test(operation)
            ? 'PUT'
            : 'POST';
    return `apigateway:${verb}`;
  }
  if (service === 'lambda' && operation === 'Invoke') return 'lambda:InvokeFunction';
  return `${prefix[service]}:${operation}`;
}

function resourceOf(service: ServiceName, input: Record<string, unknown>): string {
  if (service === 'lambda' && typeof input.FunctionName === 'string') return arn.function(input.FunctionName);
  if (service === 'iam' && typeof input.RoleName === 'string') return arn.role(input.RoleName);
  if (service === 's3' && typeof input.Bucket === 'string')
    return `arn:aws:s3:::${input.Bucket}${input.Key ? `/${String(input.Key)}` : ''}`;
  return '*';
}

function ruleFault(
  rule: FaultRule,
  service: ServiceName,
  operation: string,
  caller: Caller,
  input: Record<string, unknown>,
): AwsFault {
  const common = COMMON_ERRORS[service];
  if (rule.kind === 'throttle') {
    const retry = { headers: { 'retry-after': '1' } };
    if (service === 'lambda')
      return fault(service, common.throttle, 'Rate exceeded', {
        ...retry,
        fields: { Reason: 'CallerRateLimitExceeded' },
      });
    return fault(
      service,
      common.throttle,
      service === 's3' ? 'Please reduce your request rate.' : 'Rate exceeded',
      retry,
    );
  }
  if (rule.kind === 'deny') {
    const action = iamAction(service, operation);
    return fault(
      service,
      common.deny,
      `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resourceOf(service, input)} ${
        rule.explicit
          ? 'with an explicit deny in an identity-based policy'
          : `because no identity-based policy allows the ${action} action`
      }`,
    );
  }
  const code = rule.code ?? common.internal;
  return fault(
    service,
    code,
    rule.message ??
      (rule.kind === 'failAfter'
        ? 'We encountered an internal error. Please try again.'
        : `Injected ${code}`),
  );
}

/** Which handler a request is for, by its signature's scope or its REST path (or, unsigned, its STS Action). */
function handlerFor(parts: ServerParts, req: WireRequest): ServiceHandler | undefined {
  const scope = credentialScope(req.headers.authorization);
  if (scope) {
    // A Lambda or API Gateway path is for its service (AWS: the host), whatever the scope says,
    // which auth.ts then checks; S3 keeps its scope (a path-style bucket may be named anything).
    const service = scope.service === 's3' ? 's3' : (restServiceOf(req.segments) ?? scope.service);
    return service === 'apigateway' ? apiGatewayFor(req) : parts.handlers[service];
  }
  const action = new URLSearchParams(req.body.toString('utf8')).get('Action') ?? req.query.get('Action');
  return action === 'AssumeRoleWithWebIdentity' ? parts.handlers.sts : undefined;
}

/** The caller of a signed request, or AWS's refusal of it (auth.ts). */
function callerOf(parts: ServerParts, req: WireRequest, protocol: Protocol): Caller {
  const action = protocol === 'query' ? formOf(req).get('Action') : null;
  return authenticate(
    {
      staticCredentials: parts.staticCredentials,
      issued: parts.account.issued,
      clock: parts.clock,
      serverNow: () => parts.serverClock.now(),
      credentials: parts.credentials,
    },
    { method: req.method, rawPath: req.path, rawQuery: req.rawQuery, headers: req.headers, body: req.body },
    protocol,
    serviceNamedBy(protocol, String(req.headers['x-amz-target'] ?? ''), action, req.segments),
  );
}

async function parse(incoming: IncomingMessage): Promise<WireRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const parsed = new URL(incoming.url ?? '/', 'http://127.0.0.1');
  return {
    method: incoming.method ?? 'GET',
    path: parsed.pathname,
    segments: parsed.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s)),
    query: parsed.searchParams,
    rawQuery: parsed.search.replace(/^\?/, ''),
    headers: incoming.headers,
    body: Buffer.concat(chunks),
    accessKeyId: credentialScope(incoming.headers.authorization)?.accessKeyId ?? '',
  };
}

/** The fake's own URLs (what AWS would hand out as presigned S3 URLs): layer zips, with Range support. */
function ownUrl(parts: ServerParts, req: WireRequest): Reply | undefined {
  if (req.segments[0] !== '__fake') return undefined;
  const bytes =
    req.segments[1] === 'layers'
      ? layerBytes(parts, req.segments[2] ?? '', Number(req.segments[3]))
      : undefined;
  if (!bytes) return { status: 404, body: 'not found' };
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (!range) return { status: 200, headers: { 'content-length': String(bytes.length) }, body: bytes };
  const start = Number(range[1]);
  const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
  return {
    status: 206,
    headers: { 'content-range': `bytes ${start}-${end}/${bytes.length}` },
    body: bytes.subarray(start, end + 1),
  };
}

async function handle(
  parts: ServerParts,
  url: string,
  incoming: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const start = performance.now();
  // Every AWS answer is dated by the server's clock: the SDK corrects its own clock by it.
  res.setHeader('date', new Date(parts.serverClock.now()).toUTCString());
  const req = await parse(incoming);
  const own = ownUrl(parts, req);
  if (own) {
    res.writeHead(own.status, own.headers);
    res.end(own.body);
    return;
  }
  parts.clock.onRequest();
  const at = parts.clock.now();
  const requestId = newUuid();
  const handler = handlerFor(parts, req);
  if (!handler) {
    parts.calls.add({
      service: 'unknown',
      operation: 'Unknown',
      input: {},
      at,
      status: 400,
      error: 'UnknownService',
      accessKeyId: req.accessKeyId,
      wall: { start, end: performance.now() },
    });
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`The fake AWS does not know this request: ${req.method} ${req.path}`);
    return;
  }
  let reply: Reply | undefined;
  let caller: Caller = { accessKeyId: req.accessKeyId, ...STATIC_USER };
  let error: string | undefined;
  let ruleKind: FaultRule['kind'] | undefined;
  let reset = false;
  // Routing needs the caller only for GetCallerIdentity; resolve it first so auth errors win.
  let operation = {
    name: 'Unknown',
    input: {} as Record<string, unknown>,
    run: (): Reply => ({ status: 500 }),
  } as ReturnType<ServiceHandler['route']>;
  try {
    caller = callerOf(parts, req, handler.protocol);
    const ctx: ServiceContext = { ...parts.context, caller, requestId, url };
    operation = handler.route(req, ctx);
    const latency = parts.faults.latencyFor(handler.name, operation.name);
    if (latency.ms) {
      parts.clock.advance(latency.ms);
      if (latency.real) await new Promise((resolve) => setTimeout(resolve, latency.ms));
    }
    const before = parts.faults.take(
      handler.name,
      operation.name,
      ['deny', 'throttle', 'fail', 'answer'],
      operation.input,
    );
    if (before?.kind === 'answer') {
      ruleKind = before.kind;
      if (handler.protocol !== 'rest-json' && handler.protocol !== 'json-1.1')
        throw new Error(`faults.answer() needs a JSON service; ${handler.name} is not one`);
      reply = {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(before.body),
      };
    } else if (before) {
      ruleKind = before.kind;
      throw ruleFault(before, handler.name, operation.name, caller, operation.input);
    } else reply = await operation.run();
    const after = parts.faults.take(handler.name, operation.name, ['failAfter']);
    if (after) {
      ruleKind = after.kind;
      if (after.reset) reset = true;
      else throw ruleFault(after, handler.name, operation.name, caller, operation.input);
    }
  } catch (e) {
    const f =
      e instanceof AwsFault
        ? e
        : new AwsFault(
            500,
            COMMON_ERRORS[handler.name].internal,
            `The fake AWS failed: ${(e as Error).stack ?? String(e)}`,
          );
    error = f.code;
    reply = renderFault(handler.protocol, f, req.method, requestId);
  }
  parts.calls.add({
    service: handler.name,
    operation: operation.name,
    input: operation.input,
    at,
    status: reset ? 0 : (reply?.status ?? 500),
    ...(error ? { error } : {}),
    ...(ruleKind ? { fault: ruleKind } : {}),
    accessKeyId: req.accessKeyId,
    wall: { start, end: performance.now() },
  });
  if (reset) {
    res.socket?.destroy();
    return;
  }
  const r = reply as Reply;
  res.writeHead(r.status, { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId, ...r.headers });
  res.end(req.method === 'HEAD' ? undefined : r.body);
}

export async function listen(parts: ServerParts, port = 0): Promise<{ url: string; server: Server }> {
  let url = '';
  const server = createServer((incoming, res) => {
    handle(parts, url, incoming, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server };
}
