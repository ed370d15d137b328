import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import {
  declaredDependencies,
  importedPackages,
  missingDependenciesMessage,
} from '../../src/packaging/hoisted-dependencies.js';
import { workspaceClosure } from '../../src/packaging/workspace-closure.js';
import { listZip } from '../../src/packaging/zip-reader.js';
import { buildNodeFunction, tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('hoisted');
afterAll(cleanup);

const fake = (name: string) => ({
  [`node_modules/${name}/package.json`]: JSON.stringify({ name, version: '1.0.0' }),
  [`node_modules/${name}/index.js`]: `module.exports = '${name}';\n`,
});

/**
 * An npm workspace as `npm ci` at its root leaves it: packages/api's
 * dependencies hoisted into the root's node_modules, none in its own.
 */
function workspace(
  name: string,
  api: Record<string, string>,
  rootFiles: Record<string, string> = {},
): string {
  const dir = join(root, name);
  writeTree(dir, {
    'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }),
    ...fake('lib-a'),
    ...fake('lib-b'),
    ...fake('@acme/shared'),
    ...fake('@aws-sdk/client-s3'),
    ...rootFiles,
  });
  writeTree(join(dir, 'packages/api'), api);
  return join(dir, 'packages/api');
}

const manifest = (fields: object) => JSON.stringify({ name: 'api', version: '1.0.0', ...fields });
const handler = "const a = require('lib-a');\nexports.handler = async () => a;\n";

async function build(path: string, overrides: Partial<BuildPackageOptions> = {}) {
  const { zipPath, logger } = await buildNodeFunction(path, join(path, '..', '..', 'out'), overrides);
  return { entries: (await listZip(zipPath)).map((e) => e.name), logger };
}

describe('a Node.js function in a workspace whose dependencies are hoisted to the root', () => {
  it('fails before packaging, naming the packages and the folder that holds them', async () => {
    const path = workspace('hoisted', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0', '@acme/shared': '*' } }),
      'index.js': `${handler}const shared = require('@acme/shared/util');\n`,
    });
    const error = build(path);
    await expect(error).rejects.toThrow(
      `path: the function's package.json lists 2 dependencies its code loads that ${path}/node_modules does not hold: ` +
        `@acme/shared, lib-a; Node.js finds them only in ${join(root, 'hoisted')}/node_modules`,
    );
    await expect(error).rejects.toThrow('npm install --omit=dev --no-workspaces');
    // No lockfile at the root: committing one lets the packaging take them from there (@acme/shared, a workspace package, is on no registry).
    await expect(error).rejects.toThrow(
      `With npm, commit the workspace's lockfile: run npm install in ${join(root, 'hoisted')} and commit its package-lock.json`,
    );
    await expect(error).rejects.toThrow(
      'not for a workspace package among them, which that install looks for on the registry',
    );
  });

  it("a pnpm workspace installed nowhere: names pnpm's lockfile and what pnpm needs, not npm's package-lock.json", async () => {
    const dir = join(root, 'pnpm-none');
    mkdirSync(join(dir, '.git'), { recursive: true });
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'mono', private: true }),
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      'packages/api/package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'packages/api/index.js': handler,
    });
    const error = build(join(dir, 'packages/api'));
    await expect(error).rejects.toThrow(
      `path: the function's package.json lists 1 dependency its code loads that ${join(dir, 'packages/api')}/node_modules does not hold: lib-a. ` +
        `Lambda would fail with "Cannot find module". ${join(dir, 'pnpm-lock.yaml')} pins them, and the build installs dependencies itself only with npm ci from a package-lock.json in ${join(dir, 'packages/api')}; ` +
        "pnpm installs them as links into node_modules/.pnpm, whose packages' own dependencies the zip would lose. Bundle the function",
    );
    await expect(error).rejects.toThrow(
      '(pnpm --filter <package> --prod deploy <folder>, with node-linker=hoisted) and point path at it.',
    );
    await expect(error).rejects.not.toThrow('package-lock.json (nor');
  });

  it('a Yarn workspace, its dependencies hoisted to the root: names yarn.lock and the folder, not an npm install', async () => {
    const dir = join(root, 'yarn-hoisted');
    mkdirSync(join(dir, '.git'), { recursive: true });
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }),
      'yarn.lock': '# yarn lockfile v1\n',
      ...fake('lib-a'),
      'packages/api/package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'packages/api/index.js': handler,
    });
    const error = build(join(dir, 'packages/api'));
    await expect(error).rejects.toThrow(
      `lib-a; Node.js finds some or all of them only in ${dir}/node_modules, which is not packaged. Lambda would fail with "Cannot find module". ${join(dir, 'yarn.lock')} pins them`,
    );
    await expect(error).rejects.toThrow(
      "Yarn installs a workspace's dependencies into its root's node_modules",
    );
    await expect(error).rejects.not.toThrow('--no-workspaces');
  });

  it("a Yarn or pnpm lockfile above that is no workspace's (the repository's own project) pins nothing of the function's: npm's advice, not Yarn's", async () => {
    for (const [name, lockfile] of [
      ['yarn-project', 'yarn.lock'],
      ['pnpm-project', 'pnpm-lock.yaml'],
    ] as const) {
      const dir = join(root, name);
      mkdirSync(join(dir, '.git'), { recursive: true });
      writeTree(dir, {
        'package.json': JSON.stringify({ name: 'web', private: true }),
        [lockfile]: '# lockfile\n',
        'lambda/package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
        'lambda/index.js': handler,
      });
      const error = build(join(dir, 'lambda'));
      await expect(error).rejects.toThrow('and it has no package-lock.json (nor npm-shrinkwrap.json)');
      await expect(error).rejects.not.toThrow(lockfile);
    }
  });

  it('counts the ones nowhere at all too, and names the first five of many', () => {
    const many = ['f', 'e', 'd', 'c', 'b', 'a'].map((name) => ({ name }));
    const message = missingDependenciesMessage(many, 'svc', 'terminal');
    expect(message).toContain('--path: ');
    expect(message).toContain(
      '6 dependencies its code loads that svc/node_modules does not hold: a, b, c, d, e, … (6 in all). Lambda would fail with "Cannot find module". Install them before deploying: run npm ci --omit=dev (or npm install --omit=dev) in svc.',
    );
  });

  it('packages a function whose dependencies are installed in its own folder', async () => {
    const path = workspace('nested', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js': handler,
      ...fake('lib-a'),
    });
    expect((await build(path)).entries).toContain('node_modules/lib-a/index.js');
  });

  it('packages a function with no dependencies, or a bundle that loads none of them', async () => {
    const none = workspace('none', {
      'package.json': manifest({}),
      'index.js': 'exports.handler = async () => 1;\n',
    });
    expect((await build(none)).entries).toEqual(['index.js', 'package.json']);
    const bundle = workspace('bundle', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js': "// inlined by esbuild from lib-a\nexports.handler = async () => 'lib-a';\n",
    });
    expect((await build(bundle)).entries).toEqual(['index.js', 'package.json']);
  });

  it("leaves the AWS SDK v3 (in Lambda's runtime), optional, peer and bundled dependencies alone", async () => {
    const path = workspace('runtime', {
      'package.json': manifest({
        dependencies: { '@aws-sdk/client-s3': '^3', fsevents: '^2', react: '*', inside: '1' },
        optionalDependencies: { fsevents: '^2' },
        peerDependencies: { react: '*' },
        bundleDependencies: ['inside'],
      }),
      'index.mjs':
        "import { S3Client } from '@aws-sdk/client-s3';\nimport 'fsevents';\nimport 'react';\nimport 'inside';\nexport const handler = async () => S3Client.name;\n",
    });
    expect((await build(path)).entries).toEqual(['index.mjs', 'package.json']);
  });

  it("warns, not fails, for what the AWS SDK brings into Lambda's runtime but AWS does not document", async () => {
    const path = workspace('sdk-deps', {
      'package.json': manifest({ dependencies: { tslib: '^2', '@aws-crypto/sha256-js': '^5' } }),
      'index.js':
        "const tslib = require('tslib');\nconst { Sha256 } = require('@aws-crypto/sha256-js');\nexports.handler = async () => Sha256.name;\n",
    });
    const { entries, logger } = await build(path);
    expect(entries).toEqual(['index.js', 'package.json']);
    expect(logger.text('warning')).toContain(
      "@aws-crypto/sha256-js, tslib: the function's code loads them, and its package does not hold them",
    );
  });

  it('warns, not fails, for a package loaded optionally: in a try block, or with import()', async () => {
    const path = workspace('optional', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0', 'lib-b': '^1.0.0' } }),
      'index.js':
        "let a;\ntry {\n  if (process.env.X) { a = require('lib-a'); }\n} catch {\n  a = null;\n}\n" +
        "exports.handler = async () => (await import('lib-b')).default ?? a;\n",
    });
    const { entries, logger } = await build(path);
    expect(entries).toEqual(['index.js', 'package.json']);
    expect(logger.text('warning')).toContain(
      "lib-a, lib-b: the function's code loads them only where a failure can be caught (a try block, or import())",
    );
    const after = workspace('after-try', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js':
        "try { JSON.parse('{'); } catch { /* } */ }\nconst a = require('lib-a');\nexports.handler = async () => a;\n",
    });
    await expect(build(after)).rejects.toThrow('does not hold: lib-a;');
    // The fallback a catch block loads runs only when the try block's package is missing.
    const fallback = workspace('fallback', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0', 'lib-b': '^1.0.0' } }),
      'index.js':
        "let a;\ntry { a = require('lib-a'); } catch (e) { a = require('lib-b'); }\nexports.handler = async () => a;\n",
      ...fake('lib-a'),
    });
    expect((await build(fallback)).logger.text('warning')).toContain('lib-b: the function');
  });

  it('a dependency linked in from outside the folder (npm link): the link is named; excluded, it only warns', async () => {
    const path = workspace('npm-linked', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js': handler,
    });
    writeTree(join(path, '..', 'lib-a'), fake('lib-a'));
    mkdirSync(join(path, 'node_modules'));
    symlinkSync(join(path, '..', 'lib-a', 'node_modules', 'lib-a'), join(path, 'node_modules', 'lib-a'));
    await expect(build(path)).rejects.toThrow('node_modules/lib-a is a symbolic link to');
    const { logger } = await build(path, { exclude: ['node_modules/lib-a'] });
    expect(logger.text('warning')).toContain('include/exclude leave out its folder node_modules/lib-a');
  });

  it('counts only what the handler loads: not a test, a script, nor the sources of a bundle beside it', async () => {
    const path = workspace('unloaded', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'dist/index.js': "const util = require('./util');\nexports.handler = async () => util('inlined');\n",
      'dist/util/index.js': 'module.exports = (x) => x; // lib-a inlined by esbuild\n',
      'src/index.js': handler,
      'test/index.test.js': "const a = require('lib-a');\n",
      'scripts/seed.mjs': "import a from 'lib-a';\n",
    });
    const { entries } = await build(path, { handler: 'dist/index.handler' });
    expect(entries).toContain('dist/index.js');
    const loaded = workspace('loaded-deeper', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js': "const db = require('./lib/db');\nexports.handler = async () => db;\n",
      'lib/db.js': handler,
    });
    await expect(build(loaded)).rejects.toThrow('does not hold: lib-a; Node.js finds it only in');
  });

  it('does not count a require or import in a comment', async () => {
    const path = workspace('commented', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js':
        "// const a = require('lib-a'); (before the bundle)\n/**\n * @example\n * import a from 'lib-a';\n */\nexports.handler = async () => 'https://example.com/x'; // done\n",
    });
    expect((await build(path)).entries).toEqual(['index.js', 'package.json']);
  });

  it("does not count Node.js's own modules, even where an npm package of the name is declared", async () => {
    const path = workspace('builtin', {
      'package.json': manifest({ dependencies: { events: '^3.3.0', buffer: '^6.0.3' } }),
      'index.mjs':
        "import { EventEmitter } from 'events';\nimport { Buffer } from 'buffer';\nexport const handler = async () => EventEmitter.name + Buffer.name;\n",
    });
    expect((await build(path)).entries).toEqual(['index.mjs', 'package.json']);
  });

  it('warns, not fails, for a package installed in the folder that exclude leaves out on purpose', async () => {
    const path = workspace('excluded', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js': handler,
      ...fake('lib-a'),
    });
    const { entries, logger } = await build(path, { exclude: ['node_modules/lib-a'] });
    expect(entries).toEqual(['index.js', 'package.json']);
    expect(logger.text('warning')).toContain(
      "lib-a: the function's code loads it, but include/exclude leave out its folder node_modules/lib-a",
    );
  });

  it('warns instead when layers are attached: one may hold the packages', async () => {
    const path = workspace('layered', {
      'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
      'index.js': handler,
    });
    const { logger } = await build(path, { layers: ['arn:aws:lambda:us-east-1:123456789012:layer:deps:3'] });
    expect(logger.text('warning')).toContain('one of the attached layers may hold them');
  });
});

