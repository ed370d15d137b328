import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { RecordingLogger } from '../../src/util/logger.js';
import {
  startLocalFunction,
  type LocalFunction,
  type LocalFunctionOptions,
} from '../../src/local-runtime/index.js';
import { codeDir, removeAll } from './helpers.js';

const dirs: string[] = [];
const functions: LocalFunction[] = [];

afterAll(async () => {
  await Promise.all(functions.map((f) => f.stop()));
  await removeAll(dirs);
});

async function start(
  files: Record<string, string>,
  options: Partial<LocalFunctionOptions> & { handler: string },
  deps = {},
) {
  const dir = await codeDir(files);
  dirs.push(dir);
  const logger = new RecordingLogger();
  const fn = await startLocalFunction(
    {
      codeDir: dir,
      runtime: 'python3.12',
      environment: {},
      timeout: 1,
      memory: 256,
      functionName: 'demo-main',
      ...options,
    },
    { logger, ...deps },
  );
  functions.push(fn);
  return { fn, logger, dir };
}

const PYTHON_ECHO = `
import os, sys

def handler(event, context):
    print("got event", event.get("n"))
    print("to stderr", file=sys.stderr)
    return {
        "event": event,
        "requestId": context.aws_request_id,
        "functionName": context.function_name,
        "version": context.function_version,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "logGroup": context.log_group_name,
        "logStream": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "env": {k: os.environ.get(k) for k in ["GREETING", "AWS_REGION", "LAMBDA_TASK_ROOT", "_HANDLER", "SECRET_FROM_PARENT", "AWS_SECRET_ACCESS_KEY", "_X_AMZN_TRACE_ID"]},
        "path0": sys.path[0],
    }
`;

describe("the function's live output (debug)", () => {
  it('a line cut at 16 KiB does not show the first part of a value the cut falls in', async () => {
    const secret = 'Pg-Secret-7781-abcdef';
    const { fn, logger } = await start(
      {
        'app.py': `import os\n\ndef handler(event, context):\n    print("x" * (16 * 1024 - 5) + os.environ["DB_PASSWORD"] + " tail")\n    return {}\n`,
      },
      { handler: 'app.handler', environment: { DB_PASSWORD: secret } },
    );
    await fn.invoke({});
    const debug = logger.text('debug');
    expect(debug).not.toContain('Pg-Se');
    expect(debug).toContain(`${'x'.repeat(100)}***`);
  });
  it('hides a short value its name makes secret (DB_PASSWORD=k3y9) as a word, and shows a short one that is none (LEVEL=info)', async () => {
    const { fn, logger } = await start(
      {
        'app.py': `import os\n\ndef handler(event, context):\n    print("level info, password", os.environ["DB_PASSWORD"], "pool k3y99")\n    return {}\n`,
      },
      { handler: 'app.handler', environment: { DB_PASSWORD: 'k3y9', LEVEL: 'info' } },
    );
    await fn.invoke({});
    expect(logger.text('debug')).toContain('level info, password *** pool k3y99');
  });
  it("hides a signature on the line after stderr's `Signature:` label though a stdout line comes between", async () => {
    const sig = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
    const { fn, logger } = await start(
      {
        'app.py': `import sys, time\n\ndef handler(event, context):\n    print("botocore.auth [DEBUG] Signature:", file=sys.stderr, flush=True)\n    time.sleep(0.2)\n    print("request sent", flush=True)\n    time.sleep(0.2)\n    print("${sig}", file=sys.stderr, flush=True)\n    return {}\n`,
      },
      { handler: 'app.handler' },
    );
    await fn.invoke({});
    const debug = logger.text('debug');
    expect(debug).toContain('request sent');
    expect(debug).not.toContain(sig.slice(0, 12));
  });
});

