import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { DeflatePool, THREAD_RESOURCE_LIMITS, threadFailure } from '../../src/packaging/deflate-pool.js';
import { CHUNK_BYTES, planUnits, RECORD_FIELDS } from '../../src/packaging/deflate-units.js';
import { decodeBatch } from '../../src/packaging/unit-feeder.js';
import { configureZipThreads, DEFAULT_LEVEL } from '../../src/packaging/zip-writer.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('deflate-pool');
afterAll(cleanup);

const content = Buffer.from('def handler(event, context):\n    return {"statusCode": 200}\n'.repeat(100));
const file = join(root, 'app.py');
writeFileSync(file, content);

/** Blocks this thread (no event loop turn) until `done()` or `ms` have passed. */
function spinUntil(done: () => boolean, ms: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) Atomics.wait(cell, 0, 0, 5);
}

describe('DeflatePool', () => {
  it('counts a thread as started once its program runs, while this thread is still busy (a synchronous walk)', async () => {
    const pool = new DeflatePool(1, 'idle');
    try {
      configureZipThreads(pool, DEFAULT_LEVEL, undefined);
      pool.start();
      // Just spawned: one batch at a time, on this thread.
      expect(pool.slots).toBe(1);
      // Its 'online' event cannot reach this thread before it returns to its event loop.
      spinUntil(() => pool.slots === 2, 20_000);
      expect(pool.slots).toBe(2);
      const result = await pool.run(planUnits(file, content.length));
      // Done by the thread (origin 0), not on this one (-1).
      expect(result.origin).toBe(0);
      const [unit] = decodeBatch(result);
      if (!unit || unit instanceof Error) throw new Error('no result for app.py');
      expect(unit.done.crc).toBe(crc32(content));
      expect(inflateRawSync(unit.done.data).equals(content)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('close() returns while its threads are still exiting; they exit by themselves', async () => {
    const pool = new DeflatePool(2, 'never');
    configureZipThreads(pool, DEFAULT_LEVEL, undefined);
    pool.start();
    const result = await pool.run(planUnits(file, content.length));
    expect(result.origin).toBeGreaterThanOrEqual(0);
    await pool.close();
    let exited = false;
    void pool.exited.then(() => (exited = true));
    // An 'exit' event needs an event loop turn: none has passed since close() began.
    await Promise.resolve();
    expect(exited).toBe(false);
    await pool.exited;
    expect(exited).toBe(true);
    expect(pool.started).toBe(false);
  });

  it('ends threads that have not started yet', async () => {
    const pool = new DeflatePool(1, 'idle');
    configureZipThreads(pool, DEFAULT_LEVEL, undefined);
    pool.start();
    await pool.close();
    await pool.exited;
    expect(pool.started).toBe(false);
  });

  describe('thread limits', () => {
    const cap = THREAD_RESOURCE_LIMITS.maxYoungGenerationSizeMb!;
    const oldCap = THREAD_RESOURCE_LIMITS.maxOldGenerationSizeMb!;

    /**
     * What a worker started without limits gets from V8 on this Node. It stays up (a listener on
     * its port) until terminated: a stopped worker's resourceLimits is `{}`, which a worker that
     * ended right after its message sometimes was by the time it was read.
     */
    async function defaultLimits(): Promise<Worker['resourceLimits']> {
      const w = new Worker(
        "const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => {}); parentPort.postMessage(0);",
        { eval: true },
      );
      await new Promise((resolve) => w.once('message', resolve));
      const limits = w.resourceLimits;
      await w.terminate();
      return limits;
    }

    it('caps the young and the old generation of each thread, below what a worker gets by default', async () => {
      expect(THREAD_RESOURCE_LIMITS).toEqual({
        maxYoungGenerationSizeMb: cap,
        maxOldGenerationSizeMb: oldCap,
      });
      const pool = new DeflatePool(2, 'never');
      try {
        configureZipThreads(pool, DEFAULT_LEVEL, undefined);
        pool.start();
        await Promise.all([0, 1].map((i) => pool.ask(i, planUnits(file, content.length))));
        const defaults = await defaultLimits();
        // As each thread's V8 applied them (a started worker reports its isolate's values).
        for (const limits of pool.threadLimits()) {
          expect(limits.maxYoungGenerationSizeMb).toBe(cap);
          expect(limits.maxYoungGenerationSizeMb).toBeLessThan(defaults!.maxYoungGenerationSizeMb!);
          expect(limits.maxOldGenerationSizeMb).toBe(oldCap);
          expect(limits.maxOldGenerationSizeMb).toBeLessThan(defaults!.maxOldGenerationSizeMb!);
        }
      } finally {
        await pool.close();
      }
    });

    it('a batch of several times the young-generation cap compresses on a thread', async () => {
      // Whole files just under a chunk, incompressible: a batch well past the cap, in and out.
      const count = Math.ceil((3 * cap * 1024 * 1024) / CHUNK_BYTES);
      const contents = Array.from({ length: count }, () => randomBytes(CHUNK_BYTES - 1));
      const units = contents.flatMap((c, i) => {
        const path = join(root, `blob-${i}.bin`);
        writeFileSync(path, c);
        return planUnits(path, c.length);
      });
      const pool = new DeflatePool(1, 'never');
      try {
        configureZipThreads(pool, DEFAULT_LEVEL, undefined);
        pool.start();
        const result = await pool.run(units);
        expect(result.origin).toBe(0);
        const done = decodeBatch(result);
        expect(done).toHaveLength(count);
        done.forEach((unit, i) => {
          if (!unit || unit instanceof Error) throw new Error(`no result for blob-${i}.bin`);
          expect(unit.done.crc).toBe(crc32(contents[i]!));
          // Random bytes do not shrink: stored (0) rather than deflated (8).
          const data = unit.done.method === 8 ? inflateRawSync(unit.done.data) : unit.done.data;
          expect(data.equals(contents[i]!)).toBe(true);
        });
      } finally {
        await pool.close();
      }
    });

    it('a thread takes a package cache index of a million rows under the heap cap (keys and records are typed arrays)', async () => {
      const rows = 1_000_000;
      const keys = new Uint8Array(randomBytes(rows * 32));
      const records = new Float64Array(rows * RECORD_FIELDS);
      const pool = new DeflatePool(1, 'never');
      try {
        pool.configure({ level: DEFAULT_LEVEL, hash: true, cache: { packs: [], keys, records } });
        pool.start();
        const [unit] = decodeBatch(await pool.run(planUnits(file, content.length)));
        if (!unit || unit instanceof Error) throw new Error(`no result for app.py: ${String(unit)}`);
        // Not among the random keys: compressed, with its key for the cache.
        expect(unit.done.hit).toBe(false);
        expect(unit.done.crc).toBe(crc32(content));
        expect(inflateRawSync(unit.done.data).equals(content)).toBe(true);
        expect(Buffer.from(unit.done.key!).toString('hex')).toBe(
          createHash('sha256').update(content).digest('hex'),
        );
      } finally {
        await pool.close();
      }
    });

    /** A worker under THREAD_RESOURCE_LIMITS that keeps about `mb` MB of small objects alive: its exit code, or its error. */
    async function keepAlive(
      mb: number,
    ): Promise<{ kept?: unknown; code: number; error?: Error & { code?: string } }> {
      // ~150 bytes an object: 7,000 of them per MB.
      const worker = new Worker(
        `const keep = [];
        for (let i = 0; i < ${mb * 7_000}; i++) keep.push({ i, name: 'file-' + i, at: [i, i + 1] });
        require('node:worker_threads').parentPort.postMessage(keep.length);`,
        { eval: true, resourceLimits: THREAD_RESOURCE_LIMITS },
      );
      let error: (Error & { code?: string }) | undefined;
      let kept: unknown;
      worker.on('error', (e) => (error = e));
      worker.on('message', (m) => (kept = m));
      const code = await new Promise<number>((resolve) => worker.once('exit', resolve));
      return { kept, code, ...(error ? { error } : {}) };
    }

    it('a thread keeps live data of twice the young cap, more than the most a zip thread keeps (11 MB)', async () => {
      const { kept, code, error } = await keepAlive(2 * cap);
      expect(error).toBeUndefined();
      expect(kept).toBe(2 * cap * 7_000);
      expect(code).toBe(0);
    });

    it('a thread that keeps more than the old-generation cap ends with ERR_WORKER_OUT_OF_MEMORY, which threadFailure words as ours', async () => {
      const { error } = await keepAlive(2 * oldCap);
      expect(error?.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
      const said = threadFailure(error!);
      expect(said.message).toMatch(
        new RegExp(`^a zip thread ran out of its ${oldCap} MB heap \\(.*memory limit`),
      );
      expect((said as Error & { code?: string }).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
      // Any other failure is passed on as it is.
      const other = Object.assign(new Error('EACCES'), { code: 'EACCES' });
      expect(threadFailure(other)).toBe(other);
    });
  });
});
