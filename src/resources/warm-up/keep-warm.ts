/**
 * `keep-warm`: an EventBridge schedule that pings the alias `live`, so a
 * stage that gets little traffic keeps a warm execution environment.
 *
 * The ping is `{"lambda-deploy":"warmup"}`. The WSGI/ASGI adapter answers it
 * without running the app; with keep-warm a plain handler is packaged behind
 * a small wrapper (`_lambda_deploy_warm`) that answers it without calling the
 * user's code. `input` replaces the payload when needed.
 */
import { createHash } from 'node:crypto';
import {
  DescribeRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type DescribeRuleCommandOutput,
  type EventBridgeClient,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { AddPermissionCommand, RemovePermissionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  type AwsDeps,
  AwsError,
  callAws,
  findAws,
  hasErrorName,
  isAccessDenied,
  isNotRoleDeny,
} from '../../aws/aws-call.js';
import type { StageContext } from '../../model/stage-context.js';
import { TagKeys, tagsMatchStage } from '../../model/tags.js';
import { errorMessage } from '../../util/retry.js';
import { LIVE_ALIAS as LIVE } from '../../model/live-alias.js';
import { removeRule, removeTargets, ruleTags, ruleTargets } from './rules.js';

/** Said when a rule write is denied: the preview role's policy leaves them out on purpose. */
const PREVIEW_ROLE_NO_RULES =
  'The preview role may not create EventBridge rules or targets: IAM cannot limit which target a rule sends events to, ' +
  "so a pull request could send chosen events to production's queues. Set keep-warm only on stages deployed with the production role.";

export const WARMUP_INPUT = JSON.stringify({ 'lambda-deploy': 'warmup' });
/** The id of our target on the rule, and of the Lambda permission it needs. */
export const WARM_TARGET_ID = 'lambda-deploy-live';
export const WARM_STATEMENT_ID = 'lambda-deploy-warm';
const MAX_RULE_NAME = 64;

/** `{function}-warm`, shortened with a hash past EventBridge's 64 characters (the project prefix stays). */
export function warmRuleName(functionName: string): string {
  const full = `${functionName}-warm`;
  if (full.length <= MAX_RULE_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${functionName.slice(0, MAX_RULE_NAME - 14).replace(/-+$/, '')}-${hash}-warm`;
}

export interface KeepWarmInput {
  context: StageContext;
  /** The `keep-warm` input; unset removes a rule this stage had. */
  schedule?: string;
  /** ARN of the alias `live`: the rule's target. */
  aliasArn: string;
  /** The event sent; default {"lambda-deploy":"warmup"}. */
  input?: string;
  /**
   * Set when the rule is looked at while the function deploys: settles once
   * `live` points at the new version (rejects when that failed). The rule is
   * read meanwhile; nothing is written before.
   */
  ready?: Promise<unknown>;
}

export interface KeepWarmResult {
  ruleName: string;
  ruleArn?: string;
  action: 'created' | 'updated' | 'unchanged' | 'removed' | 'none';
}

type Clients = { events: EventBridgeClient; lambda: LambdaClient };

async function describeRule(
  events: EventBridgeClient,
  name: string,
  deps: AwsDeps,
  /** What a denial names: the permission, and why the rule was read. */
  denied: { permission: string; deniedHint?: string } = { permission: 'events:DescribeRule' },
): Promise<DescribeRuleCommandOutput | undefined> {
  return findAws(
    deps,
    { what: `read the keep-warm rule ${name}`, ...denied, absent: ['ResourceNotFoundException'] },
    () => events.send(new DescribeRuleCommand({ Name: name })),
  );
}

/**
 * The keep-warm rule before it is written. The role's own Deny on it is the
 * preview role's, on every rule without the lambda-deploy:name tag (one not
 * made yet too): nothing is written to a rule that could not be read (PutRule
 * would change it), and the error says keep-warm is the production role's.
 */
async function readRuleToWrite(
  events: EventBridgeClient,
  ruleName: string,
  deps: AwsDeps,
): Promise<DescribeRuleCommandOutput | undefined> {
  try {
    return await describeRule(events, ruleName, deps);
  } catch (error) {
    if (!isAccessDenied(error) || isNotRoleDeny(error)) throw error;
    throw new AwsError(
      `Could not read the keep-warm rule ${ruleName}: this role's policy refuses it, as the preview role's refuses ` +
        `every rule without the ${TagKeys.Name} tag. ${PREVIEW_ROLE_NO_RULES}`,
      'AccessDenied',
      { cause: error },
    );
  }
}

async function ruleIsOurs(
  events: EventBridgeClient,
  ruleArn: string,
  context: StageContext,
  deps: AwsDeps,
): Promise<boolean> {
  const tags = await ruleTags(events, ruleArn, deps);
  return !!tags && tagsMatchStage(tags, context.tags);
}

function targetIsCurrent(targets: Target[], aliasArn: string, input: string): boolean {
  return (
    targets.length === 1 &&
    targets[0]?.Id === WARM_TARGET_ID &&
    targets[0].Arn === aliasArn &&
    targets[0].Input === input
  );
}

/** "The statement id (x) provided already exists". */
function isStatementExists(error: unknown): boolean {
  return hasErrorName(error, 'ResourceConflictException') && /already exists/i.test(errorMessage(error));
}

async function allowRuleToInvoke(
  lambda: LambdaClient,
  functionName: string,
  ruleArn: string,
  deps: AwsDeps,
): Promise<void> {
  const what = `allow the keep-warm rule to invoke ${functionName}:${LIVE}`;
  try {
    await callAws(
      deps,
      {
        what,
        permission: 'lambda:AddPermission',
        // ResourceConflictException also means "an update is in progress": wait it out.
        retryable: (error) => hasErrorName(error, 'ResourceConflictException') && !isStatementExists(error),
        baseDelayMs: 2_000,
        attempts: 8,
        passThrough: isStatementExists,
      },
      () =>
        lambda.send(
          new AddPermissionCommand({
            FunctionName: functionName,
            Qualifier: LIVE,
            StatementId: WARM_STATEMENT_ID,
            Action: 'lambda:InvokeFunction',
            Principal: 'events.amazonaws.com',
            SourceArn: ruleArn,
          }),
        ),
    );
  } catch (error) {
    // The rule's name (and so its ARN) never changes, so an existing statement is ours and current.
    if (!isStatementExists(error)) throw error;
    deps.logger.debug(`${WARM_STATEMENT_ID} was already allowed on ${functionName}:${LIVE}.`);
  }
}

/**
 * Creates, updates or removes the stage's keep-warm rule. An unchanged rule
 * costs DescribeRule and ListTargetsByRule, nothing else.
 */
export async function ensureKeepWarm(
  clients: Clients,
  input: KeepWarmInput,
  deps: AwsDeps,
): Promise<KeepWarmResult> {
  const { context } = input;
  const ruleName = warmRuleName(context.functionName);
  const payload = input.input ?? WARMUP_INPUT;

  if (!input.schedule) return removeKeepWarm(clients, { context, ready: input.ready }, deps);

  const existing = await readRuleToWrite(clients.events, ruleName, deps);
  let targets: Target[] = [];
  if (existing) {
    targets = await ruleTargets(clients.events, { name: ruleName }, deps);
    const sameRule = existing.ScheduleExpression === input.schedule && existing.State === 'ENABLED';
    if (sameRule && targetIsCurrent(targets, input.aliasArn, payload)) {
      deps.logger.debug(`Keep-warm rule ${ruleName} is unchanged (${input.schedule}).`);
      return { ruleName, ruleArn: existing.Arn, action: 'unchanged' };
    }
    if (!existing.Arn || !(await ruleIsOurs(clients.events, existing.Arn, context, deps)))
      throw new AwsError(
        `The EventBridge rule ${ruleName} exists but does not carry this stage's lambda-deploy tags; lambda-deploy will not take it over. Delete or rename it, or remove keep-warm.`,
        'RuleNotOurs',
      );
  }

  await input.ready;
  const put = await callAws(
    deps,
    {
      what: `${existing ? 'update' : 'create'} the keep-warm rule ${ruleName}`,
      permission: 'events:PutRule',
      deniedHint: PREVIEW_ROLE_NO_RULES,
    },
    () =>
      clients.events.send(
        new PutRuleCommand({
          Name: ruleName,
          ScheduleExpression: input.schedule,
          State: 'ENABLED',
          Description: `lambda-deploy keep-warm for ${context.functionName}:${LIVE}`,
          // Tags only count when the rule is created; an update leaves them as they are.
          ...(existing ? {} : { Tags: Object.entries(context.tags).map(([Key, Value]) => ({ Key, Value })) }),
        }),
      ),
  );
  const ruleArn = put.RuleArn ?? existing?.Arn;
  if (!ruleArn) throw new AwsError(`PutRule for ${ruleName} returned no rule ARN`, 'NoRuleArn');

  const stale = targets.filter((t) => t.Id && t.Id !== WARM_TARGET_ID).map((t) => t.Id as string);
  if (stale.length) await removeTargets(clients.events, { name: ruleName }, stale, deps);
  if (!targetIsCurrent(targets, input.aliasArn, payload)) {
    const result = await callAws(
      deps,
      {
        what: `point the keep-warm rule ${ruleName} at ${input.aliasArn}`,
        permission: 'events:PutTargets',
        deniedHint: PREVIEW_ROLE_NO_RULES,
      },
      () =>
        clients.events.send(
          new PutTargetsCommand({
            Rule: ruleName,
            Targets: [{ Id: WARM_TARGET_ID, Arn: input.aliasArn, Input: payload }],
          }),
        ),
    );
    if (result.FailedEntryCount) {
      const failed = result.FailedEntries?.[0];
      throw new AwsError(
        `Could not point the keep-warm rule ${ruleName} at ${input.aliasArn}: ${failed?.ErrorCode ?? 'failed'}: ${failed?.ErrorMessage ?? ''}`.trim(),
        failed?.ErrorCode ?? 'PutTargetsFailed',
      );
    }
  }
  await allowRuleToInvoke(clients.lambda, context.functionName, ruleArn, deps);
  deps.logger.info(
    `Keep-warm rule ${ruleName} ${existing ? 'updated' : 'created'}: ${input.schedule} pings ${context.functionName}:${LIVE}.`,
  );
  return { ruleName, ruleArn, action: existing ? 'updated' : 'created' };
}

