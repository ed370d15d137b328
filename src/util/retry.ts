import { realSleep, type Sleep } from './sleep.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs?: number;
  /** Gives up once this much time has been spent waiting (sum of delays). */
  maxWaitMs?: number;
  /** Full jitter by default; tests pass `() => 1` for exact delays. */
  random?: () => number;
  sleep?: Sleep;
  /** Whether an error is worth another attempt. */
  retryable: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log what is being waited for. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The delay before attempt `attempt + 1` (attempt counts from 1): pure, for tests. */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  // Full jitter: parallel jobs that failed together do not retry together.
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** The one retry-with-backoff helper of the project. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const maxDelay = options.maxDelayMs ?? 30_000;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.retryable(error, attempt)) throw error;
      const delay = backoffDelay(attempt, options.baseDelayMs, maxDelay, random);
      if (options.maxWaitMs !== undefined && waited + delay > options.maxWaitMs) throw error;
      options.onRetry?.(error, attempt, delay);
      waited += delay;
      await sleep(delay);
    }
  }
}

/** The name of an AWS SDK error (or any error), for retry decisions. */
export function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
    if (typeof e.Code === 'string') return e.Code;
    if (typeof e.code === 'string') return e.code;
  }
  return '';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  // The Resource Groups Tagging API's name for it (HTTP 400).
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'ServiceException',
]);

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'TimeoutError']);

/** Throttling, 5xx and connection errors: worth another attempt for any AWS call. */
export function isTransient(error: unknown): boolean {
  const name = errorName(error);
  if (THROTTLING.has(name) || NETWORK.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}
