/**
 * The deploy's critical path: the whole AWS deploy pipeline against the fake
 * AWS with a real latency on every request, for a code change, an unchanged
 * redeploy and a new preview stage's first deploy (the preview role, in an
 * account that has only had setup), with the independent requests run
 * together (as the action does) next to the same deploy sending one request
 * at a time. The account's own waits (an update InProgress) are simulated: the
 * wall time is the round trips' (plus packaging the example app).
 */
import { simulatedClock } from '../fakes/aws/clock.js';
import { startFakeAws, type FakeAws } from '../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../fakes/aws/pipeline-deploy.js';
import { denyUntaggedFunctions } from '../fakes/aws/preview-iam.js';

export interface DeployPathRow {
  deploy: 'code change' | 'unchanged redeploy' | 'first preview deploy';
  mode: 'one at a time' | 'together';
  requests: number;
  roundTrips: number;
  /** Median wall time of the runs, ms. */
  wallMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runDeployPathBench(
  options: { latencyMs?: number; runs?: number; print?: boolean } = {},
): Promise<DeployPathRow[]> {
  const latencyMs = options.latencyMs ?? 150;
  const runs = options.runs ?? 3;
  const aws = await startFakeAws({ clock: simulatedClock({ start: Date.now() }) });
  const dir = appFolder();
  try {
    aws.seed.setup('shop');
    const first = await deployApp(aws, dir);
    if (first.report.status !== 'success') throw new Error(`first deploy failed: ${first.report.error}`);
    aws.faults.latency('*', latencyMs, { real: true });
    const samples = new Map<string, { row: Omit<DeployPathRow, 'wallMs'>; wall: number[] }>();
    const measure = async (deploy: DeployPathRow['deploy'], sequential: boolean) => {
      if (deploy === 'code change') changeCode(dir);
      // A first deploy each time: a new account, as the preview role sees it.
      const account = deploy === 'first preview deploy' ? await previewAccount(latencyMs) : aws;
      try {
        account.calls.clear();
        const started = performance.now();
        const run = await deployApp(account, dir, {
          sequential,
          ...(account !== aws && { inputs: { stage: 'pr-7' } }),
        });
        const wall = performance.now() - started;
        if (run.report.status !== 'success') throw new Error(`${deploy} failed: ${run.report.error}`);
        const mode: DeployPathRow['mode'] = sequential ? 'one at a time' : 'together';
        const key = `${deploy}/${mode}`;
        const row = {
          deploy,
          mode,
          requests: account.calls.calls.length,
          roundTrips: account.calls.roundTrips(),
        };
        const entry = samples.get(key) ?? { row, wall: [] as number[] };
        entry.wall.push(wall);
        samples.set(key, entry);
      } finally {
        if (account !== aws) await account.close();
      }
    };
    // Interleaved, so a busy moment of the machine touches both modes alike.
    for (let i = 0; i < runs; i++)
      for (const deploy of ['code change', 'unchanged redeploy', 'first preview deploy'] as const)
        for (const sequential of [true, false]) await measure(deploy, sequential);
    const rows = [...samples.values()].map(({ row, wall }) => ({ ...row, wallMs: median(wall) }));
    if (options.print !== false) {
      console.log(
        `\nDeploy critical path: the whole AWS deploy, ${latencyMs} ms per request (median of ${runs})\n`,
      );
      console.log(formatDeployPathTable(rows));
    }
    return rows;
  } finally {
    removeApp(dir);
    await aws.close();
  }
}

/** An account that has only had setup, the preview role's refusals modelled, every request `latencyMs` long. */
async function previewAccount(latencyMs: number): Promise<FakeAws> {
  const account = await startFakeAws({ clock: simulatedClock({ start: Date.now() }) });
  account.seed.setup('shop');
  denyUntaggedFunctions(account, 'shop');
  account.faults.latency('*', latencyMs, { real: true });
  return account;
}

export function formatDeployPathTable(rows: DeployPathRow[]): string {
  const head = ['deploy', 'requests', 'sequential round trips', 'wall time', 'vs one at a time'];
  const lines = rows.map((r) => {
    const base = rows.find((b) => b.deploy === r.deploy && b.mode === 'one at a time')!;
    return [
      `${r.deploy}, ${r.mode}`,
      String(r.requests),
      String(r.roundTrips),
      `${(r.wallMs / 1000).toFixed(2)} s`,
      r === base ? '1.00x' : `${(r.wallMs / base.wallMs).toFixed(2)}x`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    fmt(head),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...lines.map(fmt),
  ].join('\n');
}
