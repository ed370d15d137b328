import type { Logger } from '../util/logger.js';
import { errorMessage, errorName, isTransient, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';

/** What the cleanup modules are given besides the clients. */
export interface CleanupDeps {
  logger: Logger;
  /** Injected so tests never wait; defaults to real sleeping. */
  sleep?: Sleep;
  /** Backoff jitter; tests pass `() => 1` for exact delays. */
  random?: () => number;
}

/** One AWS call, described for retries and error messages. */
export interface CallSpec {
  /** SDK operation, e.g. DeleteRestApi. */
  operation: string;
  /** What it acts on, e.g. "REST API shop-pr-1 (a1b2c3)". */
  resource: string;
  /** The IAM action that allows it, named in AccessDenied hints. */
  permission: string;
  /** Extra errors worth waiting out besides throttling and 5xx (e.g. ResourceConflictException). */
  alsoRetry?: readonly string[];
}

const NOT_FOUND = new Set(['ResourceNotFoundException', 'NotFoundException', 'NoSuchEntity']);
const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedException',
  'UnauthorizedOperation',
]);

/** The resource is already gone: every delete treats this as done. */
export function isNotFound(error: unknown): boolean {
  return NOT_FOUND.has(errorName(error));
}

/** An AWS failure with the operation, the resource and a hint in its message. */
export class CleanupAwsError extends Error {
  constructor(
    readonly spec: CallSpec,
    readonly causeName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CleanupAwsError';
  }
}

export function wrapAwsError(spec: CallSpec, error: unknown, hint?: string): CleanupAwsError {
  const name = errorName(error) || 'Error';
  let text = `${spec.operation} on ${spec.resource} failed: ${name}: ${errorMessage(error)}`;
  if (ACCESS_DENIED.has(name)) text += `. Hint: the deploy role needs ${spec.permission}.`;
  else if (hint) text += `. Hint: ${hint}`;
  return new CleanupAwsError(spec, name, text, { cause: error });
}

/*
 * API Gateway allows about one DeleteRestApi per 30 s per account, so a prune
 * of several REST stages waits minutes: long enough ceilings, and no failure
 * on throttling before a quarter of an hour of waiting.
 */
const RETRY = { attempts: 40, baseDelayMs: 2_000, maxDelayMs: 35_000, maxWaitMs: 15 * 60_000 };

/** Runs one AWS call with backoff on throttling; other errors are wrapped and thrown. */
export async function awsCall<T>(deps: CleanupDeps, spec: CallSpec, fn: () => Promise<T>): Promise<T> {
  try {
    return await withRetry(() => fn(), {
      ...RETRY,
      sleep: deps.sleep,
      random: deps.random,
      retryable: (error) => isTransient(error) || (spec.alsoRetry ?? []).includes(errorName(error)),
      onRetry: (error, attempt, delayMs) =>
        deps.logger.info(
          `${spec.operation} on ${spec.resource}: ${errorName(error) || errorMessage(error)}; trying again in ${Math.round(delayMs / 1000)} s (attempt ${attempt + 1}).`,
        ),
    });
  } catch (error) {
    if (error instanceof CleanupAwsError) throw error;
    throw wrapAwsError(spec, error);
  }
}

/** Like awsCall, but an already-gone resource yields `undefined` instead of an error. */
export async function awsCallOrGone<T>(
  deps: CleanupDeps,
  spec: CallSpec,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await awsCall(deps, spec, fn);
  } catch (error) {
    if (error instanceof CleanupAwsError && NOT_FOUND.has(error.causeName)) return undefined;
    throw error;
  }
}

/** Every page of a paginated listing; `next` undefined or '' ends it. */
export async function allPages<P, I>(
  fetchPage: (token: string | undefined) => Promise<P>,
  items: (page: P) => I[] | undefined,
  next: (page: P) => string | undefined,
): Promise<I[]> {
  const all: I[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(token);
    all.push(...(items(page) ?? []));
    token = next(page) || undefined;
    // A token seen twice would loop forever: stop instead.
    if (!token || seen.has(token)) return all;
    seen.add(token);
  }
}
