/**
 * `npm run bench slim`: the unpack of a ~300 MB dependency tree at cold
 * start, in the chosen format (tar.gz, unpacked by the function's own loader,
 * runtime/python/_lambda_deploy_slim.py: the code and the command the build
 * times for the job summary's estimate) against a plain zip (our zip writer,
 * extracted with Python's zipfile), and the other candidates (zip stored,
 * uncompressed tar), in the same run, best of BENCH_RUNS alternating rounds.
 *
 * The unpack reads the archive from a local file: on Lambda the archive
 * comes from S3. A tar stream is unpacked while it downloads (the loader
 * reads the network on a second thread), a zip only after (its directory is
 * at its end), and the bytes to download are the "archive" column.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { collectFiles } from '../src/packaging/collect-files.js';
import { SLIM_ARCHIVE_LEVEL, writeSlimArchive } from '../src/packaging/slim-archive.js';
import { measureSlimUnpack } from '../src/packaging/slim-build.js';
import { formatBytes, formatCount } from '../src/packaging/size-check.js';
import { writeZip } from '../src/packaging/zip-writer.js';
import { DEFAULT_TREE, generateTree, type TreeSpec } from './generate-tree.js';

/** DEFAULT_TREE scaled to about 300 MB (16,900 files). */
export const SLIM_TREE: TreeSpec = {
  ...DEFAULT_TREE,
  seed: 20240617,
  pythonFiles: 15_500,
  binaryFiles: 960,
  compressedFiles: 390,
  largeBinaries: 5,
};

const CANDIDATES = new URL('./slim-candidates.py', import.meta.url).pathname;

interface Row {
  label: string;
  archive: string;
  bytes: number;
  unpack: (into: string) => Promise<{ seconds: number; cpuSeconds: number; files: number }>;
  best: { seconds: number; cpuSeconds: number };
}

function python(): string {
  return process.env.LAMBDA_DEPLOY_PYTHON || 'python3';
}

function candidate(kind: 'zip' | 'tar', archive: string, into: string) {
  return new Promise<{ seconds: number; cpuSeconds: number; files: number }>((resolve, reject) => {
    execFile(python(), [CANDIDATES, kind, archive, into], { maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      resolve(JSON.parse(stdout.trim()) as { seconds: number; cpuSeconds: number; files: number });
    });
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '),
    )
    .join('\n');
}

export interface SlimBenchResult {
  files: number;
  treeBytes: number;
  runs: number;
  rows: { label: string; bytes: number; seconds: number; cpuSeconds: number }[];
}

export async function runSlimBench(
  options: { spec?: TreeSpec; runs?: number; log?: (line: string) => void } = {},
): Promise<SlimBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const runs = options.runs ?? Number(process.env.BENCH_RUNS ?? 3);
  const work = await mkdtemp(join(tmpdir(), 'lambda-deploy-slim-bench-'));
  try {
    const tree = join(work, 'tree');
    log('Slim: generating the dependency tree…');
    const generated = await generateTree(tree, options.spec ?? SLIM_TREE);
    log(
      `Slim: tree of ${formatCount(generated.files)} files, ${formatBytes(generated.bytes)}; writing the archives…`,
    );
    const files = (await collectFiles(tree, { runtime: 'python3.12', defaults: false })).map((f) => ({
      name: f.path,
      file: f.absPath,
      size: f.size,
      executable: f.executable,
    }));
    const tgz = await writeSlimArchive(join(work, 'deps.tar.gz'), files);
    // The plain zip at the archive's level: the formats differ, not the compression.
    const zip = await writeZip(join(work, 'deps.zip'), files, { level: SLIM_ARCHIVE_LEVEL });
    const stored = await writeZip(join(work, 'stored.zip'), files, { level: 0 });
    const tar = join(work, 'deps.tar');
    await pipeline(createReadStream(tgz.path), createGunzip(), createWriteStream(tar));
    const tarBytes = (await stat(tar)).size;

    const rows: Row[] = [
      {
        label: `tar.gz, level ${SLIM_ARCHIVE_LEVEL}, streamed (chosen: the cold-start loader)`,
        archive: tgz.path,
        bytes: tgz.bytes,
        unpack: (into) => measureSlimUnpack(python(), tgz.path, tgz.sha256Hex, { tempParent: into }),
        best: { seconds: Infinity, cpuSeconds: Infinity },
      },
      {
        label: `zip, deflate level ${SLIM_ARCHIVE_LEVEL} (plain zip: hash, then ZipFile.extractall)`,
        archive: zip.path,
        bytes: zip.bytes,
        unpack: (into) => candidate('zip', zip.path, join(into, 'zip')),
        best: { seconds: Infinity, cpuSeconds: Infinity },
      },
      {
        label: 'zip, stored',
        archive: stored.path,
        bytes: stored.bytes,
        unpack: (into) => candidate('zip', stored.path, join(into, 'stored')),
        best: { seconds: Infinity, cpuSeconds: Infinity },
      },
      {
        label: 'tar, uncompressed, streamed',
        archive: tar,
        bytes: tarBytes,
        unpack: (into) => candidate('tar', tar, join(into, 'tar')),
        best: { seconds: Infinity, cpuSeconds: Infinity },
      },
    ];
    for (let round = 0; round < runs; round++) {
      const parts: string[] = [];
      for (const row of round % 2 ? [...rows].reverse() : rows) {
        const into = await mkdtemp(join(work, 'unpack-'));
        // Each unpack starts with no writeback of the one before pending (it slowed whichever came next).
        execFileSync('sync');
        const t = await row.unpack(into);
        await rm(into, { recursive: true, force: true });
        if (t.files !== generated.files)
          throw new Error(`${row.label}: unpacked ${t.files} files of ${generated.files}`);
        row.best.seconds = Math.min(row.best.seconds, t.seconds);
        row.best.cpuSeconds = Math.min(row.best.cpuSeconds, t.cpuSeconds);
        parts.push(`${row.label.split(' (')[0]} ${t.seconds.toFixed(2)} s`);
      }
      log(`Slim round ${round + 1}/${runs}: ${parts.join(', ')}; load average ${loadavg()[0]!.toFixed(1)}`);
    }
    const baseline = rows[1]!.best;
    const out: string[][] = [['format', 'archive', 'unpack (wall)', 'unpack (CPU)', 'wall vs plain zip']];
    for (const row of rows)
      out.push([
        row.label,
        formatBytes(row.bytes),
        `${row.best.seconds.toFixed(2)} s`,
        `${row.best.cpuSeconds.toFixed(2)} s`,
        `${(row.best.seconds / baseline.seconds).toFixed(2)}x`,
      ]);
    log('');
    log(
      `Slim: unpack of ${formatCount(generated.files)} files, ${formatBytes(generated.bytes)}; best of ${runs} rounds; ` +
        `${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} (archive read from a local file: ` +
        'on Lambda a tar stream unpacks while it downloads, a zip after its download)',
    );
    log(table(out));
    return {
      files: generated.files,
      treeBytes: generated.bytes,
      runs,
      rows: rows.map((r) => ({ label: r.label, bytes: r.bytes, ...r.best })),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
