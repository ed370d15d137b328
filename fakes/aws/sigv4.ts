/**
 * Signature Version 4 as AWS checks it on arrival (pure): the Authorization
 * header's parts, the canonical request rebuilt from what came over the wire,
 * and the signature computed with the secret the account knows for the key id.
 * Written from AWS's SigV4 description: canonical request, string to sign,
 * signing key derived through date, region, service and `aws4_request`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** `AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/lambda/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** YYYYMMDD of the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** What the signature covers, as the request arrived. */
export interface SignedRequest {
  method: string;
  /** The path as sent (still percent-encoded), without the query. */
  rawPath: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  if (!header?.startsWith('AWS4-HMAC-SHA256 ')) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const scope = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(fields.get('Credential') ?? '');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!scope || !signedHeaders || !signature) return undefined;
  return {
    accessKeyId: scope[1] as string,
    date: scope[2] as string,
    region: scope[3] as string,
    service: scope[4] as string,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The canonical URI: S3 signs the path as sent; every other service signs it
 * normalised (no empty, `.` or `..` segments) and encoded once more.
 */
function canonicalUri(rawPath: string, service: string): string {
  if (service === 's3') return rawPath || '/';
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

/** Parameters sorted by encoded name, then value; each name and value encoded. */
function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [uriEncode(decode(name)), uriEncode(decode(value))] as const;
    })
    .filter(([name]) => name.toLowerCase() !== 'x-amz-signature')
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

export const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export function canonicalRequest(req: SignedRequest, auth: SigV4Authorization): string {
  // S3 signs the payload hash its header states (or UNSIGNED-PAYLOAD, STREAMING-…); other services hash the body.
  const payloadHash =
    (auth.service === 's3' && headerValue(req.headers, 'x-amz-content-sha256')) || sha256Hex(req.body);
  return [
    req.method,
    canonicalUri(req.rawPath, auth.service),
    canonicalQuery(req.rawQuery),
    auth.signedHeaders.map((name) => `${name}:${headerValue(req.headers, name)}\n`).join(''),
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** The signature AWS computes for `req` with `secretAccessKey`. */
export function expectedSignature(
  req: SignedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
): string {
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    headerValue(req.headers, 'x-amz-date'),
    scope,
    sha256Hex(canonicalRequest(req, auth)),
  ].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(auth.date).digest();
  for (const part of [auth.region, auth.service, 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Whether the request carries the signature `secretAccessKey` gives it. */
export function signatureMatches(
  req: SignedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
): boolean {
  const expected = Buffer.from(expectedSignature(req, auth, secretAccessKey));
  const given = Buffer.from(auth.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
