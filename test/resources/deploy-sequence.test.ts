import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { FakeAws } from '../support/fake-aws.js';
import { deployStageToAws, tempDir, testDeps, writeZipFixture } from '../support/aws-deploy-sequence.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const zipA = writeZipFixture(dir, 'a.zip', 64 * 1024, 1);
const zipB = writeZipFixture(dir, 'b.zip', 64 * 1024, 2);
const stage = { project: 'shop', stage: 'main' };

function crash(step: string): Error {
  return Object.assign(new Error(`runner killed during ${step}`), { name: 'RunnerKilled' });
}

describe('a whole AWS deploy against the stateful fake account', () => {
  it('first deploy creates everything; an unchanged redeploy makes 5 calls and uploads nothing', async () => {
    const fake = new FakeAws();
    const first = await deployStageToAws(fake, { ...stage, zip: zipA }, testDeps());
    expect(first.fn).toMatchObject({ created: true, version: '1', previousVersion: '', changed: true });
    expect(first.role.created).toBe(true);
    expect(first.artifact).toMatchObject({
      uploaded: true,
      bytes: zipA.bytes,
      bucket: 'lambda-deploy-123456789012-eu-west-1',
    });
    expect(fake.fn('shop-main').aliases.get('live')?.FunctionVersion).toBe('1');

    fake.resetCalls();
    const again = await deployStageToAws(fake, { ...stage, zip: zipA }, testDeps());
    expect(again.fn).toMatchObject({ created: false, changed: false, version: '1', previousVersion: '1' });
    expect(again.artifact.uploaded).toBe(false);
    expect(fake.counts()).toEqual({
      GetCallerIdentity: 1,
      HeadObject: 1,
      GetRole: 1,
      GetFunction: 1,
      GetAlias: 1,
    });
    expect(fake.bytesUploaded).toBe(0);
  });

  it('a code change uploads once, updates the code only, publishes once', async () => {
    const fake = new FakeAws();
    await deployStageToAws(fake, { ...stage, zip: zipA }, testDeps());
    fake.resetCalls();
    const result = await deployStageToAws(fake, { ...stage, zip: zipB }, testDeps());
    expect(result.fn).toMatchObject({
      codeChanged: true,
      configChanged: false,
      version: '2',
      previousVersion: '1',
    });
    const counts = fake.counts();
    expect(counts.PutObject).toBe(1);
    expect(counts.UpdateFunctionCode).toBe(1);
    expect(counts.UpdateFunctionConfiguration).toBeUndefined();
    expect(counts.PublishVersion).toBe(1);
    expect(counts.UpdateAlias).toBe(1);
    expect(fake.bytesUploaded).toBe(zipB.bytes);
    expect(fake.fn('shop-main').config.CodeSha256).toBe(zipB.codeSha256);
  });

  // Every call the first deploy makes, failed once as if the runner died there:
  // the next run must converge, with one function, one version and `live` on it.
  const firstDeploySteps = [
    'GetCallerIdentity',
    'HeadObject',
    'HeadBucket',
    'CreateBucket',
    'PutPublicAccessBlock',
    'PutBucketLifecycleConfiguration',
    'PutObject',
    'GetRole',
    'CreateRole',
    'PutRolePolicy',
    'TagRole',
    'CreateFunction',
    'GetFunctionConfiguration',
    'PublishVersion',
    'CreateAlias',
    'ListVersionsByFunction',
  ];
  it.each(firstDeploySteps)(
    'a first deploy stopped at %s converges on the next run without duplicates',
    async (step) => {
      const fake = new FakeAws();
      fake.failOnce(step, crash(step));
      const deps = testDeps();
      const outcome = await deployStageToAws(fake, { ...stage, zip: zipA }, deps).then(
        () => 'finished',
        (error: Error) => error.message,
      );
      // Version cleanup only warns, a failed HeadObject falls back to HeadBucket; every other step stops the deploy.
      if (step === 'ListVersionsByFunction') expect(deps.logger.text('warning')).toContain('runner killed');
      else if (step === 'HeadObject') expect(outcome).toBe('finished');
      else expect(outcome).toContain(`runner killed during ${step}`);

      const second = await deployStageToAws(fake, { ...stage, zip: zipA }, testDeps());
      expect(fake.functions.size).toBe(1);
      const f = fake.fn('shop-main');
      expect([...f.versions.keys()]).toEqual(['1']);
      expect(f.aliases.get('live')?.FunctionVersion).toBe('1');
      expect(second.fn.version).toBe('1');
      expect(fake.callsOf('CreateFunction').length).toBeLessThanOrEqual(2);
      expect(fake.roles.size).toBe(1);
      const bucket = fake.buckets.get('lambda-deploy-123456789012-eu-west-1')!;
      expect(Object.keys(bucket.settings).sort()).toEqual([
        'PutBucketEncryption',
        'PutBucketLifecycleConfiguration',
        'PutBucketOwnershipControls',
        'PutPublicAccessBlock',
      ]);
      expect(bucket.objects.size).toBe(1);

      // And the run after that is a no-op.
      fake.resetCalls();
      const third = await deployStageToAws(fake, { ...stage, zip: zipA }, testDeps());
      expect(third.fn.changed).toBe(false);
      expect(fake.counts().PublishVersion).toBeUndefined();
    },
  );

  it('a code change stopped after PublishVersion: the next run points live without publishing twice', async () => {
    const fake = new FakeAws();
    await deployStageToAws(fake, { ...stage, zip: zipA }, testDeps());
    fake.failOnce('UpdateAlias', crash('UpdateAlias'));
    await expect(deployStageToAws(fake, { ...stage, zip: zipB }, testDeps())).rejects.toThrow(
      'runner killed',
    );
    const f = fake.fn('shop-main');
    expect(f.aliases.get('live')?.FunctionVersion).toBe('1');
    expect([...f.versions.keys()]).toEqual(['1', '2']);

    fake.resetCalls();
    const next = await deployStageToAws(fake, { ...stage, zip: zipB }, testDeps());
    expect(next.fn).toMatchObject({ version: '2', previousVersion: '1', codeChanged: false, changed: true });
    expect([...f.versions.keys()]).toEqual(['1', '2']); // PublishVersion returned the existing version 2
    expect(f.aliases.get('live')?.FunctionVersion).toBe('2');
    expect(fake.counts().UpdateFunctionCode).toBeUndefined();
  });

  it('a CreateFunction raced by a parallel run falls back to the update path', async () => {
    const fake = new FakeAws();
    await deployStageToAws(fake, { ...stage, zip: zipA }, testDeps());
    // This run read "no function" just before a parallel run created it.
    fake.failOnce(
      'GetFunction',
      new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }),
    );
    fake.resetCalls();
    const result = await deployStageToAws(fake, { ...stage, zip: zipB }, testDeps());
    expect(fake.counts().CreateFunction).toBe(1);
    expect(fake.functions.size).toBe(1);
    expect(result.fn).toMatchObject({
      created: false,
      codeChanged: true,
      version: '2',
      previousVersion: '1',
    });
  });
});
