import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { basename, join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { type BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import {
  binaryPlatform,
  foreignAddon,
  foreignExtension,
  installedMuslMessage,
  installedNeeds,
  missingPrebuilds,
} from '../../src/packaging/native-addons.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { crafted } from './elf-fixtures.js';
import { haveCommand, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('addons');
afterAll(cleanup);

/** The first bytes of this machine's own node executable: a real ELF header for its processor. */
function ownHeader(): Buffer {
  const header = Buffer.alloc(64);
  const fd = openSync(process.execPath, 'r');
  readSync(fd, header, 0, 64, 0);
  closeSync(fd);
  return header;
}

function elf(machine: number): Buffer {
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header);
  header.writeUInt16LE(3, 16); // ET_DYN: a shared object
  header.writeUInt16LE(machine, 18);
  return header;
}

/** A 64-bit Mach-O header (what node-gyp builds on a Mac): magic, then the CPU type. */
function machO(cpu: number): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(cpu, 4);
  return header;
}

const RUNNER = arch() === 'arm64' ? 'arm64' : 'x86_64';
const OTHER = RUNNER === 'arm64' ? 'x86_64' : 'arm64';

function nodeProject(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(root, name);
  const all = { 'index.mjs': 'export const handler = async () => ({ statusCode: 200 });\n', ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function options(
  path: string,
  architecture: 'x86_64' | 'arm64',
  runtime = 'nodejs22.x',
  layers: string[] = [],
): BuildPackageOptions {
  return {
    layers,
    name: 'svc',
    path,
    runtime,
    architecture,
    handler: runtime.startsWith('python') ? 'app.handler' : 'index.handler',
    app: undefined,
    requirements: undefined,
    pipArgs: [],
    include: [],
    exclude: [],
    dependenciesLayer: false,
    outDir: join(root, 'out', basename(path)),
  };
}

async function failure(
  path: string,
  architecture: 'x86_64' | 'arm64',
  runtime?: string,
  logger = new RecordingLogger(),
  layers: string[] = [],
): Promise<string> {
  return buildPackage(options(path, architecture, runtime, layers), { logger }).then(
    () => 'built',
    (e: Error) => e.message,
  );
}

describe('native addons in a Node.js package', () => {
  it('refuses an addon built on the runner for the other architecture, naming it, what it is built for and what to do', async () => {
    const path = nodeProject('runner-built', {
      'node_modules/fastcrc/build/Release/fastcrc.node': ownHeader(),
      'node_modules/fastcrc/package.json': '{"name":"fastcrc"}',
    });
    const lambdaMachine = OTHER === 'arm64' ? 'aarch64' : 'x86_64';
    const runnerMachine = RUNNER === 'arm64' ? 'aarch64' : 'x86_64';
    const message = await failure(path, OTHER);
    expect(message).toMatch(
      new RegExp(
        `^node_modules/fastcrc/build/Release/fastcrc\\.node is a native addon for Linux ${runnerMachine}, but the function runs on Linux ${lambdaMachine} \\(architecture: ${OTHER}\\): Lambda cannot load it\\.`,
      ),
    );
    expect(message).toContain(`npm ci --os=linux --cpu=${OTHER === 'arm64' ? 'arm64' : 'x64'}`);
    expect(message).toContain('public.ecr.aws/lambda/nodejs:22');
  });

  it('refuses an addon built on a Mac', async () => {
    const path = nodeProject('mac-built', {
      'node_modules/sharp/build/Release/sharp.node': machO(0x0100000c),
    });
    expect(await failure(path, 'arm64')).toMatch(
      /^node_modules\/sharp\/build\/Release\/sharp\.node is a native addon for macOS arm64 \(Mach-O\), but the function runs on Linux aarch64 \(architecture: arm64\)/,
    );
  });

  it("accepts addons for Lambda's processor, and leaves prebuilds for other platforms to their loader", async () => {
    const path = nodeProject('lambda-built', {
      'node_modules/fastcrc/build/Release/fastcrc.node': elf(183),
      // node-gyp-build picks the one for the platform it runs on.
      'node_modules/ws-utils/prebuilds/darwin-x64/node.napi.node': machO(0x01000007),
      'node_modules/ws-utils/prebuilds/linux-x64/node.napi.node': elf(62),
      'node_modules/ws-utils/prebuilds/linux-arm64/node.napi.node': elf(183),
    });
    expect(await failure(path, 'arm64')).toBe('built');
  });

  it("accepts a package that ships one addon per platform by name (oracledb's build/Release/oracledb-<v>-<platform>-<arch>.node) when Lambda's is among them", async () => {
    const oracledb = (lambda: boolean) => ({
      'node_modules/oracledb/build/Release/oracledb-6.5.1-darwin-arm64.node': machO(0x0100000c),
      'node_modules/oracledb/build/Release/oracledb-6.5.1-win32-x64.node': Buffer.from('MZ'),
      'node_modules/oracledb/build/Release/oracledb-6.5.1-linux-x64.node': elf(62),
      ...(lambda && { 'node_modules/oracledb/build/Release/oracledb-6.5.1-linux-arm64.node': elf(183) }),
    });
    expect(await failure(nodeProject('oracledb', oracledb(true)), 'arm64')).toBe('built');
    expect(await failure(nodeProject('oracledb-no-arm', oracledb(false)), 'arm64')).toMatch(
      /^node_modules\/oracledb\/build\/Release\/oracledb-6\.5\.1-darwin-arm64\.node is a native addon for macOS arm64/,
    );
  });

  it('does not judge an addon of a package only devDependencies need: it is left out of the package', async () => {
    const lock = (dev: boolean) =>
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'svc' },
          // An optional dependency of a dev dependency (chokidar's fsevents, under jest): dev and optional.
          'node_modules/fsevents': { version: '2.3.3', dev, optional: true, os: ['darwin'] },
        },
      });
    const files = {
      'node_modules/fsevents/fsevents.node': machO(0x0100000c),
      'node_modules/fsevents/package.json': '{"name":"fsevents","version":"2.3.3"}',
    };
    const devOnly = nodeProject('dev-only-addon', { ...files, 'package-lock.json': lock(true) });
    expect(await failure(devOnly, 'arm64')).toBe('built');
    // Needed at run time (optional alone): still refused.
    const optional = nodeProject('optional-addon', { ...files, 'package-lock.json': lock(false) });
    expect(await failure(optional, 'arm64')).toMatch(
      /^node_modules\/fsevents\/fsevents\.node is a native addon for macOS arm64/,
    );
  });
});

