import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { testIo } from './io.js';
import { guessRuntime, sourceLanguages } from '../../../src/entry/cli/runtime-inference.js';

const folder =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

describe('guessRuntime: a folder without --runtime', () => {
  test.each<[string, string | undefined, string[], ReturnType<typeof guessRuntime>]>([
    [
      'index.mjs and package.json: Node.js, index.handler',
      undefined,
      ['index.mjs', 'package.json'],
      { kind: 'node', runtime: 'nodejs22.x', handler: 'index.handler', file: 'index.mjs' },
    ],
    [
      'app.cjs: Node.js, the default handler kept',
      undefined,
      ['app.cjs'],
      { kind: 'node', runtime: 'nodejs22.x', handler: 'app.handler', file: 'app.cjs' },
    ],
    [
      'a --handler naming a .js file in a subfolder',
      'src/main.run',
      ['src/main.js', 'tools.py'],
      { kind: 'node', runtime: 'nodejs22.x', handler: 'src/main.run', file: 'src/main.js' },
    ],
    ['app.py: Python, the default (undefined)', undefined, ['app.py', 'package.json'], undefined],
    ['a package app/__init__.py: Python', undefined, ['app/__init__.py'], undefined],
    ['a --handler naming a .py module', 'service.main.handler', ['service/main.py', 'index.js'], undefined],
    ['nothing to go by: Python, the default', undefined, ['README.md'], undefined],
    // A Python app with a front-end index.js beside it deployed as Python before: it still does.
    ['app.py and index.js: Python, the default (undefined)', undefined, ['app.py', 'index.js'], undefined],
    ['app/__init__.py and index.mjs: Python', undefined, ['app/__init__.py', 'index.mjs'], undefined],
    [
      'app.py and app.js, the default handler in both languages: both',
      undefined,
      ['app.py', 'app.js', 'index.js'],
      { kind: 'both', python: 'app.py', node: 'app.js' },
    ],
    [
      'a --handler whose module is there as .py and .mjs: both',
      'api.handler',
      ['api.py', 'api.mjs'],
      { kind: 'both', python: 'api.py', node: 'api.mjs' },
    ],
  ])('%s', (_, handler, files, expected) => {
    expect(guessRuntime(handler, folder(...files))).toEqual(expected);
  });
});

describe("guessRuntime: no handler file in either language, the folder's files decide", () => {
  const node = { python: [], node: ['package.json', 'index.mjs'] };
  test('only Node.js files: Node.js, the handler given kept', () => {
    expect(guessRuntime('main.handler', folder('package.json', 'index.mjs'), node)).toEqual({
      kind: 'node',
      runtime: 'nodejs22.x',
      handler: 'main.handler',
      files: ['package.json', 'index.mjs'],
    });
  });
  test("only Node.js files and no --handler: index.handler, Node.js's default", () => {
    expect(guessRuntime(undefined, folder('package.json', 'lib.mjs'), node)).toMatchObject({
      kind: 'node',
      handler: 'index.handler',
    });
  });
  test("no index.js or app.js and no --handler: package.json's main (TypeScript built to dist/), built or not", () => {
    const ts = { python: [], node: ['package.json'] };
    const mainIs = (file: string) => ({ file, said: `package.json's "main" is ${file}`, guessed: false });
    expect(guessRuntime(undefined, folder('package.json'), ts, mainIs('dist/handler.js'))).toEqual({
      kind: 'node',
      runtime: 'nodejs22.x',
      handler: 'dist/handler.handler',
      files: ['package.json'],
    });
    expect(
      guessRuntime(undefined, folder('package.json', 'dist/handler.js'), ts, mainIs('dist/handler.js')),
    ).toEqual({
      kind: 'node',
      runtime: 'nodejs22.x',
      handler: 'dist/handler.handler',
      file: 'dist/handler.js',
    });
    // index.js first, a --handler given, or a main Lambda could not name (a dot in its file name): not the main's.
    expect(guessRuntime(undefined, folder('index.js'), ts, mainIs('dist/handler.js'))).toMatchObject({
      handler: 'index.handler',
    });
    expect(guessRuntime('lib.handler', folder(), ts, mainIs('dist/handler.js'))).toMatchObject({
      handler: 'lib.handler',
    });
    expect(guessRuntime(undefined, folder(), ts, mainIs('dist/my.lambda.js'))).toMatchObject({
      handler: 'index.handler',
    });
  });
  test('Python files too, only Python files, or none: Python, the default (undefined)', () => {
    expect(
      guessRuntime('main.handler', folder(), { python: ['tool.py'], node: ['index.js'] }),
    ).toBeUndefined();
    expect(guessRuntime('main.handler', folder(), { python: ['tool.py'], node: [] })).toBeUndefined();
    expect(guessRuntime('main.handler', folder(), { python: [], node: [] })).toBeUndefined();
  });
});

