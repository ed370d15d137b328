import { describe, expect, test } from '@jest/globals';
import { ensureGateway } from '../../src/gateways/gateway.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { FakeAws, gatewayInput, stageContext } from './fake-aws.js';

describe('ensureGateway', () => {
  test('none: no front door, no AWS call', async () => {
    const fake = new FakeAws();
    const logger = new RecordingLogger();
    await expect(ensureGateway('none', fake.clients, gatewayInput(), { logger })).resolves.toEqual({
      kind: 'none',
      url: '',
      changed: false,
    });
    expect(fake.calls).toEqual([]);
    expect(logger.text('info')).toContain('no front door');
  });

  test.each(['http-api', 'function-url', 'none'] as const)(
    'api-key with %s is refused before any call',
    async (kind) => {
      const fake = new FakeAws();
      await expect(
        ensureGateway(kind, fake.clients, gatewayInput({ apiKey: true }), { logger: new RecordingLogger() }),
      ).rejects.toThrow('api-key: needs gateway: rest-api');
      expect(fake.calls).toEqual([]);
    },
  );

  test('an unqualified function ARN is refused: the gateway must invoke the alias, never $LATEST', async () => {
    const fake = new FakeAws();
    const input = gatewayInput({ aliasArn: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-pr-42' });
    for (const kind of ['http-api', 'rest-api', 'function-url'] as const) {
      await expect(
        ensureGateway(kind, fake.clients, input, { logger: new RecordingLogger(), sleep: recordingSleep() }),
      ).rejects.toThrow(/expected an alias ARN/);
    }
    expect(fake.calls.filter((c) => c.startsWith('Create'))).toEqual([]);
  });

  test('two stages get two front doors', async () => {
    const fake = new FakeAws();
    const deps = { logger: new RecordingLogger(), sleep: recordingSleep() };
    const a = await ensureGateway('http-api', fake.clients, gatewayInput(), deps);
    const b = await ensureGateway('http-api', fake.clients, gatewayInput({}, stageContext('main')), deps);
    expect(a.apiId).not.toBe(b.apiId);
    expect(fake.httpApis.size).toBe(2);
  });
});
