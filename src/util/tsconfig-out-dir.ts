/** tsconfig.json's compilerOptions.outDir as tsc reads it: through the files it `extends`. */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readJsonWithComments } from './json-with-comments.js';

/** tsc stops only at a loop; 10 levels is far past any project's chain, and bounds a runaway one. */
const MAX_DEPTH = 10;

/** The path options read: each relative to the file that sets it. */
type PathOption = 'outDir' | 'rootDir';

interface Found {
  /** The file that sets it. */
  config: string;
  value: string;
}

interface TsConfig {
  extends?: unknown;
  compilerOptions?: Partial<Record<PathOption, unknown>>;
}

/**
 * The outDir of `dir`'s tsconfig.json, or of the nearest file it extends that sets one, relative to
 * `dir` with forward slashes (`./dist/` gives `dist`); undefined when none sets it. As tsc reads it,
 * an outDir is relative to the file that sets it (a monorepo's base config's is the base's folder's),
 * and `${configDir}` (TypeScript 5.5) is `dir`.
 */
export function tsconfigOutDir(dir: string): string | undefined {
  return tsconfigPath(dir, 'outDir');
}

/** compilerOptions.outDir and rootDir, read as tsconfigOutDir() reads outDir; rootDir `.` for `dir` itself. */
export function tsconfigOutput(dir: string): { outDir?: string; rootDir?: string } {
  const rootDir = tsconfigPath(dir, 'rootDir');
  return { outDir: tsconfigOutDir(dir), ...(rootDir !== undefined && { rootDir: rootDir || '.' }) };
}

function tsconfigPath(dir: string, option: PathOption): string | undefined {
  const top = resolve(dir);
  // join, not resolve: ncc's asset relocation reads resolve(x, 'tsconfig.json') as a file to bundle.
  const found = optionFrom(join(top, 'tsconfig.json'), option, new Set(), 0);
  if (!found) return undefined;
  const value = found.value.replace(/\\/g, '/').replace(/\$\{configDir\}/g, () => top);
  return relative(top, resolve(dirname(found.config), value))
    .split(sep)
    .join('/');
}

/** The option `config` sets or extends, and the file that sets it; a file seen before (a loop) gives none. */
function optionFrom(config: string, option: PathOption, seen: Set<string>, depth: number): Found | undefined {
  if (seen.has(config) || depth > MAX_DEPTH) return undefined;
  seen.add(config);
  // A file only: a device (an extends of /dev/zero, in a pull request's code) would be read without end.
  const json = (isFile(config) ? readJsonWithComments(config) : undefined) as TsConfig | undefined;
  const own = json?.compilerOptions?.[option];
  if (typeof own === 'string') return { config, value: own };
  // An array (TypeScript 5): a later file's options override an earlier's, so the last one's wins.
  const bases = [json?.extends].flat().filter((e): e is string => typeof e === 'string');
  for (const base of bases.reverse()) {
    const file = extendedFile(config, base);
    const found = file && optionFrom(file, option, seen, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * A relative or absolute `extends`, with ".json" added where tsc adds it (the name as given is no
 * file). A package's (`@tsconfig/node20`) is skipped: finding it means node_modules lookup and its
 * package.json's "tsconfig" or "exports", and shared configs set no outDir (one would be relative to
 * node_modules).
 */
function extendedFile(from: string, given: string): string | undefined {
  // tsc reads a backslash as a slash on every system (a config written on Windows, built on Linux).
  const name = given.replace(/\\/g, '/');
  if (!/^\.\.?(\/|$)/.test(name) && !isAbsolute(name)) return undefined;
  const path = resolve(dirname(from), name);
  // As tsc: the name as given when it is a file (a folder of that name is not), else with ".json".
  return isFile(path) || path.endsWith('.json') ? path : `${path}.json`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The JavaScript tsc built from `source` (`src/index.ts`) into outDir (tsconfigOutput()), when
 * `isThere`: at its path under rootDir; with no rootDir set, tsc's is the sources' common folder,
 * `dist/src/index.js` for `.`, or `dist/index.js` when src/ holds all the sources: not when
 * `isSource` finds the file that would then be built there too (`index.ts` beside `lib/index.ts`),
 * nor when both are there.
 * .mts gives .mjs, .cts .cjs. None for an outDir of `.` or outside, or a source outside rootDir.
 */
export function builtJavaScript(
  source: string,
  { outDir, rootDir }: { outDir?: string; rootDir?: string },
  isThere: (file: string) => boolean,
  isSource: (file: string) => boolean,
): string | undefined {
  if (!outDir || outDir === '.' || outDir.startsWith('..')) return undefined;
  const js = source.replace(/\.([cm]?)ts$/, '.$1js');
  const slash = js.indexOf('/');
  const under =
    rootDir === undefined
      ? [js, ...(slash > 0 && !isSource(source.slice(slash + 1)) ? [js.slice(slash + 1)] : [])]
      : rootDir === '.'
        ? [js]
        : js.startsWith(`${rootDir}/`)
          ? [js.slice(rootDir.length + 1)]
          : [];
  // Both there (dist/src/index.js and dist/index.js): one is left from an older build, which cannot be told.
  const built = under.map((f) => `${outDir}/${f}`).filter(isThere);
  return built.length === 1 ? built[0] : undefined;
}
