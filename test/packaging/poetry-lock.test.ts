import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { poetryLockRequirements } from '../../src/packaging/poetry-lock.js';
import { requirementLines, withoutHashOptions } from './helpers.js';

const fixture = (name: string, file: string) =>
  readFileSync(join(import.meta.dirname, 'fixtures', name, file), 'utf8');

describe('poetryLockRequirements', () => {
  it("Poetry 1.x (category, markers on edges): walks pyproject's dependencies, with their extras, not the dev group", () => {
    expect(
      withoutHashOptions(
        poetryLockRequirements(
          fixture('poetry1-flask-app', 'poetry.lock'),
          fixture('poetry1-flask-app', 'pyproject.toml'),
          '/p',
        ),
      ),
    ).toEqual({
      requirements: [
        'asgiref==3.5.2',
        'click==8.1.3',
        'colorama==0.4.6 ; platform_system == "Windows"',
        'flask==2.2.2',
        'importlib-metadata==5.1.0 ; python_version < "3.10"',
        'itsdangerous==2.1.2',
        'jinja2==3.1.2',
        'markupsafe==2.1.1',
        'werkzeug==2.2.2',
        'zipp==3.11.0 ; python_version < "3.10"',
      ],
    });
  });

  it('Poetry 2.x (groups, markers per package): the main group, with its marker, less the optional packages', () => {
    expect(
      withoutHashOptions(
        poetryLockRequirements(
          fixture('poetry2-flask-app', 'poetry.lock'),
          fixture('poetry2-flask-app', 'pyproject.toml'),
          '/p',
        ),
      ),
    ).toEqual({
      requirements: [
        'asgiref==3.8.1',
        'blinker==1.9.0',
        'click==8.1.8',
        'colorama==0.4.6 ; platform_system == "Windows"',
        'flask==3.1.0',
        'importlib-metadata==8.5.0 ; python_version < "3.10"',
        'itsdangerous==2.2.0',
        'jinja2==3.1.5',
        'markupsafe==3.0.2',
        'werkzeug==3.1.3',
        'zipp==3.21.0 ; python_version < "3.10"',
      ],
    });
  });

  it('Poetry 1.x: a package several paths reach gets the OR of their markers, each the AND of its edges', () => {
    const lock = [
      '[[package]]',
      'name = "a"',
      'version = "1.0"',
      'category = "main"',
      '',
      '[package.dependencies]',
      'c = {version = "*", markers = "sys_platform == \\"linux\\""}',
      '',
      '[[package]]',
      'name = "b"',
      'version = "2.0"',
      'category = "main"',
      '',
      '[package.dependencies]',
      'c = {version = "*", markers = "python_version < \\"3.13\\" or implementation_name == \\"pypy\\""}',
      '',
      '[[package]]',
      'name = "c"',
      'version = "3.0"',
      'category = "main"',
      '',
      '[metadata]',
      'lock-version = "2.0"',
      '',
    ].join('\n');
    const pyproject =
      '[tool.poetry.dependencies]\npython = "^3.12"\na = "^1"\nb = {version = "^2", markers = "platform_machine == \\"x86_64\\""}\n';
    expect(poetryLockRequirements(lock, pyproject, '/p')).toEqual({
      requirements: [
        'a==1.0',
        'b==2.0 ; platform_machine == "x86_64"',
        'c==3.0 ; sys_platform == "linux" or platform_machine == "x86_64" and (python_version < "3.13" or implementation_name == "pypy")',
      ],
    });
  });

  it('follows an extra to its optional dependencies without their extra == marker, which pip would read as false', () => {
    const lock = [
      '[[package]]',
      'name = "requests"',
      'version = "2.28.1"',
      'category = "main"',
      '',
      '[package.dependencies]',
      'PySocks = {version = ">=1.5.6,<1.5.7 || >1.5.7", optional = true, markers = "extra == \\"socks\\""}',
      'chardet = {version = ">=3.0.2,<6", optional = true, markers = "python_version < \\"3.13\\" and extra == \\"use-chardet-on-py3\\""}',
      '',
      '[package.extras]',
      'socks = ["PySocks (>=1.5.6,!=1.5.7)"]',
      'use-chardet-on-py3 = ["chardet (>=3.0.2,<6)"]',
      '',
      '[[package]]',
      'name = "pysocks"',
      'version = "1.7.1"',
      'category = "main"',
      '',
      '[[package]]',
      'name = "chardet"',
      'version = "5.2.0"',
      'category = "main"',
      '',
      '[metadata]',
      'lock-version = "1.1"',
      '',
    ].join('\n');
    const pyproject =
      '[tool.poetry.dependencies]\nrequests = {version = "^2.28", extras = ["socks", "use-chardet-on-py3"]}\n';
    expect(poetryLockRequirements(lock, pyproject, '/p')).toEqual({
      requirements: ['chardet==5.2.0 ; python_version < "3.13"', 'pysocks==1.7.1', 'requests==2.28.1'],
    });
    expect(
      poetryLockRequirements(
        lock,
        pyproject.replace('extras = ["socks", "use-chardet-on-py3"]', 'extras = []'),
        '/p',
      ),
    ).toEqual({
      requirements: ['requests==2.28.1'],
    });
  });

  it('an extra == clause inside an or: true for the extra the walk followed, false for another', () => {
    const dep = (name: string, marker: string) =>
      `${name} = {version = "*", optional = true, markers = ${JSON.stringify(marker)}}`;
    const pkg = (name: string) => `[[package]]\nname = "${name}"\nversion = "1.0"\ncategory = "main"\n`;
    const lock = [
      '[[package]]',
      'name = "cloud"',
      'version = "1.0"',
      'category = "main"',
      '',
      '[package.dependencies]',
      dep('boto', 'python_version < "3.8" or extra == "s3"'),
      dep('both', 'extra == "s3" or extra == "gcs"'),
      dep('gonly', 'sys_platform == "win32" or extra == "gcs"'),
      dep('mixed', '(extra == "s3" or os_name == "nt") and platform_machine == "x86_64"'),
      '',
      '[package.extras]',
      's3 = ["boto", "both", "mixed"]',
      'gcs = ["both", "gonly"]',
      '',
      ...['boto', 'both', 'gonly', 'mixed'].map(pkg),
      '[metadata]',
      'lock-version = "1.1"',
      '',
    ].join('\n');
    const pyproject = '[tool.poetry.dependencies]\ncloud = {version = "^1", extras = ["s3"]}\n';
    expect(poetryLockRequirements(lock, pyproject, '/p')).toEqual({
      requirements: ['both==1.0', 'boto==1.0', 'cloud==1.0', 'mixed==1.0 ; platform_machine == "x86_64"'],
    });
  });

  describe("Poetry 1.x: pyproject.toml's [tool.poetry.dependencies] as TOML 1.0 writes it", () => {
    const lock = [
      '[[package]]',
      'name = "flask"',
      'version = "3.1.0"',
      'category = "main"',
      '',
      '[package.dependencies]',
      'click = ">=8.1.3"',
      'asgiref = {version = ">=3.2", optional = true, markers = "extra == \\"async\\""}',
      '',
      '[package.extras]',
      'async = ["asgiref (>=3.2)"]',
      '',
      '[[package]]',
      'name = "click"',
      'version = "8.1.8"',
      'category = "main"',
      '',
      '[[package]]',
      'name = "asgiref"',
      'version = "3.8.1"',
      'category = "main"',
      '',
      '[metadata]',
      'lock-version = "2.0"',
      '',
    ].join('\n');
    const flask = ['asgiref==3.8.1', 'click==8.1.8', 'flask==3.1.0'];

    it.each([
      [
        'an inline table',
        '[tool.poetry.dependencies]\npython = "^3.12"\nflask = {version = "^3", extras = ["async"]}\n',
      ],
      [
        'dotted keys',
        '[tool.poetry.dependencies]\npython = "^3.12"\nflask.version = "^3"\nflask.extras = ["async"]\n',
      ],
      [
        'dotted keys from [tool.poetry]',
        '[tool.poetry]\nname = "app"\ndependencies.flask = {version = "^3", extras = ["async"]}\n',
      ],
      [
        'an inline table over lines',
        '[tool.poetry.dependencies]\nflask = { version = "^3", extras = [\n  "async",\n] }\n',
      ],
      [
        'a multi-line array of constraints',
        '[tool.poetry.dependencies]\nflask = [\n  { version = "^3", extras = ["async"], python = ">=3.9" },\n]\n',
      ],
      [
        'a header with spaces',
        '[ tool.poetry.dependencies ]\nflask = {version = "^3", extras = ["async"]}\n',
      ],
      [
        'a header with quoted keys',
        '[tool."poetry".\'dependencies\']\nflask = {version = "^3", extras = ["async"]}\n',
      ],
      [
        'a header with a comment',
        '[tool.poetry.dependencies]  # run time\nflask = {version = "^3", extras = ["async"]}\n',
      ],
      [
        'a sub-table per dependency',
        '[tool.poetry.dependencies]\npython = "^3.12"\n\n[tool.poetry.dependencies.flask]\nversion = "^3"\nextras = ["async"]\n',
      ],
      ['only sub-tables', '[tool.poetry.dependencies.flask]\nversion = "^3"\nextras = ["async"]\n'],
      [
        'the header inside a multi-line string, tool settings the lockfile subset does not read',
        '[tool.poetry]\ndescription = """\n[tool.poetry.dependencies]\n"""\n\n[tool.poetry.dependencies]\nflask = {version = "^3", extras = ["async"]}\n\n[tool.coverage.report]\nfail_under = 90.5\n',
      ],
    ])('%s', (_what, pyproject) => {
      expect(poetryLockRequirements(lock, pyproject, '/p')).toEqual({ requirements: flask });
    });

    it('refuses a pyproject.toml that is not TOML, naming its line, and a dependency of another type', () => {
      expect(() => poetryLockRequirements(lock, '[tool.poetry.dependencies]\nflask = "^3\n', '/p')).toThrow(
        'pyproject.toml line 2: a string is not closed on its line',
      );
      expect(() =>
        poetryLockRequirements(
          lock,
          '[tool.poetry]\nname = "app"\n\n[tool.poetry.dependencies]\nflask = 3\n',
          '/p',
        ),
      ).toThrow(
        'pyproject.toml line 4: [tool.poetry.dependencies] flask is not a string or { version = ... } table',
      );
    });
  });

  it('writes git, url, local and private-index sources as pip reads them', () => {
    const pkg = (name: string, source: string) =>
      `[[package]]\nname = "${name}"\nversion = "1.0"\noptional = false\ngroups = ["main"]\n\n[package.source]\n${source}\n`;
    const lock = [
      pkg(
        'gitdep',
        'type = "git"\nurl = "git@github.com:acme/gitdep.git"\nreference = "main"\nresolved_reference = "0123456789abcdef0123456789abcdef01234567"\nsubdirectory = "pkg"',
      ),
      pkg('urldep', 'type = "url"\nurl = "https://example.com/urldep-1.0.tar.gz"'),
      pkg('localdep', 'type = "directory"\nurl = "../libs/localdep"\nreference = ""'),
      pkg('private', 'type = "legacy"\nurl = "https://pypi.example.com/simple"\nreference = "internal"'),
      '[metadata]\nlock-version = "2.1"\n',
    ].join('\n');
    expect(poetryLockRequirements(lock, '', '/work/app')).toEqual({
      requirements: [
        'gitdep @ git+ssh://git@github.com/acme/gitdep.git@0123456789abcdef0123456789abcdef01234567#subdirectory=pkg',
        `localdep @ ${pathToFileURL('/work/libs/localdep').href}`,
        'private==1.0',
        'urldep @ https://example.com/urldep-1.0.tar.gz',
      ],
      // pip looks for private==1.0 only on the index it is set to: the build warns unless pip-args reach this one.
      indexes: [{ name: 'internal', url: 'https://pypi.example.com/simple', packages: ['private'] }],
    });
  });

  it('hides the credentials of a git URL it names in an error (the CLI prints errors unredacted)', () => {
    const lock = [
      '[[package]]\nname = "gitdep"\nversion = "1.0"\noptional = false\ngroups = ["main"]\n',
      '[package.source]\ntype = "git"\nurl = "https://bot:ghp_S3cretT0ken@github.com/o/r.git"\nreference = "main"\n',
      '[metadata]\nlock-version = "2.1"\n',
    ].join('\n');
    expect(() => poetryLockRequirements(lock, '', '/p')).toThrow(
      'the git source https://***@github.com/o/r.git names no commit in resolved_reference',
    );
  });

  it('refuses what it cannot read, naming the line', () => {
    const lock = fixture('poetry2-flask-app', 'poetry.lock');
    expect(() =>
      poetryLockRequirements(lock.replace('groups = ["main"]', 'groups = "main"'), '', '/p'),
    ).toThrow('poetry.lock line 3 (package asgiref): groups is not an array of strings');
    expect(() =>
      poetryLockRequirements(lock.replace('lock-version = "2.1"', 'lock-version = "3.0"'), '', '/p'),
    ).toThrow(
      'poetry.lock: [metadata] lock-version = "3.0"; lambda-deploy reads lock-version 1.0, 1.1, 2.0, 2.1',
    );
    expect(() =>
      poetryLockRequirements(lock.replace('version = "3.8.1"', 'version = 3.8'), '', '/p'),
    ).toThrow('poetry.lock line 5: expected a string');
  });

  it("adds every hash poetry.lock records for a package: lock-version 2's files, 1.x's [metadata.files]", () => {
    const two = poetryLockRequirements(
      fixture('poetry2-flask-app', 'poetry.lock'),
      fixture('poetry2-flask-app', 'pyproject.toml'),
      '/p',
    );
    expect(requirementLines(two)).toContain(
      'asgiref==3.8.1 --hash=sha256:1bfbac39a0fefc61effb37a1add16e5b39efe6ce5f85c92a0258f7ae501b9378 --hash=sha256:a967e9e0bd9634cccd84c1b95eafaa987f7d811e6416f7218e20e3a8bed835f6',
    );
    expect(requirementLines(two).every((l: string) => / ; .* --hash=|^[^;]* --hash=/.test(l))).toBe(true);
    const one = poetryLockRequirements(
      fixture('poetry1-flask-app', 'poetry.lock'),
      fixture('poetry1-flask-app', 'pyproject.toml'),
      '/p',
    );
    expect(requirementLines(one)).toContain(
      'asgiref==3.5.2 --hash=sha256:ab83690925570aa89e1c083647caaeba3866e8a5aa3b45ab275c8595351dde10 --hash=sha256:3080a18c60dcd4ce256b7224e5dd900b9eb806ee6de114f79f4c5604d58bc449',
    );
    expect(requirementLines(one).find((l: string) => l.startsWith('zipp'))).toMatch(
      /^zipp==3\.11\.0 ; python_version < "3\.10" --hash=sha256:86d4\w+ --hash=sha256:90b5\w+$/,
    );
  });

  it('a legacy (private index) package has its hashes; a git package has none', () => {
    const lock = [
      '[[package]]',
      'name = "private-lib"',
      'version = "2.0"',
      'groups = ["main"]',
      `files = [{file = "private_lib-2.0-py3-none-any.whl", hash = "sha256:${'ab'.repeat(32)}"}]`,
      '[package.source]',
      'type = "legacy"',
      'url = "https://private.example/simple"',
      'reference = "private"',
      '',
      '[[package]]',
      'name = "g"',
      'version = "0.1"',
      'groups = ["main"]',
      'files = []',
      '[package.source]',
      'type = "git"',
      'url = "https://github.com/org/g.git"',
      'reference = "main"',
      `resolved_reference = "${'2'.repeat(40)}"`,
      '',
      '[metadata]',
      'lock-version = "2.1"',
      '',
    ].join('\n');
    expect(requirementLines(poetryLockRequirements(lock, '', '/p'))).toEqual([
      `g @ git+https://github.com/org/g.git@${'2'.repeat(40)}`,
      `private-lib==2.0 --hash=sha256:${'ab'.repeat(32)}`,
    ]);
  });
});
