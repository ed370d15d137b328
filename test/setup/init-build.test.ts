/** The build init writes for a Node.js function's folder (initBuild, pure). */
import { describe, expect, it } from '@jest/globals';
import { initBuild, type BuildFacts } from '../../src/setup/init-build.js';

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
