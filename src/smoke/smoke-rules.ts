import { cutText, redact } from '../util/redact.js';
import { statusAccepted } from '../settings/smoke-and-rollback.js';
import { type StatusRanges } from '../model/settings.js';

/** What one smoke request produced: an answer, or a failure to get one. */
export type ProbeOutcome =
  | {
      kind: 'response';
      status: number;
      body: string;
      /** API Gateway's own error (`x-amzn-errortype`, like ForbiddenException), when it answered instead of the function. */
      gatewayError?: string;
      /** A redirect's `location` (redirects are not followed). */
      location?: string;
      /** A streamed body was left before its end (see bodyNeed): `body` is what had arrived. */
      streamOpen?: boolean;
    }
  /** `code` is the socket/DNS error code (ECONNREFUSED, ENOTFOUND...) or the error's name (TimeoutError). */
  | { kind: 'error'; code: string; message: string };

export interface SmokeExpectation {
  status: StatusRanges;
  contains?: string;
  /**
   * A 5xx may be a new front door or a cold start settling (true, the
   * default, on AWS). A local runtime is up before the first request, so its
   * 5xx is the function's own answer (false): it fails at once.
   */
  serverErrorsSettle?: boolean;
  /**
   * An API key was sent (REST API, `api-key: true`): API Gateway's own 403
   * then means the key, or its link to the usage plan, has not reached it
   * yet (a new key takes seconds to work), and is tried again.
   */
  apiKeySent?: boolean;
  /**
   * The REST API front door was created or changed by this deploy (a new
   * stage, a new deployment, the key requirement turned off): API Gateway's
   * own 403 may be what it served before, and is tried again.
   */
  frontDoorChanged?: boolean;
  /** serve's start-up request: no range was asked for, so a refused answer is a server error, not "expected 100-499". */
  startUp?: boolean;
}

/** API Gateway's own 403 (a key it does not know, a stage or deployment not served yet), not the function's. */
function gatewayForbidden(status: number, gatewayError: string | undefined): boolean {
  return status === 403 && /^ForbiddenException\b/.test(gatewayError ?? '');
}

export type ProbeVerdict =
  | { verdict: 'pass' }
  /** Worth another attempt: the front door or the function is still settling. */
  | { verdict: 'retry'; reason: string }
  /** A definite answer that is wrong: another attempt would only say the same. */
  | { verdict: 'fail'; reason: string };

/**
 * Errors that mean "not reachable yet": a new API's DNS name that does not
 * resolve for a while, connections refused or reset while a front door
 * settles, and our own per-request timeout. TLS and protocol errors are not
 * here: they do not fix themselves within a smoke timeout.
 */
const SETTLING_ERRORS = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'TimeoutError',
  'AbortError',
]);

export function formatStatusRanges(ranges: StatusRanges): string {
  return ranges.map(([low, high]) => (low === high ? String(low) : `${low}-${high}`)).join(', ');
}

/** Decides what one probe means: passed, try again, or failed for good. */
export function judgeProbe(outcome: ProbeOutcome, expect: SmokeExpectation): ProbeVerdict {
  if (outcome.kind === 'error') {
    const what = `${outcome.code || 'error'}: ${outcome.message}`;
    return SETTLING_ERRORS.has(outcome.code)
      ? { verdict: 'retry', reason: `no answer yet (${what})` }
      : { verdict: 'fail', reason: `the request failed (${what})` };
  }
  const { status, body } = outcome;
  if (!statusAccepted(status, expect.status)) {
    const reason = expect.startUp
      ? `answered ${status}${status >= 500 ? ' (a server error)' : ''}`
      : `answered ${status}, expected ${formatStatusRanges(expect.status)}`;
    if (gatewayForbidden(status, outcome.gatewayError)) {
      if (expect.apiKeySent)
        return {
          verdict: 'retry',
          reason: `${reason} (API Gateway refused the API key: a new key or usage plan link takes a few seconds to work)`,
        };
      if (expect.frontDoorChanged)
        return {
          verdict: 'retry',
          reason: `${reason} (API Gateway's own 403: a changed REST API stage takes a few seconds to be served)`,
        };
    }
    // A 429 asks for the request again later (API Gateway's stage, usage plan or account throttle,
    // shared with the stage's traffic): it says nothing about the new version.
    if (status === 429 && expect.serverErrorsSettle !== false)
      return {
        verdict: 'retry',
        reason: `${reason} (throttled: API Gateway or the function asks for fewer requests)`,
      };
    // 5xx while a new front door or a cold start settles; a wrong 2xx/3xx/4xx is an answer.
    return status >= 500 && expect.serverErrorsSettle !== false
      ? { verdict: 'retry', reason }
      : { verdict: 'fail', reason };
  }
  if (expect.contains !== undefined && expect.contains !== '' && !body.includes(expect.contains)) {
    return {
      verdict: 'fail',
      reason: `answered ${status} but the body does not contain ${JSON.stringify(expect.contains)}${
        outcome.streamOpen ? ' (a stream that did not end: looked in what had arrived)' : ''
      }`,
    };
  }
  return { verdict: 'pass' };
}

