/** The runtime input held against AWS's deprecation schedule (runtime-schedule.ts). */
import type { Target } from '../model/settings.js';
import type { Checked, InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import {
  createRefusal,
  LAMBDA_RUNTIME_SCHEDULE,
  runtimeRefusal,
  runtimeStanding,
  runtimeWarning,
  type RuntimeSchedule,
} from './runtime-schedule.js';
import { RUNTIMES } from './runtimes.js';
import { inputName } from './surface.js';

/** The day the deploy runs, and the deprecation schedule to judge the runtime by. */
export interface RuntimeClock {
  now: Date;
  schedule?: RuntimeSchedule;
}

/**
 * The runtime against AWS's deprecation schedule: one AWS no longer accepts
 * is refused here, before any AWS call (`--target local` runs it with a
 * warning: no AWS is involved); one AWS no longer creates functions with is
 * refused later, only if the stage has no function yet.
 */
export function checkRuntimeSchedule(
  r: InputReader,
  runtime: string,
  target: Target,
  clock: RuntimeClock,
): Checked<'runtimeWarning' | 'runtimeCreateRefusal'> {
  if (!RUNTIMES.includes(runtime)) return {};
  const input = inputName(r.surface, Inputs.Runtime);
  const standing = runtimeStanding(runtime, clock.now, clock.schedule ?? LAMBDA_RUNTIME_SCHEDULE);
  const refusal = target === 'local' ? undefined : runtimeRefusal(input, runtime, standing);
  if (refusal) {
    r.problem(refusal);
    return {};
  }
  const warning = runtimeWarning(input, runtime, standing);
  const refuseCreate = target === 'local' ? undefined : createRefusal(input, runtime, standing);
  return {
    ...(warning && { runtimeWarning: warning }),
    ...(refuseCreate && { runtimeCreateRefusal: refuseCreate }),
  };
}
