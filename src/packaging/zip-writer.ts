import { closeSync, openSync, rmSync, unlinkSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';
import { crc32Combine } from './crc32-combine.js';
import { DeflatePool, defaultThreads } from './deflate-pool.js';

export { DeflatePool, defaultThreads } from './deflate-pool.js';
export { Prefetcher } from './unit-feeder.js';
import { planUnits, type Unit } from './deflate-units.js';
import { sortByUtf8 } from './utf8-order.js';
import { UnitFeeder, type Prefetcher, type UnitDone } from './unit-feeder.js';
import { EntryCache, type CachedUnit, type CacheSaveResult } from './entry-cache.js';
import { CacheReader } from './cache-reader.js';
import { localSink, threadSink, type ZipSink } from './zip-sink.js';
import {
  MAX_UINT16,
  MAX_UINT32,
  METHOD_DEFLATE,
  METHOD_STORED,
  MODE_EXECUTABLE,
  MODE_FILE,
} from './zip-format.js';
import {
  centralHeaderLength,
  dataDescriptor,
  DESCRIPTOR_ZIP64_FROM,
  descriptorLocalHeader,
  endRecords,
  type EntryFacts,
  localHeaderLength,
  writeCentralHeader,
  writeLocalHeader,
} from './zip-records.js';

/**
 * zlib level 4: measured on the benchmark's trees it costs 3-23% less CPU
 * than level 5 for a zip 0.3-1.6% larger, still within 0.3% of (and mostly
 * smaller than) Info-ZIP's `zip -6` (see bench/).
 */
export const DEFAULT_LEVEL = 4;

/**
 * Files below this total are compressed on the calling thread alone: worker
 * threads would start when it is all done. Above it, the calling thread
 * works until they have started.
 */
export const INLINE_LIMIT = 2 * 1024 * 1024;

/** One file to put in the zip: its content comes from a file on disk or a buffer. */
export interface ZipEntrySource {
  /** Path inside the zip: forward slashes, no leading slash, no `..`. */
  name: string;
  /** File to read the content from. */
  file?: string;
  /** Content, when it is generated rather than read (small files: compressed on the calling thread). */
  data?: Buffer;
  /** Stored as mode 0755 instead of 0644. */
  executable?: boolean;
  /** Size of `file` as collected (stat is used when missing); a file that no longer has it is an error. */
  size?: number;
}

export interface WriteZipOptions {
  /** zlib level, 0-9 (default DEFAULT_LEVEL). */
  level?: number;
  /**
   * Worker threads that read and deflate (default: one per core when the
   * files add up to INLINE_LIMIT or more, else none; the calling thread
   * works too until they have started). 0: on this thread only. Given,
   * every batch goes to the threads (tests).
   */
  workers?: number;
  /** Bytes of file content being compressed or waiting to be written, at most (default 16 MiB). */
  maxBufferedBytes?: number;
  /**
   * The entry cache: a folder (see entry-cache.ts), or one already opened.
   * Unchanged files are then copied from an earlier zip instead of deflated.
   */
  cache?: string | EntryCache;
  /**
   * Threads to use, started or not: a build starts them while it lists its
   * files and shares them between its zips (it closes them). By default the
   * zip starts its own, when its files add up to INLINE_LIMIT.
   */
  pool?: DeflatePool;
  /** Files of this zip the pool has compressed (or is compressing) while the build listed them. */
  prefetch?: Prefetcher;
  /** Write ZIP64 records even when nothing needs them (to test readers of large archives). */
  forceZip64?: boolean;
}

export interface ZipCacheStats {
  /** Units (whole files, or 1 MiB chunks of big ones) copied from the cache. */
  hits: number;
  /** Units deflated. */
  misses: number;
  /** Cached units that failed their checksums and were deflated again. */
  rejected: number;
  saved: CacheSaveResult;
}

export interface ZipResult {
  path: string;
  /** Size of the zip file. */
  bytes: number;
  /** Sum of the entries' uncompressed sizes. */
  unpackedBytes: number;
  entries: number;
  sha256Hex: string;
  /** Base64 of the SHA-256: what Lambda reports as CodeSha256. */
  sha256Base64: string;
  /** With a cache. */
  cache?: ZipCacheStats;
  /** Files taken from the prefetcher (compressed while the build listed them). */
  prefetched: number;
}

interface Entry {
  source: ZipEntrySource;
  name: Buffer;
}

/** Compares UTF-8 byte order, the order entries are written in. */
export function compareZipNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** An empty, `.` or `..` part (which covers '', leading, trailing and doubled slashes), a backslash or a NUL. */
const BAD_NAME = /(?:^|\/)\.{0,2}(?:\/|$)|[\\\0]/;

function checkName(name: string): void {
  if (BAD_NAME.test(name))
    throw new Error(`zip entry name ${JSON.stringify(name)} is not a relative path of forward-slash parts`);
  if (Buffer.byteLength(name, 'utf8') > MAX_UINT16)
    throw new Error(`zip entry name is longer than 65535 bytes: ${name.slice(0, 80)}…`);
}

function sortedEntries(sources: readonly ZipEntrySource[]): Entry[] {
  const entries = sortByUtf8(
    sources.map((source) => ({ source, name: Buffer.from(source.name, 'utf8') })),
    (e) => e.source.name,
  );
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    checkName(e.source.name);
    if (e.source.data === undefined && e.source.file === undefined)
      throw new Error(`zip entry ${e.source.name} has neither data nor a file`);
    if (i > 0 && entries[i - 1]!.name.equals(e.name))
      throw new Error(`zip entry ${e.source.name} is given twice`);
  }
  return entries;
}

