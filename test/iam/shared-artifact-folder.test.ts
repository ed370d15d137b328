/**
 * The function zips are content-addressed in one folder per project,
 * `lambda-deploy/{project}/{sha256}.zip`, for previews and production alike
 * (DESIGN.md, Resources): the preview role may write every key there, the one
 * a production deploy uploads and has Lambda read included. So the deploy
 * never trusts the object between its upload and Lambda's read: when Lambda
 * read other bytes it sends the package in the request
 * (test/resources/function/lambda-function.test.ts, "an object swapped under
 * its key"). This pins the precondition: if the policy one day keeps the
 * preview role from overwriting an object there (s3:if-none-match), this
 * test is the one to change.
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { isAllowed } from '../support/policy-check.js';

const ACCOUNT = '123456789012';
const key = `arn:aws:s3:::lambda-deploy-${ACCOUNT}-eu-west-1/lambda-deploy/shop/${'ab'.repeat(32)}.zip`;

describe('the artifact folder a production deploy has Lambda read from', () => {
  it('the preview role may write the very key of a production package', () => {
    const preview = deployRolePolicy({
      project: 'shop',
      region: 'eu-west-1',
      accountId: ACCOUNT,
      managesExecutionRole: true,
      gateway: 'all',
      role: 'preview',
    });
    expect(isAllowed(preview, 's3:PutObject', key)).toBe(true);
  });

  // Reads too (a proposal for src/iam: what production packaged, private dependencies or files
  // generated from secrets included, is open to a pull request's job, which may list the keys and
  // read the production job's log for them; slim archives are already kept apart by kind).
  it('the preview role may list the bucket, read a production package and download the dependencies layer', () => {
    const preview = deployRolePolicy({
      project: 'shop',
      region: 'eu-west-1',
      accountId: ACCOUNT,
      managesExecutionRole: true,
      gateway: 'all',
      role: 'preview',
      layers: true,
    });
    expect(isAllowed(preview, 's3:GetObject', key)).toBe(true);
    expect(isAllowed(preview, 's3:ListBucket', `arn:aws:s3:::lambda-deploy-${ACCOUNT}-eu-west-1`)).toBe(true);
    const layer = `arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:shop-deps:7`;
    expect(isAllowed(preview, 'lambda:GetLayerVersion', layer)).toBe(true);
  });
});
