/**
 * Issue 16: the runtimes hold one connection to the Runtime API for all
 * their calls (no new connection per poll and per response), send the next
 * poll in the same write as a result (pipelined), and open a new connection
 * when the server closed the kept one, between calls or under a parked poll.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startLocalFunction } from '../../src/local-runtime/index.js';
import { RuntimeApiServer } from '../../src/local-runtime/runtime-api-server.js';
import { runtimeAssetsDir } from '../../src/util/assets.js';
import { silentLogger } from '../../src/util/logger.js';
import { codeDir, removeAll } from './helpers.js';

const dirs: string[] = [];
const running: { child: ChildProcess; server: RuntimeApiServer }[] = [];

afterEach(async () => {
  for (const { child, server } of running.splice(0)) {
    child.kill('SIGKILL');
    await server.close();
  }
  await removeAll(dirs);
});

const RUNTIMES = {
  python: {
    command: process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3',
    bootstrap: join('python', 'bootstrap.py'),
    file: 'app.py',
    code: 'import time\n\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0))\n    if "size" in event:\n        return {"n": event["n"], "echo": len(event.get("blob", "")), "blob": "y" * event["size"]}\n    return {"n": event["n"]}\n',
  },
  node: {
    command: process.execPath,
    bootstrap: join('node', 'bootstrap.mjs'),
    file: 'app.mjs',
    code: 'export const handler = async (event) => {\n  await new Promise((r) => setTimeout(r, (event.sleep ?? 0) * 1000));\n  if ("size" in event) return { n: event.n, echo: (event.blob ?? "").length, blob: "y".repeat(event.size) };\n  return { n: event.n };\n};\n',
  },
};

async function startRuntime(kind: keyof typeof RUNTIMES): Promise<RuntimeApiServer> {
  const runtime = RUNTIMES[kind];
  const dir = await codeDir({ [runtime.file]: runtime.code });
  dirs.push(dir);
  const server = await RuntimeApiServer.start();
  const child = spawn(runtime.command, [join(runtimeAssetsDir(), runtime.bootstrap)], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      AWS_LAMBDA_RUNTIME_API: server.address,
      LAMBDA_TASK_ROOT: dir,
      _HANDLER: 'app.handler',
    },
    stdio: 'ignore',
  });
  running.push({ child, server });
  return server;
}

async function invoke(server: RuntimeApiServer, event: Record<string, number | string>): Promise<unknown> {
  const outcome = await server.enqueue(event, { deadlineMs: Date.now() + 10_000, functionArn: 'arn' })
    .outcome;
  return outcome.kind === 'response' ? JSON.parse(outcome.body.toString()) : outcome;
}

describe.each(['python', 'node'] as const)('the %s runtime', (kind) => {
  it('makes every call on one connection, each poll sent with the result before it', async () => {
    const server = await startRuntime(kind);
    for (let n = 1; n <= 5; n++) expect(await invoke(server, { n })).toEqual({ n });
    expect(server.connections).toBe(1);
    // Let the fifth result's poll arrive: the first poll goes alone, the other five behind a result.
    while (server.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(server.pipelined).toBe(5);
  });

  it('polls again on a new connection when the server drops the one its poll was parked on', async () => {
    const server = await startRuntime(kind);
    expect(await invoke(server, { n: 1 })).toEqual({ n: 1 });
    while (server.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    server.closeAllConnections();
    expect(await invoke(server, { n: 2 })).toEqual({ n: 2 });
    expect(await invoke(server, { n: 3 })).toEqual({ n: 3 });
    expect(server.connections).toBe(2);
  });

  it('carries 5 MB events and results, fails a result over 6 MB, and serves on', async () => {
    const server = await startRuntime(kind);
    const blob = 'x'.repeat(5 * 1024 * 1024);
    const big = (await invoke(server, { n: 1, blob, size: 5 * 1024 * 1024 })) as Record<string, unknown>;
    expect({ ...big, blob: (big.blob as string).length }).toEqual({
      n: 1,
      echo: blob.length,
      blob: 5 * 1024 * 1024,
    });
    expect(await invoke(server, { n: 2, size: 6 * 1024 * 1024 + 1 })).toEqual({
      kind: 'error',
      error: expect.objectContaining({ errorType: 'Function.ResponseSizeTooLarge' }),
    });
    expect(await invoke(server, { n: 3 })).toEqual({ n: 3 });
    expect(server.connections).toBe(1);
  });

  it('opens a new connection when the server closed the kept one during an invocation', async () => {
    const server = await startRuntime(kind);
    expect(await invoke(server, { n: 1 })).toEqual({ n: 1 });
    const second = invoke(server, { n: 2, sleep: 0.5 });
    // While the handler runs, the connection carries no request: the server may close it.
    await new Promise((resolve) => setTimeout(resolve, 250));
    server.closeIdleConnections();
    expect(await second).toEqual({ n: 2 });
    expect(await invoke(server, { n: 3 })).toEqual({ n: 3 });
    expect(server.connections).toBe(2);
  });
});

describe.each([
  [
    'python3.12',
    'app.py',
    'import os, time\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0))\n    return os.getpid()\n',
  ],
  [
    'nodejs22.x',
    'app.mjs',
    'export const handler = async (event) => {\n  await new Promise((r) => setTimeout(r, (event.sleep ?? 0) * 1000));\n  return process.pid;\n};\n',
  ],
])('%s with its kept connection', (runtime, file, code) => {
  it('still kills a timed-out runtime and serves the next invocations on a fresh one', async () => {
    const dir = await codeDir({ [file]: code });
    dirs.push(dir);
    const fn = await startLocalFunction(
      {
        codeDir: dir,
        runtime,
        handler: 'app.handler',
        environment: {},
        timeout: 1,
        memory: 128,
        functionName: 'f',
      },
      { logger: silentLogger, pythonCommand: RUNTIMES.python.command },
    );
    try {
      const first = await fn.invoke({});
      const second = await fn.invoke({});
      expect(first).toMatchObject({ ok: true });
      expect(second).toMatchObject({ ok: true, payload: first.ok && first.payload }); // the same process
      expect(await fn.invoke({ sleep: 5 })).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
      const after = await fn.invoke({});
      expect(after).toMatchObject({ ok: true });
      expect(after.ok && after.payload).not.toBe(first.ok && first.payload);
      expect(await fn.invoke({})).toMatchObject({ ok: true, payload: after.ok && after.payload });
      let killed = true;
      try {
        process.kill(first.ok ? (first.payload as number) : 0, 0);
        killed = false;
      } catch {
        // ESRCH: the timed-out runtime is gone.
      }
      expect(killed).toBe(true);
    } finally {
      await fn.stop();
    }
  });
});
