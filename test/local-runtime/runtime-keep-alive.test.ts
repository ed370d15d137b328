/**
 * Issue 16: the runtimes hold one connection to the Runtime API for all
 * their calls (no new connection per poll and per response), and open a new
 * one when the server closed the kept one between calls.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { RuntimeApiServer } from '../../src/local-runtime/runtime-api-server.js';
import { runtimeAssetsDir } from '../../src/util/assets.js';
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
    code: 'import time\n\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0))\n    return {"n": event["n"]}\n',
  },
  node: {
    command: process.execPath,
    bootstrap: join('node', 'bootstrap.mjs'),
    file: 'app.mjs',
    code: 'export const handler = async (event) => {\n  await new Promise((r) => setTimeout(r, (event.sleep ?? 0) * 1000));\n  return { n: event.n };\n};\n',
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

async function invoke(server: RuntimeApiServer, event: Record<string, number>): Promise<unknown> {
  const outcome = await server.enqueue(event, { deadlineMs: Date.now() + 10_000, functionArn: 'arn' })
    .outcome;
  return outcome.kind === 'response' ? JSON.parse(outcome.body.toString()) : outcome;
}

describe.each(['python', 'node'] as const)('the %s runtime', (kind) => {
  it('makes every call on one connection', async () => {
    const server = await startRuntime(kind);
    for (let n = 1; n <= 5; n++) expect(await invoke(server, { n })).toEqual({ n });
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
