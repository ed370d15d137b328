/**
 * `dependencies-layer: true`: the installed requirements go into a layer of
 * the project, `{project}-deps`, content-addressed by the packaging's key (a
 * hash of the requirements, runtime and architecture). A version whose
 * description carries the key, and whose CodeSha256 (Lambda's own digest of
 * its content) equals the layer zip built here, is reused by every stage and
 * every deploy, so a code-only change publishes no layer and uploads only the
 * code. The description alone proves nothing: anyone who may publish a
 * version of the layer can write any description.
 */
import { readFile, stat } from 'node:fs/promises';
import {
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type Architecture as LambdaArchitecture,
  type LambdaClient,
  type LayerVersionsListItem,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { allPages } from '../../aws/all-pages.js';
import {
  type AwsDeps,
  AwsError,
  callAws,
  hasErrorName,
  isAccessDenied,
  isNotRoleDeny,
} from '../../aws/aws-call.js';
import { errorMessage } from '../../util/retry.js';
import type { Architecture } from '../../model/settings.js';

export { layersUnzippedBytes, type LayerSize, type LayersSize } from './layer-size.js';

/** Versions with the right key checked for equal content, newest first. */
const MAX_CANDIDATES = 5;
/** Lambda's limit on a layer name. */
const MAX_LAYER_NAME = 140;
/** A ZipFile in the request is limited to 50 MB; bigger layers go through S3. */
export const DIRECT_LAYER_UPLOAD_LIMIT = 52_428_800;

/** `{project}-deps`, cleaned to the characters Lambda accepts in a layer name. */
export function dependenciesLayerName(project: string): string {
  return `${project}-deps`.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, MAX_LAYER_NAME);
}

/** The marker in a version's description that makes it reusable. */
export function layerKeyMarker(key: string): string {
  return `lambda-deploy:key=${key}`;
}

/** Published by lambda-deploy: its description carries a key marker (layer versions take no tags). */
function publishedByUs(version: LayerVersionsListItem): boolean {
  return (version.Description ?? '').split(/\s+/).some((word) => /^lambda-deploy:key=./.test(word));
}

export interface DependenciesLayerInput {
  project: string;
  runtime: string;
  architecture: Architecture;
  /** Content hash of the requirements, runtime and architecture (from packaging). */
  key: string;
  /** The layer zip (`python/...`). */
  zipPath: string;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  codeSha256: string;
  /** When given, the zip was uploaded there and is published from S3. */
  bucket?: string;
  s3Key?: string;
  /** Publish even when a version with the key is listed: the one this deploy reused is gone. */
  publish?: boolean;
}

export interface DependenciesLayerResult {
  layerName: string;
  layerVersionArn: string;
  version: number;
  /** False when a version with the same key was reused. */
  created: boolean;
}

/**
 * Lambda's refusal of CreateFunction / UpdateFunctionConfiguration naming a
 * layer version that does not exist (deleted since it was looked up):
 * InvalidParameterValueException, "Layer version {arn} does not exist."
 */
export function isMissingLayerVersion(error: unknown, layerVersionArn: string): boolean {
  return (
    hasErrorName(error, 'InvalidParameterValueException') &&
    errorMessage(error).includes(`Layer version ${layerVersionArn} does not exist`)
  );
}

function isNotFound(error: unknown): boolean {
  return hasErrorName(error, 'ResourceNotFoundException');
}

/** Every version of a layer, newest first (ListLayerVersions pages through them). */
export async function listLayerVersions(
  lambda: LambdaClient,
  layerName: string,
  deps: AwsDeps,
): Promise<LayerVersionsListItem[]> {
  const versions = await allPages<
    { LayerVersions?: LayerVersionsListItem[]; NextMarker?: string },
    LayerVersionsListItem
  >(
    (marker) =>
      callAws(
        deps,
        {
          what: `list the versions of layer ${layerName}`,
          permission: 'lambda:ListLayerVersions',
          passThrough: isNotFound,
        },
        () =>
          lambda.send(new ListLayerVersionsCommand({ LayerName: layerName, Marker: marker, MaxItems: 50 })),
      ).catch((error: unknown) => {
        // No such layer yet: no versions.
        if (isNotFound(error)) return {};
        throw error;
      }),
    (page) => page.LayerVersions,
    (page) => page.NextMarker,
  );
  return versions.sort((a, b) => (b.Version ?? 0) - (a.Version ?? 0));
}

