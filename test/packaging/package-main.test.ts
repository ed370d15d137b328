import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { packageEntry, packageMain } from '../../src/settings/package-json.js';
import { buildNodeFunction, tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('package-main');
afterAll(cleanup);

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  writeTree(dir, files);
  return dir;
}

describe('packageMain', () => {
  it('reads "main" relative to the folder, with the extension Node.js resolves', () => {
    expect(packageMain(folder('plain', { 'package.json': '{"main": "./dist/handler.js"}' }))).toBe(
      'dist/handler.js',
    );
    const bare = folder('bare', { 'package.json': '{"main": "lib/entry"}', 'lib/entry.cjs': '' });
    expect(packageMain(bare)).toBe('lib/entry.cjs');
    // Not built yet: the .js Node.js would look for first.
    expect(packageMain(folder('unbuilt', { 'package.json': '{"main": "dist/handler"}' }))).toBe(
      'dist/handler.js',
    );
  });

  it('a "main" ending in a slash names a folder: its index.js, built or not (Node.js reads no dist.js for "dist/")', () => {
    expect(packageMain(folder('slash', { 'package.json': '{"main": "dist/"}' }))).toBe('dist/index.js');
    expect(packageMain(folder('backslash', { 'package.json': '{"main": ".\\\\lib\\\\"}' }))).toBe(
      'lib/index.js',
    );
    const built = folder('slash-built', { 'package.json': '{"main": "./dist/"}', 'dist/index.mjs': '' });
    expect(packageMain(built)).toBe('dist/index.mjs');
  });

  it('a "main" without a slash that names a folder (built) is the folder, as Node.js resolves it: dist.js first, then dist/index.js', () => {
    const built = folder('folder-built', { 'package.json': '{"main": "dist"}', 'dist/index.js': '' });
    expect(packageMain(built)).toBe('dist/index.js');
    const esm = folder('folder-esm', { 'package.json': '{"main": "./dist"}', 'dist/index.mjs': '' });
    expect(packageMain(esm)).toBe('dist/index.mjs');
    // Built, its index not yet there (tsc wrote other files): the index Node.js would look for.
    const other = folder('folder-other', { 'package.json': '{"main": "dist"}', 'dist/util.js': '' });
    expect(packageMain(other)).toBe('dist/index.js');
    // A file beside the folder wins, as in Node.js.
    const both = folder('folder-and-file', {
      'package.json': '{"main": "lib"}',
      'lib.js': '',
      'lib/index.js': '',
    });
    expect(packageMain(both)).toBe('lib.js');
  });

  it('a "main" without an extension, neither file nor folder yet (not built): the folder tsconfig.json\'s outDir names, or one named as build output folders are; said as a guess', () => {
    // tsc's outDir: the build writes the folder, dist/index.js, never a dist.js.
    const outDir = folder('unbuilt-outdir', {
      'package.json': '{"main": "dist"}',
      'tsconfig.json': '{\n  // tsc writes here\n  "compilerOptions": {"outDir": "./dist/",},\n}\n',
    });
    expect(packageEntry(outDir)).toEqual({
      file: 'dist/index.js',
      said: 'package.json\'s "main" is dist, not built yet: taken for the folder tsconfig.json\'s outDir names, so dist/index.js',
      guessed: true,
    });
    // Any name tsconfig.json's outDir gives.
    const output = folder('unbuilt-output', {
      'package.json': '{"main": "./output"}',
      'tsconfig.json': '{"compilerOptions": {"outDir": "output"}}',
    });
    expect(packageMain(output)).toBe('output/index.js');
    // No tsconfig.json: dist, build, lib and out are build output folders far more often than files.
    for (const name of ['dist', 'build', 'lib', 'out'])
      expect(packageEntry(folder(`unbuilt-${name}`, { 'package.json': `{"main": "${name}"}` }))).toEqual({
        file: `${name}/index.js`,
        said: `package.json's "main" is ${name}, not built yet: taken for the folder, so ${name}/index.js`,
        guessed: true,
      });
    // Another name: the file Node.js would look for first, said as a guess too.
    expect(packageEntry(folder('unbuilt-server', { 'package.json': '{"main": "server"}' }))).toEqual({
      file: 'server.js',
      said: 'package.json\'s "main" is server, not built yet: taken for the file server.js',
      guessed: true,
    });
    // outDir names another folder: the name decides.
    const other = folder('unbuilt-other-outdir', {
      'package.json': '{"main": "handler"}',
      'tsconfig.json': '{"compilerOptions": {"outDir": "dist"}}',
    });
    expect(packageMain(other)).toBe('handler.js');
    // A TypeScript source of that name beside it, no outDir: tsc writes lib.js next to lib.ts.
    const inPlace = folder('unbuilt-lib-ts', {
      'package.json': '{"main": "lib"}',
      'lib.ts': 'export const handler = async () => ({});\n',
      'tsconfig.json': '{"compilerOptions": {"target": "es2022"}}',
    });
    expect(packageEntry(inPlace)).toEqual({
      file: 'lib.js',
      said: 'package.json\'s "main" is lib, not built yet: taken for the file lib.js',
      guessed: true,
    });
    // A tsconfig.json starting with a byte-order mark (Visual Studio writes one) is read as tsc reads it.
    const bom = folder('unbuilt-outdir-bom', {
      'package.json': '{"main": "server"}',
      'tsconfig.json': '\uFEFF{"compilerOptions": {"outDir": "server"}}',
    });
    expect(packageMain(bom)).toBe('server/index.js');
  });

  it('a "main" not built yet: the outDir a tsconfig.json it `extends` gives (relative, or an array, TS 5), as tsc reads it', () => {
    const outDirOf = (name: string, files: Record<string, string>) =>
      packageMain(folder(name, { 'package.json': '{"main": "server"}', ...files }));
    // A relative extends, its ".json" left off as tsc allows.
    const base = { 'tsconfig.json': '{"extends": "./tsconfig.base"}' };
    expect(
      outDirOf('extends-one', { ...base, 'tsconfig.base.json': '{"compilerOptions": {"outDir": "server"}}' }),
    ).toBe('server/index.js');
    // Two deep, the nearer's outDir winning; then the config's own over what it extends.
    const deep = {
      'tsconfig.json': '{"extends": "./configs/app.json"}',
      'configs/app.json': '{"extends": "./base.json", "compilerOptions": {"outDir": "../server"}}',
      'configs/base.json': '{"compilerOptions": {"outDir": "../dist"}}',
    };
    expect(outDirOf('extends-deep', deep)).toBe('server/index.js');
    const own = {
      ...deep,
      'tsconfig.json': '{"extends": "./configs/app.json", "compilerOptions": {"outDir": "out"}}',
    };
    expect(outDirOf('extends-own', own)).toBe('server.js');
    // An array (TypeScript 5): the later one's outDir.
    const array = {
      'tsconfig.json': '{"extends": ["./a.json", "./b.json"]}',
      'a.json': '{"compilerOptions": {"outDir": "server"}}',
      'b.json': '{"compilerOptions": {"outDir": "build"}}',
    };
    expect(outDirOf('extends-array', array)).toBe('server.js');
    expect(outDirOf('extends-array-last', { ...array, 'b.json': '{}' })).toBe('server/index.js');
    // An outDir is relative to the file that sets it (a monorepo's base: its own folder's server/) ...
    const parent = folder('extends-parent', {
      'tsconfig.base.json': '{"compilerOptions": {"outDir": "./server"}}',
      'api/package.json': '{"main": "server"}',
      'api/tsconfig.json': '{"extends": "../tsconfig.base.json"}',
    });
    expect(packageMain(join(parent, 'api'))).toBe('server.js');
    // ... but ${configDir} (TypeScript 5.5) is the folder of the tsconfig.json tsc was given.
    const configDir = folder('extends-config-dir', {
      'tsconfig.base.json': '{"compilerOptions": {"outDir": "${configDir}/server"}}',
      'api/package.json': '{"main": "server"}',
      'api/tsconfig.json': '{"extends": "../tsconfig.base.json"}',
    });
    expect(packageMain(join(configDir, 'api'))).toBe('server/index.js');
  });

  it("a tsconfig.json's extends that loops, runs too deep, names a package or a missing file: no outDir from it, and no hang", () => {
    const outDirOf = (name: string, files: Record<string, string>) =>
      packageMain(folder(name, { 'package.json': '{"main": "server"}', ...files }));
    const loop = {
      'tsconfig.json': '{"extends": "./a.json"}',
      'a.json': '{"extends": "./b.json"}',
      'b.json': '{"extends": "./a.json"}',
    };
    expect(outDirOf('extends-loop', loop)).toBe('server.js');
    // The loop's own outDir is still read.
    const loopOwn = {
      ...loop,
      'b.json': '{"extends": "./tsconfig.json", "compilerOptions": {"outDir": "server"}}',
    };
    expect(outDirOf('extends-loop-own', loopOwn)).toBe('server/index.js');
    // A chain 20 deep: the outDir at its end is past the depth limit.
    const chain: Record<string, string> = { 'tsconfig.json': '{"extends": "./c1.json"}' };
    for (let i = 1; i < 20; i++) chain[`c${i}.json`] = `{"extends": "./c${i + 1}.json"}`;
    chain['c20.json'] = '{"compilerOptions": {"outDir": "server"}}';
    expect(outDirOf('extends-chain', chain)).toBe('server.js');
    for (const name of ['@tsconfig/node20/tsconfig.json', './missing.json'])
      expect(
        outDirOf(`extends-${name.replace(/\W/g, '')}`, { 'tsconfig.json': `{"extends": "${name}"}` }),
      ).toBe('server.js');
    // A bare name is a package's to tsc (node_modules/tsconfig.base.json), never the file beside it.
    const bare = {
      'tsconfig.json': '{"extends": "tsconfig.base.json"}',
      'tsconfig.base.json': '{"compilerOptions": {"outDir": "server"}}',
    };
    expect(outDirOf('extends-bare', bare)).toBe('server.js');
  });

  it("guessed only where the build has not written the entry yet and Node.js's resolution is taken for it; named or built, not", () => {
    // Named with its extension, not built: the build writes that file, whatever it is.
    expect(
      packageEntry(folder('guess-named', { 'package.json': '{"main": "dist/handler.js"}' }))?.guessed,
    ).toBe(false);
    // Built: the file or folder that is there.
    const built = folder('guess-built', { 'package.json': '{"main": "build"}', 'build.js': '' });
    expect(packageEntry(built)).toEqual({
      file: 'build.js',
      said: 'package.json\'s "main" is build.js',
      guessed: false,
    });
    const index = folder('guess-built-index', { 'package.json': '{"main": "build"}', 'build/index.js': '' });
    expect(packageEntry(index)?.guessed).toBe(false);
    // Neither yet: build/index.js taken for a bundler's build.js, a guess the action corrects once built.
    expect(packageEntry(folder('guess-unbuilt', { 'package.json': '{"main": "build"}' }))?.guessed).toBe(
      true,
    );
  });

  it('a "main" naming a file that is there is that file, whatever its extension, as Node.js loads it first', async () => {
    // A bundler's project: "main" is the TypeScript source. Not src/index.ts.js, "not built".
    const ts = folder('main-ts', { 'package.json': '{"main": "src/index.ts"}', 'src/index.ts': '' });
    expect(packageMain(ts)).toBe('src/index.ts');
    // The handler's error then says nothing of a "main" to build.
    await expect(buildNodeFunction(ts, join(root, 'out-ts'))).rejects.toThrow(
      /top-level JavaScript files: none\. Expected file\.export/,
    );
    expect(packageMain(folder('main-bare-file', { 'package.json': '{"main": "server"}', server: '' }))).toBe(
      'server',
    );
  });

  it('without "main": the "." export, a string or conditions', () => {
    expect(
      packageEntry(folder('exports-string', { 'package.json': '{"exports": "./dist/index.js"}' })),
    ).toEqual({
      file: 'dist/index.js',
      said: 'package.json\'s "exports" gives dist/index.js',
      guessed: false,
    });
    expect(
      packageMain(
        folder('exports-dot', {
          'package.json': '{"exports": {".": "./lib/main.cjs", "./extra": "./lib/extra.js"}}',
        }),
      ),
    ).toBe('lib/main.cjs');
    const conditions = JSON.stringify({
      exports: {
        '.': {
          types: './dist/index.d.ts',
          import: './dist/index.mjs',
          require: './dist/index.cjs',
          default: './dist/index.js',
        },
      },
    });
    // Without "type": "module" Lambda loads a .js with require(): the "require" build, built or not
    // (Node.js takes the condition's target, not the first file that is there).
    expect(packageMain(folder('exports-unbuilt', { 'package.json': conditions }))).toBe('dist/index.cjs');
    expect(
      packageMain(folder('exports-built-esm', { 'package.json': conditions, 'dist/index.mjs': '' })),
    ).toBe('dist/index.cjs');
    // Conditions with no "." key are the "." export's; nested conditions and fallback arrays are followed.
    const nested = JSON.stringify({
      exports: { node: { import: './esm/index.mjs' }, default: ['./cjs/index.js'] },
    });
    expect(packageMain(folder('exports-nested', { 'package.json': nested, 'esm/index.mjs': '' }))).toBe(
      'cjs/index.js',
    );
    // "default" is what Node.js takes when no other condition it knows matches: "node" comes first
    // (an isomorphic package's browser build as "default" is not what runs on Lambda).
    const isomorphic = JSON.stringify({ exports: { node: './server.js', default: './browser.js' } });
    expect(
      packageMain(
        folder('exports-node-default', { 'package.json': isomorphic, 'server.js': '', 'browser.js': '' }),
      ),
    ).toBe('server.js');
    // Only subpaths, a pattern, or a target outside the folder: nothing.
    expect(
      packageMain(folder('exports-subpath', { 'package.json': '{"exports": {"./a": "./a.js"}}' })),
    ).toBeUndefined();
    expect(
      packageMain(folder('exports-pattern', { 'package.json': '{"exports": {".": "./dist/*.js"}}' })),
    ).toBeUndefined();
    expect(
      packageMain(folder('exports-outside', { 'package.json': '{"exports": "../x/index.js"}' })),
    ).toBeUndefined();
  });

  describe('"exports" as Node.js resolves it for the loader Lambda uses (require() for a .js file, import() with "type": "module")', () => {
    const entry = (name: string, manifest: object, files: Record<string, string> = {}) =>
      packageEntry(folder(name, { 'package.json': JSON.stringify(manifest), ...files }));
    const file = (name: string, manifest: object, files: Record<string, string> = {}) =>
      entry(name, manifest, files)?.file;

    it('conditions in the object\'s own order, the first the loader matches: "default" first wins', () => {
      const defaultFirst = { exports: { default: './dist/index.js', require: './dist/index.cjs' } };
      expect(file('default-first', defaultFirst, { 'dist/index.js': '', 'dist/index.cjs': '' })).toBe(
        'dist/index.js',
      );
      // "types" and "browser" are no conditions of Node.js: passed over, in any place.
      const typesFirst = {
        exports: { types: './index.d.ts', browser: './browser.js', node: './server.js', default: './x.js' },
      };
      expect(file('types-first', typesFirst)).toBe('server.js');
      // "module-sync" matches for require() and import() alike on the Node.js of Lambda's runtimes.
      const sync = { exports: { 'module-sync': './dist/index.mjs', require: './dist/index.cjs' } };
      expect(file('module-sync-first', sync)).toBe('dist/index.mjs');
    });

    it('a dual package: its "require" build without "type": "module", its "import" build with it, whichever is built', () => {
      const dual = { exports: { import: './dist/index.mjs', require: './dist/index.cjs' } };
      // Node.js takes the condition's target, not the first file that is there.
      expect(file('dual-cjs-esm-built', dual, { 'dist/index.mjs': '' })).toBe('dist/index.cjs');
      expect(entry('dual-cjs', dual, { 'dist/index.mjs': '', 'dist/index.cjs': '' })).toEqual({
        file: 'dist/index.cjs',
        said: 'package.json\'s "exports" gives dist/index.cjs under its "require" condition',
        guessed: false,
      });
      const esm = {
        type: 'module',
        exports: {
          '.': { types: './dist/index.d.ts', require: './dist/index.cjs', import: './dist/index.js' },
        },
      };
      expect(entry('dual-esm', esm, { 'dist/index.js': '', 'dist/index.cjs': '' })).toEqual({
        file: 'dist/index.js',
        said: 'package.json\'s "exports" gives dist/index.js under its "import" condition',
        guessed: false,
      });
    });

    it('nested conditions: "node" holding "import" and "require"; one that matches nothing falls through to the next', () => {
      const nested = {
        exports: {
          node: { import: './esm/index.mjs', require: './cjs/index.cjs' },
          default: './browser/index.js',
        },
      };
      expect(entry('nested-cjs', nested)).toMatchObject({
        file: 'cjs/index.cjs',
        said: 'package.json\'s "exports" gives cjs/index.cjs under its "node" > "require" condition',
      });
      expect(file('nested-esm', { type: 'module', ...nested })).toBe('esm/index.mjs');
      // "node" matches but holds no condition the loader has: on to "default".
      const through = { exports: { node: { import: './esm/index.mjs' }, default: ['./cjs/index.js'] } };
      expect(file('nested-through', through, { 'esm/index.mjs': '' })).toBe('cjs/index.js');
      // null: the package exports nothing for that loader (no file of "default" after it).
      expect(file('nested-null', { exports: { require: null, default: './index.js' } })).toBeUndefined();
    });

    it('a fallback array: the first valid target, there or not; an invalid one is passed over', () => {
      const array = { exports: { '.': ['./dist/index.js', './lib/index.js'] } };
      expect(file('array-first', array, { 'lib/index.js': '' })).toBe('dist/index.js');
      const invalid = { exports: ['index.js', { worker: './worker.js' }, null, './lib/index.js'] };
      expect(file('array-invalid', invalid)).toBe('lib/index.js');
    });

    it('"." among subpaths ("./package.json"), the sugar forms, and keys mixed (which Node.js refuses)', () => {
      const withPackageJson = {
        exports: { './package.json': './package.json', '.': { require: './dist/index.cjs' } },
      };
      expect(file('subpath-package-json', withPackageJson)).toBe('dist/index.cjs');
      const onlyPackageJson = { main: 'lib/handler.js', exports: { './package.json': './package.json' } };
      expect(file('only-package-json', onlyPackageJson)).toBe('lib/handler.js');
      expect(file('sugar-conditions', { exports: { require: './index.cjs' } })).toBe('index.cjs');
      expect(file('sugar-array', { exports: ['./index.js'] })).toBe('index.js');
      const mixed = { main: 'lib/handler.js', exports: { '.': './index.js', require: './index.cjs' } };
      expect(file('mixed-keys', mixed)).toBe('lib/handler.js');
      // A target leaving its folder or through node_modules is invalid to Node.js.
      expect(file('via-node-modules', { exports: './node_modules/x/index.js' })).toBeUndefined();
      expect(file('dot-dot', { exports: './dist/../index.js' })).toBeUndefined();
    });

    it('an export only for the other loader: its .mjs (import()) or .cjs (require()), which Lambda loads with that loader whatever "type" says', () => {
      // Node.js's require() refuses an import-only package, but Lambda loads a handler in x.mjs with import().
      expect(file('import-only-mjs', { exports: { import: './dist/index.mjs' } })).toBe('dist/index.mjs');
      expect(
        entry('require-only-cjs', { type: 'module', exports: { require: './dist/index.cjs' } }),
      ).toMatchObject({
        file: 'dist/index.cjs',
        said: 'package.json\'s "exports" gives dist/index.cjs',
      });
      // A .js file of the other loader's: Lambda would load it with the wrong one (null: nothing for require()).
      expect(file('import-only-js', { exports: { import: './dist/index.js' } })).toBeUndefined();
      expect(file('require-null-mjs', { exports: { require: null, import: './x.mjs' } })).toBe('x.mjs');
    });

    it('a fallback array with nothing for the loader is passed over, as Node.js passes over a condition that matches nothing', () => {
      const unmatched = { exports: { require: [{ import: './e.mjs' }], default: './d.js' } };
      expect(file('array-unmatched', unmatched)).toBe('d.js');
      // A null in it: nothing for the loader, as a null condition.
      expect(file('array-null', { exports: { require: [null], default: './d.js' } })).toBeUndefined();
    });

    it('"main" kept as one of the export\'s files only under a condition Node.js matches, not a browser build', () => {
      const browser = { main: 'browser.js', exports: { browser: './browser.js', default: './server.js' } };
      expect(entry('main-browser', browser, { 'browser.js': '', 'server.js': '' })).toMatchObject({
        file: 'server.js',
      });
    });

    it('"main" kept where it is one of the export\'s files, or the export\'s file is not there (stale)', () => {
      const dual = {
        main: 'dist/index.mjs',
        exports: { import: './dist/index.mjs', require: './dist/index.cjs' },
      };
      expect(file('main-one-of', dual, { 'dist/index.mjs': '', 'dist/index.cjs': '' })).toBe(
        'dist/index.mjs',
      );
      const stale = {
        main: 'lib/handler.js',
        exports: { default: './dist/index.js', require: './lib/handler.js' },
      };
      expect(
        entry(
          'main-stale',
          { main: 'lib/handler.js', exports: { require: './dist/index.cjs' } },
          {
            'lib/handler.js': '',
          },
        ),
      ).toMatchObject({
        file: 'lib/handler.js',
        said: 'package.json\'s "main" is lib/handler.js, kept: its "exports" gives dist/index.cjs, which is not there',
      });
      expect(file('main-stale-one-of', stale, { 'lib/handler.js': '', 'dist/index.js': '' })).toBe(
        'lib/handler.js',
      );
    });
  });

  it('both "main" and "exports": "exports", as Node.js takes it first, said when the two disagree', () => {
    const both = (name: string, manifest: object, files: Record<string, string> = {}) =>
      packageEntry(folder(name, { 'package.json': JSON.stringify(manifest), ...files }));
    expect(both('exports-over-main', { main: 'dist/handler.js', exports: './dist/index.js' })).toEqual({
      file: 'dist/index.js',
      said: 'package.json\'s "exports" gives dist/index.js, taken over its "main" (dist/handler.js): Node.js reads "exports" first when both are set',
      guessed: false,
    });
    // They agree: "main" as before, said as before.
    const agree = { main: './dist/index', exports: { '.': './dist/index.js' } };
    expect(both('exports-agree', agree, { 'dist/index.js': '' })).toEqual({
      file: 'dist/index.js',
      said: 'package.json\'s "main" is dist/index.js',
      guessed: false,
    });
    // "main" one of the "." export's conditions (a dual package's require build): no disagreement.
    const dual = {
      main: 'dist/index.cjs',
      exports: { import: './dist/index.mjs', require: './dist/index.cjs' },
    };
    expect(both('exports-dual', dual, { 'dist/index.mjs': '' })?.file).toBe('dist/index.cjs');
    // "main" a guess (not built) that "exports" names outright: no longer a guess.
    const unbuilt = { main: 'dist', exports: './dist/index.js' };
    expect(both('exports-names-guess', unbuilt)).toEqual({
      file: 'dist/index.js',
      said: 'package.json\'s "exports" gives dist/index.js',
      guessed: false,
    });
    // "exports" with no "." file (subpaths only, a pattern): "main".
    const subpaths = { main: 'lib/handler.js', exports: { './a': './a.js' } };
    expect(both('exports-subpaths-main', subpaths)?.file).toBe('lib/handler.js');
  });

  it('keeps a "main" that is there over an "exports" file that is not (stale "exports"): the file Lambda can load, said', () => {
    const both = (name: string, manifest: object, files: Record<string, string> = {}) =>
      packageEntry(folder(name, { 'package.json': JSON.stringify(manifest), ...files }));
    const stale = { main: 'dist/handler.js', exports: './dist/index.js' };
    expect(both('exports-stale', stale, { 'dist/handler.js': '' })).toEqual({
      file: 'dist/handler.js',
      said: 'package.json\'s "main" is dist/handler.js, kept: its "exports" gives dist/index.js, which is not there',
      guessed: false,
    });
    // Once the export's file is there, "exports" as Node.js takes it.
    expect(both('exports-built', stale, { 'dist/handler.js': '', 'dist/index.js': '' })?.file).toBe(
      'dist/index.js',
    );
  });

  it('gives nothing without a package.json, a string "main", or for one outside the folder', () => {
    expect(packageMain(folder('none', { 'index.js': '' }))).toBeUndefined();
    expect(packageMain(folder('no-main', { 'package.json': '{"name": "api"}' }))).toBeUndefined();
    expect(packageMain(folder('not-json', { 'package.json': '{' }))).toBeUndefined();
    expect(packageMain(folder('number', { 'package.json': '{"main": 1}' }))).toBeUndefined();
    expect(
      packageMain(folder('outside', { 'package.json': '{"main": "../shared/index.js"}' })),
    ).toBeUndefined();
  });
});

