import { describe, expect, it } from '@jest/globals';
import {
  devOnlyNote,
  devOnlyPackages,
  lockfileMismatch,
  packageLevels,
} from '../../src/packaging/dev-dependencies.js';
import { parse } from 'yaml';
import { createFileFilter } from '../../src/packaging/file-filter.js';
import { splitList } from '../../src/settings/input-lists.js';

const lock = (lockfileVersion: unknown, packages: unknown): string =>
  JSON.stringify({ name: 'svc', lockfileVersion, packages });

describe('devOnlyPackages', () => {
  it('lists the package folders marked dev only, nested and scoped ones too', () => {
    const text = lock(3, {
      '': { name: 'svc' },
      'node_modules/a': { version: '1.0.0' },
      'node_modules/a/node_modules/b': { version: '2.0.0', dev: true },
      'node_modules/@types/node': { version: '22.0.0', dev: true },
      'node_modules/fsevents': { version: '2.3.3', dev: true, optional: true },
      'node_modules/both': { version: '1.0.0', devOptional: true },
      'node_modules/opt': { version: '1.0.0', optional: true },
      'packages/web/node_modules/vite': { version: '5.0.0', dev: true },
    });
    expect(devOnlyPackages(text)).toEqual([
      { folder: 'node_modules/a/node_modules/b', version: '2.0.0' },
      { folder: 'node_modules/@types/node', version: '22.0.0' },
      { folder: 'node_modules/fsevents', version: '2.3.3' },
      { folder: 'packages/web/node_modules/vite', version: '5.0.0' },
    ]);
  });

  it('never lists workspace links, the root, or keys that are not package folders', () => {
    const text = lock(2, {
      '': { name: 'svc', dev: true },
      'node_modules/web': { resolved: 'packages/web', link: true, dev: true },
      'packages/web': { name: 'web', dev: true },
      'node_modules/../../etc': { dev: true },
      '/abs/node_modules/x': { dev: true },
    });
    expect(devOnlyPackages(text)).toEqual([]);
  });

  it('trusts only lockfile v2 and v3 with a packages map', () => {
    const packages = { 'node_modules/a': { dev: true } };
    expect(devOnlyPackages(lock(1, packages))).toBeUndefined();
    expect(devOnlyPackages(lock(4, packages))).toBeUndefined();
    expect(devOnlyPackages(lock(3, undefined))).toBeUndefined();
    expect(devOnlyPackages('not json')).toBeUndefined();
    expect(devOnlyPackages(lock(3, packages))).toEqual([{ folder: 'node_modules/a' }]);
  });
});

describe('lockfileMismatch', () => {
  const packages = [
    { folder: 'node_modules/a', version: '1.0.0' },
    { folder: 'node_modules/gone', version: '1.0.0' },
  ];
  it('accepts missing folders and matching versions, and names the first folder that differs', () => {
    const installed = (versions: Record<string, string | null>) => (f: string) => versions[f];
    expect(lockfileMismatch(packages, installed({ 'node_modules/a': '1.0.0' }))).toBeUndefined();
    expect(lockfileMismatch(packages, installed({ 'node_modules/a': '1.1.0' }))).toEqual({
      folder: 'node_modules/a',
      installed: '1.1.0',
      locked: '1.0.0',
    });
    expect(lockfileMismatch(packages, installed({ 'node_modules/a': null }))?.installed).toBeNull();
  });
});

describe('packageLevels', () => {
  it('names the package folders a folder sits in, never a node_modules folder', () => {
    expect(packageLevels('node_modules/a/node_modules/b')).toEqual([
      'node_modules/a/node_modules/b',
      'node_modules/a',
    ]);
    expect(packageLevels('node_modules/@types/node')).toEqual([
      'node_modules/@types/node',
      'node_modules/@types',
    ]);
    expect(packageLevels('packages/web/node_modules/vite')).toEqual(['packages/web/node_modules/vite']);
  });
});

describe('devOnlyNote', () => {
  it("in the action: the exclude line, pasted in place of the user's, keeps the package and the user's exclude", () => {
    const exclude = splitList('tests/\n# ours\n');
    const note = devOnlyNote(['node_modules/jest', 'node_modules/@types/node'], 'package-lock.json', exclude);
    const setting = /, or with (exclude: ".*")\.$/.exec(note)![1]!;
    const pasted = splitList((parse(setting) as { exclude: string }).exclude);
    const filter = createFileFilter({
      runtime: 'nodejs22.x',
      exclude: pasted,
      devOnlyDirs: new Set(['node_modules/jest', 'node_modules/@types/node']),
    });
    // The user's exclude still applies; the package named is walked again.
    expect(filter.includeFile('tests/a.test.js')).toBe(false);
    expect(filter.walkDir('node_modules/@types/node')).toBe(true);
    expect(pasted).toEqual(['tests/', '!node_modules/@types/node']);
  });

  it('says how to keep a package on the CLI', () => {
    expect(devOnlyNote(['node_modules/jest'], 'package-lock.json', ['tests/'], 'terminal')).toBe(
      "Left out 1 package only devDependencies need: jest (package-lock.json); package one anyway by naming its folder in --include, or with --exclude '!node_modules/jest'.",
    );
  });
});
