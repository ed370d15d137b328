/**
 * Issue 2, "What it must show": the bundled action (`node dist/index.js`, as
 * the runner starts it) with `command: package` prints both sizes, writes the
 * outputs, and builds the same bytes after every file is touched or the folder
 * is copied elsewhere; code-sha256 equals `openssl dgst -sha256 -binary | base64`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatBytes } from '../../src/packaging/size-check.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { buildWheel } from '../support/vendor-wheels.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'e2e-package-'));
});
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

/** A copy of examples/handler with a subfolder, an executable and files the default excludes drop. */
function handlerWorkspace(name: string): string {
  const dir = join(root, name);
  cpSync(EXAMPLE, dir, { recursive: true });
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'lib', 'greeting.py'), 'def greet(name):\n    return f"Hello, {name}!"\n');
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\nexec python3 app.py\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  mkdirSync(join(dir, '__pycache__'), { recursive: true });
  writeFileSync(join(dir, '__pycache__', 'app.cpython-311.pyc'), 'bytecode');
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  return dir;
}

/** Every file and folder below dir, its mtime and atime set to `when`. */
function touchAll(dir: string, when: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    utimesSync(join(entry.parentPath, entry.name), when, when);
  }
  utimesSync(dir, when, when);
}

/** Names and Unix modes of a zip's entries, read by Python's zipfile (not by our reader). */
function zipEntries(zipPath: string): { name: string; mode: number; size: number }[] {
  const script =
    'import json, sys, zipfile\n' +
    'with zipfile.ZipFile(sys.argv[1]) as z:\n' +
    '    assert z.testzip() is None\n' +
    '    print(json.dumps([dict(name=i.filename, mode=i.external_attr >> 16, size=i.file_size) for i in z.infolist()]))\n';
  return JSON.parse(execFileSync('python3', ['-c', script, zipPath], { encoding: 'utf8' })) as {
    name: string;
    mode: number;
    size: number;
  }[];
}

function errorLines(run: ActionRun): string[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error::'))
    .map((l) => l.replace(/%0A/g, '\n').replace(/%0D/g, '').replace(/%25/g, '%'));
}

