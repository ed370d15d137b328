/**
 * The Lambda, EventBridge and Logs action patterns of the deploy policies (src/iam/policy-actions.ts) name exactly the
 * actions they stand for in AWS's own list (Service Authorization Reference data): a pattern that
 * took in another action would grant it.
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { matching, sarActions } from '../support/sar.js';

const PATTERNS: Record<string, string[]> = {
  'lambda:*FunctionUrlConfig': [
    'lambda:CreateFunctionUrlConfig',
    'lambda:DeleteFunctionUrlConfig',
    'lambda:GetFunctionUrlConfig',
    'lambda:UpdateFunctionUrlConfig',
  ],
  'lambda:*TagResource': ['lambda:TagResource', 'lambda:UntagResource'],
  'lambda:GetFunctionConf*': ['lambda:GetFunctionConfiguration'],
  'lambda:UpdateFunctionConf*': ['lambda:UpdateFunctionConfiguration'],
  'lambda:ListFunctionU*': ['lambda:ListFunctionUrlConfigs'],
  'events:ListTags*': ['events:ListTagsForResource'],
  'events:ListTargets*': ['events:ListTargetsByRule'],
  'logs:Filter*': ['logs:FilterLogEvents'],
  'lambda:PublishV*': ['lambda:PublishVersion'],
  'lambda:ListVersions*': ['lambda:ListVersionsByFunction'],
  'lambda:GetProv*': ['lambda:GetProvisionedConcurrencyConfig'],
  'lambda:PutProv*': ['lambda:PutProvisionedConcurrencyConfig'],
  'lambda:DeleteProv*': ['lambda:DeleteProvisionedConcurrencyConfig'],
};

describe('Lambda, EventBridge and Logs action patterns', () => {
  it.each(Object.entries(PATTERNS))('%s names %j and nothing else', async (pattern, actions) => {
    const found = matching(await sarActions(pattern.split(':')[0]!), pattern).map((a) => a.action);
    expect(found.sort()).toEqual([...actions].sort());
  });

  it('every pattern of the policies is one of these', () => {
    const doc = deployRolePolicy({
      project: 'shop',
      region: 'eu-west-1',
      accountId: '123456789012',
      managesExecutionRole: true,
      gateway: 'all',
      keepWarm: true,
      layers: true,
      provisionedConcurrency: true,
    });
    const patterns = doc.Statement.flatMap((s) => [s.Action ?? []].flat()).filter(
      (a) => /^(lambda|events|logs):/.test(a) && a.includes('*'),
    );
    expect([...new Set(patterns)].sort()).toEqual(Object.keys(PATTERNS).sort());
  });
});

describe('the condition keys of create-only uploads', () => {
  it("are s3:PutObject's in AWS's list", async () => {
    const put = (await sarActions('s3')).find((a) => a.action === 's3:PutObject')!;
    const keys = [...put.conditionKeys, ...put.resourceTypes.flatMap((r) => r.conditionKeys)];
    expect(keys).toEqual(expect.arrayContaining(['s3:if-none-match', 's3:ObjectCreationOperation']));
  });
});
