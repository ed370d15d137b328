/** The file filter of a walk that starts the zip threads and feeds them each file it keeps. */
import { realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { createFileFilter, type FileFilter, type FilterOptions } from './file-filter.js';
import { DeflatePool, Prefetcher } from './zip-writer.js';

/** Files listed before a build starts its zip threads: a few hundred are worth them (see INLINE_LIMIT). */
export const THREADS_AFTER_FILES = 256;

/**
 * The filter of `options` for a walk of `root` that gets the zip going: it
 * starts `pool` once it has kept THREADS_AFTER_FILES files, and hands every
 * file it keeps to `prefetch`, so the threads compress while the walk goes on.
 */
export function walkingFilter(
  root: string,
  options: FilterOptions,
  pool: DeflatePool,
  prefetch?: Prefetcher,
): FileFilter {
  const filter = createFileFilter(options);
  // collectFiles walks the real path: the files' paths then match what the prefetcher saw.
  const base = realpathSync(root);
  // As collectFiles builds it (relPath has forward slashes: joined, and normalized, only where they are not the separator).
  const prefix = base.endsWith(sep) ? base : base + sep;
  const absPath = (relPath: string): string => (sep === '/' ? prefix + relPath : join(base, relPath));
  let kept = 0;
  return {
    walkDir: (relPath) => filter.walkDir(relPath),
    ...(filter.leftOut && { leftOut: filter.leftOut }),
    includeFile: (relPath, found) => {
      const keep = filter.includeFile(relPath);
      if (keep) {
        if (++kept === THREADS_AFTER_FILES) pool.start();
        // The walk's own string when it gives one: the very path the zip reads, and no second copy per file.
        prefetch?.add(found ?? absPath(relPath));
      }
      return keep;
    },
  };
}
