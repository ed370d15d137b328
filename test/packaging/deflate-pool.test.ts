import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { DeflatePool } from '../../src/packaging/deflate-pool.js';
import { planUnits } from '../../src/packaging/deflate-units.js';
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
});
