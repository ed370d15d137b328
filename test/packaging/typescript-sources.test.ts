import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { createFileFilter } from '../../src/packaging/file-filter.js';
import { splitArgs, splitList } from '../../src/settings/input-lists.js';
import {
  isTypeScriptSource,
  namesTypeScript,
  typeScriptImports,
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
    // tsc's incremental build state (incremental: true, composite), which nothing loads at run time.
    ['tsconfig.tsbuildinfo', true],
    ['dist/.tsbuildinfo', true],
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
    ['src/**/*.{js,ts}', true],
    ['*.{ts,tsx}', true],
    ['*.tsbuildinfo', true],
    ['{a,b}/*.{js,json}', false],
  ])('%s: %s', (pattern, expected) => {
    expect(namesTypeScript(pattern)).toBe(expected);
  });
});

describe('typeScriptNote', () => {
  it('counts the files, names the first ten, and says how to keep them on the command line', () => {
    const paths = Array.from({ length: 12 }, (_, i) => `src/m${String(i).padStart(2, '0')}.mts`);
    expect(typeScriptNote([...paths, paths[0]!], [], [], 'terminal')).toBe(
      `Left out 12 TypeScript files (Lambda's Node.js runtimes run the built JavaScript): ${paths.slice(0, 10).join(', ')}, …; ` +
        "package them anyway with --exclude '!*.mts'.",
    );
  });

  it("tsc's build state: its own pattern to keep it", () => {
    expect(typeScriptNote(['tsconfig.tsbuildinfo'], [], [])).toBe(
      "Left out 1 TypeScript file (Lambda's Node.js runtimes run the built JavaScript): tsconfig.tsbuildinfo; " +
        'package it anyway with exclude: "!*.tsbuildinfo".',
    );
  });

  it('a tsconfig alone: its own name to keep it', () => {
    expect(typeScriptNote(['tsconfig.json'], ['dist'], [])).toBe(
      "Left out 1 TypeScript file (Lambda's Node.js runtimes run the built JavaScript): tsconfig.json; " +
        'package it anyway with exclude: "!tsconfig.json", or by naming it in include (src/**/*.ts).',
    );
  });
});

