/**
 * The artifact bucket setup writes: created private, encrypted, TLS only and
 * with a lifecycle rule; a bucket named by --s3-bucket that setup did not
 * make is only read.
 */
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type GetBucketEncryptionCommandOutput,
  type GetBucketLifecycleConfigurationCommandOutput,
  type GetBucketOwnershipControlsCommandOutput,
  type GetBucketPolicyCommandOutput,
  type GetPublicAccessBlockCommandOutput,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import { ARTIFACT_PREFIX, LIFECYCLE_RULE_ID } from '../resources/artifacts/artifact-bucket.js';
import { AwsError, isAccessDenied } from '../aws/aws-call.js';
import type { PolicyDocument, PolicyStatement } from '../model/policy-document.js';
import type { SetupDocuments } from './setup-documents.js';
import { read, write, type Run, type SetupClients } from './setup-run.js';

/** The lifecycle rule the action checks for: old artifacts expire, unfinished uploads go. */
export function artifactLifecycleRule(days: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: ARTIFACT_PREFIX },
    Expiration: { Days: days },
    NoncurrentVersionExpiration: { NoncurrentDays: days },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
  };
}

/** What each setting step of ensureBucket works on. */
interface BucketStep {
  run: Run;
  s3: SetupClients['s3'];
  bucket: SetupDocuments['bucket'];
  resource: string;
  /** The bucket and the owner it must have, for every call. */
  common: { Bucket: string; ExpectedBucketOwner: string };
  /** Made by this run: it has none of its settings yet, so none is read. */
  created: boolean;
}

export async function ensureBucket(run: Run, bucket: SetupDocuments['bucket']): Promise<void> {
  const owner = run.report.productionRoleArn.split(':')[4]!;
  const resource = `bucket ${bucket.name}`;
  const common = { Bucket: bucket.name, ExpectedBucketOwner: owner };
  const exists = await findBucket(run, bucket, resource, common);
  const before = run.report.changes.length;
  const step: BucketStep = { run, s3: run.clients.s3, bucket, resource, common, created: !exists };
  const settings = [
    publicAccessBlock,
    encryption,
    ownership,
    bucketPolicy,
    lifecycle,
  ] as BucketSetting<unknown>[];
  // The action writes no setting to an existing --s3-bucket bucket, and neither does setup:
  // blocking public access, turning ACLs off or refusing HTTP could break what else uses it.
  // Unless setup made it (its tag): a run that died after CreateBucket left it half set up.
  if (exists && bucket.given && !(await madeBySetup(step))) return leaveBucket(step, settings);
  if (step.created) await createBucket(step);
  for (const setting of settings) await ensureSetting(step, setting);
  if (run.report.changes.length === before)
    run.report.unchanged.push(`${resource} (private, encrypted, TLS only, lifecycle)`);
}

/** An existing bucket named by --s3-bucket: read only, each setting it lacks said. */
async function leaveBucket(step: BucketStep, settings: BucketSetting<unknown>[]): Promise<void> {
  const { run, s3, common, resource } = step;
  const lacking: string[] = [];
  for (const setting of settings) {
    const current = await read(
      run,
      `read the ${setting.what} of ${resource}`,
      setting.readPermission,
      setting.missing,
      () => setting.read(s3, common),
    );
    if (!setting.ok(current, step)) lacking.push(setting.change(step));
  }
  run.report.unchanged.push(`${resource} (existed: left as it is)`);
  if (lacking.length)
    run.deps.logger.warning(
      `${resource} existed and is not the default lambda-deploy bucket, so setup leaves it as it is; it lacks: ${lacking.join(', ')}. ` +
        'Set them yourself (setup --dry-run --documents prints the bucket policy), or use a bucket for lambda-deploy only.',
    );
}

/** Whether the bucket exists (and is this account's: a bucket of another account is refused). */
async function findBucket(
  run: Run,
  bucket: SetupDocuments['bucket'],
  resource: string,
  common: BucketStep['common'],
): Promise<boolean> {
  const found = await read(
    run,
    `read ${resource}`,
    's3:ListBucket',
    ['NotFound', 'NoSuchBucket', '404'],
    () => run.clients.s3.send(new HeadBucketCommand(common)),
  ).catch((error: unknown) => {
    // Bucket names are global: with ExpectedBucketOwner, another account's bucket is a 403.
    if (isAccessDenied(error))
      throw new AwsError(
        `S3 bucket ${bucket.name} exists but belongs to another account (bucket names are global), ` +
          `or these credentials may not read it (s3:ListBucket). Nothing was written to it. ` +
          `Choose another name with --s3-bucket, and set the same s3-bucket input in the workflow.`,
        'AccessDenied',
        { cause: error },
      );
    throw error;
  });
  return found !== undefined;
}

