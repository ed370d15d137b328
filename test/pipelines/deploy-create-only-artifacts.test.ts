/**
 * The preview role may only create objects in the project's artifact folder
 * (src/iam/artifact-statements.ts, createOnlyArtifacts). Here a pull request's job
 * holds that role: its S3 calls are judged by the project's IAM evaluator
 * against the preview policy, with the condition keys S3 gives them, and
 * answered AccessDenied where IAM would deny them; S3 itself answers 412 to a
 * create of a key that holds an object (the fake S3, as S3 does).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { artifactKey } from '../../src/resources/artifacts/artifact-bucket.js';
import { storedZip } from '../fake-aws/helpers.js';
import { isAllowed, requiredPermissions } from '../support/policy-check.js';

let aws: FakeAws;
let dir: string;
/** While true, every S3 call is the preview role's. */
let asPreview = false;
const PR = { ctx: { eventName: 'pull_request', ref: 'refs/pull/7/merge', payload: { number: 7 } } };

beforeAll(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  const policy = deployRolePolicy({
    project: 'shop',
    region: aws.region,
    accountId: aws.accountId,
    managesExecutionRole: true,
    gateway: 'all',
    role: 'preview',
  });
  aws.faults.denyWhen('*', ({ service, operation, input }) => {
    if (!asPreview || service !== 's3') return false;
    const scope = { region: aws.region, accountId: aws.accountId };
    return !requiredPermissions('s3', operation, input, scope).every((n) =>
      isAllowed(policy, n.action, n.resource, n.context),
    );
  });
  dir = appFolder();
});

afterAll(async () => {
  await aws?.close();
  if (dir) removeApp(dir);
});

const bucket = () => [...aws.account.buckets.keys()][0]!;
const keyOf = (codeSha256: string) => artifactKey('shop', Buffer.from(codeSha256, 'base64').toString('hex'));
const planted = storedZip({ 'app.py': 'def handler(event, context):\n    return "planted"\n' });

/** The preview role's S3 call: what S3 (or IAM) answers. */
async function asPreviewJob(send: (s3: S3Client) => Promise<unknown>): Promise<string> {
  asPreview = true;
  try {
    await send(aws.clients().s3);
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  } finally {
    asPreview = false;
  }
}

describe("a pull request's job and production's packages", () => {
  it("cannot overwrite, delete or copy over production's package; Lambda keeps reading production's bytes", async () => {
    changeCode(dir);
    const first = await deployApp(aws, dir);
    expect(first.report).toMatchObject({ status: 'success', stage: 'main' });
    const Key = keyOf(first.report.codeSha256!);
    const Bucket = bucket();
    expect(await asPreviewJob((s3) => s3.send(new PutObjectCommand({ Bucket, Key, Body: planted })))).toBe(
      'AccessDenied',
    );
    expect(
      await asPreviewJob((s3) =>
        s3.send(new PutObjectCommand({ Bucket, Key, Body: planted, IfNoneMatch: '*' })),
      ),
    ).toBe('PreconditionFailed');
    expect(await asPreviewJob((s3) => s3.send(new DeleteObjectCommand({ Bucket, Key })))).toBe(
      'AccessDenied',
    );
    expect(
      await asPreviewJob((s3) =>
        s3.send(
          new CopyObjectCommand({
            Bucket,
            Key,
            CopySource: `${Bucket}/${Key}`,
            MetadataDirective: 'REPLACE',
          }),
        ),
      ),
    ).toBe('AccessDenied');
    const stored = await aws.clients().s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(planted)).toBe(false);
  });

  it('a preview deploy uploads its own package (created with If-None-Match: *)', async () => {
    // After production's first deploy made the artifact bucket (setup's job for the default one).
    changeCode(dir);
    aws.calls.clear();
    asPreview = true;
    try {
      const { report, failure } = await deployApp(aws, dir, PR);
      expect(failure).toBeUndefined();
      expect(report).toMatchObject({ status: 'success', stage: 'pr-7' });
    } finally {
      asPreview = false;
    }
    const puts = aws.calls.of({ service: 's3', operation: 'PutObject' });
    expect(puts.map((c) => c.input.IfNoneMatch)).toEqual(['*']);
  });

  it("a key a preview created first with other bytes: production overwrites it, and live serves production's package", async () => {
    changeCode(dir);
    // The preview job predicted the next package's key (reproducible zips) and created it first.
    aws.faults.denyWhen('HeadObject', ({ input }) => {
      const Key = String(input.Key);
      const objects = aws.account.buckets.get(String(input.Bucket))?.objects;
      if (Key.startsWith('lambda-deploy/shop/') && objects && !objects.has(Key))
        aws.seed.object(bucket(), Key, planted);
      return false;
    });
    const { report, logger } = await deployApp(aws, dir);
    expect(report).toMatchObject({ status: 'success', stage: 'main' });
    expect(logger.text('warning')).toContain('does not hold this package');
    expect(logger.text('warning')).not.toContain('Sending the package in the request instead.');
    expect(aws.account.functions.get('shop-main')!.latest.CodeSha256).toBe(report.codeSha256);
  });
});
