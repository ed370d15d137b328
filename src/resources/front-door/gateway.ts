/**
 * The front door of a stage: one call that creates or converges it.
 * See README.md next to this file for the event each kind delivers and what
 * undeploy removes.
 */
import type { AwsClients } from '../../aws/clients.js';
import type { GatewayKind } from '../../model/settings.js';
import { checkFunctionUrl, ensureFunctionUrl } from './function-url.js';
import { ensureHttpApi } from './http-api.js';
import {
  afterFunction,
  type FrontDoorChecked,
  type GatewayDeps,
  type GatewayInput,
  type GatewayResult,
} from './gateway-types.js';
import { ensureRestApi } from './rest-api.js';

/**
 * What the front door refuses, read before the function is written (the
 * deploy reads it alongside the function and waits for it before its first
 * write): a function URL on `live` its owner made private. Nothing to read
 * for the other kinds. Its answer goes to ensureGateway as `checked`.
 */
export async function checkFrontDoor(
  kind: GatewayKind,
  lambda: AwsClients['lambda'],
  input: Pick<GatewayInput, 'context' | 'aliasArn'>,
  deps: GatewayDeps,
): Promise<FrontDoorChecked> {
  return kind === 'function-url' ? { functionUrl: await checkFunctionUrl(lambda, input, deps) } : {};
}

export async function ensureGateway(
  kind: GatewayKind,
  clients: Pick<AwsClients, 'lambda' | 'apiGatewayV2' | 'apiGateway'> & Partial<Pick<AwsClients, 'tagging'>>,
  input: GatewayInput,
  deps: GatewayDeps,
): Promise<GatewayResult> {
  if (input.apiKey && kind !== 'rest-api')
    throw new Error(`api-key: needs gateway: rest-api (gateway is ${JSON.stringify(kind)}).`);
  // Only the HTTP API reads while the function deploys; the others start once it is done.
  if (input.pending && kind !== 'http-api') input = await afterFunction(input, input.pending);
  switch (kind) {
    case 'http-api':
      return ensureHttpApi(clients, input, deps);
    case 'rest-api':
      return ensureRestApi(clients, input, deps);
    case 'function-url':
      return ensureFunctionUrl(clients.lambda, input, deps);
    case 'none':
      deps.logger.info(`Stage ${input.context.stage} has no front door (gateway: none).`);
      return { kind: 'none', url: '', changed: false };
    default:
      throw new Error(
        `gateway: expected http-api, rest-api, function-url or none, got ${JSON.stringify(kind)}.`,
      );
  }
}
