/**
 * Slim packages under the local runtime (`target: local`, `serve`): the
 * dependencies archive goes to a local S3 stand-in (s3rver, MinIO,
 * LocalStack: whatever AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL names, with
 * its keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), and the function
 * fetches it from there at cold start with the same loader and the same
 * signed GET as on Lambda. Each local stage gets its own /tmp (TMPDIR), so a
 * stage starts cold like a new Lambda sandbox and a runtime restart within
 * it finds the tree already unpacked, as Lambda's would.
 */
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadArtifact } from '../../resources/artifacts/artifact-bucket.js';
import { type AwsDeps, callAws, hasErrorName, httpStatus } from '../../aws/aws-call.js';
import type { SlimPackage } from '../../packaging/slim-package.js';
import type { SlimOutcome } from '../../model/outcome.js';
import { slimFunctionEnvironment, slimOutcome, slimTarget } from '../slim-deploy.js';

/** The bucket a local stage uses when `s3-bucket` is not set. */
export const LOCAL_BUCKET = 'lambda-deploy-local';
/** The loader's folder in /tmp, the tree in it named by the archive's SHA-256 (FOLDER in runtime/python/_lambda_deploy_slim.py). */
const SLIM_TREE_FOLDER = 'lambda-deploy-slim';
/** LocalStack's account, named as the expected bucket owner on uploads (s3rver and MinIO ignore it). */
const LOCAL_ACCOUNT = '000000000000';

export class LocalSlimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalSlimError';
  }
}

export interface LocalSlim {
  /** Variables the function gets on top of the workflow's: the archive's place, the stand-in, its /tmp. */
  environment: Record<string, string>;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  outcome: SlimOutcome;
  /** Where the function's loader unpacks the dependencies, in the stage's /tmp. */
  tree: string;
  /** Removes the stage's /tmp. */
  cleanup(): Promise<void>;
}

export interface LocalSlimInput {
  project: string;
  /** `s3-bucket`, else LOCAL_BUCKET. */
  bucket?: string;
  region: string;
  protectedStage: boolean;
  /** Where the stage's /tmp goes (the run's temp folder). */
  tempParent: string;
  env: NodeJS.ProcessEnv;
}

function standIn(env: NodeJS.ProcessEnv) {
  const endpoint = (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || '').trim();
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? '';
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? '';
  if (!endpoint)
    throw new LocalSlimError(
      'This package is slim: its dependencies are fetched at cold start from S3, and target local fetches them ' +
        'from a local S3 stand-in. Set AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) to one, e.g. ' +
        '`npx s3rver -d /tmp/s3 --port 4568` and AWS_ENDPOINT_URL_S3=http://127.0.0.1:4568 with ' +
        'AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER (README: "Beyond 250 MB"); or slim: false when the package fits 250 MB.',
    );
  if (!/^https?:\/\/[^/]/.test(endpoint))
    throw new LocalSlimError(
      `AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL ${JSON.stringify(endpoint)} is not an http(s) URL.`,
    );
  if (!accessKeyId || !secretAccessKey)
    throw new LocalSlimError(
      `This package is slim and the local S3 stand-in is ${endpoint}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to its keys (s3rver's are S3RVER / S3RVER).`,
    );
  return { endpoint, credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } };
}

async function ensureLocalBucket(
  s3: S3Client,
  bucket: string,
  endpoint: string,
  deps: AwsDeps,
): Promise<void> {
  const missing = (e: unknown) => hasErrorName(e, 'NotFound', 'NoSuchBucket') || httpStatus(e) === 404;
  try {
    await callAws(
      deps,
      {
        what: `read bucket ${bucket} of the local S3 stand-in ${endpoint}`,
        permission: 's3:ListBucket',
        passThrough: missing,
      },
      () => s3.send(new HeadBucketCommand({ Bucket: bucket })),
    );
  } catch (error) {
    if (!missing(error)) throw error;
    deps.logger.info(`Creating bucket ${bucket} on the local S3 stand-in ${endpoint}`);
    await callAws(
      deps,
      {
        what: `create bucket ${bucket} on the local S3 stand-in ${endpoint}`,
        permission: 's3:CreateBucket',
        passThrough: (e) => hasErrorName(e, 'BucketAlreadyOwnedByYou'),
      },
      () => s3.send(new CreateBucketCommand({ Bucket: bucket })),
    ).catch((e: unknown) => {
      if (!hasErrorName(e, 'BucketAlreadyOwnedByYou')) throw e;
    });
  }
}

/** Uploads the archive to the stand-in and returns what the local function needs to fetch it. */
export async function prepareLocalSlim(
  slim: SlimPackage,
  input: LocalSlimInput,
  deps: AwsDeps,
): Promise<LocalSlim> {
  const { endpoint, credentials } = standIn(input.env);
  const target = slimTarget(slim, {
    project: input.project,
    bucket: input.bucket || LOCAL_BUCKET,
    accountId: LOCAL_ACCOUNT,
    region: input.region,
    protectedStage: input.protectedStage,
  });
  const s3 = new S3Client({
    region: input.region,
    endpoint,
    forcePathStyle: true,
    credentials,
    // A stand-in stores streamed uploads with their chunk framing otherwise (TOOLCHAIN.md).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await ensureLocalBucket(s3, target.bucket, endpoint, deps);
    await uploadArtifact(
      s3,
      {
        bucket: target.bucket,
        accountId: LOCAL_ACCOUNT,
        name: input.project,
        zipPath: slim.archivePath,
        sha256Hex: slim.sha256Hex,
        codeSha256: Buffer.from(slim.sha256Hex, 'hex').toString('base64'),
        key: target.key,
        contentType: 'application/gzip',
        refreshDays: Infinity,
      },
      deps,
    );
  } finally {
    s3.destroy();
  }
  const tmp = await mkdtemp(join(input.tempParent, 'local-tmp-'));
  return {
    environment: {
      ...slimFunctionEnvironment({}, target),
      AWS_ENDPOINT_URL_S3: endpoint,
      TMPDIR: tmp,
    },
    credentials,
    outcome: slimOutcome(slim, target),
    tree: join(tmp, SLIM_TREE_FOLDER, slim.sha256Hex),
    cleanup: () => rm(tmp, { recursive: true, force: true }),
  };
}
