import { afterAll, describe, expect, it } from '@jest/globals';
import * as crypto from 'node:crypto';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { walkingFilter } from '../../src/packaging/walking-filter.js';
import { collectFiles } from '../../src/packaging/collect-files.js';
import {
  CHUNK_BYTES,
  CLAIM_REVOKED,
  CLAIM_STARTED,
  createInlineProcessor,
  DICTIONARY_BYTES,
  FLAG_HIT,
  FLAG_SKIPPED,
  META,
  META_FIELDS,
  planUnits,
  prefetchUnit,
} from '../../src/packaging/deflate-units.js';
import { cacheConfigId, cacheRemovalsDone, EntryCache, MAX_AGE } from '../../src/packaging/entry-cache.js';
import { listZip, readZipEntry } from '../../src/packaging/zip-reader.js';
import {
  configureZipThreads,
  DEFAULT_LEVEL,
  DeflatePool,
  Prefetcher,
  writeZip,
  type WriteZipOptions,
} from '../../src/packaging/zip-writer.js';
import { pythonZipInfo, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('entry-cache');
afterAll(cleanup);

let counter = 0;
const out = (): string => join(root, `out-${counter++}.zip`);

/** Every file's times, in whole seconds so that utimes restores them exactly. */
const STAMP = new Date('2030-01-02T03:04:05Z');

const code = (i: number): string =>
  `def handler_${i}(event, context):\n    return {"statusCode": 200, "body": "${'x'.repeat(i % 50)}"}\n`.repeat(
    20 + i,
  );

/** 16 small files (an executable, an empty one, noise) and a 3.5 MiB file deflated in 4 chunks: 20 units. */
function makeTree(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'pkg', 'sub'), { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(join(dir, 'pkg', `m${i}.py`), code(i));
  writeFileSync(join(dir, 'pkg', '__init__.py'), '');
  writeFileSync(join(dir, 'pkg', 'sub', 'noise.bin'), randomBytes(5000));
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(
    join(dir, 'pkg', 'data.json'),
    JSON.stringify({ rows: Array.from({ length: 300 }, (_, i) => i) }),
  );
  // 3.5 MiB: 4 chunks of text, noise, text.
  const text = (n: number) => Buffer.from(code(n).repeat(1000)).subarray(0, 1.25 * CHUNK_BYTES);
  writeFileSync(join(dir, 'model.bin'), Buffer.concat([text(7), randomBytes(CHUNK_BYTES), text(3)]));
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }))
    utimesSync(join(dir, f), STAMP, STAMP);
  return dir;
}

async function zipTree(dir: string, options: WriteZipOptions = {}) {
  const files = await collectFiles(dir, { runtime: 'python3.12' });
  return writeZip(
    out(),
    files.map((f) => ({ name: f.path, file: f.absPath, size: f.size, executable: f.executable })),
    options,
  );
}

/** Rewrites bytes of a file in place, keeping its size and its modification time (makeTree's STAMP). */
function patch(file: string, at: number, bytes: Buffer): void {
  const before = statSync(file);
  const content = readFileSync(file);
  // A patch that writes the bytes already there would test nothing.
  expect(content.subarray(at, at + bytes.length).equals(bytes)).toBe(false);
  bytes.copy(content, at);
  writeFileSync(file, content);
  utimesSync(file, STAMP, STAMP);
  expect(statSync(file).size).toBe(before.size);
  expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
}

/** One byte unlike the one at `at` in `file` (its complement): in random bytes a fixed one can be there already. */
const otherByte = (file: string, at: number): Buffer => Buffer.of(~(readFileSync(file)[at] as number) & 0xff);

