/**
 * `invoke-mode: response-stream` on the two front doors that stream: the
 * function URL (InvokeMode RESPONSE_STREAM) and the REST API (integration
 * responseTransferMode STREAM on the response-streaming-invocations URI).
 * Switched both ways on what we made; nothing more asked when unchanged.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { ensureGateway } from '../../../src/resources/front-door/gateway.js';
import type { GatewayInput } from '../../../src/resources/front-door/gateway-types.js';
import type { GatewayKind, InvokeMode } from '../../../src/model/settings.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { gatewayInput, seedStageFunction } from '../../../fakes/aws/stage-fixtures.js';

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

const ALIAS_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-pr-42:live`;
const BUFFERED_URI = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${ALIAS_ARN}/invocations`;
const STREAM_URI = `arn:aws:apigateway:${REGION}:lambda:path/2021-11-15/functions/${ALIAS_ARN}/response-streaming-invocations`;

async function setup(kind: GatewayKind) {
  aws = await startFakeAws();
  const fake = aws;
  seedStageFunction(fake);
  const logger = new RecordingLogger();
  const run = (invokeMode: InvokeMode, overrides: Partial<GatewayInput> = {}) =>
    ensureGateway(kind, fake.clients(), gatewayInput({ invokeMode, ...overrides }), {
      logger,
      sleep: fake.clock.sleep,
      random: () => 1,
    });
  const calls = () => fake.calls.calls.map((c) => c.operation);
  const inputsOf = (operation: string) => fake.calls.of({ operation }).map((c) => c.input);
  const url = () => fake.account.functions.get('shop-pr-42')!.urls.get('live')!;
  return { fake, run, calls, inputsOf, url };
}

describe('function URL invoke mode', () => {
  test('a new URL streams from its creation: no request more than a buffered one', async () => {
    const { run, calls, inputsOf, url } = await setup('function-url');
    await run('response-stream');

    expect(calls()).toEqual([
      'GetFunctionUrlConfig',
      'CreateFunctionUrlConfig',
      'GetPolicy',
      'AddPermission',
      'AddPermission',
    ]);
    expect(inputsOf('CreateFunctionUrlConfig')[0]).toMatchObject({
      AuthType: 'NONE',
      InvokeMode: 'RESPONSE_STREAM',
    });
    expect(url().InvokeMode).toBe('RESPONSE_STREAM');
  });

  test('a buffered URL is switched to RESPONSE_STREAM once, and back to BUFFERED', async () => {
    const { fake, run, calls, inputsOf, url } = await setup('function-url');
    const first = await run('buffered');
    expect(url().InvokeMode).toBe('BUFFERED');
    fake.calls.clear();

    await expect(run('response-stream')).resolves.toEqual({ ...first, changed: true });
    expect(calls()).toEqual(['GetFunctionUrlConfig', 'UpdateFunctionUrlConfig', 'GetPolicy']);
    expect(inputsOf('UpdateFunctionUrlConfig')[0]).toEqual({
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      InvokeMode: 'RESPONSE_STREAM',
    });
    expect(url().InvokeMode).toBe('RESPONSE_STREAM');
    fake.calls.clear();

    // Unchanged: nothing written, no extra read.
    await expect(run('response-stream')).resolves.toEqual({ ...first, changed: false });
    expect(calls()).toEqual(['GetFunctionUrlConfig', 'GetPolicy']);
    fake.calls.clear();

    await run('buffered');
    expect(inputsOf('UpdateFunctionUrlConfig')).toEqual([
      { FunctionName: 'shop-pr-42', Qualifier: 'live', InvokeMode: 'BUFFERED' },
    ]);
    expect(url().InvokeMode).toBe('BUFFERED');
  });

  test('a private URL its owner made is refused, its invoke mode left alone', async () => {
    const { fake, run, calls, url } = await setup('function-url');
    await run('buffered');
    url().AuthType = 'AWS_IAM';
    fake.calls.clear();

    await expect(run('response-stream')).rejects.toThrow(/has auth AWS_IAM/);
    expect(calls()).toEqual(['GetFunctionUrlConfig']);
    expect(url().InvokeMode).toBe('BUFFERED');
  });
});

describe('REST API response transfer mode', () => {
  const integrations = (fake: FakeAws) =>
    [...[...fake.account.restApis.values()][0]!.resources.values()].map(
      (r) => (r.methods.get('ANY') as { methodIntegration: Record<string, unknown> }).methodIntegration,
    );

  test('a new API streams from the start, through InvokeWithResponseStream, with the same requests', async () => {
    const { fake, run, calls, inputsOf } = await setup('rest-api');
    await run('response-stream');

    expect(calls()).toEqual([
      'GetRestApis',
      'CreateRestApi',
      'PutMethod',
      'PutIntegration',
      'CreateResource',
      'PutMethod',
      'PutIntegration',
      'GetPolicy',
      'AddPermission',
      'CreateDeployment',
      'CreateStage',
    ]);
    for (const input of inputsOf('PutIntegration'))
      expect(input).toMatchObject({ type: 'AWS_PROXY', uri: STREAM_URI, responseTransferMode: 'STREAM' });
    expect(integrations(fake)).toEqual([
      expect.objectContaining({ uri: STREAM_URI, responseTransferMode: 'STREAM' }),
      expect.objectContaining({ uri: STREAM_URI, responseTransferMode: 'STREAM' }),
    ]);
    // API Gateway's permission stays lambda:InvokeFunction: InvokeWithResponseStream is authorized by it.
    expect(inputsOf('AddPermission')[0]).toMatchObject({ Action: 'lambda:InvokeFunction' });
  });

  test('a buffered API is switched to STREAM and redeployed once, then back to buffered', async () => {
    const { fake, run, calls, inputsOf } = await setup('rest-api');
    await run('buffered');
    fake.calls.clear();

    await expect(run('response-stream')).resolves.toMatchObject({ changed: true });
    expect(calls().filter((c) => /^(Put|Create|Update|Add)/.test(c))).toEqual([
      'PutIntegration',
      'PutIntegration',
      'CreateDeployment',
    ]);
    expect(integrations(fake)).toEqual([
      expect.objectContaining({ uri: STREAM_URI, responseTransferMode: 'STREAM' }),
      expect.objectContaining({ uri: STREAM_URI, responseTransferMode: 'STREAM' }),
    ]);
    fake.calls.clear();

    await expect(run('response-stream')).resolves.toMatchObject({ changed: false });
    expect(calls().filter((c) => /^(Put|Create|Update|Add)/.test(c))).toEqual([]);
    fake.calls.clear();

    await run('buffered');
    expect(inputsOf('PutIntegration')).toEqual([
      expect.not.objectContaining({ responseTransferMode: expect.anything() }),
      expect.not.objectContaining({ responseTransferMode: expect.anything() }),
    ]);
    expect(integrations(fake)).toEqual([
      expect.objectContaining({ uri: BUFFERED_URI }),
      expect.objectContaining({ uri: BUFFERED_URI }),
    ]);
    expect(calls()).toContain('CreateDeployment');
  });
});
