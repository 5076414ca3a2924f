/** Starting worker threads the same way whether the engine runs compiled or under tsx. */
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module at `url` (given as its compiled `.js` URL). Compiled, that file is
 * run as is. Under the TypeScript loader (tests, tsx) the source is `.ts`, and Node 20 does not
 * apply the loader to a worker's entry module, so a small bootstrap registers tsx inside the
 * worker first; tsx is resolved from here, so the worker finds it whatever the working directory.
 */
export function startWorker(url: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(url, { workerData });
  const source = url.href.replace(/\.js$/, '.ts');
  let api = 'tsx/esm/api';
  try {
    api = import.meta.resolve(api);
  } catch {
    // Fall back to resolving the bare name from the working directory.
  }
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Reply {
  id: number;
  error?: { message: string; name: string };
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A fixed team of worker threads for one job over shared arrays (a model fit): task w goes to
 * worker w, and each answers `{ id, error? }` when done. A thread that fails or exits fails every
 * pending and later task.
 */
export class WorkerTeam<Task> {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(
    url: URL,
    workerData: unknown,
    count: number,
    private readonly label: string,
  ) {
    this.workers = Array.from({ length: count }, () => startWorker(url, workerData));
    for (const w of this.workers) {
      w.on('message', (reply: Reply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
        else p.resolve();
      });
      w.on('error', (error) => this.fail(error));
      w.on('exit', (code) => this.fail(new Error(`a ${label} worker thread exited (code ${code})`)));
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs `task` on worker `w`; resolves when it is done. */
  send(w: number, task: Task): Promise<void> {
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
    this.failure ??= new Error(`the ${this.label} worker pool is closed`);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