describe('the entry cache', () => {
  it('gives byte-identical zips: cold, filled, and served entirely from the cache', async () => {
    const tree = makeTree('identical');
    const cache = join(root, 'cache-identical');
    const reference = await zipTree(tree);
    const cold = await zipTree(tree, { cache });
    const warm = await zipTree(tree, { cache });
    const warmInline = await zipTree(tree, { cache, workers: 0 });
    const warmThreads = await zipTree(tree, { cache, workers: 2 });
    // 16 small files (one unit each) and model.bin in 4 chunks.
    expect(cold.cache).toMatchObject({ hits: 0, misses: 20, rejected: 0 });
    for (const r of [warm, warmInline, warmThreads]) {
      expect(r.cache).toMatchObject({ hits: 20, misses: 0, rejected: 0 });
      expect(r.sha256Hex).toBe(reference.sha256Hex);
    }
    expect(cold.sha256Hex).toBe(reference.sha256Hex);
    expect(readFileSync(warm.path).equals(readFileSync(reference.path))).toBe(true);
    // The cache keeps one zip (the last one written) and its index.
    const folder = join(cache, `zip-${cacheConfigId({ level: DEFAULT_LEVEL })}`);
    expect(readdirSync(folder).sort()).toEqual([`${reference.sha256Hex}.zip`, 'index']);
  });

  it('survives a new zip written to the path of the one it keeps (a new file, not the old one truncated)', async () => {
    const tree = makeTree('same-path');
    const cache = join(root, 'cache-same-path');
    const files = await collectFiles(tree, { runtime: 'python3.12' });
    const sources = files.map((f) => ({ name: f.path, file: f.absPath, size: f.size }));
    const path = join(root, 'same-path.zip');
    const first = await writeZip(path, sources, { cache });
    const second = await writeZip(path, sources, { cache });
    expect(second.cache).toMatchObject({ hits: 20, misses: 0, rejected: 0 });
    expect(second.sha256Hex).toBe(first.sha256Hex);
  });

  it('never serves a changed file, even with the same size and modification time', async () => {
    const tree = makeTree('changed');
    const cache = join(root, 'cache-changed');
    await zipTree(tree, { cache });
    const file = join(tree, 'pkg', 'm5.py');
    patch(file, 10, Buffer.from('CHANGED'));
    const warm = await zipTree(tree, { cache });
    const reference = await zipTree(tree);
    expect(warm.cache).toMatchObject({ hits: 19, misses: 1 });
    expect(warm.sha256Hex).toBe(reference.sha256Hex);
    const entry = (await listZip(warm.path)).find((e) => e.name === 'pkg/m5.py')!;
    expect((await readZipEntry(warm.path, entry)).equals(readFileSync(file))).toBe(true);
    expect(pythonZipInfo(warm.path).bad).toBeNull();
  });

  it('deflates again only the chunks of a big file that a change touches (its own, and the next one when in its dictionary)', async () => {
    const tree = makeTree('chunks');
    const cache = join(root, 'cache-chunks');
    const model = join(tree, 'model.bin');
    await zipTree(tree, { cache });
    patch(model, CHUNK_BYTES + 100, otherByte(model, CHUNK_BYTES + 100)); // in chunk 1, outside chunk 2's dictionary
    const one = await zipTree(tree, { cache });
    expect(one.cache).toMatchObject({ hits: 19, misses: 1 });
    expect(one.sha256Hex).toBe((await zipTree(tree)).sha256Hex);
    const inDictionary = 2 * CHUNK_BYTES - DICTIONARY_BYTES + 5; // end of chunk 1: chunk 2's dictionary
    patch(model, inDictionary, otherByte(model, inDictionary));
    const two = await zipTree(tree, { cache });
    expect(two.cache).toMatchObject({ hits: 18, misses: 2 });
    const reference = await zipTree(tree);
    expect(two.sha256Hex).toBe(reference.sha256Hex);
    expect(pythonZipInfo(two.path).bad).toBeNull();
  });

  it("changes its key with the packager's version and the level, and removes the old version's cache", async () => {
    expect(cacheConfigId({ level: 5 })).toBe(cacheConfigId({ level: 5 }));
    expect(cacheConfigId({ level: 5, packagerVersion: 'next' })).not.toBe(cacheConfigId({ level: 5 }));
    expect(cacheConfigId({ level: 6 })).not.toBe(cacheConfigId({ level: 5 }));

    const tree = makeTree('versions');
    const dir = join(root, 'cache-versions');
    const files = await collectFiles(tree, { runtime: 'python3.12' });
    const sources = files.map((f) => ({ name: f.path, file: f.absPath, size: f.size }));
    const old = await EntryCache.open(dir, { level: 5, packagerVersion: 'old' });
    await expect(writeZip(out(), sources, { cache: old })).rejects.toThrow(
      `the entry cache holds level 5 entries; this zip is written at level ${DEFAULT_LEVEL}`,
    );
    expect((await writeZip(out(), sources, { cache: old, level: 5 })).cache?.misses).toBe(20);
    expect((await EntryCache.open(dir, { level: 5, packagerVersion: 'old' })).entries).toBe(20);
    const next = await EntryCache.open(dir, { level: 5, packagerVersion: 'next' });
    expect(next.entries).toBe(0);
    const rebuilt = await writeZip(out(), sources, { cache: next, level: 5 });
    expect(rebuilt.cache).toMatchObject({ hits: 0, misses: 20 });
    // Removed in the background: the build does not wait for it.
    await cacheRemovalsDone();
    expect(readdirSync(dir)).toEqual([`zip-${cacheConfigId({ level: 5, packagerVersion: 'next' })}`]);
  });

  it('deflates again a cached entry whose stored bytes were damaged', async () => {
    const tree = makeTree('damaged');
    const cache = join(root, 'cache-damaged');
    const first = await zipTree(tree, { cache });
    const pack = join(cache, `zip-${cacheConfigId({ level: DEFAULT_LEVEL })}`, `${first.sha256Hex}.zip`);
    const entry = (await listZip(pack)).find((e) => e.name === 'pkg/m3.py')!;
    const bytes = readFileSync(pack);
    const at = entry.localHeaderOffset + 30 + 'pkg/m3.py'.length + 3;
    bytes[at] = bytes[at]! ^ 0x55;
    writeFileSync(pack, bytes);
    const warm = await zipTree(tree, { cache });
    expect(warm.cache).toMatchObject({ hits: 19, misses: 1, rejected: 1 });
    expect(warm.sha256Hex).toBe(first.sha256Hex);
    // The damaged zip (same name: the same zip was written again) was replaced by the good one.
    expect((await zipTree(tree, { cache })).cache).toMatchObject({ hits: 20, misses: 0, rejected: 0 });
  });

  it('ignores an index it cannot trust: another format, a zip name outside its folder, a row out of range', async () => {
    const tree = makeTree('doctored');
    const cache = join(root, 'cache-doctored');
    await zipTree(tree, { cache });
    const folder = join(cache, `zip-${cacheConfigId({ level: DEFAULT_LEVEL })}`);
    const index = readFileSync(join(folder, 'index'));
    const evil = Buffer.from(index);
    evil.write('../', 22, 'latin1'); // first pack name, after its 2-byte length
    writeFileSync(join(folder, 'index'), evil);
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(0);
    writeFileSync(join(folder, 'index'), index.subarray(0, index.length - 3));
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(0);
    // The first row's pack number (records start after the header and one 68-byte name, 8-aligned): no such pack.
    const badRow = Buffer.from(index);
    badRow.writeDoubleLE(7, 96);
    writeFileSync(join(folder, 'index'), badRow);
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(0);
    badRow.writeDoubleLE(0.5, 96);
    writeFileSync(join(folder, 'index'), badRow);
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(0);
    writeFileSync(join(folder, 'index'), index);
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(20);
  });

  it(`drops entries unused for ${MAX_AGE} builds, and the zips no entry points into any more`, async () => {
    const a = makeTree('age-a');
    const b = join(root, 'age-b');
    cpSync(a, b, { recursive: true });
    writeFileSync(join(b, 'pkg', 'm0.py'), 'print("b only")\n');
    const cache = join(root, 'cache-age');
    const first = await zipTree(a, { cache });
    const folder = join(cache, `zip-${cacheConfigId({ level: DEFAULT_LEVEL })}`);
    let last = first;
    for (let i = 0; i < MAX_AGE - 1; i++) last = await zipTree(b, { cache });
    // a's own m0.py was last used MAX_AGE - 1 builds ago: still there.
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(21);
    expect(existsSync(join(folder, `${first.sha256Hex}.zip`))).toBe(true);
    last = await zipTree(b, { cache });
    // Opening waits for the removals the last save started (in the background).
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(20);
    expect(readdirSync(folder).sort()).toEqual([`${last.sha256Hex}.zip`, 'index']);
    expect((await zipTree(a, { cache })).cache).toMatchObject({ hits: 19, misses: 1 });
  });

  it('records a key once per build, and keeps an older row only for a key this build did not use (keys sharing their first bytes)', async () => {
    const cache = await EntryCache.open(join(root, 'cache-keys'), { level: DEFAULT_LEVEL });
    const zip = join(root, 'keys.zip');
    writeFileSync(zip, 'stand-in for a zip');
    // Three keys with the same first 4 bytes (one slot of the table), one far away.
    const key = (last: number, first = 7): Buffer => Buffer.alloc(32, first).fill(last, 31);
    const unit = (k: Buffer, offset: number) => ({
      key: k,
      offset,
      compressedSize: 1,
      crc: 0,
      method: 8,
      dataCrc: 0,
    });
    const first = await cache.save(zip, 'a'.repeat(64), [
      unit(key(1), 0),
      unit(key(2), 10),
      unit(key(1), 20),
      unit(key(3), 30),
      unit(key(9, 200), 40),
      unit(key(2), 50),
    ]);
    expect(first.entries).toBe(4);
    // The next build uses key 2 (elsewhere now) and a new key 4 of the same slot.
    const second = await cache.save(zip, 'b'.repeat(64), [
      unit(key(2), 60),
      unit(key(4), 70),
      unit(key(2), 80),
    ]);
    expect(second.entries).toBe(5);
    const reopened = await EntryCache.open(join(root, 'cache-keys'), { level: DEFAULT_LEVEL });
    const index = reopened.forWorkers()!;
    const rows = Array.from({ length: reopened.entries }, (_, i) => ({
      last: index.keys[32 * i + 31],
      offset: index.records[7 * i + 1],
    }));
    // This build's keys first, each at its first place in the new zip, then the older keys not seen again.
    expect(rows).toEqual([
      { last: 2, offset: 60 },
      { last: 4, offset: 70 },
      { last: 1, offset: 0 },
      { last: 3, offset: 30 },
      { last: 9, offset: 40 },
    ]);
  });

  it('deflates again every entry of a truncated cached zip that it no longer holds, and gives the same bytes', async () => {
    const tree = makeTree('truncated');
    const cache = join(root, 'cache-truncated');
    const first = await zipTree(tree, { cache });
    const pack = join(cache, `zip-${cacheConfigId({ level: DEFAULT_LEVEL })}`, `${first.sha256Hex}.zip`);
    // model.bin comes first, its noise chunk is most of the zip: cut inside it. What lies before is still served.
    const entries = await listZip(pack);
    expect(entries[0]!.name).toBe('model.bin');
    truncateSync(pack, Math.floor(statSync(pack).size * 0.6));
    const warm = await zipTree(tree, { cache });
    expect(warm.sha256Hex).toBe(first.sha256Hex);
    expect(warm.cache!.rejected).toBeGreaterThan(0);
    expect(warm.cache!.hits).toBeGreaterThan(0);
    expect(warm.cache!.hits + warm.cache!.misses).toBe(20);
    expect(warm.cache!.misses).toBe(warm.cache!.rejected);
    // The damaged zip is no longer used: the next build is served whole from the new one.
    expect((await zipTree(tree, { cache })).cache).toMatchObject({ hits: 20, misses: 0, rejected: 0 });
  });

  it('deflates again the entries of a cached zip that is gone, and gives the same bytes', async () => {
    const tree = makeTree('gone');
    const cache = join(root, 'cache-gone');
    const first = await zipTree(tree, { cache });
    const opened = await EntryCache.open(cache, { level: DEFAULT_LEVEL });
    fs.rmSync(join(cache, `zip-${cacheConfigId({ level: DEFAULT_LEVEL })}`, `${first.sha256Hex}.zip`));
    const warm = await zipTree(tree, { cache: opened });
    expect(warm.cache).toMatchObject({ hits: 0, misses: 20, rejected: 20 });
    expect(warm.sha256Hex).toBe(first.sha256Hex);
  });

  it('returns a hit from the threads as its row in the cache index, without bytes; a prefetched miss is left to the zip', async () => {
    const tree = makeTree('rows');
    const cache = join(root, 'cache-rows');
    await zipTree(tree, { cache });
    patch(join(tree, 'pkg', 'm2.py'), 0, Buffer.from('#'));
    const index = (await EntryCache.open(cache, { level: DEFAULT_LEVEL })).forWorkers()!;
    const processor = createInlineProcessor(
      { zlib, fs, crypto },
      { level: DEFAULT_LEVEL, hash: true, cache: index },
    );
    try {
      const files = await collectFiles(tree, { runtime: 'python3.12' });
      const units = files.flatMap((f) => planUnits(f.absPath, f.size));
      const r = processor.processBatch(units);
      const flags = (i: number) => r.meta[i * META_FIELDS + META.flags]!;
      const hits = units.flatMap((_, i) => (flags(i) === FLAG_HIT ? [i] : []));
      expect(hits).toHaveLength(19);
      const changed = units.findIndex((u) => u.file.endsWith('m2.py'));
      expect(hits).not.toContain(changed);
      for (const i of hits) {
        expect(r.meta[i * META_FIELDS + META.length]).toBe(0);
        // The row found is the row of this unit's key.
        const row = r.meta[i * META_FIELDS + META.record]!;
        expect(Buffer.from(index.keys.subarray(32 * row, 32 * row + 32))).toEqual(
          Buffer.from(r.keys!.subarray(32 * i, 32 * i + 32)),
        );
      }
      // Only the changed file's deflated bytes come back.
      expect(r.data.byteLength).toBeGreaterThan(0);
      expect(r.meta[changed * META_FIELDS + META.length]).toBeGreaterThan(0);

      const prefetched = processor.processBatch([
        prefetchUnit(join(tree, 'pkg', 'm3.py')),
        prefetchUnit(join(tree, 'pkg', 'm2.py')),
      ]);
      expect([prefetched.meta[META.flags], prefetched.meta[META_FIELDS + META.flags]]).toEqual([
        FLAG_HIT,
        FLAG_SKIPPED,
      ]);
      expect(prefetched.data.byteLength).toBe(0);
    } finally {
      processor.dispose();
    }
  });

  it('finds a key among keys that share its first bytes (the lookup slot), and no other', () => {
    const file = join(root, 'lookup.py');
    writeFileSync(file, code(3));
    const key = crypto.createHash('sha256').update(readFileSync(file)).digest();
    const near = (at: number) => {
      const k = Buffer.from(key);
      k[at] = k[at]! ^ 1;
      return k;
    };
    // Rows 0 and 1 differ from the key in one byte past the first four; row 2 is the key.
    const keys = new Uint8Array(Buffer.concat([near(31), near(4), key]));
    const records = new Float64Array(7 * 3).map((_, i) => (i % 7 === 4 ? 8 : i));
    const index = { packs: ['unused.zip'], keys, records };
    const processor = createInlineProcessor(
      { zlib, fs, crypto },
      { level: DEFAULT_LEVEL, hash: true, cache: index },
    );
    try {
      const found = processor.processBatch(planUnits(file, statSync(file).size));
      expect(found.meta[META.flags]).toBe(FLAG_HIT);
      expect(found.meta[META.record]).toBe(2);
      expect(found.meta[META.crc]).toBe(records[2 * 7 + 3]);
      writeFileSync(file, code(4));
      const missed = processor.processBatch(planUnits(file, statSync(file).size));
      expect(missed.meta[META.flags]).toBe(0);
      expect(missed.meta[META.length]).toBeGreaterThan(0);
    } finally {
      processor.dispose();
    }
  });

  it('skips a batch taken back before a thread started it, without reading its files', () => {
    const processor = createInlineProcessor({ zlib, fs, crypto }, { level: DEFAULT_LEVEL, hash: true });
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const missing = { ...planUnits(join(root, 'no-such-file.py'), 10)[0]! };
    Atomics.store(cells, 0, CLAIM_REVOKED);
    const revoked = processor.processBatch([missing], { cells, slot: 0 });
    expect(revoked.errors).toEqual([]);
    expect(revoked.meta[META.flags]).toBe(FLAG_SKIPPED);
    // Started first: taking it back fails, and the batch is done (here: the missing file's error).
    const started = processor.processBatch([missing], { cells, slot: 1 });
    expect(Atomics.compareExchange(cells, 1, 0, CLAIM_REVOKED)).toBe(CLAIM_STARTED);
    expect(started.errors).toHaveLength(1);
    processor.dispose();
  });

  it('through the walk and its prefetch: serves unchanged files, compresses a changed one (same size and time), and takes back what no thread started', async () => {
    const tree = makeTree('prefetch');
    const cache = join(root, 'cache-prefetch');
    await zipTree(tree, { cache });
    patch(join(tree, 'pkg', 'm7.py'), 3, Buffer.from('CHANGED'));
    const build = async (revokeAtOnce: boolean) => {
      const pool = new DeflatePool(1, 'idle');
      try {
        const opened = await EntryCache.open(cache, { level: DEFAULT_LEVEL });
        configureZipThreads(pool, DEFAULT_LEVEL, opened);
        pool.start();
        const prefetch = new Prefetcher(pool, { batchFiles: 2 });
        const files = await collectFiles(
          tree,
          walkingFilter(tree, { runtime: 'python3.12' }, pool, prefetch),
        );
        prefetch.end();
        // Right away, no thread has started (it takes milliseconds to boot): every batch is taken back.
        if (revokeAtOnce) prefetch.revoke();
        else await prefetch.settled();
        const sources = files.map((f) => ({
          name: f.path,
          file: f.absPath,
          size: f.size,
          executable: f.executable,
        }));
        const result = await writeZip(out(), sources, { pool, prefetch, cache: opened });
        await prefetch.settled();
        return result;
      } finally {
        await pool.close();
      }
    };
    const reference = await zipTree(tree);
    const settled = await build(false);
    // Every whole file but the changed one came from the prefetch: 15 of 16.
    expect(settled.prefetched).toBe(15);
    expect(settled.cache).toMatchObject({ hits: 19, misses: 1, rejected: 0 });
    expect(settled.sha256Hex).toBe(reference.sha256Hex);
    const revoked = await build(true);
    expect(revoked.prefetched).toBe(0);
    expect(revoked.cache).toMatchObject({ hits: 20, misses: 0, rejected: 0 });
    expect(revoked.sha256Hex).toBe(reference.sha256Hex);
  });
});
