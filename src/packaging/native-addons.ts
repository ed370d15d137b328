import { open, type FileHandle } from 'node:fs/promises';
import type { Architecture } from '../model/settings.js';
import { Inputs } from '../settings/names.js';
import { settingOf, type Surface } from '../settings/surface.js';
import {
  compareVersions,
  elfDependencies,
  glibcNeeded,
  libstdcxxNeeded,
  linksMusl,
  type ElfDependencies,
} from './elf-dependencies.js';
import { manylinuxImage } from './lambda-libraries.js';
import { glibcText, lambdaOs, type LambdaOs, type Libstdcxx } from './lambda-os.js';

/** What a compiled file's header says it runs on. */
export interface BinaryPlatform {
  os: 'Linux' | 'macOS' | 'Windows';
  /** uname-style: x86_64, aarch64, i386, arm, or `machine N` */
  machine: string;
  /** The file format, when the OS alone does not say it (Mach-O, PE). */
  format?: string;
}

/** ELF e_machine values (the System V ABI's list) of the processors one meets. */
const ELF_MACHINES: Record<number, string> = { 3: 'i386', 40: 'arm', 62: 'x86_64', 183: 'aarch64' };
/** Mach-O cputype values (mach/machine.h). */
const MACHO_CPUS: Record<number, string> = { 0x01000007: 'x86_64', 0x0100000c: 'arm64', 7: 'i386' };

/** Reads the platform from the first bytes of a compiled file; undefined for anything else. */
export function binaryPlatform(header: Uint8Array): BinaryPlatform | undefined {
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    // EI_DATA (byte 5) says the byte order of e_machine: 1 little-endian, 2 big-endian.
    const machine = bytes[5] === 2 ? bytes.readUInt16BE(18) : bytes.readUInt16LE(18);
    return { os: 'Linux', machine: ELF_MACHINES[machine] ?? `machine ${machine}` };
  }
  if (bytes.length >= 8) {
    const magic = bytes.readUInt32LE(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      const cpu = bytes.readUInt32LE(4);
      return { os: 'macOS', machine: MACHO_CPUS[cpu] ?? `cpu ${cpu}`, format: 'Mach-O' };
    }
    if (bytes.readUInt32BE(0) === 0xcafebabe) return { os: 'macOS', machine: 'universal', format: 'Mach-O' };
  }
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a)
    return { os: 'Windows', machine: 'unknown', format: 'PE' };
  return undefined;
}

/** The uname machine of a Lambda architecture. */
export function lambdaMachine(architecture: Architecture): string {
  return architecture === 'arm64' ? 'aarch64' : 'x86_64';
}

export function describePlatform(p: BinaryPlatform): string {
  return `${p.os} ${p.machine}${p.format ? ` (${p.format})` : ''}`;
}

/** node-gyp-build's folder of binaries per platform, which its loader picks among at run time. */
const PREBUILDS = /(^|\/)prebuilds\//;
/** An addon in prebuilds/<platform>-<arch>[+<arch>]/: the package's folder, the platform, the archs and the file. */
const PREBUILD = /^((?:.*\/)?)prebuilds\/([a-z0-9]+)-([^/]+)\/([^/]+\.node)$/;

/** A package whose prebuilds/ hold no addon Lambda's loader would pick, and the platforms they are for. */
export interface MissingPrebuild {
  /** The package's folder, `node_modules/bufferutil/`. */
  root: string;
  platforms: string[];
}

/**
 * Packages that ship addons only in prebuilds/ (node-gyp-build's layout)
 * and none for Lambda: none for linux-<arch> but musl ones (the loader asks
 * for glibc's on Lambda), and no build/Release/ addon of their own to fall
 * back to. Their require fails on Lambda ("No native build was found").
 */
