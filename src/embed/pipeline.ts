/**
 * The embedding pipeline's compute step: many texts through one embedder spec, spread over worker
 * threads for providers that compute locally (each thread loads its own copy of the model), in
 * chunks handed out as threads free up, with progress. Remote providers run on the calling
 * thread: their work happens at the endpoint.
 */
import { cpus } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ShopfusionError } from '../core/errors.js';
import { startWorker } from '../core/worker.js';
import { createEmbedder, runsLocally, type EmbedderSpec } from './providers.js';
import type { Embedder } from './types.js';
import { embedTolerant, type TolerantResult } from './tolerant.js';

export interface EmbedAllOptions {
  /** Worker threads for local providers (default: the CPU count, at most 4). */
  threads?: number;
  /** Texts per chunk handed to a thread (default 128). */
  chunkSize?: number;
  /** Called after each chunk with the number of texts done. */
  progress?: (done: number, total: number) => void;
  /** Stops between chunks: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** An embedder already loaded from `spec`, used on this thread instead of loading another. */
  embedder?: Embedder;
}

export interface EmbedAllResult extends TolerantResult {
  embedderId: string;
  dimensions: number;
}

interface Reply extends Partial<TolerantResult> {
  id: number;
  error?: { message: string; name: string; code?: string };
}

/** Embeds every text; refused texts (empty, unreadable script) come back as errors, not vectors. */
export async function embedAll(spec: EmbedderSpec, texts: readonly string[], options: EmbedAllOptions = {}): Promise<EmbedAllResult> {
  const chunkSize = options.chunkSize ?? 128;
  // The id and dimensions come from a local instance: cheap to load, and it fails early on a bad spec.
  const probe = options.embedder ?? (await createEmbedder(spec));
  const dims = probe.dimensions;
  const vectors = new Float32Array(texts.length * dims);
  const errors: Array<string | null> = new Array<string | null>(texts.length).fill(null);
  const chunks: number[] = [];
  for (let start = 0; start < texts.length; start += chunkSize) chunks.push(start);
  let done = 0;
  const store = (start: number, result: TolerantResult) => {
    vectors.set(result.vectors, start * dims);
    result.errors.forEach((e, i) => (errors[start + i] = e));
    done += result.errors.length;
    options.progress?.(done, texts.length);
  };
  const threads = Math.min(options.threads ?? Math.min(4, cpus().length), chunks.length);
  try {
    if (!runsLocally(spec) || threads <= 1) {
      for (const start of chunks) {
        options.signal?.throwIfAborted();
        store(start, await embedTolerant(probe, texts.slice(start, start + chunkSize)));
      }
    } else {
      await runOnWorkers(spec, threads, chunks, (start) => texts.slice(start, start + chunkSize), store, options.signal);
    }
  } finally {
    if (!options.embedder) await probe.close?.();
  }
  return { embedderId: probe.id, dimensions: dims, vectors, errors };
}

async function runOnWorkers(
  spec: EmbedderSpec,
  threads: number,
  chunks: number[],
  slice: (start: number) => string[],
  store: (start: number, result: TolerantResult) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const workers: Worker[] = Array.from({ length: threads }, () => startWorker(new URL('./embed-worker.js', import.meta.url), spec));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (signal?.aborted) return reject(signal.reason as Error);
              if (next >= chunks.length) return resolve();
              const start = chunks[next++] as number;
              worker.postMessage({ id: start, texts: slice(start) });
            };
            worker.on('message', (reply: Reply) => {
              if (reply.error) {
                const { message, code } = reply.error;
                return reject(code === 'invalid_argument' || code === 'invalid_config' ? new ShopfusionError(code, message) : new Error(message));
              }
              store(reply.id, { vectors: reply.vectors as Float32Array, errors: reply.errors as Array<string | null> });
              send();
            });
            worker.once('error', reject);
            worker.once('exit', (code) => code !== 0 && reject(new Error(`embedding worker exited with code ${code}`)));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
