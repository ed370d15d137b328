import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { DEPLOYED_TAG, DEPLOYING_TAG, otherOwnerRefusal, ownerMismatch, TagKeys } from '../../model/tags.js';
import { indexedTags, type IndexedTags } from '../stage/indexed-tags.js';
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../../util/retry.js';
import { allPages } from '../../aws/all-pages.js';
import {
  type AwsDeps,
  AwsError,
  callAws,
  deployRoleNeeds,
  hasErrorName,
  isAccessDenied,
  isNotRoleDeny,
} from '../../aws/aws-call.js';
import {
  ENV_TAG,
  aliasDescription,
  codeNeedsUpdate,
  configFingerprint,
  diffConfig,
  fingerprintOfAlias,
  parseManagedTag,
  planEnvironment,
  strayLogGroup,
  tagsToUpdate,
  versionsToDelete,
  type ConfigField,
  type DesiredConfig,
  type EnvironmentPlan,
} from './function-config.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import { defaultLogGroup } from '../logs/function-logs.js';
import { Inputs } from '../../settings/names.js';
import { inputName, settingOf, type Surface } from '../../settings/surface.js';
import { pollUntil } from '../../aws/poll.js';
import { start, together } from '../../aws/together.js';

export interface FunctionInput {
  functionName: string;
  runtime: string;
  handler: string;
  memory: number;
  timeout: number;
  architecture: 'x86_64' | 'arm64';
  /** The workflow's `environment` (see planEnvironment for what happens to other variables). */
  environment: Record<string, string>;
  layers: string[];
  roleArn: string;
  description: string;
  /** The stage's lambda-deploy:* tags. */
  tags: Record<string, string>;
  /**
   * The package in the artifact bucket. `zipPath`, the same zip on this
   * machine: sent in the request when Lambda read other bytes from the bucket
   * (see codeFromRequest).
   */
  code: { bucket: string; key: string; codeSha256: string; zipPath?: string };
  /** Published versions to keep; older ones are deleted. */
  keepVersions: number;
  /** The stage is protected: variables it keeps from a preview's time are warned about (see logEnvironmentPlan). */
  protectedStage?: boolean;
  /** /tmp in MB (a slim package's dependencies go there); undefined leaves it as it is (512 on a new function). */
  ephemeralStorageMb?: number;
  /** The role was created by this run: Lambda may refuse it for a few seconds. */
  roleJustCreated?: boolean;
  /** Set on a function this run creates as its lambda-deploy:deploying tag (ISO time the run started). */
  deployingSince?: string;
  /**
   * Hides the variables' values of a read the update is planned from, before
   * the write: Lambda's error for variables over 4 KB quotes every value. The
   * caller hides the first read's itself; this is for a read made again.
   */
  maskValues?: (values: readonly string[]) => void;
  /**
   * Run once CreateFunction made the function (this run's), alongside the wait
   * for it to become Active: what must be there before anything can run it (its
   * log group, tagged) costs no round trip of its own. Not run for a function
   * that was there, nor when CreateFunction fails.
   */
  whenCreated?: () => Promise<void>;
}

export interface FunctionResult {
  /** Unqualified function ARN. */
  functionArn: string;
  aliasArn: string;
  /** The version `live` points at after this deploy. */
  version: string;
  /** The version `live` pointed at before ('' when `live` did not exist). */
  previousVersion: string;
  created: boolean;
  codeChanged: boolean;
  configChanged: boolean;
  /** Something changed: the function, or the version `live` serves. */
  changed: boolean;
  /** Names of variables set outside the workflow that were kept. */
  environmentKept: string[];
  /**
   * Values of the variables the function had before this deploy (kept, replaced
   * or removed): a secret pasted in the console is one, so none may be shown.
   */
  environmentBefore: string[];
  /** The function's tags before this deploy ({} when it was created): what earlier deploys set up. */
  previousTags: Record<string, string>;
  /** The execution role the function ran as when this deploy changed it: another role deployed it last. */
  roleBefore?: string;
  /** Where it logs (LoggingConfig.LogGroup: a custom group set outside the workflow), when Lambda said. */
  logGroup?: string;
}

const ROLE_NOT_READY = /cannot be assumed by Lambda|role defined for the function cannot be assumed/i;

function isRoleNotReady(error: unknown): boolean {
  return hasErrorName(error, 'InvalidParameterValue') && ROLE_NOT_READY.test(errorMessage(error));
}

