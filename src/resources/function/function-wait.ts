/**
 * Waiting for a function to accept the next change: Lambda refuses an update
 * while another one (or the function's creation) is still being applied.
 */
import {
  GetFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { type AwsDeps, AwsError, callAws, hasErrorName } from '../../aws/aws-call.js';
import { pollUntil } from '../../aws/poll.js';

export const isConflict = (error: unknown) => hasErrorName(error, 'ResourceConflict');
export const isNotFound = (error: unknown) => hasErrorName(error, 'ResourceNotFound');

/**
 * Waits until the function (or a version of it) accepts the next change:
 * State not Pending and LastUpdateStatus not InProgress. A Failed state or
 * update fails with Lambda's own reason.
 */
export async function waitForFunctionUpdated(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
  options: { qualifier?: string; delayFirst?: boolean } = {},
): Promise<FunctionConfiguration> {
  const label = options.qualifier ? `${functionName}:${options.qualifier}` : functionName;
  return pollUntil(deps, {
    what: `function ${label} to be ready`,
    permission: 'lambda:GetFunctionConfiguration',
    delayFirstMs: options.delayFirst ? 1_000 : undefined,
    check: async () => {
      const c = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: options.qualifier }),
      );
      if (c.State === 'Failed') {
        throw new AwsError(
          `Function ${label} is in state Failed: ${c.StateReason ?? 'no reason given'} (${c.StateReasonCode ?? ''})`,
          'FunctionFailed',
        );
      }
      if (c.LastUpdateStatus === 'Failed') {
        throw new AwsError(
          `The last update of function ${label} failed: ${c.LastUpdateStatusReason ?? 'no reason given'} ` +
            `(${c.LastUpdateStatusReasonCode ?? ''})`,
          'UpdateFailed',
        );
      }
      if (c.State === 'Pending') return { done: false, status: `State ${c.State}` };
      if (c.LastUpdateStatus === 'InProgress')
        return { done: false, status: `LastUpdateStatus ${c.LastUpdateStatus}` };
      return { done: true, value: c };
    },
  });
}

/** An update call that waits out "an update is in progress" instead of failing. */
export function updateCall<T>(
  lambda: LambdaClient,
  functionName: string,
  fn: () => Promise<T>,
  deps: AwsDeps,
  what: string,
  permission: string,
  extraRetry?: (error: unknown) => boolean,
): Promise<T> {
  return callAws(
    deps,
    {
      what,
      permission,
      attempts: 10,
      maxWaitMs: 120_000,
      retryable: (e) => isConflict(e) || (extraRetry?.(e) ?? false),
      beforeRetry: async (e) => {
        if (isConflict(e)) {
          deps.logger.info(`Function ${functionName} is busy with another update; waiting for it`);
          await waitForFunctionUpdated(lambda, functionName, deps);
        }
      },
    },
    fn,
  );
}
