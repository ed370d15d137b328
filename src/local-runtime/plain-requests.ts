import { STATUS_CODES, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

/**
 * The front door's fast path: a plain HTTP/1.1 request (a standard method, an origin-form
 * target, one Host, at most one Content-Length, no Transfer-Encoding, Expect or Upgrade) is
 * read and answered on the socket itself, as node:http would answer it, without node:http's
 * per-request objects (~20 µs of serve's ~0.4 ms a request at concurrency 1, and a fifth of
 * its p99, in an A/B run of `npm run bench -- serve`). Anything
 * else, from that request on, is node:http's, which gives it its full handling (400, 413, 431,
 * chunked bodies, 100-continue, HTTP/1.0).
 */
export interface PlainRequest {
  method: string;
  /** The request target as sent (origin form). */
  url: string;
  /** Flat `[name, value, ...]` as sent, values without their surrounding blanks (Node's `req.rawHeaders`). */
  rawHeaders: string[];
  host: string;
  contentLength: number;
  /** `Connection: close`: the connection ends after the answer. */
  close: boolean;
}

/** node:http's default limit on a request's head: a longer one gets its 431. */
const MAX_HEAD_BYTES = 16 * 1024;
const MAX_HEADERS = 100;
/** llhttp knows more methods (WebDAV, ...); node:http decides for those. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const REQUEST_LINE = /^([A-Z]+) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE_BYTE = /[^\t\x20-\x7e\x80-\xff]/;
/** Headers only node:http handles: a body in chunks, 100-continue, a protocol switch. */
const NOT_PLAIN = new Set(['transfer-encoding', 'expect', 'upgrade']);
/** llhttp's Content-Length: blanks before the digits, spaces (not a tab: a 400) after them. */
const CONTENT_LENGTH = /^[ \t]*\d{1,15} *$/;

/** The request a head (up to its blank line, as latin1) is, or undefined when node:http is to take it. */
export function parsePlainHead(head: string): PlainRequest | undefined {
  const lines = head.split('\r\n');
  const start = REQUEST_LINE.exec(lines[0]!);
  if (!start || !METHODS.has(start[1]!) || lines.length - 1 > MAX_HEADERS) return undefined;
  const rawHeaders: string[] = [];
  const hosts: string[] = [];
  const lengths: string[] = [];
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon < 1 || !FIELD_NAME.test(name)) return undefined;
    const raw = line.slice(colon + 1);
    const value = trimBlanks(raw);
    if (BAD_VALUE_BYTE.test(value)) return undefined;
    rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    if (NOT_PLAIN.has(lower)) return undefined;
    if (lower === 'host') hosts.push(value);
    else if (lower === 'content-length') lengths.push(raw);
    // llhttp reads Proxy-Connection as Connection.
    else if (lower === 'connection' || lower === 'proxy-connection') {
      const tokens = raw.toLowerCase().split(',');
      if (tokens.some((token) => trimBlanks(token) === 'upgrade')) return undefined;
      close ||= tokens.some(isClose);
    }
  }
  const length = lengths[0] ?? '0';
  if (hosts.length !== 1 || lengths.length > 1 || !CONTENT_LENGTH.test(length)) return undefined;
  return {
    method: start[1]!,
    url: start[2]!,
    rawHeaders,
    host: hosts[0]!,
    contentLength: Number(length),
    close,
  };
}

/** A `close` token as llhttp matches it: blanks before it, spaces after it (`close<TAB>` is another token). */
function isClose(token: string): boolean {
  return /^[ \t]*close *$/.test(token);
}

/** Without leading and trailing spaces and tabs (HTTP's optional whitespace; not String#trim's NBSP). */
function trimBlanks(text: string): string {
  let from = 0;
  let to = text.length;
  while (from < to && (text[from] === ' ' || text[from] === '\t')) from++;
  while (to > from && (text[to - 1] === ' ' || text[to - 1] === '\t')) to--;
  return text.slice(from, to);
}

