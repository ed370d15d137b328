/** The build init writes for a Node.js function's folder (initBuild, pure). */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFacts, initBuild, type BuildFacts } from '../../src/setup/init-build.js';

const handler = (path: string, present = false) =>
  ['.js', '.mjs', '.cjs'].map((ext) => ({ path: `${path}${ext}`, present: present && ext === '.js' }));
const facts = (over: Partial<BuildFacts>): BuildFacts => ({
  scripts: { build: 'tsc' },
  handlerFiles: handler('dist/handler'),
  lockfile: 'npm',
  ...over,
});

describe('initBuild', () => {
  it('builds when the handler is missing or in an output folder (dist, build, out, the outDir)', () => {
    expect(initBuild(facts({}))).toEqual({
      command: 'npm ci && npm run build',
      script: 'build',
      file: 'dist/handler.js',
      lockfile: 'npm',
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
    expect(buildFacts(dir, ['lib/handler.js']).outDir).toBe('./lib');
    // A // inside a string is no comment.
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions": {"outDir": "out//x", "baseUrl": "/*"}}');
    expect(buildFacts(dir, ['lib/handler.js']).outDir).toBe('out//x');
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
});
