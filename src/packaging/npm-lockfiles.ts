/** npm's lockfiles of a Node.js function: which one npm reads, the workspace root's, and the folders only devDependencies need. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { devOnlyPackages, lockfileMismatch } from './dev-dependencies.js';

/** npm's lockfiles, in the order npm reads them. */
export const NPM_LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json', 'node_modules/.package-lock.json'];

/**
 * The folders of a Node.js function's node_modules only its devDependencies
 * need, from npm's lockfile: `npm-shrinkwrap.json` (npm prefers it to
 * `package-lock.json` when both exist), else `package-lock.json`, else the
 * hidden `node_modules/.package-lock.json`. None without one, for a lockfile v1,
 * for pnpm's or yarn's node_modules (their own layout and records), or when
 * a dev-only folder holds another version than the lockfile's (it describes
 * another install). Exported for the import hint, which names what it left out.
 */
export function devOnlyFolders(
  root: string,
  logger?: Logger,
): { folders: Set<string>; lockfile: string } | undefined {
  const otherManagers = ['.pnpm', '.modules.yaml', '.yarn-integrity', '.yarn-state.yml'];
  if (otherManagers.some((f) => existsSync(join(root, 'node_modules', f)))) return undefined;
  const lockfile = NPM_LOCKFILES.find((f) => existsSync(join(root, f)));
  if (!lockfile) return undefined;
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const packages = devOnlyPackages(read(lockfile) ?? '');
  if (!packages?.length) return undefined;
  const mismatch = lockfileMismatch(packages, (folder) => {
    if (!existsSync(join(root, folder))) return undefined;
    try {
      const version: unknown = JSON.parse(read(`${folder}/package.json`) ?? '').version;
      return typeof version === 'string' ? version : null;
    } catch {
      return null;
    }
  });
  if (mismatch) {
    logger?.info(
      `${lockfile} does not match node_modules (${mismatch.folder} holds ${mismatch.installed ?? 'no readable package.json'}` +
        `${mismatch.locked ? `, the lockfile says ${mismatch.locked}` : ''}): packages only devDependencies need are packaged too.`,
    );
    return undefined;
  }
  return { folders: new Set(packages.map((p) => p.folder)), lockfile };
}

/** The nearest folder above `folder` with an npm lockfile, and that lockfile; never above the repository. */
export function npmWorkspaceRoot(folder: string): { root: string; lockfile: string } | undefined {
  // A stray ~/package-lock.json is not the function's workspace.
  if (existsSync(join(folder, '.git'))) return undefined;
  let root = dirname(folder);
  let lockfile: string | undefined;
  for (; !(lockfile = NPM_LOCKFILES.find((f) => existsSync(join(root, f)))); root = dirname(root))
    if (dirname(root) === root || existsSync(join(root, '.git'))) return undefined;
  return { root, lockfile };
}