/** Sets up `pool` for zips at `level` with `cache` (the same settings again cost nothing). */
export function configureZipThreads(pool: DeflatePool, level: number, cache: EntryCache | undefined): void {
  pool.configure({ level, hash: cache !== undefined, cache: cache?.forWorkers() });
}

/** Sizes as given, else from stat (64 at a time). */
async function sizesOf(entries: readonly Entry[]): Promise<number[]> {
  const sizes = entries.map(({ source }) => source.data?.length ?? source.size ?? -1);
  const missing: number[] = [];
  for (let i = 0; i < sizes.length; i++) if (sizes[i]! < 0) missing.push(i);
  for (let i = 0; i < missing.length; i += 64) {
    await Promise.all(
      missing.slice(i, i + 64).map(async (j) => {
        sizes[j] = (await stat(entries[j]!.source.file!)).size;
      }),
    );
  }
  return sizes;
}

/**
 * Writes a reproducible zip: entries sorted by the UTF-8 bytes of their
 * names, one fixed timestamp (see DOS_DATE), Unix mode 0644 or 0755, the
 * UTF-8 flag, no extra fields except ZIP64 where needed, an entry stored
 * when deflate does not make it smaller. The same contents always give the
 * same bytes, whatever the files' times, owners or location, the number of
 * cores, or the cache.
 *
 * Files are read and deflated on worker threads (deflate-units.ts: whole
 * files in batches, big files in 1 MiB chunks on every core) while this
 * thread writes the results in order, hashing them on the way out. At most
 * `maxBufferedBytes` of content is in flight, and a zip entry is forgotten
 * once written (only its central record is kept), so memory does not grow
 * with the tree.
 */
