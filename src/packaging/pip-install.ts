import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Architecture } from '../model/settings.js';
import { Inputs } from '../settings/names.js';
import { binaryOverride, packagesOf } from '../settings/pip-binary-options.js';
import { optionValues, parsePipArgs } from '../settings/pip-options.js';
import { settingOf, type Surface } from '../settings/surface.js';
import type { Logger } from '../util/logger.js';
import { redact } from '../util/redact.js';
import { createCommandRunner, installerEnvironment, type CommandRunner } from './command-runner.js';
import {
  explainHashFailure,
  requirementsRequireHashes,
  type BuildFor,
  type HashedInstall,
} from './hash-failure.js';
import { distInfoHeaders, distributionOf } from './installed-distributions.js';
import { lambdaMarkerEnvironment, MARKERS_FALLBACK, pipBootstrapPath } from './lambda-markers.js';
import { pythonExecutable, windowsStoreStub } from './python-command.js';
import {
  editableLines,
  editableMessage,
  editableOutside,
  type EditableInstall,
} from './editable-installs.js';
import { indexOutside } from './index-folders.js';
import { configPathEntries, relativeConfigEntries } from './pip-config.js';
import {
  localSourcePaths,
  reportedSources,
  reportOutside,
  trustedFolders,
  workflowConfigReader,
} from './install-report.js';
import { pathOutside, pipArgsFrom, pipEnvironmentFrom, pipFolder } from './requirement-paths.js';
import { requirementFiles, type RequirementFile } from './requirement-files.js';
import { lambdaPythonPlatform, pipInstallArgs, wheelRunsOn } from './python-platform.js';

export type { CommandRunner, CommandResult } from './command-runner.js';
export { createCommandRunner } from './command-runner.js';

export interface PipInstallOptions {
  /** Absolute path of the requirements file. */
  requirements: string;
  /** The uv.lock, poetry.lock or Pipfile.lock `requirements` was written from (a temporary file): messages name the lockfile instead. */
  lockfile?: string;
  /** Empty folder the packages are installed into. */
  targetDir: string;
  runtime: string;
  architecture: Architecture;
  pipArgs?: readonly string[];
  /** The function's folder (`path`): an editable install of a project outside it packages no code. */
  functionDir?: string;
  /** The repository's folder: a local path in the requirements must stay inside it (unchecked without). */
  repository?: string;
}

export interface PipInstallDeps {
  logger: Logger;
  runner?: CommandRunner;
  env?: NodeJS.ProcessEnv;
  surface?: Surface;
  /** The command that builds (default deploy): a refused install closes with what it stopped. */
  buildFor?: BuildFor;
}

export class PipInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipInstallError';
  }
}

/** pip's words for a network it could not use: the index was never asked, so nothing is known of wheels. */
const UNREACHABLE =
  /NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|nodename nor servname|No address associated with hostname|ConnectTimeoutError|Connection to \S+ timed out|Read timed out|ProxyError|Network is unreachable|Connection refused|ConnectionResetError|SSLError|CERTIFICATE_VERIFY_FAILED|Max retries exceeded/;

/**
 * pip's words for an answer from some index or link: a file it fetched, the
 * versions it found, or a resolution that got as far as a conflict. With one
 * index unreachable and another answering, the failure is not the network's.
 */
const ANSWERED =
  /^\s*(?:Downloading|Processing|Using cached)\s+\S+\.(?:whl|tar\.gz|zip)\b|\(from versions: (?!none\))|ResolutionImpossible/m;

/** How messages name the requirements: the file, or the packages the lockfile it was written from pins. */
function requirementsShown(options: PipInstallOptions): string {
  return options.lockfile ? `the packages ${options.lockfile} pins` : options.requirements;
}

/** `scheme://host[:port]` of a URL (a default port left out), or undefined. */
function origin(url: string): string | undefined {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}`;
  } catch {
    return undefined;
  }
}

/**
 * Where pip's connection errors say it failed: our bootstrap's `Not retrying URL`,
 * `Could not fetch URL`, urllib3's `HTTPSConnectionPool(host='h', port=443)` (origins),
 * and its `Connection to HOST timed out` (a host name alone).
 */
function failedOrigins(output: string): Set<string> {
  const found = new Set<string>();
  for (const m of output.matchAll(/(?:Not retrying|Could not fetch URL) (\S+?):? /g)) {
    const o = origin(m[1]!);
    if (o) found.add(o);
  }
  for (const m of output.matchAll(/(HTTPS?)ConnectionPool\(host='([^']+)', port=(\d+)\)/g)) {
    const o = origin(`${m[1]!.toLowerCase()}://${m[2]}:${m[3]}/`);
    if (o) found.add(o);
  }
  for (const m of output.matchAll(/Connection to (\S+) timed out/g)) found.add(m[1]!);
  return found;
}

