/**
 * The dependencies archive of a slim package: a tar stream, gzip-compressed,
 * reproducible (entries sorted by the UTF-8 bytes of their names, fixed
 * owner and time, mode 0644 or 0755, one fixed gzip header). Why tar.gz and
 * not a zip: the function unpacks it while it downloads (a zip's directory
 * is at its end), Python's standard library inflates gzip, and the archive
 * needs no room in /tmp next to the tree (see bench/slim-bench.ts for the
 * figures).
 *
 * The tar stream is deflated by the zip writer's ChunkedDeflate (pigz's
 * way: 1 MiB chunks on all cores, each primed with the 32 KiB before it, one
 * deflate stream, combined CRC-32); this file adds the gzip header and
 * trailer. The bytes do not depend on the number of cores.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ChunkedDeflate } from './chunked-deflate.js';
import type { DeflatePool } from './deflate-pool.js';
import { compareZipNames, type ZipEntrySource } from './zip-writer.js';

export const SLIM_ARCHIVE_EXTENSION = '.tar.gz';
/** zlib level of the archive: as the function zip's (see zip-writer.ts). */
export const SLIM_ARCHIVE_LEVEL = 5;
const BLOCK = 512;
/** Bytes of a file read at a time into the deflate stream. */
const READ_BYTES = 1024 * 1024;
/** Octal in 11 digits: the most a ustar size field holds. */
const MAX_OCTAL_SIZE = 0o77777777777;
/** A file's share of the /tmp file system: whole 4 KiB blocks, as ext4 allocates them. */
const FS_BLOCK = 4096;
/** The gzip header: no name, no time, Unix. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

export interface SlimArchiveOptions {
  level?: number;
  /** Threads to deflate on (default: ChunkedDeflate's own, one per core but one). */
  pool?: DeflatePool;
}

export interface SlimArchiveResult {
  path: string;
  /** Size of the archive file. */
  bytes: number;
  sha256Hex: string;
  /** Sum of the files' sizes. */
  unpackedBytes: number;
  /** What the unpacked tree takes on a file system of 4 KiB blocks (files and folders). */
  diskBytes: number;
  files: number;
}

/** The bytes of a ustar field holding `value` in octal, `width` long with its NUL. */
function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** `LEN key=value\n`, where LEN counts itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  let length = bodyBytes + 1;
  while (String(length).length + bodyBytes !== length) length = String(length).length + bodyBytes;
  return Buffer.from(`${length}${body}`, 'utf8');
}

function header(name: Buffer, prefix: Buffer, size: number, mode: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0);
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid
  h.write(octal(0, 8), 116, 'latin1'); // gid
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(0, 12), 136, 'latin1'); // mtime
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  prefix.copy(h, 345);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** `name` split into ustar's prefix (155) and name (100) fields at a slash, when it can be. */
function ustarSplit(name: Buffer): [Buffer, Buffer] | undefined {
  if (name.length <= 100) return [Buffer.alloc(0), name];
  for (let i = Math.min(155, name.length - 1); i > 0; i--)
    if (name[i] === 0x2f && name.length - i - 1 <= 100 && name.length - i - 1 > 0)
      return [name.subarray(0, i), name.subarray(i + 1)];
  return undefined;
}

/** The header block(s) of a regular file: a pax header first for a long or non-ASCII name or a size past 8 GB. */
export function tarFileHeaders(name: string, size: number, executable: boolean): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const ascii = bytes.length === name.length;
  const split = ascii ? ustarSplit(bytes) : undefined;
  const records: Buffer[] = [];
  if (!split) records.push(paxRecord('path', name));
  if (size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(size)));
  const mode = executable ? 0o755 : 0o644;
  const [prefix, short] = split ?? [
    Buffer.alloc(0),
    Buffer.from(name.slice(0, 100).replace(/[^\x20-\x7e]/g, '_'), 'latin1'),
  ];
  const own = header(short.subarray(0, 100), prefix, size > MAX_OCTAL_SIZE ? 0 : size, mode, '0');
  if (!records.length) return own;
  const pax = Buffer.concat(records);
  return Buffer.concat([
    header(Buffer.from('PaxHeader'), Buffer.alloc(0), pax.length, 0o644, 'x'),
    pax,
    padding(pax.length),
    own,
  ]);
}

