/**
 * The one reader of a zip's central directory (ZIP64 aware). Pure: takes
 * bytes, returns the records, so the same code serves a local file
 * (zip-reader.ts) and a layer learned with two small range reads instead of
 * a download (resources/layers/layer-size.ts).
 */
import {
  CENTRAL_FILE_HEADER,
  END_OF_CENTRAL_DIRECTORY,
  FLAG_UTF8,
  HOST_UNIX,
  MAX_UINT16,
  MAX_UINT32,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  ZIP64_END_LOCATOR,
  ZIP64_END_OF_CENTRAL_DIRECTORY,
  ZIP64_EXTRA_ID,
} from './zip-format.js';

/** The end record is 22 bytes plus a comment of up to 65,535, with the ZIP64 locator (20) before it. */
export const MAX_TAIL_BYTES = 22 + 0xffff + 20;

export interface DirectoryLocation {
  /** Offset of the central directory in the archive. */
  offset: number;
  size: number;
  entries: number;
  /** Set when the archive is ZIP64 and the ZIP64 end record must be read first (at this offset, 56 bytes). */
  zip64EndOffset?: number;
}

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

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(b: Buffer, at: number): number {
  const n = b.readBigUInt64LE(at);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('zip: a 64-bit size is too large');
  return Number(n);
}

/**
 * Finds the end of central directory record in the archive's last bytes
 * (MAX_TAIL_BYTES of them, or the whole archive when shorter).
 * @param tail        the last bytes of the archive
 * @param tailOffset  where `tail` starts in the archive
 */
export function locateCentralDirectory(tail: Uint8Array, tailOffset: number): DirectoryLocation {
  const b = buffer(tail);
  for (let at = b.length - 22; at >= 0; at--) {
    if (b.readUInt32LE(at) !== END_OF_CENTRAL_DIRECTORY) continue;
    // The comment must run exactly to the end, or this is a lookalike inside the comment or data.
    if (at + 22 + b.readUInt16LE(at + 20) !== b.length) continue;
    const entries = b.readUInt16LE(at + 10);
    const size = b.readUInt32LE(at + 12);
    const offset = b.readUInt32LE(at + 16);
    const locator = at - 20;
    if (locator >= 0 && b.readUInt32LE(locator) === ZIP64_END_LOCATOR)
      return { offset, size, entries, zip64EndOffset: u64(b, locator + 8) };
    if (entries === MAX_UINT16 || size === MAX_UINT32 || offset === MAX_UINT32)
      throw new Error('zip: ZIP64 locator missing');
    return { offset, size, entries };
  }
  // tailOffset only matters for the message: an archive with no end record is no zip.
  throw new Error(
    `zip: no end of central directory record in the last ${b.length} bytes (from offset ${tailOffset})`,
  );
}

/** Reads the ZIP64 end record (56 bytes) into a directory location. */
export function readZip64End(record: Uint8Array): DirectoryLocation {
  const b = buffer(record);
  if (b.length < 56 || b.readUInt32LE(0) !== ZIP64_END_OF_CENTRAL_DIRECTORY)
    throw new Error('zip: bad ZIP64 end record');
  return { entries: u64(b, 32), size: u64(b, 40), offset: u64(b, 48) };
}

/** The sizes and offset a ZIP64 extra field holds for the 32-bit fields that overflowed, in APPNOTE's order. */
function applyZip64Extra(
  cd: Buffer,
  from: number,
  end: number,
  sizes: { size: number; compressedSize: number; localHeaderOffset: number },
): void {
  for (let e = from; e + 4 <= end; e += 4 + cd.readUInt16LE(e + 2)) {
    if (cd.readUInt16LE(e) !== ZIP64_EXTRA_ID) continue;
    let z = e + 4;
    const limit = z + cd.readUInt16LE(e + 2);
    for (const field of ['size', 'compressedSize', 'localHeaderOffset'] as const) {
      if (sizes[field] !== MAX_UINT32 || z + 8 > limit) continue;
      sizes[field] = u64(cd, z);
      z += 8;
    }
    return;
  }
}

/** One central directory record at `o`; `next` is where the following one starts. */
function parseEntry(cd: Buffer, o: number, n: number): { entry: ZipEntryInfo; next: number } {
  if (o + 46 > cd.length || cd.readUInt32LE(o) !== CENTRAL_FILE_HEADER)
    throw new Error(`zip: central directory entry ${n} is damaged`);
  const versionMadeBy = cd.readUInt16LE(o + 4);
  const flags = cd.readUInt16LE(o + 8);
  const nameLength = cd.readUInt16LE(o + 28);
  const extraLength = cd.readUInt16LE(o + 30);
  const commentLength = cd.readUInt16LE(o + 32);
  const externalAttributes = cd.readUInt32LE(o + 38);
  // Without the UTF-8 flag the name is CP437; latin1 is right for the ASCII names that matter here.
  const name = cd.subarray(o + 46, o + 46 + nameLength).toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
  const sizes = {
    size: cd.readUInt32LE(o + 24),
    compressedSize: cd.readUInt32LE(o + 20),
    localHeaderOffset: cd.readUInt32LE(o + 42),
  };
  const extraStart = o + 46 + nameLength;
  applyZip64Extra(cd, extraStart, extraStart + extraLength, sizes);
  if (sizes.size === MAX_UINT32)
    throw new Error(`zip: entry ${n} lacks its ZIP64 size (compressed ${sizes.compressedSize})`);
  const unixMode = versionMadeBy >> 8 === HOST_UNIX ? externalAttributes >>> 16 : undefined;
  const type = (unixMode ?? 0) & S_IFMT;
  const entry: ZipEntryInfo = {
    name,
    method: cd.readUInt16LE(o + 10),
    crc32: cd.readUInt32LE(o + 16),
    ...sizes,
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
  };
  return { entry, next: extraStart + extraLength + commentLength };
}

/** Every entry of a central directory (`entries` records from its first byte). */
export function parseCentralDirectory(directory: Uint8Array, entries: number): ZipEntryInfo[] {
  const cd = buffer(directory);
  const list: ZipEntryInfo[] = [];
  for (let n = 0, o = 0; n < entries; n++) {
    const { entry, next } = parseEntry(cd, o, n);
    list.push(entry);
    o = next;
  }
  return list;
}

/** Sum of the entries' uncompressed sizes (ZIP64 extra fields included). */
export function unzippedSize(directory: Uint8Array, entries: number): number {
  return parseCentralDirectory(directory, entries).reduce((total, e) => total + e.size, 0);
}
