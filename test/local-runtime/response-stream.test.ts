import { describe, expect, it } from '@jest/globals';
import { MAX_STREAMED_RESPONSE_BYTES, StreamedResponse } from '../../src/local-runtime/response-stream.js';

describe('StreamedResponse limits', () => {
  it("a streamed response (read as it arrives) may go to Lambda's 200 MB", () => {
    expect(MAX_STREAMED_RESPONSE_BYTES).toBe(200 * 1024 * 1024);
  });

  it('a reader gets the bytes up to the streamed limit, then the stream is cut with Function.ResponseSizeTooLarge', async () => {
    const stream = new StreamedResponse('text/plain', 4, 'req-1', 10);
    const read: Buffer[] = [];
    stream.read((chunk) => read.push(chunk));
    stream.write(Buffer.from('123456')); // past the buffered limit: a reader is not held to it
    stream.write(Buffer.from('789ab'));
    stream.write(Buffer.from('cd'));
    expect(Buffer.concat(read).toString()).toBe('123456789a');
    expect(await stream.finished).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (10 bytes).',
    });
  });

  it('a stream of exactly the streamed limit ends cleanly', async () => {
    const stream = new StreamedResponse('text/plain', 4, 'req-2', 10);
    const read: Buffer[] = [];
    stream.read((chunk) => read.push(chunk));
    stream.write(Buffer.from('12345'));
    stream.write(Buffer.from('67890'));
    stream.end();
    expect(Buffer.concat(read).toString()).toBe('1234567890');
    expect(await stream.finished).toBeUndefined();
  });

  it('unread (a buffered response), the buffered limit applies: the body is refused past it', async () => {
    const stream = new StreamedResponse('text/plain', 4, 'req-3', 10);
    stream.write(Buffer.from('12345'));
    stream.end();
    expect(await stream.finished).toBeUndefined();
    expect(stream.collected()).toBeUndefined();
  });
});
