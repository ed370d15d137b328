import { describe, expect, it } from '@jest/globals';
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import 'aws-sdk-client-mock-jest';
import { ensureExecutionRole, POLICY_NAME } from '../../../src/resources/execution-role/execution-role.js';
import { stageTags, TagKeys } from '../../../src/model/tags.js';
import { FakeAws } from '../../support/fake-aws.js';
import { testDeps } from '../../support/aws-deploy-sequence.js';

const ACCOUNT = '123456789012';
const tags = (stage: string) => stageTags({ project: 'shop', stage, repository: 'octo/app', ref: stage });

describe('ensureExecutionRole', () => {
  it('a given execution-role-arn is used as is, with no IAM call', async () => {
    const fake = new FakeAws();
    const result = await ensureExecutionRole(
      fake.iam,
      {
        project: 'shop',
        executionRoleArn: 'arn:aws:iam::1:role/mine',
        accountId: ACCOUNT,
        tags: tags('main'),
      },
      testDeps(),
    );
    expect(result).toEqual({ roleArn: 'arn:aws:iam::1:role/mine', created: false });
    expect(fake.calls).toHaveLength(0);
  });

  it('creates a minimal role once per project, tagged with the project only, and reuses it with one GetRole', async () => {
    const fake = new FakeAws();
    const first = await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main') },
      testDeps(),
    );
    expect(first).toEqual({ roleArn: `arn:aws:iam::${ACCOUNT}:role/shop-lambda-deploy`, created: true });
    const role = fake.roles.get('shop-lambda-deploy')!;
    expect(JSON.parse(role.trust)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(fake.iamMock).toHaveReceivedCommandWith(CreateRoleCommand, {
      Tags: [{ Key: TagKeys.Name, Value: 'shop' }],
    });
    expect(Object.keys(role.tags).sort()).toEqual(['lambda-deploy:name', 'lambda-deploy:policy']);
    const policy = JSON.parse(role.policies.get(POLICY_NAME)!) as { Statement: { Resource: string[] }[] };
    expect(policy.Statement.flatMap((s) => s.Resource)).toEqual([
      `arn:aws:logs:*:${ACCOUNT}:log-group:/aws/lambda/shop-*`,
      `arn:aws:logs:*:${ACCOUNT}:log-group:/aws/lambda/shop-*:*`,
    ]);

    fake.resetCalls();
    const other = await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('pr-7') },
      testDeps(),
    );
    expect(other).toEqual({ roleArn: first.roleArn, created: false });
    expect(fake.counts()).toEqual({ GetRole: 1 });
  });

  it('new policy-statements: compares with GetRolePolicy and writes once', async () => {
    const fake = new FakeAws();
    await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main') },
      testDeps(),
    );
    const extra = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }];
    fake.resetCalls();
    await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main'), policyStatements: extra },
      testDeps(),
    );
    expect(fake.iamMock).toHaveReceivedCommandTimes(GetRolePolicyCommand, 1);
    expect(fake.iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    const policy = JSON.parse(fake.roles.get('shop-lambda-deploy')!.policies.get(POLICY_NAME)!) as {
      Statement: object[];
    };
    expect(policy.Statement).toContainEqual(extra[0]);

    fake.resetCalls();
    await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main'), policyStatements: extra },
      testDeps(),
    );
    expect(fake.counts()).toEqual({ GetRole: 1 });
  });

  it('a role whose hash tag was lost but whose policy is right is not rewritten', async () => {
    const fake = new FakeAws();
    const extra = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }];
    const input = { project: 'shop', accountId: ACCOUNT, tags: tags('main'), policyStatements: extra };
    await ensureExecutionRole(fake.iam, input, testDeps());
    delete fake.roles.get('shop-lambda-deploy')!.tags['lambda-deploy:policy'];
    fake.resetCalls();
    await ensureExecutionRole(fake.iam, input, testDeps());
    expect(fake.iamMock).toHaveReceivedCommandTimes(GetRolePolicyCommand, 1);
    expect(fake.iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 0);
  });

  it('without policy-statements a production run keeps the policy setup wrote', async () => {
    const fake = new FakeAws();
    const extra = [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }];
    await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main'), policyStatements: extra },
      testDeps(),
    );
    fake.resetCalls();
    await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main') },
      testDeps(),
    );
    expect(fake.counts()).toEqual({ GetRole: 1 });
    expect(fake.roles.get('shop-lambda-deploy')!.policies.get(POLICY_NAME)).toContain('dynamodb:GetItem');
  });

  it('creates the production role with the permissions boundary setup made', async () => {
    const fake = new FakeAws();
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/shop-lambda-deploy-boundary`;
    await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main'), permissionsBoundary: boundary },
      testDeps(),
    );
    expect(fake.roles.get('shop-lambda-deploy')!.boundary).toBe(boundary);
  });

  describe('a preview run', () => {
    const preview = { project: 'shop', accountId: ACCOUNT, tags: tags('pr-7'), kind: 'preview' as const };

    it('only reads the preview role setup made: one GetRole, no IAM write', async () => {
      const fake = new FakeAws();
      fake.roles.set('shop-lambda-deploy-preview', {
        arn: `arn:aws:iam::${ACCOUNT}:role/shop-lambda-deploy-preview`,
        trust: '{}',
        tags: { [TagKeys.Name]: 'shop' },
        policies: new Map(),
        refusalsLeft: 0,
      });
      const result = await ensureExecutionRole(fake.iam, preview, testDeps());
      expect(result).toEqual({
        roleArn: `arn:aws:iam::${ACCOUNT}:role/shop-lambda-deploy-preview`,
        created: false,
      });
      expect(fake.counts()).toEqual({ GetRole: 1 });
    });

    it('without that role, says to run setup and creates nothing', async () => {
      const fake = new FakeAws();
      await expect(ensureExecutionRole(fake.iam, preview, testDeps())).rejects.toThrow(
        /preview execution role shop-lambda-deploy-preview does not exist.*never creates IAM roles.*lambda-deploy setup/,
      );
      expect(fake.roles.size).toBe(0);
      expect(fake.iamMock).toHaveReceivedCommandTimes(CreateRoleCommand, 0);
    });

    it('refuses policy-statements, naming where they belong', async () => {
      const fake = new FakeAws();
      await expect(
        ensureExecutionRole(
          fake.iam,
          { ...preview, policyStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
          testDeps(),
        ),
      ).rejects.toThrow(/policy-statements: a preview run never changes IAM.*setup --policy-statements/);
      expect(fake.calls).toHaveLength(0);
    });
  });

  it('refuses a same-named role that lambda-deploy did not create', async () => {
    const fake = new FakeAws();
    fake.roles.set('shop-lambda-deploy', {
      arn: `arn:aws:iam::${ACCOUNT}:role/shop-lambda-deploy`,
      trust: '{}',
      tags: {},
      policies: new Map(),
      refusalsLeft: 0,
    });
    await expect(
      ensureExecutionRole(fake.iam, { project: 'shop', accountId: ACCOUNT, tags: tags('main') }, testDeps()),
    ).rejects.toThrow(
      /IAM role shop-lambda-deploy exists but was not created by lambda-deploy for shop.*set execution-role-arn/,
    );
    expect(fake.iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 0);
  });

  it('a role created by a parallel job at the same moment is reused', async () => {
    const fake = new FakeAws();
    // GetRole saw nothing, then the other job's CreateRole won.
    fake.failOnce('GetRole', () => {
      void ensureExecutionRole(
        fake.iam,
        { project: 'shop', accountId: ACCOUNT, tags: tags('other') },
        testDeps(),
      );
      return Object.assign(new Error('The role with name shop-lambda-deploy cannot be found.'), {
        name: 'NoSuchEntityException',
      });
    });
    const result = await ensureExecutionRole(
      fake.iam,
      { project: 'shop', accountId: ACCOUNT, tags: tags('main') },
      testDeps(),
    );
    expect(result.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/shop-lambda-deploy`);
    expect(fake.roles.size).toBe(1);
    expect(fake.iamMock).toHaveReceivedCommandTimes(GetRoleCommand, 3);
  });

  it('AccessDenied on GetRole hints at execution-role-arn', async () => {
    const fake = new FakeAws();
    fake.failOnce(
      'GetRole',
      Object.assign(new Error('not authorized to perform: iam:GetRole'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(
      ensureExecutionRole(fake.iam, { project: 'shop', accountId: ACCOUNT, tags: tags('main') }, testDeps()),
    ).rejects.toThrow(
      /Could not read IAM role shop-lambda-deploy: .*needs the iam:GetRole \(or set execution-role-arn\) permission/,
    );
  });
});
