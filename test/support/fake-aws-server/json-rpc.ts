/**
 * The JSON 1.1 services (X-Amz-Target): CloudWatch Logs, EventBridge and the
 * Resource Groups Tagging API, as far as the action calls them.
 */
import { AwsFault, parseJsonBody, type FakeRequest, type Reply } from './http.js';
import type { Routed } from './lambda.js';
import { apiGatewayArns } from './apigateway.js';
import { ACCOUNT_ID, REGION, type AccountState } from './state.js';

export interface JsonRpcContext {
  state: AccountState;
}

const reply = (value: unknown): Reply => ({
  status: 200,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify(value),
});

const logGroupArn = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}`;

export function routeJsonRpc(
  service: 'logs' | 'events' | 'tagging',
  req: FakeRequest,
  ctx: JsonRpcContext,
): Routed {
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.split('.').at(-1) || 'Unknown';
  const input = (() => {
    try {
      return parseJsonBody(req.body);
    } catch {
      return {};
    }
  })();
  const run = (): Reply => {
    const body = parseJsonBody(req.body);
    if (service === 'logs') return logs(operation, body, ctx);
    if (service === 'events') return events(operation, body);
    return tagging(operation, body, ctx);
  };
  return { operation, input, run };
}

function logs(operation: string, body: Record<string, unknown>, ctx: JsonRpcContext): Reply {
  const name = String(body.logGroupName ?? '');
  switch (operation) {
    case 'FilterLogEvents': {
      const events = ctx.state.logs.get(name);
      if (!events)
        throw new AwsFault(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
      const start = Number(body.startTime ?? 0);
      const end = Number(body.endTime ?? Date.now());
      const limit = Number(body.limit ?? 10_000);
      const placed = events.map((e, i) => ({
        // An event without a time happened during the window asked for.
        timestamp: e.timestamp ?? Math.min(end, start + i),
        message: e.message,
      }));
      const inWindow = placed.filter((e) => e.timestamp >= start && e.timestamp <= end).slice(0, limit);
      return reply({
        events: inWindow.map((e, i) => ({
          logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.timestamp + 100,
          eventId: String(i).padStart(20, '0'),
        })),
        searchedLogStreams: [],
      });
    }
    case 'DescribeLogGroups': {
      const prefix = String(body.logGroupNamePrefix ?? '');
      const groups = [...ctx.state.logs.keys()].filter((g) => g.startsWith(prefix)).sort();
      return reply({
        logGroups: groups.map((g) => ({
          logGroupName: g,
          arn: `${logGroupArn(g)}:*`,
          logGroupArn: logGroupArn(g),
          creationTime: 0,
          storedBytes: 0,
        })),
      });
    }
    case 'DeleteLogGroup':
      if (!ctx.state.logs.delete(name))
        throw new AwsFault(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
      return reply({});
    case 'ListTagsForResource':
      return reply({ tags: {} });
    default:
      throw new AwsFault(400, 'UnknownOperationException', `The fake CloudWatch Logs has no ${operation}`);
  }
}

function events(operation: string, body: Record<string, unknown>): Reply {
  switch (operation) {
    case 'DescribeRule':
      throw new AwsFault(
        400,
        'ResourceNotFoundException',
        `Rule ${String(body.Name)} does not exist on EventBus default.`,
      );
    case 'ListRules':
      return reply({ Rules: [] });
    default:
      throw new AwsFault(400, 'UnknownOperationException', `The fake EventBridge has no ${operation}`);
  }
}

function tagging(operation: string, body: Record<string, unknown>, ctx: JsonRpcContext): Reply {
  if (operation !== 'GetResources')
    throw new AwsFault(400, 'UnknownOperationException', `The fake tagging API has no ${operation}`);
  const all = [
    ...[...ctx.state.functions.values()].map((f) => ({ arn: f.arn, tags: f.tags })),
    ...apiGatewayArns(ctx.state),
  ];
  const types = (body.ResourceTypeFilters ?? []) as string[];
  const filters = (body.TagFilters ?? []) as { Key: string; Values?: string[] }[];
  const typeOf = (arn: string) => {
    const [, , service = '', , , resource = ''] = arn.split(':');
    return service === 'apigateway' ? 'apigateway' : `${service}:${resource.split('/')[0]}`;
  };
  const found = all.filter(
    ({ arn, tags }) =>
      (!types.length ||
        types.some(
          (t) =>
            typeOf(arn) === t ||
            typeOf(arn).startsWith(`${t}:`) ||
            (t === 'apigateway' && typeOf(arn) === 'apigateway'),
        )) &&
      filters.every((f) => f.Key in tags && (!f.Values?.length || f.Values.includes(tags[f.Key] as string))),
  );
  return reply({
    ResourceTagMappingList: found.map(({ arn, tags }) => ({
      ResourceARN: arn,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    })),
    PaginationToken: '',
  });
}
