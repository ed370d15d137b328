/**
 * A protected stage's REST API serves `ANY /` and `ANY /{proxy+}` to the
 * alias, nothing else. Another method on those two (`GET /{proxy+}` is more
 * specific than ANY: it takes every GET) or another resource (`/login`) was
 * added while the stage was not protected yet (by a preview's credentials,
 * perhaps) or by hand; it would serve on the stage's own URL, so the deploy
 * removes it, named, and the API is deployed again.
 */
import {
  DeleteMethodCommand,
  DeleteResourceCommand,
  type APIGatewayClient,
  type Method,
  type Resource,
} from '@aws-sdk/client-api-gateway';
import { callAws, type RetryDeps } from '../../aws/aws-call.js';
import { apiGatewayCall } from './call-options.js';
import type { GatewayInput } from './gateway-types.js';

export interface RestExtras {
  /** Methods other than ANY on `/` and `/{proxy+}`. */
  methods: { resource: Resource; verb: string; method: Method }[];
  /** Resources other than those two, the topmost of each branch (deleting one deletes what is under it). */
  resources: Resource[];
}

/** What the API holds beyond ours. Pure. */
export function restExtras(
  resources: readonly Resource[],
  ours: readonly string[],
  method: string,
): RestExtras {
  const kept = resources.filter((r) => ours.includes(r.path ?? ''));
  const keptIds = new Set(kept.map((r) => r.id));
  return {
    methods: kept.flatMap((resource) =>
      Object.entries(resource.resourceMethods ?? {})
        .filter(([verb]) => verb !== method)
        .map(([verb, m]) => ({ resource, verb, method: m })),
    ),
    resources: resources.filter((r) => !ours.includes(r.path ?? '') && keptIds.has(r.parentId)),
  };
}

/** Where a method sends its requests, for the warning. */
function destination(method: Method | undefined): string {
  const integration = method?.methodIntegration;
  return integration ? `${integration.type ?? ''} ${integration.uri ?? ''}`.trim() : 'no integration';
}

/** Removes the extras; true when something went (the API must be deployed again). */
export async function removeRestExtras(
  client: APIGatewayClient,
  apiId: string,
  extras: RestExtras,
  input: GatewayInput,
  deps: RetryDeps,
): Promise<boolean> {
  const said = (what: string, where: string) =>
    deps.logger.warning(
      `Removed ${what} of REST API ${apiId} (protected stage ${input.context.stage}): it sent requests to ${where}, not to ${input.aliasArn}. ` +
        'A protected stage serves only what lambda-deploy set up; add other methods in an API of your own.',
    );
  for (const { resource, verb, method } of extras.methods) {
    const path = `/restapis/${apiId}/resources/${resource.id}/methods/${verb}`;
    await callAws(
      deps,
      apiGatewayCall(input.context, `remove ${verb} ${resource.path}`, 'DELETE', path),
      () =>
        client.send(new DeleteMethodCommand({ restApiId: apiId, resourceId: resource.id, httpMethod: verb })),
    );
    said(`the method ${verb} ${resource.path}`, destination(method));
  }
  for (const resource of extras.resources) {
    const path = `/restapis/${apiId}/resources/${resource.id}`;
    await callAws(deps, apiGatewayCall(input.context, `remove ${resource.path}`, 'DELETE', path), () =>
      client.send(new DeleteResourceCommand({ restApiId: apiId, resourceId: resource.id })),
    );
    const methods = Object.entries(resource.resourceMethods ?? {});
    said(
      `the resource ${resource.path} (and what is under it)`,
      methods.map(([verb, m]) => `${verb}: ${destination(m)}`).join(', ') || 'no method',
    );
  }
  return extras.methods.length + extras.resources.length > 0;
}
