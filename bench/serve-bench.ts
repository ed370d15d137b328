/**
 * `serve` throughput: requests/s and p50 latency at concurrency 1 of the
 * local stage (front door -> Runtime API -> the Python runtime -> the
 * handler), next to the same handler called straight from a small Python
 * HTTP server (direct-wrapper.py), and that wrapper behind a raw TCP pipe in
 * Node.js (the floor of any design with a Node.js process in front), in the
 * same run. One keep-alive
 * connection per client, as a browser or a test suite would hold, from a
 * client process of its own (serve-client.ts), as theirs are.
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { appFolder, removeApp } from '../fakes/aws/pipeline-deploy.js';
import { createAwsClients } from '../src/aws/clients.js';
import { makePlan } from '../src/model/plan.js';
import { runPipeline } from '../src/pipelines/run-pipeline.js';
import { readSettings } from '../src/settings/settings.js';
import { silentLogger } from '../src/util/logger.js';
import type { ClientRun } from './serve-client.js';

export interface ServeRow {
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const python = () => process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';

/**
 * `requests` timed GETs to each URL (after `warmup` untimed ones), the URLs
 * taken in turn, from a client process of its own: in this process its work
 * would share the event loop with the front door and the Runtime API, which
 * a browser's or a test suite's never does.
 */
async function drive(urls: string[], warmup: number, requests: number): Promise<ClientRun[]> {
  const client = join(new URL('.', import.meta.url).pathname, 'serve-client.ts');
  // process.execArgv carries tsx's loader, so the child runs the TypeScript as this process does.
  const child = spawn(
    process.execPath,
    [...process.execArgv, client, String(warmup), String(requests), ...urls],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`serve-client.ts exited with ${code}`);
  return JSON.parse(out) as ClientRun[];
}

function row(target: string, run: ClientRun): ServeRow {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    target,
    requestsPerSecond: (run.latencies.length / run.totalMs) * 1000,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/** `lambda-stage-deploy serve` of examples/handler, as the CLI runs it (target local, kept running). */
async function startServe(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const inputs: Record<string, string> = {
    name: 'bench',
    command: 'deploy',
    target: 'local',
    stage: 'local',
    path: 'app',
    'smoke-test': 'false',
    comment: 'false',
    deployment: 'false',
  };
  const env = {
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: join(dir, 'runner-temp'),
    PATH: process.env.PATH,
    // The runtime on the same Python as the wrapper: with PATH's python3 instead, the ratio compared two Pythons.
    LAMBDA_DEPLOY_PYTHON: python(),
  };
  const settings = readSettings((name) => inputs[name], env);
  const ctx = {
    eventName: '',
    payload: {},
    ref: '',
    sha: '',
    repository: '',
    serverUrl: '',
    apiUrl: '',
    runId: '',
    runAttempt: '1',
    runUrl: '',
  };
  const run = await runPipeline(settings, makePlan(settings, ctx), ctx, {
    logger: silentLogger,
    env,
    awsClients: createAwsClients,
    keepLocalRunning: true,
    outDir: join(dir, 'out'),
  });
  if (!run.local) throw new Error(`serve did not start: ${run.failure ?? 'no stage'}`);
  return run.local;
}

/**
 * The floor of any design with a Node.js process in front of the Python one:
 * a second wrapper reached through a byte-for-byte TCP pipe in this process
 * (where serve's front door runs), with no HTTP parsing at all. Its own
 * wrapper, as HTTPServer answers one connection at a time.
 */
async function startPipe(dir: string): Promise<{ url: string; stop: () => void }> {
  const wrapper = await startDirect(dir);
  const target = Number(new URL(wrapper.url).port);
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      server.close();
      wrapper.stop();
    },
  };
}

async function startDirect(dir: string): Promise<{ url: string; stop: () => void }> {
  const wrapper = join(new URL('.', import.meta.url).pathname, 'direct-wrapper.py');
  const child = spawn(python(), [wrapper, join(dir, 'app'), 'app.handler'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`direct-wrapper.py exited with ${code}`)));
  });
  const { port } = JSON.parse(first) as { port: number };
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

export async function runServeBench(
  options: { requests?: number; warmup?: number; print?: boolean } = {},
): Promise<ServeRow[]> {
  const requests = options.requests ?? 3000;
  // A serve session answers for minutes: timed once V8 has optimized the request path (a few thousand calls).
  const warmup = options.warmup ?? 2000;
  const dir = appFolder();
  const serve = await startServe(dir);
  const direct = await startDirect(dir);
  const pipe = await startPipe(dir);
  try {
    // In turn, 100 requests at a time: a busy moment of the machine touches all alike.
    const [serveRun, pipeRun, directRun] = await drive([serve.url, pipe.url, direct.url], warmup, requests);
    const rows = [
      row('serve (front door + Runtime API)', serveRun!),
      row('the wrapper behind a raw TCP pipe in Node.js (floor)', pipeRun!),
      row(WRAPPER, directRun!),
    ];
    if (options.print !== false) {
      console.log(
        `\nserve at concurrency 1: ${requests} GETs each after ${warmup} untimed ones, one keep-alive connection each, the three asked in turn, 100 at a time, from a client process of its own, every target on ${pythonVersion()}. The floor: no design with a Node.js process in front of Python's answers faster than a byte pipe.\n`,
      );
      console.log(formatServeTable(rows));
    }
    return rows;
  } finally {
    pipe.stop();
    direct.stop();
    await serve.stop();
    removeApp(dir);
  }
}

const WRAPPER = 'handler in a Python HTTP wrapper';

/** `python3 (Python 3.11.7)`: which Python the rows ran on, as the same figures differ by Python build. */
function pythonVersion(): string {
  const out = spawnSync(python(), ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  return `${python()} (Python ${out.stdout?.trim() || 'unknown'})`;
}

export function formatServeTable(rows: ServeRow[]): string {
  const base = rows.find((r) => r.target === WRAPPER)!;
  const lines = [
    '| target | requests/s | p50 | p99 | p50 vs wrapper |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} ms | ${r.p99Ms.toFixed(2)} ms | ${(r.p50Ms / base.p50Ms).toFixed(2)}x |`,
    ),
  ];
  return lines.join('\n');
}
