/**
 * Reads a zip's unzipped size from its central directory alone, so a layer's
 * size can be learned with two small range reads instead of a download.
 * Pure: takes bytes, returns numbers.
 */

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;
/** The end record is 22 bytes plus a comment of up to 65,535. */
export const MAX_TAIL_BYTES = 22 + 0xffff + 20;

export interface DirectoryLocation {
  /** Offset of the central directory in the archive. */
  offset: number;
  size: number;
  entries: number;
  /** Set when the archive is ZIP64 and the ZIP64 end record must be read first (at this offset, 56 bytes). */
  zip64EndOffset?: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(v: DataView, at: number): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('zip: a 64-bit size is too large');
  return Number(n);
}

/**
 * Finds the end of central directory record in the archive's last bytes.
 * @param tail        the last bytes of the archive
 * @param tailOffset  where `tail` starts in the archive
 */
export function locateCentralDirectory(tail: Uint8Array, tailOffset: number): DirectoryLocation {
  const v = view(tail);
  for (let at = tail.length - 22; at >= 0; at--) {
    if (v.getUint32(at, true) !== EOCD) continue;
    // The comment must run exactly to the end, or this is a lookalike inside the comment or data.
    if (at + 22 + v.getUint16(at + 20, true) !== tail.length) continue;
    const entries = v.getUint16(at + 10, true);
    const size = v.getUint32(at + 12, true);
    const offset = v.getUint32(at + 16, true);
    if (entries === MAX_U16 || size === MAX_U32 || offset === MAX_U32) {
      const locator = at - 20;
      if (locator < 0 || v.getUint32(locator, true) !== ZIP64_LOCATOR)
        throw new Error('zip: ZIP64 locator missing');
      return { offset, size, entries, zip64EndOffset: u64(v, locator + 8) };
    }
    return { offset: offset, size, entries };
  }
  // tailOffset only matters for the message: an archive with no end record is no zip.
  throw new Error(
    `zip: no end of central directory record in the last ${tail.length} bytes (from offset ${tailOffset})`,
  );
}

/** Reads the ZIP64 end record (56 bytes) into a directory location. */
export function readZip64End(record: Uint8Array): DirectoryLocation {
  const v = view(record);
  if (record.length < 56 || v.getUint32(0, true) !== ZIP64_EOCD) throw new Error('zip: bad ZIP64 end record');
  return { entries: u64(v, 32), size: u64(v, 40), offset: u64(v, 48) };
}

/** Sum of the entries' uncompressed sizes (ZIP64 extra fields included). */
export function unzippedSize(directory: Uint8Array, entries: number): number {
  const v = view(directory);
  let at = 0;
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > directory.length || v.getUint32(at, true) !== CENTRAL_HEADER)
      throw new Error(`zip: central directory entry ${i} is damaged`);
    let size = v.getUint32(at + 24, true);
    const compressed = v.getUint32(at + 20, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    if (size === MAX_U32) {
      // ZIP64 extra: the 8-byte uncompressed size comes first when it overflowed.
      let e = at + 46 + nameLength;
      const end = e + extraLength;
      let found = false;
      while (e + 4 <= end) {
        const id = v.getUint16(e, true);
        const len = v.getUint16(e + 2, true);
        if (id === 0x0001 && len >= 8) {
          size = u64(v, e + 4);
          found = true;
          break;
        }
        e += 4 + len;
      }
      if (!found) throw new Error(`zip: entry ${i} lacks its ZIP64 size (compressed ${compressed})`);
    }
    total += size;
    at += 46 + nameLength + extraLength + commentLength;
  }
  return total;
}