export function missingPrebuilds(paths: readonly string[], architecture: Architecture): MissingPrebuild[] {
  const cpu = architecture === 'arm64' ? 'arm64' : 'x64';
  const found = new Map<string, { platforms: Set<string>; lambda: boolean }>();
  for (const path of paths) {
    const m = PREBUILD.exec(path);
    if (!m) continue;
    const [, root = '', platform = '', archs = '', name = ''] = m;
    const entry = found.get(root) ?? { platforms: new Set<string>(), lambda: false };
    found.set(root, entry);
    entry.platforms.add(`${platform}-${archs}`);
    // node-gyp-build's tags are dot-separated in the name: node.napi.musl.node is for Alpine only.
    if (platform === 'linux' && archs.split('+').includes(cpu) && !name.split('.').includes('musl'))
      entry.lambda = true;
  }
  const built = (root: string) => paths.some((p) => p.startsWith(`${root}build/`) && p.endsWith('.node'));
  return [...found]
    .filter(([root, entry]) => !entry.lambda && !built(root))
    .map(([root, entry]) => ({ root, platforms: [...entry.platforms].sort() }));
}

/**
 * A Node.js addon Lambda could load: not one node-gyp-build's loader picks
 * among per platform (`prebuilds/<platform>-<arch>/`), and not for another OS
 * or processor. Files whose header is unknown are left alone.
 */
export function foreignAddon(
  path: string,
  header: Uint8Array,
  architecture: Architecture,
): Foreign | undefined {
  if (!path.endsWith('.node') || PREBUILDS.test(path)) return undefined;
  const platform = binaryPlatform(header);
  if (!platform) return undefined;
  return platform.os === 'Linux' && platform.machine === lambdaMachine(architecture)
    ? undefined
    : { path, platform };
}

async function readHeader(file: FileHandle): Promise<Buffer> {
  const header = Buffer.alloc(64);
  const { bytesRead } = await file.read(header, 0, 64, 0);
  return header.subarray(0, bytesRead);
}

/** Reads only the pieces of the file the ELF parser asks for. */
function readerOf(file: FileHandle): (offset: number, length: number) => Promise<Buffer> {
  return async (offset, length) => {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await file.read(bytes, 0, length, offset);
    return bytes.subarray(0, bytesRead);
  };
}

/** A CPython extension module's name: `m.cpython-312-x86_64-linux-gnu.so`, `m.cpython-312-darwin.so`, `m.abi3.so`. */
const EXTENSION = /\.(?:cpython-(\d)(\d+)[^./]*|abi3)\.so$/;

/**
 * A Python extension module Lambda's runtime could not import: built for
 * another OS or processor, or for another CPython (3.11's module is not even
 * looked at by 3.12). Other .so files (helpers loaded by name, for several
 * processors, like debugpy's) are left alone.
 */
export function foreignExtension(
  path: string,
  header: Uint8Array,
  architecture: Architecture,
  pythonVersion: string,
): Foreign | undefined {
  const name = EXTENSION.exec(path);
  const platform = name ? binaryPlatform(header) : undefined;
  if (!name || !platform) return undefined;
  const python = name[1] ? `${name[1]}.${name[2]}` : undefined;
  const wrongPython = python !== undefined && python !== pythonVersion;
  const wrongPlatform = platform.os !== 'Linux' || platform.machine !== lambdaMachine(architecture);
  return wrongPython || wrongPlatform ? { path, platform, ...(wrongPython && { python }) } : undefined;
}

/** A compiled file Lambda cannot load, and what it is built for. */
export interface Foreign {
  path: string;
  platform: BinaryPlatform;
  /** The CPython a Python module is for, when not the runtime's. */
  python?: string;
}

/** Compiled code for Lambda's processor that Lambda's Linux still cannot load. */
export type Unloadable =
  | { path: string; musl: true }
  /** The newest glibc it needs (newer than the runtime's), and the version name that says so. */
  | { path: string; musl?: undefined; glibc: readonly [number, number]; version: string }
  /** The newest libstdc++ version it needs (newer than the runtime's), e.g. GLIBCXX_3.4.32. */
  | { path: string; musl?: undefined; glibc?: undefined; version: string };

/**
 * Whether code for Lambda's processor was built for another Linux than the
 * runtime's: against musl (Alpine), or a newer glibc or libstdc++
 * (ubuntu-latest's) than its Amazon Linux has. Unknown dependencies (a
 * malformed file) are never a reason to refuse.
 */
export function unloadable(
  path: string,
  deps: ElfDependencies | undefined,
  os: LambdaOs,
): Unloadable | undefined {
  if (!deps) return undefined;
  if (linksMusl(deps)) return { path, musl: true };
  const needed = glibcNeeded(deps);
  if (needed && compareVersions(needed.glibc, os.glibc) > 0) return { path, ...needed };
  // Past the newest libstdc++ the runtime's Amazon Linux may have: refused.
  const ceiling = os.libstdcxx && (os.libstdcxx.updated ?? os.libstdcxx).levels;
  const cxx = ceiling && libstdcxxNeeded(deps).find((n) => n.level > ceiling[n.series]);
  return cxx ? { path, version: cxx.version } : undefined;
}

