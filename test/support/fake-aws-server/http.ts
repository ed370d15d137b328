/**
 * The wire plumbing of the fake AWS: a parsed request, a reply, and a fault
 * that each protocol renders the way its SDK deserializer expects.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Which AWS wire protocol a service speaks; decides how faults look. */
export type Protocol = 'rest-json' | 'json-1.1' | 'query' | 'rest-xml';

export interface FakeRequest {
  method: string;
  /** Decoded path segments, e.g. ['2015-03-31', 'functions', 'svc-main']. */
  segments: string[];
  /** The raw path (not decoded), without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The access key id of the SigV4 signature ('' for an unsigned request). */
  accessKeyId: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** An AWS error answer: the HTTP status, the error code the SDK maps to an exception, a message. */
export class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AwsFault';
  }
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

/** `{A: 'x', B: {C: 1}}` as `<A>x</A><B><C>1</C></B>`; arrays become repeated `member` elements. */
export function toXml(value: Record<string, unknown>): string {
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      out += `<${key}>${v.map((item) => `<member>${typeof item === 'object' ? toXml(item as Record<string, unknown>) : escapeXml(String(item))}</member>`).join('')}</${key}>`;
    } else if (v instanceof Date) {
      out += `<${key}>${v.toISOString()}</${key}>`;
    } else if (typeof v === 'object') {
      out += `<${key}>${toXml(v as Record<string, unknown>)}</${key}>`;
    } else {
      out += `<${key}>${escapeXml(String(v))}</${key}>`;
    }
  }
  return out;
}

/** How each protocol's SDK expects to read an error. */
export function renderFault(protocol: Protocol, fault: AwsFault, method: string, requestId: string): Reply {
  switch (protocol) {
    case 'rest-json':
      return json(
        fault.status,
        { Type: fault.status < 500 ? 'User' : 'Service', message: fault.message },
        { 'x-amzn-errortype': fault.code, 'x-amzn-requestid': requestId },
      );
    case 'json-1.1':
      return {
        status: fault.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: fault.code, message: fault.message }),
      };
    case 'query':
      return xml(
        fault.status,
        `<ErrorResponse><Error><Type>${fault.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    case 'rest-xml':
      // HEAD answers carry no body: the SDK names the error after the status (NotFound, Forbidden).
      if (method === 'HEAD') return empty(fault.status, { 'x-amz-request-id': requestId });
      return xml(
        fault.status,
        `<Error><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
        { 'x-amz-request-id': requestId },
      );
  }
}

/** `Credential=AKID/20250101/us-east-1/lambda/aws4_request` of a SigV4 Authorization header. */
export function credentialScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return m ? { accessKeyId: m[1] as string, region: m[2] as string, service: m[3] as string } : undefined;
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (!body.length) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new AwsFault(400, 'SerializationException', 'The request body is not JSON');
  }
}

/**
 * Decodes an `aws-chunked` body (`{hex size}[;chunk-signature=...]\r\n{bytes}\r\n ... 0\r\n{trailers}`),
 * which the SDK sends when it streams a checksum as a trailer.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
