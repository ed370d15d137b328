/**
 * The npm, pnpm or yarn workspace a Node.js function's folder is a member of
 * (a monorepo's `services/api`): its root holds the one lockfile and the
 * package manager, and installs every member from there, so init's build
 * must install at the root, with that package manager, not in the folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { jsonFailure } from '../settings/package-json.js';
import { realOrResolved } from '../settings/source-folder.js';

export type NodeLockfile = 'npm' | 'pnpm' | 'yarn' | 'yarn-berry';

export interface NodeWorkspace {
  /** Which declares the workspace: pnpm-workspace.yaml, or package.json's `workspaces` (npm and yarn). */
  kind: 'pnpm' | 'package.json';
  /** The workspace root, relative to the repository's folder (`.`). */
  at: string;
  /** The function's folder, relative to the root (`services/api`). */
  member: string;
  /** The root's lockfile's package manager; undefined when the root has none. */
  lockfile?: NodeLockfile;
  /** The root's lockfile's name. */
  lockfileName?: string;
}

/** What decides the pnpm or Yarn corepack runs, and whether it reads the lockfile. */
export interface ManagerFacts {
  /**
   * The nearest package.json's packageManager (`pnpm@9.12.0`), as corepack looks for it: the version
   * it runs; else the topmost's devEngines.packageManager as `{name}@{version}` (`yarn@^4`, `yarn@*`).
   */
  packageManager?: string;
  /** Set when devEngines.packageManager named it (corepack 0.31+), for the notes to name that field. */
  pinnedBy?: 'devEngines.packageManager';
  /** pnpm-lock.yaml's lockfileVersion (`9.0`): which pnpm wrote it. */
  lockfileVersion?: string;
  /** .yarnrc.yml names a Yarn release (yarnPath), which any Yarn runs in its place. */
  yarnPath?: boolean;
}

/** Told of a workspace root's package.json that does not parse: its path and where and why (jsonFailure()). */
export type OnUnparsable = (path: string, error: string) => void;

/** A package.json that may declare a workspace: undefined when missing, and when it does not parse (said). */
function readManifest(path: string, onUnparsable?: OnUnparsable): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  // As npm reads it (a byte-order mark skipped); where it fails said as the function's own is (package-json-check).
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    onUnparsable?.(path, jsonFailure(text, error));
    return undefined;
  }
}

/** package.json's `workspaces`: a list of globs, or yarn's `{ packages: [...] }`; undefined when none. */
export function packageJsonWorkspaces(manifest: Record<string, unknown> | undefined): string[] | undefined {
  const field = manifest?.workspaces;
  const list = Array.isArray(field)
    ? field
    : typeof field === 'object' && field !== null
      ? (field as { packages?: unknown }).packages
      : undefined;
  return Array.isArray(list) ? list.filter((g): g is string => typeof g === 'string') : undefined;
}