/** A compiled file needing a libstdc++ version the runtime has only once its Amazon Linux is updated. */
export interface NewerCxx {
  path: string;
  /** The newest version it needs past the original libstdc++, e.g. GLIBCXX_3.4.32. */
  version: string;
}

/**
 * Whether code Lambda may load needs more of libstdc++ than the runtime's
 * Amazon Linux first came with, but no more than its updated releases have
 * (see LambdaOs): it loads or not by the runtime image's release.
 */
export function newerCxx(
  path: string,
  deps: ElfDependencies | undefined,
  os: LambdaOs,
): NewerCxx | undefined {
  const levels = os.libstdcxx?.updated && os.libstdcxx.levels;
  const cxx = deps && levels && libstdcxxNeeded(deps).find((n) => n.level > levels[n.series]);
  return cxx ? { path, version: cxx.version } : undefined;
}

/** Shared libraries (`libvips-cpp.so.42`, auditwheel's `numpy.libs/libgfortran-….so.5.0.0`) that modules load. */
const LIBRARY = /\.so(?:\.\d+)*$/;

/** A module the runtime loads by require/import: a Node.js addon, or a CPython extension module. */
const isModule = (path: string, python: string | undefined): boolean =>
  (python ? EXTENSION : /\.node$/).test(path);

/**
 * An executable the package may run (an execute bit, and no name of a
 * script or data file): only its linked libraries are judged.
 */
const isProgram = (f: { path: string; executable?: boolean }): boolean =>
  f.executable === true &&
  !/\.(?:[cm]?[jt]sx?|py|sh|json|md|txt|html?|css|map|d\.ts)$|(?:^|\/)\.bin\//i.test(f.path);

/** What one candidate file is: for another platform, unloadable, or a glibc build Lambda can load (and the libraries it links). */
interface Inspected {
  foreign?: Foreign;
  unloadable?: Unloadable;
  loadable?: true;
  needed?: readonly string[];
  newerCxx?: NewerCxx;
}

/** Reads what one candidate file is built for, and (when it is for Lambda's platform) what it needs. */
async function inspect(
  f: { path: string; absPath: string; executable?: boolean },
  options: { runtime: string; architecture: Architecture },
  python: string | undefined,
  bundled: { libstdcxx: boolean },
): Promise<Inspected> {
  const file = await open(f.absPath, 'r');
  try {
    const header = await readHeader(file);
    const module = isModule(f.path, python);
    // An executable's header alone tells whether it is for Lambda; its glibc needs are not judged.
    if (!module && !LIBRARY.test(f.path)) {
      const platform = binaryPlatform(header);
      if (platform?.os !== 'Linux' || platform.machine !== lambdaMachine(options.architecture)) return {};
      const deps = await elfDependencies(readerOf(file));
      return deps && !linksMusl(deps) ? { needed: deps.needed } : {};
    }
    const library = !module;
    const foreign = python
      ? foreignExtension(f.path, header, options.architecture, python)
      : foreignAddon(f.path, header, options.architecture);
    const platform = binaryPlatform(header);
    // Like foreignAddon: prebuilds/ are the loader's to choose among. A library for another
    // platform is one a loader picks by name (debugpy's), or comes with a module that is refused.
    if (foreign || platform?.os !== 'Linux' || PREBUILDS.test(f.path)) return foreign ? { foreign } : {};
    if (library && platform.machine !== lambdaMachine(options.architecture)) return {};
    const os = lambdaOs(options.runtime);
    // A libstdc++ the package bundles (found through the addon's RPATH) stands in for the system's.
    const system = bundled.libstdcxx ? { name: os.name, glibc: os.glibc } : os;
    const deps = await elfDependencies(readerOf(file));
    const found = unloadable(f.path, deps, system);
    // A musl library (sharp-libvips-linuxmusl's) is loaded only by a musl module, judged itself.
    if (found && !(library && found.musl)) return { unloadable: found };
    if (found?.musl) return { loadable: true };
    const newer = newerCxx(f.path, deps, system);
    return { loadable: true, ...(deps && { needed: deps.needed }), ...(newer && { newerCxx: newer }) };
  } finally {
    await file.close();
  }
}

