import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { workspaceClosure } from '../../src/packaging/workspace-closure.js';
import { builtEntryFiles, npmPackFilter } from '../../src/packaging/npm-pack-files.js';
import { listZip } from '../../src/packaging/zip-reader.js';
import { buildNodeFunction, runUnzipped, tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('siblings');
afterAll(cleanup);

const registry = (name: string, version: string, code: string, dependencies = {}) => ({
  [`${name}/package.json`]: JSON.stringify({
    name: name.replace(/^.*node_modules\//, ''),
    version,
    dependencies,
  }),
  [`${name}/index.js`]: code,
});

/** The members of the workspace (folder: package.json fields and files), with their lockfile entries. */
interface Member {
  manifest: Record<string, unknown>;
  files: Record<string, string>;
}

/**
 * An npm workspace (packages/*, services/*) as `npm ci` at its root leaves
 * it: registry packages hoisted into the root's node_modules, every member
 * linked there as node_modules/<name> -> ../../<folder>, and package-lock.json
 * (v3) recording both. `extra`: more lockfile entries and files.
 */
function workspace(
  name: string,
  members: Record<string, Member>,
  extra: { lock?: Record<string, object>; files?: Record<string, string> } = {},
): string {
  const dir = join(root, name);
  const packages: Record<string, object> = {
    '': { name: 'mono', workspaces: ['packages/*', 'services/*'] },
    'node_modules/lib-a': { version: '1.0.0', dependencies: { 'lib-b': '^1.0.0' } },
    'node_modules/lib-b': { version: '1.0.0' },
    'node_modules/lib-c': { version: '1.0.0' },
    'node_modules/dev-x': { version: '1.0.0', dev: true },
    ...extra.lock,
  };
  writeTree(dir, {
    'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*', 'services/*'] }),
    ...registry('node_modules/lib-a', '1.0.0', "module.exports = 'a+' + require('lib-b');\n", {
      'lib-b': '^1.0.0',
    }),
    ...registry('node_modules/lib-b', '1.0.0', "module.exports = 'b1';\n"),
    ...registry('node_modules/lib-c', '1.0.0', "module.exports = 'c';\n"),
    ...registry('node_modules/dev-x', '1.0.0', "module.exports = 'dev';\n"),
    ...extra.files,
  });
  for (const [folder, member] of Object.entries(members)) {
    const { name: pkg, version = '1.0.0', ...rest } = member.manifest as { name: string; version?: string };
    writeTree(join(dir, folder), {
      ...member.files,
      'package.json': JSON.stringify({ name: pkg, version, ...rest }),
    });
    packages[`node_modules/${pkg}`] = { resolved: folder, link: true };
    packages[folder] = { name: pkg, version, ...rest };
    const link = join(dir, 'node_modules', pkg);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(dir, folder)), link);
  }
  writeTree(dir, {
    'package-lock.json': JSON.stringify({ name: 'mono', lockfileVersion: 3, requires: true, packages }),
  });
  return join(dir, 'services/api');
}

const api = (code: string, file = 'index.js'): Member => ({
  manifest: { name: '@acme/api', dependencies: { '@acme/shared': '^1.0.0' } },
  files: { [file]: code },
});
const loadsShared = "const shared = require('@acme/shared');\nexports.handler = async () => shared;\n";

async function build(path: string) {
  const { zipPath, logger } = await buildNodeFunction(path, join(path, '..', '..', 'out'));
  return { zipPath, entries: (await listZip(zipPath)).map((e) => e.name), logger };
}

