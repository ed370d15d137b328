/**
 * What the function is deployed with: its tags, its /tmp, its ARN and the
 * input deployFunction takes, once its role, layers and artifact are there.
 */
import { provisionedTag } from '../../resources/warm-up/provisioned-concurrency.js';
import { partitionOf } from '../../resources/execution-role/execution-role.js';
import { isProtectedStage } from '../../model/protected-stages.js';
import type { deployFunction } from '../../resources/function/lambda-function.js';
import type { StageFunction } from '../../resources/function/stage-function-read.js';
import { GATEWAY_TAG } from '../../resources/front-door/old-front-door.js';
import type { PackageResult } from '../../packaging/build-package-types.js';
import type { Plan } from '../../model/plan.js';
import type { Settings } from '../../model/settings.js';
import type { StageContext } from '../../model/stage-context.js';
import { slimEphemeralStorage, slimFunctionEnvironment, type SlimTarget } from '../slim-deploy.js';

/** The lambda-deploy:deploying mark of this run: when it started, and the function once marked. */
export interface DeployingMark {
  since: string;
  functionArn?: string;
}

/** Set on the function: whether this stage has a keep-warm rule ('on' / 'off'). */
const KEEP_WARM_TAG = 'lambda-deploy:keep-warm';

export function functionTags(settings: Settings, stageTags: Record<string, string>): Record<string, string> {
  return {
    ...stageTags,
    [KEEP_WARM_TAG]: settings.keepWarm ? 'on' : 'off',
    [GATEWAY_TAG]: settings.gateway,
    ...provisionedTag(settings.provisionedConcurrency),
  };
}

/** ARN of the stage's function, as Lambda names it: known before the function is read. */
export function functionArn(context: StageContext): string {
  const partition = partitionOf(context.region);
  return `arn:${partition}:lambda:${context.region}:${context.accountId}:function:${context.functionName}`;
}

/** The /tmp to set on the function and its tags, from the function as read before the deploy. */
export function functionStorage(pkg: PackageResult, current: StageFunction) {
  const existing = current.existing;
  return slimEphemeralStorage(
    pkg.slim,
    existing && {
      variables: existing.config.Environment?.Variables,
      sizeMb: existing.config.EphemeralStorage?.Size,
      tags: existing.tags,
    },
  );
}

/** What the function is deployed with, once its role, layers and artifact are there. */
export function functionInput(
  settings: Settings,
  plan: Plan,
  pkg: PackageResult,
  made: {
    slim: SlimTarget | undefined;
    accountId: string;
    current: StageFunction;
    layers: string[];
    role: { roleArn: string; created: boolean };
    artifact: { bucket: string; key: string };
    marked: DeployingMark;
    tags: Record<string, string>;
    maskValues: (variables: readonly (readonly [string, string])[]) => void;
    whenCreated?: (() => Promise<void>) | undefined;
  },
): Parameters<typeof deployFunction>[1] {
  const storage = functionStorage(pkg, made.current);
  return {
    functionName: plan.functionName,
    runtime: settings.runtime,
    handler: pkg.handler,
    memory: settings.memory,
    timeout: settings.timeout,
    architecture: settings.architecture,
    environment: slimFunctionEnvironment(settings.environment, made.slim, made.accountId),
    ephemeralStorageMb: storage.ephemeralStorageMb,
    layers: [...made.layers, ...settings.layers],
    roleArn: made.role.roleArn,
    description: `lambda-deploy ${settings.name} stage ${plan.stage}`,
    tags: { ...made.tags, ...storage.tags },
    code: {
      bucket: made.artifact.bucket,
      key: made.artifact.key,
      codeSha256: pkg.codeSha256,
      zipPath: pkg.zipPath,
    },
    keepVersions: settings.keepVersions,
    protectedStage: isProtectedStage(plan.stage, settings.protectedStages),
    roleJustCreated: made.role.created,
    adopt: settings.adopt,
    deployingSince: made.marked.since,
    maskValues: made.maskValues,
    ...(made.whenCreated && { whenCreated: made.whenCreated }),
  };
}
