import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type AwsDeps,
  AwsError,
  callAws,
  hasErrorName,
  httpStatus,
  isAccessDenied,
} from '../../aws/aws-call.js';
import { start, type Started } from '../../aws/together.js';
import { formatBytes } from '../../packaging/size-check.js';

/** Every artifact lives under this prefix; the lifecycle rule covers only it. */
export const ARTIFACT_PREFIX = 'lambda-deploy/';
/**
 * Artifacts expire 30 days after their last upload. Lambda keeps its own copy
 * of the code, so an artifact is only a transfer medium and an upload cache:
 * an expired one is simply uploaded again by the next deploy that needs it.
 */
export const ARTIFACT_EXPIRY_DAYS = 30;
/** An artifact older than this is uploaded again (resetting its expiry) rather than reused. */
export const ARTIFACT_REFRESH_DAYS = 25;
export const LIFECYCLE_RULE_ID = 'lambda-deploy-artifacts';
export const PART_SIZE = 8 * 1024 * 1024;
export const QUEUE_SIZE = 4;

/** The default artifact bucket: `lambda-deploy-{account}-{region}`. */
export function defaultBucketName(accountId: string, region: string): string {
  return `lambda-deploy-${accountId}-${region}`;
}

export function artifactKey(name: string, sha256Hex: string): string {
  return `${ARTIFACT_PREFIX}${name}/${sha256Hex}.zip`;
}

export interface BucketInput {
  /** `s3-bucket`; absent: the default name. */
  bucket?: string;
  accountId: string;
  region: string;
}

function isNotFound(error: unknown): boolean {
  return hasErrorName(error, 'NotFound', 'NoSuchBucket') || httpStatus(error) === 404;
}

/**
 * Makes sure the artifact bucket exists and belongs to this account. A new
 * bucket is created locked down: public access blocked, SSE-S3 encryption,
 * bucket-owner-enforced ownership, and a lifecycle rule for old artifacts.
 * Every call names the account as expected owner, so a bucket someone else
 * created under the predictable default name is never used.
 */
export async function ensureArtifactBucket(s3: S3Client, input: BucketInput, deps: AwsDeps): Promise<string> {
  const state = await probeArtifactBucket(s3, input, deps);
  await readyArtifactBucket(s3, input, state, deps);
  return state.bucket;
}

/** What probeArtifactBucket found: the bucket is there and ours, and whether it must be made or configured. */
export interface BucketState {
  bucket: string;
  todo: 'nothing' | 'create' | 'configure';
  /** With 'configure': the lifecycle rules the bucket has (someone's own among them). */
  lifecycleRules?: LifecycleRule[];
}

/**
 * Reads whether the artifact bucket exists, is this account's and (the
 * default bucket) is fully configured; changes nothing. A bucket of another
 * account, or in another region, is an error that says so.
 */
export async function probeArtifactBucket(
  s3: S3Client,
  input: BucketInput,
  deps: AwsDeps,
): Promise<BucketState> {
  const bucket = input.bucket || defaultBucketName(input.accountId, input.region);
  const owner = input.accountId;
  // A run stopped between CreateBucket and the last setting left the default
  // bucket half-configured: the lifecycle rule is written last, so its
  // absence says the settings must be written (again). Read together with
  // HeadBucket (sequential: only once the bucket is known to be there).
  let rules: Started<LifecycleRule[]> | undefined;
  try {
    const head = callAws(
      deps,
      {
        what: `read S3 bucket ${bucket}`,
        permission: 's3:ListBucket',
        passThrough: (e) => isNotFound(e) || isAccessDenied(e) || httpStatus(e) === 301,
      },
      () => s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: owner })),
    );
    if (!input.bucket) rules = start(deps, () => lifecycleRules(s3, bucket, owner, deps));
    await head;
  } catch (error) {
    await rules?.settled();
    if (isAccessDenied(error)) {
      throw new AwsError(
        `S3 bucket ${bucket} exists but belongs to another account (or this role may not read it: s3:ListBucket). ` +
          `Set s3-bucket to a bucket of account ${owner}.`,
        'AccessDenied',
        { cause: error },
      );
    }
    if (httpStatus(error) === 301) {
      throw new AwsError(
        `S3 bucket ${bucket} is in another region than ${input.region}; set s3-bucket to a bucket in ${input.region}.`,
        'PermanentRedirect',
        { cause: error },
      );
    }
    if (!isNotFound(error)) throw error;
    return { bucket, todo: 'create' };
  }
  const found = await rules?.result();
  return found && !found.some((r) => r.ID === LIFECYCLE_RULE_ID)
    ? { bucket, todo: 'configure', lifecycleRules: found }
    : { bucket, todo: 'nothing' };
}