describe('a Node.js function in an npm workspace that depends on a sibling workspace package', () => {
  it("packages the sibling as npm installs it from its tarball, with its and its siblings' production dependencies, and it loads", async () => {
    const path = workspace(
      'linked',
      {
        'services/api': api(loadsShared),
        'packages/shared': {
          manifest: {
            name: '@acme/shared',
            main: 'lib/index.js',
            files: ['lib', '!lib/**/*.test.js'],
            dependencies: { 'lib-a': '^1.0.0', '@acme/util': '^1.0.0' },
            devDependencies: { 'dev-x': '^1.0.0' },
          },
          files: {
            'lib/index.js': "module.exports = 'shared+' + require('lib-a') + '+' + require('@acme/util');\n",
            'lib/index.test.js': "require('dev-x');\n",
            'src/index.ts': 'export {};\n',
            'README.md': '# shared\n',
            LICENSE: 'MIT\n',
            '.eslintrc.json': '{}\n',
            'node_modules/.cache/x.json': '{}\n',
          },
        },
        // A sibling of the sibling, which depends back on it (a cycle), and needs another lib-b than the root's.
        'packages/util': {
          manifest: {
            name: '@acme/util',
            dependencies: { '@acme/shared': '^1.0.0', 'lib-c': '^1.0.0', 'lib-b': '^2.0.0' },
          },
          files: {
            'index.js': "module.exports = 'util+' + require('lib-c') + '+' + require('lib-b');\n",
            ...registry('node_modules/lib-b', '2.0.0', "module.exports = 'b2';\n"),
          },
        },
      },
      { lock: { 'packages/util/node_modules/lib-b': { version: '2.0.0' } } },
    );
    const { zipPath, entries, logger } = await build(path);
    expect(entries).toEqual(
      [
        'index.js',
        'package.json',
        'node_modules/@acme/shared/LICENSE',
        'node_modules/@acme/shared/README.md',
        'node_modules/@acme/shared/lib/index.js',
        'node_modules/@acme/shared/package.json',
        'node_modules/@acme/util/index.js',
        'node_modules/@acme/util/node_modules/lib-b/index.js',
        'node_modules/@acme/util/node_modules/lib-b/package.json',
        'node_modules/@acme/util/package.json',
        'node_modules/lib-a/index.js',
        'node_modules/lib-a/package.json',
        'node_modules/lib-b/index.js',
        'node_modules/lib-b/package.json',
        'node_modules/lib-c/index.js',
        'node_modules/lib-c/package.json',
      ].sort(),
    );
    expect(runUnzipped(zipPath)).toBe('shared+a+b1+util+c+b2');
    expect(logger.text('info')).toContain(
      'Packaged the workspace packages @acme/shared (packages/shared), @acme/util (packages/util) as npm installs one from its tarball',
    );
  });

  it('loads a built ES module sibling, named by exports, from an ES module handler', async () => {
    const path = workspace('esm', {
      'services/api': api(
        "import shared from '@acme/shared';\nexport const handler = async () => shared;\n",
        'index.mjs',
      ),
      'packages/shared': {
        manifest: {
          name: '@acme/shared',
          type: 'module',
          exports: { '.': { import: './dist/index.js' } },
          scripts: { build: 'tsc' },
          files: ['dist'],
          dependencies: { 'lib-c': '^1.0.0' },
        },
        files: {
          'dist/index.js': "import c from 'lib-c';\nexport default 'esm+' + c;\n",
          'src/index.ts': 'export {};\n',
        },
      },
    });
    const { zipPath, entries } = await build(path);
    expect(entries).toContain('node_modules/@acme/shared/dist/index.js');
    expect(entries).not.toContain('node_modules/@acme/shared/src/index.ts');
    expect(runUnzipped(zipPath, "import('./index.mjs').then((m) => m.handler()).then(console.log)")).toBe(
      'esm+c',
    );
  });

  it('refuses before upload a sibling with a build step whose main file is not built, naming it; warns when the handler does not load it', async () => {
    const shared = {
      manifest: {
        name: '@acme/shared',
        main: 'dist/index.js',
        scripts: { build: 'tsc -p .' },
        dependencies: { 'lib-c': '^1.0.0' },
      },
      files: { 'src/index.ts': 'export default 1;\n' },
    };
    const path = workspace('unbuilt', { 'services/api': api(loadsShared), 'packages/shared': shared });
    await expect(build(path)).rejects.toThrow(
      `path: the function's handler loads @acme/shared; the workspace package @acme/shared (packages/shared) has a build step, and the entry file its package.json names is not there: ` +
        `${join(root, 'unbuilt/packages/shared/dist/index.js')}. Build it first (npm run build --workspace @acme/shared`,
    );
    const unused = workspace('unbuilt-unused', {
      'services/api': api("exports.handler = async () => require('./lib');\n"),
      'packages/shared': shared,
    });
    // A script beside the handler loads it; the handler does not.
    writeTree(unused, { 'lib.js': 'module.exports = 1;\n', 'scripts/seed.js': "require('@acme/shared');\n" });
    const { logger } = await build(unused);
    expect(logger.text('warning')).toContain('(The handler does not load it: deploying it as it is.)');
  });

  it('refuses a linked workspace package outside the repository, naming the link and its target', async () => {
    const path = workspace(
      'outside',
      { 'services/api': api(loadsShared) },
      {
        lock: {
          'node_modules/@acme/shared': { resolved: '../elsewhere/shared', link: true },
          '../elsewhere/shared': { name: '@acme/shared', version: '1.0.0' },
        },
        files: { '.git/HEAD': 'ref: refs/heads/main\n' },
      },
    );
    writeTree(join(root, 'elsewhere/shared'), {
      'package.json': JSON.stringify({ name: '@acme/shared', version: '1.0.0' }),
      'index.js': "module.exports = 'outside';\n",
    });
    const link = join(root, 'outside/node_modules/@acme/shared');
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(root, 'elsewhere/shared')), link);
    await expect(build(path)).rejects.toThrow(
      `the workspace package @acme/shared is linked from ${link} to ${join(root, 'elsewhere/shared')}, outside the repository (${join(root, 'outside')})`,
    );
  });
});

