import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseTomlSubset } from '../../src/packaging/toml-subset.js';
import { addedRequirements, hashChecked, sourceArchives, withHashes } from '../../src/packaging/lock-walk.js';
import { uvLockRequirements } from '../../src/packaging/uv-lock.js';
import { otherIndexWarning } from '../../src/packaging/lock-index.js';
import { withoutHashOptions } from './helpers.js';

const fixture = join(import.meta.dirname, 'fixtures', 'uv-flask-app');
const lock = readFileSync(join(fixture, 'uv.lock'), 'utf8');

/** A lock of the project `app` (virtual) and the given packages. */
function lockOf(rootDependencies: string, ...packages: string[]): string {
  return [
    'version = 1',
    'revision = 2',
    'requires-python = ">=3.12"',
    '',
    '[[package]]',
    'name = "app"',
    'version = "0.1.0"',
    'source = { virtual = "." }',
    `dependencies = [${rootDependencies}]`,
    ...packages.flatMap((p) => ['', '[[package]]', p]),
    '',
  ].join('\n');
}

describe('uvLockRequirements', () => {
  it('hides the credentials of a git URL it names in an error (the CLI prints errors unredacted)', () => {
    const text = lockOf(
      '{ name = "gitdep" }',
      'name = "gitdep"\nversion = "1.0"\nsource = { git = "https://bot:ghp_S3cretT0ken@github.com/o/r.git?rev=main" }',
    );
    expect(() => uvLockRequirements(text, '/app')).toThrow(
      'the git source https://***@github.com/o/r.git?rev=main names no commit after "#"',
    );
  });

  it('names the packages of a registry that is not PyPI, for the warning that pip-args must reach it', () => {
    const text = lockOf(
      '{ name = "internal" }, { name = "requests" }',
      'name = "internal"\nversion = "1.0.0"\nsource = { registry = "https://bot:s3cret@private.example/simple" }',
      'name = "requests"\nversion = "2.31.0"\nsource = { registry = "https://pypi.org/simple" }',
    );
    const exported = uvLockRequirements(text, '/app');
    expect(exported).toEqual({
      requirements: ['internal==1.0.0', 'requests==2.31.0'],
      indexes: [{ url: 'https://***@private.example/simple', packages: ['internal'] }],
    });
    const indexes = 'requirements' in exported ? (exported.indexes ?? []) : [];
    expect(otherIndexWarning(indexes[0]!, 'uv.lock', [])).toContain(
      'uv.lock pins a package (internal) from the index https://***@private.example/simple, ',
    );
    expect(
      otherIndexWarning(indexes[0]!, 'uv.lock', ['--extra-index-url', 'https://private.example/simple']),
    ).toBeUndefined();
    // PyPI alone: nothing to name.
    expect(
      uvLockRequirements(
        text.replace('https://bot:s3cret@private.example/simple', 'https://pypi.org/simple'),
        '/app',
      ),
    ).toEqual({
      requirements: ['internal==1.0.0', 'requests==2.31.0'],
    });
  });

  it("pins the project's dependencies, with their markers, the extra's and the forked version its edge names; no dev group", () => {
    expect(withoutHashOptions(uvLockRequirements(lock, fixture))).toEqual({
      requirements: [
        'asgiref==3.8.1',
        'blinker==1.9.0',
        'click==8.1.8',
        "colorama==0.4.6 ; sys_platform == 'win32'",
        'flask==3.1.0',
        'itsdangerous==2.2.0',
        'jinja2==3.1.5',
        'markupsafe==3.0.2',
        "numpy==2.0.2 ; python_full_version < '3.10'",
        "numpy==2.2.6 ; python_full_version >= '3.10'",
        'werkzeug==3.1.3',
      ],
    });
  });

  it('ANDs the markers along a path, ORs paths, and an unconditional path wins', () => {
    const reg = 'source = { registry = "https://pypi.org/simple" }';
    const text = lockOf(
      `{ name = "a", marker = "sys_platform == 'linux'" }, { name = "b", marker = "python_full_version < '3.13' or implementation_name == 'pypy'" }`,
      `name = "a"\nversion = "1"\n${reg}\ndependencies = [{ name = "c", marker = "platform_machine == 'x86_64'" }, { name = "d" }]`,
      `name = "b"\nversion = "1"\n${reg}\ndependencies = [{ name = "c", marker = "sys_platform == 'linux'" }, { name = "d" }, { name = "b" }]`,
      `name = "c"\nversion = "1"\n${reg}\ndependencies = [{ name = "a" }]`,
      `name = "d"\nversion = "1"\n${reg}`,
    );
    const d = lockOf(
      '{ name = "a" }, { name = "d" }',
      `name = "a"\nversion = "1"\n${reg}\ndependencies = [{ name = "d", marker = "os_name == 'nt'" }]`,
      `name = "d"\nversion = "1"\n${reg}`,
    );
    expect(uvLockRequirements(text, '/p')).toEqual({
      requirements: [
        "a==1 ; sys_platform == 'linux'",
        "b==1 ; python_full_version < '3.13' or implementation_name == 'pypy'",
        "c==1 ; platform_machine == 'x86_64' and sys_platform == 'linux' or (python_full_version < '3.13' or implementation_name == 'pypy') and sys_platform == 'linux'",
        "d==1 ; sys_platform == 'linux' or python_full_version < '3.13' or implementation_name == 'pypy'",
      ],
    });
    expect(uvLockRequirements(d, '/p')).toEqual({ requirements: ['a==1', 'd==1'] });
  });

  it('writes git, url, path and directory sources as direct references', () => {
    const text = lockOf(
      '{ name = "g" }, { name = "u" }, { name = "w" }, { name = "l" }',
      'name = "g"\nversion = "1.0"\nsource = { git = "https://github.com/org/g?rev=main&subdirectory=py#0123456789abcdef0123456789abcdef01234567" }',
      'name = "u"\nversion = "2.0"\nsource = { url = "https://example.com/u-2.0-py3-none-any.whl" }',
      'name = "w"\nversion = "3.0"\nsource = { path = "wheels/w-3.0-py3-none-any.whl" }',
      'name = "l"\nversion = "4.0"\nsource = { directory = "../libs/l" }',
    );
    expect(uvLockRequirements(text, '/repo/app')).toEqual({
      requirements: [
        'g @ git+https://github.com/org/g@0123456789abcdef0123456789abcdef01234567#subdirectory=py',
        `l @ ${pathToFileURL('/repo/libs/l').href}`,
        'u @ https://example.com/u-2.0-py3-none-any.whl',
        `w @ ${pathToFileURL('/repo/app/wheels/w-3.0-py3-none-any.whl').href}`,
      ],
    });
  });

  it('says why it cannot stand for a requirements file: no project, or several', () => {
    expect(uvLockRequirements('version = 1\n', '/p')).toEqual({
      unsupported: expect.stringContaining('no package in it is the project itself'),
    });
    const twice = lockOf('', 'name = "app2"\nversion = "1"\nsource = { editable = "." }');
    expect(uvLockRequirements(twice, '/p')).toEqual({
      unsupported: "it has 2 packages from the project's folder",
    });
  });

  it('installs an editable path dependency from its folder, not editable', () => {
    const editable = lockOf(
      '{ name = "lib" }',
      'name = "lib"\nversion = "1"\nsource = { editable = "../lib" }',
    );
    expect(uvLockRequirements(editable, '/repo/app')).toEqual({
      requirements: [`lib @ ${pathToFileURL('/repo/lib').href}`],
    });
  });

  it('refuses what it does not understand, naming uv.lock and the line', () => {
    expect(() => uvLockRequirements(lock.replace('size = 22460 }', 'size = 22460 '), fixture)).toThrow(
      'uv.lock line 22: expected "," or "}" in an inline table, found the end of the line',
    );
    expect(() => uvLockRequirements(lock.replace('version = "1.9.0"', 'version = 1.9'), fixture)).toThrow(
      /^uv\.lock line 20: /,
    );
    expect(() => uvLockRequirements('version = 2\n', '/p')).toThrow('lambda-deploy reads uv.lock version 1');
    expect(() => uvLockRequirements(lockOf('{ name = "gone" }'), '/p')).toThrow(
      'uv.lock line 5 (package app): depends on gone, which uv.lock does not list',
    );
    expect(() =>
      uvLockRequirements(lockOf('', 'name = "x"\nversion = "1"\nsource = { svn = "x" }'), '/p'),
    ).toThrow('uv.lock line 11 (package x): source is not an inline table with one of');
  });

  it('adds every hash uv.lock records for a package (wheels and sdist) after its marker; a git entry has none', () => {
    const [h1, h2, h3] = ['ab', 'cd', 'ef'].map((x) => `sha256:${x.repeat(32)}`);
    const text = lockOf(
      `{ name = "a", marker = "sys_platform == 'linux'" }, { name = "g" }`,
      [
        'name = "a"',
        'version = "1"',
        'source = { registry = "https://private.example/simple" }',
        `sdist = { url = "https://private.example/a-1.tar.gz", hash = "${h1}" }`,
        'wheels = [',
        `    { url = "https://private.example/a-1-py3-none-any.whl", hash = "${h2}" },`,
        `    { url = "https://private.example/a-1-cp312-manylinux_2_17_x86_64.whl", hash = "${h3!.toUpperCase().replace('SHA256', 'sha256')}" },`,
        ']',
      ].join('\n'),
      `name = "g"\nversion = "0.1"\nsource = { git = "https://github.com/org/g?rev=main#${'1'.repeat(40)}" }`,
    );
    expect(uvLockRequirements(text, '/p')).toEqual({
      requirements: [
        `a==1 ; sys_platform == 'linux' --hash=${h2} --hash=${h3} --hash=${h1}`,
        `g @ git+https://github.com/org/g@${'1'.repeat(40)}`,
      ],
      indexes: [{ url: 'https://private.example/simple', packages: ['a'] }],
    });
  });
});