describe('Python handlers', () => {
  it('passes the event and a Lambda context, with only the allowed environment', async () => {
    const { fn, dir } = await start(
      { 'pkg/app.py': PYTHON_ECHO, 'pkg/__init__.py': '' },
      {
        handler: 'pkg.app.handler',
        environment: { GREETING: 'hi', AWS_REGION: 'ignored' },
        region: 'eu-west-1',
      },
      {
        env: {
          PATH: process.env.PATH,
          SECRET_FROM_PARENT: 'x',
          AWS_SECRET_ACCESS_KEY: 'y',
          GITHUB_TOKEN: 'z',
        },
      },
    );
    const result = await fn.invoke({ n: 1, nested: { a: [1, 2] } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const p = result.payload as Record<string, unknown>;
    expect(p.event).toEqual({ n: 1, nested: { a: [1, 2] } });
    expect(p.requestId).toBe(result.requestId);
    expect(p).toMatchObject({
      functionName: 'demo-main',
      version: '$LATEST',
      arn: 'arn:aws:lambda:eu-west-1:000000000000:function:demo-main',
      memory: '256',
      logGroup: '/aws/lambda/demo-main',
      path0: dir,
    });
    expect(p.logStream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(p.remaining).toBeGreaterThan(0);
    expect(p.remaining).toBeLessThanOrEqual(1000);
    expect(p.env).toMatchObject({
      GREETING: 'hi',
      AWS_REGION: 'eu-west-1',
      LAMBDA_TASK_ROOT: dir,
      _HANDLER: 'pkg.app.handler',
      SECRET_FROM_PARENT: null,
      AWS_SECRET_ACCESS_KEY: null,
    });
    expect((p.env as Record<string, string>)._X_AMZN_TRACE_ID).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};/);

    const logs = fn.logs().join('\n');
    expect(logs).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z got event 1$/m);
    expect(logs).toContain('to stderr');
    expect(logs).toContain(`START RequestId: ${result.requestId}`);
    expect(logs).toContain(`REPORT RequestId: ${result.requestId}`);
  });

  it('accepts dir/module handlers and reports a raised exception with its traceback', async () => {
    const { fn } = await start(
      { 'src/app.py': 'def handler(event, context):\n    raise ValueError("bad input: " + event["x"])\n' },
      { handler: 'src/app.handler' },
    );
    const result = await fn.invoke({ x: 'boom' });
    expect(result).toMatchObject({ ok: false, errorType: 'ValueError', errorMessage: 'bad input: boom' });
    if (result.ok) return;
    expect(result.stackTrace?.join('')).toContain('app.py');
    expect(fn.logs().join('\n')).toMatch(/\[ERROR\] ValueError: bad input: boom[\s\S]*Traceback/);
    // The runtime survives a handler's exception.
    expect(await fn.invoke({ x: 'again' })).toMatchObject({ ok: false, errorMessage: 'bad input: again' });
  });

  it("names the files sourcePaths maps, not their unpacked copies, in an error's stack trace and message and in the logs", async () => {
    const { fn, dir } = await start(
      {
        'app.py': 'import helper\n\ndef handler(event, context):\n    return helper.fail(event)\n',
        'helper.py': 'def fail(event):\n    raise ValueError("bad " + event["x"])\n',
      },
      {
        handler: 'app.handler',
        sourcePaths: new Map([
          ['app.py', 'src/app.py'],
          ['helper.py', 'src/helper.py'],
        ]),
      },
    );
    const result = await fn.invoke({ x: `${dir}/helper.py` });
    if (result.ok) throw new Error('the handler raised');
    // The event's text happens to be such a path: an error message names it as the user's file too.
    expect(result.errorMessage).toBe('bad src/helper.py');
    // The function's frames only, as Lambda reports them: none of the runtime's own.
    expect(result.stackTrace?.map((frame) => frame.split('\n')[0])).toEqual([
      '  File "src/app.py", line 4, in handler',
      '  File "src/helper.py", line 2, in fail',
    ]);
    const logs = fn.logs().join('\n');
    expect(logs).toMatch(/Z {3}File "src\/helper\.py", line 2, in fail$/m);
    expect(logs).not.toContain(`${dir}/`);
  });

  it("names a Node.js frame of the package's installed files in one pair of parentheses, as Python's", async () => {
    const { fn } = await start(
      {
        'index.mjs': "import { explode } from 'tinydep';\nexport const handler = async () => explode();\n",
        'node_modules/tinydep/package.json': '{"name":"tinydep","type":"module","main":"index.js"}\n',
        'node_modules/tinydep/index.js': "export function explode() {\n  throw new Error('boom');\n}\n",
      },
      {
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        sourcePaths: new Map([
          ['index.mjs', 'src/index.mjs'],
          ['node_modules/tinydep/index.js', '(package) node_modules/tinydep/index.js'],
        ]),
      },
    );
    const result = await fn.invoke({});
    if (result.ok) throw new Error('the handler threw');
    expect(result.stackTrace?.slice(0, 3)).toEqual([
      'Error: boom',
      '    at explode (package) node_modules/tinydep/index.js:2:9',
      '    at handler (src/index.mjs:2:36)',
    ]);
  });

  it('names a file of sourceTrees (the unpacked layer) after its label, not by its path', async () => {
    const opt = await codeDir({
      'python/tinydep/__init__.py': 'def explode():\n    raise ValueError("boom")\n',
    });
    dirs.push(opt);
    const { fn } = await start(
      { 'app.py': 'import tinydep\n\ndef handler(event, context):\n    return tinydep.explode()\n' },
      {
        handler: 'app.handler',
        optDir: opt,
        sourcePaths: new Map([['app.py', 'src/app.py']]),
        sourceTrees: [{ dir: join(opt, 'python'), shown: '(layer) ' }],
      },
    );
    const result = await fn.invoke({});
    if (result.ok) throw new Error('the handler raised');
    expect(result.stackTrace?.map((frame) => frame.split('\n')[0])).toEqual([
      '  File "src/app.py", line 4, in handler',
      '  File "(layer) tinydep/__init__.py", line 2, in explode',
    ]);
    expect(fn.logs().join('\n')).not.toContain(opt);
  });

  it('names the mapped file in an init error', async () => {
    const { fn } = await start(
      { 'app.py': 'import os\n\nTABLE = os.environ["TABLE_NAME"]\n' },
      { handler: 'app.handler', sourcePaths: new Map([['app.py', 'app.py']]) },
    );
    const error = fn.initError();
    expect(error?.stackTrace?.join('')).toContain('File "app.py", line 3, in <module>');
  });

  it('fails a timed-out invocation like Lambda, then serves the next on a fresh runtime', async () => {
    const { fn } = await start(
      {
        'app.py':
          'import os, time\nSTARTED = os.getpid()\ndef handler(event, context):\n    if event.get("sleep"):\n        time.sleep(30)\n    return STARTED\n',
      },
      { handler: 'app.handler', timeout: 1 },
    );
    const before = await fn.invoke({});
    expect(before.ok).toBe(true);
    const t0 = Date.now();
    const timedOut = await fn.invoke({ sleep: true });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(timedOut).toMatchObject({
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 1.00 seconds',
    });
    expect(fn.logs().join('\n')).toContain('Task timed out after 1.00 seconds');
    const after = await fn.invoke({});
    expect(after.ok).toBe(true);
    if (before.ok && after.ok) expect(after.payload).not.toBe(before.payload); // another process
  });

  it('reports a runtime that exits mid-invocation and restarts it', async () => {
    const { fn } = await start(
      {
        'app.py':
          'import sys\ndef handler(event, context):\n    if event.get("exit"):\n        sys.exit(3)\n    return "fine"\n',
      },
      { handler: 'app.handler' },
    );
    expect(await fn.invoke({ exit: true })).toMatchObject({
      ok: false,
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('Runtime exited with error: exit status 3'),
    });
    expect(await fn.invoke({})).toEqual({ ok: true, payload: 'fine', requestId: expect.any(String) });
  });

  it('reports an import error as an init error on each invocation, with the logs', async () => {
    const { fn, logger } = await start(
      { 'app.py': 'import not_installed_anywhere\n' },
      { handler: 'app.handler' },
    );
    expect(fn.initError()).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    const result = await fn.invoke({});
    expect(result).toMatchObject({
      ok: false,
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Unable to import module 'app': No module named 'not_installed_anywhere'",
    });
    expect(fn.logs().join('\n')).toContain(
      "[ERROR] Runtime.ImportModuleError: Unable to import module 'app'",
    );
    expect(logger.text('warning')).toContain('init failed: Runtime.ImportModuleError');
  });

  it('the init warning on a missing Python module says what its requirements file lacks, or that it did not install', async () => {
    const requirementsText = 'requests==2.32.3\n';
    const { logger } = await start(
      { 'app.py': 'import requests\nimport not_installed_anywhere\n', 'requests.py': '' },
      {
        handler: 'app.handler',
        importHint: { requirementsFile: 'requirements.txt', requirementsText, platform: 'python3.12 arm64' },
      },
    );
    expect(logger.text('warning')).toContain(
      "No module named 'not_installed_anywhere' (not_installed_anywhere is neither in the package nor in its requirements: add not_installed_anywhere to requirements.txt)",
    );
    const listed = await start(
      { 'app.py': 'import requests_zz\n' },
      {
        handler: 'app.handler',
        importHint: { requirementsFile: 'uv.lock', requirementsText: 'name = "requests-zz"\n' },
      },
    );
    expect(listed.logger.text('warning')).toContain(
      "(requests_zz is listed in uv.lock but was not installed for Lambda's platform: requests_zz may have no wheel",
    );
  });

  // The other handler faults (malformed name, syntax error, ...) are covered by test_bootstrap.py.
  it('fails init with Runtime.HandlerNotFound for a missing function', async () => {
    const { fn } = await start({ 'app.py': 'x = 1\n' }, { handler: 'app.missing' });
    expect(await fn.invoke({})).toMatchObject({
      ok: false,
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: "Handler 'missing' missing on module 'app'",
    });
  });

  it('reports a missing interpreter clearly', async () => {
    const { fn } = await start(
      { 'app.py': '' },
      { handler: 'app.handler' },
      { pythonCommand: 'no-such-python-here' },
    );
    expect(await fn.invoke({})).toMatchObject({
      ok: false,
      errorType: 'Runtime.InvalidEntrypoint',
      errorMessage: expect.stringContaining('could not start no-such-python-here'),
    });
  });

  it('without pythonCommand runs the Python packaging runs: LAMBDA_DEPLOY_PYTHON', async () => {
    const { fn } = await start(
      { 'app.py': '' },
      { handler: 'app.handler' },
      { env: { ...process.env, LAMBDA_DEPLOY_PYTHON: 'no-such-deploy-python' } },
    );
    expect(await fn.invoke({})).toMatchObject({
      ok: false,
      errorMessage: expect.stringContaining('could not start no-such-deploy-python'),
    });
  });

  it('runs one invocation at a time', async () => {
    const { fn } = await start(
      {
        'app.py':
          'import time\ndef handler(event, context):\n    t = time.time()\n    time.sleep(0.05)\n    return [t, time.time()]\n',
      },
      { handler: 'app.handler' },
    );
    const results = await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})]);
    const spans = results.map((r) => (r.ok ? (r.payload as [number, number]) : ([0, 0] as [number, number])));
    spans.sort((a, b) => a[0] - b[0]);
    expect(spans.every(([start]) => start > 0)).toBe(true);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});

