/** The e2e harness itself: the bundle it runs, and the inputs it gives it. */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sourceHash } from '../../scripts/build-cache.mjs';
import { RUNNER_NODE } from '../../scripts/runner-node.mjs';
import { INPUT_DEFAULTS } from '../../src/settings/names.js';
import { inputEnvName, readActionYml, RUNNER_TOKEN, runnerInputs } from '../support/action-yml.js';
import { ACTION_NODE, DIST_CLI, DIST_INDEX, runAction } from '../support/run-action.js';
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

  // GitHub runs dist/index.js on action.yml's runs.using Node (24), whatever Node runs jest.
  test("runs the action bundle on the action's Node: the runner's, once fetched into .tmp/runner-node/", async () => {
    const fetched = join(REPO_ROOT, '.tmp', 'runner-node', RUNNER_NODE.version, 'bin', 'node');
    const given = process.env.LAMBDA_DEPLOY_RUNNER_NODE;
    if (given) expect(ACTION_NODE).toBe(given.includes('/') ? resolve(given) : given);
    else expect(ACTION_NODE).toBe(existsSync(fetched) ? fetched : process.execPath);
    const dir = mkdtempSync(join(tmpdir(), 'action-node-'));
    const probe = join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      `require('fs').writeFileSync(${JSON.stringify(join(dir, 'version'))}, process.version);\n`,
    );
    await runAction({
      inputs: { name: 'shop', command: 'explode' },
      env: { NODE_OPTIONS: `--require=${probe}` },
    });
    const expected = execFileSync(ACTION_NODE, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    expect(readFileSync(join(dir, 'version'), 'utf8')).toBe(expected);
  });
});
