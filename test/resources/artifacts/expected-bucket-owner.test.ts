/**
 * Every S3 call of the deploy names the account that must own the bucket
 * (ExpectedBucketOwner): S3 bucket names are global, so a bucket of the
 * same name in another account must make the call fail, never receive our
 * package. CreateBucket is the one call without it (S3 does not take it there).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NotFound,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsDeps } from '../../../src/aws/aws-call.js';
import {
  LIFECYCLE_RULE_ID,
  PART_SIZE,
  publishArtifact,
} from '../../../src/resources/artifacts/artifact-bucket.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';

const ACCOUNT = '123456789012';
const dir = mkdtempSync(join(tmpdir(), 'bucket-owner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zipOf(name: string, bytes: number) {
  const data = Buffer.alloc(bytes, name);
  const path = join(dir, name);
  writeFileSync(path, data);
  const digest = createHash('sha256').update(data);
  return {
    accountId: ACCOUNT,
    region: 'eu-west-1',
    name: 'shop',
    zipPath: path,
    sha256Hex: createHash('sha256').update(data).digest('hex'),
    codeSha256: digest.digest('base64'),
  };
}

const deps = (): AwsDeps => ({
  logger: new RecordingLogger(),
  sleep: recordingSleep(),
  random: () => 1,
  now: () => new Date(),
});
const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });

describe('ExpectedBucketOwner on every S3 call of publishArtifact', () => {
  const s3 = new S3Client({ region: 'eu-west-1' });
  const mock = mockClient(s3);
  beforeEach(() => {
    mock.reset();
    mock.onAnyCommand().resolves({});
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    mock.on(UploadPartCommand).resolves({ ETag: '"part"' });
  });

  /** Each call's command name and input. */
  const calls = () =>
    mock.calls().map((c) => {
      const command = c.args[0] as unknown as {
        constructor: { name: string };
        input: Record<string, unknown>;
      };
      return { name: command.constructor.name, input: command.input };
    });

  function expectOwnerOnEveryCall(): string[] {
    const seen = calls();
    for (const { name, input } of seen)
      if (name !== 'CreateBucketCommand')
        expect({ name, owner: input.ExpectedBucketOwner }).toEqual({ name, owner: ACCOUNT });
    return seen.map((c) => c.name);
  }

  it('a new default bucket, configured, then a single-part upload', async () => {
    mock.on(HeadObjectCommand).rejects(notFound());
    mock.on(HeadBucketCommand).rejects(notFound());
    await publishArtifact(s3, zipOf('small.zip', 1000), deps());
    expect(expectOwnerOnEveryCall()).toEqual([
      'HeadObjectCommand',
      // The bucket is read together with the object (one round trip).
      'HeadBucketCommand',
      'GetBucketLifecycleConfigurationCommand',
      'CreateBucketCommand',
      'PutPublicAccessBlockCommand',
      'PutBucketEncryptionCommand',
      'PutBucketOwnershipControlsCommand',
      'PutBucketLifecycleConfigurationCommand',
      'PutObjectCommand',
    ]);
  });

  it('an existing default bucket (its lifecycle rule read), then a multipart upload', async () => {
    mock.on(HeadObjectCommand).rejects(notFound());
    mock
      .on(GetBucketLifecycleConfigurationCommand)
      .resolves({ Rules: [{ ID: LIFECYCLE_RULE_ID, Status: 'Enabled' }] });
    await publishArtifact(s3, zipOf('big.zip', PART_SIZE + 1), deps());
    expect(expectOwnerOnEveryCall()).toEqual([
      'HeadObjectCommand',
      'HeadBucketCommand',
      'GetBucketLifecycleConfigurationCommand',
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    expect(mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
  });

  it('a bucket named by s3-bucket, the artifact already there', async () => {
    const zip = zipOf('there.zip', 1000);
    mock
      .on(HeadObjectCommand)
      .resolves({ ContentLength: 1000, ChecksumSHA256: zip.codeSha256, LastModified: new Date() });
    const result = await publishArtifact(s3, { ...zip, bucket: 'team-artifacts' }, deps());
    expect(result).toMatchObject({ uploaded: false, bucket: 'team-artifacts' });
    // The bucket is read together with the object, and its answer not needed.
    expect(expectOwnerOnEveryCall()).toEqual(['HeadObjectCommand', 'HeadBucketCommand']);
    expect(mock.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });
});
