import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from '../util/logger.js';
import { cutText, redact } from '../util/redact.js';
import { originForm, toHttpApiEvent, type HttpRequestParts } from './http-api-event.js';
import { HOP_BY_HOP, toHttpResponse, type HttpResponseParts } from './http-api-response.js';
import type { InvokeResult, LocalFunction } from './local-function.js';
import { plainServer, type PlainReply, type PlainRequest } from './plain-requests.js';
import { gatewayRequestId, traceRoot } from './random-ids.js';
import {
  PRELUDE_CONTENT_TYPE,
  parsePrelude,
  splitPrelude,
  type HttpPrelude,
  type InvokeMode,
  type StreamedResponse,
} from './response-stream.js';
import { toRestApiEvent } from './rest-api-event.js';

export interface FrontDoorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  logger?: Logger;
  /** Larger request bodies get a 413, as Lambda's 6 MB invoke limit would refuse them. */
  maxBodyBytes?: number;
  now?: () => number;
  /**
   * Which front door to stand in for: `rest-api` sends payload format 1.0
   * events and serves under `/{stage}`, like execute-api; the others (the
   * default) send payload format 2.0 at the root, like an HTTP API's
   * `$default` stage or a function URL.
   */
  gateway?: 'http-api' | 'rest-api' | 'function-url' | 'none';
  /** The REST API stage name (`gateway: rest-api`); default `local`. */
  stage?: string;
  /**
   * A function URL's invoke mode. `RESPONSE_STREAM` sends a streaming handler's status and
   * headers (its prelude) and then each chunk as the handler writes it; `BUFFERED` (the
   * default) sends the whole response once the handler is done.
   */
  invokeMode?: InvokeMode;
  /**
   * Whether a request answered with a server error now shows its error (the
   * invocation's errorLines) after its line, indented; asked at each one. Off
   * where the function's own lines are printed anyway (--verbose, a failed
   * deploy's logs).
   */
  showErrors?: () => boolean;
  /** Values no line of the front door's shows (the function's environment): `***` instead. */
  secrets?: readonly string[];
}

