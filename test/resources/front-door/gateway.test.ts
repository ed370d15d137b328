import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { ensureGateway } from '../../../src/resources/front-door/gateway.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { gatewayInput, seedStageFunction, stageContext } from '../../../fakes/aws/stage-fixtures.js';

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
});
afterEach(() => aws.close());

describe('ensureGateway', () => {
  test('none: no front door, no AWS call', async () => {
    const logger = new RecordingLogger();
    await expect(ensureGateway('none', aws.clients(), gatewayInput(), { logger })).resolves.toEqual({
      kind: 'none',
      url: '',
      changed: false,
    });
    expect(aws.calls.calls).toEqual([]);
    expect(logger.text('info')).toContain('no front door');
  });

  test.each(['http-api', 'function-url', 'none'] as const)(
    'api-key with %s is refused before any call',
    async (kind) => {
      await expect(
        ensureGateway(kind, aws.clients(), gatewayInput({ apiKey: true }), { logger: new RecordingLogger() }),
      ).rejects.toThrow('api-key: needs gateway: rest-api');
      expect(aws.calls.calls).toEqual([]);
    },
  );

  test('an unqualified function ARN is refused: the gateway must invoke the alias, never $LATEST', async () => {
    const input = gatewayInput({ aliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:shop-pr-42' });
    for (const kind of ['http-api', 'rest-api', 'function-url'] as const) {
      await expect(
        ensureGateway(kind, aws.clients(), input, { logger: new RecordingLogger(), sleep: aws.clock.sleep }),
      ).rejects.toThrow(/expected an alias ARN/);
    }
    expect(aws.calls.writes()).toEqual([]);
  });

  test('two stages get two front doors', async () => {
    seedStageFunction(aws);
    seedStageFunction(aws, stageContext('main'));
    const deps = { logger: new RecordingLogger(), sleep: aws.clock.sleep };
    const a = await ensureGateway('http-api', aws.clients(), gatewayInput(), deps);
    const b = await ensureGateway('http-api', aws.clients(), gatewayInput({}, stageContext('main')), deps);
    expect(a.apiId).not.toBe(b.apiId);
    expect(aws.account.httpApis.size).toBe(2);
  });
});
