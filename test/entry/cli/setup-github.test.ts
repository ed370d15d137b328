/**
 * The CLI's `setup` and GitHub: the environments the production role trusts, and
 * --configure-github, which makes the environment and the ruleset.
 */
import { describe, expect, test } from '@jest/globals';
import { main } from '../../../src/entry/cli/cli.js';
import { startGitHubServer, type GitHubServerState } from '../../support/github-server.js';
import { testIo } from './io.js';
import { env, iam, setupCli, sts } from './setup-cli.js';

let [stdout, stderr] = ['', ''];
/** Runs the CLI; what it printed is added to stdout and stderr, which are emptied before each test. */
const cli = setupCli({
  reset: () => ([stdout, stderr] = ['', '']),
  add: (out, err) => ([stdout, stderr] = [stdout + out, stderr + err]),
});

describe('lambda-deploy setup', () => {
  describe('the GitHub environments the production role trusts', () => {
    const offline = ['--cloudformation', '--account=123456789012'];
    const bothProtected = { branches: { main: { protected: true }, master: { protected: true } } };
    async function withGitHub(
      environments: GitHubServerState['environments'],
      argv: string[],
      protection: GitHubServerState['protection'] = bothProtected,
    ) {
      const github = await startGitHubServer({
        repository: 'octo/shop',
        ids: { owner: 1342004, repository: 987654321 },
        environments,
        protection,
      });
      try {
        const io = testIo({ ...env, GITHUB_API_URL: github.url }, fetch);
        const code = await main(['setup', '--name=shop', '--repository=octo/shop', ...argv], io);
        return { code, stdout: io.stdout(), stderr: io.stderr() };
      } finally {
        await github.close();
      }
    }

    test('one any branch may deploy to: setup, --dry-run and --cloudformation refuse (exit 2), naming it and the fix, before any IAM write', async () => {
      const open = { production: { deployment_branch_policy: null } };
      for (const argv of [[], ['--dry-run'], offline]) {
        iam.resetHistory();
        const run = await withGitHub(open, argv);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(
          '--github-environment: GitHub environment production of octo/shop lets any branch deploy to it',
        );
        expect(run.stderr).toContain(
          'gh api -X POST repos/octo/shop/environments/production/deployment-branch-policies -f name=main -f type=branch',
        );
        expect(run.stdout).toBe('');
        const sent = iam.calls().map((c) => (c.args[0] as object).constructor.name);
        expect(sent.filter((name) => !/^(Get|List)/.test(name))).toEqual([]);
      }
    });

    test('one limited to the protected branches: trusted, and said so', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      const run = await withGitHub(limited, ['--dry-run', '--documents']);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('GitHub environment production: only main may deploy to it.');
      expect(run.stderr).not.toContain('Could not check GitHub environment');
      expect(run.stdout).toContain('repo:octo/shop:environment:production');
    });

    test('a default branch the repository lacks (master, where only main exists) is left out of the trust, and said so', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      const onlyMain = { branches: { main: { protected: true } } };
      for (const argv of [['--dry-run', '--documents'], offline]) {
        const run = await withGitHub(limited, argv, onlyMain);
        expect(run.code).toBe(0);
        expect(run.stderr).toContain(
          'The production role trusts pushes to main only: octo/shop has no master (a branch anyone with write access could create).',
        );
        expect(run.stdout).toContain('repo:octo/shop:ref:refs/heads/main');
        expect(run.stdout).not.toContain('refs/heads/master');
      }
    });

    test('a protected branch anyone with write access may create, named with --protected-branches: setup refuses (exit 2) before any IAM write', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      for (const argv of [[], ['--dry-run'], offline]) {
        iam.resetHistory();
        const run = await withGitHub(limited, ['--protected-branches=main,master', ...argv], {
          branches: { main: { protected: true } },
        });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(
          '--protected-branches: Branch master does not exist in octo/shop and no ruleset restricts its creation, yet the production role trusts its pushes',
        );
        expect(run.stderr).toContain('run setup with --protected-branches main');
        expect(run.stdout).toBe('');
        const sent = iam.calls().map((c) => (c.args[0] as object).constructor.name);
        expect(sent.filter((name) => !/^(Get|List)/.test(name))).toEqual([]);
      }
      const onlyMain = await withGitHub(limited, ['--dry-run', '--documents', '--protected-branches=main'], {
        branches: { main: { protected: true } },
      });
      expect(onlyMain.code).toBe(0);
      expect(onlyMain.stderr).toContain('Branch main of octo/shop is protected (branch protection).');
      expect(onlyMain.stderr).not.toContain('has no master');
      expect(onlyMain.stdout).not.toContain('refs/heads/master');
    });

    test('an unprotected default branch the repository has is refused, not left out', async () => {
      const limited = {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      };
      const run = await withGitHub(limited, ['--dry-run'], { branches: { main: { protected: false } } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--protected-branches: Branch main of octo/shop is not protected');
    });

    test('GitHub out of reach: setup, --dry-run and --cloudformation go on, warning what to verify by hand', async () => {
      for (const argv of [['--dry-run'], offline]) {
        stderr = '';
        expect(await cli(['setup', '--name=shop', '--repository=octo/shop', ...argv])).toBe(0);
        expect(stderr).toContain(
          'Could not check GitHub environment production of octo/shop (GET https://api.github.com/repos/octo/shop/environments/production failed: ',
        );
        expect(stderr).toContain('Verify by hand that only main, master may deploy to it');
      }
    });
  });

  describe('--configure-github: the environment and the ruleset made, before any AWS call', () => {
    /** A new repository: main, unprotected, no environment. */
    async function run(argv: string[], token: string | undefined, init: Partial<GitHubServerState> = {}) {
      const github = await startGitHubServer({
        repository: 'octo/shop',
        token: 'gho_admin',
        ids: { owner: 1342004, repository: 987654321 },
        environments: {},
        protection: { branches: { main: { protected: false } } },
        ...init,
      });
      try {
        const io = testIo(
          { ...env, GITHUB_API_URL: github.url, ...(token ? { GH_TOKEN: token } : {}) },
          fetch,
        );
        const code = await main(['setup', '--name=shop', '--repository=octo/shop', ...argv], io);
        return { code, stdout: io.stdout(), stderr: io.stderr(), state: github.state };
      } finally {
        await github.close();
      }
    }
    const writes = (state: GitHubServerState) =>
      state.writes.map((w) => `${w.method} ${w.path.replace('/api/v3/', '')}`);

    test('creates the environment limited to main and a ruleset on main; the check that follows passes', async () => {
      const done = await run(['--configure-github'], 'gho_admin');
      expect(done.stderr).not.toContain('error');
      expect(done.code).toBe(0);
      expect(writes(done.state)).toEqual([
        'PUT repos/octo/shop/environments/production',
        'POST repos/octo/shop/environments/production/deployment-branch-policies',
        'POST repos/octo/shop/rulesets',
      ]);
      expect(done.stderr).toContain(
        'GitHub (--configure-github): created GitHub environment production of octo/shop: only main may deploy to it',
      );
      expect(done.stderr).toContain('GitHub environment production: only main may deploy to it.');
      expect(done.stderr).toContain('Branch main of octo/shop is protected (ruleset rule pull_request).');
      expect(done.stdout).toContain('production-role: arn:aws:iam::123456789012:role/shop-deploy-production');
    });

    test('with --dry-run: says what it would create, creates nothing, and the check does not refuse what it would create', async () => {
      const dry = await run(['--configure-github', '--dry-run'], 'gho_admin');
      expect(dry.stderr).not.toContain('error');
      expect(dry.code).toBe(0);
      expect(writes(dry.state)).toEqual([]);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): would create GitHub environment production of octo/shop: only main may deploy to it',
      );
      expect(dry.stderr).toContain(
        'would create ruleset "lambda-deploy: production branches" on octo/shop: main',
      );
      expect(dry.stdout).toMatch(/^\+ would create OIDC provider/m);
      // Without the switch the same dry run stops at the missing environment.
      const plain = await run(['--dry-run'], 'gho_admin');
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain('GitHub environment production does not exist in octo/shop');
    });

    test('a protected branch added after a first run: the dry run says it would add it to the ruleset setup made, and the check does not refuse it', async () => {
      const ruleset = {
        id: 42,
        name: 'lambda-deploy: production branches',
        target: 'branch',
        enforcement: 'active' as const,
        conditions: { ref_name: { include: ['refs/heads/main'], exclude: [] } },
        rules: [{ type: 'deletion' }, { type: 'non_fast_forward' }, { type: 'pull_request' }],
      };
      const init = {
        protection: { branches: { main: { protected: false }, release: { protected: false } } },
        rulesets: [ruleset],
      };
      const argv = ['--configure-github', '--protected-branches=main,release'];
      const dry = await run([...argv, '--dry-run'], 'gho_admin', init);
      expect(dry.stderr).not.toContain('error');
      expect(dry.code).toBe(0);
      expect(writes(dry.state)).toEqual([]);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): would add release to ruleset "lambda-deploy: production branches" on octo/shop (it then covers main, release; its rules are left as they are)',
      );
      const done = await run(argv, 'gho_admin', init);
      expect(done.code).toBe(0);
      expect(writes(done.state).filter((w) => w.includes('/rulesets'))).toEqual([
        'PUT repos/octo/shop/rulesets/42',
      ]);
      expect(done.stderr).toContain('Branch release of octo/shop is protected (ruleset rule pull_request).');
    });

    test('a wildcard branch or environment name is refused before any GitHub write (an environment open to *, a ruleset on every branch)', async () => {
      const wildcard = await run(['--configure-github', '--protected-branches=*'], 'gho_admin');
      // Named by the flag typed, as a wrong command line (exit 2).
      expect(wildcard.code).toBe(2);
      expect(wildcard.stderr).toContain(
        'error: --protected-branches: "*" is not valid; expected exact branch names, like main,release/1.x (no wildcards: list each one).',
      );
      expect(wildcard.state.writes).toEqual([]);
      const environment = await run(['--configure-github', '--github-environment=prod*'], 'gho_admin');
      expect(environment.code).not.toBe(0);
      expect(environment.stderr).toContain('environment: "prod*" is not valid');
      expect(environment.state.writes).toEqual([]);
    });

    test('no token: a usage error naming GH_TOKEN, before any GitHub write or AWS call', async () => {
      const none = await run(['--configure-github', '--dry-run'], undefined);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain(
        'error: --configure-github: needs a token that can administer octo/shop in GH_TOKEN (or GITHUB_TOKEN)',
      );
      expect(none.state.writes).toEqual([]);
      expect(sts.calls()).toHaveLength(0);
    });

    test('GitHub refuses the write (403): the error names the token and the permission; no AWS call', async () => {
      const refused = await run(['--configure-github'], 'gho_reader', {
        token: 'gho_reader',
        writeStatus: 403,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('GH_TOKEN (or GITHUB_TOKEN) needs Administration: write on octo/shop');
      expect(sts.calls()).toHaveLength(0);
      expect(iam.calls()).toHaveLength(0);
    });

    test('the help offers it, and --admin-bypass with it', async () => {
      expect(await cli(['setup', '--help'])).toBe(0);
      expect(stdout).toMatch(/^ {2}--configure-github +create the GitHub environment/m);
      expect(stdout).toMatch(
        /^ {2}--admin-bypass +with --configure-github: repository admins may merge a pull request into a protected branch without the approving review/m,
      );
    });

    test('--admin-bypass: the ruleset made lets repository admins bypass it for pull requests only; the check still counts main as protected', async () => {
      const done = await run(['--configure-github', '--admin-bypass'], 'gho_admin', {
        collaborators: ['octo'],
      });
      expect(done.code).toBe(0);
      const ruleset = done.state.writes.find((w) => w.path.endsWith('/rulesets'))!.body;
      expect(ruleset).toMatchObject({
        bypass_actors: [{ actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'pull_request' }],
      });
      expect(done.stderr).toContain(
        'repository admins may merge a pull request without the review (a bypass for pull requests only)',
      );
      expect(done.stderr).toContain('Branch main of octo/shop is protected (ruleset rule pull_request).');
      expect(done.stderr).not.toContain('hint');
    });

    test('a single collaborator without --admin-bypass: a one-line hint naming it', async () => {
      const dry = await run(['--configure-github', '--dry-run'], 'gho_admin', { collaborators: ['octo'] });
      expect(dry.code).toBe(0);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): hint: octo/shop has a single collaborator, who cannot approve their own pull request: add --admin-bypass',
      );
    });

    test('--admin-bypass without --configure-github: a usage error naming both, before any GitHub or AWS call', async () => {
      const alone = await run(['--admin-bypass', '--dry-run'], 'gho_admin');
      expect(alone.code).toBe(2);
      expect(alone.stderr).toContain('error: --admin-bypass: only with --configure-github');
      expect(alone.state.requests).toEqual([]);
      expect(sts.calls()).toHaveLength(0);
    });

    test('--cloudformation, which changes nothing, with --configure-github: refused before any GitHub write; with --dry-run it says what it would make', async () => {
      const offline = ['--cloudformation', '--account=123456789012'];
      const refused = await run(['--configure-github', ...offline], 'gho_admin');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        'error: --configure-github: not with --cloudformation, which only prints a template and changes nothing, while --configure-github writes to GitHub.',
      );
      expect(refused.stdout).toBe('');
      expect(refused.state.writes).toEqual([]);
      const dry = await run(['--configure-github', '--dry-run', ...offline], 'gho_admin');
      expect(dry.code).toBe(0);
      expect(dry.state.writes).toEqual([]);
      expect(dry.stderr).toContain(
        'GitHub (--configure-github, dry run): would create GitHub environment production of octo/shop',
      );
      expect(JSON.parse(dry.stdout)).toHaveProperty('Resources');
    });

    test('a private repository on GitHub Free: the error says rulesets need a paid plan or a public repository, not a token permission; no AWS call', async () => {
      const free = await run(['--configure-github'], 'gho_admin', { freePrivate: 403 });
      expect(free.code).toBe(1);
      expect(free.stderr).toContain(
        'Upgrade to GitHub Pro or make this repository public to enable this feature.',
      );
      expect(free.stderr).toContain("make the repository public, or upgrade its owner's plan");
      expect(free.stderr).not.toContain('Administration: write');
      expect(free.stderr).not.toContain('gho_admin');
      expect(iam.calls()).toHaveLength(0);
    });
  });
});