/** What a retry of a role not yet usable says, so the wait does not read like a failure. */
const roleNotReadyReason = (error: unknown) =>
  isRoleNotReady(error)
    ? 'the new execution role is not usable by Lambda yet: IAM takes a few seconds to reach it'
    : undefined;

const isConflict = (error: unknown) => hasErrorName(error, 'ResourceConflict');
const isNotFound = (error: unknown) => hasErrorName(error, 'ResourceNotFound');

/**
 * Waits until the function (or a version of it) accepts the next change:
 * State not Pending and LastUpdateStatus not InProgress. A Failed state or
 * update fails with Lambda's own reason.
 */
export async function waitForFunctionUpdated(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
  options: { qualifier?: string; delayFirst?: boolean } = {},
): Promise<FunctionConfiguration> {
  const label = options.qualifier ? `${functionName}:${options.qualifier}` : functionName;
  return pollUntil(deps, {
    what: `function ${label} to be ready`,
    permission: 'lambda:GetFunctionConfiguration',
    delayFirstMs: options.delayFirst ? 1_000 : undefined,
    check: async () => {
      const c = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: options.qualifier }),
      );
      if (c.State === 'Failed') {
        throw new AwsError(
          `Function ${label} is in state Failed: ${c.StateReason ?? 'no reason given'} (${c.StateReasonCode ?? ''})`,
          'FunctionFailed',
        );
      }
      if (c.LastUpdateStatus === 'Failed') {
        throw new AwsError(
          `The last update of function ${label} failed: ${c.LastUpdateStatusReason ?? 'no reason given'} ` +
            `(${c.LastUpdateStatusReasonCode ?? ''})`,
          'UpdateFailed',
        );
      }
      if (c.State === 'Pending') return { done: false, status: `State ${c.State}` };
      if (c.LastUpdateStatus === 'InProgress')
        return { done: false, status: `LastUpdateStatus ${c.LastUpdateStatus}` };
      return { done: true, value: c };
    },
  });
}

/** An update call that waits out "an update is in progress" instead of failing. */
function updateCall<T>(
  lambda: LambdaClient,
  functionName: string,
  fn: () => Promise<T>,
  deps: AwsDeps,
  what: string,
  permission: string,
  extraRetry?: (error: unknown) => boolean,
): Promise<T> {
  return callAws(
    deps,
    {
      what,
      permission,
      attempts: 10,
      maxWaitMs: 120_000,
      retryable: (e) => isConflict(e) || (extraRetry?.(e) ?? false),
      beforeRetry: async (e) => {
        if (isConflict(e)) {
          deps.logger.info(`Function ${functionName} is busy with another update; waiting for it`);
          await waitForFunctionUpdated(lambda, functionName, deps);
        }
      },
    },
    fn,
  );
}

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

/**
 * The values of a published version's environment variables: a version keeps
 * the ones it was published with, which may be older than $LATEST's (a key
 * rotated in a deploy that was then rolled back). Throws when Lambda cannot
 * tell them (variables under a KMS key this role may not use come back empty).
 */
export async function versionEnvironmentValues(
  lambda: LambdaClient,
  functionName: string,
  version: string,
  deps: AwsDeps,
): Promise<string[]> {
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
  return Object.values(config.Environment?.Variables ?? {});
}

/** What this run may do with an existing `{name}-{stage}` function. Pure. */
export type Ownership = { action: 'ours' } | { action: 'adopt' } | { action: 'refuse'; message: string };

/** `adopt: true` in a workflow; the CLI's switch `--adopt` in a terminal. */
function adoptSetting(surface: Surface): string {
  return surface === 'terminal' ? inputName(surface, Inputs.Adopt) : settingOf(surface, Inputs.Adopt, 'true');
}

/**
 * Whether the function is this stage's: its project, stage and repository
 * tags (see ownerMismatch) must all be ours. A function without any
 * lambda-deploy tag (made by hand or another tool) is taken over only with
 * `adopt: true`; a function of another project, stage or repository never is.
 */
