import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import {
  CENTRAL_FILE_HEADER,
  END_OF_CENTRAL_DIRECTORY,
  FLAG_ENCRYPTED,
  FLAG_UTF8,
  HOST_UNIX,
  LOCAL_FILE_HEADER,
  MAX_UINT16,
  MAX_UINT32,
  METHOD_DEFLATE,
  METHOD_STORED,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  ZIP64_END_LOCATOR,
  ZIP64_END_OF_CENTRAL_DIRECTORY,
  ZIP64_EXTRA_ID,
} from './zip-format.js';

/** One entry of a zip's central directory. */
export interface ZipEntryInfo {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  localHeaderOffset: number;
  flags: number;
  versionMadeBy: number;
  versionNeeded: number;
  externalAttributes: number;
  /** Unix mode (type and permission bits) when made on Unix, else undefined. */
  unixMode?: number;
  /** DOS time and date words as stored. */
  dosTime: number;
  dosDate: number;
  /** Length of the entry's extra field in the central directory. */
  extraLength: number;
  isDirectory: boolean;
  isSymlink: boolean;
  executable: boolean;
}

export interface ZipListing {
  entries: ZipEntryInfo[];
  /** True when the archive has ZIP64 end records. */
  zip64: boolean;
}

function fail(zipPath: string, what: string): never {
  throw new Error(`${zipPath} is not a readable zip: ${what}`);
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

function readUInt64(b: Buffer, offset: number): number {
  const v = b.readBigUInt64LE(offset);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('zip value beyond 2^53');
  return Number(v);
}

/** Reads the central directory (ZIP64 aware). */
export async function readZipDirectory(zipPath: string): Promise<ZipListing> {
  const fh = await open(zipPath, 'r');
  try {
    const { size } = await fh.stat();
    const tailLength = Math.min(size, 22 + MAX_UINT16);
    const tail = await readAt(fh, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (
        tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY &&
        i + 22 + tail.readUInt16LE(i + 20) === tail.length
      ) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) fail(zipPath, 'no end of central directory record');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    let zip64 = false;
    const eocdPosition = size - tailLength + eocd;
    if (eocdPosition >= 20) {
      const locator = await readAt(fh, eocdPosition - 20, 20);
      if (locator.readUInt32LE(0) === ZIP64_END_LOCATOR) {
        const recordOffset = readUInt64(locator, 8);
        const record = await readAt(fh, recordOffset, 56);
        if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_END_OF_CENTRAL_DIRECTORY)
          fail(zipPath, 'the ZIP64 locator points at no ZIP64 end record');
        zip64 = true;
        count = readUInt64(record, 32);
        cdSize = readUInt64(record, 40);
        cdOffset = readUInt64(record, 48);
      }
    }
    if (cdOffset + cdSize > size) fail(zipPath, 'the central directory lies beyond the end of the file');
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntryInfo[] = [];
    let o = 0;
    for (let n = 0; n < count; n++) {
      if (o + 46 > cd.length || cd.readUInt32LE(o) !== CENTRAL_FILE_HEADER)
        fail(zipPath, `central directory entry ${n} is damaged`);
      const versionMadeBy = cd.readUInt16LE(o + 4);
      const flags = cd.readUInt16LE(o + 8);
      let compressedSize = cd.readUInt32LE(o + 20);
      let uncompressed = cd.readUInt32LE(o + 24);
      const nameLength = cd.readUInt16LE(o + 28);
      const extraLength = cd.readUInt16LE(o + 30);
      const commentLength = cd.readUInt16LE(o + 32);
      const externalAttributes = cd.readUInt32LE(o + 38);
      let localHeaderOffset = cd.readUInt32LE(o + 42);
      const nameBytes = cd.subarray(o + 46, o + 46 + nameLength);
      // Without the UTF-8 flag the name is CP437; latin1 is right for the ASCII names that matter here.
      const name = nameBytes.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
      let e = o + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const length = cd.readUInt16LE(e + 2);
        if (id === ZIP64_EXTRA_ID) {
          let z = e + 4;
          if (uncompressed === MAX_UINT32) {
            uncompressed = readUInt64(cd, z);
            z += 8;
          }
          if (compressedSize === MAX_UINT32) {
            compressedSize = readUInt64(cd, z);
            z += 8;
          }
          if (localHeaderOffset === MAX_UINT32) localHeaderOffset = readUInt64(cd, z);
        }
        e += 4 + length;
      }
      const unixMode = versionMadeBy >> 8 === HOST_UNIX ? externalAttributes >>> 16 : undefined;
      const type = (unixMode ?? 0) & S_IFMT;
      entries.push({
        name,
        method: cd.readUInt16LE(o + 10),
        crc32: cd.readUInt32LE(o + 16),
        compressedSize,
        size: uncompressed,
        localHeaderOffset,
        flags,
        versionMadeBy,
        versionNeeded: cd.readUInt16LE(o + 6),
        externalAttributes,
        unixMode,
        dosTime: cd.readUInt16LE(o + 12),
        dosDate: cd.readUInt16LE(o + 14),
        extraLength,
        isDirectory: name.endsWith('/') || type === S_IFDIR,
        isSymlink: type === S_IFLNK,
        executable: ((unixMode ?? 0) & 0o111) !== 0,
      });
      o = extraEnd + commentLength;
    }
    return { entries, zip64 };
  } finally {
    await fh.close();
  }
}

