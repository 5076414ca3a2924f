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
