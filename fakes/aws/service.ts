/**
 * What every service handler gets and gives: the context of one request, the
 * routed operation, and a small table router for the REST protocols.
 */
import type { Clock } from './clock.js';
import type { ServiceName } from './errors.js';
import type { AccountState, FunctionConfig } from './state.js';
import { parseJsonBody, type Protocol, type Reply, type WireRequest } from './wire.js';

/** How long things take in the modelled account (simulated ms). */
export interface Timings {
  /** CreateFunction: State Pending, then Active. */
  functionCreateMs: number;
  /** UpdateFunctionCode / UpdateFunctionConfiguration: LastUpdateStatus InProgress, then Successful. */
  functionUpdateMs: number;
  /** PublishVersion: the new version's State Pending, then Active. */
  versionPublishMs: number;
  /** A new IAM role cannot be assumed by Lambda for this long after CreateRole (or UpdateAssumeRolePolicy). */
  rolePropagationMs: number;
  /** PutProvisionedConcurrencyConfig: IN_PROGRESS, then READY. */
  provisionedConcurrencyMs: number;
  /** DeleteRestApi: at most one per this long per account (AWS: 30 s); 0 turns the limit off. */
  restApiDeleteIntervalMs: number;
}

export const DEFAULT_TIMINGS: Timings = {
  functionCreateMs: 2_000,
  functionUpdateMs: 1_000,
  versionPublishMs: 0,
  rolePropagationMs: 8_000,
  provisionedConcurrencyMs: 10_000,
  restApiDeleteIntervalMs: 0,
};

/** Who made the request. */
export interface Caller {
  accessKeyId: string;
  /** The IAM ARN of the identity: the static user or an assumed-role session. */
  arn: string;
  userId: string;
}

/** What a Lambda Invoke runs: the function as configured, the payload, the qualifier resolved to a version. */
export type InvokeHandler = (invocation: {
  functionName: string;
  version: string;
  config: Readonly<FunctionConfig>;
  payload: string;
}) =>
  | { payload: string; functionError?: string; logTail?: string }
  | Promise<{ payload: string; functionError?: string; logTail?: string }>;

export interface ServiceContext {
  account: AccountState;
  clock: Clock;
  timings: Timings;
  /** Caps the size of every page the fake hands out (0: the services' own limits). */
  pageSize: number;
  /** http://127.0.0.1:PORT, for URLs the fake serves itself (layer downloads). */
  url: string;
  caller: Caller;
  requestId: string;
  /** The ApiEndpoint of a new HTTP API or the invoke URL of a REST API. */
  endpointFor(api: {
    kind: 'http-api' | 'rest-api';
    id: string;
    name: string;
    tags: Record<string, string>;
  }): string;
  newApiKeyValue(): string;
  invoke: InvokeHandler;
  /** Function-level faults: the next create or update of a function ends Failed. */
  takeChangeFailure(
    functionName: string,
    kind: 'create' | 'update',
  ): { reason: string; code: string } | undefined;
}

export interface Operation {
  name: string;
  /** The parameters by SDK member names, for the call log (no payloads, no secrets). */
  input: Record<string, unknown>;
  run(): Reply | Promise<Reply>;
}

export interface ServiceHandler {
  name: ServiceName;
  protocol: Protocol;
  route(req: WireRequest, ctx: ServiceContext): Operation;
}

/** One REST operation: method, path template (`{Label}` segments), and its handler. */
export interface RestRoute {
  method: string;
  path: string;
  /** Query parameters that must be present with this value (`find=LayerVersion`). */
  queryIs?: Record<string, string>;
  op: string;
  run: (call: RestCall) => Reply | Promise<Reply>;
}

export interface RestCall {
  /** Path labels, decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body (parsed on first use). */
  body: () => Record<string, unknown>;
  req: WireRequest;
}

/** Finds the route of a request; `undefined` when none matches. */
export function matchRoute(
  routes: readonly RestRoute[],
  req: WireRequest,
): { route: RestRoute; call: RestCall } | undefined {
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const template = route.path.split('/').filter(Boolean);
    if (template.length !== req.segments.length) continue;
    const params: Record<string, string> = {};
    const ok = template.every((part, i) => {
      const label = /^\{(\w+)\}$/.exec(part);
      if (label) {
        params[label[1] as string] = req.segments[i] as string;
        return true;
      }
      return part === req.segments[i];
    });
    if (!ok) continue;
    if (route.queryIs && !Object.entries(route.queryIs).every(([k, v]) => req.query.get(k) === v)) continue;
    let parsed: Record<string, unknown> | undefined;
    return {
      route,
      call: {
        params,
        query: req.query,
        body: () => (parsed ??= parseJsonBody(req.body)),
        req,
      },
    };
  }
  return undefined;
}

/** The request's JSON body for the log, with blobs and secrets summarised. */
export function loggableBody(req: WireRequest): Record<string, unknown> {
  if (!req.body.length) return {};
  try {
    const body = JSON.parse(req.body.toString('utf8')) as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
    return summarise(body as Record<string, unknown>);
  } catch {
    return { Body: `<${req.body.length} bytes>` };
  }
}

function summarise(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'ZipFile' && typeof v === 'string') out[k] = `<${v.length} base64 characters>`;
    else if (v && typeof v === 'object' && !Array.isArray(v))
      out[k] = summarise(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}