function describeRun(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function packageRun(
  path: string,
  extra: Record<string, string> = {},
  workspace?: string,
): Promise<ActionRun> {
  return tracked(
    runAction({
      inputs: { command: 'package', name: 'demo', path, ...extra },
      // `path` must lie inside the workspace: the test's folders do.
      workspace: workspace ?? root,
      timeoutMs: 60_000,
    }),
  );
}

describe('node dist/index.js with command: package', () => {
  test('prints both sizes, writes the outputs, and is reproducible across touches and copies', async () => {
    const source = handlerWorkspace('handler');
    const first = await packageRun(source);
    expect({ code: first.code, log: first.code === 0 ? '' : describeRun(first) }).toEqual({
      code: 0,
      log: '',
    });
    expect(first.stdout).not.toContain('::error::');

    const { outputs } = first;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['code-sha256', 'package-bytes', 'unpacked-bytes', 'package-path']),
    );
    const zipPath = outputs['package-path'] as string;
    const packageBytes = Number(outputs['package-bytes']);
    const unpackedBytes = Number(outputs['unpacked-bytes']);
    expect(existsSync(zipPath)).toBe(true);
    // Kept for later steps: under RUNNER_TEMP, not inside the packaged folder.
    expect(zipPath.startsWith(first.dir)).toBe(true);
    expect(statSync(zipPath).size).toBe(packageBytes);

    // Both sizes printed in the log, as the values of the outputs.
    expect(first.stdout).toContain(`${formatBytes(packageBytes)} zipped`);
    expect(first.stdout).toContain(`${formatBytes(unpackedBytes)} unzipped`);

    // The zip: the code in sorted order, the executable kept executable, the excluded files left out.
    const entries = zipEntries(zipPath);
    expect(entries.map((e) => e.name)).toEqual(['app.py', 'lib/greeting.py', 'run.sh']);
    expect(entries.find((e) => e.name === 'run.sh')!.mode & 0o111).not.toBe(0);
    expect(entries.find((e) => e.name === 'app.py')!.mode & 0o111).toBe(0);
    expect(entries.reduce((n, e) => n + e.size, 0)).toBe(unpackedBytes);
    expect(readFileSync(join(source, 'app.py')).length).toBe(entries[0]!.size);

    // code-sha256 is base64 of the zip's SHA-256 (Lambda's CodeSha256).
    const zipBytes = readFileSync(zipPath);
    const sha = outputs['code-sha256'] as string;
    expect(sha).toBe(createHash('sha256').update(zipBytes).digest('base64'));
    // Never skipped: without openssl this fails, naming the package (.ci/run installs it).
    expect({
      openssl: spawnSync('openssl', ['version']).error ? 'missing: apt-get install openssl' : 'installed',
    }).toEqual({ openssl: 'installed' });
    const openssl = execFileSync('sh', ['-c', 'openssl dgst -sha256 -binary "$1" | base64', 'sh', zipPath], {
      encoding: 'utf8',
    }).trim();
    expect(sha).toBe(openssl);

    // Every file touched (a different time) -> the same bytes.
    touchAll(source, new Date('2001-02-03T04:05:06Z'));
    const touched = await packageRun(source);
    expect(touched.code).toBe(0);
    expect(touched.outputs['code-sha256']).toBe(sha);

    // The folder copied elsewhere (new path, new times, another workspace) -> the same bytes.
    const elsewhere = join(root, 'another', 'place');
    cpSync(source, elsewhere, { recursive: true });
    touchAll(elsewhere, new Date());
    const copied = await packageRun('place', {}, join(root, 'another'));
    expect(copied.code).toBe(0);
    expect(copied.outputs['code-sha256']).toBe(sha);
    expect(readFileSync(copied.outputs['package-path'] as string).equals(zipBytes)).toBe(true);
  }, 90_000);

  test('bad inputs fail with exit code 1 and one error naming every bad input', async () => {
    const run = await packageRun(handlerWorkspace('bad-inputs'), { memory: '64', runtime: 'ruby' });
    expect(run.code).toBe(1);
    const errors = errorLines(run);
    expect(errors.length).toBeGreaterThan(0);
    const text = errors.join('\n');
    expect(text).toMatch(/memory/);
    expect(text).toContain('64');
    expect(text).toMatch(/runtime/);
    expect(text).toContain('ruby');
    // Validation runs before anything: nothing was built.
    expect(run.outputs['package-path']).toBeUndefined();
    expect(existsSync(join(run.dir, 'lambda-deploy'))).toBe(false);
  }, 60_000);

  test('with only name set, the defaults apply', async () => {
    // command auto on a tag push: nothing to deploy, and no input is missing.
    const tagPush = await tracked(
      runAction({
        inputs: { name: 'demo' },
        ref: 'refs/tags/v1.0.0',
        workspace: handlerWorkspace('only-name-tag'),
      }),
    );
    expect({ code: tagPush.code, log: tagPush.code === 0 ? '' : describeRun(tagPush) }).toEqual({
      code: 0,
      log: '',
    });
    expect(tagPush.stdout).toContain('Nothing to do');
    expect(tagPush.stdout).not.toContain('::error::');

    // command package with every other input at its default: path '.', runtime python3.12, handler app.handler.
    const packaged = await tracked(
      runAction({ inputs: { name: 'demo', command: 'package' }, workspace: handlerWorkspace('only-name') }),
    );
    expect({ code: packaged.code, log: packaged.code === 0 ? '' : describeRun(packaged) }).toEqual({
      code: 0,
      log: '',
    });
    expect(packaged.stdout).not.toMatch(/::(warning|error)::/);
    expect(zipEntries(packaged.outputs['package-path'] as string).map((e) => e.name)).toEqual([
      'app.py',
      'lib/greeting.py',
      'run.sh',
    ]);
  }, 60_000);

  test('installs requirements.txt offline with pip-args and puts the dependency in the zip', async () => {
    const wheels = join(root, 'wheels');
    mkdirSync(wheels, { recursive: true });
    const wheel = buildWheel(wheels, {
      name: 'tinydep',
      version: '1.0',
      files: { 'tinydep/__init__.py': 'GREETING = "Hello"\n', 'tinydep/data.txt': 'payload\n' },
    });
    expect(wheel).toBe('tinydep-1.0-py3-none-any.whl');

    const source = handlerWorkspace('with-requirements');
    writeFileSync(join(source, 'requirements.txt'), 'tinydep==1.0\n');
    const run = await packageRun(source, { 'pip-args': `--no-index --find-links ${wheels}` });
    expect({ code: run.code, log: run.code === 0 ? '' : describeRun(run) }).toEqual({ code: 0, log: '' });

    const names = zipEntries(run.outputs['package-path'] as string).map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'app.py',
        'tinydep/__init__.py',
        'tinydep/data.txt',
        'tinydep-1.0.dist-info/METADATA',
      ]),
    );
    // Bytecode caches of the installed dependencies are stripped.
    expect(names.filter((n) => n.includes('__pycache__') || n.endsWith('.pyc'))).toEqual([]);
  }, 90_000);

  test('a requirement with no wheel fails naming the package and the platform', async () => {
    const empty = join(root, 'no-wheels');
    mkdirSync(empty, { recursive: true });
    const source = handlerWorkspace('missing-wheel');
    writeFileSync(join(source, 'requirements.txt'), 'nosuchpackage-xyz==2.0\n');
    const run = await packageRun(source, { 'pip-args': `--no-index --find-links ${empty}` });
    expect(run.code).toBe(1);
    const text = errorLines(run).join('\n');
    expect(text).toContain('nosuchpackage-xyz');
    expect(text).toContain('python3.12');
    expect(run.outputs['package-path']).toBeUndefined();
  }, 90_000);

  test('a Node.js function built to dist/, handler not set: the handler package.json\'s "main" names, said', async () => {
    const source = join(root, 'ts-api');
    mkdirSync(join(source, 'dist'), { recursive: true });
    writeFileSync(join(source, 'package.json'), '{"name": "api", "main": "dist/handler.js"}');
    writeFileSync(
      join(source, 'dist', 'handler.js'),
      'exports.handler = async () => ({ statusCode: 200 });\n',
    );
    const run = await packageRun(source, { runtime: 'nodejs22.x' });
    expect({ code: run.code, log: run.code === 0 ? '' : describeRun(run) }).toEqual({ code: 0, log: '' });
    expect(run.stdout).toContain(
      `Handler dist/handler.handler (package.json's "main" is dist/handler.js): no handler input, and no index.js or app.js; the handler input chooses another.`,
    );
    expect(zipEntries(run.outputs['package-path'] as string).map((e) => e.name)).toEqual([
      'dist/handler.js',
      'package.json',
    ]);
  }, 60_000);
});
