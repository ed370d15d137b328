/**
 * The package's entries and their zips: entries from collected files, merged
 * (later lists win), checked against Lambda's size limits before compressing,
 * then written as the function's zip and the dependencies layer's.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Surface } from '../settings/surface.js';
import type { Logger } from '../util/logger.js';
import { checkPackageSize, formatBytes, formatCount, largestParts } from './size-check.js';
import { EntryCache } from './entry-cache.js';
import {
  configureZipThreads,
  DEFAULT_LEVEL,
  DeflatePool,
  Prefetcher,
  writeZip,
  type WriteZipOptions,
  type ZipEntrySource,
} from './zip-writer.js';
import {
  type BuildPackageOptions,
  type DependenciesLayerArtifact,
  type PackageArtifact,
  type PackageResult,
  PackageTooLargeError,
} from './build-package-types.js';

export interface Entry {
  path: string;
  bytes: number;
  source: ZipEntrySource;
}

export function entriesFromFiles(
  files: readonly { path: string; absPath: string; size: number; executable: boolean }[],
  prefix = '',
): Entry[] {
  return files.map((f) => ({
    path: `${prefix}${f.path}`,
    bytes: f.size,
    source: { name: `${prefix}${f.path}`, file: f.absPath, size: f.size, executable: f.executable },
  }));
}

/**
 * What the function zip holds: its largest parts, and the entries read from a file of
 * the folder (not replaced by a generated or installed one) with that file's path;
 * the `packaged` files of a sibling workspace package are the user's too, at their
 * own paths outside the folder.
 */
export function contents(
  folder: string,
  collected: readonly { path: string; absPath: string }[],
  entries: readonly Entry[],
  packaged: readonly { path: string; absPath: string; sibling?: boolean }[] = [],
): Pick<PackageResult, 'largest' | 'sourceFiles'> {
  const read = new Map(collected.map((f) => [f.path, f.absPath]));
  const outside = new Map(packaged.filter((f) => f.sibling).map((f) => [f.path, f.absPath]));
  const root = resolve(folder);
  const sourceFiles = new Map<string, string>();
  for (const { path, source } of entries) {
    if (source.file === undefined) continue;
    if (read.get(path) === source.file) sourceFiles.set(path, join(root, path));
    else if (outside.get(path) === source.file) sourceFiles.set(path, source.file);
  }
  return { largest: largestParts(entries), sourceFiles };
}

/** Later lists win over earlier ones; collisions are reported. */
export function merge(logger: Logger, ...lists: { what: string; entries: Entry[] }[]): Entry[] {
  const byPath = new Map<string, { what: string; entry: Entry }>();
  for (const { what, entries } of lists) {
    const replaced: string[] = [];
    for (const entry of entries) {
      const before = byPath.get(entry.path);
      if (before) replaced.push(`${entry.path} (from ${before.what})`);
      byPath.set(entry.path, { what, entry });
    }
    if (replaced.length)
      logger.warning(
        `${replaced.length} file(s) of the package are replaced by ${what}: ${replaced.slice(0, 5).join(', ')}${replaced.length > 5 ? ', …' : ''}`,
      );
  }
  return [...byPath.values()].map((v) => v.entry);
}

async function writeArtifact(
  outDir: string,
  baseName: string,
  entries: readonly Entry[],
  zipOptions: WriteZipOptions | undefined,
  logger: Logger,
): Promise<PackageArtifact> {
  const temp = join(outDir, `.${baseName}-${process.pid}-${randomBytes(4).toString('hex')}.zip.partial`);
  try {
    const zip = await writeZip(
      temp,
      entries.map((e) => e.source),
      zipOptions,
    );
    if (zip.cache) {
      const { hits, misses, rejected, saved } = zip.cache;
      logger.info(
        `Package cache: ${formatCount(hits)} of ${formatCount(hits + misses)} files and 1 MiB chunks reused, ` +
          `${formatCount(misses)} compressed${rejected ? ` (${formatCount(rejected)} cached ones failed their checksums)` : ''}; ` +
          `the cache holds ${formatCount(saved.entries)} in ${formatBytes(saved.bytes)}`,
      );
    }
    const zipPath = join(outDir, `${baseName}-${zip.sha256Hex.slice(0, 12)}.zip`);
    await rename(temp, zipPath);
    return {
      zipPath,
      codeSha256: zip.sha256Base64,
      sha256Hex: zip.sha256Hex,
      packageBytes: zip.bytes,
      unpackedBytes: zip.unpackedBytes,
      fileCount: zip.entries,
    };
  } finally {
    await rm(temp, { force: true });
  }
}

