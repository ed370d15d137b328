import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectFiles } from '../src/packaging/collect-files.js';
import { formatBytes } from '../src/packaging/size-check.js';
import { listZip } from '../src/packaging/zip-reader.js';
import { writeZip } from '../src/packaging/zip-writer.js';
import { DEFAULT_TREE, generateTree, type TreeSpec } from './generate-tree.js';

export interface PackagingBenchResult {
  files: number;
  treeBytes: number;
  runs: number;
  oursSeconds: number;
  oursBytes: number;
  zipSeconds?: number;
  zipBytes?: number;
}

const ZIP = '/usr/bin/zip';

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '),
    )
    .join('\n');
}

/**
 * Times our packager (collect files + zip writer, the production path)
 * against Info-ZIP `zip -r -q -X -6` on the same generated tree, in the same
 * run, best of `runs` alternating rounds. Prints a table and returns the
 * figures. Needs ~2x the tree's size in temp space; removes it all after.
 */
export async function runPackagingBench(
  options: { spec?: TreeSpec; runs?: number; log?: (line: string) => void } = {},
): Promise<PackagingBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const runs = options.runs ?? Number(process.env.BENCH_RUNS ?? 3);
  const work = await mkdtemp(join(tmpdir(), 'lambda-deploy-bench-'));
  try {
    const tree = join(work, 'tree');
    log('Generating the tree…');
    const generated = await generateTree(tree, options.spec ?? DEFAULT_TREE);
    log(`Tree: ${generated.files} files, ${formatBytes(generated.bytes)} (${generated.bytes} bytes)`);
    const haveZip = existsSync(ZIP);
    if (!haveZip) log(`${ZIP} is missing: the Info-ZIP baseline is skipped (apt-get install zip).`);

    let ours = Infinity;
    let theirs = Infinity;
    let oursBytes = 0;
    let zipBytes = 0;
    for (let round = 0; round < runs; round++) {
      const oursZip = join(work, `ours-${round}.zip`);
      const t = await timed(async () => {
        const files = await collectFiles(tree, { runtime: 'python3.12' });
        await writeZip(
          oursZip,
          files.map((f) => ({ name: f.path, file: f.absPath, size: f.size, executable: f.executable })),
        );
      });
      ours = Math.min(ours, t);
      oursBytes = (await stat(oursZip)).size;
      if (round === 0) {
        const entries = await listZip(oursZip);
        if (entries.length !== generated.files)
          throw new Error(`our zip holds ${entries.length} entries, expected ${generated.files}`);
      }
      await rm(oursZip);
      if (haveZip) {
        const theirZip = join(work, `zip-${round}.zip`);
        theirs = Math.min(theirs, await timed(() => run(ZIP, ['-r', '-q', '-X', '-6', theirZip, '.'], tree)));
        zipBytes = (await stat(theirZip)).size;
        await rm(theirZip);
      }
      log(
        `round ${round + 1}/${runs}: ours ${ours.toFixed(2)} s${haveZip ? `, zip ${theirs.toFixed(2)} s` : ''} (best so far)`,
      );
    }

    const rows = [
      ['packer', 'wall time (best)', 'zip size', 'bytes'],
      ['lambda-deploy (zlib, parallel)', `${ours.toFixed(2)} s`, formatBytes(oursBytes), String(oursBytes)],
    ];
    if (haveZip) {
      rows.push([
        'zip -r -q -X -6 (Info-ZIP)',
        `${theirs.toFixed(2)} s`,
        formatBytes(zipBytes),
        String(zipBytes),
      ]);
      rows.push([
        'ours / zip',
        `${(ours / theirs).toFixed(2)}x`,
        `${(((oursBytes - zipBytes) / zipBytes) * 100).toFixed(2)}%`,
        '',
      ]);
    }
    log('');
    log(`Packaging: ${generated.files} files, ${formatBytes(generated.bytes)}, best of ${runs}`);
    log(table(rows));
    return {
      files: generated.files,
      treeBytes: generated.bytes,
      runs,
      oursSeconds: ours,
      oursBytes,
      ...(haveZip ? { zipSeconds: theirs, zipBytes } : {}),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
