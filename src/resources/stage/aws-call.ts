/**
 * The cleanup's AWS calls: long patience with API Gateway's delete quotas, a
 * gone resource counted as removed, and errors naming the operation, the
 * resource and the permission. Retries, error names and the error class are
 * the shared ones of aws/aws-call.
 */
import { AwsError, callAws, hasErrorName, isAccessDenied, type RetryDeps } from '../../aws/aws-call.js';
import { errorMessage, errorName } from '../../util/retry.js';

/** What the cleanup modules are given besides the clients. */
export type CleanupDeps = RetryDeps;

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

/** The resource is already gone: every delete treats this as done. */
function isNotFound(error: unknown): boolean {
  return hasErrorName(error, 'ResourceNotFoundException', 'NotFoundException', 'NoSuchEntity');
}

export function wrapAwsError(spec: CallSpec, error: unknown, hint?: string): AwsError {
  const name = errorName(error) || 'Error';
  let text = `${spec.operation} on ${spec.resource} failed: ${name}: ${errorMessage(error)}`;
  if (isAccessDenied(error)) text += `. Hint: the deploy role needs ${spec.permission}.`;
  else if (hint) text += `. Hint: ${hint}`;
  return new AwsError(text, name, { cause: error });
}

/*
 * API Gateway allows about one DeleteRestApi per 30 s per account, so a prune
 * of several REST stages waits minutes: long enough ceilings, and no failure
 * on throttling before a quarter of an hour of waiting.
 */
const RETRY = { attempts: 40, baseDelayMs: 2_000, maxDelayMs: 35_000, maxWaitMs: 15 * 60_000 };

/** Runs one AWS call with backoff on throttling; other errors are wrapped and thrown. */
export async function awsCall<T>(deps: CleanupDeps, spec: CallSpec, fn: () => Promise<T>): Promise<T> {
  return callAws(fn, deps, {
    what: `${spec.operation} on ${spec.resource}`,
    ...RETRY,
    retryable: (error) => hasErrorName(error, ...(spec.alsoRetry ?? [])),
    onRetry: (error, attempt, delayMs) =>
      deps.logger.info(
        `${spec.operation} on ${spec.resource}: ${errorName(error) || errorMessage(error)}; trying again in ${Math.round(delayMs / 1000)} s (attempt ${attempt + 1}).`,
      ),
    wrap: (error) => wrapAwsError(spec, error),
  });
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
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
