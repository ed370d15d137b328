import { describe, expect, test } from '@jest/globals';
import { makePlan } from '../../src/model/plan.js';
import { branchStage } from '../../src/model/stage-name.js';
import { decidePrune } from '../../src/model/prune-decisions.js';
import { stageTags, TagKeys } from '../../src/model/tags.js';
import type { Command } from '../../src/model/settings.js';
import type { GitHubContext } from '../../src/model/github-context.js';
import { eventContext } from '../support/github-context.js';

const ctx = eventContext;

const pr = (action: string, number = 42, headRepo: string | null = 'octo/svc') => ({
  action,
  number,
  pull_request: {
    number,
    head: { repo: headRepo ? { full_name: headRepo } : null },
    base: { repo: { full_name: 'octo/svc' } },
  },
  repository: { full_name: 'octo/svc' },
});

const settings = (command: Command = 'auto', stage?: string) => ({ command, name: 'svc', stage });

describe('makePlan with command: auto', () => {
  test.each<[string, GitHubContext, string, string, string]>([
    ['push to main', ctx('push', {}, 'refs/heads/main'), 'deploy', 'main', 'main'],
    [
      'push to feature/Login',
      ctx('push', {}, 'refs/heads/feature/Login'),
      'deploy',
      branchStage('feature/Login'),
      'feature/Login',
    ],
    ['workflow_dispatch', ctx('workflow_dispatch', {}, 'refs/heads/develop'), 'deploy', 'develop', 'develop'],
    [
      'pull_request opened',
      ctx('pull_request', pr('opened'), 'refs/pull/42/merge'),
      'deploy',
      'pr-42',
      'pull/42',
    ],
    [
      'pull_request synchronize',
      ctx('pull_request', pr('synchronize'), 'refs/pull/42/merge'),
      'deploy',
      'pr-42',
      'pull/42',
    ],
    [
      'pull_request reopened',
      ctx('pull_request', pr('reopened'), 'refs/pull/42/merge'),
      'deploy',
      'pr-42',
      'pull/42',
    ],
    [
      'pull_request closed',
      ctx('pull_request', pr('closed'), 'refs/pull/42/merge'),
      'undeploy',
      'pr-42',
      'pull/42',
    ],
    // On delete, GITHUB_REF is the default branch: the deleted branch comes from the payload.
    [
      'delete of a branch',
      ctx('delete', { ref: 'feature-x', ref_type: 'branch' }, 'refs/heads/main'),
      'undeploy',
      'feature-x',
      'feature-x',
    ],
    ['schedule', ctx('schedule', {}, 'refs/heads/main'), 'prune', '', ''],
    ['push of a tag', ctx('push', {}, 'refs/tags/v1.0.0'), 'skip', '', ''],
    ['delete of a tag', ctx('delete', { ref: 'v1', ref_type: 'tag' }, 'refs/heads/main'), 'skip', '', ''],
    ['pull_request labeled', ctx('pull_request', pr('labeled'), 'refs/pull/42/merge'), 'skip', '', ''],
  ])('%s', (_title, context, command, stage, ref) => {
    const plan = makePlan(settings(), context);
    expect(plan).toMatchObject({ command, stage, ref });
    expect(plan.functionName).toBe(stage ? `svc-${stage}` : '');
  });

  test('a pull request from a fork is marked, so sign-in can explain why there is no token', () => {
    expect(makePlan(settings(), ctx('pull_request', pr('opened', 7, 'someone/svc'))).fromFork).toBe(true);
    expect(makePlan(settings(), ctx('pull_request', pr('opened', 7, null))).fromFork).toBe(true);
    expect(makePlan(settings(), ctx('pull_request', pr('opened', 7))).fromFork).toBe(false);
  });

  test('an unknown event is an error that names the command input', () => {
    expect(() => makePlan(settings(), ctx('release', {}, 'refs/tags/v1'))).toThrow(
      /command: "auto" does not know .* "release" event/,
    );
  });
});

