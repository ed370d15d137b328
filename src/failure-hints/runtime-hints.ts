/**
 * What to do when AWS Lambda refuses the runtime itself (pure). The schedule
 * in settings/runtime-schedule.ts refuses a runtime before any AWS call only
 * where a block date was read; AWS's own refusal is the authority, so it is
 * recognised here whatever the schedule says.
 */
import type { RuntimeSchedule } from '../settings/runtime-schedule.js';

/** A runtime AWS no longer accepts, as its error words it, with the runtime it recommends. */
export interface BlockedRuntime {
  runtime: string;
  recommended?: string;
}

/**
 * InvalidParameterValueException from CreateFunction, UpdateFunctionCode or
 * UpdateFunctionConfiguration: "The runtime parameter of python3.9 is no longer
 * supported for creating or updating AWS Lambda functions. We recommend you use
 * the new runtime (python3.13) while creating or updating functions." The
 * recommendation is left out by some of AWS's wordings ("use a supported runtime").
 */
const BLOCKED = /The runtime parameter of (\S+) is no longer supported for creating or updating/;
const RECOMMENDED = /use the new runtime \(([\w.]+)\)/;

/** The blocked runtime an error (or one of its causes) reports; undefined when it reports none. */
export function blockedRuntimeIn(error: unknown): BlockedRuntime | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const runtime = BLOCKED.exec(e.message)?.[1];
    if (runtime === undefined) continue;
    const recommended = RECOMMENDED.exec(e.message)?.[1];
    return { runtime, ...(recommended !== undefined && { recommended }) };
  }
  return undefined;
}

/**
 * The Fix line for a refused runtime: the input to change and the runtime to
 * move to. Ours (the schedule's replacement, same language) comes first:
 * AWS's recommendation may be a runtime this release does not accept yet.
 */
export function blockedRuntimeFix(
  input: string,
  blocked: BlockedRuntime,
  schedule: RuntimeSchedule,
  accepted: readonly string[],
): string {
  const ours = schedule[blocked.runtime]?.replacement;
  const aws =
    blocked.recommended !== undefined && accepted.includes(blocked.recommended)
      ? blocked.recommended
      : undefined;
  const target = ours ?? aws;
  const move = target ? `set ${input} to ${target}` : `set ${input} to a runtime AWS Lambda still supports`;
  return (
    `AWS Lambda no longer creates or updates functions with ${blocked.runtime}: ${move} and deploy again ` +
    '(try it on a preview first: a newer runtime may need newer dependencies).'
  );
}
