/**
 * A content-keyed cache of compressed zip entries, kept in a folder that CI
 * can persist (actions/cache). The key of a unit (a whole file, or a chunk
 * of a big one: deflate-units.ts) is the SHA-256 of its bytes; the value is
 * where its compressed bytes lie, their CRC-32s and the method. Everything
 * else that shapes those bytes (this packager's version, zlib's version, the
 * level, the chunk layout) names the cache's sub-folder, so changing any of
 * it starts from an empty cache and the old one is removed on the next save.
 *
 * (zlib's output is also fingerprinted on a sample: deflateFingerprint.)
 *
 * The compressed bytes are not copied anywhere: the cache keeps the zips it
 * was filled from (hard-linked when the folder is on the same file system)
 * and points into them. A zip is dropped once no entry of the last
 * MAX_AGE builds points into it, so a cache holds about one zip per
 * archive the project builds. A changed file has another key and is never
 * served; a cached unit is served only when its stored bytes still match the
 * CRC-32 recorded when they were written (checked by the processor).
 *
 * Layout: `<dir>/zip-<config id>/index` and `<dir>/zip-<config id>/<sha256>.zip`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { arch, versions } from 'node:process';
import { deflateRawSync } from 'node:zlib';
import { CHUNK_BYTES, DICTIONARY_BYTES, RECORD_FIELDS, type CacheIndexForWorkers } from './deflate-units.js';

/**
 * The version of the bytes this packager writes. Bump it with any change
 * that can alter an entry's compressed bytes for the same input.
 */
export const PACKAGER_VERSION = 'lambda-deploy-zip/2';

/** Builds (zips written) an unused entry survives: a function and a layer archive per run, two runs. */
export const MAX_AGE = 4;

const MAGIC = 0x435a444c; // "LDZC"
const FORMAT = 1;
const RECORD_BYTES = 64;
const CONFIG_DIR = /^zip-[0-9a-f]{16}$/;

export interface CacheSettings {
  level: number;
  /** Overrides PACKAGER_VERSION (tests). */
  packagerVersion?: string;
}

const fingerprints = new Map<number, string>();

/**
 * The hash of a fixed sample deflated here: zlib builds may pick other
 * matches on other CPUs or architectures (SIMD hashing) for the same
 * version, and a cache filled by one must not serve another.
 */
function deflateFingerprint(level: number): string {
  let known = fingerprints.get(level);
  if (!known) {
    const words = ['def', 'return', 'self', 'value', 'import', 'data', '(', ')', ':', '\n    ', '0x1f'];
    let state = 1;
    const sample = Array.from({ length: 40_000 }, () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return words[state % words.length];
    }).join(' ');
    known = createHash('sha256')
      .update(deflateRawSync(Buffer.from(sample), { level }))
      .digest('hex');
    fingerprints.set(level, known);
  }
  return known;
}

