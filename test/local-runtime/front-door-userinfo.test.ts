/**
 * A hand-written (or proxy-style) request in absolute form may carry userinfo
 * (`http://user:password@host/path`): HTTP forbids sending it, but nothing stops a client. The
 * password reaches no log line, warning or answer, and the event gets the path alone, as API
 * Gateway would pass it on.
 */
import { describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { startFrontDoor, type FrontDoorOptions } from '../../src/local-runtime/front-door.js';
import type { InvokeResult } from '../../src/local-runtime/local-function.js';
import { RecordingLogger } from '../../src/util/logger.js';

const SECRET = 'Pa55word-9xQ';

/** Sends `text` as is on a fresh connection; the whole answer once the server closes it. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(text));
    socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** A front door whose function answers `result`, the events it got, its log, and one request's answer. */
async function withDoor(result: () => Promise<InvokeResult>, options: FrontDoorOptions = {}) {
  const logger = new RecordingLogger();
  const events: Record<string, unknown>[] = [];
  const door = await startFrontDoor(
    {
      invoke: (event) => {
        events.push(event as Record<string, unknown>);
        return result();
      },
    },
    { logger, ...options },
  );
  const port = Number(new URL(door.url).port);
  const send = async (target: string, host = `127.0.0.1:${port}`) => {
    try {
      return await exchange(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    } finally {
      await door.close();
    }
  };
  return { port, logger, events, send };
}

const ok = () =>
  Promise.resolve<InvokeResult>({ ok: true, payload: { statusCode: 200, body: 'ok' }, requestId: 'r' });
const noSecret = (logger: RecordingLogger, answer: string) => {
  expect(logger.text()).not.toContain(SECRET);
  expect(logger.text()).not.toContain('user:');
  expect(answer).not.toContain(SECRET);
};

describe('a request target with userinfo', () => {
  it('logs the path alone, and the event gets the path (payload 2.0)', async () => {
    const { port, logger, events, send } = await withDoor(ok);
    const answer = await send(`http://user:${SECRET}@127.0.0.1:${port}/path?q=1`);
    expect(answer).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    noSecret(logger, answer);
    expect(logger.text('info')).toMatch(/^GET \/path -> 200 \(\d+ ms\)$/);
    expect(events[0]).toMatchObject({ rawPath: '/path', rawQueryString: 'q=1' });
    expect(JSON.stringify(events[0])).not.toContain(SECRET);
  });

  it('says /, not the authority, for a target with no path', async () => {
    const { port, logger, send } = await withDoor(ok);
    const answer = await send(`http://user:${SECRET}@127.0.0.1:${port}?q=1`);
    noSecret(logger, answer);
    expect(logger.text('info')).toMatch(/^GET \/ -> 200 \(\d+ ms\)$/);
  });

  it("names the path alone in a failed request's warning", async () => {
    const { port, logger, send } = await withDoor(() => Promise.reject(new Error('kaput')));
    const answer = await send(`http://user:${SECRET}@127.0.0.1:${port}/path`);
    expect(answer).toMatch(/^HTTP\/1.1 500 /);
    noSecret(logger, answer);
    expect(logger.text('warning')).toBe('front door: GET /path failed: Error: kaput');
  });

  it("names the path alone in a function error's warning", async () => {
    const { port, logger, send } = await withDoor(() =>
      Promise.resolve<InvokeResult>({ ok: false, errorType: 'E', errorMessage: 'm' }),
    );
    const answer = await send(`http://user:${SECRET}@127.0.0.1:${port}/path`);
    expect(answer).toMatch(/^HTTP\/1.1 502 /);
    noSecret(logger, answer);
    expect(logger.text('warning')).toBe('GET /path -> 502: E: m');
  });

  it("names the path alone in a REST API's 403 outside the stage, and passes the path under it", async () => {
    const rest = { gateway: 'rest-api', stage: 'dev' } as const;
    const outside = await withDoor(ok, rest);
    const refused = await outside.send(`http://user:${SECRET}@127.0.0.1:${outside.port}/elsewhere`);
    expect(refused).toMatch(/^HTTP\/1.1 403 /);
    noSecret(outside.logger, refused);
    expect(outside.logger.text('info')).toMatch(/^GET \/elsewhere -> 403 \(outside the stage/);

    const inside = await withDoor(ok, rest);
    noSecret(inside.logger, await inside.send(`http://user:${SECRET}@127.0.0.1:${inside.port}/dev/a`));
    expect(inside.events[0]).toMatchObject({ path: '/a', requestContext: { path: '/dev/a' } });
    expect(JSON.stringify(inside.events[0])).not.toContain(SECRET);
  });

  it('refuses a Host with userinfo without quoting the password', async () => {
    const { port, logger, events, send } = await withDoor(ok);
    const answer = await send('/path', `user:${SECRET}@127.0.0.1:${port}`);
    expect(answer).toMatch(/^HTTP\/1.1 421 /);
    noSecret(logger, answer);
    expect(logger.text('warning')).toContain(`refused GET for Host "***@127.0.0.1:${port}"`);
    expect(events).toHaveLength(0);
  });
});
