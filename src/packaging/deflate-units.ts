/**
 * Units of compression work and the code that does them. A file up to
 * CHUNK_BYTES is one unit, deflated whole (and stored when that does not
 * make it smaller). A bigger file is cut into CHUNK_BYTES chunks, deflated
 * independently in pigz's way: each chunk's raw deflate stream is primed
 * with the 32 KiB before it (the decoder has those bytes in its window
 * already), ends on a byte boundary with Z_SYNC_FLUSH, and the last one with
 * Z_FINISH, so their concatenation is one valid deflate stream. Chunks of
 * one file then run on all cores. The cut depends on the file's size only,
 * so the same file always gives the same bytes.
 */

/** Chunk size of files deflated in parallel; part of the output format (and of the cache key). */
export const CHUNK_BYTES = 1024 * 1024;
/** Preset dictionary of each chunk after the first: deflate's whole window. */
export const DICTIONARY_BYTES = 32 * 1024;

/** One piece of work: a whole file, or a chunk of one. */
export interface Unit {
  file: string;
  /** Size of the whole file, as collected: a file that changed size since is an error. */
  size: number;
  offset: number;
  length: number;
  /** Bytes before `offset` read as the preset dictionary (0 for a whole file and the first chunk). */
  dictionary: number;
  /** The entry's only unit: stored when deflate does not make it smaller. */
  whole: boolean;
  /** The entry's last unit: ends with Z_FINISH. */
  last: boolean;
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
  /** Per key, RECORD_FIELDS numbers: pack, offset, compressed size, crc, method, crc of the stored bytes. */
  records: Float64Array;
}
export const RECORD_FIELDS = 6;

export interface ProcessorConfig {
  level: number;
  /** Compute each unit's cache key (SHA-256): the cache is on. */
  hash: boolean;
  cache?: CacheIndexForWorkers;
}

/** Per unit in a batch result, META_FIELDS numbers. */
export const META_FIELDS = 6;
export const META = { crc: 0, method: 1, start: 2, length: 3, flags: 4, dataCrc: 5 } as const;
export const FLAG_HIT = 1;
/** A cached entry did not match its checksums and was deflated again. */
export const FLAG_REJECTED = 2;
export const FLAG_ERROR = 4;

export interface BatchResult {
  /** META_FIELDS numbers per unit, in the batch's order. */
  meta: Float64Array;
  /** With hashing: 32-byte keys, one per unit. */
  keys: Uint8Array | null;
  /** The units' bytes to store, one after the other (meta start/length). */
  data: ArrayBuffer;
  errors: { index: number; message: string; code?: string }[];
}

export interface Processor {
  /** Read, deflate, assemble: the whole job, synchronously. */
  processBatch(units: readonly Unit[]): BatchResult;
  /** Closes the files it keeps open. */
  dispose(): void;
}

/*
 * The processor's source: plain JavaScript run as a worker thread's program
 * (inline, so the ncc bundle needs no second file) and, for trees too small
 * to pay for threads, on the main thread through `new Function`, so both
 * paths run the very same code. Synchronous reads and deflate on a worker
 * cost less CPU than Node's async zlib, which round-trips through the libuv
 * pool every 16 KB. A batch's outputs go back in one transferable buffer.
 */
