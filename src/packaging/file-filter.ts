import picomatch from 'picomatch';
import { packageLevels } from './dev-dependencies.js';
import { isTypeScriptSource, namesTypeScript } from './typescript-sources.js';

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
 *   default exclusion would drop (`!.env.production`);
 * - a Node.js package only devDependencies need (`devOnlyDirs`, from npm's
 *   lockfile) is skipped unless `include` names its folder (or a package
 *   folder it sits in) without a wildcard in the last segment
 *   (`node_modules/typescript`, not `node_modules/**`), or a `!pattern` of
 *   `exclude` reaches it, as for a default exclusion;
 * - a Node.js function's TypeScript sources and tsconfig files outside
 *   node_modules (typescript-sources.ts) are left out unless an `include`
 *   pattern names them (`*.ts`, `tsconfig.json`; not `**` or `src`), or a
 *   `!pattern` of `exclude` keeps them;
 * - a Python function's folder of wheels pip installs from inside `path`,
 *   holding nothing the code needs (`findLinksDirs`, find-links-folders.ts),
 *   is skipped unless `include` names it (`wheels`, `wheels/**`, `*.whl`) or
 *   a `!pattern` of `exclude` reaches it.
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
 * `.npmrc`, `.pypirc`, `.netrc` and `.envrc` hold registry tokens, index
 * passwords and shell secrets for the tools of a build, never read by a
 * function at run time.
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
  '.envrc',
  '.npmrc',
  '.pypirc',
  '.netrc',
];

export interface FilterOptions {
  runtime: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** Paths (relative, forward slashes) of folders to leave out, e.g. the build's own output. */
  excludeDirs?: readonly string[];
  /** Apply DEFAULT_EXCLUDED_*; false for folders we produced ourselves (installed dependencies). */
  defaults?: boolean;
  /** Package folders only devDependencies need (see dev-dependencies.ts): not walked unless the user names them. */
  devOnlyDirs?: ReadonlySet<string>;
  /** Told each folder of devOnlyDirs the walk skips (maybe twice: a symbolic link is asked twice). */
  onDevOnly?: (relPath: string) => void;
  /** Told each TypeScript source or tsconfig file left out (maybe twice: a symbolic link is asked twice). */
  onTypeScript?: (relPath: string) => void;
  /** pip's --find-links folders inside the function's folder (see find-links-folders.ts): not walked unless the user names them. */
  findLinksDirs?: readonly string[];
  /** Told each folder of findLinksDirs left out (maybe twice). */
  onFindLinks?: (relPath: string) => void;
}

export interface FileFilter {
  /** Whether a folder's content may hold packaged files (false: skip walking it). */
  walkDir(relPath: string): boolean;
  /** Whether a file is packaged; `absPath`: where a walk found it (a regular file), for filters that act on it. */
  includeFile(relPath: string, absPath?: string): boolean;
  /** Whether a path lies in a dev-only package the walk skips: a symbolic link to it (node_modules/.bin/tsc) is left out too. */
  leftOut?(relPath: string): boolean;
}

type Matcher = (relPath: string) => boolean;

/** A name of these characters and single `*`s, not only dots: written without picomatch (simpleSource). */
const SIMPLE_SEGMENT = /^(?=\.*[^.])(?:[\w.~-]|\*(?!\*))+$/;
/** What picomatch (dot: true) makes of a `**` segment between two others: any folders, none `.` or `..`. */
const GLOBSTAR_BETWEEN = '(?:\\/(?!\\.{1,2}(?:\\/|$))(?:(?:(?!(?:^|\\/)\\.{1,2}(?:\\/|$)).)*?)\\/|\\/|$)';

/**
 * The regular expression source picomatch (dot: true) makes for the common
 * patterns, written directly: compiling the ~30 default exclusions with
 * picomatch costs a cold process (the action) 2-3 ms per build, for patterns
 * like `.git`, `*.pyc` and `node_modules/.cache`. A name pattern (`name`)
 * is only ever tested against one path segment, so its `/` cases are left out.
 * Path patterns: literal segments and `**` between two of them. Undefined
 * for any other pattern (classes, braces, `?`, a `*` in a path...), which
 * picomatch compiles. test/packaging/file-filter-patterns.test.ts holds the
 * two equal.
 */
