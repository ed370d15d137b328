/** `package` with `--pip-args "--no-index --find-links wheels/"` run in the function's folder: the wheels stay out of the zip, and the log says how to keep them. */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { listZip } from '../../../src/packaging/zip-reader.js';
import { testPython } from '../../support/vendor-wheels.js';
import { buildWheel } from '../../packaging/helpers.js';
import { testIo, type TestIo } from './io.js';

let root: string;
let app: string;
let io: TestIo;
const cwd = process.cwd();

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'cli-find-links-'));
  app = join(root, 'app');
  mkdirSync(join(app, 'wheels'), { recursive: true });
  writeFileSync(join(app, 'app.py'), 'def handler(e, c):\n    return 1\n');
  writeFileSync(join(app, 'requirements.txt'), 'greetlib==1.2.0\n');
  await buildWheel(join(app, 'wheels'), 'greetlib', '1.2.0', 'def hello():\n    return "hello"\n');
  io = testIo({
    ...process.env,
    GITHUB_WORKSPACE: root,
    LAMBDA_DEPLOY_PYTHON: testPython(),
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  });
  process.chdir(app);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(root, { recursive: true, force: true });
});

test('the --find-links folder is left out, with the flag that keeps it', async () => {
  const code = await main(
    [
      'package',
      '--name',
      'shop',
      '--path',
      'app',
      '--output',
      '../shop.zip',
      '--pip-args',
      '--no-index --find-links wheels/',
    ],
    io,
  );
  expect(code).toBe(0);
  const names = (await listZip(join(root, 'shop.zip'))).map((e) => e.name);
  expect(names).toContain('greetlib/__init__.py');
  expect(names.filter((n) => n.startsWith('wheels/'))).toEqual([]);
  expect(io.stderr() + io.stdout()).toContain(
    "Left out wheels/ (pip's --find-links folder: wheels, sdists, link pages, requirement and checksum lists, notes and dotfiles only): pip installed from it, and nothing reads it at run time; " +
      "package it anyway with --exclude '!wheels'.",
  );
});

test("with --exclude given: the note gives only the flag to add, and with it added the user's --exclude still applies", async () => {
  mkdirSync(join(app, 'tests'));
  writeFileSync(join(app, 'tests', 'test_app.py'), 'def test():\n    pass\n');
  const run = (...exclude: string[]) =>
    main(
      [
        'package',
        '--name',
        'shop',
        '--path',
        'app',
        '--output',
        '../shop.zip',
        '--pip-args',
        '--no-index --find-links wheels/',
        ...exclude.flatMap((p) => ['--exclude', p]),
      ],
      io,
    );
  expect(await run('tests/')).toBe(0);
  expect(io.stderr() + io.stdout()).toContain("package it anyway with --exclude '!wheels'.");
  expect(await run('tests/', '!wheels')).toBe(0);
  const names = (await listZip(join(root, 'shop.zip'))).map((e) => e.name);
  expect(names).toContain('wheels/greetlib-1.2.0-py3-none-any.whl');
  expect(names.filter((n) => n.startsWith('tests/'))).toEqual([]);
  expect(names).toContain('app.py');
});
