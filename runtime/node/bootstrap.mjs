// A Lambda runtime client for Node.js handlers, built-ins only (Node 20+).
//
// Speaks the Lambda Runtime API at http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/
// the way AWS's own runtime does: load the handler named by _HANDLER
// (`file.export`, file under LAMBDA_TASK_ROOT as .js, .mjs or .cjs), report load
// failures to /runtime/init/error and exit, then loop over /invocation/next,
// calling async or callback-style handlers and posting the result or the error.
// lambda-deploy runs it for `target: local`.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const API_VERSION = '2018-06-01';
// Lambda's Node.js 24 and later runtimes (a rewritten runtime client) take async handlers only:
// no callback, no context.done/succeed/fail, no callbackWaitsForEmptyEventLoop.
const NODE_MAJOR = Number(/^AWS_Lambda_nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV ?? '')?.[1] ?? 0);
const ASYNC_ONLY = NODE_MAJOR >= 24;
const CALLBACK_REMOVED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. ' +
  'You need to modify this function to use a supported handler signature to use Node.js 24 or later. ' +
  'For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

class FaultError extends Error {
  constructor(errorType, message, cause) {
    super(message, cause ? { cause } : undefined);
    this.errorType = errorType;
  }
}

// Response streaming, as Lambda's Node.js runtimes offer it: the global `awslambda`. A handler
// wrapped by streamifyResponse gets (event, responseStream, context); what it writes is posted to
// the Runtime API as it goes (a chunked body, `Lambda-Runtime-Function-Response-Mode: streaming`),
// an error as trailers. HttpResponseStream.from puts an HTTP prelude first: its JSON, then 8 NULs.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';
const ERROR_TYPE_TRAILER = 'Lambda-Runtime-Function-Error-Type';
const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';
const END_BEFORE_WRITE =
  'lambda runtime: end(chunk) came before any write(): on Lambda its status and headers (HttpResponseStream.from) are not sent ' +
  '(a function URL answers 502); write(chunk) first, then end().\n';

class HttpResponseStream {
  static from(stream, prelude) {
    stream.setContentType(PRELUDE_TYPE);
    const head = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(head);
      write(new Uint8Array(8));
    };
    return stream;
  }
}

globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[STREAMING] = 'response';
    if (options?.highWaterMark) handler[HIGH_WATER_MARK] = options.highWaterMark;
    return handler;
  },
  HttpResponseStream,
};

function parseAddress(address) {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) {
    throw new Error(`AWS_LAMBDA_RUNTIME_API must be host:port, got ${JSON.stringify(address)}`);
  }
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

// One kept-alive HTTP/1.1 connection to the Runtime API, on a plain socket (no
// proxies). After a result is posted, the next GET invocation/next goes out in the
// same write (pipelined): one exchange per invocation. A kept connection that the
// server closed meanwhile is opened again once; a server that does not keep
// connections alive gets one request per connection and no pipelining.
// Not http.request: its per-request objects and streams were most of the time an
// invocation spent in the runtime, and undici's fetch gives up on a long poll after 300 s.
class RuntimeApiClient {
  constructor({ host, port }) {
    this.host = host;
    this.port = port;
    this.getNext = Buffer.from(`GET /${API_VERSION}/runtime/invocation/next HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`, 'latin1');
    this.socket = undefined;
    this.nextSent = false; // a pipelined poll whose answer is still to be read
  }

