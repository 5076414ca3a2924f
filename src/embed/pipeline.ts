/**
 * The embedding pipeline's compute step: texts through one embedder spec, on worker threads for
 * providers that compute locally (each thread loads its own copy of the model), so that the event
 * loop keeps serving while a catalog or an upsert is embedded. Remote providers run on the calling
 * thread: their work happens at the endpoint.
 */
import { cpus } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ShopfusionError } from '../core/errors.js';
import { startWorker } from '../core/worker.js';
import { createEmbedder, runsLocally, type EmbedderSpec } from './providers.js';
import { embedTolerant, type TolerantResult } from './tolerant.js';
import type { Embedder } from './types.js';

export interface EmbedAllOptions {
  /** Worker threads for local providers (default: the CPU count, at most 4). */
  threads?: number;
  /** Texts per chunk handed to a thread (default 128). */
  chunkSize?: number;
  /** Called after each chunk with the number of texts done. */
  progress?: (done: number, total: number) => void;
  /** Stops between chunks: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** An embedder already loaded from `spec` (its id and dimensions; remote providers run on it). */
  embedder?: Embedder;
  /** Worker threads already running for `spec`, used instead of starting new ones. */
  pool?: EmbedPool;
}

export interface EmbedAllResult extends TolerantResult {
  embedderId: string;
  dimensions: number;
}

interface Reply extends Partial<TolerantResult> {
  id: number;
  error?: { message: string; name: string; code?: string };
}

interface Job {
  texts: string[];
  resolve: (result: TolerantResult) => void;
  reject: (error: Error) => void;
}

/**
 * Long-lived embedding threads for one local spec: jobs queue and go to the next free thread.
 * Idle threads do not keep the process alive.
 */
export class EmbedPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private closed = false;

  constructor(
    private readonly spec: EmbedderSpec,
    readonly threads: number,
  ) {}

  embed(texts: string[]): Promise<TolerantResult> {
    if (this.closed) return Promise.reject(new Error('the embedding pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, resolve, reject });
      if (this.idle.length === 0 && this.workers.length < this.threads) this.spawn();
      this.dispatch();
    });
  }

  private spawn(): void {
    const worker = startWorker(new URL('./embed-worker.js', import.meta.url), this.spec);
    worker.unref();
    this.workers.push(worker);
    this.idle.push(worker);
    worker.on('message', (reply: Reply) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      this.idle.push(worker);
      if (job) {
        if (reply.error) {
          const { message, code } = reply.error;
          job.reject(code === 'invalid_argument' || code === 'invalid_config' ? new ShopfusionError(code, message) : new Error(message));
        } else {
          job.resolve({ vectors: reply.vectors as Float32Array, errors: reply.errors as Array<string | null> });
        }
      }
      this.dispatch();
    });
    const fail = (error: Error) => {
      // A thread that dies fails its job; the next job starts a fresh thread.
      this.running.get(worker)?.reject(error);
      this.running.delete(worker);
      this.workers.splice(this.workers.indexOf(worker), 1);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (this.queue.length > 0 && !this.closed) {
        this.spawn();
        this.dispatch();
      }
    };
    worker.once('error', fail);
    worker.once('exit', (code) => code !== 0 && !this.closed && fail(new Error(`embedding worker exited with code ${code}`)));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const job = this.queue.shift() as Job;
      this.running.set(worker, job);
      // A busy thread holds the process open until its answer arrives.
      worker.ref();
      worker.postMessage({ id: 0, texts: job.texts });
    }
    for (const w of this.idle) w.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the embedding pool is closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Embeds every text; refused texts (empty, unreadable script) come back as errors, not vectors. */
export async function embedAll(spec: EmbedderSpec, texts: readonly string[], options: EmbedAllOptions = {}): Promise<EmbedAllResult> {
  const chunkSize = options.chunkSize ?? 128;
  // The id and dimensions come from a local instance: cheap to load, and it fails early on a bad spec.
  const probe = options.embedder ?? (await createEmbedder(spec));
  const dims = probe.dimensions;
  const vectors = new Float32Array(texts.length * dims);
  const errors: Array<string | null> = new Array<string | null>(texts.length).fill(null);
  let done = 0;
  const store = (start: number, result: TolerantResult) => {
    vectors.set(result.vectors, start * dims);
    result.errors.forEach((e, i) => (errors[start + i] = e));
    done += result.errors.length;
    options.progress?.(done, texts.length);
  };
  const chunks: number[] = [];
  for (let start = 0; start < texts.length; start += chunkSize) chunks.push(start);
  const local = runsLocally(spec);
  const pool = local ? (options.pool ?? new EmbedPool(spec, Math.min(options.threads ?? Math.min(4, cpus().length), chunks.length))) : undefined;
  try {
    if (!pool) {
      for (const start of chunks) {
        options.signal?.throwIfAborted();
        store(start, await embedTolerant(probe, texts.slice(start, start + chunkSize)));
      }
    } else {
      // Keep every thread busy, one chunk ahead; stop handing out chunks once aborted.
      let next = 0;
      const lane = async () => {
        while (next < chunks.length) {
          options.signal?.throwIfAborted();
          const start = chunks[next++] as number;
          store(start, await pool.embed(texts.slice(start, start + chunkSize)));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(pool.threads, chunks.length)) }, lane));
    }
  } finally {
    if (pool && pool !== options.pool) await pool.close();
    if (!options.embedder) await probe.close?.();
  }
  return { embedderId: probe.id, dimensions: dims, vectors, errors };
}
