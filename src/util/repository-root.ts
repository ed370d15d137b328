import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest folder from `dir` up holding `.git` (a folder, or a worktree's or submodule's file); undefined when none. */
export function enclosingRepository(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return undefined;
  }
}
