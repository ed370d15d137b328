/**
 * Every write of a deploy answered with a 5xx, or its connection dropped,
 * after it took effect: the AWS SDK of the action's own clients sends it
 * again (maxAttempts 5), or create-once looks before creating again. The
 * deploy must end well, and the next deploy of the stage too (one API, one
 * key, one plan: not a second one tagged for the stage that the next deploy
 * picks up). Shared writes (bucket, role, function) are probed with the
 * default front door; the other configurations add their own writes.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { restoreAccount, snapshotAccount, type AccountSnapshot } from '../../fakes/aws/snapshot.js';

const CONFIGS: [string, Record<string, string>][] = [
  ['http-api', {}],
  [
    'rest-api with a key',
    { gateway: 'rest-api', 'api-key': 'true', quota: '1000/day', 'throttle-rate': '10' },
  ],
  ['function-url', { gateway: 'function-url' }],
  ['keep-warm', { gateway: 'none', 'keep-warm': 'rate(5 minutes)' }],
];
/** A redeploy that changes code and configuration. */
const CHANGE = { memory: '256', environment: 'A=1' };

let aws: FakeAws | undefined;
let dir: string | undefined;
async function closeFake(): Promise<void> {
  await aws?.close();
  if (dir) removeApp(dir);
  aws = undefined;
  dir = undefined;
}
afterEach(closeFake);

/** The account and app folder after a first deploy: each redeploy probe starts from copies of them. */
interface Deployed {
  account: AccountSnapshot;
  dir: string;
}

/** A fake and an app folder: fresh (the project set up), or copies of a first deploy's. */
async function start(from?: Deployed): Promise<{ aws: FakeAws; dir: string }> {
  aws = await startFakeAws();
  if (from) {
    restoreAccount(aws, from.account);
    dir = mkdtempSync(join(tmpdir(), 'deploy-path-'));
    cpSync(from.dir, dir, { recursive: true });
  } else {
    aws.seed.setup('shop');
    dir = appFolder();
  }
  return { aws, dir };
}

/** A first deploy, kept: the account as it leaves it, and its app folder (removed by the caller). */
async function firstDeploy(inputs: Record<string, string>): Promise<Deployed> {
  const { aws: fake, dir: folder } = await start();
  const run = await deployApp(fake, folder, { inputs });
  expect(run.failure).toBeUndefined();
  const account = snapshotAccount(fake);
  await fake.close();
  aws = undefined;
  dir = undefined;
  return { account, dir: folder };
}

/** The write operations (`service:Operation`) of a clean deploy (a first one, or a redeploy with a change), in order. */
async function writesOf(inputs: Record<string, string>, from?: Deployed): Promise<string[]> {
  const { aws, dir } = await start(from);
  if (from) changeCode(dir);
  const run = await deployApp(aws, dir, { inputs: from ? { ...inputs, ...CHANGE } : inputs });
  expect(run.failure).toBeUndefined();
  const writes = new Set(aws.calls.writes());
  const named = aws.calls.calls.map((c) => `${c.service}:${c.operation}`);
  // From a restored first deploy: the function is there to update, not to create.
  if (from) expect(named).not.toContain('lambda:CreateFunction');
  return [...new Set(named.filter((op) => writes.has(op)))];
}

/** Deploys (a redeploy when `from`) with `operation` failing after it took effect; then the next deploy. Failures, as lines. */
async function probe(
  inputs: Record<string, string>,
  from: Deployed | undefined,
  operation: string,
  reset: boolean,
) {
  const { aws, dir } = await start(from);
  if (from) changeCode(dir);
  aws.faults.failAfter(operation, { reset });
  const run = await deployApp(aws, dir, { inputs: from ? { ...inputs, ...CHANGE } : inputs });
  const label = `${operation} (${reset ? 'connection dropped' : '500'})`;
  if (!aws.calls.calls.some((c) => `${c.service}:${c.operation}` === operation && c.fault === 'failAfter'))
    return [`${label}: the fault did not fire`];
  if (run.failure) return [`${label}: ${run.failure}`];
  changeCode(dir);
  const next = await deployApp(aws, dir, { inputs });
  return next.failure ? [`${label}, then the next deploy: ${next.failure}`] : [];
}

describe('a deploy whose write took effect before its 5xx or dropped connection', () => {
  const probed = new Set<string>();
  for (const redeploy of [false, true]) {
    for (const [name, inputs] of redeploy ? CONFIGS.slice(0, 1) : CONFIGS) {
      it(`${name}, ${redeploy ? 'a redeploy with code and configuration changed' : 'first deploy'}: ends well, and so does the next deploy`, async () => {
        const kind = redeploy ? 'redeploy' : 'first';
        // Every redeploy starts from the same first deploy: made once, restored for each.
        const from = redeploy ? await firstDeploy(inputs) : undefined;
        try {
          const ops = (await writesOf(inputs, from)).filter((op) => !probed.has(`${kind} ${op}`));
          await closeFake();
          expect(ops.length).toBeGreaterThan(0);
          const failures: string[] = [];
          for (const op of ops) {
            probed.add(`${kind} ${op}`);
            for (const reset of [false, true]) {
              failures.push(...(await probe(inputs, from, op, reset)));
              await closeFake();
            }
          }
          expect(failures).toEqual([]);
        } finally {
          if (from) removeApp(from.dir);
        }
        // A whole deploy for each write of a deploy and each way to fail it (a redeploy's first deploy is
        // restored, not made again): 25-40 s for the whole file on a 2-core machine; the heavy project's
        // 3 minutes per case leave room for other work beside it.
      }, 600_000);
    }
  }
});
