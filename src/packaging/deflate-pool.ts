import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
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
 * Runs the unit processor on a few worker threads, and on the calling thread
 * while none has started yet (a worker takes ~20 ms to start on an idle
 * machine, several times that on a busy one: small trees are done by then).
 * With no threads, everything runs on the calling thread.
 */
export class DeflatePool implements UnitRunner {
  private readonly threads: Thread[] = [];
  private readonly inline: Processor | undefined;
  private failure: Error | undefined;

  constructor(threads: number, config: ProcessorConfig, options: { inlineUntilStarted?: boolean } = {}) {
    for (let i = 0; i < threads; i++) this.threads.push(this.spawn(config));
    if (threads === 0 || options.inlineUntilStarted !== false)
      this.inline = createInlineProcessor({ zlib, fs, crypto }, config);
  }

  /** Two batches per started thread (one being worked on, one waiting, so none idles), else one at a time here. */
  get slots(): number {
    const online = this.threads.reduce((n, t) => n + (t.online ? 1 : 0), 0);
    if (online) return 2 * online;
    return this.inline ? 1 : 2 * this.threads.length;
  }

  async run(units: readonly Unit[]): Promise<BatchResult> {
    if (this.failure) throw this.failure;
    const online = this.threads.filter((t) => t.online);
    if (online.length === 0 && this.inline) {
      // Let the writes started since the last batch go out first.
      await nextTurn();
      return this.inline.processBatch(units);
    }
    const thread = (online.length ? online : this.threads).reduce((a, b) =>
      b.pending.length < a.pending.length ? b : a,
    );
    return new Promise<BatchResult>((resolve, reject) => {
      thread.pending.push({ resolve, reject });
      thread.worker.postMessage(units);
    });
  }

  async close(): Promise<void> {
    this.inline?.dispose();
    await Promise.all(
      this.threads.map(async (t) => {
        // A started worker closes the files it holds open and exits; one still starting has none.
        if (t.online) t.worker.postMessage('close');
        else await t.worker.terminate();
        await t.exited;
      }),
    );
  }

  private spawn(config: ProcessorConfig): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: config });
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
