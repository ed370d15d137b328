/** tsconfig.json's compilerOptions.outDir as tsc reads it: through the files it `extends`. */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readJsonWithComments } from './json-with-comments.js';

/** tsc stops only at a loop; 10 levels is far past any project's chain, and bounds a runaway one. */
const MAX_DEPTH = 10;

interface Found {
  /** The file that sets it. */
  config: string;
  outDir: string;
}

interface TsConfig {
  extends?: unknown;
  compilerOptions?: { outDir?: unknown };
}

/**
 * The outDir of `dir`'s tsconfig.json, or of the nearest file it extends that sets one, relative to
 * `dir` with forward slashes (`./dist/` gives `dist`); undefined when none sets it. As tsc reads it,
 * an outDir is relative to the file that sets it (a monorepo's base config's is the base's folder's),
 * and `${configDir}` (TypeScript 5.5) is `dir`.
 */
export function tsconfigOutDir(dir: string): string | undefined {
  const top = resolve(dir);
  // join, not resolve: ncc's asset relocation reads resolve(x, 'tsconfig.json') as a file to bundle.
  const found = outDirFrom(join(top, 'tsconfig.json'), new Set(), 0);
  if (!found) return undefined;
  const outDir = found.outDir.replace(/\\/g, '/').replace(/\$\{configDir\}/g, () => top);
  return relative(top, resolve(dirname(found.config), outDir))
    .split(sep)
    .join('/');
}

/** The outDir `config` sets or extends, and the file that sets it; a file seen before (a loop) gives none. */
function outDirFrom(config: string, seen: Set<string>, depth: number): Found | undefined {
  if (seen.has(config) || depth > MAX_DEPTH) return undefined;
  seen.add(config);
  // A file only: a device (an extends of /dev/zero, in a pull request's code) would be read without end.
  const json = (isFile(config) ? readJsonWithComments(config) : undefined) as TsConfig | undefined;
  const own = json?.compilerOptions?.outDir;
  if (typeof own === 'string') return { config, outDir: own };
  // An array (TypeScript 5): a later file's options override an earlier's, so the last one's outDir wins.
  const bases = [json?.extends].flat().filter((e): e is string => typeof e === 'string');
  for (const base of bases.reverse()) {
    const file = extendedFile(config, base);
    const found = file && outDirFrom(file, seen, depth + 1);
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
 * The JavaScript tsc built from `source` (`src/index.ts`) into `outDir` (tsconfigOutDir()), when
 * `isThere`: `dist/src/index.js`, or `dist/index.js` as tsc writes it when src/ holds all the
 * sources (its rootDir); .mts gives .mjs, .cts .cjs. None for an outDir of `.` or outside.
 */
export function builtJavaScript(
  source: string,
  outDir: string | undefined,
  isThere: (file: string) => boolean,
): string | undefined {
  if (!outDir || outDir === '.' || outDir.startsWith('..')) return undefined;
  const js = source.replace(/\.([cm]?)ts$/, '.$1js');
  const below = js.includes('/') ? [js.slice(js.indexOf('/') + 1)] : [];
  return [js, ...below].map((f) => `${outDir}/${f}`).find(isThere);
}