function fits(version: LayerVersionsListItem, input: DependenciesLayerInput): boolean {
  return (
    !!version.LayerVersionArn &&
    (version.Description ?? '').split(/\s+/).includes(layerKeyMarker(input.key)) &&
    (version.CompatibleRuntimes ?? []).includes(input.runtime as Runtime) &&
    (version.CompatibleArchitectures ?? []).includes(input.architecture as LambdaArchitecture)
  );
}

/** The newest version whose description names the key and whose content is the zip built here. */
async function reusableVersion(
  lambda: LambdaClient,
  layerName: string,
  input: DependenciesLayerInput,
  deps: AwsDeps,
): Promise<LayerVersionsListItem | undefined> {
  // Newest first; a few are enough (a build that is not reproducible publishes one per deploy).
  const candidates = (await listLayerVersions(lambda, layerName, deps)).filter((v) => fits(v, input));
  for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
    const version = await callAws(
      deps,
      { what: `read layer ${candidate.LayerVersionArn}`, permission: 'lambda:GetLayerVersion' },
      () =>
        lambda.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: candidate.Version })),
    );
    if (version.Content?.CodeSha256 === input.codeSha256) return candidate;
    deps.logger.info(
      `Layer ${candidate.LayerVersionArn} is described as these dependencies, but its CodeSha256 is ` +
        `${version.Content?.CodeSha256 ?? '(none)'}, not ${input.codeSha256} of the layer built here ` +
        '(another pip resolution, or not published by this project): not reused.',
    );
  }
  return undefined;
}

export async function ensureDependenciesLayer(
  lambda: LambdaClient,
  input: DependenciesLayerInput,
  deps: AwsDeps,
): Promise<DependenciesLayerResult> {
  const layerName = dependenciesLayerName(input.project);
  const reusable = input.publish ? undefined : await reusableVersion(lambda, layerName, input, deps);
  if (reusable?.LayerVersionArn && reusable.Version !== undefined) {
    deps.logger.info(`Dependencies unchanged: reusing layer ${layerName} version ${reusable.Version}.`);
    return {
      layerName,
      layerVersionArn: reusable.LayerVersionArn,
      version: reusable.Version,
      created: false,
    };
  }

  let content: { S3Bucket: string; S3Key: string } | { ZipFile: Uint8Array };
  if (input.bucket && input.s3Key) {
    content = { S3Bucket: input.bucket, S3Key: input.s3Key };
  } else {
    const size = (await stat(input.zipPath)).size;
    if (size > DIRECT_LAYER_UPLOAD_LIMIT)
      throw new AwsError(
        `The dependencies layer ${input.zipPath} is ${size} bytes, over the 50 MB Lambda accepts in a request; upload it to the artifact bucket and pass bucket and s3Key.`,
        'LayerTooLarge',
      );
    content = { ZipFile: await readFile(input.zipPath) };
  }

  deps.logger.info(
    `Publishing layer ${layerName} for ${input.runtime} ${input.architecture} (dependencies changed).`,
  );
  const storageFull = (error: unknown): boolean => hasErrorName(error, 'CodeStorageExceededException');
  let published;
  try {
    published = await callAws(
      deps,
      {
        what: `publish layer ${layerName}`,
        permission: 'lambda:PublishLayerVersion',
        passThrough: storageFull,
      },
      () =>
        lambda.send(
          new PublishLayerVersionCommand({
            LayerName: layerName,
            Description: `${layerKeyMarker(input.key)} lambda-deploy dependencies of ${input.project}`.slice(
              0,
              256,
            ),
            Content: content,
            CompatibleRuntimes: [input.runtime as Runtime],
            CompatibleArchitectures: [input.architecture as LambdaArchitecture],
          }),
        ),
    );
  } catch (error) {
    if (!storageFull(error)) throw error;
    throw new AwsError(
      `Could not publish layer ${layerName}: the account's Lambda code storage is full; run prune to delete unused layer and function versions.`,
      'CodeStorageExceededException',
      { cause: error },
    );
  }
  if (!published.LayerVersionArn || published.Version === undefined)
    throw new AwsError(`PublishLayerVersion for ${layerName} returned no version ARN`, 'NoLayerVersion');
  const sha = published.Content?.CodeSha256;
  if (sha !== input.codeSha256)
    throw new AwsError(
      `Layer ${published.LayerVersionArn} has CodeSha256 ${sha ?? '(none)'}, but the zip built here has ${input.codeSha256}: the upload was changed on the way.`,
      'LayerShaMismatch',
    );
  return { layerName, layerVersionArn: published.LayerVersionArn, version: published.Version, created: true };
}