/** A YAML scalar as written (quoted or plain), its comment (` #…`) left off. */
function yamlScalar(text: string): string {
  const quoted = /^\s*(?:'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)")/.exec(text);
  if (quoted)
    return quoted[1] !== undefined ? quoted[1].replace(/''/g, "'") : quoted[2]!.replace(/\\(.)/g, '$1');
  return text.replace(/(^|\s)#.*$/, '').trim();
}

/** A flow sequence's items, from after its `[` (a glob's commas and brackets are quoted there). */
function flowItems(text: string): string[] {
  const bare = text.replace(
    /('(?:[^']|'')*'|"(?:[^"\\]|\\.)*")|(?:^|\s)#[^\n]*/g,
    (_, quoted?: string) => quoted ?? ' ',
  );
  const globs: string[] = [];
  for (const [, item, end] of bare.matchAll(/\s*('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^,\]]*?)\s*([,\]])/g)) {
    globs.push(yamlScalar(item!));
    if (end === ']') break;
  }
  return globs.filter(Boolean);
}

/**
 * The `packages:` globs of pnpm-workspace.yaml, in the forms YAML allows
 * (pnpm reads it with a YAML parser): a block list, indented or not, or a
 * flow sequence (`packages: ['apps/*']`), quoted or not, with comments; none
 * without that key.
 */
export function pnpmWorkspacePackages(yamlText: string): string[] {
  const lines = yamlText.split(/\r?\n/);
  const start = lines.findIndex((line) => /^packages[ \t]*:/.test(line));
  if (start < 0) return [];
  const after = lines[start]!.replace(/^packages[ \t]*:/, '');
  // A flow sequence, maybe over several lines, read to its closing bracket.
  if (after.trim().startsWith('['))
    return flowItems([after.trim().slice(1), ...lines.slice(start + 1)].join('\n'));
  if (yamlScalar(after)) return [];
  const globs: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^[ \t]*(#.*)?$/.test(line)) continue;
    const item = /^[ \t]*-(?:[ \t]+(.*))?$/.exec(line);
    // The next key ends the list.
    if (!item) break;
    globs.push(yamlScalar(item[1] ?? ''));
  }
  return globs.filter(Boolean);
}

/** Whether the workspace's globs take `member` (`!` globs leave folders out, as npm and pnpm read them). */
export function isMember(globs: readonly string[], member: string): boolean {
  const clean = (g: string) => g.replace(/^\.\//, '').replace(/\/+$/, '');
  const matches = (g: string) => picomatch(clean(g), { dot: false })(member);
  return (
    globs.some((g) => !g.startsWith('!') && matches(g)) &&
    !globs.some((g) => g.startsWith('!') && matches(g.slice(1)))
  );
}

/** The lockfile npm, pnpm or yarn (1, or 2+ whose lockfile has __metadata) left in `folder`, and its name. */
export function lockfileIn(folder: string): { lockfile: NodeLockfile; name: string } | undefined {
  const npm = ['npm-shrinkwrap.json', 'package-lock.json'].find((f) => existsSync(join(folder, f)));
  if (npm) return { lockfile: 'npm', name: npm };
  if (existsSync(join(folder, 'pnpm-lock.yaml'))) return { lockfile: 'pnpm', name: 'pnpm-lock.yaml' };
  if (!existsSync(join(folder, 'yarn.lock'))) return undefined;
  const berry = /^__metadata:/m.test(readFileSync(join(folder, 'yarn.lock'), 'utf8'));
  return { lockfile: berry ? 'yarn-berry' : 'yarn', name: 'yarn.lock' };
}

/**
 * devEngines.packageManager as corepack 0.31+ reads it: an object (not a list) whose name has no
 * `@`, its version a range or none (`*`); undefined otherwise, as corepack ignores it then.
 */
function devEnginesManager(manifest: Record<string, unknown> | undefined): string | undefined {
  const devEngines = manifest?.devEngines as { packageManager?: unknown } | undefined;
  const field = typeof devEngines === 'object' && devEngines !== null ? devEngines.packageManager : undefined;
  if (typeof field !== 'object' || field === null || Array.isArray(field)) return undefined;
  const { name, version } = field as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || name.includes('@')) return undefined;
  if (version !== undefined && typeof version !== 'string') return undefined;
  return `${name}@${version ?? '*'}`;
}

/**
 * The package manager corepack runs in `folder`, looking up to `top`: the nearest package.json
 * with a packageManager field; without one, corepack reads the topmost package.json it found,
 * and its devEngines.packageManager (packageManager wins in one file, as in corepack).
 */
function corepackManager(folder: string, top: string): Pick<ManagerFacts, 'packageManager' | 'pinnedBy'> {
  let topmost: Record<string, unknown> | undefined;
  for (let at = resolve(folder); ; at = dirname(at)) {
    const manifest = readManifest(join(at, 'package.json'));
    if (manifest) topmost = manifest;
    const packageManager = manifest?.packageManager;
    if (packageManager !== undefined) return typeof packageManager === 'string' ? { packageManager } : {};
    if (at === resolve(top) || dirname(at) === at) break;
  }
  const devEngines = devEnginesManager(topmost);
  return devEngines ? { packageManager: devEngines, pinnedBy: 'devEngines.packageManager' } : {};
}

/**
 * The facts of the lockfile's folder (`lockFolder`) and of the package.json
 * files corepack reads, from `folder` up to `top` (corepackManager).
 */
export function managerFacts(folder: string, lockFolder: string, top: string): ManagerFacts {
  const read = (file: string) => {
    try {
      return readFileSync(join(lockFolder, file), 'utf8');
    } catch {
      return '';
    }
  };
  const lockfileVersion = /^lockfileVersion:\s*['"]?([\d.]+)/m.exec(read('pnpm-lock.yaml'))?.[1];
  const yarnPath = /^yarnPath:/m.test(read('.yarnrc.yml'));
  return {
    ...corepackManager(folder, top),
    ...(lockfileVersion && { lockfileVersion }),
    ...(yarnPath && { yarnPath }),
  };
}

function workspaceAt(root: string, folder: string, top: string, kind: NodeWorkspace['kind']): NodeWorkspace {
  const lock = lockfileIn(root);
  return {
    kind,
    at: relative(top, root).split('\\').join('/') || '.',
    member: relative(root, folder).split('\\').join('/'),
    ...(lock && { lockfile: lock.lockfile, lockfileName: lock.name }),
  };
}

/**
 * The workspace whose root is the nearest folder above `folder`, up to `top`
 * (the repository's folder), that declares one (pnpm-workspace.yaml, or a
 * package.json with `workspaces`), when its globs take `folder`; undefined
 * otherwise. npm takes such a folder for a member even with a lockfile of
 * its own: it installs at the root unless told --no-workspaces.
 */
export function enclosingNodeWorkspace(
  folder: string,
  top: string,
  onUnparsable?: OnUnparsable,
): NodeWorkspace | undefined {
  // Both real: a symlinked temp folder (/var and /private/var on macOS) names one folder two ways.
  const at = realOrResolved(folder);
  const stop = realOrResolved(top);
  if (at === stop || relative(stop, at).startsWith('..')) return undefined;
  for (let root = dirname(at); ; root = dirname(root)) {
    const member = relative(root, at).split('\\').join('/');
    if (existsSync(join(root, 'pnpm-workspace.yaml'))) {
      const globs = pnpmWorkspacePackages(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8'));
      return isMember(globs, member) ? workspaceAt(root, at, stop, 'pnpm') : undefined;
    }
    const globs = packageJsonWorkspaces(readManifest(join(root, 'package.json'), onUnparsable));
    if (globs) return isMember(globs, member) ? workspaceAt(root, at, stop, 'package.json') : undefined;
    if (root === stop || dirname(root) === root) return undefined;
  }
}

/** The workspace `folder` is installed as a member of (enclosingNodeWorkspace); undefined for a folder with a lockfile of its own (installed alone). */
export function findNodeWorkspace(folder: string, top: string): NodeWorkspace | undefined {
  return lockfileIn(realOrResolved(folder)) ? undefined : enclosingNodeWorkspace(folder, top);
}
