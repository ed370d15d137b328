/**
 * Units of compression work and the code that does them. A file up to
 * CHUNK_BYTES is one unit, deflated whole (and stored when that does not
 * make it smaller). A bigger file is cut into CHUNK_BYTES chunks, deflated
 * independently in pigz's way: each chunk's raw deflate stream is primed
 * with the 32 KiB before it (the decoder has those bytes in its window
 * already), ends on a byte boundary with Z_SYNC_FLUSH, and the last one with
 * Z_FINISH, so their concatenation is one valid deflate stream. Chunks of
 * one file then run on all cores. The cut depends on the file's size only,
 * so the same file always gives the same bytes. A stream (a tar.gz) is cut
 * and deflated the same way: chunked-deflate.ts.
 */

/** Chunk size of files deflated in parallel; part of the output format (and of the cache key). */
export const CHUNK_BYTES = 1024 * 1024;
/**
 * Whole files up to this size share one deflate stream per thread (see
 * wholeStream in the processor): below deflate's 64 KiB window, less a match.
 */
export const WHOLE_STREAM_MAX = 60_000;
/** Preset dictionary of each chunk after the first: deflate's whole window. */
export const DICTIONARY_BYTES = 32 * 1024;

/** One piece of work: a whole file, or a chunk of one. */
export interface Unit {
  file: string;
  /**
   * Size of the whole file, as collected: a file that changed size since is
   * an error. -1 for a prefetch (prefetchUnit): any size up to a chunk.
   */
  size: number;
  offset: number;
  length: number;
  /** Bytes before `offset` read as the preset dictionary (0 for a whole file and the first chunk). */
  dictionary: number;
  /** The entry's only unit: stored when deflate does not make it smaller. */
  whole: boolean;
  /** The entry's last unit: ends with Z_FINISH. */
  last: boolean;
  /**
   * The input itself, when it is not read from `file` (a stream: chunked-deflate.ts):
   * `dictionary` bytes, then `length` bytes to deflate.
   */
  data?: Uint8Array;
}

/** How a file of `size` bytes is cut into units. */
export function planUnits(file: string, size: number): Unit[] {
  if (size <= CHUNK_BYTES)
    return [{ file, size, offset: 0, length: size, dictionary: 0, whole: true, last: true }];
  const units: Unit[] = [];
  for (let offset = 0; offset < size; offset += CHUNK_BYTES) {
    const length = Math.min(CHUNK_BYTES, size - offset);
    units.push({
      file,
      size,
      offset,
      length,
      dictionary: Math.min(offset, DICTIONARY_BYTES),
      whole: false,
      last: offset + length === size,
    });
  }
  return units;
}

/** Cached entries the processor may serve instead of deflating: see entry-cache.ts. */
export interface CacheIndexForWorkers {
  /** Files holding cached bytes, by number. */
  packs: string[];
  /** 32-byte keys, one after the other. */
  keys: Uint8Array;
  /**
   * Per key, RECORD_FIELDS numbers: pack, offset, compressed size, crc,
   * method, crc of the stored bytes, and the build that last used it.
   */
  records: Float64Array;
}
export const RECORD_FIELDS = 7;

export interface ProcessorConfig {
  level: number;
  /** Compute each unit's cache key (SHA-256): the cache is on. */
  hash: boolean;
  cache?: CacheIndexForWorkers;
}

/**
 * Output buffers are made this big (or bigger for a bigger batch), so one
 * can serve any later batch: a batch holds at most 1 MiB of input (BATCH_BYTES
 * in unit-feeder.ts) in at most 1024 units, each with a little room to grow.
 */
export const BATCH_BUFFER_BYTES = 1024 * 1024 + 1024 + 64 * 1024 + 4096;

/**
 * Per unit in a batch result, META_FIELDS numbers. A cache hit carries no
 * bytes (start and length 0): `record` is its row in the cache index, and
 * the writer copies its bytes straight from the cache (cache-reader.ts).
 */
