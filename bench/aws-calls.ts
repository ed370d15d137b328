/**
 * AWS calls by operation and bytes uploaded for a first deploy, an unchanged
 * redeploy and a code change, recorded from the real deploy code (identity,
 * artifact, execution role, function) against a stateful fake account behind
 * aws-sdk-client-mock, plus the default front door (an HTTP API) against the
 * gateways' stateful fake.
 */
import { rmSync } from 'node:fs';
import { ensureGateway } from '../src/resources/front-door/gateway.js';
import { silentLogger } from '../src/util/logger.js';
import { recordingSleep } from '../src/util/sleep.js';
import { FakeAws as FakeGatewayAws, gatewayInput, stageContext } from '../test/gateways/fake-aws.js';
import { FakeAws } from '../test/support/fake-aws.js';
import { deployStageToAws, tempDir, testDeps, writeZipFixture } from '../test/support/aws-deploy-sequence.js';

export interface AwsCallsScenario {
  name: string;
  /** Calls by operation, e.g. { GetFunction: 1 }. */
  calls: Record<string, number>;
  totalCalls: number;
  bytesUploaded: number;
  /** Time the deploy would have spent waiting (polls, backoff), in ms; the bench itself does not wait. */
  simulatedWaitMs: number;
  published: boolean;
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
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

export async function runAwsCallsBench(options: { print?: boolean } = {}): Promise<AwsCallsBench> {
  const dir = tempDir('lambda-deploy-bench-');
  try {
    const zipA = writeZipFixture(dir, 'a.zip', 2 * 1024 * 1024, 1);
    const zipB = writeZipFixture(dir, 'b.zip', 2 * 1024 * 1024, 2);
    // A realistic account: a new function is Pending for a couple of polls, an update InProgress for one.
    const fake = new FakeAws({ pendingPolls: 2, inProgressPolls: 1 });
    const gateways = new FakeGatewayAws();
    const scenarios: AwsCallsScenario[] = [];
    const run = async (name: string, zip: typeof zipA) => {
      fake.resetCalls();
      const deps = testDeps();
      const result = await deployStageToAws(fake, { project: 'shop', stage: 'main', zip }, deps);
      const calls = fake.counts();
      gateways.resetCalls();
      await ensureGateway(
        'http-api',
        gateways.clients,
        gatewayInput(
          { aliasArn: result.fn.aliasArn, functionChanged: result.fn.changed },
          stageContext('main', 'shop'),
        ),
        { logger: silentLogger, sleep: recordingSleep() },
      );
      for (const op of gateways.calls) calls[op] = (calls[op] ?? 0) + 1;
      scenarios.push({
        name,
        calls,
        totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
        bytesUploaded: fake.bytesUploaded,
        simulatedWaitMs: deps.sleep.calls.reduce((a, b) => a + b, 0),
        published: result.fn.version !== result.fn.previousVersion,
      });
    };
    await run('first deploy', zipA);
    await run('unchanged redeploy', zipA);
    await run('code change', zipB);
    const table = formatAwsCallsTable(scenarios);
    if (options.print !== false) {
      console.log('AWS calls per deploy (STS, S3, IAM, Lambda, and the default HTTP API front door)\n');
      console.log(table);
    }
    return { scenarios, table };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
