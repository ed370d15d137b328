/** find-links-folders: which --find-links folders lie inside the function's folder, and the build log's line. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findLinksFolders,
  findLinksNote,
  holdsOnlyDownloads,
} from '../../src/packaging/find-links-folders.js';
import { parse } from 'yaml';
import { createFileFilter } from '../../src/packaging/file-filter.js';
import { splitArgs, splitList } from '../../src/settings/input-lists.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('find-links');
afterAll(cleanup);

describe('findLinksFolders', () => {
  const path = join(root, 'svc');
  for (const folder of ['wheels', 'conf-wheels', 'lib']) mkdirSync(join(path, folder), { recursive: true });
  writeFileSync(join(path, 'links.html'), '<a href="x.whl">x</a>');
  writeFileSync(join(root, 'pip.conf'), `[global]\nfind-links = svc/conf-wheels\n`);
  const env = { PIP_CONFIG_FILE: join(root, 'pip.conf') };

  it("reads pip's configuration files from the working directory; leaves URLs, files, missing folders and path itself alone", () => {
    expect(
      findLinksFolders({
        path,
        pipArgs: [
          '-f',
          'https://example.com/wheels/',
          '-f',
          'svc/links.html',
          '-fsvc/gone',
          '--find-links',
          'svc',
          // the working directory, a parent of path: never the whole function
          '-f',
          '.',
          '-f',
          'svc/..',
        ],
        env,
        workingDir: root,
      }),
    ).toEqual(['conf-wheels']);
  });

  it('takes file: URLs, and PIP_FIND_LINKS over the configuration files', () => {
    expect(
      findLinksFolders({
        path,
        pipArgs: ['--find-links', `file://${join(path, 'wheels')}`],
        env: { ...env, PIP_FIND_LINKS: 'svc/lib ../elsewhere' },
        workingDir: root,
      }),
    ).toEqual(['lib', 'wheels']);
  });
});

describe('holdsOnlyDownloads', () => {
  const write = (rel: string, text = '') => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  for (const name of [
    'a-1-py3-none-any.whl',
    'b-2.tar.gz',
    'index.html',
    'SHA256SUMS.txt',
    'README',
    '.gitkeep',
  ])
    write(`dl/${name}`);
  write('dl/old/c-1.zip');
  symlinkSync(join(root, 'nowhere'), join(root, 'dl', 'broken'));
  write('mixed/a-1-py3-none-any.whl');
  write('mixed/deep/handler.py');
  write('data/a-1-py3-none-any.whl');
  write('data/model.bin');

  it('wheels, sdists, link pages, checksums and notes, at any depth: yes; a module or a data file anywhere in it: no', () => {
    expect(holdsOnlyDownloads(join(root, 'dl'))).toBe(true);
    expect(holdsOnlyDownloads(join(root, 'mixed'))).toBe(false);
    expect(holdsOnlyDownloads(join(root, 'data'))).toBe(false);
    expect(holdsOnlyDownloads(join(root, 'missing'))).toBe(false);
  });

  // .zip, .tar, .txt and .md are also what a function reads (data.zip, words.txt, prompt.md): only
  // an archive named as a distribution (name-version), pip's requirement and checksum lists and a
  // person's notes count as downloads; any other such file keeps the folder whole.
  it('an archive not named name-version, a .txt or .md that is not a requirements, checksum or notes file: no', () => {
    for (const name of [
      'requirements.txt',
      'constraints-py312.txt',
      'SHA256SUMS',
      'CHANGELOG.md',
      'LICENSE.txt',
    ])
      write(`dl2/${name}`);
    write('dl2/d-1.0.tar');
    write('dl2/e-v2.tgz');
    write('dl2/python-dateutil-2.8.2.tar.gz'); // an older sdist keeps its name's hyphens
    expect(holdsOnlyDownloads(join(root, 'dl2'))).toBe(true);
    for (const name of ['data.zip', 'archive.tar', 'words.txt', 'prompt.md', 'guide.rst', 'model.tar.gz']) {
      write(`rt-${name}/a-1-py3-none-any.whl`);
      write(`rt-${name}/${name}`);
      expect([name, holdsOnlyDownloads(join(root, `rt-${name}`))]).toEqual([name, false]);
    }
  });
});

describe('findLinksNote', () => {
  it("in the action: the exclude line it gives is YAML whose value keeps every folder, as the input's list", () => {
    for (const folders of [['wheels'], ['deps/wheels', 'more']]) {
      const note = findLinksNote(folders, [], [], 'action');
      const setting = /with (exclude: .*?)(?:, or by naming|\.$)/.exec(note)?.[1] ?? '';
      const value = (parse(setting) as { exclude: string }).exclude;
      expect(splitList(value)).toEqual(folders.map((f) => `!${f}`));
    }
  });

  it('on the command line: one --exclude each, or where include is set one --include each (a `!` in exclude alone keeps nothing include leaves out)', () => {
    expect(findLinksNote(['deps/wheels', 'wheels'], ['app.py'], [], 'terminal')).toBe(
      "Left out deps/wheels/ and wheels/ (pip's --find-links folders: wheels, sdists, link pages, requirement and checksum lists, notes and dotfiles only): " +
        'pip installed from them, and nothing reads them at run time; ' +
        "package them anyway by naming them in --include (--include 'deps/wheels/' --include 'wheels/').",
    );
    expect(findLinksNote(['wheels'], [], [], 'terminal')).toBe(
      "Left out wheels/ (pip's --find-links folder: wheels, sdists, link pages, requirement and checksum lists, notes and dotfiles only): " +
        "pip installed from it, and nothing reads it at run time; package it anyway with --exclude '!wheels'.",
    );
  });

  it('in the action: the include line it gives is YAML whose value is the include set, and every folder after it', () => {
    for (const folders of [['wheels'], ['deps/wheels', 'more']]) {
      const note = findLinksNote(folders, ['app.py', 'lib/**'], [], 'action');
      const setting = /by naming .* in include \((include: .*)\)\.$/.exec(note)?.[1] ?? '';
      const value = (parse(setting) as { include: string }).include;
      expect(splitList(value)).toEqual(['app.py', 'lib/**', ...folders.map((f) => `${f}/`)]);
    }
  });

  /**
   * Every setting the action's note offers, pasted in place of the user's: the filter it gives keeps each
   * folder's wheels, and nothing more (whx/: what a glob of `wh*` would add); `lost`: what the user's
   * own settings left out that it packages again.
   */
  const pasted = (folders: string[], include: string[], exclude: string[] = []) => {
    const note = findLinksNote(folders, include, exclude, 'action');
    const offered = [...note.matchAll(/(exclude|include): ("(?:[^"\\]|\\.)*")/g)].map((m) => m[0]);
    expect(offered.length).toBeGreaterThan(0);
    const filterOf = (setting: { exclude?: string; include?: string }) =>
      createFileFilter({
        runtime: 'python3.12',
        include: setting.include === undefined ? include : splitList(setting.include),
        exclude: setting.exclude === undefined ? exclude : splitList(setting.exclude),
        findLinksDirs: folders,
      });
    const before = filterOf({});
    return offered.map((setting) => {
      const filter = filterOf(parse(setting) as { exclude?: string; include?: string });
      const own = ['app.py', 'tests/test_app.py', 'docs/guide.md'];
      return {
        setting,
        kept: folders.every((f) => filter.includeFile(`${f}/a-1.0-py3-none-any.whl`)),
        more: ['extra.txt', '.git/config', 'whx/a.txt'].filter((f) => filter.includeFile(f)),
        lost: own.filter((f) => !before.includeFile(f) && filter.includeFile(f)),
      };
    });
  };

  it("with exclude set, the exclude line it gives is the user's patterns and the folders' after them: pasted, the user's exclude still applies", () => {
    // The input as the action reads it (settings.ts): one a line, trimmed, comments dropped.
    const exclude = splitList('  tests/\n# ours\ndocs/**\n');
    expect(exclude).toEqual(['tests/', 'docs/**']);
    for (const folders of [['wheels'], ['deps/wheels', 'more']]) {
      const note = findLinksNote(folders, [], exclude, 'action');
      const setting = /with (exclude: .*?)\.$/.exec(note)?.[1] ?? '';
      for (const result of pasted(folders, [], exclude))
        expect(result).toMatchObject({ kept: true, lost: [] });
      expect(splitList((parse(setting) as { exclude: string }).exclude)).toEqual([
        ...exclude,
        ...folders.map((f) => `!${f}`),
      ]);
    }
  });

  it("on the command line with exclude set: only the added flag, which adds to those given (the user's exclude still applies)", () => {
    const note = findLinksNote(['wheels'], [], ['tests/'], 'terminal');
    expect(note).toMatch(/ package it anyway with --exclude '!wheels'\.$/);
    const added = splitArgs(/with (--exclude .*)\.$/.exec(note)![1]!).filter((_, i) => i % 2 === 1);
    const filter = createFileFilter({
      runtime: 'python3.12',
      exclude: ['tests/', ...added],
      findLinksDirs: ['wheels'],
    });
    expect(filter.includeFile('wheels/a-1.0-py3-none-any.whl')).toBe(true);
    expect(filter.includeFile('tests/test_app.py')).toBe(false);
  });

  it('with include set, every setting it offers keeps the folders when pasted (exclude\'s "!" alone cannot: include leaves them out)', () => {
    for (const result of pasted(['wheels', 'deps/wheels'], ['app.py']))
      expect(result).toMatchObject({ kept: true, more: [] });
  });

  it('a folder named with glob or comment characters (#, a leading !, parentheses, braces, backslash, *) is named literally, pasted as it is', () => {
    for (const folder of ['#deps', '!deps', 'wh (old)', 'wh{a,b}', 'back\\slash', 'wh*', 'wh[1]']) {
      for (const result of pasted([folder], ['app.py']))
        expect(result).toMatchObject({ kept: true, more: [] });
      for (const result of pasted([folder], [])) expect(result).toMatchObject({ kept: true });
    }
  });
});
