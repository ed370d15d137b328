/**
 * The deploy roles' policies: the least privilege with which every command of
 * lambda-deploy works (deploy, redeploy, rollback, undeploy, prune), for one
 * project, in two flavours (DESIGN.md, "Who may deploy what"):
 *
 * - the production role: the only one that may change a protected stage;
 * - the preview role: everything a pull request or a feature branch needs,
 *   and explicit Deny statements for every write to a protected stage's
 *   resources (reads too, where they would show production's secrets), for
 *   every IAM write and for passing production's execution role.
 *
 * test/iam/policy-coverage.test.ts records the AWS calls the code really makes
 * (with the tags of each resource they touch) and checks each against these
 * documents, so code and policy cannot drift apart.
 *
 * What AWS can and cannot condition (Service Authorization Reference, checked
 * against AWS's published data by test/iam/sar-model.test.ts):
 * - Lambda: every function action takes `aws:ResourceTag/*` (versions and
 *   aliases are authorized by their function's tags); CreateFunction and
 *   TagResource take `aws:RequestTag/*` and `aws:TagKeys`. Layers have no tags:
 *   they are scoped by name (`{project}-*`) only.
 * - API Gateway: IAM sees an HTTP verb on a path. Every API, stage, route,
 *   integration, usage plan and key takes `aws:ResourceTag/*` (children are
 *   authorized by their parent's tags); POST/PUT/PATCH/DELETE take
 *   `aws:RequestTag/*`. Two things cannot be conditioned: the collections
 *   (`GET /apis`, `/restapis`, `/usageplans`, `/apikeys`: listing returns every
 *   item of the region, and `GET /apikeys?includeValues` every key's value: only
 *   the production role may list API keys, the preview role is denied it), and
 *   `/tags/{arn}`, which has no resource tags at all, so a tag write there could
 *   relabel anyone's API: no role gets it (we tag at creation only), and the
 *   preview role is denied it outright.
 * - CloudWatch Logs: log groups (and streams) take `aws:ResourceTag/*`;
 *   CreateLogGroup and TagResource take `aws:RequestTag/*`, and a create with
 *   tags needs logs:TagResource as well. The deploy makes `/aws/lambda/{fn}`
 *   with the stage's tags; those Lambda made for stages deployed before carry
 *   none, so the Allow is scoped by name (`/aws/lambda/{project}-*`) with
 *   IfExists; `DescribeLogGroups` has no resource at all.
 * - EventBridge: rules take `aws:ResourceTag/*`, PutRule `aws:RequestTag/*`;
 *   `ListRules` has no resource.
 * - S3: objects are scoped by key prefix (`lambda-deploy/{project}/`); bucket
 *   tags are not used (S3 ABAC is opt-in per bucket).
 * - IAM: roles take `aws:ResourceTag/*`; CreateRole and PutRolePolicy take
 *   `iam:PermissionsBoundary`, which is how the production role may write its
 *   execution role's policy only while that role keeps the boundary.
 * - `tag:GetResources`, `sts:GetCallerIdentity`: no resource-level permissions.
 * - Lambda AddPermission: `lambda:Principal` and the function URL's
 *   `lambda:FunctionUrlAuthType` / `lambda:InvokedViaFunctionUrl`, not the
 *   action the statement grants nor its SourceArn (ourInvokersOnly).
 *
 * A resource that does not exist yet has no tags, so the Allow statements on
 * Lambda, Logs and EventBridge use `...IfExists` (the names already keep them
 * to the project) and the ownership Deny statements fire only when a tag is
 * present and names someone else. API Gateway ids are random, so its Allow
 * statements demand the project's tag outright. The preview role is denied
 * every function of the project's name without the lambda-deploy:name tag
 * (untaggedFunctions): a new stage's first reads are refused, not answered
 * with ResourceNotFoundException, and the deploy goes on to CreateFunction.
 */
import { functionName } from '../model/stage-name.js';
import { TagKeys } from '../model/tags.js';
import type { GatewayKind } from '../model/settings.js';
import { warmRuleName } from '../resources/warm-up/keep-warm.js';
import {
  IAM_SIZE_LIMITS,
  INLINE_QUOTA,
  oversizeProblem,
  policy,
  policySize,
  type Partition,
  type PolicyDocument,
  type PolicyStatement,
} from '../model/policy-document.js';
import {
  boundaryPolicyName,
  executionRoleName,
  type ExecutionRoleKind,
} from '../resources/execution-role/execution-policy.js';
import { SLIM_PREFIX, slimArchivePrefix } from '../model/slim-location.js';
import { dependenciesLayerName } from '../resources/layers/dependencies-layer.js';
import { ARTIFACT_PREFIX, defaultBucketName } from '../resources/artifacts/artifact-bucket.js';

export { oidcTrustPolicy, type TrustPolicyOptions } from './trust-policy.js';
export {
  executionRolePolicy,
  executionRoleName,
  type ExecutionRoleKind,
} from '../resources/execution-role/execution-policy.js';

