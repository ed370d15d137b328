import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isPythonRuntime } from '../settings/settings.js';
import { type Settings } from '../model/settings.js';
import { inputName, type Surface } from '../settings/surface.js';
import { Inputs } from '../settings/names.js';
import { runtimeAssetsDir } from '../util/assets.js';
import type { Logger } from '../util/logger.js';
import { redact } from '../util/redact.js';
import { collectFiles } from './collect-files.js';
import { isInside } from '../util/paths.js';
import { devOnlyNote, devOnlyPackages, lockfileMismatch, packageName } from './dev-dependencies.js';
import { createFileFilter, type FileFilter, type FilterOptions } from './file-filter.js';
import type { CommandRunner } from './command-runner.js';
import { checkHandlerIn, handlerTarget, missingModuleError } from './handler-check.js';
import {
  checkNativeFiles,
  installedNeeds,
  installedMuslMessage,
  installedTooNewMessage,
  newerCxxMessage,
  packagedNames,
  type LinkedFile,
  type NewerCxx,
} from './native-addons.js';
import { distributionsByPath } from './installed-distributions.js';
import { missingLibraries, missingLibrariesMessage } from './lambda-libraries.js';
import {
  workspaceClosure,
  zipPlace,
  type WorkspaceClosure,
  type WorkspaceSibling,
} from './workspace-closure.js';
import { npmPackSkipsFolder } from './npm-pack-files.js';
import { siblingFiles, siblingProblem } from './workspace-siblings.js';
import {
  declaredDependencies,
  fileImports,
  type FileImports,
  missingDependenciesMessage,
  reachablePackages,
  runtimeMayProvide,
  runtimeProvided,
  type MissingDependency,
} from './hoisted-dependencies.js';
import { dependencyNames, pnpmLayoutMessage, pnpmLinkedPackages } from './pnpm-layout.js';
import { pipInstall } from './pip-install.js';
import { pythonExecutable } from './python-command.js';
import { npmCi, npmInstallPlan, npmPlatform } from './npm-install.js';
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
import { checkPackageSize, formatBytes, formatCount, largestParts, type SizeEntry } from './size-check.js';
import { packSlimDependencies, type SlimPackage } from './slim-package.js';
import { EntryCache } from './entry-cache.js';
import { InstallReuse, requirementsReadElsewhere } from './install-reuse.js';
import {
  configureZipThreads,
  DEFAULT_LEVEL,
  defaultThreads,
  DeflatePool,
  Prefetcher,
  writeZip,
  type WriteZipOptions,
  type ZipEntrySource,
} from './zip-writer.js';

export const ADAPTER_MODULE = '_lambda_deploy_adapter';
export const ADAPTER_HANDLER = `${ADAPTER_MODULE}.handler`;
export const ADAPTER_FILE = `${ADAPTER_MODULE}.py`;
export const APP_SETTINGS_FILE = '_lambda_deploy_settings.json';
export const WARM_MODULE = '_lambda_deploy_warm';
export const WARM_HANDLER = `${WARM_MODULE}.handler`;

/** The keep-warm wrapper's file for a runtime: `runtime/<family>/<file>` shipped with the action. */
export function warmWrapperFile(runtime: string): { family: 'python' | 'node'; file: string } {
  return isPythonRuntime(runtime)
    ? { family: 'python', file: `${WARM_MODULE}.py` }
    : { family: 'node', file: `${WARM_MODULE}.mjs` };
}

export type BuildPackageOptions = Pick<
  Settings,
  | 'name'
  | 'path'
  | 'runtime'
  | 'architecture'
  | 'handler'
  | 'app'
  | 'requirements'
  | 'pipArgs'
  | 'include'
  | 'exclude'
  | 'dependenciesLayer'
  | 'packageCache'
> & {
  /** Where the zips are written (created when missing). */
  outDir: string;
  /** outDir is removed when the run ends (the CLI's): the log then names no path in it. */
  temporaryOutDir?: boolean;
  /** Symbolic links may point anywhere inside it (settings.workspace); default: path itself. */
  workspace?: string;
  /** Unzipped size of the attached layers, counted in Lambda's limit. */
  layerBytes?: number;
  /** The WSGI/ASGI adapter copied in with `app` (default: the one shipped in runtime/python/). */
  adapterPath?: string;
  /**
   * `keep-warm` is set. A plain handler (no `app`) is then wrapped: the
   * runtime's warm-up wrapper and `{"handler": ...}` in the settings file go
   * into the package root and the function's handler becomes
   * `_lambda_deploy_warm.handler`, which answers the keep-warm ping itself and
   * hands every other event to settings.handler. With `app` nothing changes:
   * the adapter already answers the ping.
   */
  keepWarm?: boolean;
  /** The wrapper copied in with keepWarm (default: the one shipped in runtime/python/ or runtime/node/). */
  warmWrapperPath?: string;
  /** Tuning for the zip writer (tests, benchmark). */
  zip?: WriteZipOptions;
  /** The layers attached to the function: one may hold a Node.js dependency the package lacks. */
  layers?: readonly string[];
  /** `slim` (default auto), and the function's memory and timeout for the cold-start estimate. */
  slim?: Settings['slim'];
  memory?: number;
  timeout?: number;
};

