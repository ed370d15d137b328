import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { HttpRequestParts } from '../../src/local-runtime/http-api-event.js';
import { toHttpResponse } from '../../src/local-runtime/http-api-response.js';
import type { InvokeResult } from '../../src/local-runtime/local-function.js';
import { parseFormQuery, pathUnderStage, toRestApiEvent } from '../../src/local-runtime/rest-api-event.js';

// A REST API proxy event as AWS sends it (aws/aws-lambda-go's apigw-request.json).
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/rest-api-v1-post-proxy.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { requestContext: Record<string, unknown> & { identity: object } };

function request(overrides: Partial<HttpRequestParts> = {}): HttpRequestParts {
  return {
    method: 'GET',
    url: '/local/',
    httpVersion: '1.1',
    rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'agent'],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    requestId: 'req-1',
    timeEpoch: Date.UTC(2020, 4, 15, 6, 1, 9, 693),
    ...overrides,
  };
}

function event(overrides: Partial<HttpRequestParts> = {}) {
  const e = toRestApiEvent(request(overrides), 'local');
  if (!e) throw new Error('expected an event');
  return e;
}

describe('toRestApiEvent', () => {
  it('has the shape of a real REST API proxy event', () => {
    const e = event({
      method: 'POST',
      url: '/local/hello/world?name=me',
      rawHeaders: ['Host', 'x', 'Content-Type', 'application/json'],
      body: Buffer.from('{"a": 1}'),
    });
    const keys = (o: object, drop: string[] = []) =>
      Object.keys(o)
        .filter((k) => !drop.includes(k))
        .sort();
    // The fixture's route has a Lambda authorizer and an operation name, which ours has not;
    // its upstream copy lacks isBase64Encoded, which AWS always sends.
    expect(keys(e, ['isBase64Encoded'])).toEqual(keys(fixture));
    // The upstream sample also leaves out requestContext.path, protocol and extendedRequestId,
    // which live events carry.
    expect(keys(e.requestContext)).toEqual(
      keys({ ...fixture.requestContext, path: '', protocol: '', extendedRequestId: '' }, ['authorizer']),
    );
    // principalOrgId: newer than the sample, in live events and AWS's documented example.
    expect(keys(e.requestContext.identity)).toEqual(
      keys({ ...fixture.requestContext.identity, principalOrgId: null }, ['clientCert']),
    );
    expect(e.path).toBe(fixture.path);
    expect(e.resource).toBe(fixture.resource);
    expect(e.pathParameters).toEqual(fixture.pathParameters);
    expect(e.queryStringParameters).toEqual(fixture.queryStringParameters);
    expect(e.multiValueQueryStringParameters).toEqual(fixture.multiValueQueryStringParameters);
  });

  it.each([
    // request target, path, resource, requestContext.path, proxy
    ['/local', '/', '/', '/local', null],
    ['/local/', '/', '/', '/local/', null],
    ['/local/docs', '/docs', '/{proxy+}', '/local/docs', { proxy: 'docs' }],
    ['/local/a/b/', '/a/b/', '/{proxy+}', '/local/a/b/', { proxy: 'a/b/' }],
    ['/local/caf%C3%A9?x=1', '/caf%C3%A9', '/{proxy+}', '/local/caf%C3%A9', { proxy: 'caf\u00e9' }],
    ['http://127.0.0.1:3000/local/x', '/x', '/{proxy+}', '/local/x', { proxy: 'x' }],
  ])('%s: path without the stage, requestContext.path with it', (url, path, resource, full, proxy) => {
    const e = event({ url });
    expect([
      e.path,
      e.resource,
      e.requestContext.resourcePath,
      e.requestContext.path,
      e.pathParameters,
    ]).toEqual([path, resource, resource, full, proxy]);
    expect(e.requestContext.stage).toBe('local');
  });

  it.each(['/', '/other/x', '/localx', '/LOCAL/x', '/docs'])('%s is not under /local: no event', (url) => {
    expect(toRestApiEvent(request({ url }), 'local')).toBeUndefined();
    expect(pathUnderStage(url, 'local')).toBeUndefined();
  });

  it('keeps every header value in multiValueHeaders and the last in headers, cookies included', () => {
    const e = event({
      rawHeaders: [
        'Host',
        'h:8080',
        'X-Many',
        'one',
        'x-many',
        'two',
        'Cookie',
        'a=1; b=2',
        'X-Forwarded-For',
        '10.0.0.9',
      ],
    });
    expect(e.multiValueHeaders['X-Many']).toEqual(['one', 'two']);
    expect(e.headers['X-Many']).toBe('two');
    expect(e.headers.Cookie).toBe('a=1; b=2');
    expect(e.headers['X-Forwarded-For']).toBe('10.0.0.9, 127.0.0.1');
    expect(e.headers['X-Forwarded-Port']).toBe('8080');
    expect(e.headers['X-Forwarded-Proto']).toBe('http');
    expect(e.requestContext.domainName).toBe('h:8080');
    expect(e.requestContext.identity.sourceIp).toBe('127.0.0.1');
    expect(e.requestContext.identity.userAgent).toBeNull();
  });

  it('sends every body base64-encoded, as a REST API with binary media type */* does', () => {
    const text = event({
      method: 'POST',
      body: Buffer.from('{"a":1}'),
      rawHeaders: ['Content-Type', 'application/json'],
    });
    expect([text.body, text.isBase64Encoded]).toEqual([Buffer.from('{"a":1}').toString('base64'), true]);
    const none = event();
    expect([none.body, none.isBase64Encoded]).toEqual([null, false]);
  });
});

