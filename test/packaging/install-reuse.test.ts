/**
 * serve --watch rebuilds: the dependencies are installed again only when what
 * the installer reads changed. pip and npm are stand-ins that count their
 * installs and write what they would install.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { type BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import type { CommandRunner } from '../../src/packaging/command-runner.js';
import {
  InstallReuse,
  pipArgsReadElsewhere,
  requirementsReadElsewhere,
} from '../../src/packaging/install-reuse.js';
import { listZip } from '../../src/packaging/zip-reader.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { testPython } from '../support/vendor-wheels.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('install-reuse');
afterAll(cleanup);

/**
 * pip and npm stand-ins: each install writes one package (its version from the requirements / lockfile).
 * `targets`: the folders pip was given, to see which the builds kept or removed.
 */
function countingInstaller() {
  const installs: string[] = [];
  const targets: string[] = [];
  const runner: CommandRunner = {
    async run(command, args, options) {
      const target = args[args.indexOf('--target') + 1];
      if (args.includes('install') && args.includes('--target') && target) {
        installs.push('pip');
        targets.push(target);
        mkdirSync(join(target, 'greetlib'), { recursive: true });
        writeFileSync(join(target, 'greetlib', '__init__.py'), `# install ${installs.length}\n`);
        return { exitCode: 0, output: '' };
      }
      if (args.includes('ci') && options?.cwd) {
        installs.push('npm');
        mkdirSync(join(options.cwd, 'node_modules', 'greet'), { recursive: true });
        writeFileSync(join(options.cwd, 'node_modules', 'greet', 'package.json'), '{"name":"greet"}');
        return { exitCode: 0, output: '' };
      }
      // Anything else (a probe of the local Python or npm): run for real.
      const { createCommandRunner } = await import('../../src/packaging/command-runner.js');
      return createCommandRunner(new RecordingLogger()).run(command, args, options);
    },
  };
  return { runner, installs, targets };
}

function options(path: string, over: Partial<BuildPackageOptions> = {}): BuildPackageOptions {
  return {
    name: 'svc',
    path,
    runtime: 'python3.12',
    architecture: 'x86_64',
    handler: 'app.handler',
    app: undefined,
    requirements: undefined,
    pipArgs: [],
    include: [],
    exclude: [],
    dependenciesLayer: false,
    outDir: join(root, 'out'),
    ...over,
  };
}

/**
 * The pip installs still on disk, of those this suite's stand-in made. Not a count of the
 * lambda-deploy-deps-* folders in tmpdir(): that is the run's one temp folder, shared by the
 * jest workers, where other suites' builds (serve-reload-installs installs greetlib too) come
 * and go meanwhile. Setting process.env.TMPDIR here would not give the suite a folder of its
 * own: jest gives each suite a copy of process.env, and os.tmpdir() reads the real one.
 */
const present = (targets: readonly string[]) => targets.filter((t) => existsSync(t));

