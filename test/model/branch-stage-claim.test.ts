import { describe, expect, test } from '@jest/globals';
import { describeRef, otherRefOfStage } from '../../src/model/branch-stage-claim.js';
import { branchStage } from '../../src/model/stage-name.js';
import { stageTags } from '../../src/model/tags.js';

/** The ref tag a deploy of `ref` writes. */
const refTag = (ref: string) =>
  stageTags({ project: 'shop', stage: 's', repository: 'o/r', ref })['lambda-deploy:ref'];

describe('otherRefOfStage: whether a branch-derived stage was last deployed for another ref', () => {
  const LOOK_ALIKE = 'feature-login-1ce27709';
  test.each<[string, string | undefined, string, string, string | undefined]>([
    ['the same branch', refTag(LOOK_ALIKE), LOOK_ALIKE, LOOK_ALIKE, undefined],
    ['the look-alike of a hashed branch', refTag('Feature/Login'), LOOK_ALIKE, LOOK_ALIKE, 'Feature/Login'],
    ['the other way round', refTag(LOOK_ALIKE), 'Feature/Login', LOOK_ALIKE, LOOK_ALIKE],
    // Git branch names are case-sensitive, and `Main`'s own stage is hashed: on stage main it came through a stage input.
    ['a branch put here through a stage input (Main on main)', 'Main', 'main', 'main', undefined],
    // A stage input shares a stage on purpose: production rolled back from a tag, a pull request on dev.
    ['a git tag deployed to the branch stage (a rollback)', 'refs/tags/v1.2.3', 'main', 'main', undefined],
    ['a pull request (a stage input shared it)', 'pull/7', 'dev', 'dev', undefined],
    ['another branch deployed here through a stage input', 'release-candidate', 'main', 'main', undefined],
    // The tag holds the name cleaned to what AWS accepts: the branch's own deploy wrote the same.
    ['a name the tag had to clean', refTag('feat#1'), 'feat#1', 'feat-1-xxxxxxxx', undefined],
    [
      'a name the tag had to cut',
      refTag(`long/${'x'.repeat(300)}`),
      `long/${'x'.repeat(300)}`,
      's',
      undefined,
    ],
    // The tag could not hold the other branch's name as it is (`#`, `(`, a combining accent, past 256
    // characters): its stage is told by the name's start, which the cleaning keeps, not by its hash.
    [
      'the look-alike of a name the tag had to clean',
      refTag('fix/#123-login'),
      'fix-123-login-b9fe1b0b',
      'fix-123-login-b9fe1b0b',
      'fix/-123-login',
    ],
    [
      'the look-alike of a name with brackets',
      refTag('wip(ui)'),
      'wip-ui-01fe0648',
      'wip-ui-01fe0648',
      'wip-ui-',
    ],
    [
      'the look-alike of a decomposed accent',
      refTag('feat/cafe\u0301'),
      'feat-cafe-33c60fec',
      'feat-cafe-33c60fec',
      'feat/cafe-',
    ],
    [
      'the look-alike of a name the tag had to cut',
      refTag(`Long/${'x'.repeat(300)}`),
      branchStage(`Long/${'x'.repeat(300)}`),
      branchStage(`Long/${'x'.repeat(300)}`),
      `Long/${'x'.repeat(251)}`,
    ],
    // A cleaned name is no claim on a stage whose start it does not give, nor on an unhashed one.
    [
      'a cleaned name on a stage of another start',
      refTag('fix/#9'),
      'other-b9fe1b0b',
      'other-b9fe1b0b',
      undefined,
    ],
    ['a cleaned name on an unhashed stage (a stage input)', refTag('fix/#9'), 'fix-9', 'fix-9', undefined],
    // Deploys from before the tag, or from outside git with a stage input: unknown, today's behaviour.
    ['no ref tag', undefined, 'dev', 'dev', undefined],
    ['an empty ref tag', '', 'dev', 'dev', undefined],
  ])('%s', (_, tag, branch, stage, other) => {
    expect(otherRefOfStage(tag, branch, stage)).toBe(other);
  });
});

test.each([
  ['pull/7', 'pull request #7'],
  ['Feature/Login', "branch 'Feature/Login'"],
  ['refs/tags/v1', "'refs/tags/v1'"],
])('describeRef(%s)', (ref, said) => {
  expect(describeRef(ref)).toBe(said);
});
