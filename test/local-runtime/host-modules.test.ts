/**
 * The local Python runtime runs on this machine's Python, whose site-packages
 * Lambda does not have: a module the function imports from there works under
 * `serve` and fails on Lambda (`No module named ...`). The runtime says so, once
 * per module, naming it and where it came from.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalFunction, type LocalFunction } from '../../src/local-runtime/index.js';
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

it("warns once per module that the function imports from this machine's Python rather than from its package", async () => {
  const dir = await codeDir({ 'app.py': HANDLER, 'mine.py': 'X = 1\n' });
  dirs.push(dir);
  const logger = new RecordingLogger();
  const fn = await startLocalFunction(
    {
      codeDir: dir,
      runtime: 'python3.12',
      handler: 'app.handler',
      environment: {},
      timeout: 5,
      memory: 256,
      functionName: 'demo-local',
    },
    { logger, pythonCommand: python },
  );
  functions.push(fn);

  expect((await fn.invoke({})).ok).toBe(true);
  const warnings = () => logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
  // The module the function imported first, then what it imported in turn.
  expect(warnings()).toEqual([
    `demo-local: modules hostonly and hostdep are imported from this machine's Python (${realpathSync(sitePackages)}), not from the package: on Lambda those imports fail. Add them to your requirements (unless an import is optional).`,
  ]);

  // Imported while serving a request: said after it, once.
  expect((await fn.invoke({ lazy: true })).ok).toBe(true);
  expect((await fn.invoke({ lazy: true })).ok).toBe(true);
  expect(warnings()).toHaveLength(2);
  expect(warnings()[1]).toBe(
    `demo-local: module lazyhost is imported from this machine's Python (${realpathSync(sitePackages)}), not from the package: on Lambda that import fails. Add it to your requirements (unless the import is optional).`,
  );
}, 30_000);
