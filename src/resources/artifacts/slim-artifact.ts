/** Uploads a slim package's dependencies archive (where it lives: src/model/slim-location.ts). */
import { statSync } from 'node:fs';
import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { slimArchiveKey, type SlimKind } from '../../model/slim-location.js';
import type { SlimPackage } from '../../packaging/slim-package.js';
import { callAws, type AwsDeps } from '../../aws/aws-call.js';
import { publishArtifact } from './artifact-bucket.js';
import { errorMessage } from '../../util/retry.js';

/**
 * A reused archive older than this is rewritten first (its LastModified made
 * now): prune deletes an archive no function version names once it is 24
 * hours old (SLIM_ARCHIVE_MIN_AGE_MS), and a new stage's function, which
 * would name it, may not exist yet. Well inside those 24 hours, so a deploy
 * that takes long still publishes its version before prune may judge it.
 */
export const SLIM_ARCHIVE_REFRESH_MS = 12 * 60 * 60 * 1000;

/** S3's limit for one CopyObject. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;

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
  /** A reused archive was copied onto itself to reset its age. */
  refreshed?: boolean;
}

/**
 * Uploads the archive unless S3's own SHA-256 checksum of the object under its
 * key already equals ours (see uploadArtifact): then nothing is sent. The key
 * never expires, so an intact archive is never uploaded again for its age;
 * one older than SLIM_ARCHIVE_REFRESH_MS is refreshed in place instead.
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
  const ageMs = (deps.now?.() ?? new Date()).getTime() - (result.lastModified?.getTime() ?? Infinity);
  const refreshed =
    !result.uploaded &&
    ageMs >= SLIM_ARCHIVE_REFRESH_MS &&
    (await refreshSlimArchive(s3, { ...input, bucket: result.bucket, key }, ageMs, deps));
  return {
    bucket: result.bucket,
    key: result.key,
    uploaded: result.uploaded,
    bytes: result.bytes,
    refreshed,
  };
}

/**
 * Copies the archive onto itself, which gives it a new LastModified. S3
 * refuses a self-copy that changes nothing, so the metadata is REPLACEd (with
 * what the upload wrote); S3 stores the whole file's SHA-256, which
 * uploadArtifact accepts as well as the multipart upload's composite one.
 */
async function refreshSlimArchive(
  s3: S3Client,
  input: SlimUploadInput & { bucket: string; key: string },
  ageMs: number,
  deps: AwsDeps,
): Promise<boolean> {
  const where = `s3://${input.bucket}/${input.key}`;
  // The archive is there and intact: a refresh that cannot happen costs only prune's age margin, never the deploy.
  const risk =
    "a prune running before this stage's function names it could delete it; if cold starts then fail, deploy again (it uploads the archive again)";
  if (statSync(input.slim.archivePath).size > MAX_COPY_BYTES) {
    deps.logger.warning(
      `Slim archive ${where} was last written ${Math.floor(ageMs / 3_600_000)} hours ago and is too large for S3 to copy onto itself (over 5 GB): ${risk}.`,
    );
    return false;
  }
  deps.logger.info(
    `Slim archive ${where} was last written ${Math.floor(ageMs / 3_600_000)} hours ago; copying it onto itself so prune keeps it`,
  );
  return callAws(
    deps,
    { what: `refresh ${where}`, permission: 's3:GetObject and s3:PutObject', attempts: 3 },
    () =>
      s3.send(
        new CopyObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          CopySource: `${input.bucket}/${input.key}`,
          ExpectedBucketOwner: input.accountId,
          ExpectedSourceBucketOwner: input.accountId,
          MetadataDirective: 'REPLACE',
          ContentType: 'application/gzip',
          Metadata: {
            sha256: input.slim.sha256Hex,
            'code-sha256': Buffer.from(input.slim.sha256Hex, 'hex').toString('base64'),
          },
          ChecksumAlgorithm: 'SHA256',
        }),
      ),
  ).then(
    () => true,
    (error: unknown) => {
      deps.logger.warning(`Could not refresh slim archive ${where}: ${errorMessage(error)}; ${risk}.`);
      return false;
    },
  );
}
