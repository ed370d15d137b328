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
