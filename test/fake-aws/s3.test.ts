/**
 * The fake's S3 through the real SDK client: bucket ownership and the
 * expected bucket owner, checksums stored and returned, multipart uploads
 * with composite checksums, bucket settings, ListObjectsV2 pages; and the
 * project's artifact code against it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ensureArtifactBucket, publishArtifact } from '../../src/resources/artifacts/artifact-bucket.js';
import { ACCOUNT_ID, OTHER_ACCOUNT_ID, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { depsFor, expectAwsError } from './helpers.js';

let aws: FakeAws;
let s3: S3Client;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

beforeEach(async () => {
  aws = await startFakeAws();
  s3 = aws.clients().s3;
});
afterEach(() => aws.close());

describe('buckets and their owner', () => {
  test('a wrong ExpectedBucketOwner is 403 on every call; another account’s bucket is 403 even without one', async () => {
    aws.seed.bucket('mine');
    aws.seed.bucket('squatted', { owner: OTHER_ACCOUNT_ID });
    const wrong = { ExpectedBucketOwner: OTHER_ACCOUNT_ID };
    // A HEAD answer has no body: the SDK cannot name a 403 (real S3 answers the same way).
    await expectAwsError(s3.send(new HeadBucketCommand({ Bucket: 'mine', ...wrong })), 'Unknown', 403);
    await expectAwsError(
      s3.send(new PutObjectCommand({ Bucket: 'mine', Key: 'k', Body: 'x', ...wrong })),
      'AccessDenied',
      403,
    );
    await expectAwsError(
      s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'mine', ...wrong })),
      'AccessDenied',
      403,
    );
    await expect(
      s3.send(new HeadBucketCommand({ Bucket: 'mine', ExpectedBucketOwner: ACCOUNT_ID })),
    ).resolves.toBeDefined();
    await expectAwsError(s3.send(new HeadBucketCommand({ Bucket: 'squatted' })), 'Unknown', 403);
    await expectAwsError(
      s3.send(new PutObjectCommand({ Bucket: 'squatted', Key: 'k', Body: 'x' })),
      'AccessDenied',
      403,
    );
    expect(aws.account.buckets.get('mine')!.objects.size).toBe(0);
  });

  test('CreateBucket in us-east-1: no location constraint, 200 again for its owner, 409 BucketAlreadyExists for another’s name', async () => {
    await expectAwsError(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'bkt1',
          CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as 'us-east-2' },
        }),
      ),
      'InvalidLocationConstraint',
      400,
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt1' }));
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'bkt1' }))).resolves.toBeDefined();
    aws.seed.bucket('taken', { owner: OTHER_ACCOUNT_ID });
    await expectAwsError(s3.send(new CreateBucketCommand({ Bucket: 'taken' })), 'BucketAlreadyExists', 409);
    await expectAwsError(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })), 'InvalidBucketName', 400);
    await expectAwsError(s3.send(new HeadBucketCommand({ Bucket: 'nope' })), 'NotFound', 404);
    await expectAwsError(s3.send(new GetObjectCommand({ Bucket: 'nope', Key: 'k' })), 'NoSuchBucket', 404);
    await expectAwsError(s3.send(new GetObjectCommand({ Bucket: 'bkt1', Key: 'k' })), 'NoSuchKey', 404);
    await expectAwsError(s3.send(new HeadObjectCommand({ Bucket: 'bkt1', Key: 'k' })), 'NotFound', 404);
  });

  test('bucket settings are stored as put and read back; a missing one is its own 404; a policy must be JSON', async () => {
    aws.seed.bucket('b');
    const block = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    };
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'b', PublicAccessBlockConfiguration: block }));
    expect(
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'b' }))).PublicAccessBlockConfiguration,
    ).toEqual(block);
    await expectAwsError(
      s3.send(new GetBucketEncryptionCommand({ Bucket: 'b' })),
      'ServerSideEncryptionConfigurationNotFoundError',
      404,
    );
    await expectAwsError(
      s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'b' })),
      'NoSuchLifecycleConfiguration',
      404,
    );
    await expectAwsError(s3.send(new GetBucketPolicyCommand({ Bucket: 'b' })), 'NoSuchBucketPolicy', 404);
    await expectAwsError(
      s3.send(new PutBucketPolicyCommand({ Bucket: 'b', Policy: 'nope' })),
      'MalformedPolicy',
      400,
    );
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: 'arn:aws:s3:::b/*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'b', Policy: policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'b' }))).Policy).toBe(policy);
  });

  test('ListObjectsV2 pages with continuation tokens', async () => {
    await aws.close();
    aws = await startFakeAws({ pageSize: 2 });
    s3 = aws.clients().s3;
    for (const k of ['a', 'b', 'c']) aws.seed.object('b', `p/${k}`, Buffer.from(k));
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'p/' }));
    expect(first).toMatchObject({
      IsTruncated: true,
      KeyCount: 2,
      Contents: [{ Key: 'p/a', Size: 1 }, { Key: 'p/b' }],
    });
    const second = await s3.send(
      new ListObjectsV2Command({ Bucket: 'b', Prefix: 'p/', ContinuationToken: first.NextContinuationToken }),
    );
    expect(second).toMatchObject({ IsTruncated: false, Contents: [{ Key: 'p/c' }] });
    await expectAwsError(
      s3.send(new ListObjectsV2Command({ Bucket: 'b', ContinuationToken: 'forged' })),
      'InvalidArgument',
      400,
    );
  });
});

describe('checksums', () => {
  test('a declared SHA-256 is checked (400 BadDigest), stored, and returned only with ChecksumMode ENABLED', async () => {
    aws.seed.bucket('b');
    const body = Buffer.from('zip bytes');
    await expectAwsError(
      s3.send(
        new PutObjectCommand({
          Bucket: 'b',
          Key: 'k',
          Body: body,
          ChecksumSHA256: sha(Buffer.from('other')),
        }),
      ),
      'BadDigest',
      400,
    );
    expect(aws.object('b', 'k')).toBeUndefined();
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body, ChecksumSHA256: sha(body) }));
    expect(
      await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k', ChecksumMode: 'ENABLED' })),
    ).toMatchObject({ ChecksumSHA256: sha(body), ChecksumType: 'FULL_OBJECT' });
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }))).ChecksumSHA256).toBeUndefined();
  });

  test('a client with the SDK defaults (streamed aws-chunked body, CRC32 trailer) stores the exact bytes and validates them on read', async () => {
    aws.seed.bucket('b');
    const plain = new S3Client({
      region: aws.region,
      endpoint: aws.url,
      forcePathStyle: true,
      credentials: aws.staticCredentials,
      maxAttempts: 1,
    });
    const body = Buffer.alloc(70_000, 7);
    await plain.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body }));
    expect(aws.object('b', 'k')).toEqual(body);
    expect(aws.account.buckets.get('b')!.objects.get('k')!.checksum?.algorithm).toBe('CRC32');
    const got = await plain.send(new GetObjectCommand({ Bucket: 'b', Key: 'k', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
  });

  test('a multipart upload with SHA-256 checks each part and stores the composite checksum (…-N)', async () => {
    aws.seed.bucket('b');
    const part = 5 * 1024 * 1024;
    const body = Buffer.concat([Buffer.alloc(part, 1), Buffer.alloc(part, 2), Buffer.alloc(1000, 3)]);
    await new Upload({
      client: s3,
      partSize: part,
      params: {
        Bucket: 'b',
        Key: 'big.zip',
        Body: body,
        ChecksumAlgorithm: 'SHA256',
        ExpectedBucketOwner: ACCOUNT_ID,
      },
    }).done();
    // Compared by hash: jest's deep equality walks a 10 MB buffer byte by byte for a minute.
    expect(sha(aws.object('b', 'big.zip')!)).toBe(sha(body));
    const parts = [body.subarray(0, part), body.subarray(part, 2 * part), body.subarray(2 * part)];
    const composite = `${createHash('sha256')
      .update(Buffer.concat(parts.map((p) => createHash('sha256').update(p).digest())))
      .digest('base64')}-3`;
    expect(
      await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'big.zip', ChecksumMode: 'ENABLED' })),
    ).toMatchObject({ ChecksumSHA256: composite, ChecksumType: 'COMPOSITE' });
    expect(aws.calls.operations('s3')).toEqual([
      'CreateMultipartUpload',
      'UploadPart',
      'UploadPart',
      'UploadPart',
      'CompleteMultipartUpload',
      'HeadObject',
    ]);
  });

  test('CompleteMultipartUpload refuses a part under 5 MB that is not the last (EntityTooSmall) and a wrong ETag (InvalidPart)', async () => {
    aws.seed.bucket('b');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b', Key: 'k' }));
    const a = await s3.send(
      new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId, PartNumber: 1, Body: Buffer.alloc(10) }),
    );
    const b = await s3.send(
      new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId, PartNumber: 2, Body: Buffer.alloc(10) }),
    );
    const complete = (parts: { PartNumber: number; ETag?: string }[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'b',
          Key: 'k',
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    await expectAwsError(complete([{ PartNumber: 1, ETag: '"0"' }]), 'InvalidPart', 400);
    await expectAwsError(
      complete([
        { PartNumber: 1, ETag: a.ETag },
        { PartNumber: 2, ETag: b.ETag },
      ]),
      'EntityTooSmall',
      400,
    );
    await expect(complete([{ PartNumber: 1, ETag: a.ETag }])).resolves.toBeDefined();
    await expectAwsError(complete([{ PartNumber: 1, ETag: a.ETag }]), 'NoSuchUpload', 404);
  });
});

describe("the project's artifact code against it", () => {
  test('the default bucket is created locked down (lifecycle last), then the zip uploaded with its checksum and owner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-s3-'));
    const zip = Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1');
    writeFileSync(join(dir, 'a.zip'), zip);
    const hex = createHash('sha256').update(zip).digest('hex');
    const result = await publishArtifact(
      s3,
      {
        accountId: ACCOUNT_ID,
        region: aws.region,
        name: 'shop',
        zipPath: join(dir, 'a.zip'),
        sha256Hex: hex,
        codeSha256: sha(zip),
      },
      depsFor(aws),
    );
    expect(result).toMatchObject({ bucket: `lambda-deploy-${ACCOUNT_ID}-us-east-1`, uploaded: true });
    const ops = aws.calls.operations('s3');
    // The object and the bucket are read together (one round trip), then the bucket is made.
    expect(ops.slice(0, 3).sort()).toEqual(['GetBucketLifecycleConfiguration', 'HeadBucket', 'HeadObject']);
    expect(ops.slice(3)).toEqual([
      'CreateBucket',
      'PutPublicAccessBlock',
      'PutBucketEncryption',
      'PutBucketOwnershipControls',
      'PutBucketLifecycleConfiguration',
      'PutObject',
    ]);
    // Every call on the bucket named the deploying account as its owner.
    expect(
      aws.calls
        .of({ service: 's3' })
        .filter((c) => c.operation !== 'CreateBucket')
        .every((c) => c.input.ExpectedBucketOwner === ACCOUNT_ID),
    ).toBe(true);
    expect(aws.calls.of({ operation: 'PutObject' })[0]!.input.ChecksumSHA256).toBe(sha(zip));
    expect(aws.object(result.bucket, result.key)).toEqual(zip);
  });

  test('a default bucket name squatted by another account is refused before anything is written', async () => {
    aws.seed.bucket(`lambda-deploy-${ACCOUNT_ID}-us-east-1`, { owner: OTHER_ACCOUNT_ID });
    await expect(
      ensureArtifactBucket(s3, { accountId: ACCOUNT_ID, region: aws.region }, depsFor(aws)),
    ).rejects.toThrow(/belongs to another account/);
    expect(aws.calls.writes('s3')).toEqual([]);
  });
});
