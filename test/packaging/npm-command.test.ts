import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path, { join } from 'node:path';
import { npmCommand } from '../../src/packaging/npm-command.js';
import { npmCi } from '../../src/packaging/npm-install.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('npm-command');
afterAll(cleanup);

/** A Windows machine's files, by their path.win32 spelling. */
const files =
  (...present: string[]) =>
  (file: string) =>
    present.includes(file);
const node = 'C:\\Program Files\\nodejs\\node.exe';
const bundled = 'C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js';

describe('npmCommand: how npm is started', () => {
  it('runs npm from PATH on Linux and macOS (a script spawn runs directly)', () => {
    for (const platform of ['linux', 'darwin'] as const)
      expect(npmCommand({ platform, env: {}, execPath: '/usr/bin/node', exists: files() })).toEqual({
        command: 'npm',
        prefix: [],
        from: 'PATH',
      });
  });

  it("on Windows runs npm's JavaScript entry with this Node, never npm.cmd (Node refuses a .cmd without a shell)", () => {
    expect(npmCommand({ platform: 'win32', env: {}, execPath: node, exists: files(bundled) })).toMatchObject({
      command: node,
      prefix: [bundled],
    });
  });

  it("prefers npm_execpath when npm runs us, and ignores yarn's or pnpm's entry there", () => {
    const global = 'C:\\Users\\dev\\AppData\\Roaming\\npm\\node_modules\\npm\\bin\\npm-cli.js';
    expect(
      npmCommand({
        platform: 'win32',
        env: { npm_execpath: global },
        execPath: node,
        exists: files(bundled, global),
      }),
    ).toMatchObject({ command: node, prefix: [global] });
    const yarn = 'C:\\Users\\dev\\AppData\\Roaming\\npm\\node_modules\\yarn\\bin\\yarn.js';
    expect(
      npmCommand({
        platform: 'win32',
        env: { npm_execpath: yarn },
        execPath: node,
        exists: files(bundled, yarn),
      }),
    ).toMatchObject({ prefix: [bundled] });
  });

  it('finds the npm-cli.js beside an npm.cmd on Path (Windows spells it so) when this Node has none', () => {
    const dir = 'C:\\Users\\dev\\AppData\\Roaming\\npm';
    const cli = `${dir}\\node_modules\\npm\\bin\\npm-cli.js`;
    const env = { Path: `C:\\Windows;${dir}` };
    expect(
      npmCommand({ platform: 'win32', env, execPath: node, exists: files(`${dir}\\npm.cmd`, cli) }),
    ).toMatchObject({ command: node, prefix: [cli] });
    expect(npmCommand({ platform: 'win32', env, execPath: node, exists: files() })).toBeUndefined();
  });
});

describe('npm ci on a Windows machine (simulated: its layout, run by the real runner)', () => {
  /** `<dir>/node` (this Node) with a stand-in npm-cli.js beside it, as the Windows installer lays them out. */
  function windowsNode(name: string): { execPath: string; record: string } {
    const dir = join(root, name, 'nodejs');
    const record = join(root, name, 'argv.json');
    writeTree(dir, {
      'node_modules/npm/bin/npm-cli.js': `const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(record)}, JSON.stringify(args) + '\\n');
if (args[1] === '--usage') { console.log('[--os <os>] [--cpu <cpu>] [--libc <libc>]'); process.exit(0); }
fs.mkdirSync('node_modules/tiny-dep', { recursive: true });
fs.writeFileSync('node_modules/tiny-dep/index.js', "module.exports = 'fake';");
`,
    });
    symlinkSync(process.execPath, join(dir, 'node'));
    return { execPath: join(dir, 'node'), record };
  }

  function folder(name: string): { path: string; targetDir: string } {
    const path = join(root, name, 'fn');
    writeTree(path, {
      'package.json': JSON.stringify({ name: 'fn', dependencies: { 'tiny-dep': '^1.0.0' } }),
      'package-lock.json': '{}',
    });
    const targetDir = join(root, name, 'target');
    mkdirSync(targetDir);
    return { path, targetDir };
  }

  it('runs the npm installed with Node through its JavaScript entry, with no npm on PATH', async () => {
    const { execPath, record } = windowsNode('bundled');
    const { path: fn, targetDir } = folder('bundled');
    const logger = new RecordingLogger();
    await npmCi(
      { path: fn, lockfile: 'package-lock.json', targetDir, architecture: 'x86_64' },
      // Windows' layout on this machine's file system, so its path rules.
      { logger, env: { PATH: join(root, 'empty') }, host: { platform: 'win32', execPath, path: path.posix } },
    );
    const runs = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(runs.map((r) => r[0])).toEqual(['install', 'ci']);
    expect(readFileSync(join(targetDir, 'node_modules/tiny-dep/index.js'), 'utf8')).toContain('fake');
  });

  it('fails naming npm and what to install when Windows has no npm-cli.js to run', async () => {
    const { path: fn, targetDir } = folder('none');
    const run = npmCi(
      { path: fn, lockfile: 'package-lock.json', targetDir, architecture: 'x86_64' },
      {
        logger: new RecordingLogger(),
        env: { PATH: join(root, 'empty') },
        surface: 'terminal',
        host: { platform: 'win32', execPath: join(root, 'none', 'node.exe'), path: path.posix },
      },
    );
    await expect(run).rejects.toThrow(
      /npm was not found \(no npm-cli\.js beside .*node\.exe, in npm_execpath or beside an npm\.cmd on PATH\); it is needed to install the dependencies package-lock\.json pins for linux\/x64 \(.*none\/fn has no node_modules\)\. Install Node\.js with npm/,
    );
  });
});
