/** The build init writes for a Node.js function's folder (initBuild, pure). */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFacts, initBuild, unbuiltHandlerNote, type BuildFacts } from '../../src/setup/init-build.js';
import type { NodeWorkspace } from '../../src/setup/node-workspace.js';

const handler = (path: string, present = false) =>
  ['.js', '.mjs', '.cjs'].map((ext) => ({ path: `${path}${ext}`, present: present && ext === '.js' }));
const facts = (over: Partial<BuildFacts>): BuildFacts => ({
  scripts: { build: 'tsc' },
  handlerFiles: handler('dist/handler'),
  lockfile: 'npm',
  ...over,
});

describe('unbuiltHandlerNote', () => {
  const built = (folder: string, tracked = false) => [
    { path: `${folder}/index.js`, present: true, tracked },
    { path: `${folder}/index.mjs`, present: false, tracked: false },
  ];

  it('says so of a handler built here, in an output folder git does not keep, with no script to build it', () => {
    expect(unbuiltHandlerNote(facts({ scripts: {}, handlerFiles: built('dist') }))).toBe(
      "dist/index.js is here but not in git, in dist/ where a build writes: the workflow's checkout will not have it, " +
        'and package.json has no build script for the workflow to run. Add one ("build": "tsc") and run init again with --force, or commit dist/index.js.',
    );
    expect(
      unbuiltHandlerNote(facts({ scripts: undefined, handlerFiles: built('lib'), outDir: 'lib' })),
    ).toContain('lib/index.js is here but not in git, in lib/');
  });

  it('none for a handler committed, outside an output folder, missing, or with a script that builds it', () => {
    expect(unbuiltHandlerNote(facts({ scripts: {}, handlerFiles: built('dist', true) }))).toBeUndefined();
    expect(unbuiltHandlerNote(facts({ scripts: {}, handlerFiles: built('src') }))).toBeUndefined();
    expect(unbuiltHandlerNote(facts({ scripts: {}, handlerFiles: handler('dist/index') }))).toBeUndefined();
    expect(unbuiltHandlerNote(facts({ handlerFiles: built('dist') }))).toBeUndefined();
    expect(
      unbuiltHandlerNote(facts({ scripts: { prepare: 'husky install' }, handlerFiles: built('dist') })),
    ).toBeDefined();
  });
});

describe('initBuild', () => {
  it('builds when the handler is missing or in an output folder (dist, build, out, the outDir)', () => {
    expect(initBuild(facts({}))).toEqual({
      command: 'npm ci && npm run build',
      script: 'build',
      file: 'dist/handler.js',
      lockfile: 'npm',
      notes: [],
    });
    for (const folder of ['dist', 'build', 'out'])
      expect(initBuild(facts({ handlerFiles: handler(`${folder}/handler`, true) }))?.file).toBe(
        `${folder}/handler.js`,
      );
    expect(initBuild(facts({ handlerFiles: handler('lib/handler', true), outDir: './lib/' }))?.command).toBe(
      'npm ci && npm run build',
    );
  });

  it('does not build a handler committed where no build writes, nor without a build or prepare script', () => {
    expect(initBuild(facts({ handlerFiles: handler('src/handler', true) }))).toBeUndefined();
    expect(initBuild(facts({ handlerFiles: handler('lib/handler', true) }))).toBeUndefined();
    expect(initBuild(facts({ scripts: { test: 'jest' } }))).toBeUndefined();
    expect(initBuild(facts({ scripts: undefined }))).toBeUndefined();
    expect(initBuild(facts({ handlerFiles: [] }))).toBeUndefined();
  });

  it('prefers the build script; prepare alone runs on install, except with yarn', () => {
    expect(initBuild(facts({ scripts: { prepare: 'tsc', build: 'tsc -b' } }))?.script).toBe('build');
    expect(initBuild(facts({ scripts: { prepare: 'tsc' } }))?.command).toBe('npm ci');
    expect(initBuild(facts({ scripts: { prepare: 'tsc' }, lockfile: 'pnpm' }))?.command).toBe(
      'corepack enable && pnpm install --frozen-lockfile',
    );
    expect(initBuild(facts({ scripts: { prepare: 'tsc' }, lockfile: 'yarn' }))?.command).toBe(
      'corepack enable && yarn install --frozen-lockfile && yarn run prepare',
    );
    expect(initBuild(facts({ scripts: { prepare: 'tsc' }, lockfile: undefined }))?.command).toBe(
      'npm install',
    );
  });
});

