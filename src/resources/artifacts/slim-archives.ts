/**
 * The project's slim dependencies archives in the artifact bucket (where they
 * live: src/model/slim-location.ts): which exist, which a function version
 * names, and their deletion. What may go is decided in src/pipelines/prune.ts.
 */
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { allPages } from '../../aws/all-pages.js';
import { callAws, hasErrorName, NOT_FOUND, type RetryDeps } from '../../aws/aws-call.js';
import { SLIM_PREFIX, SlimEnv } from '../../model/slim-location.js';
import { allVersions } from '../function/function-versions.js';
import type { SlimArchiveObject } from '../../model/outcome.js';

export type { SlimArchiveObject };

/** `lambda-deploy-slim/{project}/`: every kind's folder of this project, and nothing else. */
export function projectSlimPrefix(project: string): string {
  return `${SLIM_PREFIX}${project}/`;
}

/** Only a key lambda-deploy itself writes for this project: `{prefix}{production|preview}/{sha256-hex}.tar.gz`. */
export function isProjectSlimKey(project: string, key: string): boolean {
  const rest = key.startsWith(projectSlimPrefix(project)) ? key.slice(projectSlimPrefix(project).length) : '';
  return /^(production|preview)\/[0-9a-f]{64}\.tar\.gz$/.test(rest);
}

/** The archives under the project's prefix; none when the bucket is not there. */
export async function listSlimArchives(
  s3: S3Client,
  input: { bucket: string; accountId: string; project: string },
  deps: RetryDeps,
): Promise<SlimArchiveObject[]> {
  const prefix = projectSlimPrefix(input.project);
  try {
    const objects = await allPages(
      (token) =>
        callAws(
          deps,
          {
            what: `list s3://${input.bucket}/${prefix}`,
            permission: 's3:ListBucket',
            passThrough: (e) => hasErrorName(e, 'NoSuchBucket'),
          },
          () =>
            s3.send(
              new ListObjectsV2Command({
                Bucket: input.bucket,
                Prefix: prefix,
                ContinuationToken: token,
                ExpectedBucketOwner: input.accountId,
              }),
            ),
        ),
      (page) => page.Contents,
      (page) => page.NextContinuationToken,
    );
    return objects.flatMap((o) =>
      o.Key && isProjectSlimKey(input.project, o.Key)
        ? [{ key: o.Key, bytes: o.Size ?? 0, lastModified: o.LastModified }]
        : [],
    );
  } catch (error) {
    if (hasErrorName(error, 'NoSuchBucket')) return [];
    throw error;
  }
}

/**
 * The archive keys the function's published versions and $LATEST name in
 * their environment. A function deleted meanwhile names none; any other
 * failure (AccessDenied, throttling past the retries) throws.
 */
export async function slimKeysNamedBy(
  lambda: LambdaClient,
  functionName: string,
  deps: RetryDeps,
): Promise<string[]> {
  try {
    const versions = await allVersions(lambda, functionName, deps, (e) => hasErrorName(e, ...NOT_FOUND));
    return versions.flatMap((v) => {
      const key = v.Environment?.Variables?.[SlimEnv.Key];
      return key ? [key] : [];
    });
  } catch (error) {
    if (hasErrorName(error, ...NOT_FOUND)) return [];
    throw error;
  }
}

export async function deleteSlimArchive(
  s3: S3Client,
  input: { bucket: string; accountId: string; key: string },
  deps: RetryDeps,
): Promise<void> {
  await callAws(
    deps,
    { what: `delete s3://${input.bucket}/${input.key}`, permission: 's3:DeleteObject' },
    () =>
      s3.send(
        new DeleteObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          ExpectedBucketOwner: input.accountId,
        }),
      ),
  );
}
