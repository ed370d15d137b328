/** deployFunction and its helpers (src/resources/function/function-wait.ts): waiting out a function update: InProgress, conflicts, throttling while polling, a Failed update, giving up. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { deployFunction } from '../../../src/resources/function/lambda-function.js';
import { waitForFunctionUpdated } from '../../../src/resources/function/function-wait.js';
import { REGION } from '../../../fakes/aws/index.js';
import { depsFor } from '../../fake-aws/helpers.js';
import { account, ARN, aws, input, zipA, zipB } from './function-fixtures.js';

afterEach(() => aws?.close());

describe('deployFunction on the awkward paths Lambda has', () => {
  it('update path: waits out InProgress and a ResourceConflictException, then publishes', async () => {
    const { fake, lambda, count, inputsOf } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    // Someone's update is running when this deploy reads the function.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 256 }));
    fake.calls.clear();
    // And another one starts between our wait and our UpdateFunctionCode.
    fake.faults.fail('UpdateFunctionCode', 'ResourceConflictException', {
      message: `The operation cannot be performed at this time. An update is in progress for resource: ${ARN}`,
    });

    const deps = depsFor(fake);
    const result = await deployFunction(lambda, input(zipB), deps);
    expect(result).toMatchObject({
      version: '2',
      previousVersion: '1',
      codeChanged: true,
      configChanged: false,
      changed: true,
    });
    expect(fake.calls.of({ operation: 'UpdateFunctionCode' }).map((c) => c.status)).toEqual([409, 200]);
    expect(count('UpdateFunctionConfiguration')).toBe(0);
    expect(inputsOf('UpdateFunctionCode')[1]).toMatchObject({
      Architectures: ['x86_64'],
      S3Bucket: 'b',
      Publish: false,
    });
    expect(inputsOf('PublishVersion')[0]).toMatchObject({ CodeSha256: zipB.codeSha256 });
    expect(inputsOf('UpdateAlias')[0]).toMatchObject({ Name: 'live', FunctionVersion: '2' });
    expect(deps.logger.text()).toContain('busy with another update');
  });

  it('an update that ends LastUpdateStatus Failed fails with LastUpdateStatusReason, and publishes nothing', async () => {
    const { fake, lambda, count, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    const reason = `The layer arn:aws:lambda:${REGION}:1:layer:x:1 does not exist.`;
    fake.failNextChange({ kind: 'update', reason, code: 'InvalidConfiguration' });
    fake.calls.clear();
    await expect(deployFunction(lambda, input(zipA, { memory: 512 }), depsFor(fake))).rejects.toThrow(
      `The last update of function shop-main failed: ${reason}`,
    );
    expect(count('UpdateFunctionConfiguration')).toBe(1);
    expect(count('PublishVersion')).toBe(0);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
  });

  it('throttling while waiting is polled through', async () => {
    const { fake, lambda } = await account({ timings: { functionUpdateMs: 2_000 } });
    fake.seed.function('shop-main');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }));
    fake.faults.throttle('GetFunctionConfiguration', 1);
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(fake))).resolves.toMatchObject({
      LastUpdateStatus: 'Successful',
    });
    expect(fake.clock.sleep.calls).toEqual([1000, 2000]);
  });

  it('AccessDenied while waiting fails at once instead of waiting for five minutes', async () => {
    const { fake, lambda, count } = await account();
    fake.seed.function('shop-main');
    fake.faults.deny('GetFunctionConfiguration');
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(fake))).rejects.toThrow(
      /The deploy role needs lambda:GetFunctionConfiguration\./,
    );
    expect(count('GetFunctionConfiguration')).toBe(1);
    expect(fake.clock.sleep.calls).toEqual([]);
  });

  it('waiting gives up after about five minutes, polling every 1 s doubling to 5 s', async () => {
    const { fake, lambda } = await account({ timings: { functionUpdateMs: 400_000 } });
    fake.seed.function('shop-main');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }));
    await expect(waitForFunctionUpdated(lambda, 'shop-main', depsFor(fake))).rejects.toThrow(
      'Timed out after 300 s waiting for function shop-main to be ready (last seen: LastUpdateStatus InProgress)',
    );
    expect(fake.clock.sleep.calls.slice(0, 5)).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(fake.clock.sleep.calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300_000);
  });

  // LAMBDA_DEPLOY_WAIT_SCALE (deps.waitScale): shorter pauses between the same checks, the same time limit.
  it('waitScale shortens the pauses between polls: the update is still seen InProgress, then Successful', async () => {
    const { fake, lambda, count } = await account({ timings: { functionUpdateMs: 150 } });
    fake.seed.function('shop-main');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }));
    fake.calls.clear();
    await expect(
      waitForFunctionUpdated(
        lambda,
        'shop-main',
        { ...depsFor(fake), waitScale: 0.05 },
        { delayFirst: true },
      ),
    ).resolves.toMatchObject({ LastUpdateStatus: 'Successful' });
    // 1 s first, then 1 s doubling, each a twentieth: InProgress at 50 and 100 ms, done at 200.
    expect(fake.clock.sleep.calls).toEqual([50, 50, 100]);
    expect(count('GetFunctionConfiguration')).toBe(3);
  });

  // At 0.25, not 0.05: the same rule with 240 polls of the fake instead of 1,200 (11 s of test CPU).
  it('waitScale keeps the five-minute limit: more polls, not less patience', async () => {
    const { fake, lambda } = await account({ timings: { functionUpdateMs: 400_000 } });
    fake.seed.function('shop-main');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 512 }));
    await expect(
      waitForFunctionUpdated(lambda, 'shop-main', { ...depsFor(fake), waitScale: 0.25 }),
    ).rejects.toThrow('Timed out after 300 s waiting for function shop-main to be ready');
    expect(fake.clock.sleep.calls.slice(0, 5)).toEqual([250, 500, 1000, 1250, 1250]);
    expect(fake.clock.sleep.calls.length).toBeGreaterThan(200);
    const waited = fake.clock.sleep.calls.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(299_000);
    expect(waited).toBeLessThanOrEqual(300_000);
  });
});
