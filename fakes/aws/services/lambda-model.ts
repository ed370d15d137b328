/**
 * Lambda's rules, apart from its wire: the state machine of a function
 * (Pending -> Active, InProgress -> Successful | Failed, on the fake's clock),
 * what CreateFunction and the updates refuse, and what makes two
 * configurations the same version.
 */
import { createHash } from 'node:crypto';
import { ACCOUNT_ID, REGION, arn } from '../account.js';
import { fault } from '../errors.js';
import type { ServiceContext } from '../service.js';
import type { FunctionConfig, LambdaFunction } from '../state.js';

/** Runtimes Lambda accepts for new functions and updates. */
export const RUNTIMES = [
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'java11',
  'java17',
  'java21',
  'dotnet8',
  'ruby3.2',
  'ruby3.3',
  'provided.al2',
  'provided.al2023',
];

/** Runtimes Lambda refuses for creates and updates (deprecated), with the one it recommends. */
export const BLOCKED_RUNTIMES: Record<string, string> = {
  'python2.7': 'python3.13',
  'python3.6': 'python3.13',
  'python3.7': 'python3.13',
  'python3.8': 'python3.13',
  'nodejs12.x': 'nodejs22.x',
  'nodejs14.x': 'nodejs22.x',
  'nodejs16.x': 'nodejs22.x',
};

const NAME_PATTERN = /^[a-zA-Z0-9-_]+$/;
const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::(\d{12}):role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const RESERVED_ENV = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
/** Lambda's limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). */
export const LIMITS = {
  nameLength: 64,
  layers: 5,
  environmentBytes: 4 * 1024,
  unzippedBytes: 262_144_000,
  /** Base64 of a direct ZipFile upload: the request must stay under this. */
  requestBytes: 69_905_067,
};

const invalid = (message: string) => fault('lambda', 'InvalidParameterValueException', message);
const validation = (value: unknown, member: string, constraint: string) =>
  invalid(
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );

export const lambdaTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

/** A name, a partial (`123456789012:function:f`) or a full ARN, optionally qualified, to name and qualifier. */
export function parseFunctionName(value: string): { name: string; qualifier?: string } {
  const m =
    /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?([^:]+)(?::([^:]+))?$/.exec(
      value,
    );
  return m ? { name: m[1] as string, ...(m[2] ? { qualifier: m[2] } : {}) } : { name: value };
}

export function checkFunctionName(name: string): void {
  if (name.length > LIMITS.nameLength)
    throw validation(
      name,
      'functionName',
      `Member must have length less than or equal to ${LIMITS.nameLength}`,
    );
  if (!NAME_PATTERN.test(name))
    throw validation(
      name,
      'functionName',
      'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
    );
}

export function notFound(name: string, qualifier?: string) {
  return fault('lambda', 'ResourceNotFoundException', `Function not found: ${arn.function(name, qualifier)}`);
}

/** What Lambda accepts where a call names a function (GetFunction and the rest): a name it cannot hold is refused. */
const NAMED_FUNCTION = { pattern: /^[a-zA-Z0-9-_.]+$/, length: 170 };

export function getFunction(ctx: ServiceContext, nameOrArn: string): LambdaFunction {
  const { name } = parseFunctionName(nameOrArn);
  if (nameOrArn.length > NAMED_FUNCTION.length)
    throw validation(
      nameOrArn,
      'functionName',
      `Member must have length less than or equal to ${NAMED_FUNCTION.length}`,
    );
  if (!NAMED_FUNCTION.pattern.test(name))
    throw validation(
      nameOrArn,
      'functionName',
      'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
    );
  const fn = ctx.account.functions.get(name);
  if (!fn) throw notFound(name);
  return fn;
}

// ---- the state machine

/** $LATEST as a read sees it now: Pending / InProgress until the change's time has passed. */
export function observe(fn: LambdaFunction, now: number): FunctionConfig {
  const c = structuredClone(fn.latest);
  const change = fn.change;
  if (!change) return { ...c, State: 'Active', LastUpdateStatus: 'Successful' };
  const running = now < change.until;
  if (change.kind === 'create') {
    if (running)
      return {
        ...c,
        State: 'Pending',
        StateReason: 'The function is being created.',
        StateReasonCode: 'Creating',
      };
    if (change.failure)
      return {
        ...c,
        State: 'Failed',
        StateReason: change.failure.reason,
        StateReasonCode: change.failure.code,
        LastUpdateStatus: 'Failed',
        LastUpdateStatusReason: change.failure.reason,
        LastUpdateStatusReasonCode: change.failure.code,
      };
    return { ...c, State: 'Active', LastUpdateStatus: 'Successful' };
  }
  if (running)
    return {
      ...c,
      State: 'Active',
      LastUpdateStatus: 'InProgress',
      LastUpdateStatusReason: 'The function is being created.',
      LastUpdateStatusReasonCode: 'Creating',
    };
  if (change.failure)
    return {
      ...c,
      State: 'Active',
      LastUpdateStatus: 'Failed',
      LastUpdateStatusReason: change.failure.reason,
      LastUpdateStatusReasonCode: change.failure.code,
    };
  return { ...c, State: 'Active', LastUpdateStatus: 'Successful' };
}

