/**
 * AWS calls by operation and bytes uploaded for a first deploy, an unchanged
 * redeploy and a code change, recorded from the real deploy code (identity,
 * artifact, execution role, function, then the default front door, an HTTP
 * API) through the real SDK clients against the fake AWS account. The
 * account's time is simulated: what the deploy would have waited for
 * (Pending, InProgress, a new role propagating) is counted, not slept.
 * `latencyMs` adds real latency to every request, so the wall time of a
 * deploy shows its round trips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesUploaded } from '../fakes/aws/call-summaries.js';
import { deployStageToAws } from '../fakes/aws/deploy-sequence.js';
import { depsFor } from '../fakes/aws/deps.js';
import { startFakeAws } from '../fakes/aws/index.js';
import { gatewayInput, stageContext } from '../fakes/aws/stage-fixtures.js';
import { writeZipFixture } from '../fakes/aws/zip.js';
import { ensureGateway } from '../src/resources/front-door/gateway.js';

export interface AwsCallsScenario {
  name: string;
  /** Calls by service and operation, e.g. { 'lambda:GetFunction': 1 }. */
  calls: Record<string, number>;
  totalCalls: number;
  bytesUploaded: number;
  /** Time the deploy would have spent waiting (polls, backoff), in ms; the bench itself does not wait. */
  simulatedWaitMs: number;
  published: boolean;
  /** Wall time of the deploy in ms (meaningful with `latencyMs`). */
  wallMs: number;
}

export interface AwsCallsBench {
  scenarios: AwsCallsScenario[];
  /** The table as printed. */
  table: string;
}

export function formatAwsCallsTable(scenarios: AwsCallsScenario[]): string {
  const ops = [...new Set(scenarios.flatMap((s) => Object.keys(s.calls)))];
  const headers = ['operation', ...scenarios.map((s) => s.name)];
  const rows = ops.map((op) => [op, ...scenarios.map((s) => String(s.calls[op] ?? 0))]);
  rows.push(['total calls', ...scenarios.map((s) => String(s.totalCalls))]);
  rows.push(['bytes uploaded', ...scenarios.map((s) => String(s.bytesUploaded))]);
  rows.push(['simulated wait (s)', ...scenarios.map((s) => (s.simulatedWaitMs / 1000).toFixed(0))]);
  rows.push(['wall time (ms)', ...scenarios.map((s) => s.wallMs.toFixed(0))]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

export interface AwsCallsOptions {
  print?: boolean;
  /** Real latency added to every request, in ms (0: none). */
  latencyMs?: number;
}

export async function runAwsCallsBench(options: AwsCallsOptions = {}): Promise<AwsCallsBench> {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-deploy-bench-'));
  // A realistic account: a new function is Pending for 2 s, an update InProgress for 1 s, a new role propagates in 8 s.
  const aws = await startFakeAws();
  try {
    if (options.latencyMs) aws.faults.latency('*', options.latencyMs, { real: true });
    const zipA = writeZipFixture(dir, 'a.zip', 2 * 1024 * 1024, 1);
    const zipB = writeZipFixture(dir, 'b.zip', 2 * 1024 * 1024, 2);
    const clients = aws.clients();
    const scenarios: AwsCallsScenario[] = [];
    const run = async (name: string, zip: typeof zipA) => {
      aws.calls.clear();
      const deps = depsFor(aws);
      const waitedBefore = aws.clock.sleep.calls.length;
      const started = performance.now();
      const result = await deployStageToAws(clients, { project: 'shop', stage: 'main', zip }, deps);
      await ensureGateway(
        'http-api',
        clients,
        gatewayInput(
          { aliasArn: result.fn.aliasArn, functionChanged: result.fn.changed },
          stageContext('main', 'shop'),
        ),
        deps,
      );
      const wallMs = performance.now() - started;
      const calls = aws.calls.counts();
      scenarios.push({
        name,
        calls,
        totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
        bytesUploaded: bytesUploaded(aws),
        simulatedWaitMs: aws.clock.sleep.calls.slice(waitedBefore).reduce((a, b) => a + b, 0),
        published: result.fn.version !== result.fn.previousVersion,
        wallMs,
      });
    };
    await run('first deploy', zipA);
    await run('unchanged redeploy', zipA);
    await run('code change', zipB);
    const table = formatAwsCallsTable(scenarios);
    if (options.print !== false) {
      const latency = options.latencyMs ? `, ${options.latencyMs} ms per request` : '';
      console.log(
        `AWS calls per deploy (STS, S3, IAM, Lambda, and the default HTTP API front door${latency})\n`,
      );
      console.log(table);
    }
    return { scenarios, table };
  } finally {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
