/**
 * The traffic between the zip writer and the pool: units out in batches,
 * results back, in whatever order; the writer takes them in its own.
 */
import type { DeflatePool } from './deflate-pool.js';
import {
  FLAG_ERROR,
  CLAIM_REVOKED,
  FLAG_HIT,
  FLAG_SKIPPED,
  META,
  META_FIELDS,
  type BatchResult,
  type Claim,
  type Unit,
} from './deflate-units.js';

/** Claim cells per shared buffer (a new one when they run out). */
const CLAIM_SLOTS = 1024;

/** A batch's output buffer, shared by its units' results until all are written. */
export interface BatchBuffer {
  buffer: ArrayBuffer;
  origin: number | undefined;
  /** Units whose bytes are not written yet. */
  left: number;
}

/** A unit's bytes to store, and what the zip and the cache need to know of them. */
export interface UnitDone {
  /** Where `data` lies: given back to the pool once the last of its units is written. */
  batch: BatchBuffer;
  crc: number;
  method: number;
  data: Buffer;
  /** SHA-256 key, when the cache is on. */
  key: Buffer | undefined;
  /** CRC-32 of `data` (cache records). */
  dataCrc: number;
  /** Found in the cache: `data` is empty, `record` is its row in the cache index (cache-reader.ts reads it). */
  hit: boolean;
  record: number;
  /** Found in the cache, but its stored bytes failed their CRC: deflated again. */
  rejected: boolean;
}

/** The bytes of a cache hit until the writer reads them (cache-reader.ts). */
const NO_BYTES = Buffer.alloc(0);

/** Per unit of a batch: its result and the input size read, an error, or undefined when skipped. */
export function decodeBatch(r: BatchResult): ({ done: UnitDone; size: number } | Error | undefined)[] {
  const data = Buffer.from(r.data);
  const keys = r.keys && Buffer.from(r.keys.buffer, r.keys.byteOffset, r.keys.byteLength);
  const count = r.meta.length / META_FIELDS;
  const out: ({ done: UnitDone; size: number } | Error | undefined)[] = [];
  const batch: BatchBuffer = { buffer: r.data, origin: r.origin, left: 0 };
  for (let i = 0; i < count; i++) {
    const m = i * META_FIELDS;
    const flags = r.meta[m + META.flags]!;
    if (flags & FLAG_ERROR) {
      const e = r.errors.find((x) => x.index === i)!;
      out.push(Object.assign(new Error(e.message), { code: e.code }));
      continue;
    }
    if (flags & FLAG_SKIPPED) {
      out.push(undefined);
      continue;
    }
    const at = r.meta[m + META.start]!;
    const length = r.meta[m + META.length]!;
    batch.left++;
    // One object shape for every result, with or without a key.
    out.push({
      size: r.meta[m + META.size]!,
      done: {
        batch,
        crc: r.meta[m + META.crc]!,
        method: r.meta[m + META.method]!,
        data: length ? data.subarray(at, at + length) : NO_BYTES,
        dataCrc: r.meta[m + META.dataCrc]!,
        key: keys ? keys.subarray(32 * i, 32 * i + 32) : undefined,
        hit: (flags & FLAG_HIT) !== 0,
        record: flags & FLAG_HIT ? r.meta[m + META.record]! : -1,
        rejected: false,
      },
    });
  }
  return out;
}

/**
 * Compresses files while the build is still listing them. The walk is
 * synchronous and its files' sizes come last, so files go out by path in
 * batches of 128, each file read whole by a worker thread when it fits one
 * unit and its batch's share (PREFETCH_BATCH_BYTES of input); the writer
 * later takes a result when its file has the size the walk found. At most
 * `maxBatches` (48) batches go out: 24 MiB, about what a thread compresses
 * while a walk lists a big tree, and a bound on the memory held. With a
 * cache, every file goes out: its result is a hash and a cache row, or
 * nothing (a miss is compressed by the zip as usual).
 *
 * Files wait here until a thread is up (~30 ms after it is spawned): a
 * batch sent earlier waits in the thread, and when the zip starts first (a
 * tree of a thousand files is listed by then), every such batch is taken
 * back, its message, skip and answer a cost on both threads for nothing.
 */
export class Prefetcher {
  private queue: string[] = [];
  private sent = 0;
  private revoked = false;
  private cells = new Int32Array(new SharedArrayBuffer(4 * CLAIM_SLOTS));
  /** Batches sent and not answered, each under a claim. */
  private readonly out = new Set<{ files: string[]; claim: Claim }>();
  private readonly pending = new Set<string>();
  private readonly results = new Map<string, { done: UnitDone; size: number }>();
  private readonly listeners = new Set<() => void>();
  /** The walk is over and no thread is up yet: what is queued goes out once one is. */
  private upcoming: Promise<void> | undefined;

  constructor(
    private readonly pool: DeflatePool,
    private readonly options: { maxBatches?: number; batchFiles?: number } = {},
  ) {}

  private get batchFiles(): number {
    return this.options.batchFiles ?? 128;
  }

