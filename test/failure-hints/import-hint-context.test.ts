import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { importHintContext } from '../../src/failure-hints/import-hint-context.js';

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A function's folder with `files` (relative path -> text). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hint-context-'));
  folders.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const node = (path: string, runsOn?: 'lambda' | 'local') =>
  importHintContext({ path, runtime: 'nodejs22.x', architecture: 'arm64' }, runsOn);

describe('importHintContext for Node.js: what the build does with node_modules', () => {
  it('dependencies, a lockfile and no node_modules: npm ci installs them', () => {
    const path = folder({
      'package.json': JSON.stringify({ dependencies: { lodash: '^4' }, devDependencies: { jest: '^30' } }),
      'package-lock.json': '{}',
    });
    expect(node(path, 'lambda')).toEqual({
      platform: 'nodejs22.x arm64',
      runsOn: 'lambda',
      node: {
        manifest: { dependencies: ['lodash'], devDependencies: ['jest'], optionalDependencies: [] },
        install: { from: 'npm-ci', lockfile: 'package-lock.json' },
      },
    });
  });

  it("node_modules as it is, less the top-level packages npm's lockfile marks dev-only", () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { devDependencies: { 'ts-node': '^10' } },
        'node_modules/ts-node': { version: '10.9.2', dev: true },
        'node_modules/typescript': { version: '5.6.3', dev: true },
        'node_modules/ts-node/node_modules/arg': { version: '4.1.3', dev: true },
        'node_modules/lodash': { version: '4.17.21' },
      },
    };
    const path = folder({
      'package.json': JSON.stringify({
        dependencies: { lodash: '^4' },
        devDependencies: { 'ts-node': '^10' },
      }),
      'package-lock.json': JSON.stringify(lock),
      'node_modules/ts-node/package.json': '{"version":"10.9.2"}',
      'node_modules/typescript/package.json': '{"version":"5.6.3"}',
      'node_modules/lodash/package.json': '{"version":"4.17.21"}',
    });
    expect(node(path).node?.install).toEqual({
      from: 'folder',
      devOnly: { lockfile: 'package-lock.json', packages: ['ts-node', 'typescript'] },
    });
    expect(node(path).runsOn).toBe('local');
  });

  it('a node_modules whose lockfile describes another install: nothing is left out, as the build decides', () => {
    const path = folder({
      'package.json': JSON.stringify({ devDependencies: { typescript: '^5' } }),
      'package-lock.json': JSON.stringify({
        lockfileVersion: 3,
        packages: { 'node_modules/typescript': { version: '5.6.3', dev: true } },
      }),
      'node_modules/typescript/package.json': '{"version":"5.4.0"}',
    });
    expect(node(path).node?.install).toEqual({ from: 'folder' });
  });

  it('no package.json; an unreadable one; neither node_modules nor dependencies', () => {
    expect(node(folder({ 'index.mjs': '' })).node).toEqual({
      manifest: 'missing',
      install: { from: 'none' },
    });
    expect(node(folder({ 'package.json': '{ not json' })).node).toEqual({ install: { from: 'none' } });
    expect(node(folder({ 'package.json': '{"name":"x"}' })).node).toEqual({
      manifest: { dependencies: [], devDependencies: [], optionalDependencies: [] },
      install: { from: 'none' },
    });
  });
});

describe('importHintContext for Python', () => {
  it('the requirements file the build installs (settings name it), and no Node.js facts', () => {
    const path = folder({ 'requirements.txt': 'requests==2\n', 'package.json': '{}' });
    const requirements = join(path, 'requirements.txt');
    expect(
      importHintContext({ path, requirements, runtime: 'python3.12', architecture: 'x86_64' }, 'lambda'),
    ).toEqual({
      platform: 'python3.12 x86_64',
      runsOn: 'lambda',
      requirementsFile: 'requirements.txt',
      requirementsText: 'requests==2\n',
    });
  });
});
