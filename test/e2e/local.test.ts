/**
 * Issue 7, "What it must show": the bundled action (`node dist/index.js`, as
 * the runner starts it) with `target: local` deploys examples/flask-app
 * (`app: app:app`, Flask installed offline from vendored wheels) to a local
 * Lambda-compatible runtime, passes a smoke test on a route that reads a query
 * parameter and a cookie, writes the local URL to the outputs and stops the
 * runtime. Also a plain Python handler, a Node.js handler, and a failing one.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFrontDoor, startLocalFunction } from '../../src/local-runtime/index.js';
import { extractZip, listZip } from '../../src/packaging/zip-reader.js';
import { NODE_RUNTIMES } from '../../src/settings/runtimes.js';
import { silentLogger } from '../../src/util/logger.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { RUNNER_TOKEN } from '../support/action-yml.js';
import { testPython, vendorFlask } from '../support/vendor-wheels.js';

const EXAMPLES = resolve(new URL('.', import.meta.url).pathname, '../../examples');

let root: string;
let wheels: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'e2e-local-'));
  wheels = join(root, 'wheels');
  vendorFlask(wheels);
}, 60_000);
/** The runs' temp folders (RUNNER_TEMP with the zips), removed at the end. */
const runDirs: string[] = [];
afterAll(() => {
  for (const dir of [root, ...runDirs]) rmSync(dir, { recursive: true, force: true });
});

async function tracked(run: Promise<ActionRun>): Promise<ActionRun> {
  const done = await run;
  runDirs.push(done.dir);
  return done;
}

function copyExample(example: string, name = example): string {
  const dir = join(root, name);
  cpSync(join(EXAMPLES, example), dir, { recursive: true });
  return dir;
}

function describeRun(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

function expectSuccess(run: ActionRun): void {
  expect({ code: run.code, log: run.code === 0 ? '' : describeRun(run) }).toEqual({ code: 0, log: '' });
  expect(run.stdout).not.toContain('::error::');
}

function localDeploy(inputs: Record<string, string>): Promise<ActionRun> {
  return tracked(
    runAction({
      inputs: { name: 'demo', command: 'deploy', target: 'local', stage: 'local', ...inputs },
      // `path` must lie inside the workspace: every folder of these tests is under root.
      workspace: root,
      timeoutMs: 80_000,
    }),
  );
}

/** Processes whose working folder lies inside `dir` (Linux /proc); [] elsewhere. */
function processesUnder(dir: string): string[] {
  if (!existsSync('/proc/self/cwd')) return [];
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** After the step: nothing answers at the URL, no runtime process is left, its unpacked code is gone. */
async function expectStopped(run: ActionRun): Promise<void> {
  const url = run.outputs.url as string;
  const error = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) }).then(
    () => undefined,
    (e: unknown) => e as Error & { cause?: { code?: string } },
  );
  expect(error?.cause?.code).toBe('ECONNREFUSED');
  expect(processesUnder(run.dir)).toEqual([]);
  const outDir = join(run.dir, 'lambda-deploy');
  expect(readdirSync(outDir).filter((f) => f.startsWith('local-'))).toEqual([]);
}

const URL_PATTERN = /^http:\/\/127\.0\.0\.1:\d+$/;

/** The Node.js runtime matching this machine's node, when Lambda has it (the local runtime runs it with this node). */
function nodeRuntime(): string {
  const mine = `nodejs${process.versions.node.split('.')[0]}.x`;
  return (NODE_RUNTIMES as readonly string[]).includes(mine) ? mine : (NODE_RUNTIMES.at(-1) as string);
}