describe("compiled Python modules in the function's own folder (vendored with pip install -t on a Mac or the runner)", () => {
  const pythonProject = (name: string, files: Record<string, string | Buffer>) =>
    nodeProject(name, { 'app.py': 'def handler(event, context):\n    return 1\n', ...files });

  it('refuses one built on a Mac, naming the file, what it is for and what to do', async () => {
    const path = pythonProject('py-mac', {
      'vendor/fast/_speedups.cpython-312-darwin.so': machO(0x0100000c),
    });
    const message = await failure(path, 'arm64', 'python3.12');
    expect(message).toMatch(
      /^vendor\/fast\/_speedups\.cpython-312-darwin\.so is a compiled Python module for macOS arm64 \(Mach-O\), but the function runs on python3\.12 on Linux aarch64 \(architecture: arm64\): Lambda cannot import it\./,
    );
    expect(message).toContain('requirements');
    expect(message).toContain('public.ecr.aws/lambda/python:3.12');
  });

  it("refuses one for the other processor, or for another Python than the runtime's", async () => {
    const arch = pythonProject('py-arch', { 'lib/_x.cpython-312-x86_64-linux-gnu.so': elf(62) });
    expect(await failure(arch, 'arm64', 'python3.12')).toMatch(
      /^lib\/_x\.cpython-312-x86_64-linux-gnu\.so is a compiled Python module for Linux x86_64, but the function runs on python3\.12 on Linux aarch64/,
    );
    const version = pythonProject('py-version', { 'lib/_x.cpython-311-x86_64-linux-gnu.so': elf(62) });
    expect(await failure(version, 'x86_64', 'python3.12')).toMatch(
      /^lib\/_x\.cpython-311-x86_64-linux-gnu\.so is a compiled Python module for Linux x86_64 and CPython 3\.11, but the function runs on python3\.12 on Linux x86_64/,
    );
  });

  it('accepts modules for the runtime, and leaves libraries that are not modules alone', async () => {
    const path = pythonProject('py-ok', {
      'lib/_x.cpython-312-aarch64-linux-gnu.so': elf(183),
      'lib/_y.abi3.so': elf(183),
      // debugpy ships attach helpers for several processors: loaded by name, never imported.
      'lib/attach_linux_amd64.so': elf(62),
    });
    expect(await failure(path, 'arm64', 'python3.12')).toBe('built');
  });
});

/** A shared object compiled here from `source`: its GLIBC_ needs are those of the symbols it calls. */
function compiled(name: string, source: string): Buffer {
  const dir = join(root, 'cc', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'x.c'), `#define _GNU_SOURCE\n${source}`);
  execFileSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'x.so'), join(dir, 'x.c')]);
  return readFileSync(join(dir, 'x.so'));
}
/** arc4random is GLIBC_2.36: newer than Amazon Linux 2023's 2.34 (this machine, Debian 12, has 2.36). */
const NEEDS_2_36 = '#include <stdlib.h>\nunsigned f(void) { return arc4random(); }\n';
/** memfd_create is GLIBC_2.27: newer than Amazon Linux 2's 2.26, older than Amazon Linux 2023's 2.34. */
const NEEDS_2_27 = '#include <sys/mman.h>\nint f(void) { return memfd_create("x", 0); }\n';
const withCompiler = haveCommand('cc') ? it : it.skip;

