/**
 * The events the local front door builds, side by side with events AWS sent
 * (test/local-runtime/fixtures, from aws/aws-lambda-go's events/testdata):
 * for the same request, the same keys, the same types and the same value
 * formats. Request ids, times, addresses and what a route or authorizer we do
 * not create adds (authorizer, pathParameters, stageVariables) are left out.
 */
import { describe, expect, it } from '@jest/globals';
import { toHttpApiEvent, type HttpRequestParts } from '../../src/local-runtime/http-api-event.js';
import { traceRoot } from '../../src/local-runtime/random-ids.js';
import { toRestApiEvent } from '../../src/local-runtime/rest-api-event.js';
import { awsEvent } from './helpers.js';

type Json = Record<string, unknown>;

const fixture = awsEvent;

/** The shape of a value: each key's type, recursively (`string`, `number`, `null`, `[string]`, ...). */
function shape(value: unknown, drop: string[] = []): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value))
    return [...new Set(value.map((v) => JSON.stringify(shape(v))))].map((s) => JSON.parse(s) as unknown);
  if (typeof value === 'object') {
    const out: Json = {};
    for (const key of Object.keys(value).sort())
      if (!drop.includes(key)) out[key] = shape((value as Json)[key], drop);
    return out;
  }
  return Number.isInteger(value) ? 'integer' : typeof value;
}

function request(overrides: Partial<HttpRequestParts>): HttpRequestParts {
  return {
    method: 'GET',
    url: '/',
    httpVersion: '1.1',
    rawHeaders: [],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    requestId: 'LV7fzho-PHcEJPw=',
    timeEpoch: Date.now(),
    ...overrides,
  };
}

const CLF_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;

function expectSameTimes(ours: Json, theirs: Json, time: string, epoch: string): void {
  expect(ours[time]).toMatch(CLF_TIME);
  expect(String(ours[epoch])).toMatch(/^\d{13}$/);
  expect(String(theirs[epoch])).toMatch(/^\d{13}$/);
}

describe('payload format 2.0 (HTTP API $default, function URL)', () => {
  it('a bare GET / has the keys and formats of a captured HTTP API event', () => {
    const aws = fixture('http-api-v2-get-root');
    const ours = toHttpApiEvent(
      request({ rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'curl/7.58.0', 'Accept', '*/*'] }),
    ) as unknown as Json;
    // Headers are compared below: which ones a client sends is not the event's shape.
    expect(shape(ours, ['headers'])).toEqual(shape(aws, ['headers']));
    const ctx = ours.requestContext as Json;
    const awsCtx = aws.requestContext as Json;
    expectSameTimes(ctx, awsCtx, 'time', 'timeEpoch');
    expect([ctx.routeKey, ctx.stage, ours.routeKey]).toEqual([awsCtx.routeKey, awsCtx.stage, aws.routeKey]);
    expect(ctx.http).toMatchObject({
      method: 'GET',
      path: '/',
      protocol: 'HTTP/1.1',
      userAgent: 'curl/7.58.0',
    });
    // Header names lower-case, the proxy headers API Gateway adds are there.
    const headers = ours.headers as Record<string, string>;
    for (const name of Object.keys(headers)) expect(name).toBe(name.toLowerCase());
    for (const name of [
      'accept',
      'host',
      'user-agent',
      'x-forwarded-for',
      'x-forwarded-port',
      'x-forwarded-proto',
    ])
      expect(typeof headers[name]).toBe('string');
  });

  it('repeated query keys, repeated headers and cookies as a captured function URL event has them', () => {
    const aws = fixture('function-url-post');
    const ours = toHttpApiEvent(
      request({
        method: 'POST',
        url: '/my/path?parameter1=value1&parameter1=value2&parameter2=value',
        rawHeaders: [
          'Host',
          '127.0.0.1:3000',
          'User-Agent',
          'agent',
          'header1',
          'value1',
          'header2',
          'value1',
          'Header2',
          'value2',
          'Cookie',
          'cookie1; cookie2',
          // The sample carries no Content-Type; what AWS does with a body that has none is not shown.
          'Content-Type',
          'text/plain',
        ],
        body: Buffer.from('Hello from client!'),
      }),
    ) as unknown as Json;
    // A function URL's requestContext has routeKey and stage too (AWS's documented
    // example has them); this upstream sample leaves them out.
    const { routeKey, stage, ...ctx } = ours.requestContext as Json;
    expect([routeKey, stage]).toEqual(['$default', '$default']);
    expect(shape({ ...ours, requestContext: ctx }, ['headers'])).toEqual(
      shape(aws, ['headers', 'authorizer']),
    );
    for (const key of [
      'rawPath',
      'rawQueryString',
      'queryStringParameters',
      'cookies',
      'body',
      'isBase64Encoded',
    ])
      expect([key, ours[key]]).toEqual([key, aws[key]]);
    const headers = ours.headers as Record<string, string>;
    expect([headers.header1, headers.header2]).toEqual([
      (aws.headers as Json).header1,
      (aws.headers as Json).header2,
    ]);
    expect(headers).not.toHaveProperty('cookie');
    expect((ours.requestContext as Json).http).toEqual({
      ...((aws.requestContext as Json).http as Json),
      sourceIp: '127.0.0.1',
    });
  });

  it('a POST with a query, cookies and a JSON body as a captured HTTP API event has them', () => {
    const aws = fixture('http-api-v2-query-cookies-body');
    const ours = toHttpApiEvent(
      request({
        method: 'POST',
        url: '/my/path?parameter1=value1&parameter1=value2&parameter2=value',
        rawHeaders: [
          'Host',
          '127.0.0.1:3000',
          'Cookie',
          'cookie1; cookie2',
          'Content-Type',
          'application/json',
        ],
        body: Buffer.from('{\r\n\t"a": 1\r\n}'),
      }),
    ) as unknown as Json;
    // The sample's route has a path parameter, stage variables and a JWT authorizer, which
    // a $default route has not; its upstream copy lacks isBase64Encoded, which AWS always sends.
    expect(shape(ours, ['headers', 'isBase64Encoded'])).toEqual(
      shape(aws, ['headers', 'authorizer', 'pathParameters', 'stageVariables']),
    );
    for (const key of ['rawQueryString', 'queryStringParameters', 'cookies', 'body'])
      expect([key, ours[key]]).toEqual([key, aws[key]]);
    expect(ours.isBase64Encoded).toBe(false);
  });
});

