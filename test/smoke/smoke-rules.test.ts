import { describe, expect, it } from '@jest/globals';
import {
  bodyExcerpt,
  bodyNeed,
  fetchErrorCode,
  fetchErrorMessage,
  formatStatusRanges,
  joinUrl,
  judgeProbe,
  type ProbeOutcome,
} from '../../src/smoke/smoke-rules.js';

const ok = [[200, 399]] as const;

describe('judgeProbe', () => {
  const response = (status: number, body = ''): ProbeOutcome => ({ kind: 'response', status, body });
  const error = (code: string): ProbeOutcome => ({ kind: 'error', code, message: 'x' });
  const table: [
    string,
    ProbeOutcome,
    { status: readonly (readonly [number, number])[]; contains?: string; serverErrorsSettle?: boolean },
    string,
  ][] = [
    ['200 in 200-399', response(200), { status: ok }, 'pass'],
    ['302 in 200-399', response(302), { status: ok }, 'pass'],
    ['503 settles', response(503), { status: ok }, 'retry'],
    ['500 settles', response(500), { status: ok }, 'retry'],
    ['502 settles', response(502), { status: ok }, 'retry'],
    [
      '429 (throttled by the stage, the usage plan or the account) settles',
      response(429),
      { status: ok },
      'retry',
    ],
    ['a local 429 is final', response(429), { status: ok, serverErrorsSettle: false }, 'fail'],
    ['404 is an answer', response(404), { status: ok }, 'fail'],
    ['403 is an answer', response(403), { status: ok }, 'fail'],
    ['401 is an answer', response(401), { status: ok }, 'fail'],
    ['204 outside a 200 list', response(204), { status: [[200, 200]] }, 'fail'],
    ['500 when 500 is expected', response(500), { status: [[500, 500]] }, 'pass'],
    ['body contains', response(200, 'hello world'), { status: ok, contains: 'world' }, 'pass'],
    ['body lacks contains', response(200, 'hello'), { status: ok, contains: 'world' }, 'fail'],
    ['empty contains is no condition', response(200, 'x'), { status: ok, contains: '' }, 'pass'],
    ['5xx lacking contains still retries', response(503, 'busy'), { status: ok, contains: 'world' }, 'retry'],
    ['a local 500 is final', response(500), { status: ok, serverErrorsSettle: false }, 'fail'],
    ['a local 503 is final', response(503), { status: ok, serverErrorsSettle: false }, 'fail'],
    [
      'a local refused connection still settles',
      error('ECONNREFUSED'),
      { status: ok, serverErrorsSettle: false },
      'retry',
    ],
    ['DNS not yet', error('ENOTFOUND'), { status: ok }, 'retry'],
    ['DNS temporary', error('EAI_AGAIN'), { status: ok }, 'retry'],
    ['refused', error('ECONNREFUSED'), { status: ok }, 'retry'],
    ['reset', error('ECONNRESET'), { status: ok }, 'retry'],
    ['our request timeout', error('TimeoutError'), { status: ok }, 'retry'],
    ['undici connect timeout', error('UND_ERR_CONNECT_TIMEOUT'), { status: ok }, 'retry'],
    ['certificate error', error('CERT_HAS_EXPIRED'), { status: ok }, 'fail'],
    ['unknown error', error(''), { status: ok }, 'fail'],
  ];
  it.each(table)('%s', (_name, outcome, expectation, verdict) => {
    expect(judgeProbe(outcome, expectation).verdict).toBe(verdict);
  });

  it('says a 429 was throttling, to be tried again', () => {
    expect(judgeProbe(response(429), { status: ok })).toEqual({
      verdict: 'retry',
      reason:
        'answered 429, expected 200-399 (throttled: API Gateway or the function asks for fewer requests)',
    });
  });

  it('says what was expected', () => {
    const v = judgeProbe(response(404), {
      status: [
        [200, 200],
        [204, 204],
        [300, 399],
      ],
    });
    expect(v).toEqual({ verdict: 'fail', reason: 'answered 404, expected 200, 204, 300-399' });
  });
});