describe('compiled code built on a newer Linux than the runtime has (glibc)', () => {
  withCompiler(
    'refuses an addon that needs a newer glibc than Amazon Linux 2023, before any upload',
    async () => {
      const path = nodeProject('glibc-new', {
        'node_modules/fastcrc/build/Release/fastcrc.node': compiled('new', NEEDS_2_36),
      });
      const message = await failure(path, RUNNER, 'nodejs22.x');
      expect(message).toMatch(
        /^node_modules\/fastcrc\/build\/Release\/fastcrc\.node needs glibc 2\.36 \(GLIBC_2\.36\), but nodejs22\.x runs on Amazon Linux 2023 with glibc 2\.34: Lambda cannot load it/,
      );
      expect(message).toContain('public.ecr.aws/lambda/nodejs:22');
    },
  );

  withCompiler(
    "refuses a vendored Python module that needs a newer glibc than the runtime's Amazon Linux 2",
    async () => {
      const path = nodeProject('glibc-py', {
        'app.py': 'def handler(event, context):\n    return 1\n',
        'vendor/_fast.abi3.so': compiled('py', NEEDS_2_27),
      });
      const message = await failure(path, RUNNER, 'python3.11');
      expect(message).toMatch(
        /^vendor\/_fast\.abi3\.so needs glibc 2\.27 \(GLIBC_2\.27\), but python3\.11 runs on Amazon Linux 2 with glibc 2\.26: Lambda cannot import it/,
      );
      expect(message).toContain('public.ecr.aws/lambda/python:3.11');
      expect(message).toContain('manylinux_2_26');
      // The same module is fine on python3.12 (Amazon Linux 2023, glibc 2.34).
      expect(await failure(path, RUNNER, 'python3.12')).toBe('built');
    },
  );

  withCompiler(
    'accepts an addon whose glibc needs Lambda has, and leaves prebuilds/ to their loader',
    async () => {
      const path = nodeProject('glibc-ok', {
        'node_modules/ok/build/Release/ok.node': compiled(
          'old',
          '#include <string.h>\nsize_t f(const char *s) { return strlen(s); }\n',
        ),
        'node_modules/ws-utils/prebuilds/linux-x64/node.napi.node': compiled('new', NEEDS_2_36),
      });
      expect(await failure(path, RUNNER, 'nodejs22.x')).toBe('built');
    },
  );
});

/** A shared object for the runner's processor as Alpine builds it: linked against musl's libc. */
const muslBuilt = () =>
  crafted({
    is64: true,
    le: true,
    machine: RUNNER === 'arm64' ? 183 : 62,
    needed: [`libc.musl-${RUNNER === 'arm64' ? 'aarch64' : 'x86_64'}.so.1`],
  });
const glibcBuilt = () =>
  crafted({
    is64: true,
    le: true,
    machine: RUNNER === 'arm64' ? 183 : 62,
    needed: ['libc.so.6'],
    needs: [{ file: 'libc.so.6', versions: ['GLIBC_2.17'] }],
  });

describe('compiled code built on Alpine (musl)', () => {
  it('refuses an addon linked against musl, naming it and what to do', async () => {
    const path = nodeProject('musl-addon', {
      'node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node': muslBuilt(),
    });
    const message = await failure(path, RUNNER, 'nodejs20.x');
    expect(message).toMatch(
      /^node_modules\/bcrypt\/lib\/binding\/napi-v3\/bcrypt_lib\.node is linked against musl \(Alpine Linux\), but nodejs20\.x runs on Amazon Linux 2023 with glibc 2\.34: Lambda cannot load it/,
    );
    expect(message).toContain('public.ecr.aws/lambda/nodejs:20');
    expect(message).toContain('Alpine');
  });

  it('refuses a vendored Python module linked against musl (a musllinux wheel)', async () => {
    const path = nodeProject('musl-py', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'vendor/_fast.abi3.so': muslBuilt(),
    });
    const message = await failure(path, RUNNER, 'python3.13');
    expect(message).toMatch(
      /^vendor\/_fast\.abi3\.so is linked against musl \(Alpine Linux\), but python3\.13 runs on Amazon Linux 2023 with glibc 2\.34: Lambda cannot import it/,
    );
    expect(message).toContain('manylinux');
  });

  it('refuses a musllinux wheel pip installed from the requirements (pip-args --platform musllinux_*), naming the file, its distribution and what to do', async () => {
    const dir = join(root, 'installed-musl');
    mkdirSync(join(dir, 'fast'), { recursive: true });
    writeFileSync(join(dir, 'fast/_fast.abi3.so'), muslBuilt());
    // sharp-style: a musl library next to a glibc one is for a musl module, judged itself.
    writeFileSync(join(dir, 'fast/libmuslonly.so.1'), muslBuilt());
    writeFileSync(join(dir, 'fast/_ok.abi3.so'), glibcBuilt());
    const files = ['fast/_fast.abi3.so', 'fast/libmuslonly.so.1', 'fast/_ok.abi3.so'].map((p) => ({
      path: p,
      absPath: join(dir, p),
    }));
    const needs = await installedNeeds(files, { runtime: 'python3.12', architecture: RUNNER });
    expect(needs.musl).toEqual([{ path: 'fast/_fast.abi3.so', musl: true }]);
    const message = installedMuslMessage(
      [{ path: 'fast/_fast.abi3.so', musl: true, distribution: 'fastrand 2.0' }],
      { runtime: 'python3.12', architecture: 'x86_64' },
    );
    expect(message).toMatch(
      /^fast\/_fast\.abi3\.so \(from fastrand 2\.0\), installed from the requirements, is linked against musl \(a musllinux wheel\), but python3\.12 runs on Amazon Linux 2023 with glibc 2\.34: Lambda cannot import it\./,
    );
    expect(message).toContain('pip-args');
    expect(message).toContain('manylinux');
  });

  it("leaves a package's musl variant to its loader when the glibc one is there too, as sharp and napi-rs packages ship them", async () => {
    const cpu = RUNNER === 'arm64' ? 'arm64' : 'x64';
    const both = nodeProject('musl-and-glibc', {
      [`node_modules/@img/sharp-linuxmusl-${cpu}/lib/sharp-linuxmusl-${cpu}.node`]: muslBuilt(),
      [`node_modules/@img/sharp-linux-${cpu}/lib/sharp-linux-${cpu}.node`]: glibcBuilt(),
    });
    expect(await failure(both, RUNNER)).toBe('built');
    const muslOnly = nodeProject('musl-only', {
      [`node_modules/@img/sharp-linuxmusl-${cpu}/lib/sharp-linuxmusl-${cpu}.node`]: muslBuilt(),
    });
    expect(await failure(muslOnly, RUNNER)).toMatch(/is linked against musl/);
  });
});

