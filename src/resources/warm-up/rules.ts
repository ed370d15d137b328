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
import {
  callAws,
  findAws,
  isAccessDenied,
  isNotRoleDeny,
  PATIENCE,
  type Patience,
  type RetryDeps,
} from '../../aws/aws-call.js';
import { TagKeys } from '../../model/tags.js';
import type { Labelled, StageSearch } from '../stage/stage-search.js';
import { namedForStage } from '../stage/tag-guard.js';

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

export interface FoundRule extends Labelled {
  name: string;
  arn: string;
  eventBusName?: string;
}

/** The stage's keep-warm rules: by tag (any bus) or by name on the default bus; their own tags decide. */
export async function findStageRules(search: StageSearch): Promise<FoundRule[]> {
  const { clients, deps } = search;
  const { functionName } = search.target;
  const rules = new Map(search.tagged.rules);
  for (const rule of await rulesNamed(clients.events, functionName, deps, PATIENCE.removal)) {
    if (rule.Arn && rule.Name && namedForStage(rule.Name, functionName) && !rules.has(rule.Arn))
      rules.set(rule.Arn, {
        name: rule.Name,
        eventBusName: rule.EventBusName === 'default' ? undefined : rule.EventBusName,
      });
  }
  const found: FoundRule[] = [];
  for (const [arn, rule] of rules) {
    const label = `EventBridge rule ${rule.name}`;
    let tags: Record<string, string> | undefined;
    try {
      tags = await ruleTags(clients.events, arn, deps, PATIENCE.removal);
    } catch (error) {
      // The preview role may not read a rule without the lambda-deploy:name tag: not lambda-deploy's,
      // unless the index lists it as this stage's.
      if (!isAccessDenied(error) || isNotRoleDeny(error) || search.tagged.rules.has(arn)) throw error;
      search.skip(
        label,
        `this role may not read its tags: it has no ${TagKeys.Name} tag, so it is not lambda-deploy's`,
      );
      continue;
    }
    if (!tags) continue;
    const fromIndex = search.tagged.rules.has(arn) && !namedForStage(rule.name, functionName);
    if (search.belongs(label, tags, fromIndex)) found.push({ label, arn, ...rule });
  }
  return found;
}
