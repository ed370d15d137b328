import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import {
  createInlineProcessor,
  WORKER_SOURCE,
  type BatchResult,
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
  /** Batches sent and not answered, oldest first (a worker answers in order). */
  pending: Pending[];
}

/** A few worker threads, each running the unit processor on the batches it is given. */
export class DeflatePool implements UnitRunner {
  private readonly threads: Thread[] = [];
  private failure: Error | undefined;

  constructor(size: number, config: ProcessorConfig) {
    for (let i = 0; i < size; i++) this.threads.push(this.spawn(config));
  }

  /** Two batches per thread: one being worked on, one waiting, so no thread idles between messages. */
  get slots(): number {
    return 2 * this.threads.length;
  }

  run(units: readonly Unit[]): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    const thread = this.threads.reduce((a, b) => (b.pending.length < a.pending.length ? b : a));
    return new Promise<BatchResult>((resolve, reject) => {
      thread.pending.push({ resolve, reject });
      thread.worker.postMessage(units);
    });
  }

  async close(): Promise<void> {
    // Asked to close, each worker closes the files it holds open and exits.
    await Promise.all(
      this.threads.map(async (t) => {
        const exited = new Promise((resolve) => t.worker.once('exit', resolve));
        t.worker.postMessage('close');
        await exited;
      }),
    );
  }

  private spawn(config: ProcessorConfig): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: config });
    const thread: Thread = { worker, pending: [] };
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

/**
 * The processor on this thread, for trees too small to pay for starting
 * threads. (Deflating small files in the libuv pool instead was measured at
 * 2.5 times the CPU: a zlib stream object and a thread hand-off per file.)
 */
export class InlineRunner implements UnitRunner {
  readonly slots = 1;
  private readonly processor;

  constructor(config: ProcessorConfig) {
    this.processor = createInlineProcessor({ zlib, fs, crypto }, config);
  }

  async run(units: readonly Unit[]): Promise<BatchResult> {
    // Let the writes started since the last batch go out first.
    await nextTurn();
    return this.processor.processBatch(units);
  }

  async close(): Promise<void> {
    this.processor.dispose();
  }
}
