/**
 * A function's package, built: its files, the installed dependencies, the files
 * lambda-deploy adds, then the size check and the zips. Each step's code is in
 * the file named for it (python-requirements.ts, npm-installed-files.ts, package-zips.ts...).
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isPythonRuntime } from '../settings/runtimes.js';
import { inputName } from '../settings/surface.js';
import { Inputs } from '../settings/names.js';
import type { Logger } from '../util/logger.js';
import { collectFiles } from './collect-files.js';
import { devOnlyNote } from './dev-dependencies.js';
import { checkHandlerIn, handlerTarget, missingModuleError, topLevelApps } from './handler-check.js';
import { packageEntry } from '../settings/package-json.js';
import { buildScriptCommand } from './build-script.js';
import {
  checkNativeFiles,
  newerCxxMessage,
  packagedNames,
  type LinkedFile,
  type NewerCxx,
} from './native-addons.js';
import { missingLibraries, missingLibrariesMessage } from './lambda-libraries.js';
import { pythonExecutable } from './python-command.js';
import { packSlimDependencies } from './slim-package.js';
import { defaultThreads, DeflatePool, Prefetcher } from './zip-writer.js';
import {
  type BuildPackageDeps,
  type BuildPackageOptions,
  type PackageResult,
  PackageTooLargeError,
} from './build-package-types.js';
import { GeneratedFiles } from './generated-files.js';
import { hoistedFiles } from './hoisted-files.js';
import { installRequirements } from './install-requirements.js';
import { checkNodeDependencies, javaScriptImports } from './node-dependency-check.js';
import { npmInstalledFiles } from './npm-installed-files.js';
import { devOnlyFolders } from './npm-lockfiles.js';
import {
  type Entry,
  checkSizesBeforeZipping,
  contents,
  entriesFromFiles,
  merge,
  writeZips,
  zipSetup,
} from './package-zips.js';
import { checkOwnPackageJson } from './package-json-check.js';
import { type PythonRequirements, pythonRequirements } from './python-requirements.js';
import { findLinksFolders, findLinksNote } from './find-links-folders.js';
import { refuseTypeScriptImports, typeScriptNote } from './typescript-sources.js';
import { typeScriptContext } from './typescript-built-handler.js';
import { walkingFilter } from './walking-filter.js';

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
  const { collected, ownFiles, imports } = await ownCode(options, outDir, pool, prefetch, deps, temporary);
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
    if (!inCode && !requirements) throw await check.missing();
    let dependencies: Entry[] = [];
    let key: string | undefined;
    if (requirements) {
      const installed = await installRequirements(options, requirements, temporary, pool, prefetch, deps);
      dependencies = entriesFromFiles(installed.files);
      if (!inCode && !(await check.found(installed.files))) throw await check.missing();
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
      ...contents(options.path, collected, functionEntries, codeFiles),
      handler: generated.handler,
      ...(zips.layer ? { dependencies: zips.layer } : {}),
      ...(slim ? { slim: slim.artifact } : {}),
    };
  } finally {
    if (requirements?.lockfile) await rm(dirname(requirements.file), { recursive: true, force: true });
  }
}

/**
 * The project's files and the packages npm installed, what their JavaScript
 * imports, read when asked, and the refusal of a .js file that loads a .ts
 * one left out (it would fail on Lambda), before anything runs.
 */
async function ownCode(
  options: BuildPackageOptions,
  outDir: string,
  pool: DeflatePool,
  prefetch: Prefetcher,
  deps: BuildPackageDeps,
  temporary: string[],
) {
  const { files: collected, typeScript } = await collectCode(options, outDir, pool, prefetch, deps);
  const ownFiles = [...collected, ...(await npmInstalledFiles(options, pool, prefetch, deps, temporary))];
  const imports = javaScriptImports(ownFiles);
  if (!isPythonRuntime(options.runtime))
    await refuseTypeScriptImports(
      typeScript,
      imports,
      handlerTarget(options.handler, options.runtime).files,
      ownFiles,
      deps,
      { runtime: options.runtime, exclude: options.exclude },
    );
  return { collected, ownFiles, imports };
}