export function functionOwnership(
  name: string,
  tags: Record<string, string>,
  expected: Record<string, string>,
  adopt: boolean,
  surface: Surface = 'action',
): Ownership {
  const mismatch = ownerMismatch(tags, expected);
  if (!mismatch) return { action: 'ours' };
  const untagged = !Object.keys(tags).some((k) => k.startsWith('lambda-deploy:'));
  if (untagged) {
    if (adopt) return { action: 'adopt' };
    return {
      action: 'refuse',
      message:
        `Function ${name} exists but was not created by lambda-deploy (it has no lambda-deploy tags), so this deploy leaves it alone. ` +
        `${surface === 'terminal' ? 'Pass' : 'Set'} ${adoptSetting(surface)} to take it over (its code and configuration are replaced and it gets this stage's tags), or choose another name or stage.`,
    };
  }
  const other = otherOwnerRefusal(`Function ${name}`, tags, expected);
  if (other) return { action: 'refuse', message: other };
  if (tags[TagKeys.Name] === undefined)
    return {
      action: 'refuse',
      message: `Function ${name} belongs to no lambda-deploy project (it has no ${TagKeys.Name} tag), not ${expected[TagKeys.Name] ?? '?'}; choose another name or stage.`,
    };
  return {
    action: 'refuse',
    message: `Function ${name} is not stage ${expected[TagKeys.Stage] ?? '?'} of this project: it ${mismatch}; choose another name or stage.`,
  };
}

/**
 * A function of the stage's name that exists (CreateFunction said so) but that
 * this role may not read: no lambda-deploy:name tag, which the preview role's
 * policy refuses. Worded like functionOwnership's refusal of an untagged one.
 */
function untaggedFunctionError(name: string, surface: Surface): AwsError {
  return new AwsError(
    `Function ${name} exists but was not created by lambda-deploy (it has no ${TagKeys.Name} tag), so this deploy ` +
      'leaves it alone: nothing was created or changed. This role may neither read nor change it ' +
      "(the preview role's policy keeps pull requests off every function named like the project without that tag). " +
      `Choose another name or stage, or deploy with the production role and ${adoptSetting(surface)} to take it over.`,
    'FunctionNotOwned',
  );
}

/** Lambda takes a zip of up to 50 MB in the request itself (CreateFunction, UpdateFunctionCode). */
export const DIRECT_CODE_UPLOAD_LIMIT = 52_428_800;

/**
 * When Lambda read other bytes than this package from the artifact bucket,
 * sends the package in the request itself, which nobody can change on the
 * way, and answers the function's configuration after that; otherwise (the
 * code matches, or the zip is not here or too big for a request) answers
 * `config` as it was, for checkCode to judge. The artifact folder is shared
 * by every deploy of the project, pull requests' previews included, so a
 * preview job can overwrite a production package's key between the upload
 * and Lambda's read: failing there would leave that code in $LATEST of a
 * production function, with its environment and role.
 */
async function codeFromRequest(
  lambda: LambdaClient,
  input: FunctionInput,
  config: FunctionConfiguration,
  deps: AwsDeps,
): Promise<FunctionConfiguration> {
  const { code } = input;
  if (config.CodeSha256 === code.codeSha256 || !code.zipPath) return config;
  const bytes = await readFile(code.zipPath).catch(() => undefined);
  if (!bytes || bytes.length > DIRECT_CODE_UPLOAD_LIMIT) return config;
  const name = input.functionName;
  deps.logger.warning(
    `Lambda read other code than this package from s3://${code.bucket}/${code.key} (CodeSha256 ${config.CodeSha256 ?? '(none)'}, ` +
      `this package's ${code.codeSha256}): someone wrote another object under its key between the upload and Lambda reading it ` +
      '(whoever may write the artifact folder: a pull request preview job can). Sending the package in the request instead.',
  );
  await updateCall(
    lambda,
    name,
    () =>
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ZipFile: bytes,
          Architectures: [input.architecture],
          Publish: false,
        }),
      ),
    deps,
    `update function ${name} code from the package in the request`,
    'lambda:UpdateFunctionCode',
  );
  return waitForFunctionUpdated(lambda, name, deps, { delayFirst: true });
}

/** Lambda's CodeSha256 of what it runs must be the zip built here; anything else is not deployed. */
function checkCode(name: string, what: string, config: FunctionConfiguration, input: FunctionInput): void {
  if (config.CodeSha256 === input.code.codeSha256) return;
  throw new AwsError(
    `Lambda reports CodeSha256 ${config.CodeSha256 ?? '(none)'} for ${what} of function ${name}, but the package built here ` +
      `has ${input.code.codeSha256}: the object at s3://${input.code.bucket}/${input.code.key} was changed between the upload ` +
      `and Lambda reading it. Not published; alias ${LIVE_ALIAS} stays where it was.`,
    'CodeSha256Mismatch',
  );
}