function summary(label: string, a: PackageArtifact, temporary?: boolean): string {
  return `${label}: ${formatBytes(a.packageBytes)} zipped, ${formatBytes(a.unpackedBytes)} unzipped, ${formatCount(a.fileCount)} ${a.fileCount === 1 ? 'file' : 'files'}${temporary ? '' : ` (${a.zipPath})`}`;
}

/**
 * The zips' options: the threads know the level and the cache before the
 * walk, to compress files as it finds them (the prefetcher).
 */
export async function zipSetup(
  options: BuildPackageOptions,
  pool: DeflatePool,
): Promise<{ zipOptions: WriteZipOptions; prefetch: Prefetcher }> {
  const level = options.zip?.level ?? DEFAULT_LEVEL;
  const cache = options.packageCache
    ? await EntryCache.open(resolve(options.packageCache), { level })
    : undefined;
  configureZipThreads(pool, level, cache);
  const prefetch = new Prefetcher(pool);
  return { zipOptions: { ...options.zip, pool, prefetch, ...(cache ? { cache } : {}) }, prefetch };
}

/** Before compressing anything: Lambda counts the function and all its layers unzipped. */
export function checkSizesBeforeZipping(
  functionEntries: readonly Entry[],
  layerEntries: readonly Entry[],
  otherLayerBytes: number,
  logger: Logger,
  surface: Surface | undefined,
): void {
  const pre = checkPackageSize({
    ...(surface && { surface }),
    unpackedBytes: functionEntries.reduce((n, e) => n + e.bytes, 0),
    layerBytes: layerEntries.reduce((n, e) => n + e.bytes, 0) + otherLayerBytes,
    files: [...functionEntries, ...layerEntries],
  });
  if (pre.error) throw new PackageTooLargeError(pre.error);
  for (const w of pre.warnings) logger.warning(w);
}

/** The dependencies layer's zip (Lambda's `python/` layout) when there is one, then the function's. */
export async function writeZips(
  options: BuildPackageOptions,
  outDir: string,
  functionEntries: Entry[],
  dependencies: Entry[],
  key: string | undefined,
  zipOptions: WriteZipOptions,
  logger: Logger,
): Promise<{ artifact: PackageArtifact; layer?: DependenciesLayerArtifact }> {
  let layer: DependenciesLayerArtifact | undefined;
  if (dependencies.length) {
    const layerEntries = dependencies.map((e) => ({
      path: `python/${e.path}`,
      bytes: e.bytes,
      source: { ...e.source, name: `python/${e.path}` },
    }));
    const artifact = await writeArtifact(outDir, `${options.name}-deps`, layerEntries, zipOptions, logger);
    layer = { ...artifact, key: key! };
    logger.info(summary('Dependencies layer', layer, options.temporaryOutDir));
  }
  const artifact = await writeArtifact(outDir, options.name, functionEntries, zipOptions, logger);
  logger.info(summary('Package', artifact, options.temporaryOutDir));
  for (const zipped of [artifact, ...(layer ? [layer] : [])]) {
    const post = checkPackageSize({ unpackedBytes: zipped.unpackedBytes, packageBytes: zipped.packageBytes });
    for (const n of post.notes) logger.info(n);
  }
  return { artifact, ...(layer ? { layer } : {}) };
}
