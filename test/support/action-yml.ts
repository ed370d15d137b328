/**
 * action.yml as the GitHub runner reads it: the inputs it declares and the
 * values a step receives. The runner sets `INPUT_<NAME>` for EVERY declared
 * input, to the workflow's value or else to the input's default (with
 * `${{ github.token }}` expanded), so a test of dist/ must do the same or it
 * tests a combination no user can produce.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

export const ACTION_YML_PATH = new URL('../../action.yml', import.meta.url).pathname;

export function readActionYml(): ActionYml {
  return parse(readFileSync(ACTION_YML_PATH, 'utf8')) as ActionYml;
}

/** What `${{ github.token }}` expands to in these tests (a stand-in, never a real token). */
export const RUNNER_TOKEN = 'ghs_runnerJobToken0123456789abcdefABCDEF';

/** A default as the runner evaluates it: `${{ github.token }}` is the job's token; other contexts are empty here. */
export function evaluateDefault(value: string): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) =>
    expr === 'github.token' ? RUNNER_TOKEN : '',
  );
}

/** The env variable the runner sets for an input: spaces to `_`, upper case, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Every input of action.yml with the value a step gets: the one given, else the
 * default. An input action.yml does not declare is a mistake in the test (the
 * runner would only warn, and the action would never read it).
 */
export function runnerInputs(
  given: Record<string, string>,
  action = readActionYml(),
): Record<string, string> {
  const unknown = Object.keys(given).filter((name) => !(name in action.inputs));
  if (unknown.length)
    throw new Error(
      `inputs not declared in action.yml: ${unknown.join(', ')} (the runner would ignore them)`,
    );
  return Object.fromEntries(
    Object.entries(action.inputs).map(([name, spec]) => [
      name,
      given[name] ?? evaluateDefault(spec.default ?? ''),
    ]),
  );
}
