/** npm ci of a Node.js function with a lockfile and no node_modules, and the files it installed. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPythonRuntime } from '../settings/runtimes.js';
import { collectFiles } from './collect-files.js';
import { npmCi, npmInstallPlan, npmPlatform } from './npm-install.js';
import { formatCount } from './size-check.js';
import { DeflatePool, Prefetcher } from './zip-writer.js';
import { type BuildPackageDeps, type BuildPackageOptions } from './build-package-types.js';
import { keepInstall } from './install-reuse.js';
import { walkingFilter } from './walking-filter.js';

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

/**
 * A function with dependencies, a lockfile and no node_modules (see
 * npm-install.ts): npm ci installs them for Lambda into a temporary folder
 * (pushed to `temporary`), and its node_modules is packaged as the folder's
 * own would be, under the user's include and exclude.
 */
export async function npmInstalledFiles(
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
