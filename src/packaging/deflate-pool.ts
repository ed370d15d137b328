import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import {
  createInlineProcessor,
  WORKER_SOURCE,
  type BatchResult,
  type Claim,
  type Processor,
  type ProcessorConfig,
  type Unit,
} from './deflate-units.js';

/** Runs batches of units; results come back in the order batches were given to each runner. */
export interface UnitRunner {
  /** Batches worth keeping in flight to keep every thread busy. */
  readonly slots: number;
  run(units: readonly Unit[]): Promise<BatchResult>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

interface Thread {
  index: number;
  worker: Worker;
  /** Started: until then, batches go to the calling thread, when it may take them. */
  online: boolean;
  /**
   * Set by the worker itself as its program starts (WORKER_SOURCE): its
   * 'online' event waits for this thread's event loop, which a synchronous
   * walk keeps busy while the worker is already up.
   */
  ready: Int32Array;
  /** Batches sent and not answered, oldest first (a worker answers in order). */
  pending: Pending[];
}

/**
 * When the calling thread runs batches itself: `idle`, while no worker has
 * started (~20 ms on an idle machine, several times that on a busy one:
 * small trees are done by then) and whenever it would otherwise wait for a
 * result (runInline); `never`: only on the threads.
 */
export type InlineUse = 'idle' | 'never';

/**
 * V8 limits for each zip thread. Young generation: Node 24 allows a worker's
 * 192 MB (Node 20: 48) and lets it fill ~22 MB between scavenges (Node 20:
 * ~8), though a thread's garbage is short-lived; a cap only makes scavenges
 * more frequent. Old generation: without a cap, Node 24 lets each thread's
 * spent output buffers (garbage not yet collected) pile up to ~63 MB of
 * malloc'd memory (Node 20: ~25), so each core added ~60 MB (1.87 GB tree, 3
 * threads as on a 4-core runner: 553 MB peak RSS). Capped, V8 collects them
 * sooner: ~19 MB per thread (393-398 MB), with no more GC pauses. The cap
 * must stay well above what a thread keeps alive: reaching it ends the thread
 * (ERR_WORKER_OUT_OF_MEMORY), or, when it happens while Node sets the thread
 * up, the whole process. A batch holds at most 1 MiB of input or 1,024
 * units, and a thread's heap after a collection is 6-11 MB on the largest
 * benchmark trees, cache or not. File bytes and the cache index are typed
 * arrays, which the cap does not count.
 */
export const THREAD_RESOURCE_LIMITS: Readonly<ResourceLimits> = Object.freeze({
  maxYoungGenerationSizeMb: 8,
  maxOldGenerationSizeMb: 32,
});

/** A thread's failure, said in our words when it ran out of the heap THREAD_RESOURCE_LIMITS allows. */
export function threadFailure(error: Error & { code?: string }): Error {
  if (error.code !== 'ERR_WORKER_OUT_OF_MEMORY') return error;
  return Object.assign(
    new Error(
      `a zip thread ran out of its ${THREAD_RESOURCE_LIMITS.maxOldGenerationSizeMb} MB heap (${error.message}); ` +
        'please report it with the number of files and the largest file size of the package',
    ),
    { code: error.code },
  );
}

/** Worker threads for this machine: one core stays with the calling thread, which writes, and compresses when idle. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Runs the unit processor on worker threads and on the calling thread.
 * Threads start on start(), so a build can start them while it is still
 * listing files, and they serve all its zips; with none, all runs here.
 */
export class DeflatePool implements UnitRunner {
  private readonly threads: Thread[] = [];
  private inline: Processor | undefined;
  private inlineBusy = false;
  private config: ProcessorConfig | undefined;
  private failure: Error | undefined;
  /** Resolves once the threads ended by close() have exited (their files closed). */
  exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly size: number,
    private readonly inlineUse: InlineUse = 'idle',
  ) {}

  /** Starts the threads (once). */
  start(): void {
    while (this.threads.length < this.size) this.threads.push(this.spawn());
  }

  get started(): boolean {
    return this.threads.length > 0;
  }

  /** Sets the level and cache of the batches that follow (each zip configures the pool). */
  configure(config: ProcessorConfig): void {
    const c = this.config;
    if (c && c.level === config.level && c.hash === config.hash && c.cache === config.cache) return;
    this.config = config;
    for (const t of this.threads) t.worker.postMessage({ config });
    this.inline?.dispose();
    this.inline = undefined;
  }

  /** Configured with a cache index: prefetched files are only hashed (see deflate-units.ts). */
  get caching(): boolean {
    return this.config?.cache !== undefined;
  }

  private online(): number {
    return this.threads.reduce((n, t) => n + (isOnline(t) ? 1 : 0), 0);
  }

  /** Whether a thread is up (its program runs): it takes messages as they come from now on. */
  get up(): boolean {
    return this.online() > 0;
  }

  /** Resolves once a thread is up, or has ended before. */
  async whenUp(): Promise<void> {
    if (this.up || !this.threads.length) return;
    await new Promise<void>((resolve) => {
      for (const t of this.threads) {
        t.worker.once('online', () => resolve());
        t.worker.once('exit', () => resolve());
      }
    });
  }