describe('headers payload format 2.0 front doors add, as AWS sent them', () => {
  const TRACE_ID = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/;

  it('a GET / carries the same header names as the captured one, in the same formats', () => {
    const aws = fixture('http-api-v2-get-root');
    const awsHeaders = aws.headers as Record<string, string>;
    // What curl sent there; API Gateway added the rest.
    const ours = toHttpApiEvent(
      request({
        rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'curl/7.58.0', 'Accept', '*/*'],
        traceId: traceRoot(Date.now()),
      }),
    ).headers;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(awsHeaders).sort());
    expect(awsHeaders['x-amzn-trace-id']).toMatch(TRACE_ID);
    expect(ours['x-amzn-trace-id']).toMatch(TRACE_ID);
    expect([ours['content-length'], awsHeaders['content-length']]).toEqual(['0', '0']);
    expect(ours['x-forwarded-port']).toMatch(/^\d+$/);
    expect(ours['x-forwarded-for']).toBe('127.0.0.1');
  });

  it("a chunked POST carries the body's length, not its framing; a client's trace id is kept", () => {
    const ours = toHttpApiEvent(
      request({
        method: 'POST',
        rawHeaders: [
          'Host',
          '127.0.0.1:3000',
          'Transfer-Encoding',
          'chunked',
          'Content-Type',
          'text/plain',
          'X-Amzn-Trace-Id',
          'Root=1-5e9f0c65-1de4d666d4dd26aced652b6c',
        ],
        body: Buffer.from('Hello from client!'),
        traceId: traceRoot(Date.now()),
      }),
    ).headers;
    expect(ours['content-length']).toBe('18');
    expect(ours).not.toHaveProperty('transfer-encoding');
    expect(ours['x-amzn-trace-id']).toBe('Root=1-5e9f0c65-1de4d666d4dd26aced652b6c');
  });

  it('a function URL event has the fields of the captured one, and lacks those with no content', () => {
    const aws = fixture('function-url-post');
    // The sample's URL uses AWS_IAM auth; lambda-deploy's use NONE, which sends no authorizer.
    const { authorizer, ...awsCtx } = aws.requestContext as Json;
    expect(authorizer).toBeDefined();
    const keysOf = (event: Json) => ({
      top: Object.keys(event).sort(),
      // routeKey and stage: AWS's documented function URL example has them, this sample not.
      ctx: Object.keys(event.requestContext as Json)
        .filter((k) => k !== 'routeKey' && k !== 'stage')
        .sort(),
    });
    const host = ['Host', '127.0.0.1:3000'];
    const post = toHttpApiEvent(
      request({
        method: 'POST',
        url: '/my/path?parameter1=value1',
        rawHeaders: [...host, 'Cookie', 'cookie1', 'Content-Type', 'text/plain'],
        body: Buffer.from('Hello from client!'),
      }),
    ) as unknown as Json;
    expect(keysOf(post)).toEqual(keysOf({ ...aws, requestContext: awsCtx }));
    // A GET without query, cookies or body: those keys are absent (not null, not ""), as on AWS.
    const get = toHttpApiEvent(request({ rawHeaders: host })) as unknown as Json;
    const { cookies, queryStringParameters, body, ...bare } = aws;
    expect([cookies, queryStringParameters, body].every((v) => v !== undefined)).toBe(true);
    expect(keysOf(get)).toEqual(keysOf({ ...bare, requestContext: awsCtx }));
    expect(get.isBase64Encoded).toBe(false);
  });
});

