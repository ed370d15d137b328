/**
 * Who made a function, as this role may see it (lambda-deploy, by hand, nobody,
 * or unknown to the role), and the probe that tells whether the role may read
 * any function lambda-deploy did not make: the preview role may not (its
 * Untagged Deny), which prune's log-group check and its dry run go by.
 */
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { findAws, isAccessDenied, isNotRoleDeny, PATIENCE, type RetryDeps } from '../../aws/aws-call.js';
import { TagKeys } from '../../model/tags.js';
import { errorMessage } from '../../util/retry.js';
import type { CleanupClients } from '../stage/stage-search.js';

/**
 * A function no stage can be named (stage names have no capitals): none is there, so a role that
 * may read a function lambda-deploy did not make is told it is missing, and the preview role,
 * whose Untagged Deny covers every untagged or missing `{project}-*`, is refused.
 */
export const PROBE_FUNCTION = 'LambdaDeployProbe';

/**
 * True under a role that may read no function lambda-deploy did not make: the preview role (its
 * Untagged Deny, in the same policy as its Deny on deleting layer versions). The probe's answer.
 */
export async function readsOnlyOurFunctions(
  clients: Pick<CleanupClients, 'lambda'>,
  project: string,
  deps: RetryDeps,
): Promise<boolean> {
  return (await lookUp(clients, `${project}-${PROBE_FUNCTION}`, deps)).by === 'refused';
}

/**
 * The probe refused by the role's own Deny (the preview role's Untagged statement), not by a
 * missing Allow or another policy's Deny (isNotRoleDeny): the rule a real run's refusal meets
 * (the Deny on deleting layer versions, in the same policy), for a dry run, which meets none.
 */
export async function roleDeniesOtherFunctions(
  clients: Pick<CleanupClients, 'lambda'>,
  project: string,
  deps: RetryDeps,
): Promise<boolean> {
  const { refusal } = await lookUp(clients, `${project}-${PROBE_FUNCTION}`, deps);
  return refusal !== undefined && !isNotRoleDeny(refusal);
}

/** Who made the function: lambda-deploy, by hand, nobody (gone), or unknown to this role (refused). */
export async function madeBy(
  clients: Pick<CleanupClients, 'lambda'>,
  fnName: string,
  deps: RetryDeps,
): Promise<'ours' | 'hand' | 'gone' | 'refused'> {
  return (await lookUp(clients, fnName, deps)).by;
}

/** madeBy, and AWS's refusal when refused (its wording tells whose Deny). */
async function lookUp(
  clients: Pick<CleanupClients, 'lambda'>,
  fnName: string,
  deps: RetryDeps,
): Promise<{ by: 'ours' | 'hand' | 'gone' | 'refused'; refusal?: unknown }> {
  try {
    const fn = await findAws(
      deps,
      {
        what: `read function ${fnName}`,
        permission: 'lambda:GetFunction',
        patience: PATIENCE.removal,
        passThrough: isAccessDenied,
      },
      () => clients.lambda.send(new GetFunctionCommand({ FunctionName: fnName })),
    );
    if (fn === undefined) return { by: 'gone' };
    return { by: fn.Tags?.[TagKeys.Name] === undefined ? 'hand' : 'ours' };
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    // Tagged for another project or repository, or any untagged one to the preview role.
    deps.logger.debug(`function ${fnName}: this role may not read it (${errorMessage(error)})`);
    return { by: 'refused', refusal: error };
  }
}
