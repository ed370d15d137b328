/**
 * checkTrustedEnvironments against a local stand-in for GitHub's REST API:
 * which environments the production role may trust (those only the protected
 * branches can deploy to), which it must not, and what happens when GitHub
 * cannot be asked.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkTrustedEnvironments } from '../../src/setup/github-environments.js';
import { startGitHubServer, type GitHubServer, type GitHubServerState } from '../support/github-server.js';

let github: GitHubServer | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

const base = { repository: 'octo/shop', protectedBranches: ['main', 'master'] };

async function check(
  state: Partial<GitHubServerState>,
  options: { environments?: string[]; token?: string } = {},
) {
  github = await startGitHubServer({
    repository: 'octo/shop',
    token: 'gho_admin',
    ids: { owner: 1, repository: 2 },
    ...state,
  });
  return checkTrustedEnvironments(
    { ...base, environments: options.environments ?? ['production'] },
    { apiUrl: github.url, fetch, token: options.token },
  );
}

describe('checkTrustedEnvironments', () => {
  it('custom policies naming only protected branches: safe, and the policies are read page by page', async () => {
    const branch_policies = [{ name: 'main' }, ...Array.from({ length: 100 }, () => ({ name: 'master' }))];
    const findings = await check({
      environments: {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies,
        },
      },
    });
    expect(findings).toEqual([
      {
        environment: 'production',
        verdict: 'safe',
        message: 'GitHub environment production: only main, master may deploy to it.',
      },
    ]);
    expect(github!.state.requests.map((r) => r.path)).toEqual([
      '/api/v3/repos/octo/shop/environments/production',
      '/api/v3/repos/octo/shop/environments/production/deployment-branch-policies?per_page=100&page=1',
      '/api/v3/repos/octo/shop/environments/production/deployment-branch-policies?per_page=100&page=2',
    ]);
  });

  it('no deployment branch policy (any branch, so any pull request): unsafe, with the Settings path and the gh api commands', async () => {
    const [finding] = await check({
      environments: { production: { deployment_branch_policy: null } },
    });
    expect(finding!.verdict).toBe('unsafe');
    expect(finding!.message).toContain(
      'GitHub environment production of octo/shop lets any branch deploy to it, so a pull request from a branch of octo/shop can edit a workflow, name the environment and assume the production role.',
    );
    expect(finding!.message).toContain(
      'Settings > Environments > production > Deployment branches and tags: "Selected branches and tags", adding main, master',
    );
    expect(finding!.message).toContain(
      "gh api -X PUT repos/octo/shop/environments/production -F 'deployment_branch_policy[protected_branches]=false' -F 'deployment_branch_policy[custom_branch_policies]=true'",
    );
    expect(finding!.message).toContain(
      'gh api -X POST repos/octo/shop/environments/production/deployment-branch-policies -f name=main -f type=branch',
    );
    expect(finding!.message).toContain(
      'gh api -X POST repos/octo/shop/environments/production/deployment-branch-policies -f name=master -f type=branch',
    );
  });

  it('protected branches (any branch with a protection rule): allowed, with a warning naming what it admits', async () => {
    const [finding] = await check({
      environments: {
        production: { deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } },
      },
    });
    expect(finding!.verdict).toBe('loose');
    expect(finding!.message).toContain(
      'GitHub environment production lets every branch with a branch protection rule deploy to it, not only main, master:',
    );
  });

  it('a wildcard, an unprotected branch or a tag pattern: unsafe, each named, with the commands that delete them', async () => {
    const [finding] = await check(
      {
        environments: {
          'prod/eu': {
            deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
            branch_policies: [
              { name: 'main' },
              { name: 'feature/*' },
              { name: '*' },
              { name: 'develop' },
              { name: 'v*', type: 'tag' },
            ],
          },
        },
      },
      { environments: ['prod/eu'] },
    );
    expect(finding!.verdict).toBe('unsafe');
    expect(finding!.message).toContain(
      'GitHub environment prod/eu of octo/shop lets more than the protected branches (main, master) deploy to it: ' +
        'branch pattern "feature/*" (a wildcard), branch pattern "*" (a wildcard), branch "develop" (not a protected branch), tag pattern "v*" (tags are not protected branches)',
    );
    expect(finding!.message).toContain(
      'gh api -X DELETE repos/octo/shop/environments/prod%2Feu/deployment-branch-policies/1001',
    );
    expect(finding!.message).toContain(
      'gh api -X DELETE repos/octo/shop/environments/prod%2Feu/deployment-branch-policies/1004',
    );
    expect(finding!.message).not.toContain('deployment-branch-policies/1000');
  });

  it('an environment that does not exist: unsafe (GitHub creates it, any branch allowed, when a job names it)', async () => {
    const [finding] = await check({ environments: {} });
    expect(finding!.verdict).toBe('unsafe');
    expect(finding!.message).toContain(
      'GitHub environment production does not exist in octo/shop: the first job that names it creates it with no deployment branch limit, so a pull request from a branch of octo/shop could assume the production role.',
    );
    expect(finding!.message).toContain(
      "gh api -X PUT repos/octo/shop/environments/production -F 'deployment_branch_policy[protected_branches]=false'",
    );
  });

  it('a private repository without a token (GitHub answers 404 for the repository too): unchecked, saying what to set and what to verify', async () => {
    const [finding] = await check({ environments: {}, ids: undefined });
    expect(finding!.verdict).toBe('unchecked');
    expect(finding!.message).toContain(
      // (this stand-in answers 401 where GitHub answers 404: both mean "not shown to this caller")
      'Could not check GitHub environment production of octo/shop (GitHub answered 401 for octo/shop: check the name; a private repository needs GH_TOKEN (or GITHUB_TOKEN) set to a token that can read it)',
    );
    expect(finding!.message).toContain(
      'Verify by hand that only main, master may deploy to it (Settings > Environments > production > Deployment branches and tags: ' +
        '"Selected branches and tags" naming exactly those branches, no wildcards, no tags): otherwise a pull request from a branch of octo/shop can name it and assume the production role.',
    );
  });

  it.each([401, 403])('GitHub answers %d: unchecked, with what to verify by hand', async (status) => {
    const [finding] = await check({ environments: {}, environmentsStatus: status }, { token: 'gho_wrong' });
    expect(finding!.verdict).toBe('unchecked');
    expect(finding!.message).toContain(
      `Could not check GitHub environment production of octo/shop (GitHub answered ${status}: GH_TOKEN (or GITHUB_TOKEN) must be able to read the repository's environments (the "Actions" read permission))`,
    );
    expect(finding!.message).toContain('Verify by hand that only main, master may deploy to it');
  });

  it('no answer at all: unchecked, naming where it asked', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const [finding] = await checkTrustedEnvironments(
      { ...base, environments: ['production'] },
      { apiUrl: `http://127.0.0.1:${port}`, fetch },
    );
    expect(finding!.verdict).toBe('unchecked');
    expect(finding!.message).toMatch(
      new RegExp(
        `^Could not check GitHub environment production of octo/shop \\(GET http://127\\.0\\.0\\.1:${port}/repos/octo/shop/environments/production failed: .*ECONNREFUSED`,
      ),
    );
  });
});