describe('binaryPlatform', () => {
  const bigEndian = elf(0);
  bigEndian[5] = 2;
  bigEndian.writeUInt16BE(183, 18);
  const fat = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]);
  const cases: [string, Buffer, object | undefined][] = [
    ['ELF x86_64', elf(62), { os: 'Linux', machine: 'x86_64' }],
    ['ELF aarch64', elf(183), { os: 'Linux', machine: 'aarch64' }],
    ['ELF aarch64, big-endian header', bigEndian, { os: 'Linux', machine: 'aarch64' }],
    ['ELF of another processor', elf(243), { os: 'Linux', machine: 'machine 243' }],
    ['Mach-O arm64', machO(0x0100000c), { os: 'macOS', machine: 'arm64', format: 'Mach-O' }],
    ['Mach-O x86_64', machO(0x01000007), { os: 'macOS', machine: 'x86_64', format: 'Mach-O' }],
    ['universal Mach-O', fat, { os: 'macOS', machine: 'universal', format: 'Mach-O' }],
    ['Windows DLL', Buffer.from('MZ\x90\x00'), { os: 'Windows', machine: 'unknown', format: 'PE' }],
    ['text', Buffer.from('module.exports = 1;\n'), undefined],
    ['too short', Buffer.from([0x7f, 0x45]), undefined],
  ];
  it.each(cases)('%s', (_what, header, expected) => {
    expect(binaryPlatform(header)).toEqual(expected);
  });

  it('foreignAddon: only .node files outside prebuilds/, and only when they are not for Linux on the target processor', () => {
    expect(foreignAddon('a/b.node', elf(62), 'x86_64')).toBeUndefined();
    expect(foreignAddon('a/b.node', elf(62), 'arm64')).toEqual({
      path: 'a/b.node',
      platform: { os: 'Linux', machine: 'x86_64' },
    });
    expect(foreignAddon('a/b.so', elf(62), 'arm64')).toBeUndefined();
    expect(foreignAddon('a/prebuilds/darwin-arm64/b.node', machO(0x0100000c), 'arm64')).toBeUndefined();
    expect(foreignAddon('a/b.node', Buffer.from('not a binary'), 'arm64')).toBeUndefined();
  });

  it('foreignExtension: only extension modules, wrong when for another platform or CPython', () => {
    const x86 = elf(62);
    expect(foreignExtension('m.cpython-312-x86_64-linux-gnu.so', x86, 'x86_64', '3.12')).toBeUndefined();
    expect(foreignExtension('m.abi3.so', x86, 'x86_64', '3.13')).toBeUndefined();
    expect(foreignExtension('libhelper.so', machO(0x0100000c), 'x86_64', '3.12')).toBeUndefined();
    expect(foreignExtension('m.cpython-311-x86_64-linux-gnu.so', x86, 'x86_64', '3.12')).toEqual({
      path: 'm.cpython-311-x86_64-linux-gnu.so',
      platform: { os: 'Linux', machine: 'x86_64' },
      python: '3.11',
    });
    expect(
      foreignExtension('m.cpython-312-darwin.so', machO(0x01000007), 'x86_64', '3.12')?.platform.os,
    ).toBe('macOS');
  });
});

/** C++ for the runner's processor that needs `versions` of the system's libstdc++ (as g++ links it). */
const cxxBuilt = (versions: string[], file = 'libstdc++.so.6') =>
  crafted({
    is64: true,
    le: true,
    machine: RUNNER === 'arm64' ? 183 : 62,
    needed: [file, 'libc.so.6'],
    needs: [
      { file: 'libc.so.6', versions: ['GLIBC_2.17'] },
      { file, versions: ['CXXABI_1.3', 'GLIBCXX_3.4', ...versions] },
    ],
  });

