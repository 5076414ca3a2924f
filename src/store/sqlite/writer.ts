/**
 * Where the SQLite store's writes run: on a dedicated writer thread for files, in-process for
 * `:memory:` (a second connection would see another, empty database).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/worker.js';
import type { DB } from './database.js';
import { SqliteWrites, type WriteOp } from './sqlite-writes.js';

type Writes = SqliteWrites;
export type WriteResult<K extends WriteOp> = ReturnType<Writes[K]>;

export interface Writer {
  call<K extends WriteOp>(op: K, ...args: Parameters<Writes[K]>): Promise<WriteResult<K>>;
  /** Resolves when the writer can take writes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function inProcessWriter(db: DB): Writer {
  const writes = new SqliteWrites(db);
  return {
    async call(op, ...args) {
      return (writes[op] as unknown as (...a: unknown[]) => never)(...args);
    },
    async ping() {},
    async close() {},
  };
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { message: string; name: string; code?: string };
}

/**
 * The writer thread. It holds the process open only while a write is pending. If the thread dies,
 * the writes in flight fail (their transactions roll back) and the next write starts a new thread.
 */
export function threadWriter(file: string): Writer {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  let worker: Worker | undefined;
  let closed = false;

  const spawn = (): Worker => {
    const w = startWorker(new URL('./writer-worker.js', import.meta.url), { file });
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
      else p.resolve(reply.result);
    });
    const fail = (error: Error) => {
      if (worker === w) worker = undefined;
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (code ${code})`)));
    return w;
  };

  const send = (op: WriteOp | 'ping' | 'close', args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (closed) {
        reject(new Error('the store is closed'));
        return;
      }
      worker ??= spawn();
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, op, args });
    });

  // Start the thread now: it loads its modules while the caller prepares the first write.
  worker = spawn();

  return {
    call: (op, ...args) => send(op, args) as never,
    ping: async () => {
      await send('ping', []);
    },
    async close() {
      if (closed || !worker) {
        closed = true;
        return;
      }
      // The writer closes its connection after every write sent before; then the thread can go.
      await send('close', []);
      closed = true;
      const w = worker;
      worker = undefined;
      w.ref();
      await w.terminate();
    },
  };
}
