import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ensureExecutionRole,
  POLICY_NAME,
  statementsOutsideBoundary,
} from '../../../src/resources/execution-role/execution-role.js';
import { boundaryPolicyName } from '../../../src/resources/execution-role/execution-policy.js';
import { stageTags, TagKeys } from '../../../src/model/tags.js';
import { ACCOUNT_ID, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { depsFor } from '../../fake-aws/helpers.js';

const tags = (stage: string) => stageTags({ project: 'shop', stage, repository: 'octo/app', ref: stage });
const production = (stage = 'main') => ({
  project: 'shop',
  accountId: ACCOUNT_ID,
  region: 'eu-west-1',
  tags: tags(stage),
});
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/shop-lambda-deploy`;

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS, its IAM client, and how to read the role it holds. */
async function setup() {
  aws = await startFakeAws();
  const fake = aws;
  const iam = fake.clients().iam;
  const role = (name = 'shop-lambda-deploy') => fake.account.roles.get(name);
  /** The inline policy as the code wrote it (IAM keeps the document as sent). */
  const policy = (name = 'shop-lambda-deploy') => role(name)!.inlinePolicies.get(POLICY_NAME)!;
  return { fake, iam, role, policy };
}

describe('ensureExecutionRole', () => {
  it('a given execution-role-arn is used as is, with no IAM call', async () => {
    const { fake, iam } = await setup();
    const result = await ensureExecutionRole(
      iam,
      { ...production(), executionRoleArn: 'arn:aws:iam::1:role/mine' },
      depsFor(fake),
    );
    expect(result).toEqual({ roleArn: 'arn:aws:iam::1:role/mine', created: false });
    expect(fake.calls.calls).toHaveLength(0);
  });

  it('creates a minimal role once per project, tagged with the project only, and reuses it with one GetRole', async () => {
    const { fake, iam, role, policy } = await setup();
    const first = await ensureExecutionRole(iam, production(), depsFor(fake));
    expect(first).toEqual({ roleArn: ROLE_ARN, created: true });
    expect(JSON.parse(role()!.AssumeRolePolicyDocument)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(fake.calls.of({ operation: 'CreateRole' })[0]!.input).toMatchObject({
      Tags: [{ Key: TagKeys.Name, Value: 'shop' }],
    });
    expect(Object.keys(role()!.Tags).sort()).toEqual(['lambda-deploy:name', 'lambda-deploy:policy']);
    const document = JSON.parse(policy()) as { Statement: { Resource: string[] }[] };
    expect(document.Statement.flatMap((s) => s.Resource)).toEqual([
      `arn:aws:logs:*:${ACCOUNT_ID}:log-group:/aws/lambda/shop-*`,
      `arn:aws:logs:*:${ACCOUNT_ID}:log-group:/aws/lambda/shop-*:*`,
    ]);

    fake.calls.clear();
    const other = await ensureExecutionRole(iam, production('pr-7'), depsFor(fake));
    expect(other).toEqual({ roleArn: first.roleArn, created: false });
    expect(fake.calls.counts()).toEqual({ 'iam:GetRole': 1 });
  });

  it('new policy-statements: compares with GetRolePolicy and writes once', async () => {
    const { fake, iam, policy } = await setup();
    await ensureExecutionRole(iam, production(), depsFor(fake));
    const extra = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }];
    fake.calls.clear();
    await ensureExecutionRole(iam, { ...production(), policyStatements: extra }, depsFor(fake));
    expect(fake.calls.operations('iam')).toEqual(['GetRole', 'GetRolePolicy', 'PutRolePolicy', 'TagRole']);
    expect((JSON.parse(policy()) as { Statement: object[] }).Statement).toContainEqual(extra[0]);

    fake.calls.clear();
    await ensureExecutionRole(iam, { ...production(), policyStatements: extra }, depsFor(fake));
    expect(fake.calls.counts()).toEqual({ 'iam:GetRole': 1 });
  });

  it('a role whose hash tag was lost but whose policy is right is not rewritten', async () => {
    const { fake, iam, role } = await setup();
    const extra = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }];
    const input = { ...production(), policyStatements: extra };
    await ensureExecutionRole(iam, input, depsFor(fake));
    delete role()!.Tags['lambda-deploy:policy'];
    fake.calls.clear();
    await ensureExecutionRole(iam, input, depsFor(fake));
    expect(fake.calls.counts()['iam:GetRolePolicy']).toBe(1);
    expect(fake.calls.counts()['iam:PutRolePolicy']).toBeUndefined();
  });

  describe('policy-statements and the permissions boundary (a function gets only what both allow)', () => {
    const orders = { Sid: 'Orders', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' };
    const queue = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' };
    const BOUNDARY = `arn:aws:iam::${ACCOUNT_ID}:policy/${boundaryPolicyName('shop')}`;
    const deploy = async (fake: FakeAws, statements: object[], surface?: 'terminal') => {
      const deps = { ...depsFor(fake), ...(surface && { surface }) };
      await ensureExecutionRole(
        fake.clients().iam,
        { ...production(), policyStatements: statements, permissionsBoundary: BOUNDARY },
        deps,
      );
      return deps.logger.text('warning');
    };

    it('statements setup put in the boundary too: no warning; one added in the workflow only: named, and written anyway', async () => {
      const { fake, policy } = await setup();
      fake.seed.setup('shop', { policyStatements: [orders] });
      expect(await deploy(fake, [orders])).toBe('');
      expect(await deploy(fake, [orders, queue])).toBe(
        'policy-statements: statement 2 is not covered by the permissions boundary shop-lambda-deploy-boundary: a function gets only what both allow, ' +
          'so the actions and resources the boundary does not allow are not granted. Run "npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo/app --policy-statements FILE" ' +
          'with the same statements (administrator credentials).',
      );
      expect(policy()).toContain('sqs:SendMessage');
      expect(fake.calls.operations('iam')).toContain('GetPolicyVersion');
    });

    it('a boundary that cannot be read: a warning that says so, and the deploy goes on', async () => {
      const { fake, policy } = await setup();
      fake.seed.setup('shop', { policyStatements: [orders] });
      fake.faults.deny('GetPolicyVersion');
      const warning = await deploy(fake, [queue]);
      expect(warning).toMatch(
        /^policy-statements were not compared with the permissions boundary \(a statement it lacks grants nothing\): Could not read the permissions boundary shop-lambda-deploy-boundary: AccessDenied: .*\. The deploy role needs iam:GetPolicyVersion on shop-lambda-deploy-boundary\. /,
      );
      // What to do: deploy roles set up before the comparison existed lack the read; setup adds it.
      expect(warning).toMatch(
        /\. Deploy roles set up before this check lack that read: run "npx github:org\/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo\/app" again \(administrator credentials\); it adds ReadTheBoundary to the production deploy role\. The statements were written; IAM grants only what the boundary also allows\.$/,
      );
      expect(policy()).toContain('sqs:SendMessage');
    });

    it('from a terminal, both warnings name --policy-statements', async () => {
      const { fake } = await setup();
      fake.seed.setup('shop', { policyStatements: [orders] });
      expect(await deploy(fake, [orders, queue], 'terminal')).toMatch(
        /^--policy-statements: statement 2 is not covered by the permissions boundary/,
      );
      fake.faults.deny('GetPolicyVersion');
      expect(await deploy(fake, [queue], 'terminal')).toMatch(
        /^The statements of --policy-statements were not compared with the permissions boundary/,
      );
    });

    it('compares statements whatever the order of their keys; names each missing one by position and Sid', () => {
      const boundary = {
        Statement: [{ Resource: '*', Action: 'dynamodb:GetItem', Effect: 'Allow', Sid: 'Orders' }],
      };
      expect(statementsOutsideBoundary([orders], boundary)).toEqual([]);
      expect(
        statementsOutsideBoundary(
          [queue, { ...orders, Action: ['dynamodb:GetItem', 'dynamodb:PutItem'] }],
          boundary,
        ),
      ).toEqual(['1', '2 (Orders)']);
      // Narrower than a boundary statement: covered.
      expect(
        statementsOutsideBoundary([{ ...orders, Resource: 'arn:aws:dynamodb:*:*:table/x' }], boundary),
      ).toEqual([]);
      // One statement not in a list, and no boundary at all.
      expect(statementsOutsideBoundary([orders], { Statement: boundary.Statement[0] })).toEqual([]);
      expect(statementsOutsideBoundary([orders], undefined)).toEqual(['1 (Orders)']);
    });
  });

  it('without policy-statements a production run keeps the policy setup wrote', async () => {
    const { fake, iam, policy } = await setup();
    const extra = [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }];
    await ensureExecutionRole(iam, { ...production(), policyStatements: extra }, depsFor(fake));
    fake.calls.clear();
    await ensureExecutionRole(iam, production(), depsFor(fake));
    expect(fake.calls.counts()).toEqual({ 'iam:GetRole': 1 });
    expect(policy()).toContain('dynamodb:GetItem');
  });

  it('creates the production role with the permissions boundary setup made', async () => {
    const { fake, iam, role } = await setup();
    const { boundary } = fake.seed.setup('shop');
    expect(boundary.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:policy/${boundaryPolicyName('shop')}`);
    await ensureExecutionRole(iam, { ...production(), permissionsBoundary: boundary.Arn }, depsFor(fake));
    expect(role()!.PermissionsBoundary).toBe(boundary.Arn);
  });

  it('a permissions boundary that does not exist (setup never ran): the error names it and says to run setup', async () => {
    const { fake, iam, role } = await setup();
    const missing = `arn:aws:iam::${ACCOUNT_ID}:policy/${boundaryPolicyName('shop')}`;
    const attempt = ensureExecutionRole(
      iam,
      { ...production(), permissionsBoundary: missing },
      depsFor(fake),
    );
    await expect(attempt).rejects.toThrow(
      /Could not create IAM role shop-lambda-deploy: .*shop-lambda-deploy-boundary does not exist/,
    );
    // A first deploy before `setup`: what to do, not only IAM's words.
    await expect(attempt).rejects.toThrow(
      /run "npx github:org\/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo\/app" once with administrator credentials, or set execution-role-arn/,
    );
    expect(fake.calls.of({ operation: 'CreateRole' })[0]).toMatchObject({
      status: 404,
      error: 'NoSuchEntity',
    });
    expect(role()).toBeUndefined();
  });

  it('the same advice when IAM names the missing boundary under another error code', async () => {
    const { fake, iam } = await setup();
    const missing = `arn:aws:iam::${ACCOUNT_ID}:policy/${boundaryPolicyName('shop')}`;
    // IAM answers NoSuchEntity (as the fake does); the words, not the code, say what is missing.
    fake.faults.fail('CreateRole', 'InvalidInput', {
      times: 1,
      message: `Scope ARN: ${missing} does not exist or is not attachable.`,
    });
    await expect(
      ensureExecutionRole(iam, { ...production(), permissionsBoundary: missing }, depsFor(fake)),
    ).rejects.toThrow(
      /run "npx github:org\/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo\/app" once /,
    );
  });

  describe('a preview run', () => {
    const preview = { ...production('pr-7'), kind: 'preview' as const };

    it('without that role and without a repository (a CLI deploy outside git): the placeholder to fill in', async () => {
      const { fake, iam } = await setup();
      const untagged = { ...preview, tags: { ...preview.tags, [TagKeys.Repository]: '' } };
      await expect(ensureExecutionRole(iam, untagged, depsFor(fake))).rejects.toThrow(
        'setup --name shop --aws-region eu-west-1 --repository OWNER/REPO"',
      );
    });

    it("without that role: the setup command with the deploy's own flags (protected-stages, s3-bucket)", async () => {
      const { fake, iam } = await setup();
      const setupFlags = {
        protectedStages: ['main', 'release'],
        protectedBranches: ['main', 'release'],
        s3Bucket: 'acme-artifacts',
      };
      await expect(
        ensureExecutionRole(iam, { ...preview, setup: setupFlags }, depsFor(fake)),
      ).rejects.toThrow(
        '"npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo/app ' +
          '--protected-branches main,release --protected-stages main,release --s3-bucket acme-artifacts" once',
      );
    });

    it('only reads the preview role setup made: one GetRole, no IAM write', async () => {
      const { fake, iam } = await setup();
      fake.seed.setup('shop');
      const result = await ensureExecutionRole(iam, preview, depsFor(fake));
      expect(result).toEqual({
        roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/shop-lambda-deploy-preview`,
        created: false,
      });
      expect(fake.calls.counts()).toEqual({ 'iam:GetRole': 1 });
    });

    it('without that role, says to run setup and creates nothing', async () => {
      const { fake, iam } = await setup();
      await expect(ensureExecutionRole(iam, preview, depsFor(fake))).rejects.toThrow(
        /preview execution role shop-lambda-deploy-preview does not exist.*never creates IAM roles.*npx github:org\/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo\/app"/,
      );
      expect(fake.account.roles.size).toBe(0);
      expect(fake.calls.writes()).toEqual([]);
    });

    it('refuses policy-statements, naming where they belong', async () => {
      const { fake, iam } = await setup();
      await expect(
        ensureExecutionRole(
          iam,
          { ...preview, policyStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
          depsFor(fake),
        ),
      ).rejects.toThrow(
        'policy-statements: a preview run never changes IAM; put the statements in "npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo/app --policy-statements FILE"',
      );
      expect(fake.calls.calls).toHaveLength(0);
    });
  });

  it('refuses a same-named role that lambda-deploy did not create', async () => {
    const { fake, iam } = await setup();
    fake.seed.role('shop-lambda-deploy');
    await expect(ensureExecutionRole(iam, production(), depsFor(fake))).rejects.toThrow(
      /IAM role shop-lambda-deploy exists but was not created by lambda-deploy for shop.*set execution-role-arn/,
    );
    expect(fake.calls.writes()).toEqual([]);
  });

  it('a role created by a parallel job at the same moment is reused', async () => {
    const { fake, iam } = await setup();
    // The other job's role is there, but this job's GetRole came just before it was.
    fake.seed.role('shop-lambda-deploy', { tags: { [TagKeys.Name]: 'shop' }, justCreated: true });
    fake.faults.fail('GetRole', 'NoSuchEntity', {
      message: 'The role with name shop-lambda-deploy cannot be found.',
    });
    const result = await ensureExecutionRole(iam, production(), depsFor(fake));
    expect(result.roleArn).toBe(ROLE_ARN);
    expect(fake.account.roles.size).toBe(1);
    expect(fake.calls.calls.map((c) => [c.operation, c.status, c.error])).toEqual([
      ['GetRole', 404, 'NoSuchEntity'],
      ['CreateRole', 409, 'EntityAlreadyExists'],
      ['GetRole', 200, undefined],
      // The other job has not written its policy yet: this one writes it.
      ['GetRolePolicy', 404, 'NoSuchEntity'],
      ['PutRolePolicy', 200, undefined],
      ['TagRole', 200, undefined],
    ]);
  });

  it('AccessDenied on GetRole hints at execution-role-arn', async () => {
    const { fake, iam } = await setup();
    fake.faults.deny('GetRole', 1);
    await expect(ensureExecutionRole(iam, production(), depsFor(fake))).rejects.toThrow(
      /Could not read IAM role shop-lambda-deploy: .*\. The deploy role needs iam:GetRole \(or set execution-role-arn\)\./,
    );
    expect(fake.calls.of({ operation: 'GetRole' })[0]).toMatchObject({ status: 403, error: 'AccessDenied' });
  });

  it('in a workflow, a denied CreateRole and a missing preview role say set execution-role-arn', async () => {
    const { fake, iam } = await setup();
    fake.faults.deny('CreateRole', 1);
    await expect(ensureExecutionRole(iam, production(), depsFor(fake))).rejects.toThrow(
      /setup --name shop --aws-region eu-west-1 --repository octo\/app" once, or set execution-role-arn/,
    );
    await expect(
      ensureExecutionRole(iam, { ...production('pr-1'), kind: 'preview' }, depsFor(fake)),
    ).rejects.toThrow(/administrator credentials, or set execution-role-arn\.$/);
  });

  describe('from a terminal, the advice names --execution-role-arn, not the input', () => {
    const terminal = (fake: FakeAws) => ({ ...depsFor(fake), surface: 'terminal' as const });

    it('a same-named role lambda-deploy did not create', async () => {
      const { fake, iam } = await setup();
      fake.seed.role('shop-lambda-deploy');
      const refused = ensureExecutionRole(iam, production(), terminal(fake));
      await expect(refused).rejects.toThrow(
        /not created by lambda-deploy for shop.*\); pass --execution-role-arn ARN, or remove or rename that role\./,
      );
      await expect(refused).rejects.not.toThrow(/set execution-role-arn/);
    });

    it('AccessDenied on GetRole', async () => {
      const { fake, iam } = await setup();
      fake.faults.deny('GetRole', 1);
      const refused = ensureExecutionRole(iam, production(), terminal(fake));
      await expect(refused).rejects.toThrow(/iam:GetRole \(or pass --execution-role-arn ARN\)/);
    });

    it('AccessDenied on CreateRole', async () => {
      const { fake, iam } = await setup();
      fake.faults.deny('CreateRole', 1);
      const refused = ensureExecutionRole(iam, production(), terminal(fake));
      await expect(refused).rejects.toThrow(
        /setup --name shop --aws-region eu-west-1 --repository octo\/app" once, or pass --execution-role-arn ARN/,
      );
    });

    it('a preview role that setup has not made, and policy-statements on a preview', async () => {
      const { fake, iam } = await setup();
      const previewInput = { ...production('pr-1'), kind: 'preview' as const };
      await expect(ensureExecutionRole(iam, previewInput, terminal(fake))).rejects.toThrow(
        /administrator credentials, or pass --execution-role-arn ARN\.$/,
      );
      const statements = [{ Effect: 'Allow', Action: '*', Resource: '*' }];
      const refused = ensureExecutionRole(
        iam,
        { ...previewInput, policyStatements: statements },
        terminal(fake),
      );
      await expect(refused).rejects.toThrow(
        /^--policy-statements: a preview deploy never changes IAM; put the statements in "npx github:org\/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo\/app --policy-statements FILE"/,
      );
    });
  });

  it('IAM throttling (Throttling, HTTP 400) on every call is waited out with backoff', async () => {
    const { fake, iam, role } = await setup();
    for (const op of ['GetRole', 'CreateRole', 'PutRolePolicy', 'TagRole']) fake.faults.throttle(op, 2);
    const result = await ensureExecutionRole(iam, production(), depsFor(fake));
    expect(result).toEqual({ roleArn: ROLE_ARN, created: true });
    expect(role()!.Tags['lambda-deploy:policy']).toBeDefined();
    const throttled = fake.calls.calls.filter((c) => c.error === 'Throttling');
    expect(throttled.map((c) => [c.operation, c.status])).toEqual(
      [
        'GetRole',
        'GetRole',
        'CreateRole',
        'CreateRole',
        'PutRolePolicy',
        'PutRolePolicy',
        'TagRole',
        'TagRole',
      ].map((op) => [op, 400]),
    );
    expect(fake.clock.sleep.calls.length).toBeGreaterThanOrEqual(8);
  });
});
