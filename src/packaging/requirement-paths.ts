/**
 * Relative local paths in a requirements file (`../../libs/common`, `-e
 * ./lib`) and the folder pip must run in to find them. pip reads such a path
 * from its current directory, not from the file's folder: run in a
 * monorepo's root (the runner's workspace), `services/orders/requirements.txt`
 * naming `../../libs/common` points above the repository, while the same file
 * works in that folder on a developer's machine. lambda-deploy runs pip in
 * the requirements file's folder when the paths are there (the way the file
 * was written and tried), and in the working directory when they are only
 * there (a file written for the workspace root, as before). Pure, but for
 * `exists`.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { parsePipArgs } from '../settings/pip-options.js';

export interface LocalPathRequirement {
  /** 1-based line of the requirements file. */
  line: number;
  /** The path as written (`../../libs/common`), without extras or markers. */
  path: string;
  editable: boolean;
}

/** A path pip resolves against its current directory: `.`, `..`, `./x`, `../x` (either slash). */
const RELATIVE_PATH = /^\.{1,2}(?:[\\/]|$)/;

/** The relative local paths a requirements file names, editable (`-e PATH`) or not. */
export function localPathRequirements(text: string): LocalPathRequirement[] {
  const found: LocalPathRequirement[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const tokens = raw
      .replace(/(^|\s)#.*$/, '')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    if (!tokens.length) continue;
    const editable = parsePipArgs(tokens).options.find((o) => o.names.includes('--editable'));
    const written = editable ? editable.value : tokens[0]!.startsWith('-') ? undefined : tokens[0];
    // `../lib[extra]`, `../lib; python_version < "3.13"`: the path is what comes before.
    const path = written?.split(/[[;]/)[0];
    if (path && RELATIVE_PATH.test(path)) found.push({ line: i + 1, path, editable: Boolean(editable) });
  }
  return found;
}

/** Where pip is to run for a requirements file, or why it cannot find a path the file names. */
export type PipFolder = { cwd?: string } | { missing: string };

/**
 * The folder pip runs in: the requirements file's folder when every relative
 * path it names exists from there, else the working directory when they all
 * exist from that (undefined: pip runs where it always did), else the
 * message naming the first path found in neither.
 */
export function pipFolder(
  requirementsFile: string,
  text: string,
  workingDir: string,
  exists: (path: string) => boolean = existsSync,
): PipFolder {
  const paths = localPathRequirements(text);
  if (!paths.length) return {};
  const fileDir = dirname(requirementsFile);
  const missingFrom = (dir: string) => paths.find((p) => !exists(resolve(dir, p.path)));
  const fromFile = missingFrom(fileDir);
  if (!fromFile) return { cwd: fileDir };
  if (!missingFrom(workingDir)) return {};
  return {
    missing: [
      `${basename(requirementsFile)} line ${fromFile.line}: ${fromFile.path} is no folder or file: looked for at ${resolve(fileDir, fromFile.path)} (from the requirements file's folder) and at ${resolve(workingDir, fromFile.path)} (from the working directory).`,
      `A relative path in ${requirementsFile} is read from its folder, as \`pip install -r ${basename(requirementsFile)}\` run there reads it: a shared library at the repository's root is, from services/orders/requirements.txt, ../../libs/common.`,
    ].join('\n'),
  };
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

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

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
  for (const { arg, at } of positional) if (RELATIVE_PATH.test(arg)) out[at] = resolve(from, arg);
  return out;
}
