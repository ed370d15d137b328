/**
 * The stage's front door once it is up: its URL announced, and once the
 * stage passed its smoke test, the old front door removed and permissions
 * lambda-deploy did not add named.
 */
import { isProtectedStage } from '../../model/protected-stages.js';
import type { FunctionResult } from '../../resources/function/lambda-function.js';
import { apiKeyValueCommand } from '../../model/api-key.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import type { Logger } from '../../util/logger.js';
import { readPermissions } from '../../resources/front-door/lambda-permission.js';
import { foreignStatements } from '../../resources/front-door/resource-policy.js';
import {
  GATEWAY_TAG,
  oldFrontDoorKinds,
  removeOldFrontDoors,
} from '../../resources/front-door/old-front-door.js';
import type { GatewayResult } from '../../resources/front-door/gateway-types.js';
import { gatewayTimeoutWarning } from '../../resources/front-door/gateway-timeout.js';
import type { Plan } from '../../model/plan.js';
import type { Settings } from '../../model/settings.js';
import { errorMessage } from '../../util/retry.js';
import type { AwsSession } from '../aws-session.js';

/** The URL, and a warning when the front door gives up before the function's timeout. */
export function announceFrontDoor(settings: Settings, gateway: GatewayResult, logger: Logger): void {
  if (gateway.url) logger.info(`URL: ${gateway.url}`);
  // Without the key that URL answers {"message":"Forbidden"}: say so next to it (the id only, never the value).
  if (gateway.url && gateway.apiKeyId)
    logger.info(
      `API key required: send its value as the x-api-key header (key ${gateway.apiKeyId}: ${apiKeyValueCommand(gateway.apiKeyId)}).`,
    );
  const tooLong = gatewayTimeoutWarning(settings.gateway, settings.timeout);
  if (tooLong) logger.warning(tooLong);
}

/** Once the stage passed its smoke test: the old front door goes, and what may be a preview's is named. */
export async function afterSmokePassed(
  settings: Settings,
  plan: Plan,
  fn: FunctionResult,
  session: AwsSession,
): Promise<void> {
  await removeOldFrontDoor(settings, plan, fn, session);
  await warnForeignPermissions(settings, plan, fn, session);
}

/**
 * The first production deploy of a protected stage another role deployed (it
 * ran as another execution role: a preview's, before the stage was
 * protected) names the statements on `live` that lambda-deploy did not add:
 * a pull request's credentials could have let their own API, or another
 * account, invoke it. They stay (its owner may have added them), named once.
 */
async function warnForeignPermissions(
  settings: Settings,
  plan: Plan,
  fn: FunctionResult,
  session: AwsSession,
): Promise<void> {
  if (fn.roleBefore === undefined || !isProtectedStage(plan.stage, settings.protectedStages)) return;
  const { logger } = session.awsDeps;
  const aliasArn = fn.aliasArn || `${fn.functionArn}:${LIVE_ALIAS}`;
  try {
    const target = { functionName: plan.functionName, qualifier: LIVE_ALIAS, aliasArn, stage: plan.stage };
    const foreign = foreignStatements(await readPermissions(session.clients.lambda, target, session.awsDeps));
    if (!foreign.length) return;
    logger.warning(
      `Protected stage ${plan.stage} was deployed by another role before (its function ran as ${fn.roleBefore || 'no role'}), ` +
        `and ${aliasArn} carries permissions lambda-deploy did not add: ${foreign.join('; ')}. ` +
        `A pull request could have added them: remove the ones you do not know (aws lambda remove-permission --function-name ${plan.functionName} --qualifier ${LIVE_ALIAS} --statement-id ID).`,
    );
  } catch (error) {
    logger.warning(`Could not check the permissions on ${aliasArn}: ${errorMessage(error)}`);
  }
}

/**
 * The front door of the gateway kind the stage had before, once the new one
 * passed the smoke test (see old-front-door.ts). A failure is a warning: the
 * stage works, and undeploy removes every kind.
 */
async function removeOldFrontDoor(
  settings: Settings,
  plan: Plan,
  fn: FunctionResult,
  session: AwsSession,
): Promise<void> {
  // A protected stage whose configuration changed has every other kind looked for, whatever its tag
  // says: the first production deploy of a stage a preview deployed always changes it (the execution
  // role), and no preview may write to it since. Unchanged redeploys pay no extra round trip.
  const distrustTag = fn.configChanged && isProtectedStage(plan.stage, settings.protectedStages);
  const kinds = oldFrontDoorKinds(fn.previousTags, fn.created, settings.gateway, distrustTag);
  if (!kinds.length) return;
  // One the tag does not name was not a switch.
  const named = fn.previousTags[GATEWAY_TAG];
  const { logger } = session.awsDeps;
  const target = {
    project: settings.name,
    stage: plan.stage,
    repository: plan.repository,
    functionName: plan.functionName,
    includeLogs: false,
  };
  try {
    const removed = await removeOldFrontDoors(session.clients, kinds, target, session.awsDeps);
    const switched = removed.filter((r) => named === undefined || r.kind === named);
    const stray = removed.filter((r) => !switched.includes(r));
    if (switched.length) {
      const was = [...new Set(switched.map((r) => r.kind))].join(' and ');
      logger.info(
        `gateway is now ${settings.gateway}: removed the ${was} front door of stage ${plan.stage} (${switched.map((r) => r.label).join(', ')}).`,
      );
    }
    if (stray.length)
      logger.warning(
        `Removed a front door of protected stage ${plan.stage} that its deploys did not set up (gateway is ${settings.gateway}): ` +
          `${stray.map((r) => r.label).join(', ')}. It carried lambda-deploy's tags or statements, so it was made while the stage was not protected (by a preview's credentials, perhaps).`,
      );
  } catch (error) {
    logger.warning(
      `gateway is now ${settings.gateway}, but the ${kinds.join(' or ')} front door stage ${plan.stage} had could not be removed: ${errorMessage(error).replace(/\.$/, '')}. ` +
        `The stage works through its new front door; the old one goes with undeploy, or with the next deploy once the role may remove it.`,
    );
  }
}