export function simpleSource(pattern: string, name: boolean): string | undefined {
  const escape = (literal: string): string => literal.replace(/[.-]/g, '\\$&');
  if (name) {
    // picomatch gives `.*` and `*.*` their own meaning (neither matches a name ending in the dot).
    if (!SIMPLE_SEGMENT.test(pattern) || pattern === '.*' || pattern === '*.*') return undefined;
    // A leading `*` never matches `.` or `..` (picomatch's rule, kept with dot: true).
    const guard = pattern.startsWith('*') ? '(?!\\.{1,2}$)(?=.)' : '';
    return `^(?:${guard}${pattern.split('*').map(escape).join('[^/]*?')})$`;
  }
  const segments = pattern.split('/');
  const last = segments.length - 1;
  const simple = segments.every((s, i) =>
    s === '**' ? i > 0 && i < last && segments[i - 1] !== '**' : SIMPLE_SEGMENT.test(s) && !s.includes('*'),
  );
  if (!simple) return undefined;
  let source = escape(segments[0]!);
  for (let i = 1; i <= last; i++) {
    if (segments[i] === '**') continue;
    source += (segments[i - 1] === '**' ? GLOBSTAR_BETWEEN : '\\/') + escape(segments[i]!);
  }
  return `^(?:${source})$`;
}

/**
 * The patterns as one test: literal names in a set, one regular expression
 * for the other name patterns (matched against the last path segment) and
 * one for the path patterns; undefined without patterns. The filter runs for
 * every file and folder of trees with tens of thousands of files.
 */
function compile(patterns: readonly string[]): Matcher | undefined {
  const literals = new Set<string>();
  const names: string[] = [];
  const paths: string[] = [];
  for (const raw of patterns) {
    const p = raw.trim().replace(/\/+$/, '');
    if (!p) continue;
    const anchored = p.startsWith('/');
    const pattern = anchored ? p.replace(/^\/+/, '') : p;
    const name = !anchored && !pattern.includes('/');
    const source = simpleSource(pattern, name);
    // A simple name without `*` matches itself only.
    if (name && source !== undefined && !pattern.includes('*')) literals.add(pattern);
    else (name ? names : paths).push(source ?? picomatch.makeRe(pattern, { dot: true }).source);
  }
  const union = (list: string[]): RegExp | undefined =>
    list.length ? new RegExp(list.map((source) => `(?:${source})`).join('|')) : undefined;
  const name = union(names);
  const path = union(paths);
  if (literals.size === 0 && name === undefined && path === undefined) return undefined;
  return (relPath) => {
    const last = relPath.slice(relPath.lastIndexOf('/') + 1);
    return (
      literals.has(last) ||
      (name !== undefined && name.test(last)) ||
      (path !== undefined && path.test(relPath))
    );
  };
}

/**
 * A match of the path or of any folder above it. `folder` gives the same
 * answer for a folder and remembers it: the walk asks for each folder before
 * its files, whose own questions then find their folder's answer.
 */
interface LevelMatcher {
  (relPath: string): boolean;
  folder(relPath: string): boolean;
}

const NEVER: LevelMatcher = Object.assign(() => false, { folder: () => false });

