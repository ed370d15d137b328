import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createHook } from 'node:async_hooks';
import {
  cpSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { extractZip, listZip, readZipDirectory, readZipEntry } from '../../src/packaging/zip-reader.js';
import { walkingFilter } from '../../src/packaging/walking-filter.js';
import {
  compareZipNames,
  configureZipThreads,
  DEFAULT_LEVEL,
  DeflatePool,
  Prefetcher,
  writeZip,
  type ZipEntrySource,
} from '../../src/packaging/zip-writer.js';
import { collectFiles } from '../../src/packaging/collect-files.js';
import { CHUNK_BYTES } from '../../src/packaging/deflate-units.js';
import { haveCommand, pythonZipInfo, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('zip');
afterAll(cleanup);

let counter = 0;
const out = (): string => join(root, `out-${counter++}.zip`);

/** Text that deflates well, and bytes that do not. */
const text = Buffer.from('def handler(event, context):\n    return {"statusCode": 200}\n'.repeat(200));
const noise = createHash('sha512')
  .update('seed')
  .digest()
  .toString('hex')
  .split('')
  .map((c, i) => String.fromCharCode((c.charCodeAt(0) * 7919 + i * 104729) % 256))
  .join('');
const random = Buffer.concat(
  Array.from({ length: 64 }, (_, i) => createHash('sha256').update(`${noise}${i}`).digest()),
);

function makeTree(dir: string): void {
  mkdirSync(join(dir, 'pkg', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'app.py'), text);
  writeFileSync(join(dir, 'pkg', '__init__.py'), '');
  writeFileSync(join(dir, 'pkg', 'sub', 'data.bin'), random);
  writeFileSync(join(dir, 'pkg', 'Ünïcødé 名前.txt'), 'unicode ✓\n');
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'bin', 'tool'), 0o755);
  chmodSync(join(dir, 'app.py'), 0o600); // odd permissions are normalized to 0644
}

async function zipTree(dir: string, zipPath: string, options = {}) {
  const files = await collectFiles(dir, { runtime: 'python3.12' });
  return writeZip(
    zipPath,
    files.map((f) => ({ name: f.path, file: f.absPath, size: f.size, executable: f.executable })),
    options,
  );
}

