import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import S3rver from 's3rver';
import {
  artifactChecksum,
  artifactKey,
  ensureArtifactBucket,
  PART_SIZE,
  publishArtifact,
  uploadArtifact,
} from '../../../src/resources/artifacts/artifact-bucket.js';
import { FakeAws } from '../../support/fake-aws.js';
import { tempDir, testDeps, writeZipFixture } from '../../support/aws-deploy-sequence.js';

const ACCOUNT = '123456789012';

describe('ensureArtifactBucket (scripted S3)', () => {
  const s3 = new S3Client({ region: 'eu-west-1' });
  const mock = mockClient(s3);
  beforeEach(() => {
    mock.reset();
    // Specific answers below override this default.
    mock.onAnyCommand().resolves({});
  });

  it('creates a missing bucket locked down, every call naming the expected owner', async () => {
    mock
      .on(HeadBucketCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const bucket = await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'eu-west-1' }, testDeps());
    expect(bucket).toBe('lambda-deploy-123456789012-eu-west-1');
    const order = mock.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect(order).toEqual([
      'HeadBucketCommand',
      'CreateBucketCommand',
      'PutPublicAccessBlockCommand',
      'PutBucketEncryptionCommand',
      'PutBucketOwnershipControlsCommand',
      'PutBucketLifecycleConfigurationCommand',
    ]);
    expect(mock).toHaveReceivedCommandWith(CreateBucketCommand, {
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
    expect(mock).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(mock).toHaveReceivedCommandWith(PutBucketEncryptionCommand, {
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
      },
    });
    expect(mock).toHaveReceivedCommandWith(PutBucketOwnershipControlsCommand, {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(mock).toHaveReceivedCommandWith(PutBucketLifecycleConfigurationCommand, {
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'lambda-deploy-artifacts',
            Status: 'Enabled',
            Filter: { Prefix: 'lambda-deploy/' },
            Expiration: { Days: 30 },
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    });
    for (const call of mock.calls()) {
      const input = call.args[0].input as Record<string, unknown>;
      if ((call.args[0] as object).constructor !== CreateBucketCommand)
        expect(input.ExpectedBucketOwner).toBe(ACCOUNT);
    }
  });

  it('us-east-1 gets no LocationConstraint', async () => {
    mock
      .on(HeadBucketCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'us-east-1' }, testDeps());
    expect(mock).toHaveReceivedCommandWith(CreateBucketCommand, {
      Bucket: 'lambda-deploy-123456789012-us-east-1',
    });
    expect(
      (mock.commandCalls(CreateBucketCommand)[0]!.args[0].input as { CreateBucketConfiguration?: unknown })
        .CreateBucketConfiguration,
    ).toBeUndefined();
  });

  it('a bucket created by a parallel job (BucketAlreadyOwnedByYou) is fine', async () => {
    mock
      .on(HeadBucketCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    mock
      .on(CreateBucketCommand)
      .rejects(new BucketAlreadyOwnedByYou({ message: 'owned', $metadata: { httpStatusCode: 409 } }));
    await expect(
      ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'eu-west-1' }, testDeps()),
    ).resolves.toBe('lambda-deploy-123456789012-eu-west-1');
    expect(mock).toHaveReceivedCommandTimes(CreateBucketCommand, 1);
    expect(mock).toHaveReceivedCommandTimes(PutBucketLifecycleConfigurationCommand, 1);
  });

  it('an existing default bucket that lacks its settings (a run stopped after CreateBucket) is configured', async () => {
    mock.on(GetBucketLifecycleConfigurationCommand).rejects(
      new S3ServiceException({
        name: 'NoSuchLifecycleConfiguration',
        $fault: 'client',
        message: 'none',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'eu-west-1' }, testDeps());
    expect(mock).toHaveReceivedCommandTimes(CreateBucketCommand, 0);
    expect(mock).toHaveReceivedCommandTimes(PutPublicAccessBlockCommand, 1);
    expect(mock).toHaveReceivedCommandTimes(PutBucketLifecycleConfigurationCommand, 1);
  });

  it('an existing configured bucket, or one named by s3-bucket, is left as it is', async () => {
    mock
      .on(GetBucketLifecycleConfigurationCommand)
      .resolves({ Rules: [{ ID: 'lambda-deploy-artifacts', Status: 'Enabled' }] });
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'eu-west-1' }, testDeps());
    await ensureArtifactBucket(
      s3,
      { bucket: 'my-bucket', accountId: ACCOUNT, region: 'eu-west-1' },
      testDeps(),
    );
    expect(mock).toHaveReceivedCommandTimes(GetBucketLifecycleConfigurationCommand, 1);
    expect(mock).toHaveReceivedCommandTimes(PutPublicAccessBlockCommand, 0);
    expect(mock).toHaveReceivedCommandWith(HeadBucketCommand, {
      Bucket: 'my-bucket',
      ExpectedBucketOwner: ACCOUNT,
    });
  });

  it('403: the bucket belongs to another account: set s3-bucket', async () => {
    mock.on(HeadBucketCommand).rejects(
      new S3ServiceException({
        name: 'Forbidden',
        $fault: 'client',
        message: 'Forbidden',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(
      ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'eu-west-1' }, testDeps()),
    ).rejects.toThrow(
      /S3 bucket lambda-deploy-123456789012-eu-west-1 exists but belongs to another account.*Set s3-bucket/,
    );
    expect(mock).toHaveReceivedCommandTimes(CreateBucketCommand, 0);
  });

  it('a new bucket that is not visible yet (NoSuchBucket) is retried', async () => {
    mock
      .on(HeadBucketCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    mock
      .on(PutPublicAccessBlockCommand)
      .rejectsOnce(
        new S3ServiceException({
          name: 'NoSuchBucket',
          $fault: 'client',
          message: 'no bucket',
          $metadata: { httpStatusCode: 404 },
        }),
      )
      .resolves({});
    const deps = testDeps();
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'eu-west-1' }, deps);
    expect(mock).toHaveReceivedCommandTimes(PutPublicAccessBlockCommand, 2);
    expect(deps.sleep.calls).toEqual([1000]);
  });
});