async function readFunction(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
): Promise<{ config: FunctionConfiguration; tags: Record<string, string> } | undefined> {
  try {
    const r = await callAws(
      deps,
      {
        what: `read function ${functionName}`,
        permission: 'lambda:GetFunction',
        // The generated policies grant reads only on functions tagged for this project.
        deniedHint: `A function of that name deployed by another lambda-deploy project (tag ${TagKeys.Name}) is refused the same way: if one exists, choose another stage or project name.`,
        passThrough: isNotFound,
      },
      () => lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
    );
    if (!r.Configuration)
      throw new AwsError(`Could not read function ${functionName}: no configuration`, 'Empty');
    return { config: r.Configuration, tags: r.Tags ?? {} };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
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

/** The stage's function (undefined when there is none yet) and its `live` alias, as read before any change. */
export interface StageFunction {
  existing?: { config: FunctionConfiguration; tags: Record<string, string> };
  alias?: AliasConfiguration;
  /**
   * Reading it was refused and the tagging index names no lambda-deploy owner:
   * taken as not there. The preview role's policy refuses every function of the
   * project's name without a lambda-deploy:name tag, and one that does not exist
   * has none, so a new preview stage reads so; CreateFunction then tells.
   */
  unseen?: true;
}

/** What readStageFunction needs to know about the stage's function. */
export interface StageFunctionQuery {
  functionName: string;
  tags: Record<string, string>;
  adopt?: boolean;
  /** Asked when the function may not be read: whose it is, without reading it. */
  indexedTags?: IndexedTags;
}

/**
 * Reads the stage's function and alias, and refuses one that is not this
 * stage's (see functionOwnership) before anything is uploaded or changed.
 */
export async function readStageFunction(
  lambda: LambdaClient,
  input: StageFunctionQuery,
  deps: AwsDeps,
): Promise<StageFunction> {
  const name = input.functionName;
  let existing: StageFunction['existing'];
  let alias: AliasConfiguration | undefined;
  try {
    // Independent reads: together they are one round trip of waiting.
    [existing, alias] = await together(
      deps,
      () => readFunction(lambda, name, deps),
      () => readAlias(lambda, name, deps),
    );
  } catch (error) {
    const explained = await explainDeniedRead(error, input);
    if (explained !== UNSEEN) throw explained;
    deps.logger.info(
      `Function ${name} may not be read by this role and the tagging index names no lambda-deploy owner: ` +
        'taken as not there yet (creating it tells)',
    );
    return { unseen: true };
  }
  if (existing) {
    const surface = deps.surface ?? 'action';
    const ownership = functionOwnership(name, existing.tags, input.tags, input.adopt ?? false, surface);
    if (ownership.action === 'refuse') throw new AwsError(ownership.message, 'FunctionNotOwned');
    if (ownership.action === 'adopt')
      deps.logger.warning(
        `Function ${name} was not deployed by lambda-deploy; adopting it (${adoptSetting(surface)})`,
      );
  }
  return { existing, alias };
}

/** The function's tags as the tagging index lists them (tag:GetResources by ARN), whoever may read the function. */
export function indexedFunctionTags(
  tagging: ResourceGroupsTaggingAPIClient,
  functionArn: string,
  deps: AwsDeps,
): IndexedTags {
  return indexedTags(tagging, `function ${functionArn}`, functionArn, deps);
}

const UNSEEN = Symbol('unseen');

/**
 * A denied read of the stage's function. The generated policies let the
 * deploy read only functions this project may own, so the function may be
 * another project's (`api` stage `v2-main` and `api-v2` stage `main` are
 * both `api-v2-main`): the tagging index tells whose, and the run is refused
 * in the words a readable function would get. One the index lists without a
 * lambda-deploy:name tag, or not at all, is UNSEEN when an explicit Deny refused
 * it: the preview role's policy refuses those, and a function that does not
 * exist yet looks the same to IAM. A function that is ours, a denial AWS words
 * as a missing Allow, or an index that does not answer, leaves the denial as it
 * is (a permission really missing).
 */
async function explainDeniedRead(error: unknown, input: StageFunctionQuery): Promise<unknown> {
  if (!input.indexedTags || !isAccessDenied(error)) return error;
  let tags: Record<string, string> | undefined;
  try {
    tags = await input.indexedTags();
  } catch {
    return error;
  }
  // Only the role's Deny refuses a function without the tag: anything else is a permission to fix.
  if (tags?.[TagKeys.Name] === undefined) return isNotRoleDeny(error) ? error : UNSEEN;
  // adopt: an untagged function is not what the denial is about, so only a lambda-deploy owner
  // that is not this stage turns the denial into a refusal.
  const ownership = functionOwnership(input.functionName, tags, input.tags, true);
  if (ownership.action !== 'refuse') return error;
  return new AwsError(
    `${ownership.message} (Reading it was refused, as for any function of another project: its tags come from the tagging index.)`,
    'FunctionNotOwned',
    { cause: error },
  );
}

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

function desiredConfig(input: FunctionInput, environment: Record<string, string>): DesiredConfig {
  return {
    runtime: input.runtime,
    handler: input.handler,
    memory: input.memory,
    timeout: input.timeout,
    architecture: input.architecture,
    layers: input.layers,
    environment,
    roleArn: input.roleArn,
    description: input.description,
    ephemeralStorage: input.ephemeralStorageMb,
  };
}

function s3Hint(error: unknown): string {
  return /GetObject|S3 Error/i.test(errorMessage(error))
    ? ' (Lambda reads the package with the deploying role: it needs s3:GetObject on the artifact bucket)'
    : '';
}

async function createFunction(
  lambda: LambdaClient,
  input: FunctionInput,
  deps: AwsDeps,
): Promise<{ config: FunctionConfiguration; environmentKept: string[] } | 'exists'> {
  const env = planEnvironment({}, input.environment, undefined);
  const name = input.functionName;
  deps.logger.info(`Creating function ${name} (${input.runtime}, ${input.architecture})`);
  let response: FunctionConfiguration;
  try {
    response = await callAws(
      deps,
      {
        what: `create function ${name}`,
        permission: 'lambda:CreateFunction and iam:PassRole',
        // A new IAM role reaches Lambda a few seconds after CreateRole.
        retryable: isRoleNotReady,
        retryReason: roleNotReadyReason,
        attempts: 30,
        baseDelayMs: 2_000,
        maxDelayMs: 10_000,
        maxWaitMs: input.roleJustCreated ? 60_000 : 20_000,
        passThrough: isConflict,
      },
      () =>
        lambda.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Runtime: input.runtime as FunctionConfiguration['Runtime'],
            Handler: input.handler,
            Role: input.roleArn,
            Code: { S3Bucket: input.code.bucket, S3Key: input.code.key },
            Architectures: [input.architecture],
            MemorySize: input.memory,
            Timeout: input.timeout,
            Environment: { Variables: env.variables },
            Layers: input.layers,
            Description: input.description,
            ...(input.ephemeralStorageMb ? { EphemeralStorage: { Size: input.ephemeralStorageMb } } : {}),
            PackageType: 'Zip',
            Publish: false,
            Tags: {
              ...input.tags,
              [ENV_TAG]: env.managedTag,
              ...(input.deployingSince
                ? { [DEPLOYING_TAG]: input.deployingSince, [DEPLOYED_TAG]: input.deployingSince }
                : {}),
            },
          }),
        ),
    );
  } catch (error) {
    if (isConflict(error)) return 'exists'; // created meanwhile by a parallel run
    if (isRoleNotReady(error)) {
      throw new AwsError(
        `${errorMessage(error)} The role ${input.roleArn} must trust lambda.amazonaws.com.`,
        'InvalidParameterValue',
        { cause: error },
      );
    }
    const hint = s3Hint(error);
    throw hint ? new AwsError(errorMessage(error) + hint, 'S3', { cause: error }) : error;
  }
  const [config] = await together(
    deps,
    async () =>
      response.State === 'Active' && response.LastUpdateStatus !== 'InProgress'
        ? response
        : waitForFunctionUpdated(lambda, name, deps, { delayFirst: true }),
    async () => input.whenCreated?.(),
  );
  const created = await codeFromRequest(lambda, input, config, deps);
  checkCode(name, 'the new function', created, input);
  return { config: created, environmentKept: [] };
}

