import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerOptions } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { startFrontDoor, type FrontDoor } from '../../src/local-runtime/front-door.js';
import type { HttpApiEvent } from '../../src/local-runtime/http-api-event.js';
import {
  parsePlainHead,
  plainServer,
  responseBytes,
  type PlainServerOptions,
} from '../../src/local-runtime/plain-requests.js';

const head = (...lines: string[]) => lines.join('\r\n');

describe('parsePlainHead', () => {
  it('reads a plain request: method, target, headers as sent with blanks trimmed, Content-Length', () => {
    expect(
      parsePlainHead(
        head(
          'POST /a/b?x=1&y=%20 HTTP/1.1',
          'Host: 127.0.0.1:3000',
          'X-Two:  a b \t',
          'content-length: 3',
          'x-empty:',
        ),
      ),
    ).toEqual({
      method: 'POST',
      url: '/a/b?x=1&y=%20',
      rawHeaders: ['Host', '127.0.0.1:3000', 'X-Two', 'a b', 'content-length', '3', 'x-empty', ''],
      host: '127.0.0.1:3000',
      contentLength: 3,
      close: false,
    });
  });

  it("keeps a value's non-breaking space and other latin1 bytes (only spaces and tabs are trimmed)", () => {
    expect(parsePlainHead(head('GET / HTTP/1.1', 'Host: h', 'x-n: \xa0caf\xe9\xa0'))?.rawHeaders).toEqual([
      'Host',
      'h',
      'x-n',
      '\xa0caf\xe9\xa0',
    ]);
  });

  it('notes Connection: close among other tokens', () => {
    expect(parsePlainHead(head('GET / HTTP/1.1', 'Host: h', 'Connection: keep-alive, Close'))?.close).toBe(
      true,
    );
    expect(parsePlainHead(head('GET / HTTP/1.1', 'Host: h', 'Connection: keep-alive'))?.close).toBe(false);
  });

  it('reads Connection: close as llhttp does: Proxy-Connection too, not a token with a tab after it', () => {
    const close = (...lines: string[]) => parsePlainHead(head('GET / HTTP/1.1', 'Host: h', ...lines))?.close;
    expect(close('Proxy-Connection: close')).toBe(true);
    expect(close('Connection: keep-alive', 'proxy-connection: x, CLOSE')).toBe(true);
    expect(close('Connection:\tclose  ')).toBe(true);
    expect(close('Connection: keep-alive,\tclose')).toBe(true);
    expect(close('Connection: close\t')).toBe(false);
    expect(close('Connection: close\t, x')).toBe(false);
  });

  it('takes a Content-Length with blanks before it and spaces after it, as llhttp does', () => {
    expect(parsePlainHead(head('POST / HTTP/1.1', 'Host: h', 'Content-Length:\t 05  '))?.contentLength).toBe(
      5,
    );
  });

  it.each([
    ['HTTP/1.0', head('GET / HTTP/1.0', 'Host: h')],
    ['a lowercase method', head('get / HTTP/1.1', 'Host: h')],
    ['a method node:http decides on', head('PROPFIND / HTTP/1.1', 'Host: h')],
    ['an absolute-form target', head('GET http://h/ HTTP/1.1', 'Host: h')],
    ['an asterisk target', head('OPTIONS * HTTP/1.1', 'Host: h')],
    ['a space in the target', head('GET /a b HTTP/1.1', 'Host: h')],
    ['no Host', head('GET / HTTP/1.1', 'Accept: */*')],
    ['two Hosts', head('GET / HTTP/1.1', 'Host: h', 'Host: i')],
    ['a chunked body', head('POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked')],
    ['100-continue', head('POST / HTTP/1.1', 'Host: h', 'Expect: 100-continue', 'Content-Length: 1')],
    ['an upgrade', head('GET / HTTP/1.1', 'Host: h', 'Upgrade: websocket')],
    ['Connection: upgrade', head('GET / HTTP/1.1', 'Host: h', 'Connection: Upgrade')],
    ['two Content-Lengths', head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 1', 'Content-Length: 1')],
    ['a Content-Length not digits', head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 1x')],
    ['a negative Content-Length', head('POST / HTTP/1.1', 'Host: h', 'Content-Length: -1')],
    // llhttp takes blanks before the digits and spaces after them, not a tab after them (a 400).
    ['a tab after the Content-Length', head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 5\t')],
    ['a space and a tab after it', head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 5 \t')],
    ['a space before the colon', head('GET / HTTP/1.1', 'Host : h')],
    ['a line without a colon', head('GET / HTTP/1.1', 'Host: h', 'oops')],
    ['an empty field name', head('GET / HTTP/1.1', 'Host: h', ': v')],
    ['a folded line', head('GET / HTTP/1.1', 'Host: h', 'X-A: a', ' b')],
    ['a control byte in a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: a\x01b')],
    ['a bare CR in a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: a\rb')],
    [
      'more than 100 headers',
      head('GET / HTTP/1.1', 'Host: h', ...Array.from({ length: 100 }, (_, i) => `x-${i}: ${i}`)),
    ],
  ])('leaves %s to node:http', (_, text) => {
    expect(parsePlainHead(text)).toBeUndefined();
  });

  it('takes 100 headers, Host among them', () => {
    const lines = ['GET / HTTP/1.1', 'Host: h', ...Array.from({ length: 99 }, (_, i) => `x-${i}: ${i}`)];
    expect(parsePlainHead(head(...lines))?.rawHeaders).toHaveLength(200);
  });
});

describe('responseBytes: the bytes node:http sends for writeHead + end', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // Answers as the URL says: /STATUS?date=1 sets a Date of its own, ?close=1 asks to close.
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://h');
      res.writeHead(Number(url.pathname.slice(1)), headersFor(url));
      res.end(Buffer.from('body!'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function headersFor(url: URL): Record<string, string[]> {
    const headers: Record<string, string[]> = {
      'content-type': ['text/plain'],
      'set-cookie': ['a=1', 'b=2'],
    };
    if (url.searchParams.has('date')) headers['date'] = ['Tue, 01 Jan 2030 00:00:00 GMT'];
    if (url.searchParams.has('length')) headers['content-length'] = ['5'];
    headers['x-amzn-RequestId'] = ['id-1'];
    return headers;
  }

  async function nodeBytes(method: string, target: string, close: boolean): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: h${close ? '\r\nConnection: close' : ''}\r\n\r\n`);
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    // Whole once its blank line and (if any) the 5 body bytes came.
    await new Promise<void>((resolve) => {
      const check = () => {
        const end = text.indexOf('\r\n\r\n');
        if (end >= 0 && (text.length === end + 4 || text.length === end + 9)) setTimeout(resolve, 30);
        else setTimeout(check, 5);
      };
      check();
    });
    socket.destroy();
    return text;
  }

  it.each([
    ['GET', '/200?length=1', false],
    ['GET', '/200?length=1', true],
    ['GET', '/201?length=1&date=1', false],
    ['HEAD', '/200?length=1', false],
    ['HEAD', '/200', false],
    ['GET', '/204', false],
    ['GET', '/304', false],
    ['GET', '/103', false],
    ['GET', '/502?length=1', false],
    ['GET', '/299?length=1', false],
  ])('%s %s (close: %s)', async (method, target, close) => {
    const fromNode = await nodeBytes(method, target, close);
    const url = new URL(target, 'http://h');
    const date = /\r\nDate: ([^\r]*)\r\n/.exec(fromNode)?.[1] ?? 'unused';
    const ours = responseBytes(
      method,
      Number(url.pathname.slice(1)),
      headersFor(url),
      Buffer.from('body!'),
      close,
      date,
    );
    expect(ours.toString('latin1')).toBe(fromNode);
  });
});

/**
 * Sends each part (a short pause between them), then reads until the server closes or goes quiet;
 * `closed` in `options` learns which.
 */
async function exchange(
  port: number,
  parts: string[],
  options: { end?: boolean; closed?: (closed: boolean) => void } = {},
): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  socket.on('close', () => (closed = true));
  for (const part of parts) {
    socket.write(part);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (options.end) socket.end();
  for (let quiet = 0; !closed && quiet < 40; quiet++) {
    const before = text.length;
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (text.length !== before) quiet = 0;
  }
  options.closed?.(closed);
  socket.destroy();
  return text;
}

/** The responses in the bytes: status and the echoed event's method, body and path. */
function answers(text: string): { status: number; echo?: { method: string; body?: string; path: string } }[] {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    const headText = rest.slice(0, end);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(headText)?.[1] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    rest = rest.slice(end + 4 + length);
    const status = Number(headText.slice(9, 12));
    out.push(headText.includes('application/json; echo') ? { status, echo: JSON.parse(body) } : { status });
  }
  return out;
}

/** Header values node:http's writeHead refuses (a control byte, a character past latin1), and one it takes. */
const oddHeaders = {
  statusCode: 200,
  headers: { 'x-control': 'a\x01b', 'x-wide': 'caf\u20ac', 'x-latin1': 'caf\xe9' },
  body: 'odd',
};

describe('the front door on the wire', () => {
  let door: FrontDoor;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    const echo = async (event: unknown) => {
      const e = event as HttpApiEvent;
      seen.push(`${e.requestContext.http.method} ${e.rawPath}`);
      if (e.rawPath === '/odd-headers') return { ok: true as const, requestId: 'r', payload: oddHeaders };
      const body = e.isBase64Encoded ? Buffer.from(e.body ?? '', 'base64').toString('latin1') : e.body;
      return {
        ok: true as const,
        requestId: 'r',
        payload: {
          statusCode: 200,
          headers: { 'content-type': 'application/json; echo' },
          body: JSON.stringify({ method: e.requestContext.http.method, body, path: e.rawPath }),
        },
      };
    };
    door = await startFrontDoor({ invoke: echo }, { maxBodyBytes: 64 });
    port = Number(new URL(door.url).port);
  });
  afterAll(() => door.close());

  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`;
  const post = (path: string, body: string) =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

  it('answers pipelined requests in order on one connection', async () => {
    const text = await exchange(port, [get('/one') + post('/two', 'hi') + get('/three')]);
    expect(answers(text).map((a) => a.echo)).toEqual([
      { method: 'GET', path: '/one' },
      { method: 'POST', body: 'hi', path: '/two' },
      { method: 'GET', path: '/three' },
    ]);
  });

  it('waits for a body that comes in pieces, and a head split across writes', async () => {
    const request = post('/pieces', 'abcdef');
    const text = await exchange(port, [
      request.slice(0, 10),
      request.slice(10, 60),
      request.slice(60, -3),
      request.slice(-3),
    ]);
    expect(answers(text).map((a) => a.echo)).toEqual([{ method: 'POST', body: 'abcdef', path: '/pieces' }]);
  });

  it('gives node:http a chunked body, 100-continue and HTTP/1.0, then the rest of that connection', async () => {
    const chunked = `POST /chunked HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n`;
    const text = await exchange(port, [get('/before'), chunked, get('/after')]);
    expect(answers(text).map((a) => a.echo)).toEqual([
      { method: 'GET', path: '/before' },
      { method: 'POST', body: 'abcde', path: '/chunked' },
      { method: 'GET', path: '/after' },
    ]);
    const continued = await exchange(port, [
      `POST /continue HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`,
      'ok',
    ]);
    expect(continued.startsWith('HTTP/1.1 100 Continue\r\n\r\n')).toBe(true);
    expect(answers(continued.slice(25)).map((a) => a.echo)).toEqual([
      { method: 'POST', body: 'ok', path: '/continue' },
    ]);
    const old = await exchange(port, [`GET /old HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\n\r\n`]);
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\nConnection: close\r\n/);
  });

  it('lets node:http refuse what is not HTTP, a head over 16 KiB and a body over the limit', async () => {
    expect(await exchange(port, [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nBad Header\r\n\r\n`])).toMatch(
      /^HTTP\/1\.1 400 Bad Request\r\n/,
    );
    const big = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`;
    expect(await exchange(port, [big])).toMatch(/^HTTP\/1\.1 431 /);
    expect(answers(await exchange(port, [post('/big', 'x'.repeat(65))]))).toEqual([{ status: 413 }]);
  });

  it('closes after Connection: close, and after answering a client that half-closed', async () => {
    const text = await exchange(port, [get('/bye', 'Connection: close\r\n') + get('/never')]);
    expect(text).toContain('\r\nConnection: close\r\n');
    expect(answers(text).map((a) => a.echo?.path)).toEqual(['/bye']);
    let closed = false;
    const half = await exchange(port, [get('/half') + get('/half2')], {
      end: true,
      closed: (c) => (closed = c),
    });
    expect(answers(half).map((a) => a.echo?.path)).toEqual(['/half', '/half2']);
    expect(closed).toBe(true);
    // Kept alive otherwise: the server has not closed it when the client goes.
    await exchange(port, [get('/stay')], { closed: (c) => (closed = c) });
    expect(closed).toBe(false);
  });

  it('drops a header value node:http refuses on either path, as it drops one with a newline', async () => {
    const chunked = `GET /odd-headers HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`;
    for (const request of [get('/odd-headers'), chunked]) {
      const text = await exchange(port, [request]);
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text).toContain('\r\nx-latin1: caf\xe9\r\n');
      expect(text).not.toMatch(/x-control|x-wide/);
    }
  });

  it('refuses another Host with 421 on the plain path too', async () => {
    const before = seen.length;
    const text = await exchange(port, [`GET / HTTP/1.1\r\nHost: evil.example:${port}\r\n\r\n`]);
    expect(answers(text)).toEqual([{ status: 421 }]);
    expect(seen.length).toBe(before);
  });
});

describe('plainServer: connections timed as node:http times them', () => {
  /**
   * A plain server whose answers say `plain:BODY`, node:http's `node:BODY`; `/slow` is answered
   * after 5.6 s, `/quiet` not at all (its answer done after 5.6 s without a byte written).
   */
  async function start(options: ServerOptions) {
    const fallback = createServer(options, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => res.end(`node:${Buffer.concat(chunks).toString()}`));
    });
    const front = plainServer(fallback, {
      maxBodyBytes: 1024,
      answer: async (request, body, _socket, reply) => {
        if (request.url === '/slow' || request.url === '/quiet') await pause(5600);
        if (request.url === '/quiet') return;
        reply.send(
          200,
          { 'content-length': [String(body.length + 6)] },
          Buffer.from(`plain:${body.toString()}`),
        );
      },
    });
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    const port = (front.server.address() as AddressInfo).port;
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        front.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    return { port, connections, close: () => front.close() };
  }

  /** A client that keeps its end open after the server's FIN (as one that ignores it would). */
  function client(port: number): { socket: Socket; text: () => string; ended: () => boolean } {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    let ended = false;
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => (ended = true));
    socket.on('error', () => undefined);
    return { socket, text: () => text, ended: () => ended };
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("ends a head that does not come whole, and a chunked body that stops, with node:http's 408", async () => {
    const door = await start({ headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 });
    try {
      const head = client(door.port);
      head.socket.write('GET / HTTP/1.1\r\nHost: h\r\nX-Slow: 1');
      const body = client(door.port);
      body.socket.write('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
      await pause(2500);
      expect(head.text()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(body.text()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(head.ended() && body.ended()).toBe(true);
    } finally {
      await door.close();
    }
  });

  it('answers a body that stalls past the keep-alive timeout; ends an idle connection whole after it', async () => {
    const door = await start({});
    try {
      const stalled = client(door.port);
      stalled.socket.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab');
      const idle = client(door.port);
      idle.socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await pause(5600);
      stalled.socket.write('cd');
      await pause(200);
      expect(stalled.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n(plain|node):abcd$/);
      expect(idle.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nplain:$/);
      // The idle one is gone on the server's side, though its client never closed.
      expect(await door.connections()).toBe(1);
    } finally {
      await door.close();
    }
  }, 15_000);

  it('answers a request that runs past the keep-alive timeout, and one sent meanwhile; ends the connection idle after them', async () => {
    const door = await start({});
    try {
      const slow = client(door.port);
      slow.socket.write('GET /slow HTTP/1.1\r\nHost: h\r\n\r\n');
      // One whose answer writes nothing: idle from the answer's end all the same.
      client(door.port).socket.write('GET /quiet HTTP/1.1\r\nHost: h\r\n\r\n');
      await pause(100);
      // Sent while the first is answered (the second pauses the reading): read once that one is.
      slow.socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await pause(100);
      slow.socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await pause(5600);
      expect(slow.text().match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(3);
      expect(slow.text()).toMatch(/\r\n\r\nplain:$/);
      // Kept alive: idle from its last answer on, not from its first request.
      expect(await door.connections()).toBe(2);
      await pause(5300);
      expect(await door.connections()).toBe(0);
    } finally {
      await door.close();
    }
  }, 20_000);

  it('closes a Connection: close connection whole once answered, as node:http does', async () => {
    const door = await start({});
    try {
      const bye = client(door.port);
      bye.socket.write('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
      await pause(200);
      expect(bye.text()).toMatch(/\r\nConnection: close\r\n[^]*plain:$/);
      expect(await door.connections()).toBe(0);
    } finally {
      await door.close();
    }
  });
});

describe('plainServer: backpressure on pipelined requests', () => {
  it('gives node:http a request that came while a plain one was answered (the reading paused), and reads on', async () => {
    const fallback = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => res.end(`node:${Buffer.concat(chunks).toString()}`));
    });
    const front = plainServer(fallback, {
      maxBodyBytes: 1024,
      answer: async (_request, _body, _socket, reply) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        reply.send(200, { 'content-length': ['5'] }, Buffer.from('plain'));
      },
    });
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    const socket = connect({ port: (front.server.address() as AddressInfo).port, host: '127.0.0.1' });
    let text = '';
    try {
      socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
      socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 30));
      socket.write('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n');
      for (let i = 0; i < 100 && !text.endsWith('node:hi'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(text).toMatch(
        /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nplainHTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nnode:hi$/,
      );
    } finally {
      socket.destroy();
      await front.close();
    }
  });

  it('reads no further while its answers wait unread: a client that sends and never reads is not answered into memory', async () => {
    const request = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
    let mostUnsent = 0;
    let answered = 0;
    const front = plainServer(createServer(), {
      maxBodyBytes: 1024,
      answer: async (_request, _body, socket, reply) => {
        answered++;
        await new Promise(setImmediate);
        reply.send(200, { 'content-length': ['1024'] }, Buffer.alloc(1024, 'x'));
        mostUnsent = Math.max(mostUnsent, socket.writableLength);
      },
    });
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    const socket = connect({ port: (front.server.address() as AddressInfo).port, host: '127.0.0.1' });
    try {
      socket.on('error', () => undefined).pause();
      // 4 MiB of requests, 150 MiB of answers: the server stops reading once its answers back up.
      socket.write(request.repeat(Math.ceil((4 << 20) / request.length)));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(mostUnsent).toBeLessThan(1 << 20);
      // Once the client reads, its answers drain and the requests after them are answered.
      const before = answered;
      socket.resume();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answered).toBeGreaterThan(before + 100);
    } finally {
      socket.destroy();
      await front.close();
    }
  });

  it('reads no further while whole requests wait: a flood of pipelined requests stays unread, not buffered', async () => {
    const request = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
    let answered = 0;
    let mostUnanswered = 0;
    const front = plainServer(createServer(), {
      maxBodyBytes: 1024,
      answer: async (_request, _body, socket, reply) => {
        answered++;
        // Bytes read from the socket and not yet answered: the bytes this connection holds.
        mostUnanswered = Math.max(mostUnanswered, socket.bytesRead - answered * request.length);
        await new Promise(setImmediate);
        reply.send(204, {}, Buffer.alloc(0));
      },
    });
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    const socket = connect({ port: (front.server.address() as AddressInfo).port, host: '127.0.0.1' });
    try {
      socket.on('data', () => undefined).on('error', () => undefined);
      // 4 MiB of requests at once: the server may read a socket buffer's worth ahead, not all of it.
      socket.write(request.repeat(Math.ceil((4 << 20) / request.length)));
      while (answered < 300) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(mostUnanswered).toBeLessThan(256 * 1024);
    } finally {
      socket.destroy();
      await front.close();
    }
  });
});

describe("plainServer: a throw in a request's handling fails that connection alone", () => {
  const BIG = Buffer.alloc(4_000_000, 'x');
  /** A plain server whose answer throws at once for /throw, and rejects for /reject; the failures said. */
  async function start(options: Partial<PlainServerOptions> = {}) {
    const failures: { error: string; url?: string }[] = [];
    const all: PlainServerOptions = {
      maxBodyBytes: 1024,
      answer: (request, _body, _socket, reply) => {
        if (request.url === '/throw') throw new Error('boom');
        if (request.url === '/reject') return Promise.reject(new Error('late boom'));
        if (request.url === '/sent-then-reject') {
          reply.send(200, { 'content-length': [String(BIG.length)] }, BIG);
          return Promise.reject(new Error('boom after'));
        }
        reply.send(200, { 'content-length': ['2'] }, Buffer.from('ok'));
        return Promise.resolve();
      },
      failed: (error, request) => failures.push({ error: String(error), url: request?.url }),
    };
    // Descriptors, not a spread: a getter in `options` stays one.
    Object.defineProperties(all, Object.getOwnPropertyDescriptors(options));
    const front = plainServer(createServer(), all);
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    return { port: (front.server.address() as AddressInfo).port, failures, close: () => front.close() };
  }
  const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;

  it.each([
    ['throws', '/throw', 'Error: boom'],
    ['rejects', '/reject', 'Error: late boom'],
  ])(
    'answers 500 and closes when the answer %s; the request piped behind it is not answered, other connections are',
    async (_, path, error) => {
      const server = await start();
      try {
        let closed = false;
        const text = await exchange(server.port, [GET(path) + GET('/after')], {
          closed: (c) => (closed = c),
        });
        expect(text).toMatch(
          /^HTTP\/1.1 500 Internal Server Error\r\n[\s\S]*Connection: close\r\n\r\n\{"message":"Internal Server Error"\}$/,
        );
        expect(closed).toBe(true);
        expect(server.failures).toEqual([{ error, url: path }]);
        expect(await exchange(server.port, [GET('/next')])).toMatch(
          /^HTTP\/1.1 200 OK\r\n[\s\S]*\r\n\r\nok$/,
        );
      } finally {
        await server.close();
      }
    },
  );

  it('answers 500 and closes when reading a request throws, before any request is known', async () => {
    let reads = 0;
    const server = await start({
      // The options are read as a request's head is: the second request's read throws.
      get maxBodyBytes(): number {
        if (++reads === 2) throw new Error('unreadable');
        return 1024;
      },
    });
    try {
      const text = await exchange(server.port, [
        GET('/first'),
        `POST /second HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx`,
      ]);
      expect(answers(text).map((a) => a.status)).toEqual([200, 500]);
      expect(server.failures).toEqual([{ error: 'Error: unreadable', url: undefined }]);
      expect(await exchange(server.port, [GET('/next')])).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    } finally {
      await server.close();
    }
  });

  it('lets an answer sent whole go out, then closes, when the answer rejects after it', async () => {
    const server = await start();
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = connect({ port: server.port, host: '127.0.0.1' }, () =>
          socket.write(GET('/sent-then-reject')),
        );
        // Reads nothing for a while: the answer waits in the server's buffers when the rejection comes.
        socket.pause();
        setTimeout(() => socket.resume(), 300);
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.on('error', reject);
      });
      expect(text).toMatch(/^HTTP\/1.1 200 OK\r\n[\s\S]*Connection: keep-alive\r\n/);
      expect(text.length - text.indexOf('\r\n\r\n') - 4).toBe(BIG.length);
      expect(server.failures).toEqual([{ error: 'Error: boom after', url: '/sent-then-reject' }]);
    } finally {
      await server.close();
    }
  });

  it('serves on when saying the failure throws too', async () => {
    const server = await start({
      failed: () => {
        throw new Error('no log');
      },
    });
    try {
      expect(await exchange(server.port, [GET('/throw')])).toMatch(/^HTTP\/1.1 500 /);
      expect(await exchange(server.port, [GET('/next')])).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    } finally {
      await server.close();
    }
  });
});
