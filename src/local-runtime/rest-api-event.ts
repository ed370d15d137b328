/**
 * An HTTP request as API Gateway's REST API hands it to a function through a
 * Lambda proxy integration: the payload format 1.0 event, built from the parts
 * of a request under `/{stage}` (no I/O). Mirrors the REST API lambda-deploy
 * creates: `ANY /` and `ANY /{proxy+}`, binary media type `*\/*`.
 */
import { clfTime, type HttpRequestParts } from './http-api-event.js';

export interface RestApiEvent {
  resource: '/' | '/{proxy+}';
  /** The path after the stage, as the client sent it. */
  path: string;
  httpMethod: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: { proxy: string } | null;
  stageVariables: null;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    extendedRequestId: string;
    httpMethod: string;
    identity: Record<string, string | null>;
    /** What the client asked for, stage included. */
    path: string;
    protocol: string;
    requestId: string;
    requestTime: string;
    requestTimeEpoch: number;
    resourceId: string;
    resourcePath: '/' | '/{proxy+}';
    stage: string;
  };
  body: string | null;
  isBase64Encoded: boolean;
}

const IDENTITY_FIELDS = [
  'accessKey',
  'accountId',
  'apiKey',
  'apiKeyId',
  'caller',
  'cognitoAuthenticationProvider',
  'cognitoAuthenticationType',
  'cognitoIdentityId',
  'cognitoIdentityPoolId',
  'principalOrgId',
  'user',
  'userArn',
];

/** The path of a request target (origin or absolute form), without query or fragment. */
function targetPath(url: string): string {
  const target = (url.split('#')[0] ?? '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i, '');
  return (target.split('?')[0] ?? '') || '/';
}

/**
 * The path after `/{stage}` of a request target, or undefined when the target
 * is not under the stage (execute-api answers those itself, with a 403).
 */
export function pathUnderStage(url: string, stage: string): string | undefined {
  const path = targetPath(url);
  const prefix = `/${stage}`;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}

/** The 1.0 event for a request whose target lies under `/{stage}`; undefined otherwise. */
export function toRestApiEvent(request: HttpRequestParts, stage: string): RestApiEvent | undefined {
  const path = pathUnderStage(request.url, stage);
  if (path === undefined) return undefined;
  const queryAt = request.url.indexOf('?');
  const rawQuery = queryAt < 0 ? '' : (request.url.slice(queryAt + 1).split('#')[0] ?? '');

  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    // Names as the client cased them (the first spelling wins); `headers` keeps the last value.
    const existing = Object.keys(multiValueHeaders).find((k) => k.toLowerCase() === name.toLowerCase());
    const key = existing ?? name;
    (multiValueHeaders[key] ??= []).push(value);
    headers[key] = value;
  };
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2)
    add(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
  const host = headers[headerKey(headers, 'host') ?? ''] ?? '127.0.0.1';
  const forwardedFor = headerKey(headers, 'x-forwarded-for');
  const chain = forwardedFor ? `${headers[forwardedFor]}, ${request.sourceIp}` : request.sourceIp;
  // API Gateway adds a trace header to every request (the client's own is kept), as in AWS's sample event.
  if (request.traceId && !headerKey(headers, 'x-amzn-trace-id')) add('X-Amzn-Trace-Id', request.traceId);
  for (const [name, value] of [
    ['X-Forwarded-For', chain],
    ['X-Forwarded-Port', hostPort(host)],
    ['X-Forwarded-Proto', 'http'],
  ] as const) {
    const key = headerKey(headers, name) ?? name;
    headers[key] = value;
    multiValueHeaders[key] = [value];
  }

  const multiQuery = parseFormQuery(rawQuery);
  const queryNames = Object.keys(multiQuery);
  const hostName = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host);
  const resource = path === '/' ? '/' : '/{proxy+}';
  const identity: Record<string, string | null> = Object.fromEntries(IDENTITY_FIELDS.map((f) => [f, null]));
  identity.sourceIp = request.sourceIp;
  identity.userAgent = headers[headerKey(headers, 'user-agent') ?? ''] ?? null;

  return {
    resource,
    path,
    httpMethod: request.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters:
      queryNames.length > 0 ? Object.fromEntries(queryNames.map((k) => [k, multiQuery[k]!.at(-1)!])) : null,
    multiValueQueryStringParameters: queryNames.length > 0 ? multiQuery : null,
    pathParameters: resource === '/' ? null : { proxy: decodeComponent(path.slice(1)) },
    stageVariables: null,
    requestContext: {
      accountId: request.accountId ?? '000000000000',
      apiId: request.apiId ?? 'local',
      // With its port, unlike on AWS: apps that build absolute URLs from it then link back here.
      domainName: host,
      domainPrefix: hostName.split('.')[0] ?? hostName,
      extendedRequestId: request.extendedRequestId ?? request.requestId,
      httpMethod: request.method.toUpperCase(),
      identity,
      path: targetPath(request.url),
      protocol: `HTTP/${request.httpVersion}`,
      requestId: request.requestId,
      requestTime: clfTime(request.timeEpoch),
      requestTimeEpoch: request.timeEpoch,
      resourceId: 'local',
      resourcePath: resource,
      stage,
    },
    // Every media type is binary on the REST API lambda-deploy creates: any body arrives base64.
    body: request.body.length > 0 ? request.body.toString('base64') : null,
    isBase64Encoded: request.body.length > 0,
  };
}

function headerKey(headers: Record<string, string>, name: string): string | undefined {
  return Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
}

function hostPort(host: string): string {
  const match = /:(\d+)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']') + 1) : host);
  return match?.[1] ?? '80';
}

/** API Gateway's reading of a query: form decoding (`+` is a space), every value of a repeated key kept. */
export function parseFormQuery(raw: string): Record<string, string[]> {
  const params: Record<string, string[]> = {};
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    if (key) (params[key] ??= []).push(value);
  }
  return params;
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
