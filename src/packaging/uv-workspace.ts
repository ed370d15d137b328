/**
 * The uv workspace a function's folder belongs to: a member (packages/api,
 * with its own pyproject.toml) has no uv.lock of its own, as uv writes one
 * lock at the workspace root, whose pyproject.toml lists the members in
 * `[tool.uv.workspace] members` (globs, less `exclude`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { tableArray } from './pyproject-dependencies.js';

/** A workspace's root folder (its uv.lock's) and the member's folder relative to it, with forward slashes. */
export interface UvWorkspaceMember {
  root: string;
  member: string;
}

const clean = (glob: string) => glob.replace(/^\.\//, '').replace(/\/+$/, '');

/** Whether the root pyproject.toml's `[tool.uv.workspace]` takes the folder `member` (relative, forward slashes) in (pure). */
export function workspaceCovers(pyproject: string, member: string): boolean {
  const members = tableArray(pyproject, 'tool.uv.workspace', 'members');
  if (!members) return false;
  const matches = (globs: string[]) => globs.some((g) => picomatch(clean(g), { dot: true })(member));
  return matches(members) && !matches(tableArray(pyproject, 'tool.uv.workspace', 'exclude') ?? []);
}

/**
 * The folders from `path` up to its repository's root (the nearest one
 * holding .git), never above `top` (the GitHub workspace) when path is
 * inside it; when path is outside top, path alone.
 */
function foldersUp(path: string, top?: string): string[] {
  const limit = top ? resolve(top) : undefined;
  const inside = (dir: string) =>
    !limit || dir === limit || dir.startsWith(limit.endsWith(sep) ? limit : limit + sep);
  const folders = [resolve(path)];
  let dir = folders[0]!;
  while (!existsSync(join(dir, '.git')) && dir !== limit && dirname(dir) !== dir && inside(dirname(dir))) {
    dir = dirname(dir);
    folders.push(dir);
  }
  return folders;
}

/**
 * The repository `path` is in: the nearest folder holding .git, else `top`
 * (the GitHub workspace) when it holds path; undefined when neither.
 */
export function repositoryRoot(path: string, top?: string): string | undefined {
  const last = foldersUp(path, top).at(-1)!;
  return existsSync(join(last, '.git')) || (top !== undefined && last === resolve(top)) ? last : undefined;
}

/**
 * The nearest folder above `path` whose pyproject.toml declares a uv
 * workspace, when it has a uv.lock and its members take `path` in. The
 * search never goes above the repository (a folder holding .git) nor
 * `top` (the GitHub workspace), and stops at the first workspace root: uv
 * would use that one, or none.
 */
export function uvWorkspaceOf(path: string, top?: string): UvWorkspaceMember | undefined {
  const [start, ...above] = foldersUp(path, top);
  for (const dir of above) {
    const pyproject = join(dir, 'pyproject.toml');
    if (!existsSync(pyproject)) continue;
    const text = readFileSync(pyproject, 'utf8');
    if (!/^\s*\[tool\.uv\.workspace\]/m.test(text)) continue;
    const member = relative(dir, start!).split(sep).join('/');
    return workspaceCovers(text, member) && existsSync(join(dir, 'uv.lock'))
      ? { root: dir, member }
      : undefined;
  }
  return undefined;
}
