import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** One request of a runtime, its body read whole (up to the limit). */
export interface ApiRequest {
  method: string;
  /** The request target, e.g. `/2018-06-01/runtime/invocation/next`. */
  url: string;
  /** Lower-case names; repeated headers joined with `, `. A Map: names from the wire need no interning as keys. */
  headers: Map<string, string>;
  body: Buffer;
  /** The body was longer than the limit: `body` holds its start only. */
  truncated: boolean;
  /** A streamed body went to this sink as it arrived (`body` is then empty). */
  sink?: BodySink;
  /** The chunked body's trailers, lower-case names. */
  trailers?: Record<string, string>;
}

/** Takes a streamed request's body as it arrives. */
export interface BodySink {
  write(chunk: Buffer): void;
  /** The connection closed before the body ended. */
  abort(): void;
}

/** Decides, from its head, whether a request's body is streamed to a sink rather than read whole. */
export type StreamStart = (head: Pick<ApiRequest, 'method' | 'url' | 'headers'>) => BodySink | undefined;

/** The answer to one request; sent once it and every answer before it on the connection are ready. */
export class Reply {
  /** The bytes of the answer, once known. */
  data: Buffer | undefined;
  /** A 202 that may wait for the next answer on the connection, to go out in the same write. */
  holdable = false;

  constructor(private readonly connection: RuntimeApiConnection) {}

  /** The runtime can still get this answer: not sent yet, connection open. */
  get open(): boolean {
    return this.data === undefined && !this.connection.closed;
  }

  /** `body` as a string is sent UTF-8 encoded. */
  send(
    status: number,
    headers: Record<string, string | number>,
    body: Buffer | string,
    holdable = false,
  ): void {
    if (!this.open) return;
    this.ready(answerBytes(status, headers, body, this.connection.closesAfter(this)), holdable);
  }

  /** An answer whose bytes were made once, for a request answered the same way every time. */
  sendFixed(answer: FixedAnswer, holdable = false): void {
    if (!this.open) return;
    this.ready(this.connection.closesAfter(this) ? answer.closing : answer.kept, holdable);
  }

  private ready(data: Buffer, holdable: boolean): void {
    this.data = data;
    this.holdable = holdable;
    this.connection.flush();
  }
}

/** The bytes of an answer the Runtime API gives often (the 202 to every result), made once. */
export class FixedAnswer {
  readonly kept: Buffer;
  /** The same, ending the connection. */
  readonly closing: Buffer;

  constructor(status: number, headers: Record<string, string | number>, body: Buffer) {
    this.kept = answerBytes(status, headers, body, false);
    this.closing = answerBytes(status, headers, body, true);
  }
}

/** Status line, headers and body in one buffer: one allocation, one copy of the body. */
function answerBytes(
  status: number,
  headers: Record<string, string | number>,
  body: Buffer | string,
  closes: boolean,
): Buffer {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const name in headers) {
    const value = String(headers[name]);
    head += `${name}: ${/[\r\n]/.test(value) ? value.replace(/[\r\n]/g, ' ') : value}\r\n`;
  }
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  head += `Content-Length: ${length}\r\n${closes ? 'Connection: close\r\n' : ''}\r\n`;
  // The head is latin1, one byte a character (header values are ids and numbers).
  const data = Buffer.allocUnsafe(head.length + length);
  data.write(head, 0, 'latin1');
  if (typeof body === 'string') data.write(body, head.length, 'utf8');
  else body.copy(data, head.length);
  return data;
}

/**
 * A request line's first three words, as `line.split(' ')` would give them: by index, not by
 * destructuring split's array (an iterator over it: a third of the time of reading a head).
 */
function requestLine(line: string): { method: string; url?: string; version?: string } {
  const first = line.indexOf(' ');
  if (first < 0) return { method: line };
  const second = line.indexOf(' ', first + 1);
  if (second < 0) return { method: line.slice(0, first), url: line.slice(first + 1) };
  const third = line.indexOf(' ', second + 1);
  return {
    method: line.slice(0, first),
    url: line.slice(first + 1, second),
    version: line.slice(second + 1, third < 0 ? line.length : third),
  };
}

