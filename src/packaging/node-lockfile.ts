/**
 * The lockfile that pins a Node.js function's dependencies: its folder's, or
 * the workspace root's above it (pnpm-lock.yaml, yarn.lock, package-lock.json),
 * up to the repository's root. Which package manager wrote it decides what
 * the error for dependencies the package lacks tells the user to run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { foldersUp } from './uv-workspace.js';
import { parsePackageJson } from '../settings/package-json.js';

export interface NodeLockfile {
  manager: 'npm' | 'pnpm' | 'yarn';
  /** The lockfile's path. */
  file: string;
}

const LOCKFILES: readonly [string, NodeLockfile['manager']][] = [
  ['npm-shrinkwrap.json', 'npm'],
  ['package-lock.json', 'npm'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
];

/** Whether `dir` is a workspace's root (pnpm-workspace.yaml, or a package.json with `workspaces`), whose lockfile pins its members'. */
function declaresWorkspace(dir: string): boolean {
  if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return true;
  try {
    const manifest = parsePackageJson(readFileSync(join(dir, 'package.json'), 'utf8'));
    return typeof manifest === 'object' && manifest !== null && 'workspaces' in manifest;
  } catch {
    return false;
  }
}

/**
 * The nearest lockfile from `path` up to its repository's root (never above
 * `top`): the folder's own, or a workspace root's above it (a lockfile above
 * that declares no workspace is another project's: the repository's web app);
 * undefined when none.
 */
export function nodeLockfile(path: string, top?: string): NodeLockfile | undefined {
  for (const dir of foldersUp(path, top)) {
    if (dir !== resolve(path) && !declaresWorkspace(dir)) continue;
    for (const [name, manager] of LOCKFILES)
      if (existsSync(join(dir, name))) return { manager, file: join(dir, name) };
  }
  return undefined;
}
