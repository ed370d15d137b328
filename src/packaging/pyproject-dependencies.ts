/**
 * The run-time dependencies a pyproject.toml declares (pure, no TOML
 * library): PEP 621's `[project] dependencies = [...]` and Poetry's
 * `[tool.poetry.dependencies]` (without `python`). lambda-deploy installs a
 * requirements file, or a project's uv.lock, poetry.lock or Pipfile.lock
 * (uv-lock.ts, poetry-lock.ts, pipfile-lock.ts), so a project that lists its
 * dependencies only there (or a Pipfile not locked) would be deployed
 * without them.
 */
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';

/** The lines of the table `[name]`, up to the next table header. */
function table(toml: string, name: string): string[] {
  const lines = toml.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === `[${name}]`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The strings of a TOML array that starts right after `[` in `text`. */
function arrayStrings(text: string): string[] {
  const strings: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ']') break;
    if (c === '#') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '"' || c === "'") {
      let value = '';
      for (i++; i < text.length && text[i] !== c; i++) {
        // Basic strings escape with a backslash; literal ('...') strings do not.
        if (c === '"' && text[i] === '\\') i++;
        value += text[i] ?? '';
      }
      strings.push(value.trim());
      i++;
    } else i++;
  }
  return strings;
}

/** The keys `name = ...` of the table `[name]`. */
function tableKeys(toml: string, name: string): string[] {
  return table(toml, name)
    .map((l) => /^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** The strings of `key = [...]` in the table `[name]`; undefined without that table (or that key). */
export function tableArray(toml: string, name: string, key: string): string[] | undefined {
  const lines = table(toml, name);
  const at = lines.findIndex((l) => new RegExp(`^\\s*${key}\\s*=\\s*\\[`).test(l));
  if (at < 0) return undefined;
  const text = lines.slice(at).join('\n');
  return arrayStrings(text.slice(text.indexOf('[') + 1));
}

export function pyprojectDependencies(toml: string): string[] {
  const project = table(toml, 'project').join('\n');
  const pep621 = /^\s*dependencies\s*=\s*\[/m.exec(project);
  const listed = pep621 ? arrayStrings(project.slice(pep621.index + pep621[0].length)) : [];
  const poetry = tableKeys(toml, 'tool.poetry.dependencies').filter((n) => n.toLowerCase() !== 'python');
  return [...listed, ...poetry].filter(Boolean);
}

function listed(names: string[], one: string, many: string): string {
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? ', …' : '');
  return `${names.length} ${names.length === 1 ? one : many} (${shown})`;
}

/** The warning for dependencies pyproject.toml declares when no requirements file is installed; undefined without any. */
export function unlistedDependenciesWarning(toml: string, surface: Surface = 'action'): string | undefined {
  const dependencies = pyprojectDependencies(toml);
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
export function unlockedPipfileWarning(pipfile: string, surface: Surface = 'action'): string | undefined {
  const packages = tableKeys(pipfile, 'packages');
  if (!packages.length) return undefined;
  return (
    `Pipfile lists ${listed(packages, 'package', 'packages')} but no requirements file or Pipfile.lock pins them: they are not installed, ` +
    'and on Lambda the function cannot import them (unless a layer provides them). Run pipenv lock and commit Pipfile.lock ' +
    '(lambda-deploy installs what its "default" section pins), or write requirements.txt next to the Pipfile ' +
    `(pipenv requirements > requirements.txt), or name the file with ${inputName(surface, Inputs.Requirements)}.`
  );
}
