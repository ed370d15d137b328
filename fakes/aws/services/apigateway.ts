/**
 * API Gateway: both generations sign as `apigateway`; `/v2/…` is the HTTP API
 * service (its own SDK client, its own error catalog), everything else the
 * REST API service.
 */
import { fault } from '../errors.js';
import {
  loggableBody,
  matchRoute,
  type Operation,
  type RestRoute,
  type ServiceContext,
  type ServiceHandler,
} from '../service.js';
import type { WireRequest } from '../wire.js';
import { httpApiRoutes } from './apigateway-http.js';
import { restApiRoutes } from './apigateway-rest.js';

/** Members whose keys are data (tag keys, route keys, variable names), never renamed. */
const DATA_MAPS = new Set([
  'tags',
  'stageVariables',
  'requestParameters',
  'requestTemplates',
  'responseParameters',
  'routeSettings',
]);

/**
 * HTTP API members are camelCase on the wire and PascalCase in the SDK
 * (`defaultRouteSettings` / `DefaultRouteSettings`): the call log speaks SDK.
 */
export function sdkMembers(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const name = k.charAt(0).toUpperCase() + k.slice(1);
    out[name] =
      v && typeof v === 'object' && !Array.isArray(v) && !DATA_MAPS.has(k)
        ? sdkMembers(v as Record<string, unknown>)
        : v;
  }
  return out;
}

function routeWith(service: 'apiGateway' | 'apiGatewayV2', routes: RestRoute[], req: WireRequest): Operation {
  const found = matchRoute(routes, req);
  const query = Object.fromEntries(req.query);
  const body = loggableBody(req);
  const input: Record<string, unknown> = {
    ...(found?.call.params ?? {}),
    ...(service === 'apiGatewayV2' ? { ...sdkMembers(query), ...sdkMembers(body) } : { ...query, ...body }),
  };
  if (!found)
    return {
      name: 'Unknown',
      input,
      run: () => {
        throw fault(
          service,
          'UnknownOperationException',
          `The fake AWS does not model API Gateway ${req.method} ${req.path}`,
        );
      },
    };
  return { name: found.route.op, input, run: () => found.route.run(found.call) };
}

export const apiGatewayService: ServiceHandler = {
  name: 'apiGateway',
  protocol: 'rest-json',
  route: (req: WireRequest, ctx: ServiceContext) => routeWith('apiGateway', restApiRoutes(ctx), req),
};

export const apiGatewayV2Service: ServiceHandler = {
  name: 'apiGatewayV2',
  protocol: 'rest-json',
  route: (req: WireRequest, ctx: ServiceContext) => routeWith('apiGatewayV2', httpApiRoutes(ctx), req),
};

/** Which of the two a request signed `apigateway` is for. */
export function apiGatewayFor(req: WireRequest): ServiceHandler {
  return req.segments[0] === 'v2' ? apiGatewayV2Service : apiGatewayService;
}