/** A path with its libc named nowhere: sharp-linuxmusl-x64 and sharp-linux-x64, or core-linux-x64-musl and -gnu, meet. */
const libcFree = (path: string): string => path.replace(/musl|glibc|gnu/gi, '');

/**
 * A path with its platform named nowhere: oracledb's addons, one per
 * platform by name (build/Release/oracledb-6.5.1-darwin-arm64.node and
 * -linux-arm64.node), meet; its loader requires the one for the platform it runs on.
 */
const platformFree = (path: string): string =>
  path.replace(/(?:darwin|win32|linux|freebsd|openbsd|sunos|aix)-(?:x64|arm64|ia32|arm|ppc64|s390x)/g, '*');

/** A compiled file for Lambda's platform, and the libraries it links (DT_NEEDED). */
export interface LinkedFile {
  path: string;
  needed: readonly string[];
}

type Candidate = { path: string; absPath: string; executable?: boolean };
type Target = { runtime: string; architecture: Architecture };

/** Every candidate among `files` inspected: what is refused, what Lambda loads, and what those link. */
async function inspectAll(files: readonly Candidate[], options: Target, python: string | undefined) {
  const foreign: Foreign[] = [];
  const wrongLinux: Unloadable[] = [];
  const loadable = new Set<string>();
  const linked: LinkedFile[] = [];
  const newer: NewerCxx[] = [];
  const bundled = { libstdcxx: files.some((f) => /(^|\/)libstdc\+\+\.so\.6(\.|$)/.test(f.path)) };
  const candidates = files.filter((f) => isModule(f.path, python) || LIBRARY.test(f.path) || isProgram(f));
  for (const f of candidates) {
    const found = await inspect(f, options, python, bundled);
    if (found.foreign) foreign.push(found.foreign);
    if (found.unloadable) wrongLinux.push(found.unloadable);
    if (found.loadable) loadable.add(libcFree(f.path));
    if (found.needed?.length) linked.push({ path: f.path, needed: found.needed });
    if (found.newerCxx) newer.push(found.newerCxx);
  }
  return { foreign, wrongLinux, loadable, linked, newerCxx: newer };
}

const pythonOf = (runtime: string) => /^python(3\.\d+)$/.exec(runtime)?.[1];

/** A compiled file needing a newer glibc or libstdc++ than the runtime's Amazon Linux has. */
export type TooNew = Exclude<Unloadable, { musl: true }>;
/** A compiled file linked against musl. */
export type Musl = Extract<Unloadable, { musl: true }>;

/**
 * What the compiled files for Lambda's platform among the requirements pip
 * installed need: the libraries they link, and those needing a newer glibc
 * or libstdc++ than the runtime's (built from source on the runner, or a
 * wheel labeled manylinux but built on a newer Linux). Their platform pip
 * already judged by their wheels' tags (see pip-install.ts).
 */
export async function installedNeeds(
  files: readonly Candidate[],
  options: Target,
): Promise<{ linked: LinkedFile[]; tooNew: TooNew[]; musl: Musl[]; newerCxx: NewerCxx[] }> {
  const { linked, wrongLinux, newerCxx } = await inspectAll(files, options, pythonOf(options.runtime));
  return {
    linked,
    tooNew: wrongLinux.filter((u): u is TooNew => !u.musl),
    // A musllinux wheel: pip installs one only when pip-args names a musllinux platform.
    musl: wrongLinux.filter((u): u is Musl => u.musl === true),
    newerCxx,
  };
}

/**
 * The names of the libraries among the function's files (all it gets: zip,
 * dependencies layer, slim archive), for missingLibraries: by file name
 * anywhere, looser than the loader's search (RPATH $ORIGIN, auditwheel's
 * `<package>.libs/`, LD_LIBRARY_PATH), so a library there is never reported.
 */
export function packagedNames(files: readonly { path: string }[]): Set<string> {
  return new Set(files.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)));
}

