/**
 * The dependencies archive of a slim package: a tar stream, gzip-compressed,
 * reproducible (entries sorted by the UTF-8 bytes of their names, fixed
 * owner and time, mode 0644 or 0755, one fixed gzip header). Why tar.gz and
 * not a zip: the function unpacks it while it downloads (a zip's directory
 * is at its end), Python's standard library inflates gzip, and the archive
 * needs no room in /tmp next to the tree (see bench/slim-bench.ts for the
 * figures).
 *
 * The gzip stream is compressed the way pigz does it: 1 MiB chunks deflated
 * at the same time in Node's zlib thread pool, each primed with the 32 KiB
 * before it (so the ratio is that of one stream) and ended with a sync flush,
 * the last with a final block; their concatenation is one valid deflate
 * stream. The CRC-32 is computed in order as the tar bytes go by. The bytes
 * do not depend on the number of cores.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';
import { compareZipNames, type ZipEntrySource } from './zip-writer.js';

const deflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(deflateRaw);

export const SLIM_ARCHIVE_EXTENSION = '.tar.gz';
/** zlib level of the archive: as the function zip's (see zip-writer.ts). */
export const SLIM_ARCHIVE_LEVEL = 5;
const BLOCK = 512;
const CHUNK = 1024 * 1024;
const WINDOW = 32 * 1024;
/** Octal in 11 digits: the most a ustar size field holds. */
const MAX_OCTAL_SIZE = 0o77777777777;
/** A file's share of the /tmp file system: whole 4 KiB blocks, as ext4 allocates them. */
const FS_BLOCK = 4096;
/** The gzip header: no name, no time, Unix. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

export interface SlimArchiveOptions {
  level?: number;
  /** Chunks being deflated at once (default: one per core, plus one). */
  concurrency?: number;
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

/** Deflates 1 MiB chunks concurrently and writes them, in order, as one gzip stream. */
class GzipChunks {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private filled = 0;
  private tail = Buffer.alloc(0);
  private crc = 0;
  private inputBytes = 0;
  private readonly pending: Promise<Buffer>[] = [];
  private readonly hash = createHash('sha256');
  private outputBytes = 0;

  constructor(
    private readonly out: FileHandle,
    private readonly level: number,
    private readonly concurrency: number,
  ) {}

  async start(): Promise<void> {
    await this.emit(GZIP_HEADER);
  }

  async write(data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const n = data.copy(this.chunk, this.filled, offset);
      this.filled += n;
      offset += n;
      if (this.filled === CHUNK) await this.dispatch(false);
    }
  }

  /** Copies `size` bytes of a file straight into the chunks; a file of another size is an error. */
  async writeFile(path: string, size: number): Promise<void> {
    const file = await open(path, 'r');
    try {
      let left = size;
      while (left > 0) {
        const want = Math.min(left, CHUNK - this.filled);
        const { bytesRead } = await file.read(this.chunk, this.filled, want, null);
        if (bytesRead === 0) throw new Error(`${path} became shorter while it was being packaged`);
        this.filled += bytesRead;
        left -= bytesRead;
        if (this.filled === CHUNK) await this.dispatch(false);
      }
      const { bytesRead } = await file.read(Buffer.alloc(1), 0, 1, null);
      if (bytesRead) throw new Error(`${path} became longer while it was being packaged`);
    } finally {
      await file.close();
    }
  }

  async finish(): Promise<{ bytes: number; sha256Hex: string }> {
    await this.dispatch(true);
    while (this.pending.length) await this.flushOne();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.inputBytes % 2 ** 32, 4);
    await this.emit(trailer);
    return { bytes: this.outputBytes, sha256Hex: this.hash.digest('hex') };
  }

  private async dispatch(last: boolean): Promise<void> {
    const input = this.chunk.subarray(0, this.filled);
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.filled = 0;
    this.crc = crc32(input, this.crc);
    this.inputBytes += input.length;
    const options: ZlibOptions = {
      level: this.level,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      ...(this.tail.length ? { dictionary: this.tail } : {}),
    };
    const window = Buffer.concat([this.tail, input]);
    this.tail = Buffer.from(window.subarray(Math.max(0, window.length - WINDOW)));
    const deflated = deflateRawAsync(input, options);
    deflated.catch(() => undefined); // awaited in order by flushOne
    this.pending.push(deflated);
    while (this.pending.length > this.concurrency) await this.flushOne();
  }

  private async flushOne(): Promise<void> {
    await this.emit(await this.pending.shift()!);
  }

  private async emit(data: Buffer): Promise<void> {
    this.hash.update(data);
    this.outputBytes += data.length;
    let offset = 0;
    while (offset < data.length) offset += (await this.out.write(data, offset)).bytesWritten;
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
  let unpackedBytes = 0;
  const out = await open(outPath, 'w');
  try {
    const gzip = new GzipChunks(
      out,
      options.level ?? SLIM_ARCHIVE_LEVEL,
      Math.max(1, options.concurrency ?? availableParallelism() + 1),
    );
    await gzip.start();
    for (const entry of entries) {
      const parts = entry.name.split('/');
      if (parts.some((p) => p === '' || p === '.' || p === '..') || entry.name.includes('\\'))
        throw new Error(`dependencies archive entry ${JSON.stringify(entry.name)} is not a relative path`);
      const size = entry.data ? entry.data.length : (entry.size ?? -1);
      if (size < 0) throw new Error(`dependencies archive entry ${entry.name} has no size`);
      await gzip.write(tarFileHeaders(entry.name, size, Boolean(entry.executable)));
      if (entry.data) await gzip.write(entry.data);
      else await gzip.writeFile(entry.file!, size);
      await gzip.write(padding(size));
      unpackedBytes += size;
    }
    await gzip.write(Buffer.alloc(2 * BLOCK));
    const { bytes, sha256Hex } = await gzip.finish();
    return {
      path: outPath,
      bytes,
      sha256Hex,
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
