/**
 * Relative local paths in a requirements file (`../../libs/common`, `-e
 * ./lib`) and the folder pip must run in to find them. pip reads such a path
 * from its current directory, not from the file's folder: run in a
 * monorepo's root (the runner's workspace), `services/orders/requirements.txt`
 * naming `../../libs/common` points above the repository, while the same file
 * works in that folder on a developer's machine. lambda-deploy runs pip in
 * the requirements file's folder when the paths are there (the way the file
 * was written and tried), and in the working directory when they are only
 * there (a file written for the workspace root, as before). The files it
 * includes (-r, -c) count too: pip reads their package paths from its
 * current directory as well (pypa/pip#8765). A path must stay inside the
 * repository, as a lockfile's must (lock-paths.ts). pip-args and pip's
 * environment (PIP_FIND_LINKS...) keep their meaning from the working
 * directory. Pure, but for `exists` and resolving links.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePipArgs } from '../settings/pip-options.js';
import { isInside, realPath } from './lock-paths.js';
import { lineTokens, type RequirementFile } from './requirement-files.js';

export interface LocalPathRequirement {
  /** 1-based line of the requirements file. */
  line: number;
  /** The path as written (`../../libs/common`, `/abs/lib`), without extras or markers; a `file:` URL's path. */
  path: string;
  editable: boolean;
}

/** A path pip resolves against its current directory: `.`, `..`, `./x`, `../x` (either slash). */
const RELATIVE_PATH = /^\.{1,2}(?:[\\/]|$)/;
/** Files pip installs from by path (pip's own list of archive endings). */
const ARCHIVE = /\.(?:whl|zip|tar\.gz|tgz|tar|tar\.bz2|tbz|tar\.xz|txz|tlz|tar\.lz|tar\.lzma)$/i;
export const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Whether pip reads `word` (a requirement or a pip-args positional) as a path: `./x`, `/x`, `libs/x`, `x.whl`. */
function looksLikePath(word: string): boolean {
  if (RELATIVE_PATH.test(word) || isAbsolute(word)) return true;
  return !URL_LIKE.test(word) && (/[\\/]/.test(word) || ARCHIVE.test(word));
}

/** %XX decoded as Python's unquote does: a sequence that is not UTF-8 stays as written. */
const unquote = (text: string) =>
  text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (encoded) => {
    try {
      return decodeURIComponent(encoded);
    } catch {
      return encoded;
    }
  });

/**
 * The path of a `file:` URL (`file:///x`, `file:./x`) as pip reads it, or of
 * a version control one on disk (`git+file:///x@v1`, its revision left out:
 * pip clones that folder), or undefined.
 */