/** A uv workspace as `uv lock` writes it: a virtual root, members api and lib (editable), tools (virtual). */
const WORKSPACE_LOCK = `version = 1
revision = 3
requires-python = ">=3.12"

[manifest]
members = [
    "api",
    "lib",
    "monorepo",
    "tools",
]

[[package]]
name = "api"
version = "0.1.0"
source = { editable = "packages/api" }
dependencies = [
    { name = "bigdep" },
    { name = "lib" },
    { name = "tools" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]

[package.metadata]
requires-dist = [
    { name = "bigdep", specifier = ">=1" },
    { name = "lib", editable = "packages/lib" },
    { name = "tools", virtual = "packages/tools" },
]

[package.metadata.requires-dev]
dev = [{ name = "pytest", specifier = ">=8" }]

[[package]]
name = "bigdep"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "lib"
version = "0.2.0"
source = { editable = "packages/lib" }
dependencies = [
    { name = "smalldep", marker = "sys_platform == 'linux'" },
]

[[package]]
name = "monorepo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "api" },
    { name = "other" },
]

[[package]]
name = "other"
version = "3.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "smalldep"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tools"
version = "0.1.0"
source = { virtual = "packages/tools" }
dependencies = [
    { name = "toolsdep" },
]

[[package]]
name = "toolsdep"
version = "4.0.0"
source = { registry = "https://pypi.org/simple" }
`;

