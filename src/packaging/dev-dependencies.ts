/**
 * The packages of a Node.js function's node_modules that only its
 * devDependencies need (typescript, jest, eslint, esbuild...), as npm's
 * lockfile marks them: left out of the package, as the Serverless
 * Framework's `excludeDevDependencies` does. Pure: the caller reads the
 * files.
 *
 * npm's lockfile v2/v3 (`npm-shrinkwrap.json`, `package-lock.json`, or the hidden
 * `node_modules/.package-lock.json` npm 7+ writes) lists every installed
 * folder in `packages`, keyed by its path (`node_modules/a`,
 * `node_modules/a/node_modules/b`), with `"dev": true` when only
 * devDependencies reach it. `devOptional` (reached by both an optional
 * dependency and a dev one) and `optional` stay: the function may need them.
 */
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import { formatCount } from './size-check.js';
import { excludeSetting } from './exclude-setting.js';

/** A dev-only package folder of the lockfile: its path from the function's folder and the version npm installed there. */
export interface DevOnlyPackage {
  folder: string;
  version?: string;
}

/** A folder path npm writes as a key: relative, forward slashes, ending in `node_modules/<name>` or `node_modules/@scope/<name>`. */
const PACKAGE_KEY = /^(?:[^/]+\/)*node_modules\/(?:@[^/]+\/)?[^/@][^/]*$/;

/**
 * The dev-only packages of a lockfile's text; undefined when it is not a
 * lockfile this can trust (not JSON, lockfileVersion 1 or unknown, no
 * `packages`). Links (npm workspaces) are never left out: their target is
 * the user's own code.
 */
export function devOnlyPackages(lockfileText: string): DevOnlyPackage[] | undefined {
  let lock: unknown;
  try {
    lock = JSON.parse(lockfileText);
  } catch {
    return undefined;
  }
  if (!isRecord(lock) || (lock.lockfileVersion !== 2 && lock.lockfileVersion !== 3)) return undefined;
  if (!isRecord(lock.packages)) return undefined;
  const result: DevOnlyPackage[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!isRecord(entry) || entry.dev !== true || entry.link === true) continue;
    if (!PACKAGE_KEY.test(key) || key.split('/').some((s) => s === '.' || s === '..')) continue;
    result.push({ folder: key, ...(typeof entry.version === 'string' && { version: entry.version }) });
  }
  return result;
}

/**
 * The first dev-only package whose installed version is not the lockfile's:
 * the lockfile then describes another install, and nothing is left out.
 * `installed(folder)`: the version in the folder's package.json, undefined
 * when the folder is missing (npm left it out: fine), null when the folder
 * holds no readable package.json.
 */
export function lockfileMismatch(
  packages: readonly DevOnlyPackage[],
  installed: (folder: string) => string | null | undefined,
): { folder: string; installed: string | null; locked?: string } | undefined {
  for (const p of packages) {
    const version = installed(p.folder);
    if (version === undefined) continue;
    if (version === null || (p.version !== undefined && version !== p.version))
      return { folder: p.folder, installed: version, ...(p.version !== undefined && { locked: p.version }) };
  }
  return undefined;
}

/** The package's name of a folder: what follows its last `node_modules/`. */
export function packageName(folder: string): string {
  return folder.slice(folder.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/**
 * The folders from `dir` up to the package level, the ones a user may name
 * to keep `dir`: `node_modules/a/node_modules/b`, `node_modules/a`; never a
 * `node_modules` folder itself (`include: node_modules` packages node_modules
 * as before, less the dev-only packages).
 */
export function packageLevels(dir: string): string[] {
  const levels: string[] = [];
  for (let d = dir; d.includes('node_modules/'); d = d.slice(0, Math.max(0, d.lastIndexOf('/')))) {
    if (!d.endsWith('/node_modules') && d !== 'node_modules') levels.push(d);
  }
  return levels;
}

/** The build log's line: how many packages were left out, which (the first ten), from which lockfile, and how to keep one. */
export function devOnlyNote(
  folders: readonly string[],
  lockfile: string,
  exclude: readonly string[],
  surface: Surface = 'action',
): string {
  const names = [...new Set(folders.map(packageName))].sort();
  const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? ', …' : '');
  const sorted = [...folders].sort();
  const example = `!${sorted.find((f) => f.split('node_modules/').length === 2) ?? sorted[0]}`;
  const count = folders.length === 1 ? '1 package' : `${formatCount(folders.length)} packages`;
  return (
    `Left out ${count} only devDependencies need: ${shown} (${lockfile}); ` +
    `package one anyway by naming its folder in ${inputName(surface, Inputs.Include)}, or with ${excludeSetting(exclude, [example], surface)}.`
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
