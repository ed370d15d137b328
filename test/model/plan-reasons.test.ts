/** The plan's reason (printed as the run's first line) and the edges of the event table. */
import { describe, expect, test } from '@jest/globals';
import { isPullRequestEvent, makePlan, ProtectedStageFromPullRequestError } from '../../src/model/plan.js';
import type { Command } from '../../src/model/settings.js';
import type { GitHubContext } from '../../src/model/github-context.js';
import { eventContext } from '../support/github-context.js';

const ctx = eventContext;

const settings = (command: Command = 'auto', stage?: string) => ({ command, name: 'svc', stage });

describe('the reason of each plan', () => {
  test.each<[string, Command, string | undefined, GitHubContext, string, string]>([
    ['a push', 'auto', undefined, ctx('push', {}, 'refs/heads/dev'), 'deploy', 'push to dev'],
    [
      'a push of a tag',
      'auto',
      undefined,
      ctx('push', {}, 'refs/tags/v1'),
      'skip',
      'push of refs/tags/v1 is not a branch: nothing to deploy',
    ],
    [
      'a push without a ref',
      'auto',
      undefined,
      ctx('push'),
      'skip',
      'push of an unknown ref is not a branch: nothing to deploy',
    ],
    [
      'a manual run',
      'auto',
      undefined,
      ctx('workflow_dispatch', {}, 'refs/heads/dev'),
      'deploy',
      'workflow_dispatch',
    ],
    [
      'a pull request opened',
      'auto',
      undefined,
      ctx('pull_request', { action: 'opened', number: 3 }),
      'deploy',
      'pull request opened',
    ],
    [
      'a pull_request_target synchronize',
      'auto',
      undefined,
      ctx('pull_request_target', { action: 'synchronize', number: 3 }),
      'deploy',
      'pull request synchronize',
    ],
    [
      'a pull_request_target closed',
      'auto',
      undefined,
      ctx('pull_request_target', { action: 'closed', number: 3 }),
      'undeploy',
      'pull request closed',
    ],
    [
      'a pull request edited',
      'auto',
      undefined,
      ctx('pull_request', { action: 'edited', number: 3 }),
      'skip',
      'pull request edited: only opened, synchronize, reopened and closed act',
    ],
    [
      'a pull request event without an action',
      'auto',
      undefined,
      ctx('pull_request', { number: 3 }),
      'skip',
      'pull request event: only opened, synchronize, reopened and closed act',
    ],
    [
      'a branch deleted',
      'auto',
      undefined,
      ctx('delete', { ref: 'feature-x', ref_type: 'branch' }),
      'undeploy',
      'branch feature-x deleted',
    ],
    [
      'a tag deleted',
      'auto',
      undefined,
      ctx('delete', { ref: 'v1', ref_type: 'tag' }),
      'skip',
      'deleted tag v1: only branch deletions undeploy',
    ],
    [
      'a delete event without ref or ref_type',
      'auto',
      undefined,
      ctx('delete', {}),
      'skip',
      'deleted ref : only branch deletions undeploy',
    ],
    ['a schedule', 'auto', undefined, ctx('schedule'), 'prune', 'schedule'],
    ['a run outside GitHub Actions', 'auto', 'dev', ctx(''), 'deploy', 'run outside GitHub Actions'],
    [
      'an explicit command',
      'undeploy',
      undefined,
      ctx('push', {}, 'refs/heads/dev'),
      'undeploy',
      'command: undeploy',
    ],
    ['an explicit prune', 'prune', undefined, ctx('push', {}, 'refs/heads/dev'), 'prune', 'command: prune'],
  ])('%s', (_title, command, stage, context, planned, reason) => {
    expect(makePlan(settings(command, stage), context)).toMatchObject({ command: planned, reason });
  });

  test('skip and prune work on no stage: empty stage, function name and ref', () => {
    for (const plan of [
      makePlan(settings(), ctx('push', {}, 'refs/tags/v1')),
      makePlan(settings('prune'), ctx('push', {}, 'refs/heads/dev')),
    ])
      expect(plan).toMatchObject({ stage: '', functionName: '', ref: '' });
  });

  test('every plan carries the repository and the commit', () => {
    expect(makePlan(settings(), ctx('push', {}, 'refs/heads/dev'))).toMatchObject({
      repository: 'octo/svc',
      sha: 'abc123',
      fromFork: false,
      branch: 'dev',
      pullRequest: undefined,
    });
  });
});