/**
 * Fails when the function's files hold compiled code Lambda cannot load: a
 * Node.js addon in node_modules (npm builds or downloads it for the machine
 * it runs on), or a Python module vendored into the folder (pip install -t
 * on a Mac or the runner), built for another platform, against musl, or
 * against a newer glibc or libstdc++ than the runtime's Amazon Linux has; or
 * a shared library of either, for Lambda's processor, needing a newer glibc
 * or libstdc++. Each fails at `require`/`import` on Lambda. Only the
 * headers and the dynamic linking records of each such file are read.
 *
 * Returns the libraries those files (and the package's executables for
 * Lambda's processor) link: the caller judges them with everything the
 * function gets (missingLibraries), and warns (a layer may provide them);
 * and the files needing a libstdc++ the runtime may or may not have, for
 * the caller to warn of (newerCxxMessage).
 */
export async function checkNativeFiles(
  files: readonly Candidate[],
  options: Target,
  surface?: Surface,
): Promise<{ linked: LinkedFile[]; newerCxx: NewerCxx[] }> {
  const python = pythonOf(options.runtime);
  const { foreign, wrongLinux, loadable, linked, newerCxx } = await inspectAll(files, options, python);
  const all = { ...options, ...(surface && { surface }) };
  // Addons named for their platform next to one Lambda loads: the package's loader picks by name.
  if (!python) {
    const lambda = new Set([...loadable].filter((p) => p.endsWith('.node')).map(platformFree));
    foreign.splice(0, foreign.length, ...foreign.filter((f) => !lambda.has(platformFree(libcFree(f.path)))));
  }
  if (foreign.length)
    throw new Error(python ? foreignModuleMessage(foreign, all, python) : foreignAddonMessage(foreign, all));
  const missing = python
    ? []
    : missingPrebuilds(
        files.map((f) => f.path),
        options.architecture,
      );
  if (missing.length) throw new Error(missingPrebuildMessage(missing, all));
  // A package's musl variant next to its glibc one: its loader picks by libc, as from prebuilds/.
  const refused = wrongLinux.filter(
    (u) => !(u.musl && !python && /musl/i.test(u.path) && loadable.has(libcFree(u.path))),
  );
  if (refused.length) throw new Error(wrongLinuxMessage(refused, all, python));
  return { linked, newerCxx };
}

function missingPrebuildMessage(
  missing: readonly MissingPrebuild[],
  options: { runtime: string; architecture: Architecture },
): string {
  const [first, ...others] = missing as [MissingPrebuild, ...MissingPrebuild[]];
  const cpu = options.architecture === 'arm64' ? 'arm64' : 'x64';
  const version = /^nodejs(\d+)/.exec(options.runtime)?.[1] ?? '22';
  const also = others.length ? ` Likewise: ${others.map((o) => `${o.root}prebuilds`).join(', ')}.` : '';
  return [
    `${first.root}prebuilds holds native addons only for ${first.platforms.join(', ')}, and the package has no build/Release addon: on Lambda (linux-${cpu}, glibc) its loader finds none and require fails ("No native build was found for platform=linux arch=${cpu}").${also}`,
    'What to do:',
    `  - use a version of the package that publishes a linux-${cpu} prebuild;`,
    `  - or build its addon for Lambda: run npm ci in public.ecr.aws/lambda/nodejs:${version}${options.architecture === 'arm64' ? ' on an arm64 runner (ubuntu-24.04-arm)' : ''}: its install compiles the addon into build/Release when no prebuild fits.`,
  ].join('\n');
}

function needs(u: Unloadable): string {
  if (u.musl) return 'musl';
  return u.glibc ? `glibc ${glibcText(u.glibc)}` : `libstdc++ ${u.version}`;
}

/** What the first file needs that Lambda lacks, what Lambda has, and how such a file comes about. */
function shortfall(u: Unloadable, os: LambdaOs): { what: string; lambda: string; cause: string } {
  const glibc = `glibc ${glibcText(os.glibc)}`;
  if (u.musl)
    return {
      what: 'is linked against musl (Alpine Linux)',
      lambda: glibc,
      cause: `It was built on Alpine Linux (a *-alpine image), whose C library is musl; Lambda's is glibc.`,
    };
  if (u.glibc)
    return {
      what: `needs glibc ${glibcText(u.glibc)} (${u.version})`,
      lambda: glibc,
      cause: `It was compiled on a newer Linux than Lambda's (ubuntu-latest, Ubuntu 24.04, has glibc 2.39).`,
    };
  return {
    what: `needs libstdc++ ${u.version}`,
    lambda: libstdcxxText(os.libstdcxx!, (l) => ` (${l})`),
    // ubuntu-latest's GCC 13 is past Amazon Linux 2's GCC 7, but within Amazon Linux 2023's updated GCC 14.
    cause: `It is C++ compiled with a newer GCC than Lambda's${os.libstdcxx?.updated ? '' : ' (ubuntu-latest, Ubuntu 24.04, has GCC 13)'}.`,
  };
}

