/**
 * The one central-directory parser serves both the local reader (a file) and
 * layer-size (range reads): the same bytes give the same answer either way.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  locateCentralDirectory,
  MAX_TAIL_BYTES,
  parseCentralDirectory,
  readZip64End,
  unzippedSize,
} from '../../src/packaging/zip-directory.js';
import { readZipDirectory } from '../../src/packaging/zip-reader.js';
import { writeZip } from '../../src/packaging/zip-writer.js';
import { tempDir } from './helpers.js';

const temp = tempDir('zip-directory');
afterAll(() => temp.cleanup());

/** The directory of `zip` read the way layer-size does: from its tail and a range. */
function directoryOf(zip: Buffer) {
  const tailStart = Math.max(0, zip.length - MAX_TAIL_BYTES);
  let location = locateCentralDirectory(zip.subarray(tailStart), tailStart);
  if (location.zip64EndOffset !== undefined)
    location = readZip64End(zip.subarray(location.zip64EndOffset, location.zip64EndOffset + 56));
  return { location, bytes: zip.subarray(location.offset, location.offset + location.size) };
}

describe('zip-directory: one parser for a file and for range reads', () => {
  it.each([false, true])('agrees with readZipDirectory (forceZip64 %s)', async (forceZip64) => {
    writeFileSync(join(temp.dir, 'a.txt'), 'hello '.repeat(1000));
    writeFileSync(join(temp.dir, 'b.py'), 'print(1)\n');
    const zipPath = join(temp.dir, `out-${forceZip64}.zip`);
    await writeZip(
      zipPath,
      [
        { name: 'a.txt', file: join(temp.dir, 'a.txt') },
        { name: 'pkg/b.py', file: join(temp.dir, 'b.py') },
      ],
      { forceZip64 },
    );
    const { location, bytes } = directoryOf(readFileSync(zipPath));
    const listing = await readZipDirectory(zipPath);
    expect(listing.zip64).toBe(forceZip64);
    expect(parseCentralDirectory(bytes, location.entries)).toEqual(listing.entries);
    expect(listing.entries.map((e) => [e.name, e.size])).toEqual([
      ['a.txt', 6000],
      ['pkg/b.py', 9],
    ]);
    expect(unzippedSize(bytes, location.entries)).toBe(6009);
  });

  it('a file that is no zip is refused by name, with the reason', async () => {
    const path = join(temp.dir, 'not.zip');
    writeFileSync(path, 'just text, long enough to hold an end record if it were one');
    await expect(readZipDirectory(path)).rejects.toThrow(
      `${path} is not a readable zip: no end of central directory record`,
    );
  });

  it('a damaged directory entry is named by its number', async () => {
    const zipPath = join(temp.dir, 'damaged.zip');
    writeFileSync(join(temp.dir, 'c.txt'), 'c');
    await writeZip(zipPath, [{ name: 'c.txt', file: join(temp.dir, 'c.txt') }]);
    const zip = readFileSync(zipPath);
    const { location } = directoryOf(zip);
    zip.writeUInt32LE(0, location.offset); // the central header's signature
    writeFileSync(zipPath, zip);
    await expect(readZipDirectory(zipPath)).rejects.toThrow(
      `${zipPath} is not a readable zip: central directory entry 0 is damaged`,
    );
  });
});
