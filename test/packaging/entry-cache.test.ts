import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { collectFiles } from '../../src/packaging/collect-files.js';
import { CHUNK_BYTES, DICTIONARY_BYTES } from '../../src/packaging/deflate-units.js';
import { cacheConfigId, EntryCache, MAX_AGE } from '../../src/packaging/entry-cache.js';
import { listZip, readZipEntry } from '../../src/packaging/zip-reader.js';
import { DEFAULT_LEVEL, writeZip, type WriteZipOptions } from '../../src/packaging/zip-writer.js';
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
  bytes.copy(content, at);
  writeFileSync(file, content);
  utimesSync(file, STAMP, STAMP);
  expect(statSync(file).size).toBe(before.size);
  expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
}

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
    patch(model, CHUNK_BYTES + 100, Buffer.from('!')); // in chunk 1, outside chunk 2's dictionary
    const one = await zipTree(tree, { cache });
    expect(one.cache).toMatchObject({ hits: 19, misses: 1 });
    expect(one.sha256Hex).toBe((await zipTree(tree)).sha256Hex);
    patch(model, 2 * CHUNK_BYTES - DICTIONARY_BYTES + 5, Buffer.from('?')); // end of chunk 1: chunk 2's dictionary
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
  });

  it('ignores an index it cannot trust: another format, or a zip name outside its folder', async () => {
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
    expect((await EntryCache.open(cache, { level: DEFAULT_LEVEL })).entries).toBe(20);
    expect(readdirSync(folder).sort()).toEqual([`${last.sha256Hex}.zip`, 'index']);
    expect((await zipTree(a, { cache })).cache).toMatchObject({ hits: 19, misses: 1 });
  });
});
