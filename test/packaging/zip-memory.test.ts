/**
 * The writer's memory does not grow with the archive: a zip eight times
 * bigger costs about the same peak RSS. Each zip is written by the benchmark's
 * child program in a fresh process (its peak RSS is the process's), at level 0
 * so the test spends its time on I/O, not on deflate.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackChildResult } from '../../bench/pack-child.js';
import { tempDir } from './helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { dir: root, cleanup } = tempDir('zip-memory');
afterAll(cleanup);

/** `mb` MiB: half in files of 512 KiB (one unit each), half in one big file (1 MiB chunks). */
function makeTree(name: string, mb: number): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  const small = Buffer.alloc(512 * 1024, 1);
  for (let i = 0; i < mb / 2 / 0.5; i++) writeFileSync(join(dir, 'lib', `f${i}.so`), small);
  writeFileSync(join(dir, 'model.bin'), Buffer.alloc((mb / 2) * 1024 * 1024, 2));
  return dir;
}

function pack(tree: string): PackChildResult {
  const options = { level: 0, workers: 2, maxBufferedBytes: 4 * 1024 * 1024 };
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'bench/pack-child.ts', tree, `${tree}.zip`, 'python3.12', JSON.stringify(options)],
    { cwd: repo, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as PackChildResult;
}

describe('writeZip memory', () => {
  it('peaks at about the same RSS for a 96 MiB and a 384 MiB zip (a bounded window, central records only)', () => {
    const small = pack(makeTree('small', 96));
    const big = pack(makeTree('big', 384));
    expect(big.bytes).toBeGreaterThan(384 * 1024 * 1024);
    // A writer that kept the entries' bytes would grow by the difference, 288 MiB.
    expect(big.bytes - small.bytes).toBeGreaterThan(288 * 1024 * 1024);
    const mib = (n: number) => Math.round(n / 1024 / 1024);
    const growth = mib(big.maxRssBytes - small.maxRssBytes);
    expect(`grew by ${growth} MiB (${mib(small.maxRssBytes)} -> ${mib(big.maxRssBytes)} MiB)`).toMatch(
      /^grew by ([0-9]|[1-5][0-9]|6[0-3]) MiB/,
    );
  });
});