interface UpdateOutcome {
  config: FunctionConfiguration;
  codeChanged: boolean;
  configChanged: boolean;
  environmentKept: string[];
  /** The values of the variables the update was planned from (see FunctionResult). */
  environmentBefore: string[];
  /** See FunctionResult. */
  roleBefore?: string;
}

/** Reads of a function that changed while the deploy planned its update, before giving up. */
const CONFIG_READS = 3;

async function updateFunction(
  lambda: LambdaClient,
  input: FunctionInput,
  existing: { config: FunctionConfiguration; tags: Record<string, string> },
  deps: AwsDeps,
): Promise<UpdateOutcome> {
  const name = input.functionName;
  let { tags } = existing;
  let config = await readyToUpdate(lambda, name, existing.config, deps);
  let env: EnvironmentPlan;
  let fields: ConfigField[];
  let before: Record<string, string>;
  let roleRead: string | undefined;
  for (let read = 1; ; read++) {
    before = config.Environment?.Variables ?? {};
    // Masked at every read, before any write whose refusal may quote them: this read may be newer
    // than the caller's (a wait for another update, a function another run created meanwhile).
    input.maskValues?.(Object.values(before));
    env = planEnvironment(before, input.environment, parseManagedTag(tags[ENV_TAG]));
    logEnvironmentPlan(env, deps);
    const desired = desiredConfig(input, env.variables);
    const logGroup = config.LoggingConfig?.LogGroup;
    if (strayLogGroup(logGroup, name, input.tags[TagKeys.Name] ?? '')) {
      desired.logGroup = defaultLogGroup(name);
      deps.logger.warning(
        `Function ${name} logged to ${logGroup}, the log group of another function of this project (its stage's deploy role may read it): its logs go to ${desired.logGroup} again.`,
      );
    }
    fields = diffConfig(config, desired);
    roleRead = config.Role;
    if (input.protectedStage && fields.includes('role')) warnPreviewVariables(name, config, env, deps);
    if (!fields.length) break;
    try {
      config = await updateConfiguration(lambda, name, desired, fields, deps, config.RevisionId);
      break;
    } catch (error) {
      // The variables were read before the upload: one set since (a secret pasted in the console)
      // would be wiped by a write planned without it, so Lambda refuses it and the plan is made again.
      if (!hasErrorName(error, 'PreconditionFailed') || read >= CONFIG_READS) throw error;
      deps.logger.info(`Function ${name} changed since this deploy read it; reading it again`);
      const again = await readFunction(lambda, name, deps);
      if (!again) throw error;
      tags = again.tags;
      config = await readyToUpdate(lambda, name, again.config, deps);
    }
  }
  const configChanged = fields.length > 0;
  const environmentBefore = Object.values(before);
  const roleBefore = fields.includes('role') ? (roleRead ?? '') : undefined;

  const codeChanged = codeNeedsUpdate(config, input.code.codeSha256, input.architecture);
  if (codeChanged) config = await updateCode(lambda, input, deps);

  const tagChanges = tagsToUpdate(tags, { ...input.tags, [ENV_TAG]: env.managedTag });
  if (Object.keys(tagChanges).length && config.FunctionArn) {
    await callAws(
      deps,
      {
        what: `tag function ${name}`,
        permission: 'lambda:TagResource',
      },
      () => lambda.send(new TagResourceCommand({ Resource: config.FunctionArn, Tags: tagChanges })),
    );
  }
  if (!configChanged && !codeChanged) deps.logger.info(`Function ${name} is up to date`);
  return {
    config,
    codeChanged,
    configChanged,
    environmentKept: env.kept,
    environmentBefore,
    ...(roleBefore !== undefined && { roleBefore }),
  };
}

