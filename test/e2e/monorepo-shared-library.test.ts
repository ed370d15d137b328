/**
 * A monorepo as a team coming from the Serverless Framework has it: the
 * function in `services/orders`, a shared Python package in `libs/common` at
 * the repository's root, and `services/orders/requirements.txt` naming it by a
 * path relative to itself (`../../libs/common`), as `pip install -r
 * requirements.txt` in that folder reads it. The bundled action
 * (`node dist/index.js`, as the runner starts it, in the workspace root) must
 * package the library's code, or say before anything is deployed why not.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../support/run-action.js';

let root: string;
let wheels: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'e2e-monorepo-'));
  wheels = join(root, 'no-wheels');
  mkdirSync(wheels);
});
const runDirs: string[] = [];
afterAll(() => {
  for (const dir of [root, ...runDirs]) rmSync(dir, { recursive: true, force: true });
});

/** A repository with libs/common (a setuptools project) and services/orders requiring it as `requirement`. */
function monorepo(name: string, requirement: string): string {
  const repo = join(root, name);
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'libs', 'common', 'common'), { recursive: true });
  writeFileSync(
    join(repo, 'libs', 'common', 'pyproject.toml'),
    '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n' +
      '[project]\nname = "acme-common"\nversion = "0.1.0"\n\n[tool.setuptools]\npackages = ["common"]\n',
  );
  writeFileSync(
    join(repo, 'libs', 'common', 'common', '__init__.py'),
    'def greet(name):\n    return f"Hello, {name}!"\n',
  );
  mkdirSync(join(repo, 'services', 'orders'), { recursive: true });
  writeFileSync(
    join(repo, 'services', 'orders', 'app.py'),
    'from common import greet\n\ndef handler(event, context):\n    return {"statusCode": 200, "body": greet("Ada")}\n',
  );
  writeFileSync(join(repo, 'services', 'orders', 'requirements.txt'), `${requirement}\n`);
  return repo;
}

async function packageOrders(repo: string): Promise<ActionRun> {
  const run = await runAction({
    inputs: {
      command: 'package',
      name: 'orders',
      path: 'services/orders',
      runtime: 'python3.11',
      // Offline: the library is built with this Python's setuptools, no index asked.
      'pip-args': `--no-index --find-links ${wheels} --no-build-isolation`,
    },
    workspace: repo,
    timeoutMs: 90_000,
  });
  runDirs.push(run.dir);
  return run;
}

function errorText(run: ActionRun): string {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error::'))
    .map((l) => l.replace(/%0A/g, '\n').replace(/%0D/g, '').replace(/%25/g, '%'))
    .join('\n');
}

function zipNames(zip: string): string[] {
  const script = 'import json, sys, zipfile\nprint(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))\n';
  return JSON.parse(execFileSync('python3', ['-c', script, zip], { encoding: 'utf8' })) as string[];
}

describe('a shared library outside the function folder, named in requirements.txt by a relative path', () => {
  test('`../../libs/common` is read from the requirements file’s folder, and the library’s code is in the zip', async () => {
    const run = await packageOrders(monorepo('plain', '../../libs/common'));
    expect({ code: run.code, error: errorText(run) }).toEqual({ code: 0, error: '' });
    const names = zipNames(run.outputs['package-path']!);
    expect(names).toEqual(expect.arrayContaining(['app.py', 'common/__init__.py']));
  }, 120_000);

  test('`-e ../../libs/common` (an editable install: a link to the folder, not its code) fails before any upload, saying to drop -e', async () => {
    const run = await packageOrders(monorepo('editable', '-e ../../libs/common'));
    expect(run.code).toBe(1);
    const text = errorText(run);
    expect(text).toMatch(/acme-common 0\.1\.0 is installed editable \(-e\)/);
    expect(text).toContain('libs/common');
    expect(text).toMatch(/without -e/);
    expect(run.outputs['package-path']).toBeUndefined();
  }, 120_000);

  test('a relative path that exists neither from the requirements file’s folder nor from the working directory is named, with where it was looked for', async () => {
    const run = await packageOrders(monorepo('missing', '../../libs/nowhere'));
    expect(run.code).toBe(1);
    const text = errorText(run);
    expect(text).toMatch(/requirements\.txt line 1: \.\.\/\.\.\/libs\/nowhere is no folder or file/);
    expect(text).toContain(join('libs', 'nowhere'));
  }, 120_000);
});
