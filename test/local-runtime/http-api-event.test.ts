import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  clfTime,
  isTextContentType,
  parseQuery,
  toHttpApiEvent,
  type HttpRequestParts,
} from '../../src/local-runtime/http-api-event.js';
import { toHttpResponse } from '../../src/local-runtime/http-api-response.js';
import type { InvokeResult } from '../../src/local-runtime/local-function.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/http-api-v2-query-cookies-body.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { requestContext: Record<string, unknown> };

function request(overrides: Partial<HttpRequestParts> = {}): HttpRequestParts {
  return {
    method: 'GET',
    url: '/',
    httpVersion: '1.1',
    rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'agent'],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    requestId: 'req-1',
    timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58, 390),
    ...overrides,
  };
}

describe('toHttpApiEvent', () => {
  it('has the shape of a real HTTP API event', () => {
    const event = toHttpApiEvent(
      request({
        method: 'POST',
        url: '/my/path?parameter1=value1&parameter1=value2&parameter2=value',
        rawHeaders: ['Host', 'x', 'Cookie', 'cookie1; cookie2', 'Content-Type', 'application/json'],
        body: Buffer.from('{"a": 1}'),
      }),
    );
    // The fixture comes from a route with a path parameter and a JWT authorizer
    // (pathParameters, stageVariables, authorizer), which a $default route has
    // not; and its upstream copy lacks isBase64Encoded, which AWS always sends.
    const keys = (o: object, drop: string[] = []) =>
      Object.keys(o)
        .filter((k) => !drop.includes(k))
        .sort();
    expect(keys(event, ['isBase64Encoded'])).toEqual(keys(fixture, ['pathParameters', 'stageVariables']));
    expect(keys(event.requestContext)).toEqual(keys(fixture.requestContext, ['authorizer']));
    expect(keys(event.requestContext.http)).toEqual(keys(fixture.requestContext.http as object));
    expect(event.rawQueryString).toBe(fixture.rawQueryString);
    expect(event.queryStringParameters).toEqual(fixture.queryStringParameters);
    expect(event.cookies).toEqual(fixture.cookies);
  });

  it('fills every field the way API Gateway does', () => {
    expect(
      toHttpApiEvent(
        request({
          method: 'post',
          url: '/a%20b/c?x=1&y=%C3%A9&x=2&flag',
          rawHeaders: [
            'Host',
            'localhost:8080',
            'User-Agent',
            'curl/8',
            'Cookie',
            'a=1; b=2',
            'cookie',
            'c=3',
            'X-Multi',
            'one',
            'x-multi',
            'two',
            'Content-Type',
            'text/plain; charset=utf-8',
          ],
          body: Buffer.from('héllo'),
          sourceIp: '10.0.0.1',
        }),
      ),
    ).toEqual({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/a%20b/c',
      rawQueryString: 'x=1&y=%C3%A9&x=2&flag',
      cookies: ['a=1', 'b=2', 'c=3'],
      headers: {
        host: 'localhost:8080',
        'user-agent': 'curl/8',
        'x-multi': 'one,two',
        'content-type': 'text/plain; charset=utf-8',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-port': '8080',
        'x-forwarded-proto': 'http',
        // The body's length in bytes, as API Gateway sets it (héllo is 6).
        'content-length': '6',
      },
      queryStringParameters: { x: '1,2', y: 'é', flag: '' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost:8080',
        domainPrefix: 'localhost',
        http: {
          method: 'POST',
          path: '/a%20b/c',
          protocol: 'HTTP/1.1',
          sourceIp: '10.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: '$default',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58, 390),
      },
      body: 'héllo',
      isBase64Encoded: false,
    });
  });

  it('leaves out what a bare GET does not have', () => {
    const event = toHttpApiEvent(request());
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.rawPath).toBe('/');
    expect(event.rawQueryString).toBe('');
  });

  it('base64-encodes bodies that are not text', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const event = toHttpApiEvent(
      request({ rawHeaders: ['Content-Type', 'application/octet-stream'], body: bytes }),
    );
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(bytes);
  });

  it('appends the caller to an existing X-Forwarded-For and reads absolute-form targets', () => {
    const event = toHttpApiEvent(
      request({ url: 'http://example.com/p?q=1#frag', rawHeaders: ['X-Forwarded-For', '1.2.3.4'] }),
    );
    expect(event.headers['x-forwarded-for']).toBe('1.2.3.4, 127.0.0.1');
    expect(event.rawPath).toBe('/p');
    expect(event.rawQueryString).toBe('q=1');
    expect(event.requestContext.domainName).toBe('127.0.0.1');
  });
});

