/**
 * Create-only uploads: the deploy creates a package's key with `If-None-Match: *` (PutObject, or
 * the multipart upload's CompleteMultipartUpload), the one write the preview role may make in the
 * artifact folder (test/iam/shared-artifact-folder.test.ts). The fake S3 answers a conditional
 * write on a key that holds an object with 412 PreconditionFailed, as S3 does (s3rver 3.7 ignores
 * If-None-Match on PUT, so these run on the fake). The preview role is modelled by its own policy:
 * every S3 call is judged by the project's IAM evaluator against the preview document, with the
 * condition keys S3 gives it, and answered AccessDenied where IAM would deny it.
 *
 * The decision table (src/resources/artifacts/artifact-bucket.ts, uploadArtifact):
 * | under the key                     | production               | preview                     |
 * | nothing                           | create                   | create                      |
 * | nothing, then 412: this package   | reused                   | reused                      |
 * | nothing, then 412: another object | overwritten              | fails, naming the object    |
 * | this package, old                 | uploaded again           | reused as it is             |
 * | another object                    | overwritten              | fails, naming the object    |
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../../src/iam/deploy-policy.js';
import {
  artifactKey,
  ensureArtifactBucket,
  PART_SIZE,
  publishArtifact,
} from '../../../src/resources/artifacts/artifact-bucket.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { isAllowed, requiredPermissions } from '../../support/policy-check.js';
import { tempDir, writeZipFixture, type ZipFixture } from '../../support/aws-deploy-sequence.js';
import { depsFor } from '../../fake-aws/helpers.js';

const BUCKET = `lambda-deploy-${ACCOUNT_ID}-${REGION}`;
const DAY = 86_400_000;
const zipDir = tempDir();
afterAll(() => rmSync(zipDir, { recursive: true, force: true }));
const zip = writeZipFixture(zipDir, 'ours.zip', 10_000, 3);
const big = writeZipFixture(zipDir, 'big.zip', PART_SIZE + 4321, 5);
const planted = writeZipFixture(zipDir, 'planted.zip', 10_000, 99);
const input = (z: ZipFixture = zip) => ({
  accountId: ACCOUNT_ID,
  region: REGION,
  name: 'shop',
  zipPath: z.path,
  sha256Hex: z.sha256Hex,
  codeSha256: z.codeSha256,
});
const previewPolicy = deployRolePolicy({
  project: 'shop',
  region: REGION,
  accountId: ACCOUNT_ID,
  managesExecutionRole: true,
  gateway: 'all',
  role: 'preview',
});

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

async function account(role: 'production' | 'preview') {
  aws = await startFakeAws();
  const fake = aws;
  // The bucket set up (by production: setup) before any preview runs.
  await ensureArtifactBucket(fake.clients().s3, { accountId: ACCOUNT_ID, region: REGION }, depsFor(fake));
  fake.calls.clear();
  if (role === 'preview')
    fake.faults.denyWhen('*', ({ service, operation, input: call }) => {
      if (service !== 's3') return false;
      const needs = requiredPermissions('s3', operation, call, { region: REGION, accountId: ACCOUNT_ID });
      return !needs.every((n) => isAllowed(previewPolicy, n.action, n.resource, n.context));
    });
  const stored = (z: ZipFixture = zip) =>
    fake.account.buckets.get(BUCKET)!.objects.get(artifactKey('shop', z.sha256Hex));
  const writes = () =>
    fake.calls
      .of({ service: 's3' })
      .filter((c) => ['PutObject', 'CompleteMultipartUpload'].includes(c.operation))
      .map((c) => `${c.operation} ${String(c.input.IfNoneMatch ?? '(unconditional)')}`);
  /** Another writer lands `bytes` under the key as this deploy's write of it arrives. */
  const raceOn = (operation: string, bytes: Buffer, z: ZipFixture = zip) =>
    fake.faults.denyWhen(operation, () => {
      if (!stored(z)) fake.seed.object(BUCKET, artifactKey('shop', z.sha256Hex), bytes);
      return false;
    });
  return { fake, s3: fake.clients().s3, stored, writes, raceOn };
}

