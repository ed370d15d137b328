/**
 * A Node.js function's package.json as Node.js reads it, and the file its
 * "exports" (or "main") names (TypeScript built to dist/, say): Lambda does not read "main",
 * the handler input names the file; without one (and without index.js) the
 * default handler is that file's (runtimes.ts), and the handler error suggests it.
 */
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { tsconfigOutDir } from '../util/tsconfig-out-dir.js';

/** JSON.parse as Node.js and npm read a package.json: a leading byte-order mark skipped. Throws as JSON.parse does. */
export function parsePackageJson(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ''));
}

/** The file package.json names as the package's entry point, and where that came from, for the notes. */
export interface PackageEntry {
  /** Relative to the package folder, forward slashes: `dist/handler.js`. */
  file: string;
  /** `package.json's "main" is dist/handler.js`; a guess for a "main" not built yet says so. */
  said: string;
  /**
   * Neither file nor folder of "main" is built yet, so `file` is how its name was taken (dist/index.js,
   * server.js), not what the build writes (a bundler's dist.js): a handler from it is best left to the
   * action, which reads "main" again after the build.
   */
  guessed: boolean;
}

/** packageEntry()'s file. */
export function packageMain(dir: string): string | undefined {
  return packageEntry(dir)?.file;
}

/**
 * The package's entry point as Node.js takes it when the package is loaded by name: the "."
 * export of "exports" (packages written since Node.js 12 may have no "main"), else "main" relative
 * to the package folder, forward slashes, with the extension Node.js would resolve
 * (`./dist/handler` -> `dist/handler.js`, `dist` a built folder -> `dist/index.js`); undefined
 * without a package.json, or for an entry point outside the folder.
 */