/** The folder name for these settings: every input that shapes compressed bytes, hashed. */
export function cacheConfigId(settings: CacheSettings): string {
  const fields = {
    packager: settings.packagerVersion ?? PACKAGER_VERSION,
    zlib: versions.zlib,
    arch,
    deflate: deflateFingerprint(settings.level),
    level: settings.level,
    chunk: CHUNK_BYTES,
    dictionary: DICTIONARY_BYTES,
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
}

/** A unit as written in the new zip, to be found there next time. */
export interface CachedUnit {
  key: Buffer;
  /** Offset of its bytes in the zip. */
  offset: number;
  compressedSize: number;
  crc: number;
  method: number;
  /** CRC-32 of the stored bytes. */
  dataCrc: number;
}

interface Row extends CachedUnit {
  pack: string;
  generation: number;
}

export interface CacheSaveResult {
  entries: number;
  /** Zips the cache keeps. */
  packs: number;
  bytes: number;
}

export class EntryCache {
  private workerIndex: CacheIndexForWorkers | undefined;

  private constructor(
    readonly folder: string,
    /** The zlib level its entries were deflated at. */
    readonly level: number,
    private generation: number,
    private rows: Row[],
  ) {}

  /** Opens (creating nothing yet) the cache in `dir` for these settings; an unreadable index counts as empty. */
  static async open(dir: string, settings: CacheSettings): Promise<EntryCache> {
    const folder = join(dir, `zip-${cacheConfigId(settings)}`);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(folder, 'index'));
    } catch {
      return new EntryCache(folder, settings.level, 0, []);
    }
    const parsed = parseIndex(bytes);
    if (!parsed) return new EntryCache(folder, settings.level, 0, []);
    // Entries in a zip that is gone (removed by hand, or by a concurrent build) are dropped.
    const present = new Set<string>();
    for (const pack of new Set(parsed.rows.map((r) => r.pack))) {
      if (await exists(join(folder, pack))) present.add(pack);
    }
    return new EntryCache(
      folder,
      settings.level,
      parsed.generation,
      parsed.rows.filter((r) => present.has(r.pack)),
    );
  }

  get entries(): number {
    return this.rows.length;
  }

  /** The index in the compact form the processor threads take (undefined when empty); the same object until a save. */
  forWorkers(): CacheIndexForWorkers | undefined {
    if (this.rows.length === 0) return undefined;
    this.workerIndex ??= this.buildWorkerIndex();
    return this.workerIndex;
  }

  private buildWorkerIndex(): CacheIndexForWorkers {
    const packs = [...new Set(this.rows.map((r) => r.pack))];
    const packIds = new Map(packs.map((p, i) => [p, i]));
    const keys = new Uint8Array(32 * this.rows.length);
    const records = new Float64Array(RECORD_FIELDS * this.rows.length);
    this.rows.forEach((r, i) => {
      keys.set(r.key, 32 * i);
      records.set(
        [packIds.get(r.pack)!, r.offset, r.compressedSize, r.crc, r.method, r.dataCrc],
        RECORD_FIELDS * i,
      );
    });
    return { packs: packs.map((p) => join(this.folder, p)), keys, records };
  }

  /**
   * Records the units of a zip just written (`units`, in any order) and keeps
   * the zip as their source: entries of this build point into it, entries
   * unused for MAX_AGE builds are dropped, then zips nothing points into.
   * `damaged`: some cached bytes failed their check, so a kept zip of the
   * same name is replaced, not trusted to be this one.
   */
  async save(
    zipPath: string,
    zipSha256Hex: string,
    units: readonly CachedUnit[],
    damaged = false,
  ): Promise<CacheSaveResult> {
    await mkdir(this.folder, { recursive: true });
    const pack = `${zipSha256Hex}.zip`;
    await keepCopy(zipPath, join(this.folder, pack), damaged);
    const generation = this.generation + 1;
    const rows = new Map<string, Row>();
    for (const u of units) {
      const id = u.key.toString('latin1');
      if (!rows.has(id)) rows.set(id, { ...u, pack, generation });
    }
    for (const r of this.rows) {
      const id = r.key.toString('latin1');
      if (!rows.has(id) && r.generation > generation - MAX_AGE) rows.set(id, r);
    }
    const kept = [...rows.values()];
    const temp = join(this.folder, `.index-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(temp, formatIndex(generation, kept));
    await rename(temp, join(this.folder, 'index'));
    // This object now stands for the saved cache: a second zip of the same build uses it.
    this.rows = kept;
    this.generation = generation;
    this.workerIndex = undefined;

    const live = new Set(kept.map((r) => r.pack));
    let bytes = 0;
    for (const name of await readdir(this.folder)) {
      if (!name.endsWith('.zip')) continue;
      if (live.has(name)) bytes += (await stat(join(this.folder, name))).size;
      else await rm(join(this.folder, name), { force: true });
    }
    // Caches of other packager versions or settings are of no use any more.
    const parent = join(this.folder, '..');
    const own = this.folder.slice(parent.length + 1);
    for (const name of await readdir(parent)) {
      if (CONFIG_DIR.test(name) && name !== own)
        await rm(join(parent, name), { recursive: true, force: true });
    }
    return { entries: kept.length, packs: live.size, bytes };
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A hard link when the cache is on the zip's file system, else a copy; a kept one is replaced when `replace`. */
async function keepCopy(from: string, to: string, replace: boolean): Promise<void> {
  if (!replace && (await exists(to))) return; // same SHA-256: the same bytes
  const temp = `${to}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await link(from, temp);
  } catch {
    await copyFile(from, temp);
  }
  await rename(temp, to);
}

