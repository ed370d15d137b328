import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  FixedAnswer,
  RuntimeApiConnection,
  type ApiRequest,
  type BodySink,
  type Reply,
} from './runtime-api-connection.js';
import { randomText, traceRoot } from './random-ids.js';
import { StreamedResponse } from './response-stream.js';
import type { LambdaError } from './lambda-error.js';

export type { LambdaError } from './lambda-error.js';

/** How one invocation ended, as the runtime reported it. */
export type InvocationOutcome =
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; error: LambdaError }
  /** The runtime began streaming the response; the stream says how it ends. */
  | { kind: 'stream'; stream: StreamedResponse };

export interface Invocation {
  requestId: string;
  /** Settles when the runtime posts the response or the error; never rejects. */
  outcome: Promise<InvocationOutcome>;
  /** Whether a runtime has taken the event off the queue. */
  delivered(): boolean;
}

export interface RuntimeApiHooks {
  /** The runtime asked for work: its init phase is over. Called on every poll. */
  onNext?: () => void;
  /** The runtime posted to /runtime/init/error. */
  onInitError?: (error: LambdaError) => void;
}

/** Lambda's limit for a synchronous response. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

const PREFIX = '/2018-06-01/runtime/';

interface Pending {
  requestId: string;
  body: string;
  deadlineMs: number;
  functionArn: string;
  traceId: string;
  delivered: boolean;
  resolve: (outcome: InvocationOutcome) => void;
  /** The response the runtime is streaming. */
  stream?: StreamedResponse;
}

/**
 * The Node side of the Lambda Runtime API for one runtime process: a queue of
 * invocations that `GET .../invocation/next` long-polls for, and the response
 * and error endpoints that settle them. One server per process, so a killed
 * runtime's half-open poll can never take the next process's work.
 */
export class RuntimeApiServer {
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private readonly waiters: Reply[] = [];
  private readonly open = new Set<RuntimeApiConnection>();
  private closed = false;
  private opened = 0;
  private pipelinedBefore = 0;
  initError: LambdaError | undefined;

  private constructor(
    private readonly server: Server,
    private readonly hooks: RuntimeApiHooks,
  ) {}

