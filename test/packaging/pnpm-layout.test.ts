import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildNodeFunction, runUnzipped, tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('pnpm');
afterAll(cleanup);

/**
 * node_modules as pnpm's default (node-linker=isolated) lays it out in
 * `dir` (pnpm.io/symlinked-node-modules-structure): each package's files in
 * .pnpm/<name>@<version>/node_modules/<name>, its dependencies as sibling
 * links there, the project's direct dependencies as links to them, and every
 * package hoisted as a link into .pnpm/node_modules.
 */
function pnpmInstall(dir: string, project: string): void {
  const store = (name: string, code: string, dependencies = {}) => ({
    [`node_modules/.pnpm/${name}@1.0.0/node_modules/${name}/package.json`]: JSON.stringify({
      name,
      version: '1.0.0',
      dependencies,
    }),
    [`node_modules/.pnpm/${name}@1.0.0/node_modules/${name}/index.js`]: code,
  });
  writeTree(dir, {
    'node_modules/.modules.yaml': `nodeLinker: isolated\nlayoutVersion: 5\n`,
    ...store('lib-a', "module.exports = 'a+' + require('lib-b');\n", { 'lib-b': '^1.0.0' }),
    ...store('lib-b', "module.exports = 'b';\n"),
  });
  const pnpm = join(dir, 'node_modules/.pnpm');
  symlinkSync('../../lib-b@1.0.0/node_modules/lib-b', join(pnpm, 'lib-a@1.0.0/node_modules/lib-b'));
  mkdirSync(join(pnpm, 'node_modules'));
  for (const name of ['lib-a', 'lib-b'])
    symlinkSync(`../${name}@1.0.0/node_modules/${name}`, join(pnpm, 'node_modules', name));
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  const link = join(project, 'node_modules/lib-a');
  symlinkSync(relative(dirname(link), join(pnpm, 'lib-a@1.0.0/node_modules/lib-a')), link);
}

const manifest = JSON.stringify({ name: 'api', version: '1.0.0', dependencies: { 'lib-a': '^1.0.0' } });
const handler = "const a = require('lib-a');\nexports.handler = async () => a;\n";

function build(path: string, workspace?: string) {
  return buildNodeFunction(path, join(root, 'out', path.replace(/\W/g, '_')), workspace ? { workspace } : {});
}

describe('a pnpm project (node-linker=isolated: node_modules of symbolic links)', () => {
  it("fails before upload when a linked package's own dependencies sit beside it in .pnpm, where Lambda cannot find them", async () => {
    const path = join(root, 'single');
    writeTree(path, { 'package.json': manifest, 'index.js': handler });
    pnpmInstall(path, path);
    const error = build(path);
    await expect(error).rejects.toThrow(
      `path: ${path}/node_modules was installed by pnpm with node-linker=isolated (its default): its packages are symbolic links into node_modules/.pnpm, and the dependencies of lib-a are links beside them there.`,
    );
    await expect(error).rejects.toThrow(
      'add node-linker=hoisted to .npmrc and run pnpm install --prod again',
    );
  });

  it('packages a linked package that needs nothing else, and it loads on Lambda', async () => {
    const path = join(root, 'leaf');
    writeTree(path, {
      'package.json': JSON.stringify({ name: 'api', version: '1.0.0', dependencies: { 'lib-b': '^1.0.0' } }),
      'index.js': "const b = require('lib-b');\nexports.handler = async () => b;\n",
    });
    pnpmInstall(path, path);
    rmSync(join(path, 'node_modules/lib-a'));
    symlinkSync('.pnpm/lib-b@1.0.0/node_modules/lib-b', join(path, 'node_modules/lib-b'));
    expect(runUnzipped((await build(path)).zipPath)).toBe('b');
  });

  it('packages one whose dependencies pnpm also linked into node_modules (shamefully-hoist), and it loads on Lambda', async () => {
    const path = join(root, 'shameful');
    writeTree(path, { 'package.json': manifest, 'index.js': handler });
    pnpmInstall(path, path);
    symlinkSync('.pnpm/lib-b@1.0.0/node_modules/lib-b', join(path, 'node_modules/lib-b'));
    expect(runUnzipped((await build(path)).zipPath)).toBe('a+b');
  });

  it('packages node-linker=hoisted (flat, no links), and lib-a loads lib-b on Lambda', async () => {
    const path = join(root, 'hoisted');
    writeTree(path, {
      'package.json': manifest,
      'index.js': handler,
      'node_modules/lib-a/package.json': JSON.stringify({
        name: 'lib-a',
        version: '1.0.0',
        dependencies: { 'lib-b': '1' },
      }),
      'node_modules/lib-a/index.js': "module.exports = 'a+' + require('lib-b');\n",
      'node_modules/lib-b/package.json': JSON.stringify({ name: 'lib-b', version: '1.0.0' }),
      'node_modules/lib-b/index.js': "module.exports = 'b';\n",
    });
    expect(runUnzipped((await build(path)).zipPath)).toBe('a+b');
  });
});

describe('a pnpm workspace member (its links lead to the root’s node_modules/.pnpm)', () => {
  const member = (name: string) => {
    const repo = join(root, name);
    writeTree(repo, { 'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n" });
    const path = join(repo, 'packages/api');
    writeTree(path, { 'package.json': manifest, 'index.js': handler });
    pnpmInstall(repo, path);
    return { repo, path };
  };

  it('names pnpm and node-linker=hoisted when the link leads outside the folder', async () => {
    const { path } = member('ws-outside');
    const error = build(path);
    await expect(error).rejects.toThrow('node_modules/lib-a is a symbolic link to ');
    await expect(error).rejects.toThrow(
      'pnpm installed it as a link into its store: add node-linker=hoisted to .npmrc, then run pnpm deploy --filter <package> --prod <folder>',
    );
  });

  it('fails before upload when the workspace holds the links (they are followed, and lib-b is lost)', async () => {
    const { repo, path } = member('ws-inside');
    await expect(build(path, repo)).rejects.toThrow(
      `path: ${path}/node_modules was installed by pnpm with node-linker=isolated (its default)`,
    );
  });
});
