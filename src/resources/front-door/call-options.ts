/**
 * How the front door's AWS calls are described to the one call wrapper
 * (src/aws/aws-call.ts): API Gateway's patience, the stage in every error,
 * the permission in IAM's words, and the conflicts worth waiting out.
 */
import { hasErrorName, PATIENCE, type AwsCall } from '../../aws/aws-call.js';
import { errorMessage } from '../../util/retry.js';

export type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** API Gateway's "concurrent modification" conflict: another change to the same API is running. */
function isConcurrentModification(error: unknown): boolean {
  return hasErrorName(error, 'ConflictException') && /concurrent modification/i.test(errorMessage(error));
}

function quotaHint(error: unknown): string | undefined {
  return hasErrorName(error, 'LimitExceededException')
    ? 'An account quota of API Gateway is reached: remove unused APIs or ask AWS for a higher quota.'
    : undefined;
}

/** An API Gateway call: `verb` and `path` name the IAM permission (apigateway:POST on /restapis). */
export function apiGatewayCall(
  where: { region: string; stage: string },
  action: string,
  verb: Verb,
  path: string,
): AwsCall {
  return {
    what: `${action} for stage ${where.stage}`,
    permission: `apigateway:${verb} on arn:aws:apigateway:${where.region}::${path}`,
    patience: PATIENCE.apiGateway,
    retryable: isConcurrentModification,
    hint: quotaHint,
  };
}

/**
 * A Lambda call of the front door (permissions, function URL): tried as
 * patiently as API Gateway's, from 2 s, also when `busy` says the function
 * is in the middle of another change.
 */
export function lambdaCall(
  stage: string,
  action: string,
  permission: string,
  busy: (error: unknown) => boolean,
): AwsCall {
  return {
    what: `${action} for stage ${stage}`,
    permission,
    patience: { ...PATIENCE.apiGateway, baseDelayMs: 2_000 },
    retryable: (error) => isConcurrentModification(error) || busy(error),
    hint: quotaHint,
  };
}
