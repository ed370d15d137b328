import { describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { InputName } from '../../src/settings/names.js';
import { readSettings } from '../../src/settings/settings.js';
import { settingsProblems } from '../support/settings-problems.js';

const env = { GITHUB_WORKSPACE: mkdtempSync(`${tmpdir()}/slim-settings-`) } as NodeJS.ProcessEnv;

function problemsOf(inputs: Partial<Record<InputName, string>>): string[] {
  return settingsProblems(() => readSettings((name) => ({ name: 'svc', ...inputs })[name], env));
}

describe('the slim input', () => {
  test.each([
    [undefined, 'auto'],
    ['auto', 'auto'],
    ['AUTO', 'auto'],
    ['true', 'true'],
    ['yes', 'true'],
    ['false', 'false'],
    ['off', 'false'],
  ])('%s reads as %s', (value, expected) => {
    const inputs: Record<string, string | undefined> = { name: 'svc', slim: value };
    expect(readSettings((name) => inputs[name], env).slim).toBe(expected);
  });

  test('anything else names the input, quotes the value and says what is expected', () => {
    expect(problemsOf({ slim: 'always' })).toEqual([
      'slim: "always" is not valid; expected auto, true or false.',
    ]);
    // Whole words only.
    expect(problemsOf({ slim: 'noauto' })).toEqual([
      'slim: "noauto" is not valid; expected auto, true or false.',
    ]);
  });

  test('slim: true needs a Python runtime and points Node.js users at bundling', () => {
    expect(problemsOf({ slim: 'true', runtime: 'nodejs22.x', handler: 'index.handler' })).toEqual([
      'slim: "true" is not valid; expected a Python runtime (runtime is "nodejs22.x"); for Node.js, bundle the code and its dependencies instead (see README).',
    ]);
    // auto is the default for every runtime: Node.js packages are never slim, and that is no error.
    expect(problemsOf({ runtime: 'nodejs22.x', handler: 'index.handler' })).toEqual([]);
  });

  test('slim: true and dependencies-layer: true are one too many', () => {
    expect(problemsOf({ slim: 'true', 'dependencies-layer': 'true' })).toEqual([
      'slim, dependencies-layer: both are true; expected one: slim fetches the requirements into /tmp at cold start, dependencies-layer puts them in a layer (counted in the 250 MB limit).',
    ]);
    expect(problemsOf({ 'dependencies-layer': 'true' })).toEqual([]);
  });
});
