import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { DeflatePool } from '../../src/packaging/deflate-pool.js';
import { EntryCache } from '../../src/packaging/entry-cache.js';
import { localSink, threadSink, type ZipSink } from '../../src/packaging/zip-sink.js';
import { configureZipThreads, DEFAULT_LEVEL, writeZip } from '../../src/packaging/zip-writer.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('zip-sink');
afterAll(cleanup);

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Puts `parts` through `sink` as the zip writer does (one staging buffer each, in order). */
async function writeThrough(sink: ZipSink, parts: Buffer[]): Promise<{ digest: string; reused: Buffer[] }> {
  let position = 0;
  const writes: Promise<Buffer>[] = [];
  for (const part of parts) {
    const staging = sink.allocate(1024 * 1024);
    part.copy(staging);
    writes.push(sink.write(staging, part.length, position));
    position += part.length;
  }
  const reused = await Promise.all(writes);
  return { digest: (await sink.digest()).toString('hex'), reused };
}

async function withThreads<T>(run: (pool: DeflatePool) => Promise<T>): Promise<T> {
  const pool = new DeflatePool(1, 'never');
  try {
    configureZipThreads(pool, DEFAULT_LEVEL, undefined);
    pool.start();
    return await run(pool);
  } finally {
    await pool.close();
  }
}

describe('zip sinks', () => {
  const parts = [randomBytes(1024 * 1024), randomBytes(3), Buffer.alloc(0), randomBytes(700_000)];
  const whole = Buffer.concat(parts);

  it('hash and write the bytes in file order, here or on a pool thread, with the same result', async () => {
    for (const where of ['local', 'thread'] as const) {
      const path = join(root, `${where}.bin`);
      const fh = await open(path, 'wx');
      try {
        const { digest, reused } =
          where === 'local'
            ? await writeThrough(localSink(fh.fd), parts)
            : await withThreads((pool) => writeThrough(threadSink(pool, fh.fd), parts));
        expect(digest).toBe(sha256(whole));
        // Every staging buffer comes back whole, to be used again.
        expect(reused.map((b) => b.length)).toEqual(parts.map(() => 1024 * 1024));
      } finally {
        await fh.close();
      }
      expect(readFileSync(path).equals(whole)).toBe(true);
    }
  });

  it('write the last bytes of a zip at once, the others on the thread pool', async () => {
    const path = join(root, 'last.bin');
    const fd = openSync(path, 'wx');
    try {
      const sink = localSink(fd);
      const fsRequests = () => process.getActiveResourcesInfo().filter((r) => r === 'FSReqCallback').length;
      const before = fsRequests();
      const first = sink.allocate(16);
      first.fill(1);
      const written = sink.write(first, 16, 0);
      expect(fsRequests()).toBe(before + 1);
      await written;
      const last = sink.allocate(8);
      last.fill(2);
      const pending = fsRequests();
      const done = sink.write(last, 8, 16, true);
      // No request for the pool: already on disk, before the promise is awaited.
      expect(fsRequests()).toBe(pending);
      expect(readFileSync(path)).toEqual(Buffer.concat([Buffer.alloc(16, 1), Buffer.alloc(8, 2)]));
      expect(await done).toBe(last);
      expect((await sink.digest()).toString('hex')).toBe(sha256(readFileSync(path)));
    } finally {
      closeSync(fd);
    }
  });

  it('reject a write the thread could not make, with the error of the file system', async () => {
    const path = join(root, 'read-only.bin');
    writeFileSync(path, '');
    const fd = openSync(path, 'r');
    try {
      await withThreads(async (pool) => {
        const sink = threadSink(pool, fd);
        await expect(sink.write(sink.allocate(16), 16, 0)).rejects.toMatchObject({ code: 'EBADF' });
      });
    } finally {
      closeSync(fd);
    }
  });

  it('are a pool thread when the zip has cache entries to serve, with a zip byte-identical to one written here', async () => {
    const tree = join(root, 'tree');
    mkdirSync(tree);
    const sources = Array.from({ length: 40 }, (_, i) => {
      const file = join(tree, `m${i}.py`);
      writeFileSync(file, `def f${i}():\n    return ${i}\n`.repeat(2000 + i));
      return { name: `m${i}.py`, file };
    });
    const cache = join(root, 'cache');
    const reference = await writeZip(join(root, 'reference.zip'), sources);
    const build = async (name: string) => {
      const opened = await EntryCache.open(cache, { level: DEFAULT_LEVEL });
      const pool = new DeflatePool(1, 'idle');
      const ask = jest.spyOn(pool, 'ask');
      try {
        const result = await writeZip(join(root, name), sources, { cache: opened, pool, workers: 1 });
        const sent = ask.mock.calls.filter(([, m]) => (m as { zipWrite?: number }).zipWrite !== undefined);
        return { result, sent: sent.length };
      } finally {
        await pool.close();
      }
    };
    const cold = await build('cold.zip');
    const warm = await build('warm.zip');
    // Cold (an empty cache): this thread hashes and writes; warm: the pool's thread does.
    expect(cold.sent).toBe(0);
    expect(warm.sent).toBeGreaterThan(0);
    expect(warm.result.cache).toMatchObject({ hits: 40, misses: 0, rejected: 0 });
    for (const { result } of [cold, warm]) {
      expect(result.sha256Hex).toBe(reference.sha256Hex);
      expect(sha256(readFileSync(result.path))).toBe(reference.sha256Hex);
    }
  });
});
