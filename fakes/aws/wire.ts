/**
 * The wire plumbing shared by the service handlers: the parsed request, the
 * reply, the XML and JSON helpers, and how each AWS protocol renders an error
 * so that the SDK's deserializer turns it into the service's own exception.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsFault } from './errors.js';

/** The wire protocol of a service: decides how requests look and how errors render. */
export type Protocol = 'rest-json' | 'json-1.1' | 'query' | 'rest-xml';

export interface WireRequest {
  method: string;
  /** The raw path (not decoded), without the query. */
  path: string;
  /** Decoded path segments. */
  segments: string[];
  query: URLSearchParams;
  /** The query string as sent (percent-encoded), without `?`: what the signature covers. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Access key id of the SigV4 signature ('' for an unsigned request). */
  accessKeyId: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: value === undefined ? '' : JSON.stringify(value),
  };
}

export function xml(status: number, text: string, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${text}`,
  };
}

export const empty = (status: number, headers: Record<string, string> = {}): Reply => ({
  status,
  headers,
  body: '',
});

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

export function unescapeXml(value: string): string {
  return value.replace(
    /&(lt|gt|amp|apos|quot);/g,
    (_, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e] ?? '',
  );
}

/**
 * A value as XML elements. `listStyle: 'member'` (the query protocol) wraps
 * list items in `<member>`; `'repeat'` (S3) repeats the element per item.
 */
export function toXml(value: Record<string, unknown>, listStyle: 'member' | 'repeat' = 'member'): string {
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      const item = (x: unknown) =>
        typeof x === 'object' && x !== null
          ? toXml(x as Record<string, unknown>, listStyle)
          : escapeXml(String(x));
      out +=
        listStyle === 'member'
          ? `<${key}>${v.map((x) => `<member>${item(x)}</member>`).join('')}</${key}>`
          : v.map((x) => `<${key}>${item(x)}</${key}>`).join('');
    } else if (v instanceof Date) {
      out += `<${key}>${v.toISOString()}</${key}>`;
    } else if (v instanceof Map) {
      // A query-protocol map (IAM's SummaryMap): entry elements of key and value.
      const entries = [...(v as Map<string, unknown>)].map(
        ([k, x]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(String(x))}</value></entry>`,
      );
      out += `<${key}>${entries.join('')}</${key}>`;
    } else if (typeof v === 'object') {
      out += `<${key}>${toXml(v as Record<string, unknown>, listStyle)}</${key}>`;
    } else {
      out += `<${key}>${escapeXml(String(v))}</${key}>`;
    }
  }
  return out;
}

/** The text of every `<name>` element in `text` (flat documents: S3 request bodies). */
export function xmlValues(text: string, name: string): string[] {
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...text.matchAll(re)].map((m) => unescapeXml(m[1] as string));
}

export function xmlValue(text: string, name: string): string | undefined {
  return xmlValues(text, name)[0];
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (!body.length) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new AwsFault(400, 'SerializationException', 'The request body is not valid JSON');
  }
}

/** `Credential=AKID/20250101/us-east-1/lambda/aws4_request` of a SigV4 Authorization header. */
export function credentialScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return m ? { accessKeyId: m[1] as string, region: m[2] as string, service: m[3] as string } : undefined;
}

/**
 * Decodes an `aws-chunked` body (`{hex size}[;chunk-signature=…]\r\n{bytes}\r\n … 0\r\n{trailers}\r\n`),
 * which the SDK sends when it streams a checksum as a trailer; returns the bytes and the trailers.
 */
export function decodeAwsChunked(body: Buffer): { bytes: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) break;
    if (size === 0) {
      for (const line of body
        .subarray(eol + 2)
        .toString('latin1')
        .split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      break;
    }
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return { bytes: Buffer.concat(parts), trailers };
}

const XML_NS: Record<string, string> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

/** A query-protocol answer: `{Action}Response/{Action}Result` in the service's namespace. */
export function queryAnswer(
  service: 'sts' | 'iam',
  action: string,
  requestId: string,
  result?: Record<string, unknown>,
): Reply {
  const inner = result ? `<${action}Result>${toXml(result)}</${action}Result>` : '';
  return xml(
    200,
    `<${action}Response xmlns="${XML_NS[service]}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

/** An error the way `protocol` sends it (the SDK reads the code from the header or body). */
export function renderFault(protocol: Protocol, fault: AwsFault, method: string, requestId: string): Reply {
  const headers = { ...(fault.extra.headers ?? {}) };
  switch (protocol) {
    case 'rest-json':
      return json(
        fault.status,
        {
          Type: fault.status < 500 ? 'User' : 'Service',
          message: fault.message,
          ...(fault.extra.fields ?? {}),
        },
        { ...headers, 'x-amzn-errortype': fault.code, 'x-amzn-requestid': requestId },
      );
    case 'json-1.1':
      return {
        status: fault.status,
        headers: { ...headers, 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: fault.code, message: fault.message, ...(fault.extra.fields ?? {}) }),
      };
    case 'query':
      return xml(
        fault.status,
        `<ErrorResponse><Error><Type>${fault.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        headers,
      );
    case 'rest-xml':
      // A HEAD answer has no body: the SDK names the error after the status (NotFound, Forbidden).
      if (method === 'HEAD') return empty(fault.status, { ...headers, 'x-amz-request-id': requestId });
      return xml(
        fault.status,
        `<Error><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message>${toXml(fault.extra.fields ?? {})}<RequestId>${requestId}</RequestId></Error>`,
        { ...headers, 'x-amz-request-id': requestId },
      );
  }
}
