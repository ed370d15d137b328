import { afterEach, describe, expect, it } from '@jest/globals';
import { CreateRestApiCommand, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { CreateApiCommand, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { CREATE_NOT_RETRIED, createOnce } from '../../src/aws/create-once.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The fake with the action's clients: the SDK retries up to 3 attempts, the guard installed. */
async function start() {
  aws = await startFakeAws();
  return { fake: aws, clients: aws.clients({ maxAttempts: 3 }) };
}

describe('non-unique creates', () => {
  it('are not sent a second time by the SDK after a failure that may have taken effect', async () => {
    const { fake, clients } = await start();
    fake.faults.failAfter('CreateApi').failAfter('CreateRestApi', { reset: true });
    // The refusal names the failure that the SDK would have retried.
    await expect(
      clients.apiGatewayV2.send(new CreateApiCommand({ Name: 'a', ProtocolType: 'HTTP' })),
    ).rejects.toMatchObject({
      name: CREATE_NOT_RETRIED,
      message: expect.stringMatching(
        /^CreateApi failed \(InternalServerError.*\), and may have taken effect/,
      ),
    });
    await expect(clients.apiGateway.send(new CreateRestApiCommand({ name: 'a' }))).rejects.toMatchObject({
      name: CREATE_NOT_RETRIED,
    });
    expect(fake.calls.calls.map((c) => c.operation)).toEqual(['CreateApi', 'CreateRestApi']);
    expect(fake.account.httpApis.size + fake.account.restApis.size).toBe(2);
  });

  it('leaves the SDK retrying every other call', async () => {
    const { fake, clients } = await start();
    fake.faults.throttle('GetApis', 1).throttle('GetRestApis', 1);
    await clients.apiGatewayV2.send(new GetApisCommand({}));
    await clients.apiGateway.send(new GetRestApisCommand({}));
    expect(fake.calls.calls.map((c) => c.operation)).toEqual([
      'GetApis',
      'GetApis',
      'GetRestApis',
      'GetRestApis',
    ]);
  });

  it('retries through a finder: what the failed attempt made is returned, not made again', async () => {
    const { fake, clients } = await start();
    fake.faults.failAfter('CreateApi');
    const logger = new RecordingLogger();
    const find = async () =>
      (await clients.apiGatewayV2.send(new GetApisCommand({}))).Items?.find((a) => a.Name === 'shop');
    const api = await createOnce<{ ApiId?: string }>(
      { logger, sleep: fake.clock.sleep, random: () => 1 },
      { what: 'create the HTTP API' },
      find,
      () => clients.apiGatewayV2.send(new CreateApiCommand({ Name: 'shop', ProtocolType: 'HTTP' })),
    );
    expect(fake.account.httpApis.size).toBe(1);
    expect(api?.ApiId).toBe([...fake.account.httpApis.keys()][0]);
    expect(fake.calls.calls.map((c) => c.operation)).toEqual(['CreateApi', 'GetApis']);
  });

  it('a create refused for its signing time (the runner’s clock 20 minutes off) is made once: the guard stops the SDK’s retry, the finder looks with the corrected clock', async () => {
    const { fake, clients } = await start();
    fake.serverClock.offsetMs = 20 * 60_000;
    const find = async () =>
      (await clients.apiGatewayV2.send(new GetApisCommand({}))).Items?.find((a) => a.Name === 'shop');
    const api = await createOnce<{ ApiId?: string }>(
      { logger: new RecordingLogger(), sleep: fake.clock.sleep, random: () => 1 },
      { what: 'create the HTTP API' },
      find,
      () => clients.apiGatewayV2.send(new CreateApiCommand({ Name: 'shop', ProtocolType: 'HTTP' })),
    );
    expect(api?.ApiId).toBe([...fake.account.httpApis.keys()][0]);
    expect(fake.account.httpApis.size).toBe(1);
    expect(fake.calls.calls.map((c) => [c.status, c.error ?? c.operation])).toEqual([
      [403, 'InvalidSignatureException'],
      [200, 'GetApis'],
      [201, 'CreateApi'],
    ]);
  });
});
