/**
 * IAM's size quotas, checked before setup's first write: IAM refuses an
 * oversized document only when it is written, which for setup is half-way
 * (after the OIDC provider and the boundary). The fake IAM enforces the same
 * quotas, so each case also shows where setup would have stopped.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { depsFor } from '../../fakes/aws/deps.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { policySize } from '../../src/model/policy-document.js';
import { runSetup, trustPolicyQuota } from '../../src/setup/setup-aws.js';
import { documentSizeProblems, setupDocuments, type SetupConfig } from '../../src/setup/setup-documents.js';
import { tableStatements } from '../support/table-statements.js';

const base: SetupConfig = { project: 'shop', region: REGION, accountId: ACCOUNT_ID, repository: 'octo/shop' };
/** n statements of about 150 characters each. */
const statements = (n: number) => tableStatements(n, REGION, ACCOUNT_ID);
const stages = (n: number) => ['main', ...Array.from({ length: n - 1 }, (_, i) => `release-${i + 1}`)];
const environments = (n: number) => Array.from({ length: n }, (_, i) => `production-region-${i + 1}`);

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
});
afterEach(() => aws.close());

describe('documentSizeProblems', () => {
  it('the defaults, and every option on, fit with room to spare', () => {
    expect(documentSizeProblems(setupDocuments(base), base)).toEqual([]);
    const all = {
      ...base,
      keepWarm: true,
      layers: true,
      protectedStages: stages(5),
      environments: environments(3),
    };
    expect(documentSizeProblems(setupDocuments(all), all)).toEqual([]);
  });

  // ARNs name the partition, GovCloud's the longest; each partition with its longest region.
  it.each([
    ['aws', 'ap-southeast-2'],
    ['aws-us-gov', 'us-gov-west-1'],
    ['aws-cn', 'cn-northwest-1'],
  ] as const)(
    '%s (%s): the largest project, repository and bucket names fit, with room for a protected stage or another inline policy',
    (partition, region) => {
      const largest: SetupConfig = {
        project: 'a'.repeat(40),
        region,
        accountId: ACCOUNT_ID,
        partition,
        repository: `${'o'.repeat(39)}/${'r'.repeat(100)}`,
        bucket: 'b'.repeat(63),
      };
      const docs = setupDocuments(largest);
      expect(documentSizeProblems(docs, largest)).toEqual([]);
      expect(policySize(docs.deployRoles.preview.policy)).toBeLessThanOrEqual(10_240 - 480);
      expect(policySize(docs.deployRoles.production.policy)).toBeLessThanOrEqual(10_240 - 480);
    },
  );

  // The README promises 14 in GovCloud and China too.
  it.each([
    ['aws', 'ap-southeast-2'],
    ['aws-us-gov', 'us-gov-west-1'],
    ['aws-cn', 'cn-northwest-1'],
  ] as const)('%s (%s): 14 protected stages fit the preview deploy role', (partition, region) => {
    const ok: SetupConfig = { ...base, region, partition, protectedStages: stages(14) };
    expect(documentSizeProblems(setupDocuments(ok), ok)).toEqual([]);
  });

  // The README's numbers (China, the tightest): 14 with a 4-character name, 12 with 8, 6 with 40.
  it.each([
    [4, 14],
    [8, 12],
    [40, 6],
  ])('a %i-character name: %i protected stages fit, one more does not', (length, fit) => {
    const config = (n: number): SetupConfig => ({
      ...base,
      project: 'p'.repeat(length),
      region: 'cn-northwest-1',
      partition: 'aws-cn',
      protectedStages: stages(n),
    });
    expect(documentSizeProblems(setupDocuments(config(fit)), config(fit))).toEqual([]);
    expect(documentSizeProblems(setupDocuments(config(fit + 1)), config(fit + 1))).toHaveLength(1);
  });

  it('too many protected stages: the preview deploy role, led by the input to change', () => {
    const ok = { ...base, protectedStages: stages(14) };
    expect(policySize(setupDocuments(ok).deployRoles.preview.policy)).toBeLessThanOrEqual(10_240);
    expect(documentSizeProblems(setupDocuments(ok), ok)).toEqual([]);
    const over = { ...base, protectedStages: stages(16) };
    const size = policySize(setupDocuments(over).deployRoles.preview.policy);
    expect(documentSizeProblems(setupDocuments(over), over)).toEqual([
      `protected-stages: the inline policy of role shop-deploy-preview would be ${size.toLocaleString('en-US')} characters (IAM counts them without white space), over IAM's limit for a role's inline policies, 10,240; each protected stage adds to it: name fewer (16 now).`,
    ]);
  });

  it("policy-statements over the boundary's 6,144 first (a managed policy), then over the roles' 10,240", () => {
    const some = { ...base, policyStatements: statements(30) };
    expect(documentSizeProblems(setupDocuments(some), some)).toEqual([]);
    const many = { ...base, policyStatements: statements(40) };
    const problems = documentSizeProblems(setupDocuments(many), many);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^policy-statements: the permissions boundary shop-lambda-deploy-boundary would be \d,\d{3} characters .*, over IAM's limit for a managed policy, 6,144; your statements make up \d,\d{3} of them: merge statements that share Effect and Resource, or use wildcards in Action\.$/,
    );
    const lots = { ...base, policyStatements: statements(70) };
    expect(documentSizeProblems(setupDocuments(lots), lots).map((p) => p.slice(0, 70))).toEqual([
      'policy-statements: the inline policy of role shop-lambda-deploy would ',
      // Not the preview execution role's: production's statements never reach it.
      'policy-statements: the permissions boundary shop-lambda-deploy-boundar',
    ]);
  });

  it('preview-policy-statements: only the preview execution role, led by its own flag', () => {
    const lots = { ...base, previewPolicyStatements: statements(70) };
    expect(documentSizeProblems(setupDocuments(lots), lots).map((p) => p.slice(0, 79))).toEqual([
      'preview-policy-statements: the inline policy of role shop-lambda-deploy-preview',
    ]);
  });

  it("trust policies: over the account's quota, up to the 4,096 IAM can be raised to", () => {
    const over = { ...base, environments: environments(40) };
    const docs = setupDocuments(over);
    const size = policySize(docs.deployRoles.production.trust);
    expect(size).toBeGreaterThan(2_048);
    expect(size).toBeLessThanOrEqual(4_096);
    expect(documentSizeProblems(docs, over)).toEqual([
      `protected-branches, github-environment: the trust policy of role shop-deploy-production would be ${size.toLocaleString('en-US')} characters (IAM counts them without white space), over this account's "Role trust policy length" quota (Service Quotas can raise it to 4,096), 2,048; name fewer protected branches or environments.`,
    ]);
    expect(documentSizeProblems(docs, over, 4_096)).toEqual([]);
    // A quota above IAM's most is read as the most.
    const huge = { ...base, environments: environments(80) };
    expect(documentSizeProblems(setupDocuments(huge), huge, 10_000)).toEqual([
      expect.stringContaining("over IAM's most for a trust policy, 4,096;"),
    ]);
  });
});

