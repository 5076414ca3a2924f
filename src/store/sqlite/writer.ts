/**
 * Where the SQLite store's writes run: on a dedicated writer thread for files, in-process for
 * `:memory:` (a second connection would see another, empty database).
 */
import { Worker } from 'node:worker_threads';
import type { DB } from './database.js';
import { SqliteWrites, type WriteOp } from './sqlite-writes.js';

type Writes = SqliteWrites;
export type WriteResult<K extends WriteOp> = ReturnType<Writes[K]>;

export interface Writer {
  call<K extends WriteOp>(op: K, ...args: Parameters<Writes[K]>): Promise<WriteResult<K>>;
  close(): Promise<void>;
}

export function inProcessWriter(db: DB): Writer {
  const writes = new SqliteWrites(db);
  return {
    async call(op, ...args) {
      return (writes[op] as unknown as (...a: unknown[]) => never)(...args);
    },
    async close() {},
  };
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { message: string; name: string; code?: string };
}

/**
 * Compiled, the worker is a .js file beside this one. Under the TypeScript loader (tests, tsx) it
 * is .ts, and Node 20 does not apply the loader to a worker's entry module, so a small bootstrap
 * registers it inside the worker first.
 */
function startWorker(url: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(url, { workerData });
  const source = url.href.replace(/\.js$/, '.ts');
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** The writer thread. It holds the process open only while a write is pending. */
export function threadWriter(file: string): Writer {
  const worker = startWorker(new URL('./writer-worker.js', import.meta.url), { file });
  worker.unref();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  let failure: Error | undefined;

  const failAll = (error: Error) => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
    else p.resolve(reply.result);
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the SQLite writer thread exited (code ${code})`)));

  const send = (op: WriteOp | 'close', args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (failure) {
        reject(failure);
        return;
      }
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, op, args });
    });

  return {
    call: (op, ...args) => send(op, args) as never,
    async close() {
      if (failure) return;
      // The writer closes its connection after every write sent before; then the thread can go.
      await send('close', []);
      worker.ref();
      await worker.terminate();
    },
  };
}
