/**
 * `package --output`: the zip is kept outside the folder being packaged (a zip
 * left inside would be packaged by the next run), and a trailing slash means
 * an existing folder. Each case is refused before anything is built.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { testPython } from '../../support/vendor-wheels.js';
import { testIo, type TestIo } from './io.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../../examples/handler');

let root: string;
let app: string;
let io: TestIo;
const cwd = process.cwd();
const run = (...argv: string[]) => main(['package', '--name', 'shop', ...argv], io);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cli-output-'));
  app = join(root, 'app');
  cpSync(EXAMPLE, app, { recursive: true });
  io = testIo({
    ...process.env,
    GITHUB_WORKSPACE: root,
    LAMBDA_DEPLOY_PYTHON: testPython(),
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  });
  // As in the README: run in the app folder, --output relative to it.
  process.chdir(app);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(root, { recursive: true, force: true });
});

describe('package --output', () => {
  test.each([
    ['a file in it', 'shop.zip', [], '../shop.zip'],
    ['a file in a new subfolder', 'build/shop.zip', [], '../shop.zip'],
    ['the folder itself', '.', [], '../shop.zip'],
    ['an existing subfolder', 'out', ['out'], '../shop.zip'],
  ])('inside the folder being packaged (%s): exit 2, nothing written', async (_, output, dirs, like) => {
    for (const dir of dirs) mkdirSync(join(app, dir));
    expect(await run('--path', 'app', '--output', output)).toBe(2);
    expect(io.stderr()).toContain(
      `error: --output: ${JSON.stringify(output)} is inside the folder being packaged (${app}): ` +
        `the next package would include it; expected a path outside it, like ${like}\n`,
    );
    expect(io.stderr()).not.toMatch(/▸ Package/);
    expect(readdirSync(app).sort()).toEqual(['app.py', ...dirs].sort());
  });

  test('inside it through a link: the real paths are compared', async () => {
    symlinkSync(app, join(root, 'link'));
    expect(await run('--path', 'app', '--output', join(root, 'link', 'shop.zip'))).toBe(2);
    expect(io.stderr()).toContain(`is inside the folder being packaged (${app})`);
    expect(io.stderr()).toContain(`like ${join(root, 'shop.zip')}\n`);
    expect(existsSync(join(app, 'shop.zip'))).toBe(false);
  });

  test('a trailing slash names a folder: one that does not exist is refused, not written as a file', async () => {
    expect(await run('--path', 'app', '--output', '../dist/')).toBe(2);
    expect(io.stderr()).toContain(
      `error: --output: "../dist/" ends in a slash but ${join(root, 'dist')} is not an existing folder; ` +
        'expected an existing folder, or a file path like ../dist/shop.zip\n',
    );
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  test('outside it: kept there, and the next package is the same zip', async () => {
    mkdirSync(join(root, 'dist'));
    expect(await run('--path', 'app', '--output', '../shop.zip')).toBe(0);
    expect(io.stdout()).toContain(`package-path: ${join(root, 'shop.zip')}\n`);
    const sha = /code-sha256: (\S+)/.exec(io.stdout())?.[1];
    io = testIo(io.env);
    expect(await run('--path', 'app', '--output', '../dist/')).toBe(0);
    expect(io.stdout()).toContain(`code-sha256: ${sha}\n`);
    expect(readdirSync(join(root, 'dist'))).toHaveLength(1);
    expect(readdirSync(app)).toEqual(['app.py']);
  });

  test.each([[[]], [['--output', '../shop.zip']]])(
    'the log names no zip that is gone when the command ends (%j)',
    async (flags) => {
      expect(await run('--path', 'app', ...flags)).toBe(0);
      const named = [...io.stderr().matchAll(/(\/[^\s()]+\.(?:zip|tar\.gz))/g)].map((m) => m[1]);
      expect(named.filter((path) => !existsSync(path as string))).toEqual([]);
      expect(io.stderr()).toMatch(/^Package ready \(code-sha256 \S+\)$/m);
      if (!flags.length) expect(io.stderr()).toContain('The zip was not kept: --output PATH keeps it.');
    },
  );
});
