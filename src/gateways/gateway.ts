/**
 * The front door of a stage: one call that creates or converges it.
 * See README.md next to this file for the event each kind delivers and what
 * undeploy removes.
 */
import type { AwsClients } from '../aws/clients.js';
import type { StageContext } from '../pipelines/stage-context.js';
import type { GatewayKind, Quota } from '../settings/settings.js';
import type { Logger } from '../util/logger.js';
import type { Sleep } from '../util/sleep.js';
import { ensureFunctionUrl } from './function-url.js';
import { ensureHttpApi } from './http-api.js';
import { ensureRestApi } from './rest-api.js';

export type { GatewayKind } from '../settings/settings.js';

export interface GatewayInput {
  context: StageContext;
  /** ARN of the alias `live`: arn:aws:lambda:REGION:ACCOUNT:function:NAME:live */
  aliasArn: string;
  throttleRate?: number;
  throttleBurst?: number;
  apiKey: boolean;
  quota?: Quota;
  /**
   * false: the function was neither created nor changed by this run, so the
   * permissions an earlier run granted on `live` are still there and a front
   * door that is complete need not read them again (one call fewer).
   */
  functionChanged?: boolean;
}

export interface GatewayResult {
  kind: GatewayKind;
  /** The stage's HTTPS endpoint without a trailing slash ('' for none); a REST API's ends in `/{stage}`. */
  url: string;
  apiId?: string;
  apiKeyId?: string;
  /** The key's value, for the smoke test only: already passed to logger.mask, never logged or output. */
  apiKeyValue?: string;
  /** Something was created or updated. */
  changed: boolean;
}

export interface GatewayDeps {
  logger: Logger;
  sleep?: Sleep;
  /** Backoff jitter; tests may pin it. */
  random?: () => number;
}

export async function ensureGateway(
  kind: GatewayKind,
  clients: Pick<AwsClients, 'lambda' | 'apiGatewayV2' | 'apiGateway'>,
  input: GatewayInput,
  deps: GatewayDeps,
): Promise<GatewayResult> {
  if (input.apiKey && kind !== 'rest-api')
    throw new Error(`api-key: needs gateway: rest-api (gateway is ${JSON.stringify(kind)}).`);
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