/** Which deploy role a policy is for. */
export type DeployRoleKind = 'production' | 'preview';

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
  /** Which role; default production (also the policy of a single-role setup). */
  role?: DeployRoleKind;
  /** The `protected-stages` input: stages the preview role may not touch. */
  protectedStages?: readonly string[];
  /** `owner/repo`: resources tagged for another repository are off limits. */
  repository?: string;
  partition?: Partition;
}

export const DEFAULT_PROTECTED_STAGES: readonly string[] = ['main', 'master', 'prod', 'production'];

/** The execution role the action manages (src/resources/execution-role/execution-role.ts), as a policy resource. */
export function managedExecutionRoleName(project: string, kind: ExecutionRoleKind = 'production'): string {
  return executionRoleName(project, kind);
}

/** Lambda actions every deploy, rollback, undeploy and prune needs on the project's functions. */
export const FUNCTION_ACTIONS: readonly string[] = [
  'lambda:GetFunction',
  // GetFunctionConfiguration, UpdateFunctionConfiguration (not GetFunctionConcurrency).
  'lambda:GetFunctionConf*',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConf*',
  // PublishVersion, ListVersionsByFunction (the layers' are PublishLayerVersion, ListLayerVersions).
  // Each pattern here names one action or a few, and keeps the preview policy under IAM's size limit;
  // test/iam/action-patterns.test.ts checks each against AWS's list of actions.
  'lambda:PublishV*',
  'lambda:ListVersions*',
  'lambda:DeleteFunction',
  'lambda:GetAlias',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'lambda:AddPermission',
  'lambda:RemovePermission',
  'lambda:GetPolicy',
  // TagResource and UntagResource (a deploy removes its lambda-deploy:deploying mark when it ends):
  // no other Lambda action ends so; one pattern for IAM's size limit.
  'lambda:*TagResource',
  'lambda:ListTags',
  // ListFunctionUrlConfigs: undeploy looks for a function URL on every function it removes.
  'lambda:ListFunctionU*',
];

/**
 * Create, Get, Delete and Update (invoke-mode: an existing URL switched between BUFFERED and
 * RESPONSE_STREAM): no other Lambda action ends so (ListFunctionUrlConfigs has an s), and one pattern
 * keeps the preview policy under IAM's size limit (test/iam/action-patterns.test.ts).
 */
const FUNCTION_URL_ACTIONS = ['lambda:*FunctionUrlConfig'];

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
/** A deploy to the default bucket checks its lifecycle rule (written last when the bucket is set up). */
const DEFAULT_BUCKET_READ_ACTIONS = [...BUCKET_READ_ACTIONS, 's3:GetLifecycleConfiguration'];

/** Creating the default bucket secure: private, encrypted, owner-enforced, old artifacts expire. */
const BUCKET_SETUP_ACTIONS = [
  's3:CreateBucket',
  's3:PutBucketPublicAccessBlock',
  's3:PutEncryptionConfiguration',
  's3:GetEncryptionConfiguration',
  's3:PutBucketOwnershipControls',
  's3:GetLifecycleConfiguration',
  's3:PutLifecycleConfiguration',
];

/** HeadObject is authorized as s3:GetObject; multipart uploads as s3:PutObject. */
const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'];

/** FilterLogEvents (the only logs action that starts so; see FUNCTION_ACTIONS on patterns). */
const LOG_ACTIONS = ['logs:Filter*', 'logs:DeleteLogGroup', 'logs:ListTagsForResource'];

/** Making a keep-warm rule (PutRule with tags needs TagResource): the production role's only. */
const RULE_WRITE_ACTIONS = ['events:PutRule', 'events:PutTargets', 'events:TagResource'];
const RULE_REMOVAL_ACTIONS = [
  'events:DescribeRule',
  // ListTargetsByRule; ListTagsForResource (see FUNCTION_ACTIONS on patterns).
  'events:ListTargets*',
  'events:RemoveTargets',
  'events:DeleteRule',
  'events:ListTags*',
];

const APIGATEWAY_VERBS = [
  'apigateway:GET',
  'apigateway:POST',
  'apigateway:PATCH',
  'apigateway:PUT',
  'apigateway:DELETE',
];

/**
 * Every IAM write (access levels Write, Permissions management, Tagging) but
 * PassRole, which the preview role needs for its own execution role, by the
 * first letters of IAM's verbs: every write verb starts with A, C, D, E, Pu,
 * R, Se, T or U (Accept, Add, ..., Put, Reject, Remove, Reset, Resync, Send,
 * Set, Tag, Untag, Update, Upload); the reads start with Get, List, Generate
 * and Simulate. Nine patterns instead of one per verb keep the preview policy
 * under IAM's size limit; a verb AWS adds later under one of these letters is
 * denied too, whatever it does. test/iam/sar-model.test.ts checks that these
 * cover every such action AWS lists and no read.
 */
export const IAM_WRITES: readonly string[] = [
  'iam:A*',
  'iam:C*',
  'iam:D*',
  'iam:E*',
  'iam:Pu*',
  'iam:R*',
  'iam:Se*',
  'iam:T*',
  'iam:U*',
];

/**
 * Deny statements name their resources in every partition (`arn:*:`): a role
 * only ever acts in its own partition, so this denies nothing more there, and
 * keeps the policy the same length in GovCloud (`arn:aws-us-gov:`) and China
 * as in the commercial regions.
 */
