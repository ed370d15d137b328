import { describe, expect, it } from '@jest/globals';
import {
  pyprojectDependencies,
  unlistedDependenciesWarning,
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
  ])('%s', (_what, toml, expected) => {
    expect(pyprojectDependencies(toml)).toEqual(expected);
  });

  it('no dependencies, no warning; the terminal names --requirements', () => {
    expect(unlistedDependenciesWarning('[project]\ndependencies = []\n')).toBeUndefined();
    expect(unlistedDependenciesWarning('[project]\ndependencies = ["a"]\n', 'terminal')).toMatch(
      /declares 1 dependency \(a\).*or name the file with --requirements\.$/,
    );
  });
});
