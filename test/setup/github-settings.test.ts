/**
 * configureGitHubSettings against a local stand-in for GitHub's REST API:
 * setup --configure-github creates the environment limited to the protected
 * branches and a ruleset protecting them, creates nothing with --dry-run,
 * changes nothing the user already has, and the checks that follow pass.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { checkTrustedBranches } from '../../src/setup/github-branches.js';
import { checkTrustedEnvironments } from '../../src/setup/github-environments.js';
import {
  ADMIN_BYPASS,
  configureGitHubSettings,
  RULESET_NAME,
  type GitHubSettingsTarget,
} from '../../src/setup/github-settings.js';
import {
  startGitHubServer,
  UPGRADE_MESSAGE,
  type FakeRuleset,
  type GitHubServer,
  type GitHubServerState,
} from '../support/github-server.js';

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

  describe('--admin-bypass: repository admins may merge a pull request without the review', () => {
    const admin = { actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'pull_request' };

    it('a new ruleset lists the admin role as a bypass for pull requests only; the branch check still counts it as protected', async () => {
      const lookup = await start();
      const report = await configureGitHubSettings(target, lookup, { dryRun: false, adminBypass: true });
      const ruleset = github!.state.writes.find((w) => w.path.endsWith('/rulesets'))!.body;
      expect(ruleset).toMatchObject({ name: RULESET_NAME, bypass_actors: [admin] });
      expect(ADMIN_BYPASS).toEqual(admin);
      expect(report.changes).toContain(
        'created ruleset "lambda-deploy: production branches" on octo/shop: main takes a pull request with an approving review, no force push, no deletion; ' +
          'repository admins may merge a pull request without the review (a bypass for pull requests only)',
      );
      const branches = await checkTrustedBranches(target, lookup);
      expect(branches.map((f) => f.verdict)).toEqual(['safe']);
    });

    it("a run again with it: the admin role is added to setup's ruleset, the actors the user added are kept; a third run writes nothing", async () => {
      const team = { actor_id: 77, actor_type: 'Team', bypass_mode: 'always' };
      const lookup = await start();
      await configureGitHubSettings(target, lookup, { dryRun: false });
      github!.state.rulesets![0]!.bypass_actors = [team];
      github!.state.writes.length = 0;

      const dry = await configureGitHubSettings(target, lookup, { dryRun: true, adminBypass: true });
      expect(writes()).toEqual([]);
      expect(dry.changes).toEqual([
        'would add repository admins to the bypass list of ruleset "lambda-deploy: production branches" on octo/shop: ' +
          'repository admins may merge a pull request without the review (a bypass for pull requests only); the actors there are kept',
      ]);

      await configureGitHubSettings(target, lookup, { dryRun: false, adminBypass: true });
      expect(writes()).toEqual(['PUT repos/octo/shop/rulesets/42']);
      // Only the bypass list is sent: the branches and rules stay as they are.
      expect(github!.state.writes[0]!.body).toEqual({ bypass_actors: [team, admin] });
      expect(github!.state.rulesets![0]!.bypass_actors).toEqual([team, admin]);
      expect(github!.state.rulesets![0]!.conditions).toEqual({
        ref_name: { include: ['refs/heads/main'], exclude: [] },
      });

      github!.state.writes.length = 0;
      const again = await configureGitHubSettings(target, lookup, { dryRun: false, adminBypass: true });
      expect(writes()).toEqual([]);
      expect(again.unchanged).toContain(
        'ruleset "lambda-deploy: production branches" on octo/shop lets repository admins bypass it already: left as it is',
      );
      // Without the switch, a run keeps the bypass the earlier one added.
      await configureGitHubSettings(target, lookup, { dryRun: false });
      expect(writes()).toEqual([]);
    });

    it('an admin bypass the user set to "always" is left as it is, not duplicated', async () => {
      const always = { ...admin, bypass_mode: 'always' };
      const lookup = await start();
      await configureGitHubSettings(target, lookup, { dryRun: false });
      github!.state.rulesets![0]!.bypass_actors = [always];
      github!.state.writes.length = 0;
      await configureGitHubSettings(target, lookup, { dryRun: false, adminBypass: true });
      expect(writes()).toEqual([]);
      expect(github!.state.rulesets![0]!.bypass_actors).toEqual([always]);
    });

    it('a branch added and the bypass in one run: one PUT with both, nothing of the ruleset removed', async () => {
      const lookup = await start({
        protection: { branches: { main: { protected: false }, release: { protected: false } } },
      });
      await configureGitHubSettings(target, lookup, { dryRun: false });
      github!.state.writes.length = 0;
      await configureGitHubSettings({ ...target, protectedBranches: ['main', 'release'] }, lookup, {
        dryRun: false,
        adminBypass: true,
      });
      expect(writes()).toEqual(['PUT repos/octo/shop/rulesets/42']);
      expect(github!.state.writes[0]!.body).toEqual({
        conditions: { ref_name: { include: ['refs/heads/main', 'refs/heads/release'], exclude: [] } },
        bypass_actors: [admin],
      });
      expect(github!.state.rulesets![0]!.rules.map((r) => r.type)).toEqual([
        'deletion',
        'non_fast_forward',
        'pull_request',
      ]);
    });

    it('GitHub shows no bypass list (a token that is not an admin): refused, nothing written', async () => {
      const lookup = await start({
        rulesets: [
          {
            id: 9,
            name: RULESET_NAME,
            target: 'branch',
            enforcement: 'active',
            conditions: { ref_name: { include: ['refs/heads/main'], exclude: [] } },
            rules: [{ type: 'pull_request' }],
            bypass_actors: undefined,
          },
        ],
      });
      // The stand-in answers [] when there is none; a missing list is what a reader sees.
      github!.state.rulesets![0]!.bypass_actors = null as unknown as object[];
      await expect(
        configureGitHubSettings(target, lookup, { dryRun: false, adminBypass: true }),
      ).rejects.toThrow(
        '--configure-github: GitHub\'s answer for ruleset "lambda-deploy: production branches" on octo/shop has no bypass list (bypass_actors): --admin-bypass adds nothing rather than replace it.',
      );
      expect(writes().filter((w) => w.includes('/rulesets'))).toEqual([]);
    });

    it('a single collaborator without the switch: a hint naming it; none with two collaborators or with the switch', async () => {
      const lookup = await start({ collaborators: ['octo'] });
      const alone = await configureGitHubSettings(target, lookup, { dryRun: true });
      expect(alone.hints).toEqual([
        'octo/shop has a single collaborator, who cannot approve their own pull request: add --admin-bypass to let repository admins merge pull requests into main without the review.',
      ]);
      expect(
        (await configureGitHubSettings(target, lookup, { dryRun: true, adminBypass: true })).hints,
      ).toEqual([]);
      github!.state.collaborators = ['octo', 'hubot'];
      expect((await configureGitHubSettings(target, lookup, { dryRun: true })).hints).toEqual([]);
    });
  });

  describe('a private repository of a GitHub Free account (no rulesets, no environment branch limits)', () => {
    it.each([403, 404])(
      'GitHub answers %d asking for an upgrade to a write: the error says so and what to do, not a token permission',
      async (status) => {
        const lookup = await start({ freePrivate: status });
        const error = await configureGitHubSettings(target, lookup, { dryRun: false }).then(
          () => undefined,
          (e: Error) => e.message,
        );
        expect(error).toContain(`GitHub answered ${status} (${UPGRADE_MESSAGE})`);
        expect(error).toContain("make the repository public, or upgrade its owner's plan");
        expect(error).toContain('Could not create the environment production');
        expect(error).not.toContain('Administration');
      },
    );

    it('an existing environment, then the rules of a branch cannot be read for the plan: said so, nothing written', async () => {
      const lookup = await start({
        freePrivate: 403,
        environments: {
          production: {
            deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
            branch_policies: [{ name: 'main' }],
          },
        },
      });
      await expect(configureGitHubSettings(target, lookup, { dryRun: false })).rejects.toThrow(
        `--configure-github: could not read Branch main of octo/shop (GitHub answered 403 (${UPGRADE_MESSAGE}): GitHub offers rulesets`,
      );
      expect(writes()).toEqual([]);
      const [branch] = await checkTrustedBranches(target, lookup);
      expect(branch!.message).toContain('make the repository public');
      expect(branch!.message).not.toContain('must be able to read');
    });
  });

  it("an organisation's ruleset of the same name: said, not changed, no second one created; the check then refuses the branch", async () => {
    const organisation: FakeRuleset = {
      id: 3,
      name: RULESET_NAME,
      target: 'branch',
      enforcement: 'active',
      source_type: 'Organization',
      source: 'octo',
      conditions: { ref_name: { include: ['refs/heads/release'], exclude: [] } },
      rules: [{ type: 'pull_request' }],
    };
    const lookup = await start({
      environments: {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      },
      rulesets: [structuredClone(organisation)],
    });
    const report = await configureGitHubSettings(target, lookup, { dryRun: false, adminBypass: true });
    expect(writes()).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.unchanged).toContain(
      'ruleset "lambda-deploy: production branches" of octo (Organization ruleset) applies to octo/shop and does not protect main: ' +
        "setup changes no organization ruleset and creates no second one of that name; add main to it in octo's Settings, or protect them in the repository yourself",
    );
    expect(github!.state.rulesets).toEqual([organisation]);
    expect((await checkTrustedBranches(target, lookup)).map((f) => f.verdict)).toEqual(['unsafe']);
  });
});