export const META_FIELDS = 8;
export const META = {
  crc: 0,
  method: 1,
  start: 2,
  length: 3,
  flags: 4,
  dataCrc: 5,
  size: 6,
  record: 7,
} as const;
export const FLAG_HIT = 1;
export const FLAG_ERROR = 4;
/**
 * A prefetched file turned out bigger than a chunk, or came after the batch's
 * share, or (with a cache) is not in the cache: not done.
 */
export const FLAG_SKIPPED = 8;

/** Input a prefetch batch reads at most (its files are small; the walk cannot wait for results). */
export const PREFETCH_BATCH_BYTES = 512 * 1024;

/** A whole file whose size the walk has not told yet: read, and done when it fits one unit. */
export function prefetchUnit(file: string): Unit {
  return { file, size: -1, offset: 0, length: 0, dictionary: 0, whole: true, last: true };
}

export interface BatchResult {
  /** META_FIELDS numbers per unit, in the batch's order. */
  meta: Float64Array;
  /** With hashing: 32-byte keys, one per unit. */
  keys: Uint8Array | null;
  /** The units' bytes to store, one after the other (meta start/length). */
  data: ArrayBuffer;
  errors: { index: number; message: string; code?: string }[];
  /** Set by the pool: the thread that did the batch (-1: the calling thread), to give its buffer back to. */
  origin?: number;
}

/**
 * A batch that may be taken back before it is started (a prefetch batch):
 * its cell goes from 0 to CLAIM_STARTED when a thread starts it, or to
 * CLAIM_REVOKED when its sender takes it back; whoever changes it first wins.
 */
export interface Claim {
  cells: Int32Array;
  slot: number;
}
export const CLAIM_STARTED = 1;
export const CLAIM_REVOKED = 2;

export interface Processor {
  /** Read, deflate, assemble: the whole job, synchronously (every unit skipped when `claim` was revoked). */
  processBatch(units: readonly Unit[], claim?: Claim): BatchResult;
  /** A batch's output buffer, written out: used again for a later batch. */
  recycle(buffer: ArrayBuffer): void;
  /** Closes the files it keeps open. */
  dispose(): void;
}

/*
 * The processor's source: plain JavaScript run as a worker thread's program
 * (inline, so the ncc bundle needs no second file) and, for small trees, on
 * the calling thread through `new Function`, so both run the very same code.
 * Synchronous reads and deflate on a worker cost less CPU than Node's async
 * zlib (a thread hand-off per call). Little garbage per unit: one input
 * buffer is reused, and each unit's bytes go straight into the batch's
 * output buffer, transferred back whole (V8 collects dead buffers outside
 * its heap late, so garbage would show as memory).
 */
