import { afterAll, describe, expect, it, jest } from '@jest/globals';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as zlib from 'node:zlib';
import { DeflatePool } from '../../src/packaging/deflate-pool.js';
import { createInlineProcessor, type BatchResult, type Unit } from '../../src/packaging/deflate-units.js';
import { Prefetcher, UnitFeeder } from '../../src/packaging/unit-feeder.js';
import { configureZipThreads, DEFAULT_LEVEL } from '../../src/packaging/zip-writer.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('unit-feeder');
afterAll(cleanup);

/** `count` small files on disk: their paths. */
function filesOnDisk(name: string, count: number): string[] {
  const dir = join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const file = join(dir, `m${i}.py`);
    fs.writeFileSync(file, `print(${i})\n`.repeat(50));
    return file;
  });
}

/** Files of 40 KB: one per batch (a small zip's batches hold 64 KiB). */
function units(count: number): Unit[] {
  return Array.from({ length: count }, (_, i) => {
    const data = Buffer.from(`line ${i} of a module\n`.repeat(2000).slice(0, 40_000));
    return {
      file: `m${i}.py`,
      size: data.length,
      offset: 0,
      length: data.length,
      dictionary: 0,
      whole: true,
      last: true,
      data,
    };
  });
}

/**
 * A pool with one started thread whose batches come back only when the test
 * says so (a thread still starting, or busy): this thread runs its own.
 */
function heldThreadPool() {
  const processor = createInlineProcessor({ zlib, fs, crypto }, { level: DEFAULT_LEVEL, hash: false });
  const held: { units: readonly Unit[]; resolve: (r: BatchResult) => void }[] = [];
  const inline: string[][] = [];
  let busy = false;
  const pool = {
    slots: 2,
    started: true,
    get canRunInline() {
      return !busy;
    },
    run: (batch: readonly Unit[]) =>
      new Promise<BatchResult>((resolve) => held.push({ units: batch, resolve })),
    async runInline(batch: readonly Unit[]) {
      busy = true;
      try {
        await nextTurn();
        inline.push(batch.map((u) => u.file));
        return Object.assign(processor.processBatch(batch), { origin: -1 });
      } finally {
        busy = false;
      }
    },
    recycle: () => undefined,
  };
  const release = () => {
    for (const h of held.splice(0)) h.resolve(Object.assign(processor.processBatch(h.units), { origin: 0 }));
  };
  return { pool: pool as unknown as DeflatePool, inline, held, release, dispose: () => processor.dispose() };
}

/** A pool with no thread started: every batch runs on this thread (a small zip, or `workers: 0`). */
function noThreadPool() {
  const processor = createInlineProcessor({ zlib, fs, crypto }, { level: DEFAULT_LEVEL, hash: false });
  const batches: string[][] = [];
  const runInline = async (batch: readonly Unit[]) => {
    batches.push(batch.map((u) => u.file));
    return Object.assign(processor.processBatch(batch), { origin: -1 });
  };
  const pool = {
    slots: 1,
    started: false,
    canRunInline: true,
    run: runInline,
    runInline,
    recycle: () => undefined,
  };
  return { pool: pool as unknown as DeflatePool, batches, dispose: () => processor.dispose() };
}

/** Every unit's result, in order, each checked against its content and written. */
async function drain(feeder: UnitFeeder, all: readonly Unit[]): Promise<void> {
  for (let u = 0; u < all.length; u++) {
    const d = feeder.take(u) ?? (await feeder.result(u));
    expect(zlib.inflateRawSync(d.data).equals(Buffer.from(all[u]!.data!))).toBe(true);
    feeder.written(u, d);
  }
}

describe('UnitFeeder', () => {
  it('sends a zip that this thread does alone in batches of up to 1 MiB, not of a 32nd of it', async () => {
    // 25 files of 40 KB (~1 MB): with threads, 25 batches of one file, to split between them.
    const all = units(25);
    const { pool, batches, dispose } = noThreadPool();
    try {
      await drain(new UnitFeeder(all, pool, 16 * 1024 * 1024), all);
      expect(batches).toEqual([all.slice(0, 25).map((u) => u.file)]);
    } finally {
      dispose();
    }
  });

  it('keeps such batches within the window of buffered bytes', async () => {
    const all = units(10);
    const { pool, batches, dispose } = noThreadPool();
    try {
      // 100,000 bytes: two files at a time.
      await drain(new UnitFeeder(all, pool, 100_000), all);
      expect(batches.map((b) => b.length)).toEqual([2, 2, 2, 2, 2]);
    } finally {
      dispose();
    }
  });

  it('keeps this thread compressing the batches that follow while the writer waits for a thread', async () => {
    const all = units(10);
    const { pool, inline, held, release, dispose } = heldThreadPool();
    try {
      const feeder = new UnitFeeder(all, pool, 16 * 1024 * 1024);
      // The thread has the first two files; the writer waits for the first.
      expect(held.map((h) => h.units.map((u) => u.file))).toEqual([['m0.py'], ['m1.py']]);
      const first = feeder.result(0);
      for (let turn = 0; turn < 50 && inline.length < 8; turn++) await nextTurn();
      // Every other file, here, one batch after another: not one batch and then idle until the thread answers.
      expect(inline).toEqual(all.slice(2).map((u) => [u.file]));
      release();
      const done = [await first];
      for (let u = 1; u < all.length; u++) done.push(feeder.take(u) ?? (await feeder.result(u)));
      done.forEach((d, u) => {
        expect(zlib.inflateRawSync(d.data).equals(Buffer.from(all[u]!.data!))).toBe(true);
        feeder.written(u, d);
      });
    } finally {
      dispose();
    }
  });
});

describe('Prefetcher', () => {
  it('holds the files of a walk until a thread is up, then sends them (batches no thread took would wait behind its start)', async () => {
    const files = filesOnDisk('held', 300);
    const pool = new DeflatePool(1, 'idle');
    try {
      configureZipThreads(pool, DEFAULT_LEVEL, undefined);
      pool.start();
      const sent = jest.spyOn(pool, 'prefetchOnThreads');
      const prefetch = new Prefetcher(pool, { batchFiles: 100 });
      // A walk: synchronous, done long before the thread is up (it takes tens of milliseconds to boot).
      for (const f of files) prefetch.add(f);
      prefetch.end();
      expect(sent).not.toHaveBeenCalled();
      await prefetch.settled();
      expect(sent).toHaveBeenCalledTimes(3);
      for (const f of files)
        expect(prefetch.take(f, fs.statSync(f).size)).toEqual(expect.objectContaining({ method: 8 }));
    } finally {
      await pool.close();
    }
  });

  it('sends nothing when the zip starts before a thread is up: it compresses those files itself', async () => {
    const files = filesOnDisk('revoked', 300);
    const pool = new DeflatePool(1, 'idle');
    try {
      configureZipThreads(pool, DEFAULT_LEVEL, undefined);
      pool.start();
      const sent = jest.spyOn(pool, 'prefetchOnThreads');
      const prefetch = new Prefetcher(pool, { batchFiles: 100 });
      for (const f of files) prefetch.add(f);
      prefetch.end();
      prefetch.revoke();
      await pool.whenUp();
      await prefetch.settled();
      expect(sent).not.toHaveBeenCalled();
      expect(prefetch.take(files[0]!, fs.statSync(files[0]!).size)).toBeUndefined();
    } finally {
      await pool.close();
    }
  });
});
