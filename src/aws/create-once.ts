/**
 * API Gateway creates that must not be sent twice. An HTTP API, an
 * integration, a REST API, an API key and a usage plan are not unique by
 * name: each call makes one more. A create that answers a 5xx, or whose
 * connection drops, may still have taken effect; sent again blindly, it
 * leaves a second one tagged for the stage (and the next deploy, which uses
 * the oldest API, would move the stage's URL to the one this deploy never
 * set up). A route, a resource, a method or a stage sent again is a
 * ConflictException for the one the first attempt made, and the deploy failed.
 *
 * So the SDK does not retry these (guardCreates), and our own retry first
 * looks for what the failed attempt may have made (createOnce).
 */
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { callAws, describeAwsError, hasErrorName, type AwsCall, type RetryDeps } from './aws-call.js';

/** The guarded creates, as the SDK names them: `client:command`. */
export const GUARDED_CREATES: ReadonlySet<string> = new Set([
  'ApiGatewayV2Client:CreateApiCommand',
  'ApiGatewayV2Client:CreateIntegrationCommand',
  'ApiGatewayV2Client:CreateRouteCommand',
  'ApiGatewayV2Client:CreateStageCommand',
  'APIGatewayClient:CreateRestApiCommand',
  'APIGatewayClient:CreateResourceCommand',
  'APIGatewayClient:PutMethodCommand',
  'APIGatewayClient:CreateStageCommand',
  'APIGatewayClient:CreateApiKeyCommand',
  'APIGatewayClient:CreateUsagePlanCommand',
]);

/** The name of the error that stops the SDK from sending a guarded create a second time. */
export const CREATE_NOT_RETRIED = 'CreateNotRetried';

/**
 * Stops `client`'s own retries of the guarded creates: runs inside the
 * SDK's retry loop (after its middleware, which numbers the attempts in the
 * amz-sdk-request header) and fails a second attempt before it is sent,
 * with an error the SDK does not retry. Every other call keeps the SDK's
 * retries.
 */
export function guardCreates<C extends APIGatewayClient | ApiGatewayV2Client>(client: C): C {
  (client as ApiGatewayV2Client).middlewareStack.add(
    (next, context) => {
      const guarded = GUARDED_CREATES.has(`${context.clientName}:${context.commandName}`);
      // One request's attempts share this: the first attempt's failure, named in the refusal.
      let failure: unknown;
      return async (args) => {
        const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers;
        const attempt = Number(/attempt=(\d+)/.exec(headers?.['amz-sdk-request'] ?? '')?.[1] ?? 1);
        if (guarded && attempt > 1)
          throw Object.assign(
            new Error(
              `${(context.commandName ?? '').replace(/Command$/, '')} failed (${describeAwsError(failure)}), ` +
                'and may have taken effect: not sent again before looking',
            ),
            { name: CREATE_NOT_RETRIED, cause: failure },
          );
        try {
          return await next(args);
        } catch (error) {
          failure = error;
          throw error;
        }
      };
    },
    { step: 'finalizeRequest', priority: 'low', name: 'lambdaDeployCreateOnce' },
  );
  return client;
}

/**
 * One guarded create, through callAws: the first attempt
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
