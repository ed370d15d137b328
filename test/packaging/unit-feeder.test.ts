import { describe, expect, it } from '@jest/globals';
import type { DeflatePool } from '../../src/packaging/deflate-pool.js';
import {
  FLAG_HIT,
  META,
  META_FIELDS,
  type BatchResult,
  type Unit,
} from '../../src/packaging/deflate-units.js';
import { UnitFeeder, type UnitDone } from '../../src/packaging/unit-feeder.js';

const UNIT_BYTES = 32 * 1024;

/** Whole files of 32 KiB: two to a batch (the smallest batch is 64 KiB). */
const units: Unit[] = Array.from({ length: 200 }, (_, i) => ({
  file: `f${i}`,
  size: UNIT_BYTES,
  offset: 0,
  length: UNIT_BYTES,
  dictionary: 0,
  whole: true,
  last: true,
}));

/**
 * A runner whose thread answers a batch only when told, each unit a cache
 * hit or (when `misses` says so) a deflated unit; batches this thread runs
 * itself are counted.
 */
function fakeRunner(misses: (file: string) => boolean) {
  const waiting: { units: readonly Unit[]; resolve: (r: BatchResult) => void }[] = [];
  const answer = (batch: readonly Unit[]): BatchResult => {
    const meta = new Float64Array(batch.length * META_FIELDS);
    batch.forEach((u, i) => {
      const m = i * META_FIELDS;
      meta[m + META.size] = u.length;
      if (misses(u.file)) meta[m + META.length] = 0;
      else meta[m + META.flags] = FLAG_HIT;
    });
    return { meta, keys: new Uint8Array(32 * batch.length), data: new ArrayBuffer(0), errors: [] };
  };
  const runner = {
    slots: 2,
    caching: true,
    canRunInline: true,
    inline: 0,
    run: (batch: readonly Unit[]) =>
      new Promise<BatchResult>((resolve) => waiting.push({ units: batch, resolve })),
    runInline: async (batch: readonly Unit[]) => {
      runner.inline++;
      return answer(batch);
    },
    recycle: () => undefined,
    /** Answers the oldest batch sent to the thread. */
    answerOne: () => {
      const next = waiting.shift();
      next?.resolve(answer(next.units));
      return next !== undefined;
    },
  };
  return runner;
}

/** Takes every unit in order, answering the thread's batches one at a time whenever the writer has to wait. */
async function writeAll(
  runner: ReturnType<typeof fakeRunner>,
): Promise<{ hits: number; inlineWhileWaiting: number[] }> {
  const feeder = new UnitFeeder(units, runner as unknown as DeflatePool, 16 * 1024 * 1024);
  let hits = 0;
  const inlineWhileWaiting: number[] = [];
  for (let u = 0; u < units.length; u++) {
    let done = feeder.take(u);
    if (!done) {
      const before = runner.inline;
      let taken: UnitDone | undefined;
      const waiting = feeder.result(u).then((d) => (taken = d));
      if (runner.inline > before) inlineWhileWaiting.push(u);
      // The thread answers its batches, oldest first, until this unit's has come.
      await new Promise((resolve) => setImmediate(resolve));
      while (!taken && runner.answerOne()) await new Promise((resolve) => setImmediate(resolve));
      done = await waiting;
    }
    if (done.hit) hits++;
    feeder.written(u, done);
  }
  return { hits, inlineWhileWaiting };
}

describe('UnitFeeder', () => {
  it('leaves the threads to hash the files of a zip that is mostly cache hits, and writes meanwhile', async () => {
    const runner = fakeRunner(() => false);
    const { hits, inlineWhileWaiting } = await writeAll(runner);
    expect(hits).toBe(200);
    // Before 64 results have come, it cannot tell: it works on this thread while it waits.
    expect(inlineWhileWaiting.length).toBeGreaterThan(0);
    expect(inlineWhileWaiting.every((u) => u < 64)).toBe(true);
  });

  it('compresses on this thread too whenever it waits, when more than 1 in 10 results are not hits', async () => {
    const runner = fakeRunner((file) => Number(file.slice(1)) % 5 === 0);
    const { hits, inlineWhileWaiting } = await writeAll(runner);
    expect(hits).toBe(160);
    expect(inlineWhileWaiting.some((u) => u >= 64)).toBe(true);
  });
});
