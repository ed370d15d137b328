/**
 * A stateful, in-memory AWS account behind aws-sdk-client-mock: Lambda
 * (functions, versions, aliases, Pending/InProgress states, conflicts), S3
 * (buckets with owners, objects, multipart uploads), IAM (roles, inline
 * policies, propagation delay) and STS. Tests and the bench drive the real
 * deploy code against it and count the calls it receives.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateRoleCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
  TagRoleCommand,
  type CreateRoleCommandInput,
  type GetRolePolicyCommandInput,
  type PutRolePolicyCommandInput,
  type TagRoleCommandInput,
} from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
  type CreateAliasCommandInput,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type UpdateAliasCommandInput,
  type UpdateFunctionCodeCommandInput,
  type UpdateFunctionConfigurationCommandInput,
} from '@aws-sdk/client-lambda';
import {
  AbortMultipartUploadCommand,
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompleteMultipartUploadCommandInput,
  type CreateBucketCommandInput,
  type PutObjectCommandInput,
  type UploadPartCommandInput,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

export interface FakeAwsOptions {
  accountId?: string;
  region?: string;
  /** Reads that still see State Pending after CreateFunction (or a Pending version). */
  pendingPolls?: number;
  /** Reads that still see LastUpdateStatus InProgress after an update. */
  inProgressPolls?: number;
  /** CreateFunction attempts refused with "cannot be assumed" for a role created in this fake. */
  rolePropagationFailures?: number;
}

export interface FakeFunction {
  config: FunctionConfiguration;
  tags: Record<string, string>;
  versions: Map<string, FunctionConfiguration>;
  aliases: Map<string, AliasConfiguration>;
  nextVersion: number;
  /** What $LATEST looked like when the last version was published (Lambda then returns that version). */
  lastPublished?: { state: string; version: string };
  /** Reads left before the running create/update finishes. */
  busyPolls: number;
  busy?: 'create' | 'update';
  /** The running create/update ends Failed with this reason. */
  failReason?: string;
  busyKindWas?: 'create' | 'update';
}

interface FakeObject {
  body: Buffer;
  metadata: Record<string, string>;
  lastModified: Date;
  /** S3's SHA-256 checksum, when uploaded with one: the body's own, or `composite-N` for a multipart upload. */
  checksumSha256?: string;
}

interface FakeBucket {
  owner: string;
  region: string;
  objects: Map<string, FakeObject>;
  settings: Record<string, unknown>;
  uploads: Map<
    string,
    { key: string; parts: Map<number, Buffer>; metadata: Record<string, string>; sha256: boolean }
  >;
}

export interface FakeRole {
  arn: string;
  trust: string;
  tags: Record<string, string>;
  policies: Map<string, string>;
  refusalsLeft: number;
  /** The permissions boundary (a policy ARN) the role was created with. */
  boundary?: string;
}

type Failure = Error | ((input: unknown) => Error | undefined);

export interface RecordedCall {
  op: string;
  input: unknown;
}

const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });

/** The state Lambda compares to decide whether PublishVersion has anything new. */
function publishState(c: FunctionConfiguration): string {
  return JSON.stringify([
    c.CodeSha256,
    c.Runtime,
    c.Handler,
    c.MemorySize,
    c.Timeout,
    c.Architectures,
    c.Layers,
    c.Environment,
    c.Role,
    c.Description,
  ]);
}

async function toBuffer(body: unknown): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  throw new Error(`fake S3: unsupported body ${typeof body}`);
}

export class FakeAws {
  readonly accountId: string;
  readonly region: string;
  readonly options: Required<FakeAwsOptions>;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly iam: IAMClient;
  readonly sts: STSClient;
  readonly lambdaMock;
  readonly s3Mock;
  readonly iamMock;
  readonly stsMock;

  readonly functions = new Map<string, FakeFunction>();
  readonly buckets = new Map<string, FakeBucket>();
  readonly roles = new Map<string, FakeRole>();
  readonly calls: RecordedCall[] = [];
  bytesUploaded = 0;
  private readonly failures = new Map<string, Failure[]>();
  private uploadSeq = 0;

