/**
 * A uv project (pyproject.toml and uv.lock, no requirements.txt) deploys
 * with what uv.lock pins (a Poetry project with its poetry.lock, a Pipenv
 * project with its Pipfile.lock likewise): counted like any requirements when the layers
 * push the package past 250 MB (slim), and a lockfile lambda-deploy cannot
 * read stops the deploy before anything is created in AWS, as does a uv
 * workspace's uv.lock that does not know the function's member (the
 * member's install itself: test/packaging/build-package-uv.test.ts).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { storedZip } from '../../fakes/aws/zip.js';
import { UNZIPPED_LIMIT_BYTES } from '../../src/packaging/size-check.js';
import { buildWheel } from '../support/vendor-wheels.js';

let wheels: string;
let bigdepHash: string;
beforeAll(() => {
  wheels = mkdtempSync(join(tmpdir(), 'uv-lock-wheels-'));
  const bigdep = buildWheel(wheels, {
    name: 'bigdep',
    version: '1.0.0',
    files: { 'bigdep/__init__.py': `DATA = "${'x'.repeat(300_000)}"\n` },
  });
  bigdepHash = createHash('sha256')
    .update(readFileSync(join(wheels, bigdep)))
    .digest('hex');
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

const PYPROJECT = { 'pyproject.toml': '[project]\nname = "shop"\ndependencies = ["bigdep"]\n' };

async function deployUvProject(
  lock: string | undefined,
  lockfile = 'uv.lock',
  manifest: Record<string, string> = PYPROJECT,
) {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  // A layer that leaves 150 KB of Lambda's 250 MB: bigdep's 300 KB fit only in a slim package.
  const layer = fake.seed.layerVersion(
    'shared',
    storedZip({ 'python/shared.py': 'X = 1\n' }, UNZIPPED_LIMIT_BYTES - 150_000),
  );
  const dir = appFolder();
  for (const [name, text] of Object.entries(manifest)) writeFileSync(join(dir, 'app', name), text);
  if (lock !== undefined) writeFileSync(join(dir, 'app', lockfile), lock);
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
  expect(run?.logger.text()).toContain('Installing the 1 package uv.lock pins (no requirements.txt)');
  expect(fn?.latest.Handler).toBe('_lambda_deploy_slim.handler');
}, 120_000);

/** LOCK with the hash it records for bigdep's wheel. */
const lockWithHash = (hash: string) =>
  LOCK.replace(
    'source = { registry = "https://pypi.org/simple" }',
    'source = { registry = "https://pypi.org/simple" }\n' +
      `wheels = [\n    { url = "https://files.pythonhosted.org/packages/bigdep-1.0.0-py3-none-any.whl", hash = "sha256:${hash}" },\n]`,
  );

it('a wheel whose hash uv.lock does not record: refused, the package and lockfile named, nothing created in AWS', async () => {
  const { error, fn, calls } = await deployUvProject(lockWithHash('ab'.repeat(32)));
  expect(error?.message).toMatch(
    /pip refused bigdep 1\.0\.0 \(file:\S+bigdep-1\.0\.0-py3-none-any\.whl\): its hash \(\w+\) is none of those \S+\/app\/uv\.lock records for it/,
  );
  expect(error?.message).toContain('lock again (uv lock) and review the changed hashes in uv.lock');
  expect(calls).toEqual([]);
  expect(fn).toBeUndefined();
}, 120_000);

it('a wheel whose hash uv.lock records: installed, and the log says it was checked', async () => {
  const { run, error, fn } = await deployUvProject(lockWithHash(bigdepHash));
  expect(error).toBeUndefined();
  expect(run?.logger.text()).toContain(
    'Installing the 1 package uv.lock pins (no requirements.txt), each checked against the hashes uv.lock records',
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

const PIPFILE = {
  Pipfile:
    '[[source]]\nurl = "https://pypi.org/simple"\nverify_ssl = true\nname = "pypi"\n\n[packages]\nbigdep = "*"\n\n[dev-packages]\npytest = "*"\n',
};
const PIPFILE_LOCK = JSON.stringify(
  {
    _meta: {
      hash: { sha256: 'ab'.repeat(32) },
      'pipfile-spec': 6,
      requires: { python_version: '3.12' },
      sources: [{ name: 'pypi', url: 'https://pypi.org/simple', verify_ssl: true }],
    },
    default: { bigdep: { hashes: [], index: 'pypi', version: '==1.0.0' } },
    // Not offered by the wheels folder: installing it would fail the deploy.
    develop: { pytest: { hashes: [], index: 'pypi', version: '==8.3.4' } },
  },
  null,
  4,
);

it('installs what Pipfile.lock pins (not its develop section), and goes slim when the layers leave no room for it', async () => {
  const { run, error, fn } = await deployUvProject(PIPFILE_LOCK, 'Pipfile.lock', PIPFILE);
  expect(error).toBeUndefined();
  expect(run?.failure).toBeUndefined();
  expect(run?.logger.text()).toContain('Installing the 1 package Pipfile.lock pins (no requirements.txt)');
  expect(fn?.latest.Handler).toBe('_lambda_deploy_slim.handler');
}, 120_000);

it('a Pipfile without Pipfile.lock: warns that its packages are not installed', async () => {
  const { run, error, fn } = await deployUvProject(undefined, 'Pipfile.lock', PIPFILE);
  expect(error).toBeUndefined();
  expect(run?.logger.text('warning')).toContain(
    'Pipfile lists 1 package (bigdep) but no requirements file or Pipfile.lock pins them: they are not installed',
  );
  expect(fn?.latest.Handler).not.toBe('_lambda_deploy_slim.handler');
}, 120_000);

it('a Pipfile.lock it cannot read: the file and line named, nothing created in AWS', async () => {
  const { error, fn, calls } = await deployUvProject(
    PIPFILE_LOCK.replace('"version": "==1.0.0"', '"version": "==1.0.0",'),
    'Pipfile.lock',
    PIPFILE,
  );
  expect(error?.message).toMatch(/\/app\/Pipfile\.lock line 23: not JSON \(/);
  expect(error?.message).toContain('run pipenv lock to write it again');
  expect(calls).toEqual([]);
  expect(fn).toBeUndefined();
}, 120_000);

/** Deploys `member` of a copy of test/packaging/fixtures/uv-workspace (the GitHub workspace) as the function's path. */
async function deployWorkspaceMember(member: string, files: Record<string, string> = {}) {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  cpSync(join(import.meta.dirname, '..', 'packaging', 'fixtures', 'uv-workspace'), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  try {
    const deployed = deployApp(fake, dir, {
      inputs: { path: member, 'pip-args': `--no-index --find-links ${wheels}` },
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

it('a uv workspace whose uv.lock does not know the member: the member named, nothing created in AWS', async () => {
  const { error, fn, calls } = await deployWorkspaceMember('app', {
    'pyproject.toml':
      '[project]\nname = "monorepo"\nversion = "0.1.0"\n\n[tool.uv.workspace]\nmembers = ["packages/*", "app"]\n',
    'app/pyproject.toml': '[project]\nname = "shop"\nversion = "0.1.0"\ndependencies = ["bigdep"]\n',
  });
  expect(error?.message).toMatch(
    /\/uv\.lock: no package in it is the workspace member in app \(source editable = "app" or virtual = "app"\); its workspace members are api, monorepo, wslib\./,
  );
  expect(calls).toEqual([]);
  expect(fn).toBeUndefined();
}, 120_000);
