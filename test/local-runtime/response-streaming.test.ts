import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { RecordingLogger } from '../../src/util/logger.js';
import {
  startFrontDoor,
  startLocalFunction,
  type FrontDoor,
  type LocalFunction,
} from '../../src/local-runtime/index.js';
import { codeDir, removeAll } from './helpers.js';

// A streaming handler as Lambda's guide writes them: awslambda.streamifyResponse, HttpResponseStream.from.
const APP = `
import { existsSync } from 'node:fs';

const until = async (file) => {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 10));
};

export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const path = event.rawPath;
  if (path === '/raw') {
    responseStream.write('a');
    responseStream.write({ b: context.functionName });
    responseStream.end();
    return;
  }
  const prelude = path === '/fail'
    ? { statusCode: 200, headers: { 'content-type': 'text/plain' } }
    : { statusCode: 201, headers: { 'content-type': 'text/plain', 'x-kind': 'stream', 'content-length': '1' }, cookies: ['a=1', 'b=2'] };
  responseStream = awslambda.HttpResponseStream.from(responseStream, prelude);
  responseStream.write('first;');
  if (path === '/fail') {
    await new Promise((r) => setTimeout(r, 50));
    throw new TypeError('broke mid-stream');
  }
  if (path === '/wait') await until(event.queryStringParameters.signal);
  responseStream.write('second');
  responseStream.end();
});
`;

const PLAIN = `export const handler = async (event) => ({ statusCode: 202, body: 'plain ' + event.rawPath });`;

const dirs: string[] = [];
const logger = new RecordingLogger();
const started: { fn: LocalFunction; doors: FrontDoor[] }[] = [];

async function start(runtime: string, app = APP): Promise<LocalFunction> {
  const dir = await codeDir({ 'index.mjs': app });
  dirs.push(dir);
  const fn = await startLocalFunction(
    {
      codeDir: dir,
      runtime,
      handler: 'index.handler',
      environment: {},
      timeout: 5,
      memory: 128,
      functionName: 'streamer',
    },
    { logger },
  );
  started.push({ fn, doors: [] });
  return fn;
}

let fn: LocalFunction;
let streamDoor: FrontDoor;
let bufferedDoor: FrontDoor;

beforeAll(async () => {
  fn = await start('nodejs22.x');
  streamDoor = await startFrontDoor(fn, { logger, gateway: 'function-url', invokeMode: 'RESPONSE_STREAM' });
  bufferedDoor = await startFrontDoor(fn, { logger, gateway: 'function-url' });
  started[0]!.doors.push(streamDoor, bufferedDoor);
});

afterAll(async () => {
  for (const { fn: f, doors } of started.splice(0)) {
    for (const door of doors) await door.close();
    await f.stop();
  }
  await removeAll(dirs);
});

/** A GET whose response is read chunk by chunk; `onChunk` sees each as it arrives. */
function getStreamed(
  url: string,
  onChunk: (text: string) => void = () => undefined,
): Promise<{ res: IncomingMessage; body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        onChunk(chunk);
      });
      res.on('error', () => undefined); // a cut stream: 'close' follows with complete false
      res.on('close', () => resolve({ res, body, complete: res.complete }));
    }).on('error', reject);
  });
}

