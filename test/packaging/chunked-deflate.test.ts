import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ChunkedDeflate } from '../../src/packaging/chunked-deflate.js';
import { DeflatePool } from '../../src/packaging/deflate-pool.js';
import { CHUNK_BYTES } from '../../src/packaging/deflate-units.js';
import { haveCommand, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('chunked-deflate');
afterAll(cleanup);

/** Source-like text (deflates ~5x) around bytes that do not compress. */
function streamBytes(length: number): Buffer {
  const line = (i: number) => `    value_${i % 97} = compute(frame[${i}], index=${i * 31})\n`;
  const parts: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const part = i % 500 === 250 ? randomBytes(64 * 1024) : Buffer.from(line(i));
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** Deflates `input` written in pieces of `pieces` bytes (cycled); returns the stream and the result. */
async function deflateInPieces(
  input: Buffer,
  pieces: number[],
  options: { pool?: DeflatePool; level?: number },
) {
  const out: Buffer[] = [];
  const deflate = new ChunkedDeflate((bytes) => void out.push(Buffer.from(bytes)), {
    level: options.level ?? 4,
    ...(options.pool ? { pool: options.pool } : {}),
  });
  for (let at = 0, i = 0; at < input.length; i++) {
    const n = pieces[i % pieces.length]!;
    await deflate.write(input.subarray(at, at + n));
    at += n;
  }
  const result = await deflate.end();
  return { stream: Buffer.concat(out), result };
}

/** A gzip member around a raw deflate stream, as the tar.gz writer frames it. */
function gzip(stream: Buffer, crc: number, size: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), stream, trailer]);
}

describe('ChunkedDeflate', () => {
  it('deflates a stream in 1 MiB chunks on threads into one deflate stream with the CRC of the whole', async () => {
    const input = streamBytes(3 * CHUNK_BYTES + 12_345);
    const pool = new DeflatePool(2, 'never');
    try {
      const { stream, result } = await deflateInPieces(input, [CHUNK_BYTES], { pool });
      expect(result).toEqual({ crc: crc32(input), size: input.length, compressedSize: stream.length });
      expect(inflateRawSync(stream).equals(input)).toBe(true);
      // Each chunk primed with the 32 KiB before it: about the size of one stream, not of four.
      const single = deflateRawSync(input, { level: 4 }).length;
      expect(stream.length).toBeLessThan(single * 1.01);
      // A block repeated across chunk borders is found in the dictionary: the chunks cost what one stream does.
      const repeated = Buffer.concat(Array.from({ length: 160 }, () => input.subarray(200_000, 220_000)));
      const primed = await deflateInPieces(repeated, [CHUNK_BYTES], { pool });
      expect(primed.stream.length).toBeLessThan(deflateRawSync(repeated, { level: 4 }).length + 200);
      // gzip and Python read it framed as a .gz, CRC and size checked.
      const file = join(root, 'stream.gz');
      writeFileSync(file, gzip(stream, result.crc, result.size));
      const python =
        'import gzip, sys, zlib; d = gzip.open(sys.argv[1]).read(); print(len(d), zlib.crc32(d))';
      expect(execFileSync('python3', ['-c', python, file], { encoding: 'utf8' }).trim()).toBe(
        `${input.length} ${crc32(input)}`,
      );
      if (haveCommand('gzip')) execFileSync('gzip', ['-t', file]);
    } finally {
      await pool.close();
    }
  });

  it('gives the same bytes whatever the thread count and however the writes are cut', async () => {
    const input = streamBytes(2 * CHUNK_BYTES + 777);
    const pool = new DeflatePool(3, 'never');
    try {
      const threads = await deflateInPieces(input, [1_000, 300_000, 1, CHUNK_BYTES + 5], { pool });
      const inline = await deflateInPieces(input, [input.length], { pool: new DeflatePool(0) });
      const own = await deflateInPieces(input, [65_536], {}); // a pool of its own, closed by end()
      expect(inline.stream.equals(threads.stream)).toBe(true);
      expect(own.stream.equals(threads.stream)).toBe(true);
      expect(inline.result).toEqual(threads.result);
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['an empty stream', 0],
    ['one byte', 1],
    ['exactly two chunks (the last one full)', 2 * CHUNK_BYTES],
    ['less than a dictionary after a chunk', CHUNK_BYTES + 100],
  ])('ends %s with a final block', async (_, length) => {
    const input = streamBytes(length);
    const { stream, result } = await deflateInPieces(input, [4096], { pool: new DeflatePool(0) });
    expect(stream.length).toBeGreaterThan(0);
    expect(inflateRawSync(stream).equals(input)).toBe(true);
    expect(result.crc).toBe(crc32(input));
  });

  it('starts the threads only for a stream longer than one chunk', async () => {
    const pool = new DeflatePool(1);
    try {
      const small = streamBytes(CHUNK_BYTES);
      expect(inflateRawSync((await deflateInPieces(small, [10_000], { pool })).stream).equals(small)).toBe(
        true,
      );
      expect(pool.started).toBe(false);
      const big = streamBytes(CHUNK_BYTES + 1);
      expect(inflateRawSync((await deflateInPieces(big, [10_000], { pool })).stream).equals(big)).toBe(true);
      expect(pool.started).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('refuses writes after the end', async () => {
    const deflate = new ChunkedDeflate(() => undefined, { level: 4, pool: new DeflatePool(0) });
    await deflate.write(Buffer.from('abc'));
    await deflate.end();
    await expect(deflate.write(Buffer.from('d'))).rejects.toThrow(/write after end/);
  });
});
