/**
 * The requirements pip installs for a Python function: its requirements file,
 * or one written from its project's uv.lock, poetry.lock or Pipfile.lock.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isPythonRuntime } from '../settings/runtimes.js';
import { inputName, settingOf, type Surface } from '../settings/surface.js';
import { Inputs } from '../settings/names.js';
import { redact } from '../util/redact.js';
import { stalePipfileLockWarning } from './pipfile-hash.js';
import { stalePoetryLockWarning } from './poetry-hash.js';
import { staleUvLockWarning } from './uv-requires-dist.js';
import { ManifestError } from './manifest-toml.js';
import { unlistedDependenciesWarning, unlockedPipfileWarning } from './pyproject-dependencies.js';
import {
  addedRequirements,
  hashChecked,
  LockfileError,
  onlyMd5,
  sourceArchives,
  type LockExport,
} from './lock-walk.js';
import { otherIndexWarning, type LockIndex } from './lock-index.js';
import { pipfileLockRequirements } from './pipfile-lock.js';
import { poetryLockRequirements } from './poetry-lock.js';
import { uvLockRequirements } from './uv-lock.js';
import { repositoryRoot, uvWorkspaceOf } from './uv-workspace.js';
import { checkLocalPaths } from './lock-paths.js';
import { type BuildPackageDeps, type BuildPackageOptions } from './build-package-types.js';

/** The requirements file pip installs; `lockfile`: the uv.lock, poetry.lock or Pipfile.lock a temporary one was written from. */
export interface PythonRequirements {
  file: string;
  lockfile?: string;
}

/** A lockfile lambda-deploy reads for a project (its `manifest` beside it) without a requirements file. */
interface Lockfile {
  name: string;
  manifest: 'pyproject.toml' | 'Pipfile';
  /** `member`: the function's folder relative to the lockfile's (a uv workspace member), else '.'. */
  exported: (
    lock: string,
    pyproject: string,
    projectDir: string,
    member: string,
  ) => LockExport & { indexes?: LockIndex[] };
  /** The warning for a lock out of date with its manifest (`manifest`, the text of the file at `manifestPath`); undefined when it is not, or there is no telling. */
  stale: (
    manifest: string,
    lock: string,
    manifestPath: string,
    lockPath: string,
    member: string,
  ) => string | undefined;
  relock: string;
  export: string;
}

// uv.lock first: a project with both (moving from Poetry to uv, say) is locked by uv's; Pipfile.lock last,
// as a pyproject.toml lock is the newer tool's.
const LOCKFILES: readonly Lockfile[] = [
  {
    name: 'uv.lock',
    manifest: 'pyproject.toml',
    exported: (lock, _pyproject, dir, member) => uvLockRequirements(lock, dir, member),
    stale: staleUvLockWarning,
    relock: 'uv lock',
    export: 'uv export --no-dev --no-hashes -o requirements.txt',
  },
  {
    name: 'poetry.lock',
    manifest: 'pyproject.toml',
    exported: poetryLockRequirements,
    stale: stalePoetryLockWarning,
    relock: 'poetry lock',
    export: 'poetry export --only main --without-hashes -o requirements.txt',
  },
  {
    name: 'Pipfile.lock',
    manifest: 'Pipfile',
    exported: (lock, _pyproject, dir) => pipfileLockRequirements(lock, dir),
    stale: stalePipfileLockWarning,
    relock: 'pipenv lock',
    export: 'pipenv requirements > requirements.txt',
  },
];

/**
 * The lockfile of a pyproject.toml or Pipenv project in path without a
 * requirements file, its path and `member` (path relative to the
 * lockfile's folder): in path, else the uv.lock of the uv workspace path is
 * a member of (see uv-workspace.ts).
 */
function lockfileOf(
  options: Pick<BuildPackageOptions, 'path' | 'runtime' | 'requirements' | 'workspace'>,
): { lock: Lockfile; file: string; member: string } | undefined {
  if (!isPythonRuntime(options.runtime) || options.requirements) return undefined;
  const dir = projectFolder(options);
  const lock = LOCKFILES.find((l) => existsSync(join(dir, l.manifest)) && existsSync(join(dir, l.name)));
  if (lock) return { lock, file: join(dir, lock.name), member: '.' };
  const workspace = existsSync(join(dir, 'pyproject.toml'))
    ? uvWorkspaceOf(dir, options.workspace)
    : undefined;
  return (
    workspace && { lock: LOCKFILES[0]!, file: join(workspace.root, 'uv.lock'), member: workspace.member }
  );
}