describe('isTextContentType', () => {
  it.each([
    ['text/html; charset=utf-8', true],
    ['application/json', true],
    ['Application/JSON', true],
    ['application/vnd.api+json', true],
    ['application/xml', true],
    ['image/svg+xml', true],
    ['application/javascript', true],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['image/png', false],
    ['application/octet-stream', false],
    [undefined, false],
  ])('%s -> %s', (type, text) => {
    expect(isTextContentType(type)).toBe(text);
  });
});

describe('parseQuery', () => {
  it.each([
    ['', undefined],
    ['a=1', { a: '1' }],
    ['a=1&a=2&a=3', { a: '1,2,3' }],
    ['a&b=', { a: '', b: '' }],
    ['q=a%2Cb&sp=x%20y', { q: 'a,b', sp: 'x y' }],
    ['bad=%E0%A4%A', { bad: '%E0%A4%A' }],
    ['&&=x&k=v', { k: 'v' }],
  ])('%s', (raw, expected) => {
    expect(parseQuery(raw)).toEqual(expected);
  });
});

it('clfTime writes the request time as API Gateway does', () => {
  expect(clfTime(Date.UTC(2020, 3, 1, 5, 8, 9))).toBe('01/Apr/2020:05:08:09 +0000');
});

describe('toHttpResponse', () => {
  const ok = (payload: unknown): InvokeResult => ({ ok: true, payload, requestId: 'r' });
  const text = (r: ReturnType<typeof toHttpResponse>) => r.body.toString('utf8');

  it.each([
    [{ hello: 'world' }, '{"hello":"world"}'],
    [[1, 2], '[1,2]'],
    // Lambda's developer guide (function URLs): output "Hello, world!" reaches the client with its quotes.
    ['Hello, world!', '"Hello, world!"'],
    [42, '42'],
    [null, 'null'],
  ])('a result without statusCode (%j) is a 200 with a JSON body', (payload, body) => {
    const r = toHttpResponse(ok(payload));
    expect(r.statusCode).toBe(200);
    expect(r.headers).toEqual([['content-type', 'application/json']]);
    expect(text(r)).toBe(body);
  });

  it('carries statusCode, headers and each cookie', () => {
    const r = toHttpResponse(
      ok({
        statusCode: 201,
        headers: { 'Content-Type': 'text/plain', 'X-Count': 3, 'Content-Length': '999' },
        cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
        body: 'created',
      }),
    );
    expect(r.statusCode).toBe(201);
    expect(r.headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-Count', '3'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2; HttpOnly'],
    ]);
    expect(text(r)).toBe('created');
    expect(r.problem).toBeUndefined();
  });

  it('drops multiValueHeaders, which payload format 2.0 lacks (API Gateway ignores them), and says so', () => {
    const r = toHttpResponse(
      ok({
        statusCode: 200,
        headers: { 'X-One': '1' },
        multiValueHeaders: { 'Content-Type': ['application/json'], 'Set-Cookie': ['a=1', 'b=2'] },
        body: '{}',
      }),
    );
    expect([r.statusCode, r.headers, text(r)]).toEqual([200, [['X-One', '1']], '{}']);
    expect(r.problem).toMatch(/multiValueHeaders.*Content-Type, Set-Cookie.*headers.*cookies/);
  });

  it('decodes a base64 body and allows an empty one', () => {
    expect(
      toHttpResponse(
        ok({ statusCode: 200, body: Buffer.from([0, 255]).toString('base64'), isBase64Encoded: true }),
      ).body,
    ).toEqual(Buffer.from([0, 255]));
    expect(toHttpResponse(ok({ statusCode: 204 })).body.length).toBe(0);
  });

  it.each([
    [{ ok: false, errorType: 'ValueError', errorMessage: 'x' } as InvokeResult, 502, 'Internal Server Error'],
    [
      { ok: false, errorType: 'Runtime.ExitError', errorMessage: 'x' } as InvokeResult,
      502,
      'Internal Server Error',
    ],
    [
      { ok: false, errorType: 'Sandbox.Timedout', errorMessage: 'x' } as InvokeResult,
      504,
      'Endpoint request timed out',
    ],
    [ok({ statusCode: 'teapot' }), 502, 'Internal Server Error'],
    [ok({ statusCode: 99 }), 502, 'Internal Server Error'],
  ])('failures become API Gateway errors (%j)', (result, status, message) => {
    const r = toHttpResponse(result);
    expect(r.statusCode).toBe(status);
    expect(JSON.parse(text(r))).toEqual({ message });
    expect(r.problem).toBeDefined();
  });
});