/** Whether pip's connection errors name this index (its origin, or its host name alone). */
function failedAt(url: string, failed: ReadonlySet<string>): boolean {
  const o = origin(url);
  return o !== undefined && (failed.has(o) || failed.has(new URL(url).hostname));
}

/**
 * The index pip could not reach: of those in `Looking in indexes:`, the one its
 * connection errors name (else the first), else pip-args' --index-url, else PyPI.
 */
function indexUrl(output: string, pipArgs: readonly string[]): string {
  const indexes = /Looking in indexes:\s*(.+)/.exec(output)?.[1]?.split(/,\s*/).filter(Boolean) ?? [];
  const failed = failedOrigins(output);
  const looked = indexes.find((url) => failedAt(url, failed)) ?? indexes[0];
  if (looked) return looked.replace(/\/\/[^/\s]*@/, '//***@');
  // pip takes the last one given, abbreviated too (`--index=URL`, `-iURL`).
  const given = optionValues(pipArgs, '--index-url').at(-1);
  return given ? given.replace(/\/\/[^/\s]*@/, '//***@') : 'https://pypi.org/simple';
}

/**
 * What went wrong, for a pip failure with its output. Two kinds come with
 * what to do: the package index could not be reached (the network, a
 * proxy, a private index, or no index at all), and the index answered but
 * has no wheel for the Lambda platform. pip reports both as "No matching
 * distribution", so the connection errors in its output decide.
 */
export function explainPipFailure(
  output: string,
  options: PipInstallOptions & Pick<HashedInstall, 'requireHashesLine' | 'buildFor'>,
  surface: Surface = 'action',
): string {
  const pipArgs = (value: string) => settingOf(surface, Inputs.PipArgs, value);
  const terminal = surface === 'terminal';
  const platform = lambdaPythonPlatform(options.runtime, options.architecture);
  const hashes = explainHashFailure(output, options, surface, platform.description);
  if (hashes) return hashes;
  const missing =
    /No matching distribution found for\s+(\S+)/.exec(output) ??
    /Could not find a version that satisfies the requirement\s+(\S+)/.exec(output);
  const requirement = missing?.[1];
  const name = requirement
    ? (/^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(requirement)?.[0] ?? requirement)
    : undefined;
  const cause = UNREACHABLE.exec(output)?.[0];
  if (cause && !ANSWERED.test(output)) {
    return [
      `Could not reach the package index ${indexUrl(output, options.pipArgs ?? [])}${requirement ? ` to install "${requirement}"` : ''} (pip: ${cause}).`,
      'This is a network problem, not a missing package: pip never got an answer about any wheel.',
      'What to do:',
      `  - check that this machine reaches the index (a proxy goes in HTTPS_PROXY${terminal ? '' : '; a self-hosted runner may need its firewall opened'});`,
      terminal
        ? `  - a private index: ${pipArgs('--index-url https://your.index/simple')} (or PIP_INDEX_URL, which keeps its credentials out of the shell history);`
        : `  - a private index: ${pipArgs('--index-url https://your.index/simple')} (its credentials from a secret, never in the workflow file);`,
      `  - no network at all: build or download the wheels beforehand and set ${pipArgs('--no-index --find-links <folder>')}.`,
    ].join('\n');
  }
  const building = requirement ? sourceBuild(output, requirement, options, surface) : undefined;
  if (building) return building;
  if (requirement) {
    const offered = /\(from versions: (?!none\))([^)]+)\)/.exec(output)?.[1]?.trim();
    return [
      `No compatible wheel: pip found no installable wheel for "${requirement}" (package ${name}) for ${platform.description}.`,
      ...(offered
        ? [`For this platform, the versions of ${name} the indexes pip reached offer: ${offered}.`]
        : []),
      ...(cause
        ? [
            `pip could not reach ${indexUrl(output, options.pipArgs ?? [])} (pip: ${cause}) and the other indexes it reached have no such wheel: if ${name} is on that one, make it reachable (a proxy goes in HTTPS_PROXY).`,
          ]
        : []),
      `lambda-deploy installs only binary wheels built for the Lambda platform, never ${terminal ? "this machine's" : "the runner's"}, and never builds from source.`,
      'What to do:',
      `  - pick a version of ${name} that publishes manylinux wheels for ${platform.machine} and Python ${platform.pythonVersion} (see its "Download files" page on PyPI);`,
      `  - or a runtime (or architecture) whose wheels exist: a package new releases of Python wait for often has wheels for an older runtime (say python3.12 before python3.13);`,
      `  - or build the wheel yourself in a Lambda-compatible container (public.ecr.aws/lambda/python:${platform.pythonVersion}), put it in a folder, and set ${pipArgs('--find-links <folder>')} (add --no-index to use only that folder);`,
      `  - or check the name and version in ${options.lockfile ?? 'the requirements file'}, and that ${terminal ? '--pip-args' : 'pip-args'} reaches your private index.`,
    ].join('\n');
  }
  // A resolution conflict: pip's report from its first line (the lines before it only led there).
  const conflict = output.search(/^ERROR: Cannot install .*conflicting dependencies/m);
  const lines = output.slice(Math.max(conflict, 0)).trim().split('\n');
  const tail = (conflict >= 0 ? lines.slice(0, 20) : lines.slice(-15)).join('\n');
  const what = options.lockfile ? `of ${requirementsShown(options)}` : `-r ${options.requirements}`;
  // The lines naming the index pip could not reach come before the report: said here, or lost.
  const unreached =
    conflict >= 0 && cause
      ? `\npip could not reach ${indexUrl(output, options.pipArgs ?? [])} (pip: ${cause}): a version only that index has may have resolved the conflict.`
      : '';
  return `pip install ${what} failed for ${platform.description}:\n${tail}${unreached}`;
}

