/**
 * Throttling and quota: what we want versus what API Gateway holds, as the
 * smallest update. Pure, no I/O.
 *
 * The rule for a half that is not given (only `throttle-rate`, or only
 * `throttle-burst`): it is not compared, so API Gateway's own default for it
 * stands and a rerun changes nothing. With neither given, any throttling we
 * find is removed (on a REST stage whose `*\/*` setting also holds logging
 * or metrics, set back to API Gateway's defaults, so those stay).
 */
import type { RouteSettings } from '@aws-sdk/client-apigatewayv2';
import type {
  MethodSetting,
  PatchOperation,
  QuotaSettings,
  ThrottleSettings,
} from '@aws-sdk/client-api-gateway';
import type { Quota } from '../../model/settings.js';

export interface Throttle {
  /** Requests per second (steady state). */
  rateLimit?: number;
  /** Requests allowed in a burst. */
  burstLimit?: number;
}

/** The throttle the inputs ask for; undefined when neither input is given. */
export function desiredThrottle(rate: number | undefined, burst: number | undefined): Throttle | undefined {
  if (rate === undefined && burst === undefined) return undefined;
  return {
    ...(rate !== undefined && { rateLimit: rate }),
    ...(burst !== undefined && { burstLimit: burst }),
  };
}

function isSet(t: Throttle | undefined): boolean {
  return t?.rateLimit !== undefined || t?.burstLimit !== undefined;
}

/** True when `current` does not already give what `desired` asks for. */
export function throttleDiffers(current: Throttle | undefined, desired: Throttle | undefined): boolean {
  if (!desired) return isSet(current);
  return (
    (desired.rateLimit !== undefined && current?.rateLimit !== desired.rateLimit) ||
    (desired.burstLimit !== undefined && current?.burstLimit !== desired.burstLimit)
  );
}

/**
 * HTTP API `$default` stage: the DefaultRouteSettings to send, or undefined
 * when the stage already matches. Other fields of the settings are kept.
 */
export function httpRouteSettingsUpdate(
  current: RouteSettings | undefined,
  desired: Throttle | undefined,
): RouteSettings | undefined {
  const now = { rateLimit: current?.ThrottlingRateLimit, burstLimit: current?.ThrottlingBurstLimit };
  if (!throttleDiffers(now, desired)) return undefined;
  const next: RouteSettings = { DetailedMetricsEnabled: current?.DetailedMetricsEnabled ?? false };
  if (desired) {
    const rate = desired.rateLimit ?? current?.ThrottlingRateLimit;
    const burst = desired.burstLimit ?? current?.ThrottlingBurstLimit;
    if (rate !== undefined) next.ThrottlingRateLimit = rate;
    if (burst !== undefined) next.ThrottlingBurstLimit = burst;
  }
  return next;
}

/** The throttle API Gateway fills a new method setting with (turning logging on makes one). */
export const METHOD_SETTING_THROTTLE = { rateLimit: 10000, burstLimit: 5000 } as const;

/** Settings of a method setting besides throttling: someone turned logging, metrics, tracing or caching on. */
function holdsMore(setting: MethodSetting | undefined): boolean {
  return (
    !!setting &&
    (!!setting.metricsEnabled ||
      !!setting.dataTraceEnabled ||
      !!setting.cachingEnabled ||
      (setting.loggingLevel ?? 'OFF') !== 'OFF')
  );
}

/** REST API stage: patch operations on the `*\/*` method settings (every method of the stage). */
export function restStageThrottlePatch(
  methodSettings: Record<string, MethodSetting> | undefined,
  desired: Throttle | undefined,
): PatchOperation[] {
  const all = methodSettings?.['*/*'];
  const now = { rateLimit: all?.throttlingRateLimit, burstLimit: all?.throttlingBurstLimit };
  // Removing `*/*` would turn the owner's logging or metrics off too: the throttle goes back to the defaults instead.
  if (!desired && holdsMore(all)) desired = METHOD_SETTING_THROTTLE;
  if (!throttleDiffers(now, desired)) return [];
  if (!desired) return [{ op: 'remove', path: '/*/*' }];
  const ops: PatchOperation[] = [];
  if (desired.rateLimit !== undefined && now.rateLimit !== desired.rateLimit)
    ops.push({ op: 'replace', path: '/*/*/throttling/rateLimit', value: String(desired.rateLimit) });
  if (desired.burstLimit !== undefined && now.burstLimit !== desired.burstLimit)
    ops.push({ op: 'replace', path: '/*/*/throttling/burstLimit', value: String(desired.burstLimit) });
  return ops;
}

/** A usage plan's throttle for CreateUsagePlan. */
export function usagePlanThrottle(t: Throttle | undefined): ThrottleSettings | undefined {
  return t && { ...t };
}

/** A usage plan's quota for CreateUsagePlan: `10000/day` is `{limit: 10000, period: 'DAY', offset: 0}`. */
export function usagePlanQuota(q: Quota | undefined): QuotaSettings | undefined {
  return q && { limit: q.limit, period: q.period, offset: 0 };
}

export interface UsagePlanState {
  apiStages?: { apiId?: string; stage?: string }[];
  throttle?: ThrottleSettings;
  quota?: QuotaSettings;
}

export interface UsagePlanWant {
  apiId: string;
  stage: string;
  throttle?: Throttle;
  quota?: Quota;
}

/**
 * The API stages on `plan` other than ours: an owner may have added an API of
 * theirs (to share the key), so only those proven ours may go (see
 * rest-api-keys.ts), never by this list alone.
 */
export function otherApiStages(
  plan: UsagePlanState,
  want: UsagePlanWant,
): { apiId: string; stage: string }[] {
  return (plan.apiStages ?? [])
    .filter((s) => s.apiId !== want.apiId || s.stage !== want.stage)
    .map((s) => ({ apiId: s.apiId ?? '', stage: s.stage ?? '' }));
}

/**
 * UpdateUsagePlan patch operations that turn `plan` into `want`: bound to our
 * API stage (other API stages are not touched here, see otherApiStages),
 * throttle and quota as given.
 */
export function usagePlanPatch(plan: UsagePlanState, want: UsagePlanWant): PatchOperation[] {
  const ops: PatchOperation[] = [];
  const stages = plan.apiStages ?? [];
  if (!stages.some((s) => s.apiId === want.apiId && s.stage === want.stage))
    ops.push({ op: 'add', path: '/apiStages', value: `${want.apiId}:${want.stage}` });

  const throttle = plan.throttle;
  if (throttleDiffers(throttle, want.throttle)) {
    if (!want.throttle) ops.push({ op: 'remove', path: '/throttle' });
    else {
      if (want.throttle.rateLimit !== undefined && throttle?.rateLimit !== want.throttle.rateLimit)
        ops.push({ op: 'replace', path: '/throttle/rateLimit', value: String(want.throttle.rateLimit) });
      if (want.throttle.burstLimit !== undefined && throttle?.burstLimit !== want.throttle.burstLimit)
        ops.push({ op: 'replace', path: '/throttle/burstLimit', value: String(want.throttle.burstLimit) });
    }
  }

  const quota = plan.quota;
  if (!want.quota) {
    if (quota?.limit !== undefined) ops.push({ op: 'remove', path: '/quota' });
  } else {
    if (quota?.limit !== want.quota.limit)
      ops.push({ op: 'replace', path: '/quota/limit', value: String(want.quota.limit) });
    if (quota?.period !== want.quota.period)
      ops.push({ op: 'replace', path: '/quota/period', value: want.quota.period });
  }
  return ops;
}
