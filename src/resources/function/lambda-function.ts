import {
  CreateFunctionCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { DEPLOYED_TAG, DEPLOYING_TAG, TagKeys } from '../../model/tags.js';
import { errorMessage } from '../../util/retry.js';
import { type AwsDeps, AwsError, callAws, deployRoleNeeds, hasErrorName } from '../../aws/aws-call.js';
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
  type ConfigField,
  type DesiredConfig,
  type EnvironmentPlan,
} from './function-config.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import { defaultLogGroup } from '../logs/function-logs.js';
import { start, together } from '../../aws/together.js';
import { checkCode, codeFromRequest, type FunctionCode } from './function-code.js';
import { untaggedFunctionError } from './function-ownership.js';
import {
  readFunction,
  readStageFunction,
  type StageFunction,
  type StageFunctionQuery,
} from './stage-function-read.js';
import { listVersions, pruneVersions, publish } from './function-versions.js';
import { setAlias } from './function-alias.js';
import { isConflict, updateCall, waitForFunctionUpdated } from './function-wait.js';

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
  /** The package in the artifact bucket (see FunctionCode). */
  code: FunctionCode;
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
  maskValues?: (variables: readonly (readonly [string, string])[]) => void;
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
   * The variables ([name, value]) the function had before this deploy (kept,
   * replaced or removed): a secret pasted in the console is one, so no value may
   * be shown; the name tells whether a short one is a secret (see secretValues).
   */
  environmentBefore: [string, string][];
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
  /** The variables the update was planned from, [name, value] (see FunctionResult). */
  environmentBefore: [string, string][];
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
    input.maskValues?.(Object.entries(before));
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
  const environmentBefore = Object.entries(before);
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

/**
 * Creates or updates the stage's function, publishes a version when anything
 * changed and points `live` at it. An unchanged redeploy costs GetFunction +
 * GetAlias and changes nothing. A run stopped at any step converges on the
 * next one: nothing is created twice, and PublishVersion of an unchanged
 * $LATEST returns the existing version instead of a new one.
 */
export async function deployFunction(
  lambda: LambdaClient,
  input: FunctionInput & Pick<StageFunctionQuery, 'adopt' | 'indexedTags' | 'stageBranch'>,
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
