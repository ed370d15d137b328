import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, isAbsolute, resolve } from 'node:path';
import { isInside } from './paths.js';

/**
 * The nearest folder from `dir` up holding `.git` (a folder, or a worktree's or submodule's file);
 * undefined when none. The search stops below `home`: a dotfiles repository in the home folder is
 * not the project, and taking it would let lock paths and links reach ~/.aws and the like.
 */
export function enclosingRepository(dir: string, home?: string): string | undefined {
  const belowHome = (at: string) => {
    if (!home) return true;
    const rel = relative(home, at);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  const underHome = home !== undefined && belowHome(dir);
  for (let at = dir; ; at = dirname(at)) {
    if (underHome && !belowHome(at)) return undefined;
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The repository whose checkout holds `root`'s: a submodule's `.git` is a
 * file naming its gitdir in the superproject's `.git/modules/`, and the
 * superproject's files are checked out beside it. `root` itself for a
 * repository of its own (a .git folder, or a worktree's file naming another
 * gitdir).
 */
export function superproject(root: string): string {
  let gitdir: string | undefined;
  try {
    gitdir = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(join(root, '.git'), 'utf8'))?.[1];
  } catch {
    return root;
  }
  const above = gitdir && /^(.*?)[\\/]\.git[\\/]modules[\\/]/.exec(resolve(root, gitdir))?.[1];
  return above && above !== root && isInside(above, root) ? superproject(above) : root;
}

/** The branch checked out in the repository at `root` (its .git folder's HEAD); undefined when detached or unreadable. */
export function checkedOutBranch(root: string): string | undefined {
  try {
    return /^ref: refs\/heads\/(\S+)/.exec(readFileSync(join(root, '.git', 'HEAD'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
