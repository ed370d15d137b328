/**
 * Injected waiting, so tests never wait for real. An abort `signal` ends the wait at once
 * and clears its timer: a wait cut short by Ctrl-C must not keep the process alive.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Records the delays asked for and returns at once. */
export function recordingSleep(): Sleep & { calls: number[] } {
  const calls: number[] = [];
  const fn = (async (ms: number) => {
    calls.push(ms);
  }) as Sleep & { calls: number[] };
  fn.calls = calls;
  return fn;
}
