/**
 * Every AWS call of the gateways goes through here: backoff on throttling
 * (API Gateway allows about one CreateRestApi per 3 s and one CreateDeployment
 * per 5 s per account, and parallel jobs share that) and errors that say what
 * failed, for which stage, and which permission is missing. Retries, error
 * names and the error class are the shared ones of aws/aws-call.
 */
import {
  AwsError,
  callAws,
  describeAwsError,
  hasErrorName,
  isAccessDenied,
  type RetryDeps,
} from '../../aws/aws-call.js';
import { errorMessage, errorName } from '../../util/retry.js';
import type { ConcurrencyDeps } from '../../aws/together.js';

export type CallDeps = RetryDeps & ConcurrencyDeps;

export interface CallSpec {
  /** What we were doing, for the error: `create the HTTP API`. */
  action: string;
  stage: string;
  /** The IAM permission the call needs, named on AccessDenied: `apigateway:POST on arn:aws:apigateway:REGION::/apis`. */
  permission: string;
  /** First backoff delay; API Gateway's control plane wants seconds, not milliseconds. */
  baseDelayMs?: number;
  /** Extra errors worth another attempt, besides throttling, 5xx and network errors. */
  retryable?: (error: unknown) => boolean;
}

/** A CallSpec for an API Gateway call: `verb` and `path` name the IAM permission (apigateway:POST on /restapis). */
export function apiGatewaySpec(
  where: { region: string; stage: string },
  action: string,
  verb: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
): CallSpec {
  return {
    action,
    stage: where.stage,
    permission: `apigateway:${verb} on arn:aws:apigateway:${where.region}::${path}`,
  };
}

/** API Gateway's "concurrent modification" conflict: another change to the same API is running. */
function isConcurrentModification(error: unknown): boolean {
  return hasErrorName(error, 'ConflictException') && /concurrent modification/i.test(errorMessage(error));
}

function wrapError(spec: CallSpec, error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  let hint = '';
  if (isAccessDenied(error)) hint = ` The deploy role needs ${spec.permission}.`;
  else if (hasErrorName(error, 'LimitExceededException'))
    hint = ' An account quota of API Gateway is reached: remove unused APIs or ask AWS for a higher quota.';
  return new AwsError(
    `Could not ${spec.action} for stage ${spec.stage}: ${describeAwsError(error)}${hint}`,
    errorName(error),
    {
      cause: error,
    },
  );
}

/** Runs one AWS call with backoff; wraps what it finally throws. */
export async function awsCall<T>(spec: CallSpec, deps: CallDeps, fn: () => Promise<T>): Promise<T> {
  return callAws(fn, deps, {
    what: `Could not ${spec.action} for stage ${spec.stage}`,
    attempts: 8,
    baseDelayMs: spec.baseDelayMs ?? 4000,
    maxDelayMs: 30_000,
    maxWaitMs: 180_000,
    retryable: (e) => isConcurrentModification(e) || (spec.retryable?.(e) ?? false),
    onRetry: (e, attempt, delay) =>
      deps.logger.info(
        `AWS said ${errorName(e) || 'an error'} while trying to ${spec.action}; trying again in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}).`,
      ),
    wrap: (e) => wrapError(spec, e),
  });
}

/** Like awsCall, but an error named in `absent` (NotFoundException...) means "not there": undefined. */
export async function awsGet<T>(
  spec: CallSpec,
  deps: CallDeps,
  absent: readonly string[],
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await awsCall(spec, deps, fn);
  } catch (error) {
    if (hasErrorName(error, ...absent)) return undefined;
    throw error;
  }
}