  open() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
      // need: input bytes the answer being read needs, so a large event is joined once, not per chunk.
      const conn = { socket, input: Buffer.alloc(0), pending: [], need: 0, answers: [], reader: undefined, closed: false, error: undefined };
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', (error) => (conn.error = error));
        resolve(conn);
      });
      socket.once('error', reject);
      socket.on('data', (chunk) => {
        conn.pending.push(chunk);
        if (conn.input.length + conn.pending.reduce((n, c) => n + c.length, 0) < conn.need) return;
        conn.input = conn.input.length === 0 && conn.pending.length === 1 ? chunk : Buffer.concat([conn.input, ...conn.pending]);
        conn.pending = [];
        this.parse(conn);
      });
      socket.on('close', () => {
        conn.closed = true;
        conn.input = Buffer.concat([conn.input, ...conn.pending]);
        conn.pending = [];
        this.parse(conn);
        if (conn.reader) {
          const { reject: fail } = conn.reader;
          conn.reader = undefined;
          fail(conn.error ?? Object.assign(new Error('the Runtime API closed the connection'), { code: 'ECONNRESET' }));
        }
      });
    });
  }

  // Whether the kept connection keeps the process alive (a handle's ref count, no system call).
  hold(keep) {
    if (this.conn) this.conn.socket[keep ? 'ref' : 'unref']();
  }

  close() {
    this.nextSent = false;
    if (this.conn) this.conn.socket.destroy();
    this.conn = undefined;
  }

  // Moves every complete answer out of the input.
  parse(conn) {
    for (;;) {
      const answer = parseAnswer(conn);
      if (!answer) return;
      if (answer.close) {
        conn.closed = true;
        conn.socket.end();
      }
      if (conn.reader) {
        const { resolve } = conn.reader;
        conn.reader = undefined;
        resolve(answer);
      } else conn.answers.push(answer);
    }
  }

  read(conn) {
    if (conn.answers.length > 0) return Promise.resolve(conn.answers.shift());
    if (conn.closed) return Promise.reject(conn.error ?? Object.assign(new Error('the Runtime API closed the connection'), { code: 'ECONNRESET' }));
    return new Promise((resolve, reject) => (conn.reader = { resolve, reject }));
  }

  // Sends one request and returns its answer; with thenNext the poll follows in the same write on a kept connection.
  async call(request, thenNext = false) {
    for (;;) {
      const reused = this.conn !== undefined && !this.conn.closed;
      if (!reused) {
        this.close();
        this.conn = await this.open();
      }
      const conn = this.conn;
      const pipelined = thenNext && reused;
      try {
        conn.socket.write(pipelined ? Buffer.concat([request, this.getNext]) : request);
        const answer = await this.read(conn);
        this.nextSent = pipelined && !conn.closed;
        return answer;
      } catch (error) {
        this.close();
        if (!reused) throw error;
      }
    }
  }

  async next() {
    if (this.nextSent) {
      this.nextSent = false;
      try {
        return await this.read(this.conn);
      } catch {
        // The kept connection went away while the poll was parked: poll again on a new one.
        this.close();
      }
    }
    return this.call(this.getNext);
  }

  post(route, body, headers, thenNext) {
    const data = Buffer.from(body);
    let head = `POST /${API_VERSION}/runtime/${route} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n`;
    for (const [name, value] of Object.entries({ ...headers, 'Content-Length': data.length })) {
      head += `${name}: ${String(value).replace(/[\r\n]/g, ' ')}\r\n`;
    }
    return this.call(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), data]), thenNext);
  }
}

// One answer from the head of conn.input, or undefined until it is all there.
function parseAnswer(conn) {
  const end = conn.input.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = conn.input.toString('latin1', 0, end).split('\r\n');
  const [version, code] = lines[0].split(' ');
  const status = Number(code);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let close = version !== 'HTTP/1.1' || /close/i.test(headers.connection ?? '');
  const rest = conn.input.subarray(end + 4);
  let body;
  let used;
  if (status < 200) {
    conn.input = rest; // 100 Continue: the real answer follows
    return parseAnswer(conn);
  } else if (status === 204 || status === 304) {
    [body, used] = [Buffer.alloc(0), 0];
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunked = parseChunked(rest);
    if (!chunked) return undefined;
    [body, used] = chunked;
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) {
      conn.need = end + 4 + length;
      return undefined;
    }
    [body, used] = [rest.subarray(0, length), length];
  } else {
    if (!conn.closed) return undefined; // the body runs to the end of the connection
    [body, used, close] = [rest, rest.length, true];
  }
  conn.input = rest.subarray(used);
  conn.need = 0;
  return { status, headers, body: Buffer.from(body), close };
}

// [body, bytes used] of a complete chunked body at the start of `data`, else undefined.
function parseChunked(data) {
  const chunks = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, eol).split(';')[0], 16);
    at = eol + 2;
    if (size === 0) {
      // Trailers, up to an empty line.
      for (;;) {
        const next = data.indexOf('\r\n', at);
        if (next < 0) return undefined;
        const empty = next === at;
        at = next + 2;
        if (empty) return [Buffer.concat(chunks), at];
      }
    }
    if (data.length < at + size + 2) return undefined;
    chunks.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

