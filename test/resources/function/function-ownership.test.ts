/** deployFunction and its helpers (src/resources/function/function-ownership.ts): whose the function is: another project's or repository's is refused; an untagged one taken over only with adopt. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { deployFunction } from '../../../src/resources/function/lambda-function.js';
import { stageTags } from '../../../src/model/tags.js';
import { depsFor } from '../../fake-aws/helpers.js';
import { account, aws, input, tags, zipA, zipB } from './function-fixtures.js';

afterEach(() => aws?.close());

describe('deployFunction against the stateful fake', () => {
  it('refuses a function of another lambda-deploy project', async () => {
    const { fake, lambda } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    const other = stageTags({ project: 'shop-main-x', stage: 'y', repository: 'o/r', ref: 'y' });
    await expect(deployFunction(lambda, input(zipA, { tags: other }), depsFor(fake))).rejects.toThrow(
      'Function shop-main belongs to lambda-deploy project shop (stage main, repository octo/app), not shop-main-x',
    );
  });

  it('an untagged function is refused without adopt, and taken over with adopt: true', async () => {
    const { fake, lambda, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    // Someone's own function that happens to be called shop-main.
    fn().tags = { team: 'billing' };
    fake.calls.clear();
    await expect(deployFunction(lambda, input(zipB), depsFor(fake))).rejects.toThrow(
      'Function shop-main exists but was not created by lambda-deploy (it has no lambda-deploy tags), so this deploy leaves it alone. Set adopt: true',
    );
    expect(fake.calls.counts()).toEqual({ 'lambda:GetFunction': 1, 'lambda:GetAlias': 1 });
    expect(fn().latest.CodeSha256).toBe(zipA.codeSha256);

    const deps = depsFor(fake);
    const adopted = await deployFunction(lambda, input(zipB, { adopt: true }), deps);
    expect(adopted.codeChanged).toBe(true);
    expect(fn().latest.CodeSha256).toBe(zipB.codeSha256);
    expect(fn().tags).toMatchObject({ ...tags, team: 'billing' });
    expect(deps.logger.text('warning')).toContain('adopting it (adopt: true)');
  });

  it('adopt: versions the owner published before the take-over are never pruned; ours beyond keep-versions are', async () => {
    const { fake, lambda, fn } = await account();
    // Someone's own function with six versions of theirs (their description, inherited by each).
    fake.seed.function('shop-main', { tags: { team: 'billing' }, versions: 6, alias: 'prod' });
    for (const v of fn().versions.values()) v.config.Description = 'billing api';
    const deps = depsFor(fake);
    for (let i = 0; i < 5; i++)
      await deployFunction(
        lambda,
        input(i % 2 ? zipB : zipA, { adopt: i === 0, memory: 128 + i, keepVersions: 2 }),
        deps,
      );

    const versions = [...fn().versions.keys()].map(Number).sort((a, b) => a - b);
    // Theirs (1-6) all stay; of ours (7-11) the newest two.
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 10, 11]);
    expect(fn().aliases.get('prod')?.FunctionVersion).toBe('6');
    expect(deps.logger.text('info')).toContain('Deleted old versions of shop-main: 9');
    // Nothing of theirs was even tried (version 6, which their alias holds, would warn).
    expect(deps.logger.text('warning')).not.toContain('aliases reference it');
  });

  it('from a terminal, the refusal and the take-over name the CLI switch --adopt, not adopt: true', async () => {
    const { fake, lambda, fn } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    fn().tags = { team: 'billing' };
    const refused = deployFunction(lambda, input(zipB), { ...depsFor(fake), surface: 'terminal' });
    await expect(refused).rejects.toThrow(
      "so this deploy leaves it alone. Pass --adopt to take it over (its code and configuration are replaced and it gets this stage's tags)",
    );
    await expect(refused).rejects.not.toThrow(/adopt: true/);

    const deps = { ...depsFor(fake), surface: 'terminal' as const };
    await deployFunction(lambda, input(zipB, { adopt: true }), deps);
    expect(deps.logger.text('warning')).toContain('adopting it (--adopt)');
    expect(deps.logger.text('warning')).not.toContain('adopt: true');
  });

  it("another repository's stage of the same name is never updated, not even with adopt", async () => {
    const { fake, lambda, fn } = await account();
    const theirs = stageTags({ project: 'shop', stage: 'main', repository: 'other-org/shop', ref: 'main' });
    await deployFunction(lambda, input(zipA, { tags: theirs }), depsFor(fake));
    fake.calls.clear();
    for (const adopt of [false, true])
      await expect(deployFunction(lambda, input(zipB, { adopt }), depsFor(fake))).rejects.toThrow(
        "Function shop-main is stage main of repository other-org/shop, not of octo/app (tag lambda-deploy:repository); lambda-deploy never changes another repository's stage",
      );
    expect(fake.calls.counts()).toEqual({ 'lambda:GetFunction': 2, 'lambda:GetAlias': 2 });
    expect(fn().latest.CodeSha256).toBe(zipA.codeSha256);
  });
});
