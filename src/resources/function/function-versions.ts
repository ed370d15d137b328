/** The function's published versions: publishing one, reading one's environment, pruning old ones. */
import {
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { errorMessage } from '../../util/retry.js';
import { allPages } from '../../aws/all-pages.js';
import { type AwsDeps, AwsError, callAws, hasErrorName, type RetryDeps } from '../../aws/aws-call.js';
import { versionsToDelete } from './function-config.js';
import { checkCode, type CodeTarget } from './function-code.js';
import { isConflict, waitForFunctionUpdated } from './function-wait.js';

/**
 * A published version's environment variables, as [name, value]: a version keeps
 * the ones it was published with, which may be older than $LATEST's (a key
 * rotated in a deploy that was then rolled back). Throws when Lambda cannot
 * tell them (variables under a KMS key this role may not use come back empty).
 */
export async function versionEnvironmentValues(
  lambda: LambdaClient,
  functionName: string,
  version: string,
  deps: AwsDeps,
): Promise<[string, string][]> {
  const config = await callAws(
    deps,
    {
      what: `read the environment of version ${version} of function ${functionName}`,
      permission: 'lambda:GetFunctionConfiguration',
    },
    () =>
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version })),
  );
  const error = config.Environment?.Error;
  if (error)
    throw new AwsError(
      `Could not read the environment variables of version ${version} of function ${functionName}: ` +
        `${error.ErrorCode ?? ''} ${error.Message ?? ''}`.trimEnd(),
      'EnvironmentError',
    );
  return Object.entries(config.Environment?.Variables ?? {});
}

export async function publish(
  lambda: LambdaClient,
  name: string,
  input: CodeTarget,
  deps: AwsDeps,
): Promise<string> {
  // With our CodeSha256, Lambda refuses to publish $LATEST if it holds any other code.
  const published = await callAws(
    deps,
    {
      what: `publish a version of function ${name}`,
      permission: 'lambda:PublishVersion',
      attempts: 4,
      retryable: (e) => isConflict(e) || hasErrorName(e, 'PreconditionFailed'),
      beforeRetry: async (e) => {
        if (isConflict(e) || hasErrorName(e, 'PreconditionFailed'))
          await waitForFunctionUpdated(lambda, name, deps);
      },
    },
    () => lambda.send(new PublishVersionCommand({ FunctionName: name, CodeSha256: input.code.codeSha256 })),
  ).catch((error: unknown) => {
    if (hasErrorName(error, 'PreconditionFailed')) {
      throw new AwsError(
        `${errorMessage(error)}; the code of ${name} changed during this deploy (another deploy of the same stage? ` +
          'give the job a concurrency group)',
        'PreconditionFailed',
        { cause: error },
      );
    }
    throw error;
  });
  const version = published.Version;
  if (!version) throw new AwsError(`PublishVersion of ${name} returned no version`, 'Empty');
  checkCode(name, `version ${version}`, published, input);
  if (published.State === 'Pending')
    await waitForFunctionUpdated(lambda, name, deps, { qualifier: version, delayFirst: true });
  return version;
}

/** Every version of the function, $LATEST included; `passThrough`: errors callAws leaves as they are. */
export function allVersions(
  lambda: LambdaClient,
  functionName: string,
  deps: RetryDeps,
  passThrough?: (error: unknown) => boolean,
): Promise<FunctionConfiguration[]> {
  return allPages(
    (marker) =>
      callAws(
        deps,
        {
          what: `list the versions of function ${functionName}`,
          permission: 'lambda:ListVersionsByFunction',
          ...(passThrough && { passThrough }),
        },
        () =>
          lambda.send(
            new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker, MaxItems: 50 }),
          ),
      ),
    (page) => page.Versions,
    (page) => page.NextMarker,
  );
}

/**
 * The function's published versions; with `ours`, only those lambda-deploy
 * published: a version takes the function's description when it is
 * published, and every release sets it to the stage's (`lambda-deploy
 * {name} stage {stage}`), so one with another description was published by
 * someone else (before an adopt, or by hand) and is never pruned. Undefined
 * (with a warning) when they cannot be listed.
 */
export async function listVersions(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
  ours?: string,
): Promise<string[] | undefined> {
  try {
    const all = await allVersions(lambda, functionName, deps);
    return all.flatMap((v) =>
      v.Version && v.Version !== '$LATEST' && (ours === undefined || v.Description === ours)
        ? [v.Version]
        : [],
    );
  } catch (error) {
    deps.logger.warning(`${errorMessage(error)}; old versions are kept`);
    return undefined;
  }
}

/**
 * Deletes published versions beyond the newest `keep`, never `protect`ed
 * ones. Failures only warn: old versions cost storage, not correctness.
 * `listed`: the versions, when the caller listed them already.
 */
export async function pruneVersions(
  lambda: LambdaClient,
  functionName: string,
  keep: number,
  protect: string[],
  deps: AwsDeps,
  listed?: Promise<string[] | undefined>,
): Promise<string[]> {
  const versions = await (listed ?? listVersions(lambda, functionName, deps));
  if (!versions) return [];
  const deleted: string[] = [];
  // One at a time: deletes of one function's versions are not known to be safe together.
  for (const version of versionsToDelete(versions, keep, protect)) {
    try {
      await callAws(
        deps,
        {
          what: `delete version ${version} of function ${functionName}`,
          permission: 'lambda:DeleteFunction',
        },
        () => lambda.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: version })),
      );
      deleted.push(version);
    } catch (error) {
      // Another alias (not ours) may still point at it.
      deps.logger.warning(errorMessage(error));
    }
  }
  if (deleted.length) deps.logger.info(`Deleted old versions of ${functionName}: ${deleted.join(', ')}`);
  return deleted;
}
