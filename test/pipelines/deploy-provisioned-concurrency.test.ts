/**
 * provisioned-concurrency is billed every hour it exists: taking the input
 * out of the workflow must take away what lambda-deploy set up, as removing
 * keep-warm removes its rule, and nothing it did not set up.
 */
import { expect, it } from '@jest/globals';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';

const inputs = { gateway: 'none' };

async function withStage(
  test: (fake: Awaited<ReturnType<typeof startFakeAws>>, dir: string) => Promise<void>,
) {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    await test(fake, dir);
  } finally {
    await fake.close();
    removeApp(dir);
  }
}

it('the input taken out: the provisioned concurrency this action set on live is removed', async () => {
  await withStage(async (fake, dir) => {
    const set = await deployApp(fake, dir, { inputs: { ...inputs, 'provisioned-concurrency': '2' } });
    expect(set.failure).toBeUndefined();
    const fn = fake.account.functions.get('shop-main')!;
    expect(fn.provisioned.get('live')?.requested).toBe(2);

    changeCode(dir);
    const run = await deployApp(fake, dir, { inputs });
    expect(run.failure).toBeUndefined();
    expect(fn.provisioned.has('live')).toBe(false);
    expect(run.logger.text()).toContain('provisioned-concurrency is not set any more');
    // Once removed, a later deploy does not look for it again.
    fake.calls.clear();
    changeCode(dir);
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    expect(fake.calls.of({ operation: 'GetProvisionedConcurrencyConfig' })).toHaveLength(0);
  });
});

it('provisioned concurrency someone else set on live (not through the input) is left alone', async () => {
  await withStage(async (fake, dir) => {
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    const fn = fake.account.functions.get('shop-main')!;
    fn.provisioned.set('live', { requested: 3, readyAt: 0, lastModified: new Date(0).toISOString() });
    changeCode(dir);
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    expect(fn.provisioned.get('live')?.requested).toBe(3);
    expect(fake.calls.of({ operation: 'DeleteProvisionedConcurrencyConfig' })).toHaveLength(0);
  });
});

it('the input taken out but the deploy role may not remove it: a warning says it stays billed, and how to remove it', async () => {
  await withStage(async (fake, dir) => {
    expect(
      (await deployApp(fake, dir, { inputs: { ...inputs, 'provisioned-concurrency': '2' } })).failure,
    ).toBeUndefined();
    const fn = fake.account.functions.get('shop-main')!;
    fake.faults.deny('GetProvisionedConcurrencyConfig');
    changeCode(dir);
    const run = await deployApp(fake, dir, { inputs });
    expect(run.failure).toBeUndefined();
    expect(fn.provisioned.get('live')?.requested).toBe(2);
    expect(run.logger.text('warning')).toContain(
      'aws lambda delete-provisioned-concurrency-config --function-name shop-main --qualifier live',
    );
    // Still recorded: a deploy with the permission removes it later.
    expect(fn.tags['lambda-deploy:provisioned-concurrency']).toBe('2');
  });
});
