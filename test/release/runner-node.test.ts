/**
 * CI runs the bundles' suites again on the Node GitHub runs the action with
 * (scripts/runner-node.mjs, from .ci/run): its pin follows action.yml, and
 * every suite that runs a bundle is among the ones it runs.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionNodeMajor, RUNNER_NODE, RUNNER_NODE_SUITES } from '../../scripts/runner-node.mjs';
import { readActionYml } from '../support/action-yml.js';
import { REPO_ROOT } from '../support/workflow-snippets.js';

describe('the runner-node check', () => {
  test("pins a Node of the major action.yml's runs.using names, with its tarball's integrity", () => {
    const using = readActionYml().runs.using;
    expect(using).toMatch(/^node\d+$/);
    expect(actionNodeMajor()).toBe(Number(using.slice('node'.length)));
    expect(RUNNER_NODE.version).toMatch(new RegExp(`^${actionNodeMajor()}\\.\\d+\\.\\d+$`));
    expect(RUNNER_NODE.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  test('reads the major from runs.using, and refuses an action.yml without one', () => {
    expect(actionNodeMajor("runs:\n  using: 'node26'\n  main: 'dist/index.js'\n")).toBe(26);
    expect(actionNodeMajor('runs:\n  using: "node20"\n')).toBe(20);
    expect(() => actionNodeMajor("runs:\n  using: 'docker'\n")).toThrow(/no `runs.using: 'nodeNN'`/);
  });

  // Bundles are started through test/support/run-action.ts: it holds their paths (DIST_INDEX, DIST_CLI).
  test('runs every suite that starts a bundle (dist/index.js or the CLI)', () => {
    const suites = readdirSync(join(REPO_ROOT, 'test'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/${f}`);
    const runsBundle = suites.filter((f) =>
      /from '(\.\.\/)+support\/run-action\.js'/.test(readFileSync(join(REPO_ROOT, f), 'utf8')),
    );
    expect(runsBundle).toContain('test/fake-aws/dist.test.ts');
    expect(runsBundle).toContain('test/e2e/cli.test.ts');
    const missed = runsBundle.filter((f) => !RUNNER_NODE_SUITES.some((p) => new RegExp(p).test(f)));
    expect(missed).toEqual([]);
  });

  test('.ci/run runs it after npm test', () => {
    const lines = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8').split('\n');
    expect(lines.indexOf('npm run test:runner-node')).toBeGreaterThan(lines.indexOf('npm test'));
    expect(lines.indexOf('npm test')).toBeGreaterThan(0);
  });
});
