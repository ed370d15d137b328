import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalFunction, type LocalFunction } from '../../src/local-runtime/index.js';
import { buildPackage } from '../../src/packaging/build-package.js';
import { WARM_HANDLER } from '../../src/packaging/generated-files.js';
import { extractZip } from '../../src/packaging/zip-reader.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { codeDir, removeAll } from './helpers.js';

// The keep-warm wrapper run for real: packaged by buildPackage with keepWarm,
// unzipped, and served by the local runtime, as `target: local` does.
const dirs: string[] = [];
const functions: LocalFunction[] = [];

afterAll(async () => {
  await Promise.all(functions.map((f) => f.stop()));
  await removeAll(dirs);
});

const WARMUP = { 'lambda-deploy': 'warmup' };
const LOADED = 'USER-CODE-LOADED';
const RAN = 'USER-HANDLER-RAN';

async function startWrapped(runtime: string, handler: string, files: Record<string, string>) {
  const source = await codeDir(files);
  const out = await mkdtemp(join(tmpdir(), 'warm-wrapper-out-'));
  const taskRoot = join(out, 'task');
  dirs.push(source, out);
  const pkg = await buildPackage(
    {
      name: 'warm',
      path: source,
      runtime,
      architecture: 'x86_64',
      handler,
      app: undefined,
      requirements: undefined,
      pipArgs: [],
      include: [],
      exclude: [],
      dependenciesLayer: false,
      keepWarm: true,
      outDir: out,
    },
    { logger: new RecordingLogger() },
  );
  expect(pkg.handler).toBe(WARM_HANDLER);
  await extractZip(pkg.zipPath, taskRoot);
  const fn = await startLocalFunction(
    {
      codeDir: taskRoot,
      runtime,
      handler: pkg.handler,
      environment: {},
      timeout: 5,
      memory: 128,
      functionName: 'warm-main',
    },
    { logger: new RecordingLogger(), pythonCommand: process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3' },
  );
  functions.push(fn);
  return fn;
}

/** The warm-up answered, the user's code neither loaded nor run; then a real event reaches it. */
async function expectWrapped(fn: LocalFunction, expected: unknown) {
  for (let i = 0; i < 2; i++)
    expect(await fn.invoke(WARMUP)).toEqual({
      ok: true,
      payload: { warm: true },
      requestId: expect.any(String),
    });
  const logs = () => fn.logs().join('\n');
  expect(logs()).not.toContain(LOADED);
  expect(logs()).not.toContain(RAN);

  const result = await fn.invoke({ name: 'Ada' });
  expect(result).toEqual({ ok: true, payload: expected, requestId: expect.any(String) });
  expect(logs()).toContain(LOADED);
  expect(logs()).toContain(`${RAN} Ada`);

  // Warm-ups after the user's code is loaded still never reach it.
  expect(await fn.invoke(WARMUP)).toMatchObject({ ok: true, payload: { warm: true } });
  expect(logs().split(RAN).length - 1).toBe(1);
}

describe('the keep-warm wrapper under the local runtime', () => {
  it('wraps a Python handler in a folder (dir/module.function)', async () => {
    const fn = await startWrapped('python3.12', 'functions/api.handler', {
      'functions/api.py': [
        `print("${LOADED}")`,
        'def handler(event, context):',
        `    print("${RAN}", event["name"])`,
        '    return {"hello": event["name"], "request": context.aws_request_id != ""}',
        '',
      ].join('\n'),
    });
    await expectWrapped(fn, { hello: 'Ada', request: true });
  });

  it('wraps an ES module Node.js handler', async () => {
    const fn = await startWrapped('nodejs22.x', 'src/index.handler', {
      'src/index.mjs': [
        `console.log('${LOADED}');`,
        'export const handler = async (event, context) => {',
        `  console.log('${RAN}', event.name);`,
        '  return { hello: event.name, fn: context.functionName };',
        '};',
        '',
      ].join('\n'),
    });
    await expectWrapped(fn, { hello: 'Ada', fn: 'warm-main' });
  });

  it('wraps a CommonJS callback-style Node.js handler, errors included', async () => {
    const fn = await startWrapped('nodejs22.x', 'legacy.handler', {
      'legacy.js': [
        `console.log('${LOADED}');`,
        'exports.handler = function (event, context, callback) {',
        `  console.log('${RAN}', event.name);`,
        "  if (event.fail) return setTimeout(() => callback(new TypeError('no ' + event.name)), 5);",
        '  setTimeout(() => callback(null, { hello: event.name, request: context.awsRequestId !== "" }), 5);',
        '};',
        '',
      ].join('\n'),
    });
    await expectWrapped(fn, { hello: 'Ada', request: true });
    expect(await fn.invoke({ name: 'Bob', fail: true })).toMatchObject({
      ok: false,
      errorType: 'TypeError',
      errorMessage: 'no Bob',
    });
  });
});