export async function writeZip(
  outPath: string,
  sources: readonly ZipEntrySource[],
  options: WriteZipOptions = {},
): Promise<ZipResult> {
  const level = options.level ?? DEFAULT_LEVEL;
  const forceZip64 = options.forceZip64 ?? false;
  const entries = sortedEntries(sources);
  const sizes = await sizesOf(entries);

  const units: Unit[] = [];
  /** Each entry's first unit (-1 for data entries). */
  const firstUnit: number[] = [];
  let fileBytes = 0;
  entries.forEach(({ source }, i) => {
    if (source.data !== undefined) return firstUnit.push(-1);
    firstUnit.push(units.length);
    for (const unit of planUnits(source.file!, sizes[i]!)) units.push(unit);
    fileBytes += sizes[i]!;
  });

  const cache =
    typeof options.cache === 'string' ? await EntryCache.open(options.cache, { level }) : options.cache;
  if (cache && cache.level !== level)
    throw new Error(
      `the entry cache holds level ${cache.level} entries; this zip is written at level ${level}`,
    );
  const pool =
    options.pool ?? new DeflatePool(options.workers ?? defaultThreads(), options.workers ? 'never' : 'idle');
  let feeder: UnitFeeder | undefined;
  let reader: CacheReader | undefined;
  let out: HashingFile | undefined;
  // Everything after the pool is made is in the try: a pool of ours left open (the zip file could
  // not be created, say) keeps its threads, and with them the process, alive.
  try {
    configureZipThreads(pool, level, cache);
    if (fileBytes >= INLINE_LIMIT || options.workers !== undefined) pool.start();
    feeder = new UnitFeeder(units, pool, options.maxBufferedBytes ?? 16 * 1024 * 1024, options.prefetch);
    const index = cache?.forWorkers();
    reader = index && new CacheReader(index, level);
    // Mostly cache hits: this thread is the busy one, a pool thread has time to hash and write the zip.
    out = HashingFile.create(outPath, index && pool.started ? pool : undefined);
    const cached: CachedUnit[] = [];
    const central = new ByteBlocks();
    const job = { out, entries, sizes, firstUnit, feeder, reader, level, force: forceZip64, cached, central };
    const unpackedBytes = await writeEntries(job);
    const cdOffset = out.offset;
    for (const block of central.blocks()) out.put(block);
    out.put(endRecords(entries.length, out.offset - cdOffset, cdOffset, out.offset, forceZip64));
    const { bytes, sha256 } = await out.close();
    const sha256Hex = sha256.toString('hex');
    const result: ZipResult = {
      path: outPath,
      bytes,
      unpackedBytes,
      entries: entries.length,
      sha256Hex,
      sha256Base64: sha256.toString('base64'),
      prefetched: feeder.stats.prefetched,
    };
    if (cache) {
      const saved = await cache.save(outPath, sha256Hex, cached, (reader?.rejected ?? 0) > 0);
      const hits = reader?.served ?? 0;
      result.cache = { hits, misses: units.length - hits, rejected: reader?.rejected ?? 0, saved };
    }
    return result;
  } catch (error) {
    feeder?.stop();
    await out?.abort();
    throw error;
  } finally {
    reader?.close();
    if (!options.pool) await pool.close();
  }
}

interface EntryJob {
  out: HashingFile;
  entries: readonly Entry[];
  sizes: readonly number[];
  /** Each entry's first unit (-1 for data entries). */
  firstUnit: readonly number[];
  feeder: UnitFeeder;
  reader: CacheReader | undefined;
  level: number;
  force: boolean;
  /** Units written, for the cache. */
  cached: CachedUnit[];
  central: ByteBlocks;
}

/**
 * Writes the entries and their central records, in order; returns the sum
 * of their sizes: writeZip's once-per-file loop.
 */
async function writeEntries(job: EntryJob): Promise<number> {
  const { out, entries, sizes, firstUnit, feeder, reader, force, cached } = job;
  const units = feeder.units;
  let unpackedBytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const { source, name } = entries[i]!;
    const size = sizes[i]!;
    const offset = out.offset;
    const first = firstUnit[i]!;
    let written: Written;
    if (first < 0) written = writeDataEntry(out, name, source.data!, job.level, force);
    else if (units[first]!.whole) {
      // Most entries: the result is usually there already, and nothing here waits.
      let done = feeder.take(first) ?? (await feeder.result(first));
      if (done.hit) done = reader!.serve(done, units[first]!);
      written = writeWholeEntry(out, name, done, size, force, cached);
      feeder.written(first, done);
    } else written = await writeChunkedEntry(out, name, feeder, reader, first, size, force, cached);
    const mode = source.executable ? MODE_EXECUTABLE : MODE_FILE;
    writeCentralRecord(job.central, { name, mode, offset, size, ...written }, force);
    unpackedBytes += size;
    const busy = out.busy();
    if (busy) await busy;
  }
  return unpackedBytes;
}