describe("typeScriptNote and typeScriptImports with exclude set: the user's exclude still applies", () => {
  const exclude = splitList('tests/\n# ours\n  *.test.js\n');
  const files = ['src/lib.ts', 'tsconfig.json', 'tests/a.js', 'lib/a.test.js', 'index.js'];
  /** What a filter with the exclude pasted in place of the user's, or with the flags added to it, packages. */
  const packaged = (setting: string, surface: 'action' | 'terminal') => {
    const pasted =
      surface === 'action'
        ? splitList((parse(setting) as { exclude: string }).exclude)
        : [...exclude, ...splitArgs(setting).filter((_, i) => i % 2 === 1)];
    const filter = createFileFilter({ runtime: 'nodejs22.x', exclude: pasted });
    return files.filter((f) => filter.includeFile(f));
  };

  it("in the action: the user's patterns, then the `!` ones; on the command line: the added flags only", () => {
    const action = /with (exclude: ".*")\.$/.exec(
      typeScriptNote(['src/lib.ts', 'tsconfig.json'], [], exclude),
    )![1]!;
    expect(splitList((parse(action) as { exclude: string }).exclude)).toEqual([
      'tests/',
      '*.test.js',
      '!*.ts',
      '!tsconfig.json',
    ]);
    const terminal = /with (--exclude .*)\.$/.exec(
      typeScriptNote(['src/lib.ts', 'tsconfig.json'], [], exclude, 'terminal'),
    )![1]!;
    expect(terminal).toBe("--exclude '!*.ts' --exclude '!tsconfig.json'");
    for (const [setting, surface] of [
      [action, 'action'],
      [terminal, 'terminal'],
    ] as const)
      expect([surface, packaged(setting, surface)]).toEqual([
        surface,
        ['src/lib.ts', 'tsconfig.json', 'index.js'],
      ]);
  });

  it("a warning's fix holds a user's pattern with a | (an extglob) whole", () => {
    const { warnings } = typeScriptImports(
      ['src/lib.ts'],
      new Map([['index.js', { specifiers: ['./src/lib.ts'], optional: ['./src/lib.ts'] }]]),
      'index.js',
      'action',
      { exclude: ['docs/*.@(md|txt)'] },
    );
    expect(warnings[0]).toMatch(/ with exclude: ".*" to keep them\.$/);
    const setting = /with (exclude: ".*") to keep them\.$/.exec(warnings[0]!)![1]!;
    expect(splitList((parse(setting) as { exclude: string }).exclude)).toEqual(['docs/*.@(md|txt)', '!*.ts']);
  });

  it("a warning's fix keeps every file it names, not only the first one's kind", () => {
    const { warnings } = typeScriptImports(
      ['src/lib.ts', 'src/page.mts'],
      new Map([
        ['scripts/a.mjs', { specifiers: ['../src/lib.ts'], optional: [] }],
        ['scripts/b.mjs', { specifiers: ['../src/page.mts'], optional: [] }],
      ]),
      'index.js',
      'action',
      { exclude: ['tests/'] },
    );
    const setting = /with (exclude: ".*") to keep them\.$/.exec(warnings[0]!)![1]!;
    expect(splitList((parse(setting) as { exclude: string }).exclude)).toEqual(['tests/', '!*.ts', '!*.mts']);
  });

  it("the import's fix, pasted, keeps the user's exclude too", () => {
    const { refusal } = typeScriptImports(
      ['src/lib.ts'],
      new Map([['index.js', { specifiers: ['./src/lib.ts'], optional: [] }]]),
      'index.js',
      'action',
      { exclude },
    );
    const setting = /with (exclude: ".*")\.$/.exec(refusal!)![1]!;
    expect(packaged(setting, 'action')).toEqual(['src/lib.ts', 'index.js']);
  });
});

describe('typeScriptNote: the patterns of what was left out', () => {
  it('tsconfig files and build state only: no *.ts', () => {
    expect(typeScriptNote(['tsconfig.json', 'tsconfig.build.json', 'tsconfig.tsbuildinfo'], [], [])).toBe(
      "Left out 3 TypeScript files (Lambda's Node.js runtimes run the built JavaScript): tsconfig.build.json, tsconfig.json, tsconfig.tsbuildinfo; " +
        'package them anyway with exclude: "!tsconfig*.json\\n!*.tsbuildinfo".',
    );
  });

  it('the three most frequent, each once, repeated flags on the command line', () => {
    const paths = [
      'a.ts',
      'b.d.ts',
      'c.ts',
      'd.cts',
      'tsconfig.json',
      'tsconfig.base.json',
      'e.tsbuildinfo',
      'f.mts',
      'g.mts',
    ];
    expect(typeScriptNote(paths, [], [], 'terminal')).toMatch(
      / package them anyway with --exclude '!\*\.ts' --exclude '!\*\.mts' --exclude '!tsconfig\*\.json'\.$/,
    );
  });
});

