/**
 * The run-time dependencies a pyproject.toml declares (pure, no TOML
 * library): PEP 621's `[project] dependencies = [...]` and Poetry's
 * `[tool.poetry.dependencies]` (without `python`). lambda-deploy installs a
 * requirements file, or a project's uv.lock or poetry.lock (uv-lock.ts,
 * poetry-lock.ts), so a project that lists its dependencies only there (or
 * locks them in Pipfile.lock, say) would be deployed without them.
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

export function pyprojectDependencies(toml: string): string[] {
  const project = table(toml, 'project').join('\n');
  const pep621 = /^\s*dependencies\s*=\s*\[/m.exec(project);
  const listed = pep621 ? arrayStrings(project.slice(pep621.index + pep621[0].length)) : [];
  const poetry = table(toml, 'tool.poetry.dependencies')
    .map((l) => /^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n.toLowerCase() !== 'python');
  return [...listed, ...poetry].filter(Boolean);
}

/** The warning for dependencies pyproject.toml declares when no requirements file is installed; undefined without any. */
export function unlistedDependenciesWarning(toml: string, surface: Surface = 'action'): string | undefined {
  const dependencies = pyprojectDependencies(toml);
  if (!dependencies.length) return undefined;
  const shown = dependencies.slice(0, 8).join(', ') + (dependencies.length > 8 ? ', …' : '');
  const count = `${dependencies.length} ${dependencies.length === 1 ? 'dependency' : 'dependencies'}`;
  return (
    `pyproject.toml declares ${count} (${shown}) but there is no requirements file: they are not installed, ` +
    'and on Lambda the function cannot import them (unless a layer provides them). lambda-deploy installs a requirements file, ' +
    "or what a project's uv.lock or poetry.lock pins (Pipfile.lock and other lockfiles are not read): " +
    'write them to requirements.txt next to pyproject.toml (e.g. uv export --no-dev --no-hashes -o requirements.txt, ' +
    `poetry export --only main --without-hashes -o requirements.txt, or pip-compile -o requirements.txt pyproject.toml), or name the file with ${inputName(surface, Inputs.Requirements)}.`
  );
}
