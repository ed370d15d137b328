/**
 * BENCH_THREADS: the packaging benchmark can pack with the zip threads of a
 * runner with more cores than this machine, to read that runner's peak
 * memory here. The option is checked before any tree is made, and the
 * threads change the time and memory of a pack, never its bytes.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackChildResult } from '../../bench/pack-child.js';
import { benchThreads } from '../../bench/packaging-bench.js';
import { defaultThreads } from '../../src/packaging/deflate-pool.js';
import { tempDir } from './helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { dir: root, cleanup } = tempDir('bench-threads');
afterAll(cleanup);

function pack(tree: string, options: object): PackChildResult {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'bench/pack-child.ts', tree, `${tree}.zip`, 'python3.12', JSON.stringify(options)],
    { cwd: repo, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as PackChildResult;
}

describe('BENCH_THREADS', () => {
  it('is a whole number of zip threads from 1 to 64, or unset', () => {
    expect(benchThreads(undefined)).toBeUndefined();
    expect(benchThreads('')).toBeUndefined();
    expect(benchThreads('3')).toBe(3);
    for (const bad of ['0', '-1', '2.5', 'three', '65'])
      expect(() => benchThreads(bad)).toThrow(
        `BENCH_THREADS "${bad}" is not valid; expected a whole number of zip threads from 1 to 64`,
      );
  });

  it('packs with that many threads, to the same bytes as one thread per core but one', () => {
    // Past the file count that starts the threads (THREADS_AFTER_FILES).
    const tree = join(root, 'tree');
    mkdirSync(join(tree, 'pkg'), { recursive: true });
    for (let i = 0; i < 400; i++)
      writeFileSync(join(tree, 'pkg', `m${i}.py`), `VALUE_${i} = ${i}\n`.repeat(40 + i));
    const usual = pack(tree, {});
    const three = pack(tree, { threads: 3 });
    expect(usual.threads).toBe(defaultThreads());
    expect(three.threads).toBe(3);
    expect(three.entries).toBe(400);
    expect(three.sha256).toBe(usual.sha256);
  });
});
