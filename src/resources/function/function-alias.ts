/** The function's `live` alias: reading it, and pointing it at a version without undoing another run's deploy. */
import {
  CreateAliasCommand,
  GetAliasCommand,
  UpdateAliasCommand,
  type AliasConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { type AwsDeps, AwsError, callAws, hasErrorName } from '../../aws/aws-call.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import { isConflict, isNotFound, updateCall, waitForFunctionUpdated } from './function-wait.js';

/**
 * Points `live` at `version` (rollback uses it); the next deploy re-checks
 * what `live` serves. With `revisionId` Lambda refuses (PreconditionFailed)
 * when the alias changed since it was read.
 */
export async function pointAlias(
  lambda: LambdaClient,
  functionName: string,
  version: string,
  deps: AwsDeps,
  revisionId?: string,
): Promise<string> {
  await waitForFunctionUpdated(lambda, functionName, deps, { qualifier: version });
  const alias = await updateCall(
    lambda,
    functionName,
    () =>
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: functionName,
          Name: LIVE_ALIAS,
          FunctionVersion: version,
          Description: 'lambda-deploy pointed',
          RoutingConfig: { AdditionalVersionWeights: {} },
          RevisionId: revisionId,
        }),
      ),
    deps,
    `point alias ${LIVE_ALIAS} of function ${functionName} at version ${version}`,
    'lambda:UpdateAlias',
  );
  // At debug: the rollback's own line ("Rolled back: alias live ... points at version N again") says it once.
  deps.logger.debug(`Alias ${LIVE_ALIAS} of ${functionName} now points at version ${version}`);
  return alias.AliasArn ?? '';
}

/** The `live` alias of a function; undefined when it has none. */
export async function readAlias(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
): Promise<AliasConfiguration | undefined> {
  try {
    return await callAws(
      deps,
      {
        what: `read alias ${LIVE_ALIAS} of function ${functionName}`,
        permission: 'lambda:GetAlias',
        passThrough: isNotFound,
      },
      () => lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS })),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Another run moved `live` (or created it) after this one read it: this run does not override it. */
function aliasMovedError(name: string, version: string, cause: unknown): AwsError {
  return new AwsError(
    `Alias ${LIVE_ALIAS} of function ${name} was changed by another run while this one deployed, so this run does not ` +
      `point it at version ${version} (that would undo the other run's deploy). Give the workflow a concurrency group ` +
      `per stage so deploys of one stage run one at a time, and run this one again if its code is the newer.`,
    'AliasMoved',
    { cause },
  );
}

/**
 * Points `live` at the new version. An existing alias is updated only with
 * the RevisionId read at the start of the deploy: when another run moved it
 * meanwhile, Lambda refuses (PreconditionFailed) and so does this run.
 */
export async function setAlias(
  lambda: LambdaClient,
  name: string,
  version: string,
  description: string,
  alias: AliasConfiguration | undefined,
  deps: AwsDeps,
): Promise<string> {
  if (alias) {
    try {
      const updated = await updateCall(
        lambda,
        name,
        () =>
          lambda.send(
            new UpdateAliasCommand({
              FunctionName: name,
              Name: LIVE_ALIAS,
              FunctionVersion: version,
              Description: description,
              // Lambda keeps an alias's weights when the update names none: `live` serves only this version.
              RoutingConfig: { AdditionalVersionWeights: {} },
              RevisionId: alias.RevisionId,
            }),
          ),
        deps,
        `point alias ${LIVE_ALIAS} of function ${name} at version ${version}`,
        'lambda:UpdateAlias',
      );
      return updated.AliasArn ?? '';
    } catch (error) {
      if (!hasErrorName(error, 'PreconditionFailed')) throw error;
      // An update answered with a 5xx after it took effect is retried (by the SDK) with the
      // revision it replaced, and refused.
      return aliasOfThisRun(lambda, name, version, description, error, deps);
    }
  }
  try {
    const created = await callAws(
      deps,
      {
        what: `create alias ${LIVE_ALIAS} of function ${name}`,
        permission: 'lambda:CreateAlias',
        passThrough: isConflict,
      },
      () =>
        lambda.send(
          new CreateAliasCommand({
            FunctionName: name,
            Name: LIVE_ALIAS,
            FunctionVersion: version,
            Description: description,
          }),
        ),
    );
    return created.AliasArn ?? '';
  } catch (error) {
    if (!isConflict(error)) throw error;
    // A create answered with a 5xx after it took effect is retried (by the SDK) into this
    // conflict; or a parallel first deploy of the stage created it meanwhile.
    return aliasOfThisRun(lambda, name, version, description, error, deps);
  }
}

/**
 * After Lambda refused to set `live` (`refusal`): its ARN when it already is
 * what this run asked for (its version and this run's description: the
 * refused call was the SDK's retry of one that took effect), else the
 * refusal as another run's change.
 */
async function aliasOfThisRun(
  lambda: LambdaClient,
  name: string,
  version: string,
  description: string,
  refusal: unknown,
  deps: AwsDeps,
): Promise<string> {
  const now = await readAlias(lambda, name, deps);
  if (now?.FunctionVersion === version && now.Description === description) return now.AliasArn ?? '';
  throw aliasMovedError(name, version, refusal);
}
