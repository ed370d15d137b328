import { describe, expect, it } from '@jest/globals';
import {
  decidePrune,
  pullRequestNumber,
  type PullRequestState,
  type StageRecord,
} from '../../src/model/prune-decisions.js';
import { branchStage } from '../../src/model/stage-name.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 24 * 3600 * 1000);

const branches = ['main', 'develop', 'feature-x', 'feature/Login', 'release/1.2'];
const pullRequests = new Map<number, PullRequestState>([
  [12, 'closed'],
  [13, 'open'],
  [14, 'open'],
  [15, 'missing'],
  [16, 'open'],
]);
const facts = { branches, pullRequests, protectedStages: ['main', 'prod'], previewTtl: 7, now: NOW };

describe('decidePrune', () => {
  it.each<[string, StageRecord, 'keep' | 'remove', string]>([
    ['protected branch stage', { stage: 'main', ref: 'main' }, 'keep', 'protected (protected-stages)'],
    [
      'protected even when its branch is gone',
      { stage: 'prod', ref: 'prod' },
      'keep',
      'protected (protected-stages)',
    ],
    ['existing branch', { stage: 'develop', ref: 'develop' }, 'keep', 'branch develop exists'],
    [
      'deleted branch',
      { stage: 'feature-y', ref: 'feature-y' },
      'remove',
      'branch feature-y no longer exists',
    ],
    [
      'branch whose stage needed a hash, still there',
      { stage: branchStage('feature/Login'), ref: 'feature/Login' },
      'keep',
      'branch feature/Login exists',
    ],
    [
      'branch whose stage needed a hash, gone',
      { stage: branchStage('feature/Gone'), ref: 'feature/Gone' },
      'remove',
      'branch feature/Gone no longer exists',
    ],
    [
      'feature-login is not feature/Login',
      { stage: 'feature-login', ref: 'feature-login' },
      'remove',
      'branch feature-login no longer exists',
    ],
    [
      'closed pull request',
      { stage: 'pr-12', ref: 'pull/12', lastDeployed: daysAgo(1) },
      'remove',
      'pull request #12 is closed',
    ],
    [
      'open pull request',
      { stage: 'pr-13', ref: 'pull/13', lastDeployed: daysAgo(2) },
      'keep',
      'pull request #13 is open',
    ],
    [
      'open pull request idle past preview-ttl',
      { stage: 'pr-14', ref: 'pull/14', lastDeployed: daysAgo(9) },
      'remove',
      'pull request #14 not deployed for 9 days (preview-ttl 7)',
    ],
    [
      'open pull request idle exactly preview-ttl',
      { stage: 'pr-16', ref: 'pull/16', lastDeployed: daysAgo(7) },
      'keep',
      'pull request #16 is open',
    ],
    [
      'a fraction of a day past preview-ttl',
      { stage: 'pr-16', ref: 'pull/16', lastDeployed: daysAgo(7.5) },
      'remove',
      'pull request #16 not deployed for 7.5 days (preview-ttl 7)',
    ],
    [
      'open pull request, deploy time unknown',
      { stage: 'pr-13', ref: 'pull/13' },
      'keep',
      'pull request #13 is open',
    ],
    [
      'pull request not found',
      { stage: 'pr-15', ref: 'pull/15' },
      'keep',
      'pull request #15 was not found (kept: cannot tell whether it is closed; does github-token have pull-requests: read?)',
    ],
    [
      'pull request not asked',
      { stage: 'pr-99', ref: 'pull/99' },
      'keep',
      'state of pull request #99 unknown',
    ],
    [
      'stage set by the stage input on a branch push',
      { stage: 'staging', ref: 'main' },
      'keep',
      "not a branch or pull request stage (ref 'main'; set by the stage input?)",
    ],
    [
      'stage set by the stage input, last deployed for a closed pull request',
      { stage: 'review', ref: 'pull/12' },
      'remove',
      'pull request #12 is closed',
    ],
    [
      'stage set by the stage input, last deployed for an open pull request',
      { stage: 'preview-13', ref: 'pull/13' },
      'keep',
      'pull request #13 is open',
    ],
    [
      'stage set by the stage input, idle past preview-ttl',
      { stage: 'preview-16', ref: 'pull/16', lastDeployed: daysAgo(9) },
      'remove',
      'pull request #16 not deployed for 9 days (preview-ttl 7)',
    ],
    [
      "a branch's stage last deployed by a closed pull request stays while the branch exists",
      { stage: 'develop', ref: 'pull/12' },
      'keep',
      'branch develop exists',
    ],
    [
      'stage set outside GitHub (ref is the stage)',
      { stage: 'demo', ref: '' },
      'keep',
      'not a branch or pull request stage (ref unknown; set by the stage input?)',
    ],
    [
      'ref tag cleaned for AWS cannot be mapped back',
      { stage: branchStage('fix#1'), ref: 'fix-1' },
      'keep',
      "not a branch or pull request stage (ref 'fix-1'; set by the stage input?)",
    ],
    [
      'a stage named after an existing branch is kept whatever its ref',
      { stage: 'feature-x', ref: 'something-else' },
      'keep',
      'branch feature-x exists',
    ],
  ])('%s', (_label, record, action, why) => {
    expect(decidePrune([record], facts)).toEqual([{ stage: record.stage, action, why }]);
  });

  it('without preview-ttl an idle open pull request stays', () => {
    const [d] = decidePrune([{ stage: 'pr-14', ref: 'pull/14', lastDeployed: daysAgo(400) }], {
      ...facts,
      previewTtl: undefined,
    });
    expect(d).toEqual({ stage: 'pr-14', action: 'keep', why: 'pull request #14 is open' });
  });

  it('keeps the input order and decides each stage on its own', () => {
    const out = decidePrune(
      [
        { stage: 'pr-12', ref: 'pull/12' },
        { stage: 'main', ref: 'main' },
        { stage: 'gone', ref: 'gone' },
      ],
      facts,
    );
    expect(out.map((d) => `${d.stage}:${d.action}`)).toEqual(['pr-12:remove', 'main:keep', 'gone:remove']);
  });
});

it.each<[string, number | undefined]>([
  ['pull/12', 12],
  ['pull/0', undefined],
  ['pull/12/merge', undefined],
  ['pull/x', undefined],
  ['feature/pull/1', undefined],
  ['main', undefined],
])('pullRequestNumber(%s)', (ref, n) => {
  expect(pullRequestNumber(ref)).toBe(n);
});
