import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import {
  elfDependencies,
  glibcNeeded,
  libstdcxxNeeded,
  linksMusl,
  type ElfDependencies,
  type ReadAt,
} from '../../src/packaging/elf-dependencies.js';
import { lambdaOs } from '../../src/packaging/lambda-os.js';
import { crafted } from './elf-fixtures.js';
import { haveCommand, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('elf');
afterAll(cleanup);

/** A ReadAt over bytes in memory that counts what it hands out. */
function reader(bytes: Buffer): ReadAt & { bytesRead: number } {
  const read = async (offset: number, length: number) => {
    const piece = bytes.subarray(offset, offset + length);
    read.bytesRead += piece.length;
    return piece;
  };
  read.bytesRead = 0;
  return read;
}

const NEEDS = [
  { file: 'libc.so.6', versions: ['GLIBC_2.2.5', 'GLIBC_2.38'] },
  { file: 'libm.so.6', versions: ['GLIBC_2.29'] },
];

describe('elfDependencies on crafted files: both classes, both byte orders', () => {
  it.each([
    ['64-bit little-endian', true, true],
    ['64-bit big-endian', true, false],
    ['32-bit little-endian', false, true],
    ['32-bit big-endian', false, false],
  ])('%s', async (_what, is64, le) => {
    const deps = await elfDependencies(
      reader(crafted({ is64, le, needed: ['libc.so.6', 'libm.so.6'], needs: NEEDS })),
    );
    expect(deps).toEqual({ needed: ['libc.so.6', 'libm.so.6'], versionNeeds: NEEDS });
    expect(glibcNeeded(deps!)).toEqual({ glibc: [2, 38], version: 'GLIBC_2.38' });
    expect(linksMusl(deps!)).toBe(false);
  });

  it('sees musl: an Alpine shared object needs libc.musl-*, an executable names ld-musl as its interpreter', async () => {
    const so = await elfDependencies(
      reader(crafted({ is64: true, le: true, needed: ['libc.musl-x86_64.so.1'] })),
    );
    expect(so).toEqual({ needed: ['libc.musl-x86_64.so.1'], versionNeeds: [] });
    expect(linksMusl(so!)).toBe(true);
    expect(glibcNeeded(so!)).toBeUndefined();
    const exe = await elfDependencies(
      reader(crafted({ is64: false, le: true, interpreter: '/lib/ld-musl-armhf.so.1', needed: ['libc.so'] })),
    );
    expect(exe?.interpreter).toBe('/lib/ld-musl-armhf.so.1');
    expect(linksMusl(exe!)).toBe(true);
  });

  it('leaves out weak version needs (VER_FLG_WEAK): the loader loads the file without them', async () => {
    const needs = [
      { file: 'libc.so.6', versions: ['GLIBC_2.17', 'GLIBC_2.38'], weak: ['GLIBC_2.38'] },
      { file: 'libstdc++.so.6', versions: ['GLIBCXX_3.4.32', 'GLIBCXX_3.4.19'], weak: ['GLIBCXX_3.4.32'] },
    ];
    for (const [is64, le] of [
      [true, true],
      [false, false],
    ] as const) {
      const deps = await elfDependencies(reader(crafted({ is64, le, needed: ['libc.so.6'], needs })));
      expect(deps?.versionNeeds).toEqual([
        { file: 'libc.so.6', versions: ['GLIBC_2.17'] },
        { file: 'libstdc++.so.6', versions: ['GLIBCXX_3.4.19'] },
      ]);
      expect(glibcNeeded(deps!)).toEqual({ glibc: [2, 17], version: 'GLIBC_2.17' });
      expect(libstdcxxNeeded(deps!)).toEqual([{ series: 'GLIBCXX', level: 19, version: 'GLIBCXX_3.4.19' }]);
    }
  });

  it('treats a truncated or corrupt file as unknown, never throwing', async () => {
    const whole = crafted({ is64: true, le: true, needed: ['libc.so.6'], needs: NEEDS });
    for (const length of [0, 3, 20, 63, 100, 0x201, 0x600, 0x610, 0x805, 0x830])
      expect(await elfDependencies(reader(whole.subarray(0, length)))).toBeUndefined();
    const corrupt = (patch: (b: Buffer) => void) => {
      const b = Buffer.from(whole);
      patch(b);
      return elfDependencies(reader(b));
    };
    expect(await corrupt((b) => b.writeUInt16LE(0xffff, 56))).toBeUndefined(); // e_phnum
    expect(await corrupt((b) => b.writeBigUInt64LE(0xffffffffffffn, 32))).toBeUndefined(); // e_phoff
    expect(await corrupt((b) => b.writeUInt32LE(0x7fffffff, 0x600 + 4))).toBeUndefined(); // vn_file
    expect(await corrupt((b) => b.writeUInt16LE(2, 0x600))).toBeUndefined(); // vn_version
    expect(await corrupt((b) => b.fill(0x41, 0x200, 0x400))).toBeUndefined(); // no NUL in the strings
    expect(await elfDependencies(reader(Buffer.from('not an ELF file at all, just text\n')))).toBeUndefined();
  });
});

it('gives up on version records that chain on and on (a corrupt or hostile file) after a bounded number of reads', async () => {
  const one = crafted({ is64: true, le: true, needed: ['libc.so.6'], needs: NEEDS });
  // 2 MB of identical Verneed records after the file, each also read as Vernaux: vn_cnt 0xffff, every next 16.
  const bytes = Buffer.concat([one, Buffer.alloc(2 * 1024 * 1024)]);
  bytes.writeUInt32LE(bytes.length, 64 + 32); // PT_LOAD p_filesz: the whole file is mapped
  for (let at = one.length; at + 16 <= bytes.length; at += 16) {
    bytes.writeUInt16LE(1, at);
    bytes.writeUInt16LE(0xffff, at + 2);
    bytes.writeUInt32LE(0, at + 4);
    bytes.writeUInt32LE(0, at + 8);
    bytes.writeUInt32LE(16, at + 12);
  }
  // The dynamic entries: DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_VERNEED, DT_VERNEEDNUM.
  bytes.writeUInt32LE(0x400000 + one.length, 0x800 + 3 * 16 + 8);
  bytes.writeUInt32LE(4096, 0x800 + 4 * 16 + 8);
  const read = reader(bytes);
  // Past 100,000 reads the file "ends", so that a parser without a bound still returns.
  let reads = 0;
  const bounded: ReadAt = (offset, length) => read(offset, ++reads > 100_000 ? 0 : length);
  expect(await elfDependencies(bounded)).toBeUndefined();
  expect(reads).toBeLessThan(10_000);
}, 10_000);

describe('glibcNeeded', () => {
  const of = (...versions: string[]): ElfDependencies => ({
    needed: [],
    versionNeeds: [{ file: 'libc.so.6', versions }],
  });
  it.each([
    [['GLIBC_2.2.5', 'GLIBC_2.14', 'GLIBC_2.3.4'], { glibc: [2, 14], version: 'GLIBC_2.14' }],
    [
      ['GLIBC_2.17', 'GLIBC_PRIVATE', 'GLIBCXX_3.4.32', 'CXXABI_1.3.15'],
      { glibc: [2, 17], version: 'GLIBC_2.17' },
    ],
    [['GLIBC_2.34', 'GLIBC_ABI_DT_RELR'], { glibc: [2, 36], version: 'GLIBC_ABI_DT_RELR' }],
    [['GLIBCXX_3.4'], undefined],
  ])('%j', (versions, expected) => {
    expect(glibcNeeded(of(...versions))).toEqual(expected);
  });
});

describe('libstdcxxNeeded', () => {
  it('gives the newest GLIBCXX_3.4.n and CXXABI_1.3.n needed of the system libstdc++.so.6 only', () => {
    const deps: ElfDependencies = {
      needed: [],
      versionNeeds: [
        { file: 'libc.so.6', versions: ['GLIBC_2.34'] },
        {
          file: 'libstdc++.so.6',
          versions: [
            'CXXABI_1.3',
            'GLIBCXX_3.4',
            'GLIBCXX_3.4.30',
            'GLIBCXX_3.4.9',
            'CXXABI_1.3.13',
            'CXXABI_TM_1',
          ],
        },
        // A copy auditwheel bundled (renamed) is the package's own.
        { file: 'libstdc++-1a2b3c4d.so.6.0.33', versions: ['GLIBCXX_3.4.33'] },
      ],
    };
    expect(libstdcxxNeeded(deps)).toEqual([
      { series: 'GLIBCXX', level: 30, version: 'GLIBCXX_3.4.30' },
      { series: 'CXXABI', level: 13, version: 'CXXABI_1.3.13' },
    ]);
  });
});

const AL2_CXX = { gcc: 7, levels: { GLIBCXX: 24, CXXABI: 11 } };
const AL2023_CXX = {
  gcc: 11,
  levels: { GLIBCXX: 29, CXXABI: 13 },
  updated: { gcc: 14, levels: { GLIBCXX: 33, CXXABI: 15 } },
};

describe('lambdaOs: the Amazon Linux of each runtime (AWS Lambda runtimes page)', () => {
  it.each([
    ['python3.9', 'Amazon Linux 2', [2, 26], AL2_CXX],
    ['python3.11', 'Amazon Linux 2', [2, 26], AL2_CXX],
    ['python3.12', 'Amazon Linux 2023', [2, 34], AL2023_CXX],
    ['python3.14', 'Amazon Linux 2023', [2, 34], AL2023_CXX],
    // Its Node may bring a libstdc++ of its own: not judged.
    ['nodejs18.x', 'Amazon Linux 2', [2, 26], undefined],
    ['nodejs20.x', 'Amazon Linux 2023', [2, 34], AL2023_CXX],
    ['nodejs24.x', 'Amazon Linux 2023', [2, 34], AL2023_CXX],
  ])('%s', (runtime, name, glibc, libstdcxx) => {
    expect(lambdaOs(runtime)).toEqual({ name, glibc, ...(libstdcxx && { libstdcxx }) });
  });
});

/** readelf's account of a file: its NEEDED libraries and its version needs. */
function readelf(path: string): ElfDependencies {
  const dynamic = execFileSync('readelf', ['-d', '-W', path], { encoding: 'utf8' });
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
  const versions = execFileSync('readelf', ['-V', '-W', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const section = versions.slice(versions.indexOf(".gnu.version_r'"));
  const versionNeeds: ElfDependencies['versionNeeds'] = [];
  for (const line of section.split('\n')) {
    const file = /File: (\S+)/.exec(line);
    const name = /Name: (\S+)/.exec(line);
    if (file) versionNeeds.push({ file: file[1]!, versions: [] });
    // A weak need (Flags: WEAK) is one the loader does without, as elfDependencies leaves it out.
    else if (name && !/Flags: WEAK/.test(line)) versionNeeds.at(-1)!.versions.push(name[1]!);
  }
  const program = execFileSync('readelf', ['-l', '-W', path], { encoding: 'utf8' });
  const interpreter = /Requesting program interpreter: ([^\]]+)\]/.exec(program)?.[1];
  return { needed, versionNeeds, ...(interpreter && { interpreter }) };
}

const withTools = haveCommand('cc') && haveCommand('readelf') ? it : it.skip;

describe('elfDependencies on shared objects compiled here', () => {
  withTools('agrees with readelf -d and -V, and finds the newest GLIBC_ version a symbol needs', async () => {
    mkdirSync(join(root, 'cc'), { recursive: true });
    const source = join(root, 'cc', 'x.c');
    writeFileSync(
      source,
      '#include <stdlib.h>\n#include <math.h>\nunsigned f(double x) { return arc4random() + (unsigned)exp(x); }\n',
    );
    const so = join(root, 'cc', 'x.so');
    execFileSync('cc', ['-shared', '-fPIC', '-o', so, source, '-lm']);
    const bytes = readFileSync(so);
    const deps = await elfDependencies(reader(bytes));
    expect(deps).toEqual(readelf(so));
    // arc4random came with glibc 2.36 (this machine's, Debian 12).
    expect(glibcNeeded(deps!)).toEqual({ glibc: [2, 36], version: 'GLIBC_2.36' });

    // Only the headers and the dynamic records are read, not a large file's code.
    const large = Buffer.concat([bytes, Buffer.alloc(8 * 1024 * 1024)]);
    const read = reader(large);
    expect(await elfDependencies(read)).toEqual(deps);
    expect(read.bytesRead).toBeLessThan(16 * 1024);
  });

  withTools('agrees with readelf on this machine’s own node executable', async () => {
    const file = await open(process.execPath, 'r');
    try {
      const deps = await elfDependencies(async (offset, length) => {
        const bytes = Buffer.alloc(length);
        return bytes.subarray(0, (await file.read(bytes, 0, length, offset)).bytesRead);
      });
      expect(deps).toEqual(readelf(process.execPath));
      expect(deps?.interpreter).toMatch(/^\/lib/);
    } finally {
      await file.close();
    }
  });
});