describe('node dist/index.js with target: local', () => {
  let flaskZip: string | undefined;

  test('serves examples/flask-app (app: app:app) and passes a smoke test on a query-and-cookie route', async () => {
    const run = await localDeploy({
      app: 'app:app',
      path: copyExample('flask-app'),
      'pip-args': `--no-index --find-links ${wheels}`,
      'smoke-path': '/greet?name=Ada',
      'smoke-contains': 'Hello, Ada',
    });
    expectSuccess(run);
    expect(run.outputs.url).toMatch(URL_PATTERN);
    expect(run.outputs.stage).toBe('local');
    expect(run.outputs['function-name']).toBe('demo-local');
    expect(run.summary).toContain(run.outputs.url as string);
    expect(run.summary).toMatch(/Smoke test\*\*[^\n]*passed[^\n]*\/greet\?name=Ada/);

    // The package carries Flask and what it needs (installed offline), and the adapter as its handler.
    flaskZip = run.outputs['package-path'] as string;
    const names = (await listZip(flaskZip)).map((e) => e.name);
    for (const expected of [
      'app.py',
      '_lambda_deploy_adapter.py',
      'flask/__init__.py',
      'werkzeug/__init__.py',
      'jinja2/__init__.py',
      'markupsafe/__init__.py',
    ])
      expect(names).toContain(expected);
    expect(names.filter((n) => /\.(so|pyc)$/.test(n))).toEqual([]);

    await expectStopped(run);
  }, 90_000);

  test('the same package answers a request with a cookie and repeated query keys, and sets both cookies', async () => {
    if (!flaskZip) throw new Error('needs the package built by the previous test, which failed');
    const codeDir = join(root, 'flask-unpacked');
    await extractZip(flaskZip, codeDir);
    const fn = await startLocalFunction(
      {
        codeDir,
        runtime: 'python3.12',
        handler: '_lambda_deploy_adapter.handler',
        environment: {},
        timeout: 30,
        memory: 256,
        functionName: 'demo-cookies',
      },
      { logger: silentLogger, pythonCommand: testPython() },
    );
    const door = await startFrontDoor(fn, { logger: silentLogger });
    try {
      const response = await fetch(`${door.url}/greet?name=Ada&name=Bob&x=1`, {
        headers: { cookie: 'theme=dark; other=1' },
      });
      expect(response.status).toBe(200);
      // The first of the repeated keys, as Flask reads it (not "Ada,Bob", API Gateway's joined form).
      expect(await response.json()).toEqual({ greeting: 'Hello, Ada!', theme: 'dark' });
      const cookies = response.headers.getSetCookie();
      expect(cookies).toHaveLength(2);
      expect(cookies.find((c) => c.startsWith('visited='))).toMatch(/^visited=1;/);
      expect(cookies.find((c) => c.startsWith('last='))).toMatch(/^last=Ada;/);

      // Without a cookie the route says so: the smoke test's request really went without one.
      const bare = await fetch(`${door.url}/greet?name=Ada`);
      expect(await bare.json()).toEqual({ greeting: 'Hello, Ada!', theme: 'none' });
    } finally {
      await door.close();
      await fn.stop();
    }
  }, 60_000);

  test('serves an ASGI app (app: main:app, a coroutine app with no dependencies)', async () => {
    const dir = join(root, 'asgi');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'main.py'),
      [
        'import json',
        '',
        '',
        'async def app(scope, receive, send):',
        '    assert scope["type"] == "http"',
        '    body = json.dumps({"asgi": scope["asgi"]["version"], "path": scope["path"], "query": scope["query_string"].decode()})',
        '    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})',
        '    await send({"type": "http.response.body", "body": body.encode()})',
        '',
      ].join('\n'),
    );
    const run = await localDeploy({
      app: 'main:app',
      path: dir,
      'smoke-path': '/items?id=7',
      'smoke-contains': '"query": "id=7"',
    });
    expectSuccess(run);
    expect(run.outputs.url).toMatch(URL_PATTERN);
    expect(run.summary).toMatch(/Smoke test\*\*[^\n]*passed[^\n]*\/items\?id=7/);
    const names = (await listZip(run.outputs['package-path'] as string)).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['main.py', '_lambda_deploy_adapter.py']));
    await expectStopped(run);
  }, 60_000);

  test('a handler that cannot start fails at once with its traceback: no smoke test retries', async () => {
    const dir = join(root, 'broken-start');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'app.py'),
      'import os\n\nDATABASE_URL = os.environ["DATABASE_URL"]\n\n\ndef handler(event, context):\n    return {}\n',
    );
    // smoke-timeout stays at its default (60 s): nothing may wait for it.
    const run = await localDeploy({ handler: 'app.handler', path: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::The function could not start: KeyError: .*DATABASE_URL/m);
    expect(run.stdout).not.toMatch(/Smoke test attempt/);
    expect(run.summary).toContain('Traceback (most recent call last)');
    expect(run.summary).toMatch(/app\.py", line 3/);
    expect(run.summary).toContain('| **Smoke test** | ⏭️ skipped: not reached |');

    // A missing dependency: Lambda's own message, naming the module.
    const missing = join(root, 'broken-import');
    mkdirSync(missing, { recursive: true });
    writeFileSync(
      join(missing, 'app.py'),
      'import databaselib_not_installed\n\n\ndef handler(event, context):\n    return {}\n',
    );
    const again = await localDeploy({ handler: 'app.handler', path: missing });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(
      /^::error::The function could not start: Runtime\.ImportModuleError: Unable to import module 'app': No module named 'databaselib_not_installed'/m,
    );
    // No front door was opened; no runtime process or unpacked code is left.
    for (const r of [run, again]) {
      expect(r.outputs.url ?? '').toBe('');
      expect(processesUnder(r.dir)).toEqual([]);
      expect(readdirSync(join(r.dir, 'lambda-deploy')).filter((f) => f.startsWith('local-'))).toEqual([]);
    }
  }, 60_000);

  test('an app that cannot start fails on the first smoke request, with its traceback', async () => {
    const dir = join(root, 'broken-app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.py'), 'import flask_extension_not_installed\n\napp = None\n');
    const run = await localDeploy({ app: 'app:app', path: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^::error::Smoke test failed: GET http:\/\/127\.0\.0\.1:\d+\/ answered 500, expected 200-399\./m,
    );
    expect(run.stdout).not.toMatch(/Smoke test attempt/);
    expect(run.summary).toContain("No module named 'flask_extension_not_installed'");
    expect(run.summary).toContain('Traceback (most recent call last)');
    await expectStopped(run);
  }, 60_000);

  test('serves examples/handler (a plain Python handler)', async () => {
    const run = await localDeploy({
      handler: 'app.handler',
      path: copyExample('handler'),
      'smoke-path': '/greet?name=Ada',
      'smoke-contains': 'Hello, Ada',
    });
    expectSuccess(run);
    expect(run.outputs.url).toMatch(URL_PATTERN);
    expect(run.summary).toMatch(/Smoke test\*\*[^\n]*passed/);
    // The job's token (github-token's default) is registered as a secret once.
    expect(run.stdout.split('\n').filter((line) => line === `::add-mask::${RUNNER_TOKEN}`)).toHaveLength(1);
    await expectStopped(run);
  }, 60_000);

  test('serves examples/node (a Node.js handler)', async () => {
    const run = await localDeploy({
      runtime: nodeRuntime(),
      handler: 'index.handler',
      path: copyExample('node'),
      'smoke-path': '/greet?name=Ada',
      'smoke-contains': '"path":"/greet"',
    });
    expectSuccess(run);
    expect(run.outputs.url).toMatch(URL_PATTERN);
    expect(run.summary).toMatch(/Smoke test\*\*[^\n]*passed/);
    await expectStopped(run);
  }, 60_000);

  test('serves examples/node-stream (a Node.js handler that streams) with invoke-mode: response-stream', async () => {
    const run = await localDeploy({
      runtime: nodeRuntime(),
      handler: 'index.handler',
      path: copyExample('node-stream'),
      gateway: 'function-url',
      'invoke-mode': 'response-stream',
      'smoke-contains': 'line 3 of 3',
    });
    expectSuccess(run);
    expect(run.summary).toMatch(/Smoke test\*\*[^\n]*passed/);
    await expectStopped(run);
  }, 60_000);

  test('a handler that raises fails the smoke test: exit 1, an error, and the traceback in the summary', async () => {
    const dir = join(root, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'app.py'),
      [
        'def lookup(name):',
        '    raise RuntimeError("database unavailable for " + name)',
        '',
        '',
        'def handler(event, context):',
        '    print("handling", event.get("rawPath"))',
        '    return lookup("Ada")',
        '',
      ].join('\n'),
    );
    const run = await localDeploy({ handler: 'app.handler', path: dir, 'smoke-timeout': '3' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::.*[Ss]moke test/m);
    expect(run.outputs.url).toMatch(URL_PATTERN);
    // The function's logs on failure: its own output and the traceback.
    expect(run.summary).toContain('handling /');
    expect(run.summary).toContain('RuntimeError');
    expect(run.summary).toContain('database unavailable for Ada');
    expect(run.summary).toMatch(/Traceback|line \d+, in lookup/);
    await expectStopped(run);
  }, 60_000);
});
