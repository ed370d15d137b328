import { errorName, isTransient, withRetry } from '../util/retry.js';
import { scaledWait } from '../util/wait-scale.js';
import { type AwsDeps, AwsError, isAccessDenied, wrapAwsError } from './aws-call.js';

export type PollResult<T> = { done: true; value: T } | { done: false; status: string };

export interface PollOptions<T> {
  /** What is awaited, for messages: "function X to finish updating". */
  what: string;
  /** IAM action the check needs; an AccessDenied fails at once naming it. */
  permission?: string;
  check: () => Promise<PollResult<T>>;
  /** Sleep this long before the first check (the caller knows it is not done yet). */
  delayFirstMs?: number;
  intervalMs?: number;
  maxIntervalMs?: number;
  maxWaitMs?: number;
}

/** Not done yet: the signal that makes withRetry poll again. */
class NotYet extends Error {
  constructor(readonly status: string) {
    super(status);
  }
}

export const POLL_DEFAULTS = { intervalMs: 1_000, maxIntervalMs: 5_000, maxWaitMs: 300_000 } as const;

/**
 * Polls `check` every 1 s, doubling to 5 s, for up to 5 minutes, on the
 * injected Sleep. Unlike the SDK waiters, an AccessDenied fails at once
 * (naming the permission) instead of being waited out; throttling and 5xx
 * are polled through. deps.waitScale (LAMBDA_DEPLOY_WAIT_SCALE) shortens the pauses,
 * never the 5 minutes.
 */
export async function pollUntil<T>(deps: AwsDeps, options: PollOptions<T>): Promise<T> {
  const maxWaitMs = options.maxWaitMs ?? POLL_DEFAULTS.maxWaitMs;
  let lastStatus = 'no answer yet';
  // Shorter pauses (LAMBDA_DEPLOY_WAIT_SCALE) between the same checks; maxWaitMs stays the limit.
  const pause = (ms: number) => scaledWait(ms, deps.waitScale);
  if (options.delayFirstMs) await deps.sleep(pause(options.delayFirstMs));
  try {
    return await withRetry(
      async () => {
        const result = await options.check();
        if (result.done) return result.value;
        lastStatus = result.status;
        throw new NotYet(result.status);
      },
      {
        attempts: Number.MAX_SAFE_INTEGER,
        baseDelayMs: pause(options.intervalMs ?? POLL_DEFAULTS.intervalMs),
        maxDelayMs: pause(options.maxIntervalMs ?? POLL_DEFAULTS.maxIntervalMs),
        maxWaitMs,
        // A poll interval needs no jitter: exact delays, predictable call counts.
        random: () => 1,
        sleep: deps.sleep,
        retryable: (error) => error instanceof NotYet || (isTransient(error) && !isAccessDenied(error)),
        onRetry: (error) => {
          if (!(error instanceof NotYet)) lastStatus = errorName(error);
        },
      },
    );
  } catch (error) {
    if (error instanceof NotYet || isTransient(error)) {
      throw new AwsError(
        `Timed out after ${Math.round(maxWaitMs / 1000)} s waiting for ${options.what} (last seen: ${lastStatus})`,
        'Timeout',
        { cause: error },
      );
    }
    throw wrapAwsError(error, `wait for ${options.what}`, options.permission, undefined, deps.needs);
  }
}
