import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  UpdateAliasCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { Logger } from '../util/logger.js';
import { errorMessage, errorName, isTransient, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';

export const LIVE_ALIAS = 'live';

export interface RollbackTarget {
  functionName: string;
  /** The version `live` had before this deploy; '' on a stage's first deploy. */
  previousVersion: string;
  /** The version that failed the smoke test. */
  failedVersion: string;
}

export interface RollbackDeps {
  logger: Logger;
  sleep: Sleep;
  random?: () => number;
  /** How long to wait for the alias and the function to settle; 60 s by default. */
  maxWaitMs?: number;
}

export interface RollbackResult {
  rolledBack: boolean;
  /** What happened, for the step's failure message, the summary and the PR comment. */
  message: string;
}

class NotYet extends Error {}

function retryable(error: unknown): boolean {
  return error instanceof NotYet || isTransient(error) || errorName(error) === 'ResourceConflictException';
}

function hint(error: unknown): string {
  const name = errorName(error);
  if (/AccessDenied/i.test(name)) return ' (the deploy role needs lambda:UpdateAlias and lambda:GetAlias on the function)';
  return '';
}

/**
 * Points `live` back at the version it had before this deploy, waits until
 * Lambda has settled and checks that the alias really moved. Never throws:
 * the result says what happened, loudly when the rollback itself failed.
 */
export async function rollbackAlias(lambda: LambdaClient, target: RollbackTarget, deps: RollbackDeps): Promise<RollbackResult> {
  const { functionName, previousVersion, failedVersion } = target;
  if (!previousVersion) {
    return {
      rolledBack: false,
      message:
        `Nothing to roll back to: this was the first deploy of ${functionName}, so alias ${LIVE_ALIAS} stays on the failing version ${failedVersion}. ` +
        'Fix the code and push again; the next deploy replaces it.',
    };
  }
  const retry = {
    attempts: 30,
    baseDelayMs: 1_000,
    maxDelayMs: 5_000,
    maxWaitMs: deps.maxWaitMs ?? 60_000,
    random: deps.random,
    sleep: deps.sleep,
    retryable,
  };
  let step = 'UpdateAlias';
  try {
    deps.logger.info(`Rolling back: pointing alias ${LIVE_ALIAS} of ${functionName} back at version ${previousVersion} (version ${failedVersion} failed).`);
    await withRetry(
      () =>
        lambda.send(
          new UpdateAliasCommand({
            FunctionName: functionName,
            Name: LIVE_ALIAS,
            FunctionVersion: previousVersion,
            // No weighted routing left pointing at the failing version.
            RoutingConfig: { AdditionalVersionWeights: {} },
          }),
        ),
      {
        ...retry,
        onRetry: (error, _attempt, delayMs) =>
          deps.logger.info(`UpdateAlias ${functionName}:${LIVE_ALIAS} not possible yet (${errorName(error) || errorMessage(error)}); trying again in ${Math.round(delayMs / 1000)} s.`),
      },
    );

    // The version behind the alias must be ready before anything depends on it.
    step = 'GetFunctionConfiguration';
    await withRetry(async () => {
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: LIVE_ALIAS }));
      if (config.LastUpdateStatus === 'Failed') {
        throw new Error(`version ${previousVersion} is in LastUpdateStatus Failed: ${config.LastUpdateStatusReason ?? 'no reason given'}`);
      }
      if (config.LastUpdateStatus && config.LastUpdateStatus !== 'Successful') throw new NotYet(`LastUpdateStatus ${config.LastUpdateStatus}`);
    }, retry);

    step = 'GetAlias';
    await withRetry(async () => {
      const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS }));
      if (alias.FunctionVersion !== previousVersion) {
        throw new NotYet(`alias ${LIVE_ALIAS} points at version ${alias.FunctionVersion ?? '(none)'}, not ${previousVersion}`);
      }
      const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
      if (Object.keys(weights).length) throw new NotYet(`alias ${LIVE_ALIAS} still routes part of the traffic to ${Object.keys(weights).join(', ')}`);
    }, retry);
  } catch (error) {
    const name = errorName(error);
    return {
      rolledBack: false,
      message:
        `ROLLBACK FAILED: ${step} on ${functionName}:${LIVE_ALIAS} failed (${name && !(error instanceof NotYet) ? `${name}: ` : ''}${errorMessage(error)})${hint(error)}. ` +
        `THE STAGE MAY BE SERVING THE FAILING VERSION ${failedVersion}. ` +
        `Point it back by hand: aws lambda update-alias --function-name ${functionName} --name ${LIVE_ALIAS} --function-version ${previousVersion}`,
    };
  }
  const message = `Rolled back: alias ${LIVE_ALIAS} of ${functionName} points at version ${previousVersion} again; the stage is serving the previous version (version ${failedVersion} failed the smoke test).`;
  deps.logger.info(message);
  return { rolledBack: true, message };
}
