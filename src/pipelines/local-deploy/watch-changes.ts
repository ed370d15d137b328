import { isAbsolute, relative, resolve } from 'node:path';
import { createFileFilter } from '../../packaging/file-filter.js';
import { redact } from '../../util/redact.js';

/**
 * serve --watch, pure: which changed paths call for a rebuild, when a burst
 * of changes is over, and the line each reload prints.
 */

/** What the watch needs of the settings to judge a path as packaging would. */
export interface WatchScope {
  /** The watched folder (--path), absolute. */
  path: string;
  runtime: string;
  include: readonly string[];
  exclude: readonly string[];
  /** The requirements file (absolute): a change re-runs pip even when include leaves it out. */
  requirements?: string;
  /** The workspace (settings.workspace): the build looks no higher for a project's files. */
  workspace?: string;
  /** Folders the build writes (its out dir, the package cache): its own writes are no change. */
  outputs: readonly string[];
}

/** Files that decide what the build installs, at the root of --path: a change of one always rebuilds. */
const BUILD_INPUTS = new Set([
  'requirements.txt',
  'pyproject.toml',
  'uv.lock',
  'poetry.lock',
  'Pipfile',
  'Pipfile.lock',
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
]);

/** Folders never worth a rebuild, whatever include says (node_modules/.cache: tools' caches). */
const NEVER_WATCHED = ['.git', '__pycache__', 'node_modules/.cache'];

/** `dir` relative to `root` with forward slashes, when it lies inside it. */
function inside(root: string, dir: string): string | undefined {
  const rel = relative(root, resolve(root, dir));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(/[\\/]/).join('/') : undefined;
}

/**
 * Whether a change of `relPath` (relative to --path, forward slashes, as
 * fs.watch names it) changes the package: the packaging's own file filter
 * (include, exclude, the default exclusions), without the build's output,
 * plus the requirements and lockfiles.
 */
export function changeFilter(scope: WatchScope): (relPath: string) => boolean {
  const requirements = scope.requirements ? inside(scope.path, scope.requirements) : undefined;
  const { filter, folderWatched } = watchFilters(scope);
  return (raw) => {
    const relPath = raw.split(/[\\/]/).join('/');
    if (relPath === requirements || BUILD_INPUTS.has(relPath)) return true;
    const parts = relPath.split('/');
    if (parts.length > 1 && !folderWatched(parts.slice(0, -1).join('/'))) return false;
    return !isNeverWatched(relPath) && filter.includeFile(relPath);
  };
}

/**
 * Whether the folder `relDir` (relative to --path, forward slashes; '' for
 * --path itself) can hold a file of the package: the folders worth a watch.
 * None under .venv, .git, __pycache__, the build's output (and, for Python,
 * node_modules): the packaging's own filter leaves them out, and their
 * thousands of folders would each take one of Linux's inotify watches.
 */
export function folderFilter(scope: WatchScope): (relDir: string) => boolean {
  return watchFilters(scope).folderWatched;
}

function watchFilters(scope: WatchScope) {
  const filter = createFileFilter({
    runtime: scope.runtime,
    include: scope.include,
    exclude: scope.exclude,
    excludeDirs: [...scope.outputs.flatMap((d) => inside(scope.path, d) ?? []), ...NEVER_WATCHED],
  });
  const folderWatched = (relDir: string) => {
    if (!relDir) return true;
    if (isNeverWatched(relDir)) return false;
    const parts = relDir.split('/');
    for (let i = 1; i <= parts.length; i++) if (!filter.walkDir(parts.slice(0, i).join('/'))) return false;
    return true;
  };
  return { filter, folderWatched };
}

function isNeverWatched(relPath: string): boolean {
  return NEVER_WATCHED.some(
    (d) => relPath === d || relPath.startsWith(`${d}/`) || relPath.includes(`/${d}/`),
  );
}

/**
 * What --watch says when it cannot watch (and stops watching): for Linux's
 * inotify limit (ENOSPC from fs.watch), the setting and how to raise it.
 */
export function watchStoppedLine(path: string, error: { code?: string; message: string }): string {
  const rest = 'still serving the last build (restart serve to watch again).';
  if (error.code === 'ENOSPC')
    return (
      `--watch stopped watching ${path}: the folders it holds need more inotify watches than Linux allows ` +
      '(fs.inotify.max_user_watches, per user). Raise the limit with `sudo sysctl fs.inotify.max_user_watches=524288` ' +
      '(and add fs.inotify.max_user_watches=524288 to /etc/sysctl.conf to keep it), or narrow --path or exclude big folders; ' +
      rest
    );
  return `--watch stopped watching ${path}: ${error.message}; ${rest}`;
}

/**
 * Collects changes until none came for `quietMs`: an editor's save (write,
 * rename, chmod) or a `git checkout` is one rebuild. Time is passed in.
 */
export class ChangeBatch {
  private readonly paths = new Set<string>();
  private last = 0;

  constructor(readonly quietMs: number) {}

  /** Notes a change; returns when the batch is due if nothing else comes. */
  add(relPath: string, now: number): number {
    this.paths.add(relPath);
    this.last = now;
    return now + this.quietMs;
  }

  /** When the batch is due if nothing else comes; undefined when it is empty. */
  due(): number | undefined {
    return this.paths.size === 0 ? undefined : this.last + this.quietMs;
  }

  /** The changed paths (sorted) once quiet long enough, emptying the batch; undefined before. */
  take(now: number): string[] | undefined {
    if (this.paths.size === 0 || now - this.last < this.quietMs) return undefined;
    const paths = [...this.paths].sort();
    this.paths.clear();
    return paths;
  }
}

/**
 * The changed paths worth naming: those still there, so an editor's
 * temporary file (`sed -i`'s `sedAbc123`, vim's `4913`), written and renamed
 * or removed within the burst, is not named; all of them when none is there
 * (files deleted).
 */
export function namedChanges(paths: readonly string[], exists: (relPath: string) => boolean): string[] {
  const there = paths.filter(exists);
  return there.length ? there : [...paths];
}

/** `app.py`, `app.py and util.py`, `app.py and 3 more files`. */
export function changedNames(paths: readonly string[]): string {
  const [first, second] = paths;
  if (paths.length <= 1) return first ?? 'a file';
  if (paths.length === 2) return `${first} and ${second}`;
  return `${first} and ${paths.length - 1} more files`;
}

/** The one line a reload prints. */
export function reloadedLine(paths: readonly string[], ms: number): string {
  return `Reloaded after ${changedNames(paths)} changed (${(ms / 1000).toFixed(1)} s)`;
}

/** The line a failed reload prints: the previous build still answers. */
export function reloadFailedLine(paths: readonly string[], error: string): string {
  const said = /[.!?]$/.test(error) ? error : `${error}.`;
  return `Reload after ${changedNames(paths)} changed failed: ${said} The server is still serving the last good build; the next change tries again.`;
}

/**
 * What a build that could not start wrote (its traceback), for a failed
 * reload: its log lines without their times, less the runtime's INIT_ lines
 * and the `[ERROR]` line that the failure line says already; redacted.
 */
export function startFailureText(lines: readonly string[], secrets: readonly string[]): string {
  const kept = lines
    .map((line) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''))
    .filter((line) => !/^(?:INIT_START |INIT_REPORT |\[ERROR\] )/.test(line));
  return redact(kept.join('\n'), secrets).trimEnd();
}