/** Creates or configures the bucket as probeArtifactBucket found it needed. */
async function readyArtifactBucket(
  s3: S3Client,
  input: BucketInput,
  state: BucketState,
  deps: AwsDeps,
): Promise<void> {
  if (state.todo === 'create') await createArtifactBucket(s3, state.bucket, input, deps);
  if (state.todo === 'configure') {
    deps.logger.info(`Artifact bucket ${state.bucket} lacks its settings; writing them`);
    await configureArtifactBucket(s3, state.bucket, input.accountId, deps, state.lifecycleRules ?? []);
  }
}

/**
 * The algorithm of the bucket's default encryption when it has one (kept as
 * it is), undefined when it has none. A role that may not read it (set up
 * before s3:GetEncryptionConfiguration was granted) leaves it as it is too.
 */
async function ownEncryption(
  s3: S3Client,
  bucket: string,
  owner: string,
  deps: AwsDeps,
): Promise<string | undefined> {
  const missing = (e: unknown) => hasErrorName(e, 'ServerSideEncryptionConfigurationNotFoundError');
  try {
    const config = await callAws(
      deps,
      {
        what: `read the encryption of S3 bucket ${bucket}`,
        permission: 's3:GetEncryptionConfiguration',
        passThrough: (e) => missing(e) || isAccessDenied(e),
      },
      () => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: owner })),
    );
    const rules = config.ServerSideEncryptionConfiguration?.Rules ?? [];
    if (!rules.length) return undefined;
    return rules[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? 'set';
  } catch (error) {
    if (missing(error)) return undefined;
    if (isAccessDenied(error)) return 'not readable by this role: s3:GetEncryptionConfiguration';
    throw error;
  }
}

/** The bucket's lifecycle rules ([] when it has none). */
async function lifecycleRules(
  s3: S3Client,
  bucket: string,
  owner: string,
  deps: AwsDeps,
): Promise<LifecycleRule[]> {
  const missing = (e: unknown) => hasErrorName(e, 'NoSuchLifecycleConfiguration');
  try {
    const config = await callAws(
      deps,
      {
        what: `read the lifecycle rules of S3 bucket ${bucket}`,
        permission: 's3:GetLifecycleConfiguration',
        passThrough: missing,
      },
      () =>
        s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket, ExpectedBucketOwner: owner })),
    );
    return config.Rules ?? [];
  } catch (error) {
    if (missing(error)) return [];
    throw error;
  }
}

