/**
 * EventBridge (JSON 1.1), the default event bus: rules with a schedule or a
 * pattern, their targets and tags. A rule that still has targets cannot be
 * deleted; tags given to PutRule count only when it creates the rule.
 */
import { ACCOUNT_ID, arn } from '../account.js';
import { fault } from '../errors.js';
import type { ServiceContext } from '../service.js';
import type { EventRule } from '../state.js';
import { jsonPage, jsonService } from './json-protocol.js';

const BUS = 'default';
const validation = (message: string) => fault('events', 'ValidationException', message);

function ruleOf(ctx: ServiceContext, name: unknown): EventRule {
  const rule = ctx.account.rules.get(String(name ?? ''));
  if (!rule)
    throw fault(
      'events',
      'ResourceNotFoundException',
      `Rule ${String(name)} does not exist on EventBus ${BUS}.`,
    );
  return rule;
}

function checkBus(body: Record<string, unknown>): void {
  if (
    body.EventBusName !== undefined &&
    body.EventBusName !== BUS &&
    !String(body.EventBusName).endsWith(':event-bus/default')
  )
    throw fault(
      'events',
      'ResourceNotFoundException',
      `Event bus ${String(body.EventBusName)} does not exist.`,
    );
}

function putRule(ctx: ServiceContext, body: Record<string, unknown>) {
  checkBus(body);
  const name = String(body.Name ?? '');
  if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name))
    throw validation(
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
    );
  const schedule = body.ScheduleExpression as string | undefined;
  if (!schedule && !body.EventPattern)
    throw validation('Parameter(s) ScheduleExpression or EventPattern must be specified.');
  if (schedule && !/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/.test(schedule))
    throw validation('Parameter ScheduleExpression is not valid.');
  if (schedule) {
    const m = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(schedule);
    if (m && (m[1] === '1') !== (m[3] === '')) throw validation('Parameter ScheduleExpression is not valid.');
  }
  const existing = ctx.account.rules.get(name);
  const rule: EventRule = {
    Name: name,
    Arn: arn.rule(name),
    ...(schedule ? { ScheduleExpression: schedule } : {}),
    ...(body.EventPattern ? { EventPattern: String(body.EventPattern) } : {}),
    State: String(body.State ?? 'ENABLED'),
    ...(body.Description !== undefined ? { Description: String(body.Description) } : {}),
    EventBusName: BUS,
    // Tags count only when PutRule creates the rule.
    tags: existing
      ? existing.tags
      : Object.fromEntries(
          ((body.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
        ),
    targets: existing?.targets ?? new Map(),
  };
  ctx.account.rules.set(name, rule);
  return { RuleArn: rule.Arn };
}

function ruleJson(rule: EventRule) {
  return {
    Name: rule.Name,
    Arn: rule.Arn,
    ...(rule.ScheduleExpression ? { ScheduleExpression: rule.ScheduleExpression } : {}),
    ...(rule.EventPattern ? { EventPattern: rule.EventPattern } : {}),
    State: rule.State,
    ...(rule.Description !== undefined ? { Description: rule.Description } : {}),
    EventBusName: rule.EventBusName,
  };
}

export const eventsService = jsonService('events', {
  PutRule: putRule,
  DescribeRule: (ctx, body) => {
    checkBus(body);
    return { ...ruleJson(ruleOf(ctx, body.Name)), CreatedBy: ACCOUNT_ID };
  },
  DeleteRule: (ctx, body) => {
    const rule = ruleOf(ctx, body.Name);
    if (rule.targets.size) throw validation("Rule can't be deleted since it has targets.");
    ctx.account.rules.delete(rule.Name);
    return {};
  },
  ListRules: (ctx, body) => {
    const prefix = String(body.NamePrefix ?? '');
    const rules = [...ctx.account.rules.values()]
      .filter((r) => r.Name.startsWith(prefix))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const page = jsonPage(ctx, 'events', rules, body.NextToken, body.Limit, `ListRules:${prefix}`, {
      defaultSize: 100,
      maxSize: 100,
    });
    return { Rules: page.items.map(ruleJson), ...(page.next ? { NextToken: page.next } : {}) };
  },
  PutTargets: (ctx, body) => {
    const rule = ruleOf(ctx, body.Rule);
    const targets = (body.Targets ?? []) as { Id: string; Arn: string; Input?: string }[];
    if (!targets.length) throw validation('Targets must not be empty.');
    const ids = new Set([...rule.targets.keys(), ...targets.map((t) => t.Id)]);
    if (ids.size > 5)
      throw fault(
        'events',
        'LimitExceededException',
        'The requested resource exceeds the maximum number allowed.',
      );
    for (const t of targets)
      rule.targets.set(t.Id, { Id: t.Id, Arn: t.Arn, ...(t.Input !== undefined ? { Input: t.Input } : {}) });
    return { FailedEntryCount: 0, FailedEntries: [] };
  },
  ListTargetsByRule: (ctx, body) => {
    const rule = ruleOf(ctx, body.Rule);
    const page = jsonPage(
      ctx,
      'events',
      [...rule.targets.values()],
      body.NextToken,
      body.Limit,
      `ListTargetsByRule:${rule.Name}`,
      {
        defaultSize: 100,
        maxSize: 100,
      },
    );
    return { Targets: page.items, ...(page.next ? { NextToken: page.next } : {}) };
  },
  RemoveTargets: (ctx, body) => {
    const rule = ruleOf(ctx, body.Rule);
    const ids = (body.Ids ?? []) as string[];
    if (ids.length < 1 || ids.length > 100)
      throw validation(
        `1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100`,
      );
    for (const id of ids) rule.targets.delete(id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  },
  ListTagsForResource: (ctx, body) => {
    const name = String(body.ResourceARN ?? '').split(':rule/')[1];
    return { Tags: Object.entries(ruleOf(ctx, name).tags).map(([Key, Value]) => ({ Key, Value })) };
  },
  TagResource: (ctx, body) => {
    const name = String(body.ResourceARN ?? '').split(':rule/')[1];
    const rule = ruleOf(ctx, name);
    for (const t of (body.Tags ?? []) as { Key: string; Value: string }[]) rule.tags[t.Key] = t.Value;
    return {};
  },
});
