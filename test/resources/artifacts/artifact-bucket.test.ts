import { readFileSync, rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NotFound,
  S3Client,
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
import {
  ACCOUNT_ID,
  OTHER_ACCOUNT_ID,
  REGION,
  startFakeAws,
  type FakeAws,
} from '../../../fakes/aws/index.js';
import { tempDir, testDeps, writeZipFixture, type ZipFixture } from '../../support/aws-deploy-sequence.js';
import { depsFor } from '../../fake-aws/helpers.js';

const ACCOUNT = ACCOUNT_ID;
const BUCKET = `lambda-deploy-${ACCOUNT_ID}-${REGION}`;
const DAY = 86_400_000;

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS and its S3 client (as the action builds it: path-style, checksums when required). */
async function account() {
  aws = await startFakeAws();
  const fake = aws;
  const s3 = fake.clients().s3;
  const ops = () => fake.calls.operations('s3');
  const count = (operation: string) => fake.calls.of({ service: 's3', operation }).length;
  const bucket = (name = BUCKET) => fake.account.buckets.get(name);
  return { fake, s3, ops, count, bucket };
}

describe('ensureArtifactBucket on the fake S3', () => {
  it('creates a missing bucket locked down (us-east-1: no LocationConstraint), every call naming the expected owner', async () => {
    const { fake, s3, ops, bucket } = await account();
    const name = await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    expect(name).toBe(BUCKET);
    expect(ops()).toEqual([
      'HeadBucket',
      // Read together with HeadBucket, so a bucket that exists costs no second round trip.
      'GetBucketLifecycleConfiguration',
      'CreateBucket',
      'PutPublicAccessBlock',
      'PutBucketEncryption',
      'PutBucketOwnershipControls',
      'PutBucketLifecycleConfiguration',
    ]);
    // S3 in us-east-1 refuses its own name as LocationConstraint (400 InvalidLocationConstraint): none was sent.
    expect(fake.calls.of({ operation: 'CreateBucket' })[0]).toMatchObject({
      input: { Bucket: BUCKET },
      status: 200,
    });
    const settings = bucket()!.settings;
    const xml = (key: string) => settings.get(key)!.replace(/\s+/g, '');
    for (const flag of ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])
      expect(xml('publicAccessBlock')).toContain(`<${flag}>true</${flag}>`);
    expect(xml('encryption')).toMatch(
      /<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256<\/SSEAlgorithm><\/ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true<\/BucketKeyEnabled>/,
    );
    expect(xml('ownershipControls')).toContain('<ObjectOwnership>BucketOwnerEnforced</ObjectOwnership>');
    const lifecycle = xml('lifecycle');
    for (const part of [
      '<ID>lambda-deploy-artifacts</ID>',
      '<Status>Enabled</Status>',
      '<Filter><Prefix>lambda-deploy/</Prefix></Filter>',
      '<Expiration><Days>30</Days></Expiration>',
      '<NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration>',
      '<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
    ])
      expect(lifecycle).toContain(part);
    for (const call of fake.calls.of({ service: 's3' }))
      if (call.operation !== 'CreateBucket') expect(call.input.ExpectedBucketOwner).toBe(ACCOUNT);
  });

  it('a bucket created by a parallel job (409 BucketAlreadyOwnedByYou, as every region but us-east-1 answers) is fine', async () => {
    const { fake, s3, count } = await account();
    // The other job's bucket is there, but this job's HeadBucket came just before it was.
    fake.seed.bucket(BUCKET);
    fake.faults.fail('HeadBucket', 'NoSuchBucket').fail('CreateBucket', 'BucketAlreadyOwnedByYou');
    const deps = depsFor(fake);
    await expect(ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, deps)).resolves.toBe(
      BUCKET,
    );
    expect(fake.calls.of({ operation: 'CreateBucket' }).map((c) => c.status)).toEqual([409]);
    expect(count('PutBucketLifecycleConfiguration')).toBe(1);
    expect(deps.logger.text()).toContain(`Bucket ${BUCKET} was just created by another job`);
  });

  it('the default name taken by another account between HeadBucket and CreateBucket (409 BucketAlreadyExists): set s3-bucket', async () => {
    const { fake, s3, count } = await account();
    fake.seed.bucket(BUCKET, { owner: OTHER_ACCOUNT_ID });
    fake.faults.fail('HeadBucket', 'NoSuchBucket');
    await expect(
      ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake)),
    ).rejects.toThrow(
      `S3 bucket name ${BUCKET} is taken by another account; set s3-bucket to a bucket of account ${ACCOUNT}.`,
    );
    expect(fake.calls.of({ operation: 'CreateBucket' }).map((c) => [c.status, c.error])).toEqual([
      [409, 'BucketAlreadyExists'],
    ]);
    expect(count('PutPublicAccessBlock')).toBe(0);
  });

  it('an existing default bucket that lacks its settings (a run stopped after CreateBucket) is configured', async () => {
    const { fake, s3, count } = await account();
    fake.seed.bucket(BUCKET);
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    expect(fake.calls.of({ operation: 'GetBucketLifecycleConfiguration' })[0]).toMatchObject({
      status: 404,
      error: 'NoSuchLifecycleConfiguration',
    });
    expect(count('CreateBucket')).toBe(0);
    expect(count('PutPublicAccessBlock')).toBe(1);
    expect(count('PutBucketLifecycleConfiguration')).toBe(1);
  });

  it("an existing default bucket without our lifecycle rule keeps the owner's other rules", async () => {
    const { fake, s3, bucket } = await account();
    // Made under the default name by the user's own tooling, with a rule of theirs.
    fake.seed.bucket(BUCKET);
    const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
    bucket()!.settings.set(
      'lifecycle',
      `<LifecycleConfiguration ${NS}><Rule><ID>team-logs-90-days</ID><Filter><Prefix>logs/</Prefix></Filter>` +
        '<Status>Enabled</Status><Expiration><Days>90</Days></Expiration></Rule></LifecycleConfiguration>',
    );
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    const lifecycle = bucket()!.settings.get('lifecycle')!.replace(/\s+/g, '');
    expect(lifecycle).toContain('<ID>team-logs-90-days</ID>');
    expect(lifecycle).toContain('<Filter><Prefix>logs/</Prefix></Filter>');
    expect(lifecycle).toContain('<ID>lambda-deploy-artifacts</ID>');
  });

  it("an existing default bucket without our lifecycle rule keeps the owner's encryption (SSE-KMS)", async () => {
    const { fake, s3, bucket, count } = await account();
    fake.seed.bucket(BUCKET);
    const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
    const kms =
      `<ServerSideEncryptionConfiguration ${NS}><Rule><ApplyServerSideEncryptionByDefault>` +
      `<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:${REGION}:${ACCOUNT}:key/team-key</KMSMasterKeyID>` +
      '</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>';
    bucket()!.settings.set('encryption', kms);
    const deps = depsFor(fake);
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, deps);
    expect(bucket()!.settings.get('encryption')).toBe(kms);
    expect(count('PutBucketEncryption')).toBe(0);
    expect(count('PutBucketLifecycleConfiguration')).toBe(1);
    expect(deps.logger.text()).toContain(`keeps its default encryption (aws:kms)`);
  });

  it('an existing default bucket with no encryption configuration gets SSE-S3', async () => {
    const { fake, s3, bucket } = await account();
    fake.seed.bucket(BUCKET);
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    expect(bucket()!.settings.get('encryption')).toContain('<SSEAlgorithm>AES256</SSEAlgorithm>');
  });

  it('an existing configured bucket, or one named by s3-bucket, is left as it is', async () => {
    const { fake, s3, count } = await account();
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    fake.seed.bucket('my-bucket');
    fake.calls.clear();
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    await ensureArtifactBucket(
      s3,
      { bucket: 'my-bucket', accountId: ACCOUNT, region: REGION },
      depsFor(fake),
    );
    expect(count('GetBucketLifecycleConfiguration')).toBe(1);
    expect(count('PutPublicAccessBlock')).toBe(0);
    expect(fake.calls.of({ operation: 'HeadBucket' }).map((c) => c.input)).toContainEqual({
      Bucket: 'my-bucket',
      ExpectedBucketOwner: ACCOUNT,
    });
    expect(fake.account.buckets.get('my-bucket')!.settings.size).toBe(0);
  });

  it('403: the bucket belongs to another account: set s3-bucket', async () => {
    const { fake, s3, count } = await account();
    fake.seed.bucket(BUCKET, { owner: OTHER_ACCOUNT_ID });
    await expect(
      ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake)),
    ).rejects.toThrow(new RegExp(`S3 bucket ${BUCKET} exists but belongs to another account.*Set s3-bucket`));
    expect(fake.calls.of({ operation: 'HeadBucket' })[0]!.status).toBe(403);
    expect(count('CreateBucket')).toBe(0);
  });

  it('a new bucket that is not visible yet (404 NoSuchBucket) is retried', async () => {
    const { fake, s3 } = await account();
    fake.faults.fail('PutPublicAccessBlock', 'NoSuchBucket');
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    expect(fake.calls.of({ operation: 'PutPublicAccessBlock' }).map((c) => c.status)).toEqual([404, 200]);
    expect(fake.clock.sleep.calls).toEqual([1000]);
  });

  it('S3 throttling (503 SlowDown) on every bucket call is waited out', async () => {
    const { fake, s3, bucket } = await account();
    for (const op of [
      'HeadBucket',
      'CreateBucket',
      'PutPublicAccessBlock',
      'PutBucketLifecycleConfiguration',
    ])
      fake.faults.throttle(op, 1);
    await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: REGION }, depsFor(fake));
    expect(
      fake.calls.calls.filter((c) => c.error === 'SlowDown').map((c) => [c.operation, c.status]),
    ).toEqual([
      ['HeadBucket', 503],
      ['CreateBucket', 503],
      ['PutPublicAccessBlock', 503],
      ['PutBucketLifecycleConfiguration', 503],
    ]);
    expect(bucket()!.settings.has('lifecycle')).toBe(true);
  });
});

