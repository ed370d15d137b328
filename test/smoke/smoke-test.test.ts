import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { invokeSmokeTest, runSmokeTest, type SmokeInput } from '../../src/smoke/smoke-test.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A target on 127.0.0.1 that answers through `handler`; `requests` counts and keeps what came in. */
async function target(handler: Handler, port = 0): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function answer(status: number, body = ''): (res: ServerResponse) => void {
  return (res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  };
}

/** A clock that moves only when the code sleeps: the timeout budget is spent in milliseconds. */
function fakeTime() {
  let t = 1_000_000;
  const sleep = recordingSleep();
  const advancing = Object.assign(
    async (ms: number) => {
      t += ms;
      await sleep(ms);
    },
    { calls: sleep.calls },
  );
  return { now: () => t, sleep: advancing };
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = await target(() => undefined);
  await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
  return Number(new URL(probe.url).port);
}

const input = (url: string, extra: Partial<SmokeInput> = {}): SmokeInput => ({
  url,
  path: '/',
  expectStatus: [[200, 399]],
  timeoutSeconds: 60,
  ...extra,
});

describe('runSmokeTest', () => {
  it('passes after two 503s, with the backoff delays recorded', async () => {
    const t = await target((_req, res, n) =>
      answer(n <= 2 ? 503 : 200, n <= 2 ? 'warming up' : 'hello')(res),
    );
    const time = fakeTime();
    const logger = new RecordingLogger();
    const result = await runSmokeTest(input(t.url), { logger, ...time, random: () => 1 });
    expect(result).toMatchObject({
      status: 'passed',
      attempts: 3,
      lastStatus: 200,
      bodyExcerpt: 'hello',
      target: `${t.url}/`,
    });
    expect(time.sleep.calls).toEqual([1000, 2000]);
    expect(result.durationMs).toBe(3000);
    expect(result.detail).toContain('after 3 attempts');
    expect(logger.text('info')).toContain('Smoke test attempt 1: GET');
    expect(logger.text('info')).toContain('answered 503, expected 200-399; trying again in 1.0 s');
  });

  it('fails when 500 lasts the whole smoke-timeout, within the budget', async () => {
    const t = await target((_req, res) => answer(500, 'Internal Server Error')(res));
    const time = fakeTime();
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 30 }), {
      logger: new RecordingLogger(),
      ...time,
      random: () => 1,
    });
    expect(result.status).toBe('failed');
    // 1 + 2 + 4 + 8 + 8 = 23 s waited; another 8 s would pass the 30 s budget.
    expect(time.sleep.calls).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(result.attempts).toBe(6);
    expect(t.requests).toHaveLength(6);
    expect(result.lastStatus).toBe(500);
    expect(result.bodyExcerpt).toBe('Internal Server Error');
    expect(result.detail).toMatch(
      /answered 500, expected 200-399 after 6 attempts within smoke-timeout 30 s/,
    );
  });

  it('stops at the deadline even when requests themselves take the time', async () => {
    const t = await target((_req, res) => answer(503)(res));
    let clock = 0;
    // Every request "takes" 20 s on this clock; the sleeps add nothing.
    const now = () => clock;
    const sleep = recordingSleep();
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 60 }), {
      logger: new RecordingLogger(),
      sleep,
      now,
      random: () => 1,
      fetch: async (url, init) => {
        clock += 20_000;
        return fetch(url, init);
      },
    });
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(3);
  });

  it('fails after ONE attempt when the body lacks smoke-contains', async () => {
    const t = await target((_req, res) => answer(200, '<h1>Welcome to nginx</h1>')(res));
    const time = fakeTime();
    const result = await runSmokeTest(input(t.url, { contains: '"status":"ok"' }), {
      logger: new RecordingLogger(),
      ...time,
    });
    expect(result).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatus: 200,
      bodyExcerpt: '<h1>Welcome to nginx</h1>',
    });
    expect(result.detail).toContain('does not contain "\\"status\\":\\"ok\\""');
    expect(time.sleep.calls).toEqual([]);
  });

  it('fails at once on 404', async () => {
    const t = await target((_req, res) => answer(404, '{"message":"Not Found"}')(res));
    const time = fakeTime();
    const result = await runSmokeTest(input(t.url, { path: '/missing' }), {
      logger: new RecordingLogger(),
      ...time,
    });
    expect(result).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 404 });
    expect(result.detail).toBe(`GET ${t.url}/missing answered 404, expected 200-399.`);
    expect(time.sleep.calls).toEqual([]);
  });

  it('does not follow a redirect: a 302 is the answer', async () => {
    const t = await target((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      res.end();
    });
    const result = await runSmokeTest(input(t.url), { logger: new RecordingLogger(), ...fakeTime() });
    expect(result).toMatchObject({ status: 'passed', lastStatus: 302, attempts: 1 });
  });

  it('retries a refused connection until the server is up', async () => {
    // A free port, left closed until the first retry.
    const port = await closedPort();
    let started: Promise<{ url: string; requests: IncomingMessage[] }> | undefined;
    const sleep = recordingSleep();
    const result = await runSmokeTest(input(`http://127.0.0.1:${port}`), {
      logger: new RecordingLogger(),
      random: () => 1,
      sleep: async (ms) => {
        await sleep(ms);
        started ??= target((_req, res) => answer(200, 'up')(res), port);
        await started;
      },
    });
    expect(result).toMatchObject({ status: 'passed', attempts: 2, bodyExcerpt: 'up' });
    expect(sleep.calls).toEqual([1000]);
  });

  it('retries while the DNS name does not resolve yet', async () => {
    const t = await target((_req, res) => answer(200, 'ok')(res));
    let calls = 0;
    const dnsNotYet = Object.assign(new Error('getaddrinfo ENOTFOUND abc.execute-api.invalid'), {
      code: 'ENOTFOUND',
    });
    const result = await runSmokeTest(input(t.url), {
      logger: new RecordingLogger(),
      ...fakeTime(),
      random: () => 1,
      fetch: async (url, init) => {
        if (++calls <= 2) throw new TypeError('fetch failed', { cause: dnsNotYet });
        return fetch(url, init);
      },
    });
    expect(result).toMatchObject({ status: 'passed', attempts: 3 });
  });

  it('fails with the connection error when nothing ever answers', async () => {
    const result = await runSmokeTest(
      input(`http://127.0.0.1:${await closedPort()}`, { timeoutSeconds: 5 }),
      { logger: new RecordingLogger(), ...fakeTime(), random: () => 1 },
    );
    expect(result.status).toBe('failed');
    expect(result.lastStatus).toBeUndefined();
    expect(result.detail).toContain('ECONNREFUSED');
    expect(result.attempts).toBe(3);
  });

  it('gives up on a hanging request after its own timeout', async () => {
    const t = await target(() => undefined);
    const time = fakeTime();
    const started = Date.now();
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 1 }), {
      logger: new RecordingLogger(),
      ...time,
    });
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('sends the API key as x-api-key and never shows it', async () => {
    const key = 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK';
    const t = await target((req, res) => answer(200, `you sent ${String(req.headers['x-api-key'])}`)(res));
    const logger = new RecordingLogger();
    const result = await runSmokeTest(input(t.url, { apiKey: key }), { logger, ...fakeTime() });
    expect(t.requests[0]?.headers['x-api-key']).toBe(key);
    expect(result.bodyExcerpt).toBe('you sent ***');
    expect(JSON.stringify(result)).not.toContain(key);
    expect(logger.secrets).toContain(key);
    expect(logger.text()).not.toContain(key);
  });

  it('keeps the REST API stage path of the url', async () => {
    const t = await target((req, res) => answer(req.url === '/pr-12/health?deep=1' ? 200 : 404)(res));
    const result = await runSmokeTest(input(`${t.url}/pr-12/`, { path: '/health?deep=1' }), {
      logger: new RecordingLogger(),
      ...fakeTime(),
    });
    expect(t.requests[0]?.url).toBe('/pr-12/health?deep=1');
    expect(result.status).toBe('passed');
  });

  it('bounds the body it keeps', async () => {
    const t = await target((_req, res) => answer(200, 'x'.repeat(50_000))(res));
    const result = await runSmokeTest(input(t.url), { logger: new RecordingLogger(), ...fakeTime() });
    expect(result.bodyExcerpt?.length).toBeLessThan(1100);
  });
});