const DENY_PARTITION = '*';

/**
 * Allow statements too, wherever the ARN names the account or a region: an
 * account lives in one partition and a region belongs to one, so `arn:*:`
 * reaches no resource more than the exact partition did (and the role acts
 * only in its own). S3 ARNs name neither (bucket names are per partition):
 * they keep the exact partition, as do the user's own ARNs (execution-role-arn,
 * layers) and the boundary ARN that a condition compares.
 */
const ALLOW_PARTITION = '*';

const TAG_PREFIX = 'lambda-deploy:';

/**
 * The resources whose names tie them to one stage: its function (with versions
 * and aliases), log group and keep-warm rule. In every region and account (and
 * partition, with DENY_PARTITION): a Deny may be wider than needed, and the
 * policy stays under IAM's size limit.
 */
function stageArns(p: string, project: string, stage: string) {
  const fn = functionName(project, stage);
  const functionArn = `arn:${p}:lambda:*:*:function:${fn}`;
  const logGroup = `arn:${p}:logs:*:*:log-group:/aws/lambda/${fn}`;
  return {
    functions: [functionArn, `${functionArn}:*`],
    logs: [logGroup, `${logGroup}:*`],
    rule: `arn:${p}:events:*:*:rule/${warmRuleName(fn)}`,
  };
}

/** Lower-cased, deduplicated, as the settings module reads protected-stages. */
function protectedStagesOf(options: DeployPolicyOptions): string[] {
  return [...new Set((options.protectedStages ?? DEFAULT_PROTECTED_STAGES).map((s) => s.toLowerCase()))];
}