/** Refuses a change while another runs (or after a failed create), as Lambda does. */
export function assertIdle(fn: LambdaFunction, now: number): void {
  const c = observe(fn, now);
  if (c.State === 'Pending' || c.State === 'Failed')
    throw fault(
      'lambda',
      'ResourceConflictException',
      `The operation cannot be performed at this time. The function is currently in the following state: ${c.State}`,
    );
  if (c.LastUpdateStatus === 'InProgress')
    throw fault(
      'lambda',
      'ResourceConflictException',
      `The operation cannot be performed at this time. An update is in progress for resource: ${fn.arn}`,
    );
}

export function startChange(ctx: ServiceContext, fn: LambdaFunction, kind: 'create' | 'update'): void {
  const now = ctx.clock.now();
  fn.change = {
    kind,
    until: now + (kind === 'create' ? ctx.timings.functionCreateMs : ctx.timings.functionUpdateMs),
    failure: ctx.takeChangeFailure(fn.name, kind),
  };
}

/** What makes $LATEST a new version (PublishVersion publishes nothing when it equals the newest). */
export function versionFingerprint(c: FunctionConfig): string {
  return JSON.stringify([
    c.CodeSha256,
    c.Runtime,
    c.Handler,
    c.MemorySize,
    c.Timeout,
    c.EphemeralStorage.Size,
    c.Role,
    c.Description,
    c.Architectures,
    c.Environment?.Variables ?? {},
    (c.Layers ?? []).map((l) => l.Arn),
  ]);
}

// ---- what CreateFunction and UpdateFunctionConfiguration refuse

export function checkRuntime(runtime: unknown): void {
  if (runtime === undefined) return;
  const r = String(runtime);
  const recommended = BLOCKED_RUNTIMES[r];
  if (recommended)
    throw invalid(
      `The runtime parameter of ${r} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${recommended}) while creating or updating functions.`,
    );
  if (!RUNTIMES.includes(r))
    throw validation(r, 'runtime', `Member must satisfy enum value set: [${RUNTIMES.join(', ')}]`);
}

/** EphemeralStorage.Size of a create or update body, when it has one. */
export function ephemeralSize(body: Record<string, unknown>): number | undefined {
  const size = (body.EphemeralStorage as { Size?: unknown } | undefined)?.Size;
  return size === undefined ? undefined : Number(size);
}

export function checkSizes(body: Record<string, unknown>): void {
  const storage = ephemeralSize(body);
  if (storage !== undefined) {
    if (storage < 512)
      throw validation(
        storage,
        'ephemeralStorage.size',
        'Member must have value greater than or equal to 512',
      );
    if (storage > 10240)
      throw validation(
        storage,
        'ephemeralStorage.size',
        'Member must have value less than or equal to 10240',
      );
  }
  if (body.MemorySize !== undefined) {
    const m = Number(body.MemorySize);
    if (m < 128) throw validation(m, 'memorySize', 'Member must have value greater than or equal to 128');
    if (m > 10240) throw validation(m, 'memorySize', 'Member must have value less than or equal to 10240');
  }
  if (body.Timeout !== undefined) {
    const t = Number(body.Timeout);
    if (t < 1) throw validation(t, 'timeout', 'Member must have value greater than or equal to 1');
    if (t > 900) throw validation(t, 'timeout', 'Member must have value less than or equal to 900');
  }
}

/**
 * The execution role: its ARN's form, its account (a role of another account
 * cannot be passed), and whether Lambda can assume it yet (it exists, trusts
 * lambda.amazonaws.com, and has had time to propagate since it was created).
 */
export function checkRole(ctx: ServiceContext, role: unknown): string {
  const value = String(role ?? '');
  const m = ROLE_PATTERN.exec(value);
  if (!m)
    throw validation(
      value,
      'role',
      'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
    );
  if (m[2] !== ACCOUNT_ID)
    throw fault('lambda', 'AccessDeniedException', 'Cross-account pass role is not allowed.');
  const found = [...ctx.account.roles.values()].find((r) => r.Arn === value);
  const trusted = found && trustsService(found.AssumeRolePolicyDocument, 'lambda.amazonaws.com');
  const propagated = found && ctx.clock.now() >= found.createdAt + ctx.timings.rolePropagationMs;
  if (!found || !trusted || !propagated)
    throw invalid('The role defined for the function cannot be assumed by Lambda.');
  return value;
}

