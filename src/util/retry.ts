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
  /** The wait the error itself asks for (an HTTP Retry-After), instead of the backoff. */
  delayFor?: (error: unknown, backoffMs: number) => number;
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
      const backoff = backoffDelay(attempt, options.baseDelayMs, maxDelay, random);
      const delay = options.delayFor ? options.delayFor(error, backoff) : backoff;
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

/**
 * Every way a request can fail before anything answers: the connection errors
 * above (the SDK renames a reset or timed-out socket TimeoutError), a name
 * that does not resolve, no route to the host.
 */
const NO_ANSWER = new Set([
  ...NETWORK,
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface ErrorFields {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * The network error that kept a request from any answer (refused, reset,
 * timed out, name not found): the error itself, its `cause` chain or, for an
 * AggregateError (Node tried each address of a name), one of its `errors`.
 * Undefined when something answered (an HTTP status) or the error is another.
 * Judged by fields, not instanceof: Node's errors may come from another realm.
 */
export function networkError(error: unknown, depth = 0): object | undefined {
  if (!error || typeof error !== 'object' || depth > 10) return undefined;
  const e = error as ErrorFields;
  if (e.$metadata?.httpStatusCode !== undefined) return undefined;
  if ([e.code, e.name].some((n) => typeof n === 'string' && NO_ANSWER.has(n))) return error;
  const inner = [e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  for (const candidate of inner) {
    const found = networkError(candidate, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * A network error in a few words, its code once: `connect ECONNREFUSED
 * 127.0.0.1:9`, `socket hang up (ECONNRESET)`; an AggregateError (empty
 * message) by the errors it holds.
 */
export function describeNetworkError(error: object): string {
  const e = error as ErrorFields;
  const own = typeof e.message === 'string' ? e.message : '';
  const parts = Array.isArray(e.errors)
    ? (e.errors as ErrorFields[]).map((x) => (typeof x?.message === 'string' ? x.message : ''))
    : [];
  const text = own || parts.filter(Boolean).join('; ');
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : '';
  if (!text) return code;
  return code && code !== 'Error' && !text.includes(code) ? `${text} (${code})` : text;
}

/** The HTTP status an SDK error carries; undefined when nothing answered. */
function statusOf(error: unknown): number | undefined {
  return (error as ErrorFields | undefined)?.$metadata?.httpStatusCode;
}

/** AWS answered "too many requests" (by name or HTTP 429). */
export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorName(error)) || statusOf(error) === 429;
}

/** Throttling, 5xx and connection errors: worth another attempt for any AWS call. */
export function isTransient(error: unknown): boolean {
  if (isThrottling(error) || NETWORK.has(errorName(error))) return true;
  return (statusOf(error) ?? 0) >= 500;
}
