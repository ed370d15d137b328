/**
 * The uv workspace a function's folder belongs to: a member (packages/api,
 * with its own pyproject.toml) has no uv.lock of its own, as uv writes one
 * lock at the workspace root, whose pyproject.toml lists the members in
 * `[tool.uv.workspace] members` (globs, less `exclude`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { TomlTable } from './toml-subset.js';
import { readManifestToml, tableAt } from './manifest-toml.js';

/** A workspace's root folder (its uv.lock's) and the member's folder relative to it, with forward slashes. */
export interface UvWorkspaceMember {
  root: string;
  member: string;
}

const clean = (glob: string) => glob.replace(/^\.\//, '').replace(/\/+$/, '');

/** The globs of `[tool.uv.workspace] key`; undefined without it. */
function globs(workspace: TomlTable, key: string): string[] | undefined {
  const value = workspace[key];
  return Array.isArray(value) ? value.filter((g) => typeof g === 'string') : undefined;
}

/** Whether `[tool.uv.workspace]` takes the folder `member` (relative, forward slashes) in. */
function covers(workspace: TomlTable, member: string): boolean {
  const members = globs(workspace, 'members');
  const matches = (list: string[]) => list.some((g) => picomatch(clean(g), { dot: true })(member));
  return !!members && matches(members) && !matches(globs(workspace, 'exclude') ?? []);
}

/**
 * Whether the root pyproject.toml's `[tool.uv.workspace]` takes the folder
 * `member` in (pure); `file` names the pyproject in the error for one that
 * is not TOML.
 */
export function workspaceCovers(pyproject: string, member: string, file = 'pyproject.toml'): boolean {
  const workspace = tableAt(readManifestToml(pyproject, file).root, 'tool', 'uv', 'workspace');
  return !!workspace && covers(workspace, member);
}

/**
 * The folders from `path` up to its repository's root (the nearest one
 * holding .git), never above `top` (the GitHub workspace) when path is
 * inside it; when path is outside top, path alone.
 */
export function foldersUp(path: string, top?: string): string[] {
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
    // Read as TOML only where a workspace may be declared: a broken pyproject of other tools is theirs.
    if (!text.includes('workspace')) continue;
    const workspace = tableAt(readManifestToml(text, pyproject).root, 'tool', 'uv', 'workspace');
    if (!workspace) continue;
    const member = relative(dir, start!).split(sep).join('/');
    return covers(workspace, member) && existsSync(join(dir, 'uv.lock')) ? { root: dir, member } : undefined;
  }
  return undefined;
}
