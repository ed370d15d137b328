/**
 * A Node.js function with dependencies, a lockfile and no node_modules (the
 * reusable workflow, or an action job without its own `npm ci` step): its
 * production dependencies are installed with `npm ci` for Lambda's platform
 * into a temporary folder, never the user's, and packaged from there as an
 * installed node_modules would be.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '../model/settings.js';
import type { Surface } from '../settings/surface.js';
import type { Logger } from '../util/logger.js';
import { redact } from '../util/redact.js';
import { createCommandRunner, installerEnvironment, type CommandRunner } from './command-runner.js';
import { npmCommand, type NpmHost } from './npm-command.js';
import { parsePackageJson } from '../settings/package-json.js';

/** The lockfiles `npm ci` installs from, in the order npm reads them. */
export const NPM_CI_LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'] as const;

/**
 * What the build does about a folder's dependencies: `install` them from
 * `lockfile`; `unlocked` (dependencies, no lockfile, no node_modules: the
 * error says to commit one); undefined: package the folder as it is (it has
 * node_modules, no dependencies, or is an npm workspace root).
 */
export function npmInstallPlan(
  packageJsonText: string,
  present: (name: string) => boolean,
): { install: true; lockfile: string } | { unlocked: true } | undefined {
  if (present('node_modules')) return undefined;
  let manifest: unknown;
  try {
    manifest = parsePackageJson(packageJsonText);
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null || 'workspaces' in manifest) return undefined;
  const dependencies = (manifest as { dependencies?: unknown }).dependencies;
  if (typeof dependencies !== 'object' || dependencies === null || !Object.keys(dependencies).length)
    return undefined;
  const lockfile = NPM_CI_LOCKFILES.find(present);
  return lockfile ? { install: true, lockfile } : { unlocked: true };
}

/** A dependency spec that names a path on this machine rather than a registry, git or URL source. */
const PATH_SPEC = /^(?:file:|link:|\.{1,2}(?:\/|$)|\/|~\/)/;

/**
 * The dependencies npm would install from a path on this machine, as
 * `name (spec)`, sorted: `npm ci` resolves such a path from the folder it runs
 * in, and the build runs it in a temporary folder, where `file:../lib` names
 * some other folder or none. From package.json's own dependencies, and from
 * the lockfile for those of dependencies (`link: true`, `resolved: "file:..."`).
 */
export function pathDependencies(
  packageJsonText: string,
  lockText: string,
): { file: 'package.json' | 'lockfile'; found: string[] } | undefined {
  const parse = (text: string): Record<string, unknown> => {
    try {
      const value: unknown = parsePackageJson(text);
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const specs = (value: unknown): [string, string][] =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string')
      : [];
  const manifest = parse(packageJsonText);
  const own = [...specs(manifest.dependencies), ...specs(manifest.optionalDependencies)]
    .filter(([, spec]) => PATH_SPEC.test(spec))
    .map(([name, spec]) => `${name} (${spec})`);
  if (own.length) return { file: 'package.json', found: [...new Set(own)].sort() };
  const lockPackages = parse(lockText).packages;
  const packages = (typeof lockPackages === 'object' && lockPackages !== null ? lockPackages : {}) as Record<
    string,
    unknown
  >;
  type Entry = { resolved?: unknown; link?: unknown; dev?: unknown };
  const isDev = (entry: unknown) =>
    typeof entry === 'object' && entry !== null && (entry as Entry).dev === true;
  const locked = Object.entries(packages).flatMap(([key, entry]) => {
    if (!key.includes('node_modules/') || typeof entry !== 'object' || entry === null) return [];
    const { resolved, link } = entry as Entry;
    if (isDev(entry) || typeof resolved !== 'string') return [];
    // npm writes a link's entry with no dev flag: its target's entry (keyed by the link's path) has it.
    if (link === true && isDev(packages[resolved])) return [];
    if (link !== true && !resolved.startsWith('file:')) return [];
    return [`${key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)} (${resolved})`];
  });
  return locked.length ? { file: 'lockfile', found: [...new Set(locked)].sort() } : undefined;
}

/** npm's name of Lambda's platform for an architecture: `linux/x64` or `linux/arm64`. */
export function npmPlatform(architecture: Architecture): { os: 'linux'; cpu: 'x64' | 'arm64' } {
  return { os: 'linux', cpu: architecture === 'arm64' ? 'arm64' : 'x64' };
}

/**
 * `npm ci`'s arguments: production dependencies only, no audit or funding
 * requests, and the optional platform packages (prebuilt native binaries)
 * of Lambda's OS, processor and C library, not the runner's.
 */
export function npmCiArgs(architecture: Architecture, acceptsLibc: boolean): string[] {
  const { os, cpu } = npmPlatform(architecture);
  return [
    'ci',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    `--os=${os}`,
    `--cpu=${cpu}`,
    ...(acceptsLibc ? ['--libc=glibc'] : []),
  ];
}

export class NpmInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpmInstallError';
  }
}