  constructor(options: FakeAwsOptions = {}) {
    this.options = {
      accountId: '123456789012',
      region: 'eu-west-1',
      pendingPolls: 1,
      inProgressPolls: 1,
      rolePropagationFailures: 0,
      ...options,
    };
    this.accountId = this.options.accountId;
    this.region = this.options.region;
    const common = { region: this.region, credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' } };
    this.lambda = new LambdaClient(common);
    this.s3 = new S3Client({ ...common, requestChecksumCalculation: 'WHEN_REQUIRED' });
    this.iam = new IAMClient(common);
    this.sts = new STSClient(common);
    this.lambdaMock = mockClient(this.lambda);
    this.s3Mock = mockClient(this.s3);
    this.iamMock = mockClient(this.iam);
    this.stsMock = mockClient(this.sts);
    this.wire();
  }

  /** Makes the next call(s) of `op` fail; a function may decide per input (undefined: no failure). */
  failOnce(op: string, failure: Failure): this {
    const list = this.failures.get(op) ?? [];
    list.push(failure);
    this.failures.set(op, list);
    return this;
  }

  /** Calls by operation since the last reset. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls) out[c.op] = (out[c.op] ?? 0) + 1;
    return out;
  }

  callsOf(op: string): unknown[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.input);
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.bytesUploaded = 0;
    this.lambdaMock.resetHistory();
    this.s3Mock.resetHistory();
    this.iamMock.resetHistory();
    this.stsMock.resetHistory();
  }

  /** Adds a bucket directly (e.g. one owned by another account). */
  addBucket(name: string, owner = this.accountId): FakeBucket {
    const bucket: FakeBucket = {
      owner,
      region: this.region,
      objects: new Map(),
      settings: {},
      uploads: new Map(),
    };
    this.buckets.set(name, bucket);
    return bucket;
  }

  fn(name: string): FakeFunction {
    const f = this.functions.get(name);
    if (!f) throw new Error(`fake: no function ${name}`);
    return f;
  }

  private wrap<I>(op: string, handler: (input: I) => unknown) {
    return async (input: I) => {
      this.calls.push({ op, input });
      const queue = this.failures.get(op);
      const next = queue?.shift();
      if (next) {
        // Taken off the queue first, so a failure that makes calls itself does not meet itself.
        const error = typeof next === 'function' ? next(input) : next;
        if (error) throw error;
        queue!.unshift(next);
      }
      return handler(input);
    };
  }

  private wire(): void {
    const l = this.lambdaMock;
    l.on(GetFunctionCommand).callsFake(
      this.wrap('GetFunction', (i: { FunctionName?: string }) => this.getFunction(i.FunctionName!)),
    );
    l.on(GetFunctionConfigurationCommand).callsFake(
      this.wrap('GetFunctionConfiguration', (i: { FunctionName?: string; Qualifier?: string }) =>
        this.getConfiguration(i.FunctionName!, i.Qualifier),
      ),
    );
    l.on(CreateFunctionCommand).callsFake(
      this.wrap('CreateFunction', (i: CreateFunctionCommandInput) => this.createFunction(i)),
    );
    l.on(UpdateFunctionConfigurationCommand).callsFake(
      this.wrap('UpdateFunctionConfiguration', (i: UpdateFunctionConfigurationCommandInput) =>
        this.updateConfiguration(i),
      ),
    );
    l.on(UpdateFunctionCodeCommand).callsFake(
      this.wrap('UpdateFunctionCode', (i: UpdateFunctionCodeCommandInput) => this.updateCode(i)),
    );
    l.on(PublishVersionCommand).callsFake(
      this.wrap('PublishVersion', (i: { FunctionName?: string; CodeSha256?: string }) =>
        this.publishVersion(i),
      ),
    );
    l.on(GetAliasCommand).callsFake(
      this.wrap('GetAlias', (i: { FunctionName?: string; Name?: string }) =>
        this.getAlias(i.FunctionName!, i.Name!),
      ),
    );
    l.on(CreateAliasCommand).callsFake(
      this.wrap('CreateAlias', (i: CreateAliasCommandInput) => this.createAlias(i)),
    );
    l.on(UpdateAliasCommand).callsFake(
      this.wrap('UpdateAlias', (i: UpdateAliasCommandInput) => this.updateAlias(i)),
    );
    l.on(TagResourceCommand).callsFake(
      this.wrap('TagResource', (i: { Resource?: string; Tags?: Record<string, string> }) => {
        const f = this.byArn(i.Resource!);
        Object.assign(f.tags, i.Tags);
        return {};
      }),
    );
    l.on(UntagResourceCommand).callsFake(
      this.wrap('UntagResource', (i: { Resource?: string; TagKeys?: string[] }) => {
        const f = this.byArn(i.Resource!);
        for (const key of i.TagKeys ?? []) delete f.tags[key];
        return {};
      }),
    );
    l.on(ListVersionsByFunctionCommand).callsFake(
      this.wrap(
        'ListVersionsByFunction',
        (i: { FunctionName?: string; Marker?: string; MaxItems?: number }) =>
          this.listVersions(i.FunctionName!, i.Marker, i.MaxItems),
      ),
    );
    l.on(DeleteFunctionCommand).callsFake(
      this.wrap('DeleteFunction', (i: { FunctionName?: string; Qualifier?: string }) =>
        this.deleteFunction(i.FunctionName!, i.Qualifier),
      ),
    );

    const s = this.s3Mock;
    s.on(HeadBucketCommand).callsFake(
      this.wrap('HeadBucket', (i: { Bucket?: string; ExpectedBucketOwner?: string }) => {
        this.bucket(i.Bucket!, i.ExpectedBucketOwner, true);
        return { BucketRegion: this.region };
      }),
    );
    s.on(CreateBucketCommand).callsFake(
      this.wrap('CreateBucket', (i: CreateBucketCommandInput) => this.createBucket(i)),
    );
    const setting = (op: string, field: string) =>
      this.wrap(op, (i: Record<string, unknown> & { Bucket?: string; ExpectedBucketOwner?: string }) => {
        this.bucket(i.Bucket!, i.ExpectedBucketOwner).settings[op] = i[field];
        return {};
      });
    s.on(PutPublicAccessBlockCommand).callsFake(
      setting('PutPublicAccessBlock', 'PublicAccessBlockConfiguration'),
    );
    s.on(PutBucketEncryptionCommand).callsFake(
      setting('PutBucketEncryption', 'ServerSideEncryptionConfiguration'),
    );
    s.on(PutBucketOwnershipControlsCommand).callsFake(
      setting('PutBucketOwnershipControls', 'OwnershipControls'),
    );
    s.on(PutBucketLifecycleConfigurationCommand).callsFake(
      setting('PutBucketLifecycleConfiguration', 'LifecycleConfiguration'),
    );
    s.on(GetBucketLifecycleConfigurationCommand).callsFake(
      this.wrap('GetBucketLifecycleConfiguration', (i: { Bucket?: string; ExpectedBucketOwner?: string }) => {
        const config = this.bucket(i.Bucket!, i.ExpectedBucketOwner).settings
          .PutBucketLifecycleConfiguration as { Rules?: unknown[] } | undefined;
        if (!config) {
          throw new S3ServiceException({
            name: 'NoSuchLifecycleConfiguration',
            $fault: 'client',
            message: 'The lifecycle configuration does not exist',
            ...meta(404),
          });
        }
        return { Rules: config.Rules };
      }),
    );
    s.on(HeadObjectCommand).callsFake(
      this.wrap('HeadObject', (i: { Bucket?: string; Key?: string; ExpectedBucketOwner?: string }) => {
        const o = this.bucket(i.Bucket!, i.ExpectedBucketOwner, true).objects.get(i.Key!);
        if (!o) throw new NotFound({ message: 'Not Found', ...meta(404) });
        return {
          ContentLength: o.body.length,
          LastModified: o.lastModified,
          Metadata: o.metadata,
          // S3 returns the stored checksum only when asked (x-amz-checksum-mode: ENABLED).
          ...((i as { ChecksumMode?: string }).ChecksumMode === 'ENABLED' && o.checksumSha256
            ? {
                ChecksumSHA256: o.checksumSha256,
                ChecksumType: o.checksumSha256.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT',
              }
            : {}),
        };
      }),
    );
    s.on(GetObjectCommand).callsFake(
      this.wrap('GetObject', (i: { Bucket?: string; Key?: string; ExpectedBucketOwner?: string }) => {
        const o = this.bucket(i.Bucket!, i.ExpectedBucketOwner).objects.get(i.Key!);
        if (!o) throw new NoSuchKey({ message: 'The specified key does not exist.', ...meta(404) });
        return { Body: Readable.from([o.body]), ContentLength: o.body.length };
      }),
    );
    s.on(PutObjectCommand).callsFake(this.wrap('PutObject', (i: PutObjectCommandInput) => this.putObject(i)));
    s.on(CreateMultipartUploadCommand).callsFake(
      this.wrap(
        'CreateMultipartUpload',
        (i: {
          Bucket?: string;
          Key?: string;
          ExpectedBucketOwner?: string;
          Metadata?: Record<string, string>;
          ChecksumAlgorithm?: string;
        }) => {
          const id = `upload-${++this.uploadSeq}`;
          this.bucket(i.Bucket!, i.ExpectedBucketOwner).uploads.set(id, {
            key: i.Key!,
            parts: new Map(),
            metadata: i.Metadata ?? {},
            sha256: i.ChecksumAlgorithm === 'SHA256',
          });
          return { UploadId: id, Bucket: i.Bucket, Key: i.Key };
        },
      ),
    );
    s.on(UploadPartCommand).callsFake(
      this.wrap('UploadPart', (i: UploadPartCommandInput) => this.uploadPart(i)),
    );
    s.on(CompleteMultipartUploadCommand).callsFake(
      this.wrap('CompleteMultipartUpload', (i: CompleteMultipartUploadCommandInput) =>
        this.completeUpload(i),
      ),
    );
    s.on(AbortMultipartUploadCommand).callsFake(
      this.wrap(
        'AbortMultipartUpload',
        (i: { Bucket?: string; UploadId?: string; ExpectedBucketOwner?: string }) => {
          this.bucket(i.Bucket!, i.ExpectedBucketOwner).uploads.delete(i.UploadId!);
          return {};
        },
      ),
    );

    const m = this.iamMock;
    m.on(GetRoleCommand).callsFake(
      this.wrap('GetRole', (i: { RoleName?: string }) => {
        const r = this.role(i.RoleName!);
        return {
          Role: {
            RoleName: i.RoleName,
            Arn: r.arn,
            AssumeRolePolicyDocument: encodeURIComponent(r.trust),
            Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
          },
        };
      }),
    );
    m.on(CreateRoleCommand).callsFake(
      this.wrap('CreateRole', (i: CreateRoleCommandInput) => {
        if (this.roles.has(i.RoleName!)) {
          throw new EntityAlreadyExistsException({
            message: `Role with name ${i.RoleName} already exists.`,
            ...meta(409),
          });
        }
        const role: FakeRole = {
          arn: `arn:aws:iam::${this.accountId}:role/${i.RoleName}`,
          trust: i.AssumeRolePolicyDocument!,
          tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value!])),
          policies: new Map(),
          refusalsLeft: this.options.rolePropagationFailures,
          boundary: i.PermissionsBoundary,
        };
        this.roles.set(i.RoleName!, role);
        return { Role: { RoleName: i.RoleName, Arn: role.arn, Tags: i.Tags } };
      }),
    );
    m.on(PutRolePolicyCommand).callsFake(
      this.wrap('PutRolePolicy', (i: PutRolePolicyCommandInput) => {
        this.role(i.RoleName!).policies.set(i.PolicyName!, i.PolicyDocument!);
        return {};
      }),
    );
    m.on(GetRolePolicyCommand).callsFake(
      this.wrap('GetRolePolicy', (i: GetRolePolicyCommandInput) => {
        const doc = this.role(i.RoleName!).policies.get(i.PolicyName!);
        if (doc === undefined)
          throw new NoSuchEntityException({ message: 'The role policy was not found.', ...meta(404) });
        return { RoleName: i.RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
      }),
    );
    m.on(TagRoleCommand).callsFake(
      this.wrap('TagRole', (i: TagRoleCommandInput) => {
        const r = this.role(i.RoleName!);
        for (const t of i.Tags ?? []) r.tags[t.Key!] = t.Value!;
        return {};
      }),
    );

    this.stsMock.on(GetCallerIdentityCommand).callsFake(
      this.wrap('GetCallerIdentity', () => ({
        Account: this.accountId,
        Arn: `arn:aws:sts::${this.accountId}:assumed-role/deploy/lambda-deploy-1`,
        UserId: 'AROAFAKE:lambda-deploy-1',
      })),
    );
  }

  // ---- Lambda ----

  private notFound(what: string): Error {
    return new ResourceNotFoundException({ message: `${what} not found`, Type: 'User', ...meta(404) });
  }

  private get(name: string): FakeFunction {
    const f = this.functions.get(name);
    if (!f)
      throw this.notFound(
        `Function not found: arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`,
      );
    return f;
  }

  private byArn(arn: string): FakeFunction {
    const name = arn.split(':')[6] ?? arn;
    return this.get(name);
  }

  /** $LATEST as a read sees it: each read moves a running create/update one step on. */
  private view(f: FakeFunction): FunctionConfiguration {
    if (f.busyPolls > 0) {
      f.busyPolls--;
      return f.busy === 'create'
        ? {
            ...f.config,
            State: 'Pending',
            StateReason: 'The function is being created.',
            LastUpdateStatus: 'InProgress',
          }
        : { ...f.config, State: 'Active', LastUpdateStatus: 'InProgress' };
    }
    if (f.busy) {
      const failed = f.failReason;
      f.busyKindWas = f.busy;
      f.busy = undefined;
      f.failReason = undefined;
      if (failed && f.busyKindWas === 'create') {
        f.config = {
          ...f.config,
          State: 'Failed',
          StateReason: failed,
          StateReasonCode: 'InvalidConfiguration',
          LastUpdateStatus: 'Failed',
        };
      } else if (failed) {
        f.config = {
          ...f.config,
          State: 'Active',
          LastUpdateStatus: 'Failed',
          LastUpdateStatusReason: failed,
          LastUpdateStatusReasonCode: 'InvalidConfiguration',
        };
      } else {
        f.config = { ...f.config, State: 'Active', LastUpdateStatus: 'Successful' };
      }
    }
    return { ...f.config };
  }

  private assertIdle(f: FakeFunction): void {
    if (f.busy && f.busyPolls > 0) {
      throw new ResourceConflictException({
        message: `The operation cannot be performed at this time. An update is in progress for resource: ${f.config.FunctionArn}`,
        Type: 'User',
        ...meta(409),
      });
    }
    this.view(f); // an update that has had its time finishes now
  }

  private getFunction(name: string) {
    const f = this.get(name);
    return {
      Configuration: this.view(f),
      Tags: { ...f.tags },
      Code: { RepositoryType: 'S3', Location: 'https://example.invalid/code' },
    };
  }

  private getConfiguration(name: string, qualifier?: string): FunctionConfiguration {
    const f = this.get(name);
    if (!qualifier || qualifier === '$LATEST') return this.view(f);
    const version = f.aliases.get(qualifier)?.FunctionVersion ?? qualifier;
    const v = f.versions.get(version);
    if (!v) throw this.notFound(`Function not found: ${f.config.FunctionArn}:${qualifier}`);
    return { ...v };
  }

  private codeFromS3(bucket: string, key: string): { sha: string; size: number } {
    const o = this.buckets.get(bucket)?.objects.get(key);
    if (!o) {
      throw new InvalidParameterValueException({
        message: `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.`,
        Type: 'User',
        ...meta(400),
      });
    }
    return { sha: createHash('sha256').update(o.body).digest('base64'), size: o.body.length };
  }

  private createFunction(i: CreateFunctionCommandInput): FunctionConfiguration {
    const name = i.FunctionName!;
    if (this.functions.has(name)) {
      throw new ResourceConflictException({
        message: `Function already exist: ${name}`,
        Type: 'User',
        ...meta(409),
      });
    }
    const role = [...this.roles.values()].find((r) => r.arn === i.Role);
    if (role && role.refusalsLeft > 0) {
      role.refusalsLeft--;
      throw new InvalidParameterValueException({
        message: 'The role defined for the function cannot be assumed by Lambda.',
        Type: 'User',
        ...meta(400),
      });
    }
    const code = this.codeFromS3(i.Code!.S3Bucket!, i.Code!.S3Key!);
    const arn = `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
    const config: FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: arn,
      Runtime: i.Runtime,
      Handler: i.Handler,
      Role: i.Role,
      MemorySize: i.MemorySize ?? 128,
      Timeout: i.Timeout ?? 3,
      Description: i.Description ?? '',
      Architectures: i.Architectures ?? ['x86_64'],
      Layers: (i.Layers ?? []).map((Arn) => ({ Arn, CodeSize: 1 })),
      EphemeralStorage: { Size: i.EphemeralStorage?.Size ?? 512 },
      // Lambda omits Environment when no variables are set.
      ...(i.Environment?.Variables && Object.keys(i.Environment.Variables).length
        ? { Environment: { Variables: { ...i.Environment.Variables } } }
        : {}),
      CodeSha256: code.sha,
      CodeSize: code.size,
      PackageType: 'Zip',
      Version: '$LATEST',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      RevisionId: 'r1',
    };
    const f: FakeFunction = {
      config,
      tags: { ...(i.Tags ?? {}) },
      versions: new Map(),
      aliases: new Map(),
      nextVersion: 1,
      busyPolls: this.options.pendingPolls,
      busy: this.options.pendingPolls > 0 || this.nextUpdateFailure ? 'create' : undefined,
      failReason: this.nextUpdateFailure,
    };
    this.nextUpdateFailure = undefined;
    this.functions.set(name, f);
    return f.busy ? { ...config, State: 'Pending', LastUpdateStatus: 'InProgress' } : { ...config };
  }

  private startUpdate(f: FakeFunction): FunctionConfiguration {
    f.busy = 'update';
    f.busyPolls = this.options.inProgressPolls;
    f.config.RevisionId = `r${Number((f.config.RevisionId ?? 'r0').slice(1)) + 1}`;
    return { ...f.config, LastUpdateStatus: 'InProgress' };
  }

  /** Makes the next create (State Failed) or update (LastUpdateStatus Failed) end in failure. */
  failNextChange(reason: string): void {
    this.nextUpdateFailure = reason;
  }
  private nextUpdateFailure?: string;

  private updateConfiguration(i: UpdateFunctionConfigurationCommandInput): FunctionConfiguration {
    const f = this.get(i.FunctionName!);
    this.assertIdle(f);
    const c = f.config;
    if (i.Runtime !== undefined) c.Runtime = i.Runtime;
    if (i.Handler !== undefined) c.Handler = i.Handler;
    if (i.MemorySize !== undefined) c.MemorySize = i.MemorySize;
    if (i.Timeout !== undefined) c.Timeout = i.Timeout;
    if (i.Description !== undefined) c.Description = i.Description;
    if (i.Role !== undefined) c.Role = i.Role;
    if (i.Layers !== undefined) c.Layers = i.Layers.map((Arn) => ({ Arn, CodeSize: 1 }));
    if (i.EphemeralStorage?.Size !== undefined) c.EphemeralStorage = { Size: i.EphemeralStorage.Size };
    if (i.Environment !== undefined) {
      const vars = i.Environment.Variables ?? {};
      if (Object.keys(vars).length) c.Environment = { Variables: { ...vars } };
      else delete c.Environment;
    }
    const out = this.startUpdate(f);
    f.failReason = this.nextUpdateFailure;
    this.nextUpdateFailure = undefined;
    return out;
  }

  private updateCode(i: UpdateFunctionCodeCommandInput): FunctionConfiguration {
    const f = this.get(i.FunctionName!);
    this.assertIdle(f);
    const code = this.codeFromS3(i.S3Bucket!, i.S3Key!);
    f.config.CodeSha256 = code.sha;
    f.config.CodeSize = code.size;
    if (i.Architectures) f.config.Architectures = i.Architectures;
    const out = this.startUpdate(f);
    f.failReason = this.nextUpdateFailure;
    this.nextUpdateFailure = undefined;
    return out;
  }

  private publishVersion(i: { FunctionName?: string; CodeSha256?: string }): FunctionConfiguration {
    const f = this.get(i.FunctionName!);
    this.assertIdle(f);
    if (i.CodeSha256 && i.CodeSha256 !== f.config.CodeSha256) {
      throw new PreconditionFailedException({
        message: `CodeSHA256 (${i.CodeSha256}) you provided does not match the current CodeSHA256 of the function.`,
        Type: 'User',
        ...meta(412),
      });
    }
    const state = publishState(f.config);
    if (f.lastPublished?.state === state && f.versions.has(f.lastPublished.version)) {
      return { ...f.versions.get(f.lastPublished.version)! };
    }
    const version = String(f.nextVersion++);
    const v: FunctionConfiguration = {
      ...f.config,
      Version: version,
      FunctionArn: `${f.config.FunctionArn}:${version}`,
      State: 'Active',
      LastUpdateStatus: 'Successful',
    };
    f.versions.set(version, v);
    f.lastPublished = { state, version };
    return { ...v };
  }

  private aliasOut(f: FakeFunction, a: AliasConfiguration): AliasConfiguration {
    return { ...a, AliasArn: `${f.config.FunctionArn}:${a.Name}` };
  }

  private getAlias(name: string, alias: string): AliasConfiguration {
    const f = this.get(name);
    const a = f.aliases.get(alias);
    if (!a) throw this.notFound(`Alias not found: ${f.config.FunctionArn}:${alias}`);
    return this.aliasOut(f, a);
  }

  private createAlias(i: CreateAliasCommandInput): AliasConfiguration {
    const f = this.get(i.FunctionName!);
    if (f.aliases.has(i.Name!)) {
      throw new ResourceConflictException({
        message: `Alias already exists: ${f.config.FunctionArn}:${i.Name}`,
        Type: 'User',
        ...meta(409),
      });
    }
    if (!f.versions.has(i.FunctionVersion!))
      throw this.notFound(`Function not found: ${f.config.FunctionArn}:${i.FunctionVersion}`);
    const a: AliasConfiguration = {
      Name: i.Name,
      FunctionVersion: i.FunctionVersion,
      Description: i.Description ?? '',
      RevisionId: 'a1',
    };
    f.aliases.set(i.Name!, a);
    return this.aliasOut(f, a);
  }

  private updateAlias(i: UpdateAliasCommandInput): AliasConfiguration {
    const f = this.get(i.FunctionName!);
    const a = f.aliases.get(i.Name!);
    if (!a) throw this.notFound(`Alias not found: ${f.config.FunctionArn}:${i.Name}`);
    if (i.RevisionId !== undefined && i.RevisionId !== a.RevisionId) {
      throw new PreconditionFailedException({
        message:
          'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
        Type: 'User',
        ...meta(412),
      });
    }
    a.RevisionId = `a${Number((a.RevisionId ?? 'a0').slice(1)) + 1}`;
    if (i.FunctionVersion !== undefined) {
      if (!f.versions.has(i.FunctionVersion))
        throw this.notFound(`Function not found: ${f.config.FunctionArn}:${i.FunctionVersion}`);
      a.FunctionVersion = i.FunctionVersion;
    }
    if (i.Description !== undefined) a.Description = i.Description;
    return this.aliasOut(f, a);
  }

  private listVersions(name: string, marker?: string, maxItems = 50) {
    const f = this.get(name);
    const all: FunctionConfiguration[] = [{ ...f.config, Version: '$LATEST' }, ...f.versions.values()];
    const start = marker ? Number(marker) : 0;
    const page = all.slice(start, start + maxItems);
    const next = start + maxItems < all.length ? String(start + maxItems) : undefined;
    return { Versions: page, NextMarker: next };
  }

  private deleteFunction(name: string, qualifier?: string) {
    const f = this.get(name);
    if (!qualifier) {
      this.functions.delete(name);
      return {};
    }
    const using = [...f.aliases.values()].filter((a) => a.FunctionVersion === qualifier).map((a) => a.Name);
    if (using.length) {
      throw new ResourceConflictException({
        message: `Unable to delete version because the following aliases reference it: [${using.join(', ')}]`,
        Type: 'User',
        ...meta(409),
      });
    }
    if (!f.versions.delete(qualifier))
      throw this.notFound(`Function not found: ${f.config.FunctionArn}:${qualifier}`);
    return {};
  }

  // ---- S3 ----

  private bucket(name: string, expectedOwner: string | undefined, head = false): FakeBucket {
    const b = this.buckets.get(name);
    if (!b) {
      throw head
        ? new NotFound({ message: 'Not Found', ...meta(404) })
        : new NoSuchBucket({ message: 'The specified bucket does not exist', ...meta(404) });
    }
    if (expectedOwner !== undefined && expectedOwner !== b.owner) {
      throw new S3ServiceException({
        name: head ? 'Forbidden' : 'AccessDenied',
        $fault: 'client',
        message: 'Access Denied',
        ...meta(403),
      });
    }
    return b;
  }

  private createBucket(i: CreateBucketCommandInput) {
    const name = i.Bucket!;
    const existing = this.buckets.get(name);
    if (existing) {
      throw existing.owner === this.accountId
        ? new BucketAlreadyOwnedByYou({
            message: 'Your previous request to create the named bucket succeeded and you already own it.',
            ...meta(409),
          })
        : new BucketAlreadyExists({ message: 'The requested bucket name is not available.', ...meta(409) });
    }
    const constraint = i.CreateBucketConfiguration?.LocationConstraint;
    if (this.region === 'us-east-1' ? constraint !== undefined : constraint !== this.region) {
      throw new S3ServiceException({
        name:
          this.region === 'us-east-1' ? 'InvalidLocationConstraint' : 'IllegalLocationConstraintException',
        $fault: 'client',
        message: `The ${String(constraint)} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        ...meta(400),
      });
    }
    this.addBucket(name);
    return { Location: `/${name}` };
  }

  private checkDigest(body: Buffer, checksum: string | undefined): void {
    if (checksum && createHash('sha256').update(body).digest('base64') !== checksum) {
      throw new S3ServiceException({
        name: 'BadDigest',
        $fault: 'client',
        message: 'The SHA256 you specified did not match the calculated checksum.',
        ...meta(400),
      });
    }
  }

  /** An object written under the key by someone else (another job, another tool), with or without a checksum. */
  plantObject(bucket: string, key: string, body: Buffer, options: { checksum?: boolean } = {}): void {
    this.bucket(bucket, undefined).objects.set(key, {
      body,
      metadata: {},
      lastModified: new Date(),
      checksumSha256: options.checksum ? createHash('sha256').update(body).digest('base64') : undefined,
    });
  }

  private async putObject(i: PutObjectCommandInput) {
    const b = this.bucket(i.Bucket!, i.ExpectedBucketOwner);
    const body = await toBuffer(i.Body);
    this.checkDigest(body, i.ChecksumSHA256);
    this.bytesUploaded += body.length;
    // With ChecksumAlgorithm alone the SDK computes the value (no middleware runs under the mock).
    const sha256 =
      i.ChecksumSHA256 ??
      (i.ChecksumAlgorithm === 'SHA256' ? createHash('sha256').update(body).digest('base64') : undefined);
    b.objects.set(i.Key!, {
      body,
      metadata: { ...(i.Metadata ?? {}) },
      lastModified: new Date(),
      checksumSha256: sha256,
    });
    return { ETag: `"${createHash('md5').update(body).digest('hex')}"` };
  }

  private async uploadPart(i: UploadPartCommandInput) {
    const b = this.bucket(i.Bucket!, i.ExpectedBucketOwner);
    const upload = b.uploads.get(i.UploadId!);
    if (!upload)
      throw new S3ServiceException({
        name: 'NoSuchUpload',
        $fault: 'client',
        message: 'no such upload',
        ...meta(404),
      });
    const body = await toBuffer(i.Body);
    this.checkDigest(body, i.ChecksumSHA256);
    this.bytesUploaded += body.length;
    upload.parts.set(i.PartNumber!, body);
    return { ETag: `"${createHash('md5').update(body).digest('hex')}"` };
  }

  private completeUpload(i: CompleteMultipartUploadCommandInput) {
    const b = this.bucket(i.Bucket!, i.ExpectedBucketOwner);
    const upload = b.uploads.get(i.UploadId!);
    if (!upload)
      throw new S3ServiceException({
        name: 'NoSuchUpload',
        $fault: 'client',
        message: 'no such upload',
        ...meta(404),
      });
    const parts = (i.MultipartUpload?.Parts ?? []).map((p) => upload.parts.get(p.PartNumber!)!);
    // A multipart upload's SHA-256 is S3's composite: the SHA-256 of the parts' SHA-256s, then -{parts}.
    const composite = upload.sha256
      ? `${createHash('sha256')
          .update(Buffer.concat(parts.map((p) => createHash('sha256').update(p).digest())))
          .digest('base64')}-${parts.length}`
      : undefined;
    b.objects.set(upload.key, {
      body: Buffer.concat(parts),
      metadata: upload.metadata,
      lastModified: new Date(),
      checksumSha256: composite,
    });
    b.uploads.delete(i.UploadId!);
    return { Bucket: i.Bucket, Key: upload.key, ETag: '"multipart"' };
  }

  // ---- IAM ----

  private role(name: string): FakeRole {
    const r = this.roles.get(name);
    if (!r)
      throw new NoSuchEntityException({
        message: `The role with name ${name} cannot be found.`,
        ...meta(404),
      });
    return r;
  }
}
