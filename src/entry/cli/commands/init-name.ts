/** init's project name without --name: the one the function's package.json or pyproject.toml declares. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifestToml, tableAt } from '../../../packaging/manifest-toml.js';
import { parsePackageJson } from '../../../settings/package-json.js';
import { PROJECT_NAME_FORM, projectNameOf } from '../../../settings/project.js';
import { UsageError } from '../flags.js';

/** A declared name, trimmed; undefined for a missing or unreadable file (the settings say what is wrong with it). */
function declared(read: () => unknown): string | undefined {
  try {
    const name = read();
    return typeof name === 'string' && name.trim() ? name.trim() : undefined;
  } catch {
    return undefined;
  }
}

const SOURCES = [
  {
    said: `package.json's "name"`,
    name: (folder: string) =>
      declared(
        () =>
          (parsePackageJson(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: unknown })?.name,
      ),
  },
  {
    said: "pyproject.toml's [project] name",
    name: (folder: string) =>
      declared(() => {
        const text = readFileSync(join(folder, 'pyproject.toml'), 'utf8');
        return tableAt(readManifestToml(text, 'pyproject.toml').root, 'project')?.name;
      }),
  },
];

/**
 * The project name `folder` (the function's) declares, made one (projectNameOf) and said; the
 * Python one first for a Python function (a package.json beside it is the front end's tooling).
 * A UsageError naming --name when neither file declares one, or it makes no project name.
 */
export function initProjectName(folder: string, python: boolean, say: (line: string) => void): string {
  for (const source of python ? [...SOURCES].reverse() : SOURCES) {
    const raw = source.name(folder);
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
  throw new UsageError(
    `--name: not given, and ${folder} has no package.json "name" or pyproject.toml [project] name to take it from; expected --name NAME: ${PROJECT_NAME_FORM}.`,
    'init',
  );
}