function trustsService(document: string, service: string): boolean {
  try {
    const doc = JSON.parse(document) as { Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return statements.some((s) => {
      const st = s as {
        Effect?: string;
        Principal?: { Service?: string | string[] };
        Action?: string | string[];
      };
      const services = [st.Principal?.Service ?? []].flat();
      const actions = [st.Action ?? []].flat();
      return (
        st.Effect === 'Allow' &&
        services.includes(service) &&
        actions.some((a) => a === 'sts:AssumeRole' || a === 'sts:*')
      );
    });
  } catch {
    return false;
  }
}

/** Layer ARNs: at most 5; one of this account and region must exist. Returns them with their sizes. */
export function checkLayers(
  ctx: ServiceContext,
  value: unknown,
): { Arn: string; CodeSize: number; unzipped: number }[] {
  if (!Array.isArray(value)) return [];
  if (value.length > LIMITS.layers) throw invalid(`Cannot reference more than ${LIMITS.layers} layers.`);
  return value.map((raw) => {
    const layerArn = String(raw);
    const m = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/.exec(layerArn);
    if (!m)
      throw validation(
        layerArn,
        'layers',
        'Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+',
      );
    if (m[1] !== REGION || m[2] !== ACCOUNT_ID) return { Arn: layerArn, CodeSize: 0, unzipped: 0 };
    const version = ctx.account.layers.get(m[3] as string)?.versions.get(Number(m[4]));
    if (!version) throw invalid(`Layer version ${layerArn} does not exist.`);
    return { Arn: layerArn, CodeSize: version.bytes.length, unzipped: zipInfo(version.bytes).unzippedBytes };
  });
}

export function checkEnvironment(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const variables = ((value as { Variables?: Record<string, string> }).Variables ?? {}) as Record<
    string,
    string
  >;
  const reserved = Object.keys(variables).filter((k) => RESERVED_ENV.has(k));
  if (reserved.length)
    throw invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  // Lambda quotes every variable, values too, in its answer.
  if (Buffer.byteLength(JSON.stringify(variables)) > LIMITS.environmentBytes)
    throw invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(variables)}`,
    );
  return variables;
}

/** The code of a create or update: inline or read from S3 (which must be in this region). */
export function readCode(
  ctx: ServiceContext,
  code: Record<string, unknown>,
): { bytes: Buffer; source?: { bucket: string; key: string } } {
  if (typeof code.ZipFile === 'string') {
    if (code.ZipFile.length > LIMITS.requestBytes)
      throw fault(
        'lambda',
        'RequestTooLargeException',
        `Request must be smaller than ${LIMITS.requestBytes} bytes for the CreateFunction operation`,
      );
    return { bytes: Buffer.from(code.ZipFile, 'base64') };
  }
  const bucketName = String(code.S3Bucket ?? '');
  const key = String(code.S3Key ?? '');
  if (!bucketName || !key) throw invalid('Please provide a source for function code.');
  const s3Error = (codeName: string, message: string) =>
    invalid(`Error occurred while GetObject. S3 Error Code: ${codeName}. S3 Error Message: ${message}`);
  const bucket = ctx.account.buckets.get(bucketName);
  if (!bucket) throw s3Error('NoSuchBucket', 'The specified bucket does not exist');
  if (bucket.region !== REGION)
    throw s3Error(
      'PermanentRedirect',
      'The bucket is in this region: ' + bucket.region + '. Please use this region to retry the request',
    );
  const object = bucket.objects.get(key);
  if (!object) throw s3Error('NoSuchKey', 'The specified key does not exist.');
  return { bytes: object.bytes, source: { bucket: bucketName, key } };
}

/** Checks a deployment package: a zip, and (with its layers) under Lambda's unzipped limit. */
export function checkPackage(bytes: Buffer, layersUnzipped: number): void {
  const info = zipInfo(bytes);
  if (!info.ok)
    throw invalid('Could not unzip uploaded file. Please check your file, then try to upload again.');
  if (info.unzippedBytes + layersUnzipped > LIMITS.unzippedBytes)
    throw invalid(
      `Function code combined with layers exceeds the maximum allowed size of ${LIMITS.unzippedBytes} bytes. The actual size is ${info.unzippedBytes + layersUnzipped} bytes.`,
    );
}

/** Whether `bytes` is a zip, and the sum of its entries' uncompressed sizes (from the central directory). */
export function zipInfo(bytes: Buffer): { ok: boolean; unzippedBytes: number } {
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > bytes.length) return { ok: false, unzippedBytes: 0 };
  let entries = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const locator = eocd - 20;
  if (
    (entries === 0xffff || at === 0xffffffff) &&
    locator >= 0 &&
    bytes.readUInt32LE(locator) === 0x07064b50
  ) {
    const zip64 = Number(bytes.readBigUInt64LE(locator + 8));
    entries = Number(bytes.readBigUInt64LE(zip64 + 32));
    at = Number(bytes.readBigUInt64LE(zip64 + 48));
  }
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50)
      return { ok: false, unzippedBytes: 0 };
    let size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    if (size === 0xffffffff) {
      // ZIP64 extended information: the uncompressed size comes first.
      let e = at + 46 + nameLength;
      const end = e + extraLength;
      while (e + 4 <= end) {
        const id = bytes.readUInt16LE(e);
        const len = bytes.readUInt16LE(e + 2);
        if (id === 0x0001) size = Number(bytes.readBigUInt64LE(e + 4));
        e += 4 + len;
      }
    }
    total += size;
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { ok: true, unzippedBytes: total };
}
