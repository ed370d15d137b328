/** Injected waiting, so tests never wait for real. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records the delays asked for and returns at once. */
export function recordingSleep(): Sleep & { calls: number[] } {
  const calls: number[] = [];
  const fn = (async (ms: number) => {
    calls.push(ms);
  }) as Sleep & { calls: number[] };
  fn.calls = calls;
  return fn;
}
