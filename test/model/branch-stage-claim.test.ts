import { describe, expect, test } from '@jest/globals';
import { describeRef, otherRefOfStage } from '../../src/model/branch-stage-claim.js';
import { stageTags } from '../../src/model/tags.js';

/** The ref tag a deploy of `ref` writes. */
const refTag = (ref: string) =>
  stageTags({ project: 'shop', stage: 's', repository: 'o/r', ref })['lambda-deploy:ref'];

describe('otherRefOfStage: whether a branch-derived stage was last deployed for another ref', () => {
  test.each<[string, string | undefined, string, string | undefined]>([
    ['the same branch', refTag('feature-login-1ce27709'), 'feature-login-1ce27709', undefined],
    ['the look-alike of a hashed branch', refTag('Feature/Login'), 'feature-login-1ce27709', 'Feature/Login'],
    ['the other way round', refTag('feature-login-1ce27709'), 'Feature/Login', 'feature-login-1ce27709'],
    // Git branch names are case-sensitive: Main and main are two branches.
    ['a name differing only in case', 'Main', 'main', 'Main'],
    ['a pull request (a stage input shared it)', 'pull/7', 'dev', 'pull/7'],
    // The tag holds the name cleaned to what AWS accepts: the branch's own deploy wrote the same.
    ['a name the tag had to clean', refTag('feat#1'), 'feat#1', undefined],
    ['a name the tag had to cut', refTag(`long/${'x'.repeat(300)}`), `long/${'x'.repeat(300)}`, undefined],
    // Deploys from before the tag, or from outside git with a stage input: unknown, today's behaviour.
    ['no ref tag', undefined, 'dev', undefined],
    ['an empty ref tag', '', 'dev', undefined],
  ])('%s', (_, tag, branch, other) => {
    expect(otherRefOfStage(tag, branch)).toBe(other);
  });
});

test.each([
  ['pull/7', 'pull request #7'],
  ['Feature/Login', "branch 'Feature/Login'"],
  ['refs/tags/v1', "'refs/tags/v1'"],
])('describeRef(%s)', (ref, said) => {
  expect(describeRef(ref)).toBe(said);
});
