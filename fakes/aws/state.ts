/**
 * What the account holds, one map per kind of resource. The service handlers
 * read and change it; tests may read it (and seed it through the fake's
 * `seed` helpers). Times are on the fake's clock (ms since the epoch).
 */
import type { Tags } from './account.js';

// ---- Lambda

/** A function's configuration as GetFunctionConfiguration shows it (states are filled in when read). */
export interface FunctionConfig {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Role: string;
  Handler?: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment?: { Variables: Record<string, string> };
  Layers?: { Arn: string; CodeSize: number }[];
  /** /tmp in MB: Lambda always answers with it (512 unless set). */
  EphemeralStorage: { Size: number };
  Architectures: string[];
  PackageType: 'Zip' | 'Image';
  /** Where the function logs: Lambda answers with it (`/aws/lambda/{name}`, Text, unless set). */
  LoggingConfig?: { LogFormat: string; LogGroup: string };
  RevisionId: string;
  State?: string;
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: string;
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
}

/** How the running create or update ends. */
export interface ChangeOutcome {
  kind: 'create' | 'update';
  /** Until then the function shows Pending (create) or InProgress (update). */
  until: number;
  /** Set: it ends Failed with this reason. */
  failure?: { reason: string; code: string };
}

export interface LambdaVersion {
  config: FunctionConfig;
  /** A new version is Pending until then. */
  readyAt: number;
}

