/**
 * The entry point is checked statically before anything runs or uploads:
 * Python modules through Python's `ast` (never imported), JavaScript through
 * the module lexers Node.js itself uses (never run).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  checkHandlerIn,
  exportLook,
  handlerTarget,
  HandlerCheckError,
  javascriptDefinitions,
  missingModuleError,
} from '../../src/packaging/handler-check.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { testPython } from '../support/vendor-wheels.js';

const root = mkdtempSync(join(tmpdir(), 'handler-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** Writes the files into a fresh folder; returns package path -> file on disk. */
function pkg(files: Record<string, string>): Map<string, string> {
  const dir = join(root, String(++counter));
  const map = new Map<string, string>();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    map.set(path, join(dir, path));
  }
  return map;
}

async function check(
  files: Record<string, string>,
  handler: string,
  runtime = 'python3.12',
  app?: string,
): Promise<{ found: boolean; warnings: string }> {
  const logger = new RecordingLogger();
  const found = await checkHandlerIn(handlerTarget(handler, runtime, app), pkg(files), runtime, {
    logger,
    python: testPython(),
  });
  return { found, warnings: logger.text('warning') };
}

describe('handlerTarget', () => {
  it.each([
    ['app.handler', 'python3.12', undefined, ['app.py', 'app/__init__.py'], 'handler'],
    ['pkg.mod.handler', 'python3.12', undefined, ['pkg/mod.py', 'pkg/mod/__init__.py'], 'handler'],
    [
      'src/index.handler',
      'nodejs22.x',
      undefined,
      ['src/index.js', 'src/index.mjs', 'src/index.cjs'],
      'handler',
    ],
    // Lambda's Node.js runtime: the file ends at the first dot after the last slash; the rest is a path into its exports.
    ['index.handlers.get', 'nodejs22.x', undefined, ['index.js', 'index.mjs', 'index.cjs'], 'handlers'],
    [
      'src/v1.2/app.routes.main',
      'nodejs20.x',
      undefined,
      ['src/v1.2/app.js', 'src/v1.2/app.mjs', 'src/v1.2/app.cjs'],
      'routes',
    ],
    ['', 'python3.12', 'service.main:api', ['service/main.py', 'service/main/__init__.py'], 'api'],
    ['', 'python3.12', 'app:create_app()', ['app.py', 'app/__init__.py'], 'create_app'],
    ['', 'python3.12', 'app:server.wsgi', ['app.py', 'app/__init__.py'], 'server'],
  ])('%s %s app=%s', (handler, runtime, app, files, name) => {
    expect(handlerTarget(handler, runtime, app)).toMatchObject({ files, name });
  });
});