describe('writeZip', () => {
  const tree = join(root, 'tree');
  makeTree(tree);

  it('writes entries sorted by UTF-8 bytes, with one timestamp, normalized modes, UTF-8 names and no extras', async () => {
    const zipPath = out();
    const result = await zipTree(tree, zipPath);
    const entries = await listZip(zipPath);
    const names = entries.map((e) => e.name);
    expect(names).toEqual([
      'app.py',
      'bin/tool',
      'pkg/__init__.py',
      'pkg/sub/data.bin',
      'pkg/Ünïcødé 名前.txt',
    ]);
    expect([...names].sort(compareZipNames)).toEqual(names);
    for (const e of entries) {
      expect(e.flags & 0x0800).toBe(0x0800);
      expect(e.versionMadeBy >> 8).toBe(3);
      expect([e.dosTime, e.dosDate]).toEqual([0, 0x21]);
      expect(e.extraLength).toBe(0);
    }
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(byName['bin/tool']!.unixMode).toBe(0o100755);
    expect(byName['app.py']!.unixMode).toBe(0o100644);
    expect(byName['app.py']!.method).toBe(8);
    expect(byName['app.py']!.compressedSize).toBeLessThan(text.length / 5);
    // Random bytes do not shrink: stored, not inflated by deflate's overhead.
    expect(byName['pkg/sub/data.bin']!.method).toBe(0);
    expect(byName['pkg/sub/data.bin']!.compressedSize).toBe(random.length);
    expect(byName['pkg/__init__.py']).toMatchObject({ method: 0, size: 0, compressedSize: 0 });
    expect(result.entries).toBe(5);
    expect(result.unpackedBytes).toBe(entries.reduce((n, e) => n + e.size, 0));
    const bytes = readFileSync(zipPath);
    expect(result.bytes).toBe(bytes.length);
    expect(result.sha256Hex).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.sha256Base64).toBe(createHash('sha256').update(bytes).digest('base64'));
  });

  it("is read back by Python's zipfile with every CRC right and the same modes", async () => {
    const zipPath = out();
    await zipTree(tree, zipPath);
    const info = pythonZipInfo(zipPath);
    expect(info.bad).toBeNull();
    expect(info.entries.map((e) => [e.name, e.mode.toString(8), e.create_system, e.extra])).toEqual([
      ['app.py', '100644', 3, 0],
      ['bin/tool', '100755', 3, 0],
      ['pkg/__init__.py', '100644', 3, 0],
      ['pkg/sub/data.bin', '100644', 3, 0],
      ['pkg/Ünïcødé 名前.txt', '100644', 3, 0],
    ]);
    expect(info.entries.every((e) => e.date_time.join() === '1980,1,1,0,0,0')).toBe(true);
  });

  it('passes Info-ZIP unzip -t and lists the Unix modes with unzip -Z', async () => {
    // Never skipped: without Info-ZIP this fails, naming the package (.ci/run installs it).
    expect({ unzip: haveCommand('unzip') ? 'installed' : 'missing: apt-get install unzip' }).toEqual({
      unzip: 'installed',
    });
    const zipPath = out();
    await zipTree(tree, zipPath);
    expect(execFileSync('unzip', ['-t', zipPath], { encoding: 'utf8' })).toMatch(/No errors detected/);
    const listing = execFileSync('unzip', ['-Z', zipPath], { encoding: 'utf8' });
    expect(listing).toMatch(/-rwxr-xr-x .* unx .* bin\/tool/);
    expect(listing).toMatch(/-rw-r--r-- .* unx .* app\.py/);
  });

  it('gives the same bytes after every file is touched and after the folder is copied elsewhere', async () => {
    const first = await zipTree(tree, out());
    const later = new Date('2031-05-06T07:08:09Z');
    for (const f of await collectFiles(tree, { runtime: 'python3.12' })) utimesSync(f.absPath, later, later);
    const touched = await zipTree(tree, out());
    const copy = join(root, 'elsewhere', 'deeper', 'copy');
    cpSync(tree, copy, { recursive: true });
    const copied = await zipTree(copy, out(), { workers: 1 });
    const tinyWindow = await zipTree(tree, out(), { maxBufferedBytes: 1 });
    // worker threads and the calling thread produce the same bytes
    const inWorkers = await zipTree(tree, out(), { workers: 2 });
    const inLibuv = await zipTree(tree, out(), { workers: 0 });
    expect(touched.sha256Hex).toBe(first.sha256Hex);
    expect(copied.sha256Hex).toBe(first.sha256Hex);
    expect(tinyWindow.sha256Hex).toBe(first.sha256Hex);
    expect(inWorkers.sha256Hex).toBe(first.sha256Hex);
    expect(inLibuv.sha256Hex).toBe(first.sha256Hex);
    expect(readFileSync(touched.path).equals(readFileSync(first.path))).toBe(true);
  });

  it('extracts with our reader: same contents, executable bit kept', async () => {
    const zipPath = out();
    await zipTree(tree, zipPath);
    const dest = join(root, 'extracted');
    const { files, bytes } = await extractZip(zipPath, dest);
    expect(files).toBe(5);
    expect(bytes).toBe(
      text.length + random.length + Buffer.byteLength('unicode ✓\n') + '#!/bin/sh\necho hi\n'.length,
    );
    expect(readFileSync(join(dest, 'app.py')).equals(text)).toBe(true);
    expect(readFileSync(join(dest, 'pkg', 'sub', 'data.bin')).equals(random)).toBe(true);
    expect(readFileSync(join(dest, 'pkg', 'Ünïcødé 名前.txt'), 'utf8')).toBe('unicode ✓\n');
    expect(statSync(join(dest, 'bin', 'tool')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dest, 'app.py')).mode & 0o777).toBe(0o644);
    expect(statSync(join(dest, 'pkg', '__init__.py')).size).toBe(0);
  });

  it('deflates a big file in 1 MiB chunks on worker threads into one entry that unzip -t, Python and our reader check', async () => {
    // 3.3 MiB: text, then bytes that do not compress, then text again, so chunks differ.
    const big = Buffer.concat([
      ...Array.from({ length: 100 }, () => text),
      randomBytes(2 * CHUNK_BYTES),
      ...Array.from({ length: 30 }, () => text),
    ]);
    expect(big.length).toBeGreaterThan(3 * CHUNK_BYTES);
    writeFileSync(join(root, 'big.bin'), big);
    writeFileSync(join(root, 'small.txt'), text);
    const sources: ZipEntrySource[] = [
      { name: 'big.bin', file: join(root, 'big.bin') },
      { name: 'small.txt', file: join(root, 'small.txt') },
    ];
    const zipPath = out();
    const inWorkers = await writeZip(zipPath, sources, { workers: 2 });
    const entries = await listZip(zipPath);
    expect(entries.map((e) => [e.name, e.method, e.flags & 0x0008, e.size])).toEqual([
      ['big.bin', 8, 0x0008, big.length], // sizes and CRC in a data descriptor after the chunks
      ['small.txt', 8, 0, text.length],
    ]);
    expect(entries[0]!.crc32).toBe(crc32(big));
    expect((await readZipEntry(zipPath, entries[0]!)).equals(big)).toBe(true);
    const info = pythonZipInfo(zipPath);
    expect(info.bad).toBeNull(); // testzip(): every entry inflated and its CRC checked
    expect(info.entries.map((e) => [e.name, e.file_size, e.flag_bits & 0x08])).toEqual([
      ['big.bin', big.length, 0x08],
      ['small.txt', text.length, 0],
    ]);
    if (haveCommand('unzip'))
      expect(execFileSync('unzip', ['-t', zipPath], { encoding: 'utf8' })).toMatch(/No errors detected/);
    // The cut depends on the size alone: one thread, three threads, a tiny window give the same bytes.
    const inline = await writeZip(out(), sources, { workers: 0 });
    const three = await writeZip(out(), sources, { workers: 3, maxBufferedBytes: 1 });
    expect(inline.sha256Hex).toBe(inWorkers.sha256Hex);
    expect(three.sha256Hex).toBe(inWorkers.sha256Hex);
  });

  it('writes a chunked entry with ZIP64 sizes in its local field and descriptor when forced', async () => {
    const big = Buffer.concat([random, ...Array.from({ length: 100 }, () => text)]);
    expect(big.length).toBeGreaterThan(CHUNK_BYTES);
    writeFileSync(join(root, 'big64.bin'), big);
    const zipPath = out();
    await writeZip(zipPath, [{ name: 'big64.bin', file: join(root, 'big64.bin') }], { forceZip64: true });
    const [entry] = (await readZipDirectory(zipPath)).entries;
    expect(entry).toMatchObject({ name: 'big64.bin', size: big.length, versionNeeded: 45 });
    // The descriptor right after the data: signature, CRC, then 8-byte compressed and uncompressed sizes.
    const bytes = readFileSync(zipPath);
    const dataStart = 30 + 'big64.bin'.length + 20;
    const d = dataStart + entry!.compressedSize;
    expect(bytes.readUInt32LE(d)).toBe(0x08074b50);
    expect(bytes.readUInt32LE(d + 4)).toBe(crc32(big));
    expect(Number(bytes.readBigUInt64LE(d + 8))).toBe(entry!.compressedSize);
    expect(Number(bytes.readBigUInt64LE(d + 16))).toBe(big.length);
    expect(pythonZipInfo(zipPath).bad).toBeNull();
    if (haveCommand('unzip'))
      expect(execFileSync('unzip', ['-t', zipPath], { encoding: 'utf8' })).toMatch(/No errors detected/);
  });

  it('fails naming the file when it changes size while being packaged, and leaves no zip', async () => {
    writeFileSync(join(root, 'shrinks.txt'), text);
    const target = out();
    await expect(
      writeZip(target, [{ name: 'shrinks.txt', file: join(root, 'shrinks.txt'), size: text.length + 1 }]),
    ).rejects.toThrow(/shrinks\.txt changed while it was being packaged/);
    const big = join(root, 'grows.bin');
    writeFileSync(join(big), Buffer.alloc(CHUNK_BYTES + 10, 7));
    await expect(
      writeZip(target, [{ name: 'grows.bin', file: big, size: CHUNK_BYTES + 5 }], { workers: 1 }),
    ).rejects.toThrow(/grows\.bin changed while it was being packaged/);
    expect(() => statSync(target)).toThrow();
  });

  it('takes files the threads compressed while the walk listed them, the same bytes, and redoes one that changed since', async () => {
    const dir = join(root, 'prefetched');
    mkdirSync(join(dir, 'pkg'), { recursive: true });
    for (let i = 0; i < 600; i++) writeFileSync(join(dir, 'pkg', `m${i}.py`), text.subarray(0, 500 + i * 7));
    const walk = async (prefetch?: Prefetcher, pool?: DeflatePool) => {
      const files = await collectFiles(
        dir,
        pool ? walkingFilter(dir, { runtime: 'python3.12' }, pool, prefetch) : { runtime: 'python3.12' },
      );
      prefetch?.end();
      return files.map((f) => ({ name: f.path, file: f.absPath, size: f.size }));
    };
    const plain = await writeZip(out(), await walk());
    expect(plain.prefetched).toBe(0);

    const pool = new DeflatePool(1, 'idle');
    try {
      configureZipThreads(pool, DEFAULT_LEVEL, undefined);
      // At most 4 batches of 100 files go out while the walk lists 600.
      const prefetch = new Prefetcher(pool, { batchFiles: 100, maxBatches: 4 });
      const sources = await walk(prefetch, pool);
      await prefetch.settled();
      // After the walk and its prefetch, before the zip: one file gets other bytes and another size.
      const changed = join(dir, 'pkg', 'm0.py');
      writeFileSync(changed, 'print("changed")\n');
      sources.find((s) => s.file === changed)!.size = statSync(changed).size;
      const result = await writeZip(out(), sources, { pool, prefetch });
      expect(result.prefetched).toBeGreaterThan(300);
      expect(result.prefetched).toBeLessThan(400);
      const entry = (await listZip(result.path)).find((e) => e.name === 'pkg/m0.py')!;
      expect((await readZipEntry(result.path, entry)).toString()).toBe('print("changed")\n');
      const reference = await writeZip(out(), await walk());
      expect(result.sha256Hex).toBe(reference.sha256Hex);
      expect(reference.sha256Hex).not.toBe(plain.sha256Hex);
    } finally {
      await pool.close();
    }
  });

  it('gives the same bytes whichever thread compresses a file: this one, the workers, both, or the workers during the walk', async () => {
    const dir = join(root, 'paths');
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(dir, `pkg${d}`), { recursive: true });
      for (let i = 0; i < 10; i++)
        writeFileSync(join(dir, `pkg${d}`, `m${i}.py`), text.subarray(0, 300 + (((d * 10 + i) * 37) % 9000)));
    }
    writeFileSync(join(dir, 'empty.py'), '');
    writeFileSync(join(dir, 'noise.bin'), random);
    // Two 1 MiB chunks and a tail: text and bytes that do not deflate, across the cuts.
    writeFileSync(
      join(dir, 'model.bin'),
      Buffer.concat(Array.from({ length: 260 }, (_, i) => (i % 3 ? text : random))),
    );
    const inline = await zipTree(dir, out(), { workers: 0 });
    const threads = await zipTree(dir, out(), { workers: 2 });
    const both = await zipTree(dir, out());
    const pool = new DeflatePool(2, 'idle');
    try {
      configureZipThreads(pool, DEFAULT_LEVEL, undefined);
      const prefetch = new Prefetcher(pool);
      const files = await collectFiles(dir, walkingFilter(dir, { runtime: 'python3.12' }, pool, prefetch));
      prefetch.end();
      // Done before the zip starts (which takes back batches no thread has started).
      await prefetch.settled();
      const walked = await writeZip(
        out(),
        files.map((f) => ({ name: f.path, file: f.absPath, size: f.size, executable: f.executable })),
        { pool, prefetch },
      );
      // Most files; a batch reads at most its share, and the 2.5 MiB file is not prefetched.
      expect(walked.prefetched).toBeGreaterThan(200);
      expect(walked.entries).toBe(303);
      for (const r of [threads, both, walked]) expect(r.sha256Hex).toBe(inline.sha256Hex);
    } finally {
      await pool.close();
    }
    expect(execFileSync('unzip', ['-t', inline.path], { encoding: 'utf8' })).toMatch(/No errors detected/);
    expect(pythonZipInfo(inline.path).bad).toBeNull();
  });

  it('replaces a file at its path (a new file: a hard link to the old one keeps its bytes) and refuses a folder there', async () => {
    const target = out();
    writeFileSync(target, 'an earlier build');
    const kept = join(root, 'kept-link.zip');
    linkSync(target, kept);
    const result = await writeZip(target, [{ name: 'app.py', data: text }]);
    expect((await listZip(target)).map((e) => e.name)).toEqual(['app.py']);
    expect(result.bytes).toBe(statSync(target).size);
    expect(readFileSync(kept, 'utf8')).toBe('an earlier build');
    const folder = join(root, 'a-folder.zip');
    mkdirSync(folder);
    await expect(writeZip(folder, [{ name: 'app.py', data: text }])).rejects.toThrow(/directory/);
    expect(statSync(folder).isDirectory()).toBe(true);
  });

  it('packs a small tree without a trip through the thread pool or the event loop: the threads are not started', async () => {
    const dir = join(root, 'small-tree');
    mkdirSync(join(dir, 'pkg'), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, 'pkg', `m${i}.py`), `x = ${i}\n`.repeat(300 + i));
    const files = await collectFiles(dir, { runtime: 'python3.12' });
    const sources = files.map((f) => ({ name: f.path, file: f.absPath, size: f.size }));
    const reference = await writeZip(out(), sources, { workers: 1 });
    const seen: string[] = [];
    const hook = createHook({ init: (_id, type) => void seen.push(type) }).enable();
    let result;
    try {
      result = await writeZip(out(), sources);
    } finally {
      hook.disable();
    }
    // No fs request (FSREQCALLBACK, FSREQPROMISE, FILEHANDLE...) and no setImmediate (Immediate).
    expect(seen.filter((t) => /^FS|FILEHANDLE|Immediate/.test(t))).toEqual([]);
    expect(result.sha256Hex).toBe(reference.sha256Hex);
  });

  it('closes the threads it started when the zip cannot be created (a live thread keeps the process from exiting)', async () => {
    const start = jest.spyOn(DeflatePool.prototype, 'start');
    const close = jest.spyOn(DeflatePool.prototype, 'close');
    try {
      const target = join(root, 'no-such-folder', 'app.zip');
      await expect(writeZip(target, [{ name: 'app.py', data: text }], { workers: 1 })).rejects.toThrow(
        /ENOENT/,
      );
      expect(start).toHaveBeenCalled();
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      start.mockRestore();
      close.mockRestore();
    }
  });

  it('refuses duplicate and unsafe names, and leaves no partial zip behind', async () => {
    await expect(
      writeZip(out(), [
        { name: 'a', data: text },
        { name: 'a', data: text },
      ]),
    ).rejects.toThrow(/given twice/);
    for (const name of ['../evil', '/abs', 'a//b', 'a\\b', 'dir/']) {
      await expect(writeZip(out(), [{ name, data: text }])).rejects.toThrow(/not a relative path/);
    }
    const target = out();
    await expect(
      writeZip(target, [{ name: 'moved', file: join(root, 'no-such-file'), size: 10 }], { workers: 1 }),
    ).rejects.toThrow(/ENOENT/);
    expect(() => statSync(target)).toThrow();
    await expect(
      writeZip(target, [
        { name: 'ok', data: text },
        { name: 'gone', file: join(root, 'no-such-file'), size: 10 },
      ]),
    ).rejects.toThrow(/ENOENT/);
    expect(() => statSync(target)).toThrow();
  });

  it('writes ZIP64 records that Python, unzip and our reader understand (forced)', async () => {
    const zipPath = out();
    const result = await writeZip(
      zipPath,
      [
        { name: 'a.txt', data: text },
        { name: 'b.bin', data: random },
        { name: 'empty', data: Buffer.alloc(0) },
      ],
      { forceZip64: true },
    );
    const { entries, zip64 } = await readZipDirectory(zipPath);
    expect(zip64).toBe(true);
    expect(entries.map((e) => [e.name, e.size, e.versionNeeded])).toEqual([
      ['a.txt', text.length, 45],
      ['b.bin', random.length, 45],
      ['empty', 0, 45],
    ]);
    expect(entries[1]!.localHeaderOffset).toBeGreaterThan(0);
    expect((await readZipEntry(zipPath, entries[1]!)).equals(random)).toBe(true);
    expect(pythonZipInfo(zipPath).bad).toBeNull();
    if (haveCommand('unzip'))
      expect(execFileSync('unzip', ['-t', zipPath], { encoding: 'utf8' })).toMatch(/No errors/);
    expect(result.entries).toBe(3);
  });

  it('switches to ZIP64 past 65,535 entries', async () => {
    const count = 65_540;
    const sources = Array.from({ length: count }, (_, i) => ({
      name: `f/${String(i).padStart(5, '0')}`,
      data: i % 1000 === 0 ? text : Buffer.alloc(0),
    }));
    const zipPath = out();
    const result = await writeZip(zipPath, sources);
    const { entries, zip64 } = await readZipDirectory(zipPath);
    expect(zip64).toBe(true);
    expect(entries.length).toBe(count);
    expect(result.entries).toBe(count);
    const py = execFileSync(
      'python3',
      [
        '-c',
        'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.infolist()), z.testzip())',
        zipPath,
      ],
      { encoding: 'utf8' },
    );
    expect(py.trim()).toBe(`${count} None`);
  });
});