/**
 * url + path without a double slash, keeping the url's own path (the REST
 * API stage, `/pr-12`) and the path's query string.
 */
export function joinUrl(url: string, path: string): string {
  const base = url.replace(/\/+$/, '');
  if (!path) return `${base}/`;
  const tail = path.startsWith('/') || path.startsWith('?') ? path : `/${path}`;
  return tail.startsWith('?') ? `${base}/${tail}` : `${base}${tail.replace(/^\/+/, '/')}`;
}

/** A bounded excerpt of a body, redacted whole before it is cut (see redact.ts). */
export function bodyExcerpt(
  body: string,
  secrets: readonly (string | undefined)[] = [],
  maxChars = 1024,
): string {
  return cutText(redact(body, secrets), maxChars, secrets);
}

/** The code that names a fetch failure: undici puts the socket/DNS error in `cause`. */
export function fetchErrorCode(error: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return e.name;
    current = e.cause;
  }
  return '';
}

/** The innermost message: `fetch failed` alone says nothing. */
export function fetchErrorMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let cause = (error as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    message = cause.message || message;
    cause = (cause as { cause?: unknown }).cause;
  }
  return message;
}

/**
 * What a passing redirect adds to the detail: where it leads and how to
 * refuse it. smoke-status' default (200-399) accepts redirects, as documented,
 * but a redirect to a login page may hide a broken app. '' for other answers.
 */
export function redirectNote(
  status: number,
  location: string | undefined,
  secrets: readonly (string | undefined)[] = [],
): string {
  if (status < 300 || status > 399) return '';
  const where = location ? ` to ${cutText(redact(location, secrets), 200, secrets)}` : '';
  return ` It was a redirect${where}: set smoke-status: 200-299 to require the page itself.`;
}

/**
 * How much of an answer's body the smoke test reads before judging it. An
 * answer with a content-length (a buffered one) is read to its end, as it
 * always was. A streamed one (no content-length, or server-sent events) may
 * never end: it is read only as far as the judgement needs.
 * - `all`: to its end (bounded by the byte cap and the request timeout).
 * - `until-contains`: until smoke-contains has arrived, or the stream ends.
 * - `first-bytes`: until the first body bytes (or a clean end): the function
 *   is writing its answer, not failing right after the headers.
 * - `none`: the status and headers are the answer: a `text/event-stream`
 *   sends its first event whenever something happens, maybe not for minutes.
 */
export type BodyNeed = 'all' | 'until-contains' | 'first-bytes' | 'none';

export function bodyNeed(
  status: number,
  headers: { contentLength: string | null; contentType: string | null },
  expect: Pick<SmokeExpectation, 'status' | 'contains'>,
): BodyNeed {
  const eventStream = /^\s*text\/event-stream\b/i.test(headers.contentType ?? '');
  const streamed = eventStream || headers.contentLength === null;
  if (!streamed) return 'all';
  // A wrong status fails whatever the body says: its first bytes are an excerpt.
  if (!statusAccepted(status, expect.status)) return 'first-bytes';
  if (expect.contains) return 'until-contains';
  return eventStream ? 'none' : 'first-bytes';
}
