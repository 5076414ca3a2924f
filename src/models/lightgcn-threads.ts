/**
 * The helper threads of one LightGCN fit. Each sparse product Â·X is split by rows: the main thread
 * computes the first range itself while the workers compute the others, all reading and writing
 * the same SharedArrayBuffers.
 */
import { WorkerTeam } from '../core/worker.js';
import { runPropagation, type PropagationState, type PropagationTask } from './lightgcn-graph.js';

/** Worker threads over one fit's shared arrays; the main thread is the first of the team. */
export class PropagationPool {
  private constructor(
    private readonly state: PropagationState,
    private readonly team: WorkerTeam<PropagationTask>,
  ) {}

  /** Starts `workers` threads (the team is workers + 1 with the main thread). */
  static start(state: PropagationState, workers: number): PropagationPool {
    return new PropagationPool(state, new WorkerTeam<PropagationTask>(new URL('./lightgcn-worker.js', import.meta.url), state, workers, 'LightGCN'));
  }

  /** Threads that share each product, the main thread included. */
  get size(): number {
    return this.team.size + 1;
  }

  /** Runs tasks[0] here and tasks[w + 1] on worker w, all at once; resolves when every one is done. */
  async run(tasks: readonly PropagationTask[]): Promise<void> {
    const others = tasks.slice(1).map((task, w) => this.team.send(w, task));
    // Rejections are collected by Promise.all below, even if the local task throws first.
    for (const p of others) p.catch(() => {});
    const own = tasks[0];
    if (own) runPropagation(this.state, own);
    await Promise.all(others);
  }

  close(): Promise<void> {
    return this.team.close();
  }
}