describe('C++ compiled with a newer GCC than the runtime has (libstdc++)', () => {
  it("refuses an addon built with GCC 15, newer than any Amazon Linux 2023's libstdc++, naming the file, the version it needs, Lambda's and what to do", async () => {
    const path = nodeProject('cxx-new', {
      'node_modules/duck/build/Release/duck.node': cxxBuilt([
        'GLIBCXX_3.4.21',
        'GLIBCXX_3.4.34',
        'CXXABI_1.3.9',
      ]),
    });
    const message = await failure(path, RUNNER, 'nodejs22.x');
    expect(message).toMatch(
      /^node_modules\/duck\/build\/Release\/duck\.node needs libstdc\+\+ GLIBCXX_3\.4\.34, but nodejs22\.x runs on Amazon Linux 2023 with the libstdc\+\+ of GCC 11 \(up to GLIBCXX_3\.4\.29 and CXXABI_1\.3\.13\), or of GCC 14 in its releases since April 2025 \(up to GLIBCXX_3\.4\.33 and CXXABI_1\.3\.15\): Lambda cannot load it \("version `GLIBCXX_3\.4\.34' not found"\)\./,
    );
    expect(message).toContain('public.ecr.aws/lambda/nodejs:22');
    expect(message).toContain('GCC 11 or older');
    expect(message).toContain('prebuilt binary');
    // ubuntu-latest's GCC 13 is not the cause here: Amazon Linux 2023's updated libstdc++ has it.
    expect(message).not.toContain('has GCC 13');
  });

  it('refuses a vendored Python module whose CXXABI need is newer than Amazon Linux 2 has, and accepts it on Amazon Linux 2023', async () => {
    const path = nodeProject('cxx-py', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'vendor/_fast.abi3.so': cxxBuilt(['GLIBCXX_3.4.26', 'CXXABI_1.3.12']),
    });
    const message = await failure(path, RUNNER, 'python3.11');
    expect(message).toMatch(
      /^vendor\/_fast\.abi3\.so needs libstdc\+\+ GLIBCXX_3\.4\.26, but python3\.11 runs on Amazon Linux 2 with the libstdc\+\+ of GCC 7 \(up to GLIBCXX_3\.4\.24 and CXXABI_1\.3\.11\): Lambda cannot import it/,
    );
    expect(message).toContain('manylinux');
    expect(message).toContain('public.ecr.aws/lambda/python:3.11');
    expect(message).toContain('ubuntu-latest, Ubuntu 24.04, has GCC 13');
    expect(await failure(path, RUNNER, 'python3.12')).toBe('built');
  });

  it("warns of, and does not refuse, C++ built with GCC 12 to 14 on Amazon Linux 2023: its releases since April 2025 carry GCC 14's libstdc++, older runtime images GCC 11's", async () => {
    const addon = nodeProject('cxx-maybe', {
      'node_modules/duck/build/Release/duck.node': cxxBuilt(['GLIBCXX_3.4.32', 'CXXABI_1.3.14']),
      'node_modules/duck/build/Release/duck-extra.node': cxxBuilt(['GLIBCXX_3.4.30']),
    });
    const logger = new RecordingLogger();
    expect(await failure(addon, RUNNER, 'nodejs22.x', logger)).toBe('built');
    const shown = logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(
      /^node_modules\/duck\/build\/Release\/duck-extra\.node needs libstdc\+\+ GLIBCXX_3\.4\.30 \(also: node_modules\/duck\/build\/Release\/duck\.node, GLIBCXX_3\.4\.32\), newer than the libstdc\+\+ of GCC 11 \(up to GLIBCXX_3\.4\.29 and CXXABI_1\.3\.13\) that nodejs22\.x's Amazon Linux 2023 first came with\./,
    );
    expect(shown[0]).toContain('since April 2025');
    expect(shown[0]).toContain('public.ecr.aws/lambda/nodejs:22');
    // A vendored module: warned of on Amazon Linux 2023, refused on Amazon Linux 2 (GCC 7's, never updated).
    const module = nodeProject('cxx-maybe-py', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'vendor/_fast.abi3.so': cxxBuilt(['GLIBCXX_3.4.30']),
    });
    const pyLogger = new RecordingLogger();
    expect(await failure(module, RUNNER, 'python3.13', pyLogger)).toBe('built');
    expect(pyLogger.text('warning')).toMatch(
      /^vendor\/_fast\.abi3\.so needs libstdc\+\+ GLIBCXX_3\.4\.30, newer than/,
    );
    expect(pyLogger.text('warning')).toContain('manylinux');
    expect(await failure(module, RUNNER, 'python3.11')).toMatch(
      /^vendor\/_fast\.abi3\.so needs libstdc\+\+ GLIBCXX_3\.4\.30, but python3\.11 runs on Amazon Linux 2/,
    );
  });

  it('gives the requirements pip installed that need such a libstdc++, for the same warning', async () => {
    const dir = join(root, 'installed-cxx');
    mkdirSync(join(dir, 'fast'), { recursive: true });
    writeFileSync(join(dir, 'fast/_fast.abi3.so'), cxxBuilt(['GLIBCXX_3.4.31']));
    writeFileSync(join(dir, 'fast/_old.abi3.so'), cxxBuilt(['GLIBCXX_3.4.29']));
    const files = ['fast/_fast.abi3.so', 'fast/_old.abi3.so'].map((p) => ({
      path: p,
      absPath: join(dir, p),
    }));
    const needs = await installedNeeds(files, { runtime: 'python3.12', architecture: RUNNER });
    expect(needs.tooNew).toEqual([]);
    expect(needs.newerCxx).toEqual([{ path: 'fast/_fast.abi3.so', version: 'GLIBCXX_3.4.31' }]);
  });

  it("accepts what Lambda's libstdc++ has, and needs a copy bundled in the package meets", async () => {
    const path = nodeProject('cxx-ok', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      // GCC 11's own versions: Amazon Linux 2023 has them.
      'vendor/_ok.abi3.so': cxxBuilt(['GLIBCXX_3.4.29', 'CXXABI_1.3.13']),
      // auditwheel renames the libstdc++ it bundles, and the needs with it.
      'vendor/_own.abi3.so': cxxBuilt(['GLIBCXX_3.4.32'], 'libstdc++-1a2b3c4d.so.6.0.32'),
    });
    expect(await failure(path, RUNNER, 'python3.12')).toBe('built');
    const bundled = nodeProject('cxx-bundled', {
      'node_modules/duck/build/Release/duck.node': cxxBuilt(['GLIBCXX_3.4.32']),
      'node_modules/duck/build/Release/libstdc++.so.6': glibcBuilt(),
    });
    expect(await failure(bundled, RUNNER, 'nodejs22.x')).toBe('built');
  });
});

