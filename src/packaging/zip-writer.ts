import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { crc32, createDeflateRaw, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { DeflatePool } from './deflate-pool.js';
import {
  CENTRAL_FILE_HEADER,
  DOS_DATE,
  DOS_TIME,
  END_OF_CENTRAL_DIRECTORY,
  FLAG_UTF8,
  LOCAL_FILE_HEADER,
  MAX_UINT16,
  MAX_UINT32,
  METHOD_DEFLATE,
  METHOD_STORED,
  MODE_EXECUTABLE,
  MODE_FILE,
  VERSION_DEFLATE,
  VERSION_MADE_BY,
  VERSION_STORED,
  VERSION_ZIP64,
  ZIP64_END_LOCATOR,
  ZIP64_END_OF_CENTRAL_DIRECTORY,
  ZIP64_EXTRA_ID,
} from './zip-format.js';

const deflateRawAsync = promisify(deflateRaw);

export const DEFAULT_LEVEL = 5;

/** One file to put in the zip: its content comes from a file on disk or a buffer. */
export interface ZipEntrySource {
  /** Path inside the zip: forward slashes, no leading slash, no `..`. */
  name: string;
  /** File to read the content from. */
  file?: string;
  /** Content, when it is generated rather than read. */
  data?: Buffer;
  /** Stored as mode 0755 instead of 0644. */
  executable?: boolean;
  /** Size of `file` when already known (it sizes the memory window; stat is used otherwise). */
  size?: number;
}

export interface WriteZipOptions {
  /**
   * zlib level, 0-9. Default 5: on a package-like tree it costs ~40% less
   * CPU than 6 for a zip 0.1% larger, still smaller than Info-ZIP's `zip -6`
   * (see bench/).
   */
  level?: number;
  /**
   * Worker threads that read and deflate files (default: one per core when
   * the files add up to 4 MB or more, else none). 0: Node's async zlib in
   * the libuv pool instead.
   */
  workers?: number;
  /** Files being compressed at the same time (default: two per worker or core). */
  concurrency?: number;
  /** Upper bound of file content held in memory (read ahead, compressed, not yet written). */
  maxBufferedBytes?: number;
  /** Files from this size up are compressed through a temporary file instead of memory. */
  largeFileBytes?: number;
  /** Folder for those temporary files (default: the OS temp folder). */
  tempDir?: string;
  /** Write ZIP64 records even when nothing needs them (to test readers of large archives). */
  forceZip64?: boolean;
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
}

interface Prepared {
  crc: number;
  size: number;
  method: number;
  compressedSize: number;
  /** The bytes to write, when they fit in memory. */
  data?: Buffer;
  /** Otherwise the file holding them (a temp file for deflate, the source for stored). */
  dataFile?: string;
  temporary?: boolean;
}

interface Central {
  name: Buffer;
  prepared: Prepared;
  mode: number;
  offset: number;
}

/** Compares UTF-8 byte order, the order entries are written in. */
export function compareZipNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkName(name: string): void {
  const bad =
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.endsWith('/') ||
    name.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad)
    throw new Error(`zip entry name ${JSON.stringify(name)} is not a relative path of forward-slash parts`);
  if (Buffer.byteLength(name, 'utf8') > MAX_UINT16)
    throw new Error(`zip entry name is longer than 65535 bytes: ${name.slice(0, 80)}…`);
}

/**
 * Writes a reproducible zip: entries sorted by the UTF-8 bytes of their
 * names, one fixed timestamp (see DOS_DATE), Unix mode 0644 or 0755, the
 * UTF-8 flag, no extra fields except ZIP64 where needed, an entry stored
 * when deflate does not make it smaller. The same contents always give the
 * same bytes, whatever the files' times, owners or location.
 *
 * Several files are read and deflated at once on worker threads (one per
 * core; zip libraries deflate one entry at a time) while the output is
 * written in order; at most `maxBufferedBytes` of content waits in memory,
 * and files of `largeFileBytes` or more are streamed through a temp file.
 * The SHA-256 is computed as the bytes go out.
 */