describe('setup against the account', () => {
  const run = (config: SetupConfig) =>
    runSetup(aws.clients(), setupDocuments(config), { dryRun: false }, depsFor(aws));

  it('what the check refuses, IAM refuses too, after setup made the OIDC provider (what the check prevents)', async () => {
    await expect(run({ ...base, policyStatements: statements(40) })).rejects.toThrow(
      /LimitExceededException: Cannot exceed quota for PolicySize: 6144/,
    );
    expect(aws.account.oidcProviders.size).toBe(1);
    await expect(run({ ...base, protectedStages: stages(16) })).rejects.toThrow(
      /Maximum policy size of 10240 bytes exceeded for role shop-deploy-preview/,
    );
    await expect(run({ ...base, environments: environments(40) })).rejects.toThrow(
      /Cannot exceed quota for ACLSizePerRole: 2048/,
    );
  });

  it("a role's other inline policies count: IAM's 10,240 is for all of them together; refused before any write, naming each", async () => {
    await run(base);
    const grown = { ...base, protectedStages: stages(6) };
    const ours = policySize(setupDocuments(grown).deployRoles.preview.policy);
    const before = policySize(setupDocuments(base).deployRoles.preview.policy);
    // A policy someone added that fits beside today's, not beside the grown one.
    const filler = (size: number) => {
      const doc = (resource: string) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${resource}` }],
        });
      return doc('x'.repeat(size - doc('').length));
    };
    const theirs = 10_240 - ours + 40;
    expect(before + theirs).toBeLessThanOrEqual(10_240);
    aws.account.roles.get('shop-deploy-preview')!.inlinePolicies.set('team-extras', filler(theirs));
    expect(documentSizeProblems(setupDocuments(grown), grown)).toEqual([]);
    aws.calls.clear();
    const writes = () => aws.calls.writes();
    const n = (x: number) => x.toLocaleString('en-US');
    const problem =
      `protected-stages: the inline policies of role shop-deploy-preview (lambda-deploy ${n(ours)}, team-extras ${n(theirs)}) ` +
      `would be ${n(ours + theirs)} characters (IAM counts them without white space), over IAM's limit for a role's inline policies, 10,240; ` +
      'the policy team-extras that setup did not write share that room: make it a managed policy';
    await expect(run(grown)).rejects.toThrow(problem);
    expect(writes()).toEqual([]);
    await expect(
      runSetup(aws.clients(), setupDocuments(grown), { dryRun: true }, depsFor(aws)),
    ).rejects.toThrow(problem);
    // Once that policy is smaller (or a managed policy), setup goes on.
    aws.account.roles.get('shop-deploy-preview')!.inlinePolicies.set('team-extras', filler(200));
    await run(grown);
  });

  it("the trust quota is read from the account only when a trust policy is over IAM's default", async () => {
    const deps = depsFor(aws);
    expect(await trustPolicyQuota(aws.clients().iam, setupDocuments(base), deps)).toBe(2_048);
    expect(aws.calls.calls.map((c) => c.operation)).toEqual([]);
    aws.account.trustPolicyQuota = 4_096;
    const long = { ...base, environments: environments(40) };
    expect(await trustPolicyQuota(aws.clients().iam, setupDocuments(long), deps)).toBe(4_096);
    expect(aws.calls.calls.map((c) => c.operation)).toEqual(['GetAccountSummary']);
    // With the raised quota IAM takes it, and the check let it through.
    await run(long);
    expect(JSON.parse(aws.account.roles.get('shop-deploy-production')!.AssumeRolePolicyDocument)).toEqual(
      setupDocuments(long).deployRoles.production.trust,
    );
  });
});
