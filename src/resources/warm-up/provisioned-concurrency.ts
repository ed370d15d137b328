/**
 * `provisioned-concurrency: N` on the alias `live`: N execution environments
 * kept initialized. Each deploy moves `live` to a new version, which Lambda
 * provisions again, so the deploy waits until the config is READY.
 *
 * Call it only when the input is set (0 included, which removes the config):
 * with the input unset the deploy role may lack these permissions, and an
 * AccessDenied on the read then means "nothing to remove".
 */
import {
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  TagResourceCommand,
  type GetProvisionedConcurrencyConfigCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { type AwsDeps, AwsError, callAws, hasErrorName, isAccessDenied } from '../../aws/aws-call.js';
import { pollUntil } from '../../aws/poll.js';
import { errorMessage } from '../../util/retry.js';
import type { Architecture } from '../../model/settings.js';
import { provisionedConcurrencyCost } from './concurrency-cost.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';

export interface ProvisionedConcurrencyInput {
  functionName: string;
  /** Always the alias `live`. */
  qualifier?: string;
  /** The input; 0 or unset removes an existing config. */
  count?: number;
  /** For the cost note. */
  memoryMb?: number;
  architecture?: Architecture;
  /** How long to wait for READY; default 15 minutes (large counts take minutes). */
  maxWaitMs?: number;
  /** With count 0: an AccessDenied on the read is an error, not "nothing to remove". */
  mustRead?: boolean;
}

export interface ProvisionedConcurrencyResult {
  action: 'set' | 'unchanged' | 'removed' | 'none';
  count: number;
  /** For the job summary, when count > 0: clearly an estimate. */
  costNote?: string;
}

const NOT_FOUND = ['ProvisionedConcurrencyConfigNotFoundException', 'ResourceNotFoundException'];

/**
 * On the function: the `provisioned-concurrency` the last deploy that had the
 * input set on `live` ('0' once removed). It proves the config is ours: with
 * the input taken out, only a config this tag accounts for is removed.
 */
export const PROVISIONED_TAG = 'lambda-deploy:provisioned-concurrency';

/** The function's tag for a set input; none when unset (the tag keeps what an earlier deploy set up). */
export function provisionedTag(count: number | undefined): Record<string, string> {
  return count === undefined ? {} : { [PROVISIONED_TAG]: String(count) };
}

/**
 * `provisioned-concurrency` taken out of the workflow: the config an earlier
 * deploy set (the function's PROVISIONED_TAG says so) is removed, since it is
 * billed every hour it exists, and the tag set to '0'. A config the tag does
 * not account for (set in the console, or before the tag existed) is left.
 */
export async function removeOwnProvisionedConcurrency(
  lambda: LambdaClient,
  input: { functionName: string; functionArn: string; previousTags: Record<string, string> },
  deps: AwsDeps,
): Promise<ProvisionedConcurrencyResult> {
  const before = Number(input.previousTags[PROVISIONED_TAG] ?? 0);
  if (!(before > 0)) return { action: 'none', count: 0 };
  let result: ProvisionedConcurrencyResult;
  try {
    result = await ensureProvisionedConcurrency(
      lambda,
      { functionName: input.functionName, count: 0, mustRead: true },
      deps,
    );
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    // Still recorded in the tag: a deploy with the permission removes it later.
    deps.logger.warning(
      `provisioned-concurrency is not set any more, but the provisioned concurrency (${before}) an earlier deploy set on ` +
        `${input.functionName}:${LIVE_ALIAS} could not be removed, and is billed every hour it stays: ${errorMessage(error)} ` +
        `Remove it: aws lambda delete-provisioned-concurrency-config --function-name ${input.functionName} --qualifier ${LIVE_ALIAS}`,
    );
    return { action: 'none', count: before };
  }
  if (result.action === 'removed')
    deps.logger.info(
      `provisioned-concurrency is not set any more: removed the provisioned concurrency (${before}) an earlier deploy set on ${input.functionName}:${LIVE_ALIAS}.`,
    );
  await callAws(deps, { what: `tag function ${input.functionName}`, permission: 'lambda:TagResource' }, () =>
    lambda.send(new TagResourceCommand({ Resource: input.functionArn, Tags: { [PROVISIONED_TAG]: '0' } })),
  );
  return result;
}

async function readConfig(
  lambda: LambdaClient,
  functionName: string,
  qualifier: string,
  deps: AwsDeps,
): Promise<GetProvisionedConcurrencyConfigCommandOutput | undefined> {
  try {
    return await callAws(
      deps,
      {
        what: `read the provisioned concurrency of ${functionName}:${qualifier}`,
        permission: 'lambda:GetProvisionedConcurrencyConfig',
        passThrough: (error) => hasErrorName(error, ...NOT_FOUND),
      },
      () =>
        lambda.send(
          new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: qualifier }),
        ),
    );
  } catch (error) {
    if (hasErrorName(error, ...NOT_FOUND)) return undefined;
    throw error;
  }
}

