/**
 * A Node.js function's package.json as Node.js reads it, and the file its
 * "main" names (TypeScript built to dist/, say): Lambda does not read "main",
 * the handler input names the file; without one (and without index.js) the
 * default handler is that file's (runtimes.ts), and the handler error suggests it.
 */
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';

/** JSON.parse as Node.js and npm read a package.json: a leading byte-order mark skipped. Throws as JSON.parse does. */
export function parsePackageJson(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ''));
}

/**
 * "main" relative to the package folder, forward slashes, with the extension
 * Node.js would resolve (`./dist/handler` -> `dist/handler.js`, `dist` a
 * built folder -> `dist/index.js`); undefined
 * without a package.json, a string "main", or for one outside the folder.
 */
export function packageMain(dir: string): string | undefined {
  let main: unknown;
  try {
    main = (parsePackageJson(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: unknown }).main;
  } catch {
    return undefined;
  }
  if (typeof main !== 'string' || !main.trim()) return undefined;
  const path = posix.normalize(main.trim().replace(/\\/g, '/'));
  const file = path.replace(/\/+$/, '');
  if (file === '.' || file.startsWith('../') || posix.isAbsolute(file)) return undefined;
  const first = (files: string[]) => files.find((f) => existsSync(join(dir, f)));
  // `dist/` is a folder: Node.js reads its index.js, never dist.js; `dist` too when no dist.js is there.
  const index = [`${file}/index.js`, `${file}/index.cjs`, `${file}/index.mjs`];
  if (path.endsWith('/')) return first(index) ?? index[0];
  // A file that is there comes first in Node.js, whatever its extension (src/index.ts, not src/index.ts.js).
  if (/\.[cm]?js$/.test(file) || isFile(join(dir, file))) return file;
  const candidates = [`${file}.js`, `${file}.cjs`, `${file}.mjs`];
  return first(candidates) ?? (isFolder(join(dir, file)) ? (first(index) ?? index[0]) : candidates[0]);
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
