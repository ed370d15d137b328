import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { defaultBucketName } from '../../src/resources/artifacts/artifact-bucket.js';
import { POLICY_HASH_TAG } from '../../src/resources/execution-role/execution-role.js';
import { ensureExecutionRole } from '../../src/resources/execution-role/execution-role.js';
import { stageTags } from '../../src/model/tags.js';
import { cloudFormationTemplate } from '../../src/setup/cloudformation.js';
import { formatSetupReport, runSetup, setupDocumentsText } from '../../src/setup/setup-aws.js';
import { setupDocuments, type SetupConfig } from '../../src/setup/setup-documents.js';
import { testDeps } from '../support/aws-deploy-sequence.js';
import { ACCOUNT, FakeSetupAccount, REGION } from './fake-setup-account.js';

const config: SetupConfig = {
  project: 'shop',
  region: REGION,
  accountId: ACCOUNT,
  repository: 'octo/shop',
  ownerId: '1234567',
  repoId: '89012345',
  policyStatements: [
    { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:*:*:table/shop-*' },
  ],
};
const docs = setupDocuments(config);
const BUCKET = `lambda-deploy-${ACCOUNT}-${REGION}`;

const setup = (account: FakeSetupAccount, dryRun = false, d = docs) =>
  runSetup({ iam: account.iam, s3: account.s3 }, d, { dryRun }, testDeps());

const decoded = (text: string) => JSON.parse(text) as unknown;

describe('lambda-deploy setup', () => {
  it('first run creates everything: OIDC provider, boundary, four roles, the bucket locked down', async () => {
    const account = new FakeSetupAccount();
    const report = await setup(account);
    expect([...account.providers]).toEqual([
      [`arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`, ['sts.amazonaws.com']],
    ]);
    expect([...account.roles.keys()].sort()).toEqual([
      'shop-deploy-preview',
      'shop-deploy-production',
      'shop-lambda-deploy',
      'shop-lambda-deploy-preview',
    ]);
    const role = (name: string) => account.roles.get(name)!;
    // Each role holds exactly the documents setupDocuments describes.
    expect(decoded(role('shop-deploy-preview').trust)).toEqual(docs.deployRoles.preview.trust);
    expect(decoded(role('shop-deploy-preview').policies.get('lambda-deploy')!)).toEqual(
      docs.deployRoles.preview.policy,
    );
    expect(decoded(role('shop-deploy-production').policies.get('lambda-deploy')!)).toEqual(
      docs.deployRoles.production.policy,
    );
    expect(role('shop-lambda-deploy').boundary).toBe(
      `arn:aws:iam::${ACCOUNT}:policy/shop-lambda-deploy-boundary`,
    );
    expect(role('shop-lambda-deploy-preview').boundary).toBeUndefined();
    expect(role('shop-lambda-deploy-preview').policies.get('lambda-deploy')).toContain('dynamodb:GetItem');
    expect(role('shop-lambda-deploy').tags[POLICY_HASH_TAG]).toMatch(/^[0-9a-f]{16}$/);
    const boundary = account.policies.get(`arn:aws:iam::${ACCOUNT}:policy/shop-lambda-deploy-boundary`)!;
    expect(decoded(boundary.versions[0]!.document)).toEqual(docs.boundary.document);

    const settings = account.buckets.get(BUCKET)!.settings;
    expect(settings.get('block')).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(settings.get('encryption'))).toContain('AES256');
    expect(decoded(settings.get('policy') as string)).toEqual(docs.bucket.policy);
    expect(settings.get('lifecycle')).toEqual([
      expect.objectContaining({ ID: 'lambda-deploy-artifacts', Expiration: { Days: 30 } }),
    ]);
    expect(report.changes.length).toBe(account.writes().length);
    const text = formatSetupReport(report);
    expect(text).toMatch(/^\+ create OIDC provider token.actions.githubusercontent.com/m);
    expect(text.trimEnd().split('\n').slice(-2)).toEqual([
      `production-role: arn:aws:iam::${ACCOUNT}:role/shop-deploy-production`,
      `preview-role: arn:aws:iam::${ACCOUNT}:role/shop-deploy-preview`,
    ]);
  });

  it('second run makes no write call and says so', async () => {
    const account = new FakeSetupAccount();
    await setup(account);
    account.calls.length = 0;
    const report = await setup(account);
    expect(account.writes()).toEqual([]);
    expect(account.calls.length).toBeGreaterThan(10);
    expect(report.changes).toEqual([]);
    expect(formatSetupReport(report)).toMatch(/Nothing to change: everything is already set up\./);
  });

  it('--dry-run makes no write call, lists every change, and the documents are printable', async () => {
    const account = new FakeSetupAccount();
    const report = await setup(account, true);
    expect(account.writes()).toEqual([]);
    expect(account.roles.size + account.buckets.size + account.providers.size).toBe(0);
    const text = formatSetupReport(report);
    expect(text).toMatch(/\+ would create role shop-deploy-preview/);
    expect(text).toMatch(/Dry run: \d+ changes listed, none made\./);
    // Same changes as a real first run.
    const real = await setup(new FakeSetupAccount());
    expect(report.changes).toEqual(real.changes);
    const printed = setupDocumentsText(docs);
    for (const doc of [
      docs.deployRoles.preview.policy,
      docs.deployRoles.production.trust,
      docs.boundary.document,
    ])
      expect(printed).toContain(JSON.stringify(doc, null, 2));
  });

  it('changes only what differs: a trust policy edited by hand, a missing audience, a lost setting', async () => {
    const account = new FakeSetupAccount();
    await setup(account);
    account.roles.get('shop-deploy-preview')!.trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [],
    });
    account.providers.set([...account.providers.keys()][0]!, ['other']);
    account.buckets.get(BUCKET)!.settings.delete('block');
    account.buckets.get(BUCKET)!.settings.set('lifecycle', [{ ID: 'keep-logs', Status: 'Enabled' }]);
    account.calls.length = 0;
    await setup(account);
    expect(account.writes().sort()).toEqual([
      'AddClientIDToOpenIDConnectProvider',
      'PutBucketLifecycleConfiguration',
      'PutPublicAccessBlock',
      'UpdateAssumeRolePolicy',
    ]);
    // The rule someone else added stays.
    expect(
      (account.buckets.get(BUCKET)!.settings.get('lifecycle') as { ID: string }[]).map((r) => r.ID),
    ).toEqual(['keep-logs', 'lambda-deploy-artifacts']);
  });

  it('new policy statements: a new default version of the boundary, the old ones kept to IAM limit', async () => {
    const account = new FakeSetupAccount();
    await setup(account);
    for (let n = 0; n < 6; n++)
      await setup(
        account,
        false,
        setupDocuments({
          ...config,
          policyStatements: [
            { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:*:*:q${n}` },
          ],
        }),
      );
    const boundary = account.policies.get(`arn:aws:iam::${ACCOUNT}:policy/shop-lambda-deploy-boundary`)!;
    expect(boundary.versions.length).toBe(5);
    expect(boundary.versions.find((v) => v.id === boundary.default)!.document).toContain('q5');
  });

  it('a production deploy afterwards finds the execution role set up and writes nothing', async () => {
    const account = new FakeSetupAccount();
    await setup(account);
    account.calls.length = 0;
    const result = await ensureExecutionRole(
      account.iam,
      {
        project: 'shop',
        accountId: ACCOUNT,
        tags: stageTags({ project: 'shop', stage: 'main', repository: 'octo/shop', ref: 'main' }),
        policyStatements: config.policyStatements as object[],
        // As deploy-aws.ts passes it: the artifact bucket, for the slim archives' read grant.
        bucket: defaultBucketName(ACCOUNT, REGION),
      },
      testDeps(),
    );
    expect(result.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/shop-lambda-deploy`);
    expect(account.calls).toEqual(['GetRole']);
  });
});

describe('setup --cloudformation', () => {
  const template = cloudFormationTemplate(docs);
  const text = JSON.stringify(template, null, 2);
  type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

  it('parses (as JSON and as YAML) and names the same policies setup writes', () => {
    for (const parsed of [JSON.parse(text), parse(text)] as { Resources: Resources }[]) {
      const r = parsed.Resources;
      const inline = (id: string) =>
        (r[id]!.Properties.Policies as { PolicyDocument: unknown }[])[0]!.PolicyDocument;
      expect(inline('ProductionDeployRole')).toEqual(docs.deployRoles.production.policy);
      expect(inline('PreviewDeployRole')).toEqual(docs.deployRoles.preview.policy);
      expect(inline('ProductionExecutionRole')).toEqual(docs.executionRoles.production.policy);
      expect(inline('PreviewExecutionRole')).toEqual(docs.executionRoles.preview.policy);
      expect(r.ExecutionBoundary!.Properties.PolicyDocument).toEqual(docs.boundary.document);
      expect(r.ExecutionBoundary!.Properties.ManagedPolicyName).toBe(docs.boundary.name);
      expect(r.ArtifactBucketPolicy!.Properties.PolicyDocument).toEqual(docs.bucket.policy);
      expect(r.ProductionDeployRole!.Properties.RoleName).toBe('shop-deploy-production');
      expect(r.ProductionExecutionRole!.Properties.PermissionsBoundary).toEqual({ Ref: 'ExecutionBoundary' });
    }
  });

  it('trusts the provider it creates, or the existing one, with the same subjects as setup', () => {
    const r = template.Resources as Resources;
    const trust = r.PreviewDeployRole!.Properties
      .AssumeRolePolicyDocument as typeof docs.deployRoles.preview.trust;
    expect(trust.Statement[0]!.Principal).toEqual({
      Federated: {
        'Fn::If': ['CreateOidcProvider', { Ref: 'GitHubOidcProvider' }, docs.oidcProvider.arn],
      },
    });
    expect(trust.Statement[0]!.Condition).toEqual(docs.deployRoles.preview.trust.Statement[0]!.Condition);
    expect(r.GitHubOidcProvider).toMatchObject({ Condition: 'CreateOidcProvider' });
    expect(template.Outputs).toMatchObject({
      ProductionRoleArn: { Value: { 'Fn::GetAtt': ['ProductionDeployRole', 'Arn'] } },
      PreviewRoleArn: { Value: { 'Fn::GetAtt': ['PreviewDeployRole', 'Arn'] } },
    });
  });
});
