import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectFiles } from '../src/packaging/collect-files.js';
import { formatBytes } from '../src/packaging/size-check.js';
import { listZip } from '../src/packaging/zip-reader.js';
import { DEFAULT_LEVEL, writeZip } from '../src/packaging/zip-writer.js';
import { DEFAULT_TREE, generateTree, type TreeSpec } from './generate-tree.js';

export interface PackagingBenchResult {
  files: number;
  treeBytes: number;
  runs: number;
  oursSeconds: number;
  oursCpuSeconds: number;
  oursBytes: number;
  /** The same packager at zlib level 6, zip's level. */
  level6: { seconds: number; cpuSeconds: number; bytes: number };
  zipSeconds?: number;
  zipCpuSeconds?: number;
  zipBytes?: number;
}

const ZIP = '/usr/bin/zip';

/** Runs a command through sh and returns the CPU seconds (user + system) it used, from `times`. */
function runCounted(command: string, args: string[], cwd: string): Promise<number> {
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${quoted} >/dev/null || exit 1; times`], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${command} exited with ${code}`));
      // The second line holds the children's user and system times: "0m5.820s 0m0.590s".
      const line = out.trim().split('\n')[1] ?? '';
      const seconds = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      resolve(seconds.reduce((a, b) => a + b, 0));
    });
  });
}

/** Wall seconds, and CPU seconds: what fn reports, else what this process used (worker threads included). */
async function timed(fn: () => Promise<number | void>): Promise<{ wall: number; cpu: number }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const reported = await fn();
  const used = process.cpuUsage(cpuStart);
  return {
    wall: (performance.now() - start) / 1000,
    cpu: typeof reported === 'number' ? reported : (used.user + used.system) / 1e6,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '),
    )
    .join('\n');
}

const load = (): string => loadavg()[0]!.toFixed(1);

/**
 * Times our packager (collect files + zip writer, the production path)
 * against Info-ZIP `zip -r -q -X -6` on the same generated tree, in the same
 * run, best of `runs` alternating rounds. Prints a table (wall and CPU
 * time: on a shared machine the CPU column is the steadier one) and returns
 * the figures. Needs about twice the tree's size in temp space; removes it.
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

    const best = {
      ours: Infinity,
      oursCpu: Infinity,
      zip: Infinity,
      zipCpu: Infinity,
      ours6: Infinity,
      ours6Cpu: Infinity,
    };
    let oursBytes = 0;
    let ours6Bytes = 0;
    let zipBytes = 0;
    const packOurs = async (
      round: number,
      level?: number,
    ): Promise<{ wall: number; cpu: number; bytes: number }> => {
      const oursZip = join(work, `ours-${round}-${level ?? 'default'}.zip`);
      const t = await timed(async () => {
        const files = await collectFiles(tree, { runtime: 'python3.12' });
        await writeZip(
          oursZip,
          files.map((f) => ({ name: f.path, file: f.absPath, size: f.size, executable: f.executable })),
          level === undefined ? {} : { level },
        );
      });
      const bytes = (await stat(oursZip)).size;
      if (round === 0) {
        const entries = await listZip(oursZip);
        if (entries.length !== generated.files)
          throw new Error(`our zip holds ${entries.length} entries, expected ${generated.files}`);
      }
      await rm(oursZip);
      return { ...t, bytes };
    };
    for (let round = 0; round < runs; round++) {
      const t = await packOurs(round);
      best.ours = Math.min(best.ours, t.wall);
      best.oursCpu = Math.min(best.oursCpu, t.cpu);
      oursBytes = t.bytes;
      let line = `round ${round + 1}/${runs}: ours ${t.wall.toFixed(2)} s (CPU ${t.cpu.toFixed(2)} s)`;
      if (haveZip) {
        const theirZip = join(work, `zip-${round}.zip`);
        const z = await timed(() => runCounted(ZIP, ['-r', '-q', '-X', '-6', theirZip, '.'], tree));
        best.zip = Math.min(best.zip, z.wall);
        best.zipCpu = Math.min(best.zipCpu, z.cpu);
        zipBytes = (await stat(theirZip)).size;
        await rm(theirZip);
        line += `, zip ${z.wall.toFixed(2)} s (CPU ${z.cpu.toFixed(2)} s)`;
      }
      const t6 = await packOurs(round, 6);
      best.ours6 = Math.min(best.ours6, t6.wall);
      best.ours6Cpu = Math.min(best.ours6Cpu, t6.cpu);
      ours6Bytes = t6.bytes;
      line += `, ours at level 6 ${t6.wall.toFixed(2)} s (CPU ${t6.cpu.toFixed(2)} s)`;
      log(`${line}, load average ${load()}`);
    }

    const rows = [
      ['packer', 'wall time', 'CPU time', 'zip size', 'bytes'],
      [
        `lambda-deploy (zlib level ${DEFAULT_LEVEL}, workers)`,
        `${best.ours.toFixed(2)} s`,
        `${best.oursCpu.toFixed(2)} s`,
        formatBytes(oursBytes),
        String(oursBytes),
      ],
      [
        'lambda-deploy (zlib level 6, workers)',
        `${best.ours6.toFixed(2)} s`,
        `${best.ours6Cpu.toFixed(2)} s`,
        formatBytes(ours6Bytes),
        String(ours6Bytes),
      ],
    ];
    if (haveZip) {
      rows.push(
        [
          'zip -r -q -X -6 (Info-ZIP)',
          `${best.zip.toFixed(2)} s`,
          `${best.zipCpu.toFixed(2)} s`,
          formatBytes(zipBytes),
          String(zipBytes),
        ],
        [
          'ours (default) / zip',
          `${(best.ours / best.zip).toFixed(2)}x`,
          `${(best.oursCpu / best.zipCpu).toFixed(2)}x`,
          `${(((oursBytes - zipBytes) / zipBytes) * 100).toFixed(2)}%`,
          '',
        ],
        [
          'ours (level 6) / zip',
          `${(best.ours6 / best.zip).toFixed(2)}x`,
          `${(best.ours6Cpu / best.zipCpu).toFixed(2)}x`,
          `${(((ours6Bytes - zipBytes) / zipBytes) * 100).toFixed(2)}%`,
          '',
        ],
      );
    }
    log('');
    log(
      `Packaging: ${generated.files} files, ${formatBytes(generated.bytes)}; best of ${runs} rounds; ` +
        `${availableParallelism()} cores, load average ${load()}`,
    );
    log(table(rows));
    return {
      files: generated.files,
      treeBytes: generated.bytes,
      runs,
      oursSeconds: best.ours,
      oursCpuSeconds: best.oursCpu,
      oursBytes,
      level6: { seconds: best.ours6, cpuSeconds: best.ours6Cpu, bytes: ours6Bytes },
      ...(haveZip ? { zipSeconds: best.zip, zipCpuSeconds: best.zipCpu, zipBytes } : {}),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
