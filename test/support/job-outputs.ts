/**
 * What a later job sees of a step's outputs through `jobs.<id>.outputs`,
 * modelled on the runner's JobExtension: at the end of the job it leaves out
 * an empty output and one that its secret masker would change, that is one
 * holding a value masked in the job (`::add-mask::`), logging
 * `Skip output '{name}' since it may contain secret.` The masker also hides
 * encoded forms of each secret; the action registers those forms itself.
 */
import type { ActionRun } from './run-action.js';
import { executedCommands } from './workflow-commands.js';

export interface JobOutputs {
  outputs: Record<string, string>;
  /** The runner's warning per left-out output. */
  skipped: string[];
}

/** The values `::add-mask::` registered, as the runner reads them (`%25`, `%0D`, `%0A` unescaped). */
export function maskedValues(stdout: string): string[] {
  return executedCommands(stdout)
    .filter((c) => c.name.toLowerCase() === 'add-mask')
    .map((c) => c.data.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%'))
    .filter(Boolean);
}

export function jobOutputs(run: ActionRun): JobOutputs {
  const masked = maskedValues(run.stdout);
  const outputs: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [name, value] of Object.entries(run.outputs)) {
    if (!value) continue;
    if (masked.some((secret) => value.includes(secret)))
      skipped.push(`Skip output '${name}' since it may contain secret.`);
    else outputs[name] = value;
  }
  return { outputs, skipped };
}