  /** With a cache, results hold no bytes (a hit is read from the cache, a miss skipped): no bound is needed. */
  private get full(): boolean {
    return this.revoked || (!this.pool.caching && this.sent >= (this.options.maxBatches ?? 48));
  }

  /** A file the walk keeps; sent once a batch is full and a thread is up. */
  add(file: string): void {
    if (this.full) return;
    this.queue.push(file);
    while (this.queue.length >= this.batchFiles && !this.full && this.pool.up) this.send();
  }

  /** The walk is over: what is queued goes out, now or once a thread is up (none without threads). */
  end(): void {
    if (this.upcoming) return;
    if (this.pool.started && !this.pool.up && !this.full) {
      this.upcoming = this.pool.whenUp().then(() => {
        this.upcoming = undefined;
        this.end();
      });
      return;
    }
    while (this.queue.length && !this.full && this.pool.up) this.send();
    this.queue = [];
  }

  /** The prefetched result of `file` if it has `size`; 'pending' while its batch is out. */
  take(file: string, size: number): UnitDone | 'pending' | undefined {
    if (this.pending.has(file)) return 'pending';
    const r = this.results.get(file);
    if (!r) return undefined;
    this.results.delete(file);
    return r.size === size ? r.done : undefined;
  }

  /**
   * The zip is being written: batches no thread has started yet are taken
   * back (their files are then compressed by the zip's own batches, in its
   * order, on every thread, instead of queueing on one), and no more go out.
   */
  revoke(): void {
    this.revoked = true;
    this.queue = [];
    for (const batch of this.out) {
      const { cells, slot } = batch.claim;
      if (Atomics.compareExchange(cells, slot, 0, CLAIM_REVOKED) !== 0) continue;
      this.out.delete(batch);
      for (const f of batch.files) this.pending.delete(f);
    }
    for (const l of this.listeners) l();
  }

  /** Resolves once no batch is out, nor waits for a thread to come up. */
  async settled(): Promise<void> {
    while (this.upcoming || this.pending.size)
      await (this.upcoming ?? new Promise<void>((resolve) => this.onSettled(resolve)));
  }