/**
 * The pyproject.toml of a src layout deployed with `path` its src folder
 * (Lambda imports from the package's root): the project's dependencies are
 * declared one folder up, where nothing reads them. Never above the
 * repository or the workspace.
 */
function srcLayoutManifest(options: Pick<BuildPackageOptions, 'path' | 'workspace'>): string | undefined {
  const project = srcLayoutProject(options);
  const manifest = project && join(project, 'pyproject.toml');
  return manifest && existsSync(manifest) ? manifest : undefined;
}

/** The folder above a `path` shaped like a src layout's src folder, with a pyproject.toml there or not yet. */
function srcLayoutProject(options: Pick<BuildPackageOptions, 'path' | 'workspace'>): string | undefined {
  const path = resolve(options.path);
  if (basename(path) !== 'src' || existsSync(join(path, '.git'))) return undefined;
  if (options.workspace && path === resolve(options.workspace)) return undefined;
  return dirname(path);
}

/**
 * The folder whose pyproject.toml and lockfile say what to install: `path`,
 * or for a src layout (`path` its src folder, no pyproject.toml or Pipfile of its own)
 * the project's folder above it, whose uv.lock or poetry.lock then pins the
 * dependencies (the project itself is `path`'s code).
 */
function projectFolder(options: Pick<BuildPackageOptions, 'path' | 'workspace'>): string {
  // A Pipfile in path makes it the project, whatever pyproject.toml (tools' settings, say) is above.
  if (LOCKFILES.some((l) => existsSync(join(options.path, l.manifest)))) return options.path;
  const above = srcLayoutManifest(options);
  return above ? dirname(above) : options.path;
}

/**
 * The files outside `path` that decide what pip installs (serve --watch
 * watches them; those inside `path` it watches anyway), absolute, there or
 * not yet: a requirements file given outside it; else a src layout's
 * pyproject.toml and lockfiles in the project's folder, and a uv
 * workspace's uv.lock.
 */
export function requirementsInputsOutside(
  options: Pick<BuildPackageOptions, 'path' | 'runtime' | 'requirements' | 'workspace'>,
): string[] {
  if (!isPythonRuntime(options.runtime)) return [];
  const project = projectFolder(options);
  const files = options.requirements
    ? [options.requirements]
    : [
        ...LOCKFILES.flatMap((l) => [join(project, l.manifest), join(project, l.name)]),
        lockfileOf(options)?.file,
      ];
  return outsideOf(options.path, files);
}

/**
 * What serve --watch watches outside `path`: the files that decide what pip
 * installs now, and those that would once made (a src folder's
 * ../pyproject.toml and lockfiles, not there yet), by name only: the folder
 * above is never watched as a tree.
 */
export function requirementsInputsOutsideOnceMade(
  options: Pick<BuildPackageOptions, 'path' | 'runtime' | 'requirements' | 'workspace'>,
): string[] {
  if (!isPythonRuntime(options.runtime) || options.requirements) return requirementsInputsOutside(options);
  const project = srcLayoutProject(options);
  const later = project ? LOCKFILES.flatMap((l) => [join(project, l.manifest), join(project, l.name)]) : [];
  return outsideOf(options.path, [...requirementsInputsOutside(options), ...later]);
}

/** `files` (absolute, once each) that lie outside `path`. */
function outsideOf(path: string, files: readonly (string | undefined)[]): string[] {
  const outside = (file: string) => {
    const rel = relative(resolve(path), file);
    return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  };
  return [...new Set(files.flatMap((f) => (f ? [resolve(f)] : [])))].filter(outside);
}