const PROCESSOR_SOURCE = String.raw`
function createProcessor(zlib, fs, crypto, config) {
  const level = config.level;
  const SYNC = zlib.constants.Z_SYNC_FLUSH;
  const FINISH = zlib.constants.Z_FINISH;
  // The cache's keys in an open-addressing table of row numbers, slotted by
  // their first 4 bytes (SHA-256 bytes are uniform): built with no object
  // or string per key, by every thread that looks keys up.
  const cacheKeys = config.cache ? config.cache.keys : null;
  let index = null;
  let slots = 0;
  if (cacheKeys) {
    const rows = cacheKeys.length / 32;
    slots = 1;
    while (slots < 2 * rows) slots *= 2;
    index = new Int32Array(slots).fill(-1);
    for (let i = 0; i < rows; i++) {
      let s = slotOf(cacheKeys, i * 32);
      while (index[s] >= 0) s = (s + 1) & (slots - 1);
      index[s] = i;
    }
  }
  function slotOf(bytes, at) {
    return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) & (slots - 1);
  }
  // The row holding this 32-byte key, or -1.
  function lookUp(key) {
    for (let s = slotOf(key, 0); index[s] >= 0; s = (s + 1) & (slots - 1)) {
      const at = index[s] * 32;
      let same = true;
      for (let b = 0; b < 32 && same; b++) same = cacheKeys[at + b] === key[b];
      if (same) return index[s];
    }
    return -1;
  }
  const records = config.cache ? config.cache.records : null;
  // A unit is read, hashed and deflated before the next one is read: one input buffer does.
  const scratch = Buffer.allocUnsafe(${CHUNK_BYTES + DICTIONARY_BYTES + 1});
  let chunkFile = null;
  let chunkFd = -1;

  function changed(file) {
    const e = new Error(file + ' changed while it was being packaged');
    e.code = 'ECHANGED';
    return e;
  }
  // Reads into buf from position until it is full or the file ends; the bytes read.
  function readAt(fd, buf, position, stopShort) {
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
      if (n === 0) break;
      done += n;
      if (stopShort !== undefined && done >= stopShort && done < buf.length) break;
    }
    return done;
  }
  function closeChunkFile() {
    if (chunkFd >= 0) fs.closeSync(chunkFd);
    chunkFd = -1;
    chunkFile = null;
  }
  // A unit's input, in scratch: the whole file, or a chunk with its dictionary in front; null for
  // a prefetched file bigger than a chunk, or than the room its batch has left (room).
  function read(u, room) {
    if (u.data) return Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength);
    if (u.size < 0) {
      const fd = fs.openSync(u.file, 'r');
      try {
        // With a cache (room is a chunk) a file is read without a stat: one more byte than fits means too big.
        // A short read is taken as its end, as for a whole unit: the writer checks the size the walk found.
        if (index) {
          const n = readAt(fd, scratch.subarray(0, ${CHUNK_BYTES} + 1), 0, 0);
          return n > ${CHUNK_BYTES} ? null : scratch.subarray(0, n);
        }
        const size = fs.fstatSync(fd).size;
        if (size > ${CHUNK_BYTES} || size > room) return null;
        return scratch.subarray(0, readAt(fd, scratch.subarray(0, size + 1), 0, size));
      } finally {
        fs.closeSync(fd);
      }
    }
    if (u.whole) {
      const fd = fs.openSync(u.file, 'r');
      try {
        // One byte more than expected is asked for: getting it means the file grew. A regular
        // file's read returns less than asked only at its end, so one read usually does.
        if (readAt(fd, scratch.subarray(0, u.size + 1), 0, u.size) !== u.size) throw changed(u.file);
      } finally {
        fs.closeSync(fd);
      }
      return scratch.subarray(0, u.size);
    }
    if (chunkFile !== u.file) {
      closeChunkFile();
      chunkFd = fs.openSync(u.file, 'r');
      chunkFile = u.file;
      if (fs.fstatSync(chunkFd).size !== u.size) throw changed(u.file);
    }
    const raw = scratch.subarray(0, u.dictionary + u.length);
    if (readAt(chunkFd, raw, u.offset - u.dictionary) !== raw.length) throw changed(u.file);
    if (u.last) closeChunkFile();
    return raw;
  }
  // One call instead of a Hash object per file (Node 20.12 and later).
  const oneShot = crypto !== null && typeof crypto.hash === 'function';
  function keyOf(u, raw) {
    if (u.whole && oneShot) return crypto.hash('sha256', raw, 'buffer');
    const h = crypto.createHash('sha256');
    // A chunk's bytes depend on its dictionary and on being last: both are in its key.
    if (!u.whole) h.update('chunk ' + u.dictionary + (u.last ? ' last\n' : '\n'));
    return h.update(raw).digest();
  }
  // One deflate stream for every small whole file, reset between files, writing straight into
  // the batch's buffer: deflateRawSync sets up and frees a ~256 KB stream per call, which costs
  // more than deflating a file of a few KB (1,001 such files: 0.24 s against 0.08 s on Node 20).
  // The same bytes as a new stream only if deflate's window is as a new stream has it (zeroed):
  // zlib's reset keeps the window, and matches near a file's end read past it. So each file is
  // followed by as many zeros, deflated into a sink. Below WHOLE_STREAM_MAX bytes the window never
  // slides, so those zeros cover every byte the file wrote. The zeros go through zlib's run-length
  // strategy (Z_RLE, set with the handle's params): it fills the window just as level 4 does, with
  // no hash to keep, at a fraction of the cost (level 4 spent ~15% of a small tree's deflate time
  // on them). zlib 1.2.12 and later (every Node from 20.15) switch a reset stream's strategy without
  // a flush, so nothing of the switch reaches the output. Node's own sync path makes these handle
  // calls; a Node without them gets deflateRawSync.
  const RLE = zlib.constants.Z_RLE;
  const DEFAULT_STRATEGY = zlib.constants.Z_DEFAULT_STRATEGY;
  let stream;
  function wholeStream() {
    if (stream !== undefined) return stream;
    stream = null;
    try {
      const z = zlib.createDeflateRaw({ level });
      const handle = z._handle;
      const state = z._writeState;
      const calls = handle && ['writeSync', 'reset', 'params'].every((f) => typeof handle[f] === 'function');
      if (calls && ArrayBuffer.isView(state) && state.length >= 2) {
        z.on('error', () => undefined);
        // A zlib that refuses the switch (it destroys the stream) is not used.
        handle.params(level, RLE);
        handle.params(level, DEFAULT_STRATEGY);
        if (z.destroyed) return stream;
        stream = { z, handle, state, zeros: Buffer.alloc(${WHOLE_STREAM_MAX}), sink: Buffer.allocUnsafe(4096) };
      } else z.close();
    } catch {
      stream = null;
    }
    return stream;
  }
  // A whole file's deflated length in out, or -1 when it does not shrink (it is then stored).
  function deflateWhole(s, input, out) {
    s.handle.writeSync(FINISH, input, 0, input.length, out, 0, out.length);
    const availOut = s.state[0];
    const availIn = s.state[1];
    s.handle.reset();
    s.handle.params(level, RLE);
    s.handle.writeSync(FINISH, s.zeros, 0, input.length, s.sink, 0, s.sink.length);
    const wiped = s.state[1] === 0 && s.state[0] > 0;
    s.handle.reset();
    s.handle.params(level, DEFAULT_STRATEGY);
    if (s.z.destroyed) throw new Error('zlib failed on ' + input.length + ' bytes');
    // Not expected (the zeros deflate to a few hundred bytes): the next files get new streams.
    if (!wiped) {
      s.z.close();
      stream = null;
    }
    // Room left means the stream ended; none means it needs more than out, which is more than input.
    const n = out.length - availOut;
    return availIn === 0 && availOut > 0 && n < input.length ? n : -1;
  }
  // Deflates input into out: [crc, method, length]. A whole file deflate does not shrink is stored.
  function deflate(u, raw, out) {
    const input = u.dictionary ? raw.subarray(u.dictionary) : raw;
    const crc = zlib.crc32(input);
    // An empty file is stored as nothing; an empty stream still needs its final block.
    if (input.length === 0 && u.whole) return [crc, 0, 0];
    const s = u.whole && input.length <= ${WHOLE_STREAM_MAX} ? wholeStream() : null;
    if (s) {
      const n = deflateWhole(s, input, out);
      if (n >= 0) return [crc, 8, n];
      out.set(input);
      return [crc, 0, input.length];
    }
    const options = { level, chunkSize: Math.max(1024, input.length + 512) };
    if (!u.whole) {
      options.finishFlush = u.last ? FINISH : SYNC;
      if (u.dictionary) options.dictionary = raw.subarray(0, u.dictionary);
    }
    const deflated = zlib.deflateRawSync(input, options);
    const stored = u.whole && deflated.length >= input.length;
    const data = stored ? input : deflated;
    out.set(data);
    return [crc, stored ? 0 : 8, data.length];
  }
  // Room for a unit's bytes: deflate may add a few bytes per 16 KB, a sync flush 5.
  function bound(u) {
    const n = u.size < 0 ? ${CHUNK_BYTES} : u.length;
    return n + (n >> 10) + 64;
  }
  // Output buffers come back from the writer once written, to be used again (recycle).
  const free = [];
  function recycle(buffer) {
    if (buffer.byteLength && free.length < 8) free.push(buffer);
  }
  function outputBuffer(capacity) {
    for (let i = 0; i < free.length; i++) {
      if (free[i].byteLength >= capacity) return free.splice(i, 1)[0];
    }
    return new ArrayBuffer(Math.max(capacity, ${BATCH_BUFFER_BYTES}));
  }
  // With a cache, a prefetched file is only hashed: a hit is done, a miss is left to the zip (skipped).
  function prefetchRoom(prefetched) {
    return index ? ${CHUNK_BYTES} : ${PREFETCH_BATCH_BYTES} - prefetched;
  }
  function processBatch(units, claim) {
    const n = units.length;
    const meta = new Float64Array(n * ${META_FIELDS});
    const keys = config.hash ? new Uint8Array(n * 32) : null;
    const errors = [];
    if (claim && Atomics.compareExchange(claim.cells, claim.slot, 0, ${CLAIM_STARTED}) !== 0) {
      for (let i = 0; i < n; i++) meta[i * ${META_FIELDS} + 4] = ${FLAG_SKIPPED};
      return { meta, keys, data: new ArrayBuffer(0), errors };
    }
    let capacity = 0;
    let prefetch = 0;
    for (const u of units) {
      if (u.size >= 0) capacity += bound(u);
      else prefetch++;
    }
    // A prefetch batch reads at most PREFETCH_BATCH_BYTES (see read).
    if (prefetch) capacity += ${PREFETCH_BATCH_BYTES} + (${PREFETCH_BATCH_BYTES} >> 10) + 64 * prefetch;
    // Taken at the first unit with bytes to return: a batch of cache hits returns none.
    let data = null;
    let view = null;
    let at = 0;
    let prefetched = 0;
    for (let i = 0; i < n; i++) {
      const u = units[i];
      const m = i * ${META_FIELDS};
      try {
        const raw = read(u, prefetchRoom(prefetched));
        if (raw === null) {
          meta[m + 4] = ${FLAG_SKIPPED};
          continue;
        }
        if (u.size < 0) prefetched += raw.length;
        meta[m + 6] = raw.length - u.dictionary;
        if (config.hash) {
          const key = keyOf(u, raw);
          keys.set(key, i * 32);
          const hit = index ? lookUp(key) : -1;
          if (hit >= 0) {
            const r = hit * ${RECORD_FIELDS};
            meta[m] = records[r + 3];
            meta[m + 1] = records[r + 4];
            meta[m + 4] = ${FLAG_HIT};
            meta[m + 5] = records[r + 5];
            meta[m + 7] = hit;
            continue;
          }
          if (index && u.size < 0) {
            meta[m + 4] = ${FLAG_SKIPPED};
            continue;
          }
        }
        if (!view) {
          data = outputBuffer(capacity);
          view = Buffer.from(data);
        }
        const out = view.subarray(at, at + bound(u));
        const done = deflate(u, raw, out);
        meta[m] = done[0];
        meta[m + 1] = done[1];
        meta[m + 2] = at;
        meta[m + 3] = done[2];
        meta[m + 5] = config.hash ? zlib.crc32(out.subarray(0, done[2])) : 0;
        at += done[2];
      } catch (error) {
        if (!u.whole) closeChunkFile();
        meta[m + 4] = ${FLAG_ERROR};
        errors.push({ index: i, message: error.message, code: error.code });
      }
    }
    return { meta, keys, data: data ?? new ArrayBuffer(0), errors };
  }
  function dispose() {
    closeChunkFile();
    if (stream) stream.z.close();
    stream = undefined;
  }
  return { processBatch, recycle, dispose };
}
`;