describe('a Python handler, read with ast', () => {
  it.each([
    ['def', 'def handler(event, context):\n    return 1\n'],
    ['async def', 'async def handler(event, context):\n    return 1\n'],
    ['an assignment', 'from mangum import Mangum\napp = object()\nhandler = Mangum(app)\n'],
    ['an import', 'from .views import handler\n'],
    ['an import as', 'from views import main as handler\n'],
    ['a class', 'class handler:\n    pass\n'],
    [
      'an if block',
      'import os\nif os.environ.get("X"):\n    def handler(e, c): return 1\nelse:\n    handler = None\n',
    ],
    [
      'a try block',
      'try:\n    from fast import handler\nexcept ImportError:\n    from slow import handler\n',
    ],
    ['a tuple assignment', 'handler, other = (lambda e, c: 1), 2\n'],
  ])('finds one defined by %s', async (_, source) => {
    expect(await check({ 'app.py': source }, 'app.handler')).toEqual({ found: true, warnings: '' });
  });

  it('finds it in a package __init__.py and in a nested module', async () => {
    expect((await check({ 'app/__init__.py': 'def handler(e, c): pass\n' }, 'app.handler')).found).toBe(true);
    expect((await check({ 'pkg/mod.py': 'def handler(e, c): pass\n' }, 'pkg.mod.handler')).found).toBe(true);
  });

  it('fails naming the input, the file and what it defines instead', async () => {
    const attempt = check(
      {
        'app.py':
          'import json\nimport os.path as osp\n\ndef main(e, c):\n    pass\n\nclass Job:\n    pass\n\nHANDLER = 1\nTABLE = os.environ["T"]\nrun = Job()\n',
      },
      'app.handler',
    );
    await expect(attempt).rejects.toBeInstanceOf(HandlerCheckError);
    // Its functions, classes and callable objects: not the modules it imports, nor its constants.
    await expect(attempt).rejects.toThrow(
      'handler: "app.handler": app.py defines no "handler" (it defines: Job, main, run). Expected module.function naming the function Lambda calls.',
    );
  });

  it('a Flask or FastAPI module under the default handler: says to set app instead', async () => {
    const flask =
      'from flask import Flask\n\napp = Flask(__name__)\n\n@app.get("/")\ndef index():\n    return "hi"\n';
    await expect(check({ 'app.py': flask }, 'app.handler')).rejects.toThrow(
      'handler: "app.handler": app.py defines no "handler" (it defines: Flask, app, index). For a WSGI/ASGI app (Flask, FastAPI, Django) set app: "app:app" instead of handler; else expected module.function naming the function Lambda calls.',
    );
  });

  // Lambda would call the app with (event, context): Django answers KeyError: 'REQUEST_METHOD', an ASGI app a TypeError.
  it.each([
    [
      'Django',
      'mysite/wsgi.py',
      'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\napplication = get_wsgi_application()\n',
      'mysite.wsgi.application',
      'handler: "mysite.wsgi.application": mysite/wsgi.py defines "application" as a WSGI/ASGI app (get_wsgi_application()), not a function Lambda can call with (event, context). Set app: "mysite.wsgi:application" instead of handler: the package then carries an adapter as its handler.',
    ],
    [
      'Flask',
      'app.py',
      'import flask\napp = flask.Flask(__name__)\n',
      'app.app',
      'handler: "app.app": app.py defines "app" as a WSGI/ASGI app (flask.Flask()), not a function Lambda can call with (event, context). Set app: "app:app" instead of handler',
    ],
    [
      'FastAPI',
      'service/main.py',
      'from fastapi import FastAPI\napi: FastAPI = FastAPI()\n',
      'service.main.api',
      'handler: "service.main.api": service/main.py defines "api" as a WSGI/ASGI app (FastAPI()), not a function Lambda can call with (event, context). Set app: "service.main:api" instead of handler',
    ],
  ])(
    'a handler naming a %s app object: says to set app instead',
    async (_, file, source, handler, expected) => {
      await expect(check({ [file]: source }, handler)).rejects.toThrow(expected);
    },
  );

  it('a handler that wraps the app (Mangum) is a handler: found', async () => {
    const source =
      'from fastapi import FastAPI\nfrom mangum import Mangum\napp = FastAPI()\nhandler = Mangum(app)\n';
    expect(await check({ 'main.py': source }, 'main.handler')).toEqual({ found: true, warnings: '' });
  });

  it("in a terminal: says the CLI's flags, quoted for a shell", async () => {
    const flask = 'from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n';
    const target = handlerTarget('app.handler', 'python3.12');
    const deps = { logger: new RecordingLogger(), python: testPython(), surface: 'terminal' as const };
    await expect(checkHandlerIn(target, pkg({ 'app.py': flask }), 'python3.12', deps)).rejects.toThrow(
      '--handler: "app.handler": app.py defines no "handler" (it defines: Flask, create_app). For a WSGI/ASGI app (Flask, FastAPI, Django) set --app "app:create_app()" instead of --handler; else expected module.function naming the function Lambda calls.',
    );
    expect(missingModuleError(target, ['main.py'], '/ws/fn', true, 'terminal').message).toBe(
      '--handler: "app.handler" names a module that is not in the package: no app.py or app/__init__.py in /ws/fn (the file is there, but --include/--exclude leave it out); top-level Python files: main.py. Expected module.function relative to --path, like "main.handler".',
    );
  });

  it('never runs the module: code at its top level has no effect', async () => {
    const marker = join(root, 'was-imported');
    const source = `open(${JSON.stringify(marker)}, "w").write("ran")\nraise SystemExit(3)\ndef handler(e, c): pass\n`;
    expect((await check({ 'app.py': source }, 'app.handler')).found).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('a syntax error is an error, unless the runtime is newer than the Python here', async () => {
    await expect(
      check({ 'app.py': 'def handler(e, c)\n    pass\n' }, 'app.handler', 'python3.9'),
    ).rejects.toThrow(
      /^handler: "app\.handler": app\.py does not compile: .*\(line 1\); Lambda could not load it/,
    );
    const newer = await check({ 'app.py': 'def handler(e, c)\n    pass\n' }, 'app.handler', 'python3.99');
    expect(newer.found).toBe(true);
    expect(newer.warnings).toMatch(
      /could not check that app\.py defines "handler": Python 3\.\d+ here cannot parse it \(.*\(line 1\)\): a syntax error, unless that line uses syntax new in python3\.99\.$/,
    );
  });

  it('a star import or a module __getattr__ leaves it open: a warning, not a failure', async () => {
    const star = await check({ 'app.py': 'from handlers import *\n' }, 'app.handler');
    expect(star).toEqual({
      found: true,
      warnings: expect.stringMatching(/defines no "handler" .*names come from elsewhere/),
    });
    const dynamic = await check({ 'app.py': 'def __getattr__(name):\n    return None\n' }, 'app.handler');
    expect(dynamic.warnings).toMatch(/may still at run time/);
  });

  it('an app: the module must define the object (or its factory)', async () => {
    const flask = 'from flask import Flask\napp = Flask(__name__)\n';
    expect((await check({ 'app.py': flask }, '', 'python3.12', 'app:app')).found).toBe(true);
    expect(
      (await check({ 'app.py': 'def create_app():\n    pass\n' }, '', 'python3.12', 'app:create_app()'))
        .found,
    ).toBe(true);
    await expect(
      check({ 'app.py': 'def create_app():\n    pass\n' }, '', 'python3.12', 'app:application'),
    ).rejects.toThrow(
      'app: "app:application": app.py defines no "application" (it defines: create_app). Expected module:attribute naming the app object, like "app:create_app()".',
    );
  });

  // Flask's factory named without its call: the adapter would serve create_app itself, and every
  // request would answer 500 with "create_app() takes 0 positional arguments but 2 were given".
  it('an app naming a factory without () fails, with the call to write', async () => {
    const factory = 'from flask import Flask\n\ndef create_app(config=None):\n    return Flask(__name__)\n';
    await expect(check({ 'app.py': factory }, '', 'python3.12', 'app:create_app')).rejects.toThrow(
      'app: "app:create_app": app.py defines "create_app" as a function that takes no arguments (an app factory), not a WSGI/ASGI app. Expected module:attribute naming the app object, here "app:create_app()" (with "()", the factory is called once to make the app).',
    );
    // A comprehension's own loop name, a local in another function: not the module's name.
    const scoped = `${factory}[create_app for create_app in []]\ndef other():\n    create_app = 1\n`;
    await expect(check({ 'app.py': scoped }, '', 'python3.12', 'app:create_app')).rejects.toThrow(
      'defines "create_app" as a function that takes no arguments (an app factory)',
    );
    // A WSGI app written as a function, and a decorated one, take their arguments: found as before.
    const wsgi = 'def application(environ, start_response):\n    return []\n';
    expect((await check({ 'app.py': wsgi }, '', 'python3.12', 'app:application')).found).toBe(true);
    const decorated = 'import deco\n\n@deco.wsgi\ndef make_app():\n    pass\n';
    expect((await check({ 'app.py': decorated }, '', 'python3.12', 'app:make_app')).found).toBe(true);
  });

  // Only a name bound by nothing but a zero-argument def is a factory: rebound after the def (or
  // beside it, in another branch), the name is whatever it was bound to last, app object or not.
  it.each([
    ['wrapped after its def', 'def app():\n    pass\napp = wrap(app)\n'],
    [
      'called into its own name',
      'from flask import Flask\n\ndef app():\n    return Flask(__name__)\napp = app()\n',
    ],
    [
      'an app in the other branch',
      'import os\nfrom flask import Flask\nif os.environ.get("STUB"):\n    def app():\n        pass\nelse:\n    app = Flask(__name__)\n',
    ],
    [
      'imported in a try, a stub def in the except',
      'try:\n    from real import app\nexcept ImportError:\n    def app():\n        pass\n',
    ],
    ['a for loop', 'def app():\n    pass\nfor app in [wrap(app)]:\n    pass\n'],
    ['a with statement', 'def app():\n    pass\nwith made(app) as app:\n    pass\n'],
    ['an except clause', 'def app():\n    pass\ntry:\n    go()\nexcept Exception as app:\n    pass\n'],
    ['a walrus', 'def app():\n    pass\nif (app := wrap(app)):\n    pass\n'],
    ['a walrus in a comprehension', 'def app():\n    pass\n[(app := wrap(a)) for a in [app]]\n'],
    [
      'global in a function called at import',
      'def app():\n    pass\ndef setup():\n    global app\n    app = wrap(app)\nsetup()\n',
    ],
    ['import ... as', 'def app():\n    pass\nimport real_app as app\n'],
    ['a star import after it', 'def app():\n    pass\nfrom real import *\n'],
  ])('a zero-argument def whose name is bound again (%s) is not called a factory', async (_, source) => {
    expect((await check({ 'app.py': source }, '', 'python3.12', 'app:app')).found).toBe(true);
  });

  it('a module not among the files: not found, for the caller to decide', async () => {
    expect(await check({ 'main.py': 'def handler(e, c): pass\n' }, 'app.handler')).toEqual({
      found: false,
      warnings: '',
    });
  });
});

describe('a Node.js handler, read with the module lexers', () => {
  it.each([
    ['index.mjs', 'export const handler = async () => 1;\n'],
    ['index.mjs', 'export async function handler() { return 1; }\n'],
    ['index.mjs', 'const main = () => 1;\nexport { main as handler };\n'],
    ['index.js', 'export const handler = () => 1;\n'],
    ['index.js', 'exports.handler = async () => 1;\n'],
    ['index.js', 'module.exports = { handler: async () => 1 };\n'],
    ['index.cjs', 'module.exports.handler = async () => 1;\n'],
  ])('%s exporting it: %s', async (file, source) => {
    expect(await check({ [file]: source }, 'index.handler', 'nodejs22.x')).toEqual({
      found: true,
      warnings: '',
    });
  });

  it('an ES module without the export lists its functions and callables, not the modules or constants it exports', async () => {
    const source = [
      'import * as fs from "node:fs";',
      'export { fs };',
      'export * as lib from "./lib.mjs";',
      'export const TABLE = "orders";',
      'export const LIMIT = 10;',
      'export const main = () => 1;',
      'export function other() {}',
      'export class Job {}',
      '',
    ].join('\n');
    await expect(check({ 'index.mjs': source }, 'index.handler', 'nodejs22.x')).rejects.toThrow(
      'handler: "index.handler": index.mjs exports no "handler" (it exports: main, other, Job). Expected file.export',
    );
  });

  it('an ES module without the export fails, listing its exports', async () => {
    await expect(
      check(
        { 'index.mjs': 'export const main = () => 1;\nexport default main;\n' },
        'index.handler',
        'nodejs22.x',
      ),
    ).rejects.toThrow(
      'handler: "index.handler": index.mjs exports no "handler" (it exports: main, default). Expected file.export naming the function Lambda calls.',
    );
  });

  it('an ES module whose function is its default export: says to export it by name', async () => {
    await expect(
      check(
        { 'index.mjs': 'export default async function (event) {\n  return { statusCode: 200 };\n}\n' },
        'index.handler',
        'nodejs22.x',
      ),
    ).rejects.toThrow(
      'handler: "index.handler": index.mjs exports no "handler" (it exports: default). Lambda calls a named export: export the function as handler (export const handler = async (event) => ...; or export { main as handler }) instead of export default.',
    );
  });

  // Lambda reads the module's export the handler names: a function as the whole export has none (Runtime.HandlerNotFound).
  it.each([
    ['an async arrow function', 'module.exports = async () => ({ statusCode: 200 });\n'],
    ['an arrow function with its event', 'module.exports = (event) => ({ statusCode: 200 });\n'],
    ['an arrow function, one bare parameter', "'use strict';\nmodule.exports = event => event;\n"],
    ['a function expression', 'module.exports = async function handle(event) {\n  return {};\n};\n'],
  ])(
    'CommonJS module.exports = %s (no named export): says to export it by the name',
    async (_what, source) => {
      await expect(check({ 'index.js': source }, 'index.handler', 'nodejs22.x')).rejects.toThrow(
        'handler: "index.handler": index.js exports no "handler" (it exports: nothing). module.exports = ... makes the module itself the function, and Lambda calls the module\'s export named handler: write module.exports.handler = ... (or exports.handler = ...) instead.',
      );
    },
  );

  it('CommonJS module.exports = a function, and the named export added too: passes', async () => {
    const result = await check(
      { 'index.js': 'module.exports = async () => ({});\nmodule.exports.handler = module.exports;\n' },
      'index.handler',
      'nodejs22.x',
    );
    expect(result).toMatchObject({ found: true, warnings: '' });
  });

  // Each loads in Node.js with require(file).handler a function: never refused, at most a warning.
  it.each([
    [
      'a webpack bundle whose bundled dependency is module.exports = function',
      '(() => {\n  var __webpack_modules__ = ({\n21: ((module) => {\nmodule.exports = function (ms) { return ms * 1000; };\n})\n  });\n  var __webpack_exports__ = {};\n  __webpack_exports__.handler = async () => ({ statusCode: 200 });\n  module.exports = __webpack_exports__;\n})()\n;\n',
    ],
    [
      'Object.assign adding the named export',
      'module.exports = async (event) => ({ statusCode: 200 });\nObject.assign(module.exports, { handler: module.exports });\n',
    ],
    [
      'the function also bound to a name that gets the export',
      'const fn = module.exports = async (event) => ({ statusCode: 200 });\nfn.handler = fn;\n',
    ],
    [
      'the pattern only in a comment',
      '// Before: module.exports = async (event) => ({ statusCode: 200 });\nconst impl = async () => ({});\nfor (const name of ["handler"]) exports[name] = impl;\n',
    ],
    [
      'the pattern only in a string (a file this one writes)',
      'const stub = `\nmodule.exports = async (event) => 1;\n`;\nconst impl = async () => ({ body: stub });\nfor (const name of ["handler"]) exports[name] = impl;\n',
    ],
  ])('CommonJS, %s: not refused (the deploy goes on)', async (_what, source) => {
    const result = await check({ 'index.js': source }, 'index.handler', 'nodejs22.x');
    expect(result.found).toBe(true);
  });

  // Assignments chain right to left: the named export lands on the exports object that
  // module.exports = ... replaces. Each was loaded with real Node.js: require(file).handler is undefined.
  it.each([
    [
      'exports.handler = module.exports = an arrow function',
      "'use strict';\n\nexports.handler = module.exports = async (event) => ({ statusCode: 200 });\n",
      'line 3 (exports.handler = module.exports = ...)',
      'fn',
    ],
    [
      'module.exports.handler = module.exports = a function declared above',
      'async function handle(event) {\n  return { statusCode: 200 };\n}\nmodule.exports.handler = module.exports = handle;\n',
      'line 4 (module.exports.handler = module.exports = ...)',
      'handle',
    ],
    [
      'module.exports = exports.handler = a function expression',
      '/* a comment\n   over two lines */\nmodule.exports = exports.handler = function (event) {\n  return {};\n};\n',
      'line 3 (module.exports = exports.handler = ...)',
      'fn',
    ],
    [
      'exports.handler = module.exports = a function expression, no semicolons, a statement after it',
      "exports.handler = module.exports = function handler (event) {\n  return { statusCode: 200 }\n}\nconsole.log('loaded')\n",
      'line 1 (exports.handler = module.exports = ...)',
      'fn',
    ],
    [
      'module.exports.handler = module.exports = fn after a call, no semicolons',
      "async function fn(event) {\n  return path.sep\n}\nconst path = require('node:path')\nmodule.exports.handler = module.exports = fn\n",
      'line 5 (module.exports.handler = module.exports = ...)',
      'fn',
    ],
    [
      'the same with Windows line endings',
      "exports.handler = module.exports = function handler (event) {\r\n  return { statusCode: 200 }\r\n}\r\nconsole.log('loaded')\r\n",
      'line 1 (exports.handler = module.exports = ...)',
      'fn',
    ],
  ])('CommonJS %s: refused, naming the line and the fix', async (_what, source, where, fn) => {
    await expect(check({ 'index.js': source }, 'index.handler', 'nodejs22.x')).rejects.toThrow(
      `handler: "index.handler": index.js ${where} sets handler on the exports object that module.exports = ... replaces (assignments chain right to left), so Lambda finds no handler (Runtime.HandlerNotFound). Expected module.exports = ${fn}; module.exports.handler = ${fn}; (or exports.handler = ${fn}; alone).`,
    );
  });

  // Each loads in Node.js with require(file).handler a function: never refused.
  it.each([
    [
      'the chain, then module.exports.handler set again',
      'const fn = async () => 1;\nexports.handler = module.exports = fn;\nmodule.exports.handler = fn;\n',
    ],
    [
      'the chain on exports itself (exports = module.exports = fn)',
      'const fn = async () => 1;\nexports = module.exports = fn;\nexports.handler = fn;\n',
    ],
    [
      'the chain over an arrow function, then the named export added',
      'exports.handler = module.exports = async () => 1;\nObject.assign(module.exports, { handler: module.exports });\n',
    ],
    [
      'the chain over an object holding handler',
      'const handler = async () => 1;\nexports.handler = module.exports = { handler };\n',
    ],
    [
      'the chain over a name later given handler',
      'const fn = async () => 1;\nexports.handler = module.exports = fn;\nfn.handler = fn;\n',
    ],
    [
      'the chain over a name of unknown value',
      "const lib = require('./lib');\nexports.handler = module.exports = lib;\n",
    ],
    [
      'the chain only in a comment',
      '// exports.handler = module.exports = fn;\nexports.handler = async () => 1;\n',
    ],
    [
      'the chain naming another export',
      'const fn = async () => 1;\nexports.other = module.exports = fn;\nmodule.exports.handler = fn;\n',
    ],
    [
      'the chain inside a statement (fn keeps the export)',
      'const fn = exports.handler = module.exports = async () => 1;\nfn.handler = fn;\n',
    ],
    // A quote in a regular expression literal reads as a string's start: the line that adds the name was blanked.
    [
      'the chain, a regular expression with a quote, then module.exports.handler set again',
      `'use strict';\nasync function render(event) {\n  return { statusCode: 200, body: escapeHtml(event.rawPath) };\n}\nexports.handler = module.exports = render;\nfunction escapeHtml(s) {\n  return String(s).replace(/&/g, "&amp;").replace(/'/g, "&#39;");\n}\nmodule.exports.handler = render; // Lambda's runtime calls this one\n`,
    ],
    [
      'the chain over an arrow function, a regular expression with a quote, then module.exports.handler set',
      `'use strict';\nexports.handler = module.exports = async (event) => ({ statusCode: 200, body: escapeHtml(event.rawPath) });\nfunction escapeHtml(s) {\n  return String(s).replace(/&/g, "&amp;").replace(/'/g, "&#39;");\n}\nmodule.exports.handler = module.exports; // Lambda's runtime calls this one\n`,
    ],
    [
      'the chain, a regular expression with a quote, then fn.handler = fn',
      "async function fn(event) {\n  return 1;\n}\nexports.handler = module.exports = fn;\nconst q = /'/;\nfn.handler = fn; // it's set here\n",
    ],
    [
      "the chain, then module['exports'].handler set again",
      "exports.handler = module.exports = async (event) => 1;\nmodule['exports'].handler = module['exports'];\n",
    ],
    // A function expression called at once: the value is what it returns, which may hold the name.
    [
      'the chain over a function expression called at once',
      'exports.handler = module.exports = function () {\n  const handle = async () => 1;\n  handle.handler = handle;\n  return handle;\n}();\n',
    ],
    [
      'the reversed chain over a function expression called at once',
      'module.exports = exports.handler = function () {\n  const handle = async () => 1;\n  handle.handler = handle;\n  return handle;\n}();\n',
    ],
    // Run again, module.exports.handler = ... finds the function as module.exports and gives it the name.
    [
      'module.exports.handler = module.exports = fn in a loop',
      'async function fn() {}\nfor (const _ of [1, 2]) module.exports.handler = module.exports = fn;\n',
    ],
    [
      'module.exports = module.exports.handler = fn in a loop',
      'async function fn() {}\nfor (const _ of [1, 2]) module.exports = module.exports.handler = fn;\n',
    ],
    [
      'module.exports.handler = module.exports = fn in a function called twice',
      'async function fn() {}\nfunction set() {\n  module.exports.handler = module.exports = fn;\n}\nset();\nset();\n',
    ],
  ])('CommonJS, %s: not refused', async (_what, source) => {
    const result = await check({ 'index.js': source }, 'index.handler', 'nodejs22.x');
    expect(result.found).toBe(true);
  });

  it('CommonJS exports built at run time cannot be seen: a warning, the deploy goes on', async () => {
    const result = await check(
      { 'index.js': 'module.exports = require("./build")();\n' },
      'index.handler',
      'nodejs22.x',
    );
    expect(result.found).toBe(true);
    expect(result.warnings).toMatch(/index\.js exports no "handler" .*it may still at run time/);
  });

  it('app.handler not in app.mjs (an app, default export) while index.js exports handler: the error suggests handler: index.handler', async () => {
    await expect(
      check(
        {
          'app.mjs': 'import express from "express";\nconst app = express();\nexport default app;\n',
          'index.js': 'exports.handler = async () => ({ statusCode: 200 });\n',
        },
        'app.handler',
        'nodejs22.x',
      ),
    ).rejects.toThrow(
      'handler: "app.handler": app.mjs exports no "handler" (it exports: default); index.js exports "handler": set handler: index.handler if that is the function Lambda calls. Lambda calls a named export:',
    );
  });

  it('a CommonJS Express app.js beside an index.js exporting handler: the warning suggests it, in the terminal as --handler index.handler', async () => {
    const logger = new RecordingLogger();
    const files = pkg({
      'app.js':
        'const express = require("express");\nconst app = express();\napp.listen(3000);\nmodule.exports = app;\n',
      'index.js': 'module.exports.handler = async () => ({ statusCode: 200 });\n',
      'lib/util.js': 'exports.handler = 1;\n',
    });
    const target = handlerTarget('app.handler', 'nodejs22.x');
    expect(
      await checkHandlerIn(target, files, 'nodejs22.x', {
        logger,
        python: testPython(),
        surface: 'terminal',
      }),
    ).toBe(true);
    expect(logger.text('warning')).toContain(
      '--handler: "app.handler": app.js exports no "handler" (it exports: nothing); index.js exports "handler": set --handler index.handler if that is the function Lambda calls; it may still at run time',
    );
  });

  it('no other file exports the name: no suggestion', async () => {
    await expect(
      check(
        { 'app.mjs': 'export const main = () => 1;\n', 'index.mjs': 'export const other = () => 1;\n' },
        'app.handler',
        'nodejs22.x',
      ),
    ).rejects.toThrow(
      /^handler: "app\.handler": app\.mjs exports no "handler" \(it exports: main\)\. Expected file\.export/,
    );
  });

  it('the lexers read exports without running anything', async () => {
    expect(await javascriptDefinitions('process.exit(1);\nexport const handler = 1;\n', 'a.mjs')).toEqual({
      names: ['handler'],
      // A constant: not listed as what the module exports instead of a missing handler.
      listed: [],
      open: false,
      exact: true,
    });
  });
});

describe('exportLook: whether a built file exports the name, as checkHandlerIn() would read it next run', () => {
  it.each([
    ['export const handler = async () => 1;\n', { exports: true }],
    ['exports.handler = async () => 1;\n', { exports: true }],
    ['export const main = async () => 1;\n', { exports: false, why: 'it exports: main' }],
    [
      'exports.main = async () => 1;\n',
      {
        exports: undefined,
        why: 'it exports: main; CommonJS exports built at run time escape a static look',
      },
    ],
    // tsc's CommonJS marks every module __esModule: no export of the source's, so not listed.
    [
      '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.main = void 0;\nexports.main = async () => 1;\n',
      {
        exports: undefined,
        why: 'it exports: main; CommonJS exports built at run time escape a static look',
      },
    ],
    // A byte order mark (tsc's emitBOM) or a shebang: Node.js skips both.
    ['\uFEFFexport const handler = async () => 1;\n', { exports: true }],
    ['\uFEFFexport const main = async () => 1;\n', { exports: false, why: 'it exports: main' }],
    [
      '#!/usr/bin/env node\nexport const main = async () => 1;\n',
      { exports: false, why: 'it exports: main' },
    ],
    ["export { handler } from './x.js';\n", { exports: true }],
    ["export { default as handler } from './x.js';\n", { exports: true }],
    ['export default async () => 1;\n', { exports: false, why: 'it exports: default' }],
    ['const handler = async () => 1;\nmodule.exports = { handler };\n', { exports: true }],
    [
      "export * from './handler.js';\n",
      { exports: undefined, why: 'it exports: nothing; names come from elsewhere' },
    ],
    [
      'function fn() {}\nexports.handler = module.exports = fn;\n',
      { exports: false, why: 'line 2 sets it on the exports object module.exports replaces' },
    ],
  ])('%j', async (source, look) => {
    const file = pkg({ 'dist/index.js': source }).get('dist/index.js')!;
    expect(await exportLook(file, 'dist/index.js', 'handler')).toEqual(look);
  });

  it('a file that does not parse, or cannot be read', async () => {
    const file = pkg({ 'dist/index.mjs': 'export const handler = `;\n' }).get('dist/index.mjs')!;
    expect(await exportLook(file, 'dist/index.mjs', 'handler')).toEqual({
      exports: false,
      why: expect.stringMatching(/^it does not parse: /),
    });
    expect(await exportLook(dirname(file), 'dist', 'handler')).toEqual({
      exports: undefined,
      why: expect.stringMatching(/^it could not be read: EISDIR/),
    });
  });
});

describe('missingModuleError', () => {
  it('names the files looked for, where, what is there, and an excluded file', () => {
    const target = handlerTarget('app.handler', 'python3.12');
    expect(missingModuleError(target, ['main.py', 'lib/util.py', 'README.md'], '/ws/fn', false).message).toBe(
      'handler: "app.handler" names a module that is not in the package: no app.py or app/__init__.py in /ws/fn; top-level Python files: main.py. Expected module.function relative to path, like "main.handler".',
    );
    expect(missingModuleError(target, [], '/ws/fn', true).message).toContain(
      '(the file is there, but include/exclude leave it out)',
    );
  });

  it('code of the other language only (a Node.js folder left on the default python3.12): says the runtime is the likely mistake', () => {
    const python = handlerTarget('app.handler', 'python3.12');
    expect(missingModuleError(python, ['index.mjs', 'lib/a.js'], '/ws/fn', false).message).toContain(
      'top-level Python files: none, but JavaScript files are there (index.mjs): a Node.js function needs runtime nodejs20.x, nodejs22.x or nodejs24.x.',
    );
    const node = handlerTarget('index.handler', 'nodejs22.x');
    expect(missingModuleError(node, ['app.py'], '/ws/fn', false).message).toContain(
      'top-level JavaScript files: none, but Python files are there (app.py): a Python function needs a python3.x runtime.',
    );
    // Files of its own language: no runtime hint.
    expect(missingModuleError(python, ['main.py', 'index.mjs'], '/ws/fn', false).message).not.toContain(
      'runtime',
    );
  });

  it('the handler names a TypeScript file: says Lambda runs the built JavaScript', () => {
    const node = handlerTarget('index.handler', 'nodejs22.x');
    expect(
      missingModuleError(node, ['package.json'], '/ws/fn', false, 'action', { typeScript: 'index.ts' })
        .message,
    ).toBe(
      'handler: "index.handler" names a module that is not in the package: no index.js or index.mjs or index.cjs in /ws/fn; top-level JavaScript files: none' +
        "; index.ts is TypeScript, which Lambda's Node.js runtimes do not run: build it to JavaScript first (tsc) and name the built file. " +
        'Expected file.export relative to path, like "index.handler".',
    );
  });

  it("suggests the package's own module: the AWS console's lambda_function.lambda_handler, the one file, else the default", () => {
    const python = handlerTarget('app.handler', 'python3.12');
    const like = (target: typeof python, files: string[]) =>
      /like "([^"]+)"\.$/.exec(missingModuleError(target, files, '/ws/fn', false).message)?.[1];
    expect(like(python, ['lambda_function.py', 'helpers.py'])).toBe('lambda_function.lambda_handler');
    expect(like(python, ['handler.py', 'pkg/mod.py'])).toBe('handler.handler');
    expect(like(python, ['a.py', 'b.py'])).toBe('app.handler');
    expect(like(python, [])).toBe('app.handler');
    expect(like(handlerTarget('index.handler', 'nodejs22.x'), ['main.mjs'])).toBe('main.handler');
    expect(like(handlerTarget('index.handler', 'nodejs22.x'), ['a.js', 'b.cjs'])).toBe('index.handler');
    expect(like(handlerTarget('', 'python3.12', 'app:app'), ['server.py'])).toBe('server:app');
    // manage.py is Django's command line, never the app.
    expect(like(handlerTarget('', 'python3.12', 'app:app'), ['manage.py'])).toBe('app:app');
  });

  it('a Node.js project whose package.json "main" is a built file (TypeScript compiled to dist/): suggests the handler in it', () => {
    const mainIs = (file: string) => ({ file, said: `package.json's "main" is ${file}`, guessed: false });
    const files = ['package.json', 'tsconfig.json', 'src/handler.ts', 'dist/handler.js'];
    const node = handlerTarget('index.handler', 'nodejs22.x');
    expect(
      missingModuleError(node, files, '/ws/api', false, 'terminal', {
        packageMain: mainIs('dist/handler.js'),
      }).message,
    ).toBe(
      '--handler: "index.handler" names a module that is not in the package: no index.js or index.mjs or index.cjs in /ws/api; top-level JavaScript files: none. Expected file.export relative to --path, like "dist/handler.handler" (package.json\'s "main" is dist/handler.js).',
    );
    // Left on the default python3.12: the runtime hint names the main file, and the suggestion is in its language.
    const python = handlerTarget('app.handler', 'python3.12');
    const onPython = missingModuleError(python, files, '/ws/api', false, 'action', {
      packageMain: mainIs('dist/handler.js'),
    }).message;
    expect(onPython).toContain(
      'top-level Python files: none, but JavaScript files are there (dist/handler.js): a Node.js function needs runtime',
    );
    expect(onPython).toMatch(
      /like "dist\/handler\.handler" \(package\.json's "main" is dist\/handler\.js\)\.$/,
    );
    // A main that is not packaged (not built yet: dist/ is seldom committed) is named, and not suggested.
    expect(
      missingModuleError(node, ['package.json', 'src/handler.ts'], '/ws/api', false, 'action', {
        packageMain: mainIs('dist/handler.js'),
      }).message,
    ).toMatch(
      /top-level JavaScript files: none; package\.json's "main" is dist\/handler\.js, which is not in the package: build it first: with the reusable workflow, in its build input; calling the action directly, in a step before it\. Expected file\.export relative to path, like "index\.handler"\.$/,
    );
    // From "exports" (no "main"): said so, built or not.
    const exported = {
      file: 'dist/index.cjs',
      said: `package.json's "exports" gives dist/index.cjs`,
      guessed: false,
    };
    expect(
      missingModuleError(node, ['package.json'], '/ws/api', false, 'action', { packageMain: exported })
        .message,
    ).toContain(
      `package.json's "exports" gives dist/index.cjs, which is not in the package: build it first: with the reusable workflow, in its build input; calling the action directly, in a step before it.`,
    );
    expect(
      missingModuleError(node, ['package.json', 'dist/index.cjs'], '/ws/api', false, 'action', {
        packageMain: exported,
      }).message,
    ).toMatch(/like "dist\/index\.handler" \(package\.json's "exports" gives dist\/index\.cjs\)\.$/);
    // Built, but left out by include/exclude: said so, not "build it first".
    const leftOut = missingModuleError(
      handlerTarget('dist/index.handler', 'nodejs22.x'),
      ['package.json'],
      '/ws/api',
      true,
      'action',
      { packageMain: exported },
    ).message;
    expect(leftOut).toContain('(the file is there, but include/exclude leave it out)');
    expect(leftOut).not.toContain('build it first');
  });

  it('the default handler where a top-level file makes a WSGI/ASGI app (app forgotten): suggests app, not a handler in it', () => {
    const target = handlerTarget('app.handler', 'python3.12');
    const apps = [{ spec: 'main:app', call: 'FastAPI()' }];
    expect(missingModuleError(target, ['main.py'], '/ws/shop', false, 'terminal', { apps }).message).toBe(
      '--handler: "app.handler" names a module that is not in the package: no app.py or app/__init__.py in /ws/shop; top-level Python files: main.py. main.py makes a WSGI/ASGI app (FastAPI()): set --app main:app instead of --handler; else expected module.function relative to --path, like "main.handler".',
    );
    expect(missingModuleError(target, ['main.py'], '/ws/shop', false, 'action', { apps }).message).toContain(
      'set app: "main:app" instead of handler;',
    );
  });

  it("a Django project under the quick start's app:app: suggests its wsgi module, never manage.py", () => {
    const files = [
      'manage.py',
      'mysite/__init__.py',
      'mysite/settings.py',
      'mysite/urls.py',
      'mysite/wsgi.py',
      'mysite/asgi.py',
    ];
    for (const app of ['app:app', 'wsgi:application']) {
      const message = missingModuleError(
        handlerTarget('', 'python3.12', app),
        files,
        '/ws/site',
        false,
      ).message;
      expect(message).toMatch(
        /Expected module:attribute relative to path, like "mysite\.wsgi:application" \(a Django project: mysite\/wsgi\.py\)\.$/,
      );
      expect(message).not.toContain('manage:');
    }
  });

  it('a src layout: names where the module is and the path that makes it importable', () => {
    const files = ['pyproject.toml', 'requirements.txt', 'src/shop/__init__.py', 'src/shop/app.py'];
    expect(
      missingModuleError(handlerTarget('', 'python3.12', 'shop.app:app'), files, '/ws/shop', false).message,
    ).toBe(
      'app: "shop.app:app" names a module that is not in the package: no shop/app.py or shop/app/__init__.py in /ws/shop; top-level Python files: none, but src/shop/app.py is there: Lambda imports modules from the root of path, so set path to its folder src (with requirements: ../requirements.txt, relative to it, for requirements beside pyproject.toml).',
    );
    // A uv.lock beside pyproject.toml is read from the src folder's project: nothing more to set.
    expect(
      missingModuleError(
        handlerTarget('', 'python3.12', 'shop.app:app'),
        ['pyproject.toml', 'uv.lock', 'src/shop/app.py'],
        '/ws/shop',
        false,
      ).message,
    ).toMatch(
      /so set path to its folder src \(the uv\.lock beside pyproject\.toml still pins the dependencies\)\.$/,
    );
    // Only a folder named src reads the lock above it: from lib, the dependencies need a requirements file.
    expect(
      missingModuleError(
        handlerTarget('', 'python3.12', 'shop.app:app'),
        ['pyproject.toml', 'uv.lock', 'lib/shop/app.py'],
        '/ws/shop',
        false,
      ).message,
    ).toMatch(
      /so set path to its folder lib \(its dependencies then come from a requirements file: export them beside pyproject\.toml, .* and set requirements: \.\.\/requirements\.txt\)\.$/,
    );
    const handler = handlerTarget('jobs.run.handler', 'python3.12');
    expect(
      missingModuleError(handler, ['lambda/jobs/run.py'], '/ws/fn', false, 'terminal').message,
    ).toContain(
      'but lambda/jobs/run.py is there: Lambda imports modules from the root of --path, so set --path to its folder lambda',
    );
  });

  it('Node.js files on a Python runtime: suggests their entry point, index.handler, not app.handler', () => {
    const python = handlerTarget('app.handler', 'python3.12');
    const message = (files: string[]) => missingModuleError(python, files, '/ws/fn', false).message;
    expect(message(['index.mjs', 'package.json'])).toMatch(
      /needs runtime nodejs20\.x, nodejs22\.x or nodejs24\.x\. Expected file\.export relative to path, like "index\.handler"\.$/,
    );
    expect(message(['server.cjs'])).toMatch(/like "server\.handler"\.$/);
    expect(message(['a.js', 'b.js'])).toMatch(/like "index\.handler"\.$/);
    // And the other way round: Python files on a Node.js runtime.
    const node = handlerTarget('index.handler', 'nodejs22.x');
    expect(missingModuleError(node, ['lambda_function.py'], '/ws/fn', false).message).toMatch(
      /Expected module\.function relative to path, like "lambda_function\.lambda_handler"\.$/,
    );
  });
});

describe('a Node.js handler with a nested export path (index.handlers.get)', () => {
  it('is found in index.mjs exporting handlers, as Lambda loads it', async () => {
    const result = await check(
      { 'index.mjs': 'export const handlers = { get: async () => ({ statusCode: 200 }) };\n' },
      'index.handlers.get',
      'nodejs22.x',
    );
    expect(result).toEqual({ found: true, warnings: '' });
  });

  it('fails naming the export that is missing', async () => {
    await expect(
      check({ 'index.mjs': 'export const routes = {};\n' }, 'index.handlers.get', 'nodejs22.x'),
    ).rejects.toThrow('handler: "index.handlers.get": index.mjs exports no "handlers" (it exports: routes)');
  });
});
