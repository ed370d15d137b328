import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { npmCiArgs, npmInstallPlan } from '../../src/packaging/npm-install.js';
import { listZip } from '../../src/packaging/zip-reader.js';
import { buildNodeFunction, runUnzipped, tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('npm-ci');
afterAll(cleanup);

const handler = "const tiny = require('tiny-dep');\nexports.handler = async () => tiny;\n";

/**
 * A function folder as a repository holds it: package.json and a
 * package-lock.json that pins tiny-dep from the registry, no node_modules.
 * The tarball (`npm pack` of a tiny package) is put in a cache of npm's own
 * (npm cache add), where `npm ci` offline finds it by the lockfile's
 * integrity: no registry is ever asked.
 */
function lockedFunction(name: string): { path: string; env: NodeJS.ProcessEnv } {
  const base = join(root, name);
  writeTree(base, {
    'dep/package.json': JSON.stringify({ name: 'tiny-dep', version: '1.0.0', main: 'index.js' }),
    'dep/index.js': "module.exports = 'tiny 42';\n",
  });
  execFileSync('npm', ['pack', '--pack-destination', base], { cwd: join(base, 'dep'), stdio: 'pipe' });
  const tarball = join(base, 'tiny-dep-1.0.0.tgz');
  const cache = join(base, 'cache');
  const env = { ...process.env, npm_config_cache: cache, npm_config_offline: 'true' };
  execFileSync('npm', ['cache', 'add', tarball], { env, stdio: 'pipe' });
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const manifest = { name: 'fn', version: '1.0.0', dependencies: { 'tiny-dep': '^1.0.0' } };
  writeTree(base, {
    'fn/package.json': JSON.stringify(manifest),
    'fn/package-lock.json': JSON.stringify({
      name: 'fn',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': manifest,
        'node_modules/tiny-dep': {
          version: '1.0.0',
          resolved: 'https://registry.npmjs.org/tiny-dep/-/tiny-dep-1.0.0.tgz',
          integrity,
        },
      },
    }),
    'fn/index.js': handler,
  });
  return { path: join(base, 'fn'), env };
}

describe('a Node.js function with dependencies and a lockfile but no node_modules (the reusable workflow)', () => {
  it('installs them with npm ci for Lambda into a temporary folder and packages them: the handler loads unzipped', async () => {
    const { path, env } = lockedFunction('plain');
    const { zipPath, logger } = await buildNodeFunction(path, join(root, 'plain-out'), {}, { env });
    const names = (await listZip(zipPath)).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['index.js', 'node_modules/tiny-dep/package.json']));
    expect(runUnzipped(zipPath)).toBe('tiny 42');
    // The user's folder is read, never written.
    expect(existsSync(join(path, 'node_modules'))).toBe(false);
    expect(logger.text('info')).toContain(
      `No node_modules in ${path}: installed 1 package from package-lock.json for linux/x64`,
    );
  });

  it('packages a folder that has node_modules as it is, without running npm', async () => {
    const path = join(root, 'installed');
    writeTree(path, {
      'package.json': JSON.stringify({ name: 'fn', dependencies: { 'tiny-dep': '^1.0.0' } }),
      'package-lock.json': '{}',
      'node_modules/tiny-dep/package.json': JSON.stringify({ name: 'tiny-dep', version: '1.0.0' }),
      'node_modules/tiny-dep/index.js': "module.exports = 'preinstalled';\n",
      'index.js': handler,
    });
    // No npm on PATH: running it would fail the build.
    const env = { ...process.env, PATH: join(root, 'empty') };
    const { zipPath, logger } = await buildNodeFunction(path, join(root, 'installed-out'), {}, { env });
    expect(runUnzipped(zipPath)).toBe('preinstalled');
    expect(logger.text()).not.toContain('No node_modules');
  });
});

/** A stand-in for npm on PATH: records its arguments and installs tiny-dep; `npm install --usage` lists --libc. */
function fakeNpm(name: string, exitCode = 0): { env: NodeJS.ProcessEnv; argv: () => string[][] } {
  const bin = join(root, name, 'bin');
  const record = join(root, name, 'argv.jsonl');
  mkdirSync(bin, { recursive: true });
  writeTree(bin, {
    npm: `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(record)}, JSON.stringify([...args, 'INPUT_TOKEN=' + (process.env.INPUT_TOKEN ?? '')]) + '\\n');
if (args[1] === '--usage') { console.log('[--cpu <cpu>] [--os <os>] [--libc <libc>]'); process.exit(0); }
if (${exitCode}) { console.error('npm error code E404'); console.error('npm error 404 Not Found - GET https://registry.npmjs.org/tiny-dep'); process.exit(${exitCode}); }
fs.mkdirSync('node_modules/tiny-dep', { recursive: true });
fs.writeFileSync('node_modules/tiny-dep/package.json', '{"name":"tiny-dep","version":"1.0.0"}');
fs.writeFileSync('node_modules/tiny-dep/index.js', "module.exports = 'fake';");
`,
  });
  chmodSync(join(bin, 'npm'), 0o755);
  return {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, INPUT_TOKEN: 'ghs_secretvalue' },
    argv: () =>
      readFileSync(record, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string[]),
  };
}