describe('the stage an event points at', () => {
  test('a deleted branch named refs/heads/feature-x is that branch, never feature-x: its stage is the one its push deployed', () => {
    // GitHub's delete event gives the branch's short name; git allows a branch named refs/heads/feature-x
    // (pushed as refs/heads/refs/heads/feature-x), and reading it as feature-x removed that other branch's stage.
    const pushed = makePlan(settings(), ctx('push', {}, 'refs/heads/refs/heads/feature-x'));
    const deleted = makePlan(settings(), ctx('delete', { ref: 'refs/heads/feature-x', ref_type: 'branch' }));
    expect(deleted).toMatchObject({
      command: 'undeploy',
      stage: pushed.stage,
      ref: 'refs/heads/feature-x',
      branch: 'refs/heads/feature-x',
    });
    expect(deleted.stage).not.toBe('feature-x');
  });

  test('a branch delete whose ref is missing has no stage: an error that says to set stage', () => {
    expect(() => makePlan(settings(), ctx('delete', { ref_type: 'branch' }, 'refs/heads/main'))).toThrow(
      'stage: could not be derived from the "delete" event (ref "refs/heads/main"); expected a branch push, a pull request or a branch delete, or set stage, like "staging".',
    );
  });

  test('undeploy on a tag delete never takes the stage of a branch of the same name', () => {
    // A workflow that runs `command: undeploy` on every delete: deleting tag `main` must not remove stage main.
    expect(() => makePlan(settings('undeploy'), ctx('delete', { ref: 'main', ref_type: 'tag' }))).toThrow(
      /^stage: could not be derived from the "delete" event/,
    );
  });

  test('a pull request number of 0 or below is refused', () => {
    for (const number of [0, -3])
      expect(() => makePlan(settings(), ctx('pull_request', { action: 'opened', number }))).toThrow(
        `The pull request number of the event is ${number}; expected a positive whole number, like 42.`,
      );
  });

  test('outside GitHub Actions without a stage: the error names the local run', () => {
    expect(() => makePlan(settings('deploy'), ctx(''))).toThrow(
      'stage: could not be derived from the "local" event (ref ""); expected a branch push, a pull request or a branch delete, or set stage, like "staging".',
    );
  });

  test('a pull_request_target takes the pull request number from the pull request when the payload has none', () => {
    expect(
      makePlan(settings(), ctx('pull_request_target', { action: 'opened', pull_request: { number: 9 } })),
    ).toMatchObject({ stage: 'pr-9', ref: 'pull/9', pullRequest: 9, branch: undefined });
  });

  test('the pull request number in the error is cut at 40 characters', () => {
    const number = 'x'.repeat(60);
    expect(() => makePlan(settings(), ctx('pull_request', { action: 'opened', number }))).toThrow(
      `The pull request number of the event is "${'x'.repeat(39)}; expected a positive whole number, like 42.`,
    );
  });

  test('an explicit stage keeps the event ref for the tag; without an event target the ref is the event ref, never the stage', () => {
    expect(makePlan(settings('deploy', 'staging'), ctx('push', {}, 'refs/heads/dev')).ref).toBe('dev');
    // ref "staging" would read as branch staging to prune, and remove the stage when no such branch exists.
    expect(makePlan(settings('deploy', 'staging'), ctx('schedule'))).toMatchObject({
      ref: '',
      branch: undefined,
    });
  });
});