/** The dependencies a src layout's pyproject.toml declares, not installed: said with the folder `path` is. */
async function srcLayoutWarning(
  options: Pick<BuildPackageOptions, 'path' | 'workspace'>,
  surface: Surface,
): Promise<string | undefined> {
  const above = srcLayoutManifest(options);
  if (above && existsSync(join(dirname(above), 'requirements.txt')))
    return `${inputName(surface, Inputs.Path)} ${options.path} is the src folder of ${above}, and the requirements.txt beside it is not read from there: its dependencies are not installed; set ${settingOf(surface, Inputs.Requirements, '../requirements.txt')} (relative to ${inputName(surface, Inputs.Path)}).`;
  const warning = above && unlistedDependenciesWarning(await readFile(above, 'utf8'), surface, above);
  return (
    warning && `${inputName(surface, Inputs.Path)} ${options.path} is the src folder of ${above}: ${warning}`
  );
}

/** A Python function with dependencies to install: a requirements file, or a project's lockfile. */
export function installsRequirements(
  options: Pick<BuildPackageOptions, 'path' | 'runtime' | 'requirements' | 'workspace'>,
) {
  return isPythonRuntime(options.runtime) && (!!options.requirements || !!lockfileOf(options));
}

/**
 * Before pip: a lock misses what its manifest (the function's Pipfile or
 * pyproject.toml) gained since it was locked, which pipenv install
 * --deploy, poetry check --lock and uv lock --check refuse.
 */
async function warnStaleLock(
  path: string,
  found: { lock: Lockfile; file: string; member: string },
  lock: string,
  deps: BuildPackageDeps,
) {
  const manifest = join(path, found.lock.manifest);
  if (!existsSync(manifest)) return;
  const stale = found.lock.stale(await readFile(manifest, 'utf8'), lock, manifest, found.file, found.member);
  if (stale) deps.logger.warning(stale);
}

/** An error reading `found` (or its pyproject.toml) with the file named by its path and, for the lock, what to do. */
function lockfileErrorIn(
  error: unknown,
  found: { lock: Lockfile; file: string; member: string },
  path: string,
) {
  // pyproject.toml that is not TOML: named with its path, as the readers of the manifest name it.
  if (error instanceof ManifestError)
    return new ManifestError(join(dirname(found.file), error.file), error.line, error.reason);
  if (!(error instanceof LockfileError)) return error;
  const { lock } = found;
  // Messages start with the file's name: uv.lock, poetry.lock, Pipfile.lock or pyproject.toml.
  const named = error.message.replace(/^(uv\.lock|poetry\.lock|Pipfile\.lock|pyproject\.toml)/, (n) =>
    join(dirname(found.file), n),
  );
  return new LockfileError(
    `${named}. lambda-deploy installs the versions ${lock.name} pins when there is no requirements file: ` +
      `run ${lock.relock} to write it again, or write requirements.txt ${found.member === '.' ? `next to it (${lock.export})` : `in ${path} (uv export --package <member> --no-dev --no-editable --no-hashes)`}.`,
  );
}

/**
 * The requirements pip installs: the requirements file; else, for a
 * pyproject.toml or Pipenv project, a temporary one written from its uv.lock,
 * poetry.lock or Pipfile.lock (see uv-lock.ts, poetry-lock.ts, pipfile-lock.ts), so pip installs its pinned
 * versions for Lambda as it installs a requirements.txt; else none, with a
 * warning when pyproject.toml or a Pipfile declares dependencies.
 */