const levelsText = ({ levels }: Libstdcxx) =>
  `up to GLIBCXX_3.4.${levels.GLIBCXX} and CXXABI_1.3.${levels.CXXABI}`;

/** "the libstdc++ of GCC 11 (up to …), or of GCC 14 in its releases since April 2025 (up to …)", the levels put by `put`. */
function libstdcxxText(cxx: NonNullable<LambdaOs['libstdcxx']>, put: (levels: string) => string): string {
  const updated = cxx.updated
    ? `, or of GCC ${cxx.updated.gcc} in its releases since April 2025${put(levelsText(cxx.updated))}`
    : '';
  return `the libstdc++ of GCC ${cxx.gcc}${put(levelsText(cxx))}${updated}`;
}

/**
 * One warning for the files needing a libstdc++ the runtime's Amazon Linux
 * has only in its updated releases: whether Lambda loads them depends on the
 * release its runtime image is built from, which this build cannot see.
 */
export function newerCxxMessage(found: readonly NewerCxx[], runtime: string): string {
  const os = lambdaOs(runtime);
  const cxx = os.libstdcxx!;
  const [first, ...others] = found as [NewerCxx, ...NewerCxx[]];
  const shown = others.slice(0, 5).map((o) => `${o.path}, ${o.version}`);
  if (others.length > 5) shown.push(`and ${others.length - 5} more`);
  const python = pythonOf(runtime);
  const image = python
    ? `public.ecr.aws/lambda/python:${python}`
    : `public.ecr.aws/lambda/nodejs:${/^nodejs(\d+)/.exec(runtime)?.[1] ?? '22'}`;
  return [
    `${first.path} needs libstdc++ ${first.version}${shown.length ? ` (also: ${shown.join('; ')})` : ''}, newer than the libstdc++ of GCC ${cxx.gcc} (${levelsText(cxx)}) that ${runtime}'s ${os.name} first came with.`,
    `Its releases since April 2025 carry GCC ${cxx.updated!.gcc}'s (${levelsText(cxx.updated!)}): Lambda ${python ? 'imports' : 'loads'} it only if the runtime's image has that update, else it fails ("version \`${first.version}' not found").`,
    `To be sure of it, build it with GCC ${cxx.gcc} or older: ${python ? 'install a manylinux wheel of the package from the requirements file, or build it' : 'run npm ci'} in ${image}.`,
  ].join(' ');
}

function wrongLinuxMessage(
  found: readonly Unloadable[],
  options: { runtime: string; architecture: Architecture },
  python: string | undefined,
): string {
  const [first, ...others] = found as [Unloadable, ...Unloadable[]];
  const os = lambdaOs(options.runtime);
  const shown = others.slice(0, 5).map((o) => `${o.path} (${needs(o)})`);
  if (others.length > 5) shown.push(`and ${others.length - 5} more`);
  const image = python
    ? `public.ecr.aws/lambda/python:${python}`
    : `public.ecr.aws/lambda/nodejs:${/^nodejs(\d+)/.exec(options.runtime)?.[1] ?? '22'}`;
  const onArm = options.architecture === 'arm64' ? ' on an arm64 runner (ubuntu-24.04-arm)' : '';
  const { what, lambda, cause } = shortfall(first, os);
  const cxx = !first.musl && !first.glibc;
  // What an older build environment must have: glibc, or for C++ also GCC, no newer than Lambda's.
  const older = cxx ? `GCC ${os.libstdcxx!.gcc} or older` : `glibc ${glibcText(os.glibc)} or older`;
  const symptom = first.musl ? '' : ` ("version \`${first.version}' not found")`;
  return [
    `${first.path} ${what}, but ${options.runtime} runs on ${os.name} with ${lambda}: Lambda cannot ${python && EXTENSION.test(first.path) ? 'import' : 'load'} it${symptom}.${shown.length ? ` Likewise: ${shown.join(', ')}.` : ''}`,
    cause,
    'What to do:',
    ...(python
      ? [
          `  - list the package in the requirements file instead, and leave its files out of the folder: lambda-deploy installs a wheel built for manylinux_2_${os.glibc[1]} or older${cxx ? ', whose C++ needs Lambda meets' : ''};`,
          `  - or build it in ${image}${onArm}, Lambda's own Linux.`,
        ]
      : [
          `  - run npm ci in ${image}${onArm}, Lambda's own Linux, or in a ${first.musl ? 'glibc-based (not Alpine) ' : ''}container with ${older};`,
          `  - or use the package's prebuilt binary for Linux with ${older}, when it publishes one, rather than compiling it.`,
        ]),
  ].join('\n');
}