describe('uvLockRequirements in a uv workspace', () => {
  it("exports a member's production closure: other members from their folders, a virtual one's dependencies, never itself nor its dev group", () => {
    expect(uvLockRequirements(WORKSPACE_LOCK, '/repo', 'packages/api')).toEqual({
      requirements: [
        'bigdep==1.0.0',
        `lib @ ${pathToFileURL('/repo/packages/lib').href}`,
        "smalldep==2.0.0 ; sys_platform == 'linux'",
        'toolsdep==4.0.0',
      ],
    });
    // The workspace root's own project: its members are dependencies like any other.
    expect(uvLockRequirements(WORKSPACE_LOCK, '/repo')).toEqual({
      requirements: [
        `api @ ${pathToFileURL('/repo/packages/api').href}`,
        'bigdep==1.0.0',
        `lib @ ${pathToFileURL('/repo/packages/lib').href}`,
        'other==3.0.0',
        "smalldep==2.0.0 ; sys_platform == 'linux'",
        'toolsdep==4.0.0',
      ],
    });
  });

  it('refuses, naming uv.lock, the member and the line, rather than deploying without dependencies', () => {
    expect(() => uvLockRequirements(WORKSPACE_LOCK, '/repo', 'packages/web')).toThrow(
      'uv.lock: no package in it is the workspace member in packages/web (source editable = "packages/web" or virtual = "packages/web"); its workspace members are api, lib, monorepo, tools',
    );
    const unlisted = WORKSPACE_LOCK.replace('    "api",\n', '');
    expect(() => uvLockRequirements(unlisted, '/repo', 'packages/api')).toThrow(
      'uv.lock line 12 (package api): the package from packages/api is not among the workspace members [manifest] lists (lib, monorepo, tools)',
    );
    // A workspace root without a project of its own (no "." package): the member's folder is the one to deploy.
    const noRoot = WORKSPACE_LOCK.replace(
      'source = { virtual = "." }',
      'source = { virtual = "packages/x" }',
    );
    expect(() => uvLockRequirements(noRoot, '/repo')).toThrow(
      'uv.lock: no package in it is the project itself (source editable = "." or virtual = "."); its workspace members are api, lib, monorepo, tools: set path to a member\'s folder',
    );
  });
});