export function filePath(url: string): string | undefined {
  const vcs = /^(?:git|hg|svn|bzr)\+(file:.*)$/i.exec(url);
  if (vcs) return filePath(vcs[1]!)?.replace(/@[^/\\]*$/, '');
  if (!/^file:/i.test(url)) return undefined;
  if (!/^file:\/\//i.test(url)) return unquote(url.slice(5));
  try {
    return fileURLToPath(url);
  } catch {
    // Node refuses an encoded slash (..%2f); pip decodes it (url2pathname), so it leads where pip goes.
    const local = /^file:\/\/(?:localhost)?(\/[^?#]*)/i.exec(url);
    return local ? unquote(local[1]!) : undefined;
  }
}

/**
 * The URL of `name[extras] @ URL` (PEP 508: white space around @ or not),
 * unless what comes before @ is no name: a path, or a URL with a revision
 * (`git+file:///x@main`).
 */
function namedUrl(line: string): string | undefined {
  const m = /^([^\s@[;]+)\s*(?:\[[^\]]*\]\s*)?@\s*(\S+)/.exec(line);
  return m && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(m[1]!) ? m[2] : undefined;
}

/**
 * The local paths a requirements file installs from, editable (`-e PATH`)
 * or not: relative, absolute, `file:` URLs (`git+file:` too) and `name @ file:...`.
 */
export function localPaths(text: string): LocalPathRequirement[] {
  const found: LocalPathRequirement[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const tokens = lineTokens(raw);
    if (!tokens.length) continue;
    const editable = parsePipArgs(tokens).options.find((o) => o.names.includes('--editable'));
    const option = tokens[0]!.startsWith('-');
    const url = editable || option ? undefined : namedUrl(tokens.join(' '));
    const written = editable ? editable.value : option ? undefined : (url ?? tokens[0]);
    // `../lib[extra]`, `../lib; python_version < "3.13"`: the path is what comes before.
    const word = written?.split(/[[;#]/)[0];
    const path = word && (filePath(word) ?? (looksLikePath(word) && !url ? word : undefined));
    if (path) found.push({ line: i + 1, path, editable: Boolean(editable) });
  }
  return found;
}

/** The relative local paths a requirements file names, editable (`-e PATH`) or not. */
export function localPathRequirements(text: string): LocalPathRequirement[] {
  return localPaths(text).filter((p) => !isAbsolute(p.path));
}

/** A relative path named in one of the requirements files. */
interface NamedPath extends LocalPathRequirement {
  file: string;
}

const namedPaths = (files: readonly RequirementFile[], select: (text: string) => LocalPathRequirement[]) =>
  files.flatMap(({ file, text }) => select(text).map((p): NamedPath => ({ ...p, file })));

/** Where pip is to run for a requirements file, or why it cannot find a path the file names. */
export type PipFolder = { cwd?: string } | { missing: string };

/**
 * The folder pip runs in: the requirements file's folder when every relative
 * path it and the files it includes name exists from there, else the
 * working directory when they all exist from that (undefined: pip runs
 * where it always did), else the message naming the first path found in
 * neither. pip reads a package path in an included file from its current
 * directory too, not from that file's folder (pypa/pip#8765).
 */
export function pipFolder(
  files: readonly RequirementFile[],
  workingDir: string,
  exists: (path: string) => boolean = existsSync,
): PipFolder {
  const paths = namedPaths(files, localPathRequirements);
  if (!paths.length) return {};
  const requirementsFile = files[0]!.file;
  const fileDir = dirname(requirementsFile);
  const missingFrom = (dir: string) => paths.find((p) => !exists(resolve(dir, p.path)));
  const fromFile = missingFrom(fileDir);
  if (!fromFile) return { cwd: fileDir };
  if (!missingFrom(workingDir)) return {};
  const where = fromFile.file === requirementsFile ? basename(requirementsFile) : fromFile.file;
  return {
    missing: [
      `${where} line ${fromFile.line}: ${fromFile.path} is no folder or file: looked for at ${resolve(fileDir, fromFile.path)} (from the requirements file's folder) and at ${resolve(workingDir, fromFile.path)} (from the working directory).`,
      `A relative path in ${requirementsFile} is read from its folder, as \`pip install -r ${basename(requirementsFile)}\` run there reads it: a shared library at the repository's root is, from services/orders/requirements.txt, ../../libs/common.`,
      ...(fromFile.file === requirementsFile
        ? []
        : [
            `${fromFile.file} is included (-r, -c) by ${requirementsFile}: pip reads a path in an included file from the folder it runs in, not from the included file's folder (pypa/pip#8765), so write it relative to ${fileDir}.`,
          ]),
    ].join('\n'),
  };
}

/**
 * The first local path the requirements files install from that leads
 * outside `root` (the repository), links resolved, as a message naming the
 * file, the line and the form expected; undefined when all stay inside.
 * Relative paths are read from `cwd`, pip's folder.
 */
export function pathOutside(
  files: readonly RequirementFile[],
  cwd: string,
  root: string,
): string | undefined {
  const top = realPath(root);
  const outside = namedPaths(files, localPaths)
    .map((p) => ({ ...p, real: realPath(resolve(cwd, p.path)) }))
    .find((p) => !isInside(top, p.real));
  if (!outside) return undefined;
  return (
    `${outside.file} line ${outside.line}: ${outside.path} installs from ${outside.real}, outside the repository (${top}). ` +
    `lambda-deploy installs a local path from a requirements file only inside the repository: write it as a path relative to ${cwd} that stays inside ${top} (such as "../../libs/common" from services/orders).`
  );
}

/** pip install options whose value may be a local path (a URL is left as it is): an index may be a folder too. */
const PATH_OPTIONS = [
  '--find-links',
  '--index-url',
  '--extra-index-url',
  '--constraint',
  '--requirement',
  '--build-constraint',
  '--editable',
  '--cert',
  '--client-cert',
  '--src',
  '--cache-dir',
  '--log',
  '--report',
];

/**
 * The options among PATH_OPTIONS whose files decide what pip installs. A
 * folder of wheels or an index on disk (--find-links, --index-url) is left
 * out: it is an index, whose new releases no key covers (PyPI's neither).
 */
const INPUT_OPTIONS = ['--constraint', '--requirement', '--build-constraint', '--editable'];
const isLocal = (value: string) => !URL_LIKE.test(value) || /^file:/i.test(value);

/** Whether pip-args (or a requirements file's option line) name a local file pip installs from. */
export function localPathArgs(args: readonly string[]): boolean {
  const { options, positional } = parsePipArgs(args);
  return (
    options.some((o) => o.value && o.names.some((n) => INPUT_OPTIONS.includes(n)) && isLocal(o.value)) ||
    positional.some(({ arg }) => looksLikePath(arg) || /^file:/i.test(arg))
  );
}

/**
 * pip-args with their relative paths made absolute from `from`, so that pip
 * run in another folder reads them as the step's working directory did
 * (`--find-links wheels/`, `-c constraints.txt`, a `./pkg.whl` requirement).
 */
export function pipArgsFrom(args: readonly string[], from: string): string[] {
  const out = [...args];
  const absolute = (value: string) =>
    isAbsolute(value) || URL_LIKE.test(value) ? value : resolve(from, value);
  const { options, positional } = parsePipArgs(args);
  for (const option of options) {
    if (!option.value || !option.names.some((n) => PATH_OPTIONS.includes(n))) continue;
    if (option.count === 2) out[option.at + 1] = absolute(option.value);
    else out[option.at] = `${args[option.at]!.slice(0, -option.value.length)}${absolute(option.value)}`;
  }
  for (const { arg, at } of positional) if (looksLikePath(arg)) out[at] = absolute(arg);
  return out;
}

/** pip's environment forms of PATH_OPTIONS that take several values, separated by white space. */
const ENV_LISTS = [
  'PIP_FIND_LINKS',
  'PIP_CONSTRAINT',
  'PIP_REQUIREMENT',
  'PIP_BUILD_CONSTRAINT',
  'PIP_EXTRA_INDEX_URL',
  'PIP_EDITABLE',
];
/** ... and those that take one (a path may hold a space); PIP_CONFIG_FILE names pip's configuration file. */
const ENV_ONE = [
  'PIP_INDEX_URL',
  'PIP_CERT',
  'PIP_CLIENT_CERT',
  'PIP_SRC',
  'PIP_CACHE_DIR',
  'PIP_LOG',
  'PIP_REPORT',
  'PIP_CONFIG_FILE',
];

/** Whether pip's environment names a local file pip installs from (see INPUT_OPTIONS). */
export function localPathEnvironment(env: NodeJS.ProcessEnv): boolean {
  return ['PIP_CONSTRAINT', 'PIP_REQUIREMENT', 'PIP_BUILD_CONSTRAINT', 'PIP_EDITABLE'].some((name) =>
    (env[name] ?? '').trim().split(/\s+/).filter(Boolean).some(isLocal),
  );
}

/**
 * pip's environment with the relative paths of its path options
 * (`PIP_FIND_LINKS=wheels`, `PIP_CONSTRAINT=constraints.txt`) made absolute
 * from `from`, as pipArgsFrom does for pip-args: the step set them for its
 * working directory, and pip runs in the requirements file's folder.
 */
export function pipEnvironmentFrom(env: NodeJS.ProcessEnv, from: string): NodeJS.ProcessEnv {
  const out = { ...env };
  const absolute = (value: string) =>
    isAbsolute(value) || URL_LIKE.test(value) ? value : resolve(from, value);
  for (const name of ENV_LISTS) {
    const value = env[name];
    if (value?.trim()) out[name] = value.trim().split(/\s+/).map(absolute).join(' ');
  }
  for (const name of ENV_ONE) {
    const value = env[name];
    if (value?.trim()) out[name] = absolute(value);
  }
  return out;
}
