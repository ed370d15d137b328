/**
 * LAMBDA_DEPLOY_WAIT_SCALE: the pauses between the checks of a wait bounded by time
 * (a function leaving Pending or an update in progress, the smoke test's attempts),
 * multiplied by a factor from 0.05 to 1, for a local emulator that is ready sooner than
 * AWS (and the tests, which run the bundled action against one). It only shortens a
 * pause: every check is still made, and each wait keeps its time limit (5 minutes for a
 * function, smoke-timeout for the smoke test), so it can end a wait sooner, never give up
 * sooner. Retries bounded by a count of attempts (an AWS call's backoff) are left as they are.
 */
export const WAIT_SCALE_VARIABLE = 'LAMBDA_DEPLOY_WAIT_SCALE';

/** The shortest pause is a twentieth of the usual: a 1 s poll becomes 50 ms, never a busy loop. */
export const MIN_WAIT_SCALE = 0.05;

/** The factor the environment sets (1 when unset or empty); any other value is an error that says why. */
export function waitScaleFrom(env: NodeJS.ProcessEnv): number {
  const raw = env[WAIT_SCALE_VARIABLE]?.trim();
  if (!raw) return 1;
  const value = /^\d*\.?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= MIN_WAIT_SCALE && value <= 1))
    throw new Error(
      `${WAIT_SCALE_VARIABLE} is "${raw}"; expected a plain decimal from ${MIN_WAIT_SCALE} to 1, such as 0.05 or 0.5 (the factor that shortens the pauses between checks), or unset.`,
    );
  return value;
}

/** `ms` shortened by `scale`, kept within [MIN_WAIT_SCALE, 1] whatever is passed: never longer, never nothing. */
export function scaledWait(ms: number, scale = 1): number {
  const factor = Math.min(1, Math.max(MIN_WAIT_SCALE, Number.isFinite(scale) ? scale : 1));
  return Math.round(ms * factor);
}
