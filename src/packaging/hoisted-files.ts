/** The production dependencies npm hoisted to an npm workspace root's node_modules, packaged where Lambda finds them. */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { isPythonRuntime } from '../settings/runtimes.js';
import { inputName } from '../settings/surface.js';
import { Inputs } from '../settings/names.js';
import type { Logger } from '../util/logger.js';
import { collectFiles } from './collect-files.js';
import { isInside } from '../util/paths.js';
import { packageName } from './dev-dependencies.js';
import { createFileFilter, type FileFilter } from './file-filter.js';
import { handlerTarget } from './handler-check.js';
import {
  workspaceClosure,
  zipPlace,
  type WorkspaceClosure,
  type WorkspaceSibling,
} from './workspace-closure.js';
import { npmPackSkipsFolder } from './npm-pack-files.js';
import { siblingFiles, siblingProblem } from './workspace-siblings.js';
import { declaredDependencies, type FileImports, reachablePackages } from './hoisted-dependencies.js';
import { repositoryRoot } from './uv-workspace.js';
import { formatCount } from './size-check.js';
import { DeflatePool, Prefetcher } from './zip-writer.js';
import { type BuildPackageDeps, type BuildPackageOptions } from './build-package-types.js';
import { MissingDependenciesError } from './node-dependency-check.js';
import { NPM_LOCKFILES, npmWorkspaceRoot } from './npm-lockfiles.js';
import { walkingFilter } from './walking-filter.js';

/**
 * The production dependencies of a function in an npm workspace that npm
 * hoisted to the workspace root's node_modules, as the root's lockfile
 * resolves them (see workspace-closure.ts): packaged at the same place under
 * the zip's node_modules, where Node.js on Lambda finds them as it does
 * locally. A workspace package npm linked there is packaged at the link's
 * place as npm would install it from its tarball, with its own production
 * dependencies (see workspace-siblings.ts). None outside a workspace, when
 * the lockfile cannot say (a name it lacks), or when one would land on another
 * version the function's own node_modules holds: checkNodeDependencies then
 * names what is missing.
 */
export async function hoistedFiles(
  options: BuildPackageOptions,
  ownFiles: readonly { path: string; absPath: string }[],
  imports: () => Promise<ReadonlyMap<string, FileImports>>,
  pool: DeflatePool,
  prefetch: Prefetcher,
  deps: BuildPackageDeps,
) {
  const { logger } = deps;
  if (isPythonRuntime(options.runtime) || !existsSync(join(options.path, 'package.json'))) return [];
  // A lockfile of its own: the folder was installed by itself (npm install --no-workspaces).
  if (NPM_LOCKFILES.slice(0, 2).some((f) => existsSync(join(options.path, f)))) return [];
  const folder = resolve(options.path);
  const workspaceRoot = npmWorkspaceRoot(folder);
  if (!workspaceRoot) return [];
  const { root, lockfile } = workspaceRoot;
  // A bundle that loads none of its dependencies needs none of them.
  const declared = declaredDependencies(await readFile(join(folder, 'package.json'), 'utf8'));
  const loaded = [...(await imports()).values()].flatMap((f) => f.specifiers);
  if (!declared.some((name) => loaded.some((spec) => spec === name || spec.startsWith(`${name}/`))))
    return [];
  const member = relative(root, folder).split(sep).join('/');
  const lockText = await readFile(join(root, lockfile), 'utf8');
  const closure = workspaceClosure(lockText, member);
  if (!closure) return [];
  if ('unsupported' in closure) {
    logger.info(
      `${join(root, lockfile)}: the function's dependencies at the workspace root are not packaged: ${closure.unsupported}.`,
    );
    return [];
  }
  // Where links may lead: the repository (or GITHUB_WORKSPACE), else the workspace root.
  const repository = repositoryRoot(folder, options.workspace) ?? root;
  const siblings = await packableSiblings(
    options,
    closure.siblings,
    root,
    repository,
    imports,
    (names) => workspaceClosure(lockText, member, names),
    deps,
  );
  const own = new Set(ownFiles.map((f) => f.path));
  const user = createFileFilter({
    runtime: options.runtime,
    include: options.include,
    exclude: options.exclude,
    defaults: false,
  });
  const dropped = closure.siblings.filter((s) => !siblings.includes(s));
  const units: WorkspaceUnit[] = [
    ...closure.folders
      .filter((key) => !dropped.some((s) => key.startsWith(`${s.folder}/`)))
      .map((key) => ({ key, at: zipPlace(key, member, closure.siblings) })),
    ...siblings.map((s) => ({ key: s.folder, at: s.at, sibling: s })),
  ];
  const files = [];
  const packaged: string[] = [];
  for (const unit of installed(units, workspaceRoot, lockText, options, deps)) {
    const dir = join(root, unit.key);
    // Not installed here (an optional package for another platform): nothing to package.
    if (!existsSync(join(dir, 'package.json'))) continue;
    // A link npm link made, or a name such as "../x" in the lockfile: never packaged from outside the repository.
    const real = realpathSync(dir);
    if (!isInside(realpathSync(repository), real)) {
      logger.info(
        `${dir} leads to ${real}, outside the repository (${repository}): the function's dependencies at the workspace root are not packaged.`,
      );
      return [];
    }
    if (own.has(`${unit.at}/package.json`)) {
      if (versionAt(dir) === versionAt(join(folder, unit.at))) continue;
      logger.info(
        `${dir} is not packaged: ${join(folder, unit.at)} holds another version at the same place in the package.`,
      );
      return [];
    }
    const found = await unitFiles(unit, dir, repository, user, options.runtime, pool, prefetch);
    files.push(...found);
    if (found.length && !unit.sibling) packaged.push(unit.at);
  }
  prefetch.end();
  logPackaged(logger, root, lockfile, packaged, siblings);
  return files;
}

