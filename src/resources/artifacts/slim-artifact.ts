/** Uploads a slim package's dependencies archive (where it lives: src/model/slim-location.ts). */
import type { S3Client } from '@aws-sdk/client-s3';
import { slimArchiveKey, type SlimKind } from '../../model/slim-location.js';
import type { SlimPackage } from '../../packaging/slim-package.js';
import type { AwsDeps } from '../../aws/aws-call.js';
import { publishArtifact } from './artifact-bucket.js';

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