/**
 * The tag setup gives a bucket it creates, in the CreateBucket call itself (no
 * window where the bucket exists untagged): how a later run tells its own
 * --s3-bucket bucket from a user's.
 */
export const SETUP_BUCKET_TAG = { Key: 'lambda-deploy:artifact-bucket', Value: 'setup' } as const;

/** Whether an existing bucket carries SETUP_BUCKET_TAG; a tag set it may not read is not ours. */
async function madeBySetup({ run, s3, common, resource }: BucketStep): Promise<boolean> {
  try {
    const tagging = await read(
      run,
      `read the tags of ${resource}`,
      's3:GetBucketTagging',
      ['NoSuchTagSet'],
      () => s3.send(new GetBucketTaggingCommand(common)),
    );
    return (tagging?.TagSet ?? []).some(
      (t) => t.Key === SETUP_BUCKET_TAG.Key && t.Value === SETUP_BUCKET_TAG.Value,
    );
  } catch (error) {
    if (isAccessDenied(error)) return false;
    throw error;
  }
}

async function createBucket({ run, s3, bucket, resource }: BucketStep): Promise<void> {
  const region = await s3.config.region();
  await write(
    run,
    { kind: 'create', resource, what: 'artifact bucket, objects owned by the account' },
    's3:CreateBucket and s3:TagResource',
    () =>
      s3.send(
        new CreateBucketCommand({
          Bucket: bucket.name,
          ObjectOwnership: 'BucketOwnerEnforced',
          CreateBucketConfiguration: {
            ...(region !== 'us-east-1' && { LocationConstraint: region as never }),
            Tags: [{ ...SETUP_BUCKET_TAG }],
          },
        }),
      ),
  );
}

/**
 * One setting of the artifact bucket: read as it is (nothing to read on a
 * bucket this run made), kept when `ok`, else written.
 */
interface BucketSetting<T> {
  what: string;
  readPermission: string;
  /** Error names that mean "no such setting". */
  missing: string[];
  read(s3: SetupClients['s3'], common: BucketStep['common']): Promise<T>;
  ok(current: T | undefined, step: BucketStep): boolean;
  /** What is written, for the report. */
  change(step: BucketStep): string;
  writePermission: string;
  write(
    s3: SetupClients['s3'],
    common: BucketStep['common'],
    current: T | undefined,
    step: BucketStep,
  ): Promise<unknown>;
}

async function ensureSetting<T>(step: BucketStep, setting: BucketSetting<T>): Promise<void> {
  const { run, s3, common, resource, created } = step;
  const current = created
    ? undefined
    : await read(
        run,
        `read the ${setting.what} of ${resource}`,
        setting.readPermission,
        setting.missing,
        () => setting.read(s3, common),
      );
  if (setting.ok(current, step)) return;
  await write(
    run,
    { kind: created ? 'create' : 'update', resource, what: setting.change(step) },
    setting.writePermission,
    () => setting.write(s3, common, current, step),
  );
}

const PUBLIC_ACCESS_BLOCKED = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

const publicAccessBlock: BucketSetting<GetPublicAccessBlockCommandOutput> = {
  what: 'public access block',
  readPermission: 's3:GetBucketPublicAccessBlock',
  missing: ['NoSuchPublicAccessBlockConfiguration'],
  read: (s3, common) => s3.send(new GetPublicAccessBlockCommand(common)),
  ok: (current) => {
    const pab = current?.PublicAccessBlockConfiguration;
    return !!(
      pab?.BlockPublicAcls &&
      pab.IgnorePublicAcls &&
      pab.BlockPublicPolicy &&
      pab.RestrictPublicBuckets
    );
  },
  change: () => 'public access blocked',
  writePermission: 's3:PutBucketPublicAccessBlock',
  write: (s3, common) =>
    s3.send(
      new PutPublicAccessBlockCommand({ ...common, PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCKED }),
    ),
};

