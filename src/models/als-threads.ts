/**
 * The worker threads of one ALS fit. Within a half-step every row's update reads only the other
 * side's factors, so rows split across threads without locks; the factors live in
 * SharedArrayBuffers that all threads see. Each row is computed by the same code whichever thread
 * runs it, and partial Gram matrices are summed in a fixed order, so the factors do not depend on
 * the number of threads.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/worker.js';
import type { AlsShared, AlsTask } from './als-solve.js';

interface Reply {
  id: number;
  error?: { message: string; name: string };
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A fixed set of ALS worker threads over one fit's shared arrays. */
export class AlsPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (reply: Reply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
        else p.resolve();
      });
      w.on('error', (error) => this.fail(error));
      w.on('exit', (code) => this.fail(new Error(`an ALS worker thread exited (code ${code})`)));
    }
  }

  /** Starts `threads` workers; they load their code while the caller prepares the first task. */
  static start(shared: AlsShared, threads: number): AlsPool {
    const url = new URL('./als-worker.js', import.meta.url);
    return new AlsPool(Array.from({ length: threads }, () => startWorker(url, shared)));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs tasks[w] on worker w, all at once; resolves when every one is done. */
  async run(tasks: readonly AlsTask[]): Promise<void> {
    await Promise.all(tasks.map((task, w) => this.send(w, task)));
  }

  private send(w: number, task: AlsTask): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      (this.workers[w] as Worker).postMessage({ id, task });
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the ALS worker pool is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
