/**
 * The steps that run alongside the function's: the front door and keep-warm
 * read while the function deploys, and write once it is done.
 */
import { ensureKeepWarm } from '../../resources/warm-up/keep-warm.js';
import { isProtectedStage } from '../../model/protected-stages.js';
import type { FunctionResult } from '../../resources/function/lambda-function.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import { isAccessDenied } from '../../aws/aws-call.js';
import { start } from '../../aws/together.js';
import { HeldLogger } from '../../util/held-logger.js';
import { checkFrontDoor, ensureGateway } from '../../resources/front-door/gateway.js';
import type { Settings } from '../../model/settings.js';
import type { AwsSession } from '../aws-session.js';
import type { StageContext } from '../../model/stage-context.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { functionArn } from './function-input.js';

/** ARN of the stage's `live` alias. */
function liveAliasArn(context: StageContext): string {
  return `${functionArn(context)}:${LIVE_ALIAS}`;
}

/**
 * Starts the front door and keep-warm: they read now (sequential: they wait
 * until asked) and write once `deployed` settles. `checked`: what the front
 * door refuses, which deployCode waits for before it writes the function.
 * Their log lines are held and shown in their own place in the job log.
 */
export function startAlongside(
  settings: Settings,
  context: StageContext,
  session: AwsSession,
  deps: PipelineDeps,
  pending: { changing: Promise<boolean>; deployed: Promise<FunctionResult> },
) {
  const { clients, awsDeps } = session;
  const aliasArn = liveAliasArn(context);
  const gatewayLog = new HeldLogger(deps.logger);
  const warmLog = new HeldLogger(deps.logger);
  const deployed = pending.deployed.then((fn) => ({ aliasArn: fn.aliasArn, changed: fn.changed }));
  // Awaited once the front door has read what it reads; a failed function is no unhandled rejection meanwhile.
  deployed.catch(() => undefined);
  const gatewayDeps = { logger: gatewayLog, sleep: awsDeps.sleep, sequential: awsDeps.sequential };
  // Read while the function is read: deployCode waits for it before it writes (see checkFrontDoor).
  const checked = start(awsDeps, () =>
    checkFrontDoor(settings.gateway, clients.lambda, { context, aliasArn }, gatewayDeps),
  );
  const gateway = start(awsDeps, async () =>
    ensureGateway(
      settings.gateway,
      clients,
      {
        context,
        aliasArn,
        throttleRate: settings.throttleRate,
        throttleBurst: settings.throttleBurst,
        apiKey: settings.apiKey,
        quota: settings.quota,
        invokeMode: settings.invokeMode,
        protectedStage: isProtectedStage(context.stage, settings.protectedStages),
        pending: { changing: pending.changing, deployed },
        // Refused before the function existed (the preview role reads one without tags so): the
        // front door reads it again once the function is deployed.
        checked: await checked.result().catch((error: unknown) => {
          if (isAccessDenied(error)) return undefined;
          throw error;
        }),
      },
      gatewayDeps,
    ),
  );
  const keepWarm = start(awsDeps, () =>
    ensureKeepWarm(
      clients,
      { context, schedule: settings.keepWarm, aliasArn, ready: pending.deployed },
      { ...awsDeps, logger: warmLog },
    ),
  );
  return {
    checked: () => checked.result(),
    gateway: async () => {
      gatewayLog.release();
      return gateway.result();
    },
    keepWarm: async () => {
      warmLog.release();
      return keepWarm.result();
    },
    settled: async () => {
      await Promise.all([checked.settled(), gateway.settled(), keepWarm.settled()]);
      gatewayLog.release();
      warmLog.release();
    },
  };
}
