import { describe, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { ensureGateway } from '../../../src/resources/front-door/gateway.js';
import { type GatewayInput } from '../../../src/resources/front-door/gateway-types.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';
import { FakeAws, gatewayInput, REGION } from '../../gateways/fake-aws.js';

function setup() {
  const fake = new FakeAws();
  const logger = new RecordingLogger();
  const sleep = recordingSleep();
  const run = (input: GatewayInput = gatewayInput()) =>
    ensureGateway('function-url', fake.clients, input, { logger, sleep, random: () => 1 });
  return { fake, logger, sleep, run };
}

const ALIAS_ARN = `arn:aws:lambda:${REGION}:123456789012:function:shop-pr-42:live`;

describe('function-url', () => {
  test('first run creates the URL on the alias with auth NONE and both permissions', async () => {
    const { fake, run } = setup();
    const result = await run();

    expect(fake.calls).toEqual([
      'GetFunctionUrlConfig',
      'CreateFunctionUrlConfig',
      'GetPolicy',
      'AddPermission',
      'AddPermission',
    ]);
    const url = fake.urls.get('shop-pr-42:live')!.FunctionUrl;
    expect(url.endsWith('/')).toBe(true);
    expect(result).toEqual({ kind: 'function-url', url: url.slice(0, -1), changed: true });
    expect(fake.lambdaMock).toHaveReceivedCommandWith(CreateFunctionUrlConfigCommand, {
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      AuthType: 'NONE',
    });
    expect(fake.lambdaMock).toHaveReceivedCommandWith(AddPermissionCommand, {
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      StatementId: 'lambda-deploy-function-url',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
    // Without this second statement a URL created since October 2025 answers 403.
    expect(fake.lambdaMock).toHaveReceivedCommandWith(AddPermissionCommand, {
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      StatementId: 'lambda-deploy-function-url-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
    expect(fake.policies.get('shop-pr-42:live')).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } } }),
      expect.objectContaining({ Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } }),
    ]);
  });

  test('an unchanged rerun reads twice and writes nothing', async () => {
    const { fake, run } = setup();
    const first = await run();
    fake.resetCalls();

    await expect(run()).resolves.toEqual({ ...first, changed: false });
    expect(fake.calls).toEqual(['GetFunctionUrlConfig', 'GetPolicy']);
  });

  test('a URL made before October 2025 (one permission) gets only the missing one', async () => {
    const { fake, run } = setup();
    fake.urls.set('shop-pr-42:live', {
      FunctionUrl: `https://old.lambda-url.${REGION}.on.aws/`,
      AuthType: 'NONE',
    });
    fake.policies.set('shop-pr-42:live', [
      {
        Sid: 'FunctionURLAllowPublicAccess',
        Effect: 'Allow',
        Principal: '*',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: ALIAS_ARN,
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
      },
    ]);

    await expect(run()).resolves.toEqual({
      kind: 'function-url',
      url: `https://old.lambda-url.${REGION}.on.aws`,
      changed: true,
    });
    expect(fake.calls).toEqual(['GetFunctionUrlConfig', 'GetPolicy', 'AddPermission']);
    expect(fake.lambdaMock).toHaveReceivedCommandWith(AddPermissionCommand, { InvokedViaFunctionUrl: true });
  });

  test('auth AWS_IAM is switched to NONE', async () => {
    const { fake, run } = setup();
    await run();
    fake.urls.get('shop-pr-42:live')!.AuthType = 'AWS_IAM';
    fake.resetCalls();

    await expect(run()).resolves.toMatchObject({ changed: true });
    expect(fake.lambdaMock).toHaveReceivedCommandWith(UpdateFunctionUrlConfigCommand, {
      AuthType: 'NONE',
      Qualifier: 'live',
    });
    expect(fake.calls).toEqual(['GetFunctionUrlConfig', 'UpdateFunctionUrlConfig', 'GetPolicy']);
  });

  test('permissions that already exist are not an error', async () => {
    const { fake, run } = setup();
    await run();
    fake.resetCalls();
    fake.blindOnce('GetPolicy');

    await expect(run()).resolves.toMatchObject({ changed: false });
    expect(fake.callsOf('AddPermission')).toHaveLength(2);
    expect(fake.policies.get('shop-pr-42:live')).toHaveLength(2);
  });

  test('a URL created by a parallel run between our read and our create is read back', async () => {
    const { fake, run } = setup();
    fake.urls.set('shop-pr-42:live', {
      FunctionUrl: `https://race.lambda-url.${REGION}.on.aws/`,
      AuthType: 'NONE',
    });
    fake.blindOnce('GetFunctionUrlConfig'); // our first read misses it
    const result = run();
    await expect(result).resolves.toMatchObject({ url: `https://race.lambda-url.${REGION}.on.aws` });
    expect(fake.calls.slice(0, 3)).toEqual([
      'GetFunctionUrlConfig',
      'CreateFunctionUrlConfig',
      'GetFunctionUrlConfig',
    ]);
  });

  test('throttled Lambda calls back off', async () => {
    const { fake, run, sleep } = setup();
    fake.throttle('AddPermission', 2);
    await expect(run()).resolves.toMatchObject({ changed: true });
    expect(sleep.calls).toEqual([2000, 4000]);
    expect(fake.policies.get('shop-pr-42:live')).toHaveLength(2);
  });

  test('an update in progress on the function is waited out', async () => {
    const { fake, run, sleep } = setup();
    const { ResourceConflictException } = await import('@aws-sdk/client-lambda');
    fake.lambdaMock
      .on(CreateFunctionUrlConfigCommand)
      .rejectsOnce(
        new ResourceConflictException({
          message:
            'The operation cannot be performed at this time. An update is in progress for resource: shop-pr-42',
          $metadata: {},
        }),
      )
      .resolves({ FunctionUrl: `https://late.lambda-url.${REGION}.on.aws/`, AuthType: 'NONE' });
    await expect(run()).resolves.toMatchObject({ url: `https://late.lambda-url.${REGION}.on.aws` });
    expect(sleep.calls).toEqual([2000]);
  });
});