  /** Called whenever a batch comes back. */
  onSettled(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private send(): void {
    const files = this.queue.splice(0, this.batchFiles);
    if (this.sent % CLAIM_SLOTS === 0 && this.sent > 0)
      this.cells = new Int32Array(new SharedArrayBuffer(4 * CLAIM_SLOTS));
    const batch = { files, claim: { cells: this.cells, slot: this.sent % CLAIM_SLOTS } };
    this.sent++;
    this.out.add(batch);
    for (const f of files) this.pending.add(f);
    this.pool.prefetchOnThreads(files, batch.claim).then(
      (r) => this.settle(batch, r),
      () => this.settle(batch, undefined),
    );
  }

  private settle(batch: { files: string[]; claim: Claim }, r: BatchResult | undefined): void {
    // A batch taken back comes back with every unit skipped: its files were let go already.
    if (!this.out.delete(batch)) return;
    const decoded = r ? decodeBatch(r) : [];
    const files = batch.files;
    for (let i = 0; i < files.length; i++) {
      this.pending.delete(files[i]!);
      const d = decoded[i];
      // Errors are left to the zip's own read of the file, which reports them.
      if (d && !(d instanceof Error)) this.results.set(files[i]!, d);
    }
    for (const l of this.listeners) l();
  }
}

/**
 * Small units travel together: one message per ~1 MiB of content, less for
 * a small zip (a 32nd of it, at least 64 KiB) so that its work still splits
 * evenly between the threads and the calling thread. With no thread started,
 * the calling thread does it all: 1 MiB batches (within the window `maxBytes`),
 * each batch's own costs paid fewer times (a 151-file zip: ~1 ms of ~31).
 */
const BATCH_BYTES = 1024 * 1024;
const MIN_BATCH_BYTES = 64 * 1024;
const BATCH_UNITS = 1024;

function batchBytesFor(units: readonly Unit[], threads: boolean, maxBytes: number): number {
  if (!threads) return Math.max(1, Math.min(BATCH_BYTES, maxBytes));
  const total = units.reduce((n, u) => n + u.length, 0);
  return Math.min(BATCH_BYTES, Math.max(MIN_BATCH_BYTES, Math.ceil(total / 32)));
}

/**
 * Hands units to the runner in order, in batches, keeping every thread busy
 * while at most `maxBytes` of content is in flight or done and not yet
 * written; collects the results for the writer, which takes them in order.
 * Units a prefetcher has done (or is doing) are taken from it instead.
 */
export class UnitFeeder {
  private next = 0;
  /** Units to send before `next`: their prefetch fell through. */
  private retry: number[] = [];
  /** Units whose prefetch batch is still out. */
  private deferred: number[] = [];
  private batches = 0;
  private held = 0;
  /** The unit the writer wants next: it and those before it are sent whatever the window. */
  private writing = 0;
  private readonly done: (UnitDone | undefined)[];
  private waiter: { unit: number; resolve: (d: UnitDone) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private stopped = false;
  private readonly unlisten: (() => void) | undefined;
  readonly stats = { prefetched: 0 };

  constructor(
    readonly units: readonly Unit[],
    private readonly runner: DeflatePool,
    private readonly maxBytes: number,
    private readonly prefetch?: Prefetcher,
  ) {
    this.done = new Array(units.length);
    prefetch?.revoke();
    this.unlisten = prefetch?.onSettled(() => this.recheck());
    this.pump();
  }

  /** The result of unit `u` if it is done (taking it frees its slot), else undefined. */
  take(u: number): UnitDone | undefined {
    if (this.failure) throw this.failure;
    this.writing = u;
    const d = this.done[u];
    if (d) this.done[u] = undefined;
    return d;
  }

  /** The result of unit `u`, once it is done; taking it frees its slot in the array. */
  result(u: number): Promise<UnitDone> {
    if (this.failure) return Promise.reject(this.failure);
    const d = this.take(u);
    if (d) return Promise.resolve(d);
    const waiting = new Promise<UnitDone>((resolve, reject) => (this.waiter = { unit: u, resolve, reject }));
    // Units sent out of order (after a prefetch fell through) may have to pass a full window.
    this.pump();
    // Rather than wait, this thread does batches itself (accept() goes on while the writer waits).
    if (this.runner.canRunInline) this.dispatch(true);
    return waiting;
  }

  /** Unit `u` is written (copied out of `done.data`): its bytes no longer count against the window. */
  written(u: number, done: UnitDone): void {
    this.held -= this.units[u]!.length;
    if (--done.batch.left === 0) this.runner.recycle(done.batch.buffer, done.batch.origin);
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
  }

  /** A whole unit the prefetcher has: done now (true), or later (deferred, true); false: send it. */
  private fromPrefetch(u: number): boolean {
    const unit = this.units[u]!;
    if (!this.prefetch || !unit.whole) return false;
    const p = this.prefetch.take(unit.file, unit.size);
    if (p === undefined) return false;
    if (p === 'pending') this.deferred.push(u);
    else {
      // Its bytes are in memory now: they count against the window until written.
      this.held += unit.length;
      this.stats.prefetched++;
      this.complete(u, p);
    }
    return true;
  }

  private recheck(): void {
    const deferred = this.deferred;
    this.deferred = [];
    for (const u of deferred) if (!this.fromPrefetch(u)) this.retry.push(u);
    this.retry.sort((a, b) => a - b);
    this.pump();
  }

  /** The next unit to send, skipping those the prefetcher has. */
  private peek(): number | undefined {
    if (this.retry.length) return this.retry[0];
    while (this.next < this.units.length && this.fromPrefetch(this.next)) this.next++;
    return this.next < this.units.length ? this.next : undefined;
  }

  private advance(): void {
    if (this.retry.length) this.retry.shift();
    else this.next++;
  }

  private pump(): void {
    while (!this.stopped && this.batches < this.runner.slots) if (!this.dispatch(false)) return;
  }

  private batchBytes: number | undefined;

  /** Sends the next batch (to this thread when `inline`); false when there is none the window allows. */
  private dispatch(inline: boolean): boolean {
    if (this.stopped) return false;
    let u = this.peek();
    if (u === undefined) return false;
    const batchBytes = (this.batchBytes ??= batchBytesFor(this.units, this.runner.started, this.maxBytes));
    // The window holds back units ahead of the writer, never the one it waits for (or earlier).
    if (u > this.writing && this.held > 0 && this.held + this.units[u]!.length > this.maxBytes) return false;
    const ids: number[] = [];
    let bytes = 0;
    while (
      u !== undefined &&
      ids.length < BATCH_UNITS &&
      (bytes === 0 || bytes + this.units[u]!.length <= batchBytes)
    ) {
      ids.push(u);
      bytes += this.units[u]!.length;
      this.advance();
      u = this.peek();
    }
    this.held += bytes;
    // A batch on this thread takes no thread's slot.
    if (!inline) this.batches++;
    const units = ids.map((i) => this.units[i]!);
    (inline ? this.runner.runInline(units) : this.runner.run(units)).then(
      (r) => this.accept(ids, r, inline),
      (e: Error) => this.fail(e),
    );
    return true;
  }

  private complete(u: number, done: UnitDone): void {
    this.done[u] = done;
    const w = this.waiter;
    if (w && w.unit === u) {
      this.waiter = undefined;
      this.done[u] = undefined;
      w.resolve(done);
    }
  }

  private accept(ids: number[], r: BatchResult, inline: boolean): void {
    if (!inline) this.batches--;
    const decoded = decodeBatch(r);
    for (let i = 0; i < ids.length; i++) {
      const d = decoded[i];
      if (d instanceof Error) return this.fail(d);
      if (d === undefined) return this.fail(new Error(`${this.units[ids[i]!]!.file}: no result`));
      this.complete(ids[i]!, d.done);
    }
    this.pump();
    // The writer still waits for a thread's batch: this thread does the next one rather than idle.
    if (this.waiter && this.runner.canRunInline) this.dispatch(true);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.stop();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }
}
