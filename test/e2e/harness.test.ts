/** The e2e harness itself: the bundle it runs, and the inputs it gives it. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceHash } from '../../scripts/build-cache.mjs';
import { INPUT_DEFAULTS } from '../../src/settings/names.js';
import { inputEnvName, readActionYml, RUNNER_TOKEN, runnerInputs } from '../support/action-yml.js';
import { DIST_CLI, DIST_INDEX, runAction } from '../support/run-action.js';
import { REPO_ROOT } from '../support/workflow-snippets.js';

describe('the e2e harness', () => {
  test('runs bundles built from the current sources, not the committed dist/', () => {
    const built = join(REPO_ROOT, '.tmp', 'build-cache', sourceHash());
    expect(DIST_INDEX).toBe(join(built, 'index.js'));
    expect(DIST_CLI).toBe(join(built, 'cli', 'index.js'));
    expect(readFileSync(DIST_CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  test('fills every input of action.yml: the value given, else the default, github.token expanded', () => {
    const inputs = runnerInputs({ name: 'shop', app: 'app:app' });
    const declared = readActionYml().inputs;
    expect(Object.keys(inputs).sort()).toEqual(Object.keys(declared).sort());
    expect(inputs).toMatchObject({ name: 'shop', app: 'app:app', handler: '', 'github-token': RUNNER_TOKEN });
    for (const [name, spec] of Object.entries(declared))
      if (!['name', 'app', 'github-token'].includes(name))
        expect([name, inputs[name]]).toEqual([name, spec.default ?? '']);
    // The code's own defaults agree (the runner's are the ones that count).
    expect(INPUT_DEFAULTS['github-token']).toBe('${{ github.token }}');
    expect(inputEnvName('role-to-assume')).toBe('INPUT_ROLE-TO-ASSUME');
  });

  test('refuses an input action.yml does not declare (a typo would silently test nothing)', () => {
    expect(() => runnerInputs({ name: 'shop', handlr: 'app.handler' })).toThrow(
      /not declared in action.yml: handlr/,
    );
  });

  test('the bundle runs with an INPUT_* variable for every input, as on the runner', async () => {
    const run = await runAction({ inputs: { name: 'shop', command: 'explode' } });
    const names = Object.keys(readActionYml().inputs);
    expect(names.filter((n) => !(inputEnvName(n) in run.env))).toEqual([]);
    expect(run.env['INPUT_GITHUB-TOKEN']).toBe(RUNNER_TOKEN);
    // The value reached the bundle: it reports what it got.
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('command: "explode" is not valid');
  });
});