/** Files listed in installedTooNewMessage; the rest are counted. */
const LISTED = 5;

/**
 * All the compiled files pip installed that need a newer glibc or
 * libstdc++ than the runtime's, in one message: up to five listed, with the
 * distribution each came from when its RECORD says, then what to do for
 * requirements. Each fails at import on Lambda, whatever layers provide.
 */
export function installedTooNewMessage(
  found: readonly (TooNew & { distribution?: string })[],
  options: Target & { surface?: Surface },
): string {
  const os = lambdaOs(options.runtime);
  const machine = lambdaMachine(options.architecture);
  const python = pythonOf(options.runtime) ?? '3';
  const pipArgs = (value: string) => settingOf(options.surface ?? 'action', Inputs.PipArgs, value);
  const glibc = found.some((f) => f.glibc);
  const cxx = found.some((f) => !f.glibc);
  const what = [...(glibc ? ['glibc'] : []), ...(cxx ? ['libstdc++'] : [])].join(' or ');
  const limits = os.libstdcxx
    ? `glibc ${glibcText(os.glibc)}, and ${libstdcxxText(os.libstdcxx, (l) => `: ${l}`)}`
    : `glibc ${glibcText(os.glibc)}`;
  const listed = found
    .slice(0, LISTED)
    .map(
      (f) =>
        `  - ${f.path}${f.distribution ? ` (from ${f.distribution})` : ''} needs ${needs(f)}${f.glibc ? ` (${f.version})` : ''}`,
    );
  if (found.length > LISTED) listed.push(`  - and ${found.length - LISTED} more`);
  const names = [...new Set(found.flatMap((f) => f.distribution?.split(' ')[0] ?? []))];
  const onArm = options.architecture === 'arm64' ? ' on an arm64 machine' : '';
  const here =
    options.surface === 'terminal'
      ? 'this machine'
      : 'the runner (ubuntu-latest, Ubuntu 24.04, has glibc 2.39 and GCC 13)';
  return [
    `Compiled code pip installed from the requirements needs a newer ${what} than ${options.runtime}'s ${os.name} has (${limits}): Lambda cannot import it ("version \`${found[0]!.version}' not found").`,
    ...listed,
    `It was built on a newer Linux than Lambda's: from source on ${here}, or it is a wheel labeled manylinux but built elsewhere (from --find-links or a private index).`,
    'What to do:',
    `  - require ${names.length ? names.join(', ') : 'the package'} by name and version, so pip installs a manylinux wheel for manylinux_2_${os.glibc[1]} or older from the index (or the package's -binary variant, like psycopg2-binary), not by path or URL, and without ${pipArgs(`--platform linux_${machine}`)}, which lets pip build it here;`,
    `  - or build the wheel in ${manylinuxImage(os, machine)} and repair it with auditwheel, which refuses a wheel needing more than its manylinux tag allows, or build it in public.ecr.aws/lambda/python:${python}${onArm}; then put it in a folder and set ${pipArgs('--find-links <folder>')}.`,
  ].join('\n');
}

/**
 * The Python modules pip installed from the requirements that are linked
 * against musl: wheels for musllinux, which pip installs only when pip-args
 * names such a platform (lambda-deploy asks for manylinux ones). Each fails
 * at import on Lambda, whose C library is glibc.
 */