/**
 * A requirement pip builds from source whatever --only-binary says (a
 * path, `-e`, a VCS URL) whose build tools (`requirement`) it could not
 * install: that project is the problem, not a missing wheel of setuptools.
 */
function sourceBuild(
  output: string,
  requirement: string,
  options: PipInstallOptions,
  surface: Surface,
): string | undefined {
  // The build tools' install failed, not one that went through before another requirement failed.
  const failed =
    /Installing build dependencies(?::| \.\.\.)(?: finished with status)? '?error|to install build dependencies did not run successfully/i;
  const failure = failed.exec(output);
  if (!failure) return undefined;
  // The project is the last one pip named before that install started: after it comes the build
  // tools' own install output (before the failure too, with -v, which streams it).
  const start = output.slice(0, failure.index).lastIndexOf('Installing build dependencies: started');
  const before = output.slice(0, start >= 0 ? start : failure.index);
  const built = [...before.matchAll(/^\s*(?:Processing|Obtaining|Collecting)\s+(.+?)\s*$/gm)].map(
    (m) => m[1]!,
  );
  const what = redact(built.at(-1) ?? 'a requirement');
  const version = lambdaPythonPlatform(options.runtime, options.architecture).pythonVersion;
  return [
    `pip had to build ${what} from source on this machine, and could not install the tools to build it (${requirement}).`,
    'A project given by path, as editable (-e) or from version control is built by pip on this machine, for its platform; lambda-deploy installs wheels for the Lambda platform only.',
    'What to do:',
    `  - build its wheel beforehand: pip wheel --no-deps <project> -w wheels/ (a pure-Python project gives a py3-none-any wheel that runs on Lambda; one with compiled code must be built in public.ecr.aws/lambda/python:${version}), require it by name and version, and set ${settingOf(surface, Inputs.PipArgs, '--find-links wheels/')};`,
    '  - or publish it as a wheel to your package index.',
  ].join('\n');
}

/**
 * The step's environment for pip: see installerEnvironment; pip never prompts.
 * pip run as root (a container job) warns that it should run in a virtual
 * environment; it installs into the package's folder, so that is noise: its
 * --root-user-action=ignore (pip 22.1 and later) silences it, given in its
 * environment form, which an older pip ignores (on the command line it would
 * stop at the unknown option). A value the user set stays.
 */
export function pipEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PIP_ROOT_USER_ACTION: 'ignore', ...installerEnvironment(env), PIP_NO_INPUT: '1' };
}

