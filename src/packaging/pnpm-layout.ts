/**
 * pnpm's default node_modules (node-linker=isolated) is a tree of symbolic
 * links: node_modules/<name> links to .pnpm/<name>@<version>/node_modules/<name>,
 * and that package's own dependencies are links beside it there, not in
 * node_modules. The zip holds each link's target as plain files under the
 * link's name, where Node.js, no longer led by the link, finds none of those
 * dependencies: Lambda fails with "Cannot find module" (pure).
 */
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import { parsePackageJson } from '../settings/package-json.js';

/** A package the zip holds at node_modules/<name>, copied from pnpm's store. */
export interface PnpmLinkedPackage {
  name: string;
  /** Its package.json where pnpm keeps it. */
  manifest: string;
}

/** The top-level packages of the function's node_modules that are links into pnpm's .pnpm store. */
export function pnpmLinkedPackages(files: readonly { path: string; absPath: string }[]): PnpmLinkedPackage[] {
  const found: PnpmLinkedPackage[] = [];
  for (const f of files) {
    const name = /^node_modules\/((?:@[^/]+\/)?[^/.@][^/]*)\/package\.json$/.exec(f.path)?.[1];
    if (!name) continue;
    const real = f.absPath.split('\\').join('/');
    if (
      real.endsWith(`/node_modules/${name}/package.json`) &&
      /\/node_modules\/\.pnpm\/[^/]+\/node_modules\//.test(real)
    )
      found.push({ name, manifest: f.absPath });
  }
  return found;
}

/**
 * The dependencies a package.json lists: pnpm links them beside the package,
 * where the zip loses them, unless it also hoisted them into node_modules
 * (shamefully-hoist, public-hoist-pattern), where Node.js finds them.
 */
export function dependencyNames(packageJsonText: string): string[] {
  try {
    const deps: unknown = (parsePackageJson(packageJsonText) as { dependencies?: unknown }).dependencies;
    return typeof deps === 'object' && deps !== null ? Object.keys(deps) : [];
  } catch {
    return [];
  }
}

/** The error for a pnpm-installed (isolated) node_modules whose packages need their own dependencies. */
export function pnpmLayoutMessage(
  names: readonly string[],
  path: string,
  surface: Surface = 'action',
): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, 5).join(', ') + (sorted.length > 5 ? `, … (${sorted.length} in all)` : '');
  const pathInput = inputName(surface, Inputs.Path);
  return (
    `${pathInput}: ${path}/node_modules was installed by pnpm with node-linker=isolated (its default): its packages are symbolic links into node_modules/.pnpm, ` +
    `and the dependencies of ${shown} are links beside them there. The zip holds each package as plain files under node_modules, where Node.js on Lambda ` +
    `does not find those dependencies: it would fail with "Cannot find module". Install a flat node_modules before deploying: ` +
    `add node-linker=hoisted to .npmrc and run pnpm install --prod again (pnpm then writes node_modules without links, as npm does); ` +
    `for a workspace member, with that setting, pnpm deploy --filter <package> --prod <folder> writes a folder to point ${pathInput} at; ` +
    `or bundle the function (esbuild, say) and package the bundle.`
  );
}