/** The project's files, without the build's own output and cache (even when they lie inside `path`), nor dev-only packages. */
async function collectCode(
  options: BuildPackageOptions,
  outDir: string,
  pool: DeflatePool,
  prefetch: Prefetcher,
  { logger, surface, env }: BuildPackageDeps,
) {
  // Before a file is read or npm runs: the readers below would take it for one without dependencies.
  await checkOwnPackageJson(options);
  const excludeDirs = [outDir, ...(options.packageCache ? [resolve(options.packageCache)] : [])].flatMap(
    (dir) => {
      const rel = relative(options.path, dir);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? [rel.split(/[\\/]/).join('/')] : [];
    },
  );
  const devOnly = isPythonRuntime(options.runtime) ? undefined : devOnlyFolders(options.path, logger);
  const leftOut = new Set<string>();
  const typeScript = new Set<string>();
  const findLinks = new Set<string>();
  const codeFiles = await collectFiles(
    options.path,
    walkingFilter(
      options.path,
      {
        runtime: options.runtime,
        include: options.include,
        exclude: options.exclude,
        excludeDirs,
        onTypeScript: (file: string) => typeScript.add(file),
        ...(isPythonRuntime(options.runtime) && {
          findLinksDirs: findLinksFolders({ ...options, env: env ?? process.env, workingDir: process.cwd() }),
          onFindLinks: (dir: string) => findLinks.add(dir),
        }),
        ...(devOnly && { devOnlyDirs: devOnly.folders, onDevOnly: (dir: string) => leftOut.add(dir) }),
      },
      pool,
      prefetch,
    ),
    (m) => logger.info(m),
    options.workspace,
  );
  prefetch.end();
  if (devOnly && leftOut.size)
    logger.info(devOnlyNote([...leftOut], devOnly.lockfile, options.exclude, surface));
  if (findLinks.size)
    logger.info(findLinksNote([...findLinks].sort(), options.include, options.exclude, surface));
  if (typeScript.size)
    logger.info(typeScriptNote([...typeScript], options.include, options.exclude, surface));
  if (codeFiles.length === 0)
    throw new Error(
      `${inputName(surface ?? 'action', Inputs.Path)}: no files to package in ${options.path}` +
        (options.include.length
          ? ` (${inputName(surface ?? 'action', Inputs.Include)}: ${options.include.join(', ')} matched nothing)`
          : typeScript.size
            ? `; only TypeScript files (${[...typeScript].sort().slice(0, 10).join(', ')}), which Lambda's Node.js runtimes do not run: build them to JavaScript first (tsc).`
            : surface === 'terminal'
              ? "; expected the folder with your function's code: run the command in it, or name it with --path DIR."
              : "; expected the folder with the function's code, relative to the checkout (path: DIR)."),
    );
  return { files: codeFiles, typeScript: [...typeScript] };
}

/** Finds the handler's module among files, statically; `missing()` is the error that says where it was looked for. */
function handlerCheck(
  options: BuildPackageOptions,
  codeFiles: readonly { path: string; absPath: string }[],
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
    missing: async () => {
      const packaged = new Map(codeFiles.map((f) => [f.path, f.absPath] as const));
      return missingModuleError(
        target,
        codeFiles.map((f) => f.path),
        options.path,
        target.files.some((f) => existsSync(join(options.path, f))),
        deps.surface,
        {
          packageMain: packageEntry(options.path),
          buildCommand: buildScriptCommand(options.path),
          // The built file is named only as packaged (include/exclude may leave dist/ out).
          ...(await typeScriptContext(options.path, target, (f) => packaged.get(f))),
          // Only the default handler's miss asks whether an app was meant (a Python run per file).
          apps: target.python && !options.app ? await topLevelApps(packaged, options.runtime, checkDeps) : [],
        },
      );
    },
  };
}

/** The folder a package's zip is kept in for later steps: RUNNER_TEMP, else the OS temp folder. */
export function defaultOutDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.RUNNER_TEMP || tmpdir(), 'lambda-deploy');
}