/**
 * The function's configuration once it may be updated: a zip function, no
 * other update running, and environment variables this role can read (an
 * update would otherwise wipe them).
 */
async function readyToUpdate(
  lambda: LambdaClient,
  name: string,
  config: FunctionConfiguration,
  deps: AwsDeps,
): Promise<FunctionConfiguration> {
  if (config.PackageType === 'Image') {
    throw new AwsError(
      `Function ${name} is a container image function; lambda-deploy deploys zip packages only.`,
      'Image',
    );
  }
  if (config.State === 'Pending' || config.LastUpdateStatus === 'InProgress') {
    deps.logger.info(`Function ${name} is busy with another update; waiting for it`);
    config = await waitForFunctionUpdated(lambda, name, deps);
  }
  if (config.Environment?.Error) {
    // Variables encrypted with a key this role cannot use come back empty: updating would wipe them.
    throw new AwsError(
      `Could not read the environment variables of function ${name}: ${config.Environment.Error.ErrorCode ?? ''} ` +
        `${config.Environment.Error.Message ?? ''}. ${(deps.needs ?? deployRoleNeeds)("kms:Decrypt on the function's KMS key")} ` +
        'Without it, updating the function would lose the variables.',
      'EnvironmentError',
    );
  }
  return config;
}

/**
 * A protected stage that ran as another execution role was deployed by
 * another role (the preview role, before the stage was protected): a pull
 * request's credentials could have set the variables the workflow does not
 * set, as its owner could have. They stay (nothing the owner set is lost);
 * the warning names them, never their values, once: the next deploy finds
 * production's role.
 */