export async function writeZip(
  outPath: string,
  sources: readonly ZipEntrySource[],
  options: WriteZipOptions = {},
): Promise<ZipResult> {
  const level = options.level ?? DEFAULT_LEVEL;
  const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  const largeFile = options.largeFileBytes ?? 16 * 1024 * 1024;
  const forceZip64 = options.forceZip64 ?? false;

  const entries = sources
    .map((s) => ({ source: s, nameBytes: Buffer.from(s.name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.nameBytes, b.nameBytes));
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    checkName(e.source.name);
    if (e.source.data === undefined && e.source.file === undefined)
      throw new Error(`zip entry ${e.source.name} has neither data nor a file`);
    if (i > 0 && entries[i - 1]!.nameBytes.equals(e.nameBytes))
      throw new Error(`zip entry ${e.source.name} is given twice`);
  }

  let tempDir: Promise<string> | undefined;
  const tempFile = async (i: number): Promise<string> => {
    tempDir ??= mkdtemp(join(options.tempDir ?? tmpdir(), 'lambda-deploy-zip-'));
    return join(await tempDir, `${i}.deflate`);
  };

  const sizes = await Promise.all(
    entries.map(async ({ source }) =>
      source.data ? source.data.length : (source.size ?? (await stat(source.file!)).size),
    ),
  );
  // What an entry holds in memory until written: its content and, at worst, as much again compressed.
  const cost = (i: number): number => (sizes[i]! >= largeFile ? 2 * 65536 : 2 * sizes[i]!);
  const inWorker = (i: number): boolean => entries[i]!.source.data === undefined && sizes[i]! < largeFile;
  const workerBytes = sizes.reduce((n, size, i) => (inWorker(i) ? n + size : n), 0);
  const workers = Math.max(
    0,
    options.workers ?? (workerBytes >= 4 * 1024 * 1024 ? availableParallelism() : 0),
  );
  const pool = workers > 0 ? new DeflatePool(workers, level) : undefined;
  // Workers take files in batches, so they get more ahead than the libuv pool.
  const concurrency = Math.max(
    1,
    options.concurrency ?? (workers ? 64 * workers : 2 * Math.max(2, availableParallelism())),
  );

  const prepare = async (i: number): Promise<Prepared> => {
    const { source } = entries[i]!;
    if (source.data === undefined && sizes[i]! >= largeFile) {
      return prepareLarge(source.file!, sizes[i]!, level, await tempFile(i));
    }
    if (pool && inWorker(i)) {
      const done = await pool.deflateFile(source.file!, sizes[i]!);
      return {
        crc: done.crc,
        size: done.size,
        method: done.method,
        compressedSize: done.data.length,
        data: done.data,
      };
    }
    const raw = source.data ?? (await readFile(source.file!));
    if (source.data === undefined && raw.length !== sizes[i])
      throw new Error(`${source.file} changed size while it was being packaged`);
    const crc = crc32(raw);
    if (raw.length === 0) return { crc, size: 0, method: METHOD_STORED, compressedSize: 0, data: raw };
    const deflated = await deflateRawAsync(raw, { level });
    return deflated.length < raw.length
      ? { crc, size: raw.length, method: METHOD_DEFLATE, compressedSize: deflated.length, data: deflated }
      : { crc, size: raw.length, method: METHOD_STORED, compressedSize: raw.length, data: raw };
  };

  const out = new HashingWriter(outPath);
  const slots: (Promise<Prepared> | undefined)[] = new Array(entries.length);
  let next = 0;
  let held = 0;
  let active = 0;
  let failed = false;
  const pump = (): void => {
    while (
      !failed &&
      next < entries.length &&
      active < concurrency &&
      (held === 0 || held + cost(next) <= maxBuffered)
    ) {
      const i = next++;
      held += cost(i);
      active++;
      const p = prepare(i).finally(() => {
        active--;
        pump();
      });
      p.catch(() => undefined); // awaited in order below; this only silences early rejections
      slots[i] = p;
    }
  };

  const central: Central[] = [];
  let unpackedBytes = 0;
  try {
    for (let i = 0; i < entries.length; i++) {
      pump();
      const prepared = await slots[i]!;
      slots[i] = undefined;
      const { source, nameBytes } = entries[i]!;
      const offset = out.offset;
      const zip64Sizes = forceZip64 || prepared.size >= MAX_UINT32 || prepared.compressedSize >= MAX_UINT32;
      await out.write(localHeader(nameBytes, prepared, zip64Sizes));
      if (prepared.data) await out.write(prepared.data);
      else await out.copyFile(prepared.dataFile!, prepared.compressedSize);
      if (prepared.temporary) await unlink(prepared.dataFile!);
      central.push({
        name: nameBytes,
        prepared,
        mode: source.executable ? MODE_EXECUTABLE : MODE_FILE,
        offset,
      });
      unpackedBytes += prepared.size;
      held -= cost(i);
    }
    const cdOffset = out.offset;
    for (const c of central) await out.write(centralHeader(c, forceZip64));
    const cdSize = out.offset - cdOffset;
    await out.write(endRecords(central.length, cdSize, cdOffset, out.offset, forceZip64));
    const { bytes, sha256 } = await out.close();
    return {
      path: outPath,
      bytes,
      unpackedBytes,
      entries: central.length,
      sha256Hex: sha256.toString('hex'),
      sha256Base64: sha256.toString('base64'),
    };
  } catch (error) {
    failed = true;
    await Promise.allSettled(slots.filter((s) => s !== undefined));
    await out.abort();
    throw error;
  } finally {
    await pool?.close();
    if (tempDir) await rm(await tempDir, { recursive: true, force: true });
  }
}

/** Deflates a big file into a temporary file, so its compressed size and CRC are known before its header. */
async function prepareLarge(file: string, size: number, level: number, temp: string): Promise<Prepared> {
  let crc = 0;
  let read = 0;
  const crcTap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      crc = crc32(chunk, crc);
      read += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(file), crcTap, createDeflateRaw({ level }), createWriteStream(temp));
  if (read !== size) throw new Error(`${file} changed size while it was being packaged`);
  const compressedSize = (await stat(temp)).size;
  if (compressedSize < size)
    return { crc, size, method: METHOD_DEFLATE, compressedSize, dataFile: temp, temporary: true };
  await unlink(temp);
  return { crc, size, method: METHOD_STORED, compressedSize: size, dataFile: file };
}

