import type { LambdaError } from './lambda-error.js';

/**
 * How a function URL returns a response: `BUFFERED` (the default) sends it once the
 * invocation is over; `RESPONSE_STREAM` sends a streaming handler's bytes as it writes them.
 */
export type InvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

/** The content type of a stream that starts with an HTTP prelude (awslambda.HttpResponseStream.from). */
export const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

/**
 * Lambda's maximum for a streamed response (RESPONSE_STREAM, InvokeWithResponseStream): 200 MB
 * since July 2025 (20 MB before). Past it the stream is cut with an error (assumed: AWS documents
 * the limit, not what a client sees; the bytes up to it are sent).
 */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;

/** The eight NUL bytes that end the prelude's JSON. */
const DELIMITER = Buffer.alloc(8);

/** The status, headers and cookies a streaming handler chose, from the prelude. */
export interface HttpPrelude {
  statusCode: number;
  headers: [string, string][];
}

/**
 * A response a runtime is streaming (`Lambda-Runtime-Function-Response-Mode: streaming`):
 * its bytes as they arrive, then how it ended. Chunks wait here until a reader takes them;
 * unread, they are kept up to `limit` bytes (a buffered response's limit).
 */
export class StreamedResponse {
  /** What the stream ended with: undefined when the runtime ended it cleanly, else its error. */
  readonly finished: Promise<LambdaError | undefined>;
  /** Bytes written so far. */
  size = 0;
  private chunks: Buffer[] = [];
  /** Unread bytes passed the limit: the buffered response is refused. */
  private overflow = false;
  private reader: ((chunk: Buffer) => void) | undefined;
  private ended = false;
  private settle!: (error: LambdaError | undefined) => void;

  constructor(
    readonly contentType: string,
    private readonly limit: number,
    /** The invocation's request id, which a function URL returns in x-amzn-RequestId. */
    readonly requestId = '',
    /** Bytes a reader may take before the stream is cut. */
    private readonly streamLimit = MAX_STREAMED_RESPONSE_BYTES,
  ) {
    this.finished = new Promise((resolve) => (this.settle = resolve));
  }

  /** Runtime side: one more piece of the body. */
  write(chunk: Buffer): void {
    if (this.ended) return;
    const before = this.size;
    this.size += chunk.length;
    if (!this.reader) {
      if (this.size <= this.limit) this.chunks.push(chunk);
      else this.overflow = true;
      return;
    }
    if (this.size <= this.streamLimit) return this.reader(chunk);
    if (before < this.streamLimit) this.reader(chunk.subarray(0, this.streamLimit - before));
    this.end({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${this.streamLimit} bytes).`,
    });
  }

  /** Runtime side: the stream is over, cleanly or with an error (then a reader's connection is cut). */
  end(error?: LambdaError): void {
    if (this.ended) return;
    this.ended = true;
    this.settle(error);
  }

  /** Hands `onChunk` what arrived so far, then each chunk as it arrives. */
  read(onChunk: (chunk: Buffer) => void): void {
    const held = this.chunks;
    this.chunks = [];
    this.reader = onChunk;
    for (const chunk of held) onChunk(chunk);
  }

  /** The unread body once the stream ended (the whole body if nothing read it), or undefined past the limit. */
  collected(): Buffer | undefined {
    return this.overflow ? undefined : Buffer.concat(this.chunks);
  }
}

/**
 * Splits a stream's start at the prelude's delimiter: the prelude and the body bytes after it,
 * or undefined while the delimiter has not arrived.
 */
export function splitPrelude(
  start: Buffer,
  restApi = false,
): { prelude: HttpPrelude; rest: Buffer } | undefined {
  const at = start.indexOf(DELIMITER);
  if (at < 0) return undefined;
  return {
    prelude: parsePrelude(start.subarray(0, at), restApi),
    rest: start.subarray(at + DELIMITER.length),
  };
}

/**
 * A function URL's reading of the prelude: statusCode (default 200), headers, and cookies as
 * Set-Cookie headers; a REST API's (`restApi`) takes multiValueHeaders too, whose values win
 * for a name in both, as its proxy integration merges them. A prelude that is not a JSON
 * object is taken as empty (assumed).
 */
export function parsePrelude(json: Buffer, restApi = false): HttpPrelude {
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString('utf8'));
  } catch {
    doc = undefined;
  }
  const d = doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : {};
  const status = d.statusCode;
  const headers: [string, string][] = [];
  const multi =
    restApi && d.multiValueHeaders && typeof d.multiValueHeaders === 'object'
      ? Object.entries(d.multiValueHeaders as Record<string, unknown>)
      : [];
  const multiNames = new Set(multi.map(([name]) => name.toLowerCase()));
  if (d.headers && typeof d.headers === 'object')
    for (const [name, value] of Object.entries(d.headers as Record<string, unknown>))
      if (value !== undefined && value !== null && !multiNames.has(name.toLowerCase()))
        headers.push([name, String(value)]);
  for (const [name, values] of multi)
    if (Array.isArray(values))
      for (const value of values)
        if (value !== undefined && value !== null) headers.push([name, String(value)]);
  if (Array.isArray(d.cookies)) for (const cookie of d.cookies) headers.push(['set-cookie', String(cookie)]);
  return {
    statusCode:
      typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : 200,
    headers,
  };
}
