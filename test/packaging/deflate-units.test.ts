import { describe, expect, it } from '@jest/globals';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import {
  createInlineProcessor,
  META,
  META_FIELDS,
  WHOLE_STREAM_MAX,
  type Unit,
} from '../../src/packaging/deflate-units.js';
import { DEFAULT_LEVEL } from '../../src/packaging/zip-writer.js';

/** A small deterministic generator, so a failure names a corpus that can be made again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Source-like files cut from one pool of lines: files share long runs, so
 * matches near a file's end could run on into what an earlier file left in
 * deflate's window. Sizes from empty to just over WHOLE_STREAM_MAX, a few
 * incompressible ones (stored).
 */
function corpus(seed: number, count: number): Buffer[] {
  const next = random(seed);
  const words = [
    'def',
    'return',
    'self',
    'import',
    'request',
    'response',
    'value',
    'None',
    'if',
    'for',
    '(',
    ')',
    ':',
    '=',
    '\n    ',
    '\n',
  ];
  const lines = Array.from({ length: 400 }, () =>
    Array.from({ length: 2 + Math.floor(next() * 12) }, () => words[Math.floor(next() * words.length)]).join(
      ' ',
    ),
  );
  const pool = Buffer.from(lines.join('\n'));
  const files: Buffer[] = [Buffer.alloc(0), Buffer.from('x')];
  for (let i = 0; i < count; i++) {
    const r = next();
    const size =
      r < 0.05 ? WHOLE_STREAM_MAX - 50 + Math.floor(next() * 100) : Math.floor(next() ** 2 * 20_000);
    if (r > 0.97) {
      files.push(
        crypto
          .createHash('sha256')
          .update(String(i))
          .digest()
          .subarray(0, Math.max(1, size % 32)),
      );
      continue;
    }
    const parts: Buffer[] = [];
    for (let n = 0; n < size;) {
      const at = Math.floor(next() * pool.length);
      const piece = pool.subarray(at, Math.min(pool.length, at + 1 + Math.floor(next() * 3000)));
      parts.push(piece);
      n += piece.length;
    }
    files.push(Buffer.concat(parts).subarray(0, size));
  }
  return files;
}

const unitOf = (data: Buffer, i: number): Unit => ({
  file: `f${i}.py`,
  size: data.length,
  offset: 0,
  length: data.length,
  dictionary: 0,
  whole: true,
  last: true,
  data,
});

/** Node's zlib, counting the calls that set up a new stream per file. */
function countingZlib(): { zlib: typeof zlib; newStreams: () => number } {
  let calls = 0;
  const counting = {
    ...zlib,
    deflateRawSync: (...args: Parameters<typeof zlib.deflateRawSync>) => {
      calls++;
      return zlib.deflateRawSync(...args);
    },
  };
  return { zlib: counting, newStreams: () => calls };
}

/** Each file's bytes in the zip, as one processor makes them, one batch after another. */
function throughProcessor(files: Buffer[], batch: number, zlibModule: unknown = zlib): Buffer[] {
  const processor = createInlineProcessor(
    { zlib: zlibModule, fs, crypto },
    { level: DEFAULT_LEVEL, hash: false },
  );
  const out: Buffer[] = [];
  try {
    for (let from = 0; from < files.length; from += batch) {
      const units = files.slice(from, from + batch).map((f, i) => unitOf(f, from + i));
      const result = processor.processBatch(units);
      expect(result.errors).toEqual([]);
      const data = Buffer.from(result.data);
      units.forEach((_, i) => {
        const m = i * META_FIELDS;
        out.push(
          Buffer.from(
            data.subarray(
              result.meta[m + META.start],
              result.meta[m + META.start]! + result.meta[m + META.length]!,
            ),
          ),
        );
      });
      processor.recycle(result.data);
    }
  } finally {
    processor.dispose();
  }
  return out;
}

/** What a new stream per file gives: deflated, or the file itself when that is not smaller. */
function expected(file: Buffer): Buffer {
  if (file.length === 0) return file;
  const deflated = zlib.deflateRawSync(file, { level: DEFAULT_LEVEL });
  return deflated.length >= file.length ? file : deflated;
}

