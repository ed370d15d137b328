/**
 * Slim packages' dependencies archives in IAM: each execution role reads its
 * own kind's folder (granted by setup up front, so no deploy writes IAM for
 * it), the production role's boundary allows that, and a preview deploy can
 * write only the previews' folder: a pull request can neither read nor
 * replace the archive a production cold start fetches.
 */
import { describe, expect, it } from '@jest/globals';
import { executionPolicy } from '../../src/resources/execution-role/execution-role.js';
import { slimArchiveKey } from '../../src/model/slim-location.js';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { executionRolePolicy } from '../../src/resources/execution-role/execution-policy.js';
import { isAllowed } from '../support/policy-check.js';
import { setupDocuments } from '../../src/setup/setup-documents.js';

const ACCOUNT = '123456789012';
const BUCKET = `lambda-deploy-${ACCOUNT}-eu-west-1`;
const object = (key: string, bucket = BUCKET) => `arn:aws:s3:::${bucket}/${key}`;
const SHA = 'ab'.repeat(32);
const production = object(slimArchiveKey('shop', 'production', SHA));
const preview = object(slimArchiveKey('shop', 'preview', SHA));

describe('execution roles read their own kind of slim archive', () => {
  const docs = setupDocuments({
    project: 'shop',
    region: 'eu-west-1',
    accountId: ACCOUNT,
    repository: 'octo/shop',
  });

  it('production: its folder only, and its boundary allows it', () => {
    const role = docs.executionRoles.production.policy;
    expect(isAllowed(role, 's3:GetObject', production)).toBe(true);
    expect(isAllowed(docs.boundary.document, 's3:GetObject', production)).toBe(true);
    expect(isAllowed(role, 's3:GetObject', preview)).toBe(false);
    expect(isAllowed(role, 's3:PutObject', production)).toBe(false);
    expect(isAllowed(role, 's3:GetObject', object(`lambda-deploy/shop/${SHA}.zip`))).toBe(false);
    expect(isAllowed(role, 's3:GetObject', object(slimArchiveKey('other', 'production', SHA)))).toBe(false);
  });

  it('preview: its folder only', () => {
    const role = docs.executionRoles.preview.policy;
    expect(isAllowed(role, 's3:GetObject', preview)).toBe(true);
    expect(isAllowed(role, 's3:GetObject', production)).toBe(false);
  });

  it('the bucket given to setup is the one granted', () => {
    const own = setupDocuments({
      project: 'shop',
      region: 'eu-west-1',
      accountId: ACCOUNT,
      repository: 'octo/shop',
      bucket: 'my-artifacts',
    });
    const key = slimArchiveKey('shop', 'preview', SHA);
    expect(isAllowed(own.executionRoles.preview.policy, 's3:GetObject', object(key, 'my-artifacts'))).toBe(
      true,
    );
    expect(isAllowed(own.executionRoles.preview.policy, 's3:GetObject', object(key))).toBe(false);
  });

  it('a production deploy wants the very document setup wrote, so it rewrites nothing', () => {
    expect(JSON.parse(executionPolicy('shop', ACCOUNT, [], 'aws', BUCKET))).toEqual(
      docs.executionRoles.production.policy,
    );
    expect(executionRolePolicy('shop', ACCOUNT, [], { bucket: BUCKET, kind: 'production' })).toEqual(
      docs.executionRoles.production.policy,
    );
  });
});

describe('deploy roles write slim archives', () => {
  const base = {
    project: 'shop',
    region: 'eu-west-1',
    accountId: ACCOUNT,
    managesExecutionRole: true,
  } as const;

  it('production: both folders (a single-role setup deploys previews with it too)', () => {
    const doc = deployRolePolicy({ ...base, gateway: 'all', role: 'production' });
    for (const key of [production, preview])
      for (const action of ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'])
        expect([action, key, isAllowed(doc, action, key)]).toEqual([action, key, true]);
  });

  it('preview: the previews folder only, never production’s', () => {
    const doc = deployRolePolicy({ ...base, gateway: 'all', role: 'preview' });
    expect(isAllowed(doc, 's3:PutObject', preview)).toBe(true);
    expect(isAllowed(doc, 's3:PutObject', production)).toBe(false);
    expect(isAllowed(doc, 's3:GetObject', production)).toBe(false);
    expect(isAllowed(doc, 's3:PutObject', object(slimArchiveKey('other', 'preview', SHA)))).toBe(false);
  });
});
