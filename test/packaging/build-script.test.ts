import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { buildScriptCommand } from '../../src/packaging/build-script.js';
import { tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('build-script');
afterAll(cleanup);

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  writeTree(dir, files);
  return dir;
}

describe('buildScriptCommand', () => {
  it("names the build script's command in the lockfile's manager: yarn for a yarn-berry yarn.lock, read through a byte-order mark", () => {
    const scripts = '{"scripts": {"build": "tsc"}}';
    expect(buildScriptCommand(folder('npm', { 'package.json': scripts }))).toBe('npm run build');
    const berry = folder('berry', {
      'package.json': '\uFEFF' + scripts,
      'yarn.lock': '__metadata:\n  version: 8\n  cacheKey: 10c0\n',
    });
    expect(buildScriptCommand(berry)).toBe('yarn run build');
    // A workspace member: the root's lockfile, its package.json (workspaces) read through a byte-order mark too.
    const workspace = folder('workspace', {
      'package.json': '\uFEFF{"private": true, "workspaces": ["api"]}',
      'yarn.lock': '__metadata:\n  version: 8\n',
      'api/package.json': scripts,
    });
    expect(buildScriptCommand(join(workspace, 'api'))).toBe('yarn run build');
  });

  it('none without a build script, or for a package.json that is not an object (null, a list): never a TypeError', () => {
    expect(
      buildScriptCommand(folder('blank', { 'package.json': '{"scripts": {"build": " "}}' })),
    ).toBeUndefined();
    expect(buildScriptCommand(folder('missing', {}))).toBeUndefined();
    expect(buildScriptCommand(folder('null', { 'package.json': 'null' }))).toBeUndefined();
    expect(buildScriptCommand(folder('list', { 'package.json': '[]' }))).toBeUndefined();
  });
});