function unlockedFolder(name: string, files: Record<string, string>): string {
  const path = join(root, name, 'fn');
  writeTree(path, {
    'package.json': JSON.stringify({ name: 'fn', dependencies: { 'tiny-dep': '^1.0.0' } }),
    'index.js': handler,
    ...files,
  });
  return path;
}

describe('npm ci for an arm64 function', () => {
  it("passes Lambda's platform (linux, arm64, glibc), production only, and not the action's inputs", async () => {
    const npm = fakeNpm('arm');
    const path = unlockedFolder('arm', { 'npm-shrinkwrap.json': '{}', '.npmrc': 'save-exact=true\n' });
    const { zipPath, logger } = await buildNodeFunction(
      path,
      join(root, 'arm-out'),
      { architecture: 'arm64' },
      { env: npm.env },
    );
    expect(npm.argv()).toEqual([
      ['install', '--usage', 'INPUT_TOKEN='],
      [
        'ci',
        '--omit=dev',
        '--no-audit',
        '--no-fund',
        '--os=linux',
        '--cpu=arm64',
        '--libc=glibc',
        'INPUT_TOKEN=',
      ],
    ]);
    expect(runUnzipped(zipPath)).toBe('fake');
    expect(logger.text('info')).toContain('installed 1 package from npm-shrinkwrap.json for linux/arm64');
  });

  it('fails naming npm ci and its last lines when it fails', async () => {
    const npm = fakeNpm('failing', 1);
    const path = unlockedFolder('failing', { 'package-lock.json': '{}' });
    await expect(buildNodeFunction(path, join(root, 'failing-out'), {}, { env: npm.env })).rejects.toThrow(
      /npm ci failed \(exit code 1\) installing the dependencies package-lock\.json pins for linux\/x64 from .*package-lock\.json:\nnpm error code E404\nnpm error 404 Not Found/,
    );
  });

  it('refuses a dependency npm would install from a folder beside the function, before running npm', async () => {
    // npm ci runs in a temporary folder: `file:../lib` would resolve next to it, not next to the function.
    const npm = fakeNpm('file-dep');
    const path = unlockedFolder('file-dep', { 'package-lock.json': '{}' });
    writeTree(path, {
      'package.json': JSON.stringify({
        name: 'fn',
        dependencies: { 'tiny-dep': '^1.0.0', shared: 'file:../lib' },
      }),
    });
    await expect(buildNodeFunction(path, join(root, 'file-dep-out'), {}, { env: npm.env })).rejects.toThrow(
      /package\.json: shared \(file:\.\.\/lib\) is installed from a path on this machine, which npm ci cannot reach from the temporary folder the build installs into\. Run npm ci --omit=dev --os=linux --cpu=x64 in .*file-dep\/fn before deploying \(the build then packages its node_modules as it is\), or publish the package to a registry\./,
    );
    expect(existsSync(join(root, 'file-dep', 'argv.jsonl'))).toBe(false);
  });

  it('packages such a dependency once npm ci has run in the folder: its link is followed inside the workspace', async () => {
    const base = join(root, 'file-dep-installed');
    writeTree(base, {
      'lib/package.json': JSON.stringify({ name: 'shared', version: '1.0.0', main: 'index.js' }),
      'lib/index.js': "module.exports = 'shared 7';\n",
      'fn/package.json': JSON.stringify({ name: 'fn', dependencies: { shared: 'file:../lib' } }),
      'fn/package-lock.json': '{}',
      'fn/index.js': "const shared = require('shared');\nexports.handler = async () => shared;\n",
    });
    mkdirSync(join(base, 'fn', 'node_modules'));
    symlinkSync('../../lib', join(base, 'fn', 'node_modules', 'shared'));
    const env = { ...process.env, PATH: join(root, 'empty') };
    const { zipPath } = await buildNodeFunction(
      join(base, 'fn'),
      join(root, 'file-dep-installed-out'),
      { workspace: base },
      { env },
    );
    expect(runUnzipped(zipPath)).toBe('shared 7');
  });

  it('refuses a path dependency the lockfile names for a dependency of a dependency', async () => {
    const npm = fakeNpm('file-lock');
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { 'tiny-dep': '^1.0.0' } },
        'node_modules/tiny-dep': { version: '1.0.0' },
        'node_modules/vendored': { version: '2.0.0', resolved: 'file:vendor/vendored-2.0.0.tgz' },
        'node_modules/linked': { resolved: '../linked', link: true },
      },
    };
    const path = unlockedFolder('file-lock', { 'package-lock.json': JSON.stringify(lock) });
    await expect(buildNodeFunction(path, join(root, 'file-lock-out'), {}, { env: npm.env })).rejects.toThrow(
      /package-lock\.json: linked \(\.\.\/linked\), vendored \(file:vendor\/vendored-2\.0\.0\.tgz\) are installed from a path/,
    );
    expect(existsSync(join(root, 'file-lock', 'argv.jsonl'))).toBe(false);
  });

  it('installs around a devDependency npm links from a path (its lockfile entry carries no dev flag): --omit=dev never reads it', async () => {
    // As npm 11 locks `"devDependencies": {"eslint-config": "file:../lib"}`: the link entry has only
    // resolved and link, the dev flag is on its target's entry ("../lib").
    const { path, env } = lockedFunction('dev-link');
    const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync(join(path, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    manifest.devDependencies = { 'eslint-config': 'file:../lib' };
    lock.packages[''] = manifest;
    lock.packages['../lib'] = { name: 'eslint-config', version: '1.0.0', dev: true };
    lock.packages['node_modules/eslint-config'] = { resolved: '../lib', link: true };
    writeTree(path, {
      'package.json': JSON.stringify(manifest),
      'package-lock.json': JSON.stringify(lock),
    });
    const { zipPath } = await buildNodeFunction(path, join(root, 'dev-link-out'), {}, { env });
    expect(runUnzipped(zipPath)).toBe('tiny 42');
    expect((await listZip(zipPath)).map((e) => e.name)).not.toContainEqual(
      expect.stringContaining('eslint-config'),
    );
  });

  it('says npm is missing from PATH', async () => {
    const path = unlockedFolder('no-npm', { 'package-lock.json': '{}' });
    const env = { ...process.env, PATH: join(root, 'empty') };
    await expect(buildNodeFunction(path, join(root, 'no-npm-out'), {}, { env })).rejects.toThrow(
      /npm was not found on PATH; it is needed to install the dependencies package-lock\.json pins for linux\/x64 .*Add actions\/setup-node before this step/,
    );
  });

  it('without a lockfile, runs no npm install and says to commit a package-lock.json', async () => {
    const npm = fakeNpm('unlocked');
    const path = unlockedFolder('unlocked', {});
    await expect(buildNodeFunction(path, join(root, 'unlocked-out'), {}, { env: npm.env })).rejects.toThrow(
      /it has no package-lock\.json \(nor npm-shrinkwrap\.json\)\. .*Commit a package-lock\.json beside package\.json/,
    );
    expect(existsSync(join(root, 'unlocked', 'argv.jsonl'))).toBe(false);
  });
});

