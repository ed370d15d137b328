/**
 * Issue 15, "What it must show": the bundled action (`node dist/index.js`)
 * with `target: local` and `gateway: rest-api` serves examples/fastapi-app
 * the way API Gateway's REST API would: payload format 1.0 events under
 * `/{stage}`. FastAPI's docs page at `/{stage}/docs` names its OpenAPI
 * document with the stage in front, and that document loads through the
 * same front door; without the stage as the app's mount point the page
 * would point at `/openapi.json`, which the REST API does not serve.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFrontDoor, startLocalFunction } from '../../src/local-runtime/index.js';
import { extractZip } from '../../src/packaging/zip-reader.js';
import { silentLogger } from '../../src/util/logger.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { testPython, vendorWheels } from '../support/vendor-wheels.js';

const EXAMPLES = resolve(new URL('.', import.meta.url).pathname, '../../examples');
const STAGE = 'pr-15';

/**
 * FastAPI and what it needs, from this machine's (Debian's) packages as
 * wheels. Debian's metadata lists no requirements for some of them, and
 * fastapi's own pins a starlette older than the one Debian ships, so the
 * test's requirements file names them all and pip runs with --no-deps.
 */
const FASTAPI_DISTRIBUTIONS = [
  'fastapi',
  'starlette',
  'pydantic',
  'anyio',
  'sniffio',
  'idna',
  'typing_extensions',
];

let root: string;
let wheels: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'e2e-local-rest-'));
  wheels = join(root, 'wheels');
  vendorWheels(wheels, FASTAPI_DISTRIBUTIONS);
}, 60_000);
const runDirs: string[] = [];
afterAll(() => {
  for (const dir of [root, ...runDirs]) rmSync(dir, { recursive: true, force: true });
});

function fastapiExample(): string {
  const dir = join(root, `fastapi-app-${runDirs.length}`);
  cpSync(join(EXAMPLES, 'fastapi-app'), dir, { recursive: true });
  writeFileSync(join(dir, 'requirements.txt'), `${FASTAPI_DISTRIBUTIONS.join('\n')}\n`);
  return dir;
}

async function deploy(inputs: Record<string, string>): Promise<ActionRun> {
  const run = await runAction({
    inputs: {
      name: 'demo',
      command: 'deploy',
      target: 'local',
      stage: STAGE,
      gateway: 'rest-api',
      app: 'app:app',
      path: fastapiExample(),
      'pip-args': `--no-index --find-links ${wheels} --no-deps`,
      ...inputs,
    },
    // `path` must lie inside the workspace: the copies are under root.
    workspace: root,
    timeoutMs: 80_000,
  });
  runDirs.push(run.dir);
  return run;
}

function expectSuccess(run: ActionRun): void {
  const log = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
  expect({ code: run.code, log: run.code === 0 ? '' : log }).toEqual({ code: 0, log: '' });
  expect(run.stdout).not.toContain('::error::');
}

describe('node dist/index.js with target: local and gateway: rest-api', () => {
  let packagePath: string | undefined;

  test(`serves examples/fastapi-app under /${STAGE}; /${STAGE}/docs names /${STAGE}/openapi.json`, async () => {
    const run = await deploy({ 'smoke-path': '/docs', 'smoke-contains': `url: '/${STAGE}/openapi.json'` });
    expectSuccess(run);
    expect(run.outputs.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${STAGE}$`));
    expect(run.summary).toMatch(new RegExp(`Smoke test\\*\\*[^\\n]*passed[^\\n]*/docs`));
    packagePath = run.outputs['package-path'];
  }, 90_000);

  test('the OpenAPI document the docs page names loads through the same front door', async () => {
    // The page names /{stage}/openapi.json; relative to the stage URL that is /openapi.json.
    const run = await deploy({ 'smoke-path': '/openapi.json', 'smoke-contains': '"/items/{item_id}"' });
    expectSuccess(run);
    expect(run.summary).toMatch(/Smoke test\*\*[^\n]*passed[^\n]*\/openapi\.json/);
  }, 90_000);

  test('the same package, run behind the local REST front door: docs, document, redirects, 403 outside the stage', async () => {
    if (!packagePath) throw new Error('needs the package built by the first test, which failed');
    const codeDir = join(root, 'unpacked');
    await extractZip(packagePath, codeDir);
    const fn = await startLocalFunction(
      {
        codeDir,
        runtime: 'python3.12',
        handler: '_lambda_deploy_adapter.handler',
        environment: {},
        timeout: 30,
        memory: 256,
        functionName: 'demo-rest',
      },
      { logger: silentLogger, pythonCommand: testPython() },
    );
    const door = await startFrontDoor(fn, { logger: silentLogger, gateway: 'rest-api', stage: STAGE });
    try {
      const origin = new URL(door.url).origin;
      const docs = await fetch(`${door.url}/docs`);
      expect(docs.status).toBe(200);
      const openapiUrl = /url: '([^']+)'/.exec(await docs.text())?.[1];
      expect(openapiUrl).toBe(`/${STAGE}/openapi.json`);

      // What a browser does with the page: load the document at the path it names.
      const document = await fetch(`${origin}${openapiUrl}`);
      expect(document.status).toBe(200);
      const openapi = (await document.json()) as { openapi: string; paths: object; servers?: object[] };
      expect(openapi.openapi).toMatch(/^3\./);
      expect(Object.keys(openapi.paths)).toEqual(['/', '/items/{item_id}']);
      // "Try it out" calls go to the stage too.
      expect(openapi.servers).toEqual([{ url: `/${STAGE}` }]);

      const item = await fetch(`${door.url}/items/7?q=x+y`);
      expect(await item.json()).toEqual({ item_id: 7, q: 'x y' });

      // Starlette's trailing-slash redirect keeps the stage.
      const slash = await fetch(`${door.url}/items/7/`, { redirect: 'manual' });
      expect(slash.status).toBe(307);
      expect(new URL(slash.headers.get('location') ?? '', origin).pathname).toBe(`/${STAGE}/items/7`);

      const outside = await fetch(`${origin}/docs`);
      expect(outside.status).toBe(403);
    } finally {
      await door.close();
      await fn.stop();
    }
  }, 60_000);
});