describe('a workspace whose root node_modules is not installed (no npm ci before the deploy)', () => {
  it('refuses before upload the registry packages the lockfile lists but the root lacks, saying to run npm ci there; an optional one may be absent', async () => {
    const path = workspace(
      'not-installed',
      {
        'services/api': api(loadsShared),
        'packages/shared': {
          manifest: {
            name: '@acme/shared',
            dependencies: { 'lib-a': '^1.0.0' },
            optionalDependencies: { 'opt-x': '^1.0.0' },
          },
          files: { 'index.js': "module.exports = 'shared+' + require('lib-a');\n" },
        },
      },
      // An optional package for another platform: npm ci leaves it out, and nothing needs it.
      { lock: { 'node_modules/opt-x': { version: '1.0.0', optional: true } } },
    );
    const rootDir = join(root, 'not-installed');
    expect((await build(path)).entries).toContain('node_modules/lib-b/package.json');
    // As a fresh checkout has it: node_modules (its links too) is not committed.
    rmSync(join(rootDir, 'node_modules'), { recursive: true });
    await expect(build(path)).rejects.toThrow(
      `path: the function needs lib-a, lib-b, which ${join(rootDir, 'package-lock.json')} lists but ${join(rootDir, 'node_modules')} does not hold: ` +
        `Lambda would fail with "Cannot find module". Install the workspace before deploying: run npm ci in ${rootDir}.`,
    );
    const layer = 'arn:aws:lambda:us-east-1:123456789012:layer:deps:3';
    const { logger } = await buildNodeFunction(path, join(rootDir, 'out'), { layers: [layer] });
    expect(logger.text('warning')).toContain('(Deploying anyway: one of the attached layers may hold them.)');
  });
});

describe('a registry package of the workspace root that is a link out of the repository (npm link)', () => {
  it('is not packaged from outside the repository: the build fails naming the package', async () => {
    const path = workspace(
      'npm-link',
      {
        'services/api': {
          manifest: { name: '@acme/api', dependencies: { 'lib-linked': '^1.0.0' } },
          files: { 'index.js': "exports.handler = async () => require('lib-linked');\n" },
        },
      },
      { lock: { 'node_modules/lib-linked': { version: '1.0.0' } }, files: { '.git/HEAD': 'ref\n' } },
    );
    writeTree(join(root, 'home/lib-linked'), {
      'package.json': JSON.stringify({ name: 'lib-linked', version: '1.0.0' }),
      'index.js': "module.exports = require('fs').readFileSync(__dirname + '/token.txt', 'utf8');\n",
      'token.txt': 'from-the-runner\n',
    });
    symlinkSync('../../home/lib-linked', join(root, 'npm-link/node_modules/lib-linked'));
    await expect(build(path)).rejects.toThrow('does not hold: lib-linked; Node.js finds it only in');
  });
});