describe("sourceLanguages: a folder's Python and Node.js files, top level and one folder down", () => {
  test('.py files; package.json and .js/.mjs/.cjs files; node_modules and dot-folders not looked in', () => {
    const entries: Record<string, string[]> = {
      '': ['package.json', 'index.mjs', 'README.md', 'lib', 'node_modules', '.venv'],
      lib: ['util.cjs', 'notes.txt'],
      node_modules: ['x.py'],
      '.venv': ['site.py'],
    };
    expect(sourceLanguages((sub) => entries[sub] ?? [])).toEqual({
      python: [],
      node: ['package.json', 'index.mjs', 'lib/util.cjs'],
    });
    expect(sourceLanguages((sub) => (sub ? [] : ['src', 'setup.py'])).python).toEqual(['setup.py']);
  });
});

test('package --handler main.handler in a Node.js folder with no main.*: the error speaks of JavaScript files and index.handler', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-only-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
    writeFileSync(join(dir, 'util.js'), 'export const pad = (s) => s;\n');
    const io = testIo({ ...process.env, GITHUB_WORKSPACE: dir, LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1' });
    const argv = ['package', '--name', 'shop', '--path', '.', '--handler', 'main.handler'];
    expect(await main([...argv, '--output', join(tmpdir(), `${Date.now()}.zip`)], io)).toBe(1);
    const stderr = io.stderr();
    expect(stderr.split('\n')[0]).toBe(
      'Runtime nodejs22.x, handler main.handler: no --runtime, and the folder holds Node.js files (index.mjs, package.json, util.js) and no Python ones; --runtime and --handler choose others.',
    );
    expect(stderr).toContain('no main.js or main.mjs or main.cjs in');
    expect(stderr).toContain('top-level JavaScript files: index.mjs, util.js.');
    expect(stderr).toContain('like "index.handler"');
    expect(stderr).not.toMatch(/Python files|main\.py/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('package --runtime nodejs22.x with no --handler in a folder with index.mjs: packaged with index.handler, as the action does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-runtime-given-'));
  const output = join(tmpdir(), `node-runtime-given-${Date.now()}.zip`);
  try {
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
    const io = testIo({ ...process.env, GITHUB_WORKSPACE: dir, LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1' });
    const argv = ['package', '--name', 'shop', '--path', '.', '--runtime', 'nodejs22.x', '--json'];
    expect(await main([...argv, '--output', output], io)).toBe(0);
    expect(io.stderr()).not.toMatch(/error|app\.handler/);
    expect(JSON.parse(io.stdout())).toMatchObject({ handler: 'index.handler' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(output, { force: true });
  }
});

test("package --runtime nodejs20.x with no --handler in a TypeScript folder built to dist/ (package.json's main, no index.js): packaged with the main's handler, as without --runtime", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-main-runtime-given-'));
  const output = join(tmpdir(), `node-main-runtime-given-${Date.now()}.zip`);
  try {
    writeFileSync(join(dir, 'package.json'), '{"name": "api", "main": "dist/handler.js"}\n');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/handler.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    const io = testIo({ ...process.env, GITHUB_WORKSPACE: dir, LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1' });
    const argv = ['package', '--name', 'shop', '--path', '.', '--runtime', 'nodejs20.x', '--json'];
    expect(await main([...argv, '--output', output], io)).toBe(0);
    expect(io.stderr().split('\n')[0]).toBe(
      `Handler dist/handler.handler (package.json's "main" is dist/handler.js): no --handler, and no index.js or app.js; --handler chooses another.`,
    );
    expect(JSON.parse(io.stdout())).toMatchObject({ handler: 'dist/handler.handler' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(output, { force: true });
  }
});

test('package with no --handler in a folder with index.js and a "main" naming dist/handler.js: index.handler, said with how to deploy the other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-index-and-main-'));
  const output = join(tmpdir(), `node-index-and-main-${Date.now()}.zip`);
  const note = `Handler index.handler (index.js is here; package.json's "main" is dist/handler.js: set --handler dist/handler.handler to deploy that).`;
  try {
    writeFileSync(join(dir, 'package.json'), '{"name": "api", "main": "dist/handler.js"}\n');
    writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/handler.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    const env = { ...process.env, GITHUB_WORKSPACE: dir, LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1' };
    const argv = ['package', '--name', 'shop', '--path', '.', '--json', '--output', output];
    for (const runtime of [['--runtime', 'nodejs22.x'], []]) {
      const io = testIo(env);
      expect(await main([...argv, ...runtime], io)).toBe(0);
      expect(io.stderr().split('\n')).toContain(note);
      expect(JSON.parse(io.stdout())).toMatchObject({ handler: 'index.handler' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(output, { force: true });
  }
});

test('package with no --runtime nor --handler, package.json\'s "main" and "exports" naming different files: the "exports" one, as the action takes it, said', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-exports-over-main-'));
  const output = join(tmpdir(), `node-exports-over-main-${Date.now()}.zip`);
  try {
    const manifest = { name: 'api', main: 'dist/old.js', exports: { '.': { require: './dist/handler.js' } } };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    mkdirSync(join(dir, 'dist'));
    for (const file of ['dist/old.js', 'dist/handler.js'])
      writeFileSync(join(dir, file), 'exports.handler = async () => ({ statusCode: 200 });\n');
    const io = testIo({ ...process.env, GITHUB_WORKSPACE: dir, LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1' });
    const argv = ['package', '--name', 'shop', '--path', '.', '--json', '--output', output];
    expect(await main(argv, io)).toBe(0);
    expect(io.stderr().split('\n')[0]).toBe(
      `Runtime nodejs22.x, handler dist/handler.handler (package.json's "exports" gives dist/handler.js, taken over its "main" (dist/old.js): Node.js reads "exports" first when both are set): no --runtime, and dist/handler.js is a Node.js handler (no Python one here); --runtime and --handler choose others.`,
    );
    expect(JSON.parse(io.stdout())).toMatchObject({ handler: 'dist/handler.handler' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(output, { force: true });
  }
});

test('package with a "main" not built yet: the error says to run the build script before this command (the CLI builds nothing)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-main-unbuilt-cli-'));
  try {
    const manifest = { name: 'api', main: 'dist/handler.js', scripts: { build: 'tsc' } };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/handler.ts'), 'export const handler = async () => ({});\n');
    const io = testIo({ ...process.env, GITHUB_WORKSPACE: dir, LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1' });
    const argv = ['package', '--name', 'shop', '--path', '.', '--runtime', 'nodejs22.x'];
    expect(await main([...argv, '--output', join(tmpdir(), `${Date.now()}.zip`)], io)).toBe(1);
    expect(io.stderr()).toContain(
      `package.json's "main" is dist/handler.js, which is not in the package: build it first: run npm run build there, then this command again.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
