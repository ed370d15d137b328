/**
 * The folders of wheels pip installs from (`--find-links wheels/`, as the
 * README suggests for an offline install) that lie inside the function's
 * folder: pip copies what it needs into the package, and nothing reads the
 * folder at run time, so it is left out of the zip by default (file-filter.ts),
 * as dead weight that can push a package past Lambda's limits. Named in
 * pip-args, PIP_FIND_LINKS or pip's configuration files (read from the
 * working directory, as pip-install.ts hands them to pip), or in the
 * requirements file and those it includes (read as pip reads them: from the
 * file's folder when there, else from pip's). A URL, a file (an HTML page of
 * links), the function's folder itself or a folder outside it is not touched,
 * nor a folder holding anything but what pip reads or a person does (`--find-links
 * src`, `-f .` in a sub-package's requirements file): code or data there is
 * the function's own, and leaving it out would break it at run time.
 * Pure, but for reading the files and `isFolder`.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Inputs } from '../settings/names.js';
import { optionValues, parsePipArgs } from '../settings/pip-options.js';
import { inputName, type Surface } from '../settings/surface.js';
import { isInside, realPath } from './lock-paths.js';
import { configPathEntries } from './pip-config.js';
import { excludeSetting, includeSetting, literalPattern } from './exclude-setting.js';
import { lineTokens, requirementFiles, type RequirementFile } from './requirement-files.js';
import { filePath, pipFolder, URL_LIKE } from './requirement-paths.js';

/** The local path a --find-links value names (a `file:` URL's too), or undefined for another URL. */
const localPath = (value: string) => filePath(value) ?? (URL_LIKE.test(value) ? undefined : value);

const folderExists = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * What a folder of downloads holds: distributions, pip's link pages, requirement and checksum
 * lists, notes for people. An archive counts only when named as a distribution (name-version):
 * `data.zip`, `words.txt` or `prompt.md` beside the wheels is the function's own, read at run time.
 */
const DOWNLOAD = new RegExp(
  [
    /\.(whl|egg|html?|sha256|sha512|md5|asc|sig)$/,
    /^[a-z0-9][\w.+-]*-v?\d[\w.+!-]*\.(tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar|zip)$/,
    /^(requirements|constraints)[\w.-]*\.(txt|in)$/,
    /^((sha\d+|md5)sums|checksums?)(\.txt)?$/,
    /^(readme|license|licence|notice|copying|changelog|authors)(\.|$)/,
    /^\./,
  ]
    .map((r) => r.source)
    .join('|'),
  'i',
);
/** Past this many entries a folder is not read through: kept, as a folder that size is not only wheels we can be sure of. */
const MOST_ENTRIES = 5000;

/** Whether every file under `dir` (at any depth, links followed) is a download pip or a person reads, none the code needs. */
export function holdsOnlyDownloads(dir: string): boolean {
  const pending = [dir];
  let seen = 0;
  while (pending.length) {
    const folder = pending.pop()!;
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return false;
    }
    for (const name of names) {
      if ((seen += 1) > MOST_ENTRIES) return false;
      const full = join(folder, name);
      let isDir: boolean;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        continue; // a broken link: nothing the package could read
      }
      if (isDir) pending.push(full);
      else if (!DOWNLOAD.test(name)) return false;
    }
  }
  return true;
}

/** Where pip finds a requirements file's --find-links value: beside the file when that is there, else from pip's folder (req_file.py). */
function fileLinks(
  { file, text }: RequirementFile,
  pipCwd: string,
  isFolder: (p: string) => boolean,
): string[] {
  return text.split(/\r?\n/).flatMap((raw) => {
    const tokens = lineTokens(raw);
    if (!tokens[0]?.startsWith('-')) return [];
    return parsePipArgs(tokens)
      .options.filter((o) => o.value && o.names.includes('--find-links'))
      .flatMap((o) => {
        const beside = resolve(dirname(file), o.value!);
        const path = isFolder(beside) ? beside : localPath(o.value!);
        return path === undefined ? [] : [resolve(pipCwd, path)];
      });
  });
}

/** The requirements files pip reads (none when unreadable or in a circle: pip install says why). */
function readRequirements(file: string | undefined, env: NodeJS.ProcessEnv): RequirementFile[] {
  if (!file) return [];
  try {
    return requirementFiles(file, undefined, env);
  } catch {
    return [];
  }
}

export interface FindLinksSources {
  /** The function's folder. */
  path: string;
  pipArgs?: readonly string[];
  /** The requirements file, absolute. */
  requirements?: string;
  /** The step's environment (PIP_FIND_LINKS, PIP_CONFIG_FILE...). */
  env: NodeJS.ProcessEnv;
  /** The step's working directory, which pip-args and pip's environment are read from. */
  workingDir: string;
  isFolder?: (path: string) => boolean;
  /** Whether a folder holds only what pip or a person reads (holdsOnlyDownloads). */
  onlyDownloads?: (path: string) => boolean;
}

/** The --find-links folders inside `path` (not `path` itself) holding only downloads: relative, forward slashes, sorted. */
export function findLinksFolders({
  path,
  pipArgs = [],
  requirements,
  env,
  workingDir,
  isFolder = folderExists,
  onlyDownloads = holdsOnlyDownloads,
}: FindLinksSources): string[] {
  const files = readRequirements(requirements, env);
  const folder = files.length ? pipFolder(files, workingDir) : {};
  const pipCwd = ('cwd' in folder && folder.cwd) || workingDir;
  const fromStep = [
    ...optionValues(pipArgs, '--find-links'),
    // The step's variable over its configuration files' entry, as pip reads them.
    ...({ ...configPathEntries(env), ...env }.PIP_FIND_LINKS ?? '').trim().split(/\s+/),
  ].flatMap((v) => {
    const local = v ? localPath(v) : undefined;
    return local === undefined ? [] : [resolve(workingDir, local)];
  });
  const top = realPath(path);
  const found = new Set<string>();
  for (const link of [...fromStep, ...files.flatMap((f) => fileLinks(f, pipCwd, isFolder))]) {
    const real = realPath(link);
    if (!isFolder(link) || !isInside(top, real)) continue;
    const rel = relative(top, real).split(sep).join('/');
    if (rel && onlyDownloads(real)) found.add(rel);
  }
  return [...found].sort();
}

/** What DOWNLOAD lets a folder left out hold, for the note: whatever beside the wheels goes with them. */
const HELD = 'wheels, sdists, link pages, requirement and checksum lists, notes and dotfiles only';

/** The build log's line: which folders were left out, why, and how to keep them. */
export function findLinksNote(
  folders: readonly string[],
  include: readonly string[],
  exclude: readonly string[],
  surface: Surface = 'action',
): string {
  const one = folders.length === 1;
  const [it, them] = one ? ['it', 'folder'] : ['them', 'folders'];
  const shown = folders.map((f) => `${f}/`);
  const patterns = folders.map(literalPattern);
  // With include set, a `!` in exclude alone keeps nothing include leaves out: include then.
  const keep = include.length
    ? `by naming ${it} in ${inputName(surface, Inputs.Include)} (${includeSetting(
        include,
        patterns.map((p) => `${p}/`),
        surface,
      )})`
    : `with ${excludeSetting(
        exclude,
        patterns.map((p) => `!${p}`),
        surface,
      )}`;
  return (
    `Left out ${shown.slice(0, -1).join(', ')}${one ? '' : ' and '}${shown.at(-1)!} (pip's --find-links ${them}: ${HELD}): ` +
    `pip installed from ${it}, and nothing reads ${it} at run time; package ${it} anyway ${keep}.`
  );
}
