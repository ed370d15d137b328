/**
 * The deploy's smoke test of the stage: through its front door, or an invoke
 * of `live` when it has none.
 */
import type { GatewayResult } from '../../resources/front-door/gateway-types.js';
import type { Plan } from '../../model/plan.js';
import type { Settings } from '../../model/settings.js';
import { invokeSmokeTest, runSmokeTest } from '../../smoke/smoke-test.js';
import { realSleep } from '../../util/sleep.js';
import { Inputs } from '../../settings/names.js';
import { settingOf } from '../../settings/surface.js';
import type { AwsSession } from '../aws-session.js';
import type { SmokeResult } from '../../model/outcome.js';
import type { PipelineDeps } from '../pipeline-deps.js';

export function skippedSmoke(detail: string): SmokeResult {
  return { status: 'skipped', target: '', attempts: 0, detail, durationMs: 0 };
}

/**
 * What the smoke test sends to the front door (the API key) and whether API
 * Gateway's own 403 may be a REST API change not served yet (pure).
 */
export function frontDoorSmoke(gateway: GatewayResult): { apiKey?: string; frontDoorChanged: boolean } {
  return { apiKey: gateway.apiKeyValue, frontDoorChanged: gateway.kind === 'rest-api' && gateway.changed };
}

/** The smoke test through the front door, or an invoke of `live` when there is none. */
export function smokeTestStage(
  settings: Settings,
  plan: Plan,
  gateway: GatewayResult,
  session: AwsSession,
  hidden: string[],
  deps: PipelineDeps,
): Promise<SmokeResult> {
  const { logger } = deps;
  const sleep = deps.sleep ?? realSleep;
  return logger.group('Smoke test', async () => {
    if (!settings.smokeTest) {
      // gateway: none has no URL: the function itself went unchecked.
      logger.info(
        `Smoke test skipped (${settingOf(deps.surface ?? 'action', Inputs.SmokeTest, 'false')}): nothing checked that ${gateway.url || 'the function'} answers.`,
      );
      return skippedSmoke('smoke-test: false');
    }
    if (settings.gateway === 'none')
      return invokeSmokeTest(
        session.clients.lambda,
        plan.functionName,
        { logger, sleep, surface: deps.surface, waitScale: deps.waitScale },
        {
          path: settings.smokePath,
          expectStatus: settings.smokeStatus,
          contains: settings.smokeContains,
          timeoutSeconds: settings.smokeTimeout,
          secrets: hidden,
        },
      );
    return runSmokeTest(
      {
        url: gateway.url,
        path: settings.smokePath,
        expectStatus: settings.smokeStatus,
        contains: settings.smokeContains,
        timeoutSeconds: settings.smokeTimeout,
        ...frontDoorSmoke(gateway),
        secrets: hidden,
      },
      { logger, sleep, surface: deps.surface, waitScale: deps.waitScale },
    );
  });
}
