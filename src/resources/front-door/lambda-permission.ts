/**
 * Idempotent Lambda permissions on the alias: read the policy once, add only
 * what is missing, replace our own statements when they went stale.
 */
import {
  AddPermissionCommand,
  type AddPermissionCommandInput,
  GetPolicyCommand,
  RemovePermissionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { errorMessage, errorName } from '../../util/retry.js';
import { callAws, findAws } from '../../aws/aws-call.js';
import type { CallDeps } from '../../aws/together.js';
import { lambdaCall } from './call-options.js';
import {
  parsePolicy,
  permissionAction,
  type PermissionSpec,
  type PolicyStatement,
} from './resource-policy.js';

export interface PermissionTarget {
  functionName: string;
  /** The alias: `live`. */
  qualifier: string;
  /** The alias ARN, named in AccessDenied hints. */
  aliasArn: string;
  stage: string;
}

/** "The statement id (x) provided already exists": someone (a parallel run) added it first. */
export function isStatementExists(error: unknown): boolean {
  return errorName(error) === 'ResourceConflictException' && /already exists/i.test(errorMessage(error));
}

/** ResourceConflictException while the function updates: wait and try again. */
export function isUpdateInProgress(error: unknown): boolean {
  return errorName(error) === 'ResourceConflictException' && !isStatementExists(error);
}

/** The AddPermission request for a spec: what the preview role's policy must let through (src/iam/preview-denies.ts). */
export function addPermissionRequest(
  target: Pick<PermissionTarget, 'functionName' | 'qualifier'>,
  spec: PermissionSpec,
): AddPermissionCommandInput {
  return {
    FunctionName: target.functionName,
    Qualifier: target.qualifier,
    StatementId: spec.statementId,
    Action: spec.action,
    Principal: spec.principal,
    ...(spec.sourceArn && { SourceArn: spec.sourceArn }),
    ...(spec.functionUrlAuthType && { FunctionUrlAuthType: spec.functionUrlAuthType }),
    ...(spec.invokedViaFunctionUrl && { InvokedViaFunctionUrl: true }),
  };
}

const call = (target: PermissionTarget, action: string, permission: string) =>
  lambdaCall(target.stage, action, permission, isUpdateInProgress);

/** The statements of the alias's resource policy (none when it has no policy). */
export async function readPermissions(
  lambda: LambdaClient,
  target: PermissionTarget,
  deps: CallDeps,
): Promise<PolicyStatement[]> {
  const policy = await findAws(
    deps,
    {
      ...call(target, `read the permissions of ${target.aliasArn}`, `lambda:GetPolicy on ${target.aliasArn}`),
      absent: ['ResourceNotFoundException'],
    },
    () =>
      lambda.send(new GetPolicyCommand({ FunctionName: target.functionName, Qualifier: target.qualifier })),
  );
  return parsePolicy(policy?.Policy);
}

/**
 * Makes every spec granted on the alias. Returns true when a statement was
 * added or replaced. Costs one GetPolicy when everything is in place, none
 * when the caller read the policy already (`known`).
 */
export async function ensurePermissions(
  lambda: LambdaClient,
  target: PermissionTarget,
  specs: readonly PermissionSpec[],
  deps: CallDeps,
  known?: PolicyStatement[],
): Promise<boolean> {
  const statements = known ?? (await readPermissions(lambda, target, deps));

  let changed = false;
  for (const spec of specs) {
    const todo = permissionAction(statements, spec);
    if (todo.kind === 'keep') continue;
    if (todo.kind === 'replace') {
      deps.logger.info(`Replacing the stale permission ${spec.statementId} on ${target.aliasArn}.`);
      await findAws(
        deps,
        {
          ...call(
            target,
            `remove the stale permission ${spec.statementId}`,
            `lambda:RemovePermission on ${target.aliasArn}`,
          ),
          absent: ['ResourceNotFoundException'],
        },
        () =>
          lambda.send(
            new RemovePermissionCommand({
              FunctionName: target.functionName,
              Qualifier: target.qualifier,
              StatementId: spec.statementId,
            }),
          ),
      );
    }
    const added = await callAws(
      deps,
      call(
        target,
        `allow ${spec.principal} to call ${spec.action} on ${target.aliasArn}`,
        `lambda:AddPermission on ${target.aliasArn}`,
      ),
      async () => {
        try {
          await lambda.send(new AddPermissionCommand(addPermissionRequest(target, spec)));
          return true;
        } catch (error) {
          if (isStatementExists(error)) return false;
          throw error;
        }
      },
    );
    if (added)
      deps.logger.info(
        `Allowed ${spec.principal} to call ${spec.action} on ${target.aliasArn} (${spec.statementId}).`,
      );
    else deps.logger.debug(`Permission ${spec.statementId} was already there.`);
    changed ||= added || todo.kind === 'replace';
  }
  return changed;
}