function writeCentralRecord(central: ByteBlocks, facts: EntryFacts, force: boolean): void {
  const at = central.reserve(centralHeaderLength(facts, force));
  writeCentralHeader(at.buffer, at.offset, facts, force);
}

interface Written {
  method: number;
  crc: number;
  compressedSize: number;
  descriptor: boolean;
  zip64Local: boolean;
}

/** Generated content (an adapter, a settings file): small, deflated here. */
function writeDataEntry(
  out: HashingFile,
  name: Buffer,
  data: Buffer,
  level: number,
  zip64: boolean,
): Written {
  const crc = crc32(data);
  const deflated = data.length ? deflateRawSync(data, { level }) : data;
  const method = deflated.length < data.length ? METHOD_DEFLATE : METHOD_STORED;
  const bytes = method === METHOD_DEFLATE ? deflated : data;
  const at = out.reserve(localHeaderLength(name, zip64));
  writeLocalHeader(at.buffer, at.offset, name, method, crc, data.length, bytes.length, zip64);
  out.put(bytes);
  return { method, crc, compressedSize: bytes.length, descriptor: false, zip64Local: zip64 };
}

function remember(cached: CachedUnit[], done: UnitDone, offset: number): void {
  if (done.key)
    cached.push({
      key: done.key,
      offset,
      compressedSize: done.data.length,
      crc: done.crc,
      method: done.method,
      dataCrc: done.dataCrc,
    });
}

/** A file of one unit: CRC and sizes are known before its header. */
function writeWholeEntry(
  out: HashingFile,
  name: Buffer,
  done: UnitDone,
  size: number,
  force: boolean,
  cached: CachedUnit[],
): Written {
  const compressedSize = done.data.length;
  const zip64 = force || size >= MAX_UINT32 || compressedSize >= MAX_UINT32;
  const at = out.reserve(localHeaderLength(name, zip64));
  writeLocalHeader(at.buffer, at.offset, name, done.method, done.crc, size, compressedSize, zip64);
  remember(cached, done, out.offset);
  out.put(done.data);
  return { method: done.method, crc: done.crc, compressedSize, descriptor: false, zip64Local: zip64 };
}

/** A file deflated in chunks: each written as it is done, CRC and sizes in a data descriptor after them. */
async function writeChunkedEntry(
  out: HashingFile,
  name: Buffer,
  feeder: UnitFeeder,
  reader: CacheReader | undefined,
  first: number,
  size: number,
  force: boolean,
  cached: CachedUnit[],
): Promise<Written> {
  const zip64 = force || size >= DESCRIPTOR_ZIP64_FROM;
  out.put(descriptorLocalHeader(name, zip64));
  let crc = 0;
  let compressedSize = 0;
  for (let u = first; ; u++) {
    let done = feeder.take(u) ?? (await feeder.result(u));
    if (done.hit) done = reader!.serve(done, feeder.units[u]!);
    crc = crc32Combine(crc, done.crc, feeder.units[u]!.length);
    remember(cached, done, out.offset);
    compressedSize += done.data.length;
    out.put(done.data);
    // From here done.data may be gone (its buffer is back with the thread that filled it).
    feeder.written(u, done);
    const busy = out.busy();
    if (busy) await busy;
    if (feeder.units[u]!.last) break;
  }
  out.put(dataDescriptor(crc, size, compressedSize, zip64));
  return { method: METHOD_DEFLATE, crc, compressedSize, descriptor: true, zip64Local: zip64 };
}

/** Append-only bytes in 1 MiB blocks: the central directory, without an object per entry. */
class ByteBlocks {
  private readonly full: Buffer[] = [];
  private current = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;

  /** Room for `n` bytes, to be written in place. */
  reserve(n: number): { buffer: Buffer; offset: number } {
    if (this.used + n > this.current.length) {
      this.full.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(1024 * 1024, n));
      this.used = 0;
    }
    const offset = this.used;
    this.used += n;
    return { buffer: this.current, offset };
  }

  *blocks(): Generator<Buffer> {
    yield* this.full;
    yield this.current.subarray(0, this.used);
  }
}