describe('payload format 1.0 (REST API proxy integration)', () => {
  it('a POST under /{proxy+} has the keys, types and formats of a captured REST API event', () => {
    const aws = fixture('rest-api-v1-post-proxy');
    const ours = toRestApiEvent(
      request({
        method: 'POST',
        url: '/testStage/hello/world?name=me',
        rawHeaders: [
          'Host',
          '127.0.0.1:3000',
          'User-Agent',
          'PostmanRuntime/2.4.5',
          'Content-Type',
          'application/json',
        ],
        body: Buffer.from('{\r\n\t"a": 1\r\n}'),
      }),
      'testStage',
    ) as unknown as Json;
    // stageVariables: null without any (ours), an object with some (the sample's stage).
    // The sample leaves out requestContext.path, protocol and extendedRequestId and
    // isBase64Encoded, which live events carry. identity: the sample's caller signed in
    // (strings), ours is anonymous (nulls); principalOrgId is newer than the sample.
    expect(
      shape(ours, [
        'identity',
        'headers',
        'multiValueHeaders',
        'stageVariables',
        'isBase64Encoded',
        'path',
        'protocol',
        'extendedRequestId',
        'principalOrgId',
        'body',
      ]),
    ).toEqual(
      shape(aws, [
        'identity',
        'headers',
        'multiValueHeaders',
        'stageVariables',
        'authorizer',
        'path',
        'body',
      ]),
    );
    const identity = (ours.requestContext as Json).identity as Json;
    const awsIdentity = (aws.requestContext as Json).identity as Json;
    expect(Object.keys(identity).sort()).toEqual(
      Object.keys({ ...awsIdentity, principalOrgId: null }).sort(),
    );
    for (const [key, value] of Object.entries(identity))
      expect([key, value === null || typeof value === 'string']).toEqual([key, true]);
    expect([identity.sourceIp, identity.userAgent]).toEqual(['127.0.0.1', awsIdentity.userAgent]);
    for (const key of [
      'resource',
      'path',
      'httpMethod',
      'queryStringParameters',
      'multiValueQueryStringParameters',
      'pathParameters',
    ])
      expect([key, ours[key]]).toEqual([key, aws[key]]);
    const ctx = ours.requestContext as Json;
    const awsCtx = aws.requestContext as Json;
    expect([ctx.stage, ctx.resourcePath, ctx.httpMethod]).toEqual([
      awsCtx.stage,
      awsCtx.resourcePath,
      awsCtx.httpMethod,
    ]);
    expect(ctx.path).toBe('/testStage/hello/world');
    expectSameTimes(ctx, awsCtx, 'requestTime', 'requestTimeEpoch');
    // Header names as the client cased them, each in headers and multiValueHeaders.
    const headers = ours.headers as Record<string, string>;
    const multi = ours.multiValueHeaders as Record<string, string[]>;
    expect(Object.keys(multi).sort()).toEqual(Object.keys(headers).sort());
    for (const name of [
      'Content-Type',
      'Host',
      'User-Agent',
      'X-Forwarded-For',
      'X-Forwarded-Port',
      'X-Forwarded-Proto',
    ])
      expect([name, typeof headers[name], multi[name]]).toEqual([name, 'string', [headers[name]]]);
  });
});

describe('payload format 1.0: the trace header', () => {
  // AWS's sample REST API event (Lambda developer guide) carries X-Amzn-Trace-Id in
  // headers and multiValueHeaders; this fixture predates it. API Gateway adds one to every request.
  it("adds X-Amzn-Trace-Id to headers and multiValueHeaders, keeping a client's own", () => {
    const traceId = traceRoot(Date.now());
    const ours = toRestApiEvent(
      request({ url: '/local/', rawHeaders: ['Host', '127.0.0.1:3000'], traceId }),
      'local',
    )!;
    expect(ours.headers['X-Amzn-Trace-Id']).toBe(traceId);
    expect(ours.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(ours.multiValueHeaders['X-Amzn-Trace-Id']).toEqual([traceId]);
    const kept = toRestApiEvent(
      request({
        url: '/local/',
        rawHeaders: ['Host', '127.0.0.1:3000', 'x-amzn-trace-id', 'Root=1-5e9f0c65-1de4d666d4dd26aced652b6c'],
        traceId,
      }),
      'local',
    )!;
    expect(kept.headers['x-amzn-trace-id']).toBe('Root=1-5e9f0c65-1de4d666d4dd26aced652b6c');
    expect(kept.multiValueHeaders['x-amzn-trace-id']).toEqual(['Root=1-5e9f0c65-1de4d666d4dd26aced652b6c']);
    expect(Object.keys(kept.headers).filter((k) => k.toLowerCase() === 'x-amzn-trace-id')).toHaveLength(1);
  });
});
