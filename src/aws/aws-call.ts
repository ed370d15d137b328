import type { Logger } from '../util/logger.js';
import { errorMessage, errorName, isTransient, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';

/** What a retried AWS call needs besides its client: where to log and how to wait. */
export interface RetryDeps {
  logger: Logger;
  /** Injected so tests never wait; real sleeping when left out. */
  sleep?: Sleep;
  /** Jitter source for backoff; tests pass `() => 1` for exact delays. */
  random?: () => number;
}

/** What every AWS module takes besides its client: how to talk and how to wait. */
export interface AwsDeps extends RetryDeps {
  sleep: Sleep;
  /** Wall clock, for artifact age decisions; tests pin it. */
  now?: () => Date;
  /** Run independent requests one at a time (see together()); the bench's baseline. */
  sequential?: boolean;
}

/**
 * True when the error's name is one of `names`. The SDK names modelled errors
 * `FooException` while the wire code is `Foo` (STS, IAM), so both forms match.
 */
export function hasErrorName(error: unknown, ...names: string[]): boolean {
  // A wrapped error keeps the SDK's name for later decisions.
  const raw = error instanceof AwsError ? error.awsErrorName : errorName(error);
  const name = raw.replace(/Exception$/, '');
  return names.some((n) => n.replace(/Exception$/, '') === name);
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * The caller lacks a permission (API Gateway says Unauthorized); a bad or
 * expired key is not that. A wrapped error is judged by the SDK error inside.
 */
export function isAccessDenied(error: unknown): boolean {
  if (error instanceof AwsError && error.cause !== undefined && isAccessDenied(error.cause)) return true;
  return (
    hasErrorName(error, 'AccessDenied', 'Unauthorized', 'UnauthorizedOperation', 'Forbidden') ||
    (httpStatus(error) === 403 && !hasErrorName(error, 'InvalidClientTokenId', 'SignatureDoesNotMatch'))
  );
}

/**
 * An AWS call that failed, worded for the person reading the job log; `cause`
 * is the SDK's error and `awsErrorName` its name, for later decisions.
 */
export class AwsError extends Error {
  constructor(
    message: string,
    readonly awsErrorName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsError';
  }
}

/**
 * Wraps an SDK error: `what` names the operation and the resource ("Could not
 * update function X configuration"); `permission` is the IAM action a denied
 * call needs, added as a hint.
 */
export function wrapAwsError(error: unknown, what: string, permission?: string): AwsError {
  if (error instanceof AwsError) return error;
  let message = `${what}: ${describeAwsError(error)}`;
  if (permission && isAccessDenied(error)) {
    message += ` (the deploying role needs the ${permission} permission on this resource)`;
  }
  return new AwsError(message, errorName(error), { cause: error });
}

/** "Name: message", the name left out where the message already starts with it. */
export function describeAwsError(error: unknown): string {
  const name = errorName(error);
  const message = errorMessage(error);
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

export interface CallOptions {
  /** "Could not read function X": the start of the error message. */
  what: string;
  /** IAM action named in an AccessDenied hint, e.g. `lambda:GetFunction`. */
  permission?: string;
  /** Retries beyond throttling/5xx/network. */
  retryable?: (error: unknown, attempt: number) => boolean;
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxWaitMs?: number;
  /** Runs before attempt 2, 3, ...: e.g. wait for an update in progress to finish. */
  beforeRetry?: (error: unknown) => Promise<void>;
  /** Errors returned to the caller unwrapped (e.g. a NotFound it handles). */
  passThrough?: (error: unknown) => boolean;
  /** The error thrown when the call fails; `wrapAwsError(error, what, permission)` unless given. */
  wrap?: (error: unknown) => AwsError;
  /** Says a retry is coming; a debug line unless given. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * One AWS call with backoff on transient errors (throttling, 5xx, network:
 * parallel jobs hit rate limits together) and a wrapped error when it fails.
 */
export async function callAws<T>(fn: () => Promise<T>, deps: RetryDeps, options: CallOptions): Promise<T> {
  let lastError: unknown;
  try {
    return await withRetry(
      async (attempt) => {
        if (attempt > 1 && options.beforeRetry) await options.beforeRetry(lastError);
        try {
          return await fn();
        } catch (error) {
          lastError = error;
          throw error;
        }
      },
      {
        attempts: options.attempts ?? 5,
        baseDelayMs: options.baseDelayMs ?? 500,
        maxDelayMs: options.maxDelayMs ?? 8_000,
        maxWaitMs: options.maxWaitMs,
        random: deps.random,
        sleep: deps.sleep,
        retryable: (error, attempt) =>
          !options.passThrough?.(error) &&
          (isTransient(error) || (options.retryable?.(error, attempt) ?? false)),
        onRetry:
          options.onRetry ??
          ((error, attempt, delayMs) =>
            deps.logger.debug(
              `${options.what}: ${errorName(error) || errorMessage(error)}; attempt ${attempt + 1} in ${delayMs} ms`,
            )),
      },
    );
  } catch (error) {
    if (options.passThrough?.(error)) throw error;
    if (error instanceof AwsError) throw error;
    throw options.wrap ? options.wrap(error) : wrapAwsError(error, options.what, options.permission);
  }
}
