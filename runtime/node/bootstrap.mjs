// A Lambda runtime client for Node.js handlers, built-ins only (Node 20+).
//
// Speaks the Lambda Runtime API at http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/
// the way AWS's own runtime does: load the handler named by _HANDLER
// (`file.export`, file under LAMBDA_TASK_ROOT as .js, .mjs or .cjs), report load
// failures to /runtime/init/error and exit, then loop over /invocation/next,
// calling async or callback-style handlers and posting the result or the error.
// lambda-deploy runs it for `target: local`.
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const API_VERSION = '2018-06-01';

class FaultError extends Error {
  constructor(errorType, message, cause) {
    super(message, cause ? { cause } : undefined);
    this.errorType = errorType;
  }
}

function parseAddress(address) {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) {
    throw new Error(`AWS_LAMBDA_RUNTIME_API must be host:port, got ${JSON.stringify(address)}`);
  }
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

// http, not fetch: undici's fetch gives up on a long poll after 300 s of silence.
// One kept-alive connection for every call, as AWS's runtimes hold it.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(api, method, route, body, headers = {}, retried = false) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: api.host,
        port: api.port,
        method,
        path: `/${API_VERSION}/runtime/${route}`,
        headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) },
        agent,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      // A kept connection the server closed meanwhile: once more on a new one.
      if (req.reusedSocket && !retried && error.code === 'ECONNRESET')
        resolve(request(api, method, route, body, headers, true));
      else reject(error);
    });
    req.end(body);
  });
}

async function post(api, route, body, headers) {
  const res = await request(api, 'POST', route, body, headers);
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
  let message;
  try {
    message = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    message = String(value);
  }
  return { errorType: typeof value === 'string' ? 'string' : 'Error', errorMessage: message ?? String(value), stackTrace: [] };
}

function stackLines(error) {
  return typeof error?.stack === 'string' ? error.stack.split('\n') : [];
}

function printError(error, cause) {
  const detail = cause instanceof Error && cause.stack ? cause.stack : error.stackTrace.join('\n');
  process.stderr.write(`ERROR\t${error.errorType}: ${error.errorMessage}${detail ? `\n${detail}` : ''}\n`);
}

// `dir/app.handler` -> file `dir/app`, export path `handler`; `app.obj.fn` -> `app`, `obj.fn`.
function splitHandler(handler) {
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

async function loadHandler(taskRoot, handler) {
  const { file, exportPath } = splitHandler(handler);
  const base = path.resolve(taskRoot, file);
  const found = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (!found) {
    throw new FaultError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${file}' (looked for ${file}.js, ${file}.mjs and ${file}.cjs in ${taskRoot})`,
    );
  }
  let loaded;
  try {
    // import() loads ES modules and CommonJS alike; module.exports is the default export.
    loaded = await import(pathToFileURL(found).href);
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
  if (fn === undefined && loaded.default && typeof loaded.default === 'object') fn = lookup(loaded.default);
  if (typeof fn !== 'function') {
    throw new FaultError('Runtime.HandlerNotFound', `${path.basename(file)}.${exportPath} is undefined or not exported`);
  }
  return fn;
}

function makeContext(headers, complete) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] ?? 0);
  const parse = (value) => (value ? JSON.parse(value) : undefined);
  return {
    callbackWaitsForEmptyEventLoop: true,
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
    // The legacy completion methods, still accepted by Lambda's Node runtimes.
    done: (error, result) => complete(error, result),
    succeed: (result) => complete(null, result),
    fail: (error) => complete(error ?? new Error('handler failed')),
  };
}

// Runs one invocation: the first of callback, context.done/succeed/fail or the
// returned promise decides the outcome.
function runHandler(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    const complete = (error, result) => {
      if (settled) return;
      settled = true;
      resolve(error !== null && error !== undefined ? { error } : { result });
    };
    const context = makeContext(headers, complete);
    let returned;
    try {
      returned = handler(event, context, complete);
    } catch (error) {
      complete(error);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (result) => complete(null, result),
        (error) => complete(error ?? new Error('handler rejected')),
      );
    } else if (handler.length < 3 && returned !== undefined) {
      complete(null, returned);
    } else if (handler.length < 3) {
      // A synchronous handler that neither returned a value nor took a callback.
      complete(null, undefined);
    }
  });
}

let current; // the request id being served, for uncaught errors
let initialized = false;

async function serve(api, handler) {
  for (;;) {
    let next;
    try {
      next = await request(api, 'GET', 'invocation/next');
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

    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString('utf8')) : null;
    } catch (error) {
      const e = { errorType: 'Runtime.UnmarshalError', errorMessage: `Unable to parse the event as JSON: ${error.message}`, stackTrace: [] };
      printError(e);
      const { body, headers } = errorBody(e);
      await post(api, `invocation/${requestId}/error`, body, headers);
      continue;
    }

    // A promise that never settles must time out, as on Lambda, not let the process drain and exit.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const outcome = await runHandler(handler, event, next.headers);
    clearInterval(keepAlive);
    current = undefined;
    if ('error' in outcome) {
      const e = toLambdaError(outcome.error);
      printError(e, outcome.error);
      const { body, headers } = errorBody(e);
      await post(api, `invocation/${requestId}/error`, body, headers);
      continue;
    }
    let payload;
    try {
      payload = JSON.stringify(outcome.result === undefined ? null : outcome.result);
    } catch (error) {
      const e = { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${error.message}`, stackTrace: [] };
      printError(e);
      const { body, headers } = errorBody(e);
      await post(api, `invocation/${requestId}/error`, body, headers);
      continue;
    }
    await post(api, `invocation/${requestId}/response`, payload, { 'Content-Type': 'application/json' });
  }
}

async function main() {
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) {
    process.stderr.write('lambda runtime: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(2);
  }
  const api = parseAddress(address);
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();

  // An error nobody awaited ends the runtime, as on Lambda; the invocation in
  // flight (or the init phase) is told why first.
  const fatal = (errorType) => async (reason) => {
    const e = { ...toLambdaError(reason), errorType };
    printError(e, reason);
    const route = current ? `invocation/${current}/error` : initialized ? undefined : 'init/error';
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