export interface BuildPackageDeps {
  logger: Logger;
  runner?: CommandRunner;
  /** Environment for pip (LAMBDA_DEPLOY_PYTHON, proxies). */
  env?: NodeJS.ProcessEnv;
  /** Who reads pip's advice: the action's inputs (default) or the CLI's flags. */
  surface?: Surface;
  /** Installs kept between the builds of a session (serve --watch): unchanged inputs reuse the last one. */
  installs?: InstallReuse;
}

/** A written zip. */
export interface PackageArtifact {
  zipPath: string;
  /** Base64 SHA-256 of the zip: Lambda's CodeSha256. */
  codeSha256: string;
  sha256Hex: string;
  packageBytes: number;
  unpackedBytes: number;
  fileCount: number;
}

export interface DependenciesLayerArtifact extends PackageArtifact {
  /**
   * Hex SHA-256 of the requirements file's content, the runtime, the
   * architecture and pip-args: a layer published for this key can be reused.
   */
  key: string;
}

export interface PackageResult extends PackageArtifact {
  /** The ten largest top-level folders/files of the function package. */
  largest: SizeEntry[];
  /**
   * The handler Lambda must call: the adapter's with `app`, the warm-up
   * wrapper's with keepWarm, else settings.handler.
   */
  handler: string;
  /** With dependencies-layer and requirements: the layer zip (Lambda layout `python/...`). */
  dependencies?: DependenciesLayerArtifact;
  /** A slim package: the dependencies archive fetched at cold start (see slim-package.ts). */
  slim?: SlimPackage;
  /**
   * The function zip's entries that are files of `path` (zip entry -> the file's path
   * there): the local runtime names these, not its unpacked copies, in tracebacks.
   * Installed requirements and generated files are not among them.
   */
  sourceFiles?: ReadonlyMap<string, string>;
}

export class PackageTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageTooLargeError';
  }
}

interface Entry {
  path: string;
  bytes: number;
  source: ZipEntrySource;
}

/** Content-addresses the dependencies: same requirements, runtime, architecture and pip-args, same key. */
export function dependenciesKey(
  requirementsContent: Buffer,
  runtime: string,
  architecture: string,
  pipArgs: readonly string[],
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version: 1, runtime, architecture, pipArgs }));
  hash.update('\0');
  hash.update(requirementsContent);
  return hash.digest('hex');
}

function entriesFromFiles(
  files: readonly { path: string; absPath: string; size: number; executable: boolean }[],
  prefix = '',
): Entry[] {
  return files.map((f) => ({
    path: `${prefix}${f.path}`,
    bytes: f.size,
    source: { name: `${prefix}${f.path}`, file: f.absPath, size: f.size, executable: f.executable },
  }));
}

/**
 * What the function zip holds: its largest parts, and the entries read from a file of
 * the folder (not replaced by a generated or installed one) with that file's path.
 */
function contents(
  folder: string,
  collected: readonly { path: string; absPath: string }[],
  entries: readonly Entry[],
): Pick<PackageResult, 'largest' | 'sourceFiles'> {
  const read = new Map(collected.map((f) => [f.path, f.absPath]));
  const root = resolve(folder);
  const sourceFiles = new Map<string, string>();
  for (const { path, source } of entries)
    if (source.file !== undefined && read.get(path) === source.file) sourceFiles.set(path, join(root, path));
  return { largest: largestParts(entries), sourceFiles };
}

/** Later lists win over earlier ones; collisions are reported. */
function merge(logger: Logger, ...lists: { what: string; entries: Entry[] }[]): Entry[] {
  const byPath = new Map<string, { what: string; entry: Entry }>();
  for (const { what, entries } of lists) {
    const replaced: string[] = [];
    for (const entry of entries) {
      const before = byPath.get(entry.path);
      if (before) replaced.push(`${entry.path} (from ${before.what})`);
      byPath.set(entry.path, { what, entry });
    }
    if (replaced.length)
      logger.warning(
        `${replaced.length} file(s) of the package are replaced by ${what}: ${replaced.slice(0, 5).join(', ')}${replaced.length > 5 ? ', …' : ''}`,
      );
  }
  return [...byPath.values()].map((v) => v.entry);
}

async function writeArtifact(
  outDir: string,
  baseName: string,
  entries: readonly Entry[],
  zipOptions: WriteZipOptions | undefined,
  logger: Logger,
): Promise<PackageArtifact> {
  const temp = join(outDir, `.${baseName}-${process.pid}-${randomBytes(4).toString('hex')}.zip.partial`);
  try {
    const zip = await writeZip(
      temp,
      entries.map((e) => e.source),
      zipOptions,
    );
    if (zip.cache) {
      const { hits, misses, rejected, saved } = zip.cache;
      logger.info(
        `Package cache: ${formatCount(hits)} of ${formatCount(hits + misses)} files and 1 MiB chunks reused, ` +
          `${formatCount(misses)} compressed${rejected ? ` (${formatCount(rejected)} cached ones failed their checksums)` : ''}; ` +
          `the cache holds ${formatCount(saved.entries)} in ${formatBytes(saved.bytes)}`,
      );
    }
    const zipPath = join(outDir, `${baseName}-${zip.sha256Hex.slice(0, 12)}.zip`);
    await rename(temp, zipPath);
    return {
      zipPath,
      codeSha256: zip.sha256Base64,
      sha256Hex: zip.sha256Hex,
      packageBytes: zip.bytes,
      unpackedBytes: zip.unpackedBytes,
      fileCount: zip.entries,
    };
  } finally {
    await rm(temp, { force: true });
  }
}

