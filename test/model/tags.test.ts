/** The ownership tags: which resource is a stage's, and the tag values' limits. */
import { describe, expect, it } from '@jest/globals';
import {
  DEPLOYING_TAG,
  otherOwnerRefusal,
  ownerMismatch,
  ownerTags,
  stageTags,
  TagKeys,
  tagsMatchProject,
  tagsMatchStage,
} from '../../src/model/tags.js';
import { namedForStage } from '../../src/resources/stage/tag-guard.js';

const id = { project: 'shop', stage: 'pr-1', repository: 'acme/shop', ref: 'pull/1' };
const ours = stageTags(id);

describe('stageTags', () => {
  it('are the four lambda-deploy tags, values cleaned and at most 256 characters', () => {
    expect(ours).toEqual({
      'lambda-deploy:name': 'shop',
      'lambda-deploy:stage': 'pr-1',
      'lambda-deploy:repository': 'acme/shop',
      'lambda-deploy:ref': 'pull/1',
    });
    expect(DEPLOYING_TAG).toBe('lambda-deploy:deploying');
    const long = stageTags({ ...id, ref: `feature/${'x'.repeat(300)}#1` });
    expect(long[TagKeys.Ref]).toHaveLength(256);
    expect(stageTags({ ...id, ref: 'fix#1' })[TagKeys.Ref]).toBe('fix-1');
  });

  it('ownerTags are the three that say whose a resource is (not the ref)', () => {
    expect(ownerTags(id)).toEqual({
      'lambda-deploy:name': 'shop',
      'lambda-deploy:stage': 'pr-1',
      'lambda-deploy:repository': 'acme/shop',
    });
  });
});

describe('ownerMismatch: project, stage and repository must all match', () => {
  const expected = ownerTags(id);
  it.each<[string, Record<string, string> | undefined, string | undefined]>([
    ['all four', ours, undefined],
    ['the three owner tags, no ref', expected, undefined],
    ['another ref', { ...ours, [TagKeys.Ref]: 'main' }, undefined],
    ['no tags', undefined, 'has no lambda-deploy tags'],
    ['an empty map', {}, 'has no lambda-deploy tags'],
    ['foreign tags only', { Name: 'shop', stage: 'pr-1' }, 'has no lambda-deploy tags'],
    ['only the ref', { [TagKeys.Ref]: 'pull/1' }, 'has no lambda-deploy:name tag'],
    ['an empty project', { ...ours, [TagKeys.Name]: '' }, "tag lambda-deploy:name is ''"],
    ['the stage in other case', { ...ours, [TagKeys.Stage]: 'PR-1' }, "tag lambda-deploy:stage is 'PR-1'"],
    ['a longer stage', { ...ours, [TagKeys.Stage]: 'pr-10' }, "tag lambda-deploy:stage is 'pr-10'"],
    ['the repository in other case', { ...ours, [TagKeys.Repository]: 'Acme/SHOP' }, undefined],
    [
      'another repository',
      { ...ours, [TagKeys.Repository]: 'acme/shop2' },
      "tag lambda-deploy:repository is 'acme/shop2'",
    ],
  ])('%s', (_what, tags, why) => {
    expect(ownerMismatch(tags, expected)).toBe(why);
    expect(tagsMatchStage(tags, expected)).toBe(why === undefined);
  });

  it('an expected tag that is missing is compared as empty', () => {
    expect(
      ownerMismatch(
        { ...ours, [TagKeys.Repository]: '' },
        { ...expected, [TagKeys.Repository]: undefined as never },
      ),
    ).toBeUndefined();
    expect(ownerMismatch(ours, { ...expected, [TagKeys.Repository]: undefined as never })).toBe(
      "tag lambda-deploy:repository is 'acme/shop'",
    );
  });
});

