import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { bytesUploaded } from '../../fakes/aws/call-summaries.js';
import { depsFor } from '../../fakes/aws/deps.js';
import { deployStageToAws, tempDir, writeZipFixture } from '../support/aws-deploy-sequence.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const zipA = writeZipFixture(dir, 'a.zip', 64 * 1024, 1);
const zipB = writeZipFixture(dir, 'b.zip', 64 * 1024, 2);
const stage = { project: 'shop', stage: 'main' };
const BUCKET = `lambda-deploy-${ACCOUNT_ID}-${REGION}`;

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** A fresh account: no bucket, no role, no function (the role this deploy creates waits out its propagation). */
async function account() {
  aws = await startFakeAws();
  const fake = aws;
  const clients = fake.clients();
  const deploy = (zip = zipA, deps = depsFor(fake)) => deployStageToAws(clients, { ...stage, zip }, deps);
  const fn = () => fake.account.functions.get('shop-main')!;
  return { fake, deploy, fn };
}

describe('a whole AWS deploy against the one fake account', () => {
  it('first deploy creates everything; an unchanged redeploy makes 7 calls (reads only) and uploads nothing', async () => {
    const { fake, deploy, fn } = await account();
    const first = await deploy();
    expect(first.fn).toMatchObject({ created: true, version: '1', previousVersion: '', changed: true });
    expect(first.role.created).toBe(true);
    expect(first.artifact).toMatchObject({ uploaded: true, bytes: zipA.bytes, bucket: BUCKET });
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    expect(bytesUploaded(fake)).toBe(zipA.bytes);

    fake.calls.clear();
    const again = await deploy();
    expect(again.fn).toMatchObject({ created: false, changed: false, version: '1', previousVersion: '1' });
    expect(again.artifact.uploaded).toBe(false);
    expect(fake.calls.counts()).toEqual({
      'sts:GetCallerIdentity': 1,
      's3:HeadObject': 1,
      // Asked together with HeadObject (the same round trip), for a deploy whose zip turns out missing.
      's3:HeadBucket': 1,
      's3:GetBucketLifecycleConfiguration': 1,
      'iam:GetRole': 1,
      'lambda:GetFunction': 1,
      'lambda:GetAlias': 1,
    });
    expect(bytesUploaded(fake)).toBe(0);
  });

  it('a code change uploads once, updates the code only, publishes once', async () => {
    const { fake, deploy, fn } = await account();
    await deploy();
    fake.calls.clear();
    const result = await deploy(zipB);
    expect(result.fn).toMatchObject({
      codeChanged: true,
      configChanged: false,
      version: '2',
      previousVersion: '1',
    });
    const counts = fake.calls.counts();
    expect(counts['s3:PutObject']).toBe(1);
    expect(counts['lambda:UpdateFunctionCode']).toBe(1);
    expect(counts['lambda:UpdateFunctionConfiguration']).toBeUndefined();
    expect(counts['lambda:PublishVersion']).toBe(1);
    expect(counts['lambda:UpdateAlias']).toBe(1);
    expect(bytesUploaded(fake)).toBe(zipB.bytes);
    expect(fn().latest.CodeSha256).toBe(zipB.codeSha256);
  });

  // Every call the first deploy makes, refused once as if the runner died there
  // (AccessDenied: never retried, nothing done): the next run must converge,
  // with one function, one version and `live` on it.
  const firstDeploySteps = [
    'GetCallerIdentity',
    'HeadObject',
    'HeadBucket',
    'CreateBucket',
    'PutPublicAccessBlock',
    'PutBucketEncryption',
    'PutBucketOwnershipControls',
    'PutBucketLifecycleConfiguration',
    'PutObject',
    'GetRole',
    'CreateRole',
    'PutRolePolicy',
    'TagRole',
    'GetFunction',
    'GetAlias',
    'CreateFunction',
    'GetFunctionConfiguration',
    'PublishVersion',
    'CreateAlias',
    'ListVersionsByFunction',
  ];
  it.each(firstDeploySteps)(
    'a first deploy stopped at %s converges on the next run without duplicates',
    async (step) => {
      const { fake, deploy, fn } = await account();
      fake.faults.deny(step, 1);
      const deps = depsFor(fake);
      const outcome = await deploy(zipA, deps).then(
        () => 'finished',
        (error: Error) => error.message,
      );
      expect(fake.calls.of({ operation: step })[0]).toMatchObject({ fault: 'deny' });
      // Version cleanup only warns, a refused HeadObject falls back to HeadBucket; every other step stops the deploy.
      if (step === 'ListVersionsByFunction') expect(deps.logger.text('warning')).toContain('not authorized');
      else if (step === 'HeadObject') expect(outcome).toBe('finished');
      else expect(outcome).toMatch(/not authorized|AccessDenied|belongs to another account/);

      const second = await deploy();
      expect(fake.account.functions.size).toBe(1);
      expect([...fn().versions.keys()]).toEqual(['1']);
      expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
      expect(second.fn.version).toBe('1');
      expect(fake.calls.of({ operation: 'CreateFunction' }).filter((c) => c.status === 201)).toHaveLength(1);
      expect(fake.account.roles.size).toBe(1);
      const bucket = fake.account.buckets.get(BUCKET)!;
      expect([...bucket.settings.keys()].sort()).toEqual([
        'encryption',
        'lifecycle',
        'ownershipControls',
        'publicAccessBlock',
      ]);
      expect(bucket.objects.size).toBe(1);

      // And the run after that is a no-op.
      fake.calls.clear();
      const third = await deploy();
      expect(third.fn.changed).toBe(false);
      expect(fake.calls.writes()).toEqual([]);
    },
  );

  it('a code change stopped after PublishVersion: the next run points live without publishing twice', async () => {
    const { fake, deploy, fn } = await account();
    await deploy();
    fake.faults.deny('UpdateAlias', 1);
    await expect(deploy(zipB)).rejects.toThrow(/lambda:UpdateAlias/);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    expect([...fn().versions.keys()]).toEqual(['1', '2']);

    fake.calls.clear();
    const next = await deploy(zipB);
    expect(next.fn).toMatchObject({ version: '2', previousVersion: '1', codeChanged: false, changed: true });
    expect([...fn().versions.keys()]).toEqual(['1', '2']); // PublishVersion returned the existing version 2
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('2');
    expect(fake.calls.counts()['lambda:UpdateFunctionCode']).toBeUndefined();
  });

  it('a CreateFunction raced by a parallel run (409) falls back to the update path', async () => {
    const { fake, deploy } = await account();
    await deploy();
    // This run read "no function" just before a parallel run created it.
    fake.faults.fail('GetFunction', 'ResourceNotFoundException');
    fake.calls.clear();
    const result = await deploy(zipB);
    expect(fake.calls.of({ operation: 'CreateFunction' }).map((c) => [c.status, c.error])).toEqual([
      [409, 'ResourceConflictException'],
    ]);
    expect(fake.account.functions.size).toBe(1);
    expect(result.fn).toMatchObject({
      created: false,
      codeChanged: true,
      version: '2',
      previousVersion: '1',
    });
  });
});