export interface FrontDoor {
  /** `http://127.0.0.1:PORT`, or `http://127.0.0.1:PORT/{stage}` for a REST API; no trailing slash. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** A longer line of an error shown under its request is cut: a message may hold a whole document. */
const MAX_SHOWN_LINE = 1000;

/**
 * A local stand-in for the stage's front door: each request becomes the event
 * that front door would send (payload 2.0 for an HTTP API's `$default` route
 * or a function URL, 1.0 under `/{stage}` for a REST API), and the function's
 * result the response.
 */
export async function startFrontDoor(
  fn: Pick<LocalFunction, 'invoke'>,
  options: FrontDoorOptions = {},
): Promise<FrontDoor> {
  const now = options.now ?? Date.now;
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const logger = options.logger;
  const stage = options.stage ?? 'local';
  if (options.gateway === 'rest-api') checkStageName(stage);

  const rest = options.gateway === 'rest-api';
  let port = 0;
  // node:http answers what the plain path (plain-requests.ts) hands it, and a streamed function URL.
  const failed = warnFailed(logger, options.secrets);
  const server = createServer(failSafe((req, res) => answer(fromNode(req, limit), replyOf(res)), failed));
  const front = plainServer(server, {
    maxBodyBytes: limit,
    answer: (request, body, socket, reply) => answer(fromPlain(request, body, socket), reply),
    nodeOnly: options.invokeMode === 'RESPONSE_STREAM',
    failed,
  });

  function answer(request: FrontRequest, reply: FrontReply): Promise<void> {
    const ids = requestIds(options.gateway);
    return serve(request, reply, ids).catch((error: unknown) => {
      logger?.warning(failedLine(request, error, options.secrets));
      if (!reply.headersSent) send(reply, request.method, ids, jsonError(500, 'Internal Server Error'));
      // A streamed answer begun is cut; one sent whole (a log line after it failed) is left to go out.
      else if (reply.live && !reply.live.writableEnded) reply.destroy();
    });
  }

  async function serve(req: FrontRequest, res: FrontReply, ids: RequestIds): Promise<void> {
    const started = now();
    if (!servesHost(req.host, port)) {
      // A web page whose name was rebound to 127.0.0.1 (DNS rebinding) sends its own name as Host.
      logger?.warning(refusedLine(req.method, req.host, port));
      send(
        res,
        req.method,
        ids,
        jsonError(421, 'Misdirected Request: this local server answers only 127.0.0.1 and localhost'),
      );
      return;
    }
    // The plain path's body is here already: no await, a microtask turn before every event.
    const read = req.body();
    const body = read instanceof Promise ? await read : read;
    if (body === undefined) return send(res, req.method, ids, jsonError(413, 'Request Entity Too Large'));
    const parts: HttpRequestParts = {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: sourceIp(req.remoteAddress),
      requestId: ids.requestId,
      extendedRequestId: ids.extendedRequestId,
      traceId: traceRoot(started),
      timeEpoch: started,
    };
    const event = rest ? toRestApiEvent(parts, stage) : toHttpApiEvent(parts);
    const shown = pathOf(req.url);
    if (!event) {
      // Outside /{stage}: execute-api answers this itself, the function never sees it.
      send(res, req.method, ids, jsonError(403, 'Forbidden'));
      // Logged like every request: a bare {"message":"Forbidden"} alone does not say where the stage is.
      logger?.info(
        `${req.method} ${shown} -> 403 (outside the stage: the REST API serves http://127.0.0.1:${port}/${stage}/...)`,
      );
      return;
    }
    const response = await invokeFor(fn, event, res.live, ids, options.invokeMode, rest);
    if (response.problem)
      logger?.warning(
        `${req.method} ${shown} -> ${response.statusCode}: ${redact(response.problem, options.secrets)}`,
      );
    if (!response.streamed) send(res, req.method, ids, response);
    if (logger) logAnswer(logger, `${req.method} ${shown}`, response, now() - started, options);
  }

  await listen(front.server, options.port ?? 0);
  port = (front.server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${options.gateway === 'rest-api' ? `/${stage}` : ''}`,
    close: () => front.close(),
  };
}

/**
 * A request's path for a log line, as its event has it: no query string (it may carry a token:
 * `?token=`, `?code=`), and no authority of an absolute-form target (it may carry a password:
 * `http://user:password@host/path`).
 */
const pathOf = (url: string): string => originForm(url).split('?')[0]! || '/';

/** The warning for a request for another Host; userinfo in it (`user:password@`) hidden. */
function refusedLine(method: string, host = '', port: number): string {
  const at = host.lastIndexOf('@');
  const shown = at < 0 ? host : `***${host.slice(at)}`;
  return `front door: refused ${method} for Host ${JSON.stringify(shown)}: only 127.0.0.1:${port} and localhost:${port} are served.`;
}

/** The warning for a request whose answer failed: its path, and its error without the secrets. */
const failedLine = (
  { method, url }: { method: string; url: string },
  error: unknown,
  secrets?: readonly string[],
): string => `front door: ${method} ${pathOf(url)} failed: ${redact(String(error), secrets)}`;

/** Says a bug answering one request: its path alone, the error redacted. */
const warnFailed =
  (logger: Logger | undefined, secrets?: readonly string[]) =>
  (error: unknown, request: { method: string; url: string } | undefined): void =>
    logger?.warning(
      request
        ? failedLine(request, error, secrets)
        : `front door: a request failed: ${redact(String(error), secrets)}`,
    );

function checkStageName(stage: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(stage))
    throw new Error(
      `local front door: REST API stage ${JSON.stringify(stage)} must be letters, digits, - and _`,
    );
}

/**
 * One line per request (no query string: it may carry a token), as a local server logs them.
 * A server error's traceback under it, indented, once: where to look without a rerun with
 * --verbose; redacted whole (a PEM block spans lines), then each line cut.
 */
function logAnswer(
  logger: Logger,
  request: string,
  response: Answer,
  ms: number,
  { showErrors, secrets = [] }: FrontDoorOptions,
): void {
  logger.info(`${request} -> ${response.statusCode}${response.streamed ? ' streamed' : ''} (${ms} ms)`);
  if (!response.errorLines || response.statusCode < 500 || !showErrors?.()) return;
  logger.untrusted(
    redact(response.errorLines.join('\n'), secrets)
      .split('\n')
      .map((line) => `    ${cutText(line, MAX_SHOWN_LINE, secrets)}`)
      .join('\n'),
  );
}

/**
 * Why 127.0.0.1:port cannot be listened on now (EADDRINUSE, EACCES), or
 * undefined: serve asks before its build, which can take minutes, then binds
 * the port for real; something that takes it in between fails that bind.
 */
export async function portProblem(port: number): Promise<NodeJS.ErrnoException | undefined> {
  const probe = createNetServer();
  const problem = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once('error', resolve);
    probe.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  if (!problem) await new Promise((closed) => probe.close(closed));
  return problem;
}

/** Listens on 127.0.0.1; a port in use is an error that says so. */
function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              // Only serve sets a port (a workflow's local stage takes a free one).
              `local front door: port ${port} on 127.0.0.1 is already in use (another serve?); choose another with --port, or --port 0 for any free one`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/**
 * The Host header names the address the server listens on: 127.0.0.1 or
 * localhost with its port (no port only on port 80). Anything else is a
 * request meant for another name, as a DNS rebinding attack sends.
 */
export function servesHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  // Compared in place, no array or closure: it runs for every request.
  const colon = h.lastIndexOf(':');
  const name = colon < 0 ? h : h.slice(0, colon);
  if (name !== '127.0.0.1' && name !== 'localhost') return false;
  return colon < 0 ? port === 80 : h.slice(colon + 1) === String(port);
}

interface RequestIds {
  requestId: string;
  extendedRequestId: string;
  /** The response headers that name them, as the front door returns them. */
  headers: Record<string, string>;
  /** Their names in lower case. */
  names: readonly string[];
  /** A function URL: x-amzn-RequestId becomes the invocation's id once it is known. */
  namesInvocation?: boolean;
}

/**
 * An HTTP API's request id is `LV7fzho-PHcEJPw=`, returned as `apigw-requestid`. A REST API's
 * is a UUID, returned as `x-amzn-RequestId`, beside its extended id in `x-amz-apigw-id`. A
 * function URL returns the invocation's id in `x-amzn-RequestId` (see invokeFor); a UUID
 * stands in for answers no invocation made.
 */
function requestIds(gateway: FrontDoorOptions['gateway']): RequestIds {
  const extendedRequestId = gatewayRequestId();
  if (gateway === 'function-url')
    return {
      requestId: extendedRequestId,
      extendedRequestId,
      headers: { [INVOCATION_ID]: randomUUID() },
      names: FUNCTION_URL_NAMES,
      namesInvocation: true,
    };
  if (gateway !== 'rest-api')
    return {
      requestId: extendedRequestId,
      extendedRequestId,
      headers: { 'apigw-requestid': extendedRequestId },
      names: HTTP_API_NAMES,
    };
  const requestId = randomUUID();
  return {
    requestId,
    extendedRequestId,
    headers: { 'x-amzn-RequestId': requestId, 'x-amz-apigw-id': extendedRequestId },
    names: REST_API_NAMES,
  };
}

const FUNCTION_URL_NAMES = ['x-amzn-requestid'];
const HTTP_API_NAMES = ['apigw-requestid'];
const REST_API_NAMES = ['x-amzn-requestid', 'x-amz-apigw-id'];

/** The header a function URL names the invocation in (as execute-api names a REST API's request). */
const INVOCATION_ID = 'x-amzn-RequestId';

/** A response to send, or (streamed) one already sent as the function streamed it; the invocation's error lines. */
type Answer = HttpResponseParts & { streamed?: boolean; errorLines?: string[] };

/**
 * Invokes the function for one request: the response to send, or under RESPONSE_STREAM the one
 * the function streamed, already sent as it came.
 */
async function invokeFor(
  fn: Pick<LocalFunction, 'invoke'>,
  event: unknown,
  res: ServerResponse | undefined,
  ids: RequestIds,
  invokeMode: InvokeMode | undefined,
  rest: boolean,
): Promise<Answer> {
  let streamed: StreamedResponse | undefined;
  let live: LiveResponse | undefined;
  // A function URL's answer names the invocation: the id of its START/END log lines.
  const named = (id: string | undefined) => {
    if (id && ids.namesInvocation) ids.headers[INVOCATION_ID] = id;
  };
  const result = await fn.invoke(event, {
    onStream: (stream) => {
      streamed = stream;
      named(stream.requestId);
      if (invokeMode === 'RESPONSE_STREAM' && res) live = sendLive(res, ids, stream, rest);
    },
  });
  named(result.requestId);
  const errorLines = result.errorLines && { errorLines: result.errorLines };
  // The status and headers went out with the stream; an error now can only cut it, as Lambda does.
  const status = live?.finish(result);
  if (status !== undefined) {
    const problem = result.ok
      ? undefined
      : `the response stream was cut: ${result.errorType}: ${result.errorMessage}`;
    return {
      statusCode: status,
      headers: [],
      body: Buffer.alloc(0),
      streamed: true,
      ...(problem && { problem }),
      ...errorLines,
    };
  }
  const response =
    streamed && result.ok && streamed.contentType === PRELUDE_CONTENT_TYPE
      ? bufferedPrelude(streamed.collected() ?? Buffer.alloc(0), rest)
      : toHttpResponse(result, rest ? '1.0' : '2.0');
  return errorLines ? { ...response, ...errorLines } : response;
}

/** A response sent as the function streams it. */
interface LiveResponse {
  /** Ends it when the invocation is over (cut on an error); the status sent, or undefined if nothing was. */
  finish(result: InvokeResult): number | undefined;
}

/**
 * Sends a streamed response as it arrives: with a prelude (HttpResponseStream.from) its status and
 * headers once its 8 NULs came, else a 200 of the stream's content type (assumed, as a function URL
 * would); then the body, chunk by chunk.
 */
function sendLive(
  res: ServerResponse,
  ids: RequestIds,
  stream: StreamedResponse,
  restApi: boolean,
): LiveResponse {
  let status: number | undefined;
  let start: Buffer | undefined;
  const head = (prelude: HttpPrelude) => {
    status = prelude.statusCode;
    res.writeHead(status, responseHeaders(ids, withoutHopByHop(prelude.headers)));
    res.flushHeaders();
  };
  if (stream.contentType !== PRELUDE_CONTENT_TYPE)
    head({ statusCode: 200, headers: [['content-type', stream.contentType]] });
  stream.read((chunk) => {
    if (status !== undefined) {
      res.write(chunk);
      return;
    }
    start = start ? Buffer.concat([start, chunk]) : chunk;
    const split = splitPrelude(start, restApi);
    if (!split) return;
    start = undefined;
    head(split.prelude);
    if (split.rest.length > 0) res.write(split.rest);
  });
  return {
    finish(result) {
      if (!result.ok) {
        if (status !== undefined) res.destroy();
        return status;
      }
      // A prelude without its 8 NULs: the bytes are taken as the prelude (assumed).
      if (status === undefined) head(parsePrelude(start ?? Buffer.alloc(0), restApi));
      res.end();
      return status;
    },
  };
}

/** A BUFFERED function URL's reading of a streamed response with a prelude: its status and headers, then the body (assumed). */
function bufferedPrelude(bytes: Buffer, restApi: boolean): HttpResponseParts {
  const split = splitPrelude(bytes, restApi) ?? {
    prelude: parsePrelude(bytes, restApi),
    rest: Buffer.alloc(0),
  };
  return { ...split.prelude, headers: withoutHopByHop(split.prelude.headers), body: split.rest };
}

function withoutHopByHop(headers: [string, string][]): [string, string][] {
  return headers.filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()));
}