describe('artifacts against the stateful fake', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const zip = writeZipFixture(dir, 'a.zip', 10_000, 3);

  it('a bucket of another account under the default name is never written to', async () => {
    const fake = new FakeAws();
    fake.addBucket('lambda-deploy-123456789012-eu-west-1', '999999999999');
    await expect(
      publishArtifact(
        fake.s3,
        {
          accountId: ACCOUNT,
          region: 'eu-west-1',
          name: 'shop',
          zipPath: zip.path,
          sha256Hex: zip.sha256Hex,
          codeSha256: zip.codeSha256,
        },
        testDeps(),
      ),
    ).rejects.toThrow(/belongs to another account/);
    expect(fake.s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });

  it('an artifact close to its expiry is uploaded again', async () => {
    const fake = new FakeAws();
    const input = {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      name: 'shop',
      zipPath: zip.path,
      sha256Hex: zip.sha256Hex,
      codeSha256: zip.codeSha256,
    };
    const first = await publishArtifact(fake.s3, input, testDeps());
    expect(first.uploaded).toBe(true);
    const later = { ...testDeps(), now: () => new Date(Date.now() + 26 * 86_400_000) };
    const again = await publishArtifact(fake.s3, input, later);
    expect(again.uploaded).toBe(true);
    expect(later.logger.text()).toContain('days old; uploading it again before it expires');
    expect((await publishArtifact(fake.s3, input, testDeps())).uploaded).toBe(false);
  });
});

describe('an artifact is reused only when S3 vouches for its SHA-256 (stateful fake of S3 checksums)', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const BUCKET = 'lambda-deploy-123456789012-eu-west-1';
  const zip = writeZipFixture(dir, 'ours.zip', 10_000, 3);
  const input = {
    accountId: ACCOUNT,
    region: 'eu-west-1',
    name: 'shop',
    zipPath: zip.path,
    sha256Hex: zip.sha256Hex,
    codeSha256: zip.codeSha256,
  };
  const key = artifactKey('shop', zip.sha256Hex);

  it('asks S3 for the stored checksum (ChecksumMode ENABLED) and reuses an object that has ours', async () => {
    const fake = new FakeAws();
    expect((await publishArtifact(fake.s3, input, testDeps())).uploaded).toBe(true);
    fake.resetCalls();
    const deps = testDeps();
    expect((await publishArtifact(fake.s3, input, deps)).uploaded).toBe(false);
    expect(fake.callsOf('HeadObject')).toEqual([
      { Bucket: BUCKET, Key: key, ExpectedBucketOwner: ACCOUNT, ChecksumMode: 'ENABLED' },
    ]);
    expect(deps.logger.text()).toContain('its SHA-256 checksum matches');
  });

  it('a planted same-size object at the artifact key is not reused: ours is uploaded over it', async () => {
    const fake = new FakeAws();
    fake.addBucket(BUCKET);
    await publishArtifact(fake.s3, input, testDeps()); // configures the bucket
    // A preview job computed the key of this (reproducible) zip and wrote its own bytes there.
    const planted = writeZipFixture(dir, 'planted.zip', zip.bytes, 99);
    fake.plantObject(BUCKET, key, readFileSync(planted.path), { checksum: true });
    const deps = testDeps();
    const result = await publishArtifact(fake.s3, input, deps);
    expect(result).toMatchObject({ uploaded: true, bytes: zip.bytes });
    expect(deps.logger.text('warning')).toContain(
      `does not hold this package: S3's SHA-256 checksum of it is ${planted.codeSha256}`,
    );
    const stored = fake.buckets.get(BUCKET)!.objects.get(key)!;
    expect(stored.body.equals(readFileSync(zip.path))).toBe(true);
    expect(stored.checksumSha256).toBe(zip.codeSha256);
  });

  it('a same-size object without a checksum is not reused either', async () => {
    const fake = new FakeAws();
    fake.addBucket(BUCKET);
    fake.plantObject(BUCKET, key, readFileSync(writeZipFixture(dir, 'no-sum.zip', zip.bytes, 7).path));
    const deps = testDeps();
    expect((await publishArtifact(fake.s3, input, deps)).uploaded).toBe(true);
    expect(deps.logger.text()).toContain('has no SHA-256 checksum S3 vouches for');
    expect(fake.buckets.get(BUCKET)!.objects.get(key)!.body.equals(readFileSync(zip.path))).toBe(true);
  });

  it('a multipart artifact is reused by its composite checksum (SHA-256 of the parts’ SHA-256s, -N)', async () => {
    const big = writeZipFixture(dir, 'big.zip', 2 * PART_SIZE + 4321, 5);
    const bigInput = { ...input, zipPath: big.path, sha256Hex: big.sha256Hex, codeSha256: big.codeSha256 };
    const fake = new FakeAws();
    expect((await publishArtifact(fake.s3, bigInput, testDeps())).uploaded).toBe(true);
    const stored = fake.buckets.get(BUCKET)!.objects.get(artifactKey('shop', big.sha256Hex))!;
    expect(stored.checksumSha256).toMatch(/-3$/);
    expect(await artifactChecksum(big.path, big.bytes, big.codeSha256)).toBe(stored.checksumSha256);
    expect((await publishArtifact(fake.s3, bigInput, testDeps())).uploaded).toBe(false);
  });

  it('artifactChecksum of a single-part file is its CodeSha256', async () => {
    expect(await artifactChecksum(zip.path, zip.bytes, zip.codeSha256)).toBe(zip.codeSha256);
  });
});

