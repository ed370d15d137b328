/**
 * Independent AWS requests run together, so a deploy waits for each round
 * trip once rather than once per request. `sequential` (the bench's
 * baseline) runs the same tasks one after another, in the order given.
 */
import type { RetryDeps } from './aws-call.js';

export interface ConcurrencyDeps {
  /** One request at a time: the tasks run in the order given. */
  sequential?: boolean;
}

/** What a resource's calls take: the retry helper's deps and whether to run requests together. */
export type CallDeps = RetryDeps & ConcurrencyDeps;

type Tasks<T extends readonly unknown[]> = { [K in keyof T]: () => Promise<T[K]> };

/**
 * Runs the tasks together and returns their results in order. A failure is
 * thrown only once every task has ended, so no request is still running
 * (or about to write) when the caller moves on; the first task's failure
 * wins, so the one that matters goes first.
 */
export async function together<T extends readonly unknown[]>(
  deps: ConcurrencyDeps,
  ...tasks: Tasks<T>
): Promise<T> {
  if (deps.sequential) {
    const results: unknown[] = [];
    for (const task of tasks) results.push(await task());
    return results as unknown as T;
  }
  const settled = await Promise.allSettled(tasks.map((task) => task()));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * `task` for each item, at most `limit` running at once (one, sequential),
 * results in the items' order: a long list is read in a few round trips
 * without a burst that AWS would throttle. As together(), a failure is
 * thrown once every running task has ended (none starts after it), the
 * earliest item's first.
 */
export async function eachTogether<I, R>(
  deps: ConcurrencyDeps,
  items: readonly I[],
  limit: number,
  task: (item: I) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  const failures = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && failures.size === 0) {
      const i = next++;
      try {
        results[i] = await task(items[i] as I);
      } catch (error) {
        failures.set(i, error);
      }
    }
  };
  const workers = deps.sequential ? 1 : Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failures.size) throw failures.get(Math.min(...failures.keys()));
  return results;
}

/** A task started ahead of the moment its result is needed. */
export interface Started<T> {
  /** Its result (sequential: the task runs now, on first ask). */
  result(): Promise<T>;
  /** Resolves when it has ended, failed or not (at once when it never ran). */
  settled(): Promise<void>;
}

const ignore = () => undefined;

/**
 * Starts a task now and hands back its result later; sequential: the task
 * waits until its result is first asked for.
 */
export function start<T>(deps: ConcurrencyDeps, task: () => Promise<T>): Started<T> {
  let running: Promise<T> | undefined;
  const run = () => {
    running ??= task();
    // Its failure is handed on by result(); unasked, it is no unhandled rejection.
    running.catch(ignore);
    return running;
  };
  if (!deps.sequential) run();
  return {
    result: run,
    settled: () => (running ? running.then(ignore, ignore) : Promise.resolve()),
  };
}

/** A promise settled from outside: what a task started early waits for before it writes. */
export interface Gate<T> {
  promise: Promise<T>;
  open(value: T): void;
  fail(error: unknown): void;
}

export function gate<T>(): Gate<T> {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  promise.catch(ignore);
  return { promise, open, fail };
}
