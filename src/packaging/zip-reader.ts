import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { errorMessage } from '../util/retry.js';
import {
  locateCentralDirectory,
  MAX_TAIL_BYTES,
  parseCentralDirectory,
  readZip64End,
  type ZipEntryInfo,
} from './zip-directory.js';
import { FLAG_ENCRYPTED, LOCAL_FILE_HEADER, METHOD_DEFLATE, METHOD_STORED } from './zip-format.js';

export type { ZipEntryInfo } from './zip-directory.js';

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

/** Reads the central directory (ZIP64 aware) through the one parser, zip-directory.ts. */
export async function readZipDirectory(zipPath: string): Promise<ZipListing> {
  const fh = await open(zipPath, 'r');
  try {
    const { size } = await fh.stat();
    const tailStart = Math.max(0, size - MAX_TAIL_BYTES);
    let location = locateCentralDirectory(await readAt(fh, tailStart, size - tailStart), tailStart);
    const zip64 = location.zip64EndOffset !== undefined;
    if (location.zip64EndOffset !== undefined)
      location = readZip64End(await readAt(fh, location.zip64EndOffset, 56));
    if (location.offset + location.size > size)
      throw new Error('zip: the central directory lies beyond the end of the file');
    const directory = await readAt(fh, location.offset, location.size);
    return { entries: parseCentralDirectory(directory, location.entries), zip64 };
  } catch (error) {
    fail(zipPath, errorMessage(error).replace(/^zip: /, ''));
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