  /** Listens on 127.0.0.1 on an ephemeral port. */
  static async start(hooks: RuntimeApiHooks = {}): Promise<RuntimeApiServer> {
    const server = createServer();
    const api = new RuntimeApiServer(server, hooks);
    // The runtime keeps one connection for all its calls; it may sit idle for as long as a handler runs.
    server.on('connection', (socket: Socket) => {
      api.opened++;
      const connection = new RuntimeApiConnection(
        socket,
        MAX_RESPONSE_BYTES,
        (req, res) => {
          try {
            api.handle(req, res);
          } catch (error) {
            reply(res, 500, { errorType: 'ServiceException', errorMessage: String(error) });
          }
        },
        (head) => api.startStream(head.url, head.headers),
      );
      api.open.add(connection);
      socket.on('close', () => {
        api.pipelinedBefore += connection.pipelined;
        api.open.delete(connection);
        // A poll whose runtime went away never gets work.
        for (let i = api.waiters.length - 1; i >= 0; i--) if (!api.waiters[i]!.open) api.waiters.splice(i, 1);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return api;
  }

  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** Connections the runtime opened so far: one for all its calls while it keeps it alive. */
  get connections(): number {
    return this.opened;
  }

  /** Requests that came in the same read as the one before them: polls sent right behind a result. */
  get pipelined(): number {
    let count = this.pipelinedBefore;
    for (const connection of this.open) count += connection.pipelined;
    return count;
  }

  /** Closes connections between calls, as a server may; the runtime opens a new one. */
  closeIdleConnections(): void {
    for (const connection of this.open) if (connection.idle) connection.destroy();
  }

  /** Closes every connection, also one with a poll parked on it, as a restarted proxy would. */
  closeAllConnections(): void {
    for (const connection of this.open) connection.destroy();
  }

  /** Polls parked until work arrives. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Queues an event; the runtime receives it on its next poll. */
  enqueue(event: unknown, options: { deadlineMs: number; functionArn: string }): Invocation {
    const requestId = randomUUID();
    let resolve!: (outcome: InvocationOutcome) => void;
    const outcome = new Promise<InvocationOutcome>((r) => (resolve = r));
    const pending: Pending = {
      requestId,
      body: JSON.stringify(event ?? null),
      deadlineMs: options.deadlineMs,
      functionArn: options.functionArn,
      traceId: traceId(Date.now()),
      delivered: false,
      resolve,
    };
    this.queue.push(pending);
    this.dispatch();
    return { requestId, outcome, delivered: () => pending.delivered };
  }

  /** Forgets an invocation (timed out, runtime gone): later posts for it get a 400. */
  abandon(requestId: string): void {
    this.inFlight.delete(requestId);
    const i = this.queue.findIndex((p) => p.requestId === requestId);
    if (i >= 0) this.queue.splice(i, 1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.splice(0);
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.open) connection.destroy();
    await done;
  }

  private handle(req: ApiRequest, res: Reply): void {
    const url = req.url;
    if (!url.startsWith(PREFIX)) return reply(res, 404, notFound(url));
    const route = routeOf(url);

    if (req.method === 'GET' && route === 'invocation/next') {
      this.hooks.onNext?.();
      this.waiters.push(res);
      this.dispatch();
      return;
    }
    if (req.method !== 'POST') return reply(res, 405, notFound(url));

    if (route === 'init/error') {
      this.initError = parseError(req.body, req.headers.get('lambda-runtime-function-error-type'));
      reply(res, 202, { status: 'OK' });
      this.hooks.onInitError?.(this.initError);
      return;
    }
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(route);
    if (!match) return reply(res, 404, notFound(url));
    const pending = this.inFlight.get(requestIdOf(match[1]));
    if (!pending) {
      return reply(res, 400, {
        errorType: 'InvalidRequestID',
        errorMessage: `No invocation ${match[1]} is waiting for a result (timed out or already answered)`,
      });
    }
    if (pending.stream) return this.endStream(pending, pending.stream, match[2] === 'error', req, res);
    this.inFlight.delete(pending.requestId);
    if (req.truncated) {
      reply(res, 413, { errorType: 'RequestEntityTooLarge', errorMessage: 'Response payload too large' });
      pending.resolve({
        kind: 'error',
        error: {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        },
      });
      return;
    }
    // This 202 may wait for the next event when the runtime already polled for it (pipelined).
    res.sendFixed(ACCEPTED, true);
    if (match[2] === 'response') pending.resolve({ kind: 'response', body: req.body });
    else
      pending.resolve({
        kind: 'error',
        error: parseError(req.body, req.headers.get('lambda-runtime-function-error-type')),
      });
  }

  /**
   * A streamed response's head: the invocation's outcome is the stream, from now on (Lambda's
   * Runtime API, `Lambda-Runtime-Function-Response-Mode: streaming`). Undefined when no
   * invocation waits for it: the request is then read whole and refused as any other.
   */
  private startStream(url: string, headers: Map<string, string>): BodySink | undefined {
    const match = /^invocation\/([^/]+)\/response$/.exec(routeOf(url));
    const pending = url.startsWith(PREFIX) && match ? this.inFlight.get(requestIdOf(match[1])) : undefined;
    if (!pending || pending.stream) return undefined;
    const stream = new StreamedResponse(
      headers.get('content-type') ?? 'application/octet-stream',
      MAX_RESPONSE_BYTES,
      requestIdOf(match?.[1]),
    );
    pending.stream = stream;
    pending.resolve({ kind: 'stream', stream });
    return {
      write: (chunk) => stream.write(chunk),
      abort: () =>
        stream.end({
          errorType: 'Runtime.ExitError',
          errorMessage: 'The runtime closed the connection before the response stream ended',
        }),
    };
  }

  /**
   * The end of a streamed response (its error, if any, in the trailers), or an error the runtime
   * posted while streaming (an uncaught exception): either way the stream is over.
   */
  private endStream(
    pending: Pending,
    stream: StreamedResponse,
    posted: boolean,
    req: ApiRequest,
    res: Reply,
  ): void {
    if (!posted && req.sink === undefined) {
      // A second, unstreamed response for an invocation that streams.
      return reply(res, 400, {
        errorType: 'InvalidRequestID',
        errorMessage: 'The response is being streamed',
      });
    }
    this.inFlight.delete(pending.requestId);
    res.sendFixed(ACCEPTED);
    if (posted)
      return stream.end(parseError(req.body, req.headers.get('lambda-runtime-function-error-type')));
    const errorType = req.trailers?.['lambda-runtime-function-error-type'];
    if (!errorType) return stream.end();
    const body = Buffer.from(req.trailers?.['lambda-runtime-function-error-body'] ?? '', 'base64');
    stream.end(parseError(body, errorType));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.waiters.length > 0) {
      const res = this.waiters.shift()!;
      if (!res.open) continue;
      const pending = this.queue.shift()!;
      pending.delivered = true;
      this.inFlight.set(pending.requestId, pending);
      res.send(
        200,
        {
          'Content-Type': 'application/json',
          'Lambda-Runtime-Aws-Request-Id': pending.requestId,
          'Lambda-Runtime-Deadline-Ms': pending.deadlineMs,
          'Lambda-Runtime-Invoked-Function-Arn': pending.functionArn,
          'Lambda-Runtime-Trace-Id': pending.traceId,
        },
        pending.body,
      );
    }
  }
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
/** The answer to every result: made once, it is the same bytes each time. */
const ACCEPTED = new FixedAnswer(202, JSON_TYPE, Buffer.from(JSON.stringify({ status: 'OK' })));

/** The route under the Runtime API's prefix, without a query. */
function routeOf(url: string): string {
  const query = url.indexOf('?', PREFIX.length);
  return url.slice(PREFIX.length, query < 0 ? url.length : query);
}

/** A request id from the path; only an escaped one needs decoding. */
function requestIdOf(segment: string | undefined): string {
  return segment?.includes('%') ? decodeURIComponent(segment) : (segment ?? '');
}

function reply(res: Reply, status: number, body: unknown): void {
  res.send(status, JSON_TYPE, Buffer.from(JSON.stringify(body)));
}

function notFound(url: string): LambdaError {
  return { errorType: 'NotFound', errorMessage: `No Runtime API route for ${url}` };
}

/** A runtime's error document, tolerant of runtimes that post plain text or AWS Node's `trace`. */
export function parseError(body: Buffer, headerType?: string | string[]): LambdaError {
  const fallbackType = (Array.isArray(headerType) ? headerType[0] : headerType) || 'Unhandled';
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { errorType: fallbackType, errorMessage: body.toString('utf8') };
  }
  if (!doc || typeof doc !== 'object') return { errorType: fallbackType, errorMessage: String(doc) };
  const d = doc as Record<string, unknown>;
  const trace = Array.isArray(d.stackTrace) ? d.stackTrace : Array.isArray(d.trace) ? d.trace : undefined;
  return {
    errorType: typeof d.errorType === 'string' && d.errorType ? d.errorType : fallbackType,
    errorMessage: typeof d.errorMessage === 'string' ? d.errorMessage : JSON.stringify(d.errorMessage ?? ''),
    ...(trace ? { stackTrace: trace.map(String) } : {}),
  };
}

/** An X-Ray style trace header, so code that parses _X_AMZN_TRACE_ID finds one. */
function traceId(nowMs: number): string {
  return `${traceRoot(nowMs)};Parent=${randomText(8, 'hex')};Sampled=0`;
}
