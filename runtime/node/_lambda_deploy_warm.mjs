// lambda-deploy warm-up wrapper for plain Node.js handlers (built-ins only, Node 20+).
//
// With `keep-warm`, lambda-deploy copies this file into the package root and
// sets the function's handler to `_lambda_deploy_warm.handler`. The keep-warm
// ping {"lambda-deploy": "warmup"} is answered with {warm: true} here, so it
// never reaches the user's handler (which is not even loaded for it). Every
// other event goes to the user's handler, named in Lambda's syntax
// (`file.export`, `dir/file.export`, `file.obj.fn`) by the environment variable
// LAMBDA_DEPLOY_HANDLER, or else under "handler" in _lambda_deploy_settings.json
// next to this file. The file is found as Lambda finds it under the task root:
// .js (ESM or CommonJS by package.json), then .mjs, then .cjs.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENV_VAR = 'LAMBDA_DEPLOY_HANDLER';
const SETTINGS_FILE = '_lambda_deploy_settings.json';
const WARMUP_KEY = 'lambda-deploy';
const WARMUP_VALUE = 'warmup';
const HERE = path.dirname(fileURLToPath(import.meta.url));

// Lambda's own error types, so a load failure reads as it would without the wrapper.
function fault(name, message, cause) {
  const error = new Error(message, cause ? { cause } : undefined);
  error.name = name;
  return error;
}

function isWarmup(event) {
  return event !== null && typeof event === 'object' && event[WARMUP_KEY] === WARMUP_VALUE;
}

function handlerName() {
  const fromEnv = (process.env[ENV_VAR] ?? '').trim();
  if (fromEnv) return { name: fromEnv, source: ENV_VAR };
  const file = path.join(HERE, SETTINGS_FILE);
  if (!existsSync(file)) {
    throw fault('Runtime.HandlerNotFound', `${ENV_VAR} is not set and ${SETTINGS_FILE} was not found next to the wrapper`);
  }
  const settings = JSON.parse(readFileSync(file, 'utf8'));
  const name = settings && typeof settings === 'object' ? settings.handler : undefined;
  if (typeof name !== 'string' || !name.trim()) {
    throw fault('Runtime.HandlerNotFound', `${SETTINGS_FILE} has no "handler" (expected "file.export")`);
  }
  return { name: name.trim(), source: SETTINGS_FILE };
}

// `dir/app.handler` -> file `dir/app`, export path `handler`; `app.obj.fn` -> `app`, `obj.fn`.
function splitHandler(name) {
  if (name.includes('..')) {
    throw fault(
      'Runtime.MalformedHandlerName',
      `'${name}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  const file = dot < 0 ? '' : name.slice(0, dot);
  const exportPath = dot < 0 ? '' : name.slice(dot + 1);
  if (!file || !exportPath || file.endsWith('/') || exportPath.split('.').some((p) => !p)) {
    throw fault(
      'Runtime.MalformedHandlerName',
      `Bad handler '${name}': expected file.export, e.g. index.handler or src/app.handler`,
    );
  }
  return { file, exportPath };
}

async function importHandler(name) {
  const { file, exportPath } = splitHandler(name);
  const taskRoot = process.env.LAMBDA_TASK_ROOT || HERE;
  const base = path.resolve(taskRoot, file);
  const found = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (!found) {
    throw fault(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${file}' (looked for ${file}.js, ${file}.mjs and ${file}.cjs in ${taskRoot})`,
    );
  }
  // import() loads ES modules and CommonJS alike; module.exports is the default export.
  const loaded = await import(pathToFileURL(found).href);
  const names = exportPath.split('.');
  const lookup = (root) => names.reduce((obj, key) => (obj == null ? undefined : obj[key]), root);
  let fn = lookup(loaded);
  if (fn === undefined && loaded.default && typeof loaded.default === 'object') fn = lookup(loaded.default);
  if (!fn) throw fault('Runtime.HandlerNotFound', `${name} is undefined or not exported`);
  if (typeof fn !== 'function') throw fault('Runtime.HandlerNotFound', `${name} is not a function`);
  return fn;
}

async function loadOnce() {
  let name;
  let source = ENV_VAR;
  try {
    ({ name, source } = handlerName());
    return await importHandler(name);
  } catch (error) {
    process.stderr.write(`lambda-deploy: could not load the handler${name ? ` '${name}'` : ''} (from ${source})\n`);
    throw error;
  }
}

let userHandler; // a promise of the user's function, loaded once

function load() {
  if (!userHandler) {
    const loading = loadOnce();
    userHandler = loading;
    // A failed load is not kept: the next event tries again, as a fresh instance would.
    loading.catch(() => {
      if (userHandler === loading) userHandler = undefined;
    });
  }
  return userHandler;
}

// A callback-style handler (three parameters) settles on its callback, or on a
// promise it returns, whichever comes first.
function call(fn, event, context) {
  if (fn.length < 3) return fn(event, context);
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error !== null && error !== undefined ? reject(error) : resolve(result));
    const returned = fn(event, context, callback);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  });
}

export const handler = async (event, context) => {
  if (isWarmup(event)) return { warm: true };
  const fn = await load();
  return call(fn, event, context);
};