describe('whole files on one reused deflate stream', () => {
  it('gives each file the bytes a new stream gives it, whatever came before it on the stream', () => {
    const files = corpus(16, 600);
    const want = files.map(expected);
    // The same files in another order and other batch cuts: the bytes depend on the file alone.
    const shuffled = files.map((f, i) => ({ f, i, k: random(i + 1)() })).sort((a, b) => a.k - b.k);
    const counting = countingZlib();
    const inOrder = throughProcessor(files, 37, counting.zlib);
    // Only the files over WHOLE_STREAM_MAX got a stream of their own.
    expect(counting.newStreams()).toBe(files.filter((f) => f.length > WHOLE_STREAM_MAX).length);
    expect(counting.newStreams()).toBeLessThan(files.length / 10);
    const reordered = throughProcessor(
      shuffled.map((s) => s.f),
      5,
    );
    const mismatches = files.filter((_, i) => !inOrder[i]!.equals(want[i]!)).length;
    const reorderedMismatches = shuffled.filter((s, j) => !reordered[j]!.equals(want[s.i]!)).length;
    expect({ mismatches, reorderedMismatches }).toEqual({ mismatches: 0, reorderedMismatches: 0 });
    // And each one inflates back to its file (stored ones are the file).
    files.forEach((f, i) => {
      const got = inOrder[i]!;
      expect(got.equals(f) || zlib.inflateRawSync(got).equals(f)).toBe(true);
    });
  });

  it('wipes what a file leaves past the end of the next one: zlib hashes 4 bytes, one of them past the end', () => {
    // b ends with 3 bytes seen before, there followed by Q. A new stream has a zero past b's end,
    // so those 3 bytes are literals; after a (Q at that place) they would become a match.
    const filler = (n: number, seed: number) => {
      let x = seed;
      return Buffer.from(
        Array.from({ length: n }, () => 65 + ((x = (x * 1103515245 + 12345) & 0x7fffffff) % 26)),
      );
    };
    const b = Buffer.concat([filler(50, 9), Buffer.from('xyzQ'), filler(100, 1), Buffer.from('xyz')]);
    const a = Buffer.concat([filler(b.length, 3), Buffer.from('QQQQ')]);
    const [, got] = throughProcessor([a, b], 2);
    expect(got!.toString('hex')).toBe(expected(b).toString('hex'));
    const [, nextBatch] = throughProcessor([a, b], 1);
    expect(nextBatch!.toString('hex')).toBe(expected(b).toString('hex'));
  });

  it("deflates the wiping zeros with zlib's run-length strategy and each file with the default one", () => {
    const files = corpus(21, 120);
    const writes: { strategy: number; zeros: boolean }[] = [];
    const watching = {
      ...zlib,
      createDeflateRaw: (options: zlib.ZlibOptions) => {
        const z = zlib.createDeflateRaw(options) as unknown as {
          _handle: Record<string, (...a: unknown[]) => unknown>;
        };
        const handle = z._handle;
        let strategy: number = zlib.constants.Z_DEFAULT_STRATEGY;
        const params = handle.params!.bind(handle);
        const writeSync = handle.writeSync!.bind(handle);
        handle.params = (level: unknown, s: unknown) => params(level, (strategy = s as number));
        handle.writeSync = (
          flush: unknown,
          input: unknown,
          at: unknown,
          length: unknown,
          ...rest: unknown[]
        ) => {
          const bytes = (input as Buffer).subarray(at as number, (at as number) + (length as number));
          writes.push({ strategy, zeros: bytes.length > 0 && bytes.every((b) => b === 0) });
          return writeSync(flush, input, at, length, ...rest);
        };
        return z;
      },
    };
    const got = throughProcessor(files, 16, watching);
    expect(got.map((b) => b.toString('hex'))).toEqual(files.map((f) => expected(f).toString('hex')));
    const nonEmpty = files.filter((f) => f.length > 0 && f.length <= WHOLE_STREAM_MAX).length;
    // One write of the file, one of as many zeros, per file on the shared stream.
    expect(writes).toHaveLength(2 * nonEmpty);
    expect(writes.filter((w, i) => i % 2 === 0 && w.strategy !== zlib.constants.Z_DEFAULT_STRATEGY)).toEqual(
      [],
    );
    expect(writes.filter((w, i) => i % 2 === 1 && !(w.zeros && w.strategy === zlib.constants.Z_RLE))).toEqual(
      [],
    );
  });

  it('falls back to a new stream per file on a zlib without the handle calls it uses', () => {
    const files = corpus(3, 40);
    let streams = 0;
    const bare = {
      ...zlib,
      constants: zlib.constants,
      crc32: zlib.crc32,
      deflateRawSync: zlib.deflateRawSync,
      // A stream whose internals are not Node's: the processor must not use them.
      createDeflateRaw: () => {
        streams++;
        return { close: () => undefined };
      },
    };
    const counting = countingZlib();
    const got = throughProcessor(files, 8, { ...bare, deflateRawSync: counting.zlib.deflateRawSync });
    expect(streams).toBe(1);
    expect(counting.newStreams()).toBe(files.filter((f) => f.length > 0).length);
    expect(got.map((b) => b.toString('hex'))).toEqual(files.map((f) => expected(f).toString('hex')));
  });
});