function warnPreviewVariables(
  name: string,
  config: FunctionConfiguration,
  env: EnvironmentPlan,
  deps: AwsDeps,
): void {
  if (!env.kept.length) return;
  deps.logger.warning(
    `Function ${name} of a protected stage ran as another execution role (${config.Role ?? 'none'}), so another role deployed it, ` +
      `a preview role perhaps, before the stage was protected. It keeps variables the workflow does not set: ${env.kept.join(', ')}. ` +
      'A pull request could have set them: check them, then list the ones you want in environment and remove the others from the function.',
  );
}

function logEnvironmentPlan(env: ReturnType<typeof planEnvironment>, deps: AwsDeps): void {
  const s = (n: number) => (n === 1 ? '' : 's');
  if (env.kept.length) {
    deps.logger.info(
      `Kept ${env.kept.length} environment variable${s(env.kept.length)} set outside the workflow: ` +
        env.kept.join(', '),
    );
  }
  if (env.removed.length) {
    deps.logger.info(
      `Removing ${env.removed.length} environment variable${s(env.removed.length)} no longer in the ` +
        `workflow: ${env.removed.join(', ')}`,
    );
  }
  if (env.untracked.length) {
    deps.logger.warning(
      `Too many environment variable names for the ${ENV_TAG} tag; these stay on the function even when removed ` +
        `from the workflow: ${env.untracked.join(', ')}`,
    );
  }
}

/** Writes the configuration (`fields` differ) and waits for the update: the configuration after it. */
async function updateConfiguration(
  lambda: LambdaClient,
  name: string,
  desired: DesiredConfig,
  fields: ConfigField[],
  deps: AwsDeps,
  /** The revision the update was planned from: Lambda refuses it (PreconditionFailed) once the function changed. */
  revisionId?: string,
): Promise<FunctionConfiguration> {
  deps.logger.info(`Updating the configuration of ${name}: ${fields.join(', ')}`);
  await updateCall(
    lambda,
    name,
    () =>
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: name,
          Runtime: desired.runtime as FunctionConfiguration['Runtime'],
          Handler: desired.handler,
          MemorySize: desired.memory,
          Timeout: desired.timeout,
          Layers: desired.layers,
          Environment: { Variables: desired.environment },
          Role: desired.roleArn,
          Description: desired.description,
          ...(desired.ephemeralStorage ? { EphemeralStorage: { Size: desired.ephemeralStorage } } : {}),
          ...(desired.logGroup && { LoggingConfig: { LogGroup: desired.logGroup } }),
          RevisionId: revisionId,
        }),
      ),
    deps,
    `update function ${name} configuration`,
    fields.includes('role')
      ? 'lambda:UpdateFunctionConfiguration and iam:PassRole'
      : 'lambda:UpdateFunctionConfiguration',
    fields.includes('role') ? isRoleNotReady : undefined,
  );
  return waitForFunctionUpdated(lambda, name, deps, { delayFirst: true });
}

/** Points the function at the uploaded package, waits, and checks Lambda took that very package. */
async function updateCode(
  lambda: LambdaClient,
  input: FunctionInput,
  deps: AwsDeps,
): Promise<FunctionConfiguration> {
  const name = input.functionName;
  deps.logger.info(`Updating the code of ${name} from s3://${input.code.bucket}/${input.code.key}`);
  try {
    await updateCall(
      lambda,
      name,
      () =>
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: name,
            S3Bucket: input.code.bucket,
            S3Key: input.code.key,
            Architectures: [input.architecture],
            Publish: false,
          }),
        ),
      deps,
      `update function ${name} code`,
      'lambda:UpdateFunctionCode',
    );
  } catch (error) {
    const hint = s3Hint(error);
    throw hint ? new AwsError(errorMessage(error) + hint, 'S3', { cause: error }) : error;
  }
  const read = await waitForFunctionUpdated(lambda, name, deps, { delayFirst: true });
  const config = await codeFromRequest(lambda, input, read, deps);
  checkCode(name, 'the updated code', config, input);
  return config;
}

