/**
 * A runtime AWS Lambda no longer creates functions with (its update block
 * date not yet come): a first deploy stops once it knows the stage has no
 * function, before anything is uploaded or created; a stage whose function
 * exists is still updated.
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import type { RuntimeSchedule } from '../../src/settings/runtime-schedule.js';

const SCHEDULE: RuntimeSchedule = {
  'python3.9': {
    deprecated: '2025-12-15',
    createBlocked: '2026-06-01',
    updateBlocked: '2027-07-01',
    replacement: 'python3.13',
  },
};
const BEFORE = { now: new Date('2026-05-01T10:00:00Z'), schedule: SCHEDULE };
const CREATE_BLOCKED = { now: new Date('2026-12-06T10:00:00Z'), schedule: SCHEDULE };

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const deploy = (runtimeClock: typeof BEFORE) =>
  deployApp(aws, dir, { inputs: { runtime: 'python3.9' }, runtimeClock });
const writes = () =>
  aws.calls.of().filter((c) => /^(Create|Put|Update|Publish|Upload|Tag|Attach)/.test(c.operation));

test('a first deploy is refused before anything is written, naming the input, runtime, date and replacement', async () => {
  const result = await deploy(CREATE_BLOCKED);
  expect(result.report.status).toBe('failure');
  expect(result.failure).toContain(
    'runtime: AWS Lambda stopped accepting python3.9 for new functions on 2026-06-01, and this stage has no function yet; expected a supported runtime such as python3.13.',
  );
  expect(writes()).toEqual([]);
  expect(aws.account.functions.size).toBe(0);
});

test('a stage whose function exists is updated', async () => {
  expect((await deploy(BEFORE)).report.status).toBe('success');
  const again = await deploy(CREATE_BLOCKED);
  expect([again.report.status, again.failure]).toEqual(['success', undefined]);
});