export function packageEntry(dir: string): PackageEntry | undefined {
  let manifest: { main?: unknown; exports?: unknown; type?: unknown };
  let main: PackageEntry | undefined;
  try {
    manifest = parsePackageJson(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof manifest;
    if (typeof manifest.main === 'string' && manifest.main.trim())
      main = mainEntry(dir, manifest.main.trim());
  } catch {
    return undefined;
  }
  return mainOrExports(dir, main, exportsEntry(manifest.exports, manifest.type === 'module'));
}

/**
 * "exports" over "main", as Node.js reads them (it takes "main" only without "exports"), said
 * where they disagree; "main" where it is one of the "." export's files (a dual package's
 * require build), so a project whose two agree reads as it did; and "main" where its file is there
 * and the export's is not.
 */
function mainOrExports(dir: string, main: PackageEntry | undefined, exported: ExportsEntry | undefined) {
  if (!exported || !main) return exported?.entry ?? main;
  // A stale "exports" (after the build, still no file of it) over the "main" that is there would name a
  // handler file the package lacks, where the "main" deployed before: that one, said.
  const there = (file: string) => existsSync(join(dir, file));
  if (!there(exported.entry.file) && there(main.file))
    return {
      ...main,
      said: `${main.said}, kept: its "exports" gives ${exported.entry.file}, which is not there`,
    };
  if (!exported.files.includes(main.file)) {
    const said = `${exported.entry.said}, taken over its "main" (${main.file}): Node.js reads "exports" first when both are set`;
    return { ...exported.entry, said };
  }
  // A "main" not built yet is a guess; "exports" naming the same file says it outright.
  return main.guessed ? exported.entry : main;
}

/** Build output folders far more often than files: a "main" of that name, not built yet, is the folder. */
const OUTPUT_FOLDER = /^(dist|build|lib|out)$/;

function mainEntry(dir: string, main: string): PackageEntry | undefined {
  const path = posix.normalize(main.replace(/\\/g, '/'));
  const file = path.replace(/\/+$/, '');
  if (file === '.' || file.startsWith('../') || posix.isAbsolute(file)) return undefined;
  const is = (found: string) => ({ file: found, said: `package.json's "main" is ${found}`, guessed: false });
  const first = (files: string[]) => files.find((f) => existsSync(join(dir, f)));
  // `dist/` is a folder: Node.js reads its index.js, never dist.js; `dist` too when no dist.js is there.
  const index = [`${file}/index.js`, `${file}/index.cjs`, `${file}/index.mjs`];
  if (path.endsWith('/')) return is(first(index) ?? index[0]!);
  // A file that is there comes first in Node.js, whatever its extension (src/index.ts, not src/index.ts.js).
  if (/\.[cm]?js$/.test(file) || isFile(join(dir, file))) return is(file);
  const candidates = [`${file}.js`, `${file}.cjs`, `${file}.mjs`];
  const built = first(candidates) ?? (isFolder(join(dir, file)) ? (first(index) ?? index[0]) : undefined);
  if (built) return is(built);
  // Neither file nor folder yet: the build writes one. tsc writes the folder its outDir names, and a
  // folder's name (dist) means the folder far more often than a dist.js; said as the guess it is.
  const outDir = tsconfigOutDir(dir) === file;
  // lib.ts there (tsc without an outDir writes lib.js beside it): the file, whatever its name.
  const source = ['.ts', '.mts', '.cts'].some((ext) => isFile(join(dir, `${file}${ext}`)));
  if (!outDir && (source || !OUTPUT_FOLDER.test(posix.basename(file))))
    return {
      file: candidates[0]!,
      said: `package.json's "main" is ${file}, not built yet: taken for the file ${candidates[0]}`,
      guessed: true,
    };
  const which = outDir ? "the folder tsconfig.json's outDir names" : 'the folder';
  return {
    file: index[0]!,
    said: `package.json's "main" is ${file}, not built yet: taken for ${which}, so ${index[0]}`,
    guessed: true,
  };
}

/**
 * The conditions Node.js matches (besides "default") as Lambda's runtime loads the handler: a .js
 * file with require(), or with import() where package.json says "type": "module" (it loads .mjs
 * with import() and .cjs with require() whatever the type). "module-sync" matches either way on
 * the Node.js of Lambda's runtimes (20.19 and 22.12 on, with require() of ES modules).
 */
const conditionsFor = (esm: boolean) =>
  new Set(['node', 'node-addons', 'module-sync', 'default', esm ? 'import' : 'require']);

/** An "exports" target Node.js takes: `./`, with no `.`, `..` or node_modules segment after it. */
const validTarget = (t: string) =>
  t.startsWith('./') &&
  !t
    .slice(2)
    .split(/[/\\]/)
    .some((s) => /^(\.\.?|node_modules)$/i.test(s));

/** A resolved target and the conditions that led to it; null where the package exports nothing for the loader. */
type Resolved = { target: string; via: string[] } | null | undefined;

/**
 * PACKAGE_TARGET_RESOLVE of Node.js's resolution algorithm: conditions in the object's own key
 * order, the first matching one whose value resolves; in an array the first valid target (there
 * or not: Node.js looks no further), invalid ones passed over, and as the last item gave where
 * none resolves (undefined: on to the next condition; null; or the error). Throws on an invalid target.
 */
function resolveTarget(value: unknown, conditions: Set<string>): Resolved {
  if (typeof value === 'string') {
    if (!validTarget(value)) throw new Error(`invalid target ${value}`);
    return { target: value, via: [] };
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    if (!value.length) return null;
    let last: Resolved | Error = undefined;
    for (const item of value) {
      try {
        const resolved = resolveTarget(item, conditions);
        if (resolved) return resolved;
        if (resolved === null) last = null;
      } catch (error) {
        last = error as Error;
      }
    }
    if (last instanceof Error) throw last;
    return last;
  }
  if (typeof value !== 'object') throw new Error(`invalid target ${String(value)}`);
  // Node.js refuses numeric keys (which an object would put first).
  if (Object.keys(value).some((k) => /^\d+$/.test(k))) throw new Error('numeric condition');
  for (const [condition, target] of Object.entries(value)) {
    if (!conditions.has(condition)) continue;
    const resolved = resolveTarget(target, conditions);
    if (resolved === undefined) continue;
    return resolved && { ...resolved, via: [condition, ...resolved.via] };
  }
  return undefined;
}

/** The conditions Node.js matches for either loader: a "browser" or "types" one names no file it loads. */
const NODE_CONDITIONS = new Set([...conditionsFor(true), ...conditionsFor(false)]);

/** Every string an export names under a condition Node.js matches (a dual package's other build). */
function allTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allTargets);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([c, v]) => (NODE_CONDITIONS.has(c) ? allTargets(v) : []));
}

