/**
 * The file a Node.js function's package.json "main" names (TypeScript built
 * to dist/, say), for the handler error to suggest: Lambda does not read
 * "main", the handler input names the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parsePackageJson } from './package-json-check.js';

/**
 * "main" relative to the package folder, forward slashes, with the extension
 * Node.js would resolve (`./dist/handler` -> `dist/handler.js`); undefined
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
  // `dist/` is a folder: Node.js reads its index.js, never dist.js.
  const index = [`${file}/index.js`, `${file}/index.cjs`, `${file}/index.mjs`];
  if (path.endsWith('/')) return index.find((f) => existsSync(join(dir, f))) ?? index[0];
  if (/\.[cm]?js$/.test(file)) return file;
  const candidates = [`${file}.js`, `${file}.cjs`, `${file}.mjs`, `${file}/index.js`];
  return candidates.find((f) => existsSync(join(dir, f))) ?? candidates[0];
}
