/**
 * Compiled code pip installs from the requirements, linking a library
 * neither the package nor Lambda has: psycopg2 built from source on the
 * runner links the runner's libpq.so.5, deploys, and fails at import on
 * Lambda. Here pip builds a local project whose extension links
 * libacme.so.1, a library built in a folder outside the package. Likewise
 * one needing a newer glibc than the runtime's (built on the runner's newer
 * Linux), which fails at import however the function is deployed.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { type BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { installedTooNewMessage } from '../../src/packaging/native-addons.js';
import { listZip } from '../../src/packaging/zip-reader.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { crafted } from './elf-fixtures.js';
import { buildNodeFunction, haveCommand, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('installed-libraries');
afterAll(cleanup);

const python = process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';
const env = { ...process.env, LAMBDA_DEPLOY_PYTHON: python };
const RUNNER = arch() === 'arm64' ? 'arm64' : 'x86_64';
const MACHINE = RUNNER === 'arm64' ? 'aarch64' : 'x86_64';

/** The test Python's version and C headers, and whether it can build an extension offline (setuptools). */
function pythonBuild(): { version: string; ok: boolean } {
  if (!haveCommand('cc')) return { version: '', ok: false };
  const probe = spawnSync(
    python,
    [
      '-c',
      'import sys, sysconfig, setuptools; print("%d.%d" % sys.version_info[:2]); print(sysconfig.get_paths()["include"])',
    ],
    { encoding: 'utf8' },
  );
  const [version = '', include = ''] = (probe.stdout ?? '').trim().split('\n');
  return { version, ok: probe.status === 0 && existsSync(join(include, 'Python.h')) };
}
const build = pythonBuild();
const withBuild = build.ok ? it : it.skip;
const runtime = `python${build.version}`;

function write(dir: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** libacme.so.1 (soname), built in a folder of its own: the runner's system library. */
function acmeLibrary(): string {
  const dir = write(join(root, 'system-lib'), { 'acme.c': 'int acme_version(void) { return 1; }\n' });
  if (!existsSync(join(dir, 'libacme.so.1')))
    execFileSync('cc', [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libacme.so.1',
      '-o',
      join(dir, 'libacme.so.1'),
      join(dir, 'acme.c'),
    ]);
  return dir;
}

/**
 * A project pip builds from source: its extension acme._acme links
 * libacme.so.1 (and, with `bundled`, carries a copy of it in its own folder).
 */
function acmeProject(name: string, bundled = false): string {
  const lib = acmeLibrary();
  const dir = join(root, name);
  write(dir, {
    'acme/__init__.py': '',
    'acme/_acme.c': [
      '#include <Python.h>',
      'int acme_version(void);',
      'static struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "_acme", NULL, -1, NULL };',
      'PyMODINIT_FUNC PyInit__acme(void) { acme_version(); return PyModule_Create(&def); }',
      '',
    ].join('\n'),
    'setup.py': [
      'from setuptools import setup, Extension',
      `setup(name="acme", version="1.0", packages=["acme"], package_data={"acme": ["*.so.1"]},`,
      `      ext_modules=[Extension("acme._acme", ["acme/_acme.c"], library_dirs=[${JSON.stringify(lib)}], libraries=[":libacme.so.1"])])`,
      '',
    ].join('\n'),
  });
  if (bundled) execFileSync('cp', [join(lib, 'libacme.so.1'), join(dir, 'acme', 'libacme.so.1')]);
  return dir;
}

function functionFolder(name: string, requirements: string): string {
  return write(join(root, name), {
    'app.py': 'def handler(event, context):\n    return 1\n',
    'requirements.txt': requirements,
  });
}

function options(path: string, overrides: Partial<BuildPackageOptions> = {}): BuildPackageOptions {
  return {
    name: 'svc',
    path,
    runtime,
    architecture: RUNNER,
    handler: 'app.handler',
    app: undefined,
    requirements: join(path, 'requirements.txt'),
    // The user lets pip build for the runner (its own --platform); offline, with the runner's setuptools.
    pipArgs: ['--platform', `linux_${MACHINE}`, '--no-index', '--no-build-isolation'],
    include: [],
    exclude: [],
    dependenciesLayer: false,
    outDir: join(root, 'out', path.split('/').pop()!),
    ...overrides,
  };
}

const warnings = (logger: RecordingLogger) =>
  logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);

const EXTENSION = `acme/_acme.cpython-${build.version.replace('.', '')}`;

