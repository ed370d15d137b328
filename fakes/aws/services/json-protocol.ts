/**
 * The JSON 1.1 protocol (CloudWatch Logs, EventBridge, the tagging API):
 * POST / with `X-Amz-Target: {Service}.{Operation}` and a JSON body.
 */
import { fault, type ServiceName } from '../errors.js';
import { paginate } from '../pagination.js';
import type { ServiceContext, ServiceHandler } from '../service.js';
import { parseJsonBody, type Reply } from '../wire.js';

export type JsonHandler = (ctx: ServiceContext, body: Record<string, unknown>) => unknown;

export const jsonReply = (value: unknown): Reply => ({
  status: 200,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify(value ?? {}),
});

export function jsonService(name: ServiceName, handlers: Record<string, JsonHandler>): ServiceHandler {
  return {
    name,
    protocol: 'json-1.1',
    route(req, ctx) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.split('.').at(-1) || 'Unknown';
      let input: Record<string, unknown> = {};
      try {
        input = parseJsonBody(req.body);
      } catch {
        // logged as empty; run() answers the SerializationException
      }
      return {
        name: operation,
        input,
        run: () => {
          const handler = handlers[operation];
          if (!handler)
            throw fault(name, 'UnknownOperationException', `The fake AWS does not model ${target}`);
          return jsonReply(handler(ctx, parseJsonBody(req.body)));
        },
      };
    },
  };
}

/** A page with the `nextToken` style of Logs and EventBridge. */
export function jsonPage<T>(
  ctx: ServiceContext,
  service: ServiceName,
  items: T[],
  token: unknown,
  requested: unknown,
  listing: string,
  limits: { defaultSize: number; maxSize: number },
): { items: T[]; next?: string } {
  const invalidCode = service === 'events' ? 'ValidationException' : 'InvalidParameterException';
  return paginate(items, {
    listing,
    token: typeof token === 'string' ? token : undefined,
    requested: requested as number | undefined,
    limits,
    cap: ctx.pageSize,
    invalidToken: (m) => fault(service, invalidCode, m),
  });
}
