import { afterAll, describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  localPathRequirements,
  localPaths,
  pathOutside,
  pipArgsFrom,
  pipEnvironmentFrom,
  pipFolder,
} from '../../src/packaging/requirement-paths.js';

describe('localPathRequirements', () => {
  it.each([
    ['../../libs/common', [{ line: 1, path: '../../libs/common', editable: false }]],
    ['-e ../../libs/common', [{ line: 1, path: '../../libs/common', editable: true }]],
    ['--editable=./lib  # mine', [{ line: 1, path: './lib', editable: true }]],
    ['fastapi\n../lib[aws] ; python_version >= "3.9"', [{ line: 2, path: '../lib', editable: false }]],
    ['.', [{ line: 1, path: '.', editable: false }]],
    ['fastapi==1.0\n-r ../base.txt\n/abs/lib\nfile:///abs/lib\n# ../commented', []],
    [
      'libs/common\nwheels/x-1.0-py3-none-any.whl',
      [
        { line: 1, path: 'libs/common', editable: false },
        { line: 2, path: 'wheels/x-1.0-py3-none-any.whl', editable: false },
      ],
    ],
  ])('%j', (text, expected) => {
    expect(localPathRequirements(text)).toEqual(expected);
  });
});

describe('localPaths', () => {
  it('every path pip installs from: relative, absolute, file: URLs and name @ file:, not other URLs', () => {
    expect(
      localPaths(
        '../lib\n/abs/lib\nfile:///abs/url#egg=x\n-e file:///abs/ed\nx @ file:///abs/named\ny@file:///abs/joined\nz @ https://x/z.whl\ngit+https://x/y.git\nfastapi>=1\n',
      ).map((p) => p.path),
    ).toEqual(['../lib', '/abs/lib', '/abs/url', '/abs/ed', '/abs/named', '/abs/joined']);
  });
  it('a PEP 508 URL requirement without spaces around @ is a URL (a file: one its path), whatever its spacing', () => {
    expect(
      localPaths(
        'a@https://x/a-1.0-py3-none-any.whl\nb@git+https://x/b.git\nc[s3]@https://x/c.whl\nd@ file:///abs/d\ne @file:///abs/e\nf@ https://x/f.whl\n',
      ).map((p) => p.path),
    ).toEqual(['/abs/d', '/abs/e']);
  });
  it('a version control URL on disk (git+file:, -e or not, named or not) is the folder pip clones, its revision left out', () => {
    expect(
      localPaths(
        '-e git+file:///abs/repo#egg=x\ngit+file:///abs/r2@v1.0#egg=y\nz @ git+file:///abs/r3@main\nhg+file:///abs/h\ngit+https://x/y.git#egg=w\n',
      ).map((p) => p.path),
    ).toEqual(['/abs/repo', '/abs/r2', '/abs/r3', '/abs/h']);
  });
  it("reads a file: URL's path as pip does, an encoded slash (%2f) decoded too", () => {
    expect(localPaths('x @ file:///repo/..%2f..%2fetc\nfile:///repo/a%2Fb\n').map((p) => p.path)).toEqual([
      '/repo/../../etc',
      '/repo/a/b',
    ]);
  });
});

