import { isAbsolute, relative, resolve } from 'node:path';
import { createFileFilter } from '../packaging/file-filter.js';
import { redact } from '../util/redact.js';

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
  const filter = createFileFilter({
    runtime: scope.runtime,
    include: scope.include,
    exclude: scope.exclude,
    excludeDirs: [...scope.outputs.flatMap((d) => inside(scope.path, d) ?? []), ...NEVER_WATCHED],
  });
  return (raw) => {
    const relPath = raw.split(/[\\/]/).join('/');
    if (NEVER_WATCHED.some((d) => relPath === d || relPath.startsWith(`${d}/`) || relPath.includes(`/${d}/`)))
      return false;
    if (relPath === requirements || BUILD_INPUTS.has(relPath)) return true;
    const parts = relPath.split('/');
    for (let i = 1; i < parts.length; i++) if (!filter.walkDir(parts.slice(0, i).join('/'))) return false;
    return filter.includeFile(relPath);
  };
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

  /** The changed paths (sorted) once quiet long enough, emptying the batch; undefined before. */
  take(now: number): string[] | undefined {
    if (this.paths.size === 0 || now - this.last < this.quietMs) return undefined;
    const paths = [...this.paths].sort();
    this.paths.clear();
    return paths;
  }
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