describe('workspaceClosure with linked workspace packages', () => {
  it('gives each sibling once, where its link is, its own node_modules under it, and ends on a cycle', () => {
    const text = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        'services/api': { dependencies: { '@acme/a': '*' } },
        'node_modules/@acme/a': { resolved: 'packages/a', link: true },
        'node_modules/@acme/b': { resolved: 'packages/b', link: true },
        'packages/a': { dependencies: { '@acme/b': '*' }, devDependencies: { 'dev-x': '*' } },
        'packages/b': { dependencies: { '@acme/a': '*', x: '*' } },
        'packages/b/node_modules/x': {},
        'node_modules/dev-x': { dev: true },
      },
    });
    expect(workspaceClosure(text, 'services/api')).toEqual({
      folders: ['packages/b/node_modules/x'],
      siblings: [
        { name: '@acme/a', folder: 'packages/a', at: 'node_modules/@acme/a' },
        { name: '@acme/b', folder: 'packages/b', at: 'node_modules/@acme/b' },
      ],
    });
    expect(workspaceClosure(text, 'services/api', [])).toEqual({ folders: [], siblings: [] });
  });
});

describe('npmPackFilter', () => {
  it('takes what files names, and always package.json, README, LICENSE, main and bin; never node_modules or dotfiles', () => {
    const packs = npmPackFilter({
      main: 'index.js',
      bin: { x: './bin/x.js' },
      files: ['lib/', '!lib/secret.js'],
    });
    const kept = [
      'package.json',
      'README.md',
      'LICENCE',
      'index.js',
      'bin/x.js',
      'lib/a.js',
      'lib/deep/b.js',
      'lib/secret.js',
      'lib/.env',
      'lib/node_modules/y/index.js',
      'src/a.ts',
      'package-lock.json',
    ].filter(packs);
    expect(kept).toEqual([
      'package.json',
      'README.md',
      'LICENCE',
      'index.js',
      'bin/x.js',
      'lib/a.js',
      'lib/deep/b.js',
    ]);
    expect(['src/a.ts', '.npmrc', 'test/x.js'].filter(npmPackFilter({}))).toEqual(['src/a.ts', 'test/x.js']);
  });
});

describe("a sibling workspace package's files", () => {
  it("are the user's own: the package maps them to their files in the repository (serve names them there), not the registry packages", async () => {
    const path = workspace('shown', {
      'services/api': api(loadsShared),
      'packages/shared': {
        manifest: { name: '@acme/shared', dependencies: { 'lib-a': '^1.0.0' } },
        files: { 'index.js': "module.exports = require('lib-a');\n" },
      },
    });
    const { zipPath, sourceFiles } = await buildNodeFunction(path, join(path, '..', '..', 'out'));
    const ws = join(path, '..', '..');
    expect(sourceFiles?.get('index.js')).toBe(join(path, 'index.js'));
    expect(sourceFiles?.get('node_modules/@acme/shared/index.js')).toBe(join(ws, 'packages/shared/index.js'));
    // A registry package hoisted from the root is packaged, and none of the user's files.
    expect((await listZip(zipPath)).map((e) => e.name)).toContain('node_modules/lib-a/index.js');
    expect(sourceFiles?.has('node_modules/lib-a/index.js')).toBe(false);
  });
});

describe('builtEntryFiles', () => {
  it('names the files a build writes that Node.js loads: main and the exports targets, not a types condition', () => {
    const manifest = {
      scripts: { build: 'esbuild src/index.ts --outdir=dist' },
      main: './dist/index.cjs',
      exports: {
        '.': {
          types: './dist/index.d.ts',
          import: { types: './dist/index.d.mts', default: './dist/index.mjs' },
          require: './dist/index.cjs',
        },
        './package.json': './package.json',
      },
    };
    expect(builtEntryFiles(manifest).sort()).toEqual(['dist/index.cjs', 'dist/index.mjs']);
  });
});
