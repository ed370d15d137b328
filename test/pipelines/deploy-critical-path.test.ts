/**
 * Issue 16: the AWS requests of a deploy that wait for one another. The
 * whole pipeline runs against the fake AWS with a real latency per request;
 * the call log's intervals say how many round trips the deploy waited for
 * one after another. A change that puts requests back in a row fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { simulatedClock } from '../../fakes/aws/clock.js';
import { startFakeAws, type AwsCall, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';

/** Well above the scheduling jitter of a loaded machine (jitter can only add round trips, never hide one). */
const LATENCY_MS = 250;
const TIMEOUT = 60_000;

const WRITE = /^(Create|Put|Update|Delete|Add|Remove|Tag|Untag|Publish)/;
const writes = (calls: readonly AwsCall[]) => calls.filter((c) => WRITE.test(c.operation));

let aws: FakeAws;
let dir: string;

/** The version stage main's `live` alias points at. */
const liveVersion = (): number =>
  Number(aws.account.functions.get('shop-main')?.aliases.get('live')?.FunctionVersion);

/**
 * Runs `deploy` (which clears the call log, deploys and checks the outcome)
 * until its calls took at most `bound` round trips, three times at most, and
 * expects the fewest to be within it. Jitter can only add round trips: on a
 * loaded machine a request the deploy sends alongside another may reach the
 * fake only after the other was answered. The call log holds the last run.
 */
async function measured(bound: number, deploy: () => Promise<void>): Promise<void> {
  let fewest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && fewest > bound; attempt++) {
    await deploy();
    fewest = Math.min(fewest, aws.calls.roundTrips());
  }
  expect(fewest).toBeLessThanOrEqual(bound);
}

beforeAll(async () => {
  // The simulated clock starts now, so the artifacts' ages are real ones.
  aws = await startFakeAws({ clock: simulatedClock({ start: Date.now() }) });
  aws.seed.setup('shop');
  dir = appFolder();
  const first = await deployApp(aws, dir);
  expect(first.report).toMatchObject({ status: 'success', version: '1' });
  aws.faults.latency('*', LATENCY_MS, { real: true });
}, TIMEOUT);

afterAll(async () => {
  await aws?.close();
  if (dir) removeApp(dir);
});

describe('a deploy waits for few round trips', () => {
  test(
    'an unchanged redeploy: at most 4 round trips, nothing but the deploying mark written',
    async () => {
      await measured(4, async () => {
        const fn = aws.account.functions.get('shop-main')!;
        const modified = fn.latest.LastModified;
        delete fn.tags['lambda-deploy:deployed'];
        aws.calls.clear();
        const run = await deployApp(aws, dir);
        expect(run.report).toMatchObject({ status: 'success', changed: false, version: '1' });
        expect(writes(aws.calls.calls).map((c) => c.operation)).toEqual(['TagResource', 'UntagResource']);
        // Nothing changed, so LastModified did not: the mark's request also says when it was last deployed (preview-ttl).
        expect(fn.latest.LastModified).toBe(modified);
        expect(fn.tags).toMatchObject({ 'lambda-deploy:deployed': expect.any(String) });
        expect(fn.tags).not.toHaveProperty(['lambda-deploy:deploying']);
      });
    },
    TIMEOUT,
  );

  test(
    'a code change: at most 8 round trips, in the order AWS needs',
    async () => {
      await measured(8, async () => {
        const before = liveVersion();
        changeCode(dir);
        aws.calls.clear();
        const run = await deployApp(aws, dir);
        expect(run.report).toMatchObject({
          status: 'success',
          changed: true,
          version: String(before + 1),
          previousVersion: String(before),
        });
        expect(liveVersion()).toBe(before + 1);
        // No error but the expected answers: the new zip is not there yet, and there is no keep-warm rule.
        expect(
          aws.calls.calls
            .filter((c) => c.status >= 400)
            .map((c) => `${c.operation} ${c.error}`)
            .sort(),
        ).toEqual(['DescribeRule ResourceNotFoundException', 'HeadObject NoSuchKey']);
      });
      const calls = aws.calls.calls;

      const at = (operation: string) => calls.find((c) => c.operation === operation)!;
      // Nothing is written before the function is known to be this stage's.
      const ownership = at('GetFunction');
      for (const w of writes(calls)) expect(w.wall.start).toBeGreaterThanOrEqual(ownership.wall.end);
      // The function takes one change at a time: no write to it overlaps another.
      const lambdaWrites = writes(calls).filter((c) => c.service === 'lambda');
      for (let i = 1; i < lambdaWrites.length; i++)
        expect(lambdaWrites[i]!.wall.start).toBeGreaterThanOrEqual(lambdaWrites[i - 1]!.wall.end);
      // Code uploaded, then updated; the version published after the update was seen done; live moved last.
      const update = at('UpdateFunctionCode');
      expect(update.wall.start).toBeGreaterThanOrEqual(at('PutObject').wall.end);
      const settled = calls.filter(
        (c) => c.operation === 'GetFunctionConfiguration' && c.wall.start >= update.wall.end,
      );
      expect(settled.length).toBeGreaterThan(0);
      expect(at('PublishVersion').wall.start).toBeGreaterThanOrEqual(settled.at(-1)!.wall.end);
      expect(at('UpdateAlias').wall.start).toBeGreaterThanOrEqual(at('PublishVersion').wall.end);
      expect(at('UntagResource').wall.start).toBeGreaterThanOrEqual(at('UpdateAlias').wall.end);
      // The front door's reads ran while the function deployed.
      expect(at('GetApis').wall.start).toBeLessThan(update.wall.start);
      expect(at('GetPolicy').wall.start).toBeLessThan(at('PublishVersion').wall.start);
    },
    TIMEOUT,
  );

  test(
    'the same deploys made one request at a time wait for every request (the bench baseline)',
    async () => {
      aws.calls.clear();
      await deployApp(aws, dir, { sequential: true });
      expect(aws.calls.roundTrips()).toBe(aws.calls.calls.length);
      const before = liveVersion();
      changeCode(dir);
      aws.calls.clear();
      const run = await deployApp(aws, dir, { sequential: true });
      expect(run.report).toMatchObject({ status: 'success', version: String(before + 1) });
      expect(aws.calls.roundTrips()).toBe(aws.calls.calls.length);
      expect(aws.calls.calls.length).toBeGreaterThan(8);
    },
    TIMEOUT,
  );
});

