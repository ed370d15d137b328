import type { InvokeResult } from './local-function.js';

/** An HTTP response to write: headers as a list, so repeated ones (Set-Cookie) stay apart. */
export interface HttpResponseParts {
  statusCode: number;
  headers: [string, string][];
  body: Buffer;
  /** Why the function's result was not served as is; for the logs. */
  problem?: string;
  /** The Content-Length the function declared (digits), which only a HEAD response repeats. */
  declaredLength?: string;
}

/** Headers the front door sets itself; a function cannot choose them. */
export const HOP_BY_HOP = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
]);

/** The keys a REST API's Lambda proxy integration accepts in a result; any other is a malformed response. */
const REST_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);

/**
 * The HTTP response API Gateway makes of an invocation's result. Payload
 * format 2.0 (HTTP API, function URL): a failed invocation is a 502 (a
 * timeout a 504) with API Gateway's own error body; a result without a
 * statusCode is a 200 with the result as JSON; a result with one carries its
 * statusCode, headers, cookies and (base64) body; multiValueHeaders, which
 * 2.0 lacks, are dropped (with a problem to log).
 * Payload format 1.0 (REST API proxy integration) is stricter: a result
 * without a statusCode, or with a key the format lacks (`cookies`), is a 502.
 */
export function toHttpResponse(result: InvokeResult, format: '1.0' | '2.0' = '2.0'): HttpResponseParts {
  const internal = format === '1.0' ? 'Internal server error' : 'Internal Server Error';
  if (!result.ok) {
    if (result.errorType === 'Sandbox.Timedout') {
      return gatewayError(504, 'Endpoint request timed out', `${result.errorType}: ${result.errorMessage}`);
    }
    return gatewayError(502, internal, `${result.errorType}: ${result.errorMessage}`);
  }
  const payload = result.payload;
  if (format === '1.0') {
    const malformed = restMalformed(payload);
    if (malformed) return gatewayError(502, internal, `Malformed Lambda proxy response: ${malformed}`);
  }
  if (!isStructured(payload)) {
    // The output as JSON is the body: a string keeps its quotes, as Lambda's guide shows for function URLs.
    return {
      statusCode: 200,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(JSON.stringify(payload) ?? 'null'),
    };
  }

  // A REST API also takes the status as a string of digits ("201"), as old AWS blueprints return it.
  const raw = payload.statusCode;
  const status = format === '1.0' && typeof raw === 'string' && /^\d{3}$/.test(raw) ? Number(raw) : raw;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return gatewayError(
      502,
      internal,
      `the function returned statusCode ${JSON.stringify(raw)}, not an HTTP status`,
    );
  }
  const headers: [string, string][] = [];
  // 1.0: a name in both maps gets only its multiValueHeaders values, as API Gateway merges them.
  const multiNames =
    format === '1.0' && isRecord(payload.multiValueHeaders)
      ? new Set(Object.keys(payload.multiValueHeaders).map((k) => k.toLowerCase()))
      : new Set<string>();
  if (isRecord(payload.headers)) {
    for (const [name, value] of Object.entries(payload.headers)) {
      const lower = name.toLowerCase();
      if (value !== undefined && value !== null && !HOP_BY_HOP.has(lower) && !multiNames.has(lower))
        headers.push([name, String(value)]);
    }
  }
  let problem: string | undefined;
  if (isRecord(payload.multiValueHeaders) && format === '2.0') {
    // Payload format 2.0 has no multiValueHeaders: HTTP APIs and function URLs drop them unread.
    const names = Object.keys(payload.multiValueHeaders);
    if (names.length > 0)
      problem =
        `multiValueHeaders (${names.join(', ')}) dropped, as payload format 2.0 front doors do: ` +
        'return them in headers (repeats joined with commas) and Set-Cookie in cookies';
  } else if (isRecord(payload.multiValueHeaders)) {
    for (const [name, values] of Object.entries(payload.multiValueHeaders)) {
      if (!Array.isArray(values) || HOP_BY_HOP.has(name.toLowerCase())) continue;
      for (const value of values)
        if (value !== undefined && value !== null) headers.push([name, String(value)]);
    }
  }
  if (format === '1.0' && !namesHeader(payload, 'content-type')) {
    // A REST API answers JSON unless told otherwise; a null Content-Type is how a function asks for none.
    headers.push(['content-type', 'application/json']);
  }
  if (Array.isArray(payload.cookies)) {
    for (const cookie of payload.cookies)
      if (typeof cookie === 'string') headers.push(['set-cookie', cookie]);
  }

  let body: Buffer;
  if (payload.body === undefined || payload.body === null) body = Buffer.alloc(0);
  else if (typeof payload.body === 'string')
    body = Buffer.from(payload.body, payload.isBase64Encoded === true ? 'base64' : 'utf8');
  else body = Buffer.from(JSON.stringify(payload.body));
  const declaredLength = declaredContentLength(payload, format);
  return {
    statusCode: status,
    headers,
    body,
    ...(problem ? { problem } : {}),
    ...(declaredLength ? { declaredLength } : {}),
  };
}

/** The Content-Length the result names (multiValueHeaders only for 1.0), when it is a number. */
function declaredContentLength(payload: Record<string, unknown>, format: '1.0' | '2.0'): string | undefined {
  const maps = format === '1.0' ? [payload.multiValueHeaders, payload.headers] : [payload.headers];
  for (const map of maps) {
    if (!isRecord(map)) continue;
    const key = Object.keys(map).find((k) => k.toLowerCase() === 'content-length');
    const raw: unknown = key === undefined ? undefined : map[key];
    const value = String((Array.isArray(raw) ? raw[0] : raw) ?? '').trim();
    if (/^\d+$/.test(value)) return value;
  }
  return undefined;
}

/** What makes a REST API proxy integration refuse a result (a 502), or undefined when it takes it. */
function restMalformed(payload: unknown): string | undefined {
  if (!isStructured(payload)) return 'no statusCode';
  const extra = Object.keys(payload).filter((k) => !REST_KEYS.has(k));
  if (extra.length > 0) return `unexpected ${extra.join(', ')}`;
  // `"body": {...}` is the classic: API Gateway wants the JSON as a string (json.dumps, JSON.stringify).
  if (typeof payload.body === 'object' && payload.body !== null)
    return 'body is an object, not a string: return it JSON-encoded';
  return undefined;
}

/** Whether the result's headers or multiValueHeaders name this header at all (a null value included). */
function namesHeader(payload: Record<string, unknown>, name: string): boolean {
  return [payload.headers, payload.multiValueHeaders].some(
    (map) => isRecord(map) && Object.keys(map).some((key) => key.toLowerCase() === name),
  );
}

function gatewayError(statusCode: number, message: string, problem: string): HttpResponseParts {
  return {
    statusCode,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ message })),
    problem,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStructured(value: unknown): value is Record<string, unknown> & { statusCode: unknown } {
  return isRecord(value) && 'statusCode' in value;
}