function summary(label: string, a: PackageArtifact, temporary?: boolean): string {
  return `${label}: ${formatBytes(a.packageBytes)} zipped, ${formatBytes(a.unpackedBytes)} unzipped, ${formatCount(a.fileCount)} ${a.fileCount === 1 ? 'file' : 'files'}${temporary ? '' : ` (${a.zipPath})`}`;
}

/**
 * Builds the function's zip (and, with dependencies-layer, the dependencies
 * layer's zip): collect files -> pip install for Lambda's platform ->
 * the app adapter -> size check -> reproducible zip.
 */
export async function buildPackage(
  options: BuildPackageOptions,
  deps: BuildPackageDeps,
): Promise<PackageResult> {
  // The zip threads start while the files are listed, once there are enough of them to need threads.
  const workers = options.zip?.workers;
  const pool = options.zip?.pool ?? new DeflatePool(workers ?? defaultThreads(), workers ? 'never' : 'idle');
  // Folders the zip reads from until it is written (npm's and pip's installs).
  const temporary: string[] = [];
  try {
    return await buildWithPool(options, deps, pool, temporary);
  } finally {
    if (!options.zip?.pool) await pool.close();
    for (const dir of temporary) await rm(dir, { recursive: true, force: true });
  }
}

/** Files listed before a build starts its zip threads: a few hundred are worth them (see INLINE_LIMIT). */
export const THREADS_AFTER_FILES = 256;

/**
 * The filter of `options` for a walk of `root` that gets the zip going: it
 * starts `pool` once it has kept THREADS_AFTER_FILES files, and hands every
 * file it keeps to `prefetch`, so the threads compress while the walk goes on.
 */
export function walkingFilter(
  root: string,
  options: FilterOptions,
  pool: DeflatePool,
  prefetch?: Prefetcher,
): FileFilter {
  const filter = createFileFilter(options);
  // collectFiles walks the real path: the files' paths then match what the prefetcher saw.
  const base = realpathSync(root);
  // As collectFiles builds it (relPath has forward slashes: joined, and normalized, only where they are not the separator).
  const prefix = base.endsWith(sep) ? base : base + sep;
  const absPath = (relPath: string): string => (sep === '/' ? prefix + relPath : join(base, relPath));
  let kept = 0;
  return {
    walkDir: (relPath) => filter.walkDir(relPath),
    ...(filter.leftOut && { leftOut: filter.leftOut }),
    includeFile: (relPath, found) => {
      const keep = filter.includeFile(relPath);
      if (keep) {
        if (++kept === THREADS_AFTER_FILES) pool.start();
        // The walk's own string when it gives one: the very path the zip reads, and no second copy per file.
        prefetch?.add(found ?? absPath(relPath));
      }
      return keep;
    },
  };
}

/**
 * Before any upload, once for all the function gets (its files, and the
 * requirements pip installed, in the zip, the dependencies layer or the
 * slim archive): a library compiled code links that neither they nor
 * Lambda hold fails its import there. A warning, not a refusal (a layer
 * may hold it); info with layers attached, which this build cannot see into.
 * And compiled code needing a libstdc++ the runtime's Amazon Linux has only
 * in its updated releases: a warning too.
 */
function reportNativeNeeds(
  { linked, newerCxx }: { linked: readonly LinkedFile[]; newerCxx: readonly NewerCxx[] },
  files: readonly { path: string }[],
  options: BuildPackageOptions,
  logger: Logger,
): void {
  // Loads or not by the release of the runtime's Amazon Linux: a warning, not a refusal.
  if (newerCxx.length) logger.warning(newerCxxMessage(newerCxx, options.runtime));
  const missing = missingLibraries(linked, packagedNames(files), options.runtime);
  if (!missing.length) return;
  const layers = !!options.layers?.length;
  const message = missingLibrariesMessage(missing, options.runtime, layers);
  if (layers) logger.info(message);
  else logger.warning(message);
}

