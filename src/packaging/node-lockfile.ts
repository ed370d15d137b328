/**
 * The lockfile that pins a Node.js function's dependencies: its folder's, or
 * the workspace root's above it (pnpm-lock.yaml, yarn.lock, package-lock.json),
 * up to the repository's root. Which package manager wrote it decides what
 * the error for dependencies the package lacks tells the user to run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { foldersUp } from './uv-workspace.js';

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

/** The nearest lockfile from `path` up to its repository's root (never above `top`); undefined when none. */
export function nodeLockfile(path: string, top?: string): NodeLockfile | undefined {
  for (const dir of foldersUp(path, top))
    for (const [name, manager] of LOCKFILES)
      if (existsSync(join(dir, name))) return { manager, file: join(dir, name) };
  return undefined;
}
