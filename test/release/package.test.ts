/**
 * The npm package: publishable on purpose only, named so that `npx` runs
 * this project, carrying what the CLI needs and nothing of the sources.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIN_NODE, nodeVersionNote, nodeVersionProblem, PROGRAM } from '../../src/entry/cli/program.js';

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

const FIX = 'install Node.js 22 or 24 (e.g. `nvm install 24`) and run it again.';

describe('nodeVersionProblem', () => {
  test.each([
    ['20.15.0', undefined],
    ['v20.20.2', undefined],
    ['22.0.0', undefined],
    ['24.11.1', undefined],
    ['20.14.9', `lambda-stage-deploy needs Node.js 20.15 or newer; this is Node.js 20.14.9: ${FIX}`],
    ['v18.19.0', `lambda-stage-deploy needs Node.js 20.15 or newer; this is Node.js 18.19.0: ${FIX}`],
  ])('%s', (version, problem) => expect(nodeVersionProblem(version)).toBe(problem));
});

describe('nodeVersionNote', () => {
  test.each([
    ['22.0.0', undefined],
    ['v24.11.1', undefined],
    [
      'v20.20.2',
      'note: Node.js 20.20.2 runs this version; AWS SDK releases after the first week of January 2027 need Node.js 22 or newer, so later versions of lambda-stage-deploy will too: install Node.js 22 or 24.',
    ],
  ])('%s', (version, note) => expect(nodeVersionNote(version)).toBe(note));
});

/** The packages src/ imports at run time (bundled into dist/), and theirs, as installed. */
function bundledPackages(): Map<string, string> {
  const found = new Map<string, string>();
  const locate = (name: string, from: string): string | undefined => {
    for (let dir = from; `${dir}/`.startsWith(root); dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    return undefined;
  };
  const visit = (name: string, from: string) => {
    const dir = locate(name, from);
    if (!dir || found.has(dir)) return;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      engines?: { node?: string };
      dependencies?: Record<string, string>;
    };
    found.set(dir, manifest.engines?.node ?? '');
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir);
  };
  const sources = execFileSync('git', ['ls-files', 'src'], { cwd: root, encoding: 'utf8' }).split('\n');
  for (const file of sources.filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, spec] of text.matchAll(/^import[^;]*? from '([^.'][^']*)';/gms)) {
      if (spec!.startsWith('node:')) continue;
      const name = /^(@[^/]+\/[^/]+|[^/]+)/.exec(spec!)![1]!;
      visit(name, join(root, 'src'));
    }
  }
  return found;
}

/**
 * Bundled packages that declare a newer Node.js than MIN_NODE yet run on it, each
 * with its exact range (a new range is read again): content-type 3 (through
 * @octokit/request) says >=22 but is plain ES2020, and its maintainers and
 * Octokit's are bringing it back to 20 (jshttp/content-type#78,
 * octokit/request.js#835). CI runs the tests on Node 20 too.
 */
const RUNS_BELOW_ITS_ENGINES: Record<string, string> = { 'node_modules/content-type': '>=22' };

/** Whether Node.js MIN_NODE meets an engines range made of lower bounds (>=20, >= 20.0.0, >=0.8.x) joined by ||. */
function minNodeMeets(range: string): boolean {
  return range.split('||').some((alternative) => {
    const bound = /^>= ?(\d+)(?:\.(\d+|x))?(?:\.(?:\d+|x))?$/.exec(alternative.trim());
    if (!bound) return false;
    const [major, minor] = [Number(bound[1]), bound[2] === 'x' ? 0 : Number(bound[2] ?? 0)];
    return major < MIN_NODE[0] || (major === MIN_NODE[0] && minor <= MIN_NODE[1]);
  });
}

describe('the bundled packages run on the oldest Node.js the CLI accepts', () => {
  test('MIN_NODE meets every bundled package\u2019s engines (an AWS SDK that drops Node.js 20 must raise it)', () => {
    const packages = bundledPackages();
    expect(packages.size).toBeGreaterThan(20);
    expect([...packages.keys()].map((dir) => dir.slice(root.length))).toContain(
      'node_modules/@aws-sdk/client-lambda',
    );
    const unmet = [...packages]
      .map(([dir, range]) => [dir.slice(root.length), range] as const)
      .filter(([dir, range]) => range !== '' && !minNodeMeets(range) && RUNS_BELOW_ITS_ENGINES[dir] !== range)
      .map(([dir, range]) => `${dir}: ${range}`);
    expect(unmet).toEqual([]);
  });
});
