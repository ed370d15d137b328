/**
 * A Node.js function's TypeScript sources (`*.ts`, `*.mts`, `*.cts`, `*.tsx`,
 * declarations `*.d.ts` among them), compiler settings (`tsconfig*.json`) and
 * tsc's incremental build state (`*.tsbuildinfo`, which no run time reads):
 * Lambda's Node.js runtimes run the built JavaScript (`dist/index.handler`)
 * and look for a handler's `.js`, `.mjs` or `.cjs` file only, so these are
 * dead weight in the zip, and they hand out the source. Left out by default
 * (file-filter.ts), never inside node_modules, whose packages ship their
 * declarations and may read their own files. Pure: the caller reads the files.
 */
import { posix } from 'node:path';
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import type { Logger } from '../util/logger.js';
import { filesReached, type FileImports } from './hoisted-dependencies.js';
import { formatCount } from './size-check.js';
import { excludeSetting } from './exclude-setting.js';

const SOURCE = /\.(?:[cm]?ts|tsx)$/;
const SETTINGS = /^tsconfig.*\.json$/;
const BUILD_STATE = /\.tsbuildinfo$/;

/** Whether the name is a TypeScript source, a tsconfig file or tsc's build state. */
function isTypeScriptName(name: string): boolean {
  return SOURCE.test(name) || SETTINGS.test(name) || BUILD_STATE.test(name);
}

/** Whether the function's own file (relative, forward slashes) is one of them: outside any node_modules. */
export function isTypeScriptSource(relPath: string): boolean {
  return (
    isTypeScriptName(relPath.slice(relPath.lastIndexOf('/') + 1)) &&
    !relPath.startsWith('node_modules/') &&
    !relPath.includes('/node_modules/')
  );
}

/**
 * Whether an `include` pattern asks for TypeScript by name (`*.ts`,
 * `*.{js,ts}`, `tsconfig.json`): it keeps what it matches. A broad one (`**`, `src`) does
 * not, as for the packages only devDependencies need.
 */
export function namesTypeScript(pattern: string): boolean {
  return alternatives(pattern.trim().replace(/\/+$/, '').split('/').pop()!).some(isTypeScriptName);
}

/** The names a glob's braces spell out (`*.{js,ts}`: `*.js`, `*.ts`). */
function alternatives(name: string): string[] {
  const brace = /\{([^{}]*)\}/.exec(name);
  if (!brace) return [name];
  const [before, after] = [name.slice(0, brace.index), name.slice(brace.index + brace[0].length)];
  return brace[1]!.split(',').flatMap((alt) => alternatives(before + alt + after));
}

/** The `!pattern` of exclude that keeps files like `path`: `!*.ts` (a declaration too), `!*.mts`, `!*.tsbuildinfo`, or the tsconfig's name. */
function keepPattern(path: string): string {
  const name = posix.basename(path);
  if (SETTINGS.test(name)) return `!${name}`;
  return BUILD_STATE.test(name) ? '!*.tsbuildinfo' : `!*${SOURCE.exec(name)![0]}`;
}

/** The build log's line: how many were left out, which (the first ten), and how to keep them. */
export function typeScriptNote(
  paths: readonly string[],
  include: readonly string[],
  exclude: readonly string[],
  surface: Surface = 'action',
): string {
  const sorted = [...new Set(paths)].sort();
  const shown = sorted.slice(0, 10).join(', ') + (sorted.length > 10 ? ', …' : '');
  const count = sorted.length === 1 ? '1 TypeScript file' : `${formatCount(sorted.length)} TypeScript files`;
  // Naming them in include only helps where include is set: else it would keep nothing but them.
  const them = sorted.length === 1 ? 'it' : 'them';
  const named = include.length
    ? `, or by naming ${them} in ${inputName(surface, Inputs.Include)} (src/**/*.ts)`
    : '';
  return (
    `Left out ${count} (Lambda's Node.js runtimes run the built JavaScript): ${shown}; ` +
    `package ${them} anyway with ${excludeSetting(exclude, keepPatterns(sorted), surface)}${named}.`
  );
}

/**
 * The `!patterns` that keep what was left out, the most files first (a tie:
 * by name), at most three: a list of tsconfig files and build state alone
 * gets no `!*.ts`; two tsconfig files or more, `!tsconfig*.json`.
 */