export function deployRolePolicy(options: DeployPolicyOptions): PolicyDocument {
  const p = options.partition ?? 'aws';
  const { project, region, accountId } = options;
  const preview = options.role === 'preview';
  // Pull-request code would then run as any role that trusts Lambda: an admin one, production's.
  if (preview && !options.managesExecutionRole && !options.executionRoleArn)
    throw new Error(
      'A preview role needs its execution role: give execution-role-arn (a role for previews only) or let lambda-deploy manage one; ' +
        'without either the policy would grant iam:PassRole on every role of the account.',
    );
  const uses = (kind: GatewayKind): boolean => options.gateway === 'all' || options.gateway === kind;
  const a = ALLOW_PARTITION;
  const functions = `arn:${a}:lambda:${region}:${accountId}:function:${project}-*`;
  // An API Gateway ARN names no account: only a region pins its partition.
  const api = `arn:${region === '*' ? p : a}:apigateway:${region}::`;
  const ours = { [`aws:ResourceTag/${TagKeys.Name}`]: project };
  const statements: PolicyStatement[] = [];

  // Calls with no resource, in one statement (IAM's size limit): who the role is, and the list calls
  // with which undeploy and prune find a stage's resources by tag and by name.
  statements.push({
    Sid: 'NoResource',
    Effect: 'Allow',
    Action: ['sts:GetCallerIdentity', 'tag:GetResources', 'events:ListRules'],
    Resource: '*',
  });
  // Listing the region's front doors and log groups; the artifact bucket and the execution roles
  // join them (unconditionalGrants). Listing /apikeys cannot be limited to the project and, with
  // includeValues, shows every key's value in the region: production may (it finds keys by name),
  // a preview may not (it finds its key through its usage plan's links, see
  // src/resources/front-door/rest-api-keys.ts).
  statements.push({
    Sid: UNCONDITIONAL,
    Effect: 'Allow',
    Action: ['apigateway:GET', 'logs:DescribeLogGroups'],
    Resource: [
      `${api}/apis`,
      `${api}/restapis`,
      `${api}/usageplans`,
      ...(preview ? [] : [`${api}/apikeys`]),
      `arn:${a}:logs:${region}:${accountId}:log-group:*`,
    ],
  });

  const functionActions = [...FUNCTION_ACTIONS];
  // gateway none: the smoke test invokes `live` directly.
  if (uses('none')) functionActions.push('lambda:InvokeFunction');
  if (uses('function-url')) functionActions.push(...FUNCTION_URL_ACTIONS);
  // Setting it takes from the account's unreserved concurrency, which production's functions share
  // (IAM has no condition on the count): the preview role only reads and removes it.
  if (options.provisionedConcurrency)
    functionActions.push(
      ...PROVISIONED_CONCURRENCY_ACTIONS.filter(
        (a) => !preview || a !== 'lambda:PutProvisionedConcurrencyConfig',
      ),
    );
  // The functions, their log groups and keep-warm rules, in one statement to keep the policy under
  // IAM's size limit: IAM checks an action only on its own service's resources (a lambda:* action never
  // acts on a log group or a rule, nor a logs:* or events:* action on a function), so it grants no more.
  // A `*` that ends an ARN matches past colons (IAM User Guide, "Using wildcards in resource ARNs"), so
  // `{project}-*` takes in versions and aliases (`:live`, `:7`) as it does log groups' `:*`.
  const logGroups = `arn:${a}:logs:${region}:${accountId}:log-group:/aws/lambda/${project}-*`;
  // Prune takes lambda-deploy's tags off a group a preview made for a function we did not make
  // (src/resources/logs/claimed-log-groups.ts): the production role's only; the preview role needs none.
  const logActions = preview ? LOG_ACTIONS : [...LOG_ACTIONS, 'logs:UntagResource'];
  // A rule's targets are not resources of the rule: IAM cannot keep PutTargets to the preview's own
  // function, so a preview could send chosen events to production's queues. The preview role only
  // finds and removes its rules (undeploy of a preview kept warm before).
  const ruleActions = !options.keepWarm
    ? []
    : preview
      ? RULE_REMOVAL_ACTIONS
      : [...RULE_WRITE_ACTIONS, ...RULE_REMOVAL_ACTIONS];
  const rules = options.keepWarm ? [`arn:${a}:events:${region}:${accountId}:rule/${project}-*`] : [];
  statements.push({
    Sid: 'ProjectFunctions',
    Effect: 'Allow',
    Action: [...functionActions, ...logActions, ...ruleActions],
    Resource: [functions, logGroups, ...rules],
    Condition: { StringEqualsIfExists: ours },
  });

  // A usage plan's key links and API stages name objects IAM never sees (production's key id,
  // production's API stage): the preview role makes, changes and links none, it only reads and
  // deletes its own (undeploy of a preview made with api-key before), so api-key is production's.
  const keys = uses('rest-api') ? ['/usageplans', '/apikeys'] : [];
  const doors = [...(uses('http-api') ? ['/apis'] : []), ...(uses('rest-api') ? ['/restapis'] : [])];
  const made = preview ? doors : [...doors, ...keys];
  // What is made with the project's tags: the function and its log group (a log group's
  // tags-on-create need logs:TagResource too), and the front doors. One statement, as above.
  statements.push({
    Sid: 'CreateAsOurs',
    Effect: 'Allow',
    Action: [
      'lambda:CreateFunction',
      'lambda:TagResource',
      'logs:CreateLogGroup',
      'logs:TagResource',
      ...(made.length ? ['apigateway:POST'] : []),
    ],
    Resource: [functions, logGroups, ...made.map((c) => `${api}${c}`)],
    Condition: { StringEquals: { [`aws:RequestTag/${TagKeys.Name}`]: project } },
  });

  if (options.layers) {
    // Exactly the project's own layer: `{project}-*` would reach the user's own layers and another
    // project's (`shop-admin-deps` for `shop`), which have no tags to tell them apart.
    const layer = `arn:${a}:lambda:${region}:${accountId}:layer:${dependenciesLayerName(project)}`;
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

  statements.push(...artifactStatements(options, p));
  statements.push(...roleStatements(options, p));

  const manage = (collections: string[]): PolicyStatement => ({
    Effect: 'Allow',
    Action: APIGATEWAY_VERBS,
    Resource: collections.map((c) => `${api}${c}/*`),
    Condition: { StringEquals: ours },
  });
  // One statement for every kind of front door: the policy stays under IAM's size limit.
  if (made.length) statements.push({ Sid: 'FrontDoors', ...manage(made) });
  if (preview && keys.length)
    statements.push({
      Sid: 'RemoveOwnApiKeys',
      ...manage(keys),
      Action: ['apigateway:GET', 'apigateway:DELETE'],
    });

  statements.push(...ownershipDenies(options, DENY_PARTITION));
  if (preview)
    statements.push(createOnlyArtifacts(project, DENY_PARTITION), ...previewDenies(options, DENY_PARTITION));
  return policy(unconditionalGrants(statements, ['ArtifactBucket', 'ExecutionRole', 'ExecutionRoles']));
}

const UNCONDITIONAL = 'Unconditional';

/**
 * Folds the Allow statements named (no Condition) into the Unconditional one: one statement instead of
 * several keeps the preview role's policy under IAM's size limit with 14 protected stages. It grants
 * nothing more: IAM checks an action only on its own service's resources, and no service's actions
 * meet another statement's resources of the same service (checked here, so a later edit cannot
 * make a cross product within one service: ListBucket on the artifacts, TagRole on the boundary).
 */
function unconditionalGrants(statements: PolicyStatement[], sids: readonly string[]): PolicyStatement[] {
  const into = statements.find((s) => s.Sid === UNCONDITIONAL)!;
  const folded = statements.filter((s) => s.Sid !== undefined && sids.includes(s.Sid));
  const services = (s: PolicyStatement) => new Set([s.Action ?? []].flat().map((a) => a.split(':')[0]));
  const seen = services(into);
  for (const s of folded) {
    const own = services(s);
    if (
      s.Effect !== 'Allow' ||
      s.Condition ||
      s.NotAction ||
      s.NotResource ||
      [...own].some((x) => seen.has(x))
    )
      throw new Error(`Statement ${s.Sid} cannot join ${UNCONDITIONAL}: it would grant more than it did.`);
    own.forEach((x) => seen.add(x));
    into.Action = [[into.Action ?? []].flat(), [s.Action ?? []].flat()].flat();
    into.Resource = [[into.Resource ?? []].flat(), [s.Resource ?? []].flat()].flat();
  }
  return statements.filter((s) => !folded.includes(s));
}

/**
 * The preview role may only create objects in the project's artifact folder, never overwrite one:
 * packages are content-addressed and reproducible, so a pull request's job could predict the key a
 * production deploy uploads and write its own bytes there between that upload and Lambda's read.
 * S3 ("Enforce conditional writes on Amazon S3 buckets"): PutObject and CompleteMultipartUpload
 * (both s3:PutObject) take `If-None-Match: *`, seen as s3:if-none-match; CreateMultipartUpload and
 * UploadPart (s3:PutObject too) take no conditional header, and s3:ObjectCreationOperation is false
 * for them, so they stay allowed. A copy into the folder (CopyObject) is denied with it. The role has
 * no s3:DeleteObject there (delete, then create). Every bucket (a Deny may be wider): the role writes
 * only to its own. Its slim archives' folder is its own and refreshed by copies: not create-only.
 */
function createOnlyArtifacts(project: string, p: string): PolicyStatement {
  return {
    Sid: 'CreateOnly',
    Effect: 'Deny',
    Action: 's3:PutObject',
    Resource: `arn:${p}:s3:::*/${ARTIFACT_PREFIX}${project}/*`,
    Condition: { Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
  };
}

function artifactStatements(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  const bucket = options.bucket ?? defaultBucketName(options.accountId, options.region);
  // Only production may set the default bucket up; `setup` makes it before any preview runs.
  const setsUp = !options.bucket && options.role !== 'preview';
  return [
    {
      Sid: 'ArtifactBucket',
      Effect: 'Allow',
      Action: options.bucket
        ? BUCKET_READ_ACTIONS
        : setsUp
          ? [...BUCKET_READ_ACTIONS, ...BUCKET_SETUP_ACTIONS]
          : DEFAULT_BUCKET_READ_ACTIONS,
      Resource: `arn:${p}:s3:::${bucket}`,
    },
    {
      // With the slim packages' dependencies archives: a preview job writes only the previews' folder.
      Sid: 'Artifacts',
      Effect: 'Allow',
      Action: OBJECT_ACTIONS,
      Resource: [
        `arn:${p}:s3:::${bucket}/lambda-deploy/${options.project}/*`,
        `arn:${p}:s3:::${bucket}/${
          options.role === 'preview'
            ? slimArchivePrefix(options.project, 'preview')
            : `${SLIM_PREFIX}${options.project}/`
        }*`,
      ],
    },
    // Prune (run with the production role) deletes the slim archives no function version names any more.
    // Not the preview role: a pull request's job has no reason to delete one, and deleting one a
    // kept version still needs would fail its cold starts.
    ...(options.role === 'preview'
      ? []
      : [
          {
            Sid: 'PruneSlimArchives',
            Effect: 'Allow' as const,
            Action: 's3:DeleteObject',
            Resource: `arn:${p}:s3:::${bucket}/${SLIM_PREFIX}${options.project}/*`,
          },
        ]),
  ];
}

/**
 * Execution roles. The preview role only reads and passes the preview
 * execution role. The production role passes either (a single-role setup
 * deploys previews with it too) and may create its own execution role or
 * rewrite its inline policy only with the permissions boundary that `setup`
 * made, which it cannot change (see previewDenies and boundaryDenies).
 */
function roleStatements(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  const { project, accountId } = options;
  const roleArn = (kind: ExecutionRoleKind) =>
    `arn:${ALLOW_PARTITION}:iam::${accountId}:role/${executionRoleName(project, kind)}`;
  const passToLambda = { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } };
  if (!options.managesExecutionRole)
    return [
      {
        Sid: 'PassExecutionRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: options.executionRoleArn ?? `arn:${ALLOW_PARTITION}:iam::${accountId}:role/*`,
        Condition: passToLambda,
      },
    ];
  if (options.role === 'preview')
    return [
      { Sid: 'ExecutionRole', Effect: 'Allow', Action: 'iam:GetRole', Resource: roleArn('preview') },
      {
        Sid: 'PassExecutionRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: roleArn('preview'),
        Condition: passToLambda,
      },
    ];
  const boundary = `arn:${p}:iam::${accountId}:policy/${boundaryPolicyName(project)}`;
  return [
    {
      Sid: 'ExecutionRoles',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:TagRole'],
      Resource: [roleArn('production'), roleArn('preview')],
    },
    {
      // policy-statements are compared with the boundary's: one it lacks grants nothing.
      Sid: 'ReadTheBoundary',
      Effect: 'Allow',
      Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
      Resource: anyPartition(boundary),
    },
    {
      Sid: 'ExecutionRoleUnderBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:PutRolePolicy'],
      Resource: roleArn('production'),
      Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary } },
    },
    {
      Sid: 'PassExecutionRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [roleArn('production'), roleArn('preview')],
      Condition: passToLambda,
    },
    {
      Sid: 'KeepTheBoundary',
      Effect: 'Deny',
      Action: [
        'iam:DeleteRolePermissionsBoundary',
        'iam:PutRolePermissionsBoundary',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicy',
        'iam:DeletePolicyVersion',
        'iam:SetDefaultPolicyVersion',
      ],
      Resource: [roleArn('production'), roleArn('preview'), boundary].map(anyPartition),
    },
  ];
}

