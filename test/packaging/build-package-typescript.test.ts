/** buildPackage of a TypeScript Node.js function: the zip holds the built JavaScript, not the sources. */
import { describe, expect, it } from '@jest/globals';
import { buildPackage } from '../../src/packaging/build-package.js';
import type { BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { splitList } from '../../src/settings/input-lists.js';
import { parse } from 'yaml';
import { buildWorkspace, names } from './build-workspace.js';

const { project, options } = buildWorkspace();

describe('a TypeScript Node.js function: its sources are left out', () => {
  /** As `tsc -p tsconfig.build.json` leaves it: src/ built to dist/ with declarations and source maps (and, incremental, its build state). */
  const tree: Record<string, string> = {
    'package.json': '{"name":"svc","version":"1.0.0","main":"dist/index.js"}',
    'tsconfig.json': '{"compilerOptions":{"outDir":"dist","declaration":true,"sourceMap":true}}',
    'tsconfig.build.json': '{"extends":"./tsconfig.json","include":["src"]}',
    'src/index.ts': 'export const handler = async (): Promise<number> => 200;\n',
    'src/types.d.ts': 'export type Status = number;\n',
    'src/legacy.cts': 'export = 1;\n',
    'dist/index.js': 'export const handler = async () => 200;\n//# sourceMappingURL=index.js.map\n',
    'dist/index.js.map': '{"version":3,"sources":["../src/index.ts"],"mappings":""}',
    'dist/index.d.ts': 'export declare const handler: () => Promise<number>;\n',
    'tsconfig.build.tsbuildinfo': '{"program":{"fileNames":["./src/index.ts"]},"version":"5.9.3"}',
    'node_modules/left-pad/package.json': '{"name":"left-pad","version":"1.3.0","types":"index.d.ts"}',
    'node_modules/left-pad/index.js': 'module.exports = () => "";\n',
    'node_modules/left-pad/index.d.ts': 'export default function leftPad(): string;\n',
    'node_modules/left-pad/tsconfig.json': '{}',
  };
  const node = { runtime: 'nodejs22.x', handler: 'dist/index.handler' } as const;
  const kept = [
    'dist/index.js',
    'dist/index.js.map',
    'node_modules/left-pad/index.d.ts',
    'node_modules/left-pad/index.js',
    'node_modules/left-pad/package.json',
    'node_modules/left-pad/tsconfig.json',
    'package.json',
  ];

  async function build(
    name: string,
    files: Record<string, string>,
    overrides: Partial<BuildPackageOptions> = {},
  ) {
    const path = project(name, files);
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { ...node, ...overrides }), { logger });
    return { entries: await names(result.zipPath), log: logger.text('info') };
  }

  it("packages dist/ and node_modules as they are, without src/*.ts, declarations, tsconfig files and tsc's build state, and says so", async () => {
    const { entries, log } = await build('ts-default', tree);
    expect(entries).toEqual(kept);
    expect(log).toContain(
      "Left out 7 TypeScript files (Lambda's Node.js runtimes run the built JavaScript): dist/index.d.ts, src/index.ts, src/legacy.cts, src/types.d.ts, tsconfig.build.json, tsconfig.build.tsbuildinfo, tsconfig.json; " +
        'package them anyway with exclude: "!*.ts\\n!tsconfig*.json\\n!*.cts".',
    );
  });

  it('keeps the ones an include pattern names, not those a broad one covers', async () => {
    const { entries, log } = await build('ts-included', tree, {
      include: ['dist', 'node_modules', 'package.json', 'src/**/*.ts', 'tsconfig.json'],
    });
    expect(entries).toEqual([...kept, 'src/index.ts', 'src/types.d.ts', 'tsconfig.json'].sort());
    expect(log).toContain(
      // src/legacy.cts and tsconfig.build.json: left out by include itself.
      "Left out 1 TypeScript file (Lambda's Node.js runtimes run the built JavaScript): dist/index.d.ts; " +
        'package it anyway with exclude: "!*.ts", or by naming it in include (src/**/*.ts).',
    );
  });

  it('keeps the ones a !pattern of exclude keeps', async () => {
    const { entries, log } = await build('ts-negated', tree, { exclude: ['!*.ts', '!*.cts'] });
    expect(entries).toEqual(
      [...kept, 'dist/index.d.ts', 'src/index.ts', 'src/legacy.cts', 'src/types.d.ts'].sort(),
    );
    expect(log).toContain('Left out 3 TypeScript files');
  });

  it("with exclude set: the exclude line of the note and of a refusal, pasted in place of the user's, keeps the user's exclude", async () => {
    const files = { ...tree, 'test/index.test.js': 'test("x", () => {});\n' };
    const first = await build('ts-excluded', files, { exclude: ['test/'] });
    expect(first.entries).toEqual(kept);
    const setting = /package them anyway with (exclude: .*)\.$/m.exec(first.log)?.[1] ?? '';
    const exclude = splitList((parse(setting) as { exclude: string }).exclude);
    expect(exclude).toEqual(['test/', '!*.ts', '!tsconfig*.json', '!*.cts']);
    const pasted = await build('ts-excluded-pasted', files, { exclude });
    expect(pasted.entries).toEqual(
      Object.keys(tree)
        .filter((f) => f !== 'tsconfig.build.tsbuildinfo')
        .sort(),
    );
    // The fix of a refusal (before anything is created) gives the whole input too.
    const imported = {
      'package.json': '{"name":"svc","version":"1.0.0","type":"module"}',
      'index.js': "export { handler } from './src/handler.ts';\n",
      'src/handler.ts': 'export const handler = async (): Promise<number> => 200;\n',
      'test/handler.test.js': 'test("x", () => {});\n',
    };
    await expect(
      build('ts-excluded-imported', imported, { handler: 'index.handler', exclude: ['test/'] }),
    ).rejects.toThrow(/package the TypeScript files with exclude: "test\/\\n!\*\.ts"\.$/);
  });

  it('leaves a Python function alone', async () => {
    const { entries, log } = await build(
      'ts-python',
      {
        'app.py': 'def handler(event, context):\n    return 200\n',
        'static/app.ts': 'export {};\n',
        'tsconfig.json': '{}',
      },
      { runtime: 'python3.12', handler: 'app.handler' },
    );
    expect(entries).toEqual(['app.py', 'static/app.ts', 'tsconfig.json']);
    expect(log).not.toContain('TypeScript');
  });

  it('refuses a JavaScript file that imports a TypeScript one it left out, before anything is created', async () => {
    const files = {
      'package.json': '{"name":"svc","version":"1.0.0","type":"module"}',
      'index.js': "export { handler } from './src/handler.ts';\n",
      'src/handler.ts': 'export const handler = async (): Promise<number> => 200;\n',
    };
    await expect(build('ts-imported', files, { handler: 'index.handler' })).rejects.toThrow(
      'index.js imports ./src/handler.ts, a TypeScript file the package leaves out by default (Node.js 22.18+ loads it, stripping the types): ' +
        'package the TypeScript files with exclude: "!*.ts".',
    );
    // Node.js 20 strips no types: keeping the file would not help.
    await expect(
      build('ts-imported-20', files, { handler: 'index.handler', runtime: 'nodejs20.x' }),
    ).rejects.toThrow(
      "index.js imports ./src/handler.ts, a TypeScript file, which Lambda's nodejs20.x does not run (Node.js 22.18+ strips the types of .ts, .mts and .cts files): " +
        'build it to JavaScript first (tsc) and import the built file.',
    );
    const { entries } = await build('ts-imported-kept', files, {
      handler: 'index.handler',
      exclude: ['!*.ts'],
    });
    expect(entries).toEqual(['index.js', 'package.json', 'src/handler.ts']);
  });

  it('refuses only a file the handler loads: a script beside it that imports TypeScript is named in a warning', async () => {
    const path = project('ts-script', {
      'package.json': '{"name":"svc","version":"1.0.0","type":"module"}',
      'dist/index.js': "import { lib } from './lib.js';\nexport const handler = async () => lib;\n",
      'dist/lib.js': 'export const lib = 1;\n',
      'src/db.ts': 'export const db = (): number => 1;\n',
      // Run on the developer's machine (Node.js 22.18+), never on Lambda.
      'scripts/seed.mjs': "import { db } from '../src/db.ts';\ndb();\n",
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { ...node }), { logger });
    expect(await names(result.zipPath)).toEqual([
      'dist/index.js',
      'dist/lib.js',
      'package.json',
      'scripts/seed.mjs',
    ]);
    expect(logger.text('warning')).toContain(
      'scripts/seed.mjs imports ../src/db.ts, a TypeScript file the package leaves out by default: it fails with "Cannot find module" if Lambda loads it (the handler\'s file dist/index.js does not, as far as a static look tells);',
    );
  });

  it('warns of a TypeScript file left out that the handler loads with import(), without refusing', async () => {
    const path = project('ts-dynamic', {
      'package.json': '{"name":"svc","version":"1.0.0","type":"module"}',
      'index.js': "export const handler = async (e) => (await import('./src/handler.ts')).handler(e);\n",
      'src/handler.ts': 'export const handler = async (): Promise<number> => 200;\n',
    });
    const logger = new RecordingLogger();
    await buildPackage(options(path, { ...node, handler: 'index.handler' }), { logger });
    expect(logger.text('warning')).toContain(
      'index.js imports ./src/handler.ts, a TypeScript file the package leaves out by default: it fails with "Cannot find module" where the code loads it (an import() or a try block);',
    );
  });

  it('refuses a require() without extension that a loader (ts-node) resolves to a TypeScript file left out, not one a .js file answers', async () => {
    const files = {
      'package.json': '{"name":"svc","version":"1.0.0","dependencies":{"ts-node":"10.9.2"}}',
      'node_modules/ts-node/package.json': '{"name":"ts-node","version":"10.9.2"}',
      'node_modules/ts-node/register/index.js': 'module.exports = {};\n',
      'index.js':
        "require('ts-node/register');\nmodule.exports = { ...require('./src/handler'), ...require('./lib') };\n",
      'src/handler.ts': 'export const handler = async (): Promise<number> => 200;\n',
      // Built in place: Node.js finds lib.js first.
      'lib.ts': 'export const x = 1;\n',
      'lib.js': 'exports.x = 1;\n',
    };
    await expect(build('ts-extensionless', files, { handler: 'index.handler' })).rejects.toThrow(
      'index.js imports ./src/handler (src/handler.ts), a TypeScript file the package leaves out by default (a loader such as ts-node or tsx resolves it): ' +
        'package the TypeScript files with exclude: "!*.ts".',
    );
    const { entries } = await build(
      'ts-extensionless-kept',
      { ...files, 'src/handler.js': 'exports.handler = 1;\n' },
      {
        handler: 'index.handler',
      },
    );
    expect(entries).toContain('src/handler.js');
    expect(entries).not.toContain('src/handler.ts');
  });

  it('refuses a handler that loads tsconfig-paths, which reads the tsconfig.json left out at run time', async () => {
    const files = {
      'package.json': '{"name":"svc","version":"1.0.0","dependencies":{"tsconfig-paths":"4.2.0"}}',
      'node_modules/tsconfig-paths/package.json': '{"name":"tsconfig-paths","version":"4.2.0"}',
      'node_modules/tsconfig-paths/register.js': 'module.exports = {};\n',
      'tsconfig.json': '{"compilerOptions":{"baseUrl":"dist","paths":{"@/*":["*"]}}}',
      'dist/index.js': "require('tsconfig-paths/register');\nexports.handler = require('@/lib').handler;\n",
      'dist/lib.js': 'exports.handler = async () => 200;\n',
    };
    await expect(build('ts-paths', files)).rejects.toThrow(
      'dist/index.js imports tsconfig-paths/register (tsconfig.json), a TypeScript file the package leaves out by default (tsconfig-paths reads it at run time): ' +
        'package the TypeScript files with exclude: "!tsconfig.json".',
    );
    const { entries } = await build('ts-paths-kept', files, { exclude: ['!tsconfig.json'] });
    expect(entries).toContain('tsconfig.json');
  });

  // tsc wrote the JavaScript to tsconfig.json's outDir: the handler to set is the built file's.
  it.each([
    [
      'src/ built to dist/ (rootDir src)',
      {
        'tsconfig.json': '{ "compilerOptions": { "outDir": "dist" } }',
        'src/index.ts': 'export const handler = 1;\n',
        'dist/index.js': 'exports.handler = async () => 1;\n',
      },
      'src/index.handler',
      'no src/index.js or src/index.mjs or src/index.cjs',
      'src/index.ts',
      'dist/index.js',
      'dist/index.handler',
    ],
    [
      'src/ built to dist/src/ (rootDir ., an index.ts above src/)',
      {
        'tsconfig.json': '{ "compilerOptions": { "outDir": "./dist/" } }',
        'index.ts': 'export const other = 1;\n',
        'src/main.mts': 'export const main = 1;\n',
        'dist/index.js': 'exports.other = 1;\n',
        'dist/src/main.mjs': 'export const main = 1;\n',
      },
      'src/main.main',
      'no src/main.js or src/main.mjs or src/main.cjs',
      'src/main.mts',
      'dist/src/main.mjs',
      'dist/src/main.main',
    ],
    [
      'rootDir src and outDir from an extended tsconfig with comments (a stale dist/src/ too)',
      {
        'tsconfig.base.json':
          '{\n  // shared\n  "compilerOptions": { "outDir": "dist", "rootDir": "src", },\n}\n',
        'tsconfig.json': '{ "extends": "./tsconfig.base.json" }',
        'src/handlers/api.ts': 'export const handler = 1;\n',
        'dist/handlers/api.js': 'exports.handler = async () => 1;\n',
        'dist/src/handlers/api.js': 'exports.old = 1;\n',
      },
      'src/handlers/api.handler',
      'no src/handlers/api.js or src/handlers/api.mjs or src/handlers/api.cjs',
      'src/handlers/api.ts',
      'dist/handlers/api.js',
      'dist/handlers/api.handler',
    ],
    [
      'index.ts built to build/',
      {
        'tsconfig.json': '{ "compilerOptions": { "outDir": "build" } }',
        'index.ts': 'export const handler = 1;\n',
        'build/index.js': 'exports.handler = async () => 1;\n',
      },
      'index.handler',
      'no index.js or index.mjs or index.cjs',
      'index.ts',
      'build/index.js',
      'build/index.handler',
    ],
  ])(
    'a handler naming a TypeScript file whose JavaScript tsc built elsewhere: %s, the error names the built file',
    async (name, files, handler, none, source, built, meant) => {
      const error = await build(`ts-built-${name.replace(/\W+/g, '-')}`, files, { handler }).catch(
        (e: Error) => e,
      );
      expect((error as Error).message.replace(/ in \S+; top-level /, ' in DIR; top-level ')).toBe(
        `handler: "${handler}" names a module that is not in the package: ${none} in DIR; top-level JavaScript files: none; ` +
          `${source} is TypeScript, which Lambda's Node.js runtimes do not run: ${built} is the JavaScript tsc built from it (tsconfig.json's outDir). ` +
          `Expected file.export relative to path, like "${meant}" (the JavaScript built from ${source}).`,
      );
    },
  );

  // tsc puts a file at its path under rootDir; a wrong guess at that sends the deploy to another file's handler.
  it.each([
    [
      'dist/index.js is the root index.ts built (rootDir ., lib/index.ts not built)',
      {
        'tsconfig.json': '{ "compilerOptions": { "outDir": "dist" } }',
        'index.ts': 'export const main = 1;\n',
        'lib/index.ts': 'export const handler = 1;\n',
        'dist/index.js': 'exports.main = 1;\n',
      },
      'lib/index.handler',
      'lib/index.ts',
    ],
    [
      'dist/src/index.js left from a build before rootDir was src',
      {
        'tsconfig.json': '{ "compilerOptions": { "outDir": "dist", "rootDir": "src" } }',
        'src/index.ts': 'export const handler = 1;\n',
        'dist/src/index.js': 'exports.old = 1;\n',
      },
      'src/index.handler',
      'src/index.ts',
    ],
    [
      'both dist/src/main.mjs and dist/main.mjs (one left from an older build)',
      {
        'tsconfig.json': '{ "compilerOptions": { "outDir": "./dist/" } }',
        'src/main.mts': 'export const main = 1;\n',
        'dist/src/main.mjs': 'export const main = 1;\n',
        'dist/main.mjs': 'export const main = 2;\n',
      },
      'src/main.main',
      'src/main.mts',
    ],
  ])(
    'a TypeScript handler whose built file cannot be told: %s, no built file is named',
    async (name, files, handler, source) => {
      const error = await build(`ts-not-built-${name.replace(/\W+/g, '-')}`, files, { handler }).catch(
        (e: Error) => e,
      );
      expect((error as Error).message).toContain(
        `${source} is TypeScript, which Lambda's Node.js runtimes do not run: build it to JavaScript first (tsc) and name the built file.`,
      );
      expect((error as Error).message).not.toContain('dist/');
    },
  );

  // Named as the handler to set, a built file that does not export it fails the next run too.
  it.each([
    [
      'an ES module left from an older build, exporting main (package.json\'s "main" is that file)',
      {
        'package.json': '{"name":"svc","version":"1.0.0","main":"dist/index.js"}',
        'tsconfig.json': '{ "compilerOptions": { "outDir": "dist" } }',
        'src/index.ts': 'export const handler = async (): Promise<number> => 1;\n',
        'dist/index.js': 'export const main = async () => 1;\n',
      },
      'dist/index.js, which tsc built from it (tsconfig.json\'s outDir), does not export "handler" (it exports: main)',
    ],
    [
      'CommonJS exporting main, which a static look cannot rule out',
      {
        'tsconfig.json': '{ "compilerOptions": { "outDir": "dist" } }',
        'src/index.ts': 'export const handler = async (): Promise<number> => 1;\n',
        'dist/index.js':
          '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.main = async () => 1;\n',
      },
      'dist/index.js, which tsc built from it (tsconfig.json\'s outDir), does not export "handler" as far as a static look tells (it exports: main; CommonJS exports built at run time escape a static look)',
    ],
  ])(
    'a TypeScript handler whose built file does not export the name: %s, the built file is not given as the fix',
    async (name, files, said) => {
      const error = await build(`ts-stale-${name.replace(/\W+/g, '-')}`, files, {
        handler: 'src/index.handler',
      }).catch((e: Error) => e);
      expect((error as Error).message.replace(/ in \S+; top-level /, ' in DIR; top-level ')).toBe(
        'handler: "src/index.handler" names a module that is not in the package: no src/index.js or src/index.mjs or src/index.cjs in DIR; top-level JavaScript files: none; ' +
          `src/index.ts is TypeScript, which Lambda's Node.js runtimes do not run: ${said}: rebuild it (tsc), and name the built file once it does. ` +
          'Expected file.export relative to path, like "dist/index.handler" (dist/index.js, once it exports handler).',
      );
    },
  );

  it('a handler that names a TypeScript file fails with what to do, as does a folder of TypeScript only', async () => {
    await expect(
      build(
        'ts-handler',
        { 'package.json': '{"name":"svc"}', 'index.ts': 'export const handler = 1;\n' },
        { handler: 'index.handler' },
      ),
    ).rejects.toThrow(
      "; index.ts is TypeScript, which Lambda's Node.js runtimes do not run: build it to JavaScript first (tsc) and name the built file.",
    );
    await expect(
      build(
        'ts-only',
        { 'index.ts': 'export const handler = 1;\n', 'tsconfig.json': '{}' },
        { handler: 'index.handler' },
      ),
    ).rejects.toThrow(
      /no files to package in \S+ts-only; only TypeScript files \(index\.ts, tsconfig\.json\), which Lambda's Node\.js runtimes do not run: build them to JavaScript first \(tsc\)\.$/,
    );
  });
});
