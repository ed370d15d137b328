/** deployFunction and its helpers (src/resources/function/function-alias.ts): the `live` alias: pointing it, weights a preview left, and races with other runs. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { deployFunction } from '../../../src/resources/function/lambda-function.js';
import { readStageFunction } from '../../../src/resources/function/stage-function-read.js';
import { pointAlias } from '../../../src/resources/function/function-alias.js';
import type { FakeAws } from '../../../fakes/aws/index.js';
import { depsFor } from '../../fake-aws/helpers.js';
import { account, ARN, aws, input, zipA, zipB, zipC } from './function-fixtures.js';

afterEach(() => aws?.close());

describe('deployFunction on the awkward paths Lambda has', () => {
  it('pointAlias moves live and leaves no fingerprint, so the next deploy re-checks', async () => {
    const { fake, lambda, fn, inputsOf } = await account();
    fake.seed.function('shop-main', { versions: 3, alias: 'live' });
    fn().aliases.get('live')!.FunctionVersion = '1';
    expect(await pointAlias(lambda, 'shop-main', '3', depsFor(fake))).toBe(`${ARN}:live`);
    expect(inputsOf('UpdateAlias')[0]).toMatchObject({
      FunctionName: 'shop-main',
      Name: 'live',
      FunctionVersion: '3',
      Description: 'lambda-deploy pointed',
    });
    expect(fn().aliases.get('live')).toMatchObject({
      FunctionVersion: '3',
      Description: 'lambda-deploy pointed',
    });
  });
});

describe('deployFunction against the stateful fake', () => {
  describe('weights a pull request left on live (a stage deployed as a preview, then protected)', () => {
    /** The preview's credentials publish their own code as a version and send part of live's traffic to it. */
    async function plantWeight(lambda: Awaited<ReturnType<typeof account>>['lambda'], fake: FakeAws) {
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'b', S3Key: zipC.key }),
      );
      fake.clock.advance(5_000);
      const planted = await lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' }));
      fake.clock.advance(5_000);
      await lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'shop-main',
          Name: 'live',
          RoutingConfig: { AdditionalVersionWeights: { [planted.Version!]: 0.25 } },
        }),
      );
      return planted.Version!;
    }

    it('a deploy that moves live takes the weights off: all traffic to the version it published', async () => {
      const { fake, lambda, fn, inputsOf } = await account();
      fake.seed.object('b', zipC.key, zipC.bytes);
      await deployFunction(lambda, input(zipA), depsFor(fake));
      const planted = await plantWeight(lambda, fake);
      expect(fn().aliases.get('live')?.RoutingConfig).toEqual({
        AdditionalVersionWeights: { [planted]: 0.25 },
      });

      const result = await deployFunction(lambda, input(zipB), depsFor(fake));

      expect(fn().aliases.get('live')).toMatchObject({ FunctionVersion: result.version });
      expect(fn().aliases.get('live')?.RoutingConfig).toBeUndefined();
      expect(inputsOf('UpdateAlias').at(-1)).toMatchObject({
        RoutingConfig: { AdditionalVersionWeights: {} },
      });
    });

    it('an otherwise unchanged redeploy does not take live as serving $LATEST while part of its traffic goes elsewhere', async () => {
      const { fake, lambda, fn } = await account();
      fake.seed.object('b', zipC.key, zipC.bytes);
      await deployFunction(lambda, input(zipA), depsFor(fake));
      await plantWeight(lambda, fake);
      // $LATEST back to the workflow's code: live's description still holds its fingerprint.
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'shop-main', S3Bucket: 'b', S3Key: zipA.key }),
      );
      fake.clock.advance(5_000);

      const result = await deployFunction(lambda, input(zipA), depsFor(fake));

      expect(result).toMatchObject({ changed: true, previousVersion: '1' });
      expect(fn().aliases.get('live')?.FunctionVersion).toBe(result.version);
      expect(fn().versions.get(result.version)?.config.CodeSha256).toBe(zipA.codeSha256);
      expect(fn().aliases.get('live')?.RoutingConfig).toBeUndefined();
    });
  });

  it('UpdateAlias carries the RevisionId it read: a run that lost the race does not undo the newer deploy', async () => {
    const { fake, lambda, fn, inputsOf } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    const deps = depsFor(fake);
    // This run reads the stage, then another run publishes version 2 and points live at it.
    const known = await readStageFunction(lambda, input(zipB), deps);
    const read = known.alias!.RevisionId;
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-main', MemorySize: 999 }));
    fake.clock.advance(1_000);
    await lambda.send(new PublishVersionCommand({ FunctionName: 'shop-main' }));
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: 'shop-main', Name: 'live', FunctionVersion: '2' }),
    );
    fake.calls.clear();

    await expect(deployFunction(lambda, input(zipB), deps, known)).rejects.toThrow(
      /Alias live of function shop-main was changed by another run while this one deployed, so this run does not point it at version 3/,
    );
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('2');
    expect(inputsOf('UpdateAlias')).toEqual([
      expect.objectContaining({ RevisionId: read, FunctionVersion: '3' }),
    ]);
    expect(fake.calls.of({ operation: 'UpdateAlias' })[0]).toMatchObject({
      status: 412,
      error: 'PreconditionFailedException',
    });
  });

  it("a CreateAlias answered with a 5xx after it took effect: the SDK's retry meets the alias this run made, and the deploy goes on", async () => {
    const { fake, fn } = await account();
    // The action's clients: the SDK retries a 5xx itself.
    const lambda = fake.clients({ maxAttempts: 3 }).lambda;
    fake.faults.failAfter('CreateAlias');
    const result = await deployFunction(lambda, input(zipA), depsFor(fake));
    expect(result.aliasArn).toBe(`${ARN}:live`);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    expect(fake.calls.of({ operation: 'CreateAlias' }).map((c) => c.status)).toEqual([500, 409]);
  });

  it("an UpdateAlias answered with a 5xx after it took effect: the SDK's retry (with the old revision) is refused, and the alias this run set is taken as made", async () => {
    const { fake, fn } = await account();
    const lambda = fake.clients({ maxAttempts: 3 }).lambda;
    await deployFunction(lambda, input(zipA), depsFor(fake));
    fake.faults.failAfter('UpdateAlias');
    fake.calls.clear();
    const result = await deployFunction(lambda, input(zipB), depsFor(fake));
    expect(result.aliasArn).toBe(`${ARN}:live`);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('2');
    expect(fake.calls.of({ operation: 'UpdateAlias' }).map((c) => c.status)).toEqual([500, 412]);
  });

  it('a CreateAlias conflict with an alias this run did not make is another run: refused', async () => {
    const { fake, lambda, fn } = await account();
    fake.faults.fail('CreateAlias', 'ResourceConflictException');
    await expect(deployFunction(lambda, input(zipA), depsFor(fake))).rejects.toThrow(
      /Alias live of function shop-main was changed by another run while this one deployed/,
    );
    expect(fn().aliases.has('live')).toBe(false);
  });
});
