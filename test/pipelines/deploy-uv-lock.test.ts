/**
 * A uv project (pyproject.toml and uv.lock, no requirements.txt) deploys
 * with what uv.lock pins (a Poetry project with its poetry.lock likewise): counted like any requirements when the layers
 * push the package past 250 MB (slim), and a uv.lock lambda-deploy cannot
 * read stops the deploy before anything is created in AWS.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { storedZip } from '../../fakes/aws/zip.js';
import { UNZIPPED_LIMIT_BYTES } from '../../src/packaging/size-check.js';
import { buildWheel } from '../support/vendor-wheels.js';

let wheels: string;
beforeAll(() => {
  wheels = mkdtempSync(join(tmpdir(), 'uv-lock-wheels-'));
  buildWheel(wheels, {
    name: 'bigdep',
    version: '1.0.0',
    files: { 'bigdep/__init__.py': `DATA = "${'x'.repeat(300_000)}"\n` },
  });
});
afterAll(() => rmSync(wheels, { recursive: true, force: true }));

const LOCK = [
  'version = 1',
  'revision = 2',
  'requires-python = ">=3.12"',
  '',
  '[[package]]',
  'name = "bigdep"',
  'version = "1.0.0"',
  'source = { registry = "https://pypi.org/simple" }',
  '',
  '[[package]]',
  'name = "shop"',
  'version = "0.1.0"',
  'source = { virtual = "." }',
  'dependencies = [',
  '    { name = "bigdep" },',
  ']',
  '',
].join('\n');

async function deployUvProject(lock: string, lockfile = 'uv.lock') {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  // A layer that leaves 150 KB of Lambda's 250 MB: bigdep's 300 KB fit only in a slim package.
  const layer = fake.seed.layerVersion(
    'shared',
    storedZip({ 'python/shared.py': 'X = 1\n' }, UNZIPPED_LIMIT_BYTES - 150_000),
  );
  const dir = appFolder();
  writeFileSync(join(dir, 'app', 'pyproject.toml'), '[project]\nname = "shop"\ndependencies = ["bigdep"]\n');
  writeFileSync(join(dir, 'app', lockfile), lock);
  try {
    const deployed = deployApp(fake, dir, {
      inputs: { layers: layer, 'pip-args': `--no-index --find-links ${wheels}` },
    });
    const [run, error] = await deployed.then(
      (r) => [r, undefined] as const,
      (e: unknown) => [undefined, e as Error] as const,
    );
    return { run, error, fn: fake.account.functions.get('shop-main'), calls: fake.calls.calls };
  } finally {
    await fake.close();
    removeApp(dir);
  }
}

it('installs what uv.lock pins, and goes slim when the layers leave no room for it', async () => {
  const { run, error, fn } = await deployUvProject(LOCK);
  expect(error).toBeUndefined();
  expect(run?.failure).toBeUndefined();
  expect(run?.logger.text()).toContain(
    'Installing the 1 package uv.lock pins (pyproject.toml has no requirements.txt)',
  );
  expect(fn?.latest.Handler).toBe('_lambda_deploy_slim.handler');
}, 120_000);

it('a uv.lock it cannot read: the file and line named, nothing created in AWS', async () => {
  const { error, fn, calls } = await deployUvProject(LOCK.replace('dependencies = [', 'dependencies = [ {'));
  expect(error?.message).toMatch(/\/app\/uv\.lock line 14: expected a key, found the end of the line/);
  expect(error?.message).toContain('run uv lock to write it again');
  expect(calls).toEqual([]);
  expect(fn).toBeUndefined();
}, 120_000);

it('a poetry.lock it cannot read: the file and line named, nothing created in AWS', async () => {
  const lock =
    '[[package]]\nname = "bigdep"\nversion = "1.0.0"\ngroups = ["main"\n\n[metadata]\nlock-version = "2.1"\n';
  const { error, fn, calls } = await deployUvProject(lock, 'poetry.lock');
  expect(error?.message).toMatch(/\/app\/poetry\.lock line 6: expected "," or "\]" in an array, found "\["/);
  expect(error?.message).toContain('run poetry lock to write it again');
  expect(calls).toEqual([]);
  expect(fn).toBeUndefined();
}, 120_000);
