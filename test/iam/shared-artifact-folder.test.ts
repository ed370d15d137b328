/**
 * The function zips are content-addressed in one folder per project,
 * `lambda-deploy/{project}/{sha256}.zip`, for previews and production alike
 * (DESIGN.md, Resources). The preview role may only create objects there:
 * a PutObject or CompleteMultipartUpload without `If-None-Match: *` is denied,
 * so a pull request's job cannot overwrite the key a production deploy
 * uploaded and has Lambda read. S3 authorizes CreateMultipartUpload,
 * UploadPart and CompleteMultipartUpload as s3:PutObject; the first two carry
 * no conditional header (s3:ObjectCreationOperation is false for them), so
 * they are exempt ("Enforce conditional writes on Amazon S3 buckets").
 * The deploy still checks the code Lambda read and sends the package in the
 * request when it differs (test/pipelines/deploy-swapped-artifact.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { isAllowed, requiredPermissions } from '../support/policy-check.js';

const ACCOUNT = '123456789012';
const bucket = `lambda-deploy-${ACCOUNT}-eu-west-1`;
const key = `lambda-deploy/shop/${'ab'.repeat(32)}.zip`;
const objectArn = `arn:aws:s3:::${bucket}/${key}`;
const scope = { region: 'eu-west-1', accountId: ACCOUNT };
const options = {
  project: 'shop',
  region: 'eu-west-1',
  accountId: ACCOUNT,
  managesExecutionRole: true,
  gateway: 'all',
} as const;
const preview = deployRolePolicy({ ...options, role: 'preview' });
const production = deployRolePolicy({ ...options, role: 'production' });

/** Whether the policy lets the S3 call through, with the condition keys S3 gives it. */
const allows = (document: typeof preview, command: string, input: Record<string, unknown>) =>
  requiredPermissions('s3', command, { Bucket: bucket, Key: key, ...input }, scope).every((need) =>
    isAllowed(document, need.action, need.resource, need.context),
  );

describe('the artifact folder a production deploy has Lambda read from', () => {
  it('the preview role may create the key of a package, single PUT or multipart', () => {
    expect(allows(preview, 'PutObjectCommand', { IfNoneMatch: '*' })).toBe(true);
    expect(allows(preview, 'CreateMultipartUploadCommand', {})).toBe(true);
    expect(allows(preview, 'UploadPartCommand', { UploadId: 'u', PartNumber: 1 })).toBe(true);
    expect(allows(preview, 'CompleteMultipartUploadCommand', { UploadId: 'u', IfNoneMatch: '*' })).toBe(true);
    expect(allows(preview, 'AbortMultipartUploadCommand', { UploadId: 'u' })).toBe(true);
  });

  it('the preview role may not overwrite one: a write without If-None-Match is denied', () => {
    expect(allows(preview, 'PutObjectCommand', {})).toBe(false);
    expect(allows(preview, 'CompleteMultipartUploadCommand', { UploadId: 'u' })).toBe(false);
    expect(allows(preview, 'CopyObjectCommand', { CopySource: `${bucket}/${key}` })).toBe(false);
  });

  it('nor delete one (delete, then create, would overwrite too)', () => {
    expect(isAllowed(preview, 's3:DeleteObject', objectArn)).toBe(false);
    expect(isAllowed(preview, 's3:DeleteObjectVersion', objectArn)).toBe(false);
  });

  it("the preview's own slim archives are not create-only (their refresh copies them onto themselves)", () => {
    const slim = `lambda-deploy-slim/shop/preview/${'cd'.repeat(32)}.tar.gz`;
    expect(allows(preview, 'PutObjectCommand', { Key: slim })).toBe(true);
  });

  it('the production role may overwrite an object that does not hold its package', () => {
    expect(allows(production, 'PutObjectCommand', {})).toBe(true);
    expect(allows(production, 'CompleteMultipartUploadCommand', { UploadId: 'u' })).toBe(true);
  });
});