describe('uploadArtifact against s3rver on 127.0.0.1', () => {
  const dir = tempDir();
  let server: S3rver;
  let s3: S3Client;
  const commands: string[] = [];

  beforeAll(async () => {
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: `${dir}/s3`,
      configureBuckets: [{ name: 'artifacts' }],
    });
    const { port } = (await server.run()) as { port: number };
    s3 = new S3Client({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize' },
    );
  });
  afterAll(async () => {
    s3.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    commands.length = 0;
  });

  async function download(key: string): Promise<Buffer> {
    const object = await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  // s3rver 3.7 neither checks nor keeps checksums (it accepts a wrong x-amz-checksum-sha256 and
  // answers HEAD without one): it proves the bytes on the wire; the reuse decision is tested
  // against the stateful fake above, which models what S3 stores and returns.
  it('uploads (with its SHA-256 checksum and metadata), content equal byte for byte; an object without a checksum S3 vouches for is uploaded again', async () => {
    const zip = writeZipFixture(dir, 'small.zip', 300_000, 5);
    const input = {
      bucket: 'artifacts',
      accountId: ACCOUNT,
      name: 'shop',
      zipPath: zip.path,
      sha256Hex: zip.sha256Hex,
      codeSha256: zip.codeSha256,
    };
    const first = await uploadArtifact(s3, input, testDeps());
    expect(first).toEqual({
      key: `lambda-deploy/shop/${zip.sha256Hex}.zip`,
      uploaded: true,
      bytes: zip.bytes,
    });
    expect(commands).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
    expect((await download(first.key)).equals(readFileSync(zip.path))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'artifacts', Key: first.key }));
    expect(head.Metadata).toMatchObject({ sha256: zip.sha256Hex, 'code-sha256': zip.codeSha256 });

    commands.length = 0;
    const deps = testDeps();
    const second = await uploadArtifact(s3, input, deps);
    expect(second).toEqual({ key: first.key, uploaded: true, bytes: zip.bytes });
    expect(commands).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
    expect(deps.logger.text()).toContain('has no SHA-256 checksum S3 vouches for');
    expect((await download(first.key)).equals(readFileSync(zip.path))).toBe(true);
  });

  it('a file above 8 MB goes up as a multipart upload, intact', async () => {
    const zip = writeZipFixture(dir, 'large.zip', 9 * 1024 * 1024 + 123, 7);
    const input = {
      bucket: 'artifacts',
      accountId: ACCOUNT,
      name: 'shop',
      zipPath: zip.path,
      sha256Hex: zip.sha256Hex,
      codeSha256: zip.codeSha256,
    };
    const result = await uploadArtifact(s3, input, testDeps());
    expect(result.uploaded).toBe(true);
    expect(commands).toEqual([
      'HeadObjectCommand',
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    expect((await download(result.key)).equals(readFileSync(zip.path))).toBe(true);
  });

  it('the same zip under another project is uploaded separately', async () => {
    const zip = writeZipFixture(dir, 'shared.zip', 1000, 9);
    const base = {
      bucket: 'artifacts',
      accountId: ACCOUNT,
      zipPath: zip.path,
      sha256Hex: zip.sha256Hex,
      codeSha256: zip.codeSha256,
    };
    const a = await uploadArtifact(s3, { ...base, name: 'a' }, testDeps());
    const b = await uploadArtifact(s3, { ...base, name: 'b' }, testDeps());
    expect([a.uploaded, b.uploaded]).toEqual([true, true]);
    expect(a.key).not.toBe(b.key);
    expect((await download(a.key)).equals(await download(b.key))).toBe(true);
  });
});