describe('response streaming (awslambda.streamifyResponse)', () => {
  // A function URL answers with the invocation's own request id in x-amzn-RequestId (the id of
  // its END log line), not API Gateway's apigw-requestid: LocalStack's AWS-recorded snapshot
  // (TestLambdaURL, lambda_url_invocation) shows both as the same UUID.
  it.each([
    ['RESPONSE_STREAM', () => streamDoor],
    ['BUFFERED', () => bufferedDoor],
  ])('%s: answers with x-amzn-RequestId, the invocation id, as a function URL does', async (_mode, door) => {
    const { res } = await getStreamed(`${door().url}/raw`);
    const ends = fn.logs().filter((l) => l.includes('END RequestId: '));
    const last = /END RequestId: (\S+)/.exec(ends.at(-1) ?? '')?.[1];
    expect(res.headers['x-amzn-requestid']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(res.headers['x-amzn-requestid']).toBe(last);
    expect(res.headers['apigw-requestid']).toBeUndefined();
  });

  it('RESPONSE_STREAM: sends the prelude and the first chunk before the handler has finished', async () => {
    const signal = join(dirs[0]!, 'go');
    const seen: string[] = [];
    const { res, body, complete } = await getStreamed(
      `${streamDoor.url}/wait?signal=${encodeURIComponent(signal)}`,
      (chunk) => {
        seen.push(chunk);
        // Only once the first chunk is here may the handler go on.
        if (seen.length === 1) void writeFile(signal, '');
      },
    );
    expect(seen[0]).toBe('first;');
    expect(body).toBe('first;second');
    expect(complete).toBe(true);
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['x-kind']).toBe('stream');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('BUFFERED (the default): the whole body, with the prelude applied', async () => {
    const res = await fetch(`${bufferedDoor.url}/whole`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-kind')).toBe('stream');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(res.headers.get('content-length')).toBe('12');
    expect(await res.text()).toBe('first;second');
  });

  it('cuts the client connection on an error mid-stream and logs the error', async () => {
    const { res, body, complete } = await getStreamed(`${streamDoor.url}/fail`);
    expect(res.statusCode).toBe(200);
    expect(body).toBe('first;');
    expect(complete).toBe(false);
    expect(logger.lines.map((l) => l.message).join('\n')).toMatch(
      /GET \/fail -> 200: the response stream was cut: TypeError: broke mid-stream/,
    );
    expect(fn.logs().join('\n')).toMatch(/ERROR\tTypeError: broke mid-stream/);
  });

  it('BUFFERED: an error mid-stream is a 502, as for any failed invocation', async () => {
    const res = await fetch(`${bufferedDoor.url}/fail`);
    expect(res.status).toBe(502);
  });

  it('invoke() without a reader: the streamed bytes are the payload; the trailers carry an error', async () => {
    // Anything but a string or bytes is written as JSON, as Lambda's runtime does.
    const ok = await fn.invoke({ rawPath: '/raw' });
    expect(ok).toMatchObject({ ok: true, payload: 'a{"b":"streamer"}' });
    const failed = await fn.invoke({ rawPath: '/fail', queryStringParameters: {} });
    expect(failed).toMatchObject({ ok: false, errorType: 'TypeError', errorMessage: 'broke mid-stream' });
    // The runtime goes on serving after a failed stream.
    expect(await fn.invoke({ rawPath: '/raw' })).toMatchObject({ ok: true });
  });

  it('RESPONSE_STREAM without a prelude: a 200 of the stream content type', async () => {
    const res = await fetch(`${streamDoor.url}/raw`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(await res.text()).toBe('a{"b":"streamer"}');
  });

  it('nodejs24.x takes a streaming handler (three parameters, not a callback)', async () => {
    const fn24 = await start('nodejs24.x');
    expect(await fn24.invoke({ rawPath: '/raw' })).toMatchObject({ ok: true, payload: 'a{"b":"streamer"}' });
  });

  it("a REST API's stream takes the prelude's multiValueHeaders, as API Gateway's STREAM integration does", async () => {
    const rest = await start(
      'nodejs22.x',
      `export const handler = awslambda.streamifyResponse(async (event, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, {
          statusCode: 200,
          headers: { 'x-one': 'a' },
          multiValueHeaders: { 'x-many': ['b', 'c'] },
          cookies: ['k=1'],
        });
        stream.write('rest');
        stream.end();
      });`,
    );
    for (const invokeMode of ['RESPONSE_STREAM', 'BUFFERED'] as const) {
      const door = await startFrontDoor(rest, { logger, gateway: 'rest-api', invokeMode });
      started[started.length - 1]!.doors.push(door);
      const res = await fetch(`${door.url}/x`);
      expect(res.headers.get('x-one')).toBe('a');
      expect(res.headers.get('x-many')).toBe('b, c');
      expect(res.headers.getSetCookie()).toEqual(['k=1']);
      expect(await res.text()).toBe('rest');
    }
  });

  it("end(chunk) before any write() loses the prelude, as on Lambda (its runtime's end skips write), with a warning", async () => {
    const ender = await start(
      'nodejs22.x',
      `export const handler = awslambda.streamifyResponse(async (event, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, { statusCode: 404, headers: { 'x-kind': 'ended' } });
        stream.end('Not Found');
      });`,
    );
    const door = await startFrontDoor(ender, {
      logger,
      gateway: 'function-url',
      invokeMode: 'RESPONSE_STREAM',
    });
    started[started.length - 1]!.doors.push(door);
    const res = await fetch(`${door.url}/x`);
    await res.text();
    expect(ender.logs().join('\n')).toContain(
      'end(chunk) came before any write(): on Lambda its status and headers (HttpResponseStream.from) are not sent',
    );
    expect(res.status).not.toBe(404);
    expect(res.headers.get('x-kind')).toBeNull();
  });

  it('a handler that does not stream answers as before under RESPONSE_STREAM', async () => {
    const plain = await start('nodejs22.x', PLAIN);
    const door = await startFrontDoor(plain, {
      logger,
      gateway: 'function-url',
      invokeMode: 'RESPONSE_STREAM',
    });
    started[started.length - 1]!.doors.push(door);
    const res = await fetch(`${door.url}/x`);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('plain /x');
  });
});
