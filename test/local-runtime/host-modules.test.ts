/**
 * The local Python runtime runs on this machine's Python, whose site-packages
 * Lambda does not have. The runtime hides them, so the function sees what it
 * would on Lambda: a library's optional import falls back, a required one
 * fails with `No module named ...` and the import hint. When the function may
 * import from there (attached layers, or LAMBDA_DEPLOY_HOST_SITE_PACKAGES=1),
 * the runtime says so, once per module, naming it and where it came from.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalFunction, type LocalFunction } from '../../src/local-runtime/index.js';
import { HOST_SITE_PACKAGES_ENV } from '../../src/local-runtime/host-modules.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { testPython } from '../support/vendor-wheels.js';
import { codeDir, removeAll } from './helpers.js';

const dirs: string[] = [];
const functions: LocalFunction[] = [];
/** A Python whose site-packages holds modules the package lacks: a venv made from the tests' Python. */
let python = '';
let sitePackages = '';

beforeAll(() => {
  const venv = mkdtempSync(join(tmpdir(), 'host-modules-venv-'));
  dirs.push(venv);
  execFileSync(testPython(), ['-m', 'venv', '--without-pip', venv]);
  python = join(venv, 'bin', 'python');
  sitePackages = execFileSync(python, ['-c', 'import site; print(site.getsitepackages()[0])'], {
    encoding: 'utf8',
  }).trim();
  writeFileSync(join(sitePackages, 'hostonly.py'), 'import hostdep\n\nVALUE = 1\n');
  writeFileSync(join(sitePackages, 'hostdep.py'), 'VALUE = 0\n');
  writeFileSync(join(sitePackages, 'lazyhost.py'), 'VALUE = 2\n');
  // Lambda's Python runtimes include boto3 (and botocore, ...): no warning for those.
  mkdirSync(join(sitePackages, 'boto3'));
  writeFileSync(join(sitePackages, 'boto3', '__init__.py'), '');
}, 30_000);

afterAll(async () => {
  await Promise.all(functions.map((f) => f.stop()));
  await removeAll(dirs);
});

const HANDLER = [
  'import boto3',
  'import hostonly',
  'import mine',
  '',
  '',
  'def handler(event, context):',
  '    if event.get("lazy"):',
  '        import lazyhost',
  '    return {"ok": True}',
  '',
].join('\n');

/** Starts `files` as demo-local on the venv's Python. */
async function start(
  files: Record<string, string>,
  logger: RecordingLogger,
  more: { hostSitePackages?: boolean; env?: Record<string, string> } = {},
): Promise<LocalFunction> {
  const dir = await codeDir(files);
  dirs.push(dir);
  const fn = await startLocalFunction(
    {
      codeDir: dir,
      runtime: 'python3.12',
      handler: 'app.handler',
      environment: {},
      timeout: 5,
      memory: 256,
      functionName: 'demo-local',
      importHint: { requirementsFile: 'requirements.txt', requirementsText: 'somelib\n' },
      ...(more.hostSitePackages !== undefined && { hostSitePackages: more.hostSitePackages }),
    },
    { logger, pythonCommand: python, ...(more.env && { env: { ...process.env, ...more.env } }) },
  );
  functions.push(fn);
  return fn;
}

/** A library in the package that uses hostonly when it is installed, as FastAPI does orjson. */
const OPTIONAL_USER = [
  'try:',
  '    import hostonly',
  'except ImportError:',
  '    hostonly = None',
  '',
  '',
  'def dumps():',
  '    return "hostonly" if hostonly else "fallback"',
  '',
].join('\n');

it("hides this machine's site-packages as Lambda does: an optional import falls back, Lambda's boto3 stays", async () => {
  const logger = new RecordingLogger();
  const app = 'import boto3\nimport somelib\n\n\ndef handler(event, context):\n    return somelib.dumps()\n';
  const fn = await start({ 'app.py': app, 'somelib.py': OPTIONAL_USER }, logger);
  expect(await fn.invoke({})).toMatchObject({ ok: true, payload: 'fallback' });
  expect(logger.lines.filter((l) => l.level === 'warning')).toEqual([]);
}, 30_000);

it("fails a required import of a module only this machine's Python has, as Lambda does, with the hint", async () => {
  const logger = new RecordingLogger();
  const app = 'import hostonly\n\n\ndef handler(event, context):\n    return 1\n';
  const fn = await start({ 'app.py': app }, logger);
  expect(fn.initError()).toMatchObject({
    errorType: 'Runtime.ImportModuleError',
    errorMessage: "Unable to import module 'app': No module named 'hostonly'",
  });
  expect(logger.lines.map((l) => l.message)).toContainEqual(
    expect.stringContaining(
      "No module named 'hostonly' (hostonly is neither in the package nor in its requirements: add hostonly to requirements.txt)",
    ),
  );
  // Imported while serving a request: that request fails, as on Lambda.
  const lazy = await start({ 'app.py': HANDLER, 'mine.py': 'X = 1\n', 'hostonly.py': 'VALUE = 9\n' }, logger);
  expect(await lazy.invoke({ lazy: true })).toMatchObject({
    ok: false,
    errorType: 'ModuleNotFoundError',
    errorMessage: "No module named 'lazyhost'",
  });
}, 30_000);

it.each([
  [
    'attached layers',
    { hostSitePackages: true },
    {
      many: "on Lambda they must come from one of the function's layers (not here to check), or those imports fail. Add them to your requirements unless a layer provides them (or an import is optional).",
      one: "on Lambda it must come from one of the function's layers (not here to check), or that import fails. Add it to your requirements unless a layer provides it (or the import is optional).",
    },
  ],
  [
    HOST_SITE_PACKAGES_ENV,
    { env: { [HOST_SITE_PACKAGES_ENV]: '1' } },
    {
      many: 'on Lambda those imports fail unless a layer of the function provides them. Add them to your requirements (unless an import is optional).',
      one: 'on Lambda that import fails unless a layer of the function provides it. Add it to your requirements (unless the import is optional).',
    },
  ],
])(
  "with %s: warns once per module that the function imports from this machine's Python",
  async (_, more, said) => {
    const logger = new RecordingLogger();
    const fn = await start({ 'app.py': HANDLER, 'mine.py': 'X = 1\n' }, logger, more);

    expect((await fn.invoke({})).ok).toBe(true);
    const warnings = () => logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    // The module the function imported first, then what it imported in turn.
    expect(warnings()).toEqual([
      `demo-local: modules hostonly and hostdep are imported from this machine's Python (${realpathSync(sitePackages)}), not from the package: ${said.many}`,
    ]);

    // Imported while serving a request: said after it, once.
    expect((await fn.invoke({ lazy: true })).ok).toBe(true);
    expect((await fn.invoke({ lazy: true })).ok).toBe(true);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toBe(
      `demo-local: module lazyhost is imported from this machine's Python (${realpathSync(sitePackages)}), not from the package: ${said.one}`,
    );
  },
  30_000,
);