describe('libraries that compiled code pip installed links, and Lambda lacks', () => {
  for (const [what, overrides] of [
    ['in the function zip', {}],
    ['in the dependencies layer', { dependenciesLayer: true }],
    ['in a slim package', { slim: 'true', memory: 512, timeout: 30 }],
  ] as const) {
    withBuild(
      `warns once, before upload, naming the installed extension, the library and what to do (${what})`,
      async () => {
        const path = functionFolder(`fn-${what.split(' ').pop()}`, `${acmeProject('acme-src')}\n`);
        const logger = new RecordingLogger();
        await buildPackage(options(path, overrides), { logger, env });
        const [warning, ...others] = warnings(logger);
        expect(others).toEqual([]);
        expect(warning).toMatch(
          new RegExp(
            `^${EXTENSION}[^ ]*\\.so needs libacme\\.so\\.1, which the package does not hold and ${runtime}'s Amazon Linux 2(?:023)? does not have: on Lambda the import fails \\("libacme\\.so\\.1: cannot open shared object file"\\)\\.`,
          ),
        );
        expect(warning).toContain('manylinux');
        expect(warning).toContain('auditwheel');
        expect(warning).toContain('layer');
      },
    );
  }

  withBuild('is quiet when the installed package carries the library itself', async () => {
    const path = functionFolder('fn-bundled', `${acmeProject('acme-bundled', true)}\n`);
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path), { logger, env });
    expect(warnings(logger)).toEqual([]);
    // The extension linking it is in the zip, next to its copy: found there, not overlooked.
    const names = (await listZip(result.zipPath)).map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(['acme/libacme.so.1', expect.stringMatching(/^acme\/_acme\..*\.so$/)]),
    );
  });
});

describe('one warning for all the libraries missing', () => {
  it('lists them, capped, in a single warning, in the order the files are met', async () => {
    const addon = (soname: string) =>
      crafted({
        is64: true,
        le: true,
        machine: RUNNER === 'arm64' ? 183 : 62,
        needed: [soname, 'libc.so.6'],
      });
    const sonames = [
      'libone.so.1',
      'libtwo.so.1',
      'libthree.so.1',
      'libfour.so.1',
      'libfive.so.1',
      'libsix.so.1',
      'libseven.so.1',
    ];
    const path = join(root, 'node-many');
    write(path, { 'index.mjs': 'export const handler = async () => 1;\n' });
    for (const soname of sonames) {
      const name = soname.split('.')[0]!.slice(3);
      const file = join(path, 'node_modules', name, 'build', 'Release', `${name}.node`);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, addon(soname));
    }
    const logger = new RecordingLogger();
    await buildPackage(
      {
        ...options(path),
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        requirements: undefined,
        pipArgs: [],
      },
      { logger },
    );
    const [warning, ...others] = warnings(logger);
    expect(others).toEqual([]);
    const lines = warning!.split('\n');
    expect(lines[0]).toBe(
      `Compiled code in the package needs 7 shared libraries that the package does not hold and nodejs22.x's Amazon Linux 2023 does not have: on Lambda loading fails ("libfive.so.1: cannot open shared object file").`,
    );
    expect(lines.slice(1, 7)).toEqual([
      '  - libfive.so.1, needed by node_modules/five/build/Release/five.node',
      '  - libfour.so.1, needed by node_modules/four/build/Release/four.node',
      '  - libone.so.1, needed by node_modules/one/build/Release/one.node',
      '  - libseven.so.1, needed by node_modules/seven/build/Release/seven.node',
      '  - libsix.so.1, needed by node_modules/six/build/Release/six.node',
      '  - and 2 more',
    ]);
    expect(lines[7]).toMatch(/^What to do: /);
  });
});

describe('native addons npm ci installed (a function with a lockfile and no node_modules)', () => {
  (haveCommand('npm') ? it : it.skip)("are checked as the folder's own: the same warning", async () => {
    const base = join(root, 'npm-acme');
    write(join(base, 'dep'), {
      'package.json': JSON.stringify({ name: 'acme-native', version: '1.0.0', main: 'index.js' }),
      'index.js': "module.exports = require('./build/Release/acme.node');\n",
    });
    const addon = crafted({ is64: true, le: true, machine: 62, needed: ['libacme.so.1', 'libc.so.6'] });
    mkdirSync(join(base, 'dep', 'build', 'Release'), { recursive: true });
    writeFileSync(join(base, 'dep', 'build', 'Release', 'acme.node'), addon);
    execFileSync('npm', ['pack', '--pack-destination', base], { cwd: join(base, 'dep'), stdio: 'pipe' });
    const tarball = join(base, 'acme-native-1.0.0.tgz');
    const npmEnv = { ...process.env, npm_config_cache: join(base, 'cache'), npm_config_offline: 'true' };
    execFileSync('npm', ['cache', 'add', tarball], { env: npmEnv, stdio: 'pipe' });
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    const manifest = { name: 'fn', version: '1.0.0', dependencies: { 'acme-native': '^1.0.0' } };
    const path = write(join(base, 'fn'), {
      'package.json': JSON.stringify(manifest),
      'package-lock.json': JSON.stringify({
        name: 'fn',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': manifest,
          'node_modules/acme-native': {
            version: '1.0.0',
            resolved: 'https://registry.npmjs.org/acme-native/-/acme-native-1.0.0.tgz',
            integrity,
          },
        },
      }),
      'index.js': "const acme = require('acme-native');\nexports.handler = async () => acme;\n",
    });
    const { logger } = await buildNodeFunction(path, join(base, 'out'), {}, { env: npmEnv });
    expect(logger.text('info')).toContain('No node_modules in');
    expect(warnings(logger)).toEqual([
      expect.stringMatching(
        /^node_modules\/acme-native\/build\/Release\/acme\.node needs libacme\.so\.1, which the package does not hold and nodejs22\.x's Amazon Linux 2023 does not have: on Lambda loading fails/,
      ),
    ]);
  });
});

