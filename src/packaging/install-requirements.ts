/** pip's install of a Python function's requirements for Lambda, and the key that content-addresses it. */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { collectFiles } from './collect-files.js';
import { installedNeeds, installedMuslMessage, installedTooNewMessage } from './native-addons.js';
import { distributionsByPath } from './installed-distributions.js';
import { pipInstall } from './pip-install.js';
import { pipArgsReadElsewhere, requirementsReadElsewhere } from './install-reuse.js';
import { DeflatePool, Prefetcher } from './zip-writer.js';
import { type BuildPackageDeps, type BuildPackageOptions } from './build-package-types.js';
import { keepInstall } from './install-reuse.js';
import { type PythonRequirements } from './python-requirements.js';
import { walkingFilter } from './walking-filter.js';
import { repositoryRoot } from './uv-workspace.js';
import { superproject } from '../util/repository-root.js';

/** The repository `path` is in, a submodule's superproject when it is one (see superproject). */
function repositoryOf(path: string, workspace: string): string | undefined {
  const root = repositoryRoot(path, workspace);
  return root && superproject(root);
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

/**
 * pip installs the requirements into a temporary folder (pushed to
 * `temporary`): the files it installed (compressed as they are found),
 * their key, and the libraries their compiled files link.
 */
export async function installRequirements(
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
  const readsElsewhere =
    requirementsReadElsewhere(text.toString('utf8')) ||
    pipArgsReadElsewhere(options.pipArgs, deps.env ?? process.env);
  const reuse = deps.installs && !readsElsewhere ? deps.installs : undefined;
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
          functionDir: options.path,
          // The settings' workspace (the checkout; the CLI's repository) bounds it; a caller without one checks nothing.
          ...(options.workspace && { repository: repositoryOf(options.path, options.workspace) }),
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
