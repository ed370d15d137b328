import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { connect } from 'node:net';
import { servesHost } from '../../src/local-runtime/front-door.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { startFrontDoor, type FrontDoor, type LocalFunction } from '../../src/local-runtime/index.js';
import type { HttpApiEvent } from '../../src/local-runtime/http-api-event.js';
import { awsEvent, startPythonDoor, type PythonDoor } from './helpers.js';

// A Python handler that answers with what it received, and a few special routes.
const APP = `
import base64, json, os, sys, time

def handler(event, context):
    path = event["rawPath"]
    if path == "/sleep":
        time.sleep(30)
    if path == "/exit":
        os._exit(5)
    if path == "/raise":
        raise RuntimeError("kaput")
    if path == "/plain":
        return {"just": "data"}
    if path == "/sized":  # as a WSGI/ASGI app answers HEAD: the GET's length, no body
        head = event["requestContext"]["http"]["method"] == "HEAD"
        return {"statusCode": 200, "headers": {"content-type": "text/plain", "content-length": "11"},
                "body": "" if head else "hello world"}
    if path in ("/204", "/304"):
        return {"statusCode": int(path[1:]), "headers": {"etag": '"v1"'}}
    if path == "/binary":
        data = base64.b64decode(event["body"]) if event.get("isBase64Encoded") else event["body"].encode()
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(data[::-1]).decode(), "isBase64Encoded": True}
    print("request", event["requestContext"]["http"]["method"], path)
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-pid": str(os.getpid())},
        "cookies": ["session=abc; Path=/; HttpOnly", "theme=dark; Path=/"],
        "body": json.dumps(event),
    }
`;

let fn: LocalFunction;
let door: FrontDoor;
let served: PythonDoor | undefined;
const logger = new RecordingLogger();

beforeAll(async () => {
  served = await startPythonDoor(APP, { functionName: 'door' }, { logger });
  ({ fn, door } = served);
});

afterAll(async () => {
  await served?.stop();
});

