import { expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appFolder, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import type { GitHubContext } from '../../src/model/github-context.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { makePlan } from '../../src/model/plan.js';
import {
  deployLocally,
  nodeVersionWarning,
  pythonVersionWarning,
} from '../../src/pipelines/local-deploy/deploy-local.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';

test.each([
  ['python3.12', '3.12', undefined],
  [
    'python3.12',
    '3.11',
    /runtime python3.12 runs locally on Python 3.11 \(python3\); Lambda runs 3.12. Set LAMBDA_DEPLOY_PYTHON/,
  ],
  ['python3.9', '3.13', /Lambda runs 3.9/],
  ['nodejs22.x', '3.11', undefined],
  ['python3.12', undefined, undefined],
])('runtime %s on local Python %s', (runtime, local, expected) => {
  const warning = pythonVersionWarning(runtime, local, 'python3');
  if (expected === undefined) expect(warning).toBeUndefined();
  else expect(warning).toMatch(expected);
});

test.each([
  ['nodejs22.x', 'v22.11.0', undefined],
  [
    'nodejs22.x',
    'v20.20.2',
    'runtime nodejs22.x runs locally on Node.js 20.20.2 (the Node that runs lambda-deploy); Lambda runs Node.js 22. Run it with a Node.js 22 to match it.',
  ],
  ['nodejs20.x', 'v24.1.0', /Lambda runs Node.js 20\./],
  ['python3.12', 'v20.20.2', undefined],
])('runtime %s on local Node %s', (runtime, local, expected) => {
  const warning = nodeVersionWarning(runtime, local);
  if (expected === undefined) expect(warning).toBeUndefined();
  else expect(warning).toMatch(expected);
});

test('a busy port fails before the function starts: no INIT_START logs before "already in use"', async () => {
  const held = createServer();
  await new Promise<void>((done) => held.listen(0, '127.0.0.1', done));
  const port = (held.address() as AddressInfo).port;
  const dir = appFolder();
  try {
    const inputs: Record<string, string> = {
      name: 'shop',
      path: 'app',
      target: 'local',
      'smoke-test': 'false',
    };
    const env = { GITHUB_WORKSPACE: dir, RUNNER_TEMP: join(dir, 'runner-temp') };
    const settings = readSettings((name) => inputs[name], env);
    const ctx = { eventName: 'push', payload: {}, ref: 'refs/heads/main', repository: 'octo/shop' };
    const logger = new RecordingLogger();
    const { report } = await deployLocally(settings, makePlan(settings, ctx as GitHubContext), {
      logger,
      env: { ...process.env, ...env },
      awsClients: createAwsClients,
      localPort: port,
      outDir: join(dir, 'out'),
    });
    expect(report.error).toBe(
      `local front door: port ${port} on 127.0.0.1 is already in use (another serve?); choose another with --port, or --port 0 for any free one`,
    );
    expect(report.logs).toBeUndefined();
    expect(logger.text()).not.toContain('INIT_START');
    // Said once, in the step's failure that carries report.error; debug shows where it happened.
    const levels = logger.lines.filter((l) => l.message.includes(report.error!)).map((l) => l.level);
    expect(levels).toEqual(['debug']);
  } finally {
    held.close();
    removeApp(dir);
  }
}, 60_000);

test.each([
  ['response-stream', 'chunked', undefined],
  ['buffered', undefined, '14'],
])(
  'invoke-mode %s reaches the local front door: transfer-encoding %s, content-length %s',
  async (mode, transferEncoding, contentLength) => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-local-stream-'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(
      join(dir, 'app', 'index.mjs'),
      [
        'export const handler = awslambda.streamifyResponse(async (event, stream) => {',
        "  stream = awslambda.HttpResponseStream.from(stream, { statusCode: 201, headers: { 'x-kind': 'stream' } });",
        "  stream.write('first;');",
        "  stream.end('second;!');",
        '});',
        '',
      ].join('\n'),
    );
    const inputs: Record<string, string> = {
      name: 'shop',
      path: 'app',
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      gateway: 'function-url',
      'invoke-mode': mode,
      target: 'local',
      'smoke-test': 'false',
    };
    const env = { GITHUB_WORKSPACE: dir, RUNNER_TEMP: join(dir, 'runner-temp') };
    const settings = readSettings((name) => inputs[name], env);
    const ctx = { eventName: 'push', payload: {}, ref: 'refs/heads/main', repository: 'octo/shop' };
    const { report, stage } = await deployLocally(settings, makePlan(settings, ctx as GitHubContext), {
      logger: new RecordingLogger(),
      env: { ...process.env, ...env },
      awsClients: createAwsClients,
      localPort: 0,
      outDir: join(dir, 'out'),
      keepLocalRunning: true,
    });
    try {
      expect(report.error).toBeUndefined();
      const answer = await fetch(stage!.url);
      expect({
        status: answer.status,
        kind: answer.headers.get('x-kind'),
        transferEncoding: answer.headers.get('transfer-encoding') ?? undefined,
        contentLength: answer.headers.get('content-length') ?? undefined,
        body: await answer.text(),
      }).toEqual({ status: 201, kind: 'stream', transferEncoding, contentLength, body: 'first;second;!' });
    } finally {
      await stage?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  60_000,
);

test('deploy --target local of a function that cannot start: its logs show the error once, and every other line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-local-logs-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(
    join(dir, 'app', 'index.mjs'),
    'console.log("loading config");\nthrow new Error("DATABASE_URL is not set");\nexport const handler = async () => ({});\n',
  );
  const inputs: Record<string, string> = {
    name: 'shop',
    path: 'app',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    target: 'local',
    'smoke-test': 'true',
  };
  const env = { GITHUB_WORKSPACE: dir, RUNNER_TEMP: join(dir, 'runner-temp') };
  const settings = readSettings((name) => inputs[name], env);
  const ctx = { eventName: 'push', payload: {}, ref: 'refs/heads/main', repository: 'octo/shop' };
  try {
    const { report } = await deployLocally(settings, makePlan(settings, ctx as GitHubContext), {
      logger: new RecordingLogger(),
      env: { ...process.env, ...env },
      awsClients: createAwsClients,
      localPort: 0,
      outDir: join(dir, 'out'),
    });
    expect(report.error).toMatch(/^The function could not start: .*DATABASE_URL is not set/);
    const lines = report.logs!.split('\n');
    const tailAt = lines.findIndex((line) => /^--- last \d+ lines ---$/.test(line));
    expect(lines[0]).toMatch(/^--- errors \(\d+ distinct\) ---$/);
    const errorLines = lines.slice(1, tailAt);
    expect(errorLines.join('\n')).toContain('Error: DATABASE_URL is not set');
    // Each line of the errors section exactly once in the whole excerpt.
    for (const line of errorLines) expect(lines.filter((l) => l === line)).toHaveLength(1);
    expect(report.logs).toMatch(/\n--- last \d+ lines ---\n/);
    expect(report.logs).toMatch(/\n… \d+ lines? shown under errors(\n|$)/);
    // The lines that are no error still show, once: the function's own and the runtime's.
    for (const text of ['loading config', 'INIT_START', 'INIT_REPORT'])
      expect(lines.filter((line) => line.includes(text))).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

/** The local runtimes this process started that still run (Node.js bootstraps, by their script). */
function runningRuntimes(): string[] {
  return execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('bootstrap.mjs'));
}

/** A running local stage of a Node.js function (`init`: code its module runs first) in a folder of its own. */
async function localStage(init = '') {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-local-stop-reload-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(
    join(dir, 'app', 'index.mjs'),
    `${init}export const handler = async () => ({ statusCode: 200, body: "up" });\n`,
  );
  const inputs: Record<string, string> = {
    name: 'shop',
    path: 'app',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    target: 'local',
    'smoke-test': 'false',
  };
  const env = { GITHUB_WORKSPACE: dir, RUNNER_TEMP: join(dir, 'runner-temp') };
  const settings = readSettings((name) => inputs[name], env);
  const ctx = { eventName: 'push', payload: {}, ref: 'refs/heads/main', repository: 'octo/shop' };
  const outDir = join(dir, 'out');
  const logger = new RecordingLogger();
  const { report, stage } = await deployLocally(settings, makePlan(settings, ctx as GitHubContext), {
    logger,
    env: { ...process.env, ...env },
    awsClients: createAwsClients,
    localPort: 0,
    outDir,
    keepLocalRunning: true,
  });
  expect(report.error).toBeUndefined();
  const unpacked = () => readdirSync(outDir).filter((f) => f.startsWith('local-'));
  return { dir, stage: stage!, unpacked, logger };
}

test.each([
  ['while it builds', ''],
  // Its function's init takes 4 s: stopped while the new runtime is up and still starting.
  ['while its function starts', 'await new Promise((r) => setTimeout(r, 4000));\n'],
])(
  'stop() during a reload (%s): once it returns, no runtime of the stage runs, the reload starts none, its build is removed',
  async (when, init) => {
    const { dir, stage, unpacked, logger } = await localStage(init);
    let reloading: Promise<string> | undefined;
    try {
      expect(await (await fetch(stage.url)).text()).toBe('up');
      expect(runningRuntimes()).toHaveLength(1);

      // Ctrl-C during a reload.
      reloading = stage.reload().then(
        () => 'reloaded',
        (error: Error) => error.message,
      );
      if (when !== 'while it builds')
        for (let i = 0; i < 400 && runningRuntimes().length < 2; i++)
          await new Promise((r) => setTimeout(r, 50));
      expect(runningRuntimes()).toHaveLength(when === 'while it builds' ? 1 : 2);
      await stage.stop();
      expect(runningRuntimes()).toEqual([]);
      expect(await reloading).toBe('shop-main was stopped: the reload was left unfinished');
      expect(runningRuntimes()).toEqual([]);
      // Stopped while it built, the reload started no runtime at all.
      expect(logger.text().match(/INIT_START/g)).toHaveLength(when === 'while it builds' ? 1 : 2);
      // Nothing unpacked is left: neither the stopped build nor the one the reload made.
      expect(unpacked()).toEqual([]);
      // A reload asked for after stop() builds and starts nothing.
      const said = logger.lines.length;
      await expect(stage.reload()).rejects.toThrow('shop-main was stopped');
      expect(logger.lines.slice(said)).toEqual([]);
      expect(runningRuntimes()).toEqual([]);
    } finally {
      await stage.stop();
      await reloading;
      rmSync(dir, { recursive: true, force: true });
    }
  },
  60_000,
);