async function buildWithPool(
  options: BuildPackageOptions,
  deps: BuildPackageDeps,
  pool: DeflatePool,
  temporary: string[],
): Promise<PackageResult> {
  const { logger } = deps;
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const { zipOptions, prefetch } = await zipSetup(options, pool);
  const collected = await collectCode(options, outDir, pool, prefetch, deps);
  const ownFiles = [...collected, ...(await npmInstalledFiles(options, pool, prefetch, deps, temporary))];
  const imports = javaScriptImports(ownFiles);
  const codeFiles = [...ownFiles, ...(await hoistedFiles(options, ownFiles, imports, pool, prefetch, deps))];
  const code = entriesFromFiles(codeFiles);
  // Refused before pip runs; the libraries they link are judged with the requirements' files.
  const { linked, newerCxx } = await checkNativeFiles(codeFiles, options, deps.surface);
  await checkNodeDependencies(options, codeFiles, imports, deps);

  // The entry point is checked first, statically (never by running user code), before pip or an upload.
  const check = handlerCheck(options, codeFiles, deps);
  const inCode = await check.found(codeFiles);

  let requirements: PythonRequirements | undefined;
  try {
    requirements = await pythonRequirements(options, codeFiles, deps);
    // A module that is not among the code files may come with the requirements.
    if (!inCode && !requirements) throw check.missing();
    let dependencies: Entry[] = [];
    let key: string | undefined;
    if (requirements) {
      const installed = await installRequirements(options, requirements, temporary, pool, prefetch, deps);
      dependencies = entriesFromFiles(installed.files);
      if (!inCode && !(await check.found(installed.files))) throw check.missing();
      key = installed.key;
      linked.push(...installed.linked);
      newerCxx.push(...installed.newerCxx);
    }
    reportNativeNeeds({ linked, newerCxx }, [...codeFiles, ...dependencies], options, logger);

    const generated = new GeneratedFiles(options.handler);
    await generated.addWrapper(options);
    // Past 250 MB (or with slim: true) the requirements leave the zip for an archive fetched at cold start.
    const slim = await packSlimDependencies(
      {
        ...options,
        outDir,
        handler: generated.handler,
        dependencies: dependencies.map((e) => e.source),
        otherFiles: [...code, ...generated.entries].map((e) => ({ path: e.path, bytes: e.bytes })),
        layerBytes: options.layerBytes ?? 0,
      },
      {
        logger,
        python: pythonExecutable(deps.env),
        tooLarge: (message) => new PackageTooLargeError(message),
        ...(deps.surface && { surface: deps.surface }),
      },
    );
    if (slim) {
      dependencies = [];
      await generated.add(slim.moduleFile, slim.modulePath, 'slim package loader', { slim: slim.settings });
      generated.handler = slim.handler;
      generated.by = "lambda-deploy's generated files";
    }
    generated.addSettingsFile();

    const separateLayer = options.dependenciesLayer && dependencies.length > 0;
    const functionEntries = merge(
      logger,
      { what: 'the installed requirements', entries: separateLayer ? [] : dependencies },
      { what: `the files of ${options.path}`, entries: code },
      { what: generated.by, entries: generated.entries },
    );
    const layerEntries = separateLayer ? dependencies : [];
    checkSizesBeforeZipping(functionEntries, layerEntries, options.layerBytes ?? 0, logger, deps.surface);
    const zips = await writeZips(options, outDir, functionEntries, layerEntries, key, zipOptions, logger);
    return {
      ...zips.artifact,
      ...contents(options.path, collected, functionEntries),
      handler: generated.handler,
      ...(zips.layer ? { dependencies: zips.layer } : {}),
      ...(slim ? { slim: slim.artifact } : {}),
    };
  } finally {
    if (requirements?.lockfile) await rm(dirname(requirements.file), { recursive: true, force: true });
  }
}

/**
 * The zips' options: the threads know the level and the cache before the
 * walk, to compress files as it finds them (the prefetcher).
 */
async function zipSetup(
  options: BuildPackageOptions,
  pool: DeflatePool,
): Promise<{ zipOptions: WriteZipOptions; prefetch: Prefetcher }> {
  const level = options.zip?.level ?? DEFAULT_LEVEL;
  const cache = options.packageCache
    ? await EntryCache.open(resolve(options.packageCache), { level })
    : undefined;
  configureZipThreads(pool, level, cache);
  const prefetch = new Prefetcher(pool);
  return { zipOptions: { ...options.zip, pool, prefetch, ...(cache ? { cache } : {}) }, prefetch };
}

/** npm's lockfiles, in the order npm reads them. */
const NPM_LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json', 'node_modules/.package-lock.json'];

/**
 * The folders of a Node.js function's node_modules only its devDependencies
 * need, from npm's lockfile: `npm-shrinkwrap.json` (npm prefers it to
 * `package-lock.json` when both exist), else `package-lock.json`, else the
 * hidden `node_modules/.package-lock.json`. None without one, for a lockfile v1,
 * for pnpm's or yarn's node_modules (their own layout and records), or when
 * a dev-only folder holds another version than the lockfile's (it describes
 * another install). Exported for the import hint, which names what it left out.
 */
export function devOnlyFolders(
  root: string,
  logger?: Logger,
): { folders: Set<string>; lockfile: string } | undefined {
  const otherManagers = ['.pnpm', '.modules.yaml', '.yarn-integrity', '.yarn-state.yml'];
  if (otherManagers.some((f) => existsSync(join(root, 'node_modules', f)))) return undefined;
  const lockfile = NPM_LOCKFILES.find((f) => existsSync(join(root, f)));
  if (!lockfile) return undefined;
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const packages = devOnlyPackages(read(lockfile) ?? '');
  if (!packages?.length) return undefined;
  const mismatch = lockfileMismatch(packages, (folder) => {
    if (!existsSync(join(root, folder))) return undefined;
    try {
      const version: unknown = JSON.parse(read(`${folder}/package.json`) ?? '').version;
      return typeof version === 'string' ? version : null;
    } catch {
      return null;
    }
  });
  if (mismatch) {
    logger?.info(
      `${lockfile} does not match node_modules (${mismatch.folder} holds ${mismatch.installed ?? 'no readable package.json'}` +
        `${mismatch.locked ? `, the lockfile says ${mismatch.locked}` : ''}): packages only devDependencies need are packaged too.`,
    );
    return undefined;
  }
  return { folders: new Set(packages.map((p) => p.folder)), lockfile };
}

