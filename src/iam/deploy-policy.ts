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
import { TagKeys } from '../model/tags.js';
import type { GatewayKind } from '../model/settings.js';
import { policy, type PolicyDocument, type PolicyStatement } from '../model/policy-document.js';
import { dependenciesLayerName } from '../resources/layers/dependencies-layer.js';
import { artifactStatements, createOnlyArtifacts } from './artifact-statements.js';
import type { DeployPolicyOptions } from './deploy-policy-options.js';
import { roleStatements } from './execution-role-statements.js';
import { ownershipDenies } from './ownership-denies.js';
import {
  APIGATEWAY_VERBS,
  DELETE_LAYER_VERSION,
  FUNCTION_ACTIONS,
  FUNCTION_URL_ACTIONS,
  LAYER_ACTIONS,
  LOG_ACTIONS,
  PROVISIONED_CONCURRENCY_ACTIONS,
  PUT_PROVISIONED_CONCURRENCY,
  RULE_REMOVAL_ACTIONS,
  RULE_WRITE_ACTIONS,
} from './policy-actions.js';
import { ALLOW_PARTITION, DENY_PARTITION } from './policy-partitions.js';
import { previewDenies } from './preview-denies.js';
import { UNCONDITIONAL, unconditionalGrants } from './unconditional-grants.js';

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
      ...PROVISIONED_CONCURRENCY_ACTIONS.filter((a) => !preview || a !== PUT_PROVISIONED_CONCURRENCY),
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
      Action: preview ? LAYER_ACTIONS.filter((a) => a !== DELETE_LAYER_VERSION) : LAYER_ACTIONS,
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
  // A stage's access log destination is any log group (production's too), written with API Gateway's
  // own role, out of IAM's sight but for this key: the preview role sends none (lambda-deploy never does).
  const noAccessLogs = { Null: { 'apigateway:Request/AccessLoggingDestination': 'true' } };
  // One statement for every kind of front door: the policy stays under IAM's size limit.
  if (made.length) {
    const doors = manage(made);
    if (preview) doors.Condition = { ...doors.Condition, ...noAccessLogs };
    statements.push({ Sid: 'FrontDoors', ...doors });
  }
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
