/**
 * One packaging run in its own process, so the benchmark can report its peak
 * memory: `pack-child.ts <tree> <zip> <runtime> [json options]`. Collects the
 * files and writes the zip as a build does (threads started during the walk),
 * then prints one JSON line:
 * wall and CPU seconds of that work (Node's own start-up excluded: the action
 * is already running when it packages), the zip's size and SHA-256, the cache
 * counts, the process's own peak RSS (peakRssBytes), and the Node and zlib
 * it ran on (the benchmark can run it on another Node: BENCH_NODE).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { walkingFilter } from '../src/packaging/walking-filter.js';
import { EntryCache } from '../src/packaging/entry-cache.js';
import { collectFiles } from '../src/packaging/collect-files.js';
import {
  configureZipThreads,
  DEFAULT_LEVEL,
  defaultThreads,
  DeflatePool,
  Prefetcher,
  writeZip,
  type WriteZipOptions,
} from '../src/packaging/zip-writer.js';

export interface PackChildResult {
  wall: number;
  cpu: number;
  bytes: number;
  sha256: string;
  entries: number;
  maxRssBytes: number;
  hits?: number;
  misses?: number;
  /** Zip threads the pack started. */
  threads: number;
  /** process.version and process.versions.zlib of the child. */
  node: string;
  zlib: string;
}

/**
 * The peak RSS of this process (its threads included) since it started:
 * VmHWM, the high-water mark of its own address space. Not getrusage's
 * maxRSS: Linux keeps that across fork and exec, so a child reports at
 * least the RSS its parent had when it was started (the benchmark's, which
 * has just written a 5 GB tree), whatever it uses itself.
 */
function peakRssBytes(status = '/proc/self/status'): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(status, 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // Not Linux: getrusage's figure, an upper bound.
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const [tree, zip, runtime, json] = process.argv.slice(2);
  if (!tree || !zip || !runtime)
    throw new Error('usage: pack-child.ts <tree> <zip> <runtime> [options json]');
  // threads: as a build on a machine with one core more (BENCH_THREADS); workers: tests' fixed threads.
  const { threads, ...options } = JSON.parse(json ?? '{}') as WriteZipOptions & { threads?: number };
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  // As buildPackage does: cache opened and threads set up before the walk, started during it
  // once it has found enough files, and compressing the files it finds.
  const pool = new DeflatePool(
    options.workers ?? threads ?? defaultThreads(),
    options.workers ? 'never' : 'idle',
  );
  const level = options.level ?? DEFAULT_LEVEL;
  const cache =
    typeof options.cache === 'string' ? await EntryCache.open(options.cache, { level }) : undefined;
  configureZipThreads(pool, level, cache);
  const prefetch = new Prefetcher(pool);
  const files = await collectFiles(tree, walkingFilter(tree, { runtime }, pool, prefetch));
  prefetch.end();
  const result = await writeZip(
    zip,
    files.map((f) => ({ name: f.path, file: f.absPath, size: f.size, executable: f.executable })),
    { ...options, pool, prefetch, ...(cache ? { cache } : {}) },
  );
  const started = pool.threadLimits().length;
  await pool.close();
  const cpu = process.cpuUsage(cpuStart);
  const out: PackChildResult = {
    wall: (performance.now() - start) / 1000,
    cpu: (cpu.user + cpu.system) / 1e6,
    bytes: result.bytes,
    sha256: result.sha256Hex,
    entries: result.entries,
    maxRssBytes: peakRssBytes(),
    threads: started,
    ...(result.cache ? { hits: result.cache.hits, misses: result.cache.misses } : {}),
    node: process.version,
    zlib: process.versions.zlib ?? 'unknown',
  };
  console.log(JSON.stringify(out));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
