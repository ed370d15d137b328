/** The in-memory account the fake AWS keeps: what each service holds. */
import { randomBytes } from 'node:crypto';

export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: unknown;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

/** What a published version (or $LATEST) runs. */
export interface FunctionConfig {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment?: { Variables: Record<string, string> };
  Layers?: { Arn: string; CodeSize: number }[];
  Architectures: string[];
  /** /tmp in MB; Lambda reports it on every function (512 unless set). */
  EphemeralStorage?: { Size: number };
  PackageType: 'Zip';
  State: 'Pending' | 'Active' | 'Inactive' | 'Failed';
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
  RevisionId: string;
}

export interface FakeAlias {
  Name: string;
  FunctionVersion: string;
  Description: string;
  RevisionId: string;
}

export interface FakeFunction {
  name: string;
  arn: string;
  latest: FunctionConfig;
  tags: Record<string, string>;
  /** Published versions by number. */
  versions: Map<string, FunctionConfig>;
  nextVersion: number;
  aliases: Map<string, FakeAlias>;
  /** Resource policy statements by qualifier ('' = unqualified). */
  policies: Map<string, PolicyStatement[]>;
  /** Reads of $LATEST that still show Pending / InProgress before the change settles. */
  busyReadsLeft: number;
  /** What $LATEST becomes once it settles. */
  settlesTo?: Pick<FunctionConfig, 'State' | 'LastUpdateStatus'>;
  /** The S3 object the code came from (for the check that Lambda read the artifact). */
  codeSource?: { bucket: string; key: string };
}

export interface FakeHttpApi {
  id: string;
  name: string;
  description?: string;
  protocolType: string;
  createdDate: Date;
  tags: Record<string, string>;
  apiEndpoint: string;
  integrations: Map<string, Record<string, unknown>>;
  routes: Map<string, Record<string, unknown>>;
  stages: Map<string, Record<string, unknown>>;
}

export interface FakeRestResource {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  methods: Map<string, Record<string, unknown>>;
}

export interface FakeRestApi {
  id: string;
  name: string;
  description?: string;
  createdDate: Date;
  tags: Record<string, string>;
  binaryMediaTypes: string[];
  apiKeySource?: string;
  endpointConfiguration?: unknown;
  rootResourceId: string;
  resources: Map<string, FakeRestResource>;
  deployments: Map<string, { id: string; description?: string; createdDate: Date }>;
  stages: Map<string, Record<string, unknown>>;
}

export interface FakeApiKey {
  id: string;
  value: string;
  name: string;
  description?: string;
  enabled: boolean;
  createdDate: Date;
  tags: Record<string, string>;
}

export interface FakeUsagePlan {
  id: string;
  name: string;
  description?: string;
  apiStages: { apiId: string; stage: string }[];
  throttle?: { rateLimit?: number; burstLimit?: number };
  quota?: { limit?: number; period?: string; offset?: number };
  tags: Record<string, string>;
  keyIds: string[];
}

export interface FakeRole {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  AssumeRolePolicyDocument: string;
  Description?: string;
  Tags: Record<string, string>;
  policies: Map<string, string>;
}

export interface FakeObject {
  bytes: Buffer;
  lastModified: Date;
  etag: string;
  contentType?: string;
  metadata: Record<string, string>;
  /** S3's SHA-256 checksum when uploaded with one: the object's own, or `composite-N` for a multipart upload. */
  checksumSha256?: string;
}

export interface FakeBucket {
  name: string;
  owner: string;
  createdAt: Date;
  objects: Map<string, FakeObject>;
  /** PUT ?publicAccessBlock / ?encryption / ?ownershipControls / ?lifecycle bodies, by subresource. */
  settings: Map<string, string>;
}

export interface FakeLogEvent {
  message: string;
  /** Absent: placed inside the window FilterLogEvents asks for, as if logged during the deploy. */
  timestamp?: number;
}

export interface AccountState {
  functions: Map<string, FakeFunction>;
  httpApis: Map<string, FakeHttpApi>;
  restApis: Map<string, FakeRestApi>;
  apiKeys: Map<string, FakeApiKey>;
  usagePlans: Map<string, FakeUsagePlan>;
  roles: Map<string, FakeRole>;
  buckets: Map<string, FakeBucket>;
  /** Log events by log group name. */
  logs: Map<string, FakeLogEvent[]>;
}

export function newState(): AccountState {
  return {
    functions: new Map(),
    httpApis: new Map(),
    restApis: new Map(),
    apiKeys: new Map(),
    usagePlans: new Map(),
    roles: new Map(),
    buckets: new Map(),
    logs: new Map(),
  };
}

/** API Gateway style ids: 10 lower-case letters and digits. */
export function newId(length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function newRevision(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Lambda's LastModified format: 2025-01-01T12:00:00.000+0000. */
export function lambdaTime(date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}
