/**
 * One deflate stream of bytes that arrive in pieces (a tar stream, say),
 * compressed on the deflate pool's threads the way the zip writer
 * compresses a big file (deflate-units.ts): 1 MiB chunks, each primed with
 * the 32 KiB before it and ended on a byte boundary, deflated at the same
 * time and written in order; their CRC-32s are combined. The output is one
 * raw deflate stream, the same bytes whatever the number of threads or the
 * way the input was cut into writes. A gzip or zip framing goes around it.
 */
import { crc32Combine } from './crc32-combine.js';
import { DeflatePool, defaultThreads } from './deflate-pool.js';
import { CHUNK_BYTES, DICTIONARY_BYTES, type BatchResult, type Unit } from './deflate-units.js';
import { decodeBatch } from './unit-feeder.js';

export interface ChunkedDeflateOptions {
  /** zlib level, 0-9. */
  level: number;
  /**
   * Threads to deflate on, shared with other work done one after another
   * (not at the same time: each user sets the pool up for itself). By
   * default a pool of one thread per core but one, started here and closed
   * by end() or abort(). Threads start once the stream is longer than a chunk.
   */
  pool?: DeflatePool;
}

export interface ChunkedDeflateResult {
  /** CRC-32 of the input. */
  crc: number;
  /** Bytes of input. */
  size: number;
  /** Bytes of the deflate stream given to the sink. */
  compressedSize: number;
}

function newChunk(): Uint8Array {
  return new Uint8Array(DICTIONARY_BYTES + CHUNK_BYTES);
}

/** Receives the deflate stream in order; the bytes may be reused once its promise resolves. */
export type DeflateSink = (bytes: Buffer) => Promise<void> | void;

/**
 * write() the input, then end(). At most a few chunks are in flight (two
 * per started thread): write() waits when that many are, so memory stays
 * bounded however long the stream.
 */
export class ChunkedDeflate {
  private readonly pool: DeflatePool;
  private readonly ownPool: boolean;
  /** The chunk being filled, behind room for its dictionary. */
  private chunk = newChunk();
  /** Dictionary bytes at the front of `chunk`. */
  private dictionary = 0;
  private filled = 0;
  private readonly inFlight: { size: number; input: Uint8Array; result: Promise<BatchResult> }[] = [];
  /** Chunk buffers whose deflate is done, for reuse (fewer big buffers for V8 to collect late). */
  private readonly spare: Uint8Array[] = [];
  private crc = 0;
  private size = 0;
  private compressedSize = 0;
  private closed = false;

  constructor(
    private readonly sink: DeflateSink,
    options: ChunkedDeflateOptions,
  ) {
    this.ownPool = options.pool === undefined;
    this.pool = options.pool ?? new DeflatePool(defaultThreads());
    this.pool.configure({ level: options.level, hash: false });
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('write after end of the deflate stream');
    for (let offset = 0; offset < data.length;) {
      // A full chunk goes out only when more input comes: the last one is known to be last.
      if (this.filled === CHUNK_BYTES) await this.dispatch(false);
      const n = Math.min(CHUNK_BYTES - this.filled, data.length - offset);
      this.chunk.set(data.subarray(offset, offset + n), this.dictionary + this.filled);
      this.filled += n;
      offset += n;
    }
  }

  /** Sends the last chunk and writes out everything; the pool is closed when it is ours. */
  async end(): Promise<ChunkedDeflateResult> {
    if (this.closed) throw new Error('the deflate stream has ended already');
    try {
      await this.dispatch(true);
      while (this.inFlight.length) await this.writeOldest();
    } finally {
      await this.abort();
    }
    return { crc: this.crc, size: this.size, compressedSize: this.compressedSize };
  }

  /** Stops: chunks in flight are dropped, the pool closed when it is ours. */
  async abort(): Promise<void> {
    this.closed = true;
    const left = this.inFlight.splice(0);
    await Promise.allSettled(left.map((c) => c.result));
    if (this.ownPool) await this.pool.close();
  }

  private async dispatch(last: boolean): Promise<void> {
    // A stream of one chunk is deflated here: the threads start only for a longer one.
    if (!last || !this.pool.canRunInline) this.pool.start();
    // Two chunks per started thread (one at work, one waiting); when that many are out, this thread
    // takes the next one itself if it may, else waits for the oldest.
    while (this.inFlight.length >= this.pool.slots && !this.pool.canRunInline) await this.writeOldest();
    const inline = this.inFlight.length >= this.pool.slots;
    const length = this.filled;
    const unit: Unit = {
      file: 'deflate stream',
      size: length,
      offset: this.size,
      length,
      dictionary: this.dictionary,
      whole: false,
      last,
      data: this.chunk.subarray(0, this.dictionary + length),
    };
    const result = inline ? this.pool.runInline([unit]) : this.pool.run([unit]);
    result.catch(() => undefined); // awaited in order by writeOldest
    this.inFlight.push({ size: length, input: this.chunk, result });
    this.size += length;
    // The next chunk starts with this one's last 32 KiB, its dictionary.
    const next = this.spare.pop() ?? newChunk();
    const end = this.dictionary + length;
    this.dictionary = Math.min(end, DICTIONARY_BYTES);
    next.set(this.chunk.subarray(end - this.dictionary, end));
    this.chunk = next;
    this.filled = 0;
  }

  private async writeOldest(): Promise<void> {
    const { size, input, result } = this.inFlight.shift()!;
    const r = await result;
    if (this.spare.length < 2) this.spare.push(input);
    const [decoded] = decodeBatch(r);
    if (decoded instanceof Error) throw decoded;
    if (!decoded) throw new Error('a chunk of the deflate stream got no result');
    const { done } = decoded;
    this.crc = crc32Combine(this.crc, done.crc, size);
    this.compressedSize += done.data.length;
    await this.sink(done.data);
    this.pool.recycle(done.batch.buffer, done.batch.origin);
  }
}
