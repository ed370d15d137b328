/**
 * A closed pull request removes stage pr-N and nothing else: never its head
 * branch's own stage, never a protected stage, whatever the branch is called.
 * Pure: the plan (what runs, on which stage) and the undeploy's refusal of a
 * protected stage.
 */
import { describe, expect, test } from '@jest/globals';
import { makePlan, ProtectedStageFromPullRequestError } from '../../src/model/plan.js';
import { branchStage } from '../../src/model/stage-name.js';
import { isProtectedStage } from '../../src/model/protected-stages.js';
import { eventContext } from '../support/github-context.js';

const PROTECTED = ['main', 'master', 'prod', 'production'];

/** A `pull_request` (or `pull_request_target`) event of pull request `number` with head branch `head`. */
const closed = (number: number, head: string, eventName = 'pull_request') =>
  eventContext(
    eventName,
    {
      action: 'closed',
      number,
      pull_request: {
        number,
        head: { ref: head, repo: { full_name: 'octo/svc' } },
        base: { ref: 'main', repo: { full_name: 'octo/svc' } },
      },
      repository: { full_name: 'octo/svc' },
    },
    `refs/pull/${number}/merge`,
  );

const ODD_BRANCHES = [
  'main',
  'Main',
  'prod',
  'production',
  'pr-42',
  'PR-42',
  'pr-42/',
  'pr/42',
  'pr-042',
  'pr-42-fix',
  'refs/heads/pr-42',
  'feature/Login',
  'feature--login',
  '-leading-dash',
  'trailing.dot.',
  'ünïcödé/日本',
  '🚀',
  'a'.repeat(250),
  'release/1.x',
];

describe('pull request closed: the stage removed is pr-N', () => {
  test.each(
    ODD_BRANCHES.flatMap((head) => [[head, 'pull_request'] as const, [head, 'pull_request_target'] as const]),
  )(
    'head branch %j (%s): undeploy of pr-42 only, never the branch stage or a protected one',
    (head, eventName) => {
      const plan = makePlan(
        { command: 'auto', name: 'svc', protectedStages: PROTECTED },
        closed(42, head, eventName),
      );
      expect(plan).toMatchObject({
        command: 'undeploy',
        stage: 'pr-42',
        functionName: 'svc-pr-42',
        pullRequest: 42,
      });
      expect(plan.onlyIfDeployedFor).toBeUndefined();
      expect(plan.stage).not.toBe(branchStage(head));
      expect(isProtectedStage(plan.stage, PROTECTED)).toBe(false);
    },
  );

  test.each(ODD_BRANCHES)('no branch, however named, has a pull request stage as its own: %j', (branch) => {
    expect(branchStage(branch)).not.toMatch(/^pr-\d+$/);
    // A branch delete of that name removes the branch's stage, never pr-42.
    const deleted = makePlan(
      { command: 'auto', name: 'svc', protectedStages: PROTECTED },
      eventContext('delete', { ref: branch, ref_type: 'branch' }, 'refs/heads/main'),
    );
    // (the delete event's ref is the short name: refs/heads/pr-42 is a branch named so)
    const own = branchStage(branch);
    // A protected branch stage is kept: the run warns and removes nothing.
    if (isProtectedStage(own, PROTECTED))
      expect(deleted).toMatchObject({ command: 'skip', keptProtected: true });
    else expect(deleted.stage).toBe(own);
    expect(deleted.stage).not.toBe('pr-42');
  });

  test.each(['main', 'Main', 'PROD', 'production'])(
    'a stage input naming protected stage %j on a closed pull request is refused before anything runs',
    (stage) => {
      expect(() =>
        makePlan(
          { command: 'auto', name: 'svc', stage, protectedStages: PROTECTED },
          closed(42, 'feature/x'),
        ),
      ).toThrow(ProtectedStageFromPullRequestError);
    },
  );

  test("a stage input naming the head branch's stage is removed only if it was deployed for this pull request", () => {
    const stage = branchStage('feature/Login');
    const plan = makePlan(
      { command: 'auto', name: 'svc', stage, protectedStages: PROTECTED },
      closed(42, 'feature/Login'),
    );
    expect(plan).toMatchObject({
      command: 'undeploy',
      stage,
      onlyIfDeployedFor: { ref: 'pull/42', eventStage: 'pr-42' },
    });
  });

  test('undeploy refuses a protected stage whatever its case', () => {
    for (const stage of ['main', 'MAIN', 'Production']) expect(isProtectedStage(stage, PROTECTED)).toBe(true);
    expect(isProtectedStage('pr-42', PROTECTED)).toBe(false);
  });
});