describe('npmInstallPlan and npmCiArgs', () => {
  const present = (names: string[]) => (name: string) => names.includes(name);
  const manifest = JSON.stringify({ dependencies: { a: '1' } });
  it('installs only with dependencies, a lockfile and no node_modules; never for a workspace root', () => {
    expect(npmInstallPlan(manifest, present(['package-lock.json']))).toEqual({
      install: true,
      lockfile: 'package-lock.json',
    });
    expect(npmInstallPlan(manifest, present(['package-lock.json', 'npm-shrinkwrap.json']))).toEqual({
      install: true,
      lockfile: 'npm-shrinkwrap.json',
    });
    expect(npmInstallPlan(manifest, present(['package-lock.json', 'node_modules']))).toBeUndefined();
    expect(npmInstallPlan(manifest, present([]))).toEqual({ unlocked: true });
    expect(npmInstallPlan('{"dependencies":{}}', present(['package-lock.json']))).toBeUndefined();
    expect(
      npmInstallPlan('{"workspaces":["a"],"dependencies":{"a":"1"}}', present(['package-lock.json'])),
    ).toBeUndefined();
  });
  it('leaves --libc out for an npm that does not list it', () => {
    expect(npmCiArgs('x86_64', false)).toEqual([
      'ci',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--os=linux',
      '--cpu=x64',
    ]);
  });
});
