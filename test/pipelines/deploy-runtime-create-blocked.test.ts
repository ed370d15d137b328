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

/** AWS's own refusal, whatever the schedule says (a block date not entered, or moved). */
const refusal = (runtime: string) =>
  `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (python3.12) while creating or updating functions.`;

test("AWS's refusal of a first deploy's runtime gives a Fix line naming the input and the runtime to move to", async () => {
  aws.faults.fail('CreateFunction', 'InvalidParameterValueException', { message: refusal('python3.9') });
  const result = await deploy(BEFORE);
  expect(result.report.status).toBe('failure');
  expect(result.failure).toContain(refusal('python3.9'));
  expect(result.failure).toContain(
    '\nFix: AWS Lambda no longer creates or updates functions with python3.9: set runtime to python3.13 and deploy again',
  );
});

test("AWS's refusal of an update leaves live on the version it served, with the same Fix line", async () => {
  const first = await deploy(BEFORE);
  expect(first.report.status).toBe('success');
  const live = aws.account.functions.get('shop-main')?.aliases.get('live')?.FunctionVersion;
  aws.faults.fail('UpdateFunctionConfiguration', 'InvalidParameterValueException', {
    message: refusal('python3.9'),
    times: 5,
  });
  aws.faults.fail('UpdateFunctionCode', 'InvalidParameterValueException', {
    message: refusal('python3.9'),
    times: 5,
  });
  const again = await deployApp(aws, dir, {
    inputs: { runtime: 'python3.9', memory: '512' },
    runtimeClock: BEFORE,
  });
  expect(again.report.status).toBe('failure');
  expect(again.failure).toContain(
    'Fix: AWS Lambda no longer creates or updates functions with python3.9: set runtime to python3.13',
  );
  expect(aws.account.functions.get('shop-main')?.aliases.get('live')?.FunctionVersion).toBe(live);
});