export interface NpmCiOptions {
  /** The function's folder (read only). */
  path: string;
  lockfile: string;
  /** Empty folder npm installs into. */
  targetDir: string;
  architecture: Architecture;
}

/**
 * Copies package.json, the lockfile and an .npmrc from `path` into
 * `targetDir` and runs `npm ci` there for Lambda's platform: node_modules is
 * then `targetDir/node_modules`. npm's output goes to the log line by line.
 */
export async function npmCi(
  options: NpmCiOptions,
  deps: {
    logger: Logger;
    runner?: CommandRunner;
    env?: NodeJS.ProcessEnv;
    surface?: Surface;
    /** This machine (process.platform, process.execPath): a test makes it Windows. */
    host?: Omit<NpmHost, 'env'>;
  },
): Promise<void> {
  const local = pathDependencies(
    await readFile(join(options.path, 'package.json'), 'utf8'),
    await readFile(join(options.path, options.lockfile), 'utf8'),
  );
  if (local) {
    const { os, cpu } = npmPlatform(options.architecture);
    throw new NpmInstallError(
      `${local.file === 'package.json' ? 'package.json' : options.lockfile}: ${local.found.join(', ')} ${local.found.length > 1 ? 'are' : 'is'} installed from a path on this machine, ` +
        'which npm ci cannot reach from the temporary folder the build installs into. ' +
        `Run npm ci --omit=dev --os=${os} --cpu=${cpu} in ${options.path} before deploying (the build then packages its node_modules as it is), ` +
        'or publish the package to a registry.',
    );
  }
  for (const file of ['package.json', options.lockfile, '.npmrc'])
    if (existsSync(join(options.path, file)))
      await copyFile(join(options.path, file), join(options.targetDir, file));
  const runner = deps.runner ?? createCommandRunner(deps.logger);
  const env = installerEnvironment(deps.env ?? process.env);
  const { os, cpu } = npmPlatform(options.architecture);
  const what = `the dependencies ${options.lockfile} pins for ${os}/${cpu}`;
  // npm's usage text lists the options it accepts: --libc came after --os and --cpu.
  const quiet = deps.runner ?? createCommandRunner({ ...deps.logger, info: (m) => deps.logger.debug(m) });
  const host = deps.host ?? { platform: process.platform, execPath: process.execPath };
  const npm = npmCommand({ ...host, env: deps.env ?? process.env });
  const notFound = (where: string) =>
    `npm was not found ${where}; it is needed to install ${what} (${options.path} has no node_modules). ` +
    `${deps.surface === 'terminal' ? 'Install Node.js with npm' : 'Add actions/setup-node before this step'}, or install them into ${options.path} before deploying (npm ci --omit=dev --os=${os} --cpu=${cpu}).`;
  if (!npm)
    throw new NpmInstallError(
      notFound(`(no npm-cli.js beside ${host.execPath}, in npm_execpath or beside an npm.cmd on PATH)`),
    );
  let usage;
  try {
    usage = await quiet.run(npm.command, [...npm.prefix, 'install', '--usage'], {
      cwd: options.targetDir,
      env,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NpmInstallError(
      code === 'ENOENT'
        ? notFound(npm.from === 'PATH' ? 'on PATH' : `(${npm.command}, from ${npm.from})`)
        : `could not start npm (${[npm.command, ...npm.prefix].join(' ')}) to install ${what}: ${(error as Error).message}`,
    );
  }
  const args = npmCiArgs(options.architecture, /--libc\b/.test(usage.output));
  deps.logger.debug(`npm ${args.join(' ')} (in ${options.targetDir}; npm from ${npm.from})`);
  const result = await runner.run(npm.command, [...npm.prefix, ...args], { cwd: options.targetDir, env });
  if (result.exitCode !== 0) {
    const tail = redact(result.output.trim().split('\n').slice(-15).join('\n'));
    throw new NpmInstallError(
      `npm ci failed (exit code ${result.exitCode}) installing ${what} from ${join(options.path, options.lockfile)}:\n${tail}`,
    );
  }
}