describe('a session reuses the dependencies it installed while their inputs are unchanged', () => {
  const env = { ...process.env, LAMBDA_DEPLOY_PYTHON: testPython() };

  it('pip: an edit of the code reuses the install; an edit of requirements.txt or of pip-args installs again', async () => {
    const path = join(root, 'py');
    mkdirSync(path);
    writeFileSync(join(path, 'app.py'), 'def handler(event, context):\n    return 1\n');
    writeFileSync(join(path, 'requirements.txt'), 'greetlib==1.0\n');
    const { runner, installs, targets } = countingInstaller();
    const reuse = new InstallReuse();
    const logger = new RecordingLogger();
    const build = (over: Partial<BuildPackageOptions> = {}) =>
      buildPackage(options(path, { requirements: join(path, 'requirements.txt'), ...over }), {
        logger,
        runner,
        env,
        installs: reuse,
      });
    const first = await build();
    expect(installs).toEqual(['pip']);
    writeFileSync(join(path, 'app.py'), 'def handler(event, context):\n    return 2\n');
    const second = await build();
    expect(installs).toEqual(['pip']);
    expect(logger.text()).toContain('Requirements unchanged (requirements.txt): the previous install reused');
    // The same dependencies in the package, the new code beside them.
    const entries = async (zip: string) => (await listZip(zip)).map((e) => e.name).sort();
    expect(await entries(second.zipPath)).toEqual(await entries(first.zipPath));
    expect(second.codeSha256).not.toBe(first.codeSha256);
    // One install kept for the session, none left by the builds.
    expect(present(targets)).toEqual(targets.slice(0, 1));

    writeFileSync(join(path, 'requirements.txt'), 'greetlib==1.1\n');
    await build();
    expect(installs).toEqual(['pip', 'pip']);
    await build({ pipArgs: ['--pre'] });
    expect(installs).toEqual(['pip', 'pip', 'pip']);
    await build({ pipArgs: ['--pre'] });
    expect(installs).toEqual(['pip', 'pip', 'pip']);
    // The one for the last key kept; each one it replaced removed.
    expect(present(targets)).toEqual(targets.slice(-1));

    await reuse.clear();
    expect(present(targets)).toEqual([]);
  }, 60_000);

  it('pip: requirements that read other files or local paths are installed every time; without a session, every build installs', async () => {
    const path = join(root, 'py-local');
    mkdirSync(join(path, 'lib'), { recursive: true });
    writeFileSync(join(path, 'app.py'), 'def handler(event, context):\n    return 1\n');
    writeFileSync(join(path, 'requirements.txt'), 'greetlib==1.0\n./lib\n');
    const { runner, installs, targets } = countingInstaller();
    const reuse = new InstallReuse();
    const build = (installsKept?: InstallReuse) =>
      buildPackage(options(path, { requirements: join(path, 'requirements.txt') }), {
        logger: new RecordingLogger(),
        runner,
        env,
        ...(installsKept && { installs: installsKept }),
      });
    await build(reuse);
    await build(reuse);
    expect(installs).toEqual(['pip', 'pip']);
    await reuse.clear();

    // A constraints file named in pip-args: its text can change while pip-args' words do not.
    writeFileSync(join(path, 'requirements.txt'), 'greetlib\n');
    const constrained = () =>
      buildPackage(
        options(path, { requirements: join(path, 'requirements.txt'), pipArgs: ['-c', join(path, 'c.txt')] }),
        { logger: new RecordingLogger(), runner, env, installs: reuse },
      );
    await constrained();
    await constrained();
    expect(installs).toEqual(['pip', 'pip', 'pip', 'pip']);
    await reuse.clear();

    writeFileSync(join(path, 'requirements.txt'), 'greetlib==1.0\n');
    await build();
    await build();
    expect(installs).toEqual(['pip', 'pip', 'pip', 'pip', 'pip', 'pip']);
    // Installs kept for no session: each build removed its own.
    expect(present(targets)).toEqual([]);
  }, 60_000);

  it('npm: an edit of the code reuses node_modules; an edit of package.json or the lockfile installs again', async () => {
    const path = join(root, 'node');
    mkdirSync(path);
    writeFileSync(join(path, 'index.mjs'), 'export const handler = async () => 1;\n');
    writeFileSync(join(path, 'package.json'), '{"name":"fn","dependencies":{"greet":"1.0.0"}}');
    writeFileSync(join(path, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    const { runner, installs } = countingInstaller();
    const reuse = new InstallReuse();
    const logger = new RecordingLogger();
    const build = () =>
      buildPackage(options(path, { runtime: 'nodejs20.x', handler: 'index.handler' }), {
        logger,
        runner,
        env,
        installs: reuse,
      });
    const first = await build();
    expect((await listZip(first.zipPath)).map((e) => e.name)).toContain('node_modules/greet/package.json');
    writeFileSync(join(path, 'index.mjs'), 'export const handler = async () => 2;\n');
    const second = await build();
    expect(installs).toEqual(['npm']);
    expect((await listZip(second.zipPath)).map((e) => e.name)).toContain('node_modules/greet/package.json');
    expect(logger.text()).toContain('Node.js dependencies unchanged (package.json, package-lock.json)');

    writeFileSync(join(path, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"":{}}}');
    await build();
    writeFileSync(join(path, 'package.json'), '{"name":"fn","dependencies":{"greet":"1.0.1"}}');
    await build();
    expect(installs).toEqual(['npm', 'npm', 'npm']);
    await reuse.clear();
    expect(existsSync(join(path, 'node_modules'))).toBe(false);
  }, 60_000);
});

describe('requirementsReadElsewhere', () => {
  it.each<[string, boolean]>([
    ['flask==3.0\nrequests>=2  # http\n', false],
    ['# -r base.txt\nflask\n', false],
    ['-r base.txt\n', true],
    ['--requirement=base.txt\n', true],
    ['-c constraints.txt\nflask\n', true],
    ['./libs/shared\n', true],
    ['-e ../pkg\n', true],
    ['--editable=./pkg\n', true],
    ['/abs/wheel.whl\n', true],
    ['mylib @ file:///home/me/mylib\n', true],
    ['file:./lib\n', true],
    ['mylib @ https://example.com/mylib.whl\n', false],
    // As pip takes them: joined, abbreviated. A folder of wheels or an index on disk is an index, as PyPI is.
    ['-rbase.txt\n', true],
    ['--requirem base.txt\n', true],
    ['-cconstraints.txt\n', true],
    ['--find-links ./wheels\ngreetlib\n', false],
    ['-f wheels\ngreetlib\n', false],
    ['--index-url ./simple\ngreetlib\n', false],
    ['--index-url https://x/simple\n-f https://x/links\ngreetlib\n', false],
    ['wheels/greetlib-1.0-py3-none-any.whl\n', true],
    // pip-compile --generate-hashes: a line continued with \ onto --hash lines names no path.
    ['flask==3.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n', false],
    ['flask==3.0 \\\r\n    --hash=sha256:aa\r\n', false],
    // PEP 508 allows no space around @: a URL, not a path.
    ['mylib@https://example.com/mylib-1.0-py3-none-any.whl\n', false],
  ])('%j -> %s', (text, expected) => {
    expect(requirementsReadElsewhere(text)).toBe(expected);
  });
});

describe('pipArgsReadElsewhere', () => {
  it.each<[string[], NodeJS.ProcessEnv, boolean]>([
    [['--pre', '--index-url', 'https://x/simple', '--only-binary=:all:'], {}, false],
    [['--find-links', 'wheels/'], { PIP_FIND_LINKS: '/opt/wheels' }, false],
    [['-cconstraints.txt'], {}, true],
    [['-r', 'extra.txt'], {}, true],
    [['./wheels/foo-1.0-py3-none-any.whl'], {}, true],
    [['--index-url', '/srv/simple'], {}, false],
    [['-e', '../lib'], {}, true],
    [[], { PIP_CONSTRAINT: '/abs/c.txt' }, true],
    [[], { PIP_REQUIREMENT: 'extra.txt' }, true],
    [[], { PIP_INDEX_URL: 'https://x/simple', PIP_FIND_LINKS: 'https://x/links' }, false],
  ])('%j %j -> %s', (args, env, expected) => {
    expect(pipArgsReadElsewhere(args, env)).toBe(expected);
  });
});