describe('joinUrl', () => {
  it.each([
    ['https://a.example.com', '/', 'https://a.example.com/'],
    ['https://a.example.com/', '/', 'https://a.example.com/'],
    ['https://a.example.com/', '/health', 'https://a.example.com/health'],
    ['https://a.example.com', 'health', 'https://a.example.com/health'],
    ['https://a.example.com//', '//health', 'https://a.example.com/health'],
    [
      'https://x.execute-api.us-east-1.amazonaws.com/pr-12',
      '/',
      'https://x.execute-api.us-east-1.amazonaws.com/pr-12/',
    ],
    [
      'https://x.execute-api.us-east-1.amazonaws.com/pr-12/',
      '/api/ping',
      'https://x.execute-api.us-east-1.amazonaws.com/pr-12/api/ping',
    ],
    ['https://a.example.com/stage', '/p?q=1&r=a/b', 'https://a.example.com/stage/p?q=1&r=a/b'],
    ['https://a.example.com/stage', '?q=1', 'https://a.example.com/stage/?q=1'],
    ['https://a.example.com', '', 'https://a.example.com/'],
  ])('%s + %s', (url, path, expected) => {
    expect(joinUrl(url, path)).toBe(expected);
  });
});

describe('bodyExcerpt', () => {
  it('bounds the body and says how much is left out', () => {
    const excerpt = bodyExcerpt('a'.repeat(3000));
    expect(excerpt.startsWith('a'.repeat(1024))).toBe(true);
    expect(excerpt).toContain('1976 more characters');
  });
  it('removes secrets', () => {
    expect(bodyExcerpt('key=s3cr3t-key!', ['s3cr3t-key'])).toBe('key=***!');
  });
  it('keeps a short body whole', () => {
    expect(bodyExcerpt('ok')).toBe('ok');
  });
});

describe('fetch errors', () => {
  it('finds the code in the cause chain', () => {
    const e = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' }),
    });
    expect(fetchErrorCode(e)).toBe('ENOTFOUND');
    expect(fetchErrorMessage(e)).toBe('getaddrinfo ENOTFOUND x.invalid');
  });
  it('names an abort by timeout', () => {
    expect(fetchErrorCode(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(
      'TimeoutError',
    );
  });
  it('is empty for a plain error', () => {
    expect(fetchErrorCode(new Error('x'))).toBe('');
  });
});

describe('formatStatusRanges', () => {
  it.each([
    [[[200, 399]], '200-399'],
    [[[200, 200]], '200'],
    [
      [
        [200, 200],
        [301, 302],
      ],
      '200, 301-302',
    ],
  ] as const)('%j', (ranges, text) => {
    expect(formatStatusRanges(ranges)).toBe(text);
  });
});

describe('bodyNeed: how far the smoke test reads a body', () => {
  const sse = 'text/event-stream; charset=utf-8';
  it.each([
    ['a buffered answer (content-length) is read to its end', 200, '12', 'text/plain', undefined, 'all'],
    ['... also with smoke-contains, and on a wrong status', 500, '12', 'text/plain', 'ok', 'all'],
    ['a stream with smoke-contains: until it arrived', 200, null, 'text/plain', 'ok', 'until-contains'],
    ['server-sent events with smoke-contains: until it arrived', 200, null, sse, 'ok', 'until-contains'],
    ['server-sent events without: the status alone', 200, null, sse, undefined, 'none'],
    ['server-sent events with a content-length: still a stream', 200, '0', sse, undefined, 'none'],
    [
      'another stream without smoke-contains: its first bytes',
      200,
      null,
      'text/html',
      undefined,
      'first-bytes',
    ],
    ['a stream with a wrong status: its first bytes, for the excerpt', 404, null, sse, 'ok', 'first-bytes'],
  ] as const)('%s', (_name, status, contentLength, contentType, contains, need) => {
    expect(bodyNeed(status, { contentLength, contentType }, { status: ok, contains })).toBe(need);
  });
});
