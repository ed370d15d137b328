/**
 * The naming rules and the time limits of the model at, just inside and just
 * outside their boundaries.
 */
import { describe, expect, it } from '@jest/globals';
import {
  decidePrune,
  DEPLOYING_MARK_MAX_AGE_MS,
  pullRequestNumber,
  runningDeploy,
  stagePullRequest,
  type PruneFacts,
  type StageRecord,
} from '../../src/model/prune-decisions.js';
import {
  branchStage,
  functionName,
  MAX_FUNCTION_NAME_LENGTH,
  MAX_STAGE_LENGTH,
  pullRequestStage,
  tagValue,
} from '../../src/model/stage-name.js';

const HASHED = /^(.*)-([0-9a-f]{8})$/;

describe('branch stages: at most 40 characters', () => {
  it('the limits are the ones Lambda and API Gateway need', () => {
    expect([MAX_STAGE_LENGTH, MAX_FUNCTION_NAME_LENGTH]).toEqual([40, 64]);
  });

  it.each([1, 2, 39, 40])('a clean branch of %d characters keeps its name', (n) => {
    const branch = 'b'.repeat(n);
    expect(branchStage(branch)).toBe(branch);
  });

  it.each([41, 42, 255])('a branch of %d characters is cut to 31 and hashed: 40 in all', (n) => {
    const stage = branchStage('b'.repeat(n));
    expect(stage).toMatch(HASHED);
    expect(stage.length).toBe(40);
    expect(HASHED.exec(stage)?.[1]).toBe('b'.repeat(31));
  });

  it('a cut that ends on a hyphen drops the hyphen before the hash', () => {
    const stage = branchStage(`${'b'.repeat(30)}-${'c'.repeat(20)}`);
    expect(HASHED.exec(stage)?.[1]).toBe('b'.repeat(30));
    expect(stage.length).toBe(39);
  });

  it('leading and trailing separators go; a name of only separators becomes b-<hash>', () => {
    expect(HASHED.exec(branchStage('--a--'))?.[1]).toBe('a');
    expect(HASHED.exec(branchStage('/a/'))?.[1]).toBe('a');
    expect(branchStage('///')).toMatch(/^b-[0-9a-f]{8}$/);
    expect(branchStage('🚀')).toMatch(/^b-[0-9a-f]{8}$/);
  });

  it('runs of separators fold into one hyphen', () => {
    expect(HASHED.exec(branchStage('a//b..c'))?.[1]).toBe('a-b-c');
  });

  it('letters with accents keep their base letter', () => {
    expect(HASHED.exec(branchStage('café'))?.[1]).toBe('cafe');
  });

  it.each([
    ['pr-1', true],
    ['pr-42', true],
    ['pr', false],
    ['pr-a', false],
    ['pr-1-x', false],
    ['xpr-1', false],
  ])('branch %j looks like a pull-request stage: %s', (branch, looksLikePr) => {
    expect(HASHED.test(branchStage(branch))).toBe(looksLikePr);
  });

  it('the hash is of the original name: two names that fold alike differ', () => {
    const a = branchStage('Feature');
    const b = branchStage('FEATURE');
    expect(a).not.toBe(b);
    expect(a.startsWith('feature-')).toBe(true);
    expect(branchStage('Feature')).toBe(a);
  });

  it('pull request stages are pr-N', () => {
    expect([pullRequestStage(1), pullRequestStage(9007199254740991)]).toEqual([
      'pr-1',
      'pr-9007199254740991',
    ]);
  });
});