export interface LambdaAlias {
  Name: string;
  FunctionVersion: string;
  Description: string;
  RevisionId: string;
  /** A weighted alias: part of the traffic goes to these versions. Absent: all to FunctionVersion. */
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: unknown;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface FunctionUrl {
  FunctionUrl: string;
  FunctionArn: string;
  AuthType: string;
  Cors?: unknown;
  InvokeMode: string;
  CreationTime: string;
  LastModifiedTime: string;
}

export interface ProvisionedConcurrency {
  requested: number;
  readyAt: number;
  lastModified: string;
}

export interface LambdaFunction {
  name: string;
  arn: string;
  latest: FunctionConfig;
  /** The create or update in progress (or the last one, once its time has passed). */
  change?: ChangeOutcome;
  /** State Failed since a create failed: the function cannot be updated, only deleted. */
  tags: Tags;
  versions: Map<string, LambdaVersion>;
  nextVersion: number;
  aliases: Map<string, LambdaAlias>;
  /** Resource policy by qualifier ('' = the function itself). */
  policies: Map<string, { statements: PolicyStatement[]; revisionId: string }>;
  /** Function URLs by qualifier ('' = unqualified). */
  urls: Map<string, FunctionUrl>;
  provisioned: Map<string, ProvisionedConcurrency>;
  /**
   * Versions whose provisioned environments fail to initialize (the reason
   * Lambda gives): provisioned concurrency on an alias pointing at one ends
   * FAILED, as it does for a version whose init crashes.
   */
  provisionedInitFailures?: Map<string, string>;
  /** Where the code came from (S3 or inline), for assertions. */
  codeSource?: { bucket: string; key: string };
}

export interface LayerVersion {
  arn: string;
  version: number;
  description: string;
  createdDate: string;
  bytes: Buffer;
  sha256: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo?: string;
}

export interface Layer {
  name: string;
  versions: Map<number, LayerVersion>;
  nextVersion: number;
}

// ---- IAM and STS

export interface Role {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  createdAt: number;
  /** The trust policy (JSON text). */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: Tags;
  inlinePolicies: Map<string, string>;
  attachedPolicies: string[];
  PermissionsBoundary?: string;
}

/** A customer managed policy (or one of AWS's, with an empty document), with its versions. */
export interface ManagedPolicy {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description?: string;
  DefaultVersionId: string;
  versions: Map<string, { document: string; createdAt: number }>;
  nextVersion: number;
  Tags: Tags;
  createdAt: number;
}

export interface OidcProvider {
  Arn: string;
  Url: string;
  ClientIDList: string[];
  ThumbprintList: string[];
  Tags: Tags;
  createdAt: number;
}

/** Credentials STS handed out; the fake accepts them until they expire. */
export interface IssuedCredentials {
  roleArn: string;
  sessionName: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  /** The claims of the exchanged web identity token. */
  claims: Record<string, unknown>;
}

// ---- S3

export interface S3Object {
  bytes: Buffer;
  etag: string;
  lastModified: number;
  contentType?: string;
  metadata: Record<string, string>;
  /** A checksum S3 stored with the object (sent by the client), returned with ChecksumMode ENABLED. */
  checksum?: { algorithm: string; value: string; type: 'FULL_OBJECT' | 'COMPOSITE' };
}

export interface MultipartUpload {
  key: string;
  metadata: Record<string, string>;
  contentType?: string;
  checksumAlgorithm?: string;
  parts: Map<number, { bytes: Buffer; etag: string; checksum?: string }>;
}

export interface Bucket {
  name: string;
  owner: string;
  region: string;
  createdAt: number;
  objects: Map<string, S3Object>;
  /** Bucket settings as the XML (or JSON policy) documents they were put with, by subresource. */
  settings: Map<string, string>;
  uploads: Map<string, MultipartUpload>;
}

// ---- API Gateway

export interface HttpApi {
  ApiId: string;
  Name: string;
  Description?: string;
  ProtocolType: string;
  ApiEndpoint: string;
  createdAt: number;
  Tags: Tags;
  integrations: Map<string, Record<string, unknown>>;
  routes: Map<string, Record<string, unknown>>;
  stages: Map<string, Record<string, unknown>>;
}

export interface RestResource {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  methods: Map<string, Record<string, unknown>>;
}

export interface RestApi {
  id: string;
  name: string;
  description?: string;
  createdAt: number;
  tags: Tags;
  binaryMediaTypes: string[];
  apiKeySource: string;
  endpointConfiguration: unknown;
  rootResourceId: string;
  resources: Map<string, RestResource>;
  deployments: Map<
    string,
    {
      id: string;
      description?: string;
      createdAt: number;
      /** The methods as deployed (what the stage serves): path -> method -> their auth, as embed=apisummary shows. */
      apiSummary: Record<string, Record<string, { authorizationType: string; apiKeyRequired: boolean }>>;
    }
  >;
  stages: Map<string, Record<string, unknown>>;
}

export interface ApiKey {
  id: string;
  value: string;
  name: string;
  description?: string;
  enabled: boolean;
  createdAt: number;
  tags: Tags;
}

export interface UsagePlan {
  id: string;
  name: string;
  description?: string;
  apiStages: { apiId: string; stage: string }[];
  throttle?: { rateLimit?: number; burstLimit?: number };
  quota?: { limit?: number; period?: string; offset?: number };
  tags: Tags;
  keyIds: string[];
}

// ---- CloudWatch Logs, EventBridge

export interface LogEvent {
  message: string;
  /** Absent: placed inside the window FilterLogEvents asks for, as if logged during the run. */
  timestamp?: number;
  /**
   * Lambda's `YYYY/MM/DD/[VERSION]id`. Absent: in whichever stream
   * FilterLogEvents asks for, as if the version asked about logged it.
   */
  logStreamName?: string;
}

export interface LogGroup {
  name: string;
  createdAt: number;
  tags: Tags;
  events: LogEvent[];
  /** FilterLogEvents first answers this many empty pages with a next token, as AWS may while it searches. */
  emptyPagesFirst?: number;
}

export interface EventRule {
  Name: string;
  Arn: string;
  ScheduleExpression?: string;
  EventPattern?: string;
  State: string;
  Description?: string;
  EventBusName: string;
  tags: Tags;
  targets: Map<string, { Id: string; Arn: string; Input?: string }>;
}

export interface AccountState {
  functions: Map<string, LambdaFunction>;
  layers: Map<string, Layer>;
  roles: Map<string, Role>;
  /** IAM managed policies that exist (AWS's and the account's), by ARN. */
  managedPolicies: Map<string, ManagedPolicy>;
  oidcProviders: Map<string, OidcProvider>;
  issued: IssuedCredentials[];
  buckets: Map<string, Bucket>;
  httpApis: Map<string, HttpApi>;
  restApis: Map<string, RestApi>;
  apiKeys: Map<string, ApiKey>;
  usagePlans: Map<string, UsagePlan>;
  logGroups: Map<string, LogGroup>;
  rules: Map<string, EventRule>;
  /** When DeleteRestApi last succeeded (its account-wide rate limit). */
  lastRestApiDelete?: number;
  /** IAM's "Role trust policy length" quota: 2,048 unless raised (up to 4,096). */
  trustPolicyQuota: number;
}

export function newAccountState(): AccountState {
  return {
    trustPolicyQuota: 2_048,
    functions: new Map(),
    layers: new Map(),
    roles: new Map(),
    managedPolicies: new Map(
      [
        'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        'arn:aws:iam::aws:policy/AdministratorAccess',
        'arn:aws:iam::aws:policy/ReadOnlyAccess',
      ].map((arn) => [arn, awsManaged(arn)]),
    ),
    oidcProviders: new Map(),
    issued: [],
    buckets: new Map(),
    httpApis: new Map(),
    restApis: new Map(),
    apiKeys: new Map(),
    usagePlans: new Map(),
    logGroups: new Map(),
    rules: new Map(),
  };
}

function awsManaged(arn: string): ManagedPolicy {
  const name = arn.split('/').at(-1) as string;
  return {
    PolicyName: name,
    PolicyId: `ANPAAWSMANAGED${name.length}`,
    Arn: arn,
    Path: arn.slice(arn.indexOf(':policy') + ':policy'.length, arn.length - name.length),
    DefaultVersionId: 'v1',
    versions: new Map([['v1', { document: '{"Version":"2012-10-17","Statement":[]}', createdAt: 0 }]]),
    nextVersion: 2,
    Tags: {},
    createdAt: 0,
  };
}