/**
 * The units, or fails when the root's node_modules lacks a package of the
 * lockfile the function needs (no npm ci before the deploy: node_modules is
 * not committed), which the zip would then lack; warns instead with layers
 * attached (one may hold them). npm ci may leave out an optional or peer one
 * (another platform's, say).
 */
function installed(
  units: readonly WorkspaceUnit[],
  { root, lockfile }: { root: string; lockfile: string },
  lockText: string,
  options: BuildPackageOptions,
  { logger, surface }: BuildPackageDeps,
): readonly WorkspaceUnit[] {
  const packages = (JSON.parse(lockText) as { packages: Record<string, Record<string, unknown>> }).packages;
  const mayBeAbsent = ({ key, sibling }: WorkspaceUnit) =>
    !sibling && [packages[key]?.optional, packages[key]?.devOptional, packages[key]?.peer].includes(true);
  const missing = units.filter((u) => !mayBeAbsent(u) && !existsSync(join(root, u.key, 'package.json')));
  if (!missing.length) return units;
  const message =
    `${inputName(surface ?? 'action', Inputs.Path)}: the function needs ${[...new Set(missing.map((u) => packageName(u.key)))].sort().join(', ')}, ` +
    `which ${join(root, lockfile)} lists but ${join(root, 'node_modules')} does not hold: Lambda would fail with "Cannot find module". ` +
    `Install the workspace before deploying: run npm ci in ${root}.`;
  if (!options.layers?.length) throw new MissingDependenciesError(message);
  logger.warning(`${message} (Deploying anyway: one of the attached layers may hold them.)`);
  return units;
}

/** The `version` of the package.json in `dir` (undefined when unreadable). */
function versionAt(dir: string): unknown {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version;
  } catch {
    return undefined;
  }
}

/** A folder of the workspace root to package and where the zip holds it; `sibling`: a linked workspace package. */
interface WorkspaceUnit {
  key: string;
  at: string;
  sibling?: WorkspaceSibling;
}

/**
 * The files of a unit (in `dir`) at their place in the zip, under the user's
 * include and exclude as the folder's own node_modules is. A workspace
 * package gives what npm would pack from it (not its node_modules, tests or
 * sources), and its links may lead anywhere inside the repository.
 */
