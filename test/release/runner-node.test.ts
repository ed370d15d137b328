/**
 * The action bundle runs on the Node GitHub runs it with (scripts/runner-node.mjs,
 * from .ci/run): its pin follows action.yml; npm test starts dist/index.js on it once
 * .ci/run has fetched it, and the runner-node check then runs on it only the suites
 * npm test ran elsewhere (those that start the CLI bundle on jest's own Node).
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  actionNodeMajor,
  pickActionNode,
  RUNNER_NODE,
  RUNNER_NODE_CLI_SUITES,
  RUNNER_NODE_SUITES,
  suitesLeft,
} from '../../scripts/runner-node.mjs';
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
  const suites = readdirSync(join(REPO_ROOT, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${f}`);
  const importing = (pattern: RegExp) =>
    suites.filter((f) => pattern.test(readFileSync(join(REPO_ROOT, f), 'utf8')));
  const runsBundle = importing(/from '(\.\.\/)+support\/run-action\.js'/);
  const runsCli = importing(/import \{[^}]*\bDIST_CLI\b[^}]*\} from '(\.\.\/)+support\/run-action\.js'/);
  const covered = (list: string[], f: string) => list.some((p) => new RegExp(p).test(f));

  test('runs every suite that starts a bundle (dist/index.js or the CLI)', () => {
    expect(runsBundle).toContain('test/fake-aws/dist.test.ts');
    expect(runsBundle).toContain('test/e2e/cli.test.ts');
    expect(runsBundle.filter((f) => !covered(RUNNER_NODE_SUITES, f))).toEqual([]);
  });

  test("after an npm test that ran the action on the runner's Node: every suite that starts the CLI bundle", () => {
    expect(runsCli).toEqual(
      expect.arrayContaining(['test/e2e/cli.test.ts', 'test/entry/cli/credential-refusals.test.ts']),
    );
    expect(runsCli.filter((f) => !covered(RUNNER_NODE_CLI_SUITES, f))).toEqual([]);
    // Exact paths, each a suite that exists: a pattern would take in more than it names.
    for (const p of RUNNER_NODE_CLI_SUITES) expect(suites).toContain(p);
  });

  // Only run-action.ts starts dist/index.js, on the Node global setup picked (LAMBDA_DEPLOY_ACTION_NODE).
  test("the action bundle is started in one place, on the action's Node, never on jest's own", () => {
    const files = readdirSync(join(REPO_ROOT, 'test'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `test/${f}`);
    const starts = files.filter((f) =>
      /\b(spawn|spawnSync|execFile|execFileSync|fork)\([^;]*\bDIST_INDEX\b/s.test(
        readFileSync(join(REPO_ROOT, f), 'utf8'),
      ),
    );
    expect(starts).toEqual(['test/support/run-action.ts']);
    const runAction = readFileSync(join(REPO_ROOT, 'test/support/run-action.ts'), 'utf8');
    expect(runAction).toMatch(/spawn\(ACTION_NODE, \[DIST_INDEX\]/);
    expect(runAction).toMatch(/ACTION_NODE = bundleUnderTest\('LAMBDA_DEPLOY_ACTION_NODE'\)/);
  });

  const major = 24;
  const execPath = '/usr/bin/node';
  const fetched = { path: '/repo/.tmp/runner-node/24.22.3/bin/node', version: 'v24.22.3' };

  test("picks the action's Node: LAMBDA_DEPLOY_RUNNER_NODE, else the fetched pin, else jest's own", () => {
    const jest = { path: execPath, version: 'v20.20.2' };
    const override = { path: '/opt/node24/bin/node', version: 'v24.1.0' };
    expect(pickActionNode({ major, override, fetched, jest })).toMatchObject(override);
    expect(pickActionNode({ major, fetched, jest })).toMatchObject(fetched);
    expect(pickActionNode({ major, jest })).toMatchObject(jest);
    // A fetched Node of another major (action.yml moved on, the pin not yet): not the runner's.
    expect(pickActionNode({ major: 26, fetched, jest })).toMatchObject(jest);
    expect(() => pickActionNode({ major, override: { path: '/opt/n', version: 'v22.3.0' }, jest })).toThrow(
      'LAMBDA_DEPLOY_RUNNER_NODE: "/opt/n" is Node v22.3.0; expected the path of a Node 24 (action.yml runs on node24)',
    );
  });

  test('runs only the CLI suites when npm test ran the current action bundle on that Node', () => {
    const record = { node: fetched.path, version: fetched.version, dist: 'abc123' };
    const left = (r: typeof record | undefined, node = fetched) => suitesLeft(r, node, 'abc123');
    expect(left(record)).toBe(RUNNER_NODE_CLI_SUITES);
    expect(left(undefined)).toBe(RUNNER_NODE_SUITES);
    expect(left({ ...record, node: execPath, version: 'v20.20.2' })).toBe(RUNNER_NODE_SUITES);
    expect(left({ ...record, dist: 'older' })).toBe(RUNNER_NODE_SUITES);
    expect(left(record, { path: '/opt/node24/bin/node', version: 'v24.1.0' })).toBe(RUNNER_NODE_SUITES);
  });

  test('.ci/run fetches it before npm test, and runs it after', () => {
    const lines = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8').split('\n');
    const fetch = lines.indexOf('npm run test:runner-node -- --fetch');
    expect(fetch).toBeGreaterThan(lines.indexOf('npm ci --no-audit --no-fund'));
    expect(lines.indexOf('npm test')).toBeGreaterThan(fetch);
    expect(lines.indexOf('npm run test:runner-node')).toBeGreaterThan(lines.indexOf('npm test'));
  });
});
