/**
 * The deploy role's policy: the least privilege with which every command of
 * lambda-deploy works (deploy, redeploy, rollback, undeploy, prune), for one
 * project. test/iam/policy-coverage.test.ts records the AWS calls the code
 * really makes and checks each against this document, so the two cannot
 * drift apart.
 */
import type { GatewayKind } from '../settings/settings.js';
import { policy, type Partition, type PolicyDocument, type PolicyStatement } from './policy-document.js';

export { oidcTrustPolicy, type TrustPolicyOptions } from './trust-policy.js';
export { executionRolePolicy } from './execution-policy.js';

export interface DeployPolicyOptions {
  /** The `name` input: every resource name starts with it. */
  project: string;
  /** A region, or '*' for a role that deploys to any region. */
  region: string;
  accountId: string;
  /** The front door; 'all' when stages may use different kinds (or the kind may change). */
  gateway: GatewayKind | 'all';
  /** The `s3-bucket` input. Absent: the bucket the action creates, `lambda-deploy-{account}-{region}`. */
  bucket?: string;
  /** True unless `execution-role-arn` is given. */
  managesExecutionRole: boolean;
  /** The `execution-role-arn` input, when the action does not manage the role. */
  executionRoleArn?: string;
  /** `keep-warm` is set (an EventBridge schedule per stage). */
  keepWarm?: boolean;
  /** `provisioned-concurrency` is set (0 included: removing it needs the permission too). */
  provisionedConcurrency?: boolean;
  /** `dependencies-layer: true`: the project's own layer `{project}-deps`. */
  layers?: boolean;
  /** The `layers` input: attaching a layer needs lambda:GetLayerVersion on it. */
  attachedLayers?: readonly string[];
  partition?: Partition;
}

/** The execution role the action manages (src/aws/execution-role.ts). */
export function managedExecutionRoleName(project: string): string {
  const name = `${project}-lambda-deploy`;
  // Project names are at most 40 characters, so this never needs the hash the
  // role module adds past 64; a prefix wildcard keeps the policy right anyway.
  return name.length <= 64 ? name : `${name.slice(0, 55)}*`;
}

/** The bucket the action creates when `s3-bucket` is not given. */
export function defaultArtifactBucket(accountId: string, region: string): string {
  return `lambda-deploy-${accountId}-${region}`;
}

/** Lambda actions every deploy, rollback, undeploy and prune needs on the project's functions. */
export const FUNCTION_ACTIONS: readonly string[] = [
  'lambda:GetFunction',
  'lambda:GetFunctionConfiguration',
  'lambda:CreateFunction',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:PublishVersion',
  'lambda:ListVersionsByFunction',
  'lambda:DeleteFunction',
  'lambda:GetAlias',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'lambda:AddPermission',
  'lambda:RemovePermission',
  'lambda:GetPolicy',
  'lambda:TagResource',
  // A deploy removes its lambda-deploy:deploying mark when it ends.
  'lambda:UntagResource',
  'lambda:ListTags',
  // Undeploy looks for a function URL on every function it removes.
  'lambda:ListFunctionUrlConfigs',
];

const FUNCTION_URL_ACTIONS = [
  'lambda:CreateFunctionUrlConfig',
  'lambda:GetFunctionUrlConfig',
  'lambda:UpdateFunctionUrlConfig',
  'lambda:DeleteFunctionUrlConfig',
];

const PROVISIONED_CONCURRENCY_ACTIONS = [
  'lambda:GetProvisionedConcurrencyConfig',
  'lambda:PutProvisionedConcurrencyConfig',
  'lambda:DeleteProvisionedConcurrencyConfig',
];

const LAYER_ACTIONS = [
  'lambda:PublishLayerVersion',
  'lambda:ListLayerVersions',
  'lambda:GetLayerVersion',
  'lambda:DeleteLayerVersion',
];

/** Bucket-level calls on a bucket someone else set up: HeadBucket is authorized as s3:ListBucket. */
const BUCKET_READ_ACTIONS = ['s3:ListBucket', 's3:GetBucketLocation'];

