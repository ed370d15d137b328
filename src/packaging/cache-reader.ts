/**
 * Serves the entry cache's hits to the zip writer. The processor only hashes
 * a file and finds its row in the cache index (deflate-units.ts); the bytes
 * are read here, on the writing thread, from the zip the cache keeps
 * (entry-cache.ts). A build's hits lie in that zip in the order it writes
 * them, so they are read in large sequential blocks rather than one read per
 * entry on a worker and a copy back. Each unit's bytes must match the CRC-32
 * recorded when they were written; one that does not (a damaged or
 * truncated cache) is deflated again from its file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import {
  createInlineProcessor,
  RECORD_FIELDS,
  type CacheIndexForWorkers,
  type Processor,
  type Unit,
} from './deflate-units.js';
import { decodeBatch, type UnitDone } from './unit-feeder.js';

/** Bytes read from a cached zip at once: about 400 typical entries. */
export const CACHE_BLOCK_BYTES = 4 * 1024 * 1024;

export class CacheReader {
  /** Hits served from the cache. */
  served = 0;
  /** Hits whose stored bytes failed their CRC: deflated again. */
  rejected = 0;
  private readonly fds = new Map<number, number | null>();
  private block = Buffer.allocUnsafe(CACHE_BLOCK_BYTES);
  private blockPack = -1;
  private blockStart = 0;
  private blockLength = 0;
  private again: Processor | undefined;
  private readonly keys: Buffer;

  constructor(
    /** The index the processor looked the units up in (EntryCache.forWorkers()). */
    private readonly index: CacheIndexForWorkers,
    private readonly level: number,
  ) {
    this.keys = Buffer.from(index.keys.buffer, index.keys.byteOffset, index.keys.byteLength);
  }

  /**
   * Gives a hit its bytes, in place: read from the cache (valid until the
   * next call: copy them out first) or, when they fail their check, deflated
   * again from `unit`'s file (then no longer a hit). In place, so that every
   * result the writer sees has one shape.
   */
  serve(done: UnitDone, unit: Unit): UnitDone {
    if (!done.hit) return done;
    const data = this.read(done.record, done.key);
    if (data) {
      this.served++;
      done.data = data;
      return done;
    }
    this.rejected++;
    const again = this.deflateAgain(unit);
    done.data = again.data;
    done.crc = again.crc;
    done.method = again.method;
    done.dataCrc = again.dataCrc;
    done.key = again.key;
    done.hit = false;
    done.rejected = true;
    return done;
  }

  /** Closes the cached zips (and a file being deflated again). */
  close(): void {
    for (const fd of this.fds.values()) if (fd !== null) fs.closeSync(fd);
    this.fds.clear();
    this.again?.dispose();
  }

  /** A row's stored bytes if they are there and match their CRC-32. */
  private read(record: number, key: Buffer | undefined): Buffer | undefined {
    // The row must be the one the key was found at: a guard against an index swapped in between.
    if (!key || key.compare(this.keys, 32 * record, 32 * record + 32) !== 0) return undefined;
    const r = RECORD_FIELDS * record;
    const pack = this.index.records[r]!;
    const offset = this.index.records[r + 1]!;
    const length = this.index.records[r + 2]!;
    if (
      pack !== this.blockPack ||
      offset < this.blockStart ||
      offset + length > this.blockStart + this.blockLength
    ) {
      if (!this.fill(pack, offset, length)) return undefined;
    }
    const at = offset - this.blockStart;
    const data = this.block.subarray(at, at + length);
    return zlib.crc32(data) === this.index.records[r + 5] ? data : undefined;
  }

  /** Reads the block of `pack` that starts at `offset`; false when it holds less than `length` bytes. */
  private fill(pack: number, offset: number, length: number): boolean {
    this.blockPack = -1;
    const fd = this.open(pack);
    if (fd === null) return false;
    if (this.block.length < length) this.block = Buffer.allocUnsafe(length);
    let done = 0;
    try {
      while (done < this.block.length) {
        const n = fs.readSync(fd, this.block, done, this.block.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch {
      return false;
    }
    this.blockPack = pack;
    this.blockStart = offset;
    this.blockLength = done;
    return done >= length;
  }

  private open(pack: number): number | null {
    let fd = this.fds.get(pack);
    if (fd === undefined) {
      try {
        fd = fs.openSync(this.index.packs[pack]!, 'r');
      } catch {
        fd = null;
      }
      this.fds.set(pack, fd);
    }
    return fd;
  }

  /** Deflates a unit as a build without cache would (hashing it again: its file may have changed since). */
  private deflateAgain(unit: Unit): UnitDone {
    this.again ??= createInlineProcessor({ zlib, fs, crypto }, { level: this.level, hash: true });
    const result = decodeBatch(this.again.processBatch([unit]))[0];
    if (result instanceof Error) throw result;
    if (!result) throw new Error(`${unit.file}: no result`);
    return result.done;
  }
}
