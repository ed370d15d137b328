import { afterEach, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { lambdaEnvironment, localRegion } from '../../src/local-runtime/lambda-environment.js';
import { LogBuffer } from '../../src/local-runtime/log-buffer.js';
import { parsePrelude, PRELUDE_CONTENT_TYPE, splitPrelude } from '../../src/local-runtime/response-stream.js';
import {
  parseError,
  RuntimeApiServer,
  type LambdaError,
} from '../../src/local-runtime/runtime-api-server.js';

const servers: RuntimeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(hooks = {}) {
  const s = await RuntimeApiServer.start(hooks);
  servers.push(s);
  return s;
}

const url = (s: RuntimeApiServer, route: string) => `http://${s.address}/2018-06-01/runtime/${route}`;

describe('RuntimeApiServer', () => {
  it('long-polls for the next invocation and settles it with the posted response', async () => {
    let polls = 0;
    const s = await server({ onNext: () => polls++ });
    const next = fetch(url(s, 'invocation/next'));
    // The poll is parked until there is work: queue it only once the server has seen it.
    while (polls === 0) await new Promise((r) => setImmediate(r));
    const invocation = s.enqueue(
      { hello: 'world' },
      { deadlineMs: 1234567, functionArn: 'arn:aws:lambda:x' },
    );
    const res = await next;
    expect(res.status).toBe(200);
    expect(res.headers.get('lambda-runtime-aws-request-id')).toBe(invocation.requestId);
    expect(res.headers.get('lambda-runtime-deadline-ms')).toBe('1234567');
    expect(res.headers.get('lambda-runtime-invoked-function-arn')).toBe('arn:aws:lambda:x');
    expect(res.headers.get('lambda-runtime-trace-id')).toMatch(
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    expect(await res.json()).toEqual({ hello: 'world' });

    const posted = await fetch(url(s, `invocation/${invocation.requestId}/response`), {
      method: 'POST',
      body: '"done"',
    });
    expect(posted.status).toBe(202);
    await posted.arrayBuffer();
    const outcome = await invocation.outcome;
    expect(outcome.kind === 'response' && outcome.body.toString()).toBe('"done"');

    // Answered once only.
    const again = await fetch(url(s, `invocation/${invocation.requestId}/response`), {
      method: 'POST',
      body: '1',
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ errorType: 'InvalidRequestID' });
  });

  it('hands out queued work at once and records errors and init errors', async () => {
    let initError: LambdaError | undefined;
    const s = await server({ onInitError: (e: LambdaError) => (initError = e) });
    const invocation = s.enqueue(null, { deadlineMs: 1, functionArn: 'a' });
    const res = await fetch(url(s, 'invocation/next'));
    expect(await res.text()).toBe('null');
    await (
      await fetch(url(s, `invocation/${invocation.requestId}/error`), {
        method: 'POST',
        headers: { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' },
        body: JSON.stringify({ errorType: 'KeyError', errorMessage: "'x'", stackTrace: ['  File "app.py"'] }),
      })
    ).arrayBuffer();
    expect(await invocation.outcome).toEqual({
      kind: 'error',
      error: { errorType: 'KeyError', errorMessage: "'x'", stackTrace: ['  File "app.py"'] },
    });

    const init = await fetch(url(s, 'init/error'), {
      method: 'POST',
      body: JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: 'no module' }),
    });
    expect(init.status).toBe(202);
    await init.arrayBuffer();
    expect(initError).toEqual({ errorType: 'Runtime.ImportModuleError', errorMessage: 'no module' });
    expect(s.initError).toEqual(initError);
  });

  it('does not give work to a poll whose runtime went away', async () => {
    let polls = 0;
    const s = await server({ onNext: () => polls++ });
    const aborted = new AbortController();
    const gone = fetch(url(s, 'invocation/next'), { signal: aborted.signal }).catch(() => 'aborted');
    while (polls === 0) await new Promise((r) => setImmediate(r));
    aborted.abort();
    expect(await gone).toBe('aborted');
    while (s.waiting > 0) await new Promise((r) => setImmediate(r));
    const invocation = s.enqueue({ n: 1 }, { deadlineMs: 1, functionArn: 'a' });
    const res = await fetch(url(s, 'invocation/next'));
    expect(res.headers.get('lambda-runtime-aws-request-id')).toBe(invocation.requestId);
    await res.arrayBuffer();
  });

  it('answers unknown routes with 404', async () => {
    const s = await server();
    const res = await fetch(`http://${s.address}/2018-06-01/runtime/nope`, { method: 'POST' });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});

describe('parseError', () => {
  it.each([
    [
      '{"errorType":"E","errorMessage":"m","stackTrace":["a"]}',
      undefined,
      { errorType: 'E', errorMessage: 'm', stackTrace: ['a'] },
    ],
    [
      '{"errorType":"E","errorMessage":"m","trace":["t"]}',
      undefined,
      { errorType: 'E', errorMessage: 'm', stackTrace: ['t'] },
    ],
    ['{"errorMessage":"m"}', 'Unhandled', { errorType: 'Unhandled', errorMessage: 'm' }],
    ['not json', 'Custom', { errorType: 'Custom', errorMessage: 'not json' }],
    ['', undefined, { errorType: 'Unhandled', errorMessage: '' }],
  ])('%s', (body, header, expected) => {
    expect(parseError(Buffer.from(body), header)).toEqual(expected);
  });
});

describe('lambdaEnvironment', () => {
  const base = {
    runtime: 'python3.12',
    runtimeApi: '127.0.0.1:9001',
    handler: 'app.handler',
    taskRoot: '/pkg',
    runtimeDir: '/rt/python',
    functionName: 'fn',
    memory: 512,
    region: 'eu-central-1',
    logStreamName: '2020/01/01/[$LATEST]abc',
  };

  it('keeps only harmless parent variables and sets what Lambda sets', () => {
    const { env, ignored } = lambdaEnvironment({
      ...base,
      parentEnv: {
        PATH: '/bin',
        HOME: '/home/u',
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 's',
        GITHUB_TOKEN: 'ghs',
        NODE_OPTIONS: '--x',
        PYTHONPATH: '/elsewhere',
      },
      userEnv: { STAGE: 'dev', AWS_REGION: 'mars-1', _HANDLER: 'evil.handler', PYTHONUNBUFFERED: '0' },
    });
    expect(ignored).toEqual(['AWS_REGION', '_HANDLER']);
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/u',
      TZ: ':UTC',
      PYTHONUNBUFFERED: '0',
      PYTHONDONTWRITEBYTECODE: '1',
      STAGE: 'dev',
      _HANDLER: 'app.handler',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      LAMBDA_TASK_ROOT: '/pkg',
      LAMBDA_RUNTIME_DIR: '/rt/python',
      AWS_EXECUTION_ENV: 'AWS_Lambda_python3.12',
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_STREAM_NAME: '2020/01/01/[$LATEST]abc',
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'eu-central-1',
    });
  });

  it("runs the function in UTC as Lambda does, not in this machine's time zone, unless it sets TZ", () => {
    const parentEnv = { TZ: 'Asia/Tokyo' };
    expect(lambdaEnvironment({ ...base, parentEnv, userEnv: {} }).env.TZ).toBe(':UTC');
    expect(lambdaEnvironment({ ...base, parentEnv, userEnv: { TZ: 'Europe/Berlin' } }).env.TZ).toBe(
      'Europe/Berlin',
    );
  });

  it('sets no Python variables for Node.js', () => {
    const { env } = lambdaEnvironment({ ...base, runtime: 'nodejs22.x', parentEnv: {}, userEnv: {} });
    expect(env).not.toHaveProperty('PYTHONUNBUFFERED');
    expect(env.AWS_EXECUTION_ENV).toBe('AWS_Lambda_nodejs22.x');
  });

  it.each([
    ['ap-south-1', {}, 'ap-south-1'],
    [undefined, { AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'x' }, 'eu-west-3'],
    [undefined, { AWS_DEFAULT_REGION: 'sa-east-1' }, 'sa-east-1'],
    [undefined, {}, 'us-east-1'],
  ])('region %s with %j -> %s', (explicit, parent, expected) => {
    expect(localRegion(explicit, parent)).toBe(expected);
  });
});

describe('LogBuffer', () => {
  it('joins chunks into timestamped lines, per stream, and keeps the newest', () => {
    const seen: string[] = [];
    const buffer = new LogBuffer(
      () => Date.UTC(2024, 0, 2, 3, 4, 5, 6),
      3,
      10,
      (line, stream) => seen.push(`${stream}:${line}`),
    );
    buffer.write('stdout', 'hel');
    buffer.write('stderr', 'err\r\n');
    buffer.write('stdout', 'lo\nwor');
    buffer.end('stdout');
    expect(seen).toEqual(['stderr:err', 'stdout:hello', 'stdout:wor']);
    buffer.write('stdout', 'x'.repeat(25));
    expect(buffer.snapshot()).toEqual([
      '2024-01-02T03:04:05.006Z hello',
      '2024-01-02T03:04:05.006Z wor',
      `2024-01-02T03:04:05.006Z ${'x'.repeat(10)} [truncated]`,
    ]);
    // The sink gets it whole: it redacts before it cuts (a value cut in half matches nothing).
    expect(seen.at(-1)).toBe(`stdout:${'x'.repeat(25)}`);
  });
});

describe('RuntimeApiServer: streamed responses', () => {
  /** Takes the next event over a raw socket, then returns the socket to post on. */
  async function takeEvent(s: RuntimeApiServer) {
    const invocation = s.enqueue({}, { deadlineMs: 1, functionArn: 'arn:aws:lambda:x' });
    const next = await fetch(url(s, 'invocation/next'));
    await next.arrayBuffer();
    const [host, port] = s.address.split(':');
    const socket = connect(Number(port), host!);
    await new Promise((r) => socket.once('connect', r));
    const head =
      `POST /2018-06-01/runtime/invocation/${invocation.requestId}/response HTTP/1.1\r\n` +
      `Host: ${s.address}\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n` +
      `Content-Type: ${PRELUDE_CONTENT_TYPE}\r\nTransfer-Encoding: chunked\r\n` +
      'Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n';
    return { invocation, socket, head };
  }
  const chunk = (data: Buffer | string) => {
    const bytes = Buffer.from(data);
    return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
  };

  it('hands over each chunk as it arrives, then the clean end', async () => {
    const s = await server();
    const { invocation, socket, head } = await takeEvent(s);
    socket.write(
      Buffer.concat([Buffer.from(head), chunk('{"statusCode":201}'), chunk(Buffer.alloc(8)), chunk('one')]),
    );
    const outcome = await invocation.outcome;
    if (outcome.kind !== 'stream') throw new Error(`expected a stream, got ${outcome.kind}`);
    expect(outcome.stream.contentType).toBe(PRELUDE_CONTENT_TYPE);
    const seen: Buffer[] = [];
    outcome.stream.read((c) => seen.push(c));
    while (Buffer.concat(seen).length < 29) await new Promise((r) => setImmediate(r));
    expect(splitPrelude(Buffer.concat(seen))).toEqual({
      prelude: { statusCode: 201, headers: [] },
      rest: Buffer.from('one'),
    });
    const answer = new Promise<string>((r) => socket.once('data', (d: Buffer) => r(d.toString())));
    socket.write(Buffer.concat([chunk('two'), Buffer.from('0\r\n\r\n')]));
    expect(await answer).toMatch(/^HTTP\/1.1 202/);
    expect(await outcome.stream.finished).toBeUndefined();
    expect(Buffer.concat(seen).subarray(26).toString()).toBe('onetwo');
    socket.destroy();
  });

  it('ends the stream with the error the trailers carry', async () => {
    const s = await server();
    const { invocation, socket, head } = await takeEvent(s);
    const error = { errorType: 'TypeError', errorMessage: 'late', stackTrace: ['at x'] };
    socket.write(
      Buffer.concat([
        Buffer.from(head),
        chunk('part'),
        Buffer.from(
          '0\r\nLambda-Runtime-Function-Error-Type: TypeError\r\n' +
            `Lambda-Runtime-Function-Error-Body: ${Buffer.from(JSON.stringify(error)).toString('base64')}\r\n\r\n`,
        ),
      ]),
    );
    const outcome = await invocation.outcome;
    if (outcome.kind !== 'stream') throw new Error(`expected a stream, got ${outcome.kind}`);
    expect(await outcome.stream.finished).toEqual(error);
    expect(outcome.stream.collected()?.toString()).toBe('part');
    socket.destroy();
  });

  it('ends the stream with an error when the runtime goes away mid-stream', async () => {
    const s = await server();
    const { invocation, socket, head } = await takeEvent(s);
    socket.write(Buffer.concat([Buffer.from(head), chunk('part')]));
    const outcome = await invocation.outcome;
    if (outcome.kind !== 'stream') throw new Error(`expected a stream, got ${outcome.kind}`);
    socket.destroy();
    expect(await outcome.stream.finished).toMatchObject({ errorType: 'Runtime.ExitError' });
  });
});

describe('parsePrelude', () => {
  it('reads statusCode, headers and cookies as a function URL does', () => {
    expect(
      parsePrelude(Buffer.from('{"statusCode":404,"headers":{"a":"1"},"cookies":["c=1","d=2"]}')),
    ).toEqual({
      statusCode: 404,
      headers: [
        ['a', '1'],
        ['set-cookie', 'c=1'],
        ['set-cookie', 'd=2'],
      ],
    });
  });

  it('defaults to a 200 without headers', () => {
    expect(parsePrelude(Buffer.from('{}'))).toEqual({ statusCode: 200, headers: [] });
    expect(parsePrelude(Buffer.from('not json'))).toEqual({ statusCode: 200, headers: [] });
  });

  it('waits for the 8 NULs', () => {
    expect(splitPrelude(Buffer.from('{"statusCode":200}\0\0\0'))).toBeUndefined();
  });
});
