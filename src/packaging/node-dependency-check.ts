/** Refuses a Node.js package that lacks dependencies its handler loads, before anything is created in AWS. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isPythonRuntime } from '../settings/runtimes.js';
import { handlerTarget } from './handler-check.js';
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
import { npmInstallPlan } from './npm-install.js';
import { type BuildPackageDeps, type BuildPackageOptions } from './build-package-types.js';
import { npmWorkspaceRoot } from './npm-lockfiles.js';
import { nodeLockfile } from './node-lockfile.js';

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
export function javaScriptImports(
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
export async function checkNodeDependencies(
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
  const locked = nodeLockfile(options.path, options.workspace);
  const message = missingDependenciesMessage(missing, options.path, surface, unlocked, locked);
  if (!options.layers?.length) throw new MissingDependenciesError(message);
  logger.warning(`${message} (Deploying anyway: one of the attached layers may hold them.)`);
}

const them = (names: readonly string[]) => (names.length === 1 ? 'it' : 'them');
