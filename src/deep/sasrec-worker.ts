/**
 * A SASRec worker thread: it receives the fit's shared arrays once and computes the batch shards
 * it is sent (loss and gradient into the shared arrays), replying when each is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShardRunner, type SasrecShared, type SasrecTask } from './sasrec-train.js';

interface Request {
  id: number;
  task: SasrecTask;
}

const port = parentPort;
if (!port) throw new Error('sasrec-worker runs only as a worker thread');
const runner = new ShardRunner(workerData as SasrecShared);

port.on('message', ({ id, task }: Request) => {
  try {
    runner.run(task);
    port.postMessage({ id });
  } catch (error) {
    const e = error as Error;
    port.postMessage({ id, error: { message: e.message, name: e.name } });
  }
});
