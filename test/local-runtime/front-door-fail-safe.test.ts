/**
 * The front door's synchronous work for a request (its ids, its reading of the request) is
 * called from a socket's handler, plain path or node:http's: a throw there would be an uncaught
 * exception that ends serve. Made to throw here (random-ids mocked), it fails that request alone:
 * a 500, a warning with its path alone, the connection closed, and serve serves on.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { connect } from 'node:net';
import { RecordingLogger } from '../../src/util/logger.js';
import type { FrontDoor } from '../../src/local-runtime/front-door.js';

let throwing = false;
const ids = await import('../../src/local-runtime/random-ids.js');
jest.unstable_mockModule('../../src/local-runtime/random-ids.js', () => ({
  ...ids,
  gatewayRequestId: () => {
    if (throwing) throw new Error('no ids token=Zk3j2Ls9Qp0xxQ');
    return ids.gatewayRequestId();
  },
}));
const { startFrontDoor } = await import('../../src/local-runtime/front-door.js');

/** Sends `text` as is; the whole answer once the server closes the connection (or 2 s pass). */
function exchange(port: number, text: string): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(text));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closed: false });
    }, 2000);
    socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      resolve({ answer, closed: true });
    });
    socket.on('error', reject);
  });
}

const logger = new RecordingLogger();
let door: FrontDoor;
let port: number;
beforeAll(async () => {
  door = await startFrontDoor(
    { invoke: () => Promise.resolve({ ok: true, payload: 'fine', requestId: 'r' }) },
    { logger, secrets: ['Zk3j2Ls9Qp0xxQ'] },
  );
  port = Number(new URL(door.url).port);
});
afterAll(() => door?.close());

describe('a throw in the front door for one request', () => {
  it.each([
    ['the plain path', (p: number) => `GET /cb?code=1 HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`],
    // Absolute form: node:http's, not the plain path's.
    [
      'node:http',
      (p: number) => `GET http://127.0.0.1:${p}/cb?code=1 HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`,
    ],
  ])(
    'on %s: a 500, a redacted warning with its path, the connection closed; the next served',
    async (_, request) => {
      logger.lines.length = 0;
      throwing = true;
      let failed;
      try {
        failed = await exchange(port, request(port));
      } finally {
        throwing = false;
      }
      expect(failed.answer).toMatch(
        /^HTTP\/1.1 500 Internal Server Error\r\n[\s\S]*\{"message":"Internal Server Error"\}$/,
      );
      expect(failed.closed).toBe(true);
      expect(logger.text('warning')).toBe('front door: GET /cb failed: Error: no ids token=***');

      const next = await exchange(port, request(port).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
      expect(next.answer).toMatch(/^HTTP\/1.1 200 OK\r\n[\s\S]*"fine"$/);
    },
  );
});

/** A logger whose warnings throw (a closed stdout, a bug): saying a failure must not end serve. */
function throwingLogger(): RecordingLogger {
  const broken = new RecordingLogger();
  broken.warning = () => {
    throw new Error('no log');
  };
  return broken;
}

const PLAIN = (p: number) => `GET /cb HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`;
const NODE = (p: number) => `GET http://127.0.0.1:${p}/cb HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`;

/**
 * A failure in the failure handling: on node:http's path an uncaught exception from its
 * 'request' handler or an unhandled rejection of its answer would end serve (jest fails the
 * suite on either); the request would get no answer and its connection stay open.
 */
describe('a failure while failing a request', () => {
  it.each([
    ['the plain path', PLAIN],
    ['node:http', NODE],
  ])('on %s: a throw whose warning throws too: a 500, the connection closed', async (_, request) => {
    const broken = await startFrontDoor(
      { invoke: () => Promise.resolve({ ok: true, payload: 'fine', requestId: 'r' }) },
      { logger: throwingLogger() },
    );
    const brokenPort = Number(new URL(broken.url).port);
    throwing = true;
    try {
      const failed = await exchange(brokenPort, request(brokenPort));
      expect(failed.answer).toMatch(/^HTTP\/1.1 500 Internal Server Error\r\n/);
      expect(failed.closed).toBe(true);
    } finally {
      throwing = false;
      await broken.close();
    }
  });

  it.each([
    ['the plain path', PLAIN],
    ['node:http', NODE],
  ])('on %s: a failed answer whose warning throws: a 500, the connection closed', async (_, request) => {
    const broken = await startFrontDoor(
      { invoke: () => Promise.reject(new Error('kaput')) },
      { logger: throwingLogger() },
    );
    const brokenPort = Number(new URL(broken.url).port);
    try {
      const failed = await exchange(brokenPort, request(brokenPort));
      expect(failed.answer).toMatch(/^HTTP\/1.1 500 Internal Server Error\r\n/);
      expect(failed.closed).toBe(true);
    } finally {
      await broken.close();
    }
  });

  it('on node:http: a failed answer whose 500 Node refuses too (an id with a newline): a 500, the connection closed, said', async () => {
    const said = new RecordingLogger();
    let badId = true;
    // A function URL's answer names the invocation: here by an id Node's writeHead refuses.
    const broken = await startFrontDoor(
      { invoke: () => Promise.resolve({ ok: true, payload: 'fine', requestId: badId ? 'bad\nid' : 'r' }) },
      { logger: said, gateway: 'function-url' },
    );
    const brokenPort = Number(new URL(broken.url).port);
    try {
      const failed = await exchange(brokenPort, NODE(brokenPort));
      expect(failed.answer).toMatch(/^HTTP\/1.1 500 Internal Server Error\r\n[\s\S]*Connection: close\r\n/i);
      expect(failed.closed).toBe(true);
      expect(said.text('warning')).toMatch(/^front door: GET \/cb failed: TypeError.*header content/m);
      badId = false;
      const next = await exchange(
        brokenPort,
        NODE(brokenPort).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'),
      );
      expect(next.answer).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    } finally {
      await broken.close();
    }
  });
});

describe('a failure after the answer was sent whole', () => {
  it.each([
    ['the plain path', (p: number) => `GET /a HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nConnection: close\r\n\r\n`],
    [
      'node:http',
      (p: number) =>
        `GET http://127.0.0.1:${p}/a HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nConnection: close\r\n\r\n`,
    ],
  ])('on %s: its log line throwing does not cut the answer a slow client still reads', async (_, request) => {
    const broken = new RecordingLogger();
    broken.info = () => {
      throw new Error('no info');
    };
    const body = 'x'.repeat(4_000_000);
    const door = await startFrontDoor(
      { invoke: () => Promise.resolve({ ok: true, payload: { statusCode: 200, body }, requestId: 'r' }) },
      { logger: broken },
    );
    const port = Number(new URL(door.url).port);
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(request(port)));
        // Reads nothing for a while: the answer waits in the server's buffers when the failure comes.
        socket.pause();
        setTimeout(() => socket.resume(), 300);
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1.1 200 OK\r\n/);
      expect(answer.length - answer.indexOf('\r\n\r\n') - 4).toBe(body.length);
      expect(broken.text('warning')).toBe('front door: GET /a failed: Error: no info');
    } finally {
      await door.close();
    }
  });
});