/** The project's files, without the build's own output and cache (even when they lie inside `path`), nor dev-only packages. */
async function collectCode(
  options: BuildPackageOptions,
  outDir: string,
  pool: DeflatePool,
  prefetch: Prefetcher,
  { logger, surface }: BuildPackageDeps,
) {
  const excludeDirs = [outDir, ...(options.packageCache ? [resolve(options.packageCache)] : [])].flatMap(
    (dir) => {
      const rel = relative(options.path, dir);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? [rel.split(/[\\/]/).join('/')] : [];
    },
  );
  const devOnly = isPythonRuntime(options.runtime) ? undefined : devOnlyFolders(options.path, logger);
  const leftOut = new Set<string>();
  const codeFiles = await collectFiles(
    options.path,
    walkingFilter(
      options.path,
      {
        runtime: options.runtime,
        include: options.include,
        exclude: options.exclude,
        excludeDirs,
        ...(devOnly && { devOnlyDirs: devOnly.folders, onDevOnly: (dir: string) => leftOut.add(dir) }),
      },
      pool,
      prefetch,
    ),
    (m) => logger.info(m),
    options.workspace,
  );
  prefetch.end();
  if (devOnly && leftOut.size) logger.info(devOnlyNote([...leftOut], devOnly.lockfile, surface));
  if (codeFiles.length === 0)
    throw new Error(
      `${inputName(surface ?? 'action', Inputs.Path)}: no files to package in ${options.path}` +
        (options.include.length
          ? ` (${inputName(surface ?? 'action', Inputs.Include)}: ${options.include.join(', ')} matched nothing)`
          : ''),
    );
  return codeFiles;
}

/** What npm ci reads from the folder (package.json, the lockfile, .npmrc) and the platform it installs for. */
async function npmInstallKey(options: BuildPackageOptions, lockfile: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version: 1, runtime: options.runtime, architecture: options.architecture }));
  for (const file of ['package.json', lockfile, '.npmrc']) {
    const path = join(options.path, file);
    hash.update(`\0${file}\0`);
    if (existsSync(path)) hash.update(await readFile(path));
  }
  return hash.digest('hex');
}

/** An install that succeeded, handed from this build's temporary folders to the session's reuse. */
async function keepInstall(
  reuse: InstallReuse,
  kind: 'pip' | 'npm',
  key: string,
  dir: string,
  temporary: string[],
): Promise<void> {
  temporary.splice(temporary.indexOf(dir), 1);
  await reuse.keep(kind, key, dir);
}

/**
 * A function with dependencies, a lockfile and no node_modules (see
 * npm-install.ts): npm ci installs them for Lambda into a temporary folder
 * (pushed to `temporary`), and its node_modules is packaged as the folder's
 * own would be, under the user's include and exclude.
 */
async function npmInstalledFiles(
  options: BuildPackageOptions,
  pool: DeflatePool,
  prefetch: Prefetcher,
  deps: BuildPackageDeps,
  temporary: string[],
) {
  const manifest = join(options.path, 'package.json');
  if (isPythonRuntime(options.runtime) || !existsSync(manifest)) return [];
  const plan = npmInstallPlan(await readFile(manifest, 'utf8'), (f) => existsSync(join(options.path, f)));
  if (!plan || !('install' in plan)) return [];
  const { lockfile } = plan;
  const key = await npmInstallKey(options, lockfile);
  let staging = deps.installs?.find('npm', key);
  if (staging) {
    deps.logger.info(
      `Node.js dependencies unchanged (package.json, ${lockfile}): the previous install reused`,
    );
  } else {
    const target = await mkdtemp(join(tmpdir(), 'lambda-deploy-npm-'));
    temporary.push(target);
    await deps.logger.group(`Installing Node.js dependencies (${lockfile})`, () =>
      npmCi({ path: options.path, lockfile, targetDir: target, architecture: options.architecture }, deps),
    );
    if (deps.installs) await keepInstall(deps.installs, 'npm', key, target, temporary);
    staging = target;
  }
  if (!existsSync(join(staging, 'node_modules'))) return [];
  const walk = walkingFilter(
    staging,
    { runtime: options.runtime, include: options.include, exclude: options.exclude },
    pool,
    prefetch,
  );
  const inModules = (rel: string) => rel === 'node_modules' || rel.startsWith('node_modules/');
  const files = await collectFiles(staging, {
    walkDir: (rel) => inModules(rel) && walk.walkDir(rel),
    includeFile: (rel, found) => inModules(rel) && walk.includeFile(rel, found),
  });
  prefetch.end();
  const count = files.filter((f) =>
    /(^|\/)node_modules\/(@[^/]+\/)?[^/@.][^/]*\/package\.json$/.test(f.path),
  ).length;
  const { os, cpu } = npmPlatform(options.architecture);
  deps.logger.info(
    `No node_modules in ${options.path}: installed ${formatCount(count)} ${count === 1 ? 'package' : 'packages'} from ${lockfile} for ${os}/${cpu}`,
  );
  return files;
}

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
async function hoistedFiles(
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

/** The nearest folder above `folder` with an npm lockfile, and that lockfile; never above the repository. */
function npmWorkspaceRoot(folder: string): { root: string; lockfile: string } | undefined {
  // A stray ~/package-lock.json is not the function's workspace.
  if (existsSync(join(folder, '.git'))) return undefined;
  let root = dirname(folder);
  let lockfile: string | undefined;
  for (; !(lockfile = NPM_LOCKFILES.find((f) => existsSync(join(root, f)))); root = dirname(root))
    if (dirname(root) === root || existsSync(join(root, '.git'))) return undefined;
  return { root, lockfile };
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
  return found.map((f) => ({ ...f, path: `${at}/${f.path}` }));
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

/** The function's dependencies are not where Lambda finds them; found before anything is created in AWS. */
export class MissingDependenciesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingDependenciesError';
  }
}