function anyLevel(match: Matcher | undefined): LevelMatcher {
  if (match === undefined) return NEVER;
  const folders = new Map<string, boolean>();
  const folder = (dir: string): boolean => {
    let result = folders.get(dir);
    if (result === undefined) {
      const slash = dir.lastIndexOf('/');
      result = match(dir) || (slash > 0 && folder(dir.slice(0, slash)));
      folders.set(dir, result);
    }
    return result;
  };
  const any = (relPath: string): boolean => {
    if (match(relPath)) return true;
    const slash = relPath.lastIndexOf('/');
    return slash > 0 && folder(relPath.slice(0, slash));
  };
  return Object.assign(any, { folder });
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
  const defaults = options.defaults === false ? NEVER : anyLevel(compile(defaultExcludes(options.runtime)));
  const outDirs = (options.excludeDirs ?? []).filter((d) => d !== '' && d !== '.');
  const inOutDir: Matcher = outDirs.length
    ? (p) => outDirs.some((d) => p === d || p.startsWith(`${d}/`))
    : () => false;
  const include = options.include ?? [];
  const included: Matcher = include.length ? anyLevel(compile(include)) : () => true;
  // A negation may name a file inside a default-excluded folder (`!.vscode/settings.json`).
  const negationReaches = (dir: string): boolean =>
    kept.folder(dir) || negated.some((n) => n.replace(/^\/+/, '').startsWith(`${dir}/`));
  // `include: node_modules/**` (or `**`) keeps node_modules, not its dev-only packages: only a name counts.
  const includeNames = compile(
    include.filter((p) => !/[*?[\]{}()]/.test(p.replace(/\/+$/, '').split('/').pop()!)),
  );
  // Node.js runs the built JavaScript; the defaults are off for the folders we produced ourselves.
  const typeScript = options.defaults !== false && !options.runtime.startsWith('python');
  const namedTypeScript = compile(include.filter(namesTypeScript));
  const leavesOutTypeScript = (relPath: string): boolean =>
    typeScript && isTypeScriptSource(relPath) && !kept(relPath) && !namedTypeScript?.(relPath);
  const findLinks = findLinksLeftOut(options, include, negationReaches);
  const devOnly = options.devOnlyDirs;
  const keepsDevOnly = (dir: string): boolean =>
    negationReaches(dir) || (includeNames !== undefined && packageLevels(dir).some(includeNames));

  return {
    walkDir(relPath) {
      if (inOutDir(relPath) || excluded.folder(relPath) || findLinks(relPath)) return false;
      if (devOnly?.has(relPath) && !keepsDevOnly(relPath)) {
        options.onDevOnly?.(relPath);
        return false;
      }
      return !defaults.folder(relPath) || negationReaches(relPath);
    },
    includeFile(relPath) {
      if (inOutDir(relPath) || excluded(relPath) || findLinks(relPath)) return false;
      if (defaults(relPath) && !kept(relPath)) return false;
      if (!included(relPath)) return false;
      if (leavesOutTypeScript(relPath)) {
        options.onTypeScript?.(relPath);
        return false;
      }
      return true;
    },
    ...((devOnly || options.findLinksDirs?.length) && {
      leftOut: (relPath: string) =>
        findLinks(relPath) ||
        relPath.split('/').some((_, i, parts) => {
          const dir = parts.slice(0, i + 1).join('/');
          return devOnly?.has(dir) === true && !keepsDevOnly(dir);
        }),
    }),
  };
}

/** How a pattern naming pip's distributions ends. */
const DISTRIBUTION = /\.(whl|tar\.gz|tgz|zip)$/i;

/**
 * Whether a path is, or lies in, a --find-links folder left out (telling
 * onFindLinks which): kept where a `!pattern` of exclude reaches it, an
 * include pattern names it or a path inside it (`wheels/**`), not a folder
 * above, or either names its wheels by kind (`*.whl`).
 */
function findLinksLeftOut(
  options: FilterOptions,
  include: readonly string[],
  negationReaches: (dir: string) => boolean,
): Matcher {
  const names = (dir: string) =>
    include.some((raw) => {
      // A character escaped (`\#deps`, `wh\(old\)`, as findLinksNote gives) names itself.
      const p = raw.trim().replace(/\/+$/, '').replace(/\\(.)/g, '$1');
      const path = p.replace(/^\/+/, '');
      return path === dir || path.startsWith(`${dir}/`) || (!p.includes('/') && p === dir.split('/').pop());
    });
  const negated = (options.exclude ?? []).filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  // `*.whl` in include or `!**/*.whl` in exclude asks for wheels, as `*.ts` asks for TypeScript (not `**`).
  const kinds = [...include, ...negated].flatMap((p) => {
    const ext = DISTRIBUTION.exec(p.trim())?.[0];
    const match = ext === undefined ? undefined : compile([p]);
    return match ? [(dir: string) => match(`${dir}/a-1-py3-none-any${ext}`)] : [];
  });
  const dirs = (options.findLinksDirs ?? []).filter(
    (dir) => !negationReaches(dir) && !names(dir) && !kinds.some((asks) => asks(dir)),
  );
  if (!dirs.length) return () => false;
  return (relPath) => {
    const dir = dirs.find((d) => relPath === d || relPath.startsWith(`${d}/`));
    if (dir !== undefined) options.onFindLinks?.(dir);
    return dir !== undefined;
  };
}
