/** The gateway input and its limits: throttling, api-key, quota; invoke-mode. */
import type { GatewayKind, InvokeMode, Quota } from '../model/settings.js';
import { show, type Checked, type InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import { isPythonRuntime, NODE_RUNTIMES } from './runtimes.js';

const QUOTA_PERIODS: Record<string, Quota['period']> = { day: 'DAY', week: 'WEEK', month: 'MONTH' };

/** API Gateway holds a usage plan's quota limit as a 32-bit integer: a larger one fails CreateUsagePlan. */
export const QUOTA_MAX_LIMIT = 2_147_483_647;

const QUOTA = /^(\d+)\s*\/\s*(day|week|month)$/i;

export function parseQuota(value: string): Quota | undefined {
  const m = QUOTA.exec(value.trim());
  if (!m) return undefined;
  const limit = Number(m[1]);
  const period = QUOTA_PERIODS[(m[2] as string).toLowerCase()];
  return limit > 0 && limit <= QUOTA_MAX_LIMIT && period ? { limit, period } : undefined;
}

/** What a quota input is expected to be; `value` decides whether the limit is the problem. */
function quotaExpected(value: string): string {
  const m = QUOTA.exec(value.trim());
  return m && Number(m[1]) > QUOTA_MAX_LIMIT
    ? `N/day, N/week or N/month with N at most ${QUOTA_MAX_LIMIT} (API Gateway's limit), like 10000/day`
    : 'N/day, N/week or N/month, like 10000/day';
}

/** The front door and its limits; throttling and keys only where the gateway has them. */
export function readFrontDoor(
  r: InputReader,
): Checked<'gateway' | 'throttleRate' | 'throttleBurst' | 'apiKey' | 'quota'> {
  const gateway = r.oneOf<GatewayKind>(Inputs.Gateway, ['http-api', 'rest-api', 'function-url', 'none']);
  let throttleRate: number | undefined;
  if (r.given(Inputs.ThrottleRate)) {
    throttleRate = Number(r.value(Inputs.ThrottleRate));
    if (!Number.isFinite(throttleRate) || throttleRate <= 0)
      r.bad(Inputs.ThrottleRate, 'requests per second, a number above 0');
  }
  const throttleBurst = r.integer(Inputs.ThrottleBurst, 0, 5000);
  const apiKey = r.bool(Inputs.ApiKey);
  let quota: Quota | undefined;
  if (r.given(Inputs.Quota)) {
    quota = parseQuota(r.value(Inputs.Quota));
    if (!quota) r.bad(Inputs.Quota, quotaExpected(r.value(Inputs.Quota)));
  }
  // The key's value is fine: the gateway is what must change, so both are named.
  if (gateway !== 'rest-api' && apiKey)
    r.problem(
      `${Inputs.ApiKey}, ${Inputs.Gateway}: API keys and usage plans exist only on a REST API (gateway is ${show(gateway)}${r.given(Inputs.Gateway) ? '' : ', the default'}); expected gateway rest-api.`,
    );
  if (quota && !apiKey)
    r.problem(
      `${Inputs.Quota}: applies to an API key's usage plan; expected api-key: true with gateway: rest-api.`,
    );
  if (
    (throttleRate !== undefined || throttleBurst !== undefined) &&
    (gateway === 'function-url' || gateway === 'none')
  )
    r.problem(
      `${Inputs.ThrottleRate}/${Inputs.ThrottleBurst}: need an API Gateway front door; expected gateway: http-api or rest-api (gateway is ${show(gateway)}).`,
    );
  return { gateway, throttleRate, throttleBurst, apiKey, quota };
}

/**
 * `invoke-mode`: Lambda streams only from Node.js managed runtimes, and only
 * a function URL (RESPONSE_STREAM) or a REST API (STREAM) passes the stream
 * on; an HTTP API buffers it.
 */
export function readInvokeMode(r: InputReader, gateway: GatewayKind, runtime: string): InvokeMode {
  const invokeMode = r.oneOf<InvokeMode>(Inputs.InvokeMode, ['buffered', 'response-stream']);
  if (invokeMode !== 'response-stream') return invokeMode;
  if (gateway !== 'function-url' && gateway !== 'rest-api')
    r.problem(
      `${Inputs.InvokeMode}, ${Inputs.Gateway}: response-stream needs a front door that streams (gateway is ${show(gateway)}${gateway === 'http-api' ? ', the default: HTTP APIs buffer every response' : ''}); expected gateway function-url or rest-api.`,
    );
  if (isPythonRuntime(runtime))
    r.problem(
      `${Inputs.InvokeMode}, ${Inputs.Runtime}: Lambda streams responses only from Node.js runtimes (runtime is ${show(runtime)}); expected a runtime of ${NODE_RUNTIMES.join(', ')} with awslambda.streamifyResponse, or invoke-mode buffered.`,
    );
  return invokeMode;
}