async function createArtifactBucket(
  s3: S3Client,
  bucket: string,
  input: BucketInput,
  deps: AwsDeps,
): Promise<void> {
  const owner = input.accountId;
  deps.logger.info(`Creating artifact bucket ${bucket}`);
  try {
    await callAws(
      deps,
      {
        what: `create S3 bucket ${bucket}`,
        permission: 's3:CreateBucket',
        passThrough: (e) => hasErrorName(e, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists'),
      },
      () =>
        s3.send(
          new CreateBucketCommand({
            Bucket: bucket,
            // us-east-1 is the one region that refuses its own name as location constraint.
            CreateBucketConfiguration:
              input.region === 'us-east-1'
                ? undefined
                : { LocationConstraint: input.region as BucketLocationConstraint },
          }),
        ),
    );
  } catch (error) {
    if (hasErrorName(error, 'BucketAlreadyExists')) {
      throw new AwsError(
        `S3 bucket name ${bucket} is taken by another account; set s3-bucket to a bucket of account ${owner}.`,
        'BucketAlreadyExists',
        { cause: error },
      );
    }
    if (!hasErrorName(error, 'BucketAlreadyOwnedByYou')) throw error;
    // A parallel job created it; configuring it again is harmless.
    deps.logger.info(`Bucket ${bucket} was just created by another job`);
  }
  await configureArtifactBucket(s3, bucket, owner, deps);
}

/**
 * Writes the bucket's settings. `existing`: the lifecycle rules of a bucket
 * this run did not create (half-configured by a stopped run, made under the
 * default name by other tooling, or our rule removed by hand): its other
 * rules stay.
 */
async function configureArtifactBucket(
  s3: S3Client,
  bucket: string,
  owner: string,
  deps: AwsDeps,
  existing?: LifecycleRule[],
): Promise<void> {
  // Right after CreateBucket, S3 may still answer NoSuchBucket for a moment.
  const configure = <T>(what: string, permission: string, fn: () => Promise<T>) =>
    callAws(
      deps,
      {
        what: `${what} of S3 bucket ${bucket}`,
        permission,
        retryable: (e) => hasErrorName(e, 'NoSuchBucket') || httpStatus(e) === 404,
        attempts: 6,
        baseDelayMs: 1_000,
      },
      fn,
    );
  // The lifecycle rule goes last: it marks a fully configured bucket.
  await configure('block public access', 's3:PutBucketPublicAccessBlock', () =>
    s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        ExpectedBucketOwner: owner,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    ),
  );
  // A bucket this run did not make may carry the owner's encryption (SSE-KMS with their key): kept.
  const kept = existing && (await ownEncryption(s3, bucket, owner, deps));
  if (kept) deps.logger.info(`Artifact bucket ${bucket} keeps its default encryption (${kept})`);
  else
    await configure('set the encryption', 's3:PutEncryptionConfiguration', () =>
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ExpectedBucketOwner: owner,
          ServerSideEncryptionConfiguration: {
            Rules: [
              { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
            ],
          },
        }),
      ),
    );
  await configure('set the ownership controls', 's3:PutBucketOwnershipControls', () =>
    s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: bucket,
        ExpectedBucketOwner: owner,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    ),
  );
  await configure('set the lifecycle rule', 's3:PutLifecycleConfiguration', () =>
    s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        ExpectedBucketOwner: owner,
        LifecycleConfiguration: {
          Rules: [
            // PutBucketLifecycleConfiguration replaces every rule: the others are written back.
            ...(existing ?? []).filter((r) => r.ID !== LIFECYCLE_RULE_ID),
            {
              ID: LIFECYCLE_RULE_ID,
              Status: 'Enabled',
              Filter: { Prefix: ARTIFACT_PREFIX },
              Expiration: { Days: ARTIFACT_EXPIRY_DAYS },
              // Only matters if someone turns versioning on.
              NoncurrentVersionExpiration: { NoncurrentDays: ARTIFACT_EXPIRY_DAYS },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      }),
    ),
  );
}

export interface UploadInput {
  bucket: string;
  accountId: string;
  /** Project name: the key's folder. */
  name: string;
  zipPath: string;
  sha256Hex: string;
  /** Base64 SHA-256 of the zip (Lambda's CodeSha256). */
  codeSha256: string;
  /** The object's key; default `lambda-deploy/{name}/{sha256-hex}.zip` (slim archives have their own). */
  key?: string;
  /** Default application/zip. */
  contentType?: string;
  /** Reused only while younger than this (default ARTIFACT_REFRESH_DAYS; a key the lifecycle rule does not cover never expires). */
  refreshDays?: number;
}

export interface UploadResult {
  key: string;
  uploaded: boolean;
  /** Bytes sent to S3 (0 when the artifact was already there). */
  bytes: number;
  /** When reused: the LastModified of the object that was there. */
  lastModified?: Date;
}

/**
 * The SHA-256 checksum S3 stores for our upload of this zip: for a single PUT
 * the zip's own (Lambda's CodeSha256); for a multipart upload S3 keeps a
 * composite, the SHA-256 of the parts' SHA-256s followed by `-{parts}`, and
 * our parts are always PART_SIZE bytes.
 */