/** Creating the default bucket secure: private, encrypted, owner-enforced, old artifacts expire. */
const BUCKET_SETUP_ACTIONS = [
  's3:CreateBucket',
  's3:PutBucketPublicAccessBlock',
  's3:PutEncryptionConfiguration',
  's3:PutBucketOwnershipControls',
  's3:GetLifecycleConfiguration',
  's3:PutLifecycleConfiguration',
];

/** HeadObject is authorized as s3:GetObject; multipart uploads as s3:PutObject. */
const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'];

const ROLE_ACTIONS = [
  'iam:GetRole',
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:GetRolePolicy',
  'iam:TagRole',
];

const LOG_ACTIONS = ['logs:FilterLogEvents', 'logs:DeleteLogGroup', 'logs:ListTagsForResource'];

const RULE_ACTIONS = [
  'events:PutRule',
  'events:PutTargets',
  'events:DescribeRule',
  'events:ListTargetsByRule',
  'events:RemoveTargets',
  'events:DeleteRule',
  'events:TagResource',
  'events:ListTagsForResource',
];

/**
 * API Gateway authorizes by HTTP verb on the resource path. A new API, usage
 * plan or key gets a random id, and creation is authorized on the collection
 * (`/apis`, `/restapis`, ...), so neither creation nor the later calls can be
 * scoped to this project by name; tag conditions do not reach sub-resources
 * (routes, integrations, stages) either. The grant is therefore limited to the
 * kinds of resource the chosen front door uses, in one region.
 */
const APIGATEWAY_VERBS = [
  'apigateway:GET',
  'apigateway:POST',
  'apigateway:PATCH',
  'apigateway:PUT',
  'apigateway:DELETE',
];