/**
 * The module specifiers of the function's own JavaScript files (not its
 * node_modules, not files over 8 MiB), read once, and only when asked.
 */
function javaScriptImports(
  ownFiles: readonly { path: string; absPath: string; size: number }[],
): () => Promise<ReadonlyMap<string, FileImports>> {
  let read: Promise<Map<string, FileImports>> | undefined;
  return () =>
    (read ??= (async () => {
      const map = new Map<string, FileImports>();
      for (const f of ownFiles) {
        if (!/\.[cm]?js$/.test(f.path) || f.path.split('/').includes('node_modules') || f.size > 8 << 20)
          continue;
        map.set(f.path, fileImports(await readFile(f.absPath, 'utf8')));
      }
      return map;
    })());
}

/**
 * Fails a Node.js function whose node_modules pnpm installed as links with
 * packages whose own dependencies the zip loses (see pnpm-layout.ts), and one
 * whose package.json lists dependencies its handler loads (itself, or
 * through the files it loads) that the package lacks: in a workspace they sit in the root's node_modules, where Node.js finds them
 * locally but Lambda never sees them. A bundle needs none; a test or script
 * the handler never loads does not count, nor the AWS SDK v3 Lambda's
 * runtimes carry. It warns instead with layers attached (one may hold them),
 * for a package installed in the folder that include/exclude leave out on
 * purpose, for one the runtime may hold beside the SDK (tslib, say), and for
 * one loaded only optionally (a try block, import()): a working deploy is
 * never refused on a guess.
 */
async function checkNodeDependencies(
  options: BuildPackageOptions,
  codeFiles: readonly { path: string; absPath: string; size: number }[],
  imports: () => Promise<ReadonlyMap<string, FileImports>>,
  { logger, surface }: BuildPackageDeps,
): Promise<void> {
  if (isPythonRuntime(options.runtime)) return;
  // A set: pnpm's node_modules may hold thousands of packages, each listing dependencies.
  const paths = new Set(codeFiles.map((f) => f.path));
  const packaged = (name: string) => paths.has(`node_modules/${name}/package.json`);
  const pnpmLinked: string[] = [];
  for (const p of pnpmLinkedPackages(codeFiles))
    if (dependencyNames(await readFile(p.manifest, 'utf8')).some((name) => !packaged(name)))
      pnpmLinked.push(p.name);
  if (pnpmLinked.length) {
    const message = pnpmLayoutMessage(pnpmLinked, options.path, surface);
    if (!options.layers?.length) throw new MissingDependenciesError(message);
    logger.warning(`${message} (Deploying anyway: one of the attached layers may hold them.)`);
  }
  const manifest = join(options.path, 'package.json');
  if (!existsSync(manifest)) return;
  const manifestText = await readFile(manifest, 'utf8');
  const absent = declaredDependencies(manifestText).filter((n) => !packaged(n));
  if (!absent.length) return;
  const files = await imports();
  // No handler file: the handler check says so, better than this could.
  const entry = handlerTarget(options.handler, options.runtime).files.find((f) => files.has(f));
  if (!entry) return;
  const loaded = reachablePackages(entry, files);
  const absentAndLoaded = (names: ReadonlySet<string>) =>
    absent.filter((name) => names.has(name) && !runtimeProvided(name)).sort();
  const maybeInRuntime = absentAndLoaded(loaded.required).filter(runtimeMayProvide);
  if (maybeInRuntime.length)
    logger.warning(
      `${maybeInRuntime.join(', ')}: the function's code loads ${them(maybeInRuntime)}, and its package does not hold ${them(maybeInRuntime)}; ` +
        `Lambda's Node.js runtime may provide ${them(maybeInRuntime)} beside the AWS SDK, which depends on ${them(maybeInRuntime)}, but AWS documents only the SDK. ` +
        `Install ${them(maybeInRuntime)} into ${options.path} (npm install --omit=dev) to be sure.`,
    );
  const optional = absentAndLoaded(loaded.optional);
  if (optional.length)
    logger.warning(
      `${optional.join(', ')}: the function's code loads ${them(optional)} only where a failure can be caught (a try block, or import()), ` +
        `and its package does not hold ${them(optional)}: at run time the code takes its path for a missing package.`,
    );
  const needed = absentAndLoaded(loaded.required).filter((name) => !runtimeMayProvide(name));
  const leftOut = needed.filter((name) =>
    existsSync(join(options.path, 'node_modules', name, 'package.json')),
  );
  for (const name of leftOut)
    logger.warning(
      `${name}: the function's code loads it, but include/exclude leave out its folder node_modules/${name}; ` +
        'Lambda fails with "Cannot find module" unless a layer holds it.',
    );
  const missing: MissingDependency[] = needed
    .filter((name) => !leftOut.includes(name))
    .map((name) => {
      for (let dir = dirname(resolve(options.path)); ; dir = dirname(dir)) {
        if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return { name, foundIn: dir };
        if (dirname(dir) === dir) return { name };
      }
    });
  if (!missing.length) return;
  // Outside a workspace, a lockfile is what lets the build install them.
  const plan = npmInstallPlan(manifestText, (f) => existsSync(join(options.path, f)));
  const unlocked = !!plan && 'unlocked' in plan && !npmWorkspaceRoot(resolve(options.path));
  const message = missingDependenciesMessage(missing, options.path, surface, unlocked);
  if (!options.layers?.length) throw new MissingDependenciesError(message);
  logger.warning(`${message} (Deploying anyway: one of the attached layers may hold them.)`);
}