/** An ARN of this partition in every partition (DENY_PARTITION, ALLOW_PARTITION: the account pins it). */
function anyPartition(arn: string): string {
  return arn.replace(/^arn:[^:]+:/, `arn:${DENY_PARTITION}:`);
}

/**
 * Reads, on the four services whose resources carry the stage tags: everything
 * else there (any write, now or added later) is what OtherRepositories refuses.
 * Reads stay: a deploy reads a same-named stage of another repository to say
 * whose it is (test/iam/role-grants.test.ts).
 */
export const STAGE_READS: readonly string[] = [
  'lambda:Get*',
  'lambda:List*',
  'apigateway:GET',
  'logs:Describe*',
  'logs:FilterLogEvents',
  'logs:Get*',
  'logs:List*',
  'events:Describe*',
  'events:List*',
];

/**
 * Resources tagged for another repository are never written; those tagged for
 * another project are not touched at all, reads included: no Allow reaches
 * them (every Allow on a tagged resource asks for this project's name), so the
 * Deny refuses nothing the role had, in as few characters as a Deny can
 * (room for NoApiImport under IAM's size limit).
 */
function ownershipDenies(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  const services = ['lambda', 'apigateway', 'logs', 'events'].map((s) => `arn:${p}:${s}:*`);
  const denyWhenTag = (
    sid: string,
    actions: Pick<PolicyStatement, 'Action' | 'NotAction'>,
    key: string,
    allowed: string[],
  ): PolicyStatement => ({
    Sid: sid,
    Effect: 'Deny',
    ...actions,
    Resource: services,
    Condition: {
      Null: { [`aws:ResourceTag/${key}`]: 'false' },
      StringNotEquals: { [`aws:ResourceTag/${key}`]: allowed.length === 1 ? allowed[0]! : allowed },
    },
  });
  const statements = [
    denyWhenTag('OtherProjects', { Action: '*' }, TagKeys.Name, [options.project]),
    noOtherOwnerTag('NotOurName', TagKeys.Name, [options.project]),
  ];
  // A stage deployed from a terminal carries an empty repository tag.
  if (options.repository)
    statements.push(
      denyWhenTag('OtherRepositories', { NotAction: [...STAGE_READS] }, TagKeys.Repository, [
        options.repository,
        '',
      ]),
      noOtherOwnerTag('NotOurRepo', TagKeys.Repository, [options.repository, '']),
    );
  return statements;
}

