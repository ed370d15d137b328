import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { staleUvLockWarning, uvLockDifference } from '../../src/packaging/uv-requires-dist.js';

// uv.lock files uv wrote for their pyproject.toml (the uv project and workspace the build tests install).
const fixtures = join(import.meta.dirname, 'fixtures');
const read = (path: string) => readFileSync(join(fixtures, path), 'utf8');
const pyproject = read('uv-flask-app/pyproject.toml');
const lock = read('uv-flask-app/uv.lock');

describe('uvLockDifference', () => {
  it("finds nothing between uv's lock and the pyproject it locked, whatever the names' spelling or specifiers", () => {
    expect(uvLockDifference(pyproject, lock)).toEqual({ added: [], removed: [] });
    // uv records names in PEP 503 form, and its own form of specifiers and markers: only names count.
    const respelled = pyproject
      .replace('"flask[async]>=3.1"', '"Flask [async] >= 3.1.0 ; python_version >= \'3.9\'"')
      .replace('"numpy>=2.0"', '"NumPy>=2.0,<3"');
    expect(uvLockDifference(respelled, lock)).toEqual({ added: [], removed: [] });
  });

  it('finds a package added to or removed from [project] dependencies since uv lock', () => {
    const added = pyproject.replace('"numpy>=2.0",', '"numpy>=2.0",\n    "python_dotenv>=1",');
    expect(uvLockDifference(added, lock)).toEqual({ added: ['python-dotenv'], removed: [] });
    const removed = pyproject.replace('"numpy>=2.0",', '');
    expect(uvLockDifference(removed, lock)).toEqual({ added: [], removed: ['numpy'] });
  });

  it('counts optional-dependencies (uv records them in requires-dist), not dependency groups (requires-dev)', () => {
    const extras = `${pyproject}\n[project.optional-dependencies]\naws = ["boto3"]\n`.replace(
      /(\[dependency-groups\][^[]*)/,
      '',
    );
    expect(uvLockDifference(extras, lock)).toEqual({ added: ['boto3'], removed: [] });
    const locked = lock.replace(
      '    { name = "numpy", specifier = ">=2.0" },\n]',
      '    { name = "boto3", marker = "extra == \'aws\'" },\n    { name = "numpy", specifier = ">=2.0" },\n]',
    );
    expect(locked).not.toBe(lock);
    expect(uvLockDifference(extras, locked)).toEqual({ added: [], removed: [] });
    const devAdded = pyproject.replace('dev = ["pytest>=8"]', 'dev = ["pytest>=8", "ruff"]');
    expect(uvLockDifference(devAdded, lock)).toEqual({ added: [], removed: [] });
  });

  it("reads a workspace member's requirements from its package; the root's, with none, from no [package.metadata]", () => {
    const wsLock = read('uv-workspace/uv.lock');
    const api = read('uv-workspace/packages/api/pyproject.toml');
    expect(uvLockDifference(api, wsLock, 'packages/api')).toEqual({ added: [], removed: [] });
    expect(uvLockDifference(read('uv-workspace/pyproject.toml'), wsLock)).toEqual({ added: [], removed: [] });
    const grown = api.replace('"wslib"]', '"wslib", "requests"]');
    expect(uvLockDifference(grown, wsLock, 'packages/api')).toEqual({ added: ['requests'], removed: [] });
    expect(
      uvLockDifference(
        read('uv-workspace/pyproject.toml').replace('dependencies = []', 'dependencies = ["greetlib"]'),
        wsLock,
      ),
    ).toEqual({
      added: ['greetlib'],
      removed: [],
    });
  });

  it('reads a pyproject as people write it: multi-line strings, floats, dotted keys, dates', () => {
    const written = `${pyproject.replace('"numpy>=2.0",', '"numpy>=2.0",\n    "boto3",')}
[tool.pytest.ini_options]
addopts = """
  -ra --strict-markers
"""

[tool.coverage.report]
fail_under = 90.5

[tool.ruff]
lint.select = ["E", "F"]

[tool.changelog]
released = 2026-01-31
`;
    expect(uvLockDifference(written, lock)).toEqual({ added: ['boto3'], removed: [] });
  });

  it("leaves out the project's own extras (`hello-app[aws]`): uv flattens them out of a dynamic-version project's requires-dist, and they name no package", () => {
    const selfExtra = pyproject
      .replace('version = "0.1.0"', 'dynamic = ["version"]')
      .replace(
        '\n[dependency-groups]',
        '\n[project.optional-dependencies]\naws = ["boto3"]\nall = ["Hello_App[aws]"]\n\n[dependency-groups]',
      );
    // What `uv lock` writes for it with a build backend that flattens (hatchling): no self-reference,
    // its requirements under the including extra instead; `uv lock --locked` accepts it.
    const flattened = lock.replace(
      '    { name = "numpy", specifier = ">=2.0" },\n]',
      '    { name = "boto3", marker = "extra == \'all\'" },\n    { name = "boto3", marker = "extra == \'aws\'" },\n' +
        '    { name = "numpy", specifier = ">=2.0" },\n]',
    );
    expect(flattened).not.toBe(lock);
    expect(uvLockDifference(selfExtra, flattened)).toEqual({ added: [], removed: [] });
    // A static version's lock keeps the self-reference as written: the same.
    const kept = flattened.replace(
      '    { name = "boto3", marker = "extra == \'all\'" },\n',
      '    { name = "hello-app", extras = ["aws"], marker = "extra == \'all\'" },\n',
    );
    expect(uvLockDifference(selfExtra.replace('dynamic = ["version"]', 'version = "0.1.0"'), kept)).toEqual({
      added: [],
      removed: [],
    });
    // A real package added beside it is still found.
    expect(
      uvLockDifference(selfExtra.replace('aws = ["boto3"]', 'aws = ["boto3", "requests"]'), flattened),
    ).toEqual({ added: ['requests'], removed: [] });
  });

  it('gives nothing when it cannot tell: dynamic dependencies, no [project], no one package for the project, TOML it cannot read', () => {
    expect(
      uvLockDifference(pyproject.replace('version = "0.1.0"', 'dynamic = ["dependencies"]'), lock),
    ).toBeUndefined();
    expect(uvLockDifference('[tool.poetry]\nname = "x"\n', lock)).toBeUndefined();
    expect(uvLockDifference(pyproject, lock, 'packages/nowhere')).toBeUndefined();
    expect(
      uvLockDifference(
        pyproject,
        lock.replace('source = { virtual = "." }', 'source = { registry = "https://pypi.org/simple" }'),
      ),
    ).toBeUndefined();
    expect(uvLockDifference(`${pyproject}\n[tool.x]\ny = 1.5.0\n`, lock)).toBeUndefined();
    expect(uvLockDifference(pyproject, lock.replace('version = 1\n', 'version = 2\n'))).toBeUndefined();
  });
});

describe('staleUvLockWarning', () => {
  it('says nothing of a lock uv wrote from this pyproject', () => {
    expect(staleUvLockWarning(pyproject, lock, '/fn/pyproject.toml', '/fn/uv.lock')).toBeUndefined();
  });

  it('names both files and the packages, says the lock is out of date and to run uv lock and commit it', () => {
    const changed = pyproject.replace('"numpy>=2.0",', '"requests",\n    "Python-Dotenv",');
    expect(staleUvLockWarning(changed, lock, '/fn/pyproject.toml', '/fn/uv.lock')).toBe(
      '/fn/uv.lock is out of date with /fn/pyproject.toml: pyproject.toml declares python-dotenv, requests, which uv.lock was not locked with; ' +
        'uv.lock was locked with numpy, which pyproject.toml no longer declares (uv lock --check fails on it). ' +
        'lambda-deploy installs what uv.lock pins, so a dependency added to pyproject.toml since is not installed ' +
        'and on Lambda the function cannot import it. Run uv lock and commit uv.lock.',
    );
  });
});