describe('function names: at most 64 characters', () => {
  // `p-` plus a stage: the whole name has exactly `n` characters.
  const named = (n: number) => ({ project: 'p', stage: 's'.repeat(n - 2) });

  it.each([3, 63, 64])('a name of %d characters is used as it is', (n) => {
    const { project, stage } = named(n);
    expect(functionName(project, stage)).toBe(`${project}-${stage}`);
  });

  it.each([65, 66, 200])('a name of %d characters is cut to 55 and hashed: 64 in all', (n) => {
    const { project, stage } = named(n);
    const fn = functionName(project, stage);
    expect(fn.length).toBe(64);
    expect(fn).toMatch(HASHED);
    expect(fn.startsWith(`p-${'s'.repeat(53)}-`)).toBe(true);
  });

  it('a cut that ends on a hyphen drops it', () => {
    const fn = functionName('p'.repeat(54), 'stage-name');
    expect(HASHED.exec(fn)?.[1]).toBe('p'.repeat(54));
  });

  it('two long names that share their first 55 characters differ', () => {
    const a = functionName('project', `${'s'.repeat(60)}-one`);
    const b = functionName('project', `${'s'.repeat(60)}-two`);
    expect(a).not.toBe(b);
    expect([a.length, b.length]).toEqual([64, 64]);
  });

  it('the longest project and stage the settings accept still fit', () => {
    const fn = functionName(`a${'b'.repeat(39)}`, branchStage('c'.repeat(100)));
    expect(fn.length).toBe(64);
  });
});

describe('tag values: at most 256 allowed characters', () => {
  it.each([255, 256])('%d characters are kept', (n) => {
    expect(tagValue('t'.repeat(n))).toBe('t'.repeat(n));
  });
  it.each([257, 300])('%d characters are cut to 256', (n) => {
    expect(tagValue('t'.repeat(n))).toBe('t'.repeat(256));
  });
  it('letters, digits, spaces and _ . : / = + - @ are allowed; anything else becomes -', () => {
    const allowed = 'aZ9 é日_.:/=+-@';
    expect(tagValue(allowed)).toBe(allowed);
    expect(tagValue('a#b$c%d!e*f(g)h,i;j\tk\nl"m\'n')).toBe('a-b-c-d-e-f-g-h-i-j-k-l-m-n');
  });
});

describe('pull request numbers in refs', () => {
  it.each<[string, number | undefined]>([
    ['pull/1', 1],
    ['pull/42', 42],
    ['pull/9007199254740991', 9007199254740991],
    ['pull/9007199254740992', undefined],
    ['pull/0', undefined],
    ['pull/', undefined],
    ['pull/-1', undefined],
    ['pull/1/merge', undefined],
    ['xpull/1', undefined],
    ['pull/1a', undefined],
    ['main', undefined],
  ])('%j is %j', (ref, n) => {
    expect(pullRequestNumber(ref)).toBe(n);
  });

  it('a stage is a pull request stage only when its name is pr-N of its ref', () => {
    expect(stagePullRequest({ stage: 'pr-3', ref: 'pull/3' })).toBe(3);
    expect(stagePullRequest({ stage: 'staging', ref: 'pull/3' })).toBeUndefined();
    expect(stagePullRequest({ stage: 'pr-3', ref: 'pull/4' })).toBeUndefined();
    expect(stagePullRequest({ stage: 'pr-3', ref: 'pr-3' })).toBeUndefined();
  });
});

