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

/** pyproject.toml's PEP 621 name, else Poetry 1.x's (`[tool.poetry] name`, no [project] table), with where it was read. */
function pyprojectName(text: string): { value: unknown; said: string } | undefined {
  const root = readManifestToml(text, 'pyproject.toml').root;
  const project = tableAt(root, 'project')?.name;
  if (project !== undefined) return { value: project, said: "pyproject.toml's [project] name" };
  const poetry = tableAt(root, 'tool', 'poetry')?.name;
  return poetry === undefined ? undefined : { value: poetry, said: "pyproject.toml's [tool.poetry] name" };
}

/** A declared name and where it was read (`package.json's "name"`). */
interface Declared {
  value: string;
  said: string;
}

const SOURCES: ((folder: string, unread: string[]) => Declared | undefined)[] = [
  (folder, unread) => {
    const value = declared(
      folder,
      'package.json',
      (text) => (parsePackageJson(text) as { name?: unknown })?.name,
      unread,
    );
    return value === undefined ? undefined : { value, said: `package.json's "name"` };
  },
  (folder, unread) => {
    let said = '';
    const value = declared(
      folder,
      'pyproject.toml',
      (text) => {
        const found = pyprojectName(text);
        said = found?.said ?? '';
        return found?.value;
      },
      unread,
    );
    return value === undefined ? undefined : { value, said };
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
    const found = source(folder, unread);
    if (found === undefined) continue;
    const { value: raw, said } = found;
    const { name, changes } = projectNameOf(raw);
    const from = `${said} is ${JSON.stringify(raw)}`;
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
    `--name: not given, and ${folder} has no package.json "name" or pyproject.toml [project] or [tool.poetry] name to take it from${why}; expected --name NAME: ${PROJECT_NAME_FORM}.`,
    'init',
  );
}
