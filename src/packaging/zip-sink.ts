/**
 * Where the zip writer's staging buffers go (zip-writer.ts): hashed with
 * SHA-256 in order and written at their place in the file, on the writing
 * thread or on a pool thread.
 *
 * When a zip is mostly cache hits, the writing thread is the busy one (it
 * copies cached bytes and writes headers) while the pool's threads have
 * little left to do: hashing its 100 MB and writing it there takes about
 * 90 ms off the writing thread. Each buffer is then transferred to one
 * thread (which takes its messages in order, so the hash sees the bytes in
 * file order) and transferred back once hashed and written. Transferred,
 * not shared: copying into a SharedArrayBuffer costs several times a
 * plain copy.
 */
import { createHash } from 'node:crypto';
import { write, writeSync } from 'node:fs';
import type { DeflatePool } from './deflate-pool.js';

export interface ZipSink {
  /** A staging buffer of `n` bytes. */
  allocate(n: number): Buffer;
  /**
   * Hashes the first `length` bytes of `staging` and writes them at
   * `position`: resolves with the buffer to use again once both are done
   * (`staging` itself may not be touched again). `last`: the zip's last
   * write, which the writer waits for at once.
   */
  write(staging: Buffer, length: number, position: number, last?: boolean): Promise<Buffer>;
  /** The SHA-256 of all bytes written (call once, when every write is done). */
  digest(): Promise<Buffer>;
  /** Staging buffers worth having in flight. */
  readonly inFlight: number;
}

/** One positioned write on libuv's thread pool: the bytes written. */
function writeAt(fd: number, data: Buffer, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    write(fd, data, offset, data.length - offset, position + offset, (error, written) =>
      error ? reject(error) : resolve(written),
    ),
  );
}

/**
 * Hashed here as they go out, written to the open file `fd` in the
 * background, except the last write: the writer waits for it anyway, so it
 * is made here, synchronously. A zip under one staging buffer (1 MiB) is
 * then written without a trip through the thread pool.
 */
export function localSink(fd: number): ZipSink {
  const hash = createHash('sha256');
  return {
    allocate: (n) => Buffer.allocUnsafe(n),
    write: async (staging, length, position, last) => {
      const data = staging.subarray(0, length);
      hash.update(data);
      for (let done = 0; done < length;)
        done += last
          ? writeSync(fd, data, done, length - done, position + done)
          : await writeAt(fd, data, done, position);
      return staging;
    },
    digest: async () => hash.digest(),
    // Enough to overlap the disk with compression, few enough to bound memory.
    inFlight: 4,
  };
}

let nextId = 0;

interface WriteAnswer {
  buffer: ArrayBuffer;
  error?: string;
  code?: string;
}

/**
 * Hashed and written by one of `pool`'s threads (started): the least busy
 * one now, and the same one to the end. `fd` is the zip's open file.
 */
export function threadSink(pool: DeflatePool, fd: number): ZipSink {
  const id = nextId++;
  const thread = pool.leastBusy();
  return {
    // Its own ArrayBuffer (never a slice of Node's pool), so that it can be transferred.
    allocate: (n) => Buffer.from(new ArrayBuffer(n)),
    write: async (staging, length, position) => {
      const buffer = staging.buffer as ArrayBuffer;
      const message = { zipWrite: id, fd, buffer, length, position };
      const answer = (await pool.ask(thread, message, [buffer])) as WriteAnswer;
      if (answer.error !== undefined) throw Object.assign(new Error(answer.error), { code: answer.code });
      return Buffer.from(answer.buffer);
    },
    digest: async () => {
      const { digest } = (await pool.ask(thread, { zipDigest: id })) as { digest: Uint8Array };
      return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
    },
    // A thread may be in the middle of a batch when a buffer comes: a few more wait their turn.
    inFlight: 16,
  };
}
