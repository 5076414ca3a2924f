/**
 * The helper threads of one LightGCN fit. Each sparse product Â·X is split by rows: the main thread
 * computes the first range itself while the workers compute the others, all reading and writing
 * the same SharedArrayBuffers.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/worker.js';
import { runPropagation, type PropagationState, type PropagationTask } from './lightgcn-graph.js';

interface Reply {
  id: number;
  error?: { message: string; name: string };
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Worker threads over one fit's shared arrays; the main thread is the first of the team. */
export class PropagationPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(
    private readonly state: PropagationState,
    private readonly workers: Worker[],
  ) {
    for (const w of workers) {
      w.on('message', (reply: Reply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
        else p.resolve();
      });
      w.on('error', (error) => this.fail(error));
      w.on('exit', (code) => this.fail(new Error(`a LightGCN worker thread exited (code ${code})`)));
    }
  }

  /** Starts `workers` threads (the team is workers + 1 with the main thread). */
  static start(state: PropagationState, workers: number): PropagationPool {
    const url = new URL('./lightgcn-worker.js', import.meta.url);
    return new PropagationPool(state, Array.from({ length: workers }, () => startWorker(url, state)));
  }

  /** Threads that share each product, the main thread included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Runs tasks[0] here and tasks[w + 1] on worker w, all at once; resolves when every one is done. */
  async run(tasks: readonly PropagationTask[]): Promise<void> {
    const others = tasks.slice(1).map((task, w) => this.send(w, task));
    // Rejections are collected by Promise.all below, even if the local task throws first.
    for (const p of others) p.catch(() => {});
    const own = tasks[0];
    if (own) runPropagation(this.state, own);
    await Promise.all(others);
  }

  private send(w: number, task: PropagationTask): Promise<void> {
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
    this.failure ??= new Error('the LightGCN worker pool is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