/** A shared library for the runner's processor that needs `needs` (glibc's, libstdc++'s). */
const libraryBuilt = (needs: { file: string; versions: string[] }[], needed = needs.map((n) => n.file)) =>
  crafted({ is64: true, le: true, machine: RUNNER === 'arm64' ? 183 : 62, needed, needs });

describe('shared libraries that modules load (vendored .so, auditwheel .libs/ folders)', () => {
  it('refuses a library of a vendored wheel that needs a newer glibc than the runtime has, naming it', async () => {
    const path = nodeProject('lib-py', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'vendor/fastnum/_core.abi3.so': glibcBuilt(),
      'vendor/fastnum.libs/libfast-1a2b3c4d.so.1.2': libraryBuilt([
        { file: 'libc.so.6', versions: ['GLIBC_2.17', 'GLIBC_2.38'] },
      ]),
    });
    const message = await failure(path, RUNNER, 'python3.12');
    expect(message).toMatch(
      /^vendor\/fastnum\.libs\/libfast-1a2b3c4d\.so\.1\.2 needs glibc 2\.38 \(GLIBC_2\.38\), but python3\.12 runs on Amazon Linux 2023 with glibc 2\.34: Lambda cannot load it/,
    );
  });

  it("refuses a package's library that needs a newer libstdc++ than the runtime has", async () => {
    const cpu = RUNNER === 'arm64' ? 'arm64' : 'x64';
    const path = nodeProject('lib-node', {
      [`node_modules/@img/sharp-linux-${cpu}/lib/sharp-linux-${cpu}.node`]: glibcBuilt(),
      [`node_modules/@img/sharp-libvips-linux-${cpu}/lib/libvips-cpp.so.8.17.1`]: cxxBuilt([
        'GLIBCXX_3.4.34',
      ]),
    });
    expect(await failure(path, RUNNER, 'nodejs22.x')).toMatch(
      new RegExp(
        `^node_modules/@img/sharp-libvips-linux-${cpu}/lib/libvips-cpp\\.so\\.8\\.17\\.1 needs libstdc\\+\\+ GLIBCXX_3\\.4\\.34, but nodejs22\\.x runs on Amazon Linux 2023`,
      ),
    );
  });

  it("accepts manylinux libraries, and leaves musl libraries and other processors' libraries to their loaders", async () => {
    const cpu = RUNNER === 'arm64' ? 'arm64' : 'x64';
    const path = nodeProject('lib-ok', {
      // A manylinux2014 wheel: glibc 2.17 and GCC 4.8's libstdc++ at most, its own libgfortran renamed.
      'vendor/numpy/_core/_multiarray_umath.abi3.so': glibcBuilt(),
      'vendor/numpy.libs/libscipy_openblas64_-ff651d7f.so': libraryBuilt([
        { file: 'libc.so.6', versions: ['GLIBC_2.17'] },
        { file: 'libgfortran-040039e1.so.5.0.0', versions: ['GFORTRAN_8'] },
      ]),
      'vendor/numpy.libs/libgfortran-040039e1.so.5.0.0': glibcBuilt(),
      'vendor/numpy.libs/libstdcxx-user.so': cxxBuilt(['GLIBCXX_3.4.19', 'CXXABI_1.3.7']),
      'vendor/debugpy/attach_other.so': crafted({
        is64: true,
        le: true,
        machine: RUNNER === 'arm64' ? 62 : 183,
        needed: ['libc.so.6'],
        needs: [{ file: 'libc.so.6', versions: ['GLIBC_2.39'] }],
      }),
      'app.py': 'def handler(event, context):\n    return 1\n',
    });
    const logger = new RecordingLogger();
    expect(await failure(path, RUNNER, 'python3.12', logger)).toBe('built');
    // Every library they link is the wheel's own (numpy.libs/) or Lambda's.
    expect(logger.text('warning')).toBe('');
    // sharp's optional libvips for musl, installed next to the glibc one.
    const sharp = nodeProject('lib-musl', {
      [`node_modules/@img/sharp-linux-${cpu}/lib/sharp-linux-${cpu}.node`]: glibcBuilt(),
      [`node_modules/@img/sharp-libvips-linuxmusl-${cpu}/lib/libvips-cpp.so.42`]: muslBuilt(),
    });
    expect(await failure(sharp, RUNNER)).toBe('built');
  });
});