/** pip's failure explained; the requirements file read for its own --require-hashes line. */
async function pipFailure(
  output: string,
  options: PipInstallOptions,
  { surface, buildFor }: PipInstallDeps,
): Promise<PipInstallError> {
  const text = await readFile(options.requirements, 'utf8').catch(() => '');
  const requireHashesLine = requirementsRequireHashes(text);
  const explained = { ...options, requireHashesLine, ...(buildFor && { buildFor }) };
  return new PipInstallError(explainPipFailure(output, explained, surface));
}

/**
 * Installs the requirements into `targetDir` for the Lambda platform of the
 * runtime and architecture, then strips bytecode caches (compiled by the
 * runner's interpreter; Lambda does not need them). dist-info folders stay:
 * importlib.metadata reads them at run time.
 */
export async function pipInstall(options: PipInstallOptions, deps: PipInstallDeps): Promise<void> {
  const terminal = deps.surface === 'terminal';
  const runner = deps.runner ?? createCommandRunner(deps.logger);
  const python = pythonExecutable(deps.env);
  const platform = lambdaPythonPlatform(options.runtime, options.architecture);
  await refuseSourceBuildOptions(options.requirements, platform.description, deps.surface);
  const env = pipEnvironment(deps.env ?? process.env);
  const folder = requirementsFolder(options, env);
  let pipArgs: string[];
  try {
    pipArgs = pipInstallArgs({
      ...options,
      env,
      target: options.targetDir,
      ...(folder.cwd && { pipArgs: pipArgsFrom(options.pipArgs ?? [], process.cwd()) }),
    });
  } catch (error) {
    throw new PipInstallError((error as Error).message);
  }
  const markers = lambdaMarkerEnvironment(platform, options.pipArgs);
  deps.logger.info(`Installing ${requirementsShown(options)} for ${platform.description}`);
  deps.logger.debug(
    `${python} -m pip ${pipArgs.join(' ')} (environment markers: ${JSON.stringify(markers)})`,
  );
  const noPython = (what: string) =>
    `${python} ${what}; it is needed to install ${requirementsShown(options)}. ${terminal ? 'Install Python 3' : 'Add actions/setup-python before this step'}, or set LAMBDA_DEPLOY_PYTHON to a Python 3 executable.`;
  // The step's variables over its configuration files' relative entries, as pip reads them; all from its folder.
  const pipEnv = folder.cwd
    ? pipEnvironmentFrom({ ...relativeConfigEntries(env), ...env }, process.cwd())
    : env;
  const report = options.repository ? await reportFile(pipArgs, pipEnv, folder.cwd) : undefined;
  let result;
  try {
    // pip run by the bootstrap decides markers for Lambda's Python, not this one (pypa/pip#11010).
    const args = [pipBootstrapPath(), JSON.stringify(markers), ...pipArgs];
    result = await runner.run(python, args, {
      env: report?.env ?? pipEnv,
      ...(folder.cwd && { cwd: folder.cwd }),
    });
  } catch (error) {
    await report?.cleanup();
    const code = (error as NodeJS.ErrnoException).code;
    throw new PipInstallError(
      code === 'ENOENT'
        ? noPython('was not found')
        : `could not start ${python} to install ${requirementsShown(options)}: ${(error as Error).message}`,
    );
  }
  if (result.exitCode !== 0) await report?.cleanup();
  if (result.exitCode !== 0) {
    if (windowsStoreStub(result.output))
      throw new PipInstallError(noPython("is the Microsoft Store's placeholder, not a Python"));
    if (/No module named pip/.test(result.output))
      throw new PipInstallError(
        `${python} has no pip; install it (python3 -m ensurepip)${terminal ? '' : ' or use actions/setup-python'}.`,
      );
    throw await pipFailure(result.output, options, deps);
  }
  // Before anything is packaged: which files pip took, whatever led it to them.
  if (report) {
    const sources = folder.cwd ? pipArgsFrom(options.pipArgs ?? [], process.cwd()) : (options.pipArgs ?? []);
    await checkReport(
      report,
      options.repository!,
      { args: sources, env: pipEnv, cwd: folder.cwd },
      deps.logger,
    );
  }
  await stripBytecode(options.targetDir);
  const foreign = await builtForThisMachine(options);
  if (foreign.length) throw new PipInstallError(foreignBuildMessage(foreign, options, deps.surface));
  const linked = await editableOutside(options.targetDir, options.functionDir);
  if (linked.length) throw new PipInstallError(await editableFailure(linked, options, folder.cwd, env));
  // The probe's one line of output is the log's business only when debugging.
  const quiet = deps.runner ?? createCommandRunner({ ...deps.logger, info: (m) => deps.logger.debug(m) });
  const fallback = MARKERS_FALLBACK.exec(result.output)?.[1];
  if (fallback) await warnOfVersionMarkers(options, { ...deps, runner: quiet, python, why: fallback });
}