function localHeader(name: Buffer, p: Prepared, zip64: boolean): Buffer {
  const extraLength = zip64 ? 20 : 0;
  const b = Buffer.alloc(30 + name.length + extraLength);
  b.writeUInt32LE(LOCAL_FILE_HEADER, 0);
  b.writeUInt16LE(zip64 ? VERSION_ZIP64 : versionNeeded(p), 4);
  b.writeUInt16LE(FLAG_UTF8, 6);
  b.writeUInt16LE(p.method, 8);
  b.writeUInt16LE(DOS_TIME, 10);
  b.writeUInt16LE(DOS_DATE, 12);
  b.writeUInt32LE(p.crc >>> 0, 14);
  b.writeUInt32LE(zip64 ? MAX_UINT32 : p.compressedSize, 18);
  b.writeUInt32LE(zip64 ? MAX_UINT32 : p.size, 22);
  b.writeUInt16LE(name.length, 26);
  b.writeUInt16LE(extraLength, 28);
  name.copy(b, 30);
  if (zip64) {
    // A local ZIP64 field always carries both sizes.
    let o = 30 + name.length;
    o = b.writeUInt16LE(ZIP64_EXTRA_ID, o);
    o = b.writeUInt16LE(16, o);
    o = writeUInt64(b, p.size, o);
    writeUInt64(b, p.compressedSize, o);
  }
  return b;
}

function centralHeader(c: Central, force: boolean): Buffer {
  const p = c.prepared;
  // Central ZIP64 fields appear only for values marked 0xFFFFFFFF, in this order.
  const bigSizes = force || p.size >= MAX_UINT32 || p.compressedSize >= MAX_UINT32;
  const bigOffset = force || c.offset >= MAX_UINT32;
  const zip64Values = [...(bigSizes ? [p.size, p.compressedSize] : []), ...(bigOffset ? [c.offset] : [])];
  const extraLength = zip64Values.length ? 4 + 8 * zip64Values.length : 0;
  const b = Buffer.alloc(46 + c.name.length + extraLength);
  b.writeUInt32LE(CENTRAL_FILE_HEADER, 0);
  b.writeUInt16LE(VERSION_MADE_BY, 4);
  b.writeUInt16LE(zip64Values.length ? VERSION_ZIP64 : versionNeeded(p), 6);
  b.writeUInt16LE(FLAG_UTF8, 8);
  b.writeUInt16LE(p.method, 10);
  b.writeUInt16LE(DOS_TIME, 12);
  b.writeUInt16LE(DOS_DATE, 14);
  b.writeUInt32LE(p.crc >>> 0, 16);
  b.writeUInt32LE(bigSizes ? MAX_UINT32 : p.compressedSize, 20);
  b.writeUInt32LE(bigSizes ? MAX_UINT32 : p.size, 24);
  b.writeUInt16LE(c.name.length, 28);
  b.writeUInt16LE(extraLength, 30);
  b.writeUInt16LE(0, 32); // comment length
  b.writeUInt16LE(0, 34); // disk number
  b.writeUInt16LE(0, 36); // internal attributes
  b.writeUInt32LE(c.mode * 0x10000, 38); // Unix mode in the high 16 bits
  b.writeUInt32LE(bigOffset ? MAX_UINT32 : c.offset, 42);
  c.name.copy(b, 46);
  if (zip64Values.length) {
    let o = 46 + c.name.length;
    o = b.writeUInt16LE(ZIP64_EXTRA_ID, o);
    o = b.writeUInt16LE(8 * zip64Values.length, o);
    for (const v of zip64Values) o = writeUInt64(b, v, o);
  }
  return b;
}