async function publish(
  lambda: LambdaClient,
  name: string,
  input: FunctionInput,
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
async function setAlias(
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

/** The function's published versions; undefined (with a warning) when they cannot be listed. */
/**
 * The function's published versions; with `ours`, only those lambda-deploy
 * published: a version takes the function's description when it is
 * published, and every release sets it to the stage's (`lambda-deploy
 * {name} stage {stage}`), so one with another description was published by
 * someone else (before an adopt, or by hand) and is never pruned.
 */
async function listVersions(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
  ours?: string,
): Promise<string[] | undefined> {
  try {
    const all = await allPages(
      (marker) =>
        callAws(
          deps,
          {
            what: `list the versions of function ${functionName}`,
            permission: 'lambda:ListVersionsByFunction',
          },
          () =>
            lambda.send(
              new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker, MaxItems: 50 }),
            ),
        ),
      (page) => page.Versions,
      (page) => page.NextMarker,
    );
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

/**
 * Creates or updates the stage's function, publishes a version when anything
 * changed and points `live` at it. An unchanged redeploy costs GetFunction +
 * GetAlias and changes nothing. A run stopped at any step converges on the
 * next one: nothing is created twice, and PublishVersion of an unchanged
 * $LATEST returns the existing version instead of a new one.
 */
export async function deployFunction(
  lambda: LambdaClient,
  input: FunctionInput & { adopt?: boolean; indexedTags?: IndexedTags },
  deps: AwsDeps,
  /** readStageFunction's answer when the caller already read (and checked) the function. */
  known?: StageFunction,
): Promise<FunctionResult> {
  const name = input.functionName;
  let { existing, alias } = known ?? (await readStageFunction(lambda, input, deps));

  let created = false;
  let outcome: UpdateOutcome | undefined;
  if (!existing) {
    const made = await createFunction(lambda, input, deps);
    if (made === 'exists') {
      // Created meanwhile by a parallel run (it is ours only if its tags say so), or there all along
      // but not readable by this role: a function without the lambda-deploy:name tag.
      let unseen: true | undefined;
      ({ existing, alias, unseen } = await readStageFunction(lambda, input, deps));
      if (unseen) throw untaggedFunctionError(name, deps.surface ?? 'action');
      if (!existing) throw new AwsError(`Function ${name} exists and does not: try again`, 'Inconsistent');
    } else {
      created = true;
      outcome = {
        config: made.config,
        codeChanged: true,
        configChanged: true,
        environmentKept: [],
        environmentBefore: [],
      };
    }
  }
  if (!outcome) outcome = await updateFunction(lambda, input, existing!, deps);

  const latest = outcome.config;
  const fingerprint = configFingerprint(latest);
  const previousVersion = alias?.FunctionVersion ?? '';
  // Weights on `live` (lambda-deploy sets none: a pull request's credentials could, while the stage
  // was a preview) send part of the traffic to another version, whatever the description says.
  const weighted = Object.keys(alias?.RoutingConfig?.AdditionalVersionWeights ?? {});
  if (weighted.length)
    deps.logger.warning(
      `Alias ${LIVE_ALIAS} of ${name} sent part of its traffic to version ${weighted.join(', ')}; lambda-deploy sets no weights, so this deploy sends all of it to the version it points at.`,
    );
  const liveIsLatest = !!alias && !weighted.length && fingerprintOfAlias(alias.Description) === fingerprint;
  let version = previousVersion;
  let aliasArn = alias?.AliasArn ?? '';
  let aliasMoved = false;
  if (!liveIsLatest || outcome.codeChanged || outcome.configChanged) {
    version = await publish(lambda, name, input, deps);
    deps.logger.info(`Published version ${version} of ${name}`);
    // The versions are listed while `live` moves; old ones are deleted only once it has.
    const listing = start(deps, () => listVersions(lambda, name, deps, input.description));
    try {
      aliasArn = await setAlias(lambda, name, version, aliasDescription(fingerprint), alias, deps);
    } catch (error) {
      await listing.settled();
      throw error;
    }
    aliasMoved = version !== previousVersion || weighted.length > 0;
    deps.logger.info(
      previousVersion
        ? `Alias ${LIVE_ALIAS} of ${name}: version ${previousVersion} -> ${version}`
        : `Alias ${LIVE_ALIAS} of ${name} points at version ${version}`,
    );
    await pruneVersions(lambda, name, input.keepVersions, [version, previousVersion], deps, listing.result());
  }

  const functionArn = latest.FunctionArn ?? '';
  return {
    functionArn,
    aliasArn: aliasArn || (functionArn ? `${functionArn}:${LIVE_ALIAS}` : ''),
    version,
    previousVersion,
    created,
    codeChanged: outcome.codeChanged,
    configChanged: outcome.configChanged,
    changed: created || outcome.codeChanged || outcome.configChanged || aliasMoved,
    environmentKept: outcome.environmentKept,
    environmentBefore: outcome.environmentBefore,
    ...(outcome.roleBefore !== undefined && { roleBefore: outcome.roleBefore }),
    previousTags: created ? {} : (existing?.tags ?? {}),
    ...(latest.LoggingConfig?.LogGroup && { logGroup: latest.LoggingConfig.LogGroup }),
  };
}
