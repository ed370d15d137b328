import picomatch from 'picomatch';

/**
 * Which files of the project go into the package: pure decisions on
 * forward-slash paths relative to `path`, no file system access.
 *
 * Patterns follow .gitignore habits, matched with picomatch (dot files
 * included):
 * - a pattern without a slash matches a name at any depth (`*.md`, `tests`);
 *   a leading `/` anchors it at the root (`/build`);
 * - a pattern that matches a folder covers everything inside it;
 * - `include` (when given) keeps only the files it matches;
 * - `exclude` removes files, and `!pattern` in `exclude` keeps files that a
 *   default exclusion would drop (`!.env.production`).
 */

/** Folders never packaged, at any depth, for every runtime. */
export const DEFAULT_EXCLUDED_DIRS: readonly string[] = [
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  '.github',
  '.idea',
  '.vscode',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.tox',
  '.nox',
  '.aws-sam',
  '.serverless',
];

/**
 * Files never packaged. `.env` files usually hold local secrets and are
 * meant to stay on the developer's machine: the function gets its variables
 * from the `environment` input instead (keep one with `exclude: "!.env.x"`).
 */
export const DEFAULT_EXCLUDED_FILES: readonly string[] = [
  '*.pyc',
  '*.pyo',
  '.DS_Store',
  'Thumbs.db',
  'desktop.ini',
  '.coverage',
  '.coverage.*',
  '*.swp',
  '*.swo',
  '*~',
  '.env',
  '.env.*',
];

export interface FilterOptions {
  runtime: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** Paths (relative, forward slashes) of folders to leave out, e.g. the build's own output. */
  excludeDirs?: readonly string[];
  /** Apply DEFAULT_EXCLUDED_*; false for folders we produced ourselves (installed dependencies). */
  defaults?: boolean;
}

export interface FileFilter {
  /** Whether a folder's content may hold packaged files (false: skip walking it). */
  walkDir(relPath: string): boolean;
  /** Whether a file is packaged. */
  includeFile(relPath: string): boolean;
}

type Matcher = (relPath: string) => boolean;

/**
 * One regular expression for the name patterns (matched against the last
 * path segment) and one for the path patterns: the filter runs for every
 * file and folder of trees with tens of thousands of files.
 */
function compile(patterns: readonly string[]): Matcher {
  const names: RegExp[] = [];
  const paths: RegExp[] = [];
  for (const raw of patterns) {
    const p = raw.trim().replace(/\/+$/, '');
    if (!p) continue;
    const anchored = p.startsWith('/');
    const pattern = anchored ? p.replace(/^\/+/, '') : p;
    (anchored || pattern.includes('/') ? paths : names).push(picomatch.makeRe(pattern, { dot: true }));
  }
  const union = (list: RegExp[]): RegExp | undefined =>
    list.length ? new RegExp(list.map((r) => `(?:${r.source})`).join('|')) : undefined;
  const name = union(names);
  const path = union(paths);
  return (relPath) =>
    (name !== undefined && name.test(relPath.slice(relPath.lastIndexOf('/') + 1))) ||
    (path !== undefined && path.test(relPath));
}

/** True when the path or any folder above it matches; folder answers are cached. */
function anyLevel(match: Matcher): Matcher {
  const folders = new Map<string, boolean>();
  const folderMatches = (dir: string): boolean => {
    let result = folders.get(dir);
    if (result === undefined) {
      const slash = dir.lastIndexOf('/');
      result = match(dir) || (slash > 0 && folderMatches(dir.slice(0, slash)));
      folders.set(dir, result);
    }
    return result;
  };
  return (relPath) => {
    if (match(relPath)) return true;
    const slash = relPath.lastIndexOf('/');
    return slash > 0 && folderMatches(relPath.slice(0, slash));
  };
}

export function defaultExcludes(runtime: string): string[] {
  const dirs = [...DEFAULT_EXCLUDED_DIRS];
  // Node.js functions ship their node_modules; Python ones never need them.
  if (runtime.startsWith('python')) dirs.push('node_modules');
  else dirs.push('node_modules/.cache', 'node_modules/**/.cache');
  return [...dirs, ...DEFAULT_EXCLUDED_FILES];
}

export function createFileFilter(options: FilterOptions): FileFilter {
  const userExclude = options.exclude ?? [];
  const negated = userExclude.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const excluded = anyLevel(compile(userExclude.filter((p) => !p.startsWith('!'))));
  const kept = anyLevel(compile(negated));
  const defaults =
    options.defaults === false ? () => false : anyLevel(compile(defaultExcludes(options.runtime)));
  const outDirs = (options.excludeDirs ?? []).filter((d) => d !== '' && d !== '.');
  const inOutDir: Matcher = (p) => outDirs.some((d) => p === d || p.startsWith(`${d}/`));
  const include = options.include ?? [];
  const included = include.length ? anyLevel(compile(include)) : () => true;
  // A negation may name a file inside a default-excluded folder (`!.vscode/settings.json`).
  const negationReaches = (dir: string): boolean =>
    kept(dir) || negated.some((n) => n.replace(/^\/+/, '').startsWith(`${dir}/`));

  return {
    walkDir(relPath) {
      if (inOutDir(relPath) || excluded(relPath)) return false;
      return !defaults(relPath) || negationReaches(relPath);
    },
    includeFile(relPath) {
      if (inOutDir(relPath) || excluded(relPath)) return false;
      if (defaults(relPath) && !kept(relPath)) return false;
      return included(relPath);
    },
  };
}
