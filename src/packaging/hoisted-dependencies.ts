/**
 * A Node.js function whose dependencies are not in its own node_modules (pure):
 * in an npm, yarn or pnpm workspace they are installed (hoisted) into the
 * workspace root's node_modules, which Node.js finds locally by walking up
 * from the function's folder, but the zip of that folder lacks them, and
 * Lambda fails with "Cannot find module" after a slow deploy. Found before
 * anything is created or uploaded; the caller reads the files.
 */
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';

/**
 * The packages package.json's `dependencies` name that the function needs at
 * run time: not those it also lists as optional (missing for another
 * platform), peer (the host's) or bundled (shipped inside it); none when the
 * text is not a package.json this can read.
 */
export function declaredDependencies(packageJsonText: string): string[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(packageJsonText);
  } catch {
    return [];
  }
  if (!isRecord(manifest) || !isRecord(manifest.dependencies)) return [];
  const skip = new Set<string>();
  for (const field of ['optionalDependencies', 'peerDependencies']) {
    const value = manifest[field];
    if (isRecord(value)) for (const name of Object.keys(value)) skip.add(name);
  }
  for (const field of ['bundleDependencies', 'bundledDependencies']) {
    const value = manifest[field];
    if (Array.isArray(value)) for (const name of value) if (typeof name === 'string') skip.add(name);
    // `true`: every dependency is bundled into the package.
    if (value === true) return [];
  }
  return Object.keys(manifest.dependencies).filter((name) => !skip.has(name));
}

/**
 * The package names a JavaScript file loads with a bare specifier:
 * `require('a')`, `import x from 'a/sub'`, `import('@s/b')`, `export ... from`.
 * A bundle that inlined its dependencies names none of them.
 */
export function importedPackages(source: string): Set<string> {
  const names = new Set<string>();
  const pattern =
    /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)(['"])((?:@[^/'"\s]+\/)?[^./'"\s][^/'"\s]*)(?:\/[^'"]*)?\1/g;
  for (const match of source.matchAll(pattern)) if (!match[2]!.startsWith('node:')) names.add(match[2]!);
  return names;
}

/** Lambda's Node.js runtimes carry the AWS SDK for JavaScript v3: a function may load it unpackaged. */
export function runtimeProvided(name: string): boolean {
  return name.startsWith('@aws-sdk/') || name.startsWith('@smithy/');
}

/** A dependency the package lacks, and the folder above the function's where Node.js finds it locally (none: nowhere). */
export interface MissingDependency {
  name: string;
  foundIn?: string;
}

/** The error for dependencies the function loads but its package lacks: which, where they are, and how to install them into the folder. */
export function missingDependenciesMessage(
  missing: readonly MissingDependency[],
  path: string,
  surface: Surface = 'action',
): string {
  const names = missing.map((m) => m.name).sort();
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} in all)` : '');
  const count = names.length === 1 ? '1 dependency' : `${names.length} dependencies`;
  const folders = [...new Set(missing.flatMap((m) => (m.foundIn ? [m.foundIn] : [])))].sort();
  const pathInput = inputName(surface, Inputs.Path);
  const lead = `${pathInput}: the function's package.json lists ${count} its code loads that ${path}/node_modules does not hold: ${shown}`;
  const lambda = 'Lambda would fail with "Cannot find module".';
  if (!folders.length)
    return `${lead}. ${lambda} Install them before deploying: run npm ci --omit=dev (or npm install --omit=dev) in ${path}.`;
  const they = missing.every((m) => m.foundIn) ? (names.length === 1 ? 'it' : 'them') : 'some';
  return (
    `${lead}; Node.js finds ${they} only in ${folders.map((f) => `${f}/node_modules`).join(', ')}, ` +
    `where a workspace install put ${names.length === 1 ? 'it' : 'them'}, and that folder is not packaged. ${lambda} ` +
    `Install the function's dependencies into its own folder before deploying: in ${path}, run ` +
    `npm install --omit=dev --no-workspaces (npm then installs there, not at the workspace root; it writes a package-lock.json there too); ` +
    `with pnpm, pnpm deploy --filter <package> --prod <folder> writes a folder to point ${pathInput} at; ` +
    `or bundle the function (esbuild, say) and package the bundle.`
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
