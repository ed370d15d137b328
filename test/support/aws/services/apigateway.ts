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

function routeWith(service: 'apiGateway' | 'apiGatewayV2', routes: RestRoute[], req: WireRequest): Operation {
  const found = matchRoute(routes, req);
  const input: Record<string, unknown> = {
    ...(found?.call.params ?? {}),
    ...Object.fromEntries(req.query),
    ...loggableBody(req),
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
