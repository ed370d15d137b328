import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invokeSmokeTest, runSmokeTest, type SmokeInput } from '../../src/smoke/smoke-test.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import type { InvokeHandler } from '../../fakes/aws/service.js';

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

  it('a redirect passes the default smoke-status (200-399, as documented) but says where it leads and how to refuse it', async () => {
    const t = await target((_req, res) => {
      res.writeHead(302, { location: 'https://login.example.invalid/?next=%2F' });
      res.end();
    });
    const logger = new RecordingLogger();
    const result = await runSmokeTest(input(t.url), { logger, ...fakeTime() });
    expect(result).toMatchObject({ status: 'passed', lastStatus: 302 });
    expect(result.detail).toMatch(
      /answered 302 \(expected 200-399\) after 1 attempt in .*\. It was a redirect to https:\/\/login\.example\.invalid\/\?next=%2F: set smoke-status: 200-299 to require the page itself\.$/,
    );
    const strict = await runSmokeTest(input(t.url, { expectStatus: [[200, 299]] }), {
      logger,
      ...fakeTime(),
    });
    expect(strict).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 302 });
    expect(strict.detail).toContain('answered 302, expected 200-299');
  });

  it("API Gateway's 429 (the stage's throttle, shared with its traffic) is tried again, not a failed deploy", async () => {
    const t = await target((_req, res, n) => {
      if (n > 2) return answer(200, 'hello')(res);
      res.writeHead(429, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'TooManyRequestsException',
      });
      res.end('{"message":"Too Many Requests"}');
    });
    const time = fakeTime();
    const logger = new RecordingLogger();
    const result = await runSmokeTest(input(t.url), { logger, ...time, random: () => 1 });
    expect(result).toMatchObject({ status: 'passed', attempts: 3, lastStatus: 200 });
    expect(logger.text('info')).toContain('answered 429, expected 200-399 (throttled:');
  });

  it('fails when 500 lasts the whole smoke-timeout, within the budget', async () => {
    const t = await target((_req, res) => answer(500, 'Internal Server Error')(res));
    const time = fakeTime();
    const logger = new RecordingLogger();
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 30 }), {
      logger,
      ...time,
      random: () => 1,
    });
    expect(result.status).toBe('failed');
    // The log counts as the error does: each of the 7 attempts has its line, the last says time is up.
    const lines = logger.text('info').split('\n');
    expect(lines.filter((l) => /^Smoke test attempt \d+: /.test(l)).map((l) => /\d+/.exec(l)?.[0])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ]);
    expect(lines.find((l) => l.startsWith('Smoke test attempt 7:'))).toMatch(
      /answered 500, expected 200-399; no time left \(smoke-timeout 30 s\)\.$/,
    );
    // 1 + 2 + 4 + 8 + 8 = 23 s waited; the next wait is cut to the 7 s left of the 30 s budget.
    expect(time.sleep.calls).toEqual([1000, 2000, 4000, 8000, 8000, 7000]);
    expect(result.attempts).toBe(7);
    expect(t.requests).toHaveLength(7);
    expect(result.durationMs).toBe(30_000);
    expect(result.lastStatus).toBe(500);
    expect(result.bodyExcerpt).toBe('Internal Server Error');
    expect(result.detail).toMatch(
      /answered 500, expected 200-399 after 7 attempts within smoke-timeout 30 s/,
    );
  });

  it('uses the whole smoke-timeout: the last wait ends at the deadline, with one more attempt there', async () => {
    const time = fakeTime();
    const start = time.now();
    // A front door that takes 29 s to settle, under smoke-timeout 30.
    const t = await target((_req, res) => answer(time.now() - start >= 29_000 ? 200 : 503)(res));
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 30 }), {
      logger: new RecordingLogger(),
      ...time,
      random: () => 1,
    });
    expect(result.status).toBe('passed');
    expect(time.sleep.calls).toEqual([1000, 2000, 4000, 8000, 8000, 7000]);
    expect(result.durationMs).toBe(30_000);
  });

  it('waitScale (LAMBDA_DEPLOY_WAIT_SCALE) shortens the pauses between attempts, not smoke-timeout: a front door that settles late still passes', async () => {
    const time = fakeTime();
    const start = time.now();
    const t = await target((_req, res) => answer(time.now() - start >= 29_000 ? 200 : 503)(res));
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 30 }), {
      logger: new RecordingLogger(),
      ...time,
      random: () => 1,
      waitScale: 0.05,
    });
    expect(result.status).toBe('passed');
    // 50 ms doubling to 400 ms (a twentieth of 1 s doubling to 8 s), until the 29th second.
    expect(time.sleep.calls.slice(0, 6)).toEqual([50, 100, 200, 400, 400, 400]);
    expect(result.durationMs).toBeGreaterThanOrEqual(29_000);
    expect(result.durationMs).toBeLessThanOrEqual(30_000);
    expect(t.requests.length).toBeGreaterThan(70);
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

  it('reads a streamed (chunked) response to its end: smoke-contains in the last chunk passes', async () => {
    // As a RESPONSE_STREAM function URL answers: status first, then chunks as they are written.
    const t = await target((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      const chunks = ['first ', 'second ', 'done'];
      const next = () => {
        const chunk = chunks.shift();
        if (chunk === undefined) return void res.end();
        res.write(chunk);
        setTimeout(next, 50);
      };
      next();
    });
    const time = fakeTime();
    const result = await runSmokeTest(input(t.url, { contains: 'done' }), {
      logger: new RecordingLogger(),
      ...time,
    });
    expect(result).toMatchObject({ status: 'passed', attempts: 1, lastStatus: 200 });
    expect(time.sleep.calls).toEqual([]);
  });

  it('a stream that stops mid-body before smoke-contains fails on its own timeout, within smoke-timeout', async () => {
    const t = await target((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const time = fakeTime();
    const started = Date.now();
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 1, contains: 'done' }), {
      logger: new RecordingLogger(),
      ...time,
    });
    expect(result).toMatchObject({ status: 'failed', attempts: 1, bodyExcerpt: 'partial' });
    expect(result.detail).toContain('does not contain "done" (a stream that did not end');
    expect(Date.now() - started).toBeLessThan(5000);
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
    // At 0, 1, 3 and 5 s: the last wait (4 s) is cut to the 2 s left.
    expect(result.attempts).toBe(4);
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

  /** API Gateway's own refusal of a key it does not know yet (not the function's answer). */
  const gatewayForbidden = (res: ServerResponse) => {
    res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'ForbiddenException' });
    res.end('{"message":"Forbidden"}');
  };

  it('a new API key refused by API Gateway while it propagates is tried again, not failed at once', async () => {
    const key = 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK';
    // A key and its usage plan link take seconds to reach API Gateway's edge.
    const t = await target((_req, res, n) => (n <= 3 ? gatewayForbidden(res) : answer(200, 'hello')(res)));
    const logger = new RecordingLogger();
    const result = await runSmokeTest(input(t.url, { apiKey: key }), {
      logger,
      ...fakeTime(),
      random: () => 1,
    });
    expect(result.status).toBe('passed');
    expect(result.attempts).toBe(4);
    expect(logger.text('info')).toMatch(
      /answered 403, expected 200-399 \(API Gateway refused the API key.*; trying again/,
    );
    expect(logger.text()).not.toContain(key);
  });

  it("a 403 from the function itself, or API Gateway's 403 with no key sent, fails at once", async () => {
    const app = await target((_req, res) => answer(403, 'not for you')(res));
    const own = await runSmokeTest(input(app.url, { apiKey: 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK' }), {
      logger: new RecordingLogger(),
      ...fakeTime(),
    });
    expect([own.status, own.attempts]).toEqual(['failed', 1]);
    const gateway = await target((_req, res) => gatewayForbidden(res));
    const keyless = await runSmokeTest(input(gateway.url), { logger: new RecordingLogger(), ...fakeTime() });
    expect([keyless.status, keyless.attempts]).toEqual(['failed', 1]);
  });

  it("a REST API front door this deploy changed (api-key turned off, a new deployment): API Gateway's own 403 is tried again", async () => {
    // Until the new deployment is served, the old one still asks for a key the smoke test no longer sends.
    const t = await target((_req, res, n) => (n <= 2 ? gatewayForbidden(res) : answer(200, 'hello')(res)));
    const logger = new RecordingLogger();
    const result = await runSmokeTest(input(t.url, { frontDoorChanged: true }), {
      logger,
      ...fakeTime(),
      random: () => 1,
    });
    expect([result.status, result.attempts]).toEqual(['passed', 3]);
    expect(logger.text('info')).toContain(
      "(API Gateway's own 403: a changed REST API stage takes a few seconds",
    );
  });

  it('a key API Gateway keeps refusing fails within smoke-timeout, saying the key was refused', async () => {
    const t = await target((_req, res) => gatewayForbidden(res));
    const result = await runSmokeTest(
      input(t.url, { apiKey: 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK', timeoutSeconds: 30 }),
      {
        logger: new RecordingLogger(),
        ...fakeTime(),
        random: () => 1,
      },
    );
    expect(result.status).toBe('failed');
    expect(result.attempts).toBeGreaterThan(2);
    expect(result.detail).toContain('API Gateway refused the API key');
    expect(result.detail).toContain('within smoke-timeout 30 s');
  });

  it('from a terminal the timeout is named as its flag, --smoke-timeout', async () => {
    const t = await target((_req, res) => answer(503)(res));
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 5 }), {
      logger: new RecordingLogger(),
      ...fakeTime(),
      random: () => 1,
      surface: 'terminal',
    });
    expect(result.detail).toMatch(/ after \d+ attempts within --smoke-timeout 5 s\.$/);
  });

  it("serve's start-up request names no --smoke-timeout (serve has none): just the seconds", async () => {
    const t = await target((_req, res) => answer(503)(res));
    const result = await runSmokeTest(input(t.url, { timeoutSeconds: 5, startUpOf: 'demo' }), {
      logger: new RecordingLogger(),
      ...fakeTime(),
      random: () => 1,
      surface: 'terminal',
    });
    expect(result.detail).toMatch(/ after \d+ attempts within 5 s\.$/);
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

/**
 * A stream that never ends: writes `chunks` (strings or bytes) as they are
 * given, then keeps the connection open with nothing more. `closed` settles
 * when the client has closed its side: the smoke test must not hold it.
 */
async function endlessStream(headers: Record<string, string>, chunks: (string | Buffer)[]) {
  let closed!: Promise<void>;
  let written = 0;
  const t = await target((req, res) => {
    closed = new Promise((resolve) => req.socket.once('close', () => resolve()));
    res.writeHead(200, headers);
    res.flushHeaders();
    void (async () => {
      for (const chunk of chunks) {
        if (res.destroyed) return;
        res.write(chunk);
        written++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  });
  /** How many chunks went out before the smoke test closed the connection. */
  return { ...t, closed: () => closed, written: () => written };
}

/** Streams end only when the smoke test closes them: well within one request timeout, then the socket is gone. */
async function smokeStream(
  stream: Awaited<ReturnType<typeof endlessStream>>,
  extra: Partial<SmokeInput> = {},
) {
  const started = Date.now();
  const result = await runSmokeTest(input(stream.url, { timeoutSeconds: 3, ...extra }), {
    logger: new RecordingLogger(),
    ...fakeTime(),
  });
  const elapsed = Date.now() - started;
  return { result, elapsed };
}

describe('runSmokeTest on a streamed answer that does not end', () => {
  it('passes as soon as smoke-contains has arrived, even split over two chunks, and closes the connection', async () => {
    const s = await endlessStream({ 'content-type': 'text/plain' }, ['data: warming\n', 'data: rea', 'dy\n']);
    const { result, elapsed } = await smokeStream(s, { contains: 'ready' });
    expect(result).toMatchObject({ status: 'passed', attempts: 1, lastStatus: 200 });
    expect(result.bodyExcerpt).toContain('ready');
    expect(elapsed).toBeLessThan(1500);
    await s.closed();
  });

  it('finds text whose UTF-8 bytes are split between chunks', async () => {
    const bytes = Buffer.from('data: {"status":"prêt ✓"}\n');
    const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
    const s = await endlessStream({ 'content-type': 'text/event-stream' }, [
      bytes.subarray(0, cut),
      bytes.subarray(cut),
    ]);
    const { result, elapsed } = await smokeStream(s, { contains: 'prêt ✓' });
    expect(result).toMatchObject({ status: 'passed', attempts: 1 });
    expect(elapsed).toBeLessThan(1500);
    await s.closed();
  });

  it('server-sent events pass on the status alone: the first event may come much later', async () => {
    const s = await endlessStream({ 'content-type': 'text/event-stream; charset=utf-8' }, []);
    const { result, elapsed } = await smokeStream(s);
    expect(result).toMatchObject({ status: 'passed', attempts: 1, lastStatus: 200 });
    expect(elapsed).toBeLessThan(1500);
    await s.closed();
  });

  it('another stream (no content-length) passes once its first body bytes came', async () => {
    const s = await endlessStream({ 'content-type': 'text/html' }, ['<!doctype html><p>first']);
    const { result, elapsed } = await smokeStream(s);
    expect(result).toMatchObject({ status: 'passed', attempts: 1, bodyExcerpt: '<!doctype html><p>first' });
    expect(elapsed).toBeLessThan(1500);
    await s.closed();
  });

  it('a stream that never sends smoke-contains fails at the request timeout, judged on what it sent, not as "no answer"', async () => {
    const s = await endlessStream({ 'content-type': 'text/event-stream' }, ['data: starting\n\n']);
    const { result, elapsed } = await smokeStream(s, { contains: 'ready', timeoutSeconds: 1 });
    expect(result).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 200 });
    expect(result.detail).toContain(
      'answered 200 but the body does not contain "ready" (a stream that did not end: looked in what had arrived)',
    );
    expect(result.bodyExcerpt).toBe('data: starting\n\n');
    expect(elapsed).toBeLessThan(3000);
    await s.closed();
  });

  it('a long poll that sends nothing after its accepted status passes at the request timeout', async () => {
    const s = await endlessStream({ 'content-type': 'application/json' }, []);
    const { result, elapsed } = await smokeStream(s, { timeoutSeconds: 1 });
    expect(result).toMatchObject({ status: 'passed', attempts: 1, lastStatus: 200, bodyExcerpt: '' });
    expect(elapsed).toBeLessThan(3000);
    await s.closed();
  });

  it('a stream with a wrong status fails at once on the status, with its first bytes as the excerpt', async () => {
    const s = await endlessStream({ 'content-type': 'text/plain' }, ['no such stream']);
    const { result, elapsed } = await smokeStream(s, { expectStatus: [[201, 201]] });
    expect(result).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatus: 200,
      bodyExcerpt: 'no such stream',
    });
    expect(result.detail).toContain('answered 200, expected 201');
    expect(elapsed).toBeLessThan(1500);
    await s.closed();
  });

  it('reads at most 1 MB of a stream looking for smoke-contains', async () => {
    const s = await endlessStream(
      { 'content-type': 'text/plain' },
      Array.from({ length: 40 }, () => 'x'.repeat(64 * 1024)),
    );
    const { result } = await smokeStream(s, { contains: 'ready' });
    expect(result).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 200 });
    expect(result.detail).toContain('does not contain "ready"');
    await s.closed();
    // Closed after 16 chunks of 64 KiB (1 MB), not at the request timeout after all 40: counted, not timed (a loaded machine is slow).
    expect(s.written()).toBeLessThan(40);
    expect(s.written()).toBeGreaterThanOrEqual(16);
  });
});

