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
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type DescribeRuleCommandOutput,
  type EventBridgeClient,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { AddPermissionCommand, RemovePermissionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type AwsDeps, AwsError, callAws, hasErrorName, isAccessDenied } from '../../aws/aws-call.js';
import type { StageContext } from '../../model/stage-context.js';
import { tagsMatchStage } from '../../model/tags.js';
import { errorMessage } from '../../util/retry.js';

export const WARMUP_INPUT = JSON.stringify({ 'lambda-deploy': 'warmup' });
/** The id of our target on the rule, and of the Lambda permission it needs. */
export const WARM_TARGET_ID = 'lambda-deploy-live';
export const WARM_STATEMENT_ID = 'lambda-deploy-warm';
const MAX_RULE_NAME = 64;
const LIVE = 'live';

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

function isNotFound(error: unknown): boolean {
  return hasErrorName(error, 'ResourceNotFoundException');
}

async function describeRule(
  events: EventBridgeClient,
  name: string,
  deps: AwsDeps,
): Promise<DescribeRuleCommandOutput | undefined> {
  try {
    return await callAws(() => events.send(new DescribeRuleCommand({ Name: name })), deps, {
      what: `Could not read the keep-warm rule ${name}`,
      permission: 'events:DescribeRule',
      passThrough: isNotFound,
    });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function ruleTargets(events: EventBridgeClient, name: string, deps: AwsDeps): Promise<Target[]> {
  const targets: Target[] = [];
  let token: string | undefined;
  do {
    const page = await callAws(
      () => events.send(new ListTargetsByRuleCommand({ Rule: name, NextToken: token })),
      deps,
      {
        what: `Could not list the targets of the keep-warm rule ${name}`,
        permission: 'events:ListTargetsByRule',
      },
    );
    targets.push(...(page.Targets ?? []));
    token = page.NextToken;
  } while (token);
  return targets;
}

async function ruleIsOurs(
  events: EventBridgeClient,
  ruleArn: string,
  context: StageContext,
  deps: AwsDeps,
): Promise<boolean> {
  const response = await callAws(
    () => events.send(new ListTagsForResourceCommand({ ResourceARN: ruleArn })),
    deps,
    {
      what: `Could not read the tags of the keep-warm rule ${ruleArn}`,
      permission: 'events:ListTagsForResource',
    },
  );
  const tags = Object.fromEntries((response.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  return tagsMatchStage(tags, context.tags);
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
  const what = `Could not allow the keep-warm rule to invoke ${functionName}:${LIVE}`;
  try {
    await callAws(
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

  const existing = await describeRule(clients.events, ruleName, deps);
  let targets: Target[] = [];
  if (existing) {
    targets = await ruleTargets(clients.events, ruleName, deps);
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
    deps,
    {
      what: `Could not ${existing ? 'update' : 'create'} the keep-warm rule ${ruleName}`,
      permission: 'events:PutRule',
    },
  );
  const ruleArn = put.RuleArn ?? existing?.Arn;
  if (!ruleArn) throw new AwsError(`PutRule for ${ruleName} returned no rule ARN`, 'NoRuleArn');

  const stale = targets.filter((t) => t.Id && t.Id !== WARM_TARGET_ID).map((t) => t.Id as string);
  if (stale.length) await removeTargets(clients.events, ruleName, stale, deps);
  if (!targetIsCurrent(targets, input.aliasArn, payload)) {
    const result = await callAws(
      () =>
        clients.events.send(
          new PutTargetsCommand({
            Rule: ruleName,
            Targets: [{ Id: WARM_TARGET_ID, Arn: input.aliasArn, Input: payload }],
          }),
        ),
      deps,
      {
        what: `Could not point the keep-warm rule ${ruleName} at ${input.aliasArn}`,
        permission: 'events:PutTargets',
      },
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

async function removeTargets(
  events: EventBridgeClient,
  ruleName: string,
  ids: string[],
  deps: AwsDeps,
): Promise<void> {
  // RemoveTargets takes at most 100 ids per call.
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    await callAws(() => events.send(new RemoveTargetsCommand({ Rule: ruleName, Ids: batch })), deps, {
      what: `Could not remove the targets of the keep-warm rule ${ruleName}`,
      permission: 'events:RemoveTargets',
    });
  }
}

/**
 * Removes the stage's keep-warm rule when it exists and carries the stage's
 * tags (a rule that merely has the name is left alone, with a warning). For
 * deploys with keep-warm unset, and for undeploy. Without any events
 * permission (keep-warm never used, least-privilege policy) there is nothing
 * to remove: AccessDenied on DescribeRule counts as "no rule".
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
    existing = await describeRule(clients.events, ruleName, deps);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    deps.logger.debug(`No events:DescribeRule permission: no keep-warm rule to look for (${ruleName}).`);
    return { ruleName, action: 'none' };
  }
  if (!existing?.Arn) return { ruleName, action: 'none' };
  if (!(await ruleIsOurs(clients.events, existing.Arn, context, deps))) {
    deps.logger.warning(
      `EventBridge rule ${ruleName} does not carry this stage's lambda-deploy tags; left in place.`,
    );
    return { ruleName, ruleArn: existing.Arn, action: 'none' };
  }
  const ids = (await ruleTargets(clients.events, ruleName, deps))
    .map((t) => t.Id)
    .filter((id): id is string => !!id);
  await input.ready;
  if (ids.length) await removeTargets(clients.events, ruleName, ids, deps);
  try {
    await callAws(() => clients.events.send(new DeleteRuleCommand({ Name: ruleName })), deps, {
      what: `Could not delete the keep-warm rule ${ruleName}`,
      permission: 'events:DeleteRule',
      passThrough: isNotFound,
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await revokeRuleInvoke(clients.lambda, context.functionName, deps);
  deps.logger.info(`Keep-warm rule ${ruleName} removed.`);
  return { ruleName, ruleArn: existing.Arn, action: 'removed' };
}

async function revokeRuleInvoke(lambda: LambdaClient, functionName: string, deps: AwsDeps): Promise<void> {
  try {
    await callAws(
      () =>
        lambda.send(
          new RemovePermissionCommand({
            FunctionName: functionName,
            Qualifier: LIVE,
            StatementId: WARM_STATEMENT_ID,
          }),
        ),
      deps,
      {
        what: `Could not remove the keep-warm permission from ${functionName}:${LIVE}`,
        permission: 'lambda:RemovePermission',
        retryable: (error) => hasErrorName(error, 'ResourceConflictException'),
        baseDelayMs: 2_000,
        passThrough: isNotFound,
      },
    );
  } catch (error) {
    // The statement (or the whole function, on undeploy) is already gone.
    if (!isNotFound(error)) throw error;
  }
}