describe('pipFolder', () => {
  const file = '/repo/services/orders/requirements.txt';
  const one = (text: string) => [{ file, text }];
  const existing =
    (...paths: string[]) =>
    (p: string) =>
      paths.includes(p);

  it('runs pip where it always did when the file names no relative path', () => {
    expect(pipFolder(one('fastapi\n'), '/repo', existing())).toEqual({});
  });
  it("runs pip in the file's folder when its paths are there", () => {
    expect(pipFolder(one('../../libs/common\n'), '/repo', existing('/repo/libs/common'))).toEqual({
      cwd: '/repo/services/orders',
    });
  });
  it('keeps the working directory for a file written for it (paths from the workspace root)', () => {
    expect(pipFolder(one('./libs/common\n'), '/repo', existing('/repo/libs/common'))).toEqual({});
  });
  it('runs pip where it always did for a PEP 508 URL written without spaces (name@https://...)', () => {
    expect(
      pipFolder(
        one('mylib@https://example.com/mylib-1.0-py3-none-any.whl\nb@git+https://x/b.git\n'),
        '/repo',
        existing(),
      ),
    ).toEqual({});
  });
  it('names the line and both places looked at when neither has the path', () => {
    const result = pipFolder(one('fastapi\n../../libs/nowhere\n'), '/repo', existing());
    expect(result).toEqual({
      missing: expect.stringMatching(
        /^requirements\.txt line 2: \.\.\/\.\.\/libs\/nowhere is no folder or file: looked for at \/repo\/libs\/nowhere .* and at \/libs\/nowhere /,
      ),
    });
  });

  const included = (text: string) => [
    { file, text: 'fastapi\n-r ../../libs/common/requirements.txt\n' },
    { file: '/repo/libs/common/requirements.txt', text },
  ];
  it("an included file's paths decide too, read from pip's folder as pip reads them (not from the included file's)", () => {
    expect(pipFolder(included('../../libs/x\n'), '/repo', existing('/repo/libs/x'))).toEqual({
      cwd: '/repo/services/orders',
    });
  });
  it('names the included file and its line when its path is found nowhere, and that pip reads it from its own folder', () => {
    const result = pipFolder(included('pydantic\n../x\n'), '/repo', existing('/repo/libs/x'));
    expect('missing' in result && result.missing).toMatch(
      /^\/repo\/libs\/common\/requirements\.txt line 2: \.\.\/x is no folder or file: looked for at \/repo\/services\/x .*\n.*\n\/repo\/libs\/common\/requirements\.txt is included \(-r, -c\) by \/repo\/services\/orders\/requirements\.txt: pip reads a path in an included file from the folder it runs in, not from the included file's folder \(pypa\/pip#8765\), so write it relative to \/repo\/services\/orders\.$/,
    );
  });
});

describe('pathOutside', () => {
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'path-outside-')));
  const repo = join(top, 'repo');
  mkdirSync(join(repo, 'services', 'orders'), { recursive: true });
  mkdirSync(join(repo, 'libs', 'common'), { recursive: true });
  mkdirSync(join(top, 'elsewhere'));
  symlinkSync(join(top, 'elsewhere'), join(repo, 'libs', 'link'));
  const file = join(repo, 'services', 'orders', 'requirements.txt');
  const cwd = join(repo, 'services', 'orders');
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('accepts paths inside the repository', () => {
    expect(
      pathOutside([{ file, text: '../../libs/common\n-e ../../libs/common\nfastapi\n' }], cwd, repo),
    ).toBeUndefined();
  });
  it.each([
    ['../../../../../../../../etc', '/etc'],
    ['/etc', '/etc'],
    ['x @ file:///etc', '/etc'],
    ['x @ file:///tmp/..%2f..%2f..%2f..%2f..%2f..%2fetc', '/etc'],
    ['x@ file:///etc', '/etc'],
    ['-e git+file:///etc#egg=x', '/etc'],
    ['git+file:///etc@main#egg=x', '/etc'],
    ['x @ git+file:///etc', '/etc'],
    ['-e ../../libs/link', 'elsewhere'],
  ])('refuses %s, naming the file, the line, where it leads and the form expected', (line, leads) => {
    const message = pathOutside(
      [{ file, text: `fastapi\n${line.replace(/^-e /, '--editable ')}\n` }],
      cwd,
      repo,
    );
    expect(message).toContain(`${file} line 2: `);
    expect(message).toContain(
      `installs from ${leads === 'elsewhere' ? join(top, 'elsewhere') : leads}, outside the repository (${repo}).`,
    );
    expect(message).toContain(
      'lambda-deploy installs a local path from a requirements file only inside the repository',
    );
  });
  it('reads a path not there yet through a link to the repository as inside (pip names it missing, not lambda-deploy outside)', () => {
    const link = join(top, 'repo-link');
    symlinkSync(repo, link);
    expect(
      pathOutside([{ file, text: `${link}/wheels/not-built-1.0-py3-none-any.whl\n` }], cwd, repo),
    ).toBeUndefined();
  });
  it("reads an included file's path from pip's folder, as pip does", () => {
    const files = [
      { file, text: '-r ../../libs/common/requirements.txt\n' },
      { file: join(repo, 'libs', 'common', 'requirements.txt'), text: '../../../outside\n' },
    ];
    expect(pathOutside(files, cwd, repo)).toMatch(
      /^\S+libs\/common\/requirements\.txt line 1: \.\.\/\.\.\/\.\.\/outside installs from \S+\/outside, outside/,
    );
  });
});

