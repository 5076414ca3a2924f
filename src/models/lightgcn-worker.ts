/**
 * A LightGCN worker thread: it receives the fit's shared arrays once (SharedArrayBuffers, so no
 * copies) and then runs the propagation tasks it is sent, replying when each is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runPropagation, type PropagationState, type PropagationTask } from './lightgcn-graph.js';

interface Request {
  id: number;
  task: PropagationTask;
}

const port = parentPort;
if (!port) throw new Error('lightgcn-worker runs only as a worker thread');
const state = workerData as PropagationState;

port.on('message', ({ id, task }: Request) => {
  try {
    runPropagation(state, task);
    port.postMessage({ id });
  } catch (error) {
    const e = error as Error;
    port.postMessage({ id, error: { message: e.message, name: e.name } });
  }
});
