import { afterEach, describe, expect, test } from '@jest/globals';
import { ensureGateway } from '../../../src/resources/front-door/gateway.js';
import { type GatewayInput } from '../../../src/resources/front-door/gateway-types.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { gatewayInput, seedStageFunction } from '../../../fakes/aws/stage-fixtures.js';

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS with the stage's function (alias live) deployed. */
async function setup(options: { deployed?: boolean } = {}) {
  aws = await startFakeAws();
  const fake = aws;
  if (options.deployed !== false) seedStageFunction(fake);
  const logger = new RecordingLogger();
  const run = (input: GatewayInput = gatewayInput()) =>
    ensureGateway('function-url', fake.clients(), input, {
      logger,
      sleep: fake.clock.sleep,
      random: () => 1,
    });
  /** Every call, in order, as operation names. */
  const calls = () => fake.calls.calls.map((c) => c.operation);
  const inputsOf = (operation: string) => fake.calls.of({ operation }).map((c) => c.input);
  const fn = () => fake.account.functions.get('shop-pr-42')!;
  const statements = () => fn().policies.get('live')?.statements ?? [];
  return { fake, logger, run, calls, inputsOf, fn, statements };
}

const ALIAS_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-pr-42:live`;

/** A URL config as Lambda keeps it, made earlier (by an older deploy, or by a parallel run). */
function urlConfig(url: string, authType = 'NONE') {
  const at = new Date().toISOString();
  return {
    FunctionUrl: url,
    FunctionArn: ALIAS_ARN,
    AuthType: authType,
    InvokeMode: 'BUFFERED',
    CreationTime: at,
    LastModifiedTime: at,
  };
}

describe('function-url', () => {
  test('first run creates the URL on the alias with auth NONE and both permissions', async () => {
    const { run, calls, inputsOf, fn, statements } = await setup();
    const result = await run();

    expect(calls()).toEqual([
      'GetFunctionUrlConfig',
      'CreateFunctionUrlConfig',
      'GetPolicy',
      'AddPermission',
      'AddPermission',
    ]);
    const url = fn().urls.get('live')!.FunctionUrl;
    expect(url).toMatch(new RegExp(`^https://[a-z0-9]+\\.lambda-url\\.${REGION}\\.on\\.aws/$`));
    expect(result).toEqual({ kind: 'function-url', url: url.slice(0, -1), changed: true });
    expect(inputsOf('CreateFunctionUrlConfig')[0]).toMatchObject({
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      AuthType: 'NONE',
    });
    expect(inputsOf('AddPermission')[0]).toMatchObject({
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      StatementId: 'lambda-deploy-function-url',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
    // Without this second statement a URL created since October 2025 answers 403.
    expect(inputsOf('AddPermission')[1]).toMatchObject({
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      StatementId: 'lambda-deploy-function-url-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
    expect(statements()).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } } }),
      expect.objectContaining({ Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } }),
    ]);
  });

  test('an unchanged rerun reads twice and writes nothing', async () => {
    const { fake, run, calls } = await setup();
    const first = await run();
    fake.calls.clear();

    await expect(run()).resolves.toEqual({ ...first, changed: false });
    expect(calls()).toEqual(['GetFunctionUrlConfig', 'GetPolicy']);
  });

  test('a URL made before October 2025 (one permission) gets only the missing one', async () => {
    const { run, calls, inputsOf, fn } = await setup();
    fn().urls.set('live', urlConfig(`https://old.lambda-url.${REGION}.on.aws/`));
    fn().policies.set('live', {
      revisionId: 'r1',
      statements: [
        {
          Sid: 'FunctionURLAllowPublicAccess',
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunctionUrl',
          Resource: ALIAS_ARN,
          Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
        },
      ],
    });

    await expect(run()).resolves.toEqual({
      kind: 'function-url',
      url: `https://old.lambda-url.${REGION}.on.aws`,
      changed: true,
    });
    expect(calls()).toEqual(['GetFunctionUrlConfig', 'GetPolicy', 'AddPermission']);
    expect(inputsOf('AddPermission')[0]).toMatchObject({ InvokedViaFunctionUrl: true });
  });

  test('auth AWS_IAM set by the owner is refused, never made public: no write, the URL stays private', async () => {
    const { fake, run, calls, fn, statements } = await setup();
    await run();
    fn().urls.get('live')!.AuthType = 'AWS_IAM';
    fake.calls.clear();

    await expect(run()).rejects.toThrow(
      `gateway: function-url: the function URL of ${ALIAS_ARN} has auth AWS_IAM (callers must sign their requests), ` +
        'set outside lambda-deploy; the deploy serves a public URL (auth NONE) and does not make a private one public. ' +
        'To make it public on purpose: aws lambda update-function-url-config --function-name shop-pr-42 --qualifier live --auth-type NONE, then deploy again. ' +
        'To keep it private, deploy this stage with another gateway: the URL then stays as it is (only the public statements lambda-deploy added are removed).',
    );
    expect(calls()).toEqual(['GetFunctionUrlConfig']);
    expect(fn().urls.get('live')!.AuthType).toBe('AWS_IAM');
    expect(statements()).toHaveLength(2);
  });

  test('permissions that already exist are not an error (409 ResourceConflictException)', async () => {
    const { fake, run, statements } = await setup();
    await run();
    fake.calls.clear();
    // The read says "no policy"; both writes then meet the statements that are there.
    fake.faults.fail('GetPolicy', 'ResourceNotFoundException');

    await expect(run()).resolves.toMatchObject({ changed: false });
    expect(fake.calls.of({ operation: 'AddPermission' }).map((c) => [c.status, c.error])).toEqual([
      [409, 'ResourceConflictException'],
      [409, 'ResourceConflictException'],
    ]);
    expect(statements()).toHaveLength(2);
  });

  test('a URL created by a parallel run between our read and our create is read back', async () => {
    const { fake, run, calls } = await setup();
    fake.account.functions
      .get('shop-pr-42')!
      .urls.set('live', urlConfig(`https://race.lambda-url.${REGION}.on.aws/`));
    fake.faults.fail('GetFunctionUrlConfig', 'ResourceNotFoundException'); // our first read misses it
    await expect(run()).resolves.toMatchObject({ url: `https://race.lambda-url.${REGION}.on.aws` });
    expect(calls().slice(0, 3)).toEqual([
      'GetFunctionUrlConfig',
      'CreateFunctionUrlConfig',
      'GetFunctionUrlConfig',
    ]);
    expect(fake.calls.of({ operation: 'CreateFunctionUrlConfig' })[0]).toMatchObject({
      status: 409,
      error: 'ResourceConflictException',
    });
  });

  test('throttled Lambda calls (429) back off', async () => {
    const { fake, run, statements } = await setup();
    fake.faults.throttle('AddPermission', 2);
    await expect(run()).resolves.toMatchObject({ changed: true });
    expect(fake.clock.sleep.calls).toEqual([2000, 4000]);
    expect(fake.calls.of({ operation: 'AddPermission' }).map((c) => c.status)).toEqual([429, 429, 201, 201]);
    expect(statements()).toHaveLength(2);
  });

  test('an update in progress on the function (409) is waited out', async () => {
    const { fake, run, fn } = await setup();
    fake.faults.fail('CreateFunctionUrlConfig', 'ResourceConflictException', {
      message:
        'The operation cannot be performed at this time. An update is in progress for resource: shop-pr-42',
    });
    const result = await run();
    expect(result).toMatchObject({ url: fn().urls.get('live')!.FunctionUrl.slice(0, -1) });
    expect(fake.calls.of({ operation: 'CreateFunctionUrlConfig' }).map((c) => c.status)).toEqual([409, 201]);
    expect(fake.clock.sleep.calls).toEqual([2000]);
  });

  test('a stage whose function does not exist: Lambda answers 404 and nothing is created', async () => {
    const { fake, run } = await setup({ deployed: false });
    await expect(run()).rejects.toThrow(
      /Could not create the function URL of .*shop-pr-42:live .*ResourceNotFoundException: Function not found/,
    );
    expect(fake.calls.calls.map((c) => [c.operation, c.status, c.error])).toEqual([
      ['GetFunctionUrlConfig', 404, 'ResourceNotFoundException'],
      ['CreateFunctionUrlConfig', 404, 'ResourceNotFoundException'],
    ]);
    expect(fake.account.functions.size).toBe(0);
  });
});
