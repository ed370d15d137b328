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
 * CRC-32 recorded when they were written. The threads only hash files and
 * look their keys up; the writer reads a hit's bytes, in large blocks, and
 * checks them (cache-reader.ts).
 *
 * Layout: `<dir>/zip-<config id>/index` and `<dir>/zip-<config id>/<sha256>.zip`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endianness } from 'node:os';
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
const FORMAT = 2;
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
    const sample = Array.from({ length: 10_000 }, () => {
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
    // The index holds numbers in this machine's byte order.
    endian: endianness(),
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

/** Fields of a row in CacheIndexForWorkers.records (RECORD_FIELDS of them). */
const PACK = 0;
const GENERATION = 6;

export interface CacheSaveResult {
  entries: number;
  /** Zips the cache keeps. */
  packs: number;
  bytes: number;
}

/**
 * The rows, as the processor threads take them: no object per row, so that
 * an index of 100,000 entries loads, travels to a thread and is saved in
 * milliseconds (all on a build's critical path).
 */
interface Table {
  /** File names of the packs (`<sha256>.zip`), by number. */
  packs: string[];
  keys: Uint8Array;
  records: Float64Array;
}

const EMPTY: Table = { packs: [], keys: new Uint8Array(0), records: new Float64Array(0) };

export class EntryCache {
  private workerIndex: CacheIndexForWorkers | undefined;

  private constructor(
    readonly folder: string,
    /** The zlib level its entries were deflated at. */
    readonly level: number,
    private generation: number,
    private table: Table,
  ) {}

  /** Opens (creating nothing yet) the cache in `dir` for these settings; an unreadable index counts as empty. */
  static async open(dir: string, settings: CacheSettings): Promise<EntryCache> {
    await cacheRemovalsDone();
    const folder = join(dir, `zip-${cacheConfigId(settings)}`);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(folder, 'index'));
    } catch {
      return new EntryCache(folder, settings.level, 0, EMPTY);
    }
    const parsed = parseIndex(bytes);
    if (!parsed) return new EntryCache(folder, settings.level, 0, EMPTY);
    // Entries in a zip that is gone (removed by hand, or by a concurrent build) are dropped.
    const present = await Promise.all(parsed.table.packs.map((p) => exists(join(folder, p))));
    const table = present.every(Boolean)
      ? parsed.table
      : keepRows(parsed.table, (r) => present[parsed.table.records[r + PACK]!]!);
    return new EntryCache(folder, settings.level, parsed.generation, table);
  }

  get entries(): number {
    return this.table.keys.length / 32;
  }

  /** The index in the form the processor threads take (undefined when empty); the same object until a save. */
  forWorkers(): CacheIndexForWorkers | undefined {
    if (this.entries === 0) return undefined;
    this.workerIndex ??= {
      packs: this.table.packs.map((p) => join(this.folder, p)),
      keys: this.table.keys,
      records: this.table.records,
    };
    return this.workerIndex;
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
    const table = nextTable(this.table, pack, generation, units);
    const temp = join(this.folder, `.index-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(temp, formatIndex(generation, table));
    await rename(temp, join(this.folder, 'index'));
    // This object now stands for the saved cache: a second zip of the same build uses it.
    this.table = table;
    this.generation = generation;
    this.workerIndex = undefined;

    const live = new Set(table.packs);
    let bytes = 0;
    for (const name of await readdir(this.folder)) {
      if (!name.endsWith('.zip')) continue;
      if (live.has(name)) bytes += (await stat(join(this.folder, name))).size;
      else removeLater(join(this.folder, name));
    }
    // Caches of other packager versions or settings are of no use any more.
    const parent = join(this.folder, '..');
    const own = this.folder.slice(parent.length + 1);
    for (const name of await readdir(parent)) {
      if (CONFIG_DIR.test(name) && name !== own) removeLater(join(parent, name));
    }
    return { entries: this.entries, packs: live.size, bytes };
  }
}

/**
 * Zips and folders nothing points into any more are removed in the
 * background: freeing a 100 MB zip takes the file system tens of
 * milliseconds, which a build need not wait for (Node waits for them before
 * it exits). The next open waits for them.
 */
const removals = new Set<Promise<void>>();

function removeLater(path: string): void {
  const removal: Promise<void> = rm(path, { recursive: true, force: true })
    .catch(() => undefined)
    .finally(() => removals.delete(removal));
  removals.add(removal);
}

/** Resolves once the removals started by the saves so far are done. */
export async function cacheRemovalsDone(): Promise<void> {
  await Promise.all([...removals]);
}

/**
 * The index after a build: its units (first of each key) pointing into
 * `pack`, then the earlier rows of other keys used in the last MAX_AGE
 * builds; packs no row points into are left out.
 */
function nextTable(old: Table, pack: string, generation: number, units: readonly CachedUnit[]): Table {
  const seen = new KeySet(units.length);
  const fresh: CachedUnit[] = [];
  for (const u of units) if (seen.add(u.key, 0)) fresh.push(u);
  const kept: number[] = [];
  for (let i = 0; 32 * i < old.keys.length; i++) {
    if (old.records[RECORD_FIELDS * i + GENERATION]! <= generation - MAX_AGE) continue;
    if (!seen.has(old.keys, 32 * i)) kept.push(i);
  }
  const packs = [pack];
  const packIds = new Map<number, number>();
  const n = fresh.length + kept.length;
  const keys = new Uint8Array(32 * n);
  const records = new Float64Array(RECORD_FIELDS * n);
  fresh.forEach((u, i) => {
    keys.set(u.key, 32 * i);
    records.set([0, u.offset, u.compressedSize, u.crc, u.method, u.dataCrc, generation], RECORD_FIELDS * i);
  });
  kept.forEach((from, j) => {
    const i = fresh.length + j;
    keys.set(old.keys.subarray(32 * from, 32 * from + 32), 32 * i);
    const row = old.records.subarray(RECORD_FIELDS * from, RECORD_FIELDS * from + RECORD_FIELDS);
    records.set(row, RECORD_FIELDS * i);
    const oldPack = old.packs[row[PACK]!]!;
    let id = oldPack === pack ? 0 : packIds.get(row[PACK]!);
    if (id === undefined) {
      id = packs.push(oldPack) - 1;
      packIds.set(row[PACK]!, id);
    }
    records[RECORD_FIELDS * i + PACK] = id;
  });
  return { packs, keys, records };
}

/**
 * A set of 32-byte keys: an open-addressing table of references to them,
 * slotted by their first 4 bytes (SHA-256 bytes are uniform), so that
 * 100,000 keys cost no string or object each.
 */
class KeySet {
  private readonly slots: Int32Array;
  private readonly sources: Uint8Array[] = [];
  private readonly offsets: number[] = [];

  constructor(capacity: number) {
    let n = 1;
    while (n < 2 * capacity) n *= 2;
    this.slots = new Int32Array(n).fill(-1);
  }

  /** Adds the key at `bytes[at]` (kept by reference); false when it is there already. */
  add(bytes: Uint8Array, at: number): boolean {
    const s = this.find(bytes, at);
    if (this.slots[s]! >= 0) return false;
    this.slots[s] = this.sources.push(bytes) - 1;
    this.offsets.push(at);
    return true;
  }

  has(bytes: Uint8Array, at: number): boolean {
    return this.slots[this.find(bytes, at)]! >= 0;
  }

  /** The slot holding the key, or the empty one where it would go. */
  private find(bytes: Uint8Array, at: number): number {
    const mask = this.slots.length - 1;
    let s = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) & mask;
    for (let i = this.slots[s]!; i >= 0; i = this.slots[s]!) {
      const other = this.sources[i]!;
      const o = this.offsets[i]!;
      let b = 0;
      while (b < 32 && other[o + b] === bytes[at + b]) b++;
      if (b === 32) return s;
      s = (s + 1) & mask;
    }
    return s;
  }
}

/** The rows at which `keep(record offset)` holds (packs kept as they are). */
function keepRows(table: Table, keep: (record: number) => boolean): Table {
  const rows: number[] = [];
  for (let i = 0; 32 * i < table.keys.length; i++) if (keep(RECORD_FIELDS * i)) rows.push(i);
  const keys = new Uint8Array(32 * rows.length);
  const records = new Float64Array(RECORD_FIELDS * rows.length);
  rows.forEach((from, i) => {
    keys.set(table.keys.subarray(32 * from, 32 * from + 32), 32 * i);
    records.set(table.records.subarray(RECORD_FIELDS * from, RECORD_FIELDS * (from + 1)), RECORD_FIELDS * i);
  });
  return { packs: table.packs, keys, records };
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
 * pack names (u16 length + UTF-8), zeros up to a multiple of 8, the rows'
 * records (RECORD_FIELDS f64 each, this machine's byte order: the cache's
 * folder name holds it), then their 32-byte keys.
 */
function formatIndex(generation: number, table: Table): Buffer {
  const names = table.packs.map((p) => Buffer.from(p, 'utf8'));
  const head = align8(20 + names.reduce((n, b) => n + 2 + b.length, 0));
  const out = Buffer.alloc(head + table.records.byteLength + table.keys.byteLength);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(FORMAT, 4);
  out.writeUInt32LE(generation, 8);
  out.writeUInt32LE(table.packs.length, 12);
  out.writeUInt32LE(table.keys.length / 32, 16);
  let o = 20;
  for (const n of names) {
    o = out.writeUInt16LE(n.length, o);
    o += n.copy(out, o);
  }
  out.set(new Uint8Array(table.records.buffer, table.records.byteOffset, table.records.byteLength), head);
  out.set(table.keys, head + table.records.byteLength);
  return out;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function parseIndex(b: Buffer): { generation: number; table: Table } | undefined {
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
  const head = align8(o);
  const recordBytes = 8 * RECORD_FIELDS * rowCount;
  if (b.length !== head + recordBytes + 32 * rowCount) return undefined;
  // Copied out (the file's buffer need not be 8-byte aligned), then checked row by row.
  const records = new Float64Array(RECORD_FIELDS * rowCount);
  new Uint8Array(records.buffer).set(b.subarray(head, head + recordBytes));
  for (let r = 0; r < records.length; r += RECORD_FIELDS)
    if (!validRecord(records, r, packCount)) return undefined;
  const keys = new Uint8Array(b.subarray(head + recordBytes));
  return { generation, table: { packs, keys, records } };
}

const isUint32 = (x: number): boolean => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

/** Whole numbers in range: a row the reader can act on (its bytes are still checked against their CRC). */
function validRecord(records: Float64Array, r: number, packCount: number): boolean {
  return (
    isUint32(records[r]!) &&
    records[r]! < packCount &&
    Number.isSafeInteger(records[r + 1]!) &&
    records[r + 1]! >= 0 &&
    isUint32(records[r + 2]!) &&
    isUint32(records[r + 3]!) &&
    (records[r + 4] === 0 || records[r + 4] === 8) &&
    isUint32(records[r + 5]!) &&
    isUint32(records[r + GENERATION]!)
  );
}
