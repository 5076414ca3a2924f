/**
 * A worker thread of the embedding pipeline: it loads its own embedder from the spec it was
 * started with and answers batches of texts with their vectors (packed into one buffer that is
 * transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { embedTolerant } from './tolerant.js';
import { createEmbedder, type EmbedderSpec } from './providers.js';

interface Request {
  id: number;
  texts: string[];
}

const port = parentPort;
if (!port) throw new Error('embed-worker runs as a worker thread');
const ready = createEmbedder(workerData as EmbedderSpec);

port.on('message', (request: Request) => {
  ready
    .then((embedder) => embedTolerant(embedder, request.texts))
    .then((result) => port.postMessage({ id: request.id, ...result }, [result.vectors.buffer as ArrayBuffer]))
    .catch((error: Error & { code?: string }) => port.postMessage({ id: request.id, error: { message: error.message, name: error.name, code: error.code } }));
});
