import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { defaultBucketName } from '../../src/resources/artifacts/artifact-bucket.js';
import { depsFor } from '../../fakes/aws/deps.js';
import { ACCOUNT_ID, OTHER_ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { POLICY_HASH_TAG } from '../../src/resources/execution-role/execution-role.js';
import { ensureExecutionRole } from '../../src/resources/execution-role/execution-role.js';
import { stageTags } from '../../src/model/tags.js';
import { cloudFormationTemplate } from '../../src/setup/cloudformation.js';
import { formatSetupReport, runSetup, setupDocumentsText } from '../../src/setup/setup-aws.js';
import { setupDocuments, type SetupConfig } from '../../src/setup/setup-documents.js';
import { evaluate } from '../support/policy-check.js';

const config: SetupConfig = {
  project: 'shop',
  region: REGION,
  accountId: ACCOUNT_ID,
  repository: 'octo/shop',
  ownerId: '1234567',
  repoId: '89012345',
  policyStatements: [
    { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:*:*:table/shop-*' },
  ],
};
const docs = setupDocuments(config);
const BUCKET = `lambda-deploy-${ACCOUNT_ID}-${REGION}`;
const BOUNDARY = `arn:aws:iam::${ACCOUNT_ID}:policy/shop-lambda-deploy-boundary`;

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
});
afterEach(() => aws.close());

const setup = (account: FakeAws, dryRun = false, d = docs) =>
  runSetup(account.clients(), d, { dryRun }, depsFor(account));

/** The write calls the account received, by operation name. */
const writes = () => aws.calls.writes().map((op) => op.slice(op.indexOf(':') + 1));

const decoded = (text: string) => JSON.parse(text) as unknown;
/** The texts of one element in an S3 settings document: `<ID>a</ID>…` -> ['a', …]. */
const xmlValues = (xml: string | undefined, element: string) =>
  [...(xml ?? '').matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, 'g'))].map((m) => m[1]);

