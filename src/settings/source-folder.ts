/** The path input: the code's folder, kept inside the checkout (or the CLI's repository). */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { isInside } from '../util/paths.js';
import { enclosingRepository } from '../util/repository-root.js';
import { show, type Checked, type InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import { packageEntry, type PackageEntry } from './package-json.js';

/** The real path (links resolved) when it exists, else the path as given. */
export function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The source folder, checked to be inside the checkout, and what it holds. */
export interface Source extends Checked<'path' | 'workspace'> {
  /** Where relative inputs start: GITHUB_WORKSPACE, or the CLI's current directory. */
  base: string;
  /** A folder inside the workspace: the only case its files are looked at. */
  usable: boolean;
  listing: string[];
  /** package.json's "main" or "exports" (packageEntry()), for the default handler of a Node.js function. */
  main?: PackageEntry;
}

/** Where a command's relative inputs start instead (init's --dir), and how its messages name that folder. */
export interface SourceRoot {
  folder: string;
  /** Follows the folder in a message: `, the repository's folder (--dir), where --path starts`. */
  said: string;
}

export function readSource(r: InputReader, env: NodeJS.ProcessEnv, root?: SourceRoot): Source {
  // Relative inputs start from the checkout, or the CLI's current directory (or the command's root).
  const base = realOrResolved(root?.folder ?? (env.GITHUB_WORKSPACE || process.cwd()));
  // The checkout: what the workflow may package. `path: /etc` or `../..` would package the runner.
  // The CLI's is the enclosing repository: run from a uv workspace member, the uv.lock is above.
  const workspace =
    env.GITHUB_WORKSPACE && !root ? base : (enclosingRepository(base, env.HOME || homedir()) ?? base);
  const path = resolve(base, r.value(Inputs.Path));
  const pathIsDir = existsSync(path) && statSync(path).isDirectory();
  const pathInside = isInside(workspace, realOrResolved(path));
  // Listed rather than probed by name: keeps the bundler from treating the name as an asset.
  const listing = pathIsDir && pathInside ? readdirSync(path) : [];
  // The CLI's workspace is no word its user knows: say which folder it is and what to do.
  const where = root
    ? `${workspace}, ${root.said}`
    : env.GITHUB_WORKSPACE
      ? `the workspace ${workspace}`
      : `${workspace}, the folder the command runs in (or its git repository): run it from your project's folder`;
  if (!pathInside) r.bad(Inputs.Path, `a folder inside ${where} (resolved to ${realOrResolved(path)})`);
  else if (!pathIsDir && existsSync(path)) {
    // The handler's file given as the path: the folder that holds it was meant.
    const raw = r.value(Inputs.Path);
    r.bad(Inputs.Path, `the folder that holds the code, like ${show(dirname(raw))} (${raw} is a file)`);
  } else if (!pathIsDir)
    // A command whose --path starts elsewhere (init's --dir) names that folder: relative to what, else?
    r.bad(Inputs.Path, `an existing folder${root ? ` in ${base}, ${root.said}` : ''} (resolved to ${path})`);
  const main = listing.includes('package.json') ? packageEntry(path) : undefined;
  return { path, workspace, base, usable: pathIsDir && pathInside, listing, ...(main && { main }) };
}
