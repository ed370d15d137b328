/** buildPackage of a Pipenv project: what Pipfile.lock pins is installed. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import type { BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { installsRequirements } from '../../src/packaging/python-requirements.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWheel } from './helpers.js';
import { buildWorkspace, names } from './build-workspace.js';

const { root, project, options } = buildWorkspace();

describe('a Pipenv project (Pipfile and Pipfile.lock, no requirements file)', () => {
  const pipenvWheels = join(root, 'pipenv-wheels');
  beforeAll(async () => {
    mkdirSync(pipenvWheels);
    for (const [name, version] of [
      ['greetlib', '1.2.0'],
      ['greetlib', '1.3.0'],
      ['colorama', '0.4.6'],
      ['pytest', '8.3.4'],
    ])
      await buildWheel(pipenvWheels, name!, version!, `VERSION = "${version}"\n`);
  });
  const pipfile =
    '[packages]\ngreetlib = "*"\ncolorama = {version = "*", markers = "sys_platform == \'win32\'"}\n\n[dev-packages]\npytest = "*"\n';
  const lockOf = (greetlib: string, pytest = '8.3.4') =>
    JSON.stringify({
      _meta: {
        'pipfile-spec': 6,
        sources: [{ name: 'pypi', url: 'https://pypi.org/simple', verify_ssl: true }],
      },
      default: {
        colorama: { index: 'pypi', markers: "sys_platform == 'win32'", version: '==0.4.6' },
        greetlib: { index: 'pypi', version: `==${greetlib}` },
      },
      develop: { pytest: { index: 'pypi', version: `==${pytest}` } },
    });
  const pipenvProject = (name: string, files: Record<string, string> = {}) =>
    project(name, {
      'app.py': 'def handler(event, context):\n    return {}\n',
      Pipfile: pipfile,
      'Pipfile.lock': lockOf('1.2.0'),
      ...files,
    });
  const pipenvOptions = (path: string, overrides: Partial<BuildPackageOptions> = {}) =>
    options(path, { pipArgs: ['--no-index', '--find-links', pipenvWheels], ...overrides });

  it('installs the default section, with its markers, not develop; writes nothing into the project', async () => {
    const path = pipenvProject('pipenv-app');
    const logger = new RecordingLogger();
    const files = await names((await buildPackage(pipenvOptions(path), { logger })).zipPath);
    expect(files.filter((f) => f.endsWith('.dist-info/METADATA'))).toEqual([
      'greetlib-1.2.0.dist-info/METADATA',
    ]);
    expect(logger.text('info')).toContain(
      'Installing the 2 packages Pipfile.lock pins (no requirements.txt)',
    );
    expect(logger.text('warning')).toBe('');
    expect(readdirSync(path).sort()).toEqual(['Pipfile', 'Pipfile.lock', 'app.py']);
  });

  it('keys the dependencies layer on the pins: a changed pin builds it again, a develop change does not', async () => {
    const layerKey = async (name: string, lock: string) =>
      (
        await buildPackage(
          pipenvOptions(pipenvProject(name, { 'Pipfile.lock': lock }), { dependenciesLayer: true }),
          {
            logger: new RecordingLogger(),
          },
        )
      ).dependencies!.key;
    const first = await layerKey('pipenv-layer-a', lockOf('1.2.0'));
    expect(await layerKey('pipenv-layer-b', lockOf('1.2.0', '8.3.5'))).toBe(first);
    expect(await layerKey('pipenv-layer-c', lockOf('1.3.0'))).not.toBe(first);
  });

  it('a Pipenv project in a folder named src, below a pyproject.toml of tools only: installs its own Pipfile.lock', async () => {
    const dir = project('pipenv-in-src', {
      'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
      'src/app.py': 'def handler(event, context):\n    return {}\n',
      'src/Pipfile': pipfile,
      'src/Pipfile.lock': lockOf('1.2.0'),
    });
    const logger = new RecordingLogger();
    const files = await names((await buildPackage(pipenvOptions(join(dir, 'src')), { logger })).zipPath);
    expect(files).toContain('greetlib-1.2.0.dist-info/METADATA');
    expect(logger.text('info')).toContain('Installing the 2 packages Pipfile.lock pins');
  });

  it('counts Pipfile.lock as requirements to install (slim is possible)', () => {
    expect(installsRequirements(pipenvOptions(pipenvProject('pipenv-installs')))).toBe(true);
    expect(installsRequirements(pipenvOptions(project('pipenv-no-lock', { Pipfile: pipfile })))).toBe(false);
  });

  it('reads no Pipfile.lock beside a requirements file; a pyproject.toml lock wins over it', async () => {
    const withRequirements = pipenvProject('pipenv-with-requirements', {
      'Pipfile.lock': 'not JSON',
      'requirements.txt': 'greetlib==1.3.0\n',
    });
    const logger = new RecordingLogger();
    const files = await names(
      (
        await buildPackage(
          pipenvOptions(withRequirements, { requirements: join(withRequirements, 'requirements.txt') }),
          { logger },
        )
      ).zipPath,
    );
    expect(files).toContain('greetlib-1.3.0.dist-info/METADATA');
    expect(logger.text()).not.toContain('Pipfile.lock');

    const uvLock =
      'version = 1\n\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "greetlib" }]\n\n[[package]]\nname = "greetlib"\nversion = "1.3.0"\nsource = { registry = "https://pypi.org/simple" }\n';
    const both = pipenvProject('pipenv-and-uv', {
      'Pipfile.lock': 'not JSON',
      'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["greetlib"]\n',
      'uv.lock': uvLock,
    });
    const bothLogger = new RecordingLogger();
    expect(await names((await buildPackage(pipenvOptions(both), { logger: bothLogger })).zipPath)).toContain(
      'greetlib-1.3.0.dist-info/METADATA',
    );
    expect(bothLogger.text('info')).toContain('Installing the 1 package uv.lock pins');

    // A pyproject.toml of tool settings only, beside a Pipenv project: Pipfile.lock is read.
    const tools = pipenvProject('pipenv-and-pyproject', {
      'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
    });
    const toolsLogger = new RecordingLogger();
    await buildPackage(pipenvOptions(tools), { logger: toolsLogger });
    expect(toolsLogger.text('info')).toContain('Installing the 2 packages Pipfile.lock pins');
  });

  it('warns of the Pipfile.lock empty default section, naming the Pipfile packages', async () => {
    const empty = JSON.stringify({ _meta: {}, default: {}, develop: {} });
    const logger = new RecordingLogger();
    await buildPackage(pipenvOptions(pipenvProject('pipenv-empty', { 'Pipfile.lock': empty })), { logger });
    expect(logger.text('warning')).toContain(
      'Pipfile.lock pins none of the dependencies Pipfile declares. Pipfile lists 2 packages (greetlib, colorama) but no requirements file or Pipfile.lock pins them',
    );
  });

  it('warns of packages from another index unless pip-args reach it', async () => {
    const lock = JSON.stringify({
      _meta: { sources: [{ name: 'corp', url: 'https://pypi.corp.example/simple' }] },
      default: { greetlib: { index: 'corp', version: '==1.2.0' } },
    });
    const path = pipenvProject('pipenv-index', { 'Pipfile.lock': lock });
    const logger = new RecordingLogger();
    await buildPackage(pipenvOptions(path), { logger });
    expect(logger.text('warning')).toContain(
      'Pipfile.lock pins a package (greetlib) from the index "corp" (https://pypi.corp.example/simple)',
    );
  });

  it('says the lock records only md5 hashes for a package, which pip does not check, when that turns checking off', async () => {
    const lock = JSON.parse(lockOf('1.2.0'));
    lock.default.colorama.hashes = [`sha256:${'cd'.repeat(32)}`];
    lock.default.greetlib.hashes = [`md5:${'ab'.repeat(16)}`];
    const path = pipenvProject('pipenv-md5', { 'Pipfile.lock': JSON.stringify(lock) });
    const logger = new RecordingLogger();
    await buildPackage(pipenvOptions(path), { logger });
    expect(logger.text('info')).toContain(
      "pip does not check the files it installs against Pipfile.lock's hashes: Pipfile.lock records only md5 hashes for greetlib==1.2.0, which pip does not check",
    );
  });

  it('says the build tools of a hashed source archive are not checked', async () => {
    const archive = 'not really an archive';
    const hash = createHash('sha256').update(archive).digest('hex');
    const lock = JSON.stringify({
      _meta: { sources: [] },
      default: { greetlib: { file: './vendor/greetlib-1.2.0.tar.gz', hashes: [`sha256:${hash}`] } },
    });
    const path = pipenvProject('pipenv-sdist', {
      'Pipfile.lock': lock,
      'vendor/greetlib-1.2.0.tar.gz': archive,
    });
    const logger = new RecordingLogger();
    // pip fails on the archive; the log line comes before it runs.
    await expect(buildPackage(pipenvOptions(path), { logger })).rejects.toThrow();
    expect(logger.text('info')).toContain(
      'Installing the 1 package Pipfile.lock pins (no requirements.txt), each checked against the hashes Pipfile.lock records; pip builds greetlib from its source archive, and the build tools it installs for that (setuptools and the like) are not checked against any hash',
    );
  });

  describe('a Pipfile.lock locked from another Pipfile', () => {
    // The hash pipenv computed for this test's Pipfile (fixtures/pipfile-hash, generate-hashes.py).
    const fixtures = join(import.meta.dirname, 'fixtures', 'pipfile-hash');
    const pipenvHash = (
      JSON.parse(readFileSync(join(fixtures, 'hashes.json'), 'utf8')) as Record<string, { plette: string }>
    )['pipenv-project.Pipfile']!.plette;
    const hashed = JSON.parse(lockOf('1.2.0'));
    hashed._meta.hash = { sha256: pipenvHash };

    it('is the Pipfile these tests build', () => {
      expect(readFileSync(join(fixtures, 'pipenv-project.Pipfile'), 'utf8')).toBe(pipfile);
    });

    it('warns before pip runs when the Pipfile changed since pipenv lock, naming both files', async () => {
      const path = pipenvProject('pipenv-stale', {
        Pipfile: pipfile.replace('[packages]\n', '[packages]\nrequests = "*"\n'),
        'Pipfile.lock': JSON.stringify(hashed),
      });
      const logger = new RecordingLogger();
      await buildPackage(pipenvOptions(path), { logger });
      const warning = logger.lines.findIndex((l) => l.level === 'warning');
      expect(logger.lines[warning]?.message).toContain(
        `${join(path, 'Pipfile.lock')} is out of date with ${join(path, 'Pipfile')}: it was locked from another Pipfile (its _meta.hash is ${pipenvHash}, the Pipfile's is `,
      );
      expect(logger.lines[warning]?.message).toContain('Run pipenv lock and commit Pipfile.lock.');
      expect(logger.text('warning').match(/out of date/g)).toHaveLength(1);
      // Before anything is installed (or anything is done in AWS).
      expect(warning).toBeLessThan(logger.lines.findIndex((l) => l.message.startsWith('Installing')));
    });

    it("says nothing when the lock is the Pipfile's, whatever its comments and key order", async () => {
      const path = pipenvProject('pipenv-fresh', {
        Pipfile: `# locked with pipenv lock\n[dev-packages]\npytest = '*'\n\n${pipfile.replace(/\n\[dev-packages\][^]*$/, '')}`,
        'Pipfile.lock': JSON.stringify(hashed),
      });
      const logger = new RecordingLogger();
      await buildPackage(pipenvOptions(path), { logger });
      expect(logger.text('warning')).toBe('');
      expect(logger.text('info')).toContain('Installing the 2 packages Pipfile.lock pins');
    });
  });

  it('refuses a Pipfile.lock it cannot read, naming the file and line, before pip runs', async () => {
    const path = pipenvProject('pipenv-malformed', {
      'Pipfile.lock': '{\n  "default": {\n    "greetlib": {"version": "==1.2.0"},\n  }\n}\n',
    });
    const logger = new RecordingLogger();
    await expect(buildPackage(pipenvOptions(path), { logger })).rejects.toThrow(
      `${join(path, 'Pipfile.lock')} line 4: not JSON (`,
    );
    expect(logger.text()).not.toContain('Installing');
  });
});