  /** Whether this thread may take a batch now (it takes one at a time). */
  get canRunInline(): boolean {
    return !this.inlineBusy && (this.threads.length === 0 || this.inlineUse === 'idle');
  }

  /** Two batches per started thread (one being worked on, one waiting, so none idles); one here while none has started. */
  get slots(): number {
    if (this.inlineUse === 'never') return 2 * this.threads.length;
    const online = this.online();
    return online ? 2 * online : 1;
  }

  async run(units: readonly Unit[]): Promise<BatchResult> {
    if (this.failure) throw this.failure;
    if (this.online() === 0 && this.canRunInline) return this.runInline(units);
    return this.runOnThreads(units);
  }

  /** A batch for the threads (started ones first), never this one: it may be busy listing files. */
  async runOnThreads(units: readonly Unit[]): Promise<BatchResult> {
    return this.post(units);
  }

  /**
   * Files to prefetch (prefetchUnit) on the threads, by path only: the
   * sender may take the batch back until a thread starts it (its units then
   * come back skipped).
   */
  async prefetchOnThreads(files: readonly string[], claim: Claim): Promise<BatchResult> {
    return this.post({ prefetch: files, cells: claim.cells, slot: claim.slot });
  }

  private async post(message: unknown): Promise<BatchResult> {
    return this.ask(this.leastBusy(), message) as Promise<BatchResult>;
  }

  /** The thread with the fewest messages waiting (started ones first): its index. */
  leastBusy(): number {
    if (this.failure) throw this.failure;
    if (!this.threads.length) throw new Error('the zip threads are not started');
    const online = this.threads.filter(isOnline);
    return (online.length ? online : this.threads).reduce((a, b) =>
      b.pending.length < a.pending.length ? b : a,
    ).index;
  }

  /** Sends `message` to thread `index`, after those sent to it before; resolves with its answer. */
  async ask(index: number, message: unknown, transfer: readonly TransferListItem[] = []): Promise<unknown> {
    if (this.failure) throw this.failure;
    const thread = this.threads[index];
    if (!thread) throw new Error(`no zip thread ${index}`);
    return new Promise<unknown>((resolve, reject) => {
      thread.pending.push({ resolve, reject });
      thread.worker.postMessage(message, transfer);
    });
  }

  /** A batch on this thread (see canRunInline), after the writes and messages that came in first. */
  async runInline(units: readonly Unit[]): Promise<BatchResult> {
    if (this.failure) throw this.failure;
    this.inlineBusy = true;
    try {
      // Let the writes and messages that came in since the last batch go first. Without threads
      // there are no messages, and a small zip's writes wait for its end: no turn of the event loop.
      if (this.threads.length) await nextTurn();
      this.inline ??= createInlineProcessor({ zlib, fs, crypto }, this.config!);
      return Object.assign(this.inline.processBatch(units), { origin: -1 });
    } finally {
      this.inlineBusy = false;
    }
  }

  /** The V8 limits each thread runs under, as it applied them (once started). */
  threadLimits(): ResourceLimits[] {
    return this.threads.map((t) => t.worker.resourceLimits ?? {});
  }

  /** A batch's output buffer, written out, back to the thread that filled it. */
  recycle(buffer: ArrayBuffer, origin: number | undefined): void {
    if (origin === -1) this.inline?.recycle(buffer);
    else if (origin !== undefined && this.threads[origin] && isOnline(this.threads[origin]))
      this.threads[origin].worker.postMessage({ recycle: buffer }, [buffer]);
  }

  /**
   * Ends the threads without waiting for them to exit (5-8 ms, a fair part
   * of a small zip): every batch is answered by then, and an unreferenced
   * worker does not keep the process alive.
   */
  async close(): Promise<void> {
    this.inline?.dispose();
    this.inline = undefined;
    const exits = this.threads.splice(0).map((t) => {
      const exit = new Promise<void>((resolve) => t.worker.once('exit', () => resolve()));
      t.worker.unref();
      // A started worker closes the files it holds open and exits; one still starting has none.
      if (isOnline(t)) t.worker.postMessage('close');
      else void t.worker.terminate();
      return exit;
    });
    this.exited = Promise.all(exits).then(() => undefined);
  }

  private spawn(): Thread {
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ready },
      resourceLimits: THREAD_RESOURCE_LIMITS,
    });
    if (this.config) worker.postMessage({ config: this.config });
    const thread: Thread = { index: this.threads.length, worker, online: false, ready, pending: [] };
    worker.once('online', () => (thread.online = true));
    worker.on('message', (r: BatchResult) =>
      thread.pending.shift()?.resolve(Object.assign(r, { origin: thread.index })),
    );
    const fail = (error: Error): void => {
      this.failure ??= error;
      for (const p of thread.pending.splice(0)) p.reject(error);
    };
    worker.on('error', (error: Error) => fail(threadFailure(error)));
    worker.on('exit', (code) => {
      if (thread.pending.length) fail(new Error(`a zip worker thread stopped (exit code ${code})`));
    });
    return thread;
  }
}

function isOnline(t: Thread): boolean {
  return (t.online ||= Atomics.load(t.ready, 0) === 1);
}