/** The headers to send: the function's (those Node accepts), then the front door's own ids. */
function responseHeaders(ids: RequestIds, list: [string, string][]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of list) {
    // A header Node refuses (bad name; a control byte or a character past latin1 in the value) is
    // dropped, not fatal, on node:http's path and the plain one alike.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[^\t\x20-\x7e\x80-\xff]/.test(value)) continue;
    const lower = name.toLowerCase();
    // The front door's own ids replace the function's (no delete: it makes the object a slow one).
    if (!ids.names.includes(lower)) (headers[lower] ??= []).push(value);
  }
  for (const name in ids.headers) headers[name] = [ids.headers[name]!];
  return headers;
}

function send(reply: FrontReply, method: string, ids: RequestIds, response: HttpResponseParts): void {
  const headers = responseHeaders(ids, response.headers);
  const length = contentLength(method, response);
  if (length !== undefined) headers['content-length'] = [length];
  reply.send(response.statusCode, headers, response.body);
}

/** A request as serve reads it: from node:http, or read whole by the plain path. */
interface FrontRequest {
  method: string;
  url: string;
  httpVersion: string;
  rawHeaders: string[];
  host: string | undefined;
  remoteAddress: string | undefined;
  /** The whole body, or undefined past the limit (read once asked: after the Host check). */
  body(): Buffer | undefined | Promise<Buffer | undefined>;
}