/** "exports"' "." entry, and every file its conditions name (built or not). */
interface ExportsEntry {
  entry: PackageEntry;
  files: string[];
}

/** A JavaScript file in the folder, forward slashes, from an export's target. */
const exportFile = (t: string) => (/\.[cm]?js$/.test(t) && !t.includes('*') ? posix.normalize(t) : undefined);

/** The file of the "." export for a loader (`esm`: import()), and the conditions that led to it. */
function loaderFile(root: unknown, esm: boolean): { file: string; via: string[] } | undefined {
  try {
    const resolved = resolveTarget(root, conditionsFor(esm));
    const file = resolved && exportFile(resolved.target);
    return file ? { file, via: resolved.via } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "exports"' "." export as Node.js resolves it for the loader Lambda uses (`esm`: "type": "module"):
 * a string or array, `{".": ...}`, or conditions with no subpath keys, which are "."; keys of both
 * kinds, which Node.js refuses, give nothing.
 */
function exportsEntry(exports: unknown, esm: boolean): ExportsEntry | undefined {
  const map = typeof exports === 'object' && exports !== null && !Array.isArray(exports);
  const keys = map ? Object.keys(exports).map((k) => k.startsWith('.')) : [];
  if (keys.includes(true) && keys.includes(false)) return undefined;
  const root = keys.includes(true) ? (exports as Record<string, unknown>)['.'] : exports;
  // Lambda loads a .mjs with import() and a .cjs with require() whatever "type" says: such a file
  // is the export where the loader of a .js file finds none (an ESM-only package without "type").
  const other = loaderFile(root, !esm);
  const found = loaderFile(root, esm) ?? (other?.file.endsWith(esm ? '.cjs' : '.mjs') ? other : undefined);
  if (!found) return undefined;
  const { file, via: path } = found;
  const files = allTargets(root)
    .filter(validTarget)
    .flatMap((t) => exportFile(t) ?? []);
  // Which condition, where the export names more than one file (a dual package's builds).
  const conditions = path.map((c) => `"${c}"`).join(' > ');
  const via = new Set(files).size > 1 && conditions ? ` under its ${conditions} condition` : '';
  return { entry: { file, said: `package.json's "exports" gives ${file}${via}`, guessed: false }, files };
}

/** Line and column (1-based) of a character offset in `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

const UNEXPECTED_TOKEN = /^(Unexpected token '.+?'), /s;

/**
 * Where V8's "Unexpected token 'x', \"<the text>\" is not valid JSON" (no position) is: the
 * shortest prefix that fails so ends there, as a shorter one ends before the JSON does.
 */
function unexpectedTokenOffset(text: string): number {
  let [low, high] = [0, text.length];
  while (low < high) {
    const mid = (low + high) >> 1;
    try {
      JSON.parse(text.slice(0, mid + 1));
      low = mid + 1;
    } catch (error) {
      if (UNEXPECTED_TOKEN.test(error instanceof Error ? error.message : '')) high = mid;
      else low = mid + 1;
    }
  }
  return low;
}

/**
 * Where and why JSON.parse failed on `text` (`line 4, column 1: Expected double-quoted property
 * name`), the same on Node.js 20 (position only) and 22+ (with line and column). Pure.
 */
export function jsonFailure(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!text.trim()) return 'the file is empty';
  const at = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (at) return `${lineAndColumn(text, Number(at[2]))}: ${at[1]}`;
  if (/Unexpected end of JSON input/.test(message))
    return `${lineAndColumn(text, text.length)}: the file ends before the JSON does`;
  const token = UNEXPECTED_TOKEN.exec(message);
  if (token) return `${lineAndColumn(text, unexpectedTokenOffset(text))}: ${token[1]}`;
  return message;
}

function isFolder(path: string): boolean {
  return kindOf(path)?.isDirectory() ?? false;
}

function isFile(path: string): boolean {
  return kindOf(path)?.isFile() ?? false;
}

/** stat, or undefined where there is nothing (a file's name used as a folder's too). */
function kindOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