function failure(functionName: string, qualifier: string, reason: string | undefined): AwsError {
  return new AwsError(
    `Provisioned concurrency on ${functionName}:${qualifier} FAILED: ${reason ?? 'no reason given'}. ` +
      "Check the account's unreserved concurrency (at least 100 must stay unreserved) and the function's initialization.",
    'ProvisionedConcurrencyFailed',
  );
}

export async function ensureProvisionedConcurrency(
  lambda: LambdaClient,
  input: ProvisionedConcurrencyInput,
  deps: AwsDeps,
): Promise<ProvisionedConcurrencyResult> {
  const qualifier = input.qualifier ?? LIVE_ALIAS;
  const { functionName } = input;
  const count = input.count ?? 0;
  const where = `${functionName}:${qualifier}`;

  let current: GetProvisionedConcurrencyConfigCommandOutput | undefined;
  try {
    current = await readConfig(lambda, functionName, qualifier, deps);
  } catch (error) {
    if (count > 0 || input.mustRead || !isAccessDenied(error)) throw error;
    deps.logger.debug(
      `No lambda:GetProvisionedConcurrencyConfig permission: no provisioned concurrency to remove on ${where}.`,
    );
    return { action: 'none', count: 0 };
  }

  if (count <= 0) {
    if (!current) return { action: 'none', count: 0 };
    await callAws(
      deps,
      {
        what: `remove the provisioned concurrency of ${where}`,
        permission: 'lambda:DeleteProvisionedConcurrencyConfig',
        retryable: (error) => hasErrorName(error, 'ResourceConflictException'),
        baseDelayMs: 2_000,
      },
      () =>
        lambda.send(
          new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: qualifier }),
        ),
    );
    deps.logger.info(`Provisioned concurrency removed from ${where}.`);
    return { action: 'removed', count: 0 };
  }

  const cost = provisionedConcurrencyCost(count, input.memoryMb ?? 128, input.architecture ?? 'x86_64').note;
  const sameCount = current?.RequestedProvisionedConcurrentExecutions === count;
  if (sameCount && current?.Status === 'READY') {
    deps.logger.debug(`Provisioned concurrency of ${where} is ${count}, READY.`);
    return { action: 'unchanged', count, costNote: cost };
  }
  if (!sameCount || current?.Status === 'FAILED') {
    deps.logger.info(`Setting provisioned concurrency of ${where} to ${count}.`);
    await callAws(
      deps,
      {
        what: `set the provisioned concurrency of ${where} to ${count}`,
        permission: 'lambda:PutProvisionedConcurrencyConfig',
        deniedHint:
          "The preview role may not set provisioned concurrency: it takes from the account's unreserved concurrency, which production's functions share " +
          '(a pull request could throttle production) and is billed every hour. Set provisioned-concurrency only on stages deployed with the production role.',
        // The alias or function is still updating.
        retryable: (error) => hasErrorName(error, 'ResourceConflictException'),
        baseDelayMs: 2_000,
        attempts: 8,
      },
      () =>
        lambda.send(
          new PutProvisionedConcurrencyConfigCommand({
            FunctionName: functionName,
            Qualifier: qualifier,
            ProvisionedConcurrentExecutions: count,
          }),
        ),
    );
  }

  await waitUntilReady(lambda, input, qualifier, count, deps);
  deps.logger.info(`Provisioned concurrency of ${where} is ${count}, READY.`);
  return { action: sameCount ? 'unchanged' : 'set', count, costNote: cost };
}

/** Polls until the provisioned concurrency is READY; a FAILED one is an error that says what to check. */
async function waitUntilReady(
  lambda: LambdaClient,
  input: ProvisionedConcurrencyInput,
  qualifier: string,
  count: number,
  deps: AwsDeps,
): Promise<void> {
  const { functionName } = input;
  const where = `${functionName}:${qualifier}`;
  await pollUntil(deps, {
    what: `provisioned concurrency of ${where} to be READY`,
    permission: 'lambda:GetProvisionedConcurrencyConfig',
    intervalMs: 5_000,
    maxIntervalMs: 15_000,
    maxWaitMs: input.maxWaitMs ?? 15 * 60_000,
    check: async () => {
      const config = await readConfig(lambda, functionName, qualifier, deps);
      if (config?.Status === 'READY') return { done: true, value: config };
      if (config?.Status === 'FAILED') throw failure(functionName, qualifier, config.StatusReason);
      return {
        done: false,
        status: `${config?.Status ?? 'absent'}, ${config?.AllocatedProvisionedConcurrentExecutions ?? 0}/${count} allocated`,
      };
    },
  });
}