/**
 * A worker thread's whole program. Messages, in order: `{ config }` sets
 * up the processor for the batches that follow (a zip's level and cache),
 * an array of units is a batch (answered with its result, buffers
 * transferred), `{ prefetch, cells, slot }` the paths of a prefetch batch
 * under a Claim, `{ zipWrite, fd, buffer, length, position }` bytes of a
 * zip to hash and write (zip-sink.ts; answered with the buffer, transferred
 * back), `{ zipDigest }` that zip's SHA-256, `'close'` closes its files and
 * ends the thread.
 */
export const WORKER_SOURCE = `${PROCESSOR_SOURCE}
const { parentPort, workerData } = require('node:worker_threads');
// Up: the pool may count this thread before its 'online' event reaches it (deflate-pool.ts).
Atomics.store(workerData.ready, 0, 1);
let processor = null;
const zipHashes = new Map();
parentPort.on('message', (message) => {
  if (message === 'close') {
    if (processor) processor.dispose();
    parentPort.close();
    return;
  }
  if (message.recycle) {
    if (processor) processor.recycle(message.recycle);
    return;
  }
  if (message.zipWrite !== undefined) {
    parentPort.postMessage(zipWrite(message), [message.buffer]);
    return;
  }
  if (message.zipDigest !== undefined) {
    const hash = zipHashes.get(message.zipDigest) || require('node:crypto').createHash('sha256');
    zipHashes.delete(message.zipDigest);
    parentPort.postMessage({ digest: new Uint8Array(hash.digest()) });
    return;
  }
  if (message.prefetch) {
    // As prefetchUnit: only the paths travel.
    const units = message.prefetch.map((file) => ({ file, size: -1, offset: 0, length: 0, dictionary: 0, whole: true, last: true }));
    answer(processor.processBatch(units, message));
    return;
  }
  if (!Array.isArray(message)) {
    if (processor) processor.dispose();
    // node:crypto only hashes cache keys: loading it costs a small zip's worker a few ms.
    const crypto = message.config.hash ? require('node:crypto') : null;
    processor = createProcessor(require('node:zlib'), require('node:fs'), crypto, message.config);
    return;
  }
  answer(processor.processBatch(message));
});
// Hashes a zip's bytes in order and writes them where they go; the buffer goes back either way.
function zipWrite(m) {
  const bytes = new Uint8Array(m.buffer, 0, m.length);
  try {
    let hash = zipHashes.get(m.zipWrite);
    if (!hash) zipHashes.set(m.zipWrite, (hash = require('node:crypto').createHash('sha256')));
    hash.update(bytes);
    const fs = require('node:fs');
    for (let done = 0; done < m.length; ) done += fs.writeSync(m.fd, bytes, done, m.length - done, m.position + done);
    return { buffer: m.buffer };
  } catch (error) {
    return { buffer: m.buffer, error: error.message, code: error.code };
  }
}
function answer(r) {
  const transfer = [r.meta.buffer, r.data];
  if (r.keys) transfer.push(r.keys.buffer);
  parentPort.postMessage(r, transfer);
}
`;

/** The same processor on the calling thread. */
export function createInlineProcessor(
  modules: { zlib: unknown; fs: unknown; crypto: unknown },
  config: ProcessorConfig,
): Processor {
  const factory = new Function(
    'zlib',
    'fs',
    'crypto',
    'config',
    `${PROCESSOR_SOURCE}\nreturn createProcessor(zlib, fs, crypto, config);`,
  ) as (zlib: unknown, fs: unknown, crypto: unknown, config: ProcessorConfig) => Processor;
  return factory(modules.zlib, modules.fs, modules.crypto, config);
}