const encryption: BucketSetting<GetBucketEncryptionCommandOutput> = {
  what: 'encryption',
  readPermission: 's3:GetEncryptionConfiguration',
  missing: ['ServerSideEncryptionConfigurationNotFoundError'],
  read: (s3, common) => s3.send(new GetBucketEncryptionCommand(common)),
  ok: (current) => !!current?.ServerSideEncryptionConfiguration?.Rules?.length,
  change: () => 'default encryption (SSE-S3)',
  writePermission: 's3:PutEncryptionConfiguration',
  write: (s3, common) =>
    s3.send(
      new PutBucketEncryptionCommand({
        ...common,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    ),
};

/** On an existing bucket only: a new one is created with it. */
const ownership: BucketSetting<GetBucketOwnershipControlsCommandOutput> = {
  what: 'ownership controls',
  readPermission: 's3:GetBucketOwnershipControls',
  missing: ['OwnershipControlsNotFoundError'],
  read: (s3, common) => s3.send(new GetBucketOwnershipControlsCommand(common)),
  ok: (current, step) =>
    step.created || current?.OwnershipControls?.Rules?.[0]?.ObjectOwnership === 'BucketOwnerEnforced',
  change: () => 'objects owned by the account (ACLs off)',
  writePermission: 's3:PutBucketOwnershipControls',
  write: (s3, common) =>
    s3.send(
      new PutBucketOwnershipControlsCommand({
        ...common,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    ),
};

const bucketPolicy: BucketSetting<GetBucketPolicyCommandOutput> = {
  what: 'policy',
  readPermission: 's3:GetBucketPolicy',
  missing: ['NoSuchBucketPolicy'],
  read: (s3, common) => s3.send(new GetBucketPolicyCommand(common)),
  ok: (current, step) => !mergeStatements(current?.Policy, step.bucket.policy),
  change: () => 'bucket policy: TLS only',
  writePermission: 's3:PutBucketPolicy',
  write: (s3, common, current, step) =>
    s3.send(
      new PutBucketPolicyCommand({
        ...common,
        Policy: JSON.stringify(mergeStatements(current?.Policy, step.bucket.policy)),
      }),
    ),
};

const lifecycle: BucketSetting<GetBucketLifecycleConfigurationCommandOutput> = {
  what: 'lifecycle rules',
  readPermission: 's3:GetLifecycleConfiguration',
  missing: ['NoSuchLifecycleConfiguration'],
  read: (s3, common) => s3.send(new GetBucketLifecycleConfigurationCommand(common)),
  ok: (current, step) =>
    current?.Rules?.find((r) => r.ID === LIFECYCLE_RULE_ID)?.Expiration?.Days === step.bucket.expireAfterDays,
  change: (step) => `lifecycle: artifacts expire after ${step.bucket.expireAfterDays} days`,
  writePermission: 's3:PutLifecycleConfiguration',
  write: (s3, common, current, step) => {
    // Other rules someone added stay.
    const others = (current?.Rules ?? []).filter((r) => r.ID !== LIFECYCLE_RULE_ID);
    const wanted = artifactLifecycleRule(step.bucket.expireAfterDays);
    return s3.send(
      new PutBucketLifecycleConfigurationCommand({
        ...common,
        LifecycleConfiguration: { Rules: [...others, wanted] },
      }),
    );
  },
};

/** The bucket policy with our statements in (by Sid), or undefined when it already has them. */
function mergeStatements(current: string | undefined, wanted: PolicyDocument): PolicyDocument | undefined {
  let doc: { Version?: string; Statement?: PolicyStatement[] } = {};
  try {
    if (current) doc = JSON.parse(current) as typeof doc;
  } catch {
    doc = {};
  }
  const statements = doc.Statement ?? [];
  const missing = wanted.Statement.filter(
    (w) => !statements.some((s) => s.Sid === w.Sid && JSON.stringify(s) === JSON.stringify(w)),
  );
  if (!missing.length) return undefined;
  const sids = new Set(wanted.Statement.map((w) => w.Sid));
  return {
    Version: '2012-10-17',
    Statement: [...statements.filter((s) => !sids.has(s.Sid)), ...wanted.Statement],
  };
}
