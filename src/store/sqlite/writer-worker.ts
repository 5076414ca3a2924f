/**
 * The writer thread of a SQLite store: it owns the one write connection and runs each write
 * transaction it is sent, so commits (and their fsyncs) never stall the event loop that parses
 * and validates the next batch. Replies come after the commit, never before.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './database.js';
import { SqliteWrites, type WriteOp } from './sqlite-writes.js';

interface Call {
  id: number;
  op: WriteOp | 'ping' | 'close';
  args: unknown[];
}

const port = parentPort;
if (!port) throw new Error('writer-worker runs only as a worker thread');
const db = openDatabase((workerData as { file: string }).file);
const writes = new SqliteWrites(db);

port.on('message', ({ id, op, args }: Call) => {
  if (op === 'ping') {
    port.postMessage({ id, result: null });
    return;
  }
  if (op === 'close') {
    db.close();
    port.postMessage({ id, result: null });
    return;
  }
  try {
    const run = writes[op] as (...a: unknown[]) => unknown;
    port.postMessage({ id, result: run(...args) });
  } catch (error) {
    const e = error as Error & { code?: string };
    port.postMessage({ id, error: { message: e.message, name: e.name, code: e.code } });
  }
});
