import { describe, expect, it } from '@jest/globals';
import {
  centralHeaderLength,
  localHeaderLength,
  writeCentralHeader,
  writeLocalHeader,
  type EntryFacts,
} from '../../src/packaging/zip-records.js';
import { METHOD_DEFLATE, METHOD_STORED, MODE_EXECUTABLE, MODE_FILE } from '../../src/packaging/zip-format.js';

/*
 * The records' bytes, pinned: the hex below was written by the previous
 * implementation (Buffer's writeUInt16LE/writeUInt32LE). Every zip's SHA-256,
 * and so the entry cache and the deployed code's identity, depend on them.
 */
const name = Buffer.from('pkg/ünï.py', 'utf8');
/** A value too big for its field, or a write past the end (the error comes from another realm under jest: matched by message). */
const OUT_OF_RANGE = /out of range|out of bounds|outside buffer bounds/;

function local(
  method: number,
  crc: number,
  size: number,
  compressed: number,
  zip64: boolean,
  descriptor = false,
) {
  const b = Buffer.alloc(localHeaderLength(name, zip64));
  const end = writeLocalHeader(b, 0, name, method, crc, size, compressed, zip64, descriptor);
  return { hex: b.toString('hex'), end };
}

function central(e: Omit<EntryFacts, 'name'>, force: boolean) {
  const facts = { ...e, name };
  const b = Buffer.alloc(centralHeaderLength(facts, force));
  const end = writeCentralHeader(b, 0, facts, force);
  return { hex: b.toString('hex'), end };
}

describe('zip records', () => {
  it('writes local headers byte for byte as before: plain, ZIP64, and with a data descriptor', () => {
    expect(local(METHOD_DEFLATE, 0xdeadbeef, 1000, 400, false)).toEqual({
      hex: '504b030414000008080000002100efbeadde90010000e80300000c000000706b672fc3bc6ec3af2e7079',
      end: 42,
    });
    expect(local(METHOD_STORED, 0x01020304, 2 ** 32 + 5, 2 ** 32 + 5, true)).toEqual({
      hex:
        '504b03042d00000800000000210004030201ffffffffffffffff0c001400706b672fc3bc6ec3af2e7079' +
        '0100100005000000010000000500000001000000',
      end: 62,
    });
    expect(local(METHOD_DEFLATE, 0, 0, 0, false, true)).toEqual({
      hex: '504b0304140008080800000021000000000000000000000000000c000000706b672fc3bc6ec3af2e7079',
      end: 42,
    });
  });

  it('writes central records byte for byte as before: plain, ZIP64 sizes and offset, and forced ZIP64', () => {
    const base = { descriptor: false, zip64Local: false };
    expect(
      central(
        {
          ...base,
          mode: MODE_EXECUTABLE,
          offset: 123456,
          size: 1000,
          method: METHOD_DEFLATE,
          crc: 0xdeadbeef,
          compressedSize: 400,
        },
        false,
      ),
    ).toEqual({
      hex:
        '504b01022d0314000008080000002100efbeadde90010000e80300000c0000000000000000000000ed8140e20100' +
        '706b672fc3bc6ec3af2e7079',
      end: 58,
    });
    expect(
      central(
        {
          mode: MODE_FILE,
          offset: 2 ** 32 + 7,
          size: 2 ** 32 + 5,
          method: METHOD_DEFLATE,
          crc: 0x89abcdef,
          compressedSize: 2 ** 32 + 1,
          descriptor: true,
          zip64Local: true,
        },
        false,
      ),
    ).toEqual({
      hex:
        '504b01022d032d000808080000002100efcdab89ffffffffffffffff0c001c000000000000000000a481ffffffff' +
        '706b672fc3bc6ec3af2e707901001800050000000100000001000000010000000700000001000000',
      end: 86,
    });
    expect(
      central(
        { ...base, mode: MODE_FILE, offset: 9, size: 5, method: METHOD_STORED, crc: 1, compressedSize: 5 },
        true,
      ),
    ).toEqual({
      hex:
        '504b01022d032d00000800000000210001000000ffffffffffffffff0c001c000000000000000000a481ffffffff' +
        '706b672fc3bc6ec3af2e707901001800050000000000000005000000000000000900000000000000',
      end: 86,
    });
  });

  it('refuses a value that does not fit its field, or a record that does not fit the buffer, rather than truncate it', () => {
    const b = Buffer.alloc(localHeaderLength(name, false));
    // A size that needs ZIP64, given without it.
    expect(() => writeLocalHeader(b, 0, name, METHOD_DEFLATE, 1, 2 ** 32, 10, false)).toThrow(OUT_OF_RANGE);
    expect(() => writeLocalHeader(b, 0, name, METHOD_DEFLATE, 1, 10, -1, false)).toThrow(OUT_OF_RANGE);
    const long = Buffer.alloc(0x10000, 0x61);
    expect(() =>
      writeLocalHeader(Buffer.alloc(localHeaderLength(long, false)), 0, long, METHOD_DEFLATE, 1, 1, 1, false),
    ).toThrow(OUT_OF_RANGE);
    // One byte short.
    expect(() => writeLocalHeader(b.subarray(1), 0, name, METHOD_DEFLATE, 1, 10, 10, false)).toThrow(
      OUT_OF_RANGE,
    );
    const facts: EntryFacts = {
      name,
      mode: MODE_FILE,
      offset: 1,
      size: 1,
      method: METHOD_STORED,
      crc: 1,
      compressedSize: 1,
      descriptor: false,
      zip64Local: false,
    };
    expect(() =>
      writeCentralHeader(Buffer.alloc(centralHeaderLength(facts, false) - 1), 0, facts, false),
    ).toThrow(OUT_OF_RANGE);
  });
});
