/**
 * An ALS worker thread: it receives the fit's shared arrays once (SharedArrayBuffers, so no
 * copies) and then runs the half-step tasks it is sent, replying when each is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createCgScratch, runAlsTask, type AlsShared, type AlsTask } from './als-solve.js';

interface Request {
  id: number;
  task: AlsTask;
}

const port = parentPort;
if (!port) throw new Error('als-worker runs only as a worker thread');
const shared = workerData as AlsShared;
const scratch = createCgScratch(shared.factors);

port.on('message', ({ id, task }: Request) => {
  try {
    runAlsTask(shared, task, scratch);
    port.postMessage({ id });
  } catch (error) {
    const e = error as Error;
    port.postMessage({ id, error: { message: e.message, name: e.name } });
  }
});