/**
 * Deletes `path` if it is there. `unlink` first: `rm` loads Node's internal
 * rimraf on its first call, a fair part of a small zip's time; it is still
 * used for what unlink alone cannot do (a read-only file on Windows), and
 * fails as before on a folder.
 */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') rmSync(path, { force: true });
  }
}

/** Small pieces are gathered into writes of about this size. */
const WRITE_BYTES = 1024 * 1024;

/**
 * The zip file: positioned writes in order, hashed as they go out (by a
 * ZipSink). What is put is copied into 1 MiB staging buffers (headers
 * written there in place), so the caller's memory is free again at once;
 * busy() says when to wait for the disk.
 */
class HashingFile {
  offset = 0;
  private staging: Buffer;
  private staged = 0;
  /** Staging buffers whose writes are done, for reuse. */
  private readonly spare: Buffer[] = [];
  /** Writes in flight, each resolving with its staging buffer. */
  private readonly writes: Promise<Buffer>[] = [];
  private position = 0;
  private fdClosed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly sink: ZipSink,
  ) {
    this.staging = sink.allocate(WRITE_BYTES);
  }

  /**
   * With `pool`, one of its threads hashes and writes the zip (zip-sink.ts).
   * Opened synchronously: one system call either way, and a small zip then
   * needs no trip through libuv's thread pool at all (see close()).
   */
  static create(path: string, pool?: DeflatePool): HashingFile {
    // A new file, never an old one truncated: the entry cache may hold an earlier zip of that name as a hard link.
    removeFile(path);
    const fd = openSync(path, 'wx');
    return new HashingFile(path, fd, pool ? threadSink(pool, fd) : localSink(fd));
  }

  /** Room for `n` bytes (n ≤ WRITE_BYTES) at the end of the file, to be written in place. */
  reserve(n: number): { buffer: Buffer; offset: number } {
    if (this.staged + n > WRITE_BYTES) this.flush();
    const offset = this.staged;
    this.staged += n;
    this.offset += n;
    return { buffer: this.staging, offset };
  }

  /** Copies `chunk` out (the caller may reuse its memory at once). */
  put(chunk: Buffer): void {
    for (let done = 0; done < chunk.length;) {
      const n = Math.min(chunk.length - done, WRITE_BYTES);
      const at = this.reserve(n);
      done += chunk.copy(at.buffer, at.offset, done, done + n);
    }
  }

  /** A promise while too many writes are in flight: await it before putting more. */
  busy(): Promise<void> | undefined {
    if (this.writes.length <= this.sink.inFlight) return undefined;
    return this.drainTo(this.sink.inFlight);
  }

  async close(): Promise<{ bytes: number; sha256: Buffer }> {
    // The last write: nothing is left to overlap it with.
    this.flush(true);
    await this.drainTo(0);
    this.closeFile();
    return { bytes: this.offset, sha256: await this.sink.digest() };
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.writes.splice(0));
    // A thread hashing this zip forgets it.
    await this.sink.digest().catch(() => undefined);
    // The error that brought us here is the one to report, not a failed close.
    try {
      this.closeFile();
    } catch {
      // The descriptor is given up either way.
    }
    await rm(this.path, { force: true });
  }

  /** Closes the file once (its descriptor's number may be another file's afterwards). */
  private closeFile(): void {
    if (this.fdClosed) return;
    this.fdClosed = true;
    closeSync(this.fd);
  }

  private async drainTo(n: number): Promise<void> {
    while (this.writes.length > n) this.spare.push(await this.writes.shift()!);
  }

  private flush(last = false): void {
    if (this.staged === 0) return;
    const done = this.sink.write(this.staging, this.staged, this.position, last);
    done.catch(() => undefined); // awaited in order; this only keeps an early failure from going unhandled
    this.writes.push(done);
    this.position += this.staged;
    this.staging = this.spare.pop() ?? this.sink.allocate(WRITE_BYTES);
    this.staged = 0;
  }
}