describe('startFrontDoor', () => {
  it('listens on 127.0.0.1', () => {
    expect(door.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('turns a request into a 2.0 event and the result into a response', async () => {
    const res = await fetch(`${door.url}/items/7?tag=a&tag=b&q=x%20y`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-custom': 'yes' },
      body: JSON.stringify({ name: 'widget' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark; Path=/']);
    expect(res.headers.get('apigw-requestid')).toBeTruthy();
    const event = (await res.json()) as HttpApiEvent;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/items/7',
      rawQueryString: 'tag=a&tag=b&q=x%20y',
      queryStringParameters: { tag: 'a,b', q: 'x y' },
      cookies: ['c1=v1', 'c2=v2'],
      body: '{"name":"widget"}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/items/7', sourceIp: '127.0.0.1' },
        stage: '$default',
      },
    });
    expect(event.headers['x-custom']).toBe('yes');
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.requestContext.requestId).toBe(res.headers.get('apigw-requestid'));
    expect(fn.logs().join('\n')).toContain('request POST /items/7');
  });

  it('adds the headers and the request id API Gateway adds, in the formats AWS sends them', async () => {
    const aws = awsEvent('http-api-v2-get-root');
    const awsId = (aws.requestContext as { requestId: string }).requestId;
    const awsTrace = (aws.headers as Record<string, string>)['x-amzn-trace-id'];
    const res = await fetch(`${door.url}/ids`);
    const event = (await res.json()) as HttpApiEvent;
    const id = res.headers.get('apigw-requestid');
    const idFormat = /^[A-Za-z0-9_-]{15}=$/;
    expect([awsId, id, event.requestContext.requestId]).toEqual([
      expect.stringMatching(idFormat),
      expect.stringMatching(idFormat),
      id,
    ]);
    const traceFormat = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/;
    expect([awsTrace, event.headers['x-amzn-trace-id']]).toEqual([
      expect.stringMatching(traceFormat),
      expect.stringMatching(traceFormat),
    ]);
    // The trace id's time is the request's, in seconds.
    const seconds = parseInt(event.headers['x-amzn-trace-id']!.slice(7, 15), 16);
    expect(Math.abs(seconds - event.requestContext.timeEpoch / 1000)).toBeLessThan(2);
    expect(event.headers['content-length']).toBe('0');
  });

  it('round-trips a binary body through base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 3, 128, 254, 255, 10, 13]);
    const res = await fetch(`${door.url}/binary`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([...bytes].reverse()));
  });

  it.each([204, 304])('sends no Content-Length with a %s, which has no body (RFC 9110)', async (status) => {
    const res = await fetch(`${door.url}/${status}`);
    expect([res.status, res.headers.get('content-length'), res.headers.get('etag')]).toEqual([
      status,
      null,
      '"v1"',
    ]);
  });

  it("answers HEAD with the GET's Content-Length, as the function declared it (RFC 9110 8.6)", async () => {
    const head = await fetch(`${door.url}/sized`, { method: 'HEAD' });
    const get = await fetch(`${door.url}/sized`);
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '11']);
    expect([get.headers.get('content-length'), await get.text()]).toEqual(['11', 'hello world']);
  });

  it('sends no body on the wire for HEAD, even when the function returns one', async () => {
    // A raw socket: HTTP clients skip a HEAD response's body, so they cannot see one sent anyway.
    const { port } = new URL(door.url);
    const wire = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          `HEAD /echo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n` +
            `GET /after HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
        ),
      );
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [headHead, afterHead] = wire.split('\r\n\r\n');
    expect(headHead).toMatch(/^HTTP\/1\.1 201 /);
    // The length of the body the function returned, and straight after the headers the next response.
    expect(Number(/\r\ncontent-length: (\d+)/i.exec(headHead!)?.[1])).toBeGreaterThan(100);
    expect(afterHead).toMatch(/^HTTP\/1\.1 201 /);
  });

  it('answers a plain result with a 200 JSON body', async () => {
    const res = await fetch(`${door.url}/plain`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ just: 'data' });
  });

  it('answers a function error with 502, a timeout with 504, a crash with 502, and recovers', async () => {
    const raised = await fetch(`${door.url}/raise`);
    expect(raised.status).toBe(502);
    expect(await raised.json()).toEqual({ message: 'Internal Server Error' });

    const timedOut = await fetch(`${door.url}/sleep`);
    expect(timedOut.status).toBe(504);
    await timedOut.arrayBuffer();

    const crashed = await fetch(`${door.url}/exit`);
    expect(crashed.status).toBe(502);
    await crashed.arrayBuffer();

    const again = await fetch(`${door.url}/fine`);
    expect(again.status).toBe(201);
    await again.arrayBuffer();
    expect(logger.text('warning')).toMatch(/GET \/sleep -> 504: Sandbox.Timedout/);
    expect(logger.text('warning')).toMatch(/GET \/exit -> 502: Runtime.ExitError/);
  });

  it('refuses a body over the limit with 413', async () => {
    const small = await startFrontDoor(fn, { maxBodyBytes: 10 });
    try {
      const res = await fetch(small.url, { method: 'POST', body: 'x'.repeat(11) });
      expect(res.status).toBe(413);
      await res.arrayBuffer();
    } finally {
      await small.close();
    }
  });

  it('says so when the port is taken', async () => {
    const port = Number(new URL(door.url).port);
    await expect(startFrontDoor(fn, { port })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
  });
});

describe("a request that fails: the warning names its path, never its query's token", () => {
  it('drops the query string, as every other request line does', async () => {
    const failing = new RecordingLogger();
    const broken = await startFrontDoor(
      { invoke: () => Promise.reject(new Error('kaput')) },
      { logger: failing, secrets: ['Zk3j2Ls9Qp0xxQ'] },
    );
    try {
      const res = await fetch(`${broken.url}/cb?token=Zk3j2Ls9Qp0xxQ&code=4f2a9c&state=x`);
      expect(res.status).toBe(500);
      await res.arrayBuffer();
    } finally {
      await broken.close();
    }
    expect(failing.text('warning')).toBe('front door: GET /cb failed: Error: kaput');
  });

  it('drops it for a HEAD too, and a query that is only its `?`', async () => {
    const failing = new RecordingLogger();
    const broken = await startFrontDoor(
      { invoke: () => Promise.reject(new Error('kaput')) },
      { logger: failing },
    );
    try {
      for (const [method, query] of [
        ['HEAD', '?token=Zk3j2Ls9Qp0xxQ'],
        ['GET', '?'],
      ])
        expect((await fetch(`${broken.url}/cb${query}`, { method })).status).toBe(500);
    } finally {
      await broken.close();
    }
    expect(failing.text('warning')).toBe(
      'front door: HEAD /cb failed: Error: kaput\nfront door: GET /cb failed: Error: kaput',
    );
  });

  it("hides a known value in the error's own text", async () => {
    const failing = new RecordingLogger();
    const broken = await startFrontDoor(
      { invoke: () => Promise.reject(new Error('bad login Zk3j2Ls9Qp0xxQ')) },
      { logger: failing, secrets: ['Zk3j2Ls9Qp0xxQ'] },
    );
    try {
      await (await fetch(`${broken.url}/login`)).arrayBuffer();
    } finally {
      await broken.close();
    }
    expect(failing.text('warning')).toBe('front door: GET /login failed: Error: bad login ***');
  });
});

describe('serve answers only its own address (DNS rebinding)', () => {
  /** A GET with the Host header a browser would send for `host`. */
  function get(host: string): Promise<{ status: number; body: string }> {
    const { port } = new URL(door.url);
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: Number(port), path: '/who', method: 'GET', headers: { host } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('refuses a request for another name with 421, and the function never sees it', async () => {
    const { port } = new URL(door.url);
    const before = fn.logs().filter((l) => l.includes('request GET /who')).length;
    const refused = await get(`attacker.example:${port}`);
    expect(refused.status).toBe(421);
    expect(refused.body).toContain('answers only 127.0.0.1 and localhost');
    expect(fn.logs().filter((l) => l.includes('request GET /who'))).toHaveLength(before);
    expect(logger.text('warning')).toContain('refused GET for Host "attacker.example:');
  });

  it('answers 127.0.0.1:PORT and localhost:PORT', async () => {
    const { port } = new URL(door.url);
    expect((await get(`127.0.0.1:${port}`)).status).toBe(201);
    expect((await get(`LOCALHOST:${port}`)).status).toBe(201);
  });

  it.each<[string | undefined, number, boolean]>([
    ['127.0.0.1:3000', 3000, true],
    ['localhost:3000', 3000, true],
    ['localhost', 80, true],
    ['localhost', 3000, false],
    ['127.0.0.1:3001', 3000, false],
    ['evil.example', 80, false],
    ['127.0.0.1.nip.io:3000', 3000, false],
    [undefined, 3000, false],
  ])('servesHost(%s, %s) is %s', (host, port, expected) => {
    expect(servesHost(host, port)).toBe(expected);
  });
});
