/**
 * The CLI bundle as a terminal user runs it (`node dist/cli/index.js`, built
 * from the current sources): results on stdout, progress on stderr, one JSON
 * object with --json, the documented exit codes, values that start with --,
 * package --output, serve's request log and Ctrl-C, and no zip left behind in
 * the temp folder.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DIST_CLI } from '../support/run-action.js';
import { buildWheel, testPython } from '../support/vendor-wheels.js';

const EXAMPLES = resolve(new URL('.', import.meta.url).pathname, '../../examples');
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Waits (up to 10 s) for output that is on its way through a pipe. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The TMPDIR the CLI had: what it left there. */
  leftInTemp: string[];
}

function start(args: string[], cwd: string, temp: string): ChildProcess {
  return spawn(process.execPath, [DIST_CLI, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH,
      // A home of its own: pip's cache goes there, neither into the project nor the temp folder checked.
      HOME: tempDir('cli-home-'),
      TMPDIR: temp,
      LAMBDA_DEPLOY_PYTHON: testPython(),
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function cli(args: string[], cwd: string): Promise<CliRun> {
  const temp = tempDir('cli-tmp-');
  const child = start(args, cwd, temp);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, stdout, stderr, leftInTemp: readdirSync(temp) };
}

function project(example = 'handler'): string {
  const dir = tempDir('cli-project-');
  cpSync(join(EXAMPLES, example), dir, { recursive: true });
  return dir;
}

describe('node dist/cli/index.js', () => {
  test('--version: the version on stdout, nothing on stderr, exit 0', async () => {
    const run = await cli(['--version'], project());
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test('package --json: one JSON object on stdout, progress on stderr, no zip kept anywhere', async () => {
    const run = await cli(['package', '--name', 'demo', '--json'], project());
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toEqual({
      'code-sha256': expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      'package-bytes': expect.any(Number),
      'unpacked-bytes': expect.any(Number),
      files: 1,
      handler: 'app.handler',
    });
    expect(run.stderr).toMatch(/▸ Package/);
    expect(run.stderr).toContain('The zip was not kept: --output PATH keeps it.');
    expect(run.leftInTemp).toEqual([]);
  }, 60_000);

  test('package --output keeps the zip there; --pip-args "--no-index ..." is a value, not a flag', async () => {
    const cwd = project();
    // Outside the folder being packaged: --output refuses a path inside it.
    const kept = tempDir('cli-kept-');
    const wheels = tempDir('cli-wheels-');
    buildWheel(wheels, { name: 'tinydep', version: '1.0', files: { 'tinydep/__init__.py': 'X = 1\n' } });
    writeFileSync(join(cwd, 'requirements.txt'), 'tinydep==1.0\n');
    const run = await cli(
      [
        'package',
        '--name',
        'demo',
        '--pip-args',
        `--no-index --find-links ${wheels}`,
        '--output',
        join(kept, 'build', 'demo.zip'),
      ],
      cwd,
    );
    expect({ code: run.code, stderr: run.code ? run.stderr : '' }).toEqual({ code: 0, stderr: '' });
    const lines = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(': ') as [string, string]),
    );
    expect(lines['package-path']).toBe(join(kept, 'build', 'demo.zip'));
    expect(existsSync(join(kept, 'build', 'demo.zip'))).toBe(true);
    expect(Number(lines['package-bytes'])).toBe(readFileSync(join(kept, 'build', 'demo.zip')).length);
    expect(run.leftInTemp).toEqual([]);

    // The same with --flag=value, into an existing folder: the same bytes.
    mkdirSync(join(kept, 'out'));
    const again = await cli(
      [
        'package',
        '--name=demo',
        `--pip-args=--no-index --find-links ${wheels}`,
        `--output=${join(kept, 'out')}`,
        '--json',
      ],
      cwd,
    );
    expect(again.code).toBe(0);
    const into = (JSON.parse(again.stdout) as { 'package-path': string })['package-path'];
    expect(into.startsWith(join(kept, 'out', 'demo-'))).toBe(true);
    expect(readFileSync(into).equals(readFileSync(join(kept, 'build', 'demo.zip')))).toBe(true);
  }, 90_000);

  test('exit codes: 2 for a wrong command line (stdout empty, or the error as JSON), 1 for a failed build', async () => {
    const cwd = project();
    const usage = await cli(['package', '--name', 'demo', '--colour', 'red'], cwd);
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toMatch(/^error: unknown flag --colour for package/);
    const usageJson = await cli(
      ['deploy', '--name', 'demo', '--stage', 'x', '--memory', '64', '--json'],
      cwd,
    );
    expect(usageJson.code).toBe(2);
    expect(JSON.parse(usageJson.stdout)).toEqual({
      error: expect.stringContaining('memory: "64" is not valid'),
      problems: [expect.stringContaining('memory: "64" is not valid')],
    });

    const empty = tempDir('cli-no-wheels-');
    writeFileSync(join(cwd, 'requirements.txt'), 'nosuchpackage-xyz==2.0\n');
    const failed = await cli(
      ['package', '--name', 'demo', '--pip-args', `--no-index --find-links ${empty}`],
      cwd,
    );
    expect(failed).toMatchObject({ code: 1, stdout: '' });
    expect(failed.stderr).toMatch(/error: .*nosuchpackage-xyz/);
    expect(failed.leftInTemp).toEqual([]);
  }, 90_000);

  test('serve fails at once on a function that cannot start: exit 1, the traceback on stderr, no URL', async () => {
    const cwd = project();
    writeFileSync(
      join(cwd, 'app.py'),
      'import os\n\nTABLE = os.environ["TABLE_NAME"]\n\n\ndef handler(event, context):\n    return {}\n',
    );
    const run = await cli(['serve', '--name', 'demo', '--port', '0'], cwd);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/error: The function could not start: KeyError: 'TABLE_NAME'/);
    expect(run.stderr).toContain('Traceback (most recent call last)');
    expect(run.stderr).toMatch(/app\.py", line 3/);
    expect(run.leftInTemp).toEqual([]);

    // An app whose import fails: its first request answers 500, which ends serve at once.
    writeFileSync(join(cwd, 'web.py'), 'import not_installed_framework\n\napp = None\n');
    const app = await cli(['serve', '--name', 'demo', '--port', '0', '--app', 'web:app'], cwd);
    expect(app).toMatchObject({ code: 1, stdout: '' });
    expect(app.stderr).toContain("No module named 'not_installed_framework'");
    expect(app.stderr).not.toMatch(/Smoke test attempt/);
  }, 60_000);

  /** Starts `serve` and waits for its URL on stdout; the first line it printed on stderr comes with it. */
  async function serving(args: string[], cwd: string) {
    const temp = tempDir('cli-tmp-');
    const child = start(['serve', ...args, '--port', '0'], cwd, temp);
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((found, fail) => {
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /^Serving \S+ at (http:\/\/127\.0\.0\.1:\d+)/m.exec(stdout);
        if (m) found(m[1] as string);
      });
      child.on('close', () => fail(new Error(`serve exited\n${stdout}\n${stderr}`)));
    });
    const stop = async () => {
      const code = new Promise<number | null>((done) => child.on('close', done));
      child.kill('SIGINT');
      return code;
    };
    return { url, stderr: () => stderr, stop };
  }

  test('serve in a Node.js function folder, no --runtime or --handler: runs it on nodejs22.x, saying so first', async () => {
    const cwd = project('node');
    writeFileSync(join(cwd, 'package.json'), '{"name": "greeter", "type": "module"}\n');
    const serve = await serving(['--name', 'demo'], cwd);
    const response = await fetch(`${serve.url}/hi?name=Ada`);
    expect(await response.json()).toEqual({ message: 'Hello, Ada!', path: '/hi' });
    expect(serve.stderr().split('\n')[0]).toBe(
      'Runtime nodejs22.x, handler index.handler: no --runtime, and index.mjs is a Node.js handler (no Python one here); --runtime and --handler choose others.',
    );
    expect(await serve.stop()).toBe(0);
  }, 60_000);

  test('no --runtime in a folder with both a Python and a Node.js handler: exit 2, naming --runtime and its values', async () => {
    const cwd = project();
    writeFileSync(join(cwd, 'app.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
    for (const args of [
      ['serve', '--name', 'demo'],
      ['deploy', '--name', 'demo', '--stage', 'x', '--target', 'local'],
    ]) {
      const run = await cli(args, cwd);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(
        /^error: --runtime: not given, and .* holds both a Python handler \(app\.py\) and a Node\.js one \(app\.mjs\); expected --runtime python3\.9 to python3\.14 for the Python one, or nodejs20\.x, nodejs22\.x or nodejs24\.x for the Node\.js one\n/,
      );
    }
    // Said: the runtime decides.
    const python = await cli(['package', '--name', 'demo', '--runtime', 'python3.12', '--json'], cwd);
    expect(python.code).toBe(0);
    expect(JSON.parse(python.stdout)).toMatchObject({ handler: 'app.handler' });
  }, 60_000);

  test('a failed deploy prints nothing on stdout (--json: one object with the error, no empty values), its error on stderr, exit 1', async () => {
    const cwd = project('node');
    // Node.js inferred for deploy too: the first deploy passes its smoke test.
    const good = await cli(['deploy', '--name', 'demo', '--stage', 'dev', '--target', 'local'], cwd);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^function-name: demo-dev$/m);
    expect(good.stderr).toMatch(/^Runtime nodejs22\.x, handler index\.handler: /);

    writeFileSync(
      join(cwd, 'index.mjs'),
      'export const handler = async () => { throw new Error("boom"); };\n',
    );
    const failed = await cli(['deploy', '--name', 'demo', '--stage', 'dev', '--target', 'local'], cwd);
    expect(failed).toMatchObject({ code: 1, stdout: '' });
    expect(failed.stderr).toMatch(/^error: Smoke test failed: GET http:\/\/127\.0\.0\.1:\d+\/ answered 502/m);

    // One that cannot start: no function ARN was reached, and none is printed empty.
    writeFileSync(
      join(cwd, 'index.mjs'),
      'throw new Error("boom at init");\nexport const handler = () => 1;\n',
    );
    const json = await cli(
      ['deploy', '--name', 'demo', '--stage', 'dev', '--target', 'local', '--json'],
      cwd,
    );
    expect(json.code).toBe(1);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(json.stdout) as Record<string, string>;
    expect(result.error).toMatch(/^The function could not start: Error: boom at init/);
    expect(result).toMatchObject({ stage: 'dev', 'function-name': 'demo-dev' });
    expect(Object.entries(result).filter(([, value]) => value === '')).toEqual([]);
  }, 90_000);

  test('serve: the URL on stdout, one stderr line per request, Ctrl-C stops it with exit 0 and leaves nothing', async () => {
    const temp = tempDir('cli-tmp-');
    const child = start(['serve', '--name', 'demo', '--port', '0'], project(), temp);
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((found, fail) => {
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /^Serving demo at (http:\/\/127\.0\.0\.1:\d+)/m.exec(stdout);
        if (m) found(m[1] as string);
      });
      child.on('close', () => fail(new Error(`serve exited\n${stdout}\n${stderr}`)));
    });
    const response = await fetch(`${url}/greet?name=Ada`);
    expect(await response.json()).toEqual({ message: 'Hello, Ada!', path: '/greet' });
    await until(() => /GET \/greet/.test(stderr));
    // The path without its query string (a query may carry a token).
    expect(stderr).toMatch(/^\s*GET \/greet -> 200 \(\d+ ms\)$/m);
    const code = new Promise<number | null>((done) => child.on('close', done));
    child.kill('SIGINT');
    expect(await code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(temp)).toEqual([]);
  }, 60_000);
});
