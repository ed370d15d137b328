/**
 * A first deploy before `setup`: the execution role cannot be made (its
 * permissions boundary is setup's) nor the preview role read. Either fails
 * before anything is written, and the artifact bucket in particular is not
 * made: the role is settled before the upload writes when it is not there yet.
 */
import { expect, it } from '@jest/globals';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';

const WRITES = /^(Put|Create|Update|Delete|Tag|Publish|Add)/;

it.each([
  ['production', {}, 'The permissions boundary is made by setup'],
  [
    'preview',
    { ctx: { eventName: 'pull_request', ref: 'refs/pull/7/merge', payload: { number: 7 } } },
    'a preview run never creates IAM roles',
  ],
])('a %s deploy before setup fails on its role and writes nothing', async (_kind, options, says) => {
  const fake = await startFakeAws();
  const dir = appFolder();
  try {
    const run = await deployApp(fake, dir, { inputs: { gateway: 'none' }, ...options });
    expect(run.failure).toContain(says);
    // The command to run is complete for this deploy: its name, region and repository, no placeholder.
    expect(run.failure).toContain(
      `"npx github:org/lambda-deploy setup --name shop --aws-region ${fake.region} --repository octo/shop"`,
    );
    const writes = fake.calls
      .of({})
      .filter((c) => WRITES.test(c.operation) && !c.error)
      .map((c) => `${c.service}:${c.operation}`);
    expect(writes).toEqual([]);
    expect(fake.account.buckets.size).toBe(0);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("the setup command a deploy before setup prints carries the workflow's protected-stages and s3-bucket", async () => {
  const fake = await startFakeAws();
  const dir = appFolder();
  try {
    const inputs = { gateway: 'none', 'protected-stages': 'main,release', 's3-bucket': 'acme-artifacts' };
    const run = await deployApp(fake, dir, { inputs });
    expect(run.failure).toContain(
      `"npx github:org/lambda-deploy setup --name shop --aws-region ${fake.region} --repository octo/shop ` +
        '--protected-stages main,release --s3-bucket acme-artifacts"',
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
