/** deployFunction and its helpers (src/resources/function/stage-function-read.ts): reading the stage's function when the read is denied: whose it is, from the tagging index. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { deployFunction } from '../../../src/resources/function/lambda-function.js';
import {
  indexedFunctionTags,
  readStageFunction,
} from '../../../src/resources/function/stage-function-read.js';
import { stageTags } from '../../../src/model/tags.js';
import { depsFor } from '../../fake-aws/helpers.js';
import { account, ARN, aws, input, tags, zipA } from './function-fixtures.js';

afterEach(() => aws?.close());

describe('deployFunction on the awkward paths Lambda has', () => {
  it("a denied read of the stage's function also names the other cause: a same-named function of another project", async () => {
    const { fake, lambda, count } = await account();
    fake.seed.function('shop-main');
    fake.faults.deny('GetFunction');
    await expect(readStageFunction(lambda, input(zipA), depsFor(fake))).rejects.toThrow(
      /^Could not read function shop-main: AccessDeniedException: .*\. The deploy role needs lambda:GetFunction\. A function of that name deployed by another lambda-deploy project \(tag lambda-deploy:name\) is refused the same way: if one exists, choose another stage or project name\.$/,
    );
    expect(count('UpdateFunctionCode')).toBe(0);
  });

  describe('a denied read of the stage function asks the tagging index whose it is', () => {
    const apiTags = stageTags({ project: 'api', stage: 'v2-main', repository: 'octo/api', ref: 'v2-main' });
    async function deniedRead(seedTags: Record<string, string> | undefined, denyIndex = false) {
      const { fake, lambda, count } = await account();
      fake.seed.function('shop-main', seedTags ? { tags: seedTags } : {});
      // As the preview role's Deny answers (a missing Allow is no reason to take a function as absent).
      fake.faults
        .deny('GetFunction', Infinity, { explicit: true })
        .deny('GetAlias', Infinity, { explicit: true });
      if (denyIndex) fake.faults.deny('tagging:GetResources');
      const deps = depsFor(fake);
      const query = { ...input(zipA), indexedTags: indexedFunctionTags(fake.clients().tagging, ARN, deps) };
      const error = await readStageFunction(lambda, query, deps).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      const lookups = fake.calls.of({ service: 'tagging', operation: 'GetResources' }).map((c) => c.input);
      return { error, lookups, count };
    }

    it("another project's function: refused in the words a readable one gets, from one lookup by ARN", async () => {
      const { error, lookups, count } = await deniedRead(apiTags);
      expect(error?.message).toBe(
        "Function shop-main belongs to lambda-deploy project api (stage v2-main, repository octo/api), not shop; lambda-deploy never changes another project's resources. Choose another name or stage. " +
          '(Reading it was refused, as for any function of another project: its tags come from the tagging index.)',
      );
      expect(error?.name).toBe('AwsError');
      expect(lookups).toEqual([{ ResourceARNList: [ARN] }]);
      expect(count('UpdateFunctionCode') + count('CreateFunction')).toBe(0);
    });

    it.each([
      ['a function the index does not list (no tags)', undefined],
      ['a function with tags of its own but none of lambda-deploy', { team: 'data' }],
    ])(
      '%s: as the preview role reads one made by hand, so it reads a new stage: taken as not there, and CreateFunction tells',
      async (_, seedTags) => {
        const { error, lookups, count } = await deniedRead(seedTags);
        expect(error).toBeUndefined();
        expect(lookups).toHaveLength(1);
        expect(count('CreateFunction')).toBe(0);
        const deps = depsFor(aws!);
        const query = {
          ...input(zipA),
          indexedTags: indexedFunctionTags(aws!.clients().tagging, ARN, deps),
        };
        await expect(deployFunction(aws!.clients().lambda, query, deps)).rejects.toThrow(
          /^Function shop-main exists but was not created by lambda-deploy \(it has no lambda-deploy:name tag\), so this deploy leaves it alone: nothing was created or changed\./,
        );
        expect(
          aws!.calls.of({ service: 'lambda', operation: 'CreateFunction' }).map((c) => c.status),
        ).toEqual([409]);
        expect(aws!.account.functions.get('shop-main')!.latest.CodeSha256).not.toBe(zipA.codeSha256);
        for (const write of [
          'UpdateFunctionCode',
          'UpdateFunctionConfiguration',
          'TagResource',
          'PublishVersion',
        ])
          expect(count(write)).toBe(0);
      },
    );

    it.each([
      ['a function tagged as this very stage (a permission really missing)', tags, false],
      ['an index that may not be read either', apiTags, true],
    ])('%s: the denial stays, with the permission it needs', async (_, seedTags, denyIndex) => {
      const { error, lookups } = await deniedRead(seedTags, denyIndex);
      expect(error?.message).toMatch(
        /^Could not read function shop-main: AccessDeniedException: .*\. The deploy role needs lambda:GetFunction\. A function of that name deployed by another lambda-deploy project/,
      );
      expect(lookups).toHaveLength(1);
    });

    it('the index is not asked when the read fails otherwise', async () => {
      const { fake, lambda } = await account();
      fake.seed.function('shop-main', { tags: apiTags });
      fake.faults.fail('GetFunction', 'InvalidParameterValueException');
      const deps = depsFor(fake);
      const query = { ...input(zipA), indexedTags: indexedFunctionTags(fake.clients().tagging, ARN, deps) };
      await expect(readStageFunction(lambda, query, deps)).rejects.toThrow(/InvalidParameterValueException/);
      expect(fake.calls.of({ service: 'tagging' })).toHaveLength(0);
    });
  });
});
