/**
 * The writer's memory does not grow with the archive: a zip far bigger than
 * the memory it may use. The zip is written by the benchmark's child program
 * in a fresh process (its peak RSS is the process's, threads included), at
 * level 0 so the test spends its time on I/O, not on deflate.
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

/** `filesMiB` in files of 512 KiB (one unit each), and one file of `bigMiB` (1 MiB chunks). */
function makeTree(name: string, filesMiB: number, bigMiB: number): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  const small = Buffer.alloc(512 * 1024, 1);
  for (let i = 0; i < filesMiB * 2; i++) writeFileSync(join(dir, 'lib', `f${i}.so`), small);
  writeFileSync(join(dir, 'model.bin'), Buffer.alloc(bigMiB * 1024 * 1024, 2));
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
  it('writes a 512 MiB zip with a peak RSS well under its size (a bounded window, central records only)', () => {
    const result = pack(makeTree('big', 448, 64));
    expect(result.entries).toBe(897);
    expect(result.bytes).toBeGreaterThan(512 * 1024 * 1024);
    // A writer that kept the entries' bytes until the end would need more than the zip's size.
    expect(Math.round(result.maxRssBytes / 1024 / 1024)).toBeLessThan(384);
  });
});