describe('makePlan with an explicit command or stage', () => {
  test('stage override wins over the event', () => {
    expect(makePlan(settings('auto', 'staging'), ctx('push', {}, 'refs/heads/main'))).toMatchObject({
      command: 'deploy',
      stage: 'staging',
      functionName: 'svc-staging',
    });
  });

  test.each<[string, GitHubContext, string]>([
    // On delete GITHUB_REF is the default branch, so `stage: ${{ github.ref_name == 'main' && 'staging' || '' }}` says staging.
    [
      'a deleted branch',
      ctx('delete', { ref: 'feature-x', ref_type: 'branch' }, 'refs/heads/main'),
      'feature-x',
    ],
    ['a closed pull request', ctx('pull_request', pr('closed'), 'refs/pull/42/merge'), 'pr-42'],
  ])(
    'an auto undeploy of %s removes a different stage input only when its tags say it was deployed for it',
    (_, event, own) => {
      const plan = makePlan(settings('auto', 'staging'), event);
      // The tags are read after signing in: the plan says which ref they must name.
      const ref = own === 'pr-42' ? 'pull/42' : own;
      expect(plan).toMatchObject({
        command: 'undeploy',
        stage: 'staging',
        functionName: 'svc-staging',
        ref,
        onlyIfDeployedFor: { ref, eventStage: own },
      });
      // The same stage, or an explicit command, undeploys with no condition.
      expect(makePlan(settings('auto', own), event)).toMatchObject({ command: 'undeploy', stage: own });
      expect(makePlan(settings('auto', own), event).onlyIfDeployedFor).toBeUndefined();
      const explicit = makePlan(settings('undeploy', 'staging'), event);
      expect(explicit).toMatchObject({ command: 'undeploy', stage: 'staging' });
      expect(explicit.onlyIfDeployedFor).toBeUndefined();
    },
  );

  test('an auto undeploy of a deleted branch never aims at a protected stage input', () => {
    const event = ctx('delete', { ref: 'feature-x', ref_type: 'branch' }, 'refs/heads/main');
    const plan = makePlan(settings('auto', 'prod'), event);
    expect(plan).toMatchObject({ command: 'skip', stage: '', functionName: '' });
    expect(plan.reason).toBe(
      'branch feature-x deleted: its stage is feature-x, not the stage input "prod" (a protected stage): nothing removed. To remove stage prod on purpose, run with command: undeploy',
    );
  });

  test.each<[string, GitHubContext, string]>([
    ['workflow_dispatch on a tag', ctx('workflow_dispatch', {}, 'refs/tags/v1.2'), 'refs/tags/v1.2'],
    ['a release event', ctx('release', { action: 'published' }, 'refs/tags/v1.2'), 'refs/tags/v1.2'],
    ['the CLI outside a git branch', ctx('', {}, ''), ''],
  ])(
    'a stage input deployed from %s is tagged with the event ref, never as a branch prune would remove',
    (_, event, ref) => {
      const plan = makePlan(settings('deploy', 'demo'), event);
      expect(plan).toMatchObject({ command: 'deploy', stage: 'demo', ref });
      // Prune removes a branch stage whose branch is gone; "demo" never had one.
      const [decision] = decidePrune(
        [{ stage: 'demo', ref: stageTags({ ...plan, project: 'svc' })[TagKeys.Ref]! }],
        {
          branches: ['main'],
          pullRequests: new Map(),
          protectedStages: [],
          now: new Date(),
        },
      );
      expect(decision).toMatchObject({ action: 'keep' });
    },
  );

  test('command undeploy on a push removes that branch stage', () => {
    expect(makePlan(settings('undeploy'), ctx('push', {}, 'refs/heads/feature-y'))).toMatchObject({
      command: 'undeploy',
      stage: 'feature-y',
    });
  });

  test('package needs no stage', () => {
    expect(makePlan(settings('package'), ctx('schedule'))).toMatchObject({ command: 'package', stage: '' });
  });

  test('deploy with no stage to derive is an error that says to set stage', () => {
    expect(() => makePlan(settings('deploy'), ctx('schedule'))).toThrow(
      /stage: could not be derived .*set stage/,
    );
  });
});

