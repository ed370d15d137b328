/** buildPackage of a uv project and of a uv workspace member: what uv.lock pins is installed. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import type { BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { installsRequirements } from '../../src/packaging/python-requirements.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWheel, withoutLockedHashes } from './helpers.js';
import { buildWorkspace, greetlibWheels, names } from './build-workspace.js';

const { root, project, options } = buildWorkspace();
const wheels = greetlibWheels(root);

describe('a uv project (pyproject.toml and uv.lock, no requirements file)', () => {
  const fixture = join(import.meta.dirname, 'fixtures', 'uv-flask-app');
  const lock = withoutLockedHashes(readFileSync(join(fixture, 'uv.lock'), 'utf8'));
  const uvWheels = join(root, 'uv-wheels');
  const pinned = [
    ['asgiref', '3.8.1'],
    ['blinker', '1.9.0'],
    ['click', '8.1.8'],
    ['flask', '3.1.0'],
    ['itsdangerous', '2.2.0'],
    ['jinja2', '3.1.5'],
    ['markupsafe', '3.0.2'],
    ['numpy', '2.2.6'],
    ['werkzeug', '3.1.3'],
  ];
  beforeAll(async () => {
    mkdirSync(uvWheels);
    // The dev group's, the Windows-only colorama, the other fork's numpy and a newer flask are offered too: none is installed.
    const offered = [
      ...pinned,
      ['colorama', '0.4.6'],
      ['numpy', '2.0.2'],
      ['flask', '3.2.0'],
      ['pytest', '8.3.4'],
      ['iniconfig', '2.0.0'],
      ['pluggy', '1.5.0'],
      ['packaging', '24.2'],
    ];
    for (const [name, version] of offered)
      await buildWheel(uvWheels, name!, version!, `VERSION = "${version}"\n`);
  });

  function uvProject(name: string, files: Record<string, string> = {}): string {
    return project(name, {
      'app.py': readFileSync(join(fixture, 'app.py'), 'utf8'),
      'pyproject.toml': readFileSync(join(fixture, 'pyproject.toml'), 'utf8'),
      'uv.lock': lock,
      ...files,
    });
  }

  const uvOptions = (path: string, overrides: Partial<BuildPackageOptions> = {}) =>
    options(path, { app: 'app:app', pipArgs: ['--no-index', '--find-links', uvWheels], ...overrides });

  it('installs the versions uv.lock pins for its dependencies, not its dev group, and writes nothing into the project', async () => {
    const path = uvProject('uv-app');
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(path), { logger });
    const files = await names(result.zipPath);
    const distInfos = files
      .filter((f) => f.endsWith('.dist-info/METADATA'))
      .map((f) => f.split('.dist-info')[0]);
    expect(distInfos.sort()).toEqual(pinned.map(([name, version]) => `${name}-${version}`));
    expect(files).toContain('flask/__init__.py');
    expect(logger.text('info')).toContain('Installing the 10 packages uv.lock pins (no requirements.txt)');
    expect(logger.text('info')).toContain(`Installing the packages ${join(path, 'uv.lock')} pins for`);
    expect(logger.text('warning')).not.toContain('pyproject.toml declares');
    expect(readdirSync(path).sort()).toEqual(['app.py', 'pyproject.toml', 'uv.lock']);
  });

  it('a src layout (path: src, pyproject.toml and uv.lock one folder up): installs what uv.lock pins', async () => {
    const dir = project('uv-src-layout', {
      'pyproject.toml': readFileSync(join(fixture, 'pyproject.toml'), 'utf8'),
      'uv.lock': lock,
      'src/app.py': readFileSync(join(fixture, 'app.py'), 'utf8'),
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(join(dir, 'src')), { logger });
    const files = await names(result.zipPath);
    expect(files).toContain('flask/__init__.py');
    expect(files).toContain('app.py');
    expect(files).not.toContain('pyproject.toml');
    expect(logger.text('info')).toContain(`Installing the packages ${join(dir, 'uv.lock')} pins for`);
    expect(logger.text('warning')).toBe('');
  });

  describe('a uv.lock locked from another pyproject.toml', () => {
    it('warns before pip runs when pyproject.toml declares a package the lock was not locked with, naming both files', async () => {
      const pyproject = readFileSync(join(fixture, 'pyproject.toml'), 'utf8');
      const path = uvProject('uv-stale', {
        'pyproject.toml': pyproject.replace('"numpy>=2.0",', '"numpy>=2.0",\n    "requests>=2",'),
      });
      const logger = new RecordingLogger();
      await buildPackage(uvOptions(path), { logger });
      const warning = logger.lines.findIndex((l) => l.level === 'warning');
      expect(logger.lines[warning]?.message).toContain(
        `${join(path, 'uv.lock')} is out of date with ${join(path, 'pyproject.toml')}: pyproject.toml declares requests, which uv.lock was not locked with (uv lock --check fails on it).`,
      );
      expect(logger.lines[warning]?.message).toContain('Run uv lock and commit uv.lock.');
      expect(logger.text('warning').match(/out of date/g)).toHaveLength(1);
      // Before anything is installed (or anything is done in AWS).
      expect(warning).toBeLessThan(logger.lines.findIndex((l) => l.message.startsWith('Installing')));
    });

    it("says nothing when the lock's requirements name the packages pyproject.toml declares", async () => {
      const logger = new RecordingLogger();
      await buildPackage(uvOptions(uvProject('uv-fresh')), { logger });
      expect(logger.text('warning')).toBe('');
      expect(logger.text('info')).toContain('Installing the 10 packages uv.lock pins');
    });
  });

  it("keys the dependencies layer on the pins: a changed pin builds it again, a dev group's change does not", async () => {
    const layerKey = async (name: string, text: string) => {
      const result = await buildPackage(
        uvOptions(uvProject(name, { 'uv.lock': text }), { dependenciesLayer: true }),
        {
          logger: new RecordingLogger(),
        },
      );
      return { key: result.dependencies!.key, files: await names(result.dependencies!.zipPath) };
    };
    const first = await layerKey('uv-layer-a', lock);
    const devChanged = await layerKey('uv-layer-b', lock.replace('version = "8.3.4"', 'version = "8.3.5"'));
    const flaskChanged = await layerKey('uv-layer-c', lock.replace('version = "3.1.0"', 'version = "3.2.0"'));
    expect(devChanged.key).toBe(first.key);
    expect(flaskChanged.key).not.toBe(first.key);
    expect(flaskChanged.files).toContain('python/flask-3.2.0.dist-info/METADATA');
  });

  it('refuses a uv.lock it cannot read, naming the file and line, before pip runs', async () => {
    const path = uvProject('uv-malformed', { 'uv.lock': lock.replace('size = 22460 }', 'size = 22460') });
    const logger = new RecordingLogger();
    await expect(buildPackage(uvOptions(path), { logger })).rejects.toThrow(
      `${join(path, 'uv.lock')} line 22: expected "," or "}" in an inline table, found the end of the line. lambda-deploy installs the versions uv.lock pins`,
    );
    expect(logger.text()).not.toContain('Installing');
  });

  it('installs the requirements file when there is one, and reads no uv.lock', async () => {
    const path = uvProject('uv-with-requirements', {
      'uv.lock': 'not toml at all',
      'requirements.txt': 'flask==3.2.0\n',
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(path, { requirements: join(path, 'requirements.txt') }), {
      logger,
    });
    const files = await names(result.zipPath);
    expect(files).toContain('flask-3.2.0.dist-info/METADATA');
    expect(files).not.toContain('werkzeug/__init__.py');
    expect(logger.text()).not.toContain('uv.lock pins');
  });

  it('installs uv.lock when there is a poetry.lock too, and reads no poetry.lock', async () => {
    const path = uvProject('uv-and-poetry', { 'poetry.lock': 'not toml at all' });
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(path), { logger });
    expect(await names(result.zipPath)).toContain('numpy-2.2.6.dist-info/METADATA');
    expect(logger.text('info')).toContain('Installing the 10 packages uv.lock pins');
    expect(logger.text()).not.toContain('poetry.lock');
  });

  it('a git entry: installed without hash checking (pip checks all or none), and the log says why, naming it', async () => {
    // A repository pip builds offline: its in-tree backend hands over a wheel built here.
    const repo = join(root, 'gitdep-repo');
    mkdirSync(repo);
    await buildWheel(repo, 'gitdep', '0.1.0', 'G = 1\n');
    writeFileSync(
      join(repo, 'pyproject.toml'),
      '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    );
    writeFileSync(
      join(repo, 'backend.py'),
      'import os, shutil\n' +
        'def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n' +
        '    here = os.path.dirname(os.path.abspath(__file__))\n' +
        '    name = [n for n in os.listdir(here) if n.endswith(".whl")][0]\n' +
        '    shutil.copy(os.path.join(here, name), wheel_directory)\n' +
        '    return name\n',
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: repo,
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'gitdep');
    const commit = git('rev-parse', 'HEAD');
    const asgiref = createHash('sha256')
      .update(readFileSync(join(uvWheels, 'asgiref-3.8.1-py3-none-any.whl')))
      .digest('hex');
    const uvLock = [
      'version = 1',
      '',
      '[[package]]',
      'name = "app"',
      'version = "0.1.0"',
      'source = { virtual = "." }',
      'dependencies = [{ name = "asgiref" }, { name = "gitdep" }]',
      '',
      '[[package]]',
      'name = "asgiref"',
      'version = "3.8.1"',
      'source = { registry = "https://pypi.org/simple" }',
      `wheels = [{ url = "https://files.example/asgiref-3.8.1-py3-none-any.whl", hash = "sha256:${asgiref}" }]`,
      '',
      '[[package]]',
      'name = "gitdep"',
      'version = "0.1.0"',
      `source = { git = "file://localhost${repo}?rev=main#${commit}" }`,
      '',
    ].join('\n');
    const path = project('uv-git', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'pyproject.toml': '[project]\nname = "app"\ndependencies = ["asgiref", "gitdep"]\n',
      'uv.lock': uvLock,
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { pipArgs: ['--no-index', '--find-links', uvWheels] }), {
      logger,
    });
    expect(await names(result.zipPath)).toEqual(
      expect.arrayContaining(['gitdep/__init__.py', 'asgiref/__init__.py']),
    );
    expect(logger.text('info')).toContain(
      `pip does not check the files it installs against uv.lock's hashes: uv.lock records none for gitdep @ git+file://localhost${repo}@${commit} (a git, folder or URL entry`,
    );
    expect(logger.text()).not.toContain('each checked against the hashes');
  });

  // pip-args adding requirements of its own: a requirements file, or a bare name among options.
  it.each([
    [
      'a requirements file (-r other.txt)',
      'uv-extra-r',
      (path: string) => ['-r', join(path, 'other.txt')],
      (path: string) => `-r ${join(path, 'other.txt')}`,
    ],
    ['a bare requirement name (extradep)', 'uv-extra-name', () => ['extradep'], () => 'extradep'],
  ])(
    'pip-args adding %s: installed without hash checking, which would refuse its requirements, and the log says why',
    async (_what, name, added, shown) => {
      const extra = join(root, 'extra-wheels');
      if (!existsSync(extra)) {
        mkdirSync(extra);
        await buildWheel(extra, 'extradep', '0.1.0', 'E = 1\n');
      }
      const asgiref = createHash('sha256')
        .update(readFileSync(join(uvWheels, 'asgiref-3.8.1-py3-none-any.whl')))
        .digest('hex');
      const path = project(name, {
        'app.py': 'def handler(event, context):\n    return 1\n',
        'pyproject.toml': '[project]\nname = "app"\ndependencies = ["asgiref"]\n',
        'uv.lock': [
          'version = 1',
          '',
          '[[package]]',
          'name = "app"',
          'version = "0.1.0"',
          'source = { virtual = "." }',
          'dependencies = [{ name = "asgiref" }]',
          '',
          '[[package]]',
          'name = "asgiref"',
          'version = "3.8.1"',
          'source = { registry = "https://pypi.org/simple" }',
          `wheels = [{ url = "https://files.example/asgiref-3.8.1-py3-none-any.whl", hash = "sha256:${asgiref}" }]`,
          '',
        ].join('\n'),
        'other.txt': 'extradep==0.1.0\n',
      });
      const logger = new RecordingLogger();
      const pipArgs = ['--no-index', '--find-links', uvWheels, '--find-links', extra, ...added(path)];
      const result = await buildPackage(options(path, { pipArgs }), { logger });
      expect(await names(result.zipPath)).toEqual(
        expect.arrayContaining(['extradep/__init__.py', 'asgiref/__init__.py']),
      );
      expect(logger.text('info')).toContain(
        `pip does not check the files it installs against uv.lock's hashes: pip-args adds requirements (${shown(path)}) uv.lock has no hashes for`,
      );
      expect(logger.text()).not.toContain('each checked against the hashes');
    },
  );
});

describe('a uv workspace member (its pyproject.toml in path, uv.lock at the workspace root above it)', () => {
  const fixture = join(import.meta.dirname, 'fixtures', 'uv-workspace');

  /** A copy of the workspace in a repository of its own (a .git folder at its root). */
  function repository(name: string, files: Record<string, string> = {}): string {
    const dir = join(root, name);
    cpSync(fixture, dir, { recursive: true });
    mkdirSync(join(dir, '.git'));
    project(name, files);
    return dir;
  }

  // Never the wheel cache: a wslib wheel kept from an earlier run would hide the build.
  const memberOptions = (path: string, overrides: Partial<BuildPackageOptions> = {}) =>
    options(path, { pipArgs: ['--no-index', '--find-links', wheels, '--no-cache-dir'], ...overrides });

  it("installs what the workspace's uv.lock pins for that member: another member built from its folder, never the dev group nor the member itself", async () => {
    const repo = repository('uv-ws');
    const path = join(repo, 'packages', 'api');
    const logger = new RecordingLogger();
    expect(installsRequirements(memberOptions(path, { workspace: repo }))).toBe(true);
    const result = await buildPackage(memberOptions(path, { workspace: repo }), { logger });
    const files = await names(result.zipPath);
    const distInfos = files.filter((f) => f.endsWith('.dist-info/METADATA')).sort();
    expect(distInfos).toEqual(['greetlib-1.2.0.dist-info/METADATA', 'wslib-0.2.0.dist-info/METADATA']);
    expect(files).toEqual(expect.arrayContaining(['app.py', 'greetlib/__init__.py', 'wslib/__init__.py']));
    expect(files).not.toContain('packages/lib/backend.py');
    expect(logger.text('info')).toContain('Installing the 2 packages uv.lock pins (no requirements.txt)');
    expect(logger.text('info')).toContain(`Installing the packages ${join(repo, 'uv.lock')} pins for`);
    expect(logger.text('warning')).not.toContain('pyproject.toml declares');
    expect(readdirSync(repo).sort()).toEqual(['.git', 'packages', 'pyproject.toml', 'uv.lock']);
  });

  it('reads no uv.lock above the repository or the GitHub workspace, nor one whose members leave path out', async () => {
    const repo = repository('uv-ws-bounds', {
      'packages/api/.git/HEAD': 'ref: refs/heads/main\n',
      'packages/legacy/pyproject.toml': '[project]\nname = "legacy"\ndependencies = ["greetlib"]\n',
      'packages/legacy/app.py': 'def handler(event, context):\n    return 1\n',
      'tools/cli/pyproject.toml': '[project]\nname = "cli"\ndependencies = ["greetlib"]\n',
      'tools/cli/app.py': 'def handler(event, context):\n    return 1\n',
    });
    const lib = join(repo, 'packages', 'lib');
    const cases = [
      memberOptions(join(repo, 'packages', 'api')),
      memberOptions(lib, { workspace: lib }),
      memberOptions(join(repo, 'packages', 'legacy')),
      memberOptions(join(repo, 'tools', 'cli')),
    ];
    for (const [i, opts] of cases.entries()) {
      expect([i, installsRequirements(opts)]).toEqual([i, false]);
    }
    const logger = new RecordingLogger();
    await buildPackage(cases[2]!, { logger });
    expect(logger.text('warning')).toContain('pyproject.toml declares 1 dependency (greetlib)');
  });

  it('refuses a member uv.lock does not know, naming the file and the member, before pip runs', async () => {
    const repo = repository('uv-ws-unlocked', {
      'packages/web/pyproject.toml': '[project]\nname = "web"\ndependencies = ["greetlib"]\n',
      'packages/web/app.py': 'def handler(event, context):\n    return 1\n',
    });
    const logger = new RecordingLogger();
    await expect(
      buildPackage(memberOptions(join(repo, 'packages', 'web'), { workspace: repo }), { logger }),
    ).rejects.toThrow(
      `${join(repo, 'uv.lock')}: no package in it is the workspace member in packages/web (source editable = "packages/web" or virtual = "packages/web"); its workspace members are api, monorepo, wslib. lambda-deploy installs the versions uv.lock pins when there is no requirements file: run uv lock to write it again`,
    );
    expect(logger.text()).not.toContain('Installing');
  });
});
