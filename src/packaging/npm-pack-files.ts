/**
 * Which files of a workspace package npm would put in its tarball, and so
 * in node_modules/<name> of a project that installs it (pure): the files its
 * package.json `files` field names (all when it has none), and always
 * package.json, README, LICENSE/LICENCE and the `main` and `bin` files;
 * never node_modules, npm's always-ignored files, nor dotfiles.
 * .npmignore and .gitignore are not read: dotfiles are left out instead.
 */
import { posix } from 'node:path';
import picomatch from 'picomatch';

interface PackManifest {
  main?: unknown;
  bin?: unknown;
  files?: unknown;
  scripts?: unknown;
  exports?: unknown;
}

/** Files npm never packs, whatever `files` says (npm-packlist's defaults). */
const NEVER = picomatch(
  ['**/npm-debug.log', '**/package-lock.json', '**/config.gypi', '**/*.orig', '**/CVS/**', '**/CVS'],
  { dot: true },
);

const ALWAYS = /^(?:package\.json|(?:readme|license|licence)(?:\.[^/]*)?)$/i;

const clean = (path: string) => posix.normalize(path.replace(/^\.?\/+/, '')).replace(/\/+$/, '');

/** The manifest's `bin` files (a string, or an object of names to files). */
function binFiles(manifest: PackManifest): string[] {
  const bin = manifest.bin;
  if (typeof bin === 'string') return [clean(bin)];
  if (typeof bin === 'object' && bin !== null)
    return Object.values(bin).flatMap((v) => (typeof v === 'string' ? [clean(v)] : []));
  return [];
}

/**
 * A test of a file's path (relative, forward slashes) in the package folder:
 * whether npm packs it. A `files` pattern that names a folder takes all of it;
 * a later `!pattern` leaves out what an earlier one took.
 */
export function npmPackFilter(manifest: PackManifest): (path: string) => boolean {
  const always = new Set(
    [typeof manifest.main === 'string' ? clean(manifest.main) : '', ...binFiles(manifest)].filter(Boolean),
  );
  const patterns = Array.isArray(manifest.files)
    ? manifest.files
        .filter((p): p is string => typeof p === 'string')
        .map((p) => {
          const negated = p.startsWith('!');
          return { negated, match: picomatch(clean(negated ? p.slice(1) : p)) };
        })
    : undefined;
  return (path) => {
    const parts = path.split('/');
    if (parts.some((p) => p === 'node_modules' || p.startsWith('.')) || NEVER(path)) return false;
    if (ALWAYS.test(path) || always.has(path)) return true;
    if (!patterns) return true;
    // The file, or a folder it is in, matched: the last pattern that does decides.
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let packed = false;
    for (const { negated, match } of patterns) if (candidates.some((c) => match(c))) packed = !negated;
    return packed;
  };
}

/** A folder npm never walks into when packing (node_modules, dotfolders). */
export function npmPackSkipsFolder(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

/**
 * The entry files a package.json names that a build writes: `main`, and the
 * `exports` targets for `.` (a string, or conditions such as require/import/
 * default; not types), when it has a build step (scripts build, prepare or prepack).
 * Empty without a build step: a missing file is then not the build's.
 */
export function builtEntryFiles(manifest: PackManifest): string[] {
  const scripts = manifest.scripts;
  const builds =
    typeof scripts === 'object' &&
    scripts !== null &&
    ['build', 'prepare', 'prepack'].some((s) => typeof (scripts as Record<string, unknown>)[s] === 'string');
  if (!builds) return [];
  const files = new Set<string>();
  if (typeof manifest.main === 'string') files.add(clean(manifest.main));
  const targets = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith('./') && !value.includes('*')) files.add(clean(value));
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // Not a `types` condition: TypeScript reads it, Node.js never loads it (its build may be another step).
      for (const [key, v] of Object.entries(value))
        if ((!key.startsWith('./') || key === '.') && !/^types(@|$)/.test(key)) targets(v);
    }
  };
  targets(manifest.exports);
  return [...files];
}