describe('parseTomlSubset', () => {
  it('reads the layout uv writes, and refuses the rest of TOML', () => {
    const { root } = parseTomlSubset(
      'a = "x\\u00e9\\"" # comment\nb = [\n  { k = \'lit\', n = -3, t = true }, # c\n  [1, 2],\n]\n[t.u]\nv = { }\n[[arr]]\nx = 1\n[[arr]]\nx = 2\n[arr.sub]\ny = false\n',
    );
    expect(root).toEqual({
      a: 'xé"',
      b: [{ k: 'lit', n: -3, t: true }, [1, 2]],
      t: { u: { v: {} } },
      arr: [{ x: 1 }, { x: 2, sub: { y: false } }],
    });
    expect(parseTomlSubset('a = [\r\n  "x",\r\n]\r\nb = { c = 1 }\r\n').root).toEqual({
      a: ['x'],
      b: { c: 1 },
    });
    expect(() => parseTomlSubset('a = 1\na = 2\n')).toThrow('line 2: a is defined twice');
    expect(() => parseTomlSubset('a.b = 1\n')).toThrow('line 1: dotted keys');
    expect(() => parseTomlSubset('a = """x"""\n')).toThrow('line 1: multi-line strings');
    expect(() => parseTomlSubset('a = 1979-05-27\n')).toThrow('line 1: expected a string');
    expect(() => parseTomlSubset('[t]\n[t]\n')).toThrow('line 2: [t] is defined twice');
    expect(() => parseTomlSubset('a = "open\n')).toThrow('line 1: a string is not closed');
  });
});