export function deployRolePolicy(options: DeployPolicyOptions): PolicyDocument {
  const p = options.partition ?? 'aws';
  const { project, region, accountId } = options;
  const gateway = options.gateway;
  const uses = (kind: GatewayKind): boolean => gateway === 'all' || gateway === kind;
  const functions = `arn:${p}:lambda:${region}:${accountId}:function:${project}-*`;
  const statements: PolicyStatement[] = [];

  statements.push({ Sid: 'WhoAmI', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' });
  // Undeploy and prune find a stage's resources by tag and by name, whatever
  // the front door: list calls only. The tagging API has no resource-level
  // permissions; events:ListRules is granted on '*' for the same reason.
  statements.push({
    Sid: 'FindStageResources',
    Effect: 'Allow',
    Action: ['tag:GetResources', 'events:ListRules'],
    Resource: '*',
  });
  const api = `arn:${p}:apigateway:${region}::`;
  statements.push({
    Sid: 'ListFrontDoors',
    Effect: 'Allow',
    Action: 'apigateway:GET',
    Resource: [`${api}/apis`, `${api}/restapis`, `${api}/usageplans`, `${api}/apikeys`],
  });
  // DescribeLogGroups is authorized on the account's log groups as a whole, never on a prefix.
  statements.push({
    Sid: 'ListLogGroups',
    Effect: 'Allow',
    Action: 'logs:DescribeLogGroups',
    Resource: `arn:${p}:logs:${region}:${accountId}:log-group:*`,
  });

  const functionActions = [...FUNCTION_ACTIONS];
  // gateway none: the smoke test invokes `live` directly.
  if (uses('none')) functionActions.push('lambda:InvokeFunction');
  if (uses('function-url')) functionActions.push(...FUNCTION_URL_ACTIONS);
  if (options.provisionedConcurrency) functionActions.push(...PROVISIONED_CONCURRENCY_ACTIONS);
  statements.push({
    Sid: 'ProjectFunctions',
    Effect: 'Allow',
    Action: functionActions,
    Resource: [functions, `${functions}:*`],
  });

  if (options.layers) {
    const layer = `arn:${p}:lambda:${region}:${accountId}:layer:${project}-*`;
    statements.push({
      Sid: 'DependenciesLayer',
      Effect: 'Allow',
      Action: LAYER_ACTIONS,
      Resource: [layer, `${layer}:*`],
    });
  }
  if (options.attachedLayers?.length) {
    statements.push({
      Sid: 'AttachLayers',
      Effect: 'Allow',
      Action: 'lambda:GetLayerVersion',
      Resource: [...new Set(options.attachedLayers)].sort(),
    });
  }

  const bucket = options.bucket ?? defaultArtifactBucket(accountId, region);
  statements.push({
    Sid: 'ArtifactBucket',
    Effect: 'Allow',
    Action: options.bucket ? BUCKET_READ_ACTIONS : [...BUCKET_READ_ACTIONS, ...BUCKET_SETUP_ACTIONS],
    Resource: `arn:${p}:s3:::${bucket}`,
  });
  statements.push({
    Sid: 'Artifacts',
    Effect: 'Allow',
    Action: OBJECT_ACTIONS,
    Resource: `arn:${p}:s3:::${bucket}/lambda-deploy/${project}/*`,
  });

  const passedRole = options.managesExecutionRole
    ? `arn:${p}:iam::${accountId}:role/${managedExecutionRoleName(project)}`
    : (options.executionRoleArn ?? `arn:${p}:iam::${accountId}:role/*`);
  if (options.managesExecutionRole) {
    statements.push({ Sid: 'ExecutionRole', Effect: 'Allow', Action: ROLE_ACTIONS, Resource: passedRole });
  }
  statements.push({
    Sid: 'PassExecutionRole',
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: passedRole,
    Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
  });

  if (uses('http-api')) {
    statements.push({
      Sid: 'HttpApi',
      Effect: 'Allow',
      Action: APIGATEWAY_VERBS,
      Resource: [`${api}/apis`, `${api}/apis/*`, `${api}/tags/*`],
    });
  }
  if (uses('rest-api')) {
    statements.push({
      Sid: 'RestApi',
      Effect: 'Allow',
      Action: APIGATEWAY_VERBS,
      Resource: [
        `${api}/restapis`,
        `${api}/restapis/*`,
        `${api}/usageplans`,
        `${api}/usageplans/*`,
        `${api}/apikeys`,
        `${api}/apikeys/*`,
        `${api}/tags/*`,
      ],
    });
  }

  statements.push({
    Sid: 'FunctionLogs',
    Effect: 'Allow',
    Action: LOG_ACTIONS,
    Resource: `arn:${p}:logs:${region}:${accountId}:log-group:/aws/lambda/${project}-*`,
  });

  if (options.keepWarm) {
    statements.push({
      Sid: 'KeepWarmSchedules',
      Effect: 'Allow',
      Action: RULE_ACTIONS,
      Resource: `arn:${p}:events:${region}:${accountId}:rule/${project}-*`,
    });
  }

  return policy(statements);
}

/** What a user should know about a generated policy: printed by `lambda-deploy policy` next to it. */
export function deployPolicyNotes(options: DeployPolicyOptions): string[] {
  const notes: string[] = [];
  if (options.gateway !== 'all')
    notes.push(
      `Only the ${options.gateway} front door is covered: a stage deployed earlier with another gateway can only be undeployed with gateway "all".`,
    );
  if (options.gateway === 'all' || options.gateway === 'http-api' || options.gateway === 'rest-api')
    notes.push(
      'API Gateway cannot scope creation by name (APIs get random ids), so the apigateway statements cover every API of that kind in the region.',
    );
  if (!options.managesExecutionRole && !options.executionRoleArn)
    notes.push(
      'No execution-role-arn given: iam:PassRole is granted on every role of the account (only to Lambda); name the role to narrow it.',
    );
  if (options.region === '*') notes.push('Region "*": the role may deploy to any region.');
  if (options.keepWarm === undefined && options.provisionedConcurrency === undefined)
    notes.push(
      'keep-warm and provisioned-concurrency are not covered; regenerate the policy when you turn them on.',
    );
  return notes;
}