export function installedMuslMessage(
  found: readonly (Musl & { distribution?: string })[],
  options: Target & { surface?: Surface },
): string {
  const os = lambdaOs(options.runtime);
  const named = (f: Musl & { distribution?: string }) =>
    `${f.path}${f.distribution ? ` (from ${f.distribution})` : ''}`;
  const [first, ...others] = found as [Musl & { distribution?: string }, ...typeof found];
  const shown = others.slice(0, 5).map(named);
  if (others.length > 5) shown.push(`and ${others.length - 5} more`);
  const pipArgs = (value: string) => settingOf(options.surface ?? 'action', Inputs.PipArgs, value);
  return [
    `${named(first)}, installed from the requirements, is linked against musl (a musllinux wheel), but ${options.runtime} runs on ${os.name} with glibc ${glibcText(os.glibc)}: Lambda cannot import it.${shown.length ? ` Likewise: ${shown.join(', ')}.` : ''}`,
    'What to do:',
    `  - leave musllinux platforms out of ${pipArgs('--platform …')}: without one, lambda-deploy installs manylinux wheels for manylinux_2_${os.glibc[1]} or older, which Lambda loads.`,
  ].join('\n');
}

/** The first of `foreign`, and the others listed (up to 5). */
function firstAndOthers(foreign: readonly Foreign[]): { first: Foreign; also: string } {
  const [first, ...others] = foreign as [Foreign, ...Foreign[]];
  const shown = others
    .slice(0, 5)
    .map((o) => `${o.path} (${describePlatform(o.platform)}${o.python ? `, CPython ${o.python}` : ''})`);
  if (others.length > 5) shown.push(`and ${others.length - 5} more`);
  return { first, also: shown.length ? ` So are: ${shown.join(', ')}.` : '' };
}

function foreignModuleMessage(
  foreign: readonly Foreign[],
  options: { runtime: string; architecture: Architecture; surface?: Surface },
  python: string,
): string {
  const { first, also } = firstAndOthers(foreign);
  const machine = lambdaMachine(options.architecture);
  const arch = settingOf(options.surface ?? 'action', Inputs.Architecture, options.architecture);
  return [
    `${first.path} is a compiled Python module for ${describePlatform(first.platform)}${first.python ? ` and CPython ${first.python}` : ''}, but the function runs on ${options.runtime} on Linux ${machine} (${arch}): Lambda cannot import it.${also}`,
    "A package installed into the function's folder on another machine (pip install -t on a Mac or the runner) is built for that machine.",
    'What to do:',
    `  - list the package in the requirements file instead, and leave its files out of the folder: lambda-deploy installs it for Lambda's platform;`,
    `  - or build it in public.ecr.aws/lambda/python:${python}${options.architecture === 'arm64' ? ' on an arm64 machine' : ''}.`,
  ].join('\n');
}

function foreignAddonMessage(
  foreign: readonly Foreign[],
  options: { runtime: string; architecture: Architecture; surface?: Surface },
): string {
  const { first, also } = firstAndOthers(foreign);
  const machine = lambdaMachine(options.architecture);
  const cpu = options.architecture === 'arm64' ? 'arm64' : 'x64';
  const version = /^nodejs(\d+)/.exec(options.runtime)?.[1] ?? '22';
  const other: Architecture = options.architecture === 'arm64' ? 'x86_64' : 'arm64';
  return [
    `${first.path} is a native addon for ${describePlatform(first.platform)}, but the function runs on Linux ${machine} (${settingOf(options.surface ?? 'action', Inputs.Architecture, options.architecture)}): Lambda cannot load it.${also}`,
    'npm builds or downloads a native addon for the machine it runs on, not for Lambda.',
    'What to do:',
    `  - install the dependencies for Lambda before packaging: npm ci --os=linux --cpu=${cpu} (npm 10.1 or newer; a package with prebuilt binaries per platform, like sharp, then installs the Linux ${cpu} one);`,
    `  - an addon compiled at install (node-gyp) must be built on Linux ${machine}: run npm ci in public.ecr.aws/lambda/nodejs:${version}${options.architecture === 'arm64' ? ' on an arm64 runner (ubuntu-24.04-arm)' : ''};`,
    ...(first.platform.os === 'Linux' && first.platform.machine === lambdaMachine(other)
      ? [
          `  - or run the function on ${other}, as the addon is: ${settingOf(options.surface ?? 'action', Inputs.Architecture, other)}.`,
        ]
      : []),
  ].join('\n');
}