/** Where serve answers; `live` is node:http's response, which a streamed function URL writes as it comes. */
interface FrontReply extends PlainReply {
  live?: ServerResponse;
}

function fromNode(req: IncomingMessage, limit: number): FrontRequest {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
    host: req.headers.host,
    remoteAddress: req.socket.remoteAddress,
    // A request without a body (most are GETs) needs no wait for one.
    body: () => (declaresNoBody(req) ? NO_BODY : readBody(req, limit)),
  };
}

function replyOf(res: ServerResponse): FrontReply {
  return {
    get headersSent() {
      return res.headersSent;
    },
    send(statusCode, headers, body) {
      res.writeHead(statusCode, headers);
      res.end(body);
    },
    destroy: () => res.destroy(),
    live: res,
  };
}

/**
 * node:http's request handler: `handle`, whose throw or rejection (an uncaught exception or an
 * unhandled rejection from node:http's handler, either of which ends serve) is said and answered
 * with a 500 that closes the connection.
 */
function failSafe(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  failed: ReturnType<typeof warnFailed>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      // `answer` catches serve's failures; this, a throw in that catch (a 500 Node refuses, a
      // warning that throws).
      handle(req, res).catch((error: unknown) => failOnNode(req, res, error, failed));
    } catch (error) {
      failOnNode(req, res, error, failed);
    }
  };
}