describe('prebuilds/ (node-gyp-build, prebuildify) with nothing for Lambda', () => {
  it('refuses a package whose prebuilds are only for other platforms and that has no build/Release addon', async () => {
    const path = nodeProject('prebuilds-mac-only', {
      'node_modules/fastcrc/package.json': '{"name":"fastcrc"}',
      'node_modules/fastcrc/prebuilds/darwin-arm64/fastcrc.node': machO(0x0100000c),
      'node_modules/fastcrc/prebuilds/win32-x64/fastcrc.node': Buffer.from('MZ\x90\x00'),
      // Alpine's only: node-gyp-build asks for glibc's on Lambda.
      'node_modules/fastcrc/prebuilds/linux-arm64/fastcrc.musl.node': muslBuilt(),
    });
    const message = await failure(path, 'arm64', 'nodejs22.x');
    expect(message).toMatch(
      /^node_modules\/fastcrc\/prebuilds holds native addons only for darwin-arm64, linux-arm64, win32-x64, and the package has no build\/Release addon: on Lambda \(linux-arm64, glibc\) its loader finds none/,
    );
    expect(message).toContain('linux-arm64 prebuild');
    expect(message).toContain('public.ecr.aws/lambda/nodejs:22');
  });

  it("accepts a glibc prebuild for Lambda's processor, or an addon the package built itself", () => {
    const base = ['m/prebuilds/darwin-x64+arm64/m.node', 'm/prebuilds/win32-x64/m.node'];
    expect(missingPrebuilds([...base, 'm/prebuilds/linux-x64/node.napi.glibc.node'], 'x86_64')).toEqual([]);
    expect(missingPrebuilds([...base, 'm/prebuilds/linux-x64+arm64/m.node'], 'arm64')).toEqual([]);
    expect(missingPrebuilds([...base, 'm/build/Release/m.node'], 'arm64')).toEqual([]);
    expect(missingPrebuilds([...base, 'm/prebuilds/linux-x64/m.node'], 'arm64')).toEqual([
      { root: 'm/', platforms: ['darwin-x64+arm64', 'linux-x64', 'win32-x64'] },
    ]);
    // Files other than addons in prebuilds/ are not addons.
    expect(missingPrebuilds(['m/prebuilds/README.md', 'm/index.js'], 'arm64')).toEqual([]);
  });
});

/**
 * A library as the runner's system holds it (libpq.so.5, say), built here
 * under a name no system has: libfakeq.so.5, in a folder of its own.
 */
function fakeLibrary(): { dir: string; link: string[] } {
  const dir = join(root, 'cc', 'fakeq');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'fakeq.c'), 'int fakeq_version(void) { return 5; }\n');
  execFileSync('cc', [
    '-shared',
    '-fPIC',
    '-Wl,-soname,libfakeq.so.5',
    '-o',
    join(dir, 'libfakeq.so.5'),
    join(dir, 'fakeq.c'),
  ]);
  return { dir, link: [`-L${dir}`, '-l:libfakeq.so.5'] };
}

/** A CPython extension module linking libfakeq.so.5, as psycopg2 built from source links libpq.so.5. */
function extensionLinkingFakeq(): { module: Buffer; library: Buffer } {
  const { dir, link } = fakeLibrary();
  const include = execFileSync(
    process.env.LAMBDA_DEPLOY_TEST_PYTHON ?? 'python3',
    ['-c', "import sysconfig; print(sysconfig.get_paths()['include'])"],
    { encoding: 'utf8' },
  ).trim();
  writeFileSync(
    join(dir, 'ext.c'),
    [
      '#include <Python.h>',
      'int fakeq_version(void);',
      'static struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "_fakeq", NULL, -1, NULL };',
      'PyMODINIT_FUNC PyInit__fakeq(void) { fakeq_version(); return PyModule_Create(&def); }',
    ].join('\n'),
  );
  execFileSync('cc', [
    '-shared',
    '-fPIC',
    `-I${include}`,
    '-o',
    join(dir, '_fakeq.abi3.so'),
    join(dir, 'ext.c'),
    ...link,
  ]);
  return {
    module: readFileSync(join(dir, '_fakeq.abi3.so')),
    library: readFileSync(join(dir, 'libfakeq.so.5')),
  };
}

const withHeaders =
  haveCommand('cc') && haveCommand(process.env.LAMBDA_DEPLOY_TEST_PYTHON ?? 'python3') ? it : it.skip;

