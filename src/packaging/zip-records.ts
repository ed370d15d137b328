/**
 * Byte layouts of the records our zip writer emits (PKWARE APPNOTE 6.3):
 * pure functions from an entry's facts to bytes. One fixed timestamp, the
 * UTF-8 flag, Unix modes, and no extra field except ZIP64 where a value
 * needs it, so the same facts always give the same bytes.
 */
import {
  CENTRAL_FILE_HEADER,
  DATA_DESCRIPTOR,
  DOS_DATE,
  DOS_TIME,
  END_OF_CENTRAL_DIRECTORY,
  FLAG_DATA_DESCRIPTOR,
  FLAG_UTF8,
  LOCAL_FILE_HEADER,
  MAX_UINT16,
  MAX_UINT32,
  METHOD_DEFLATE,
  VERSION_DEFLATE,
  VERSION_MADE_BY,
  VERSION_STORED,
  VERSION_ZIP64,
  ZIP64_END_LOCATOR,
  ZIP64_END_OF_CENTRAL_DIRECTORY,
  ZIP64_EXTRA_ID,
} from './zip-format.js';

/** What is known of an entry once its data is written. */
export interface EntryFacts {
  name: Buffer;
  method: number;
  crc: number;
  size: number;
  compressedSize: number;
  /** Unix mode with the file type bits (MODE_FILE, MODE_EXECUTABLE). */
  mode: number;
  /** Offset of the local header in the archive. */
  offset: number;
  /** Sizes and CRC were written after the data (a chunk-deflated entry). */
  descriptor: boolean;
  /** The local header carries a ZIP64 field (so the descriptor holds 8-byte sizes). */
  zip64Local: boolean;
}

/**
 * Entries whose sizes come after the data get ZIP64 local fields from this
 * size up: deflate can grow incompressible input by a few bytes per 16 KB,
 * so the compressed size of a file just under 4 GiB may not fit 32 bits.
 */
export const DESCRIPTOR_ZIP64_FROM = 0xf0000000;

function versionNeeded(method: number, zip64: boolean): number {
  if (zip64) return VERSION_ZIP64;
  return method === METHOD_DEFLATE ? VERSION_DEFLATE : VERSION_STORED;
}

/*
 * Little-endian fields written byte by byte: Buffer's writeUInt16LE and
 * writeUInt32LE check their arguments in several JavaScript calls, which is
 * most of the cost of the ~30 fields of every entry while the code is cold
 * (measured 5.5-8.8 ms against 1.3-2.4 ms for 1,001 entries' headers).
 * Same checks: a value that does not fit is an error, never truncated; a
 * record that does not fit its buffer fails when its name is set (the name
 * comes after these fields).
 */
function u16(b: Buffer, value: number, offset: number): number {
  if ((value & 0xffff) !== value) throw new RangeError(`zip field out of range: ${value}`);
  b[offset] = value;
  b[offset + 1] = value >>> 8;
  return offset + 2;
}

function u32(b: Buffer, value: number, offset: number): number {
  if (value >>> 0 !== value) throw new RangeError(`zip field out of range: ${value}`);
  b[offset] = value;
  b[offset + 1] = value >>> 8;
  b[offset + 2] = value >>> 16;
  b[offset + 3] = value >>> 24;
  return offset + 4;
}

function writeUInt64(b: Buffer, value: number, offset: number): number {
  return b.writeBigUInt64LE(BigInt(value), offset);
}

export function localHeaderLength(name: Buffer, zip64: boolean): number {
  return 30 + name.length + (zip64 ? 20 : 0);
}

/**
 * Writes a local header into `b` at `o` (localHeaderLength bytes); returns
 * the offset after it. With `descriptor`, CRC and sizes are zeros (bit 3).
 */
export function writeLocalHeader(
  b: Buffer,
  o: number,
  name: Buffer,
  method: number,
  crc: number,
  size: number,
  compressedSize: number,
  zip64: boolean,
  descriptor = false,
): number {
  u32(b, LOCAL_FILE_HEADER, o);
  u16(b, versionNeeded(method, zip64), o + 4);
  u16(b, descriptor ? FLAG_UTF8 | FLAG_DATA_DESCRIPTOR : FLAG_UTF8, o + 6);
  u16(b, method, o + 8);
  u16(b, DOS_TIME, o + 10);
  u16(b, DOS_DATE, o + 12);
  u32(b, crc >>> 0, o + 14);
  u32(b, zip64 ? MAX_UINT32 : compressedSize, o + 18);
  u32(b, zip64 ? MAX_UINT32 : size, o + 22);
  u16(b, name.length, o + 26);
  u16(b, zip64 ? 20 : 0, o + 28);
  b.set(name, o + 30);
  o += 30 + name.length;
  if (zip64) {
    // A local ZIP64 field always carries both sizes.
    o = u16(b, ZIP64_EXTRA_ID, o);
    o = u16(b, 16, o);
    o = writeUInt64(b, size, o);
    o = writeUInt64(b, compressedSize, o);
  }
  return o;
}