function keepPatterns(paths: readonly string[]): string[] {
  const settings = new Set(paths.map((p) => posix.basename(p)).filter((n) => SETTINGS.test(n)));
  const counts = new Map<string, number>();
  for (const path of paths) {
    const pattern =
      settings.size > 1 && SETTINGS.test(posix.basename(path)) ? '!tsconfig*.json' : keepPattern(path);
    counts.set(pattern, (counts.get(pattern) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1))
    .slice(0, 3)
    .map(([pattern]) => pattern);
}

/** What the function's JavaScript loads of the TypeScript left out: a refusal, or warnings. */
export interface TypeScriptImports {
  /** A file the handler loads, unconditionally, loads one: it fails on Lambda. */
  refusal?: string;
  /** A load that may never happen there: optional (a try block, `import()`), or by a file the handler does not load. */
  warnings: string[];
}

/**
 * Which JavaScript files load a TypeScript one left out (`import { handler }
 * from './src/handler.ts'`: Node.js 22.18+ strips the types itself), which
 * fails on Lambda. Refused only where the handler's file `entry` loads it
 * without a catch, following relative imports: a script or test beside it
 * (`scripts/seed.mjs`) never runs there, and an optional load (a try block,
 * `import()`) is the code's to handle; those are warned of. Without an
 * entry (the handler check says why), none is refused.
 */
export function typeScriptImports(
  leftOut: readonly string[],
  imports: ReadonlyMap<string, FileImports>,
  entry: string | undefined,
  surface: Surface = 'action',
  {
    packaged = new Set(imports.keys()),
    runtime,
    exclude = [],
  }: { packaged?: ReadonlySet<string>; runtime?: string; exclude?: readonly string[] } = {},
): TypeScriptImports {
  const dropped = new Set(leftOut);
  const required = entry ? filesReached(entry, imports, false) : new Set<string>();
  const reached = entry ? filesReached(entry, imports, true) : new Set<string>();
  const optional: Load[] = [];
  const unreached: Load[] = [];
  let refusal: string | undefined;
  for (const [file, { specifiers, optional: caught }] of imports) {
    for (const spec of specifiers) {
      const found = loadedTypeScript(file, spec, dropped, packaged);
      if (!found) continue;
      const { target, load, how } = found;
      const pattern = found.pattern ?? keepPattern(target);
      const fix = keepFix(exclude, [pattern], surface);
      // Node.js 20 strips no types, and no Node.js strips those of .tsx: keeping the file does not help.
      const unrun = found.stripped ? unrunnable(target, runtime) : undefined;
      if (required.has(file) && !caught.includes(spec))
        refusal ??= unrun
          ? `${file} imports ${load}, a TypeScript file, which ${unrun} does not run (Node.js 22.18+ strips the types of .ts, .mts and .cts files): build it to JavaScript first (tsc) and import the built file.`
          : `${file} imports ${load}, a TypeScript file the package leaves out by default (${how}): ${fix}.`;
      else (reached.has(file) ? optional : unreached).push({ what: `${file} imports ${load}`, pattern });
    }
  }
  const warnings = [
    warning(optional, 'where the code loads it (an import() or a try block)', exclude, surface),
    warning(
      unreached,
      `if Lambda loads it (the handler's file${entry ? ` ${entry}` : ''} does not, as far as a static look tells)`,
      exclude,
      surface,
    ),
  ].filter((w) => w !== undefined);
  return { ...(refusal && { refusal }), warnings };
}

/**
 * The file left out that `spec` of `file` loads (`target`), as the messages
 * name the load, and who loads it: a relative specifier (see leftOutTarget),
 * or tsconfig-paths, which reads the tsconfig.json of the working folder
 * (the package's root on Lambda) at run time for its path aliases.
 */
function loadedTypeScript(
  file: string,
  spec: string,
  dropped: ReadonlySet<string>,
  packaged: ReadonlySet<string>,
): { target: string; load: string; how: string; stripped?: boolean; pattern?: string } | undefined {
  if (/^tsconfig-paths(?:\/|$)/.test(spec)) return tsconfigPathsLoad(spec, dropped);
  if (!/^\.\.?\//.test(spec)) return undefined;
  const base = posix.join(posix.dirname(file), spec);
  const target = leftOutTarget(base, dropped, packaged);
  if (!target) return undefined;
  return target === base
    ? { target, load: spec, how: 'Node.js 22.18+ loads it, stripping the types', stripped: true }
    : { target, load: `${spec} (${target})`, how: 'a loader such as ts-node or tsx resolves it' };
}

/**
 * tsconfig-paths' load of tsconfig.json, when left out. It follows `extends`
 * too (baseUrl and paths often sit in tsconfig.base.json), and drops what a
 * missing file would give without an error: where other tsconfig files are
 * left out beside it, the fix keeps them all (`!tsconfig*.json`).
 */
function tsconfigPathsLoad(spec: string, dropped: ReadonlySet<string>) {
  if (!dropped.has('tsconfig.json')) return undefined;
  const others = [...dropped].filter((f) => f !== 'tsconfig.json' && SETTINGS.test(f)).sort();
  return {
    target: 'tsconfig.json',
    load: `${spec} (tsconfig.json)`,
    how: `tsconfig-paths reads it at run time${others.length ? `, and any tsconfig file it extends: ${others.join(', ')}` : ''}`,
    ...(others.length && { pattern: '!tsconfig*.json' }),
  };
}

/** Who never runs the TypeScript file `target` on Lambda: the runtime (nodejs20.x), or any for a .tsx file. */
function unrunnable(target: string, runtime: string | undefined): string | undefined {
  if (target.endsWith('.tsx')) return "Lambda's Node.js";
  return runtime === 'nodejs20.x' ? `Lambda's ${runtime}` : undefined;
}

/** What Node.js's require() finds for a path without extension, in the package: a .ts file never comes first. */
const JAVASCRIPT_SUFFIXES = ['', '.js', '.json', '.node', '/index.js', '/index.json', '/index.node'];
/** What a loader (ts-node, tsx, @swc/register) finds after them. */
const TYPESCRIPT_SUFFIXES = ['.ts', '.tsx', '.cts', '.mts', '/index.ts', '/index.tsx'];

/**
 * The file left out a relative specifier (joined to its file's folder:
 * `base`) loads: itself (`./a.ts`), or, where no packaged file answers it,
 * the TypeScript one a loader resolves it to (`./a` -> `a.ts`).
 */
function leftOutTarget(base: string, dropped: ReadonlySet<string>, packaged: ReadonlySet<string>) {
  if (dropped.has(base)) return base;
  if (JAVASCRIPT_SUFFIXES.some((suffix) => packaged.has(base + suffix))) return undefined;
  return TYPESCRIPT_SUFFIXES.map((suffix) => base + suffix).find((f) => dropped.has(f));
}

/** How to package the TypeScript files left out: the exclude setting with `patterns`. */
const keepFix = (exclude: readonly string[], patterns: readonly string[], surface: Surface): string =>
  `package the TypeScript files with ${excludeSetting(exclude, patterns, surface)}`;

/** A load of a file left out, for a warning, and the `!pattern` that keeps the file. */
interface Load {
  what: string;
  pattern: string;
}

/** One warning for the loads of one kind: the first five named; its fix keeps them all (`!*.ts`, `!*.mts`). */
function warning(
  loads: readonly Load[],
  when: string,
  exclude: readonly string[],
  surface: Surface,
): string | undefined {
  if (!loads.length) return undefined;
  const shown = loads.slice(0, 5).map((l) => l.what);
  const files = loads.length === 1 ? 'a TypeScript file' : 'TypeScript files';
  return (
    `${shown.join(', ')}${loads.length > 5 ? `, … (${loads.length} in all)` : ''}, ${files} the package leaves out by default: ` +
    `it fails with "Cannot find module" ${when}; ${keepFix(exclude, [...new Set(loads.map((l) => l.pattern))], surface)} to keep them.`
  );
}

/**
 * Throws typeScriptImports' refusal, logs its warnings; the files' imports
 * are read only when some were left out. `handlerFiles`: where the
 * handler's module may be (`index.js`, `index.mjs`, `index.cjs`);
 * `packaged`: the files the package holds; `exclude`: the user's setting,
 * which the fix's exclude line keeps.
 */
export async function refuseTypeScriptImports(
  leftOut: readonly string[],
  imports: () => Promise<ReadonlyMap<string, FileImports>>,
  handlerFiles: readonly string[],
  packaged: readonly { path: string }[],
  { logger, surface }: { logger: Logger; surface?: Surface },
  { runtime, exclude }: { runtime?: string; exclude?: readonly string[] } = {},
): Promise<void> {
  if (!leftOut.length) return;
  const files = await imports();
  const entry = handlerFiles.find((f) => files.has(f));
  const paths = new Set(packaged.map((f) => f.path));
  const { refusal, warnings } = typeScriptImports(leftOut, files, entry, surface, {
    packaged: paths,
    runtime,
    exclude,
  });
  if (refusal) throw new Error(refusal);
  for (const w of warnings) logger.warning(w);
}
