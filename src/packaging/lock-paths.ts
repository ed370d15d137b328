/**
 * Local-path entries of an exported lockfile (uv.lock path, directory and
 * editable sources; poetry.lock directory and file sources; Pipfile.lock
 * path and file entries) must stay inside the repository: pip builds a
 * folder's setup code and packs a file into the zip, so an entry such as
 * `editable = "../../../etc"` or an absolute wheel elsewhere on the runner
 * would reach into the deploy what the repository does not hold.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LockfileError } from './lock-walk.js';

/**
 * The real path (symbolic links resolved) of `path`; for one that does not
 * exist (pip then fails on it anyway), its nearest existing folder's real
 * path with the rest: a missing file under a link to the repository is inside.
 */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

/** Whether `path` is `top` or below it (both real paths). */
export function isInside(top: string, path: string): boolean {
  const rel = relative(top, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** `name[extra] @ file:///x#subdirectory=y ...`: the name and the local path, or undefined for a line of another kind. */
export function localPathOf(line: string): { name: string; url: string } | undefined {
  const m = /^([^\s@[;]+)(?:\[[^\]]*\])?\s+@\s+(file:[^\s#]+)/i.exec(line);
  return m ? { name: m[1]!, url: m[2]! } : undefined;
}

/**
 * Throws, naming `lockfile`, the package and the path it resolves to, when
 * a requirement line installs from a local path outside `root` (the
 * repository's folder).
 */
export function checkLocalPaths(lines: readonly string[], lockfile: string, root: string): void {
  const top = realPath(root);
  for (const line of lines) {
    const local = localPathOf(line);
    if (!local) continue;
    let path: string | undefined;
    try {
      path = realPath(fileURLToPath(local.url));
    } catch {
      path = undefined;
    }
    if (path !== undefined && isInside(top, path)) continue;
    throw new LockfileError(
      `${lockfile}: package ${local.name} installs from ${path ?? local.url}, outside the repository (${top}). ` +
        `lambda-deploy installs a local path from a lockfile only inside the repository: write it as a path relative to the lockfile's folder that stays inside ${top} (such as "./libs/${local.name}").`,
    );
  }
}