/**
 * Removes the stage's keep-warm rule when it exists and carries the stage's
 * tags (a rule that merely has the name is left alone, with a warning): for
 * deploys with keep-warm unset (undeploy finds rules by tag and name, see
 * findStageRules). The role's own Deny on DescribeRule is the preview role's on
 * a rule without the lambda-deploy:name tag, or none: not this stage's, left.
 * Any other denial (no Allow: a least-privilege policy without keep-warm; a
 * service control policy) cannot tell whether the stage's rule is there: the
 * deploy goes on and says so, naming the permissions, since a rule left
 * keeps invoking the function. A denied removal of our rule fails.
 */
export async function removeKeepWarm(
  clients: Clients,
  input: { context: StageContext; ready?: Promise<unknown> },
  deps: AwsDeps,
): Promise<KeepWarmResult> {
  const { context } = input;
  const ruleName = warmRuleName(context.functionName);
  let existing: DescribeRuleCommandOutput | undefined;
  try {
    existing = await describeRule(clients.events, ruleName, deps, {
      permission:
        'events:DescribeRule, events:ListTagsForResource, events:ListTargetsByRule, events:RemoveTargets ' +
        `and events:DeleteRule on rule/${context.project}-*`,
      deniedHint:
        `keep-warm is unset, so the deploy removes the stage's rule if it has one: if it had keep-warm, ` +
        `its rule is left and still invokes ${context.functionName}:${LIVE}.`,
    });
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    // Info, not a warning: a policy made without keep-warm has no events permission at all, on every deploy.
    if (isNotRoleDeny(error)) deps.logger.info(errorMessage(error));
    else
      deps.logger.debug(
        `This role's policy refuses the keep-warm rule ${ruleName}: it has no ${TagKeys.Name} tag, or is not there; not this stage's.`,
      );
    return { ruleName, action: 'none' };
  }
  if (!existing?.Arn) return { ruleName, action: 'none' };
  if (!(await ruleIsOurs(clients.events, existing.Arn, context, deps))) {
    deps.logger.warning(
      `EventBridge rule ${ruleName} does not carry this stage's lambda-deploy tags; left in place.`,
    );
    return { ruleName, ruleArn: existing.Arn, action: 'none' };
  }
  await input.ready;
  await removeRule(clients.events, { name: ruleName }, deps);
  await revokeRuleInvoke(clients.lambda, context.functionName, deps);
  deps.logger.info(`Keep-warm rule ${ruleName} removed.`);
  return { ruleName, ruleArn: existing.Arn, action: 'removed' };
}

async function revokeRuleInvoke(lambda: LambdaClient, functionName: string, deps: AwsDeps): Promise<void> {
  // The statement (or the whole function, on undeploy) may already be gone.
  await findAws(
    deps,
    {
      what: `remove the keep-warm permission from ${functionName}:${LIVE}`,
      permission: 'lambda:RemovePermission',
      retryable: (error) => hasErrorName(error, 'ResourceConflictException'),
      baseDelayMs: 2_000,
      absent: ['ResourceNotFoundException'],
    },
    () =>
      lambda.send(
        new RemovePermissionCommand({
          FunctionName: functionName,
          Qualifier: LIVE,
          StatementId: WARM_STATEMENT_ID,
        }),
      ),
  );
}
