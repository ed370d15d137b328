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
import { EPHEMERAL_MAX_MB } from '../packaging/slim-plan.js';
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
 * On the function, while slim: `{before}/{set}`, its /tmp (MB) from before a
 * slim package raised it and the size the deploy set. Turning slim off gives
 * `before` back, not Lambda's default; a size other than `set` found later
 * is the owner's own change, and counts as theirs.
 */
export const TMP_BEFORE_SLIM_TAG = 'lambda-deploy:tmp-before-slim';

/** The function as read before the deploy: what slimEphemeralStorage needs of it. */
export interface CurrentStorage {
  variables?: Record<string, string>;
  /** EphemeralStorage.Size; undefined is Lambda's default. */
  sizeMb?: number;
  tags?: Record<string, string>;
}

export interface SlimStorage {
  /** The /tmp to set; undefined leaves the function's as it is. */
  ephemeralStorageMb: number | undefined;
  /** Tags to set with it (TMP_BEFORE_SLIM_TAG while slim). */
  tags: Record<string, string>;
}

/** A whole number of MB within Lambda's range, or undefined. */
function storageMb(value: string | undefined): number | undefined {
  const mb = Number(value);
  return value && Number.isInteger(mb) && mb >= DEFAULT_EPHEMERAL_STORAGE_MB && mb <= EPHEMERAL_MAX_MB
    ? mb
    : undefined;
}

/** The owner's own /tmp: what the function had before slim, or what they set since. */
function ownersStorage(current: CurrentStorage | undefined): number {
  const size = current?.sizeMb ?? DEFAULT_EPHEMERAL_STORAGE_MB;
  if (!current?.variables?.[SlimEnv.Key]) return size;
  const [before, set] = (current.tags?.[TMP_BEFORE_SLIM_TAG] ?? '').split('/').map(storageMb);
  // Slim before this tag existed: the size is slim's, the owner's is unknown.
  if (before === undefined || set === undefined) return DEFAULT_EPHEMERAL_STORAGE_MB;
  return size === set ? before : size;
}

/**
 * The ephemeral storage to set. Slim: what the archive needs, or the
 * owner's own size when that is more (their code may use it). A function
 * that was slim (its variables name an archive) and is not any more gets
 * the owner's size back. Otherwise it is left as it is.
 */
export function slimEphemeralStorage(
  slim: Pick<SlimPackage, 'ephemeralStorageMb'> | undefined,
  current: CurrentStorage | undefined,
): SlimStorage {
  const owners = ownersStorage(current);
  if (slim) {
    const set = Math.max(owners, slim.ephemeralStorageMb);
    return { ephemeralStorageMb: set, tags: { [TMP_BEFORE_SLIM_TAG]: `${owners}/${set}` } };
  }
  return { ephemeralStorageMb: current?.variables?.[SlimEnv.Key] ? owners : undefined, tags: {} };
}

/** The report's facts of a slim package; `setMb`: the /tmp the function was set to (see slimEphemeralStorage). */
export function slimOutcome(
  slim: SlimPackage,
  target: SlimTarget,
  setMb = slim.ephemeralStorageMb,
): SlimOutcome {
  return {
    archiveBytes: slim.bytes,
    unpackedBytes: slim.unpackedBytes,
    files: slim.files,
    ephemeralStorageMb: Math.max(setMb, slim.ephemeralStorageMb),
    ...(setMb > slim.ephemeralStorageMb ? { neededMb: slim.ephemeralStorageMb } : {}),
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