/*
 * Index: "LDZC", format, generation, pack count, row count (u32 each), the
 * pack names (u16 length + UTF-8), then 64-byte rows: key (32), pack number,
 * generation, offset (f64), compressed size, crc, method, data crc (u32).
 */
function formatIndex(generation: number, rows: readonly Row[]): Buffer {
  const packs = [...new Set(rows.map((r) => r.pack))];
  const names = packs.map((p) => Buffer.from(p, 'utf8'));
  const head = 20 + names.reduce((n, b) => n + 2 + b.length, 0);
  const out = Buffer.alloc(head + RECORD_BYTES * rows.length);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(FORMAT, 4);
  out.writeUInt32LE(generation, 8);
  out.writeUInt32LE(packs.length, 12);
  out.writeUInt32LE(rows.length, 16);
  let o = 20;
  for (const n of names) {
    o = out.writeUInt16LE(n.length, o);
    o += n.copy(out, o);
  }
  const packIds = new Map(packs.map((p, i) => [p, i]));
  for (const r of rows) {
    r.key.copy(out, o);
    out.writeUInt32LE(packIds.get(r.pack)!, o + 32);
    out.writeUInt32LE(r.generation, o + 36);
    out.writeDoubleLE(r.offset, o + 40);
    out.writeUInt32LE(r.compressedSize, o + 48);
    out.writeUInt32LE(r.crc >>> 0, o + 52);
    out.writeUInt32LE(r.method, o + 56);
    out.writeUInt32LE(r.dataCrc >>> 0, o + 60);
    o += RECORD_BYTES;
  }
  return out;
}

function parseIndex(b: Buffer): { generation: number; rows: Row[] } | undefined {
  if (b.length < 20 || b.readUInt32LE(0) !== MAGIC || b.readUInt32LE(4) !== FORMAT) return undefined;
  const generation = b.readUInt32LE(8);
  const packCount = b.readUInt32LE(12);
  const rowCount = b.readUInt32LE(16);
  const packs: string[] = [];
  let o = 20;
  for (let i = 0; i < packCount; i++) {
    if (o + 2 > b.length) return undefined;
    const n = b.readUInt16LE(o);
    const name = b.toString('utf8', o + 2, o + 2 + n);
    // Only names this module writes: a doctored index cannot point outside the folder.
    if (!/^[0-9a-f]{64}\.zip$/.test(name)) return undefined;
    packs.push(name);
    o += 2 + n;
  }
  if (b.length !== o + RECORD_BYTES * rowCount) return undefined;
  const rows: Row[] = [];
  for (let i = 0; i < rowCount; i++, o += RECORD_BYTES) {
    const pack = packs[b.readUInt32LE(o + 32)];
    if (pack === undefined) return undefined;
    rows.push({
      key: Buffer.from(b.subarray(o, o + 32)),
      pack,
      generation: b.readUInt32LE(o + 36),
      offset: b.readDoubleLE(o + 40),
      compressedSize: b.readUInt32LE(o + 48),
      crc: b.readUInt32LE(o + 52),
      method: b.readUInt32LE(o + 56),
      dataCrc: b.readUInt32LE(o + 60),
    });
  }
  return { generation, rows };
}
