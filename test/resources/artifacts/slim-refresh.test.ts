/**
 * A deploy that reuses a slim archive already in the bucket: an old one is
 * copied onto itself (new LastModified) so a prune running before the new
 * stage's function names it keeps it; a young one is left alone.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { depsFor } from '../../../fakes/aws/deps.js';
import { startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { pruneSlimArchives } from '../../../src/pipelines/prune.js';
import { defaultBucketName } from '../../../src/resources/artifacts/artifact-bucket.js';
import { publishSlimArchive } from '../../../src/resources/artifacts/slim-artifact.js';
import { tempDir } from '../../support/aws-deploy-sequence.js';
import { RecordingLogger } from '../../../src/util/logger.js';

const HOUR = 3_600_000;
let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
});
afterEach(() => aws.close());

/** A 9 MB archive: uploaded in parts, so S3's checksum of it is a composite one. */
function archive() {
  const bytes = Buffer.alloc(9 * 1024 * 1024, 3);
  const archivePath = join(tempDir('slim-refresh-'), 'deps.tar.gz');
  writeFileSync(archivePath, bytes);
  return { archivePath, sha256Hex: createHash('sha256').update(bytes).digest('hex') };
}

const publish = (slim: ReturnType<typeof archive>) =>
  publishSlimArchive(
    aws.clients().s3,
    { region: aws.region, accountId: aws.accountId, project: 'shop', kind: 'preview', slim },
    depsFor(aws),
  );

const stored = (key: string) =>
  aws.account.buckets.get(defaultBucketName(aws.accountId, aws.region))!.objects.get(key)!;

describe('a reused slim archive', () => {
  it('20 hours old: is copied onto itself, and a prune right after keeps it', async () => {
    const slim = archive();
    const first = await publish(slim);
    expect(first.uploaded).toBe(true);
    await aws.clock.sleep(20 * HOUR);
    aws.calls.clear();

    const reused = await publish(slim);

    expect(stored(reused.key).lastModified).toBe(aws.clock.now());
    // No function names it yet (the new stage's is not created), no deploy is marked running.
    const pruned = await pruneSlimArchives(
      aws.clients(),
      {
        project: 'shop',
        bucket: reused.bucket,
        accountId: aws.accountId,
        dryRun: false,
        now: aws.clock.date(),
      },
      depsFor(aws),
    );
    expect(pruned.deleted).toEqual([]);
    expect(stored(reused.key)).toBeDefined();
    expect(stored(reused.key).metadata).toEqual({
      sha256: slim.sha256Hex,
      'code-sha256': Buffer.from(slim.sha256Hex, 'hex').toString('base64'),
    });
    const [copy] = aws.calls.of({ service: 's3', operation: 'CopyObject' });
    expect(copy?.input).toMatchObject({
      ExpectedBucketOwner: aws.accountId,
      ExpectedSourceBucketOwner: aws.accountId,
      MetadataDirective: 'REPLACE',
    });
    expect(reused).toMatchObject({ uploaded: false, bytes: 0, refreshed: true });
    // The copy's whole-file SHA-256 still proves it intact: the next deploy neither uploads nor copies.
    aws.calls.clear();
    expect(await publish(slim)).toMatchObject({ uploaded: false, refreshed: false });
    expect(aws.calls.operations('s3')).not.toContain('PutObject');
    expect(aws.calls.operations('s3')).not.toContain('CopyObject');
  });

  it('20 hours old and the copy refused: the deploy goes on with the archive as it is, and says what it risks', async () => {
    const slim = archive();
    await publish(slim);
    await aws.clock.sleep(20 * HOUR);
    aws.faults.fail('CopyObject', 'AccessDenied', { times: 5 });
    const logger = new RecordingLogger();

    const reused = await publishSlimArchive(
      aws.clients().s3,
      { region: aws.region, accountId: aws.accountId, project: 'shop', kind: 'preview', slim },
      { ...depsFor(aws), logger },
    );

    expect(reused).toMatchObject({ uploaded: false, refreshed: false });
    expect(stored(reused.key)).toBeDefined();
    expect(logger.text('warning')).toContain(
      `Could not refresh slim archive s3://${reused.bucket}/${reused.key}`,
    );
    expect(logger.text('warning')).toContain('deploy again');
  });

  it('1 hour old: is reused as it is, with no extra call', async () => {
    const slim = archive();
    const first = await publish(slim);
    const written = stored(first.key).lastModified;
    await aws.clock.sleep(HOUR);
    aws.calls.clear();

    expect(await publish(slim)).toMatchObject({ uploaded: false, refreshed: false });

    expect(aws.calls.operations('s3')).toEqual([
      'HeadObject',
      'HeadBucket',
      'GetBucketLifecycleConfiguration',
    ]);
    expect(stored(first.key).lastModified).toBe(written);
  });
});

describe('the fake S3, copying an object onto itself', () => {
  it('refuses a copy that changes nothing, as S3 does', async () => {
    const slim = archive();
    const { bucket, key } = await publish(slim);
    const copy = (directive?: 'COPY' | 'REPLACE') =>
      aws.clients().s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: `${bucket}/${key}`,
          MetadataDirective: directive,
        }),
      );
    await expect(copy()).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringContaining('trying to copy an object to itself without changing'),
    });
    await expect(copy('COPY')).rejects.toMatchObject({ name: 'InvalidRequest' });
    await expect(copy('REPLACE')).resolves.toBeDefined();
    expect(stored(key).metadata).toEqual({}); // REPLACE with none: the metadata is gone
  });

  it('checks the source bucket against ExpectedSourceBucketOwner', async () => {
    const { bucket, key } = await publish(archive());
    await expect(
      aws.clients().s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: `${bucket}/${key}`,
          MetadataDirective: 'REPLACE',
          ExpectedSourceBucketOwner: '210987654321',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
