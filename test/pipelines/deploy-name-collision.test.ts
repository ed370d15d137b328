/**
 * Two projects can name the same function: `api`'s stage `v2-main` and
 * `api-v2`'s stage `main` are both `api-v2-main`. The deploy role may not
 * read another project's function (its grants hold only where the project
 * tag is ours), so the deploy asks the tagging index whose it is and stops
 * there, before any upload or change, in the words a readable one would get.
 */
import { expect, it } from '@jest/globals';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { stageTags } from '../../src/model/tags.js';

it("another project's same-named function: refused by name, nothing uploaded or changed", async () => {
  const fake = await startFakeAws();
  fake.seed.setup('api-v2');
  fake.seed.function('api-v2-main', {
    tags: stageTags({ project: 'api', stage: 'v2-main', repository: 'octo/api', ref: 'v2-main' }),
  });
  // As IAM answers the deploy role for a function tagged for another project (see test/iam/role-grants.test.ts).
  fake.faults.deny('GetFunction').deny('GetAlias');
  const dir = appFolder();
  try {
    const run = await deployApp(fake, dir, { inputs: { name: 'api-v2', gateway: 'none' } });
    expect(run.failure).toContain(
      'Function api-v2-main belongs to lambda-deploy project api, not api-v2; choose another name or stage.',
    );
    expect(run.failure).not.toContain('needs lambda:GetFunction');
    const arn = fake.account.functions.get('api-v2-main')!.arn;
    expect(fake.calls.of({ service: 'tagging' }).map((c) => c.input)).toEqual([{ ResourceARNList: [arn] }]);
    const writes = fake.calls
      .of({})
      .filter((c) => /^(Put|Create|Update|Delete|Tag|Publish|Add)/.test(c.operation))
      .map((c) => `${c.service}:${c.operation}`);
    expect(writes).toEqual([]);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