describe('libraries compiled code links that Lambda does not have (libpq.so.5 and the like)', () => {
  const pythonApp = { 'app.py': 'def handler(event, context):\n    return 1\n' };
  const warnings = (logger: RecordingLogger) =>
    logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);

  withHeaders(
    'warns before upload of a vendored extension linking a library neither the package nor Lambda has, naming the file, the library, the runtime and what to do',
    async () => {
      const { module } = extensionLinkingFakeq();
      const path = nodeProject('fakeq-missing', { ...pythonApp, 'vendor/fakeq/_fakeq.abi3.so': module });
      const logger = new RecordingLogger();
      // A warning, not a refusal: a layer the build cannot see may provide it.
      expect(await failure(path, RUNNER, 'python3.12', logger)).toBe('built');
      const [warning, ...others] = warnings(logger);
      expect(others).toEqual([]);
      expect(warning).toMatch(
        /^vendor\/fakeq\/_fakeq\.abi3\.so needs libfakeq\.so\.5, which the package does not hold and python3\.12's Amazon Linux 2023 does not have: on Lambda the import fails \("libfakeq\.so\.5: cannot open shared object file"\)\./,
      );
      expect(warning).toContain('auditwheel');
      expect(warning).toContain('layer');
    },
  );

  withHeaders('is quiet when the package bundles the library, wherever in it', async () => {
    const { module, library } = extensionLinkingFakeq();
    const path = nodeProject('fakeq-bundled', {
      ...pythonApp,
      'vendor/fakeq/_fakeq.abi3.so': module,
      // auditwheel's layout: the wheel's own copies in <package>.libs/.
      'vendor/fakeq.libs/libfakeq.so.5': library,
    });
    const logger = new RecordingLogger();
    expect(await failure(path, RUNNER, 'python3.12', logger)).toBe('built');
    expect(warnings(logger)).toEqual([]);
  });

  withHeaders('with layers attached, says as info that one of them may provide it', async () => {
    const { module } = extensionLinkingFakeq();
    const path = nodeProject('fakeq-layers', { ...pythonApp, 'vendor/fakeq/_fakeq.abi3.so': module });
    const logger = new RecordingLogger();
    const layer = 'arn:aws:lambda:us-east-1:123456789012:layer:pg:3';
    expect(await failure(path, RUNNER, 'python3.11', logger, [layer])).toBe('built');
    expect(warnings(logger)).toEqual([]);
    expect(logger.text('info')).toMatch(
      /vendor\/fakeq\/_fakeq\.abi3\.so needs libfakeq\.so\.5, which the package does not hold and python3\.11's Amazon Linux 2 does not have: unless one of the attached layers provides it in \/opt\/lib, the import fails/,
    );
  });

  withCompiler(
    "warns of a program in the package for Lambda's processor that links such a library",
    async () => {
      const { dir, link } = fakeLibrary();
      writeFileSync(
        join(dir, 'tool.c'),
        'int fakeq_version(void);\nint main(void) { return fakeq_version(); }\n',
      );
      execFileSync('cc', ['-o', join(dir, 'tool'), join(dir, 'tool.c'), ...link]);
      const path = nodeProject('fakeq-program', { 'bin/tool': readFileSync(join(dir, 'tool')) });
      chmodSync(join(path, 'bin/tool'), 0o755);
      const logger = new RecordingLogger();
      expect(await failure(path, RUNNER, 'nodejs22.x', logger)).toBe('built');
      expect(warnings(logger)).toEqual([
        expect.stringMatching(
          /^bin\/tool needs libfakeq\.so\.5, which the package does not hold and nodejs22\.x's Amazon Linux 2023 does not have: on Lambda loading fails/,
        ),
      ]);
    },
  );

  it('groups the files needing one library into one warning, and names the known fix (sharp built against the runner libvips)', async () => {
    const cpu = RUNNER === 'arm64' ? 'arm64' : 'x64';
    const vips = () =>
      crafted({
        is64: true,
        le: true,
        machine: RUNNER === 'arm64' ? 183 : 62,
        needed: ['libvips-cpp.so.42', 'libstdc++.so.6', 'libc.so.6'],
      });
    const files = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((n) => [`node_modules/${n}/build/Release/${n}.node`, vips()]),
    );
    const logger = new RecordingLogger();
    expect(await failure(nodeProject('vips-missing', files), RUNNER, 'nodejs20.x', logger)).toBe('built');
    const [warning, ...others] = warnings(logger);
    expect(others).toEqual([]);
    expect(warning).toMatch(
      /^node_modules\/a\/build\/Release\/a\.node needs libvips-cpp\.so\.42 \(also needed by node_modules\/b\/build\/Release\/b\.node, node_modules\/c\/build\/Release\/c\.node and 2 more\)/,
    );
    expect(warning).toContain(`npm ci --os=linux --cpu=<x64|arm64>`);
    // sharp's own layout: the addon next to the @img/sharp-libvips-* package that holds the library.
    const sharp = nodeProject('vips-bundled', {
      [`node_modules/@img/sharp-linux-${cpu}/lib/sharp-linux-${cpu}.node`]: vips(),
      [`node_modules/@img/sharp-libvips-linux-${cpu}/lib/libvips-cpp.so.42`]: glibcBuilt(),
    });
    const quiet = new RecordingLogger();
    expect(await failure(sharp, RUNNER, 'nodejs20.x', quiet)).toBe('built');
    expect(warnings(quiet)).toEqual([]);
  });
});
