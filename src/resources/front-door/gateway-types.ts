/** What every front door takes and gives back: shared by gateway.ts and the three kinds it calls. */
import type { GatewayKind, InvokeMode, Quota } from '../../model/settings.js';
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
  /** `response-stream`: the function URL or REST API integration streams; unset: buffered. */
  invokeMode?: InvokeMode;
  /**
   * The stage is protected: its front door is read whole (routes and
   * integrations too, not only its stage), since it may carry what a preview's
   * credentials added while the stage was not protected yet.
   */
  protectedStage?: boolean;
  /**
   * false: the function was neither created nor changed by this run, so the
   * permissions an earlier run granted on `live` are still there and a front
   * door that is complete need not read them again (one call fewer).
   */
  functionChanged?: boolean;
  /**
   * Set when the front door is worked on while the function deploys: it
   * reads then, and writes nothing (nor trusts functionChanged) until
   * `deployed` settles.
   */
  pending?: PendingFunction;
  /**
   * What checkFrontDoor read before the function was written, not read
   * again; undefined: the front door reads it itself.
   */
  checked?: FrontDoorChecked;
}

/** What the front door read, and did not refuse, before the function was written (see checkFrontDoor). */
export interface FrontDoorChecked {
  /** function-url: the URL on `live` (undefined: none yet). */
  functionUrl?: FunctionUrlConfig;
}

/** What a function URL's configuration says that the front door uses. */
export interface FunctionUrlConfig {
  FunctionUrl?: string | undefined;
  AuthType?: string | undefined;
  /** BUFFERED (Lambda's default) or RESPONSE_STREAM. */
  InvokeMode?: string | undefined;
}

/** The function deploy a front door runs alongside (see GatewayInput.pending). */
export interface PendingFunction {
  /**
   * Whether the deploy changes the function, as soon as it knows (before it
   * changes anything): a changing function's permissions are read meanwhile.
   */
  changing: Promise<boolean>;
  /** `live` points at the deployed version; rejects when the deploy failed. */
  deployed: Promise<{ aliasArn: string; changed: boolean }>;
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
  /** Independent requests one at a time (the bench's baseline). */
  sequential?: boolean;
  /** Backoff jitter; tests may pin it. */
  random?: () => number;
}

/** The input once the function is deployed: its alias, and whether it changed. */
export async function afterFunction(input: GatewayInput, pending: PendingFunction): Promise<GatewayInput> {
  const fn = await pending.deployed;
  return { ...input, aliasArn: fn.aliasArn, functionChanged: fn.changed, pending: undefined };
}
