/** What the preview role is denied: protected stages, untagged look-alikes, other tag keys, invokers, API imports, IAM writes. */
import type { PolicyStatement } from '../model/policy-document.js';
import { functionName } from '../model/stage-name.js';
import { TagKeys } from '../model/tags.js';
import { executionRoleName } from '../resources/execution-role/execution-policy.js';
import { warmRuleName } from '../resources/warm-up/keep-warm.js';
import { protectedStagesOf, type DeployPolicyOptions } from './deploy-policy-options.js';
import { DELETE_LAYER_VERSION, IAM_WRITES } from './policy-actions.js';

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

/**
 * The preview role: nothing of a protected stage (by name, and by the stage
 * tag wherever a resource has one), no tag that claims a protected stage, no
 * API Gateway tag writes, no IAM write, and never production's execution role.
 */
export function previewDenies(options: DeployPolicyOptions, p: string): PolicyStatement[] {
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
      Sid: 'NoApiTagsOrKeys',
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

/**
 * Every IAM write, and (in the same statement, for IAM's size limit) deleting a version of any
 * layer: the dependencies layer is every stage's, production's functions attach its versions
 * (which carry no tags), and a deleted number is gone for good. A preview never deletes one; its
 * prune keeps them, told by this Deny (pruneLayerVersions).
 */
function iamDenies(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  return [
    {
      Sid: 'NoIamWrites',
      Effect: 'Deny',
      Action: [...IAM_WRITES, DELETE_LAYER_VERSION],
      Resource: '*',
    },
    {
      Sid: 'NotProductionExecutionRole',
      Effect: 'Deny',
      Action: 'iam:PassRole',
      Resource: `arn:${p}:iam::${options.accountId}:role/${executionRoleName(options.project, 'production')}`,
    },
  ];
}