describe.each(['production', 'preview'] as const)('the %s role', (role) => {
  it('creates a new package with If-None-Match: * (single PUT)', async () => {
    const { fake, s3, stored, writes } = await account(role);
    expect(await publishArtifact(s3, input(), depsFor(fake))).toMatchObject({ uploaded: true });
    expect(writes()).toEqual(['PutObject *']);
    expect(stored()!.bytes.equals(readFileSync(zip.path))).toBe(true);
  });

  it('creates a new multipart package with If-None-Match: * on CompleteMultipartUpload', async () => {
    const { fake, s3, stored, writes } = await account(role);
    expect(await publishArtifact(s3, input(big), depsFor(fake))).toMatchObject({ uploaded: true });
    expect(writes()).toEqual(['CompleteMultipartUpload *']);
    expect(fake.calls.of({ operation: 'UploadPart' })).toHaveLength(2);
    expect(stored(big)!.bytes.equals(readFileSync(big.path))).toBe(true);
  });

  it('this package written by another deploy between the look and the upload (412): reused', async () => {
    const { fake, s3, raceOn, writes } = await account(role);
    // The other deploy's single PUT, with S3's checksum of it.
    raceOn('PutObject', readFileSync(zip.path));
    const deps = depsFor(fake);
    expect(await publishArtifact(s3, input(), deps)).toMatchObject({ uploaded: false });
    expect(writes()).toEqual(['PutObject *']);
    expect(deps.logger.text()).toContain('was just uploaded by another deploy');
  });

  it('a multipart upload that meets 412 on completion is aborted, and the package there reused', async () => {
    const { fake, s3, stored } = await account(role);
    const other = await startOtherUpload(fake, big);
    fake.faults.denyWhen('CompleteMultipartUpload', (call) => {
      if (call.input.UploadId !== other && !stored(big)) completeOther(fake, big, other);
      return false;
    });
    const deps = depsFor(fake);
    expect(await publishArtifact(s3, input(big), deps)).toMatchObject({ uploaded: false });
    expect(fake.calls.of({ operation: 'AbortMultipartUpload' })).toHaveLength(1);
    expect(fake.account.buckets.get(BUCKET)!.uploads.size).toBe(0);
  });

  it('an old copy of this package', async () => {
    const { fake, s3, stored, writes } = await account(role);
    await publishArtifact(s3, input(), depsFor(fake));
    fake.clock.advance(26 * DAY);
    fake.calls.clear();
    const deps = depsFor(fake);
    const result = await publishArtifact(s3, input(), deps);
    if (role === 'production') {
      expect(result.uploaded).toBe(true);
      expect(writes()).toEqual(['PutObject (unconditional)']);
    } else {
      // The preview role may not overwrite it: it is reused as it is (it still has days left).
      expect(result.uploaded).toBe(false);
      expect(deps.logger.text()).toContain('may only create objects under');
    }
    expect(stored()!.bytes.equals(readFileSync(zip.path))).toBe(true);
  });

  it('another object under the key', async () => {
    const { fake, s3, stored } = await account(role);
    fake.seed.object(BUCKET, artifactKey('shop', zip.sha256Hex), readFileSync(planted.path));
    const deps = depsFor(fake);
    if (role === 'production') {
      expect(await publishArtifact(s3, input(), deps)).toMatchObject({ uploaded: true });
      expect(stored()!.bytes.equals(readFileSync(zip.path))).toBe(true);
    } else {
      await expect(publishArtifact(s3, input(), deps)).rejects.toThrow(
        `s3://${BUCKET}/${artifactKey('shop', zip.sha256Hex)} holds another object than this package (S3's SHA-256 checksum ${planted.codeSha256}`,
      );
      await expect(publishArtifact(s3, input(), depsFor(fake))).rejects.toThrow(
        /the preview role may only create objects under lambda-deploy\/shop\/ \(s3:PutObject without If-None-Match is denied\)/,
      );
      expect(stored()!.bytes.equals(readFileSync(planted.path))).toBe(true);
    }
  });

  it('another object written between the look and the upload (412)', async () => {
    const { fake, s3, stored, raceOn, writes } = await account(role);
    raceOn('PutObject', readFileSync(planted.path));
    const attempt = publishArtifact(s3, input(), depsFor(fake));
    if (role === 'production') {
      await expect(attempt).resolves.toMatchObject({ uploaded: true });
      expect(writes()).toEqual(['PutObject *', 'PutObject (unconditional)']);
      expect(stored()!.bytes.equals(readFileSync(zip.path))).toBe(true);
    } else {
      await expect(attempt).rejects.toThrow(/holds another object than this package/);
      expect(stored()!.bytes.equals(readFileSync(planted.path))).toBe(true);
    }
  });
});

/** Another deploy's multipart upload of `z`, open: its id. */
async function startOtherUpload(fake: FakeAws, z: ZipFixture): Promise<string> {
  const { CreateMultipartUploadCommand } = await import('@aws-sdk/client-s3');
  const made = await fake.clients().s3.send(
    new CreateMultipartUploadCommand({
      Bucket: BUCKET,
      Key: artifactKey('shop', z.sha256Hex),
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  return made.UploadId!;
}

/** The other deploy's upload lands first: the key holds `z` (as a single object here). */
function completeOther(fake: FakeAws, z: ZipFixture, uploadId: string): void {
  fake.account.buckets.get(BUCKET)!.uploads.delete(uploadId);
  fake.seed.object(BUCKET, artifactKey('shop', z.sha256Hex), readFileSync(z.path));
}
