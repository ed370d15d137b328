/**
 * The Runtime API's HTTP/1.1 on a plain socket (issue 16): what a runtime
 * client of any make may send, answered in order on one connection.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { RuntimeApiServer } from '../../src/local-runtime/runtime-api-server.js';

const servers: RuntimeApiServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A raw connection that keeps every read apart, so a test can see what came in one write. */
async function open(server: RuntimeApiServer) {
  const [host, port] = server.address.split(':');
  const socket = connect({ host, port: Number(port), noDelay: true });
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  const reads: string[] = [];
  let ended = false;
  socket.on('data', (chunk: Buffer) => reads.push(chunk.toString('latin1')));
  socket.on('end', () => (ended = true));
  const text = () => reads.join('');
  // Bounded, and well within the test's timeout (60 s, jest.config.js): a failed wait says what
  // the socket read, not jest's timeout; a poll that outlived a failed test would keep the jest
  // worker from exiting.
  const until = async (done: () => boolean) => {
    for (const end = Date.now() + WAIT_MS; !done(); await new Promise((resolve) => setTimeout(resolve, 5)))
      if (Date.now() > end)
        throw new Error(`still waiting after ${WAIT_MS} ms; the socket read: ${JSON.stringify(text())}`);
  };
  return { socket, reads, text, until, ended: () => ended };
}

/** Generous for an answer over loopback on a loaded machine; well under the test's 60 s timeout. */
const WAIT_MS = 5000;

/** Whether `text` starts with a whole answer: its head and, by its Content-Length, its body. */
function wholeAnswer(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
  return text.length >= end + 4 + length;
}

/**
 * The answer to a request the connection ends after, once it ended. Waits for the end or a whole
 * answer, whichever comes first: an answer that keeps the connection open (a broken check) fails
 * the expects after this at once, not at a timeout.
 */
async function closingAnswer(c: Awaited<ReturnType<typeof open>>): Promise<string> {
  await c.until(() => c.ended() || wholeAnswer(c.text()));
  const answer = c.text();
  expect(answer).toMatch(/\r\nConnection: close\r\n/);
  await c.until(c.ended);
  return answer;
}

const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n';
const post = (requestId: string, body: string, extra = '') =>
  `POST /2018-06-01/runtime/invocation/${requestId}/response HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const options = { deadlineMs: 1, functionArn: 'arn' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** A server and a connection that has taken one event (its reads cleared). */
async function withEvent(event: unknown) {
  const server = await RuntimeApiServer.start();
  servers.push(server);
  const c = await open(server);
  const invocation = server.enqueue(event, options);
  c.socket.write(NEXT);
  await c.until(() => c.text().endsWith(`\r\n\r\n${JSON.stringify(event)}`));
  c.reads.length = 0;
  return { server, c, invocation };
}

async function fresh() {
  const server = await RuntimeApiServer.start();
  servers.push(server);
  return { server, c: await open(server) };
}

describe('the Runtime API connection', () => {
  it('holds the 202 of a result whose next poll came with it, and sends both in one write', async () => {
    const { server, c, invocation: first } = await withEvent({ n: 1 });

    c.socket.write(post(first.requestId, '"one"') + NEXT);
    expect(await first.outcome).toEqual({ kind: 'response', body: Buffer.from('"one"') });
    await settle();
    expect(c.text()).toBe(''); // the runtime waits for the event anyway
    const second = server.enqueue({ n: 2 }, options);
    await c.until(() => c.text().includes('{"n":2}'));
    expect(c.reads).toHaveLength(1);
    expect(c.reads[0]).toMatch(
      new RegExp(
        `^HTTP/1.1 202 Accepted\\r\\n[\\s\\S]*HTTP/1.1 200 OK\\r\\n[\\s\\S]*Lambda-Runtime-Aws-Request-Id: ${second.requestId}\\r\\n`,
      ),
    );
    expect(server.pipelined).toBe(1);
  });

  it('answers a result at once when no poll came with it', async () => {
    const { c, invocation } = await withEvent({});
    c.socket.write(post(invocation.requestId, '1'));
    await c.until(() => c.text().includes('{"status":"OK"}'));
    expect(c.text()).toMatch(/^HTTP\/1.1 202 Accepted\r\n/);
  });

  it('reads chunked bodies, answers Expect: 100-continue, and closes after an HTTP/1.0 request', async () => {
    const { server, c, invocation } = await withEvent({});
    c.socket.write(
      `POST /2018-06-01/runtime/invocation/${invocation.requestId}/response HTTP/1.1\r\nHost: x\r\n` +
        'Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n',
    );
    await c.until(() => c.text().includes('100 Continue'));
    c.socket.write('4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n');
    expect(await invocation.outcome).toEqual({ kind: 'response', body: Buffer.from('{"a":1}') });
    await c.until(() => c.text().includes('202 Accepted'));

    const old = await open(server);
    old.socket.write('GET /elsewhere HTTP/1.0\r\n\r\n');
    expect(await closingAnswer(old)).toMatch(/^HTTP\/1.1 404 Not Found\r\n[\s\S]*Connection: close\r\n/);
  });

  it('refuses a request it cannot read with 400 and ends the connection', async () => {
    const { c } = await fresh();
    c.socket.write('NONSENSE\r\n\r\n');
    expect(await closingAnswer(c)).toMatch(/^HTTP\/1.1 400 Bad Request\r\n[\s\S]*Connection: close\r\n/);
  });

  it.each([
    ['no target or version', 'GET\r\nHost: x\r\n\r\n'],
    ['no version', 'GET /nope\r\nHost: x\r\n\r\n'],
    ['two spaces (an empty target)', 'GET  /nope HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a version that is not HTTP/1.x', 'GET /nope HTTP/2.0\r\nHost: x\r\n\r\n'],
  ])('refuses a request line with %s with 400', async (_, request) => {
    const { c } = await fresh();
    c.socket.write(request);
    expect(await closingAnswer(c)).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
  });

  it('reads the first three words of a request line with more (as split on spaces would)', async () => {
    const { c } = await fresh();
    // HTTP/1.0 the version (not "HTTP/1.0 more words"): the connection closes after the answer.
    c.socket.write('GET /nope HTTP/1.0 more words\r\nHost: x\r\n\r\n');
    expect(await closingAnswer(c)).toMatch(
      /^HTTP\/1.1 404 Not Found\r\n[\s\S]*Connection: close\r\n[\s\S]*No Runtime API route for \/nope"/,
    );
  });

  it('answers pipelined requests in the order they came, the parked poll last', async () => {
    const { server, c } = await fresh();
    c.socket.write(`${post('unknown', '1')}GET /nope HTTP/1.1\r\nHost: x\r\n\r\n${NEXT}`);
    await c.until(() => (c.text().match(/HTTP\/1.1/g) ?? []).length === 2);
    expect(c.text()).toMatch(
      /^HTTP\/1.1 400 Bad Request[\s\S]*InvalidRequestID[\s\S]*HTTP\/1.1 404 Not Found/,
    );
    const invocation = server.enqueue({ n: 3 }, options);
    await c.until(() => c.text().includes('{"n":3}'));
    expect(c.text()).toContain(`Lambda-Runtime-Aws-Request-Id: ${invocation.requestId}`);
  });
});
