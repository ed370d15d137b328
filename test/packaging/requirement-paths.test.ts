import { describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import { localPathRequirements, pipArgsFrom, pipFolder } from '../../src/packaging/requirement-paths.js';

describe('localPathRequirements', () => {
  it.each([
    ['../../libs/common', [{ line: 1, path: '../../libs/common', editable: false }]],
    ['-e ../../libs/common', [{ line: 1, path: '../../libs/common', editable: true }]],
    ['--editable=./lib  # mine', [{ line: 1, path: './lib', editable: true }]],
    ['fastapi\n../lib[aws] ; python_version >= "3.9"', [{ line: 2, path: '../lib', editable: false }]],
    ['.', [{ line: 1, path: '.', editable: false }]],
    ['fastapi==1.0\n-r ../base.txt\n/abs/lib\nfile:///abs/lib\n# ../commented', []],
  ])('%j', (text, expected) => {
    expect(localPathRequirements(text)).toEqual(expected);
  });
});

describe('pipFolder', () => {
  const file = '/repo/services/orders/requirements.txt';
  const existing =
    (...paths: string[]) =>
    (p: string) =>
      paths.includes(p);

  it('runs pip where it always did when the file names no relative path', () => {
    expect(pipFolder(file, 'fastapi\n', '/repo', existing())).toEqual({});
  });
  it("runs pip in the file's folder when its paths are there", () => {
    expect(pipFolder(file, '../../libs/common\n', '/repo', existing('/repo/libs/common'))).toEqual({
      cwd: '/repo/services/orders',
    });
  });
  it('keeps the working directory for a file written for it (paths from the workspace root)', () => {
    expect(pipFolder(file, './libs/common\n', '/repo', existing('/repo/libs/common'))).toEqual({});
  });
  it('names the line and both places looked at when neither has the path', () => {
    const result = pipFolder(file, 'fastapi\n../../libs/nowhere\n', '/repo', existing());
    expect(result).toEqual({
      missing: expect.stringMatching(
        /^requirements\.txt line 2: \.\.\/\.\.\/libs\/nowhere is no folder or file: looked for at \/repo\/libs\/nowhere .* and at \/libs\/nowhere /,
      ),
    });
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