describe('a pull request never reaches a protected stage', () => {
  const protectedStages = ['main', 'master', 'prod', 'production'];
  const withStage = (stage: string, command: Command = 'auto') => ({
    ...settings(command, stage),
    protectedStages,
  });

  test.each(['main', 'Main', 'prod', 'production', 'master'])(
    'a pull_request run with stage: %s is refused, naming the stage and the rule',
    (stage) => {
      expect(() => makePlan(withStage(stage), ctx('pull_request', pr('synchronize', 7)))).toThrow(
        new RegExp(
          `stage: "${stage}" is listed in protected-stages \\(not set in the workflow, so its default: main, master, prod, production\\), and a pull_request run may not deploy or remove it`,
        ),
      );
    },
  );

  test.each(['pull_request_target', 'pull_request_review', 'pull_request_review_comment'])(
    'so is any pull-request event (%s), with command deploy or undeploy',
    (event) => {
      for (const command of ['deploy', 'undeploy'] as const)
        expect(() => makePlan(withStage('main', command), ctx(event, pr('opened', 7)))).toThrow(
          /code from a pull request never reaches a protected stage/,
        );
    },
  );

  test('a custom protected stage counts, and the default list applies when none is passed', () => {
    expect(() =>
      makePlan({ ...settings('auto', 'live'), protectedStages: ['live'] }, ctx('pull_request', pr('opened'))),
    ).toThrow('stage: "live" is listed in protected-stages (the protected-stages input: live)');
    expect(() => makePlan(settings('auto', 'main'), ctx('pull_request', pr('opened')))).toThrow(
      'stage: "main" is listed in protected-stages (not set in the workflow, so its default: main, master, prod, production)',
    );
  });

  test('its own pr-N stage, other stages, and pushes to main are fine', () => {
    expect(makePlan(withStage('staging'), ctx('pull_request', pr('opened', 7))).stage).toBe('staging');
    expect(makePlan({ ...settings(), protectedStages }, ctx('pull_request', pr('opened', 7))).stage).toBe(
      'pr-7',
    );
    expect(makePlan({ ...settings(), protectedStages }, ctx('push', {}, 'refs/heads/main')).stage).toBe(
      'main',
    );
    // Packaging touches no stage.
    expect(makePlan(withStage('main', 'package'), ctx('pull_request', pr('opened', 7))).command).toBe(
      'package',
    );
  });
});

describe('a pull request number that is not a positive whole number is refused', () => {
  test.each<[string, unknown]>([
    ['1e21 (would be stage pr-1e+21)', 1e21],
    ['2^53, past the safe integers', 2 ** 53],
    ['zero', 0],
    ['negative', -3],
    ['a fraction', 4.5],
    ['a string', '42'],
    ['null', null],
  ])('%s', (_name, number) => {
    const payload = { action: 'opened', number, pull_request: { number } };
    expect(() => makePlan(settings(), ctx('pull_request', payload))).toThrow(
      /^The pull request number of the event is .*; expected a positive whole number, like 42\.$/,
    );
  });

  test('the largest safe number still works', () => {
    const n = Number.MAX_SAFE_INTEGER;
    expect(makePlan(settings(), ctx('pull_request', pr('opened', n))).stage).toBe(`pr-${n}`);
  });
});

describe('a stage derived from a branch name names its branch (two branches can derive one stage)', () => {
  // `Feature/Login` had to change to fit, so it is hashed: a branch literally named so derives the same stage.
  const lookAlike = branchStage('Feature/Login');

  test.each<[string, Command, GitHubContext, string]>([
    ['a push', 'auto', ctx('push', {}, `refs/heads/${lookAlike}`), lookAlike],
    [
      'a workflow_dispatch',
      'auto',
      ctx('workflow_dispatch', {}, 'refs/heads/Feature/Login'),
      'Feature/Login',
    ],
    [
      'a deleted branch (auto)',
      'auto',
      ctx('delete', { ref: lookAlike, ref_type: 'branch' }, 'refs/heads/main'),
      lookAlike,
    ],
    [
      'a deleted branch (command: undeploy, as the reusable workflow runs it)',
      'undeploy',
      ctx('delete', { ref: lookAlike, ref_type: 'branch' }, 'refs/heads/main'),
      lookAlike,
    ],
    ['command undeploy on a push', 'undeploy', ctx('push', {}, 'refs/heads/Main'), 'Main'],
  ])('%s: stageBranch is the branch', (_, command, event, branch) => {
    const plan = makePlan(settings(command), event);
    expect(plan).toMatchObject({ stage: branchStage(branch), ref: branch, stageBranch: branch });
  });

  test.each<[string, ReturnType<typeof settings>, GitHubContext]>([
    // Several refs sharing one stage is what a stage input is for.
    ['a stage input', settings('deploy', lookAlike), ctx('push', {}, `refs/heads/${lookAlike}`)],
    [
      "a stage input equal to the deleted branch's own stage",
      settings('undeploy', lookAlike),
      ctx('delete', { ref: lookAlike, ref_type: 'branch' }, 'refs/heads/main'),
    ],
    // No branch derives pr-N (a branch named so is hashed): a pull request's stage is its own.
    ['a pull request', settings('auto'), ctx('pull_request', pr('opened'), 'refs/pull/42/merge')],
    ['a closed pull request', settings('auto'), ctx('pull_request', pr('closed'), 'refs/pull/42/merge')],
  ])('%s: no stageBranch', (_, given, event) => {
    const plan = makePlan(given, event);
    expect(plan.stage).not.toBe('');
    expect(plan.stageBranch).toBeUndefined();
  });
});

