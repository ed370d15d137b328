import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import {
  createInlineProcessor,
  WORKER_SOURCE,
  type BatchResult,
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
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Started: until then, batches go to the calling thread, when it may take them. */
  online: boolean;
  /** Batches sent and not answered, oldest first (a worker answers in order). */
  pending: Pending[];
  exited: Promise<unknown>;
}

/**
 * Where batches run besides the worker threads: `always` on the calling
 * thread too (one batch at a time, between its writes), `until-started`
 * only while no thread has started (~20 ms on an idle machine, several times
 * that on a busy one), `never`.
 */
export type InlineUse = 'always' | 'until-started' | 'never';

/** Worker threads for this machine: one core stays with the calling thread, which compresses too. */
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

  constructor(
    private readonly size: number,
    private readonly inlineUse: InlineUse = 'always',
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

  private online(): number {
    return this.threads.reduce((n, t) => n + (t.online ? 1 : 0), 0);
  }

  private inlineAllowed(): boolean {
    if (this.threads.length === 0) return true;
    if (this.inlineUse === 'always') return true;
    return this.inlineUse === 'until-started' && this.online() === 0;
  }

  /** Two batches per started thread (one being worked on, one waiting, so none idles), and one here. */
  get slots(): number {
    const threads = this.inlineUse === 'never' ? this.threads.length : this.online();
    return 2 * threads + (this.inlineAllowed() ? 1 : 0);
  }

  async run(units: readonly Unit[]): Promise<BatchResult> {
    if (this.failure) throw this.failure;
    if (this.inlineAllowed() && !this.inlineBusy) return this.runInline(units);
    return this.runOnThreads(units);
  }

  /** A batch for the threads (started ones first), never this one: it may be busy listing files. */
  async runOnThreads(units: readonly Unit[]): Promise<BatchResult> {
    if (this.failure) throw this.failure;
    if (!this.threads.length) throw new Error('the zip threads are not started');
    const online = this.threads.filter((t) => t.online);
    const thread = (online.length ? online : this.threads).reduce((a, b) =>
      b.pending.length < a.pending.length ? b : a,
    );
    return new Promise<BatchResult>((resolve, reject) => {
      thread.pending.push({ resolve, reject });
      thread.worker.postMessage(units);
    });
  }

  private async runInline(units: readonly Unit[]): Promise<BatchResult> {
    this.inlineBusy = true;
    try {
      // Let the writes and messages that came in since the last batch go first.
      await nextTurn();
      this.inline ??= createInlineProcessor({ zlib, fs, crypto }, this.config!);
      return this.inline.processBatch(units);
    } finally {
      this.inlineBusy = false;
    }
  }

  async close(): Promise<void> {
    this.inline?.dispose();
    this.inline = undefined;
    const threads = this.threads.splice(0);
    await Promise.all(
      threads.map(async (t) => {
        // A started worker closes the files it holds open and exits; one still starting has none.
        if (t.online) t.worker.postMessage('close');
        else await t.worker.terminate();
        await t.exited;
      }),
    );
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    if (this.config) worker.postMessage({ config: this.config });
    const thread: Thread = {
      worker,
      online: false,
      pending: [],
      exited: new Promise((resolve) => worker.once('exit', resolve)),
    };
    worker.once('online', () => (thread.online = true));
    worker.on('message', (r: BatchResult) => thread.pending.shift()?.resolve(r));
    const fail = (error: Error): void => {
      this.failure ??= error;
      for (const p of thread.pending.splice(0)) p.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (thread.pending.length) fail(new Error(`a zip worker thread stopped (exit code ${code})`));
    });
    return thread;
  }
}