function endRecords(
  count: number,
  cdSize: number,
  cdOffset: number,
  zip64Offset: number,
  force: boolean,
): Buffer {
  const zip64 = force || count >= MAX_UINT16 || cdSize >= MAX_UINT32 || cdOffset >= MAX_UINT32;
  const parts: Buffer[] = [];
  if (zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(ZIP64_END_OF_CENTRAL_DIRECTORY, 0);
    writeUInt64(rec, 44, 4); // size of the rest of this record
    rec.writeUInt16LE(VERSION_MADE_BY, 12);
    rec.writeUInt16LE(VERSION_ZIP64, 14);
    rec.writeUInt32LE(0, 16); // this disk
    rec.writeUInt32LE(0, 20); // disk with the central directory
    writeUInt64(rec, count, 24);
    writeUInt64(rec, count, 32);
    writeUInt64(rec, cdSize, 40);
    writeUInt64(rec, cdOffset, 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(ZIP64_END_LOCATOR, 0);
    locator.writeUInt32LE(0, 4);
    writeUInt64(locator, zip64Offset, 8);
    locator.writeUInt32LE(1, 16); // total disks
    parts.push(rec, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  const countField = force || count >= MAX_UINT16 ? MAX_UINT16 : count;
  end.writeUInt16LE(countField, 8);
  end.writeUInt16LE(countField, 10);
  end.writeUInt32LE(force || cdSize >= MAX_UINT32 ? MAX_UINT32 : cdSize, 12);
  end.writeUInt32LE(force || cdOffset >= MAX_UINT32 ? MAX_UINT32 : cdOffset, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

function versionNeeded(p: Prepared): number {
  return p.method === METHOD_DEFLATE ? VERSION_DEFLATE : VERSION_STORED;
}

function writeUInt64(b: Buffer, value: number, offset: number): number {
  return b.writeBigUInt64LE(BigInt(value), offset);
}

/** A file write stream that respects backpressure and hashes what it writes. */
class HashingWriter {
  offset = 0;
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  private error: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { highWaterMark: 1024 * 1024 });
    this.stream.on('error', (e) => (this.error ??= e));
  }

  /** Small chunks (headers, small entries) are gathered: one stream write per ~256 KB. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  async write(chunk: Buffer): Promise<void> {
    if (this.error) throw this.error;
    this.hash.update(chunk);
    this.offset += chunk.length;
    if (chunk.length >= 256 * 1024) {
      await this.flush();
      if (!this.stream.write(chunk)) await this.drained();
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= 256 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.stream.write(data)) await this.drained();
  }

  async copyFile(file: string, expected: number): Promise<void> {
    let copied = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      copied += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (copied !== expected) throw new Error(`${file} changed size while it was being packaged`);
  }

  async close(): Promise<{ bytes: number; sha256: Buffer }> {
    await this.flush();
    if (this.error) throw this.error;
    this.stream.end();
    await once(this.stream, 'close');
    if (this.error) throw this.error;
    return { bytes: this.offset, sha256: this.hash.digest() };
  }

  async abort(): Promise<void> {
    if (!this.stream.closed) {
      const closed = once(this.stream, 'close').catch(() => undefined);
      this.stream.destroy();
      await closed;
    }
    await rm(this.path, { force: true });
  }

  private async drained(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (e: Error): void => {
        this.stream.off('drain', onDrain);
        reject(e);
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }
}
