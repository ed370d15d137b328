/**
 * What a slim package changes in a deploy (AWS and local): where its
 * dependencies archive goes, the function's variables that name it, its
 * ephemeral storage, and the summary's facts. Pure.
 */
import { defaultBucketName } from '../resources/artifacts/artifact-bucket.js';
import { DEFAULT_EPHEMERAL_STORAGE_MB } from '../resources/function/function-config.js';
import {
  slimArchiveKey,
  slimArchivePrefix,
  SlimEnv,
  slimEnvironment,
  slimKind,
  type SlimKind,
} from '../model/slim-location.js';
import type { SlimPackage } from '../packaging/slim-package.js';
import type { SlimOutcome } from '../model/outcome.js';

export interface SlimTarget {
  bucket: string;
  key: string;
  kind: SlimKind;
}

/** The archive's place: `s3-bucket` (else the default bucket), the folder of the stage's kind. */
export function slimTarget(
  slim: Pick<SlimPackage, 'sha256Hex'>,
  input: { project: string; bucket?: string; accountId: string; region: string; protectedStage: boolean },
): SlimTarget {
  const kind = slimKind(input.protectedStage);
  return {
    bucket: input.bucket || defaultBucketName(input.accountId, input.region),
    key: slimArchiveKey(input.project, kind, slim.sha256Hex),
    kind,
  };
}

/** The function's variables: the workflow's, then the archive's place (the account must own the bucket). */
export function slimFunctionEnvironment(
  environment: Record<string, string>,
  target: SlimTarget | undefined,
  owner?: string,
): Record<string, string> {
  return target ? { ...environment, ...slimEnvironment({ ...target, owner }) } : environment;
}

/**
 * The ephemeral storage to set: the slim package's; back to Lambda's default
 * when a function that was slim (its variables name an archive) is not any
 * more; otherwise left as it is (someone may have set it for their own use).
 */
export function slimEphemeralStorage(
  slim: Pick<SlimPackage, 'ephemeralStorageMb'> | undefined,
  currentVariables: Record<string, string> | undefined,
): number | undefined {
  if (slim) return slim.ephemeralStorageMb;
  return currentVariables?.[SlimEnv.Key] ? DEFAULT_EPHEMERAL_STORAGE_MB : undefined;
}

export function slimOutcome(slim: SlimPackage, target: SlimTarget): SlimOutcome {
  return {
    archiveBytes: slim.bytes,
    unpackedBytes: slim.unpackedBytes,
    files: slim.files,
    ephemeralStorageMb: slim.ephemeralStorageMb,
    measured: slim.estimate.measured,
    atMemory: slim.estimate.atMemory,
    location: `s3://${target.bucket}/${target.key}`,
  };
}

/** With execution-role-arn the role is the user's: what it must allow, since lambda-deploy does not touch it. */
export function ownRoleNote(roleArn: string, project: string, target: SlimTarget, partition = 'aws'): string {
  return (
    `This package is slim and execution-role-arn is set: ${roleArn} must allow s3:GetObject on ` +
    `arn:${partition}:s3:::${target.bucket}/${slimArchivePrefix(project, target.kind)}* (lambda-deploy grants that only ` +
    'to the roles it manages), or every cold start fails with AccessDenied.'
  );
}