describe('prune: the deploying mark and preview-ttl at their limits', () => {
  const NOW = new Date('2026-03-20T12:00:00Z');
  const DAY = 24 * 3600 * 1000;
  const ago = (ms: number) => new Date(NOW.getTime() - ms);
  const facts: PruneFacts = {
    branches: [],
    pullRequests: new Map([[7, 'open']]),
    protectedStages: [],
    previewTtl: 3,
    now: NOW,
  };
  const decide = (record: StageRecord, more: Partial<PruneFacts> = {}) =>
    decidePrune([record], { ...facts, ...more })[0];

  it('the mark is trusted for an hour', () => {
    expect(DEPLOYING_MARK_MAX_AGE_MS).toBe(3600 * 1000);
  });

  it.each([
    [0, 'keep', 'a deploy started 0 min ago is still running (tag lambda-deploy:deploying)'],
    [29_999, 'keep', 'a deploy started 0 min ago is still running (tag lambda-deploy:deploying)'],
    [30_000, 'keep', 'a deploy started 1 min ago is still running (tag lambda-deploy:deploying)'],
    [
      DEPLOYING_MARK_MAX_AGE_MS - 1,
      'keep',
      'a deploy started 60 min ago is still running (tag lambda-deploy:deploying)',
    ],
    [DEPLOYING_MARK_MAX_AGE_MS, 'remove', 'branch gone no longer exists'],
    [DEPLOYING_MARK_MAX_AGE_MS + 1, 'remove', 'branch gone no longer exists'],
  ])('a mark %d ms old: %s (%s)', (age, action, why) => {
    expect(decide({ stage: 'gone', ref: 'gone', deployingSince: ago(age) })).toEqual({
      stage: 'gone',
      action,
      why,
    });
  });

  it('a mark from the future (clock skew) keeps the stage, shown as 0 min', () => {
    expect(decide({ stage: 'gone', ref: 'gone', deployingSince: ago(-5 * 60_000) })).toEqual({
      stage: 'gone',
      action: 'keep',
      why: 'a deploy started 0 min ago is still running (tag lambda-deploy:deploying)',
    });
  });

  it.each([
    [3 * DAY - 1, 'keep', 'pull request #7 is open'],
    [3 * DAY, 'keep', 'pull request #7 is open'],
    [3 * DAY + 1, 'remove', 'pull request #7 not deployed for 3 days (preview-ttl 3)'],
    [3.15 * DAY, 'remove', 'pull request #7 not deployed for 3.1 days (preview-ttl 3)'],
  ])('an open pull request deployed %d ms ago with preview-ttl 3: %s', (age, action, why) => {
    expect(decide({ stage: 'pr-7', ref: 'pull/7', lastDeployed: ago(age) })).toEqual({
      stage: 'pr-7',
      action,
      why,
    });
  });

  it('preview-ttl 1 says "1 day"; no preview-ttl or no deploy date keeps an open pull request', () => {
    expect(decide({ stage: 'pr-7', ref: 'pull/7', lastDeployed: ago(DAY + 1) }, { previewTtl: 1 })?.why).toBe(
      'pull request #7 not deployed for 1 day (preview-ttl 1)',
    );
    expect(
      decide({ stage: 'pr-7', ref: 'pull/7', lastDeployed: ago(400 * DAY) }, { previewTtl: undefined })
        ?.action,
    ).toBe('keep');
    expect(decide({ stage: 'pr-7', ref: 'pull/7' })?.action).toBe('keep');
  });

  it('protected stages compare without case; a stage under update is kept', () => {
    expect(decide({ stage: 'Prod', ref: 'Prod' }, { protectedStages: ['PROD'] })?.why).toBe(
      'protected (protected-stages)',
    );
    expect(decide({ stage: 'gone', ref: 'gone', updating: true })?.why).toBe(
      'Lambda is applying an update to its function: a deploy is running',
    );
  });
});

describe('a deploying mark counts as a running deploy for under an hour, from a little before now', () => {
  const now = new Date('2026-12-06T10:00:00.000Z');
  const at = (ms: number) => ({ deployingSince: new Date(now.getTime() + ms) });
  it.each([
    ['started just now', 0, true],
    ['59 minutes ago', -59 * 60_000, true],
    ['an hour ago', -DEPLOYING_MARK_MAX_AGE_MS, false],
    // Started after prune read the clock, on a runner whose clock is a little ahead.
    ['4 minutes ahead', 4 * 60_000, true],
    // No deploy starts in the future: a mark set by hand (the preview role may tag its own stage).
    ['6 minutes ahead', 6 * 60_000, false],
    ['in 2099', Date.parse('2099-01-01T00:00:00Z') - now.getTime(), false],
  ])('%s: %s', (_, offset, running) => {
    expect(runningDeploy(at(offset), now) !== undefined).toBe(running);
  });
});