describe('invokeSmokeTest on the one fake AWS', () => {
  // Every account a test started (some start two): each server closed, or jest cannot exit.
  let started: FakeAws[] = [];
  afterEach(async () => {
    await Promise.all(started.map((a) => a.close()));
    started = [];
  });

  /**
   * The fake account with `shop-pr-1` deployed (alias live on version 1);
   * its Lambda answers Invoke with `answer`, and keeps each event it was sent.
   */
  async function account(answer: Awaited<ReturnType<InvokeHandler>>) {
    const events: { qualifier: string; event: unknown }[] = [];
    const fake = await startFakeAws({
      invoke: ({ version, payload }) => {
        events.push({ qualifier: version, event: JSON.parse(payload) as unknown });
        return answer;
      },
    });
    started.push(fake);
    fake.seed.function('shop-pr-1', { alias: 'live' });
    const lambda = fake.clients().lambda;
    const deps = { logger: new RecordingLogger(), sleep: fake.clock.sleep, random: () => 1 };
    return { fake, lambda, deps, events };
  }
  const payload = (value: unknown) => ({ payload: JSON.stringify(value) });

  it('a version still Pending for all of smoke-timeout: each attempt has its line, the last one too, as the error counts', async () => {
    const { fake, lambda, deps } = await account(payload({ statusCode: 200 }));
    fake.account.functions.get('shop-pr-1')!.versions.get('1')!.readyAt = Number.MAX_SAFE_INTEGER;
    // smoke-timeout on the account's clock, which the injected sleeps move: 10 s pass without waiting them.
    const clocked = { ...deps, now: () => fake.clock.now() };
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', clocked, { timeoutSeconds: 10 });
    expect(result.status).toBe('failed');
    expect(result.attempts).toBeGreaterThan(2);
    const lines = deps.logger.text('info').split('\n');
    const numbers = lines.map((l) => /\(attempt (\d+)\)/.exec(l)?.[1]).filter(Boolean);
    expect(numbers.map(Number)).toEqual(Array.from({ length: result.attempts }, (_, i) => i + 1));
    expect(result.detail).toContain(`after ${result.attempts} attempts`);
    expect(lines.at(-1)).toMatch(
      /failed with ResourceConflictException; no time left \(smoke-timeout 10 s\)\.$/,
    );
  });

  it('waitScale shortens the pauses between invokes of a Pending version, not smoke-timeout', async () => {
    const { fake, lambda, deps } = await account(payload({ statusCode: 200 }));
    fake.account.functions.get('shop-pr-1')!.versions.get('1')!.readyAt = Number.MAX_SAFE_INTEGER;
    const clocked = { ...deps, now: () => fake.clock.now(), waitScale: 0.05 };
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', clocked, { timeoutSeconds: 10 });
    expect(result.status).toBe('failed');
    expect(fake.clock.sleep.calls.slice(0, 5)).toEqual([50, 100, 200, 400, 400]);
    const waited = fake.clock.sleep.calls.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(9_000);
    expect(waited).toBeLessThanOrEqual(10_000);
  });

  it('invokes live with an HTTP API GET / event and passes on 200', async () => {
    const { fake, lambda, deps, events } = await account(payload({ statusCode: 200, body: 'hi' }));
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result).toMatchObject({
      status: 'passed',
      target: 'invoke shop-pr-1:live',
      lastStatus: 200,
      bodyExcerpt: 'hi',
      attempts: 1,
    });
    expect(fake.calls.of({ operation: 'Invoke' })[0]!.input).toMatchObject({
      FunctionName: 'shop-pr-1',
      Qualifier: 'live',
      InvocationType: 'RequestResponse',
    });
    // Lambda resolved live to version 1 and ran it with the event the smoke test sent.
    expect(events).toHaveLength(1);
    expect(events[0]!.qualifier).toBe('1');
    expect(events[0]!.event).toMatchObject({
      version: '2.0',
      rawPath: '/',
      requestContext: { http: { method: 'GET' } },
    });
  });

  it('fails on a FunctionError, showing the error', async () => {
    const { lambda, deps } = await account({
      functionError: 'Unhandled',
      payload: JSON.stringify({
        errorType: 'Runtime.ImportModuleError',
        errorMessage: "Unable to import module 'app': No module named 'flask'",
      }),
    });
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result.status).toBe('failed');
    expect(result.detail).toContain("Runtime.ImportModuleError: Unable to import module 'app'");
    expect(result.bodyExcerpt).toContain('No module named');
  });

  it("bounds a FunctionError's message in the detail (it goes to the PR comment), hiding a secret the cut falls in", async () => {
    const secret = 'Pg-Secret-7781-abcdef';
    // The function raised an error quoting a whole document (up to Lambda's 6 MB response), the secret at the cut.
    const errorMessage = `${'x'.repeat(982)} ${secret} ${'y'.repeat(200_000)}`;
    const { lambda, deps } = await account({
      functionError: 'Unhandled',
      payload: JSON.stringify({ errorType: 'ValueError', errorMessage }),
    });
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps, { secrets: [secret] });
    expect(result.status).toBe('failed');
    expect(result.detail.length).toBeLessThan(1_200);
    expect(result.detail).toMatch(
      /^Invoke shop-pr-1:live raised an error \(Unhandled\): ValueError: x{982} \*\*\* y… \(\d+ more characters\)\.$/,
    );
    expect(result.detail).not.toContain('Pg-');
  });

  it('fails on statusCode >= 500 in the payload', async () => {
    const { lambda, deps } = await account(payload({ statusCode: 502, body: 'bad gateway' }));
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result).toMatchObject({ status: 'failed', lastStatus: 502, bodyExcerpt: 'bad gateway' });
  });

  it('fails on a statusCode outside smoke-status, as the URL smoke test does (a 404 or a redirect the user did not accept)', async () => {
    const { lambda, deps } = await account(payload({ statusCode: 404, body: 'Not Found' }));
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps, { expectStatus: [[200, 299]] });
    expect(result).toMatchObject({
      status: 'failed',
      lastStatus: 404,
      expected: [[200, 299]],
      detail: 'Invoke shop-pr-1:live answered statusCode 404, expected 200-299.',
    });
    const redirect = await account(payload({ statusCode: 302, headers: { location: '/login' }, body: '' }));
    const moved = await invokeSmokeTest(redirect.lambda, 'shop-pr-1', redirect.deps, {
      expectStatus: [[200, 200]],
    });
    expect(moved).toMatchObject({ status: 'failed', lastStatus: 302 });
  });

  it('a redirect passes the default smoke-status, saying where it leads, as through a front door', async () => {
    const { lambda, deps } = await account(
      payload({ statusCode: 301, headers: { Location: '/login' }, body: '' }),
    );
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result).toMatchObject({ status: 'passed', lastStatus: 301 });
    expect(result.detail).toBe(
      'Invoke shop-pr-1:live answered statusCode 301 after 1 attempt. It was a redirect to /login: set smoke-status: 200-299 to require the page itself.',
    );
  });

  it('passes a statusCode inside smoke-status (a list: 200,204)', async () => {
    const { lambda, deps } = await account(payload({ statusCode: 204, body: '' }));
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps, {
      expectStatus: [
        [200, 200],
        [204, 204],
      ],
    });
    expect(result).toMatchObject({ status: 'passed', lastStatus: 204 });
  });

  it('passes a plain function that returns any JSON', async () => {
    const { lambda, deps } = await account(payload({ ok: true }));
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result).toMatchObject({ status: 'passed', lastStatus: undefined });
  });

  it('waits out a ResourceConflictException (409) right after the alias moved to a version still Pending', async () => {
    const { fake, lambda, deps, events } = await account(payload({ statusCode: 200, body: 'ok' }));
    // live was just pointed at version 1, which Lambda is still getting ready.
    fake.account.functions.get('shop-pr-1')!.versions.get('1')!.readyAt = fake.clock.now() + 500;
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result).toMatchObject({ status: 'passed', attempts: 2 });
    expect(fake.calls.of({ operation: 'Invoke' }).map((c) => [c.status, c.error])).toEqual([
      [409, 'ResourceConflictException'],
      [200, undefined],
    ]);
    expect(fake.clock.sleep.calls).toEqual([1000]);
    expect(events).toHaveLength(1);
  });

  it('fails (without throwing) when invoking is not allowed (403), naming the permission', async () => {
    const { fake, lambda, deps, events } = await account(payload({ statusCode: 200 }));
    fake.faults.deny('Invoke');
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('lambda:InvokeFunction');
    expect(fake.calls.of({ operation: 'Invoke' }).map((c) => c.status)).toEqual([403]);
    expect(events).toEqual([]);
  });

  it('throttling (429) is retried', async () => {
    const { fake, lambda, deps } = await account(payload({ statusCode: 200, body: 'ok' }));
    fake.faults.throttle('Invoke', 2);
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps);
    expect(result).toMatchObject({ status: 'passed', attempts: 3 });
    expect(fake.calls.of({ operation: 'Invoke' }).map((c) => c.status)).toEqual([429, 429, 200]);
  });
});