export async function artifactChecksum(zipPath: string, size: number, codeSha256: string): Promise<string> {
  if (size <= PART_SIZE) return codeSha256;
  const digests: Buffer[] = [];
  let part = createHash('sha256');
  let inPart = 0;
  for await (const chunk of createReadStream(zipPath, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(PART_SIZE - inPart, chunk.length - offset);
      part.update(chunk.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === PART_SIZE) {
        digests.push(part.digest());
        part = createHash('sha256');
        inPart = 0;
      }
    }
  }
  if (inPart > 0) digests.push(part.digest());
  return `${createHash('sha256').update(Buffer.concat(digests)).digest('base64')}-${digests.length}`;
}

/**
 * Uploads the zip to `lambda-deploy/{name}/{sha256-hex}.zip` unless it is
 * already there (content-addressed). "There" means S3's own SHA-256 checksum
 * of the stored object, which S3 computed and verified on upload, equals
 * ours: a key is predictable (the zips are reproducible), so an object of the
 * right size someone else put there proves nothing.
 *
 * A key that holds nothing is created with `If-None-Match: *` (PutObject, or
 * the multipart upload's CompleteMultipartUpload), the only write the preview
 * role may make in the artifact folder (src/iam/artifact-statements.ts,
 * createOnlyArtifacts): a pull request's job cannot overwrite the package a
 * production deploy has Lambda read. What the upload then meets:
 *
 * | found under the key                         | production role           | preview role (create-only)                 |
 * |---------------------------------------------|---------------------------|--------------------------------------------|
 * | nothing                                     | create                    | create                                     |
 * | nothing, then 412 (written since), ours     | reused                    | reused                                     |
 * | this package, younger than refreshDays      | reused                    | reused                                     |
 * | this package, older                         | uploaded again (refresh)  | overwrite denied: reused as it is          |
 * | another object (or one S3 vouches for none) | overwritten (warning)     | overwrite denied: fails, naming the object |
 *
 * An object someone else wrote is overwritten where the role may, rather
 * than refused: refusing would let anyone who can create the key block every
 * deploy of this code, and Lambda's CodeSha256 is checked after it reads the
 * object. Files above 8 MB go up as a multipart upload, 4 parts at a time.
 */
