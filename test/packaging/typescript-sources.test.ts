import { describe, expect, it } from '@jest/globals';
import {
  isTypeScriptSource,
  namesTypeScript,
  typeScriptImportError,
  typeScriptNote,
} from '../../src/packaging/typescript-sources.js';

describe('isTypeScriptSource', () => {
  it.each([
    ['src/index.ts', true],
    ['types/global.d.ts', true],
    ['dist/index.d.mts', true],
    ['src/a.cts', true],
    ['src/page.tsx', true],
    ['tsconfig.json', true],
    ['tsconfig.base.json', true],
    ['dist/index.js', false],
    ['dist/index.js.map', false],
    ['src/ts', false],
    ['jsconfig.json', false],
    ['node_modules/x/index.d.ts', false],
    ['packages/a/node_modules/x/tsconfig.json', false],
  ])('%s: %s', (path, expected) => {
    expect(isTypeScriptSource(path)).toBe(expected);
  });
});

describe('namesTypeScript', () => {
  it.each([
    ['src/**/*.ts', true],
    ['*.d.ts', true],
    ['tsconfig*.json', true],
    ['/lib/x.mts/', true],
    ['**', false],
    ['src', false],
    ['src/**', false],
    ['*.json', false],
  ])('%s: %s', (pattern, expected) => {
    expect(namesTypeScript(pattern)).toBe(expected);
  });
});

describe('typeScriptNote', () => {
  it('counts the files, names the first ten, and says how to keep them on the command line', () => {
    const paths = Array.from({ length: 12 }, (_, i) => `src/m${String(i).padStart(2, '0')}.mts`);
    expect(typeScriptNote([...paths, paths[0]!], [], 'terminal')).toBe(
      `Left out 12 TypeScript files (Lambda's Node.js runtimes run the built JavaScript): ${paths.slice(0, 10).join(', ')}, …; ` +
        "package them anyway with --exclude '!*.mts'.",
    );
  });

  it('a tsconfig alone: its own name to keep it', () => {
    expect(typeScriptNote(['tsconfig.json'], ['dist'])).toBe(
      "Left out 1 TypeScript file (Lambda's Node.js runtimes run the built JavaScript): tsconfig.json; " +
        'package it anyway with exclude: "!tsconfig.json", or by naming it in include (src/**/*.ts).',
    );
  });
});

describe('typeScriptImportError', () => {
  const imports = (specifiers: string[], optional: string[] = []) =>
    new Map([['dist/index.js', { specifiers, optional }]]);

  it('a relative import of a file left out, from another folder', () => {
    expect(typeScriptImportError(['src/lib.mts'], imports(['node:fs', '../src/lib.mts']), 'terminal')).toBe(
      'dist/index.js imports ../src/lib.mts, a TypeScript file the package leaves out by default (Node.js 22.18+ loads it, stripping the types): ' +
        "package the TypeScript files with --exclude '!*.mts'.",
    );
  });

  it('none for an optional import, a kept file, or a package', () => {
    expect(
      typeScriptImportError(['src/lib.ts'], imports(['../src/lib.ts'], ['../src/lib.ts'])),
    ).toBeUndefined();
    expect(typeScriptImportError(['src/other.ts'], imports(['../src/lib.ts']))).toBeUndefined();
    expect(typeScriptImportError(['src/lib.ts'], imports(['lib.ts']))).toBeUndefined();
  });
});