// The one region-specific branch: the fake models one region (us-east-1), so this stays a mocked call.
describe('ensureArtifactBucket in another region (scripted S3)', () => {
  const s3 = new S3Client({ region: 'eu-west-1' });
  const mock = mockClient(s3);
  beforeEach(() => {
    mock.reset();
    mock.onAnyCommand().resolves({});
  });

  it('names its region as LocationConstraint', async () => {
    mock
      .on(HeadBucketCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const bucket = await ensureArtifactBucket(s3, { accountId: ACCOUNT, region: 'eu-west-1' }, testDeps());
    expect(bucket).toBe(`lambda-deploy-${ACCOUNT}-eu-west-1`);
    expect(mock).toHaveReceivedCommandWith(CreateBucketCommand, {
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
  });
});

/** A built package on disk and the artifact input publishArtifact takes for it. */
const zipDir = tempDir();
afterAll(() => rmSync(zipDir, { recursive: true, force: true }));
const zip = writeZipFixture(zipDir, 'ours.zip', 10_000, 3);
const artifactInput = (z: ZipFixture = zip) => ({
  accountId: ACCOUNT,
  region: REGION,
  name: 'shop',
  zipPath: z.path,
  sha256Hex: z.sha256Hex,
  codeSha256: z.codeSha256,
});

describe('artifacts against the stateful fake', () => {
  const input = artifactInput();

  it('a bucket of another account under the default name is never written to', async () => {
    const { fake, s3, count } = await account();
    fake.seed.bucket(BUCKET, { owner: OTHER_ACCOUNT_ID });
    await expect(publishArtifact(s3, input, depsFor(fake))).rejects.toThrow(/belongs to another account/);
    expect(count('PutObject')).toBe(0);
    expect(fake.calls.writes()).toEqual([]);
  });

  it('an artifact close to its expiry is uploaded again', async () => {
    const { fake, s3 } = await account();
    const first = await publishArtifact(s3, input, depsFor(fake));
    expect(first.uploaded).toBe(true);
    fake.clock.advance(26 * DAY);
    const later = depsFor(fake);
    const again = await publishArtifact(s3, input, later);
    expect(again.uploaded).toBe(true);
    expect(later.logger.text()).toContain('days old; uploading it again before it expires');
    expect((await publishArtifact(s3, input, depsFor(fake))).uploaded).toBe(false);
  });
});

describe('an artifact is reused only when S3 vouches for its SHA-256 (the fake stores S3 checksums)', () => {
  const input = artifactInput();
  const key = artifactKey('shop', zip.sha256Hex);

  it('asks S3 for the stored checksum (ChecksumMode ENABLED) and reuses an object that has ours', async () => {
    const { fake, s3 } = await account();
    expect((await publishArtifact(s3, input, depsFor(fake))).uploaded).toBe(true);
    fake.calls.clear();
    const deps = depsFor(fake);
    expect((await publishArtifact(s3, input, deps)).uploaded).toBe(false);
    expect(fake.calls.of({ operation: 'HeadObject' }).map((c) => c.input)).toEqual([
      { Bucket: BUCKET, Key: key, ExpectedBucketOwner: ACCOUNT, ChecksumMode: 'ENABLED' },
    ]);
    expect(deps.logger.text()).toContain('its SHA-256 checksum matches');
  });

  it('a planted same-size object at the artifact key is not reused: ours is uploaded over it', async () => {
    const { fake, s3, bucket } = await account();
    await publishArtifact(s3, input, depsFor(fake)); // creates and configures the bucket
    // A preview job computed the key of this (reproducible) zip and wrote its own bytes there.
    const planted = writeZipFixture(zipDir, 'planted.zip', zip.bytes, 99);
    fake.seed.object(BUCKET, key, readFileSync(planted.path));
    const deps = depsFor(fake);
    const result = await publishArtifact(s3, input, deps);
    expect(result).toMatchObject({ uploaded: true, bytes: zip.bytes });
    expect(deps.logger.text('warning')).toContain(
      `does not hold this package: S3's SHA-256 checksum of it is ${planted.codeSha256}`,
    );
    const stored = bucket()!.objects.get(key)!;
    expect(stored.bytes.equals(readFileSync(zip.path))).toBe(true);
    expect(stored.checksum).toMatchObject({ algorithm: 'SHA256', value: zip.codeSha256 });
  });

  it('a same-size object without a checksum is not reused either', async () => {
    const { fake, s3, bucket } = await account();
    fake.seed.object(BUCKET, key, readFileSync(writeZipFixture(zipDir, 'no-sum.zip', zip.bytes, 7).path));
    delete bucket()!.objects.get(key)!.checksum;
    const deps = depsFor(fake);
    expect((await publishArtifact(s3, input, deps)).uploaded).toBe(true);
    expect(deps.logger.text()).toContain('has no SHA-256 checksum S3 vouches for');
    expect(bucket()!.objects.get(key)!.bytes.equals(readFileSync(zip.path))).toBe(true);
  });

  it('a multipart artifact is reused by its composite checksum (SHA-256 of the parts’ SHA-256s, -N)', async () => {
    const big = writeZipFixture(zipDir, 'big.zip', 2 * PART_SIZE + 4321, 5);
    const bigInput = artifactInput(big);
    const { fake, s3, bucket } = await account();
    expect((await publishArtifact(s3, bigInput, depsFor(fake))).uploaded).toBe(true);
    expect(fake.calls.of({ operation: 'UploadPart' })).toHaveLength(3);
    const stored = bucket()!.objects.get(artifactKey('shop', big.sha256Hex))!;
    expect(stored.checksum?.value).toMatch(/-3$/);
    expect(await artifactChecksum(big.path, big.bytes, big.codeSha256)).toBe(stored.checksum?.value);
    expect((await publishArtifact(s3, bigInput, depsFor(fake))).uploaded).toBe(false);
  });

  it.each([
    ['exactly one part (8 MiB): one PUT', PART_SIZE, 0, /^[A-Za-z0-9+/]+=*$/],
    ['exactly two parts (16 MiB): no empty third part', 2 * PART_SIZE, 2, /-2$/],
  ])('a zip of %s is reused on the next deploy', async (_, bytes, parts, checksum) => {
    const edge = writeZipFixture(zipDir, `edge-${bytes}.zip`, bytes, 3);
    const edgeInput = artifactInput(edge);
    const { fake, s3, bucket } = await account();
    expect((await publishArtifact(s3, edgeInput, depsFor(fake))).uploaded).toBe(true);
    expect(fake.calls.of({ operation: 'UploadPart' })).toHaveLength(parts);
    expect(bucket()!.objects.get(artifactKey('shop', edge.sha256Hex))!.checksum?.value).toMatch(checksum);
    expect((await publishArtifact(s3, edgeInput, depsFor(fake))).uploaded).toBe(false);
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
    const firstDeps = testDeps();
    const first = await uploadArtifact(s3, input, firstDeps);
    // In the unit the build log gave the package's size in (not "0.3 MB", nor "0.0 MB" for a 1.4 KB zip).
    expect(firstDeps.logger.text()).toContain(`Uploading 293.0 KB to s3://artifacts/lambda-deploy/shop/`);
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
