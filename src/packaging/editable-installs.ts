/**
 * Editable installs (`-e PATH` in the requirements) in a finished pip install.
 * pip installs a link, not the code: a `.pth` file and a finder that load the
 * project from its folder on this machine. Lambda never reads `.pth` files in
 * the function's folder, and that folder is not there anyway, so the
 * project's modules fail to import on Lambda (and under `serve`, which runs
 * the package as Lambda does). Only the function's folder itself (`-e .`) is
 * left alone: its modules are the package's own files, at its root. A
 * project in a subfolder (`-e ./lib`) is packaged under that subfolder,
 * where Lambda's imports do not look.
 */
import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distributionOf } from './installed-distributions.js';
import type { RequirementFile } from './requirement-files.js';
import { localPaths } from './requirement-paths.js';

export interface EditableInstall {
  name: string;
  version: string;
  /** The project's folder, from the distribution's direct_url.json. */
  folder: string;
  /** The folder of the function it is in (`lib`, for `-e ./lib`): packaged there, not at the root. */
  under?: string;
}

/** The editable installs in `targetDir` whose project is not `functionDir` itself (all, without one). */
export async function editableOutside(targetDir: string, functionDir?: string): Promise<EditableInstall[]> {
  const infos = (await readdir(targetDir)).filter((n) => n.endsWith('.dist-info')).sort();
  const found: EditableInstall[] = [];
  for (const info of infos) {
    const text = await readFile(join(targetDir, info, 'direct_url.json'), 'utf8').catch(() => '');
    let direct: { url?: unknown; dir_info?: { editable?: unknown } };
    try {
      direct = JSON.parse(text || '{}') as typeof direct;
    } catch {
      continue;
    }
    if (direct.dir_info?.editable !== true || typeof direct.url !== 'string') continue;
    if (!direct.url.startsWith('file:')) continue;
    const folder = fileURLToPath(direct.url);
    // pip records the folder as its getcwd() gives it, links resolved: compared as real paths.
    const rel = functionDir ? relative(await real(functionDir), await real(folder)) : '..';
    if (rel === '') continue;
    const under = rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split(sep).join('/');
    found.push({ ...(await distributionOf(targetDir, info)), folder, ...(under && { under }) });
  }
  return found;
}

const real = (path: string) => realpath(path).catch(() => path);

/** A `-e PATH` line of the requirements files: where it is, and the project's folder it names. */
export interface EditableLine {
  file: string;
  /** 1-based. */
  line: number;
  /** Read from the folder pip runs in (in an included file too: pypa/pip#8765), links resolved. */
  folder: string;
}

/** The `-e` lines of `files` (the requirements file and those it includes), their paths read from `pipDir`. */
export async function editableLines(
  files: readonly RequirementFile[],
  pipDir: string,
): Promise<EditableLine[]> {
  const lines: EditableLine[] = [];
  for (const { file, text } of files)
    for (const p of localPaths(text).filter((l) => l.editable))
      lines.push({ file, line: p.line, folder: await real(resolve(pipDir, p.path)) });
  return lines;
}

/** Why the build stops, and the line to write instead, in the file that holds it. */
export function editableMessage(
  found: readonly EditableInstall[],
  options: { requirements: string; lockfile?: string; lines?: readonly EditableLine[]; pipDir?: string },
): string {
  const shown = options.lockfile ?? options.requirements;
  const lines = found.map((e) => {
    // An included file's line: named, and its path still read from pip's folder, not that file's.
    const at = options.lockfile ? undefined : options.lines?.find((l) => l.folder === e.folder);
    const included = at && resolve(at.file) !== resolve(options.requirements) ? at : undefined;
    const from = (included && options.pipDir) || dirname(options.requirements);
    const written = relative(from, e.folder) || '.';
    const path = written.startsWith('.') ? written : `./${written}`;
    const where = e.under
      ? `, whose files are packaged under ${e.under}/, where Lambda's imports do not look`
      : '';
    const file = included ? `${included.file} (line ${included.line}, included by ${shown})` : shown;
    // An included file in pip's own folder: no other folder to tell it from.
    const why =
      included && resolve(dirname(included.file)) !== resolve(from)
        ? ` (pip reads a path in an included file from the folder it runs in, ${from}, not from that file's folder)`
        : '';
    return `  - ${e.name} ${e.version} is installed editable (-e) from ${e.folder}${where}: write its line in ${file} without -e, as ${path}${why}`;
  });
  return [
    `${found.map((e) => `${e.name} ${e.version}`).join(', ')} ${found.length === 1 ? 'is' : 'are'} installed editable (-e): pip puts only a link to the project's folder on this machine into the package (a .pth file), which Lambda never reads, so ${found.every((e) => e.under) ? 'its modules fail' : 'the code is not in the package and fails'} to import on Lambda.`,
    'What to do:',
    ...lines,
    '    pip then builds the project and installs its code into the package; keep your own editable install for local work (pip install -e PATH), outside the requirements file lambda-deploy reads.',
  ].join('\n');
}
