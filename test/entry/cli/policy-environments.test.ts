/**
 * `policy` prints trust policies that trust GitHub environments: it checks
 * them as setup does, against a local GitHub stand-in.
 */
import { describe, expect, test } from '@jest/globals';
import { main } from '../../../src/entry/cli/cli.js';
import { startGitHubServer, type GitHubServerState } from '../../support/github-server.js';
import { testIo } from './io.js';

const env = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  GITHUB_WORKSPACE: process.cwd(),
  LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
} as NodeJS.ProcessEnv;
const policy = ['policy', '--name=shop', '--account=123456789012', '--repository=octo/shop'];
const limited = (...branches: string[]) => ({
  deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
  branch_policies: branches.map((name) => ({ name })),
});

async function withGitHub(environments: GitHubServerState['environments'], argv: string[]) {
  const github = await startGitHubServer({
    repository: 'octo/shop',
    ids: { owner: 1342004, repository: 987654321 },
    environments,
    protection: { branches: { main: { protected: true }, master: { protected: true } } },
  });
  try {
    const io = testIo({ ...env, GITHUB_API_URL: github.url }, fetch);
    const code = await main([...policy, ...argv], io);
    const asked = github.state.requests.map((r) => r.path).filter((p) => p.includes('/environments/'));
    return { code, stdout: io.stdout(), stderr: io.stderr(), asked };
  } finally {
    await github.close();
  }
}

describe('policy and the GitHub environments the production trust policy trusts', () => {
  test.each([[[]], [['--role=production']], [['--role=production', '--json']]])(
    "one any branch may deploy to (%j): refused (exit 2) with setup's message and fix, no policy printed",
    async (argv) => {
      const run = await withGitHub({ production: { deployment_branch_policy: null } }, argv);
      expect(run.code).toBe(2);
      expect(run.stderr + run.stdout).toContain(
        '--github-environment: GitHub environment production of octo/shop lets any branch deploy to it',
      );
      expect(run.stderr + run.stdout).toContain(
        'gh api -X POST repos/octo/shop/environments/production/deployment-branch-policies -f name=main -f type=branch',
      );
      expect(run.stdout).not.toContain('sts:AssumeRoleWithWebIdentity');
    },
  );

  test('another branch in --github-environment prod: refused, naming prod', async () => {
    const run = await withGitHub({ prod: limited('main', 'dev') }, [
      '--github-environment=prod',
      '--protected-branches=main',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--github-environment: GitHub environment prod of octo\/shop .*dev/);
  });

  test('one limited to the protected branches: printed, and said so', async () => {
    const run = await withGitHub({ production: limited('main') }, ['--protected-branches=main']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('GitHub environment production: only main may deploy to it.');
    expect(run.stdout).toContain('"repo:octo/shop:environment:production"');
  });

  test('the preview role alone trusts no environment: GitHub is not asked about one', async () => {
    const run = await withGitHub({ production: { deployment_branch_policy: null } }, ['--role=preview']);
    expect(run.code).toBe(0);
    expect(run.asked).toEqual([]);
  });

  test('GitHub out of reach: printed, with the warning what to verify by hand', async () => {
    const io = testIo(env);
    expect(await main(policy, io)).toBe(0);
    expect(io.stderr()).toContain(
      'Could not check GitHub environment production of octo/shop (GET https://api.github.com/repos/octo/shop/environments/production failed: ',
    );
    expect(io.stderr()).toContain('Verify by hand that only main, master may deploy to it');
    expect(io.stdout()).toContain('"repo:octo/shop:environment:production"');
  });
});
