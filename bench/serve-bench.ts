/**
 * `serve` throughput: requests/s and p50 latency at concurrency 1 of the
 * local stage (front door -> Runtime API -> the Python runtime -> the
 * handler), next to the same handler called straight from a small Python
 * HTTP server (direct-wrapper.py), in the same run. One keep-alive
 * connection per client, as a browser or a test suite would hold.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { appFolder, removeApp } from '../fakes/aws/pipeline-deploy.js';
import { makePlan } from '../src/model/plan.js';
import { runPipeline } from '../src/pipelines/run-pipeline.js';
import { readSettings } from '../src/settings/settings.js';
import { silentLogger } from '../src/util/logger.js';

export interface ServeRow {
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const python = () => process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';

/** `requests` GETs one after another on one keep-alive connection; latencies in ms. */
async function drive(url: string, requests: number): Promise<{ totalMs: number; latencies: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(`${url.replace(/\/$/, '')}/bench?name=serve`);
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(target, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  try {
    for (let i = 0; i < Math.min(200, requests); i++) await one(); // warm-up
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      await one();
      latencies.push(performance.now() - t);
    }
    return { totalMs: performance.now() - started, latencies };
  } finally {
    agent.destroy();
  }
}

function row(target: string, run: { totalMs: number; latencies: number[] }): ServeRow {
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
  const env = { GITHUB_WORKSPACE: dir, RUNNER_TEMP: join(dir, 'runner-temp'), PATH: process.env.PATH };
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
    keepLocalRunning: true,
    outDir: join(dir, 'out'),
  });
  if (!run.local) throw new Error(`serve did not start: ${run.failure ?? 'no stage'}`);
  return run.local;
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
  options: { requests?: number; print?: boolean } = {},
): Promise<ServeRow[]> {
  const requests = options.requests ?? 3000;
  const dir = appFolder();
  const serve = await startServe(dir);
  const direct = await startDirect(dir);
  try {
    // Alternating halves, so a busy moment of the machine touches both alike.
    const half = Math.ceil(requests / 2);
    type Run = { totalMs: number; latencies: number[] };
    const runs: { serve: Run[]; direct: Run[] } = { serve: [], direct: [] };
    for (let i = 0; i < 2; i++) {
      runs.serve.push(await drive(serve.url, half));
      runs.direct.push(await drive(direct.url, half));
    }
    const merge = (rs: Run[]): Run => ({
      totalMs: rs.reduce((a, r) => a + r.totalMs, 0),
      latencies: rs.flatMap((r) => r.latencies),
    });
    const rows = [
      row('serve (front door + Runtime API)', merge(runs.serve)),
      row('handler in a Python HTTP wrapper', merge(runs.direct)),
    ];
    if (options.print !== false) {
      console.log(
        `\nserve at concurrency 1: ${rows[0]!.requestsPerSecond > 0 ? requests : 0} GETs each, one keep-alive connection\n`,
      );
      console.log(formatServeTable(rows));
    }
    return rows;
  } finally {
    direct.stop();
    await serve.stop();
    removeApp(dir);
  }
}

export function formatServeTable(rows: ServeRow[]): string {
  const base = rows[1]!;
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
