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
