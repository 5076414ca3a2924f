/**
 * The worker threads of one ALS fit. Within a half-step every row's update reads only the other
 * side's factors, so rows split across threads without locks; the factors live in
 * SharedArrayBuffers that all threads see. Each row is computed by the same code whichever thread
 * runs it, and partial Gram matrices are summed in a fixed order, so the factors do not depend on
 * the number of threads.
 */
import { WorkerTeam } from '../core/worker.js';
import type { AlsShared, AlsTask } from './als-solve.js';

/** A fixed set of ALS worker threads over one fit's shared arrays. */
export class AlsPool {
  private constructor(private readonly team: WorkerTeam<AlsTask>) {}

  /** Starts `threads` workers; they load their code while the caller prepares the first task. */
  static start(shared: AlsShared, threads: number): AlsPool {
    return new AlsPool(new WorkerTeam<AlsTask>(new URL('./als-worker.js', import.meta.url), shared, threads, 'ALS'));
  }

  get size(): number {
    return this.team.size;
  }

  /** Runs tasks[w] on worker w, all at once; resolves when every one is done. */
  async run(tasks: readonly AlsTask[]): Promise<void> {
    await Promise.all(tasks.map((task, w) => this.team.send(w, task)));
  }

  close(): Promise<void> {
    return this.team.close();
  }
}
