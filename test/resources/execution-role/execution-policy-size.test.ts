/**
 * `policy-statements` that make the production execution role's inline policy
 * too long for IAM: the pure check refuses exactly what IAM refuses (the fake
 * IAM enforces the 10,240-character quota), and a deploy says so before any
 * AWS call, instead of failing at PutRolePolicy after the upload.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { depsFor } from '../../../fakes/aws/deps.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../../fakes/aws/pipeline-deploy.js';
import { defaultBucketName } from '../../../src/resources/artifacts/artifact-bucket.js';
import {
  ensureExecutionRole,
  executionPolicySizeProblem,
} from '../../../src/resources/execution-role/execution-role.js';
import { stageTags } from '../../../src/model/tags.js';
import { tableStatements } from '../../support/table-statements.js';

const statements = (n: number) => tableStatements(n, REGION, ACCOUNT_ID);
const problem = (n: number) =>
  executionPolicySizeProblem({ project: 'shop', policyStatements: statements(n), region: REGION });
/** The fewest statements the check refuses. */
const first = Array.from({ length: 100 }, (_, i) => i + 1).find((n) => problem(n) !== undefined)!;

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
});
afterEach(() => aws.close());

it('refuses from the statement that takes the policy over 10,240 characters, led by the input', () => {
  expect(first).toBeGreaterThan(40);
  expect(problem(first)).toMatch(
    /^policy-statements: the inline policy of role shop-lambda-deploy would be 10,\d{3} characters \(IAM counts them without white space\), over IAM's limit for a role's inline policies, 10,240; your statements make up [\d,]+ of them: merge statements/,
  );
  // Any account, region name of the same length and s3-bucket of the default's length: the same size.
  expect(
    executionPolicySizeProblem({
      project: 'shop',
      policyStatements: statements(first),
      region: REGION,
      bucket: defaultBucketName('999999999999', REGION),
    }),
  ).toBe(problem(first));
});

it('is where IAM draws the line: one statement fewer is written, that many is refused', async () => {
  const write = (n: number) =>
    ensureExecutionRole(
      aws.clients().iam,
      {
        project: 'shop',
        accountId: ACCOUNT_ID,
        tags: stageTags({ project: 'shop', stage: 'main', repository: 'octo/shop', ref: 'main' }),
        policyStatements: statements(n),
        bucket: defaultBucketName(ACCOUNT_ID, REGION),
      },
      depsFor(aws),
    );
  await write(first - 1);
  const written = aws.account.roles.get('shop-lambda-deploy')!.inlinePolicies.get('lambda-deploy')!;
  expect((JSON.parse(written) as { Statement: unknown[] }).Statement).toHaveLength(first - 1 + 2);
  await expect(write(first)).rejects.toThrow(
    /Maximum policy size of 10240 bytes exceeded for role shop-lambda-deploy/,
  );
});

it('a production deploy with them stops before signing in: no AWS call at all', async () => {
  const dir = appFolder();
  try {
    aws.calls.clear();
    await expect(
      deployApp(aws, dir, { inputs: { 'policy-statements': JSON.stringify(statements(first)) } }),
    ).rejects.toThrow(
      /^Invalid input: policy-statements: the inline policy of role shop-lambda-deploy would be/,
    );
    expect(aws.calls.calls).toEqual([]);
  } finally {
    removeApp(dir);
  }
});