describe("a workspace with npm's lockfile at its root", () => {
  /** package-lock.json as npm 11 writes it for the workspace (`npm install` at the root, lockfileVersion 3). */
  const lock = (packages: Record<string, object>) =>
    JSON.stringify({
      name: 'mono',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'mono', workspaces: ['packages/*'] },
        'node_modules/api': { resolved: 'packages/api', link: true },
        'node_modules/lib-a': { version: '1.0.0', dependencies: { 'lib-b': '^1.0.0' } },
        'node_modules/lib-b': { version: '1.0.0' },
        'node_modules/dev-x': { version: '1.0.0', dev: true },
        'packages/api': {
          version: '1.0.0',
          dependencies: { 'lib-a': '^1.0.0' },
          devDependencies: { 'dev-x': '^1.0.0' },
        },
        ...packages,
      },
    });
  const api = { 'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }), 'index.js': handler };

  it("packages the function's production dependencies from the root's node_modules, as the lockfile resolves them", async () => {
    const path = workspace('locked', api, { 'package-lock.json': lock({}), ...fake('dev-x') });
    const { entries, logger } = await build(path);
    expect(entries).toEqual(
      [
        'index.js',
        'node_modules/lib-a/index.js',
        'node_modules/lib-a/package.json',
        'node_modules/lib-b/index.js',
        'node_modules/lib-b/package.json',
        'package.json',
      ].sort(),
    );
    expect(logger.text('info')).toContain(
      `Packaged 2 packages the function needs from the workspace root's node_modules (${join(root, 'locked')}), ` +
        'where npm installed them, as package-lock.json resolves them: lib-a, lib-b',
    );
  });

  it('packages none of them for a bundle that loads none, and honours include and exclude', async () => {
    const bundle = workspace(
      'locked-bundle',
      {
        'package.json': manifest({ dependencies: { 'lib-a': '^1.0.0' } }),
        'index.js': "exports.handler = async () => 'lib-a inlined';\n",
      },
      { 'package-lock.json': lock({}) },
    );
    expect((await build(bundle)).entries).toEqual(['index.js', 'package.json']);
    const excluded = workspace('locked-exclude', api, { 'package-lock.json': lock({}) });
    expect((await build(excluded, { exclude: ['node_modules/lib-b'] })).entries).toEqual(
      ['index.js', 'node_modules/lib-a/index.js', 'node_modules/lib-a/package.json', 'package.json'].sort(),
    );
  });

  it('never reads a lockfile above the repository (a .git folder) the function is in', async () => {
    const path = workspace('outside', {}, { 'package-lock.json': lock({}) });
    writeTree(path, { ...api, '.git/HEAD': 'ref: refs/heads/main\n' });
    await expect(build(path)).rejects.toThrow('does not hold: lib-a; Node.js finds it only in');
  });

  it("still fails when the lockfile cannot say: a linked workspace package it does not describe, or another version in the function's own node_modules", async () => {
    const linked = workspace(
      'linked',
      {
        'package.json': manifest({ dependencies: { '@acme/shared': '*' } }),
        'index.js': "exports.handler = async () => require('@acme/shared');\n",
      },
      {
        'package-lock.json': lock({
          'node_modules/@acme/shared': { resolved: 'packages/shared', link: true },
          'packages/api': { version: '1.0.0', dependencies: { '@acme/shared': '*' } },
        }),
      },
    );
    await expect(build(linked)).rejects.toThrow('does not hold: @acme/shared; Node.js finds it only in');
    const clash = workspace(
      'clash',
      {
        ...api,
        'node_modules/lib-b/package.json': JSON.stringify({ name: 'lib-b', version: '2.0.0' }),
        'node_modules/lib-b/index.js': '',
      },
      { 'package-lock.json': lock({ 'packages/api/node_modules/lib-b': { version: '2.0.0' } }) },
    );
    await expect(build(clash)).rejects.toThrow('does not hold: lib-a; Node.js finds it only in');
  });
});

