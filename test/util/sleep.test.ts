import { describe, expect, test } from '@jest/globals';
import { realSleep } from '../../src/util/sleep.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('realSleep', () => {
  test('waits the time asked for', async () => {
    const started = Date.now();
    await realSleep(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  test('an abort ends the wait at once and clears its timer', async () => {
    const before = timers();
    const stop = new AbortController();
    const waiting = realSleep(60_000, stop.signal);
    expect(timers()).toBe(before + 1);
    stop.abort();
    await waiting;
    expect(timers()).toBe(before);
  });

  test('an already aborted signal sets no timer', async () => {
    const before = timers();
    await realSleep(60_000, AbortSignal.abort());
    expect(timers()).toBe(before);
  });
});