describe('a fork', () => {
  const pull = (head: unknown, base: unknown, repository?: unknown) => ({
    action: 'opened',
    number: 5,
    pull_request: { number: 5, head, base },
    repository,
  });

  test.each<[string, Record<string, unknown>, boolean]>([
    [
      'head repository equal to the base: no fork',
      pull({ repo: { full_name: 'octo/svc' } }, { repo: { full_name: 'octo/svc' } }),
      false,
    ],
    [
      'no base repository: compared with the event repository',
      pull({ repo: { full_name: 'octo/svc' } }, {}, { full_name: 'octo/svc' }),
      false,
    ],
    [
      'no base repository, another event repository: a fork',
      pull({ repo: { full_name: 'octo/svc' } }, {}, { full_name: 'octo/other' }),
      true,
    ],
    ['no head at all: not known to be a fork', pull(undefined, { repo: { full_name: 'octo/svc' } }), false],
  ])('%s', (_title, payload, fromFork) => {
    expect(makePlan(settings(), ctx('pull_request', payload)).fromFork).toBe(fromFork);
  });

  test('only pull-request events can come from a fork', () => {
    const payload = {
      pull_request: {
        head: { repo: { full_name: 'someone/svc' } },
        base: { repo: { full_name: 'octo/svc' } },
      },
    };
    expect(makePlan(settings('deploy', 'dev'), ctx('workflow_dispatch', payload)).fromFork).toBe(false);
    expect(
      makePlan(settings(), ctx('pull_request_target', { ...payload, action: 'opened', number: 2 })).fromFork,
    ).toBe(true);
  });
});

describe('protected stages from a pull request', () => {
  test('the error is named, and each default protected stage counts', () => {
    for (const stage of ['main', 'master', 'prod', 'production']) {
      const run = () =>
        makePlan(settings('deploy', stage), ctx('pull_request', { action: 'opened', number: 1 }));
      expect(run).toThrow(ProtectedStageFromPullRequestError);
      expect(run).toThrow(
        `stage: "${stage}" is listed in protected-stages (not set in the workflow, so its default: main, master, prod, production), and a pull_request run may not deploy or remove it: ` +
          'code from a pull request never reaches a protected stage, whatever the stage input says. ' +
          'Protected stages are deployed by a push to their branch (the production role); pull requests get their own pr-N stage.',
      );
    }
  });

  test("a list of the user's own is named as theirs, no default claimed", () => {
    const run = () =>
      makePlan(
        { ...settings('deploy', 'live'), protectedStages: ['live', 'main'] },
        ctx('pull_request', { action: 'opened', number: 1 }),
      );
    expect(run).toThrow(
      'stage: "live" is listed in protected-stages (the protected-stages input: live, main), and a pull_request run may not deploy or remove it: ',
    );
  });

  test('matched whatever the case of the protected list', () => {
    expect(() =>
      makePlan(
        { ...settings('deploy', 'live'), protectedStages: ['LIVE'] },
        ctx('pull_request', { action: 'opened', number: 1 }),
      ),
    ).toThrow(ProtectedStageFromPullRequestError);
  });

  test('a pull-request event is any event whose name starts with pull_request', () => {
    expect(['pull_request', 'pull_request_target', 'pull_request_review'].map(isPullRequestEvent)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['push', 'workflow_dispatch', 'issue_comment_pull_request'].map(isPullRequestEvent)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('a closed pull request or deleted branch whose own stage is protected', () => {
  test.each<[string, string[], GitHubContext, string]>([
    [
      'the default list, a deleted branch',
      ['main', 'master', 'prod', 'production'],
      ctx('delete', { ref_type: 'branch', ref: 'prod' }),
      'branch prod deleted: stage prod is listed in protected-stages (not set in the workflow, so its default: main, master, prod, production): ' +
        'kept, nothing removed; undeploy never removes a protected stage. ' +
        'To remove it on purpose, run undeploy with the protected-stages input set without "prod", like protected-stages: main,master,production',
    ],
    [
      "the user's own list, a closed pull request",
      ['pr-5', 'main'],
      ctx('pull_request', { action: 'closed', number: 5 }),
      'pull request #5 closed: stage pr-5 is listed in protected-stages (the protected-stages input: pr-5, main): ' +
        'kept, nothing removed; undeploy never removes a protected stage. ' +
        'To remove it on purpose, run undeploy with the protected-stages input set without "pr-5", like protected-stages: main',
    ],
  ])(
    '%s: the reason says where the list came from, and the setting without the stage',
    (_, list, event, reason) => {
      const plan = makePlan({ ...settings('undeploy'), protectedStages: list }, event);
      expect(plan).toMatchObject({ command: 'skip', keptProtected: true, reason });
    },
  );
});
