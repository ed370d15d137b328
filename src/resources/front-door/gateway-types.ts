/** What every front door takes and gives back: shared by gateway.ts and the three kinds it calls. */
import type { GatewayKind, Quota } from '../../model/settings.js';
import type { StageContext } from '../../model/stage-context.js';
import type { Logger } from '../../util/logger.js';
import type { Sleep } from '../../util/sleep.js';

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