const them = (names: readonly string[]) => (names.length === 1 ? 'it' : 'them');

/** The requirements file pip installs; `lockfile`: the uv.lock, poetry.lock or Pipfile.lock a temporary one was written from. */
interface PythonRequirements {
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
  const lock = LOCKFILES.find(
    (l) => existsSync(join(options.path, l.manifest)) && existsSync(join(options.path, l.name)),
  );
  if (lock) return { lock, file: join(options.path, lock.name), member: '.' };
  const workspace = existsSync(join(options.path, 'pyproject.toml'))
    ? uvWorkspaceOf(options.path, options.workspace)
    : undefined;
  return (
    workspace && { lock: LOCKFILES[0]!, file: join(workspace.root, 'uv.lock'), member: workspace.member }
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
async function pythonRequirements(
  options: BuildPackageOptions,
  codeFiles: readonly { path: string; absPath: string }[],
  deps: BuildPackageDeps,
): Promise<PythonRequirements | undefined> {
  if (!isPythonRuntime(options.runtime)) return undefined;
  if (options.requirements) return { file: options.requirements };
  const pyprojectFile = join(options.path, 'pyproject.toml');
  const toml = existsSync(pyprojectFile) ? await readFile(pyprojectFile, 'utf8') : '';
  const found = lockfileOf(options);
  const lockText = found && (await readFile(found.file, 'utf8'));
  if (found) await warnStaleLock(options.path, found, lockText!, deps);
  let locked;
  try {
    locked = found && found.lock.exported(lockText!, toml, dirname(found.file), found.member);
  } catch (error) {
    throw found ? lockfileErrorIn(error, found, options.path) : error;
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
    `Installing the ${count} ${count === 1 ? 'package' : 'packages'} ${lock.name} pins (${lock.manifest} has no requirements.txt)` +
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

/** Finds the handler's module among files, statically; `missing()` is the error that says where it was looked for. */
function handlerCheck(
  options: BuildPackageOptions,
  codeFiles: readonly { path: string }[],
  deps: BuildPackageDeps,
) {
  const target = handlerTarget(options.handler, options.runtime, options.app);
  const checkDeps = {
    logger: deps.logger,
    python: pythonExecutable(deps.env),
    env: deps.env,
    ...(deps.surface && { surface: deps.surface }),
  };
  return {
    found: (files: readonly { path: string; absPath: string }[]) =>
      checkHandlerIn(
        target,
        new Map(files.map((f) => [f.path, f.absPath] as const)),
        options.runtime,
        checkDeps,
      ),
    missing: () =>
      missingModuleError(
        target,
        codeFiles.map((f) => f.path),
        options.path,
        target.files.some((f) => existsSync(join(options.path, f))),
        deps.surface,
      ),
  };
}

/**
 * pip installs the requirements into a temporary folder (pushed to
 * `temporary`): the files it installed (compressed as they are found),
 * their key, and the libraries their compiled files link.
 */
async function installRequirements(
  options: BuildPackageOptions,
  requirements: PythonRequirements,
  temporary: string[],
  pool: DeflatePool,
  prefetch: Prefetcher,
  deps: BuildPackageDeps,
) {
  const shown = requirements.lockfile ?? requirements.file;
  const text = await readFile(requirements.file);
  // A locked project's key is the written file's: a changed pin builds the layer again, an unchanged one reuses it.
  const key = dependenciesKey(text, options.runtime, options.architecture, options.pipArgs);
  const reuse =
    deps.installs && !requirementsReadElsewhere(text.toString('utf8')) ? deps.installs : undefined;
  let staging = reuse?.find('pip', key);
  if (staging) {
    deps.logger.info(
      `Requirements unchanged (${relative(options.path, shown) || shown}): the previous install reused`,
    );
  } else {
    const target = await mkdtemp(join(tmpdir(), 'lambda-deploy-deps-'));
    temporary.push(target);
    await deps.logger.group(`Installing requirements (${relative(options.path, shown) || shown})`, () =>
      pipInstall(
        {
          requirements: requirements.file,
          ...(requirements.lockfile && { lockfile: requirements.lockfile }),
          targetDir: target,
          runtime: options.runtime,
          architecture: options.architecture,
          pipArgs: options.pipArgs,
        },
        deps,
      ),
    );
    if (reuse) await keepInstall(reuse, 'pip', key, target, temporary);
    staging = target;
  }
  const installed = await collectFiles(
    staging,
    walkingFilter(
      staging,
      { runtime: options.runtime, defaults: false, exclude: ['__pycache__', '*.pyc', '*.pyo'] },
      pool,
      prefetch,
    ),
  );
  prefetch.end();
  // Built from source (a path, or pip-args' --platform) or a wheel auditwheel did not repair: it may link the runner's libraries.
  const { linked, tooNew, musl, newerCxx } = await installedNeeds(installed, options);
  // No layer can stand in for Lambda's glibc or libstdc++ (musllinux wheels need musl): refused, as the folder's own files are.
  if (musl.length || tooNew.length) {
    const owners = await distributionsByPath(staging);
    const owned = <T extends { path: string }>(found: T[]) =>
      found.map((f) => ({ ...f, distribution: owners.get(f.path) }));
    const target = { ...options, surface: deps.surface };
    throw new Error(
      musl.length ? installedMuslMessage(owned(musl), target) : installedTooNewMessage(owned(tooNew), target),
    );
  }
  return { files: installed, key, linked, newerCxx };
}

/**
 * The files lambda-deploy adds to a package (the app adapter, the keep-warm
 * wrapper, the slim loader) and the one settings file they share, with the
 * handler Lambda must call once they are in.
 */
class GeneratedFiles {
  readonly entries: Entry[] = [];
  by = "lambda-deploy's app adapter";
  /** What _lambda_deploy_settings.json holds: one file for the adapter, the wrapper and the slim loader. */
  private readonly settings: Record<string, unknown> = {};

  constructor(public handler: string) {}

  async add(file: string, path: string, what: string, settings: object): Promise<void> {
    if (!existsSync(path))
      throw new Error(`the ${what} shipped with lambda-deploy is missing at ${path}; reinstall the action.`);
    const code = await readFile(path);
    this.entries.push({ path: file, bytes: code.length, source: { name: file, data: code } });
    Object.assign(this.settings, settings);
  }

  /** With `app`, the WSGI/ASGI adapter; with keep-warm and a plain handler, the wrapper that answers the ping. */
  async addWrapper(options: BuildPackageOptions): Promise<void> {
    if (options.app) {
      const adapterPath = options.adapterPath ?? join(runtimeAssetsDir(), 'python', ADAPTER_FILE);
      await this.add(ADAPTER_FILE, adapterPath, 'WSGI/ASGI adapter', { app: options.app });
      this.handler = ADAPTER_HANDLER;
    } else if (options.keepWarm) {
      // A plain handler would receive the keep-warm pings itself: wrap it.
      const { family, file } = warmWrapperFile(options.runtime);
      const wrapperPath = options.warmWrapperPath ?? join(runtimeAssetsDir(), family, file);
      await this.add(file, wrapperPath, 'keep-warm wrapper', { handler: options.handler });
      this.handler = WARM_HANDLER;
      this.by = "lambda-deploy's keep-warm wrapper";
    }
  }

  addSettingsFile(): void {
    if (!Object.keys(this.settings).length) return;
    const json = Buffer.from(`${JSON.stringify(this.settings)}\n`);
    this.entries.push({
      path: APP_SETTINGS_FILE,
      bytes: json.length,
      source: { name: APP_SETTINGS_FILE, data: json },
    });
  }
}

/** Before compressing anything: Lambda counts the function and all its layers unzipped. */
function checkSizesBeforeZipping(
  functionEntries: readonly Entry[],
  layerEntries: readonly Entry[],
  otherLayerBytes: number,
  logger: Logger,
  surface: Surface | undefined,
): void {
  const pre = checkPackageSize({
    ...(surface && { surface }),
    unpackedBytes: functionEntries.reduce((n, e) => n + e.bytes, 0),
    layerBytes: layerEntries.reduce((n, e) => n + e.bytes, 0) + otherLayerBytes,
    files: [...functionEntries, ...layerEntries],
  });
  if (pre.error) throw new PackageTooLargeError(pre.error);
  for (const w of pre.warnings) logger.warning(w);
}

/** The dependencies layer's zip (Lambda's `python/` layout) when there is one, then the function's. */
async function writeZips(
  options: BuildPackageOptions,
  outDir: string,
  functionEntries: Entry[],
  dependencies: Entry[],
  key: string | undefined,
  zipOptions: WriteZipOptions,
  logger: Logger,
): Promise<{ artifact: PackageArtifact; layer?: DependenciesLayerArtifact }> {
  let layer: DependenciesLayerArtifact | undefined;
  if (dependencies.length) {
    const layerEntries = dependencies.map((e) => ({
      path: `python/${e.path}`,
      bytes: e.bytes,
      source: { ...e.source, name: `python/${e.path}` },
    }));
    const artifact = await writeArtifact(outDir, `${options.name}-deps`, layerEntries, zipOptions, logger);
    layer = { ...artifact, key: key! };
    logger.info(summary('Dependencies layer', layer, options.temporaryOutDir));
  }
  const artifact = await writeArtifact(outDir, options.name, functionEntries, zipOptions, logger);
  logger.info(summary('Package', artifact, options.temporaryOutDir));
  for (const zipped of [artifact, ...(layer ? [layer] : [])]) {
    const post = checkPackageSize({ unpackedBytes: zipped.unpackedBytes, packageBytes: zipped.packageBytes });
    for (const n of post.notes) logger.info(n);
  }
  return { artifact, ...(layer ? { layer } : {}) };
}

/** The folder a package's zip is kept in for later steps: RUNNER_TEMP, else the OS temp folder. */
export function defaultOutDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.RUNNER_TEMP || tmpdir(), 'lambda-deploy');
}