/**
 * No request may label anything, the role's own resources included, as another
 * project's or repository's: the production deploy of the project named finds
 * its front door by these tags (findHttpApi takes the oldest HTTP API tagged
 * for its stage), and would take one a pull request made, routes and all, for
 * a stage this policy does not protect. The Allow statements that demand the
 * project's name on a create reach neither TagResource on a function nor a
 * stage made under an API of ours, and none asks for the repository. A negated
 * operator is true on an absent key, ForAnyValue false: a request without the
 * tag stays allowed, with no Null test to pay for. Values as the action writes
 * them, case and all (OtherRepositories compares the created resource's so).
 */
function noOtherOwnerTag(sid: string, key: string, allowed: string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      'ForAnyValue:StringNotEquals': {
        [`aws:RequestTag/${key}`]: allowed.length === 1 ? allowed[0]! : allowed,
      },
    },
  };
}

/**
 * The preview role: nothing of a protected stage (by name, and by the stage
 * tag wherever a resource has one), no tag that claims a protected stage, no
 * API Gateway tag writes, no IAM write, and never production's execution role.
 */
function previewDenies(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  const { project } = options;
  const stages = protectedStagesOf(options);
  const always = [
    untaggedFunctions(project, p),
    onlyOurTagKeys(),
    ...noApiReimport(options, p),
    ourInvokersOnly(options),
  ];
  if (!stages.length) return [...always, ...iamDenies(options, p)];
  const named = stages.map((s) => stageArns(p, project, s));
  const stageTag = `aws:ResourceTag/${TagKeys.Stage}`;
  // Reads too: a function's configuration holds its environment (secrets included),
  // an API key its value, a log group what the function printed. Every action: only Lambda,
  // API Gateway, Logs and EventBridge resources carry the stage tag, and a Deny may be wider.
  return [
    ...always,
    {
      Sid: 'ProtectedStages',
      Effect: 'Deny',
      Action: '*',
      Resource: named.flatMap((n) => [...n.functions, ...n.logs, n.rule]),
    },
    {
      Sid: 'ProtectedStageTags',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { [stageTag]: stages } },
    },
    {
      // Nothing may be created or tagged as a protected stage's.
      Sid: 'NoProtectedStageTags',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEqualsIgnoreCase': { [`aws:RequestTag/${TagKeys.Stage}`]: stages } },
    },
    {
      // /tags/{arn} has no resource tags, so a tag write there could relabel anyone's API (reads
      // there are of no use to a preview); listing /apikeys would show every API key's value in the
      // region, production's included.
      Sid: 'NoApiTagsOrKeyListing',
      Effect: 'Deny',
      Action: '*',
      Resource: [`arn:${p}:apigateway:*::/tags/*`, `arn:${p}:apigateway:*::/apikeys`],
    },
    ...iamDenies(options, p),
  ];
}

