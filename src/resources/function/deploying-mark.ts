/** The tags that tell prune a stage is being deployed (and when it last was). */
import { TagResourceCommand, UntagResourceCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DEPLOYED_TAG, DEPLOYING_TAG } from '../../model/tags.js';
import { errorMessage } from '../../util/retry.js';
import { type AwsDeps, callAws } from '../../aws/aws-call.js';

/**
 * Marks the function as being deployed (DEPLOYING_TAG), so a prune running
 * meanwhile leaves the stage alone, and as deployed now (DEPLOYED_TAG, kept
 * when the deploy ends), in the one request.
 */
export async function markDeploying(
  lambda: LambdaClient,
  functionArn: string,
  since: string,
  deps: AwsDeps,
): Promise<void> {
  await callAws(
    deps,
    { what: `tag function ${functionArn} as being deployed`, permission: 'lambda:TagResource' },
    () =>
      lambda.send(
        new TagResourceCommand({
          Resource: functionArn,
          Tags: { [DEPLOYING_TAG]: since, [DEPLOYED_TAG]: since },
        }),
      ),
  );
}

/** Removes the mark when the deploy ends; a failure only warns (prune ignores a mark older than an hour). */
export async function clearDeploying(
  lambda: LambdaClient,
  functionArn: string,
  deps: AwsDeps,
): Promise<void> {
  try {
    await callAws(
      deps,
      {
        what: `remove the ${DEPLOYING_TAG} tag of function ${functionArn}`,
        permission: 'lambda:UntagResource',
      },
      () => lambda.send(new UntagResourceCommand({ Resource: functionArn, TagKeys: [DEPLOYING_TAG] })),
    );
  } catch (error) {
    deps.logger.warning(`${errorMessage(error)}; prune takes the stage as being deployed for up to an hour`);
  }
}