describe('lambda-deploy setup', () => {
  it('first run creates everything: OIDC provider, boundary, four roles, the bucket locked down', async () => {
    const report = await setup(aws);
    expect([...aws.account.oidcProviders].map(([arn, p]) => [arn, p.ClientIDList])).toEqual([
      [`arn:aws:iam::${ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`, ['sts.amazonaws.com']],
    ]);
    expect([...aws.account.roles.keys()].sort()).toEqual([
      'shop-deploy-preview',
      'shop-deploy-production',
      'shop-lambda-deploy',
      'shop-lambda-deploy-preview',
    ]);
    const role = (name: string) => aws.account.roles.get(name)!;
    // Each role holds exactly the documents setupDocuments describes.
    expect(decoded(role('shop-deploy-preview').AssumeRolePolicyDocument)).toEqual(
      docs.deployRoles.preview.trust,
    );
    expect(decoded(role('shop-deploy-preview').inlinePolicies.get('lambda-deploy')!)).toEqual(
      docs.deployRoles.preview.policy,
    );
    expect(decoded(role('shop-deploy-production').inlinePolicies.get('lambda-deploy')!)).toEqual(
      docs.deployRoles.production.policy,
    );
    expect(role('shop-lambda-deploy').PermissionsBoundary).toBe(BOUNDARY);
    expect(role('shop-lambda-deploy-preview').PermissionsBoundary).toBeUndefined();
    // The statements are production's: pull requests' code never runs with them.
    expect(role('shop-lambda-deploy').inlinePolicies.get('lambda-deploy')).toContain('dynamodb:GetItem');
    expect(role('shop-lambda-deploy-preview').inlinePolicies.get('lambda-deploy')).not.toContain(
      'dynamodb:GetItem',
    );
    expect(role('shop-lambda-deploy').Tags[POLICY_HASH_TAG]).toMatch(/^[0-9a-f]{16}$/);
    const boundary = aws.account.managedPolicies.get(BOUNDARY)!;
    expect(decoded(boundary.versions.get('v1')!.document)).toEqual(docs.boundary.document);

    const settings = aws.account.buckets.get(BUCKET)!.settings;
    for (const flag of ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])
      expect(xmlValues(settings.get('publicAccessBlock'), flag)).toEqual(['true']);
    expect(xmlValues(settings.get('encryption'), 'SSEAlgorithm')).toEqual(['AES256']);
    expect(decoded(settings.get('policy')!)).toEqual(docs.bucket.policy);
    expect(xmlValues(settings.get('lifecycle'), 'ID')).toEqual(['lambda-deploy-artifacts']);
    expect(xmlValues(settings.get('lifecycle'), 'Days')).toEqual(['30']);
    expect(settings.get('lifecycle')).toMatch(/<Expiration><Days>30<\/Days><\/Expiration>/);
    expect(report.changes.length).toBe(writes().length);
    const text = formatSetupReport(report);
    expect(text).toMatch(/^\+ create OIDC provider token.actions.githubusercontent.com/m);
    expect(text.trimEnd().split('\n').slice(-2)).toEqual([
      `production-role: arn:aws:iam::${ACCOUNT_ID}:role/shop-deploy-production`,
      `preview-role: arn:aws:iam::${ACCOUNT_ID}:role/shop-deploy-preview`,
    ]);
  });

  it('refuses an artifact bucket name another account holds, before any bucket write; every bucket call names the account', async () => {
    aws.seed.bucket(BUCKET, { owner: OTHER_ACCOUNT_ID });
    const failed = await setup(aws).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failed?.message).toMatch(new RegExp(`bucket ${BUCKET}.*another account`));
    expect(writes().filter((op) => /Bucket|Object/.test(op))).toEqual([]);
    const bucketCalls = aws.calls.of({ service: 's3' });
    expect(bucketCalls.length).toBeGreaterThan(0);
    expect(bucketCalls.map((c) => c.input.ExpectedBucketOwner)).toEqual(bucketCalls.map(() => ACCOUNT_ID));
    expect(aws.account.buckets.get(BUCKET)!.settings.size).toBe(0);
  });

  it("--s3-bucket naming the account's own bucket that exists: left as it is (as the action leaves it), each setting it lacks said", async () => {
    aws.seed.bucket('team-artifacts');
    const mine = setupDocuments({ ...config, bucket: 'team-artifacts' });
    const deps = depsFor(aws);
    const report = await runSetup(aws.clients(), mine, { dryRun: false }, deps);
    expect(writes().filter((op) => /Bucket|Object|PublicAccess/.test(op))).toEqual([]);
    expect(aws.account.buckets.get('team-artifacts')!.settings.size).toBe(0);
    expect(report.changes.filter((c) => c.resource.startsWith('bucket'))).toEqual([]);
    expect(report.unchanged).toContain('bucket team-artifacts (existed: left as it is)');
    expect(deps.logger.text('warning')).toContain(
      'bucket team-artifacts existed and is not the default lambda-deploy bucket, so setup leaves it as it is; it lacks: public access blocked, default encryption (SSE-S3), ' +
        'objects owned by the account (ACLs off), bucket policy: TLS only, lifecycle: artifacts expire after 30 days. ' +
        'Set them yourself (setup --dry-run --documents prints the bucket policy), or use a bucket for lambda-deploy only.',
    );
    // The bucket setup makes (the default name) still gets every setting, as before.
    await setup(aws);
    expect(aws.account.buckets.get(BUCKET)!.settings.size).toBeGreaterThan(0);
  });

  it('--s3-bucket that an interrupted setup created (tagged at create time) is finished by the next run; a user bucket still is not', async () => {
    const mine = setupDocuments({ ...config, bucket: 'team-artifacts' });
    // The first run creates the bucket, then dies before its first setting.
    aws.faults.deny('PutPublicAccessBlock');
    await expect(runSetup(aws.clients(), mine, { dryRun: false }, depsFor(aws))).rejects.toThrow(
      /PutBucketPublicAccessBlock|public access/,
    );
    aws.faults.clear();
    expect(aws.account.buckets.has('team-artifacts')).toBe(true);
    const deps = depsFor(aws);
    const report = await runSetup(aws.clients(), mine, { dryRun: false }, deps);
    const settings = aws.account.buckets.get('team-artifacts')!.settings;
    for (const flag of ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])
      expect(xmlValues(settings.get('publicAccessBlock'), flag)).toEqual(['true']);
    expect(xmlValues(settings.get('encryption'), 'SSEAlgorithm')).toEqual(['AES256']);
    expect(decoded(settings.get('policy')!)).toEqual(mine.bucket.policy);
    expect(xmlValues(settings.get('lifecycle'), 'ID')).toEqual(['lambda-deploy-artifacts']);
    expect(report.unchanged).not.toContain('bucket team-artifacts (existed: left as it is)');
    expect(deps.logger.text('warning')).not.toContain('so setup leaves it as it is');
    // A third run finds everything in place.
    const again = await runSetup(aws.clients(), mine, { dryRun: false }, depsFor(aws));
    expect(again.changes.filter((c) => c.resource.startsWith('bucket'))).toEqual([]);
  });

  it.each([
    ['without lambda-deploy tags (made by hand)', {}, 'none'],
    ['of another lambda-deploy project', { 'lambda-deploy:name': 'shop-admin' }, '"shop-admin"'],
  ])(
    'refuses a role of its name %s, before any write, dry run or not',
    async (_, tags: Record<string, string>, tag) => {
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'TheirCi' }] });
      aws.seed.role('shop-deploy-production', { trust, tags });
      for (const dryRun of [true, false]) {
        const failed = await setup(aws, dryRun).then(
          () => undefined,
          (error: Error) => error.message,
        );
        expect(failed).toContain(
          `IAM role shop-deploy-production exists but was not made by lambda-deploy setup for shop (its lambda-deploy:name tag: ${tag}); setup leaves it as it is.`,
        );
        expect(writes()).toEqual([]);
      }
      expect(aws.account.roles.get('shop-deploy-production')!.AssumeRolePolicyDocument).toBe(trust);
    },
  );

  it("refuses a deploy role set up for another repository under the same name: its trust would lock that repository's workflows out", async () => {
    await setup(aws, false, setupDocuments({ ...config, repository: 'octo/other' }));
    const before = aws.account.roles.get('shop-deploy-preview')!.AssumeRolePolicyDocument;
    aws.calls.clear();
    const failed = await setup(aws).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failed).toContain(
      'IAM role shop-deploy-production is set up for repository octo/other (tag lambda-deploy:repository), not octo/shop; setup leaves it as it is.',
    );
    expect(writes()).toEqual([]);
    expect(aws.account.roles.get('shop-deploy-preview')!.AssumeRolePolicyDocument).toBe(before);
    // The same repository in other letters is the same repository.
    await expect(
      setup(aws, false, setupDocuments({ ...config, repository: 'Octo/Other' })),
    ).resolves.toBeDefined();
  });

  it('a renamed repository: the refusal names the flag; --previous-repository with the old name moves both deploy roles, any other name still refused', async () => {
    await setup(aws, false, setupDocuments({ ...config, repository: 'octo/old-shop' }));
    aws.calls.clear();
    const refused = await setup(aws).then(
      () => '',
      (error: Error) => error.message,
    );
    expect(refused).toContain(
      'If octo/old-shop was renamed to octo/shop, run setup again with --previous-repository octo/old-shop',
    );
    expect(refused).toContain(
      "(a renamed repository sends GitHub's immutable sub form: give --owner-id and --repo-id too)",
    );
    // A name that is not the roles' tag: refused as before, nothing written.
    aws.seed.function('shop-main', {
      tags: {
        'lambda-deploy:name': 'shop',
        'lambda-deploy:stage': 'main',
        'lambda-deploy:repository': 'octo/old-shop',
      },
    });
    const deps = depsFor(aws);
    const renamed = (previousRepository: string) =>
      runSetup(aws.clients(), docs, { dryRun: false, previousRepository }, deps);
    await expect(renamed('octo/else')).rejects.toThrow(
      'IAM role shop-deploy-production is set up for repository octo/old-shop (tag lambda-deploy:repository), not octo/shop',
    );
    expect(writes()).toEqual([]);
    await renamed('Octo/Old-Shop');
    for (const name of ['shop-deploy-production', 'shop-deploy-preview'] as const) {
      const role = aws.account.roles.get(name)!;
      expect(role.Tags['lambda-deploy:repository']).toBe('octo/shop');
      const kind = name.endsWith('production') ? 'production' : 'preview';
      expect(decoded(role.AssumeRolePolicyDocument)).toEqual(docs.deployRoles[kind].trust);
      expect(role.AssumeRolePolicyDocument).not.toContain('old-shop');
    }
    // Stages deployed before the rename still carry the old name: said, with the command that moves them.
    expect(deps.logger.text('warning')).toContain(
      '1 resource of shop still carries lambda-deploy:repository=octo/old-shop (arn:aws:lambda:',
    );
    expect(deps.logger.text('warning')).toContain(
      'aws resourcegroupstaggingapi tag-resources --tags lambda-deploy:repository=octo/shop --resource-arn-list ',
    );
    // Moved: a plain second run needs no flag and writes nothing.
    aws.calls.clear();
    await setup(aws);
    expect(writes()).toEqual([]);
  });

  it('second run makes no write call and says so', async () => {
    await setup(aws);
    aws.calls.clear();
    const report = await setup(aws);
    expect(writes()).toEqual([]);
    expect(aws.calls.calls.length).toBeGreaterThan(10);
    expect(report.changes).toEqual([]);
    expect(formatSetupReport(report)).toMatch(/Nothing to change: everything is already set up\./);
    // A dry run on an account set up: the roles exist, their ARNs are said as they are.
    const again = formatSetupReport(await setup(aws, true));
    expect(again).toContain(`production-role: arn:aws:iam::${ACCOUNT_ID}:role/shop-deploy-production\n`);
    expect(again).not.toContain('would be created');
  });

  it('--dry-run makes no write call, lists every change, and the documents are printable', async () => {
    const report = await setup(aws, true);
    expect(writes()).toEqual([]);
    expect(aws.account.roles.size + aws.account.buckets.size + aws.account.oidcProviders.size).toBe(0);
    const text = formatSetupReport(report);
    expect(text).toMatch(/\+ would create role shop-deploy-preview/);
    expect(text).toMatch(/Dry run: \d+ changes listed, none made\./);
    expect(text).toContain(
      `preview-role: arn:aws:iam::${ACCOUNT_ID}:role/shop-deploy-preview (would be created)\n`,
    );
    // Same changes as a real first run.
    const fresh = await startFakeAws();
    try {
      const real = await setup(fresh);
      expect(report.changes).toEqual(real.changes);
    } finally {
      await fresh.close();
    }
    const printed = setupDocumentsText(docs);
    for (const doc of [
      docs.deployRoles.preview.policy,
      docs.deployRoles.production.trust,
      docs.boundary.document,
    ])
      expect(printed).toContain(JSON.stringify(doc, null, 2));
  });

  it('changes only what differs: a trust policy edited by hand, a missing audience, a lost setting', async () => {
    await setup(aws);
    aws.account.roles.get('shop-deploy-preview')!.AssumeRolePolicyDocument = JSON.stringify({
      Version: '2012-10-17',
      Statement: [],
    });
    [...aws.account.oidcProviders.values()][0]!.ClientIDList = ['other'];
    const settings = aws.account.buckets.get(BUCKET)!.settings;
    settings.delete('publicAccessBlock');
    // Someone else's rule replaced ours.
    settings.set(
      'lifecycle',
      '<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>keep-logs</ID>' +
        '<Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status></Rule></LifecycleConfiguration>',
    );
    aws.calls.clear();
    await setup(aws);
    expect(writes().sort()).toEqual([
      'AddClientIDToOpenIDConnectProvider',
      'PutBucketLifecycleConfiguration',
      'PutPublicAccessBlock',
      'UpdateAssumeRolePolicy',
    ]);
    // The rule someone else added stays.
    expect(xmlValues(settings.get('lifecycle'), 'ID')).toEqual(['keep-logs', 'lambda-deploy-artifacts']);
  });

  it('new policy statements: a new default version of the boundary, the old ones kept to IAM limit', async () => {
    await setup(aws);
    for (let n = 0; n < 6; n++)
      await setup(
        aws,
        false,
        setupDocuments({
          ...config,
          policyStatements: [
            { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:*:*:q${n}` },
          ],
        }),
      );
    const boundary = aws.account.managedPolicies.get(BOUNDARY)!;
    expect(boundary.versions.size).toBe(5);
    expect(boundary.versions.get(boundary.DefaultVersionId)!.document).toContain('q5');
  });

  it("previews run with --preview-policy-statements only: production's statements never reach a pull request's code", async () => {
    const ORDERS = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
    const STAGING = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders-staging';
    const split = setupDocuments({
      ...config,
      policyStatements: [{ Sid: 'Orders', Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: ORDERS }],
      previewPolicyStatements: [
        { Sid: 'Staging', Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: STAGING },
      ],
    });
    const production = split.executionRoles.production.policy;
    const preview = split.executionRoles.preview.policy;
    expect(evaluate(production, 'dynamodb:PutItem', ORDERS)).toBe('allowed');
    expect(evaluate(split.boundary.document, 'dynamodb:PutItem', ORDERS)).toBe('allowed');
    expect(evaluate(preview, 'dynamodb:PutItem', ORDERS)).toBe('implicit-deny');
    expect(evaluate(preview, 'dynamodb:PutItem', STAGING)).toBe('allowed');
    // Nor do the preview's reach production (the boundary bounds production's role).
    expect(evaluate(production, 'dynamodb:PutItem', STAGING)).toBe('implicit-deny');
    expect(evaluate(split.boundary.document, 'dynamodb:PutItem', STAGING)).toBe('implicit-deny');

    // An account set up before, whose preview role held production's statements: setup takes them away.
    const role = (name: string) => aws.account.roles.get(name)!;
    const before = setupDocuments(config);
    await setup(aws, false, {
      ...before,
      executionRoles: {
        ...before.executionRoles,
        preview: { ...before.executionRoles.preview, policy: before.executionRoles.production.policy },
      },
    });
    expect(role('shop-lambda-deploy-preview').inlinePolicies.get('lambda-deploy')).toContain(
      'dynamodb:GetItem',
    );
    aws.calls.clear();
    const report = await setup(aws);
    expect(report.changes.map((c) => c.resource)).toEqual(['role shop-lambda-deploy-preview']);
    expect(role('shop-lambda-deploy-preview').inlinePolicies.get('lambda-deploy')).not.toContain(
      'dynamodb:GetItem',
    );
  });

  it('a production deploy afterwards finds the execution role set up and writes nothing', async () => {
    await setup(aws);
    aws.calls.clear();
    const result = await ensureExecutionRole(
      aws.clients().iam,
      {
        project: 'shop',
        accountId: ACCOUNT_ID,
        tags: stageTags({ project: 'shop', stage: 'main', repository: 'octo/shop', ref: 'main' }),
        policyStatements: config.policyStatements as object[],
        // As stage-execution-role.ts passes it: the artifact bucket, for the slim archives' read grant.
        bucket: defaultBucketName(ACCOUNT_ID, REGION),
      },
      depsFor(aws),
    );
    expect(result.roleArn).toBe(`arn:aws:iam::${ACCOUNT_ID}:role/shop-lambda-deploy`);
    expect(aws.calls.operations()).toEqual(['iam:GetRole']);
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

describe('setup: a write that took effect before its 5xx or dropped connection', () => {
  it('every write: the SDK sends it again, setup ends well, and a second run writes nothing', async () => {
    const first = await startFakeAws();
    await runSetup(first.clients({ maxAttempts: 5 }), docs, { dryRun: false }, depsFor(first));
    const ops = [...new Set(first.calls.writes().map((op) => op.slice(op.indexOf(':') + 1)))];
    await first.close();
    expect(ops.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const op of ops) {
      for (const reset of [false, true]) {
        const label = `${op} (${reset ? 'connection dropped' : '500'})`;
        const account = await startFakeAws();
        account.faults.failAfter(op, { reset });
        const clients = account.clients({ maxAttempts: 5 });
        try {
          await runSetup(clients, docs, { dryRun: false }, depsFor(account));
          if (!account.calls.of({ operation: op }).some((c) => c.fault === 'failAfter'))
            failures.push(`${label}: the fault did not fire`);
          account.calls.clear();
          await runSetup(clients, docs, { dryRun: false }, depsFor(account));
          const again = account.calls.writes();
          if (again.length) failures.push(`${label}, then a second run wrote: ${again.join(', ')}`);
        } catch (error) {
          failures.push(`${label}: ${(error as Error).message}`);
        } finally {
          await account.close();
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