async function post(api, route, body, headers, thenNext = false) {
  const res = await api.post(route, body, headers, thenNext);
  if (res.status >= 300) {
    process.stderr.write(`lambda runtime: POST ${route} returned HTTP ${res.status}: ${res.body.toString().slice(0, 300)}\n`);
  }
}

function errorBody(error) {
  return {
    body: JSON.stringify(error),
    headers: { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': error.errorType },
  };
}

function toLambdaError(value) {
  if (value instanceof FaultError) {
    return { errorType: value.errorType, errorMessage: value.message, stackTrace: stackLines(value.cause) };
  }
  if (value instanceof Error) {
    return { errorType: value.name || 'Error', errorMessage: value.message, stackTrace: stackLines(value) };
  }
  // Anything else as Lambda's runtime client reports it: its type and its string form.
  let message;
  try {
    message = String(value);
  } catch {
    message = 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack';
    return { errorType: 'handled', errorMessage: message, stackTrace: [] };
  }
  return { errorType: typeof value, errorMessage: message, stackTrace: [] };
}

// What a handler failed with when it threw or rejected with null or undefined: up to Node.js 22
// Lambda reports the string 'handled'; from Node.js 24 the value itself.
function nothing(value) {
  return ASYNC_ONLY ? new FaultError(typeof value, String(value)) : 'handled';
}

// This file as its stack frames name it.
const OWN_FILE = `${import.meta.url}:`;

// A stack without this runtime's frames: from the first of them outward all are the runtime's (and
// Node's, calling it), no place a user looks for the error; as bootstrap.py leaves out its own.
function stackLines(error) {
  if (typeof error?.stack !== 'string') return [];
  const lines = error.stack.split('\n');
  const ours = lines.findIndex((line) => /^\s+at /.test(line) && line.includes(OWN_FILE));
  return ours < 0 ? lines : lines.slice(0, ours);
}

function printError(error, cause) {
  const detail = cause instanceof Error && cause.stack ? stackLines(cause).join('\n') : error.stackTrace.join('\n');
  process.stderr.write(`ERROR\t${error.errorType}: ${error.errorMessage}${detail ? `\n${detail}` : ''}\n`);
}

// `dir/app.handler` -> file `dir/app`, export path `handler`; `app.obj.fn` -> `app`, `obj.fn`.
function splitHandler(handler) {
  if (handler.includes('..')) {
    throw new FaultError(
      'Runtime.MalformedHandlerName',
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  const file = dot < 0 ? '' : handler.slice(0, dot);
  const exportPath = dot < 0 ? '' : handler.slice(dot + 1);
  if (!file || !exportPath || file.endsWith('/') || exportPath.split('.').some((p) => !p)) {
    throw new FaultError(
      'Runtime.MalformedHandlerName',
      `Bad handler '${handler}': expected file.export, e.g. index.handler or src/app.handler`,
    );
  }
  return { file, exportPath };
}

// As Node.js decides: .mjs, or .js under a package.json (the nearest, not past node_modules) with "type": "module".
function isEsModule(file) {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); !dir.endsWith(`${path.sep}node_modules`); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8'))?.type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
  return false;
}

// No file.js/.mjs/.cjs: as Lambda, the module Node.js's require() finds, the file or folder
// (index.js) by that name (up to Node.js 22) or a package in node_modules; undefined if none.
function resolveByNode(taskRoot, file, base) {
  const name = !ASYNC_ONLY && existsSync(base) ? base : path.basename(file);
  try {
    return createRequire(path.join(taskRoot, 'index.js')).resolve(name, {
      paths: [taskRoot, path.join(taskRoot, path.dirname(file))],
    });
  } catch {
    return undefined;
  }
}

async function loadHandler(taskRoot, handler) {
  const { file, exportPath } = splitHandler(handler);
  const base = path.resolve(taskRoot, file);
  let found = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  const viaRequire = !found;
  if (!found) found = resolveByNode(taskRoot, file, base);
  if (!found) {
    throw new FaultError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${file}' (looked for ${file}.js, ${file}.mjs and ${file}.cjs in ${taskRoot})`,
    );
  }
  let loaded;
  try {
    // import() loads ES modules and CommonJS alike; module.exports is the default export.
    loaded = viaRequire ? createRequire(found)(found) : await import(pathToFileURL(found).href);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new FaultError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`, error);
    }
    if (error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'MODULE_NOT_FOUND') {
      throw new FaultError('Runtime.ImportModuleError', `Error: ${error.message}`, error);
    }
    throw error;
  }
  const names = exportPath.split('.');
  const lookup = (root) => names.reduce((obj, name) => (obj == null ? undefined : obj[name]), root);
  let fn = lookup(loaded);
  // CommonJS comes through import() as its module.exports under `default`: what require() gives
  // Lambda. An ES module's default export is searched only from Node.js 24, as Lambda does.
  const searchDefault = ASYNC_ONLY || !isEsModule(found);
  if (fn === undefined && searchDefault && loaded.default && typeof loaded.default === 'object') fn = lookup(loaded.default);
  if (!fn) throw new FaultError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new FaultError('Runtime.HandlerNotFound', `${handler} is not a function`);
  if (ASYNC_ONLY && fn.length >= 3 && fn[STREAMING] !== 'response') throw new FaultError('Runtime.CallbackHandlerDeprecated', CALLBACK_REMOVED);
  return fn;
}

function makeContext(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] ?? 0);
  const parse = (value) => (value ? JSON.parse(value) : undefined);
  return {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'] ?? '',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: headers['lambda-runtime-aws-request-id'] ?? '',
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? '',
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
    clientContext: parse(headers['lambda-runtime-client-context']),
    identity: parse(headers['lambda-runtime-cognito-identity']),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

// Node.js 24 and later: the handler's result is awaited, whatever it returns.
function runAwaited(handler, event, headers) {
  return new Promise((resolve) => {
    const failed = (error) => resolve({ error: error ?? nothing(error) });
    let returned;
    try {
      returned = handler(event, makeContext(headers));
    } catch (error) {
      failed(error);
      return;
    }
    Promise.resolve(returned).then((result) => resolve({ result }), failed);
  });
}

const NODE_JS_EXIT =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise ' +
  'that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';
const idle = () => undefined;
// Up to Node.js 22, what Lambda's runtime does once the event loop has nothing left to do: set per invocation.
let onEmptyLoop = idle;
if (!ASYNC_ONLY) process.on('beforeExit', () => onEmptyLoop());

function isAsyncFunction(fn) {
  try {
    return fn.constructor?.name === 'AsyncFunction';
  } catch {
    return false;
  }
}

// Up to Node.js 22, as Lambda's runtime client: the first of callback, context.done/succeed/fail or
// the returned promise decides. A plain return value is not the result: once the event loop is
// empty, a handler that never completed answers null (an async one fails with Runtime.NodeJsExit).
// After callback(null, result) the answer waits for an empty event loop unless
// context.callbackWaitsForEmptyEventLoop was set to false.
function runLegacy(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      onEmptyLoop = idle;
      resolve(outcome);
    };
    let finished = false;
    const once =
      (fn) =>
      (...args) => {
        if (finished) return;
        finished = true;
        fn(...args);
      };
    const done = (error, result) => settle(error !== undefined && error !== null ? { error } : { result });
    const context = makeContext(headers);
    context.callbackWaitsForEmptyEventLoop = true;
    context.done = once(done);
    context.succeed = once((result) => done(null, result));
    context.fail = once((error) => done(error ?? 'handled'));
    const callback = once((error, result) => {
      if (settled) return;
      if (error !== undefined && error !== null) settle({ error });
      else if (!context.callbackWaitsForEmptyEventLoop) settle({ result });
      else onEmptyLoop = () => setImmediate(() => settle({ result }));
    });
    onEmptyLoop = isAsyncFunction(handler)
      ? () => settle({ error: new FaultError('Runtime.NodeJsExit', NODE_JS_EXIT) })
      : () => settle({ result: null });
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (error) {
      callback(error);
      return;
    }
    if (returned && typeof returned.then === 'function') returned.then(context.succeed, context.fail);
  });
}

// Streamed responses go on their own kept-alive connection (node:http: a chunked body with
// trailers); the invocation loop's connection stays as it is.
let streamAgent;

// The writable stream a streaming handler writes its response to, and the Runtime API's answer
// (once the stream has ended). The request goes out with the first write or the end.
function openResponseStream(api, requestId, highWaterMark) {
  streamAgent ??= new http.Agent({ keepAlive: true, maxSockets: 1 });
  const req = http.request({
    host: api.host,
    port: api.port,
    method: 'POST',
    path: `/${API_VERSION}/runtime/invocation/${encodeURIComponent(requestId)}/response`,
    agent: streamAgent,
    ...(highWaterMark && { highWaterMark }),
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Content-Type': 'application/octet-stream',
      'Transfer-Encoding': 'chunked',
      Trailer: `${ERROR_TYPE_TRAILER}, ${ERROR_BODY_TRAILER}`,
    },
  });
  const answered = new Promise((resolve, reject) => {
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
      res.once('aborted', () => reject(new Error('the Runtime API cut its answer')));
    });
    req.once('error', reject);
  });
  let started = false;
  const write = req.write.bind(req);
  const end = req.end.bind(req);
  req.setContentType = (type) => {
    if (started) throw new Error('Cannot set content-type, too late.');
    req.setHeader('Content-Type', type);
  };
  req.write = (chunk, encoding, callback) => {
    // As Lambda's runtime: anything but a string or bytes is written as JSON.
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) chunk = JSON.stringify(chunk);
    if (!started && typeof req._onBeforeFirstWrite === 'function') req._onBeforeFirstWrite((c) => write(c));
    started = true;
    return write(chunk, encoding, callback);
  };
  req.end = (chunk, encoding, callback) => {
    if (typeof chunk === 'function') return end(chunk);
    if (chunk !== undefined && chunk !== null) {
      // As Lambda's runtime, whose end(chunk) does not go through write(): the prelude is not sent.
      if (!started && typeof req._onBeforeFirstWrite === 'function') {
        req._onBeforeFirstWrite = undefined;
        process.stderr.write(END_BEFORE_WRITE);
      }
      req.write(chunk, typeof encoding === 'string' ? encoding : undefined);
    }
    return end(typeof encoding === 'function' ? encoding : callback);
  };
  return { stream: req, answered };
}

// One invocation of a streaming handler: it must return a promise; its value is ignored. An error
// before the stream ended ends it with the error as trailers.
async function runStreaming(api, handler, event, headers, requestId) {
  const { stream, answered } = openResponseStream(api, requestId, handler[HIGH_WATER_MARK]);
  answered.catch(() => undefined); // reported below, once awaited
  const context = makeContext(headers);
  context.callbackWaitsForEmptyEventLoop = true;
  let failure;
  try {
    const returned = handler(event, stream, context);
    if (!returned || typeof returned.then !== 'function') {
      failure = new FaultError('Runtime.InvalidStreamingOperation', 'Streaming does not support non-async handlers.');
    } else {
      const result = await returned;
      if (result !== undefined) console.warn('Streaming handlers ignore return values.');
    }
  } catch (error) {
    failure = error ?? nothing(error);
  }
  if (failure !== undefined) {
    const e = toLambdaError(failure);
    printError(e, failure);
    if (!stream.writableEnded) {
      stream.addTrailers({ [ERROR_TYPE_TRAILER]: e.errorType, [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(e)).toString('base64') });
      stream.end();
    }
  }
  // As Lambda's runtime: the invocation is over once the stream has ended and the Runtime API answered.
  try {
    const status = await answered;
    if (status >= 300) process.stderr.write(`lambda runtime: the streamed response got HTTP ${status}\n`);
  } catch (error) {
    process.stderr.write(`lambda runtime: streaming the response failed: ${error.message}\n`);
  }
}

// How an uncaught error or unhandled rejection reads. Up to Node.js 22 as Lambda's runtime client
// posts it: an uncaught error as it is; a rejection as Runtime.UnhandledPromiseRejection with the
// reason's string form ("TypeError: boom") as its message.
function fatalError(errorType, reason) {
  const e = toLambdaError(reason);
  if (ASYNC_ONLY) return { ...e, errorType };
  if (errorType === 'Runtime.UncaughtException') return e;
  return { ...e, errorType, errorMessage: reason instanceof Error ? String(reason) : e.errorMessage };
}

let logRequestId; // the request id console lines carry: undefined during init, then the latest, as on Lambda

// console.* as Lambda's Node.js runtimes patch it: one stdout line `time\trequest id\tLEVEL\tmessage`,
// and console.fatal. (Lambda turns a message's newlines into \r for CloudWatch; kept here, for terminals.)
function patchConsole() {
  const to = (level) => (message, ...params) => {
    process.stdout.write(`${new Date().toISOString()}\t${logRequestId}\t${level}\t${format(message, ...params)}\n`);
  };
  console.trace = to('TRACE');
  console.debug = to('DEBUG');
  console.info = to('INFO');
  console.log = console.info;
  console.warn = to('WARN');
  console.error = to('ERROR');
  console.fatal = to('FATAL');
}

let current; // the request id being served, for uncaught errors
let initialized = false;

async function serve(api, handler) {
  for (;;) {
    let next;
    try {
      next = await api.next();
    } catch (error) {
      process.stderr.write(`lambda runtime: cannot reach the Runtime API: ${error.message}\n`);
      process.exit(3);
    }
    if (next.status !== 200) {
      process.stderr.write(`lambda runtime: GET invocation/next returned HTTP ${next.status}\n`);
      process.exit(3);
    }
    const requestId = String(next.headers['lambda-runtime-aws-request-id'] ?? '');
    const traceId = next.headers['lambda-runtime-trace-id'];
    if (traceId) process.env._X_AMZN_TRACE_ID = String(traceId);
    else delete process.env._X_AMZN_TRACE_ID;
    current = requestId;
    logRequestId = requestId;

    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString('utf8')) : null;
    } catch (error) {
      const e = { errorType: 'Runtime.UnmarshalError', errorMessage: `Unable to parse the event as JSON: ${error.message}`, stackTrace: [] };
      printError(e);
      const { body, headers } = errorBody(e);
      await post(api, `invocation/${encodeURIComponent(requestId)}/error`, body, headers, true);
      continue;
    }

    if (handler[STREAMING] === 'response') {
      await runStreaming(api, handler, event, next.headers, requestId);
      current = undefined;
      continue;
    }
    let outcome;
    if (ASYNC_ONLY) {
      // A promise that never settles times out, rather than letting the process drain and exit.
      const keepAlive = setInterval(idle, 1 << 30);
      outcome = await runAwaited(handler, event, next.headers);
      clearInterval(keepAlive);
    } else {
      // The idle connection must not keep the event loop busy: an empty loop is an outcome here.
      api.hold(false);
      outcome = await runLegacy(handler, event, next.headers);
      api.hold(true);
    }
    current = undefined;
    if ('error' in outcome) {
      const e = toLambdaError(outcome.error);
      printError(e, outcome.error);
      const { body, headers } = errorBody(e);
      await post(api, `invocation/${encodeURIComponent(requestId)}/error`, body, headers, true);
      continue;
    }
    let payload;
    try {
      payload = JSON.stringify(outcome.result === undefined ? null : outcome.result);
    } catch (error) {
      // Lambda's words; the log line below keeps JSON's reason.
      const errorType = ASYNC_ONLY ? 'Runtime.JSONStringifyError' : 'Error';
      const e = { errorType, errorMessage: 'Unable to stringify response body', stackTrace: [] };
      printError(e, error);
      const { body, headers } = errorBody(e);
      await post(api, `invocation/${encodeURIComponent(requestId)}/error`, body, headers, true);
      continue;
    }
    await post(api, `invocation/${encodeURIComponent(requestId)}/response`, payload, { 'Content-Type': 'application/json' }, true);
  }
}

async function main() {
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) {
    process.stderr.write('lambda runtime: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(2);
  }
  patchConsole();
  const api = new RuntimeApiClient(parseAddress(address));
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();

  // An error nobody awaited ends the runtime, as on Lambda; the invocation in
  // flight (or the init phase) is told why first.
  const fatal = (errorType) => async (reason) => {
    // The invocation ends here: no answer when the loop empties, and the post keeps the process alive.
    onEmptyLoop = idle;
    api.hold(true);
    const e = fatalError(errorType, reason);
    printError(e, reason);
    const route = current ? `invocation/${encodeURIComponent(current)}/error` : initialized ? undefined : 'init/error';
    const { body, headers } = errorBody(e);
    try {
      if (route) await post(api, route, body, headers);
    } finally {
      process.exit(129);
    }
  };
  process.on('uncaughtException', fatal('Runtime.UncaughtException'));
  process.on('unhandledRejection', fatal('Runtime.UnhandledPromiseRejection'));

  let handler;
  try {
    handler = await loadHandler(taskRoot, process.env._HANDLER ?? '');
  } catch (error) {
    const e = toLambdaError(error);
    printError(e, error instanceof FaultError ? error.cause ?? error : error);
    const { body, headers } = errorBody(e);
    await post(api, 'init/error', body, headers);
    process.exit(1);
  }
  initialized = true;
  await serve(api, handler);
}

await main();
