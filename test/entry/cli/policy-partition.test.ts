/**
 * `policy` for a region of another partition (China, GovCloud): the printed
 * documents name that partition wherever an ARN pins it, as setup's do, or
 * IAM matches no S3 object, no boundary and no OIDC provider there.
 */
import { describe, expect, test } from '@jest/globals';
import { main } from '../../../src/entry/cli/cli.js';
import { testIo } from './io.js';

const env = {
  ...process.env,
  GITHUB_WORKSPACE: process.cwd(),
  LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
} as NodeJS.ProcessEnv;

interface Printed {
  roles: { role: string; 'permissions-policy': object; 'trust-policy'?: object }[];
}

async function policy(region: string, ...more: string[]): Promise<Printed> {
  const io = testIo({ ...env, AWS_REGION: region });
  const argv = ['policy', '--name=shop', '--account=123456789012', '--json', ...more];
  expect(await main(argv, io)).toBe(0);
  return JSON.parse(io.stdout()) as Printed;
}

describe('policy in another partition', () => {
  test.each([
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('%s: every exact ARN in both roles names %s, none the commercial partition', async (region, p) => {
    const printed = await policy(region);
    for (const role of printed.roles) {
      const text = JSON.stringify(role['permissions-policy']);
      expect(text).toContain(`arn:${p}:s3:::lambda-deploy-123456789012-${region}`);
      expect(text).not.toMatch(/arn:aws:/);
    }
    const production = JSON.stringify(printed.roles.find((r) => r.role === 'production'));
    expect(production).toContain(
      `"iam:PermissionsBoundary":"arn:${p}:iam::123456789012:policy/shop-lambda-deploy-boundary"`,
    );
  });

  test("cn-north-1 with --repository: the preview role's trust names China's OIDC provider", async () => {
    const printed = await policy('cn-north-1', '--role=preview', '--repository=octo/shop');
    expect(JSON.stringify(printed.roles[0]?.['trust-policy'])).toContain(
      '"Federated":"arn:aws-cn:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"',
    );
  });

  test('eu-west-1: the commercial partition, as before', async () => {
    const text = JSON.stringify(await policy('eu-west-1'));
    expect(text).toContain('arn:aws:s3:::lambda-deploy-123456789012-eu-west-1');
  });
});