describe('declaredDependencies and importedPackages', () => {
  it('reads dependencies, less optional, peer and bundled ones; nothing from a bad package.json', () => {
    expect(
      declaredDependencies(manifest({ dependencies: { a: '1', b: '1' }, optionalDependencies: { b: '1' } })),
    ).toEqual(['a']);
    expect(declaredDependencies(manifest({ dependencies: { a: '1' }, bundleDependencies: true }))).toEqual(
      [],
    );
    expect(declaredDependencies('{')).toEqual([]);
  });

  it('finds bare specifiers of require, import, dynamic import and re-exports, not relative or node: ones', () => {
    const source = [
      "const a = require('a');",
      'import b from "@s/b/sub/path.js";',
      "const c = await import('c');",
      "export { d } from 'd';",
      "import './local.js';",
      "import fs from 'node:fs';",
    ].join('\n');
    expect([...importedPackages(source)].sort()).toEqual(['@s/b', 'a', 'c', 'd']);
  });
});

describe('workspaceClosure', () => {
  const lock = (packages: Record<string, object>) => JSON.stringify({ lockfileVersion: 3, packages });

  it("resolves as Node.js does, nested first, walks what the member's own node_modules needs, skips absent optional ones", () => {
    const text = lock({
      'packages/api': { dependencies: { a: '1', own: '1' }, optionalDependencies: { 'fsevents-ish': '1' } },
      'packages/api/node_modules/own': { dependencies: { c: '1' } },
      'node_modules/a': { dependencies: { b: '1' }, peerDependencies: { 'not-installed': '1' } },
      'node_modules/a/node_modules/b': { dependencies: { a: '1' } },
      'node_modules/b': {},
      'node_modules/c': {},
      'node_modules/dev-only': { dev: true },
    });
    expect(workspaceClosure(text, 'packages/api')).toEqual({
      folders: ['node_modules/a', 'node_modules/a/node_modules/b', 'node_modules/c'],
      siblings: [],
    });
  });

  it('is undefined for a folder the lockfile does not list, or a lockfile v1; unsupported for a missing required name', () => {
    expect(workspaceClosure(lock({ 'packages/web': {} }), 'packages/api')).toBeUndefined();
    expect(workspaceClosure(JSON.stringify({ lockfileVersion: 1, dependencies: {} }), 'x')).toBeUndefined();
    expect(
      workspaceClosure(lock({ 'packages/api': { dependencies: { gone: '1' } } }), 'packages/api'),
    ).toEqual({
      unsupported: 'gone (needed by packages/api) is not in the lockfile',
    });
  });
});