/**
 * The bytes node:http's `writeHead(status, headers)` then `end(body)` send: its status text,
 * the headers as given, its Date (unless one is given) and Connection lines; no body for
 * HEAD, 1xx, 204 and 304.
 */
export function responseBytes(
  method: string,
  statusCode: number,
  headers: Record<string, string[]>,
  body: Buffer,
  close: boolean,
  date: string,
): Buffer {
  let head = `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'unknown'}\r\n`;
  let dated = false;
  for (const name in headers) {
    dated ||= name.toLowerCase() === 'date';
    for (const value of headers[name]!) head += `${name}: ${value}\r\n`;
  }
  if (!dated) head += `Date: ${date}\r\n`;
  head += close
    ? 'Connection: close\r\n\r\n'
    : `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_SECONDS}\r\n\r\n`;
  const bodyless = method === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304;
  if (bodyless || body.length === 0) return Buffer.from(head, 'latin1');
  // One allocation and one copy of the body; the head is latin1 (one byte a character), as node:http sends it.
  const data = Buffer.allocUnsafe(head.length + body.length);
  data.write(head, 0, 'latin1');
  body.copy(data, head.length);
  return data;
}

/** node:http's keepAliveTimeout: an idle kept-alive connection is ended after it. */
const KEEP_ALIVE_SECONDS = 5;
/**
 * A request not whole this long after its first byte is node:http's, whose headersTimeout and
 * requestTimeout (408) then bound a slow client, and which waits out a stalled body.
 */
const WHOLE_WITHIN_MS = 1000;

let dateSecond = -1;
let dateText = '';
/** The Date header's value, made once a second as node:http does. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** Where the front door answers a plain request: once, whole. */
export interface PlainReply {
  readonly headersSent: boolean;
  send(statusCode: number, headers: Record<string, string[]>, body: Buffer): void;
  destroy(): void;
}

export interface PlainServerOptions {
  /** Bodies longer are node:http's (which reads them to answer 413). */
  maxBodyBytes: number;
  answer(request: PlainRequest, body: Buffer, socket: Socket, reply: PlainReply): Promise<void>;
  /** Every connection is node:http's (a streamed function URL writes its response as it comes). */
  nodeOnly?: boolean;
  /**
   * The handling of a connection's request threw (`request`: the one being answered, if any), or
   * `answer` rejected: a bug, said here. The connection gets a 500 (unless its answer was sent)
   * and closes; serve serves on.
   */
  failed?(error: unknown, request: PlainRequest | undefined): void;
}

/**
 * A server that answers plain requests itself and gives node:http (`fallback`, never listening
 * itself) each connection from its first request that is not; `close` ends every connection.
 */
export function plainServer(
  fallback: Server,
  options: PlainServerOptions,
): { server: NetServer; close(): Promise<void> } {
  const sockets = new Set<Socket>();
  // node:http checks its connections' headersTimeout and requestTimeout from 'listening' on (it
  // never listens here): without this, a connection handed to it would have neither.
  fallback.emit('listening');
  const server = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (options.nodeOnly) fallback.emit('connection', socket);
    else new PlainConnection(socket, fallback, options).start();
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Stops node:http's connection checks; it never listened, so it has no port to close.
        fallback.close();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * One connection's requests, answered one at a time (a pipelined one waits, its bytes unread:
 * backpressure), until one is not plain: then node:http gets the connection.
 */