export async function uploadArtifact(
  s3: S3Client,
  input: UploadInput,
  deps: AwsDeps,
  /** What a HeadObject the caller already made found (null: nothing); undefined: ask S3. */
  known?: HeadResult | null,
): Promise<UploadResult> {
  const key = input.key ?? artifactKey(input.name, input.sha256Hex);
  const where = `s3://${input.bucket}/${key}`;
  const size = (await stat(input.zipPath)).size;
  let present =
    known === undefined
      ? await headArtifact(s3, input.bucket, key, input.accountId, deps)
      : (known ?? undefined);
  if (!present) {
    if (await putArtifact(s3, input, key, size, deps, 'create')) return { key, uploaded: true, bytes: size };
    // 412: someone created the key since the HeadObject; what is there now decides, however young.
    present = await headArtifact(s3, input.bucket, key, input.accountId, deps);
    if (!present) throw new AwsError(`S3 answered 412 to creating ${where}, then found nothing there`, 'S3');
    if (await holdsPackage(input, present, size)) {
      deps.logger.info(
        `Artifact ${where} was just uploaded by another deploy (its SHA-256 checksum matches); reusing it`,
      );
      return { key, uploaded: false, bytes: 0, lastModified: present.lastModified };
    }
  }
  const now = deps.now?.() ?? new Date();
  const ageDays = present.lastModified ? (now.getTime() - present.lastModified.getTime()) / 86_400_000 : 0;
  const intact = await holdsPackage(input, present, size);
  const reused = { key, uploaded: false, bytes: 0, lastModified: present.lastModified };
  if (intact && ageDays < (input.refreshDays ?? ARTIFACT_REFRESH_DAYS)) {
    deps.logger.info(`Artifact ${where} is already there (its SHA-256 checksum matches); nothing to upload`);
    return reused;
  }
  if (intact) {
    deps.logger.info(
      `Artifact ${where} is ${Math.floor(ageDays)} days old; uploading it again before it expires`,
    );
  } else if (present.checksumSha256) {
    deps.logger.warning(
      `Artifact ${where} does not hold this package: S3's SHA-256 checksum of it is ${present.checksumSha256} (${present.size} bytes), ` +
        `this package's is ${(await expectedChecksum(input, present, size)) || input.codeSha256} (${size} bytes). Someone wrote another object under its key; uploading this package over it.`,
    );
  } else {
    deps.logger.info(
      `Artifact ${where} has no SHA-256 checksum S3 vouches for (${present.size} bytes); uploading this package over it`,
    );
  }
  try {
    await putArtifact(s3, input, key, size, deps, 'overwrite');
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    if (intact) {
      deps.logger.info(
        `This role may only create objects under ${where} (the preview role); reusing it as it is`,
      );
      return reused;
    }
    throw new AwsError(
      `${where} holds another object than this package (S3's SHA-256 checksum ${present.checksumSha256 ?? '(none)'}, ${present.size} bytes; ` +
        `this package's ${(await expectedChecksum(input, present, size)) || input.codeSha256}, ${size} bytes), and this role may not overwrite it: ` +
        `the preview role may only create objects under ${ARTIFACT_PREFIX}${input.name}/ (s3:PutObject without If-None-Match is denied). ` +
        'A deploy with the production role overwrites it; or delete the object and deploy again.',
      'AccessDenied',
      { cause: error },
    );
  }
  return { key, uploaded: true, bytes: size };
}

/** The checksum S3 would store for this package, when the object found is of its size ('' otherwise). */
async function expectedChecksum(input: UploadInput, present: HeadResult, size: number): Promise<string> {
  return present.size === size ? artifactChecksum(input.zipPath, size, input.codeSha256) : '';
}

/** The object found holds this package: its size and S3's checksum are ours. */
async function holdsPackage(input: UploadInput, present: HeadResult, size: number): Promise<boolean> {
  const expected = await expectedChecksum(input, present, size);
  // A copy of the object (a slim archive's refresh) carries the whole file's SHA-256 instead.
  return (
    present.size === size &&
    (present.checksumSha256 === expected || present.checksumSha256 === input.codeSha256)
  );
}

const isPreconditionFailed = (e: unknown) => hasErrorName(e, 'PreconditionFailed') || httpStatus(e) === 412;

/**
 * One upload of the zip. 'create' sends `If-None-Match: *` and answers false
 * when S3 refused it because the key holds an object (412); 'overwrite'
 * sends no condition. S3 answers 409 ConditionalRequestConflict when another
 * write of the key ran at the same time: tried again.
 */
async function putArtifact(
  s3: S3Client,
  input: UploadInput,
  key: string,
  size: number,
  deps: AwsDeps,
  mode: 'create' | 'overwrite',
): Promise<boolean> {
  const where = `s3://${input.bucket}/${key}`;
  const multipart = size > PART_SIZE;
  deps.logger.info(`Uploading ${formatBytes(size)} to ${where}${multipart ? ' (multipart)' : ''}`);
  try {
    await callAws(
      deps,
      {
        what: `upload the package to ${where}`,
        permission: 's3:PutObject',
        attempts: 3,
        retryable: (e) => hasErrorName(e, 'ConditionalRequestConflict'),
        passThrough: isPreconditionFailed,
      },
      async () => {
        const upload = new Upload({
          client: s3,
          partSize: PART_SIZE,
          queueSize: QUEUE_SIZE,
          leavePartsOnError: false,
          params: {
            Bucket: input.bucket,
            Key: key,
            Body: createReadStream(input.zipPath),
            ContentLength: size,
            ContentType: input.contentType ?? 'application/zip',
            ExpectedBucketOwner: input.accountId,
            Metadata: { sha256: input.sha256Hex, 'code-sha256': input.codeSha256 },
            // S3 checks the bytes it stores: the whole file's digest on a single PUT; per part
            // otherwise (lib-storage passes the same params to every UploadPart).
            ...(multipart ? { ChecksumAlgorithm: 'SHA256' as const } : { ChecksumSHA256: input.codeSha256 }),
            // PutObject and CompleteMultipartUpload take it; lib-storage passes it to both.
            ...(mode === 'create' ? { IfNoneMatch: '*' } : {}),
          },
        });
        upload.on('httpUploadProgress', (p) => {
          if (multipart && p.loaded !== undefined) deps.logger.debug(`Uploaded ${p.loaded} of ${size} bytes`);
        });
        await upload.done();
      },
    );
  } catch (error) {
    if (mode === 'create' && isPreconditionFailed(error)) return false;
    throw error;
  }
  return true;
}