describe('a Node.js function built to dist/ (TypeScript), packaged without its handler set', () => {
  const project = {
    'package.json': '{"name": "api", "main": "dist/handler.js"}',
    'src/handler.ts': 'export const handler = async () => ({ statusCode: 200 });\n',
    'dist/handler.js':
      '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.handler = async () => ({ statusCode: 200 });\n',
  };

  it('the error suggests the handler in package.json\'s "main"', async () => {
    const path = folder('ts-api', project);
    await expect(buildNodeFunction(path, join(root, 'out'))).rejects.toThrow(
      /like "dist\/handler\.handler" \(package\.json's "main" is dist\/handler\.js\)\.$/,
    );
    // The handler it suggests packages.
    const { zipPath } = await buildNodeFunction(path, join(root, 'out'), { handler: 'dist/handler.handler' });
    expect(zipPath).toMatch(/\.zip$/);
  });

  it('its "main" not built, with a build script: the error names the command that builds it, in the lockfile\'s manager, and where to run it (the reusable workflow\'s build input; the CLI: before the command)', async () => {
    const scripts = '"scripts": {"build": "tsc"}';
    const npm = folder('unbuilt-npm', {
      'package.json': `{"name": "api", "main": "dist/handler.js", ${scripts}}`,
      'src/handler.ts': project['src/handler.ts'],
    });
    const where =
      'with the reusable workflow, in its build input after the install (init writes it); calling the action directly, in a step before it.';
    await expect(buildNodeFunction(npm, join(root, 'out'))).rejects.toThrow(
      `package.json's "main" is dist/handler.js, which is not in the package: build it first (npm run build): ${where}`,
    );
    await expect(buildNodeFunction(npm, join(root, 'out'), {}, { surface: 'terminal' })).rejects.toThrow(
      'which is not in the package: build it first: run npm run build there, then this command again.',
    );
    const pnpm = folder('unbuilt-pnpm', {
      'package.json': `{"name": "api", "main": "dist/handler.js", ${scripts}}`,
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      'src/handler.ts': project['src/handler.ts'],
    });
    await expect(buildNodeFunction(pnpm, join(root, 'out'))).rejects.toThrow(
      `which is not in the package: build it first (pnpm run build): ${where}`,
    );
    // No build script: nothing to name.
    const none = folder('unbuilt-no-script', {
      'package.json': '{"name": "api", "main": "dist/handler.js"}',
      'src/handler.ts': project['src/handler.ts'],
    });
    await expect(buildNodeFunction(none, join(root, 'out'))).rejects.toThrow(
      'which is not in the package: build it first: with the reusable workflow, in its build input; calling the action directly, in a step before it. ',
    );
    await expect(buildNodeFunction(none, join(root, 'out'), {}, { surface: 'terminal' })).rejects.toThrow(
      'which is not in the package: build it first, then run this command again. ',
    );
  });

  it('on the default python3.12 runtime, the error names the runtime and the same handler', async () => {
    const path = folder('ts-api-python', project);
    await expect(
      buildNodeFunction(path, join(root, 'out'), { runtime: 'python3.12', handler: 'app.handler' }),
    ).rejects.toThrow(
      /JavaScript files are there \(dist\/handler\.js\): a Node\.js function needs runtime .*like "dist\/handler\.handler"/,
    );
  });
});
