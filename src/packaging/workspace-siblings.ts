/**
 * The workspace packages an npm workspace member depends on, which npm
 * links into the root's node_modules (`node_modules/@acme/shared` to
 * `packages/shared`): packaged only from inside the repository, and only
 * once built, each as npm would install it from its tarball (npm-pack-files.ts).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { isInside } from '../util/paths.js';
import { builtEntryFiles, npmPackFilter } from './npm-pack-files.js';
import type { WorkspaceSibling } from './workspace-closure.js';

function manifestOf(dir: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Why the workspace package cannot be packaged, or undefined: its folder (or
 * the link npm made to it) leads outside `repository` (then the zip would
 * hold what the repository does not), or it has a build step and the entry
 * file its package.json names is not there (not built yet).
 */
export function siblingProblem(
  root: string,
  repository: string,
  sibling: WorkspaceSibling,
): { outside: boolean; message: string } | undefined {
  const dir = join(root, sibling.folder);
  const top = realpathSync(repository);
  for (const path of [dir, join(root, sibling.at)]) {
    if (!existsSync(path)) continue;
    const real = realpathSync(path);
    if (!isInside(top, real))
      return {
        outside: true,
        message:
          `the workspace package ${sibling.name} is linked from ${join(root, sibling.at)} to ${real}, outside the repository (${top}); ` +
          'lambda-deploy packages a linked workspace package only from inside the repository: move it into the repository ' +
          '(a folder the root package.json "workspaces" lists), or install it from the registry.',
      };
  }
  const loadable = (file: string) =>
    ['', '.js', '.json', '.node', '/index.js'].some((suffix) => existsSync(join(dir, file + suffix)));
  const missing = builtEntryFiles(manifestOf(dir)).filter((file) => !loadable(file));
  if (missing.length)
    return {
      outside: false,
      message:
        `the workspace package ${sibling.name} (${sibling.folder}) has a build step, and the entry file its package.json names is not there: ` +
        `${missing.map((f) => join(dir, f)).join(', ')}. Build it first (npm run build --workspace ${sibling.name}, ` +
        'or npm run build --workspaces --if-present, at the workspace root) before deploying: its files are packaged as they are.',
    };
  return undefined;
}

/** Whether npm would pack the file (relative, forward slashes) of the workspace package in `dir`. */
export function siblingFiles(dir: string): (path: string) => boolean {
  return npmPackFilter(manifestOf(dir));
}