const MAX_HEAD_BYTES = 64 * 1024;
/** The blank line after a head, as bytes: a string would be encoded again for every search. */
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** The body of every request without one (a poll): never written to. */
const NO_BODY = Buffer.alloc(0);

type BodyState =
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' };

interface Partial {
  method: string;
  url: string;
  headers: Map<string, string>;
  closes: boolean;
  body: BodyState;
  chunks: Buffer[];
  size: number;
  sink?: BodySink;
  trailers?: Record<string, string>;
}

/**
 * HTTP/1.1 on one runtime's connection, just what the Runtime API needs: requests
 * with a Content-Length or chunked body, kept alive, pipelined requests answered in
 * order. Built on the socket, not node:http: an invocation costs two requests, and
 * node:http's per-request objects and streams were most of the local runtime's time.
 *
 * A runtime that pipelines (posts a result and, in the same write, polls for the next
 * event) reads the 202 and then waits for the event: the 202 then waits for the event
 * too, and both go out in one write. One wake-up of the runtime per invocation, not two.
 */
export class RuntimeApiConnection {
  closed = false;
  /** Requests that arrived in the same read as the one before them. */
  pipelined = 0;
  private input: Buffer = Buffer.alloc(0);
  private current: Partial | undefined;
  private readonly replies: Reply[] = [];
  private closing: Reply | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly bodyLimit: number,
    private readonly onRequest: (request: ApiRequest, reply: Reply) => void,
    private readonly onStreamStart?: StreamStart,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined); // a runtime killed mid-write: 'close' follows
    socket.on('close', () => {
      this.closed = true;
      this.current?.sink?.abort();
    });
  }

  /** Nothing in flight: no request being received, no answer owed. */
  get idle(): boolean {
    return this.current === undefined && this.input.length === 0 && this.replies.length === 0;
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** Whether the connection ends after `reply` (HTTP/1.0, `Connection: close`, a bad request). */
  closesAfter(reply: Reply): boolean {
    return this.closing === reply;
  }

  /** Writes the ready answers at the head of the line, in order, in one write. */
  flush(): void {
    const ready: Buffer[] = [];
    while (this.replies.length > 0) {
      const head = this.replies[0]!;
      const next = this.replies[1];
      if (head.data === undefined || (head.holdable && next && next.data === undefined)) break;
      ready.push(head.data);
      this.replies.shift();
      if (head === this.closing) {
        this.socket.end(Buffer.concat(ready));
        this.closed = true;
        return;
      }
    }
    if (ready.length > 0 && !this.closed)
      this.socket.write(ready.length === 1 ? ready[0]! : Buffer.concat(ready));
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return; // nothing after a request that closes the connection
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    const complete: [ApiRequest, Reply][] = [];
    while (!this.closing) {
      if (!this.current && !this.readHead()) break;
      if (!this.readBody()) break;
      const request = this.current!;
      this.current = undefined;
      const reply = new Reply(this);
      this.replies.push(reply);
      if (request.closes) this.closing = reply;
      const body =
        request.chunks.length === 1
          ? request.chunks[0]!
          : request.chunks.length === 0
            ? NO_BODY
            : Buffer.concat(request.chunks);
      const done: ApiRequest = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
        truncated: !request.sink && request.size > this.bodyLimit,
      };
      if (request.sink) done.sink = request.sink;
      if (request.trailers) done.trailers = request.trailers;
      complete.push([done, reply]);
    }
    // All of this data's requests are queued before any is answered: a 202 can then
    // see the poll pipelined behind it.
    for (const [request, reply] of complete) this.onRequest(request, reply);
    if (complete.length > 1) this.pipelined += complete.length - 1;
  }

  /** Parses a request line and headers from the input; false until they are all there. */
  private readHead(): boolean {
    const end = this.input.indexOf(HEAD_END);
    if (end < 0) {
      if (this.input.length > MAX_HEAD_BYTES) this.fail(431);
      return false;
    }
    const head = this.input.toString('latin1', 0, end);
    this.input = this.input.subarray(end + 4);
    let eol = head.indexOf('\r\n');
    if (eol < 0) eol = head.length;
    const { method, url, version } = requestLine(head.slice(0, eol));
    if (!method || !url || !version?.startsWith('HTTP/1.')) {
      this.fail(400);
      return false;
    }
    // Line by line in place: no array of lines, no copy of each.
    const headers = new Map<string, string>();
    for (let at = eol + 2; at < head.length; at = eol + 2) {
      eol = head.indexOf('\r\n', at);
      if (eol < 0) eol = head.length;
      const colon = head.indexOf(':', at);
      if (colon <= at || colon > eol) continue;
      const name = head.slice(at, colon).trim().toLowerCase();
      const value = head.slice(colon + 1, eol).trim();
      const before = headers.get(name);
      headers.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    const connection = (headers.get('connection') ?? '').toLowerCase();
    const closes = version === 'HTTP/1.0' ? !connection.includes('keep-alive') : connection.includes('close');
    const chunked = (headers.get('transfer-encoding') ?? '').toLowerCase().includes('chunked');
    const length = Number(headers.get('content-length') ?? 0);
    if (!chunked && !(Number.isSafeInteger(length) && length >= 0)) {
      this.fail(400);
      return false;
    }
    const body: BodyState = chunked ? { kind: 'chunk-size' } : { kind: 'length', left: length };
    this.current = { method, url, headers, closes, body, chunks: [], size: 0 };
    // A response streamed by the runtime goes on as it arrives, not once it is whole.
    if (
      chunked &&
      this.onStreamStart &&
      headers.get('lambda-runtime-function-response-mode') === 'streaming'
    ) {
      const sink = this.onStreamStart({ method, url, headers });
      if (sink) this.current.sink = sink;
    }
    if (headers.get('expect')?.toLowerCase() === '100-continue' && this.replies.length === 0)
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    return true;
  }

  /** Moves body bytes from the input into the current request; true once its body is complete. */
  private readBody(): boolean {
    const request = this.current!;
    for (;;) {
      const state = request.body;
      if (state.kind === 'length' || state.kind === 'chunk-data') {
        const take = Math.min(state.left, this.input.length);
        if (take > 0) this.keep(request, this.input.subarray(0, take));
        this.input = this.input.subarray(take);
        state.left -= take;
        if (state.left > 0) return false;
        if (state.kind === 'length') return true;
        request.body = { kind: 'chunk-end' };
        continue;
      }
      const eol = this.input.indexOf(CRLF);
      if (eol < 0) return false;
      const line = this.input.toString('latin1', 0, eol);
      this.input = this.input.subarray(eol + 2);
      if (state.kind === 'chunk-end') request.body = { kind: 'chunk-size' };
      else if (state.kind === 'trailers') {
        if (line === '') return true;
        const colon = line.indexOf(':');
        if (colon > 0)
          (request.trailers ??= {})[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      } else {
        const size = parseInt(line.split(';')[0]!.trim(), 16);
        if (!Number.isSafeInteger(size) || size < 0) {
          this.fail(400);
          return false;
        }
        request.body = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left: size };
      }
    }
  }

  /** Keeps body bytes up to the limit; past it only counts them (a too large response is refused, not stored). */
  private keep(request: Partial, bytes: Buffer): void {
    if (request.sink) {
      request.sink.write(Buffer.from(bytes));
      return;
    }
    const room = this.bodyLimit - request.size;
    if (room > 0) request.chunks.push(Buffer.from(bytes.subarray(0, room)));
    request.size += bytes.length;
  }

  /** A request we cannot read: answered with `status`, after the answers owed, then the connection ends. */
  private fail(status: number): void {
    this.current = undefined;
    this.input = Buffer.alloc(0);
    const reply = new Reply(this);
    this.replies.push(reply);
    this.closing = reply;
    reply.send(
      status,
      { 'Content-Type': 'application/json' },
      Buffer.from(JSON.stringify({ errorType: 'BadRequest', errorMessage: STATUS_CODES[status] })),
    );
  }
}