describe('typeScriptImports', () => {
  const imports = (specifiers: string[], optional: string[] = []) =>
    new Map([['dist/index.js', { specifiers, optional }]]);

  it('refuses a relative import of a file left out, from another folder, by the handler', () => {
    expect(
      typeScriptImports(['src/lib.mts'], imports(['node:fs', '../src/lib.mts']), 'dist/index.js', 'terminal'),
    ).toEqual({
      refusal:
        'dist/index.js imports ../src/lib.mts, a TypeScript file the package leaves out by default (Node.js 22.18+ loads it, stripping the types): ' +
        "package the TypeScript files with --exclude '!*.mts'.",
      warnings: [],
    });
  });

  it('follows the relative imports of the handler: a file it loads in turn is refused too', () => {
    const files = new Map([
      ['index.mjs', { specifiers: ['./lib/a'], optional: [] }],
      ['lib/a.js', { specifiers: ['./b.ts'], optional: [] }],
    ]);
    expect(typeScriptImports(['lib/b.ts'], files, 'index.mjs').refusal).toMatch(
      /^lib\/a\.js imports \.\/b\.ts,/,
    );
  });

  it('a .tsx file, which no Node.js runs, is to be built, not kept', () => {
    expect(typeScriptImports(['src/page.tsx'], imports(['../src/page.tsx']), 'dist/index.js').refusal).toBe(
      "dist/index.js imports ../src/page.tsx, a TypeScript file, which Lambda's Node.js does not run (Node.js 22.18+ strips the types of .ts, .mts and .cts files): " +
        'build it to JavaScript first (tsc) and import the built file.',
    );
  });

  it('refuses tsconfig-paths loaded by the handler when tsconfig.json is left out, not when it is kept', () => {
    expect(
      typeScriptImports(['tsconfig.json'], imports(['tsconfig-paths/register']), 'dist/index.js').refusal,
    ).toBe(
      'dist/index.js imports tsconfig-paths/register (tsconfig.json), a TypeScript file the package leaves out by default (tsconfig-paths reads it at run time): ' +
        'package the TypeScript files with exclude: "!tsconfig.json".',
    );
    // A tsconfig.json that extends one left out too (its baseUrl and paths there): keeping it alone is not enough.
    expect(
      typeScriptImports(
        ['tsconfig.json', 'tsconfig.base.json', 'packages/a/tsconfig.lib.json'],
        imports(['tsconfig-paths/register']),
        'dist/index.js',
        'terminal',
      ).refusal,
    ).toBe(
      'dist/index.js imports tsconfig-paths/register (tsconfig.json), a TypeScript file the package leaves out by default (tsconfig-paths reads it at run time, and any tsconfig file it extends: tsconfig.base.json): ' +
        "package the TypeScript files with --exclude '!tsconfig*.json'.",
    );
    expect(typeScriptImports(['src/a.ts'], imports(['tsconfig-paths']), 'dist/index.js')).toEqual({
      warnings: [],
    });
  });

  it('warns of an optional import, and of a file the handler does not load; a kept file or a package is fine', () => {
    expect(
      typeScriptImports(['src/lib.ts'], imports(['../src/lib.ts'], ['../src/lib.ts']), 'dist/index.js'),
    ).toEqual({
      warnings: [
        'dist/index.js imports ../src/lib.ts, a TypeScript file the package leaves out by default: it fails with "Cannot find module" where the code loads it (an import() or a try block); ' +
          'package the TypeScript files with exclude: "!*.ts" to keep them.',
      ],
    });
    const scripts = new Map(
      Array.from({ length: 6 }, (_, i) => [
        `scripts/s${i}.mjs`,
        { specifiers: ['../src/lib.ts'], optional: [] },
      ]),
    );
    expect(typeScriptImports(['src/lib.ts'], scripts, 'index.js')).toEqual({
      warnings: [
        'scripts/s0.mjs imports ../src/lib.ts, scripts/s1.mjs imports ../src/lib.ts, scripts/s2.mjs imports ../src/lib.ts, scripts/s3.mjs imports ../src/lib.ts, scripts/s4.mjs imports ../src/lib.ts, … (6 in all), ' +
          'TypeScript files the package leaves out by default: it fails with "Cannot find module" if Lambda loads it (the handler\'s file index.js does not, as far as a static look tells); ' +
          'package the TypeScript files with exclude: "!*.ts" to keep them.',
      ],
    });
    expect(typeScriptImports(['src/other.ts'], imports(['../src/lib.ts']), 'dist/index.js')).toEqual({
      warnings: [],
    });
    expect(typeScriptImports(['src/lib.ts'], imports(['lib.ts']), 'dist/index.js')).toEqual({ warnings: [] });
  });
});