export interface PruneLayersInput {
  project: string;
  /** Layer version ARNs that any function version of the project still references. */
  inUse: ReadonlySet<string>;
  dryRun?: boolean;
  /**
   * A dry run's answer to whether this role may delete them: it deletes nothing, so no Deny tells
   * it. Asked only when some would go; true keeps them all, as the real run's Deny does.
   */
  deleteDenied?: () => Promise<boolean>;
}

export interface PruneLayersResult {
  deleted: string[];
  kept: string[];
}

/**
 * Deletes versions of `{project}-deps` that lambda-deploy published and no
 * function of the project references, always keeping the newest of them.
 * A version without our key marker is someone's own (`shop-deps` is a
 * natural name for a layer made by hand) and never touched. A function
 * version that used a deleted layer version keeps working (Lambda keeps its
 * copy), so rollback is unaffected; only attaching that version anew is no
 * longer possible. The preview role is denied deleting any (previewDenies):
 * then every version stays, and prune says so.
 */
export async function pruneLayerVersions(
  lambda: LambdaClient,
  input: PruneLayersInput,
  deps: AwsDeps,
): Promise<PruneLayersResult> {
  const layerName = dependenciesLayerName(input.project);
  const versions = (await listLayerVersions(lambda, layerName, deps)).filter(publishedByUs);
  const result: PruneLayersResult = { deleted: [], kept: [] };
  versions.forEach((version, index) => {
    const arn = version.LayerVersionArn;
    if (!arn || version.Version === undefined) return;
    if (index === 0 || input.inUse.has(arn)) result.kept.push(arn);
    else result.deleted.push(arn);
  });
  if (input.dryRun) {
    if (result.deleted.length && (await input.deleteDenied?.())) return keepFrom(result, 0, layerName, deps);
    for (const arn of result.deleted) deps.logger.info(`Would delete unused layer version ${arn}.`);
    return result;
  }
  for (const [index, arn] of result.deleted.entries()) {
    const number = Number(arn.slice(arn.lastIndexOf(':') + 1));
    try {
      await callAws(
        deps,
        {
          what: `delete layer version ${arn}`,
          permission: 'lambda:DeleteLayerVersion',
          passThrough: (e) => isNotFound(e) || roleDeny(e),
        },
        () => lambda.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: number })),
      );
    } catch (error) {
      if (roleDeny(error)) return keepFrom(result, index, layerName, deps);
      if (!isNotFound(error)) throw error;
    }
    deps.logger.info(`Deleted unused layer version ${arn}.`);
  }
  return result;
}

/** The role's own Deny (the preview role's: production's functions attach these versions too), not a missing Allow. */
const roleDeny = (error: unknown): boolean => isAccessDenied(error) && !isNotRoleDeny(error);

/** The versions from `index` on stay: this role may not delete them. The real run's (its Deny) and the dry run's (deleteDenied) one rule. */
function keepFrom(
  result: PruneLayersResult,
  index: number,
  layerName: string,
  deps: AwsDeps,
): PruneLayersResult {
  deps.logger.info(
    `Unused versions of the dependencies layer stay: this role may not delete them (the preview role, ` +
      `whose pull requests must not reach the versions production's functions attach); prune with the production role removes those of ${layerName} no function uses. ` +
      // The reusable workflow's nightly prune: with no production branch as default, never the production role.
      `Make the default branch a production branch (list it in protected-stages and in setup's --protected-stages) ` +
      `for the nightly prune to run with the production role, or they stay for good.`,
  );
  return { deleted: result.deleted.slice(0, index), kept: [...result.kept, ...result.deleted.slice(index)] };
}