describe('tagsMatchProject: any stage of this project and repository', () => {
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['a stage of ours', ours, true],
    ['another stage of ours', { ...ours, [TagKeys.Stage]: 'main' }, true],
    ['the repository in other case', { ...ours, [TagKeys.Repository]: 'ACME/shop' }, true],
    ['an empty stage tag still names a stage', { ...ours, [TagKeys.Stage]: '' }, true],
    ['no stage tag', { [TagKeys.Name]: 'shop', [TagKeys.Repository]: 'acme/shop' }, false],
    ['no repository tag', { [TagKeys.Name]: 'shop', [TagKeys.Stage]: 'x' }, false],
    ['another project', { ...ours, [TagKeys.Name]: 'shop2' }, false],
    ['the project in other case', { ...ours, [TagKeys.Name]: 'Shop' }, false],
    ['another repository', { ...ours, [TagKeys.Repository]: 'acme/other' }, false],
    ['no tags', undefined, false],
  ])('%s', (_what, tags, match) => {
    expect(tagsMatchProject(tags, 'shop', 'acme/shop')).toBe(match);
  });

  it('compares with the cleaned project and repository, as they were tagged', () => {
    const tagged = stageTags({ project: 'shop', stage: 's', repository: 'acme/shop#x', ref: 'r' });
    expect(tagsMatchProject(tagged, 'shop', 'acme/shop#x')).toBe(true);
  });
});

describe('namedForStage: the function name or the name and a suffix', () => {
  it.each<[string | undefined, boolean]>([
    ['shop-pr-1', true],
    ['shop-pr-1-', true],
    ['shop-pr-1-x', true],
    ['shop-pr-1x', false],
    ['shop-pr-', false],
    ['Shop-pr-1', false],
    ['', false],
    [undefined, false],
  ])('%j: %s', (name, candidate) => {
    expect(namedForStage(name, 'shop-pr-1')).toBe(candidate);
  });
});

describe('otherOwnerRefusal: a resource of this stage name that lambda-deploy tagged for someone else', () => {
  const tags = (project: string, stage: string, repository = `octo/${project}`) =>
    ownerTags({ project, stage, repository });
  it.each([
    // The longer name's: this project's stage gives way.
    [
      'shop',
      'api-main',
      'shop-api',
      'main',
      "Project shop-api's names start with shop-api-, as this project's stages api-… do: choose another stage than api-main.",
    ],
    // This project's name taken by a shorter one's stage: that stage is removed.
    [
      'shop-api',
      'main',
      'shop',
      'api-main',
      "Its stage api-main took the name of this project's stage main (names starting shop-api- are this project's): " +
        `have that stage removed ("npx github:org/lambda-deploy undeploy --name shop --stage api-main", with shop's production role) and deploy again, or choose another name or stage.`,
    ],
    // Neither name takes in the other (a tag copied by hand): no side to take.
    ['shop', 'api-main', 'billing', 'x', 'Choose another name or stage.'],
  ])('%s stage %s, held by %s stage %s', (project, stage, holder, holderStage, advice) => {
    expect(otherOwnerRefusal('Function shop-api-main', tags(holder, holderStage), tags(project, stage))).toBe(
      `Function shop-api-main belongs to lambda-deploy project ${holder} (stage ${holderStage}, repository octo/${holder}), not ${project}; ` +
        `lambda-deploy never changes another project's resources. ${advice}`,
    );
  });
  it('another repository of this project: refused; ours (repository case aside), or no project tag: not for it to say', () => {
    const ours = tags('shop', 'api-main');
    expect(
      otherOwnerRefusal('Log group /aws/lambda/shop-api-main', tags('shop', 'api-main', 'else/shop'), ours),
    ).toBe(
      'Log group /aws/lambda/shop-api-main is stage api-main of repository else/shop, not of octo/shop (tag lambda-deploy:repository); ' +
        "lambda-deploy never changes another repository's stage. Choose another name for this project.",
    );
    expect(otherOwnerRefusal('x', tags('shop', 'pr-1', 'Octo/Shop'), ours)).toBeUndefined();
    expect(otherOwnerRefusal('x', {}, ours)).toBeUndefined();
    expect(otherOwnerRefusal('x', { 'lambda-deploy:stage': 'main' }, ours)).toBeUndefined();
  });
});
