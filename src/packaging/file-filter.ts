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

function compile(patterns: readonly string[]): Matcher {
  const matchers = patterns
    .map((p) => p.trim().replace(/\/+$/, ''))
    .filter((p) => p.length > 0)
    .map((p) => {
      const anchored = p.startsWith('/');
      const pattern = anchored ? p.replace(/^\/+/, '') : p;
      return picomatch(pattern, { dot: true, basename: !anchored && !pattern.includes('/') });
    });
  if (matchers.length === 0) return () => false;
  return (path) => matchers.some((m) => m(path));
}

/** The path itself and each folder above it: `a/b/c` -> `a`, `a/b`, `a/b/c`. */
function selfAndAncestors(relPath: string): string[] {
  const parts = relPath.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function anyLevel(match: Matcher): Matcher {
  return (relPath) => selfAndAncestors(relPath).some(match);
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
