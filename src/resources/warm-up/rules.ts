/**
 * EventBridge rules, as keep-warm makes them and undeploy finds them: their
 * targets, their tags, and the one way to remove a rule (its targets first:
 * EventBridge refuses to delete a rule that still has any).
 */
import {
  DeleteRuleCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
  type EventBridgeClient,
  type Rule,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { allPages } from '../../aws/all-pages.js';
import { callAws, findAws, PATIENCE, type Patience, type RetryDeps } from '../../aws/aws-call.js';

/** A rule by name and event bus (undefined: the default bus). */
export interface RuleRef {
  name: string;
  eventBusName?: string;
}

/** Every target of a rule (none when the rule is gone). */
export async function ruleTargets(
  events: EventBridgeClient,
  rule: RuleRef,
  deps: RetryDeps,
  patience: Patience = PATIENCE.quick,
): Promise<Target[]> {
  return allPages(
    (token) =>
      findAws(
        deps,
        {
          what: `list the targets of the EventBridge rule ${rule.name}`,
          permission: 'events:ListTargetsByRule',
          patience,
        },
        () =>
          events.send(
            new ListTargetsByRuleCommand({
              Rule: rule.name,
              EventBusName: rule.eventBusName,
              NextToken: token,
            }),
          ),
      ),
    (page) => page?.Targets,
    (page) => page?.NextToken,
  );
}

/** Removes targets by id, at most 100 a call (EventBridge's limit). */
export async function removeTargets(
  events: EventBridgeClient,
  rule: RuleRef,
  ids: readonly string[],
  deps: RetryDeps,
  patience: Patience = PATIENCE.quick,
): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    await findAws(
      deps,
      {
        what: `remove the targets of the EventBridge rule ${rule.name}`,
        permission: 'events:RemoveTargets',
        patience,
      },
      () =>
        events.send(
          new RemoveTargetsCommand({ Rule: rule.name, EventBusName: rule.eventBusName, Ids: batch }),
        ),
    );
  }
}

/** Removes a rule and its targets; false when it was already gone. */
export async function removeRule(
  events: EventBridgeClient,
  rule: RuleRef,
  deps: RetryDeps,
  patience: Patience = PATIENCE.quick,
): Promise<boolean> {
  const ids = (await ruleTargets(events, rule, deps, patience))
    .map((t) => t.Id)
    .filter((id): id is string => !!id);
  if (ids.length) await removeTargets(events, rule, ids, deps, patience);
  const deleted = await findAws(
    deps,
    { what: `delete the EventBridge rule ${rule.name}`, permission: 'events:DeleteRule', patience },
    async () =>
      (await events.send(new DeleteRuleCommand({ Name: rule.name, EventBusName: rule.eventBusName }))) ??
      true,
  );
  return deleted !== undefined;
}

/** A rule's tags as a map; undefined when the rule is gone. */
export async function ruleTags(
  events: EventBridgeClient,
  ruleArn: string,
  deps: RetryDeps,
  patience: Patience = PATIENCE.quick,
): Promise<Record<string, string> | undefined> {
  const response = await findAws(
    deps,
    {
      what: `read the tags of the EventBridge rule ${ruleArn}`,
      permission: 'events:ListTagsForResource',
      patience,
    },
    () => events.send(new ListTagsForResourceCommand({ ResourceARN: ruleArn })),
  );
  if (!response) return undefined;
  return Object.fromEntries((response.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/** The default bus's rules whose name starts with `prefix`. */
export async function rulesNamed(
  events: EventBridgeClient,
  prefix: string,
  deps: RetryDeps,
  patience: Patience = PATIENCE.quick,
): Promise<Rule[]> {
  return allPages(
    (token) =>
      callAws(
        deps,
        { what: `list the EventBridge rules named ${prefix}*`, permission: 'events:ListRules', patience },
        () => events.send(new ListRulesCommand({ NamePrefix: prefix, NextToken: token })),
      ),
    (page) => page.Rules,
    (page) => page.NextToken,
  );
}