/**
 * A function or EventBridge rule named `{project}-*` that lambda-deploy did not
 * make (by hand, or another tool's `shop-prod-api`) has no lambda-deploy:name
 * tag, so the IfExists Allow lets it through and no ownership Deny fires: the
 * preview role may neither change it nor read it (a function's configuration
 * holds its environment, GetFunction its code location; a rule's targets their
 * input). Every Lambda action on a function, version or alias and every
 * EventBridge action on a rule takes aws:ResourceTag (test/iam/sar-model.test.ts
 * checks the reference), so only CreateFunction is spared: its request carries
 * the tags, which IAM puts in aws:ResourceTag for a create. One that does not
 * exist has no tags either: the probes get AccessDenied rather than
 * ResourceNotFoundException there (see readStageFunction).
 *
 * Log groups `/aws/lambda/{project}-*` too: a hand-made function's (its lines
 * may hold secrets), or one Lambda made untagged for a stage deployed before
 * the deploy made and tagged its group (ensureFunctionLogGroup). Every
 * CloudWatch Logs action on a log group or log stream takes aws:ResourceTag
 * (sar-model.test.ts again), tagging included, so the preview role cannot tag
 * such a group open either. DescribeLogGroups has no resource (names and
 * sizes, never lines): it is checked on no log group ARN, so this never
 * reaches it. CreateLogGroup is spared like CreateFunction: the group is made
 * with the project's tags (CreateAsOurs demands them), and its
 * tags-on-create check of logs:TagResource sees them as the group's.
 */
function untaggedFunctions(project: string, p: string): PolicyStatement {
  return {
    Sid: 'Untagged',
    Effect: 'Deny',
    NotAction: ['lambda:CreateFunction', 'logs:CreateLogGroup'],
    Resource: [
      `arn:${p}:lambda:*:*:function:${project}-*`,
      `arn:${p}:events:*:*:rule/${project}-*`,
      `arn:${p}:logs:*:*:log-group:/aws/lambda/${project}-*`,
    ],
    Condition: { Null: { [`aws:ResourceTag/${TagKeys.Name}`]: 'true' } },
  };
}

/**
 * IAM reads `aws:RequestTag/KEY` and `aws:ResourceTag/KEY` whatever the
 * key's case, and of two keys that differ only in case it reads one, not both
 * (IAM User Guide, aws:RequestTag); Lambda, API Gateway and Logs keep them
 * apart. `lambda-deploy:stage: main` sent beside `LAMBDA-DEPLOY:STAGE: pr-7`
 * could pass NoProtectedStageTags, and the resource would carry the exact key
 * the production deploy, undeploy and prune read (untagging the other key
 * later would leave it so). The preview writes lambda-deploy's keys as they
 * are spelled and no other: the three the conditions read exactly, the rest
 * by shapes none of those three has in any case (three letters: ref, env; a
 * hyphen: keep-warm, provisioned-concurrency, tmp-before-slim; deploying,
 * deployed; gateway). test/iam/policy-coverage.test.ts sends the keys the
 * code writes: a new one must fit a shape here.
 */
function onlyOurTagKeys(): PolicyStatement {
  const ours = (suffix: string) => `${TAG_PREFIX}${suffix}`;
  return {
    Sid: 'OnlyOurTagKeys',
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      'ForAnyValue:StringNotLike': {
        'aws:TagKeys': [
          TagKeys.Name,
          TagKeys.Stage,
          TagKeys.Repository,
          ours('???'),
          ours('*-*'),
          ours('deploy*'),
          ours('gateway'),
        ],
      },
    },
  };
}

/**
 * Whom a preview may let invoke its functions: only whom the deploy itself
 * lets in, API Gateway (http-api.ts, rest-api.ts: with the API as SourceArn,
 * which IAM cannot see) and the function URL's two public statements
 * (function-url.ts: `*` for lambda:InvokeFunctionUrl with auth type NONE, and
 * `*` for lambda:InvokeFunction only through the URL). A statement granted to
 * another account, a service or everyone would outlive the pull request: a
 * production run that later deploys the stage only warns about it.
 *
 * AddPermission's request keys (Service Authorization Reference, checked by
 * test/iam/sar-model.test.ts): `lambda:Principal` (the request always names
 * one) and `lambda:FunctionUrlAuthType` in the action's list, and
 * `lambda:InvokedViaFunctionUrl` (Bool), whose own entry says "Available during
 * AddPermission operation"; the URL's keys are there only when the request
 * sends them. A negated operator, and any `...IfExists`, is true on an absent
 * key, so the Deny fires on every request that names another principal than
 * API Gateway unless it carries auth type NONE or InvokedViaFunctionUrl true:
 * no principal key, no URL key, InvokedViaFunctionUrl false, auth type
 * AWS_IAM are all denied. Should AWS ever leave InvokedViaFunctionUrl out of
 * the request, the URL's second statement is refused (the deploy stops,
 * naming lambda:AddPermission), never another principal let in. Another
 * principal in the URL's two shapes gets no more than `*` gets there. IAM
 * sees neither the statement's action nor its SourceArn.
 */
