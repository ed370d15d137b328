/**
 * An HTTP request as API Gateway's HTTP API hands it to a function: the
 * payload format 2.0 event, built from the parts of a request (no I/O).
 */

export interface HttpRequestParts {
  method: string;
  /** The request target as received: `/path?query`. */
  url: string;
  /** `1.1`, as Node's `req.httpVersion`. */
  httpVersion: string;
  /** Flat `[name, value, name, value, ...]`, repeats kept (Node's `req.rawHeaders`). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  requestId: string;
  /** The REST API's `extendedRequestId` (its `x-amz-apigw-id`); the requestId when absent. */
  extendedRequestId?: string;
  /** The `X-Amzn-Trace-Id` API Gateway adds when the client sent none (`Root=1-...`). */
  traceId?: string;
  /** Milliseconds since the epoch. */
  timeEpoch: number;
  accountId?: string;
  apiId?: string;
}

export interface HttpApiEvent {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: '$default';
    stage: '$default';
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function toHttpApiEvent(request: HttpRequestParts): HttpApiEvent {
  const target = originForm(request.url);
  const queryAt = target.indexOf('?');
  const rawPath = (queryAt < 0 ? target : target.slice(0, queryAt)) || '/';
  const rawQueryString = queryAt < 0 ? '' : target.slice(queryAt + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      // API Gateway moves cookies out of the headers into their own list.
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
    } else if (name !== 'transfer-encoding') {
      // API Gateway hands over the whole body (chunked framing is gone by then): no Transfer-Encoding.
      const before = headers[name];
      headers[name] = typeof before === 'string' ? `${before},${value}` : value;
    }
  }
  const host = headers.host ?? '127.0.0.1';
  const hostName = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host);
  const port = host.slice(hostName.length + 1) || '80';
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = port;
  headers['x-forwarded-proto'] = 'http';
  // API Gateway hands over the whole body with its length, 0 on a GET.
  headers['content-length'] = String(request.body.length);
  if (request.traceId && !headers['x-amzn-trace-id']) headers['x-amzn-trace-id'] = request.traceId;

  const query = parseQuery(rawQueryString);
  const text = isTextContentType(headers['content-type']);
  const event: HttpApiEvent = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: request.accountId ?? '000000000000',
      apiId: request.apiId ?? 'local',
      // With its port, unlike on AWS: apps that build absolute URLs from it then link back here.
      domainName: host,
      domainPrefix: hostName.split('.')[0] ?? hostName,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(request.timeEpoch),
      timeEpoch: request.timeEpoch,
    },
    isBase64Encoded: false,
  };
  if (request.body.length > 0) {
    event.body = text ? request.body.toString('utf8') : request.body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

/**
 * Whether API Gateway passes a body of this type as text. Everything else,
 * form posts and a missing type included, arrives base64-encoded.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/javascript' ||
    type === 'application/xml' ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

/** Decoded values, repeated keys joined with commas; undefined when there is no query. */
export function parseQuery(raw: string): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let any = false;
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    if (!key) continue;
    params[key] = key in params ? `${params[key]},${value}` : value;
    any = true;
  }
  return any ? params : undefined;
}

function decode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * A request target in absolute form (`http://host/path`, sent to proxies) cut to `/path?query`:
 * its authority, with any userinfo (`user:password@`), is no part of the path.
 */
export function originForm(url: string): string {
  const hash = url.indexOf('#');
  const noFragment = hash < 0 ? url : url.slice(0, hash);
  if (noFragment.startsWith('/')) return noFragment;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i.exec(noFragment);
  return absolute ? noFragment.slice(absolute[0].length) : noFragment;
}

/** `21/Apr/2020:15:08:21 +0000`, API Gateway's request time. */
export function clfTime(epochMs: number): string {
  // The same text for a whole second: made once a second, not once a request.
  const second = Math.floor(epochMs / 1000);
  if (second !== lastClf.second) lastClf = { second, text: formatClf(epochMs) };
  return lastClf.text;
}

let lastClf = { second: NaN, text: '' };

function formatClf(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
  );
}
