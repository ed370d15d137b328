/**
 * `gateway: function-url`: a function URL on the alias `live`, auth NONE,
 * with both permissions new URLs need since October 2025 (without the
 * second one the URL answers 403). Function URLs cannot be tagged: the
 * tagged function owns it, and deleting the function deletes it.
 */
import {
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  UpdateFunctionUrlConfigCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { errorMessage, errorName } from '../../util/retry.js';
import { awsCall, awsGet, type CallDeps } from './aws-call.js';
import type { GatewayInput, GatewayResult } from './gateway-types.js';
import { ensurePermissions, isUpdateInProgress } from './lambda-permission.js';
import { PermissionIds, type PermissionSpec } from './resource-policy.js';
import { parseAliasArn, trimUrl } from './urls.js';

/** The two statements a public function URL needs. */
export function functionUrlPermissions(): PermissionSpec[] {
  return [
    {
      statementId: PermissionIds.functionUrl,
      action: 'lambda:InvokeFunctionUrl',
      principal: '*',
      functionUrlAuthType: 'NONE',
    },
    {
      statementId: PermissionIds.functionUrlInvoke,
      action: 'lambda:InvokeFunction',
      principal: '*',
      invokedViaFunctionUrl: true,
    },
  ];
}

export async function ensureFunctionUrl(
  lambda: LambdaClient,
  input: GatewayInput,
  deps: CallDeps,
): Promise<GatewayResult> {
  const { context } = input;
  const alias = parseAliasArn(input.aliasArn);
  const target = { FunctionName: context.functionName, Qualifier: alias.qualifier };
  const base = { stage: context.stage, baseDelayMs: 2000, retryable: isUpdateInProgress };
  let changed = false;

  const existing = await awsGet(
    {
      ...base,
      action: `read the function URL of ${input.aliasArn}`,
      permission: `lambda:GetFunctionUrlConfig on ${input.aliasArn}`,
    },
    deps,
    ['ResourceNotFoundException'],
    () => lambda.send(new GetFunctionUrlConfigCommand(target)),
  );

  let url = existing?.FunctionUrl;
  if (!existing) {
    const created = await awsCall(
      {
        ...base,
        action: `create the function URL of ${input.aliasArn}`,
        permission: `lambda:CreateFunctionUrlConfig on ${input.aliasArn}`,
      },
      deps,
      async () => {
        try {
          return await lambda.send(new CreateFunctionUrlConfigCommand({ ...target, AuthType: 'NONE' }));
        } catch (error) {
          // A parallel run created it between our read and this call: read it back.
          if (errorName(error) === 'ResourceConflictException' && /exists/i.test(errorMessage(error)))
            return lambda.send(new GetFunctionUrlConfigCommand(target));
          throw error;
        }
      },
    );
    url = created.FunctionUrl;
    deps.logger.info(`Created the function URL of ${input.aliasArn}.`);
    changed = true;
  } else if (existing.AuthType !== 'NONE') {
    const updated = await awsCall(
      {
        ...base,
        action: `set the function URL of ${input.aliasArn} to auth NONE`,
        permission: `lambda:UpdateFunctionUrlConfig on ${input.aliasArn}`,
      },
      deps,
      () => lambda.send(new UpdateFunctionUrlConfigCommand({ ...target, AuthType: 'NONE' })),
    );
    url = updated.FunctionUrl ?? url;
    deps.logger.info(`Changed the function URL of ${input.aliasArn} from auth ${existing.AuthType} to NONE.`);
    changed = true;
  }

  changed =
    (await ensurePermissions(
      lambda,
      {
        functionName: context.functionName,
        qualifier: alias.qualifier,
        aliasArn: input.aliasArn,
        stage: context.stage,
      },
      functionUrlPermissions(),
      deps,
    )) || changed;

  const clean = trimUrl(url ?? '');
  deps.logger.info(changed ? `Function URL is ready: ${clean}` : `Function URL unchanged: ${clean}`);
  return { kind: 'function-url', url: clean, changed };
}