function ourInvokersOnly(options: DeployPolicyOptions): PolicyStatement {
  const gateway = options.gateway;
  const api = ['all', 'http-api', 'rest-api'].includes(gateway);
  const url = gateway === 'all' || gateway === 'function-url';
  const notUrl = {
    StringNotEqualsIfExists: { 'lambda:FunctionUrlAuthType': 'NONE' },
    BoolIfExists: { 'lambda:InvokedViaFunctionUrl': 'false' },
  };
  return {
    Sid: 'Invokers',
    Effect: 'Deny',
    Action: 'lambda:AddPermission',
    Resource: '*',
    // No front door (gateway none): no permission at all.
    ...((api || url) && {
      Condition: {
        ...(api && { StringNotEquals: { 'lambda:Principal': 'apigateway.amazonaws.com' } }),
        ...(url && notUrl),
      },
    }),
  };
}

/**
 * ReimportApi (PUT /apis/{id}, the only PUT of HTTP APIs but ImportApi's on /apis) replaces an API
 * with an OpenAPI document whose root `tags` (x-amazon-apigateway-tag-value) become the API's tags,
 * out of IAM's sight: no aws:RequestTag or aws:TagKeys comes from a body, so neither
 * NoProtectedStageTags nor OnlyOurTagKeys could stop a preview labelling its own API a protected
 * stage's (or another project's), and the production deploy takes the oldest HTTP API tagged for its
 * stage, with whatever routes the pull request put there. lambda-deploy never imports an API.
 */
function noApiReimport(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  if (options.gateway !== 'all' && options.gateway !== 'http-api') return [];
  return [
    {
      Sid: 'NoApiImport',
      Effect: 'Deny',
      Action: 'apigateway:PUT',
      Resource: `arn:${p}:apigateway:*::/apis*`,
    },
  ];
}

function iamDenies(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  return [
    { Sid: 'NoIamWrites', Effect: 'Deny', Action: [...IAM_WRITES], Resource: '*' },
    {
      Sid: 'NotProductionExecutionRole',
      Effect: 'Deny',
      Action: 'iam:PassRole',
      Resource: `arn:${p}:iam::${options.accountId}:role/${executionRoleName(options.project, 'production')}`,
    },
  ];
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
      'API Gateway collections (GET /apis, /restapis, /usageplans, /apikeys) cannot be scoped: listing shows every item of the region. Everything below them is limited to resources tagged for this project.',
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
  if (options.role === 'preview')
    notes.push(
      `Preview role: denied every write to the stages ${protectedStagesOf(options).join(', ')} and every IAM write, ` +
        `and every read or write of a function or EventBridge rule named ${options.project}-*, or log group /aws/lambda/${options.project}-*, without the ${TagKeys.Name} tag (one made by hand or by another tool, or a log group Lambda made for a stage deployed before lambda-deploy tagged them).`,
    );
  if (options.role === 'preview')
    notes.push(
      "Preview role: lambda:AddPermission only for API Gateway and the function URL's public statements (what the deploy grants): a pull request cannot let another account, another AWS service or everyone invoke or read a function. Triggers you add yourself (S3, SNS, EventBridge) are for the production role.",
    );
  if (options.role === 'preview' && options.provisionedConcurrency)
    notes.push(
      "Preview role: no lambda:PutProvisionedConcurrencyConfig: it takes from the account's unreserved concurrency, which production's functions share. It may read and remove it; provisioned-concurrency is for stages deployed with the production role.",
    );
  if (options.role === 'preview' && options.keepWarm)
    notes.push(
      "Preview role: no events:PutRule, PutTargets or TagResource: IAM cannot limit a rule's targets, so a pull request could send chosen events to production's queues. It may find and remove its own rules; keep-warm is for stages deployed with the production role.",
    );
  if (options.role === 'preview' && (options.gateway === 'all' || options.gateway === 'rest-api'))
    notes.push(
      "Preview role: no usage plan or API key writes (create, change, link): IAM cannot check which key or API stage a link names, so a pull request could link production's key to its own plan and read it. It may read and delete its own; api-key: true is for stages deployed with the production role.",
    );
  // One execution-role-arn for both roles would run pull-request code with production's runtime permissions.
  if (options.role === 'preview' && !options.managesExecutionRole && options.executionRoleArn)
    notes.push(
      `Preview role: may pass the execution role ${options.executionRoleArn}, so code from a pull request runs with its permissions: make it a role for previews only, never the one production's functions use (policy --role preview --execution-role-arn PREVIEW_ROLE; setup makes a separate preview execution role).`,
    );
  const tooLarge = oversizeProblem({
    input: 'protected-stages',
    what: 'this permissions policy',
    size: policySize(deployRolePolicy(options)),
    limit: IAM_SIZE_LIMITS.roleInlinePolicies,
    quota: INLINE_QUOTA,
    advice: 'IAM refuses it; each protected stage makes it longer, name fewer',
  });
  if (tooLarge) notes.push(tooLarge);
  return notes;
}
