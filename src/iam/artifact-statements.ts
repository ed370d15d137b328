/** The artifact bucket's statements: the bucket, the project's packages and slim archives, and the preview role's create-only rule. */
import type { PolicyStatement } from '../model/policy-document.js';
import { SLIM_PREFIX, slimArchivePrefix } from '../model/slim-location.js';
import { ARTIFACT_PREFIX, defaultBucketName } from '../resources/artifacts/artifact-bucket.js';
import type { DeployPolicyOptions } from './deploy-policy-options.js';
import {
  BUCKET_READ_ACTIONS,
  BUCKET_SETUP_ACTIONS,
  DEFAULT_BUCKET_READ_ACTIONS,
  OBJECT_ACTIONS,
} from './policy-actions.js';

/**
 * The preview role may only create objects in the project's artifact folder, never overwrite one:
 * packages are content-addressed and reproducible, so a pull request's job could predict the key a
 * production deploy uploads and write its own bytes there between that upload and Lambda's read.
 * S3 ("Enforce conditional writes on Amazon S3 buckets"): PutObject and CompleteMultipartUpload
 * (both s3:PutObject) take `If-None-Match: *`, seen as s3:if-none-match; CreateMultipartUpload and
 * UploadPart (s3:PutObject too) take no conditional header, and s3:ObjectCreationOperation is false
 * for them, so they stay allowed. A copy into the folder (CopyObject) is denied with it. The role has
 * no s3:DeleteObject there (delete, then create). Every bucket (a Deny may be wider): the role writes
 * only to its own. Its slim archives' folder is its own and refreshed by copies: not create-only.
 */
export function createOnlyArtifacts(project: string, p: string): PolicyStatement {
  return {
    Sid: 'CreateOnly',
    Effect: 'Deny',
    Action: 's3:PutObject',
    Resource: `arn:${p}:s3:::*/${ARTIFACT_PREFIX}${project}/*`,
    Condition: { Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
  };
}

export function artifactStatements(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  const bucket = options.bucket ?? defaultBucketName(options.accountId, options.region);
  // Only production may set the default bucket up; `setup` makes it before any preview runs.
  const setsUp = !options.bucket && options.role !== 'preview';
  return [
    {
      Sid: 'ArtifactBucket',
      Effect: 'Allow',
      Action: options.bucket
        ? BUCKET_READ_ACTIONS
        : setsUp
          ? [...BUCKET_READ_ACTIONS, ...BUCKET_SETUP_ACTIONS]
          : DEFAULT_BUCKET_READ_ACTIONS,
      Resource: `arn:${p}:s3:::${bucket}`,
    },
    {
      // With the slim packages' dependencies archives: a preview job writes only the previews' folder.
      Sid: 'Artifacts',
      Effect: 'Allow',
      Action: OBJECT_ACTIONS,
      Resource: [
        `arn:${p}:s3:::${bucket}/lambda-deploy/${options.project}/*`,
        `arn:${p}:s3:::${bucket}/${
          options.role === 'preview'
            ? slimArchivePrefix(options.project, 'preview')
            : `${SLIM_PREFIX}${options.project}/`
        }*`,
      ],
    },
    // Prune (run with the production role) deletes the slim archives no function version names any more.
    // Not the preview role: a pull request's job has no reason to delete one, and deleting one a
    // kept version still needs would fail its cold starts.
    ...(options.role === 'preview'
      ? []
      : [
          {
            Sid: 'PruneSlimArchives',
            Effect: 'Allow' as const,
            Action: 's3:DeleteObject',
            Resource: `arn:${p}:s3:::${bucket}/${SLIM_PREFIX}${options.project}/*`,
          },
        ]),
  ];
}