export async function pythonRequirements(
  options: BuildPackageOptions,
  codeFiles: readonly { path: string; absPath: string }[],
  deps: BuildPackageDeps,
): Promise<PythonRequirements | undefined> {
  if (!isPythonRuntime(options.runtime)) return undefined;
  if (options.requirements) return { file: options.requirements };
  const project = projectFolder(options);
  const pyprojectFile = join(project, 'pyproject.toml');
  const toml = existsSync(pyprojectFile) ? await readFile(pyprojectFile, 'utf8') : '';
  const found = lockfileOf(options);
  const lockText = found && (await readFile(found.file, 'utf8'));
  if (found) await warnStaleLock(project, found, lockText!, deps);
  let locked;
  try {
    locked = found && found.lock.exported(lockText!, toml, dirname(found.file), found.member);
  } catch (error) {
    throw found ? lockfileErrorIn(error, found, project) : error;
  }
  // A name locked in two versions (a fork by marker) is one package.
  const count =
    locked && 'requirements' in locked
      ? new Set(locked.requirements.map((r) => /^[^\s=@;]+/.exec(r)![0])).size
      : 0;
  if (!locked || 'unsupported' in locked || !count) {
    const pyproject = codeFiles.find((f) => f.path === 'pyproject.toml');
    const pipfile = codeFiles.find((f) => f.path === 'Pipfile');
    const warnings = [
      unlistedDependenciesWarning(pyproject ? toml : '', deps.surface, pyprojectFile),
      pyproject ? undefined : await srcLayoutWarning(options, deps.surface ?? 'action'),
      unlockedPipfileWarning(
        pipfile ? await readFile(pipfile.absPath, 'utf8') : '',
        deps.surface,
        pipfile?.absPath,
      ),
    ].filter((w) => w !== undefined);
    // An empty export where the manifest lists dependencies (a [project] list beside an older lock) installs nothing: say so.
    const why = !locked
      ? ''
      : 'unsupported' in locked
        ? `${found!.lock.name} is not installed: ${locked.unsupported}. `
        : `${found!.lock.name} pins none of the dependencies ${found!.lock.manifest} declares. `;
    warnings.forEach((w, i) => deps.logger.warning((i ? '' : why) + w));
    return undefined;
  }
  const { lock, file: lockfile } = found!;
  // Before pip (and anything in AWS): a local path in the lock stays inside the repository.
  checkLocalPaths(
    locked.requirements,
    lockfile,
    repositoryRoot(options.path, options.workspace) ?? dirname(lockfile),
  );
  const added = addedRequirements(options.pipArgs);
  const { requirements, unhashed } = hashChecked(locked.requirements, added);
  const dir = await mkdtemp(join(tmpdir(), 'lambda-deploy-lock-'));
  const file = join(dir, 'requirements.txt');
  await writeFile(
    file,
    `# Written by lambda-deploy from ${lock.name}: the versions it pins for ${lock.manifest}'s dependencies.\n${requirements.join('\n')}\n`,
  );
  deps.logger.info(
    `Installing the ${count} ${count === 1 ? 'package' : 'packages'} ${lock.name} pins (no requirements.txt)` +
      (unhashed === undefined ? checkedNote(lock.name, requirements) : ''),
  );
  if (unhashed !== undefined)
    deps.logger.info(
      unhashedNote(unhashed, lock.name, added && inputName(deps.surface ?? 'action', Inputs.PipArgs)),
    );
  for (const index of locked.indexes ?? []) {
    const warning = otherIndexWarning(
      index,
      lock.name,
      options.pipArgs,
      deps.surface,
      deps.env ?? process.env,
    );
    if (warning) deps.logger.warning(warning);
  }
  return { file, lockfile };
}

/** That pip checks every file against the lock's hashes, and what it leaves out when it builds source archives: the build tools it installs for them. */
function checkedNote(lockfile: string, requirements: readonly string[]): string {
  const checked = `, each checked against the hashes ${lockfile} records`;
  const built = sourceArchives(requirements);
  if (!built.length) return checked;
  const names = built.slice(0, 5).join(', ') + (built.length > 5 ? ', …' : '');
  return `${checked}; pip builds ${names} from ${built.length === 1 ? 'its source archive' : 'their source archives'}, and the build tools it installs for that (setuptools and the like) are not checked against any hash`;
}

/**
 * Why pip does not check the files it installs against the lockfile's
 * hashes: info, not a warning, as a git entry (pinned by its commit) or a
 * folder of the project is the user's choice, with nothing to fix.
 */
function unhashedNote(line: string, lockfile: string, pipArgs?: string): string {
  const entry = redact(line.replace(/\s+;.*$/, '').replace(/\s+--hash=\S+/g, ''));
  const why = pipArgs
    ? `${pipArgs} adds requirements (${entry}) ${lockfile} has no hashes for`
    : onlyMd5(line)
      ? `${lockfile} records only md5 hashes for ${entry}, which pip does not check (it checks sha256, sha384 and sha512)`
      : `${lockfile} records none for ${entry} (a git, folder or URL entry, or a package locked without hashes)`;
  return (
    `pip does not check the files it installs against ${lockfile}'s hashes: ${why}, and pip checks hashes for every requirement or for none. ` +
    'A re-uploaded or substituted file of the version pinned is installed as it is.'
  );
}