describe('pipArgsFrom', () => {
  it('makes relative paths absolute from the working directory, URLs and other values as they are', () => {
    expect(
      pipArgsFrom(
        [
          '--no-index',
          '--find-links',
          'wheels/',
          '-fmore',
          '--constraint=c.txt',
          '--index-url',
          'https://x/simple',
          '-f',
          'https://x/links',
          './pkg.whl',
          '--find-links',
          '/abs',
        ],
        '/repo',
      ),
    ).toEqual([
      '--no-index',
      '--find-links',
      resolve('/repo', 'wheels/'),
      '-f/repo/more',
      '--constraint=/repo/c.txt',
      '--index-url',
      'https://x/simple',
      '-f',
      'https://x/links',
      '/repo/pkg.whl',
      '--find-links',
      '/abs',
    ]);
  });

  it('a wheel or sdist given by a path without ./ (wheels/x.whl, x.tar.gz) is a path to pip too; a name is not', () => {
    expect(
      pipArgsFrom(
        ['wheels/foo-1.0-py3-none-any.whl', 'foo-1.0.tar.gz', 'requests>=2', 'https://x/y.whl'],
        '/repo',
      ),
    ).toEqual([
      '/repo/wheels/foo-1.0-py3-none-any.whl',
      '/repo/foo-1.0.tar.gz',
      'requests>=2',
      'https://x/y.whl',
    ]);
  });

  it('a local index folder (pip reads a directory laid out as a simple index), plain or extra, from the working directory too', () => {
    expect(
      pipArgsFrom(
        [
          '--index-url',
          './simple',
          '-i',
          'mirror',
          '--extra-index-url=local/simple',
          '--extra-index-url',
          'https://x/simple',
        ],
        '/repo',
      ),
    ).toEqual([
      '--index-url',
      resolve('/repo', 'simple'),
      '-i',
      resolve('/repo', 'mirror'),
      `--extra-index-url=${resolve('/repo', 'local/simple')}`,
      '--extra-index-url',
      'https://x/simple',
    ]);
  });
});

describe('pipEnvironmentFrom', () => {
  it("makes the relative paths of pip's path variables absolute from the working directory, lists item by item", () => {
    expect(
      pipEnvironmentFrom(
        {
          PIP_FIND_LINKS: 'wheels  /abs/w https://x/links',
          PIP_CONSTRAINT: 'constraints.txt',
          PIP_REQUIREMENT: './extra.txt',
          PIP_INDEX_URL: 'https://x/simple',
          PIP_CACHE_DIR: 'my cache',
          PATH: 'bin',
        },
        '/repo',
      ),
    ).toEqual({
      PIP_FIND_LINKS: '/repo/wheels /abs/w https://x/links',
      PIP_CONSTRAINT: '/repo/constraints.txt',
      PIP_REQUIREMENT: '/repo/extra.txt',
      PIP_INDEX_URL: 'https://x/simple',
      PIP_CACHE_DIR: '/repo/my cache',
      PATH: 'bin',
    });
  });
});
