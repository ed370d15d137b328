import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { LIVE_ALIAS, pointAlias } from '../aws/lambda-function.js';
import type { Logger } from '../util/logger.js';
import { errorMessage, errorName, isTransient, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';

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
  /** How long to wait for the alias to read back as moved; 60 s by default. */
  maxWaitMs?: number;
}

export interface RollbackResult {
  rolledBack: boolean;
  /** What happened, for the step's failure message, the summary and the PR comment. */
  message: string;
}

class NotYet extends Error {}

/**
 * Points `live` back at the version it had before this deploy (pointAlias
 * waits for that version to be ready and out any update in progress), then
 * reads the alias back until it shows the previous version. Never throws:
 * the result says what happened, loudly when the rollback itself failed.
 *
 * pointAlias also replaces the alias description, which carried the failed
 * version's configuration fingerprint: the next push of the same code is
 * published and smoke-tested again instead of being taken as unchanged.
 */
export async function rollbackAlias(
  lambda: LambdaClient,
  target: RollbackTarget,
  deps: RollbackDeps,
): Promise<RollbackResult> {
  const { functionName, previousVersion, failedVersion } = target;
  if (!previousVersion) {
    return {
      rolledBack: false,
      message:
        `Nothing to roll back to: this was the first deploy of ${functionName}, so alias ${LIVE_ALIAS} stays on the failing version ${failedVersion}. ` +
        'Fix the code and push again; the next deploy replaces it.',
    };
  }
  try {
    deps.logger.info(
      `Rolling back: pointing alias ${LIVE_ALIAS} of ${functionName} back at version ${previousVersion} (version ${failedVersion} failed).`,
    );
    await pointAlias(lambda, functionName, previousVersion, deps);
    await withRetry(
      async () => {
        let alias;
        try {
          alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS }));
        } catch (error) {
          const name = errorName(error);
          const hint = /AccessDenied/i.test(name)
            ? ' (the deploying role needs the lambda:GetAlias permission)'
            : '';
          throw Object.assign(
            new Error(
              `Could not read alias ${LIVE_ALIAS} of ${functionName} back: ${name ? `${name}: ` : ''}${errorMessage(error)}${hint}`,
            ),
            {
              transient: isTransient(error),
            },
          );
        }
        if (alias.FunctionVersion !== previousVersion) {
          throw new NotYet(
            `alias ${LIVE_ALIAS} of ${functionName} still points at version ${alias.FunctionVersion ?? '(none)'}, not ${previousVersion}`,
          );
        }
        const weighted = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
        if (weighted.length)
          throw new NotYet(
            `alias ${LIVE_ALIAS} of ${functionName} still sends part of the traffic to version ${weighted.join(', ')}`,
          );
      },
      {
        attempts: 30,
        baseDelayMs: 1_000,
        maxDelayMs: 5_000,
        maxWaitMs: deps.maxWaitMs ?? 60_000,
        random: deps.random,
        sleep: deps.sleep,
        retryable: (error) =>
          error instanceof NotYet || (error as { transient?: boolean }).transient === true,
      },
    );
  } catch (error) {
    return {
      rolledBack: false,
      message:
        `ROLLBACK FAILED: ${errorMessage(error).replace(/\.$/, '')}. ` +
        `THE STAGE MAY BE SERVING THE FAILING VERSION ${failedVersion}. ` +
        `Point it back by hand: aws lambda update-alias --function-name ${functionName} --name ${LIVE_ALIAS} --function-version ${previousVersion}`,
    };
  }
  const message = `Rolled back: alias ${LIVE_ALIAS} of ${functionName} points at version ${previousVersion} again; the stage is serving the previous version (version ${failedVersion} failed the smoke test).`;
  deps.logger.info(message);
  return { rolledBack: true, message };
}
