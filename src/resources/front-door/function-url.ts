/**
 * `gateway: function-url`: a function URL on the alias `live`, auth NONE
 * (an existing URL someone set to AWS_IAM is refused, never opened),
 * with both permissions new URLs need since October 2025 (without the
 * second one the URL answers 403). Function URLs cannot be tagged: the
 * tagged function owns it, and deleting the function deletes it.
 */
import {
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  type GetFunctionUrlConfigCommandOutput,
  type InvokeMode as UrlInvokeMode,
  type LambdaClient,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import { errorMessage, errorName } from '../../util/retry.js';
import { callAws, findAws, type RetryDeps } from '../../aws/aws-call.js';
import { lambdaCall } from './call-options.js';
import type { FunctionUrlConfig, GatewayInput, GatewayResult } from './gateway-types.js';
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

/** The URL of a function's alias (`qualifier`); undefined when it has none. */
export async function readFunctionUrl(
  lambda: LambdaClient,
  functionName: string,
  qualifier: string,
  deps: RetryDeps,
): Promise<string | undefined> {
  return (await readFunctionUrlConfig(lambda, functionName, deps, qualifier))?.FunctionUrl || undefined;
}

/** The function URL's configuration on `qualifier` (`live` by default), or undefined when it has none. */
export async function readFunctionUrlConfig(
  lambda: LambdaClient,
  functionName: string,
  deps: RetryDeps,
  qualifier: string = LIVE_ALIAS,
): Promise<GetFunctionUrlConfigCommandOutput | undefined> {
  return findAws(
    deps,
    {
      what: `read the function URL of ${functionName}:${qualifier}`,
      permission: `lambda:GetFunctionUrlConfig on ${functionName}:${qualifier}`,
      absent: ['ResourceNotFoundException'],
    },
    () => lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: qualifier })),
  );
}

/** The URL's InvokeMode for the `invoke-mode` setting (Lambda's default is BUFFERED). */
export function urlInvokeMode(input: Pick<GatewayInput, 'invokeMode'>): UrlInvokeMode {
  return input.invokeMode === 'response-stream' ? 'RESPONSE_STREAM' : 'BUFFERED';
}

/** Why a URL whose auth is not NONE is left alone, and how to change that on purpose. */
export function privateUrlProblem(
  aliasArn: string,
  functionName: string,
  qualifier: string,
  authType: string | undefined,
): string {
  return (
    `gateway: function-url: the function URL of ${aliasArn} has auth ${authType ?? 'unknown'} (callers must sign their requests), ` +
    'set outside lambda-deploy; the deploy serves a public URL (auth NONE) and does not make a private one public. ' +
    `To make it public on purpose: aws lambda update-function-url-config --function-name ${functionName} --qualifier ${qualifier} --auth-type NONE, then deploy again. ` +
    'To keep it private, deploy this stage with another gateway: the URL then stays as it is (only the public statements lambda-deploy added are removed).'
  );
}

/** A Lambda call of the function URL on `live`, described for the one call wrapper. */
function urlCall(input: Pick<GatewayInput, 'context' | 'aliasArn'>, action: string, permission: string) {
  return lambdaCall(
    input.context.stage,
    `${action} ${input.aliasArn}`,
    `${permission} on ${input.aliasArn}`,
    isUpdateInProgress,
  );
}

/** The URL as read, refused when its auth is not NONE: only an owner makes it AWS_IAM (we create NONE). */
function publicOnly(
  input: Pick<GatewayInput, 'context' | 'aliasArn'>,
  url: FunctionUrlConfig | undefined,
): FunctionUrlConfig | undefined {
  if (url && url.AuthType !== 'NONE') {
    // Switching it back would make their function public.
    const { qualifier } = parseAliasArn(input.aliasArn);
    throw new Error(privateUrlProblem(input.aliasArn, input.context.functionName, qualifier, url.AuthType));
  }
  return url;
}

/**
 * The read half of ensureFunctionUrl: the URL on the alias, or undefined
 * when it (or the function) is not there yet; a private one is refused.
 * The deploy runs it while it reads the function, so the refusal comes
 * before the function is written (see checkFrontDoor).
 */
export async function checkFunctionUrl(
  lambda: LambdaClient,
  input: Pick<GatewayInput, 'context' | 'aliasArn'>,
  deps: RetryDeps,
): Promise<FunctionUrlConfig | undefined> {
  const alias = parseAliasArn(input.aliasArn);
  const existing = await findAws(
    deps,
    {
      ...urlCall(input, 'read the function URL of', 'lambda:GetFunctionUrlConfig'),
      absent: ['ResourceNotFoundException'],
    },
    () =>
      lambda.send(
        new GetFunctionUrlConfigCommand({
          FunctionName: input.context.functionName,
          Qualifier: alias.qualifier,
        }),
      ),
  );
  return publicOnly(input, existing);
}

/**
 * The URL on `live`, public, with its permissions. `input.checked`: the URL
 * as checkFunctionUrl read it before the function was deployed (not read
 * again); without it, it is read now.
 */
export async function ensureFunctionUrl(
  lambda: LambdaClient,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<GatewayResult> {
  const { context } = input;
  const alias = parseAliasArn(input.aliasArn);
  const target = { FunctionName: context.functionName, Qualifier: alias.qualifier };
  let changed = false;

  const invokeMode = urlInvokeMode(input);
  let current = input.checked ? input.checked.functionUrl : await checkFunctionUrl(lambda, input, deps);
  if (!current) {
    current = publicOnly(
      input,
      await callAws(
        deps,
        urlCall(input, 'create the function URL of', 'lambda:CreateFunctionUrlConfig'),
        async () => {
          try {
            return await lambda.send(
              new CreateFunctionUrlConfigCommand({
                ...target,
                AuthType: 'NONE',
                // Omitted when buffered: Lambda's default, and the request stays as it was.
                ...(invokeMode === 'BUFFERED' ? {} : { InvokeMode: invokeMode }),
              }),
            );
          } catch (error) {
            // A parallel run (or the owner) created it since it was read: read it back (refused when private).
            if (errorName(error) === 'ResourceConflictException' && /exists/i.test(errorMessage(error)))
              return lambda.send(new GetFunctionUrlConfigCommand(target));
            throw error;
          }
        },
      ),
    );
    deps.logger.info(`Created the function URL of ${input.aliasArn}.`);
    changed = true;
  }
  // Only our stage function's public URL gets here (a private one was refused above).
  if (current && (current.InvokeMode ?? 'BUFFERED') !== invokeMode) {
    await callAws(
      deps,
      urlCall(input, 'set the invoke mode of the function URL of', 'lambda:UpdateFunctionUrlConfig'),
      () => lambda.send(new UpdateFunctionUrlConfigCommand({ ...target, InvokeMode: invokeMode })),
    );
    deps.logger.info(
      `Function URL of ${input.aliasArn}: invoke mode ${current.InvokeMode ?? 'BUFFERED'} -> ${invokeMode}.`,
    );
    changed = true;
  }
  const url = current?.FunctionUrl;

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
