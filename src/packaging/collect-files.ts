import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
  type Dirent,
} from 'node:fs';
import { relative, sep } from 'node:path';
import { isInside } from '../util/paths.js';
import { createFileFilter, type FileFilter, type FilterOptions } from './file-filter.js';
import { sortByUtf8 } from './utf8-order.js';

/** A file to package. */
export interface CollectedFile {
  /** Path inside the package: relative, forward slashes. */
  path: string;
  /** Where to read it (a symlink's target for links). */
  absPath: string;
  size: number;
  /** Any execute bit set on disk (on Windows: a script or ELF program by its first bytes): packaged as 0755. */
  executable: boolean;
}

/**
 * Whether Lambda should be able to run the file. Unix: an execute bit.
 * Windows has none (Node reports 0666 or 0444), and a bootstrap, a layer's
 * bin/ or extensions/ file, or a package's bundled program would lose it in
 * the zip: there a file starting with `#!` or the ELF magic is executable.
 */
function isExecutable(mode: number, absPath: string, platform: NodeJS.Platform): boolean {
  if (platform !== 'win32') return (mode & 0o111) !== 0;
  const head = Buffer.alloc(4);
  const fd = openSync(absPath, 'r');
  try {
    const read = readSync(fd, head, 0, 4, 0);
    return (
      head.subarray(0, 2).toString('latin1') === '#!' || (read === 4 && head.toString('latin1') === '\x7fELF')
    );
  } finally {
    closeSync(fd);
  }
}

export class SymlinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SymlinkError';
  }
}

/** A file or folder name Node.js cannot read back (not UTF-8). */
export class FileNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileNameError';
  }
}

/**
 * Walks `root` and returns the files the filter keeps, sorted by the UTF-8
 * bytes of their paths. Symbolic links are followed when they point inside
 * `boundary` (the workspace; `root` itself by default): the package then
 * holds the target's content under the link's name, so a monorepo's
 * `common -> ../../libs/common` is packaged as regular files. A link pointing
 * outside is an error, since its target would silently differ between
 * machines (and could be any file of the runner). Folders holding a
 * `pyvenv.cfg` are virtualenvs, whatever their name, and are skipped.
 */
export async function collectFiles(
  root: string,
  filter: FilterOptions | FileFilter,
  onSkip: (message: string) => void = () => undefined,
  boundary: string = root,
  /** process.platform; a test makes it Windows. */
  platform: NodeJS.Platform = process.platform,
): Promise<CollectedFile[]> {
  const decide = 'includeFile' in filter ? filter : createFileFilter(filter);
  const realRoot = realpathSync(root);
  const realBoundary = realpathSync(boundary);
  const files: CollectedFile[] = [];

  const addFile = (relPath: string, absPath: string): void => {
    const s = statSync(absPath);
    files.push({ path: relPath, absPath, size: s.size, executable: isExecutable(s.mode, absPath, platform) });
  };

  // Synchronous on purpose: for tens of thousands of files, sync stat calls
  // cost a fraction of the CPU of as many promises (measured ~10x).
  /** `ancestors`: the real folders being walked, so links that lead back into one are a loop. */
  const walk = (dirAbs: string, rel: string, ancestors: readonly string[]): void => {
    const dirents: Dirent[] = readdirSync(dirAbs, { withFileTypes: true });
    if (rel !== '' && dirents.some((d) => d.name === 'pyvenv.cfg' && !d.isDirectory())) {
      onSkip(`${rel}/ is a virtualenv (it holds pyvenv.cfg): not packaged`);
      return;
    }
    for (const d of dirents) {
      const relPath = rel ? `${rel}/${d.name}` : d.name;
      const absPath = childPath(dirAbs, d.name);
      // A name that is not UTF-8 reads as U+FFFD, and no file answers to that name (rare: checked only then).
      if (d.name.includes('\uFFFD') && !existsSync(absPath)) {
        if (d.isDirectory() ? !decide.walkDir(relPath) : !decide.includeFile(relPath)) continue;
        throw new FileNameError(
          `${relPath}: its name is not valid UTF-8, so it cannot go into a zip for Lambda; rename it (e.g. convmv -f latin1 -t utf8 --notest), ` +
            `or leave it out with exclude (e.g. "${relPath.replace(/\uFFFD+/g, '*')}").`,
        );
      }
      if (d.isDirectory()) {
        if (decide.walkDir(relPath)) walk(absPath, relPath, [...ancestors, absPath]);
      } else if (d.isFile()) {
        if (decide.includeFile(relPath, absPath)) addFile(relPath, absPath);
      } else if (d.isSymbolicLink()) {
        // A dev-only package's bin link (node_modules/.bin/esbuild) goes with the package, before it is counted.
        if (decide.leftOut && linksInto(realRoot, absPath, decide.leftOut)) continue;
        if (!decide.includeFile(relPath) && !decide.walkDir(relPath)) continue;
        let target: string;
        try {
          target = realpathSync(absPath);
        } catch {
          throw new SymlinkError(
            `${relPath} is a symbolic link whose target does not exist; remove it or add it to exclude.`,
          );
        }
        if (!isInside(realBoundary, target))
          throw new SymlinkError(
            `${relPath} is a symbolic link to ${target}, outside ${boundary === root ? `the package folder ${root}` : `the workspace ${boundary}`}; ` +
              'the package would depend on the machine that built it. ' +
              (/[\\/]node_modules[\\/]\.pnpm[\\/]/.test(target)
                ? // A pnpm workspace member's dependencies link into the root's store.
                  'pnpm installed it as a link into its store: add node-linker=hoisted to .npmrc, then run pnpm deploy --filter <package> --prod <folder> ' +
                  'and deploy that folder (or pnpm install --prod in a project of its own), so node_modules holds files, not links.'
                : 'Copy the file into the folder, or add the link to exclude.'),
          );
        const s = statSync(target);
        if (s.isDirectory()) {
          // dirAbs is always a real path: a target above it, or one being walked, would be walked forever.
          if (isInside(target, dirAbs) || ancestors.includes(target))
            throw new SymlinkError(
              `${relPath} is a symbolic link to a folder that contains it (${target}): a loop.`,
            );
          if (decide.walkDir(relPath)) walk(target, relPath, [...ancestors, target]);
        } else if (s.isFile() && decide.includeFile(relPath)) {
          files.push({
            path: relPath,
            absPath: target,
            size: s.size,
            executable: isExecutable(s.mode, target, platform),
          });
        }
      }
    }
  };

  walk(realRoot, '', [realRoot]);
  return sortByUtf8(files, (f) => f.path);
}

/** Whether the link at `absPath` leads to a path inside `root` that `leftOut` says is left out; a broken link is the walk's to report. */
function linksInto(root: string, absPath: string, leftOut: (relPath: string) => boolean): boolean {
  let target: string;
  try {
    target = realpathSync(absPath);
  } catch {
    return false;
  }
  return isInside(root, target) && leftOut(relative(root, target).split(sep).join('/'));
}

/**
 * `join(dir, name)` for a real (normalized) folder and a name readdir gave:
 * nothing to normalize, and it runs once per file of the tree.
 */
function childPath(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}