class PlainConnection {
  private chunks: Buffer[] = [];
  private size = 0;
  private busy = false;
  /** Handed off or closing: nothing more is read here. */
  private done = false;
  /** The client sent its last byte (half-closed): what came whole is answered, then the connection ends. */
  private ended = false;
  /** The head read, while its body is still coming. */
  private pending: { request: PlainRequest; headBytes: number } | undefined;
  /** Hands off a request that came in part and not whole within WHOLE_WITHIN_MS. */
  private partial: ReturnType<typeof setTimeout> | undefined;
  /** Paused by bytes that came while a request is answered: read on once all read are answered. */
  private paused = false;
  /**
   * An answer waits unsent (a client that does not read): nothing more is read or answered until
   * it drains, as node:http pauses. Idle meanwhile: cut once its writes stop moving (net holds
   * the idle timer off while a write progresses: 5 to 10 s).
   */
  private draining = false;
  /** The idle timer fired while a request was answered: set again once it is (else an answer that writes nothing leaves none). */
  private idledBusy = false;
  private readonly onData = (chunk: Buffer) => {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Backpressure only when a pipelined request arrives: a pause and resume around every
    // answer cost more than the rest of a request's bookkeeping here.
    if ((this.busy || this.draining) && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    // A throw here would escape the socket's handler: an uncaught exception that ends serve.
    try {
      this.next();
    } catch (error) {
      this.fail(error, this.pending?.request);
    }
  };
  private readonly onEnd = () => {
    this.ended = true;
    try {
      this.next();
    } catch (error) {
      this.fail(error, this.pending?.request);
    }
  };
  // As node:http's socketOnTimeout: destroyed, not ended (a client may keep its end open). Not
  // while a request is answered, however long the function runs: its answer's write re-arms the
  // timer (a socket's timer restarts on each read and write), so the connection is idle from then;
  // an answer that writes nothing sets it again when done (see idledBusy).
  private readonly onIdle = () => {
    if (this.busy) this.idledBusy = true;
    else this.socket.destroy();
  };
  private readonly onPartial = () => {
    this.partial = undefined;
    if (!this.done && !this.busy && !this.draining && !this.socket.destroyed) this.handOff();
  };
  /** The request answered now and its reply, for onRejected: no closure made for each request. */
  private answering: PlainRequest | undefined;
  private answeringReply: PlainReply | undefined;
  private readonly onRejected = (error: unknown) => this.fail(error, this.answering, this.answeringReply);
  private readonly onDrain = () => {
    this.draining = false;
    if (this.socket.destroyed) return;
    try {
      this.readOn();
    } catch (error) {
      this.fail(error, this.pending?.request);
    }
  };

  constructor(
    private readonly socket: Socket,
    private readonly fallback: Server,
    private readonly options: PlainServerOptions,
  ) {}

  start(): void {
    this.socket.on('data', this.onData);
    this.socket.on('end', this.onEnd);
    this.socket.on('timeout', this.onIdle);
    // A reset client ends the connection; node:http adds its own handling if it takes over.
    this.socket.on('error', () => this.socket.destroy());
    this.socket.setTimeout(KEEP_ALIVE_SECONDS * 1000);
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const rest = all.subarray(bytes);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return all.subarray(0, bytes);
  }

  private next(): void {
    if (this.done || this.busy || this.draining || this.startNext() !== 'waiting') return;
    if (this.ended) {
      this.done = true;
      this.stopPartial();
      this.socket.end();
    } else if (this.size > 0 && !this.partial) {
      this.partial = setTimeout(this.onPartial, WHOLE_WITHIN_MS).unref();
    }
  }

  private stopPartial(): void {
    if (this.partial === undefined) return;
    clearTimeout(this.partial);
    this.partial = undefined;
  }

  /** Starts answering the next request if it came whole; else waits for more bytes, or hands off. */
  private startNext(): 'started' | 'waiting' | 'handed off' {
    if (this.size === 0) return 'waiting';
    if (!this.pending) {
      const start = this.take(Math.min(this.size, MAX_HEAD_BYTES + 4));
      this.chunks.unshift(start);
      this.size += start.length;
      const end = start.indexOf('\r\n\r\n');
      if (end < 0 && this.size < MAX_HEAD_BYTES + 4) return 'waiting';
      const request = end < 0 ? undefined : parsePlainHead(start.toString('latin1', 0, end));
      if (!request || request.contentLength > this.options.maxBodyBytes) {
        this.handOff();
        return 'handed off';
      }
      this.pending = { request, headBytes: end + 4 };
    }
    const { request, headBytes } = this.pending;
    if (this.size < headBytes + request.contentLength) return 'waiting';
    this.pending = undefined;
    this.take(headBytes);
    this.answer(request, this.take(request.contentLength));
    return 'started';
  }

  private answer(request: PlainRequest, body: Buffer): void {
    const socket = this.socket;
    this.busy = true;
    this.stopPartial();
    // The socket keeps its keep-alive timer and reads on (see onIdle, onData): no timer is
    // cleared and made again, no pause and resume, for every request.
    const after = () => {
      this.busy = false;
      if (socket.destroyed) return;
      if (this.idledBusy) {
        this.idledBusy = false;
        socket.setTimeout(KEEP_ALIVE_SECONDS * 1000);
      }
      if (request.close) {
        this.done = true;
        // As node:http: closed once the answer is out, though the client keeps its end open
        // (and however long a slow client takes to read it: no idle timer).
        socket.setTimeout(0);
        socket.destroySoon();
        return;
      }
      if (socket.writableNeedDrain) {
        this.draining = true;
        socket.once('drain', this.onDrain);
        return;
      }
      try {
        this.readOn();
      } catch (error) {
        this.fail(error, this.pending?.request);
      }
    };
    const reply = replyOn(socket, request);
    let answered: Promise<void>;
    try {
      answered = this.options.answer(request, body, socket, reply);
    } catch (error) {
      return this.fail(error, request, reply);
    }
    this.answering = request;
    this.answeringReply = reply;
    answered.then(after, this.onRejected);
  }

  /**
   * A bug in a request's handling (a throw, a rejected answer) fails its connection alone: said
   * (options.failed), answered 500 unless its answer was sent (then that goes out), and closed.
   */
  private fail(error: unknown, request: PlainRequest | undefined, reply?: PlainReply): void {
    this.busy = false;
    this.done = true;
    this.stopPartial();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    try {
      this.options.failed?.(error, request);
    } catch {
      // Its report failing too must not take serve down either.
    }
    if (this.socket.destroyed) return;
    this.socket.setTimeout(0);
    // An answer sent is whole (PlainReply's send): it goes out before the close, not cut.
    if (!reply?.headersSent) {
      const body = Buffer.from('{"message":"Internal Server Error"}');
      const headers = { 'content-type': ['application/json'], 'content-length': [String(body.length)] };
      this.socket.write(responseBytes(request?.method ?? 'GET', 500, headers, body, true, httpDate()));
    }
    this.socket.destroySoon();
  }

  /** The next request read, if whole; else reading on. */
  private readOn(): void {
    this.next();
    // Read on only once the requests already read are answered: a resume before the next
    // answer starts would read a chunk more for every request answered, so a client that
    // pipelines faster than it is answered would be read whole into memory.
    if (!this.busy) this.resume();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  /** From here node:http reads the connection: the bytes not yet answered go back on the socket. */
  private handOff(): void {
    this.done = true;
    this.stopPartial();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('timeout', this.onIdle);
    this.socket.setTimeout(0);
    if (this.size > 0) this.socket.unshift(this.take(this.size));
    // node:http reads a connection it is given as it comes: not one paused here.
    this.resume();
    this.fallback.emit('connection', this.socket);
  }
}

function replyOn(socket: Socket, request: PlainRequest): PlainReply {
  let sent = false;
  return {
    get headersSent() {
      return sent;
    },
    send(statusCode, headers, body) {
      sent = true;
      socket.write(responseBytes(request.method, statusCode, headers, body, request.close, httpDate()));
    },
    destroy: () => socket.destroy(),
  };
}
