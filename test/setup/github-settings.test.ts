/**
 * configureGitHubSettings against a local stand-in for GitHub's REST API:
 * setup --configure-github creates the environment limited to the protected
 * branches and a ruleset protecting them, creates nothing with --dry-run,
 * changes nothing the user already has, and the checks that follow pass.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { checkTrustedBranches } from '../../src/setup/github-branches.js';
import { checkTrustedEnvironments } from '../../src/setup/github-environments.js';
import { configureGitHubSettings, type GitHubSettingsTarget } from '../../src/setup/github-settings.js';
import { startGitHubServer, type GitHubServer, type GitHubServerState } from '../support/github-server.js';

let github: GitHubServer | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

const TOKEN = 'gho_admin';
const target: GitHubSettingsTarget = {
  repository: 'octo/shop',
  environments: ['production'],
  protectedBranches: ['main'],
};

/** A new repository: main, unprotected, no environment. */
async function start(init: Partial<GitHubServerState> = {}) {
  github = await startGitHubServer({
    repository: 'octo/shop',
    token: TOKEN,
    ids: { owner: 1, repository: 2 },
    environments: {},
    protection: { branches: { main: { protected: false } } },
    ...init,
  });
  return { apiUrl: github.url, fetch, token: TOKEN };
}

const writes = () => github!.state.writes.map((w) => `${w.method} ${w.path.replace('/api/v3/', '')}`);

