/**
 * checkTrustedBranches against a local stand-in for GitHub's REST API: the
 * production role trusts pushes to the protected branches with no
 * environment in between, so a branch anyone with write access may create
 * or push to unreviewed (the default list's `master` in a repository that
 * only has `main`) must not be trusted.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { checkTrustedBranches } from '../../src/setup/github-branches.js';
import { startGitHubServer, type GitHubServer, type GitHubServerState } from '../support/github-server.js';

let github: GitHubServer | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

async function check(protection: GitHubServerState['protection'], protectedBranches = ['main', 'master']) {
  github = await startGitHubServer({
    repository: 'octo/shop',
    token: 'gho_admin',
    ids: { owner: 1, repository: 2 },
    protection,
  });
  return checkTrustedBranches(
    { repository: 'octo/shop', protectedBranches },
    { apiUrl: github.url, fetch, token: undefined },
  );
}

describe('checkTrustedBranches', () => {
  it('a trusted branch that does not exist and that anyone may create: unsafe, naming the fix', async () => {
    const findings = await check({ branches: { main: { protected: true } } });
    expect(findings.map((f) => [f.branch, f.verdict])).toEqual([
      ['main', 'safe'],
      ['master', 'unsafe'],
    ]);
    const master = findings[1]!.message;
    expect(master).toContain(
      'Branch master does not exist in octo/shop and no ruleset restricts its creation, yet the production role trusts its pushes (sub ref:refs/heads/master)',
    );
    expect(master).toContain('run setup with --protected-branches main');
    expect(master).toContain('"Restrict creations"');
    expect(github!.state.requests.map((r) => r.path)).toContain(
      '/api/v3/repos/octo/shop/rules/branches/master?per_page=100',
    );
  });

  it('a missing branch whose creation a ruleset restricts: safe', async () => {
    const findings = await check({
      branches: { main: { protected: true } },
      rules: { master: ['creation', 'deletion'] },
    });
    expect(findings.map((f) => f.verdict)).toEqual(['safe', 'safe']);
    expect(findings[1]!.message).toBe(
      'Branch master does not exist in octo/shop; a ruleset restricts who may create it.',
    );
  });

  it('an existing branch with no protection, or only rules that do not stop a push: unsafe', async () => {
    const findings = await check(
      { branches: { main: { protected: false } }, rules: { main: ['deletion', 'non_fast_forward'] } },
      ['main'],
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.verdict).toBe('unsafe');
    expect(findings[0]!.message).toContain('Branch main of octo/shop is not protected');
    expect(findings[0]!.message).toContain(
      'run setup with --protected-branches naming the branch production deploys from',
    );
  });

  it('protected by branch protection or by a ruleset requiring a pull request: safe', async () => {
    const findings = await check({
      branches: { main: { protected: false }, master: { protected: true } },
      rules: { main: ['pull_request'] },
    });
    expect(findings.map((f) => f.message)).toEqual([
      'Branch main of octo/shop is protected (ruleset rule pull_request).',
      'Branch master of octo/shop is protected (branch protection).',
    ]);
  });

  it('GitHub cannot be asked: unchecked, saying what to verify by hand', async () => {
    github = await startGitHubServer({ repository: 'octo/shop', failNext: 10 });
    const [finding] = await checkTrustedBranches(
      { repository: 'octo/shop', protectedBranches: ['main'] },
      { apiUrl: github.url, fetch },
    );
    expect(finding!.verdict).toBe('unchecked');
    expect(finding!.message).toContain('Could not check branch main of octo/shop (GitHub answered 502)');
  });
});
