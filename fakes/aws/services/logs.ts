/**
 * CloudWatch Logs (JSON 1.1): log groups with tags and events. FilterLogEvents
 * pages with nextToken; an event the test gave without a time is placed
 * inside the window asked for, as if the function logged it during the run,
 * and one without a stream is in the stream asked for. logStreamNamePrefix
 * and logStreamNames select streams, and (as AWS) not both at once.
 */
import { arn, type Tags } from '../account.js';
import { fault } from '../errors.js';
import type { ServiceContext } from '../service.js';
import type { LogGroup } from '../state.js';
import { jsonPage, jsonService } from './json-protocol.js';

const missing = () => fault('logs', 'ResourceNotFoundException', 'The specified log group does not exist.');

function groupOf(ctx: ServiceContext, body: Record<string, unknown>): LogGroup {
  const identifier = String(body.logGroupName ?? body.logGroupIdentifier ?? '');
  const name = identifier.includes(':log-group:')
    ? (identifier.split(':log-group:')[1] as string).replace(/:\*$/, '')
    : identifier;
  const group = ctx.account.logGroups.get(name);
  if (!group) throw missing();
  return group;
}

function groupByArn(ctx: ServiceContext, resourceArn: unknown): LogGroup {
  const m = /:log-group:(.+?)(?::\*)?$/.exec(String(resourceArn ?? ''));
  const group = m ? ctx.account.logGroups.get(m[1] as string) : undefined;
  if (!group) throw missing();
  return group;
}

const ANY_STREAM_ID = '0123456789abcdef0123456789abcdef';

/** The streams a FilterLogEvents asks for, and the name an event given without one gets. */
function streamSelection(body: Record<string, unknown>) {
  const prefix = typeof body.logStreamNamePrefix === 'string' ? body.logStreamNamePrefix : undefined;
  const names = Array.isArray(body.logStreamNames) ? body.logStreamNames.map(String) : undefined;
  if (prefix !== undefined && names)
    throw fault(
      'logs',
      'InvalidParameterException',
      'Cannot specify both logStreamNamePrefix and logStreamNames.',
    );
  const asked = names?.[0] ?? `${prefix ?? '2025/01/01/[$LATEST]'}${ANY_STREAM_ID}`;
  const selects = (stream: string) =>
    names ? names.includes(stream) : prefix === undefined || stream.startsWith(prefix);
  return { asked, selects };
}

function filterLogEvents(ctx: ServiceContext, body: Record<string, unknown>) {
  const group = groupOf(ctx, body);
  const start = Number(body.startTime ?? 0);
  const end = Number(body.endTime ?? ctx.clock.now());
  const limit = Number(body.limit ?? 10_000);
  if (limit < 1 || limit > 10_000)
    throw fault(
      'logs',
      'InvalidParameterException',
      "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
    );
  const terms = String(body.filterPattern ?? '')
    .split(/\s+/)
    .filter(Boolean);
  // AWS may hand out empty pages with a next token before the events: `searching-N` tokens.
  const searching = /^searching-(\d+)$/.exec(String(body.nextToken ?? ''));
  const searched = searching ? Number(searching[1]) : body.nextToken ? Infinity : 0;
  if (searched < (group.emptyPagesFirst ?? 0))
    return { events: [], searchedLogStreams: [], nextToken: `searching-${searched + 1}` };
  const token = searching ? undefined : body.nextToken;
  const streams = streamSelection(body);
  const placed = group.events.map((e, i) => ({
    timestamp: e.timestamp ?? Math.min(end, start + i),
    message: e.message,
    logStreamName: e.logStreamName ?? streams.asked,
  }));
  const matching = placed.filter(
    (e) =>
      e.timestamp >= start &&
      e.timestamp <= end &&
      streams.selects(e.logStreamName) &&
      terms.every((t) => e.message.includes(t.replace(/^"|"$/g, ''))),
  );
  const page = jsonPage(
    ctx,
    'logs',
    matching,
    token,
    limit,
    `FilterLogEvents:${group.name}:${start}:${end}`,
    {
      defaultSize: 10_000,
      maxSize: 10_000,
    },
  );
  return {
    events: page.items.map((e, i) => ({
      logStreamName: e.logStreamName,
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: e.timestamp + 100,
      eventId: `${e.timestamp}${String(i).padStart(8, '0')}`,
    })),
    searchedLogStreams: [],
    ...(page.next ? { nextToken: page.next } : {}),
  };
}

export const logsService = jsonService('logs', {
  FilterLogEvents: filterLogEvents,
  DescribeLogGroups: (ctx, body) => {
    const prefix = String(body.logGroupNamePrefix ?? '');
    const groups = [...ctx.account.logGroups.values()]
      .filter((g) => g.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = jsonPage(ctx, 'logs', groups, body.nextToken, body.limit, `DescribeLogGroups:${prefix}`, {
      defaultSize: 50,
      maxSize: 50,
    });
    return {
      logGroups: page.items.map((g) => ({
        logGroupName: g.name,
        arn: `${arn.logGroup(g.name)}:*`,
        logGroupArn: arn.logGroup(g.name),
        creationTime: g.createdAt,
        storedBytes: g.events.reduce((sum, e) => sum + e.message.length, 0),
      })),
      ...(page.next ? { nextToken: page.next } : {}),
    };
  },
  CreateLogGroup: (ctx, body) => {
    const name = String(body.logGroupName ?? '');
    if (ctx.account.logGroups.has(name))
      throw fault('logs', 'ResourceAlreadyExistsException', 'The specified log group already exists');
    ctx.account.logGroups.set(name, {
      name,
      createdAt: ctx.clock.now(),
      tags: { ...((body.tags ?? {}) as Tags) },
      events: [],
    });
    return {};
  },
  DeleteLogGroup: (ctx, body) => {
    ctx.account.logGroups.delete(groupOf(ctx, body).name);
    return {};
  },
  ListTagsForResource: (ctx, body) => ({ tags: { ...groupByArn(ctx, body.resourceArn).tags } }),
  ListTagsLogGroup: (ctx, body) => ({ tags: { ...groupOf(ctx, body).tags } }),
  TagResource: (ctx, body) => {
    Object.assign(groupByArn(ctx, body.resourceArn).tags, (body.tags ?? {}) as Tags);
    return {};
  },
  // As AWS: 1 to 50 keys; a key the group does not carry is no error.
  UntagResource: (ctx, body) => {
    const group = groupByArn(ctx, body.resourceArn);
    const keys = Array.isArray(body.tagKeys) ? body.tagKeys.map(String) : [];
    if (keys.length < 1 || keys.length > 50)
      throw fault(
        'logs',
        'InvalidParameterException',
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length between 1 and 50",
      );
    for (const key of keys) delete group.tags[key];
    return {};
  },
});