const PROCESSOR_SOURCE = String.raw`
function createProcessor(zlib, fs, crypto, config) {
  const level = config.level;
  const SYNC = zlib.constants.Z_SYNC_FLUSH;
  const FINISH = zlib.constants.Z_FINISH;
  let index = null;
  if (config.cache) {
    index = new Map();
    const keys = Buffer.from(config.cache.keys.buffer, config.cache.keys.byteOffset, config.cache.keys.byteLength);
    for (let i = 0; i * 32 < keys.length; i++) index.set(keys.toString('latin1', i * 32, i * 32 + 32), i);
  }
  const packFds = new Map();
  let chunkFile = null;
  let chunkFd = -1;

  function changed(file) {
    const e = new Error(file + ' changed while it was being packaged');
    e.code = 'ECHANGED';
    return e;
  }
  function readFully(fd, buf, position, file) {
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
      if (n === 0) throw changed(file);
      done += n;
    }
  }
  function closeChunkFile() {
    if (chunkFd >= 0) fs.closeSync(chunkFd);
    chunkFd = -1;
    chunkFile = null;
  }
  // A unit's input: the whole file, or a chunk with its dictionary in front.
  function read(u) {
    if (u.whole) {
      const raw = fs.readFileSync(u.file);
      if (raw.length !== u.size) throw changed(u.file);
      return raw;
    }
    if (chunkFile !== u.file) {
      closeChunkFile();
      chunkFd = fs.openSync(u.file, 'r');
      chunkFile = u.file;
      if (fs.fstatSync(chunkFd).size !== u.size) throw changed(u.file);
    }
    const raw = Buffer.allocUnsafe(u.dictionary + u.length);
    readFully(chunkFd, raw, u.offset - u.dictionary, u.file);
    if (u.last) closeChunkFile();
    return raw;
  }
  function keyOf(u, raw) {
    const h = crypto.createHash('sha256');
    // A chunk's bytes depend on its dictionary and on being last: both are in its key.
    if (!u.whole) h.update('chunk ' + u.dictionary + (u.last ? ' last\n' : '\n'));
    return h.update(raw).digest();
  }
  function fromCache(key) {
    const i = index.get(key.toString('latin1'));
    if (i === undefined) return null;
    const r = config.cache.records.subarray(i * ${RECORD_FIELDS}, i * ${RECORD_FIELDS} + ${RECORD_FIELDS});
    try {
      const pack = config.cache.packs[r[0]];
      let fd = packFds.get(pack);
      if (fd === undefined) {
        fd = fs.openSync(pack, 'r');
        packFds.set(pack, fd);
      }
      const data = Buffer.allocUnsafe(r[2]);
      readFully(fd, data, r[1], pack);
      // The key is the input's SHA-256; what is checked is that the stored bytes are still those written.
      if (zlib.crc32(data) !== r[5]) return false;
      return { crc: r[3], method: r[4], data, dataCrc: r[5] };
    } catch {
      return false;
    }
  }
  // A unit up to deflate: its result already (a cache hit, an empty file), or what to deflate.
  function prepare(u) {
    const raw = read(u);
    const input = u.dictionary ? raw.subarray(u.dictionary) : raw;
    const p = { key: null, flags: 0, done: null, deflate: null, error: null };
    if (config.hash) {
      p.key = keyOf(u, raw);
      if (index) {
        const hit = fromCache(p.key);
        if (hit) {
          p.done = hit;
          p.flags = ${FLAG_HIT};
          return p;
        }
        if (hit === false) p.flags = ${FLAG_REJECTED};
      }
    }
    const crc = zlib.crc32(input);
    if (input.length === 0) {
      p.done = { crc, method: 0, data: input };
      return p;
    }
    const options = { level, chunkSize: Math.max(1024, input.length + 512) };
    if (!u.whole) {
      options.finishFlush = u.last ? FINISH : SYNC;
      if (u.dictionary) options.dictionary = raw.subarray(0, u.dictionary);
    }
    p.deflate = { input, options, crc, whole: u.whole };
    return p;
  }
  function prepareAll(units) {
    return units.map((u) => {
      try {
        return prepare(u);
      } catch (error) {
        if (!u.whole) closeChunkFile();
        return { error };
      }
    });
  }
  // A whole file that deflate does not make smaller is stored.
  function complete(p, deflated) {
    const d = p.deflate;
    p.done = d.whole && deflated.length >= d.input.length
      ? { crc: d.crc, method: 0, data: d.input }
      : { crc: d.crc, method: 8, data: deflated };
  }
  function assemble(prepared) {
    const n = prepared.length;
    const meta = new Float64Array(n * ${META_FIELDS});
    const keys = config.hash ? new Uint8Array(n * 32) : null;
    const errors = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = prepared[i];
      const m = i * ${META_FIELDS};
      if (p.error) {
        meta[m + 4] = ${FLAG_ERROR};
        errors.push({ index: i, message: p.error.message, code: p.error.code });
        continue;
      }
      const done = p.done;
      meta[m] = done.crc;
      meta[m + 1] = done.method;
      meta[m + 2] = total;
      meta[m + 3] = done.data.length;
      meta[m + 4] = p.flags;
      if (p.key) {
        keys.set(p.key, i * 32);
        meta[m + 5] = done.dataCrc === undefined ? zlib.crc32(done.data) : done.dataCrc;
      }
      total += done.data.length;
    }
    const data = new ArrayBuffer(total);
    const view = new Uint8Array(data);
    for (let i = 0; i < n; i++) {
      if (!prepared[i].error) view.set(prepared[i].done.data, meta[i * ${META_FIELDS} + 2]);
    }
    return { meta, keys, data, errors };
  }
  function processBatch(units) {
    const prepared = prepareAll(units);
    for (const p of prepared) {
      if (p.deflate) {
        try {
          complete(p, zlib.deflateRawSync(p.deflate.input, p.deflate.options));
        } catch (error) {
          p.error = error;
        }
      }
    }
    return assemble(prepared);
  }
  function dispose() {
    closeChunkFile();
    for (const fd of packFds.values()) fs.closeSync(fd);
    packFds.clear();
  }
  return { processBatch, dispose };
}
`;

/** A worker thread's whole program: batches of units in, results out (buffers transferred). */
export const WORKER_SOURCE = `${PROCESSOR_SOURCE}
const { parentPort, workerData } = require('node:worker_threads');
const processor = createProcessor(require('node:zlib'), require('node:fs'), require('node:crypto'), workerData);
parentPort.on('message', (units) => {
  if (units === 'close') {
    processor.dispose();
    parentPort.close();
    return;
  }
  const r = processor.processBatch(units);
  const transfer = [r.meta.buffer, r.data];
  if (r.keys) transfer.push(r.keys.buffer);
  parentPort.postMessage(r, transfer);
});
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
