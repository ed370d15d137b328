/**
 * init's build for an npm workspace member, run for real with npm offline
 * (local tarballs, a temporary cache): `npm ci` in the member installs the
 * workspace at the root, and the packaging then holds what the handler loads.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildFacts, initBuild } from '../../src/setup/init-build.js';
import { listZip } from '../../src/packaging/zip-reader.js';
import { buildNodeFunction, haveCommand, tempDir, writeTree } from '../packaging/helpers.js';

const { dir: base, cleanup } = tempDir('init-npm-ws');
afterAll(cleanup);

describe("init's build for an npm workspace member", () => {
  (haveCommand('npm') ? it : it.skip)(
    'npm ci in the member installs the workspace at the root; the package holds the hoisted dependencies and the workspace package',
    async () => {
      const npmEnv = { ...process.env, npm_config_cache: join(base, 'cache'), npm_config_offline: 'true' };
      const npm = (args: string[], cwd: string) =>
        execFileSync('npm', args, { cwd, env: npmEnv, stdio: 'pipe' });
      const tarballs = join(base, 'tarballs');
      mkdirSync(tarballs, { recursive: true });
      writeTree(join(base, 'src/dep-b'), {
        'package.json': JSON.stringify({ name: 'dep-b', version: '1.0.0', main: 'index.js' }),
        'index.js': "module.exports = 'b';\n",
      });
      npm(['pack', '--pack-destination', tarballs], join(base, 'src/dep-b'));
      writeTree(join(base, 'src/dep-a'), {
        'package.json': JSON.stringify({
          name: 'dep-a',
          version: '1.0.0',
          main: 'index.js',
          dependencies: { 'dep-b': `file:${tarballs}/dep-b-1.0.0.tgz` },
        }),
        'index.js': "module.exports = require('dep-b') + 'a';\n",
      });
      npm(['pack', '--pack-destination', tarballs], join(base, 'src/dep-a'));
      const repo = join(base, 'repo');
      mkdirSync(join(repo, '.git'), { recursive: true });
      writeTree(repo, {
        'package.json': JSON.stringify({
          name: 'mono',
          private: true,
          workspaces: ['packages/*', 'services/*'],
        }),
        'packages/shared/package.json': JSON.stringify({
          name: '@acme/shared',
          version: '1.0.0',
          main: 'index.js',
        }),
        'packages/shared/index.js': "module.exports = 'shared';\n",
        'services/api/package.json': JSON.stringify({
          name: 'api',
          version: '1.0.0',
          dependencies: { 'dep-a': `file:${tarballs}/dep-a-1.0.0.tgz`, '@acme/shared': '^1.0.0' },
        }),
        'services/api/index.js':
          "exports.handler = async () => require('dep-a') + require('@acme/shared');\n",
      });
      // The root's lockfile, as the repository commits it; then no node_modules, as a checkout has none.
      npm(['install', '--no-audit', '--no-fund'], repo);
      rmSync(join(repo, 'node_modules'), { recursive: true, force: true });
      const member = join(repo, 'services/api');
      const build = initBuild(buildFacts(member, ['index.js'], repo));
      expect(build?.command).toBe('npm ci');
      // Not installed (no build): refused before anything is created in AWS, naming what is missing.
      await expect(buildNodeFunction(member, join(base, 'out'), { workspace: repo })).rejects.toThrow(
        `the function needs dep-a, dep-b, which ${join(repo, 'package-lock.json')} lists but ${join(repo, 'node_modules')} does not hold`,
      );
      // As the reusable workflow runs it: in path, through bash.
      execSync(build!.command!, { cwd: member, env: npmEnv, shell: '/bin/bash', stdio: 'pipe' });
      const { zipPath } = await buildNodeFunction(member, join(base, 'out'), { workspace: repo });
      const names = (await listZip(zipPath)).map((e) => e.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'index.js',
          'node_modules/dep-a/index.js',
          'node_modules/dep-b/index.js',
          'node_modules/@acme/shared/index.js',
        ]),
      );
    },
  );

  (haveCommand('npm') ? it : it.skip)(
    'a member with a package-lock.json of its own (npm install --no-workspaces) below a workspace root without one: its build installs it in its folder',
    async () => {
      const npmEnv = { ...process.env, npm_config_cache: join(base, 'cache2'), npm_config_offline: 'true' };
      const npm = (args: string[], cwd: string) =>
        execFileSync('npm', args, { cwd, env: npmEnv, stdio: 'pipe' });
      const tarballs = join(base, 'tarballs2');
      mkdirSync(tarballs, { recursive: true });
      writeTree(join(base, 'src2/dep-c'), {
        'package.json': JSON.stringify({ name: 'dep-c', version: '1.0.0', main: 'index.js' }),
        'index.js': "module.exports = 'c';\n",
      });
      npm(['pack', '--pack-destination', tarballs], join(base, 'src2/dep-c'));
      const repo = join(base, 'own');
      mkdirSync(join(repo, '.git'), { recursive: true });
      writeTree(repo, {
        'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['services/*'] }),
        'services/api/package.json': JSON.stringify({
          name: 'api',
          version: '1.0.0',
          scripts: { build: 'mkdir -p dist && cp src/index.js dist/index.js' },
          dependencies: { 'dep-c': `file:${tarballs}/dep-c-1.0.0.tgz` },
        }),
        'services/api/src/index.js': "exports.handler = async () => require('dep-c');\n",
      });
      const member = join(repo, 'services/api');
      npm(['install', '--no-workspaces', '--no-audit', '--no-fund'], member);
      rmSync(join(member, 'node_modules'), { recursive: true, force: true });
      const build = initBuild(buildFacts(member, ['dist/index.js'], repo));
      expect(build?.command).toBe('npm ci --no-workspaces && npm run build');
      // npm takes the root for the workspace's, and npm ci there would find no lockfile.
      execSync(build!.command!, { cwd: member, env: npmEnv, shell: '/bin/bash', stdio: 'pipe' });
      const { zipPath } = await buildNodeFunction(member, join(base, 'out2'), {
        workspace: repo,
        handler: 'dist/index.handler',
      });
      expect((await listZip(zipPath)).map((e) => e.name)).toEqual(
        expect.arrayContaining(['dist/index.js', 'node_modules/dep-c/index.js']),
      );
    },
  );

  (haveCommand('npm') ? it : it.skip)(
    'a member depending on a workspace package with a build script: that build runs first (npm ci runs only its prepare)',
    async () => {
      const npmEnv = { ...process.env, npm_config_cache: join(base, 'cache3'), npm_config_offline: 'true' };
      const repo = join(base, 'sibling');
      mkdirSync(join(repo, '.git'), { recursive: true });
      writeTree(repo, {
        'package.json': JSON.stringify({
          name: 'mono',
          private: true,
          workspaces: ['services/*', 'packages/*'],
        }),
        'packages/shared/package.json': JSON.stringify({
          name: '@acme/shared',
          version: '1.0.0',
          main: 'dist/index.js',
          scripts: { build: 'mkdir -p dist && cp src/index.js dist/index.js' },
        }),
        'packages/shared/src/index.js': "module.exports = 'shared';\n",
        'services/api/package.json': JSON.stringify({
          name: 'api',
          version: '1.0.0',
          scripts: {
            build: 'node -e "require(\'@acme/shared\')" && mkdir -p dist && cp src/index.js dist/index.js',
          },
          dependencies: { '@acme/shared': '^1.0.0' },
        }),
        'services/api/src/index.js': "exports.handler = async () => require('@acme/shared');\n",
      });
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], {
        cwd: repo,
        env: npmEnv,
        stdio: 'pipe',
      });
      rmSync(join(repo, 'node_modules'), { recursive: true, force: true });
      const member = join(repo, 'services/api');
      const build = initBuild(buildFacts(member, ['dist/index.js'], repo));
      expect(build?.command).toBe('npm ci && npm run build --workspace=@acme/shared && npm run build');
      execSync(build!.command!, { cwd: member, env: npmEnv, shell: '/bin/bash', stdio: 'pipe' });
      const { zipPath } = await buildNodeFunction(member, join(base, 'out3'), {
        workspace: repo,
        handler: 'dist/index.handler',
      });
      expect((await listZip(zipPath)).map((e) => e.name)).toEqual(
        expect.arrayContaining(['dist/index.js', 'node_modules/@acme/shared/dist/index.js']),
      );
    },
  );
});