describe('Node.js handlers', () => {
  it('runs an async ES module handler with a Lambda context', async () => {
    const { fn } = await start(
      {
        'index.mjs':
          'export const handler = async (event, context) => { console.log("node got", event.n); ' +
          'return { n: event.n * 2, id: context.awsRequestId, name: context.functionName, left: context.getRemainingTimeInMillis(), ' +
          'secret: process.env.SECRET_FROM_PARENT ?? null, nodeOptions: process.env.NODE_OPTIONS ?? null }; };\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
      { env: { PATH: process.env.PATH, SECRET_FROM_PARENT: 'x', NODE_OPTIONS: '--inspect' } },
    );
    const result = await fn.invoke({ n: 21 });
    expect(result).toMatchObject({
      ok: true,
      payload: { n: 42, name: 'demo-main', secret: null, nodeOptions: null },
    });
    if (result.ok) expect((result.payload as { id: string }).id).toBe(result.requestId);
    expect(fn.logs().join('\n')).toContain('node got 21');
  });

  it('runs a CommonJS callback-style handler in a nested folder', async () => {
    const { fn } = await start(
      {
        'lib/handler.cjs':
          'exports.main = function (event, context, callback) { setTimeout(() => callback(null, { got: event, cb: true }), 10); };\n',
      },
      { runtime: 'nodejs20.x', handler: 'lib/handler.main' },
    );
    expect(await fn.invoke({ a: 1 })).toMatchObject({ ok: true, payload: { got: { a: 1 }, cb: true } });
  });

  it('runs a .js CommonJS module and reports callback errors', async () => {
    const { fn } = await start(
      {
        'app.js':
          'module.exports = { handler: (event, context, cb) => cb(new TypeError("nope " + event.x)) };\n',
      },
      { runtime: 'nodejs22.x', handler: 'app.handler' },
    );
    const result = await fn.invoke({ x: 7 });
    expect(result).toMatchObject({ ok: false, errorType: 'TypeError', errorMessage: 'nope 7' });
    if (!result.ok) expect(result.stackTrace?.[0]).toContain('TypeError: nope 7');
  });

  it("leaves the local runtime's own frames out of an error's stack and its logged lines", async () => {
    const { fn } = await start(
      {
        'index.mjs':
          'const fail = (x) => { throw new RangeError("bad " + x); };\nexport const handler = async (e) => fail(e.x);\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    const result = await fn.invoke({ x: 7 });
    if (result.ok) throw new Error('the handler threw');
    expect(result.stackTrace).toHaveLength(3);
    expect(result.stackTrace?.[0]).toBe('RangeError: bad 7');
    expect(result.stackTrace?.slice(1).every((frame) => /index\.mjs:\d+:\d+\)?$/.test(frame))).toBe(true);
    expect(fn.logs().join('\n')).toContain('RangeError: bad 7');
    expect(fn.logs().join('\n')).not.toMatch(/bootstrap\.mjs|processTicksAndRejections/);
  });

  it('restarts after process.exit and reports a missing module at init', async () => {
    const { fn } = await start(
      { 'index.mjs': 'export const handler = async (e) => { if (e.exit) process.exit(2); return "ok"; };\n' },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    expect(await fn.invoke({ exit: true })).toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    expect(await fn.invoke({})).toMatchObject({ ok: true, payload: 'ok' });

    const broken = await start(
      { 'index.mjs': 'import "not-installed-pkg";\n' },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    expect(await broken.fn.invoke({})).toMatchObject({ ok: false, errorType: 'Runtime.ImportModuleError' });
    expect(broken.fn.logs().join('\n')).toContain('not-installed-pkg');
  });

  it('fails the invocation on an uncaught exception, restarts, and honours context.succeed', async () => {
    const { fn } = await start(
      {
        'index.cjs':
          'exports.handler = function (e, context) {\n' +
          '  if (e.late) { setTimeout(() => { throw new RangeError("late failure"); }, 1); return; }\n' +
          '  context.succeed({ legacy: true });\n' +
          '};\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    // context.succeed answers at once, pending work or not.
    expect(await fn.invoke({})).toMatchObject({ ok: true, payload: { legacy: true } });
    const late = await start(
      {
        'index.mjs':
          'export const handler = (e) => new Promise((resolve) => {\n' +
          '  if (e.late) setTimeout(() => { throw new RangeError("late failure"); }, 1); else resolve(process.pid);\n' +
          '});\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    const first = await late.fn.invoke({});
    // Up to Node.js 22 Lambda's runtime posts the uncaught error as it is, then exits.
    expect(await late.fn.invoke({ late: true })).toMatchObject({
      ok: false,
      errorType: 'RangeError',
      errorMessage: 'late failure',
    });
    const second = await late.fn.invoke({});
    expect(second.ok && first.ok && second.payload !== first.payload).toBe(true);
  });

  it('fails the invocation on an unhandled rejection with the reason as Lambda words it', async () => {
    const { fn } = await start(
      {
        'index.mjs':
          'export const handler = async () => { Promise.reject(new TypeError("boom")); await new Promise((r) => setTimeout(r, 100)); return "ok"; };\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    expect(await fn.invoke({})).toMatchObject({
      ok: false,
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'TypeError: boom',
    });
  });

  it('refuses a callback-style handler on nodejs24.x, as Lambda has since Node.js 24', async () => {
    const files = {
      'index.cjs':
        'exports.handler = (event, context, callback) => callback(null, { legacy: typeof context.succeed });\n' +
        'exports.modern = async (event, context) => ({ succeed: typeof context.succeed, waits: "callbackWaitsForEmptyEventLoop" in context });\n',
    };
    const node24 = await start(files, { runtime: 'nodejs24.x', handler: 'index.handler' });
    expect(await node24.fn.invoke({})).toMatchObject({
      ok: false,
      errorType: 'Runtime.CallbackHandlerDeprecated',
      errorMessage: expect.stringContaining(
        'AWS Lambda has removed support for callback-based function handlers starting with Node.js 24',
      ),
    });
    // Node.js 24's context has no legacy completion methods.
    const modern = await start(files, { runtime: 'nodejs24.x', handler: 'index.modern' });
    expect(await modern.fn.invoke({})).toMatchObject({
      ok: true,
      payload: { succeed: 'undefined', waits: false },
    });
    // Node.js 22 still runs it.
    const node22 = await start(files, { runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(await node22.fn.invoke({})).toMatchObject({ ok: true, payload: { legacy: 'function' } });
  });

  it("reports a missing or non-function handler and a handler path with '..' in Lambda's words", async () => {
    const files = { 'lib/app.mjs': 'export const handler = 42;\n' };
    const cases: [string, string, string][] = [
      ['lib/app.main', 'Runtime.HandlerNotFound', 'lib/app.main is undefined or not exported'],
      ['lib/app.handler', 'Runtime.HandlerNotFound', 'lib/app.handler is not a function'],
      [
        'lib/../lib/app.handler',
        'Runtime.MalformedHandlerName',
        "'lib/../lib/app.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
      ],
    ];
    for (const [handler, errorType, errorMessage] of cases) {
      const { fn } = await start(files, { runtime: 'nodejs22.x', handler });
      expect(await fn.invoke({})).toMatchObject({ ok: false, errorType, errorMessage });
    }
  });

  it('reports a thrown or rejected value that is not an Error as Lambda does', async () => {
    const files = {
      'index.mjs':
        'export const handler = async (e) => { throw { object: { code: 7 }, number: 42, none: undefined }[e.kind]; };\n' +
        'export const legacy = (e, context) => context.fail();\n',
    };
    const node22 = await start(files, { runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(await node22.fn.invoke({ kind: 'object' })).toMatchObject({
      ok: false,
      errorType: 'object',
      errorMessage: '[object Object]',
    });
    expect(await node22.fn.invoke({ kind: 'number' })).toMatchObject({
      ok: false,
      errorType: 'number',
      errorMessage: '42',
    });
    // Up to Node.js 22 a promise rejected with nothing, or context.fail(), fails as the string 'handled'.
    expect(await node22.fn.invoke({ kind: 'none' })).toMatchObject({
      ok: false,
      errorType: 'string',
      errorMessage: 'handled',
    });
    const legacy = await start(files, { runtime: 'nodejs22.x', handler: 'index.legacy' });
    expect(await legacy.fn.invoke({})).toMatchObject({
      ok: false,
      errorType: 'string',
      errorMessage: 'handled',
    });
    // Node.js 24's runtime formats the value itself.
    const node24 = await start(files, { runtime: 'nodejs24.x', handler: 'index.handler' });
    expect(await node24.fn.invoke({ kind: 'none' })).toMatchObject({
      ok: false,
      errorType: 'undefined',
      errorMessage: 'undefined',
    });
  });

  it('answers when the event loop is empty, as Lambda up to Node.js 22 does', async () => {
    const files = {
      'index.cjs': [
        // A plain function's return value is not the result: Lambda answers null once nothing is pending.
        'exports.sync = () => ({ statusCode: 200 });',
        'exports.pending = () => new Promise(() => {});',
        'exports.stuck = async () => new Promise(() => {});',
        // After the callback Lambda waits for pending work (callbackWaitsForEmptyEventLoop), then sends the result.
        'exports.callback = (e, context, callback) => {',
        '  const out = { timer: false };',
        '  context.callbackWaitsForEmptyEventLoop = !e.noWait;',
        '  setTimeout(() => { out.timer = true; }, 100);',
        '  callback(null, out);',
        '};',
        'exports.open = (e, context, callback) => { setInterval(() => {}, 1000); callback(null, "never sent"); };',
      ].join('\n'),
    };
    const { fn } = await start(files, { runtime: 'nodejs22.x', handler: 'index.callback' });
    expect(await fn.invoke({})).toMatchObject({ ok: true, payload: { timer: true } });
    expect(await fn.invoke({ noWait: true })).toMatchObject({ ok: true, payload: { timer: false } });
    const cases: [string, object][] = [
      ['index.sync', { ok: true, payload: null }],
      ['index.pending', { ok: true, payload: null }],
      [
        'index.stuck',
        {
          ok: false,
          errorType: 'Runtime.NodeJsExit',
          errorMessage: expect.stringContaining('most commonly caused by a Promise that was never settled'),
        },
      ],
      // A handle left open (a timer, a database connection) keeps Lambda waiting until the timeout.
      ['index.open', { ok: false, errorType: 'Sandbox.Timedout' }],
    ];
    for (const [handler, expected] of cases) {
      const { fn: each } = await start(files, { runtime: 'nodejs22.x', handler });
      expect([handler, await each.invoke({})]).toMatchObject([handler, expected]);
    }
  });

  it("finds a handler in an ES module's default export on Node.js 24 only, as Lambda", async () => {
    const files = {
      'index.mjs': 'export default { handler: async () => "from default" };\n',
      'pkg/package.json': '{ "type": "module" }\n',
      'pkg/esm.js': 'export default { handler: async () => "from default" };\n',
      'common.cjs': 'module.exports = { handler: async () => "from module.exports" };\n',
    };
    for (const handler of ['index.handler', 'pkg/esm.handler']) {
      const node22 = await start(files, { runtime: 'nodejs22.x', handler });
      expect(await node22.fn.invoke({})).toMatchObject({
        ok: false,
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: `${handler} is undefined or not exported`,
      });
      const node24 = await start(files, { runtime: 'nodejs24.x', handler });
      expect(await node24.fn.invoke({})).toMatchObject({ ok: true, payload: 'from default' });
    }
    const common = await start(files, { runtime: 'nodejs22.x', handler: 'common.handler' });
    expect(await common.fn.invoke({})).toMatchObject({ ok: true, payload: 'from module.exports' });
  });

  it('fails a result JSON cannot hold (a BigInt, a cycle) with the error Lambda reports', async () => {
    const files = {
      'index.mjs':
        'export const handler = async (e) => { const o = { n: 1n }; if (e.cycle) { o.n = 1; o.self = o; } return o; };\n',
    };
    const node22 = await start(files, { runtime: 'nodejs22.x', handler: 'index.handler' });
    for (const event of [{}, { cycle: true }])
      expect(await node22.fn.invoke(event)).toMatchObject({
        ok: false,
        errorType: 'Error',
        errorMessage: 'Unable to stringify response body',
      });
    const node24 = await start(files, { runtime: 'nodejs24.x', handler: 'index.handler' });
    expect(await node24.fn.invoke({})).toMatchObject({
      ok: false,
      errorType: 'Runtime.JSONStringifyError',
      errorMessage: 'Unable to stringify response body',
    });
  });

  it("prefixes console output with the time, the request id and the level, as Lambda's Node.js runtimes do", async () => {
    const { fn } = await start(
      {
        'index.mjs':
          'console.info("loading");\n' +
          'export const handler = async () => { console.log("n=%d", 7); console.warn("careful"); console.error("bad"); console.fatal("worse"); return 1; };\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    const result = await fn.invoke({});
    expect(result).toMatchObject({ ok: true, payload: 1 });
    const logs = fn.logs().join('\n');
    const line = (id: string, level: string, text: string) =>
      new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${id}\\t${level}\\t${text}$`, 'm');
    expect(logs).toMatch(line('undefined', 'INFO', 'loading'));
    for (const [level, text] of [
      ['INFO', 'n=7'],
      ['WARN', 'careful'],
      ['ERROR', 'bad'],
      ['FATAL', 'worse'],
    ])
      expect(logs).toMatch(line(result.requestId!, level!, text!));
  });

  it('says why an import of the AWS SDK fails locally although it works on Lambda', async () => {
    const { fn, logger } = await start(
      {
        'index.mjs':
          'import { S3Client } from "@aws-sdk/client-s3";\nexport const handler = async () => typeof S3Client;\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler' },
    );
    expect(await fn.invoke({})).toMatchObject({ ok: false, errorType: 'Runtime.ImportModuleError' });
    expect(logger.lines.find((l) => l.level === 'warning')?.message).toMatch(
      /Runtime\.ImportModuleError: .*@aws-sdk\/client-s3.*Lambda's Node\.js runtimes include the AWS SDK for JavaScript v3.*package\.json/s,
    );
  });

  it('loads a handler module Node.js resolves: a folder with index.js, a file without extension, a package in node_modules', async () => {
    const files = {
      'lib/index.js': 'exports.handler = async () => "from lib/index.js";\n',
      plain: 'exports.handler = async () => "from plain";\n',
      'node_modules/dep/package.json': '{ "name": "dep", "main": "main.js" }\n',
      'node_modules/dep/main.js': 'exports.handler = async () => "from node_modules/dep";\n',
    };
    const lib = await start(files, { runtime: 'nodejs22.x', handler: 'lib.handler' });
    expect(await lib.fn.invoke({})).toMatchObject({ ok: true, payload: 'from lib/index.js' });
    const plain = await start(files, { runtime: 'nodejs22.x', handler: 'plain.handler' });
    expect(await plain.fn.invoke({})).toMatchObject({ ok: true, payload: 'from plain' });
    const dep = await start(files, { runtime: 'nodejs22.x', handler: 'dep.handler' });
    expect(await dep.fn.invoke({})).toMatchObject({ ok: true, payload: 'from node_modules/dep' });
  });

  it('times out a handler that never settles', async () => {
    const { fn } = await start(
      {
        'index.mjs':
          'export const handler = (e) => new Promise((r) => { if (e.hang) setInterval(() => {}, 1000); else r("quick"); });\n',
      },
      { runtime: 'nodejs22.x', handler: 'index.handler', timeout: 1 },
    );
    expect(await fn.invoke({ hang: true })).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
    expect(await fn.invoke({})).toMatchObject({ ok: true, payload: 'quick' });
  });
});

describe('startLocalFunction', () => {
  it('refuses a runtime it cannot run and a missing package folder', async () => {
    const logger = new RecordingLogger();
    const base = { handler: 'app.handler', environment: {}, timeout: 1, memory: 128, functionName: 'f' };
    await expect(
      startLocalFunction({ ...base, codeDir: '.', runtime: 'java21' }, { logger }),
    ).rejects.toThrow("runtime 'java21' cannot run locally");
    await expect(
      startLocalFunction({ ...base, codeDir: '/nonexistent/pkg', runtime: 'python3.12' }, { logger }),
    ).rejects.toThrow('/nonexistent/pkg does not exist');
  });

  it('stops cleanly while an invocation runs', async () => {
    let sleeping!: () => void;
    const started = new Promise<void>((r) => (sleeping = r));
    const { fn } = await start(
      { 'app.py': 'import time\ndef handler(event, context):\n    print("sleeping")\n    time.sleep(30)\n' },
      { handler: 'app.handler', timeout: 5 },
      { onLog: (line: string) => line === 'sleeping' && sleeping() },
    );
    const pending = fn.invoke({});
    await started;
    await fn.stop();
    expect(await pending).toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    expect(await fn.invoke({})).toMatchObject({ ok: false, errorType: 'Runtime.Stopped' });
  });
});
