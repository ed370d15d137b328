/**
 * snapshotAccount / restoreAccount: a fresh fake gets the account as it was
 * (served to the real SDK clients, at the snapshot's time), and neither what
 * happens to the first fake afterwards nor to a restored one reaches it.
 */
import { afterEach, expect, test } from '@jest/globals';
import {
  DeleteFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { seedDeployedStage } from '../../fakes/aws/deployed-stage.js';
import { restoreAccount, snapshotAccount } from '../../fakes/aws/snapshot.js';

const started: FakeAws[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((aws) => aws.close()));
});
async function fake(): Promise<FakeAws> {
  const aws = await startFakeAws();
  started.push(aws);
  return aws;
}

async function memoryOf(aws: FakeAws, name: string): Promise<number | undefined> {
  const fn = await aws.clients().lambda.send(new GetFunctionCommand({ FunctionName: name }));
  return fn.Configuration?.MemorySize;
}

test('a restored fake serves the account and the time of the snapshot, apart from the fakes it came from or went to', async () => {
  const first = await fake();
  const { functionName } = seedDeployedStage(first, { project: 'shop', stage: 'main', gateway: 'rest-api' });
  first.seed.bucket('things');
  await first.clients().s3.send(new PutObjectCommand({ Bucket: 'things', Key: 'a.zip', Body: 'zip bytes' }));
  first.clock.advance(60_000);
  const snapshot = snapshotAccount(first);
  const apis = [...first.account.restApis.keys()];
  await first.clients().lambda.send(new DeleteFunctionCommand({ FunctionName: functionName }));

  const second = await fake();
  restoreAccount(second, snapshot);
  expect(second.clock.now()).toBe(first.clock.now());
  expect([...second.account.restApis.keys()]).toEqual(apis);
  expect(await memoryOf(second, functionName)).toBe(128);
  const object = await second.clients().s3.send(new GetObjectCommand({ Bucket: 'things', Key: 'a.zip' }));
  expect(await object.Body?.transformToString()).toBe('zip bytes');
  await second
    .clients()
    .lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: 512 }));
  expect(await memoryOf(second, functionName)).toBe(512);

  const third = await fake();
  restoreAccount(third, snapshot);
  expect(await memoryOf(third, functionName)).toBe(128);
  expect(first.account.functions.has(functionName)).toBe(false);
});

test('restoring into a fake whose clock is already past the snapshot is refused', async () => {
  const first = await fake();
  const snapshot = snapshotAccount(first);
  const later = await fake();
  later.clock.advance(1);
  expect(() => restoreAccount(later, snapshot)).toThrow(/past the snapshot's time/);
});
