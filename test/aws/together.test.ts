import { describe, expect, it } from '@jest/globals';
import { eachTogether } from '../../src/aws/together.js';

/** A task that records how many run at once and ends after a tick. */
function counted() {
  const state = { running: 0, most: 0, started: [] as number[] };
  const task = async (n: number): Promise<number> => {
    state.started.push(n);
    state.running++;
    state.most = Math.max(state.most, state.running);
    await new Promise((resolve) => setImmediate(resolve));
    state.running--;
    if (n < 0) throw new Error(`task ${n} failed`);
    return n * 10;
  };
  return { state, task };
}

describe('eachTogether', () => {
  it('runs at most `limit` tasks at once and returns the results in order', async () => {
    const { state, task } = counted();
    await expect(eachTogether({}, [1, 2, 3, 4, 5, 6, 7], 3, task)).resolves.toEqual([
      10, 20, 30, 40, 50, 60, 70,
    ]);
    expect(state.most).toBe(3);
  });

  it('sequential: one at a time, in order', async () => {
    const { state, task } = counted();
    await eachTogether({ sequential: true }, [1, 2, 3], 3, task);
    expect(state.most).toBe(1);
    expect(state.started).toEqual([1, 2, 3]);
  });

  it('a failure: none starts after it, and it is thrown once the running ones ended', async () => {
    const { state, task } = counted();
    await expect(eachTogether({}, [1, -2, 3, 4, 5], 2, task)).rejects.toThrow('task -2 failed');
    expect(state.started).toEqual([1, -2, 3]);
    expect(state.running).toBe(0);
  });

  it('no items: no task', async () => {
    const { state, task } = counted();
    await expect(eachTogether({}, [], 4, task)).resolves.toEqual([]);
    expect(state.started).toEqual([]);
  });
});
