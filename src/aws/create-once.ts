/**
 * Creates that API Gateway does not keep unique by name (CreateApi,
 * CreateRestApi, CreateApiKey, CreateUsagePlan: each call makes one more).
 * A create that answers a 5xx, or whose connection drops, may still have
 * taken effect; retried blindly, it leaves a second API (or key, or plan)
 * tagged for the stage, and the next deploy, which uses the oldest, would
 * move the stage's URL to the one this deploy never set up.
 *
 * So the SDK does not retry these (guardCreates), and our own retry first
 * looks for what the failed attempt may have made (createOnce).
 */
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { callAws, hasErrorName, type AwsCall, type RetryDeps } from './aws-call.js';

/** The SDK's command names of the creates guarded here. */
export const NON_UNIQUE_CREATES: ReadonlySet<string> = new Set([
  'CreateApiCommand',
  'CreateRestApiCommand',
  'CreateApiKeyCommand',
  'CreateUsagePlanCommand',
]);

/** The name of the error that stops the SDK from sending a guarded create a second time. */
export const CREATE_NOT_RETRIED = 'CreateNotRetried';

/**
 * Stops `client`'s own retries of the non-unique creates: runs inside the
 * SDK's retry loop (after its middleware, which numbers the attempts in the
 * amz-sdk-request header) and fails a second attempt before it is sent,
 * with an error the SDK does not retry. Every other call keeps the SDK's
 * retries.
 */
export function guardCreates<C extends APIGatewayClient | ApiGatewayV2Client>(client: C): C {
  (client as ApiGatewayV2Client).middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers;
      const attempt = Number(/attempt=(\d+)/.exec(headers?.['amz-sdk-request'] ?? '')?.[1] ?? 1);
      if (attempt > 1 && NON_UNIQUE_CREATES.has(context.commandName ?? ''))
        throw Object.assign(
          new Error(
            `${(context.commandName ?? '').replace(/Command$/, '')} failed, and may have taken effect: not sent again before looking`,
          ),
          { name: CREATE_NOT_RETRIED },
        );
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'lambdaDeployCreateOnce' },
  );
  return client;
}

/**
 * One create of a non-unique resource, through callAws: the first attempt
 * creates; any later one (after a transient error, or the SDK's refusal
 * above) calls `find` first and returns what it finds instead of creating
 * another.
 */
export async function createOnce<T>(
  deps: RetryDeps,
  call: AwsCall,
  find: () => Promise<T | undefined>,
  create: () => Promise<T>,
): Promise<T> {
  let attempted = false;
  return callAws(
    deps,
    {
      ...call,
      retryable: (error, attempt) =>
        hasErrorName(error, CREATE_NOT_RETRIED) || (call.retryable?.(error, attempt) ?? false),
    },
    async () => {
      if (attempted) {
        const found = await find();
        if (found !== undefined) return found;
      }
      attempted = true;
      return create();
    },
  );
}