describe('parseFormQuery', () => {
  it.each([
    ['', {}],
    ['a=1&a=2&b=', { a: ['1', '2'], b: [''] }],
    ['q=a+b&r=a%20b&s=1%2B1', { q: ['a b'], r: ['a b'], s: ['1+1'] }],
    ['flag&x=%E2%9C%93', { flag: [''], x: ['\u2713'] }],
    ['bad=%E0%A4%A', { bad: ['%E0%A4%A'] }],
  ])('%s', (raw, parsed) => {
    expect(parseFormQuery(raw)).toEqual(parsed);
  });
});

describe('toHttpResponse for payload format 1.0', () => {
  const ok = (payload: unknown): InvokeResult => ({ ok: true, payload, requestId: 'r' });

  it.each([
    [ok({ hello: 'world' }), 502, 'Internal server error', 'no statusCode'],
    [
      ok({ statusCode: 200, body: 'x', cookies: ['a=1'] }),
      502,
      'Internal server error',
      'unexpected cookies',
    ],
    [
      { ok: false, errorType: 'ValueError', errorMessage: 'x' } as InvokeResult,
      502,
      'Internal server error',
      'ValueError',
    ],
    [
      { ok: false, errorType: 'Sandbox.Timedout', errorMessage: 'x' } as InvokeResult,
      504,
      'Endpoint request timed out',
      'Sandbox',
    ],
  ])('a malformed or failed result is an API Gateway error (%j)', (result, status, message, problem) => {
    const r = toHttpResponse(result, '1.0');
    expect([r.statusCode, JSON.parse(r.body.toString()), r.problem]).toEqual([
      status,
      { message },
      expect.stringContaining(problem),
    ]);
  });

  it.each([{ ok: true }, ['a']])(
    'a body that is not a string (%j) is a malformed response, as on AWS (502, not the JSON)',
    (body) => {
      const r = toHttpResponse(ok({ statusCode: 200, body }), '1.0');
      expect([r.statusCode, JSON.parse(r.body.toString()), r.problem]).toEqual([
        502,
        { message: 'Internal server error' },
        expect.stringContaining('body'),
      ]);
    },
  );

  it('takes a statusCode written as a string of digits, as API Gateway does, and refuses other strings', () => {
    const created = toHttpResponse(ok({ statusCode: '201', body: 'made' }), '1.0');
    expect([created.statusCode, created.body.toString(), created.problem]).toEqual([201, 'made', undefined]);
    const refused = toHttpResponse(ok({ statusCode: 'created', body: '' }), '1.0');
    expect([refused.statusCode, JSON.parse(refused.body.toString())]).toEqual([
      502,
      { message: 'Internal server error' },
    ]);
  });

  it('answers application/json when the result names no Content-Type, as API Gateway does', () => {
    const type = (payload: Record<string, unknown>) =>
      toHttpResponse(ok({ statusCode: 200, body: '{"a":1}', ...payload }), '1.0').headers.filter(
        ([name]) => name.toLowerCase() === 'content-type',
      );
    expect(type({})).toEqual([['content-type', 'application/json']]);
    expect(type({ headers: { 'X-A': '1' } })).toEqual([['content-type', 'application/json']]);
    expect(type({ headers: { 'content-type': 'text/html' } })).toEqual([['content-type', 'text/html']]);
    expect(type({ multiValueHeaders: { 'Content-Type': ['text/csv'] } })).toEqual([
      ['Content-Type', 'text/csv'],
    ]);
    // An explicit null is how a function asks for none (Amazon.Lambda.AspNetCoreServer does).
    expect(type({ headers: { 'Content-Type': null } })).toEqual([]);
  });

  it('sends a header named in both headers and multiValueHeaders once, with the multiValueHeaders values', () => {
    // AWS: "If the same key-value pair is specified in both, only the values from multiValueHeaders
    // will appear" (serverless-express and ASP.NET Core's Lambda server fill both maps).
    const r = toHttpResponse(
      ok({
        statusCode: 200,
        headers: { 'Content-Type': 'text/html', 'Cache-Control': 'no-store', 'X-Only-Here': '1' },
        multiValueHeaders: { 'content-type': ['text/html'], 'Cache-Control': ['no-store', 'private'] },
        body: '<p>hi</p>',
      }),
      '1.0',
    );
    expect(r.headers).toEqual([
      ['X-Only-Here', '1'],
      ['content-type', 'text/html'],
      ['Cache-Control', 'no-store'],
      ['Cache-Control', 'private'],
    ]);
  });

  it('carries headers and multiValueHeaders (several Set-Cookie)', () => {
    const r = toHttpResponse(
      ok({
        statusCode: 302,
        headers: { Location: '/local/where' },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        body: '',
        isBase64Encoded: false,
      }),
      '1.0',
    );
    expect(r.statusCode).toBe(302);
    expect(r.headers).toEqual([
      ['Location', '/local/where'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['content-type', 'application/json'],
    ]);
  });
});