describe('initBuild: scripts that build nothing, handlers git keeps', () => {
  it('a prepare script that only installs git hooks (husky, lefthook, simple-git-hooks) builds nothing', () => {
    for (const prepare of [
      'husky install',
      'husky',
      'is-ci || husky install',
      'lefthook install',
      'simple-git-hooks',
      'node .husky/install.mjs',
    ])
      expect(initBuild(facts({ scripts: { prepare } }))).toBeUndefined();
    // A hook installer and a compiler: still a build.
    expect(initBuild(facts({ scripts: { prepare: 'husky install && tsc' } }))?.command).toBe('npm ci');
  });

  it("a handler's file git keeps (dist/ committed) is deployed as committed: no build", () => {
    const committed = handler('dist/handler', true).map((f) => ({ ...f, tracked: f.present }));
    expect(initBuild(facts({ handlerFiles: committed }))).toBeUndefined();
    // Built here but not committed (dist/ ignored): built on the runner.
    expect(initBuild(facts({ handlerFiles: handler('dist/handler', true) }))?.file).toBe('dist/handler.js');
  });
});

describe('initBuild: a workspace member (its dependencies installed at the root)', () => {
  const ws = (over: Partial<NodeWorkspace> = {}): NodeWorkspace => ({
    kind: 'package.json',
    at: '.',
    member: 'services/api',
    lockfile: 'npm',
    lockfileName: 'package-lock.json',
    ...over,
  });
  const member = (over: Partial<BuildFacts>, workspace = ws()) =>
    initBuild(facts({ workspace, lockfile: workspace.lockfile, dependencies: ['pg'], ...over }));

  it('npm: npm ci in the member installs the workspace at the root, where the packaging takes the hoisted dependencies from', () => {
    const built = member({});
    expect(built?.command).toBe('npm ci && npm run build');
    expect(built?.notes[0]).toContain(
      "services/api is a member of the npm workspace at the repository's root (its package.json's workspaces takes services/api): npm ci, run in services/api, installs the whole workspace from package-lock.json at the repository's root, hoisting the function's dependencies into node_modules at the repository's root",
    );
    // Nothing to build, but dependencies: only the root's install (the packaging installs only a folder with its own lockfile).
    const install = member({ handlerFiles: handler('index', true), scripts: {} });
    expect(install?.command).toBe('npm ci');
    expect(install?.script).toBeUndefined();
    // No dependencies, nothing to build: no build.
    expect(member({ handlerFiles: handler('index', true), scripts: {}, dependencies: [] })).toBeUndefined();
  });

  it('pnpm or Yarn with dependencies: no build (they would be links or at the root), and why; with a bundle, the install and build', () => {
    const pnpm = ws({ kind: 'pnpm', lockfile: 'pnpm', lockfileName: 'pnpm-lock.yaml' });
    const blocked = member({ packageManager: 'pnpm@9.12.0', dependencies: ['pg', 'zod'] }, pnpm);
    expect(blocked?.command).toBeUndefined();
    expect(blocked?.notes).toEqual([
      expect.stringContaining(
        "services/api is a member of the pnpm workspace at the repository's root (its pnpm-workspace.yaml takes services/api), and its package.json lists dependencies (pg, zod): no build written, since pnpm installs them as links into node_modules/.pnpm at the repository's root",
      ),
    ]);
    const yarn = ws({ lockfile: 'yarn', lockfileName: 'yarn.lock' });
    expect(member({ packageManager: 'yarn@1.22.22' }, yarn)?.notes[0]).toContain(
      "since Yarn hoists them into node_modules at the repository's root, outside services/api",
    );
    // A build that bundles (esbuild --bundle) needs no node_modules at run time.
    const bundle = member(
      {
        packageManager: 'pnpm@9.12.0',
        scripts: { build: 'esbuild src/index.ts --bundle --platform=node --outdir=dist' },
      },
      pnpm,
    );
    expect(bundle?.command).toBe('corepack enable && pnpm install --frozen-lockfile && pnpm run build');
    expect(bundle?.notes[0]).toContain('exclude: "node_modules/**"');
    // esbuild without --bundle leaves the imports: still blocked.
    expect(
      member({ packageManager: 'pnpm@9.12.0', scripts: { build: 'esbuild src/*.ts --outdir=dist' } }, pnpm)
        ?.command,
    ).toBeUndefined();
    // No dependencies at all: installed and built.
    expect(member({ packageManager: 'pnpm@9.12.0', dependencies: [] }, pnpm)?.command).toBe(
      'corepack enable && pnpm install --frozen-lockfile && pnpm run build',
    );
  });

  it('a workspace root without a lockfile: no build, and the step to commit one', () => {
    const built = member({ lockfile: undefined }, ws({ lockfile: undefined, lockfileName: undefined }));
    expect(built?.command).toBeUndefined();
    expect(built?.notes[0]).toContain(
      "services/api is a member of the workspace at the repository's root (its package.json's workspaces takes services/api), whose root has no lockfile: no build written",
    );
  });
});