async function unitFiles(
  { at, sibling }: WorkspaceUnit,
  dir: string,
  repository: string,
  user: FileFilter,
  runtime: string,
  pool: DeflatePool,
  prefetch: Prefetcher,
) {
  const walk = walkingFilter(dir, { runtime, defaults: false }, pool, prefetch);
  const packs = sibling ? siblingFiles(dir) : () => true;
  const found = await collectFiles(
    dir,
    {
      walkDir: (rel) =>
        (!sibling || !npmPackSkipsFolder(rel.slice(rel.lastIndexOf('/') + 1))) &&
        user.walkDir(rel ? `${at}/${rel}` : at) &&
        walk.walkDir(rel),
      includeFile: (rel, abs) => packs(rel) && user.includeFile(`${at}/${rel}`) && walk.includeFile(rel, abs),
    },
    undefined,
    sibling ? repository : dir,
  );
  // A sibling's files are the user's own (serve names them in the repository), a registry package's are not.
  return found.map((f) => ({ ...f, path: `${at}/${f.path}`, sibling: sibling !== undefined }));
}

/** Says what came from the workspace root: the registry packages (`packaged`, their folders) and the workspace packages. */
function logPackaged(
  logger: Logger,
  root: string,
  lockfile: string,
  packaged: readonly string[],
  siblings: readonly WorkspaceSibling[],
): void {
  if (packaged.length) {
    const names = packaged.map(packageName);
    const shown = [...new Set(names)].sort().slice(0, 10).join(', ') + (packaged.length > 10 ? ', …' : '');
    logger.info(
      `Packaged ${formatCount(packaged.length)} ${packaged.length === 1 ? 'package' : 'packages'} the function needs from the workspace root's node_modules (${root}), ` +
        `where npm installed them, as ${lockfile} resolves them: ${shown}`,
    );
  }
  if (siblings.length)
    logger.info(
      `Packaged the workspace ${siblings.length === 1 ? 'package' : 'packages'} ${siblings.map((s) => `${s.name} (${s.folder})`).join(', ')} ` +
        'as npm installs one from its tarball: package.json, README, LICENSE, main and the files its "files" field names; ' +
        'not its node_modules nor its devDependencies (.npmignore and .gitignore are not read: dotfiles are left out).',
    );
}

/**
 * The linked workspace packages to package: all of them, less one whose
 * link leads outside the repository. One that cannot be packaged as it is
 * (outside, or not built) fails the build when the handler loads it, itself
 * or through what it loads; otherwise it is named in a warning.
 */
async function packableSiblings(
  options: BuildPackageOptions,
  siblings: readonly WorkspaceSibling[],
  root: string,
  repository: string,
  imports: () => Promise<ReadonlyMap<string, FileImports>>,
  closureOf: (names: readonly string[]) => WorkspaceClosure | undefined,
  { logger, surface }: BuildPackageDeps,
): Promise<WorkspaceSibling[]> {
  const problems = new Map(
    siblings.flatMap((s) => {
      const problem = siblingProblem(root, repository, s);
      return problem ? [[s.folder, problem] as const] : [];
    }),
  );
  if (!problems.size) return [...siblings];
  const files = await imports();
  const entry = handlerTarget(options.handler, options.runtime).files.find((f) => files.has(f));
  const reached = entry ? closureOf([...reachablePackages(entry, files).required]) : undefined;
  const refused =
    reached && 'siblings' in reached ? reached.siblings.filter((s) => problems.has(s.folder)) : [];
  if (refused.length)
    throw new MissingDependenciesError(
      `${inputName(surface ?? 'action', Inputs.Path)}: the function's handler loads ${refused.map((s) => s.name).join(', ')}; ` +
        refused.map((s) => problems.get(s.folder)!.message).join(' And '),
    );
  for (const problem of problems.values())
    logger.warning(
      `${problem.message} (The handler does not load it: deploying ${problem.outside ? 'without it' : 'it as it is'}.)`,
    );
  return siblings.filter((s) => !problems.get(s.folder)?.outside);
}