/** The archive file: the gzip framing and deflate stream written in order, hashed as they go. */
class HashedFile {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly out: FileHandle) {}

  async write(data: Uint8Array): Promise<void> {
    this.hash.update(data);
    this.bytes += data.length;
    let offset = 0;
    while (offset < data.length) offset += (await this.out.write(data, offset)).bytesWritten;
  }

  sha256Hex(): string {
    return this.hash.digest('hex');
  }
}

/** Copies `size` bytes of a file into the stream; a file of another size is an error. */
async function writeFileInto(
  deflate: ChunkedDeflate,
  path: string,
  size: number,
  buffer: Buffer,
): Promise<void> {
  const file = await open(path, 'r');
  try {
    let left = size;
    while (left > 0) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(left, buffer.length), null);
      if (bytesRead === 0) throw new Error(`${path} became shorter while it was being packaged`);
      await deflate.write(buffer.subarray(0, bytesRead));
      left -= bytesRead;
    }
    const { bytesRead } = await file.read(buffer, 0, 1, null);
    if (bytesRead) throw new Error(`${path} became longer while it was being packaged`);
  } finally {
    await file.close();
  }
}

/** What a tree of these files takes on a file system of 4 KiB blocks: whole blocks per file and per folder. */
export function treeDiskBytes(files: readonly { name: string; size: number }[]): number {
  const folders = new Set<string>();
  let bytes = 0;
  for (const file of files) {
    const parts = file.name.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
    bytes += Math.ceil(file.size / FS_BLOCK) * FS_BLOCK;
  }
  return bytes + (folders.size + 1) * FS_BLOCK;
}

/** Writes the archive; `sources` are files (or generated data) with their names inside the tree. */
export async function writeSlimArchive(
  outPath: string,
  sources: readonly ZipEntrySource[],
  options: SlimArchiveOptions = {},
): Promise<SlimArchiveResult> {
  const entries = [...sources].sort((a, b) => compareZipNames(a.name, b.name));
  for (let i = 1; i < entries.length; i++)
    if (entries[i - 1]!.name === entries[i]!.name)
      throw new Error(`dependencies archive entry ${entries[i]!.name} is given twice`);
  for (const entry of entries) {
    const parts = entry.name.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..') || entry.name.includes('\\'))
      throw new Error(`dependencies archive entry ${JSON.stringify(entry.name)} is not a relative path`);
    if (!entry.data && (entry.size ?? -1) < 0)
      throw new Error(`dependencies archive entry ${entry.name} has no size`);
  }
  let unpackedBytes = 0;
  const out = await open(outPath, 'w');
  try {
    const file = new HashedFile(out);
    await file.write(GZIP_HEADER);
    const deflate = new ChunkedDeflate((bytes) => file.write(bytes), {
      level: options.level ?? SLIM_ARCHIVE_LEVEL,
      ...(options.pool ? { pool: options.pool } : {}),
    });
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    try {
      for (const entry of entries) {
        const size = entry.data ? entry.data.length : entry.size!;
        await deflate.write(tarFileHeaders(entry.name, size, Boolean(entry.executable)));
        if (entry.data) await deflate.write(entry.data);
        else await writeFileInto(deflate, entry.file!, size, buffer);
        await deflate.write(padding(size));
        unpackedBytes += size;
      }
      await deflate.write(Buffer.alloc(2 * BLOCK));
    } catch (error) {
      await deflate.abort();
      throw error;
    }
    const { crc, size } = await deflate.end();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(size % 2 ** 32, 4);
    await file.write(trailer);
    return {
      path: outPath,
      bytes: file.bytes,
      sha256Hex: file.sha256Hex(),
      unpackedBytes,
      diskBytes: treeDiskBytes(
        entries.map((e) => ({ name: e.name, size: e.data ? e.data.length : (e.size ?? 0) })),
      ),
      files: entries.length,
    };
  } finally {
    await out.close();
  }
}