describe("initBuild: the pnpm or Yarn corepack runs (package.json's packageManager)", () => {
  it('pnpm without packageManager: built, and the next step names the pnpm of the lockfile and how to pin it', () => {
    const built = initBuild(facts({ lockfile: 'pnpm', lockfileVersion: '6.0' }));
    expect(built?.command).toBe('corepack enable && pnpm install --frozen-lockfile && pnpm run build');
    expect(built?.notes).toEqual([
      'package.json has no packageManager field, so corepack runs the newest pnpm on the npm registry when the build runs, which may not be the pnpm that wrote pnpm-lock.yaml (lockfileVersion 6.0: pnpm 8); pin it: run corepack use pnpm@8 where package.json is (it writes packageManager there) and commit it.',
    ]);
    expect(initBuild(facts({ lockfile: 'pnpm', lockfileVersion: '9.0' }))?.notes[0]).toContain(
      'pnpm 9 or later',
    );
    expect(initBuild(facts({ lockfile: 'pnpm', packageManager: 'pnpm@9.12.0' }))?.notes).toEqual([]);
    // In a workspace, the root's package.json is named.
    const ws: NodeWorkspace = {
      kind: 'pnpm',
      at: 'apps',
      member: 'api',
      lockfile: 'pnpm',
      lockfileName: 'pnpm-lock.yaml',
    };
    expect(initBuild(facts({ lockfile: 'pnpm', workspace: ws }))?.notes[1]).toContain(
      'apps/package.json has no packageManager field',
    );
  });

  it('Yarn 2+ without packageManager nor yarnPath: no build (corepack would run Yarn 1); with either, built', () => {
    const berry = initBuild(facts({ lockfile: 'yarn-berry' }));
    expect(berry?.command).toBeUndefined();
    expect(berry?.notes[0]).toContain(
      "corepack would run Yarn 1, the npm registry's newest yarn, which does not read this yarn.lock",
    );
    expect(initBuild(facts({ lockfile: 'yarn-berry', yarnPath: true }))?.command).toBe(
      'corepack enable && yarn install --immutable && yarn run build',
    );
    expect(initBuild(facts({ lockfile: 'yarn-berry', packageManager: 'yarn@4.5.0' }))?.command).toBe(
      'corepack enable && yarn install --immutable && yarn run build',
    );
    expect(initBuild(facts({ lockfile: 'yarn' }))?.notes[0]).toContain('corepack use yarn@1');
    // packageManager naming another manager than the lockfile's: corepack runs that one, or refuses.
    const other = initBuild(facts({ lockfile: 'pnpm', packageManager: 'yarn@4.5.0' }));
    expect(other?.command).toBeUndefined();
    expect(other?.notes[0]).toContain("package.json's packageManager (yarn@4.5.0) names yarn");
  });
});

