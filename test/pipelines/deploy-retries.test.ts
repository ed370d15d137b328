/**
 * Every write of a deploy answered with a 5xx, or its connection dropped,
 * after it took effect: the AWS SDK of the action's own clients sends it
 * again (maxAttempts 5), or create-once looks before creating again. The
 * deploy must end well, and the next deploy of the stage too (one API, one
 * key, one plan: not a second one tagged for the stage that the next deploy
 * picks up). Shared writes (bucket, role, function) are probed with the
 * default front door; the other configurations add their own writes.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';

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
afterEach(async () => {
  await aws?.close();
  if (dir) removeApp(dir);
  aws = undefined;
  dir = undefined;
});

async function start(): Promise<{ aws: FakeAws; dir: string }> {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
  return { aws, dir };
}

/** The write operations (`service:Operation`) of a clean deploy (a first one, or a redeploy with a change), in order. */
async function writesOf(inputs: Record<string, string>, redeploy: boolean): Promise<string[]> {
  const { aws, dir } = await start();
  if (redeploy) {
    await deployApp(aws, dir, { inputs });
    changeCode(dir);
    aws.calls.clear();
  }
  const run = await deployApp(aws, dir, { inputs: redeploy ? { ...inputs, ...CHANGE } : inputs });
  expect(run.failure).toBeUndefined();
  const writes = new Set(aws.calls.writes());
  const named = aws.calls.calls.map((c) => `${c.service}:${c.operation}`);
  return [...new Set(named.filter((op) => writes.has(op)))];
}

/** Deploys with `operation` failing after it took effect; then the next deploy. Failures, as lines. */
async function probe(inputs: Record<string, string>, redeploy: boolean, operation: string, reset: boolean) {
  const { aws, dir } = await start();
  if (redeploy) {
    await deployApp(aws, dir, { inputs });
    changeCode(dir);
  }
  aws.faults.failAfter(operation, { reset });
  const run = await deployApp(aws, dir, { inputs: redeploy ? { ...inputs, ...CHANGE } : inputs });
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
        const ops = (await writesOf(inputs, redeploy)).filter((op) => !probed.has(`${kind} ${op}`));
        await aws!.close();
        removeApp(dir!);
        aws = undefined;
        expect(ops.length).toBeGreaterThan(0);
        const failures: string[] = [];
        for (const op of ops) {
          probed.add(`${kind} ${op}`);
          for (const reset of [false, true]) {
            failures.push(...(await probe(inputs, redeploy, op, reset)));
            await aws!.close();
            removeApp(dir!);
            aws = undefined;
            dir = undefined;
          }
        }
        expect(failures).toEqual([]);
        // Two whole deploys for each write of a deploy and each way to fail it: about a minute for the
        // whole file on an idle 2-core machine, over the heavy project's 3 minutes per case next to other work.
      }, 600_000);
    }
  }
});
