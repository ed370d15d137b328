import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a runtime reports for a failed invocation or a failed init. */
export interface LambdaError {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

/** How one invocation ended, as the runtime reported it. */
export type InvocationOutcome = { kind: 'response'; body: Buffer } | { kind: 'error'; error: LambdaError };

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
  private readonly waiters: ServerResponse[] = [];
  private closed = false;
  private opened = 0;
  initError: LambdaError | undefined;

  private constructor(
    private readonly server: Server,
    private readonly hooks: RuntimeApiHooks,
  ) {}

  /** Listens on 127.0.0.1 on an ephemeral port. */
  static async start(hooks: RuntimeApiHooks = {}): Promise<RuntimeApiServer> {
    // The runtime keeps one connection for all its calls; it may sit idle for as long as a handler runs.
    const server = createServer({ keepAliveTimeout: 0 });
    const api = new RuntimeApiServer(server, hooks);
    server.on('connection', () => api.opened++);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      api.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) reply(res, 500, { errorType: 'ServiceException', errorMessage: String(error) });
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

  /** Closes connections between calls, as a server may; the runtime opens a new one. */
  closeIdleConnections(): void {
    this.server.closeIdleConnections();
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
    for (const waiter of this.waiters.splice(0)) waiter.destroy();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return reply(res, 404, notFound(url));
    const route = url.slice(PREFIX.length).split('?')[0] ?? '';

    if (req.method === 'GET' && route === 'invocation/next') {
      this.hooks.onNext?.();
      res.on('close', () => {
        const i = this.waiters.indexOf(res);
        if (i >= 0) this.waiters.splice(i, 1);
      });
      this.waiters.push(res);
      this.dispatch();
      return;
    }
    if (req.method !== 'POST') return reply(res, 405, notFound(url));

    const body = await readBody(req, MAX_RESPONSE_BYTES);
    if (route === 'init/error') {
      this.initError = parseError(body.data, req.headers['lambda-runtime-function-error-type']);
      reply(res, 202, { status: 'OK' });
      this.hooks.onInitError?.(this.initError);
      return;
    }
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(route);
    if (!match) return reply(res, 404, notFound(url));
    const pending = this.inFlight.get(decodeURIComponent(match[1] ?? ''));
    if (!pending) {
      return reply(res, 400, {
        errorType: 'InvalidRequestID',
        errorMessage: `No invocation ${match[1]} is waiting for a result (timed out or already answered)`,
      });
    }
    this.inFlight.delete(pending.requestId);
    if (body.truncated) {
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
    reply(res, 202, { status: 'OK' });
    if (match[2] === 'response') pending.resolve({ kind: 'response', body: body.data });
    else
      pending.resolve({
        kind: 'error',
        error: parseError(body.data, req.headers['lambda-runtime-function-error-type']),
      });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.waiters.length > 0) {
      const res = this.waiters.shift()!;
      if (res.destroyed || res.writableEnded) continue;
      const pending = this.queue.shift()!;
      pending.delivered = true;
      this.inFlight.set(pending.requestId, pending);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': pending.requestId,
        'Lambda-Runtime-Deadline-Ms': String(pending.deadlineMs),
        'Lambda-Runtime-Invoked-Function-Arn': pending.functionArn,
        'Lambda-Runtime-Trace-Id': pending.traceId,
      });
      res.end(pending.body);
    }
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function notFound(url: string): LambdaError {
  return { errorType: 'NotFound', errorMessage: `No Runtime API route for ${url}` };
}

/** Reads a body up to `limit` bytes; the rest is drained and dropped. */
async function readBody(req: IncomingMessage, limit: number): Promise<{ data: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) truncated = true;
    else chunks.push(chunk);
  }
  return { data: Buffer.concat(chunks), truncated };
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
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}