describe('buildFacts', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'init-build-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reads the outDir of a tsconfig.json with comments and trailing commas (tsc --init's)", () => {
    const dir = join(tmp, 'jsonc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { build: 'tsc' } }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      [
        '{',
        '  // Visit https://aka.ms/tsconfig to read more',
        '  "compilerOptions": {',
        '    /* "rootDir": "./src", */',
        '    "outDir": "./lib", // the build',
        '    "target": "es2022",',
        '  },',
        '}',
      ].join('\n'),
    );
    expect(buildFacts(dir, ['lib/handler.js']).outDir).toBe('lib');
    // A // inside a string is no comment.
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions": {"outDir": "out//x", "baseUrl": "/*"}}');
    expect(buildFacts(dir, ['lib/handler.js']).outDir).toBe('out/x');
  });

  it('follows a relative `extends` of tsconfig.json for the outDir, as tsc does', () => {
    const dir = join(tmp, 'extends');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { build: 'tsc' } }));
    writeFileSync(join(dir, 'tsconfig.json'), '{"extends": "./tsconfig.build.json"}');
    writeFileSync(join(dir, 'tsconfig.build.json'), '{"compilerOptions": {"outDir": "./lib"}}');
    expect(buildFacts(dir, ['lib/handler.js']).outDir).toBe('lib');
  });

  it('reads a package.json and tsconfig.json that start with a byte-order mark, as npm and tsc do', () => {
    const dir = join(tmp, 'bom');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '\uFEFF' + JSON.stringify({ scripts: { build: 'tsc' } }));
    writeFileSync(join(dir, 'tsconfig.json'), '\uFEFF{"compilerOptions": {"outDir": "./lib"}}');
    const facts = buildFacts(dir, ['lib/handler.js']);
    expect(facts.scripts).toEqual({ build: 'tsc' });
    expect(facts.outDir).toBe('lib');
  });

  it("a Yarn 2+ project pinned by devEngines.packageManager (corepack 0.31+): built with the Yarn it names; another manager's name is said as that field", () => {
    const dir = join(tmp, 'dev-engines');
    mkdirSync(dir, { recursive: true });
    const write = (packageManager: object) =>
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ scripts: { build: 'tsc' }, devEngines: { packageManager } }),
      );
    write({ name: 'yarn', version: '^4.5.0' });
    writeFileSync(join(dir, 'yarn.lock'), '__metadata:\n  version: 8\n');
    expect(initBuild(buildFacts(dir, ['dist/handler.js']))?.command).toBe(
      'corepack enable && yarn install --immutable && yarn run build',
    );
    write({ name: 'pnpm', version: '9.12.0' });
    const other = initBuild(buildFacts(dir, ['dist/handler.js']));
    expect(other?.command).toBeUndefined();
    expect(other?.notes[0]).toContain("package.json's devEngines.packageManager (pnpm@9.12.0) names pnpm");
  });

  it('marks the handler files git keeps in the checkout', () => {
    const dir = join(tmp, 'repo');
    mkdirSync(join(dir, 'api/dist'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd: dir,
        stdio: 'ignore',
      });
    git('init', '-q');
    writeFileSync(join(dir, 'api/dist/handler.js'), 'exports.handler = 1;\n');
    writeFileSync(join(dir, 'api/dist/other.js'), 'exports.handler = 1;\n');
    git('add', 'api/dist/handler.js');
    git('commit', '-q', '-m', 'dist');
    expect(
      buildFacts(join(dir, 'api'), ['dist/handler.js', 'dist/other.js', 'dist/none.js']).handlerFiles,
    ).toEqual([
      { path: 'dist/handler.js', present: true, tracked: true },
      { path: 'dist/other.js', present: true, tracked: false },
      { path: 'dist/none.js', present: false, tracked: false },
    ]);
    // No git checkout: nothing is kept.
    const plain = join(tmp, 'plain');
    mkdirSync(join(plain, 'dist'), { recursive: true });
    writeFileSync(join(plain, 'dist/handler.js'), '');
    expect(buildFacts(plain, ['dist/handler.js']).handlerFiles).toEqual([
      { path: 'dist/handler.js', present: true, tracked: false },
    ]);
  });

  it("an npm workspace member the root's package-lock.json does not list yet (a new folder): the next step says to run npm install at the root and commit it", () => {
    const dir = join(tmp, 'unlisted');
    mkdirSync(join(dir, 'services/api'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ workspaces: ['services/*'] }));
    writeFileSync(
      join(dir, 'package-lock.json'),
      JSON.stringify({ lockfileVersion: 3, packages: { '': { workspaces: ['services/*'] } } }),
    );
    writeFileSync(
      join(dir, 'services/api/package.json'),
      JSON.stringify({ name: 'api', scripts: { build: 'tsc' }, dependencies: { pg: '^8' } }),
    );
    const unlisted = initBuild(buildFacts(join(dir, 'services/api'), ['dist/index.js'], dir));
    expect(unlisted?.command).toBe('npm ci && npm run build');
    expect(unlisted?.notes).toContainEqual(
      "package-lock.json at the repository's root does not list services/api, and npm ci refuses a lockfile out of step with the workspace's package.json files: run npm install at the repository's root and commit package-lock.json.",
    );
    writeFileSync(
      join(dir, 'package-lock.json'),
      JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'services/api': { name: 'api' } } }),
    );
    const listed = initBuild(buildFacts(join(dir, 'services/api'), ['dist/index.js'], dir));
    expect(listed?.notes.join(' ')).not.toContain('does not list');
  });
});