/** Where pip writes its installation report: the user's own, or ours in a temporary folder. */
interface ReportFile {
  path?: string;
  env: NodeJS.ProcessEnv;
  cleanup: () => Promise<void>;
}

/**
 * The installation report to read after pip: the one pip-args' --report or
 * PIP_REPORT already names (`-`, the output: none), else ours, asked for in
 * PIP_REPORT, which a pip before 22.2 ignores (on the command line it would
 * stop at the unknown option).
 */
async function reportFile(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<ReportFile> {
  const theirs = optionValues(args, '--report').at(-1) ?? env.PIP_REPORT?.trim();
  const none = async () => {};
  if (theirs)
    return { ...(theirs !== '-' && { path: resolve(cwd ?? process.cwd(), theirs) }), env, cleanup: none };
  const dir = await mkdtemp(join(tmpdir(), 'lambda-deploy-report-'));
  const path = join(dir, 'report.json');
  return {
    path,
    env: { ...env, PIP_REPORT: path },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Refuses a distribution pip installed from a file outside the repository
 * and the folders pip's own arguments, environment and configuration name
 * (see install-report.ts); removes our report.
 */
async function checkReport(
  report: ReportFile,
  repository: string,
  pip: { args: readonly string[]; env: NodeJS.ProcessEnv; cwd?: string },
  logger: Logger,
): Promise<void> {
  let text: string | undefined;
  try {
    text = report.path ? await readFile(report.path, 'utf8') : undefined;
  } catch {
    text = undefined;
  } finally {
    await report.cleanup();
  }
  if (text === undefined) {
    logger.debug(
      `pip wrote no installation report${report.path ? ` (${report.path}; --report came with pip 22.2)` : ' file (--report -)'}: the files it installed from are not checked against the repository.`,
    );
    return;
  }
  let sources;
  try {
    sources = reportedSources(text);
  } catch (error) {
    throw new PipInstallError(
      `pip's installation report ${report.path} could not be read: ${(error as Error).message}.`,
    );
  }
  const cwd = pip.cwd ?? process.cwd();
  const config = configPathEntries(pip.env, workflowConfigReader(repository));
  const named = localSourcePaths(pip.args, { ...config, ...pip.env }, cwd);
  const outside = reportOutside(sources, repository, trustedFolders(named, repository));
  if (outside) throw new PipInstallError(outside);
}

/** editableMessage, naming the file each -e line is in (an included one too), its path read from pip's folder. */
async function editableFailure(
  linked: readonly EditableInstall[],
  options: PipInstallOptions,
  cwd: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const pipDir = cwd ?? process.cwd();
  let files: RequirementFile[] = [];
  try {
    files = options.lockfile ? [] : requirementFiles(options.requirements, undefined, env);
  } catch {
    // Read before pip ran (requirementsFolder): a circle would have stopped it there.
  }
  return editableMessage(linked, { ...options, lines: await editableLines(files, pipDir), pipDir });
}

/**
 * The folder pip runs in (see pipFolder), after the requirements file and
 * those it includes are checked: no circle of includes, and no local path
 * nor folder of packages or index on disk (see indexOutside) outside the
 * repository, `${NAME}` in them read from pip's environment `env` as pip
 * reads it. A lock's export names absolute paths only, checked when it was
 * read.
 */
function requirementsFolder(options: PipInstallOptions, env: NodeJS.ProcessEnv): { cwd?: string } {
  if (options.lockfile) return {};
  let files: RequirementFile[];
  try {
    files = requirementFiles(options.requirements, undefined, env);
  } catch (error) {
    throw new PipInstallError((error as Error).message);
  }
  if (!files.length) return {};
  const folder = pipFolder(files, process.cwd());
  if ('missing' in folder) throw new PipInstallError(folder.missing);
  const cwd = folder.cwd ?? process.cwd();
  const outside =
    options.repository &&
    (pathOutside(files, cwd, options.repository) ?? indexOutside(files, cwd, options.repository));
  if (outside) throw new PipInstallError(outside);
  return folder;
}

/**
 * The first `--no-binary` (or `--only-binary :none:`) in a requirements file
 * or the files it includes (-r, -c): `file line N: option`. pip takes these
 * from a file whatever our --only-binary says, and builds from source here.
 */
async function sourceBuildOption(file: string, seen = new Set<string>()): Promise<string | undefined> {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const lines = (await readFile(file, 'utf8').catch(() => '')).split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const tokens = line
      .replace(/(^|\s)#.*$/, '')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    const override = binaryOverride(tokens);
    if (override) return `${file} line ${i + 1}: ${override}`;
    // `-r FILE`, `--requirement=FILE`, `--requirem FILE` (pip takes a unique prefix): read as pip reads them.
    const included = parsePipArgs(tokens).options.find(
      (o) => o.names.includes('--requirement') || o.names.includes('--constraint'),
    )?.value;
    if (included && !/^[a-z]+:\/\//i.test(included)) {
      const found = await sourceBuildOption(resolve(dirname(file), included), seen);
      if (found) return found;
    }
  }
  return undefined;
}

async function refuseSourceBuildOptions(requirements: string, target: string, surface?: Surface) {
  const found = await sourceBuildOption(requirements);
  if (!found) return;
  const what = packagesOf(found.split(' ').at(-1)!);
  throw new PipInstallError(
    [
      `${found} lets pip build ${what} from source on this machine, for its Python, system and processor rather than for ${target}: compiled code built so fails to import on Lambda.`,
      `lambda-deploy installs every package as a wheel for Lambda's platform (--only-binary=:all:); a requirements file cannot change that.`,
      'What to do:',
      `  - remove the line: a pure-Python package has a wheel (py3-none-any) that runs on Lambda as it is;`,
      `  - for a package with compiled code, build its wheel in public.ecr.aws/lambda/python, put it in a folder and set ${settingOf(surface ?? 'action', Inputs.PipArgs, '--find-links <folder>')}.`,
    ].join('\n'),
  );
}

/** An installed distribution and its wheel's `Tag:` lines. */
interface InstalledWheel {
  name: string;
  version: string;
  tags: string[];
}

/**
 * Distributions whose wheel does not run on Lambda's platform: pip built
 * them from source here (a path, -e, a VCS URL: pip builds these whatever
 * --only-binary says), for this machine's Python, glibc and processor. The
 * install succeeds, and the function fails at its first import on Lambda.
 */
async function builtForThisMachine(options: PipInstallOptions): Promise<InstalledWheel[]> {
  const platform = lambdaPythonPlatform(options.runtime, options.architecture);
  const userPlatforms = optionValues(options.pipArgs ?? [], '--platform');
  const infos = (await readdir(options.targetDir)).filter((n) => n.endsWith('.dist-info')).sort();
  const found: InstalledWheel[] = [];
  for (const info of infos) {
    const tags = (await distInfoHeaders(join(options.targetDir, info), 'WHEEL'))('Tag');
    // No WHEEL file: nothing tells how it was built (pip writes one for every wheel it installs).
    if (!tags.length || wheelRunsOn(tags, platform, userPlatforms)) continue;
    found.push({ ...(await distributionOf(options.targetDir, info)), tags });
  }
  return found;
}

function foreignBuildMessage(
  foreign: readonly InstalledWheel[],
  options: PipInstallOptions,
  surface?: Surface,
): string {
  const platform = lambdaPythonPlatform(options.runtime, options.architecture);
  const [first, ...others] = foreign as [InstalledWheel, ...InstalledWheel[]];
  const also = others.length
    ? ` So ${others.length === 1 ? 'was' : 'were'} ${others.map((w) => `${w.name} ${w.version} (${w.tags.join(', ')})`).join(', ')}.`
    : '';
  const machine = surface === 'terminal' ? 'this machine' : 'the runner';
  return [
    `${first.name} ${first.version} was built from source on this machine (wheel tag ${first.tags.join(', ')}), not for ${platform.description}: its compiled code is for ${machine}'s Python, system and processor, and fails to import on Lambda.${also}`,
    'pip builds a project from source when it is given by path, as editable (-e) or from version control.',
    'What to do:',
    `  - require a version of ${first.name} that publishes manylinux wheels for ${platform.machine} and Python ${platform.pythonVersion} (see its "Download files" page on PyPI), by name and version;`,
    `  - or a pure-Python alternative (some projects also have a pure-Python build without their C speedups);`,
    `  - or build its wheel in public.ecr.aws/lambda/python:${platform.pythonVersion}${platform.machine === 'aarch64' ? ' on an arm64 machine' : ''}, put it in a folder and set ${settingOf(surface ?? 'action', Inputs.PipArgs, '--find-links <folder>')}.`,
  ].join('\n');
}

/** A marker on the Python version, outside an extra: pip decides it with the Python that runs it. */
const VERSION_MARKER = /;.*\bpython_(full_)?version\b/;

/**
 * Requirements pip kept or dropped by the Python version: `name version
 * requires: line` of the installed distributions' Requires-Dist, and the
 * requirements file's own lines.
 */
async function versionMarkedRequirements(options: PipInstallOptions): Promise<string[]> {
  const found: string[] = [];
  const own = await readFile(options.requirements, 'utf8').catch(() => '');
  for (const line of own.split(/\r?\n/))
    if (VERSION_MARKER.test(line) && !line.trim().startsWith('#'))
      found.push(
        `${options.lockfile ?? options.requirements}: ${redact(line.replace(/\s+--hash=\S+/g, '').trim())}`,
      );
  const distInfos = (await readdir(options.targetDir)).filter((n) => n.endsWith('.dist-info')).sort();
  for (const info of distInfos) {
    const metadata = await readFile(join(options.targetDir, info, 'METADATA'), 'utf8').catch(() => '');
    const head = metadata.split(/\r?\n\r?\n/)[0] ?? '';
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(head)?.[1]?.trim();
    for (const m of head.matchAll(/^Requires-Dist:\s*(.+)$/gm)) {
      const requirement = m[1]!.trim();
      if (VERSION_MARKER.test(requirement) && !/\bextra\s*==/.test(requirement))
        found.push(`${field('Name') ?? info} ${field('Version') ?? ''} requires: ${requirement}`);
    }
  }
  return found;
}

/**
 * pip evaluates environment markers (`python_version < "3.11"`) with the
 * Python that runs it, whatever --python-version says (pypa/pip#11010),
 * unless the bootstrap could set Lambda's (`why` says why not): run by a
 * Python other than the runtime's, it may leave out a dependency the
 * function needs on Lambda (or add one it does not). Warns, naming the
 * requirements concerned, when there are any and the versions differ.
 */
async function warnOfVersionMarkers(
  options: PipInstallOptions,
  deps: {
    logger: Logger;
    runner: CommandRunner;
    python: string;
    why: string;
    env?: NodeJS.ProcessEnv;
    surface?: Surface;
  },
): Promise<void> {
  const marked = await versionMarkedRequirements(options);
  if (!marked.length) return;
  const wanted = lambdaPythonPlatform(options.runtime, options.architecture).pythonVersion;
  let here: string | undefined;
  try {
    const probe = await deps.runner.run(
      deps.python,
      ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      {
        env: pipEnvironment(deps.env ?? process.env),
      },
    );
    here = /^(\d+\.\d+)$/m.exec(probe.output)?.[1];
  } catch {
    return;
  }
  if (!here || here === wanted) return;
  const shown = marked.slice(0, 5).map((m) => `  - ${m}`);
  if (marked.length > 5) shown.push(`  - and ${marked.length - 5} more`);
  deps.logger.warning(
    [
      `pip ran on Python ${here} (${deps.python}), not on ${options.runtime}'s Python ${wanted}, and this pip decides requirements conditioned on the Python version with the Python that runs it (lambda-deploy could not make it decide them for Lambda: ${deps.why}): a dependency Lambda's Python ${wanted} needs may be missing from the package (or one it does not need added). Concerned:`,
      ...shown,
      deps.surface === 'terminal'
        ? `Install Python ${wanted} and set LAMBDA_DEPLOY_PYTHON to it.`
        : `Run actions/setup-python with python-version: '${wanted}' before this step (or set LAMBDA_DEPLOY_PYTHON to a Python ${wanted}).`,
    ].join('\n'),
  );
}

/** Removes __pycache__ folders and .pyc/.pyo files below `dir`. */
export async function stripBytecode(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === '__pycache__') await rm(path, { recursive: true, force: true });
        else await stripBytecode(path);
      } else if (/\.py[co]$/.test(e.name)) {
        await rm(path, { force: true });
      }
    }),
  );
}
