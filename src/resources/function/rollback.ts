import { GetAliasCommand, type AliasConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import { hasErrorName, wrapAwsError, type AwsDeps } from '../../aws/aws-call.js';
import { pointAlias } from './function-alias.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import { errorMessage, isTransient, withRetry } from '../../util/retry.js';

export interface RollbackTarget {
  functionName: string;
  /** The version `live` had before this deploy; '' on a stage's first deploy. */
  previousVersion: string;
  /** The version that failed the smoke test (or the deploy, after `live` moved to it). */
  failedVersion: string;
  /** What went wrong with it, for the message; default "failed the smoke test". */
  failure?: string;
}

/** The session's AWS deps (its `needs` words a denial for whoever signed in), and how long to verify. */
export interface RollbackDeps extends AwsDeps {
  /** How long to wait for the alias to read back as moved; 60 s by default. */
  maxWaitMs?: number;
}

export interface RollbackResult {
  rolledBack: boolean;
  /** What happened, for the step's failure message, the summary and the PR comment. */
  message: string;
  /** Another deploy moved `live` meanwhile: the version it serves (left there). */
  supersededBy?: string;
}

class NotYet extends Error {}

/**
 * Reads `live` once (the rollback's own loops decide what to retry); a
 * failure is worded as callAws words one and carries whether trying again may help.
 */
async function readLive(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
): Promise<AliasConfiguration> {
  try {
    return await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS }));
  } catch (error) {
    const what = `read alias ${LIVE_ALIAS} of ${functionName} back`;
    throw Object.assign(
      wrapAwsError(error, what, `lambda:GetAlias on ${functionName}`, undefined, deps.needs),
      {
        transient: isTransient(error),
      },
    );
  }
}

function superseded(target: RollbackTarget, version: string | undefined): RollbackResult {
  return {
    rolledBack: false,
    supersededBy: version,
    message:
      `Not rolled back: alias ${LIVE_ALIAS} of ${target.functionName} already points at version ${version ?? '(none)'}, not at the ` +
      `failed version ${target.failedVersion}: another deploy moved it meanwhile, and it stays there.`,
  };
}

/**
 * Points `live` back at the version it had before this deploy, but only
 * while it still points at the version that failed: a newer deploy that
 * moved it meanwhile is left live (the update carries the alias's RevisionId,
 * so a move between the read and the update is refused and read again).
 * pointAlias waits for the version to be ready and out any update in
 * progress; then the alias is read back until it shows the previous version.
 * Never throws: the result says what happened, loudly when the rollback
 * itself failed.
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
        // A terminal user ran the deploy by hand: no push follows.
        `Fix the code and ${deps.surface === 'terminal' ? 'deploy' : 'push'} again; the next deploy replaces it.`,
    };
  }
  const retry = {
    baseDelayMs: 1_000,
    maxDelayMs: 5_000,
    random: deps.random,
    sleep: deps.sleep,
  };
  try {
    // Progress: the caller says the outcome once.
    deps.logger.debug(
      `Rolling back: pointing alias ${LIVE_ALIAS} of ${functionName} back at version ${previousVersion} (version ${failedVersion} failed).`,
    );
    const moved = await withRetry(
      async () => {
        const alias = await readLive(lambda, functionName, deps);
        // Already back (an update answered with a 5xx after it took effect, then refused on its retry).
        if (alias.FunctionVersion === previousVersion) return undefined;
        if (alias.FunctionVersion !== failedVersion) return alias.FunctionVersion ?? '';
        await pointAlias(lambda, functionName, previousVersion, deps, alias.RevisionId);
        return undefined;
      },
      {
        ...retry,
        attempts: 4,
        // PreconditionFailed: the alias changed between the read and the update; read it again.
        retryable: (error) =>
          hasErrorName(error, 'PreconditionFailed') || (error as { transient?: boolean }).transient === true,
      },
    );
    if (moved !== undefined) return superseded(target, moved);
    const after = await withRetry(
      async () => {
        const alias = await readLive(lambda, functionName, deps);
        if (alias.FunctionVersion !== previousVersion && alias.FunctionVersion !== failedVersion)
          return alias.FunctionVersion ?? '';
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
        return undefined;
      },
      {
        ...retry,
        attempts: 30,
        maxWaitMs: deps.maxWaitMs ?? 60_000,
        retryable: (error) =>
          error instanceof NotYet || (error as { transient?: boolean }).transient === true,
      },
    );
    if (after !== undefined) return superseded(target, after);
  } catch (error) {
    return {
      rolledBack: false,
      message:
        `ROLLBACK FAILED: ${errorMessage(error).replace(/\.$/, '')}. ` +
        `THE STAGE MAY BE SERVING THE FAILING VERSION ${failedVersion}. ` +
        `Point it back by hand: aws lambda update-alias --function-name ${functionName} --name ${LIVE_ALIAS} --function-version ${previousVersion}`,
    };
  }
  const message = `Rolled back: alias ${LIVE_ALIAS} of ${functionName} points at version ${previousVersion} again; the stage is serving the previous version (version ${failedVersion} ${target.failure ?? 'failed the smoke test'}).`;
  return { rolledBack: true, message };
}