describe('invokeSmokeTest', () => {
  const lambdaMock = mockClient(LambdaClient);
  afterEach(() => {
    lambdaMock.reset();
  });
  const lambda = new LambdaClient({ region: 'us-east-1' });
  const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

  it('invokes live with an HTTP API GET / event and passes on 200', async () => {
    lambdaMock
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: payload({ statusCode: 200, body: 'hi' }) });
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result).toMatchObject({
      status: 'passed',
      target: 'invoke shop-pr-1:live',
      lastStatus: 200,
      bodyExcerpt: 'hi',
      attempts: 1,
    });
    expect(lambdaMock).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: 'shop-pr-1',
      Qualifier: 'live',
      InvocationType: 'RequestResponse',
    });
    const sent = JSON.parse(
      Buffer.from(lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString(),
    ) as {
      version: string;
      rawPath: string;
      requestContext: { http: { method: string } };
    };
    expect(sent).toMatchObject({ version: '2.0', rawPath: '/', requestContext: { http: { method: 'GET' } } });
  });

  it('fails on a FunctionError, showing the error', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({
        errorType: 'Runtime.ImportModuleError',
        errorMessage: "Unable to import module 'app': No module named 'flask'",
      }),
    });
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result.status).toBe('failed');
    expect(result.detail).toContain("Runtime.ImportModuleError: Unable to import module 'app'");
    expect(result.bodyExcerpt).toContain('No module named');
  });

  it('fails on statusCode >= 500 in the payload', async () => {
    lambdaMock
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: payload({ statusCode: 502, body: 'bad gateway' }) });
    const result = await invokeSmokeTest(lambda, 'fn', {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result).toMatchObject({ status: 'failed', lastStatus: 502, bodyExcerpt: 'bad gateway' });
  });

  it('passes a plain function that returns any JSON', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true }) });
    const result = await invokeSmokeTest(lambda, 'fn', {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result).toMatchObject({ status: 'passed', lastStatus: undefined });
  });

  it('waits out a ResourceConflictException right after the alias moved', async () => {
    const conflict = Object.assign(
      new Error('The operation cannot be performed at this time. An update is in progress'),
      {
        name: 'ResourceConflictException',
        $metadata: { httpStatusCode: 409 },
      },
    );
    lambdaMock
      .on(InvokeCommand)
      .rejectsOnce(conflict)
      .resolves({ StatusCode: 200, Payload: payload({ statusCode: 200, body: 'ok' }) });
    const sleep = recordingSleep();
    const result = await invokeSmokeTest(lambda, 'fn', {
      logger: new RecordingLogger(),
      sleep,
      random: () => 1,
    });
    expect(result).toMatchObject({ status: 'passed', attempts: 2 });
    expect(sleep.calls).toEqual([1000]);
  });

  it('fails (without throwing) when invoking is not allowed, naming the permission', async () => {
    lambdaMock.on(InvokeCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const result = await invokeSmokeTest(lambda, 'fn', {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('lambda:InvokeFunction');
  });
});