describe('configureGitHubSettings', () => {
  it('a new repository: creates the environment limited to main and a ruleset on main; the checks then pass', async () => {
    const lookup = await start();
    const before = await checkTrustedEnvironments({ ...target }, lookup);
    expect(before.map((f) => f.verdict)).toEqual(['unsafe']);

    const report = await configureGitHubSettings(target, lookup, { dryRun: false });

    expect(writes()).toEqual([
      'PUT repos/octo/shop/environments/production',
      'POST repos/octo/shop/environments/production/deployment-branch-policies',
      'POST repos/octo/shop/rulesets',
    ]);
    const [environment, policy, ruleset] = github!.state.writes.map((w) => w.body);
    // Limited by name, not to "protected branches": GitHub counts only classic branch protection
    // rules there, not the ruleset made below, and any protected branch could deploy.
    expect(environment).toEqual({
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    expect(policy).toEqual({ name: 'main', type: 'branch' });
    expect(ruleset).toMatchObject({
      target: 'branch',
      enforcement: 'active',
      conditions: { ref_name: { include: ['refs/heads/main'], exclude: [] } },
    });
    const rules = (ruleset as { rules: { type: string; parameters?: object }[] }).rules;
    expect(rules.map((r) => r.type)).toEqual(['deletion', 'non_fast_forward', 'pull_request']);
    expect(rules[2]!.parameters).toMatchObject({ required_approving_review_count: 1 });
    expect(github!.state.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(report.changes).toEqual([
      'created GitHub environment production of octo/shop: only main may deploy to it',
      'created ruleset "lambda-deploy: production branches" on octo/shop: main takes a pull request with an approving review, no force push, no deletion',
    ]);

    const environments = await checkTrustedEnvironments({ ...target }, lookup);
    const branches = await checkTrustedBranches(target, lookup);
    expect([...environments, ...branches].map((f) => f.verdict)).toEqual(['safe', 'safe']);

    // A second run finds both and writes nothing.
    github!.state.writes.length = 0;
    const again = await configureGitHubSettings(target, lookup, { dryRun: false });
    expect(writes()).toEqual([]);
    expect(again.changes).toEqual([]);
    expect(again.unchanged).toEqual([
      'GitHub environment production of octo/shop exists: left as it is (only main may deploy to it)',
      'Branch main of octo/shop is protected (ruleset rule pull_request): left as it is',
    ]);
  });

  it('--dry-run: says what it would create, creates nothing', async () => {
    const lookup = await start();
    const report = await configureGitHubSettings(target, lookup, { dryRun: true });
    expect(writes()).toEqual([]);
    expect(github!.state.environments).toEqual({});
    expect(report.changes).toEqual([
      'would create GitHub environment production of octo/shop: only main may deploy to it',
      'would create ruleset "lambda-deploy: production branches" on octo/shop: main takes a pull request with an approving review, no force push, no deletion',
    ]);
  });

  it('what the user has is left as it is: an environment any branch may deploy to (said), a protected branch', async () => {
    const lookup = await start({
      environments: {
        production: { deployment_branch_policy: null },
        staging: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }, { name: 'release/*' }],
        },
      },
      protection: { branches: { main: { protected: true } } },
    });
    const report = await configureGitHubSettings(
      { ...target, environments: ['production', 'staging'] },
      lookup,
      { dryRun: false },
    );
    expect(writes()).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.unchanged).toEqual([
      'GitHub environment production of octo/shop exists: left as it is (any branch may deploy to it, where setup would let only main)',
      'GitHub environment staging of octo/shop exists: left as it is (main, release/* may deploy to it, where setup would let only main)',
      'Branch main of octo/shop is protected (branch protection): left as it is',
    ]);
  });

  it('a protected branch that does not exist yet: the ruleset also restricts its creation', async () => {
    const lookup = await start();
    await configureGitHubSettings({ ...target, protectedBranches: ['main', 'release'] }, lookup, {
      dryRun: false,
    });
    const ruleset = github!.state.writes.find((w) => w.path.endsWith('/rulesets'))!.body as {
      conditions: { ref_name: { include: string[] } };
      rules: { type: string }[];
    };
    expect(ruleset.conditions.ref_name.include).toEqual(['refs/heads/main', 'refs/heads/release']);
    expect(ruleset.rules.map((r) => r.type)).toEqual([
      'deletion',
      'non_fast_forward',
      'pull_request',
      'creation',
    ]);
    const branches = await checkTrustedBranches(
      { ...target, protectedBranches: ['main', 'release'] },
      lookup,
    );
    expect(branches.map((f) => f.verdict)).toEqual(['safe', 'safe']);
  });

  it('a protected branch added later: its branch goes into the ruleset setup made, not a second one GitHub would refuse', async () => {
    const lookup = await start({
      protection: { branches: { main: { protected: false }, release: { protected: false } } },
    });
    await configureGitHubSettings(target, lookup, { dryRun: false });
    github!.state.writes.length = 0;
    const wider = { ...target, protectedBranches: ['main', 'release'] };

    const dry = await configureGitHubSettings(wider, lookup, { dryRun: true });
    expect(writes()).toEqual([]);
    expect(dry.changes).toEqual([
      'would add release to ruleset "lambda-deploy: production branches" on octo/shop (it then covers main, release; its rules are left as they are)',
    ]);

    const report = await configureGitHubSettings(wider, lookup, { dryRun: false });
    expect(writes()).toEqual(['PUT repos/octo/shop/rulesets/42']);
    expect(github!.state.writes[0]!.body).toEqual({
      conditions: { ref_name: { include: ['refs/heads/main', 'refs/heads/release'], exclude: [] } },
    });
    expect(github!.state.rulesets).toHaveLength(1);
    expect(report.changes).toEqual([
      'added release to ruleset "lambda-deploy: production branches" on octo/shop (it then covers main, release; its rules are left as they are)',
    ]);
    expect(report.made.branches).toEqual(['release']);
    const branches = await checkTrustedBranches(wider, lookup);
    expect(branches.map((f) => f.verdict)).toEqual(['safe', 'safe']);
  });

  it('the ruleset as the user changed it: a branch is added, nothing of theirs removed; creation restricted for a branch not there yet', async () => {
    const mine = {
      id: 7,
      name: 'lambda-deploy: production branches',
      target: 'branch',
      enforcement: 'active' as const,
      bypass_actors: [{ actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'always' }],
      conditions: {
        ref_name: { include: ['refs/heads/main', 'refs/heads/hotfix'], exclude: ['refs/heads/main-old'] },
      },
      rules: [
        { type: 'pull_request', parameters: { required_approving_review_count: 2 } },
        { type: 'required_signatures' },
      ],
    };
    const lookup = await start({ rulesets: [structuredClone(mine)] });
    const report = await configureGitHubSettings(
      { ...target, protectedBranches: ['main', 'release'] },
      lookup,
      { dryRun: false },
    );
    expect(writes().filter((w) => w.includes('/rulesets'))).toEqual(['PUT repos/octo/shop/rulesets/7']);
    expect(github!.state.rulesets).toEqual([
      {
        ...mine,
        conditions: {
          ref_name: {
            include: ['refs/heads/main', 'refs/heads/hotfix', 'refs/heads/release'],
            exclude: ['refs/heads/main-old'],
          },
        },
        rules: [...mine.rules, { type: 'creation' }],
      },
    ]);
    expect(report.changes.filter((c) => c.includes('ruleset'))).toEqual([
      'added release to ruleset "lambda-deploy: production branches" on octo/shop (it then covers main, hotfix, release; its rules are kept, one added: only those allowed to bypass may create release)',
    ]);
    expect(report.unchanged).toContain(
      'Branch main of octo/shop is protected (ruleset rule pull_request): left as it is',
    );
  });

  it('the ruleset names the branch already but is not enforced: left as it is, said, nothing written', async () => {
    const lookup = await start({
      environments: { production: { deployment_branch_policy: null } },
      rulesets: [
        {
          id: 9,
          name: 'lambda-deploy: production branches',
          target: 'branch',
          enforcement: 'evaluate',
          conditions: { ref_name: { include: ['refs/heads/main'], exclude: [] } },
          rules: [{ type: 'pull_request' }],
        },
      ],
    });
    const report = await configureGitHubSettings(target, lookup, { dryRun: false });
    expect(writes()).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.unchanged).toContain(
      'ruleset "lambda-deploy: production branches" on octo/shop names main already (enforcement evaluate): left as it is',
    );
  });

  it.each([403, 404])(
    'GitHub answers %d to a write: an error naming the token and the permission',
    async (status) => {
      const lookup = await start({ writeStatus: status });
      await expect(configureGitHubSettings(target, lookup, { dryRun: false })).rejects.toThrow(
        `--configure-github: GitHub answered ${status} to PUT repos/octo/shop/environments/production ` +
          '(Resource not accessible by personal access token): GH_TOKEN (or GITHUB_TOKEN) needs Administration: write on octo/shop ' +
          '(a fine-grained token with the repository permission "Administration" read and write, or a classic token with the repo scope) to create the environment',
      );
      expect(github!.state.environments).toEqual({});
    },
  );

  it('GitHub cannot be read: an error, nothing written', async () => {
    const lookup = await start({ failNext: 1 });
    await expect(configureGitHubSettings(target, lookup, { dryRun: false })).rejects.toThrow(
      '--configure-github: could not read GitHub environment production of octo/shop (GitHub answered 502)',
    );
    expect(writes()).toEqual([]);
  });
});
