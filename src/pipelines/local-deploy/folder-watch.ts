import { readdirSync, statSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

export interface FolderWatch {
  close(): void;
}

export interface FolderWatchOptions {
  root: string;
  /** Whether a folder (relative, forward slashes; '' for root) gets a watch. */
  folderWatched: (relDir: string) => boolean;
  /** A change of `relPath` (relative, forward slashes; '' when the system named none). */
  onChange: (relPath: string) => void;
  /** Watching failed (ENOSPC: Linux's inotify limit): every watch is closed first. */
  onError: (error: NodeJS.ErrnoException) => void;
  /** fs.watch (tests: one that fails). */
  watch?: typeof fsWatch;
  /** process.platform (tests). */
  platform?: NodeJS.Platform;
}

/**
 * Watches `root` and the folders under it that `folderWatched` admits. On
 * Linux one non-recursive fs.watch (an inotify watch) a folder: Node's
 * recursive watch there watches every folder (.venv, node_modules) and polls
 * every file. A folder made later is watched when its parent reports it; one
 * removed drops its watch. macOS and Windows watch a tree natively with one
 * handle (a handle a folder would keep Windows from deleting them).
 */
export function watchFolders(options: FolderWatchOptions): FolderWatch {
  const watch = options.watch ?? fsWatch;
  if ((options.platform ?? process.platform) !== 'linux') return watchNatively(options, watch);
  const watchers = new Map<string, FSWatcher>();
  let stopped = false;

  const stop = () => {
    stopped = true;
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
  const fail = (error: unknown) => {
    if (stopped) return;
    stop();
    options.onError(error as NodeJS.ErrnoException);
  };
  const isFolder = (relDir: string) => {
    try {
      return statSync(join(options.root, relDir)).isDirectory();
    } catch {
      return false; // gone already
    }
  };

  function add(relDir: string): void {
    if (stopped || watchers.has(relDir) || !options.folderWatched(relDir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(join(options.root, relDir), (_event, name) => changed(relDir, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Removed between the listing and the watch: nothing to watch.
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      return fail(error);
    }
    watcher.on('error', (error) => {
      // The folder itself went away (EPERM on Windows): its parent reports that.
      if (!isFolder(relDir)) return drop(relDir);
      fail(error);
    });
    watchers.set(relDir, watcher);
    let entries;
    try {
      entries = readdirSync(join(options.root, relDir), { withFileTypes: true });
    } catch {
      return;
    }
    // Symbolic links are not followed: a link to a folder outside would watch that folder's tree.
    for (const entry of entries)
      if (entry.isDirectory()) add(relDir ? `${relDir}/${entry.name}` : entry.name);
  }

  function drop(relDir: string): void {
    for (const [dir, watcher] of watchers)
      if (dir === relDir || dir.startsWith(`${relDir}/`)) {
        watcher.close();
        watchers.delete(dir);
      }
  }

  function changed(relDir: string, name: string | Buffer | null): void {
    if (stopped) return;
    if (name === null) return options.onChange(relDir);
    const relPath = relDir ? `${relDir}/${String(name)}` : String(name);
    // A folder made (its files may be written before its watch starts: the change rebuilds anyway) or removed.
    if (isFolder(relPath)) add(relPath);
    else if (watchers.has(relPath)) drop(relPath);
    options.onChange(relPath);
  }

  add('');
  return { close: stop };
}

/** One recursive watch of the whole tree, where the system does it natively (macOS, Windows). */
function watchNatively(options: FolderWatchOptions, watch: typeof fsWatch): FolderWatch {
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(options.root, { recursive: true }, (_event, name) =>
      options.onChange(name === null ? '' : String(name).split(sep).join('/')),
    );
    watcher.on('error', (error) => {
      watcher?.close();
      options.onError(error);
    });
  } catch (error) {
    options.onError(error as NodeJS.ErrnoException);
  }
  return { close: () => watcher?.close() };
}

export interface FilesWatchOptions {
  /** Files (absolute), there or not yet. */
  files: readonly string[];
  /** A change of one of them. */
  onChange: (file: string) => void;
  onError: (error: NodeJS.ErrnoException) => void;
  watch?: typeof fsWatch;
}

/**
 * Watches single files outside the watched tree (a src layout's ../uv.lock):
 * one non-recursive watch of each one's folder, not of the file, as an
 * editor's save or `uv lock` replaces the file (a watch of the file would
 * follow the old one) and a lockfile may not be there yet. A folder that is
 * not there is not watched.
 */
export function watchFiles(options: FilesWatchOptions): FolderWatch {
  const watch = options.watch ?? fsWatch;
  const byFolder = new Map<string, Set<string>>();
  for (const file of options.files)
    byFolder.set(dirname(file), (byFolder.get(dirname(file)) ?? new Set()).add(basename(file)));
  const watchers: FSWatcher[] = [];
  const stop = () => watchers.splice(0).forEach((w) => w.close());
  const fail = (error: unknown) => {
    stop();
    options.onError(error as NodeJS.ErrnoException);
  };
  for (const [folder, names] of byFolder) {
    try {
      const watcher = watch(folder, (_event, name) => {
        if (name !== null && names.has(String(name))) options.onChange(join(folder, String(name)));
      });
      watcher.on('error', fail);
      watchers.push(watcher);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      fail(error);
      break;
    }
  }
  return { close: stop };
}