describe('extractZip', () => {
  it('refuses entries that would escape the destination', async () => {
    // Python's zipfile writes the name as given: a hostile archive.
    const evil = join(root, 'evil.zip');
    execFileSync('python3', [
      '-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.writestr("../escaped.txt", "x"); z.close()',
      evil,
    ]);
    await expect(extractZip(evil, join(root, 'evil-out'))).rejects.toThrow(/outside/);
    expect(() => statSync(join(root, 'escaped.txt'))).toThrow();
  });

  it('detects a corrupted entry by its CRC', async () => {
    const zipPath = out();
    await writeZip(zipPath, [{ name: 'r.bin', data: random }]);
    const bytes = readFileSync(zipPath);
    const at = 30 + 'r.bin'.length + 100; // inside the stored data
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(zipPath, bytes);
    await expect(extractZip(zipPath, join(root, 'corrupt-out'))).rejects.toThrow(/CRC/);
  });

  it('reads zips made by other tools (Python zipfile, deflated, no Unix modes)', async () => {
    const other = join(root, 'other.zip');
    execFileSync('python3', [
      '-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); z.writestr("d/x.txt", "hello " * 100); z.close()',
      other,
    ]);
    const dest = join(root, 'other-out');
    await extractZip(other, dest);
    expect(readFileSync(join(dest, 'd', 'x.txt'), 'utf8')).toBe('hello '.repeat(100));
  });
});
