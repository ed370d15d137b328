import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DeflatePool } from '../../src/packaging/deflate-pool.js';
import { tarFileHeaders, treeDiskBytes, writeSlimArchive } from '../../src/packaging/slim-archive.js';
import { measureSlimUnpack } from '../../src/packaging/slim-build.js';
import type { ZipEntrySource } from '../../src/packaging/zip-writer.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('slim-archive');
afterAll(cleanup);
const python = process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';

/** Incompressible bytes, deterministic. */
function noise(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const bigFile = join(root, 'big.bin');
writeFileSync(bigFile, Buffer.concat([noise(2_500_000, 7), Buffer.alloc(1_000_000, 0x41)]));
const longName = `${'pkg/'.repeat(30)}deep_module.py`; // 134 characters: ustar prefix + name
const longerName = `${'x'.repeat(120)}/${'y'.repeat(120)}.py`; // no split fits: pax path
const SOURCES: ZipEntrySource[] = [
  { name: 'numpy/__init__.py', data: Buffer.from('VERSION = "1"\n') },
  { name: 'numpy/core/_multiarray.so', file: bigFile, size: 3_500_000, executable: true },
  { name: 'empty.txt', data: Buffer.alloc(0) },
  { name: 'exact/block.bin', data: Buffer.alloc(1024, 1) },
  { name: longName, data: Buffer.from('D = 1\n') },
  { name: longerName, data: Buffer.from('L = 1\n') },
  { name: 'données/été.py', data: Buffer.from('E = "é"\n') },
  { name: 'bin/tool', data: Buffer.from('#!/bin/sh\n'), executable: true },
];

function tarListing(archive: string): { name: string; size: number; mode: number; type: string }[] {
  const script = `
import json, sys, tarfile
with tarfile.open(sys.argv[1], "r:gz") as t:
    print(json.dumps([dict(name=m.name, size=m.size, mode=m.mode, type=m.type.decode()) for m in t.getmembers()]))
`;
  return JSON.parse(execFileSync(python, ['-c', script, archive], { encoding: 'utf8' }));
}

describe('writeSlimArchive', () => {
  it('writes a gzip tar that Python reads: names sorted by bytes, modes, long and non-ASCII names', async () => {
    const archive = join(root, 'a.tar.gz');
    const result = await writeSlimArchive(archive, SOURCES);
    const bytes = readFileSync(archive);
    expect(result).toMatchObject({ path: archive, bytes: bytes.length, files: SOURCES.length });
    expect(result.sha256Hex).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.unpackedBytes).toBe(3_500_000 + 14 + 1024 + 6 + 6 + 9 + 10);
    const listing = tarListing(archive);
    const sorted = SOURCES.map((s) => s.name).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(listing.map((m) => m.name)).toEqual(sorted);
    expect(listing.every((m) => m.type === '0')).toBe(true);
    const mode = (name: string) => listing.find((m) => m.name === name)!.mode;
    expect(mode('bin/tool')).toBe(0o755);
    expect(mode('numpy/core/_multiarray.so')).toBe(0o755);
    expect(mode('numpy/__init__.py')).toBe(0o644);
    // One gzip stream over the whole tar: 3.5 MB of content spans several 1 MiB chunks.
    const tar = gunzipSync(bytes);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(tar.length - 1024).equals(Buffer.alloc(1024))).toBe(true);
  });

  it('gives the same bytes whatever the threads, and different bytes for a different content', async () => {
    const inline = new DeflatePool(0);
    const threads = new DeflatePool(3, 'never');
    const own = await writeSlimArchive(join(root, 'c0.tar.gz'), SOURCES);
    try {
      const one = await writeSlimArchive(join(root, 'c1.tar.gz'), SOURCES, { pool: inline });
      const many = await writeSlimArchive(join(root, 'c8.tar.gz'), [...SOURCES].reverse(), { pool: threads });
      expect(many.sha256Hex).toBe(one.sha256Hex);
      expect(own.sha256Hex).toBe(one.sha256Hex);
    } finally {
      await Promise.all([inline.close(), threads.close()]);
    }
    const changed = await writeSlimArchive(join(root, 'c2.tar.gz'), [
      ...SOURCES.slice(1),
      { name: 'numpy/__init__.py', data: Buffer.from('VERSION = "2"\n') },
    ]);
    expect(changed.sha256Hex).not.toBe(own.sha256Hex);
  });

  it('compresses like one stream: chunks primed with the window before them', async () => {
    // 4 MiB of a repeating 20 KiB pattern: unprimed, each 1 MiB chunk would start with 20 KiB of literals.
    const pattern = noise(20 * 1024, 3);
    const data = Buffer.concat(Array.from({ length: 205 }, () => pattern));
    const result = await writeSlimArchive(join(root, 'primed.tar.gz'), [{ name: 'p.bin', data }]);
    expect(result.bytes).toBeLessThan(2 * pattern.length);
  });

  it('unpacks with the cold-start loader to the same files, and the measurement says how long it took', async () => {
    const archive = join(root, 'm.tar.gz');
    const result = await writeSlimArchive(archive, SOURCES);
    const measured = await measureSlimUnpack(python, archive, result.sha256Hex, { tempParent: root });
    expect(measured.files).toBe(SOURCES.length);
    expect(measured.bytes).toBe(result.unpackedBytes);
    expect(measured.seconds).toBeGreaterThan(0);
    // A wrong checksum is the loader's refusal, surfaced as the build's error.
    await expect(measureSlimUnpack(python, archive, '0'.repeat(64), { tempParent: root })).rejects.toThrow(
      /does not unpack .* failed its SHA-256 check: expected 0{64}/s,
    );
  });

  it('refuses names that are not relative paths and names given twice', async () => {
    await expect(
      writeSlimArchive(join(root, 'bad.tar.gz'), [{ name: '../x.py', data: Buffer.from('') }]),
    ).rejects.toThrow(/not a relative path/);
    await expect(
      writeSlimArchive(join(root, 'twice.tar.gz'), [
        { name: 'a.py', data: Buffer.from('') },
        { name: 'a.py', data: Buffer.from('') },
      ]),
    ).rejects.toThrow(/given twice/);
  });

  it('fails when a file changed size while it was being packaged', async () => {
    await expect(
      writeSlimArchive(join(root, 'shrunk.tar.gz'), [{ name: 'big.bin', file: bigFile, size: 4_000_000 }]),
    ).rejects.toThrow(/became shorter/);
  });
});

describe('tar headers and disk use', () => {
  it('puts a size past 8 GB in a pax record', () => {
    const h = tarFileHeaders('huge.bin', 9 * 1024 ** 3, false);
    expect(h.length).toBe(3 * 512);
    expect(h.subarray(512, 1024).toString('utf8')).toContain(`size=${9 * 1024 ** 3}\n`);
    expect(tarFileHeaders('small.py', 10, false).length).toBe(512);
  });

  it('counts whole 4 KiB blocks per file and a block per folder', () => {
    expect(
      treeDiskBytes([
        { name: 'a/b/c.py', size: 1 },
        { name: 'a/d.py', size: 4097 },
        { name: 'e.py', size: 0 },
      ]),
    ).toBe(4096 + 8192 + 0 + 3 * 4096);
  });
});
