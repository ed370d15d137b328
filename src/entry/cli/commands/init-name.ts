/** init's project name without --name: the one the function's package.json or pyproject.toml declares. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifestToml, tableAt } from '../../../packaging/manifest-toml.js';
import { jsonFailure, parsePackageJson } from '../../../settings/package-json.js';
import { PROJECT_NAME_FORM, projectNameOf } from '../../../settings/project.js';
import { UsageError } from '../flags.js';

/**
 * A file's declared name, trimmed; undefined for a missing file or none declared; a file that does not
 * parse is said in `unread` (the settings would say so later, but the error without a name comes first).
 */
function declared(
  folder: string,
  file: string,
  read: (text: string) => unknown,
  unread: string[],
): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(folder, file), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const name = read(text);
    return typeof name === 'string' && name.trim() ? name.trim() : undefined;
  } catch (error) {
    const why =
      file === 'package.json' ? jsonFailure(text, error) : String((error as Error)?.message ?? error);
    unread.push(`${file} does not parse: ${why}`);
    return undefined;
  }
}

const SOURCES = [
  {
    said: `package.json's "name"`,
    name: (folder: string, unread: string[]) =>
      declared(
        folder,
        'package.json',
        (text) => (parsePackageJson(text) as { name?: unknown })?.name,
        unread,
      ),
  },
  {
    said: "pyproject.toml's [project] name",
    name: (folder: string, unread: string[]) =>
      declared(
        folder,
        'pyproject.toml',
        (text) => tableAt(readManifestToml(text, 'pyproject.toml').root, 'project')?.name,
        unread,
      ),
  },
];

/**
 * The project name `folder` (the function's) declares, made one (projectNameOf) and said; the
 * Python one first for a Python function (a package.json beside it is the front end's tooling).
 * A UsageError naming --name when neither file declares one, or it makes no project name.
 */
export function initProjectName(folder: string, python: boolean, say: (line: string) => void): string {
  const unread: string[] = [];
  for (const source of python ? [...SOURCES].reverse() : SOURCES) {
    const raw = source.name(folder, unread);
    if (raw === undefined) continue;
    const { name, changes } = projectNameOf(raw);
    const from = `${source.said} is ${JSON.stringify(raw)}`;
    if (!name)
      throw new UsageError(
        `--name: not given, and ${from}, which makes no project name; expected --name NAME: ${PROJECT_NAME_FORM}.`,
        'init',
      );
    say(`Name ${name} (${[from, ...changes].join(', ')}): no --name; --name chooses another.`);
    return name;
  }
  const why = unread.length ? ` (${unread.join('; ')})` : '';
  throw new UsageError(
    `--name: not given, and ${folder} has no package.json "name" or pyproject.toml [project] name to take it from${why}; expected --name NAME: ${PROJECT_NAME_FORM}.`,
    'init',
  );
}
