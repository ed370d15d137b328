/**
 * Stored (uncompressed) zips for the packages tests and the bench hand to
 * Lambda: the fake refuses a "package" that is not a zip, as Lambda does.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * A stored zip of `files`. `declaredSize` overrides the uncompressed size the
 * central directory states, to stand for a large package without writing one.
 */
export function storedZip(files: Record<string, string | Buffer>, declaredSize?: number): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(declaredSize ?? data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The bytes a stored zip of one entry named `name` adds around its content. */
export function storedZipOverhead(name: string): number {
  return 30 + 46 + 22 + 2 * Buffer.byteLength(name);
}

export interface ZipFixture {
  path: string;
  bytes: number;
  sha256Hex: string;
  codeSha256: string;
}

/**
 * A built package of exactly `bytes` bytes on disk: a stored zip of one entry
 * of deterministic noise (`seed` picks it), so Lambda takes it as code and
 * two seeds are two code changes.
 */
export function writeZipFixture(dir: string, name: string, bytes: number, seed: number): ZipFixture {
  const entry = 'package.bin';
  const noise = Buffer.alloc(Math.max(0, bytes - storedZipOverhead(entry)));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    noise[i] = x & 0xff;
  }
  const data = storedZip({ [entry]: noise });
  const path = join(dir, name);
  writeFileSync(path, data);
  const sha256 = createHash('sha256').update(data);
  const digest = sha256.digest();
  return {
    path,
    bytes: data.length,
    sha256Hex: digest.toString('hex'),
    codeSha256: digest.toString('base64'),
  };
}
