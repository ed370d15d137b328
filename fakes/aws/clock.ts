/**
 * The fake's time. Everything that takes time in AWS (a function leaving
 * Pending, an update finishing, a new role reaching Lambda, credentials
 * expiring) is a moment on this clock, never a real wait.
 *
 * - `simulatedClock()`: starts at a fixed date and moves only when told:
 *   `advance(ms)` from the test, or `sleep(ms)` handed to the code under test
 *   as its injected Sleep (the code "waits" 2 s, the account is 2 s older).
 *   `tickPerRequestMs` moves it on every request instead, for code that
 *   sleeps for real (the bundled action): states then advance per poll.
 * - `realClock()`: the wall clock, for the bundled action when its own real
 *   sleeps should decide.
 */
import type { Sleep } from '../../src/util/sleep.js';

export interface Clock {
  /** Milliseconds since the epoch, as the account sees it. */
  now(): number;
  date(): Date;
  /** Moves simulated time on (a real clock only records the request). */
  advance(ms: number): void;
  /** A Sleep for the code under test: advances the clock and returns at once (real clock: really sleeps). */
  sleep: Sleep & { calls: number[] };
  /** Called by the server once per request. */
  onRequest(): void;
  readonly simulated: boolean;
}

/** 2025-01-01T00:00:00Z: far from any real date, so a leak of real time shows. */
export const SIMULATED_START = Date.UTC(2025, 0, 1);

export function simulatedClock(options: { start?: number; tickPerRequestMs?: number } = {}): Clock {
  let now = options.start ?? SIMULATED_START;
  const calls: number[] = [];
  const sleep = (async (ms: number) => {
    calls.push(ms);
    now += Math.max(0, ms);
  }) as Clock['sleep'];
  sleep.calls = calls;
  return {
    simulated: true,
    now: () => now,
    date: () => new Date(now),
    advance: (ms) => {
      now += Math.max(0, ms);
    },
    sleep,
    onRequest: () => {
      now += options.tickPerRequestMs ?? 0;
    },
  };
}

export function realClock(): Clock {
  let offset = 0;
  const calls: number[] = [];
  const sleep = (async (ms: number) => {
    calls.push(ms);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }) as Clock['sleep'];
  sleep.calls = calls;
  return {
    simulated: false,
    now: () => Date.now() + offset,
    date: () => new Date(Date.now() + offset),
    // Jumping a real clock forward is still useful: "an hour later" for expiring credentials.
    advance: (ms) => {
      offset += Math.max(0, ms);
    },
    sleep,
    onRequest: () => undefined,
  };
}

/**
 * The time AWS checks a signature's X-Amz-Date against and dates its answers
 * with: the wall clock, since the SDK signs with the wall clock, shifted by
 * `offsetMs` for a runner whose clock is off (20 minutes ahead of it: the
 * runner is 20 minutes behind). Apart from the account's Clock, which may be
 * simulated and start anywhere.
 */
export interface ServerClock {
  now(): number;
  offsetMs: number;
}

export function serverClock(offsetMs = 0): ServerClock {
  return {
    offsetMs,
    now() {
      return Date.now() + this.offsetMs;
    },
  };
}