describe('what runs alongside the function never writes when the function deploy fails', () => {
  test(
    'a function of someone else: refused with nothing written, the zip not uploaded',
    async () => {
      const fn = aws.account.functions.get('shop-main')!;
      const tags = { ...fn.tags };
      fn.tags = { team: 'billing' };
      changeCode(dir);
      aws.calls.clear();
      try {
        const run = await deployApp(aws, dir);
        expect(run.report.status).toBe('failure');
        expect(run.report.error).toMatch(/Function shop-main exists but was not created by lambda-deploy/);
        expect(writes(aws.calls.calls)).toEqual([]);
      } finally {
        fn.tags = tags;
      }
    },
    TIMEOUT,
  );

  test(
    'a code update that fails: the front door and keep-warm write nothing, live stays',
    async () => {
      const live = liveVersion();
      changeCode(dir);
      aws.failNextChange({ functionName: 'shop-main', kind: 'update' });
      aws.calls.clear();
      const run = await deployApp(aws, dir, { inputs: { 'keep-warm': 'rate(5 minutes)' } });
      expect(run.report.status).toBe('failure');
      expect(run.report.error).toMatch(/The last update of function shop-main failed/);
      const written = writes(aws.calls.calls).map((c) => `${c.service}:${c.operation}`);
      expect(written.filter((w) => !/^(lambda|s3):/.test(w))).toEqual([]);
      expect(written).not.toContain('lambda:AddPermission');
      expect(written).not.toContain('lambda:PublishVersion');
      expect(liveVersion()).toBe(live);
      // The keep-warm rule was only looked for.
      expect(aws.calls.operations('events')).toEqual(['DescribeRule']);
    },
    TIMEOUT,
  );
});

describe("a new preview stage's first deploy, under the preview role", () => {
  /** A first deploy of stage pr-7 in an account that has only had setup, as the preview role sees it. */
  async function firstDeploy(app: string): Promise<FakeAws> {
    const preview = await startFakeAws({ clock: simulatedClock({ start: Date.now() }) });
    preview.seed.setup('shop');
    denyUntaggedFunctions(preview, 'shop');
    preview.faults.latency('*', LATENCY_MS, { real: true });
    try {
      const run = await deployApp(preview, app, { inputs: { stage: 'pr-7' } });
      expect([run.report.status, run.failure]).toEqual(['success', undefined]);
    } catch (error) {
      await preview.close();
      throw error;
    }
    return preview;
  }

  test(
    'at most 21 round trips: its log group is made while the new function becomes Active, not after',
    async () => {
      const app = appFolder();
      let preview: FakeAws | undefined;
      try {
        // As measured(): jitter only adds round trips. Each attempt a new account, so a first deploy alike.
        let fewest = Number.POSITIVE_INFINITY;
        for (let attempt = 0; attempt < 3 && fewest > 21; attempt++) {
          await preview?.close();
          preview = await firstDeploy(app);
          fewest = Math.min(fewest, preview.calls.roundTrips());
        }
        expect(fewest).toBeLessThanOrEqual(21);
        const calls = preview!.calls.calls;
        const at = (operation: string) => calls.find((c) => c.operation === operation)!;
        const polls = calls.filter(
          (c) => c.operation === 'GetFunctionConfiguration' && c.wall.end <= at('PublishVersion').wall.start,
        );
        expect(at('CreateLogGroup').wall.start).toBeGreaterThanOrEqual(at('CreateFunction').wall.end);
        expect(at('CreateLogGroup').wall.start).toBeLessThan(polls.at(-1)!.wall.end);
        expect(preview!.account.logGroups.get('/aws/lambda/shop-pr-7')?.tags).toMatchObject({
          'lambda-deploy:stage': 'pr-7',
        });
      } finally {
        removeApp(app);
        await preview?.close();
      }
    },
    3 * TIMEOUT,
  );
});
