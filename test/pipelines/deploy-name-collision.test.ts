/**
 * Two projects can name the same function: `api`'s stage `v2-main` and
 * `api-v2`'s stage `main` are both `api-v2-main`. The deploy role may not
 * read another project's function (its grants hold only where the project
 * tag is ours), so the deploy asks the tagging index whose it is and stops
 * there, before any upload or change, in the words a readable one would get.
 */
import { expect, it } from '@jest/globals';
import { startFakeAws } from '../../fakes/aws/index.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';
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
      "Function api-v2-main belongs to lambda-deploy project api (stage v2-main, repository octo/api), not api-v2; lambda-deploy never changes another project's resources. " +
        "Its stage v2-main took the name of this project's stage main (names starting api-v2- are this project's): " +
        `have that stage removed ("npx github:org/lambda-deploy undeploy --name api --stage v2-main", with api's production role) and deploy again, or choose another name or stage.`,
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

it("the other way round: api's stage v2-main is refused while api-v2's main holds the name, and gives way", async () => {
  const fake = await startFakeAws();
  fake.seed.setup('api');
  fake.seed.function('api-v2-main', {
    tags: stageTags({ project: 'api-v2', stage: 'main', repository: 'octo/api-v2', ref: 'main' }),
  });
  fake.faults.deny('GetFunction', Number.POSITIVE_INFINITY, { explicit: true });
  fake.faults.deny('GetAlias', Number.POSITIVE_INFINITY, { explicit: true });
  const dir = appFolder();
  try {
    const run = await deployApp(fake, dir, { inputs: { name: 'api', stage: 'v2-main', gateway: 'none' } });
    expect(run.failure).toContain(
      "Function api-v2-main belongs to lambda-deploy project api-v2 (stage main, repository octo/api-v2), not api; lambda-deploy never changes another project's resources. " +
        "Project api-v2's names start with api-v2-, as this project's stages v2-… do: choose another stage than v2-main.",
    );
    expect(run.failure).not.toContain('undeploy');
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

/**
 * The same names hold for the log group: a pull request of `api` (its preview role may create
 * `/aws/lambda/api-*` groups tagged for `api`) can make `/aws/lambda/api-v2-main` before `api-v2`
 * ever deploys main. `api-v2`'s deploy role may not read it (tagged for another project), and
 * CreateLogGroup answers that it exists, or is refused: the function would then log into a group
 * that `api`'s pull requests read and delete. The deploy asks the tagging index whose the group is
 * and stops before the function is made.
 */
it.each([
  ['CreateLogGroup answers that it exists', false],
  ['CreateLogGroup is refused too', true],
])(
  "another project's same-named log group (%s): refused, naming it, before the function is made",
  async (_, createDenied) => {
    const fake = await startFakeAws();
    fake.seed.setup('api-v2');
    fake.seed.logGroup('/aws/lambda/api-v2-main', {
      tags: stageTags({ project: 'api', stage: 'v2-main', repository: 'octo/api', ref: 'pull/7' }),
    });
    // As IAM answers api-v2's deploy role on a group tagged for another project (OtherProjects).
    fake.faults.deny('ListTagsForResource', Number.POSITIVE_INFINITY, { explicit: true });
    if (createDenied) fake.faults.deny('CreateLogGroup', Number.POSITIVE_INFINITY, { explicit: true });
    const dir = appFolder();
    try {
      const run = await deployApp(fake, dir, { inputs: { name: 'api-v2', gateway: 'none' } });
      expect(run.failure).toContain(
        'Log group /aws/lambda/api-v2-main belongs to lambda-deploy project api (stage v2-main, repository octo/api), not api-v2',
      );
      expect(run.failure).toContain('npx github:org/lambda-deploy undeploy --name api --stage v2-main"');
      expect(run.failure).toContain(
        "(This stage's function would log into it, where that project's deploy roles read",
      );
      expect(fake.account.functions.has('api-v2-main')).toBe(false);
      expect(fake.account.logGroups.get('/aws/lambda/api-v2-main')!.tags['lambda-deploy:name']).toBe('api');
    } finally {
      await fake.close();
      removeApp(dir);
    }
  },
);

it("a new preview stage under the preview role: another project's log group of its name is refused once the function is made, before anything invokes it", async () => {
  const fake = await startFakeAws();
  fake.seed.setup('api-v2');
  // The preview role reads no function of the project's name without its tag (a new stage's): the deploy creates it.
  denyUntaggedFunctions(fake, 'api-v2');
  fake.seed.logGroup('/aws/lambda/api-v2-pr-7', {
    tags: stageTags({ project: 'api', stage: 'v2-pr-7', repository: 'octo/api', ref: 'pull/3' }),
  });
  fake.faults.deny('ListTagsForResource', Number.POSITIVE_INFINITY, { explicit: true });
  const dir = appFolder();
  try {
    const run = await deployApp(fake, dir, { inputs: { name: 'api-v2', stage: 'pr-7', gateway: 'none' } });
    expect(run.failure).toContain(
      'Log group /aws/lambda/api-v2-pr-7 belongs to lambda-deploy project api (stage v2-pr-7, repository octo/api), not api-v2',
    );
    expect(run.failure).toContain('npx github:org/lambda-deploy undeploy --name api --stage v2-pr-7"');
    // Made (as api-v2's), never invoked: its undeploy removes it.
    expect(fake.account.functions.get('api-v2-pr-7')?.tags['lambda-deploy:name']).toBe('api-v2');
    expect(fake.calls.of({ service: 'lambda', operation: 'Invoke' })).toEqual([]);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
