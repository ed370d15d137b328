import { Worker } from 'node:worker_threads';

/** What a worker hands back for one file: its CRC and the bytes to store. */
export interface DeflatedFile {
  crc: number;
  size: number;
  /** 8 when deflate made it smaller, else 0 (stored). */
  method: number;
  data: Buffer;
}

/*
 * The worker's whole program, inline so the ncc bundle needs no second file.
 * Reading and deflating synchronously on a worker thread costs less CPU than
 * Node's async zlib (no per-16 KB round trips through the libuv pool): on 2
 * busy cores that is the difference between matching `zip` and beating it.
 * The result is copied once into its own ArrayBuffer so it can be transferred
 * (a pooled or oversized buffer cannot be).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { crc32, deflateRawSync } = require('node:zlib');
function deflate(job) {
  try {
    const raw = readFileSync(job.file);
    if (raw.length !== job.size) throw new Error(job.file + ' changed size while it was being packaged');
    const crc = crc32(raw);
    let method = 0;
    let out = raw;
    if (raw.length > 0) {
      const deflated = deflateRawSync(raw, { level: job.level });
      if (deflated.length < raw.length) { method = 8; out = deflated; }
    }
    const copy = new Uint8Array(out.length);
    copy.set(out);
    return { id: job.id, crc, size: raw.length, method, data: copy };
  } catch (error) {
    return { id: job.id, error: { message: error.message, code: error.code } };
  }
}
parentPort.on('message', (jobs) => {
  const results = jobs.map(deflate);
  parentPort.postMessage(results, results.filter((r) => r.data).map((r) => r.data.buffer));
});
`;

interface Pending {
  resolve: (value: DeflatedFile) => void;
  reject: (error: Error) => void;
}

interface Job {
  id: number;
  file: string;
  size: number;
  level: number;
}

interface Result {
  id: number;
  crc: number;
  size: number;
  method: number;
  data: Uint8Array;
  error?: { message: string; code?: string };
}

interface Slot {
  worker: Worker;
  /** Files sent and not answered yet. */
  pending: Map<number, Pending>;
}

/** Small files travel in batches: one message per ~1 MB instead of one per file. */
const BATCH_BYTES = 1024 * 1024;
const BATCH_FILES = 64;

/** A few worker threads that read, checksum and deflate whole files. */
export class DeflatePool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, Pending>();
  private queue: Job[] = [];
  private flushScheduled = false;
  private nextId = 0;

  constructor(
    private readonly size: number,
    private readonly level: number,
  ) {}

  deflateFile(file: string, size: number): Promise<DeflatedFile> {
    const id = this.nextId++;
    return new Promise<DeflatedFile>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.queue.push({ id, file, size, level: this.level });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Jobs queued in the same tick share messages.
        queueMicrotask(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private flush(): void {
    this.flushScheduled = false;
    const jobs = this.queue;
    this.queue = [];
    // Spread over the workers, in batches no bigger than BATCH_*.
    const batches: Job[][] = [];
    let batch: Job[] = [];
    let bytes = 0;
    const perWorker = Math.ceil(jobs.length / this.size);
    for (const job of jobs) {
      if (
        batch.length &&
        (bytes + job.size > BATCH_BYTES || batch.length >= Math.min(BATCH_FILES, perWorker))
      ) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(job);
      bytes += job.size;
    }
    if (batch.length) batches.push(batch);
    for (const b of batches) {
      const slot = this.leastBusy();
      for (const job of b) {
        slot.pending.set(job.id, this.waiting.get(job.id)!);
        this.waiting.delete(job.id);
      }
      slot.worker.postMessage(b);
    }
  }

  private leastBusy(): Slot {
    if (this.slots.length < this.size) {
      const free = this.slots.find((s) => s.pending.size === 0);
      return free ?? this.spawn();
    }
    return this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (results: Result[]) => {
      for (const r of results) {
        const p = slot.pending.get(r.id);
        if (!p) continue;
        slot.pending.delete(r.id);
        if (r.error) p.reject(Object.assign(new Error(r.error.message), { code: r.error.code }));
        else
          p.resolve({
            crc: r.crc,
            size: r.size,
            method: r.method,
            data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
          });
      }
    });
    const failAll = (error: Error): void => {
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`a zip worker thread stopped (exit code ${code})`)));
    this.slots.push(slot);
    return slot;
  }
}