describe('invokeSmokeTest honours smoke-timeout (gateway: none)', () => {
  let aws: FakeAws | undefined;
  afterEach(() => aws?.close());

  /** shop-pr-1 whose live version Lambda gets ready only `readyInMs` from now. */
  async function slowVersion(readyInMs: number) {
    aws = await startFakeAws({
      invoke: () => ({ payload: JSON.stringify({ statusCode: 200, body: 'ok' }) }),
    });
    const fake = aws;
    fake.seed.function('shop-pr-1', { alias: 'live' });
    fake.account.functions.get('shop-pr-1')!.versions.get('1')!.readyAt = fake.clock.now() + readyInMs;
    const deps = {
      logger: new RecordingLogger(),
      sleep: fake.clock.sleep,
      now: fake.clock.now,
      random: () => 1,
    };
    return { fake, lambda: fake.clients().lambda, deps };
  }
  const waited = (calls: readonly number[]) => calls.reduce((a, b) => a + b, 0);

  it('keeps trying a version that takes 40 s to get ready when smoke-timeout is 60', async () => {
    const { fake, lambda, deps } = await slowVersion(40_000);
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps, { timeoutSeconds: 60 });
    expect(result.status).toBe('passed');
    expect(fake.calls.of({ operation: 'Invoke' }).at(-1)!.status).toBe(200);
    expect(waited(fake.clock.sleep.calls)).toBeLessThanOrEqual(60_000);
  });

  it('gives up within smoke-timeout 5, saying so', async () => {
    const { fake, lambda, deps } = await slowVersion(40_000);
    const result = await invokeSmokeTest(lambda, 'shop-pr-1', deps, { timeoutSeconds: 5 });
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('within smoke-timeout 5 s');
    expect(waited(fake.clock.sleep.calls)).toBeLessThanOrEqual(5_000);
    const terminal = await invokeSmokeTest(
      lambda,
      'shop-pr-1',
      { ...deps, surface: 'terminal' },
      { timeoutSeconds: 5 },
    );
    expect(terminal.detail).toContain('within --smoke-timeout 5 s');
  });
});