/** The entries of a zip, in archive order. */
export async function listZip(zipPath: string): Promise<ZipEntryInfo[]> {
  return (await readZipDirectory(zipPath)).entries;
}

async function dataOffset(zipPath: string, entry: ZipEntryInfo): Promise<number> {
  const fh = await open(zipPath, 'r');
  try {
    const header = await readAt(fh, entry.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_FILE_HEADER)
      fail(zipPath, `the local header of ${entry.name} is missing`);
    return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await fh.close();
  }
}

function checkSupported(zipPath: string, entry: ZipEntryInfo): void {
  if (entry.flags & FLAG_ENCRYPTED) fail(zipPath, `${entry.name} is encrypted`);
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATE)
    fail(
      zipPath,
      `${entry.name} uses compression method ${entry.method} (only stored and deflate are supported)`,
    );
}

/** The content of one entry, CRC-checked (for small entries and tests). */
export async function readZipEntry(zipPath: string, entry: ZipEntryInfo): Promise<Buffer> {
  checkSupported(zipPath, entry);
  const start = await dataOffset(zipPath, entry);
  const fh = await open(zipPath, 'r');
  let raw: Buffer;
  try {
    raw = await readAt(fh, start, entry.compressedSize);
  } finally {
    await fh.close();
  }
  const data = entry.method === METHOD_DEFLATE ? inflateRawSync(raw) : raw;
  if (data.length !== entry.size || crc32(data) >>> 0 !== entry.crc32)
    fail(zipPath, `${entry.name} does not match its size or CRC`);
  return data;
}

class CrcCheck extends Transform {
  private crc = 0;
  private bytes = 0;
  constructor(
    private readonly expected: { crc: number; size: number },
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.expected.size || this.crc >>> 0 !== this.expected.crc)
      done(new Error(`${this.what} does not match its size or CRC`));
    else done();
  }
}

/**
 * Unpacks a zip into `destDir`, streaming each entry and checking its CRC.
 * Files get mode 0755 when the archive marks them executable, 0644
 * otherwise. Entries that would land outside `destDir`, symlinks, and
 * encrypted entries are refused.
 */
export async function extractZip(
  zipPath: string,
  destDir: string,
): Promise<{ files: number; bytes: number }> {
  const entries = await listZip(zipPath);
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  let files = 0;
  let bytes = 0;
  for (const entry of entries) {
    checkSupported(zipPath, entry);
    if (entry.isSymlink) fail(zipPath, `${entry.name} is a symbolic link, which is not extracted`);
    const target = resolve(root, entry.name);
    const rel = relative(root, target);
    if (isAbsolute(entry.name) || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
      fail(zipPath, `${entry.name} would be written outside ${destDir}`);
    if (entry.isDirectory) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    const mode = entry.executable ? 0o755 : 0o644;
    const output = createWriteStream(target, { mode });
    if (entry.compressedSize === 0) {
      if (entry.size !== 0) fail(zipPath, `${entry.name} has no data`);
      output.end();
      await new Promise<void>((ok, ko) => output.on('close', ok).on('error', ko));
    } else {
      const start = await dataOffset(zipPath, entry);
      const input = createReadStream(zipPath, { start, end: start + entry.compressedSize - 1 });
      const check = new CrcCheck({ crc: entry.crc32, size: entry.size }, `${zipPath}: ${entry.name}`);
      if (entry.method === METHOD_DEFLATE) await pipeline(input, createInflateRaw(), check, output);
      else await pipeline(input, check, output);
    }
    await chmod(target, mode); // the umask may have narrowed it
    files++;
    bytes += entry.size;
  }
  return { files, bytes };
}