/**
 * A project pip builds from source: distribution fastrand, package fast,
 * whose extension calls arc4random, GLIBC_2.36 (this machine, Debian 12,
 * has 2.36; every Lambda runtime's Amazon Linux has 2.34 or older).
 */
function fastrandProject(): string {
  return write(join(root, 'fastrand-src'), {
    'fast/__init__.py': '',
    'fast/_fast.c': [
      '#include <Python.h>',
      '#include <stdlib.h>',
      'static struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "_fast", NULL, -1, NULL };',
      'PyMODINIT_FUNC PyInit__fast(void) { (void)arc4random(); return PyModule_Create(&def); }',
      '',
    ].join('\n'),
    'setup.py': [
      'from setuptools import setup, Extension',
      'setup(name="fastrand", version="2.0", packages=["fast"], ext_modules=[Extension("fast._fast", ["fast/_fast.c"])])',
      '',
    ].join('\n'),
  });
}

describe('compiled code pip installed needing a newer glibc than the runtime has', () => {
  for (const [what, overrides] of [
    ['in the function zip', {}],
    ['in the dependencies layer', { dependenciesLayer: true }],
    ['in a slim package', { slim: 'true', memory: 512, timeout: 30 }],
  ] as const) {
    withBuild(`refuses the build, naming the file, its distribution and what to do (${what})`, async () => {
      const path = functionFolder(`fn-glibc-${what.split(' ').pop()}`, `${fastrandProject()}\n`);
      const logger = new RecordingLogger();
      const built = buildPackage(options(path, overrides), { logger, env });
      const message = await built.then(
        () => 'built',
        (error: Error) => error.message,
      );
      const lines = message.split('\n');
      expect(lines[0]).toMatch(
        new RegExp(
          `^Compiled code pip installed from the requirements needs a newer glibc than ${runtime}'s Amazon Linux 2(?:023)? has \\(glibc 2\\.(?:26|34)[^)]*\\): Lambda cannot import it \\("version \`GLIBC_2\\.36' not found"\\)\\.$`,
        ),
      );
      expect(lines[1]).toMatch(
        new RegExp(
          `^  - fast/_fast\\.cpython-${build.version.replace('.', '')}[^ ]*\\.so \\(from fastrand 2\\.0\\) needs glibc 2\\.36 \\(GLIBC_2\\.36\\)$`,
        ),
      );
      expect(message).toContain('require fastrand by name and version');
      expect(message).toContain('-binary');
      expect(message).toContain('auditwheel');
      expect(message).toContain(`--platform linux_${MACHINE}`);
      expect(message).toContain('--find-links <folder>');
      // Refused outright, not warned of: no other warning either.
      expect(warnings(logger)).toEqual([]);
    });
  }

  it('lists up to five files in one message, then how many more', () => {
    const found = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n, i) => ({
      path: `pkg/_${n}.abi3.so`,
      ...(i % 2 ? { version: 'GLIBCXX_3.4.34' } : { glibc: [2, 38] as const, version: 'GLIBC_2.38' }),
      ...(i < 6 && { distribution: `pkg-${n} 1.0` }),
    }));
    const lines = installedTooNewMessage(found, { runtime: 'python3.12', architecture: 'arm64' }).split('\n');
    expect(lines.slice(0, 7)).toEqual([
      `Compiled code pip installed from the requirements needs a newer glibc or libstdc++ than python3.12's Amazon Linux 2023 has (glibc 2.34, and the libstdc++ of GCC 11: up to GLIBCXX_3.4.29 and CXXABI_1.3.13, or of GCC 14 in its releases since April 2025: up to GLIBCXX_3.4.33 and CXXABI_1.3.15): Lambda cannot import it ("version \`GLIBC_2.38' not found").`,
      '  - pkg/_a.abi3.so (from pkg-a 1.0) needs glibc 2.38 (GLIBC_2.38)',
      '  - pkg/_b.abi3.so (from pkg-b 1.0) needs libstdc++ GLIBCXX_3.4.34',
      '  - pkg/_c.abi3.so (from pkg-c 1.0) needs glibc 2.38 (GLIBC_2.38)',
      '  - pkg/_d.abi3.so (from pkg-d 1.0) needs libstdc++ GLIBCXX_3.4.34',
      '  - pkg/_e.abi3.so (from pkg-e 1.0) needs glibc 2.38 (GLIBC_2.38)',
      '  - and 2 more',
    ]);
    const message = lines.join('\n');
    // Every distribution named in what to do, once; the image for Lambda's processor and glibc.
    expect(message).toContain('require pkg-a, pkg-b, pkg-c, pkg-d, pkg-e, pkg-f by name and version');
    expect(message).toContain('quay.io/pypa/manylinux_2_28_aarch64');
    expect(message).toContain('public.ecr.aws/lambda/python:3.12 on an arm64 machine');
  });
});
