/**
 * The npm package: publishable on purpose only, named so that `npx` runs
 * this project, carrying what the CLI needs and nothing of the sources.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MIN_NODE, nodeVersionProblem, PROGRAM } from '../../src/entry/cli/program.js';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  name: string;
  private?: boolean;
  bin: Record<string, string>;
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
};

describe('package.json', () => {
  test('the package and its one command are lambda-stage-deploy (npx lambda-deploy is someone else)', () => {
    expect(pkg.name).toBe(PROGRAM);
    expect(pkg.bin).toEqual({ [PROGRAM]: 'dist/cli/index.js' });
  });

  test('engines states the Node.js the bundle needs, the same the CLI checks', () => {
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.join('.')}.0`);
  });

  test('publishing is a deliberate release step', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.scripts.prepublishOnly).toBe('node scripts/prepublish.mjs');
    const refused = (() => {
      try {
        execFileSync(process.execPath, ['scripts/prepublish.mjs'], {
          cwd: root,
          env: { PATH: process.env.PATH },
          stdio: 'pipe',
        });
        return '';
      } catch (error) {
        return String((error as { stderr: Buffer }).stderr);
      }
    })();
    expect(refused).toMatch(/Refusing to publish: .*LAMBDA_DEPLOY_PUBLISH=1/);
  });

  test('the bundles carry every dependency: installing the package installs nothing else', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  test('the tarball holds the bundles and runtime/, no sources, tests or caches', () => {
    const [report] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as { files: { path: string }[] }[];
    const files = report!.files.map((f) => f.path).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'action.yml',
        'dist/cli/index.js',
        'dist/index.js',
        'package.json',
        'runtime/ASSETS',
        'runtime/node/bootstrap.mjs',
        'runtime/python/_lambda_deploy_adapter.py',
        // The packager runs pip through it, from the CLI too.
        'runtime/python/_lambda_deploy_pip.py',
        'runtime/python/bootstrap.py',
      ]),
    );
    expect(
      files.filter((f) => /^(src|test|scripts|bench|examples)\//.test(f) || f.includes('__pycache__')),
    ).toEqual([]);
  });
});

describe('nodeVersionProblem', () => {
  test.each([
    ['20.15.0', undefined],
    ['v20.20.2', undefined],
    ['22.0.0', undefined],
    ['24.11.1', undefined],
    ['20.14.9', 'lambda-stage-deploy needs Node.js 20.15 or newer; this is Node.js 20.14.9.'],
    ['v18.19.0', 'lambda-stage-deploy needs Node.js 20.15 or newer; this is Node.js 18.19.0.'],
  ])('%s', (version, problem) => expect(nodeVersionProblem(version)).toBe(problem));
});
