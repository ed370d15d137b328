/**
 * Where a slim package's dependencies archive lives, and its upload.
 *
 * `s3://{bucket}/lambda-deploy-slim/{project}/{production|preview}/{sha256-hex}.tar.gz`:
 * - content-addressed like the zips, so stages and redeploys with the same
 *   requirements share one upload;
 * - outside `lambda-deploy/`, the prefix whose objects the default bucket's
 *   lifecycle rule expires after 30 days: Lambda keeps its own copy of a zip,
 *   but the function reads this archive at every cold start, so it must stay;
 * - one folder for production's functions and one for previews': the preview
 *   deploy role may write only the latter and a preview execution role read
 *   only the latter, so a pull request can neither replace the archive a
 *   production cold start fetches (it would fail its SHA-256 check: an outage)
 *   nor read production's. `lambda-deploy setup` grants each execution role
 *   s3:GetObject on its folder up front (src/iam/execution-policy.ts), so no
 *   deploy, and no preview job, ever writes IAM for it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SlimPackage } from '../packaging/slim-package.js';
import { publishArtifact } from './artifact-bucket.js';
import type { AwsDeps } from './aws-call.js';

export const SLIM_PREFIX = 'lambda-deploy-slim/';

export type SlimKind = 'production' | 'preview';

/** The environment variables the loader reads (runtime/python/_lambda_deploy_slim.py). */
export const SlimEnv = {
  Bucket: 'LAMBDA_DEPLOY_SLIM_BUCKET',
  Key: 'LAMBDA_DEPLOY_SLIM_KEY',
  Owner: 'LAMBDA_DEPLOY_SLIM_OWNER',
} as const;

/** A protected stage's functions run under the production execution role, the others under the preview one. */
export function slimKind(protectedStage: boolean): SlimKind {
  return protectedStage ? 'production' : 'preview';
}

/** `lambda-deploy-slim/{project}/{kind}/`: what an execution role of that kind may read. */
export function slimArchivePrefix(project: string, kind: SlimKind): string {
  return `${SLIM_PREFIX}${project}/${kind}/`;
}

export function slimArchiveKey(project: string, kind: SlimKind, sha256Hex: string): string {
  return `${slimArchivePrefix(project, kind)}${sha256Hex}.tar.gz`;
}

/** The function's variables naming the archive (the account that must own the bucket too, on AWS). */
export function slimEnvironment(location: {
  bucket: string;
  key: string;
  owner?: string;
}): Record<string, string> {
  return {
    [SlimEnv.Bucket]: location.bucket,
    [SlimEnv.Key]: location.key,
    ...(location.owner ? { [SlimEnv.Owner]: location.owner } : {}),
  };
}

export interface SlimUploadInput {
  /** `s3-bucket`; absent: the default bucket. */
  bucket?: string;
  region: string;
  accountId: string;
  project: string;
  kind: SlimKind;
  slim: Pick<SlimPackage, 'archivePath' | 'sha256Hex'>;
}

export interface SlimUploadResult {
  bucket: string;
  key: string;
  uploaded: boolean;
  bytes: number;
}

/**
 * Uploads the archive unless S3's own SHA-256 checksum of the object under its
 * key already equals ours (see uploadArtifact): then nothing is sent. The key
 * never expires, so an intact archive is never uploaded again for its age.
 */
export async function publishSlimArchive(
  s3: S3Client,
  input: SlimUploadInput,
  deps: AwsDeps,
): Promise<SlimUploadResult> {
  const key = slimArchiveKey(input.project, input.kind, input.slim.sha256Hex);
  const result = await publishArtifact(
    s3,
    {
      bucket: input.bucket,
      region: input.region,
      accountId: input.accountId,
      name: input.project,
      zipPath: input.slim.archivePath,
      sha256Hex: input.slim.sha256Hex,
      codeSha256: Buffer.from(input.slim.sha256Hex, 'hex').toString('base64'),
      key,
      contentType: 'application/gzip',
      refreshDays: Infinity,
    },
    deps,
  );
  return { bucket: result.bucket, key: result.key, uploaded: result.uploaded, bytes: result.bytes };
}
