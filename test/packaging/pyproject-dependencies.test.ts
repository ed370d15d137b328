import { describe, expect, it } from '@jest/globals';
import {
  pyprojectDependencies,
  unlistedDependenciesWarning,
  unlockedPipfileWarning,
} from '../../src/packaging/pyproject-dependencies.js';

describe('pyprojectDependencies', () => {
  it.each([
    ['PEP 621, one line', '[project]\ndependencies = ["a>=1", \'b[x]\']\n', ['a>=1', 'b[x]']],
    [
      'comments, escapes and a bracket inside a string',
      '[project]\ndependencies = [\n  # the web\n  "c[d]; python_version < \\"3.11\\"",  # trailing\n]\n',
      ['c[d]; python_version < "3.11"'],
    ],
    [
      'optional dependencies are not run-time ones',
      '[project.optional-dependencies]\ndev = ["pytest"]\n',
      [],
    ],
    ["another table's dependencies key", '[tool.hatch.envs.default]\ndependencies = ["pytest"]\n', []],
    [
      'Poetry, without python',
      '[tool.poetry.dependencies]\npython = "^3.12"\nrequests = "^2"\n"x.y" = "*"\n',
      ['requests', 'x.y'],
    ],
    ['none', '[build-system]\nrequires = ["setuptools"]\n', []],
    ['no pyproject.toml', '', []],
    // TOML 1.0 as people write it: forms a line search for `[project]` or `name = ` misses.
    [
      'a header with spaces and a comment, a literal string with a bracket',
      '[ project ]  # PEP 621\ndependencies = [\'d[e] >=1 ; os_name == "nt"\']\n',
      ['d[e] >=1 ; os_name == "nt"'],
    ],
    [
      'a dotted key',
      '[project]\nname = "app"\nurls.home = "https://example.com"\ndependencies = ["f"]\n',
      ['f'],
    ],
    ['from the root, dotted', 'project.dependencies = ["g"]\n', ['g']],
    [
      'a multi-line string before, holding a [project] header',
      "[tool.x]\nnote = '''\n[project]\ndependencies = [\"wrong\"]\n'''\n\n[project]\ndependencies = [\"h\"]\n",
      ['h'],
    ],
    [
      'Poetry: a header with quotes, dotted keys, a sub-table',
      '[tool."poetry".dependencies]\npython = "^3.12"\nflask.version = "^3"\n\n[tool.poetry.dependencies.boto3]\nversion = "^1"\n',
      ['flask', 'boto3'],
    ],
    ['Poetry: dotted from [tool.poetry]', '[tool.poetry]\ndependencies.requests = "^2"\n', ['requests']],
  ])('%s', (_what, toml, expected) => {
    expect(pyprojectDependencies(toml)).toEqual(expected);
  });

  it('no dependencies, no warning; the terminal names --requirements', () => {
    expect(unlistedDependenciesWarning('[project]\ndependencies = []\n')).toBeUndefined();
    expect(unlistedDependenciesWarning('[project]\ndependencies = ["a"]\n', 'terminal')).toMatch(
      /declares 1 dependency \(a\).*or name the file with --requirements\.$/,
    );
  });

  it('refuses a pyproject.toml that is not TOML, naming the file and the line; the warning says so instead', () => {
    expect(() => pyprojectDependencies('[project]\ndependencies = ["a",\n')).toThrow(
      /^pyproject\.toml line 3: /,
    );
    expect(
      unlistedDependenciesWarning('[project]\nname = "x"\nname = "y"\n', 'action', '/src/fn/pyproject.toml'),
    ).toMatch(
      /^\/src\/fn\/pyproject\.toml line 3: .*: not TOML, so the dependencies it declares were not read/,
    );
  });
});

describe('unlockedPipfileWarning', () => {
  it.each([
    ['a table', '[packages]\nrequests = "*"\n"x.y" = {version = "*"}\n\n[dev-packages]\npytest = "*"\n'],
    ['a header with spaces and a comment', '[ packages ]  # run time\nrequests = "*"\n"x.y" = "*"\n'],
    ['a sub-table', '[packages]\nrequests = "*"\n\n[packages."x.y"]\nversion = "*"\n'],
  ])('names the [packages]: %s', (_what, pipfile) => {
    expect(unlockedPipfileWarning(pipfile)).toMatch(/^Pipfile lists 2 packages \(requests, x\.y\) but no /);
  });

  it('none, no warning; a Pipfile that is not TOML is said with its line', () => {
    expect(unlockedPipfileWarning('[dev-packages]\npytest = "*"\n')).toBeUndefined();
    expect(unlockedPipfileWarning('[packages]\nrequests = *\n')).toMatch(/^Pipfile line 2: .*: not TOML/);
  });
});
