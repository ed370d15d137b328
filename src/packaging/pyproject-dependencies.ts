/**
 * The run-time dependencies a pyproject.toml declares (pure): PEP 621's
 * `[project] dependencies = [...]` and Poetry's `[tool.poetry.dependencies]`
 * (without `python`), and the `[packages]` of a Pipfile, each file read as
 * TOML 1.0 (manifest-toml.ts). lambda-deploy installs a requirements file,
 * or a project's uv.lock, poetry.lock or Pipfile.lock (uv-lock.ts,
 * poetry-lock.ts, pipfile-lock.ts), so a project that lists its
 * dependencies only there (or a Pipfile not locked) would be deployed
 * without them.
 */
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import { ManifestError, readManifestToml, tableAt } from './manifest-toml.js';

/** The strings of `value` when it is an array (others are the build tool's to refuse), trimmed. */
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').map((v) => v.trim()) : [];

/** `file` names pyproject.toml in the error for a file that is not TOML. */
export function pyprojectDependencies(toml: string, file = 'pyproject.toml'): string[] {
  const { root } = readManifestToml(toml, file);
  const listed = strings(tableAt(root, 'project')?.dependencies);
  const poetry = Object.keys(tableAt(root, 'tool', 'poetry', 'dependencies') ?? {}).filter(
    (n) => n.toLowerCase() !== 'python',
  );
  return [...listed, ...poetry].filter(Boolean);
}

function listed(names: string[], one: string, many: string): string {
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? ', …' : '');
  return `${names.length} ${names.length === 1 ? one : many} (${shown})`;
}

/**
 * Read only to warn: a manifest that is not TOML is said, not a failed build
 * (nothing is installed from it, and such a folder deployed before it was read).
 */
function unreadable(error: unknown): string {
  if (!(error instanceof ManifestError)) throw error;
  return `${error.message}: not TOML, so the dependencies it declares were not read, and nothing is installed for them; fix the file (pip, uv, Poetry and pipenv refuse it too), or write requirements.txt.`;
}

/** The warning for dependencies pyproject.toml declares when no requirements file is installed; undefined without any. */
export function unlistedDependenciesWarning(
  toml: string,
  surface: Surface = 'action',
  file = 'pyproject.toml',
): string | undefined {
  let dependencies: string[];
  try {
    dependencies = pyprojectDependencies(toml, file);
  } catch (error) {
    return unreadable(error);
  }
  if (!dependencies.length) return undefined;
  return (
    `pyproject.toml declares ${listed(dependencies, 'dependency', 'dependencies')} but there is no requirements file: they are not installed, ` +
    'and on Lambda the function cannot import them (unless a layer provides them). lambda-deploy installs a requirements file, ' +
    "or what a project's uv.lock, poetry.lock or Pipfile.lock pins (other lockfiles are not read): " +
    'write them to requirements.txt next to pyproject.toml (e.g. uv export --no-dev --no-hashes -o requirements.txt, ' +
    `poetry export --only main --without-hashes -o requirements.txt, or pip-compile -o requirements.txt pyproject.toml), or name the file with ${inputName(surface, Inputs.Requirements)}.`
  );
}

/** The warning for the [packages] a Pipfile lists when neither a requirements file nor Pipfile.lock pins them; undefined without any. */
export function unlockedPipfileWarning(
  pipfile: string,
  surface: Surface = 'action',
  file = 'Pipfile',
): string | undefined {
  let packages: string[];
  try {
    packages = Object.keys(tableAt(readManifestToml(pipfile, file).root, 'packages') ?? {});
  } catch (error) {
    return unreadable(error);
  }
  if (!packages.length) return undefined;
  return (
    `Pipfile lists ${listed(packages, 'package', 'packages')} but no requirements file or Pipfile.lock pins them: they are not installed, ` +
    'and on Lambda the function cannot import them (unless a layer provides them). Run pipenv lock and commit Pipfile.lock ' +
    '(lambda-deploy installs what its "default" section pins), or write requirements.txt next to the Pipfile ' +
    `(pipenv requirements > requirements.txt), or name the file with ${inputName(surface, Inputs.Requirements)}.`
  );
}
