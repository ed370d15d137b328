/**
 * A Node.js function's TypeScript sources (`*.ts`, `*.mts`, `*.cts`, `*.tsx`,
 * declarations `*.d.ts` among them) and compiler settings (`tsconfig*.json`):
 * Lambda's Node.js runtimes run the built JavaScript (`dist/index.handler`)
 * and look for a handler's `.js`, `.mjs` or `.cjs` file only, so these are
 * dead weight in the zip, and they hand out the source. Left out by default
 * (file-filter.ts), never inside node_modules, whose packages ship their
 * declarations and may read their own files. Pure: the caller reads the files.
 */
import { posix } from 'node:path';
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import type { FileImports } from './hoisted-dependencies.js';
import { formatCount } from './size-check.js';

const SOURCE = /\.(?:[cm]?ts|tsx)$/;
const SETTINGS = /^tsconfig.*\.json$/;

/** Whether the name is a TypeScript source or a tsconfig file. */
function isTypeScriptName(name: string): boolean {
  return SOURCE.test(name) || SETTINGS.test(name);
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
 * `tsconfig.json`): it keeps what it matches. A broad one (`**`, `src`) does
 * not, as for the packages only devDependencies need.
 */
export function namesTypeScript(pattern: string): boolean {
  return isTypeScriptName(pattern.trim().replace(/\/+$/, '').split('/').pop()!);
}

/** The `!pattern` of exclude that keeps files like `path`: `!*.ts` (a declaration too), `!*.mts`, or the tsconfig's name. */
function keepPattern(path: string): string {
  const name = posix.basename(path);
  return SETTINGS.test(name) ? `!${name}` : `!*${SOURCE.exec(name)![0]}`;
}

function excludeSetting(path: string, surface: Surface): string {
  const example = keepPattern(path);
  // A shell expands `!` in double quotes (history): single ones on the command line.
  return surface === 'terminal'
    ? `${inputName(surface, Inputs.Exclude)} '${example}'`
    : `exclude: "${example}"`;
}

/** The build log's line: how many were left out, which (the first ten), and how to keep them. */
export function typeScriptNote(
  paths: readonly string[],
  include: readonly string[],
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
  const example = sorted.find((p) => p.endsWith('.ts')) ?? sorted[0]!;
  return (
    `Left out ${count} (Lambda's Node.js runtimes run the built JavaScript): ${shown}; ` +
    `package ${them} anyway with ${excludeSetting(example, surface)}${named}.`
  );
}

/**
 * The refusal of a JavaScript file that loads a TypeScript one left out
 * (`import { handler } from './src/handler.ts'`: Node.js 22.18+ strips the
 * types itself), which would fail on Lambda; undefined when none does. An
 * optional load (a try block, `import()`) is the code's to handle.
 */
export function typeScriptImportError(
  leftOut: readonly string[],
  imports: ReadonlyMap<string, FileImports>,
  surface: Surface = 'action',
): string | undefined {
  const dropped = new Set(leftOut);
  for (const [file, { specifiers, optional }] of imports) {
    for (const spec of specifiers) {
      if (!/^\.\.?\//.test(spec) || optional.includes(spec)) continue;
      const target = posix.join(posix.dirname(file), spec);
      if (!dropped.has(target)) continue;
      return (
        `${file} imports ${spec}, a TypeScript file the package leaves out by default (Node.js 22.18+ loads it, stripping the types): ` +
        `package the TypeScript files with ${excludeSetting(target, surface)}.`
      );
    }
  }
  return undefined;
}

/** Throws typeScriptImportError's refusal; the files' imports are read only when some were left out. */
export async function refuseTypeScriptImports(
  leftOut: readonly string[],
  imports: () => Promise<ReadonlyMap<string, FileImports>>,
  surface?: Surface,
): Promise<void> {
  const refusal = leftOut.length ? typeScriptImportError(leftOut, await imports(), surface) : undefined;
  if (refusal) throw new Error(refusal);
}