describe('a protected stage input is deployed from a production branch only', () => {
  const protectedStages = ['main', 'master', 'prod', 'production'];
  const withStage = (
    stage: string,
    extra: { protectedStageEntries?: string[]; protectedStages?: string[] } = {},
  ) => ({
    ...settings('auto', stage),
    protectedStages,
    ...extra,
  });

  test.each([
    ['push', 'feature/x', 'prod'],
    ['push', 'develop', 'main'],
    ['workflow_dispatch', 'feature/x', 'production'],
    // Branches named like stage-only names are no production branches; `Main` is another branch than main.
    ['push', 'prod', 'prod'],
    ['push', 'Main', 'main'],
  ])('a %s run on branch %s with stage: %s is refused before anything is made', (event, branch, stage) => {
    expect(() => makePlan(withStage(stage), ctx(event, {}, `refs/heads/${branch}`))).toThrow(
      `stage: "${stage}" is a protected stage (listed in protected-stages: not set in the workflow, so its default: main, master, prod, production), and this run is on branch ${branch}, which is not a production branch (main, master)`,
    );
    // With command: deploy too; what to do is said.
    expect(() =>
      makePlan({ ...withStage(stage), command: 'deploy' }, ctx(event, {}, `refs/heads/${branch}`)),
    ).toThrow(
      `Nothing was created. Expected the stage input set only on a production branch, like stage: \${{ github.ref_name == 'main' && '${stage}' || '' }}, or ${
        branch === 'prod' ? 'the branch renamed' : `${branch} listed in protected-stages`
      }`,
    );
  });

  test('a custom list: its branches are production branches (as written), the others are refused', () => {
    const custom = { protectedStages: ['main', 'staging'], protectedStageEntries: ['main', 'staging'] };
    for (const branch of ['main', 'staging'])
      expect(makePlan(withStage('staging', custom), ctx('push', {}, `refs/heads/${branch}`)).stage).toBe(
        'staging',
      );
    expect(() => makePlan(withStage('staging', custom), ctx('push', {}, 'refs/heads/feature/x'))).toThrow(
      'which is not a production branch (main, staging)',
    );
  });

  test('with no production branch (protected-stages: prod), the advice lists one first: setting the input for main alone would be refused too', () => {
    const only = { protectedStages: ['prod'], protectedStageEntries: ['prod'] };
    for (const branch of ['main', 'feature/x']) {
      const plan = () => makePlan(withStage('prod', only), ctx('push', {}, `refs/heads/${branch}`));
      expect(plan).toThrow(
        `this run is on branch ${branch}, which is not a production branch (none: protected-stages names no branch)`,
      );
      expect(plan).toThrow(
        "Nothing was created. Expected a production branch listed in protected-stages first (and in setup's --protected-stages), " +
          `like protected-stages: main,prod, then the stage input set for it only, like stage: \${{ github.ref_name == 'main' && 'prod' || '' }}.`,
      );
    }
  });

  test('still deployed: a manual rollback from a production branch, stages that are not protected, tags, packaging, terminals', () => {
    expect(makePlan(withStage('prod'), ctx('workflow_dispatch', {}, 'refs/heads/main')).stage).toBe('prod');
    expect(makePlan(withStage('prod'), ctx('push', {}, 'refs/heads/master')).stage).toBe('prod');
    expect(makePlan(withStage('staging'), ctx('push', {}, 'refs/heads/feature/x')).stage).toBe('staging');
    // A tag is no branch (the reusable workflow refuses tags; the action alone deploys them).
    expect(makePlan(withStage('prod'), ctx('workflow_dispatch', {}, 'refs/tags/v1.2.0')).stage).toBe('prod');
    expect(makePlan(withStage('prod', {}), ctx('', {}, 'refs/heads/feature/x')).stage).toBe('prod');
    expect(
      makePlan({ ...withStage('prod'), command: 'package' }, ctx('push', {}, 'refs/heads/feature/x')).command,
    ).toBe('package');
    // Undeploy refuses every protected stage itself; an auto undeploy of a deleted branch keeps it.
    expect(
      makePlan(withStage('prod'), ctx('delete', { ref: 'feature/x', ref_type: 'branch' }, 'refs/heads/main'))
        .command,
    ).toBe('skip');
  });
});