interface HeadResult {
  size: number;
  lastModified?: Date;
  /** S3's own SHA-256 checksum of the object (composite `...-N` for a multipart upload), when it has one. */
  checksumSha256?: string;
}

async function headArtifact(
  s3: S3Client,
  bucket: string,
  key: string,
  owner: string,
  deps: AwsDeps,
): Promise<HeadResult | undefined> {
  try {
    const head = await callAws(
      deps,
      {
        what: `read s3://${bucket}/${key}`,
        permission: 's3:GetObject',
        passThrough: (e) =>
          hasErrorName(e, 'NotFound', 'NoSuchKey') ||
          (httpStatus(e) === 404 && !hasErrorName(e, 'NoSuchBucket')),
      },
      () =>
        s3.send(
          new HeadObjectCommand({
            Bucket: bucket,
            Key: key,
            ExpectedBucketOwner: owner,
            ChecksumMode: 'ENABLED',
          }),
        ),
    );
    return {
      size: head.ContentLength ?? -1,
      lastModified: head.LastModified,
      checksumSha256: head.ChecksumSHA256,
    };
  } catch (error) {
    if (
      hasErrorName(error, 'NotFound', 'NoSuchKey') ||
      (httpStatus(error) === 404 && !hasErrorName(error, 'NoSuchBucket'))
    ) {
      return undefined;
    }
    throw error;
  }
}

export interface ArtifactInput extends Omit<UploadInput, 'bucket'> {
  /** `s3-bucket`; absent: the default name. */
  bucket?: string;
  region: string;
}

export interface ArtifactResult extends UploadResult {
  bucket: string;
}

/**
 * The deploy's artifact step in as few round trips as possible. The object
 * and the bucket are read together (sequential: the bucket only when the
 * object is missing); when the artifact is already there (HeadObject with the
 * expected owner answers 200), the bucket is proven to exist and be ours and
 * what was read of it is not used; otherwise the bucket is created or
 * configured when it needs to be, then the zip uploaded. Nothing is written
 * before `ready` settles.
 */
export async function publishArtifact(
  s3: S3Client,
  input: ArtifactInput,
  deps: AwsDeps,
  /** Settles when the deploy may write (the function is known to be this stage's); rejects when not. */
  ready?: Promise<unknown>,
): Promise<ArtifactResult> {
  const bucketInput = { bucket: input.bucket, accountId: input.accountId, region: input.region };
  const bucket = input.bucket || defaultBucketName(input.accountId, input.region);
  const key = input.key ?? artifactKey(input.name, input.sha256Hex);
  const head = headArtifact(s3, bucket, key, input.accountId, deps);
  const probe = start(deps, () => probeArtifactBucket(s3, bucketInput, deps));
  let present: Awaited<ReturnType<typeof headArtifact>>;
  try {
    present = await head;
  } catch {
    // 403 (another owner, or no permission) and the like: the bucket's probe says which.
    present = undefined;
  }
  try {
    await ready;
    if (!present) await readyArtifactBucket(s3, bucketInput, await probe.result(), deps);
  } finally {
    await probe.settled();
  }
  const result = await uploadArtifact(s3, { ...input, bucket }, deps, present ?? null);
  return { ...result, bucket };
}