/** A local header whose CRC and sizes are known (written before the data). */
export function localHeader(
  name: Buffer,
  method: number,
  crc: number,
  size: number,
  compressedSize: number,
  zip64: boolean,
): Buffer {
  const b = Buffer.allocUnsafe(localHeaderLength(name, zip64));
  writeLocalHeader(b, 0, name, method, crc, size, compressedSize, zip64);
  return b;
}

/**
 * A local header for a deflated entry whose CRC and sizes follow the data:
 * zeros there (and in the ZIP64 field, when there is one), bit 3 set.
 */
export function descriptorLocalHeader(name: Buffer, zip64: boolean): Buffer {
  const b = Buffer.allocUnsafe(localHeaderLength(name, zip64));
  writeLocalHeader(b, 0, name, METHOD_DEFLATE, 0, 0, 0, zip64, true);
  return b;
}

/** The data descriptor after a bit-3 entry's data: 8-byte sizes when its local header has ZIP64. */
export function dataDescriptor(crc: number, size: number, compressedSize: number, zip64: boolean): Buffer {
  const b = Buffer.allocUnsafe(zip64 ? 24 : 16);
  b.writeUInt32LE(DATA_DESCRIPTOR, 0);
  b.writeUInt32LE(crc >>> 0, 4);
  if (zip64) {
    writeUInt64(b, compressedSize, 8);
    writeUInt64(b, size, 16);
  } else {
    b.writeUInt32LE(compressedSize, 8);
    b.writeUInt32LE(size, 12);
  }
  return b;
}

function centralZip64(
  e: EntryFacts,
  force: boolean,
): { bigSizes: boolean; bigOffset: boolean; count: number } {
  // Central ZIP64 fields appear only for values marked 0xFFFFFFFF, in this order.
  const bigSizes = force || e.size >= MAX_UINT32 || e.compressedSize >= MAX_UINT32;
  const bigOffset = force || e.offset >= MAX_UINT32;
  return { bigSizes, bigOffset, count: (bigSizes ? 2 : 0) + (bigOffset ? 1 : 0) };
}

export function centralHeaderLength(e: EntryFacts, force: boolean): number {
  const { count } = centralZip64(e, force);
  return 46 + e.name.length + (count ? 4 + 8 * count : 0);
}

/** Writes an entry's central directory record into `b` at `o`; returns the offset after it. */
export function writeCentralHeader(b: Buffer, o: number, e: EntryFacts, force: boolean): number {
  const { bigSizes, bigOffset, count } = centralZip64(e, force);
  u32(b, CENTRAL_FILE_HEADER, o);
  u16(b, VERSION_MADE_BY, o + 4);
  u16(b, versionNeeded(e.method, count > 0 || e.zip64Local), o + 6);
  u16(b, e.descriptor ? FLAG_UTF8 | FLAG_DATA_DESCRIPTOR : FLAG_UTF8, o + 8);
  u16(b, e.method, o + 10);
  u16(b, DOS_TIME, o + 12);
  u16(b, DOS_DATE, o + 14);
  u32(b, e.crc >>> 0, o + 16);
  u32(b, bigSizes ? MAX_UINT32 : e.compressedSize, o + 20);
  u32(b, bigSizes ? MAX_UINT32 : e.size, o + 24);
  u16(b, e.name.length, o + 28);
  u16(b, count ? 4 + 8 * count : 0, o + 30);
  u16(b, 0, o + 32); // comment length
  u16(b, 0, o + 34); // disk number
  u16(b, 0, o + 36); // internal attributes
  u32(b, e.mode * 0x10000, o + 38); // Unix mode in the high 16 bits
  u32(b, bigOffset ? MAX_UINT32 : e.offset, o + 42);
  b.set(e.name, o + 46);
  o += 46 + e.name.length;
  if (count) {
    o = u16(b, ZIP64_EXTRA_ID, o);
    o = u16(b, 8 * count, o);
    if (bigSizes) {
      o = writeUInt64(b, e.size, o);
      o = writeUInt64(b, e.compressedSize, o);
    }
    if (bigOffset) o = writeUInt64(b, e.offset, o);
  }
  return o;
}

/** The central directory record of an entry. */
export function centralHeader(e: EntryFacts, force: boolean): Buffer {
  const b = Buffer.allocUnsafe(centralHeaderLength(e, force));
  writeCentralHeader(b, 0, e, force);
  return b;
}

/** The end records: ZIP64 end record and locator when a count, size or offset needs them, then the classic one. */
export function endRecords(
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
