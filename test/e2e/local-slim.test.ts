/**
 * Issue 17, "What it must show": a Flask app whose requirements pass 250 MB
 * unzipped (Flask, installed offline from vendored wheels, plus a synthetic
 * wheel of 264 MB of zeros that installs from a few hundred KB) is packaged
 * slim by the bundled action (`node dist/index.js`, every action.yml default
 * filled in as the runner does) with `target: local`. The dependencies
 * archive goes to s3rver (behind a recording proxy) and the local runtime
 * fetches it at cold start with the same loader and signed GET as Lambda:
 *
 * - the first request (the smoke test) succeeds after one download and unpack;
 * - one flipped byte in the archive the function receives fails its SHA-256
 *   check with a clear log, and the app is never imported;
 * - under `serve` (the same engine, kept running), a second request and a
 *   runtime restart in the same sandbox reuse the unpacked tree: still one GET.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listZip } from '../../src/packaging/zip-reader.js';
import { DIST_CLI, runAction, type ActionRun } from '../support/run-action.js';
import { startS3StandIn, type S3StandIn } from '../support/s3-stand-in.js';
import { buildWheel, testPython, vendorFlask } from '../support/vendor-wheels.js';

const BLOBS = 8;
const BLOB_BYTES = 33_000_000; // 8 x 33 MB: 264 MB, over 262,144,000 bytes on their own

let root: string;
let wheels: string;
let app: string;
let s3: S3StandIn;
const runDirs: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'e2e-slim-'));
  wheels = join(root, 'wheels');
  vendorFlask(wheels);
  buildWheel(wheels, {
    name: 'bigdeps',
    version: '1.0.0',
    files: { 'bigdeps/__init__.py': 'VALUE = 41\n' },
    zeros: Object.fromEntries(
      Array.from({ length: BLOBS }, (_, i) => [`bigdeps/libs/blob_${i}.so`, BLOB_BYTES]),
    ),
  });
  app = join(root, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'requirements.txt'), 'flask\nbigdeps==1.0.0\n');
  writeFileSync(
    join(app, 'app.py'),
    [
      'import os',
      '# Proves whether the app was ever imported (the corrupt-archive case must not get here).',
      'open(os.environ["APP_MARKER"], "a").close()',
      'import bigdeps',
      'from flask import Flask, jsonify',
      '',
      'app = Flask(__name__)',
      '',
      '@app.get("/")',
      'def index():',
      '    return jsonify(value=bigdeps.VALUE + 1, deps=os.path.dirname(os.path.dirname(bigdeps.__file__)))',
      '',
      '@app.get("/crash")',
      'def crash():',
      '    os._exit(3)  # the runtime dies: the next request gets a fresh one in the same sandbox',
      '',
    ].join('\n'),
  );
  s3 = await startS3StandIn();
}, 120_000);

afterAll(async () => {
  await s3?.close();
  for (const dir of [root, ...runDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'demo',
    command: 'deploy',
    target: 'local',
    stage: 'local',
    path: 'app',
    app: 'app:app',
    'pip-args': `--no-index --find-links ${wheels}`,
    ...extra,
  };
}

function describeRun(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

const archiveGets = () => s3.requests.filter((r) => r.method === 'GET' && r.path.endsWith('.tar.gz'));

describe('a slim package through node dist/index.js with target: local', () => {
  test('packages a Flask app with 267 MB of requirements slim; the first request succeeds after one download and unpack', async () => {
    s3.requests.length = 0;
    const marker = join(root, 'imported-1');
    const run = await runAction({
      inputs: inputs({ environment: `APP_MARKER=${marker}`, 'smoke-contains': '"value":42' }),
      workspace: root,
      env: s3.env(),
      timeoutMs: 240_000,
    });
    runDirs.push(run.dir);
    expect({ code: run.code, log: run.code === 0 ? '' : describeRun(run) }).toEqual({ code: 0, log: '' });

    // slim: auto decided it, from the size.
    expect(run.stdout).toMatch(
      /Slim package: slim: auto, and the package would be 25\d\.\d MB unzipped, over Lambda's 250\.0 MB limit/,
    );
    // The function zip holds the app, the loader and the adapter; Flask and the 264 MB are in the archive.
    const names = (await listZip(run.outputs['package-path'] as string)).map((e) => e.name).sort();
    expect(names).toEqual(
      [
        '_lambda_deploy_adapter.py',
        '_lambda_deploy_settings.json',
        '_lambda_deploy_slim.py',
        'app.py',
        'requirements.txt',
      ].sort(),
    );
    expect(Number(run.outputs['unpacked-bytes'])).toBeLessThan(200_000);

    // One PUT of the archive, then exactly one GET: the init's, before the smoke test's request.
    const key = /lambda-deploy-local\/lambda-deploy-slim\/demo\/preview\/[0-9a-f]{64}\.tar\.gz$/;
    expect(s3.requests.filter((r) => r.method === 'PUT' && key.test(r.path))).toHaveLength(1);
    expect(archiveGets()).toEqual([
      expect.objectContaining({ path: expect.stringMatching(key), status: 200 }),
    ]);
    const unpacked = run.stdout.search(
      /lambda-deploy slim: unpacked 1\d\d files \(2\d\d\.\d MB\) in [\d.]+ s/,
    );
    const firstRequest = run.stdout.search(/START RequestId/);
    expect(unpacked).toBeGreaterThan(0);
    expect(firstRequest).toBeGreaterThan(unpacked);
    expect(run.summary).toMatch(/Smoke test\*\*[^\n]*passed/);
    expect(existsSync(marker)).toBe(true);

    // The summary: the archive's size, where it lives, the storage, and the measured cold-start figure.
    expect(run.summary).toMatch(
      /\*\*Dependencies\*\* \| slim: \d+(\.\d)? KB archive, 25\d\.\d MB unpacked into \/tmp at cold start \(1\d\d files, `s3:\/\/lambda-deploy-local\/lambda-deploy-slim\/demo\/preview\/[0-9a-f]{64}\.tar\.gz`\); ephemeral storage 896 MB/,
    );
    expect(run.summary).toMatch(
      /\*\*Cold start\*\* \| unpack measured in this build: [\d.]+ s \(CPU [\d.]+ s\), plus downloading .* from S3 while it unpacks; at memory 256 MB Lambda gives the function 0\.14 of a vCPU/,
    );
  }, 300_000);

  test('one flipped byte in the archive fails the cold start with a clear log; the app never runs on a partial tree', async () => {
    s3.requests.length = 0;
    s3.corruptSuffix = '.tar.gz';
    const marker = join(root, 'imported-2');
    try {
      const run = await runAction({
        inputs: inputs({ environment: `APP_MARKER=${marker}`, 'smoke-timeout': '3' }),
        workspace: root,
        env: s3.env(),
        timeoutMs: 240_000,
      });
      runDirs.push(run.dir);
      expect(run.code).toBe(1);
      const clear =
        /lambda-deploy slim: ERROR: s3:\/\/lambda-deploy-local\/lambda-deploy-slim\/demo\/preview\/([0-9a-f]{64})\.tar\.gz failed its SHA-256 check: expected \1, got [0-9a-f]{64} over \d+ bytes\. It is not the archive this package was built with \(damaged or replaced in the bucket\); nothing of it was used\./;
      expect(run.stdout).toMatch(clear); // the step's log
      expect(run.summary).toMatch(clear); // the function's logs in the job summary
      expect(archiveGets().length).toBeGreaterThanOrEqual(1); // every init tries again, none trusts a tree
      expect(existsSync(marker)).toBe(false);
    } finally {
      s3.corruptSuffix = undefined;
    }
  }, 300_000);
});

describe('the same slim package under the CLI’s serve', () => {
  let serve: ChildProcess | undefined;
  afterAll(async () => {
    // SIGTERM: serve stops its runtime processes (their own process group) before it exits.
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((done) => serve!.once('exit', done));
    }
  });

  test('a second request and a runtime restart in the same sandbox reuse the unpacked tree: still one download', async () => {
    s3.requests.length = 0;
    const marker = join(root, 'imported-3');
    const work = mkdtempSync(join(tmpdir(), 'e2e-slim-serve-'));
    runDirs.push(work);
    serve = spawn(
      process.execPath,
      [
        DIST_CLI,
        'serve',
        // serve is a local deploy of stage local: it takes no command, target or stage.
        ...Object.entries(inputs({ environment: `APP_MARKER=${marker}` })).flatMap(([k, v]) =>
          ['command', 'target', 'stage'].includes(k) ? [] : [`--${k}=${v}`],
        ),
        '--port',
        '0',
      ],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? work,
          RUNNER_TEMP: work,
          LAMBDA_DEPLOY_PYTHON: testPython(),
          ...s3.env(),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    serve.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    serve.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 240_000);
      const check = () => {
        const found = /Serving demo at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      };
      serve!.stdout!.on('data', check);
      serve!.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${code}):\n${output}`));
      });
    });

    const get = async (path: string) => {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(60_000) });
      return { status: response.status, body: await response.text() };
    };
    const first = await get('/'); // the smoke test already made one request: this is a warm one
    const second = await get('/');
    expect(first.status).toBe(200);
    expect(JSON.parse(second.body)).toMatchObject({ value: 42 });
    expect(archiveGets()).toHaveLength(1);

    // The runtime dies; the next request starts a fresh one, which finds the finished tree in its /tmp.
    expect((await get('/crash')).status).toBeGreaterThanOrEqual(500);
    const after = await get('/');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body).deps).toBe(JSON.parse(second.body).deps);
    expect(archiveGets()).toHaveLength(1);

    serve.kill('SIGTERM');
    await new Promise((done) => serve!.once('exit', done));
    serve = undefined;
  }, 300_000);
});