describe('hashChecked', () => {
  const hash = `--hash=sha256:${'ab'.repeat(32)}`;
  it('keeps the hashes when every line has them', () => {
    expect(hashChecked([`a==1 ${hash}`, `b==2 ; os_name == 'posix' ${hash}`])).toEqual({
      requirements: [`a==1 ${hash}`, `b==2 ; os_name == 'posix' ${hash}`],
    });
  });
  it('drops them all, and names the line without, when one has none (pip checks all or none)', () => {
    expect(
      hashChecked([`a==1 ${hash}`, 'g @ git+https://h/g@abcdef1', `b==2 ; os_name == 'posix' ${hash}`]),
    ).toEqual({
      requirements: ['a==1', 'g @ git+https://h/g@abcdef1', "b==2 ; os_name == 'posix'"],
      unhashed: 'g @ git+https://h/g@abcdef1',
    });
  });
  it('counts a line whose lock records only md5 hashes (pip refuses md5) as one without, and says so', () => {
    const md5 = withHashes('m==1', [`md5:${'EF'.repeat(16)}`, 'md5:' + 'ef'.repeat(16)]);
    expect(md5).toBe(`m==1 --hash=md5:${'ef'.repeat(16)}`);
    expect(withHashes('m==1', [`md5:${'ef'.repeat(16)}`, `sha256:${'ab'.repeat(32)}`])).toBe(`m==1 ${hash}`);
    expect(hashChecked([`a==1 ${hash}`, md5])).toEqual({ requirements: ['a==1', 'm==1'], unhashed: md5 });
  });
  it('names the packages pip builds from a source archive', () => {
    expect(
      sourceArchives([
        `a==1 ${hash}`,
        `s[x] @ file:///repo/vendor/s-1.0.tar.gz ${hash}`,
        `z @ https://files.example/z-2.0.zip#sha256=${'cd'.repeat(32)} ; os_name == 'posix' ${hash}`,
        `w @ https://files.example/w-1.0-py3-none-any.whl ${hash}`,
        'd @ file:///repo/libs/d',
      ]),
    ).toEqual(['s', 'z']);
  });
  it('drops them all when pip-args adds requirements of its own, which the lock has no hashes for', () => {
    expect(addedRequirements(['--no-index', '-r', 'other.txt'])).toBe('-r other.txt');
    expect(addedRequirements(['--requirement=other.txt'])).toBe('--requirement=other.txt');
    expect(addedRequirements(['-rother.txt'])).toBe('-rother.txt');
    expect(addedRequirements(['--editable', './lib'])).toBe('--editable ./lib');
    expect(addedRequirements(['--constraint', 'c.txt', '--no-deps', '--index-url', 'https://i/simple'])).toBe(
      undefined,
    );
    // A requirement named among options (pip install takes names as well as -r).
    expect(addedRequirements(['boto3-stubs'])).toBe('boto3-stubs');
    expect(addedRequirements(['--no-deps', '-i', 'https://i/simple', 'boto3-stubs[s3]>=1.34'])).toBe(
      'boto3-stubs[s3]>=1.34',
    );
    expect(addedRequirements(['--find-links=wheels', '--timeout', '30', '-f', 'w2', '--pre', 'x'])).toBe('x');
    expect(
      addedRequirements([
        '--extra-index-url',
        'https://e/simple',
        '--trusted-host',
        'e',
        '--only-binary',
        ':all:',
      ]),
    ).toBe(undefined);
    // pip's other options that take the next argument as their value (pip install --help).
    expect(
      addedRequirements([
        ...['--default-timeout', '100', '--pypi-url', 'https://i/simple', '--local-log', 'pip.log'],
        ...['--src', 'src', '--source', 'src2', '--source-dir', 'src3', '--source-directory', 'src4'],
        ...['--build-constraint', 'b.txt', '--uploaded-prior-to', '2025-03-16', '--all-releases', ':all:'],
        ...['--only-final', 'x'],
      ]),
    ).toBe(undefined);
    // Abbreviated as pip takes them: the value after --extra-index is no requirement; --req adds a file.
    expect(addedRequirements(['--extra-index', 'https://e/simple', '--trusted', 'e', '--find', 'w'])).toBe(
      undefined,
    );
    expect(addedRequirements(['--no-index', '--req', 'other.txt'])).toBe('--req other.txt');
    expect(addedRequirements(['--edit=./lib'])).toBe('--edit=./lib');
    expect(addedRequirements(['-qr', 'other.txt'])).toBe('-qr other.txt');
    expect(hashChecked([`a==1 ${hash}`], '-r other.txt')).toEqual({
      requirements: ['a==1'],
      unhashed: '-r other.txt',
    });
  });
});