/**
 * node:http's answer to a request whose handling failed: said, then a 500 that closes the
 * connection, or the answer cut. Throws nothing: it is the last resort.
 */
function failOnNode(
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  failed: ReturnType<typeof warnFailed>,
): void {
  try {
    failed(error, { method: req.method ?? 'GET', url: req.url ?? '/' });
  } catch {
    // Its report failing too must not take serve down either.
  }
  try {
    if (res.headersSent) return void res.destroy();
    const { body, headers } = jsonError(500, 'Internal Server Error');
    // Its reason named: a writeHead that threw keeps the status text it set ("500 OK").
    res.writeHead(500, 'Internal Server Error', {
      ...Object.fromEntries(headers),
      'content-length': body.length,
      connection: 'close',
    });
    res.end(body);
  } catch {
    res.destroy();
  }
}

function fromPlain(request: PlainRequest, body: Buffer, socket: Socket): FrontRequest {
  return {
    method: request.method,
    url: request.url,
    httpVersion: '1.1',
    rawHeaders: request.rawHeaders,
    host: request.host,
    remoteAddress: socket.remoteAddress,
    body: () => body,
  };
}

/**
 * RFC 9110 8.6: no Content-Length on a 1xx or 204, and on a 304 only the 200's length (unknown
 * here). A HEAD response may only repeat the GET's length: the one the function declared (a WSGI
 * or ASGI app answers HEAD with it and no body), else that of a body it sent anyway.
 */
function contentLength(method: string | undefined, response: HttpResponseParts): string | undefined {
  const status = response.statusCode;
  if (status < 200 || status === 204 || status === 304) return undefined;
  if (method === 'HEAD')
    return response.declaredLength ?? (response.body.length > 0 ? String(response.body.length) : undefined);
  return String(response.body.length);
}

function jsonError(statusCode: number, message: string): HttpResponseParts {
  return {
    statusCode,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

const NO_BODY = Buffer.alloc(0);

/** The client's address as IPv4 when it came as an IPv4-mapped IPv6 one. */
function sourceIp(address: string | undefined): string {
  if (address === undefined) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** No Content-Length (or 0) and no Transfer-Encoding: by HTTP/1.1 the request has no body (RFC 9112 6.3). */
function declaresNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/** The whole body, or undefined past `limit` bytes. Events, not an async iterator: it runs for every request. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
