/**
 * Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky 2008,
 * "Collaborative filtering for implicit feedback datasets"), each least-squares problem solved
 * approximately by a few conjugate gradient steps (Takács, Pilászy & Tikk 2011; implicit's
 * `cg_steps`). The numeric kernels are in `als-solve.ts`; threads in `als-threads.ts`.
 */
import { availableParallelism } from 'node:os';
import {
  choleskySolve,
  createCgScratch,
  gramChunk,
  gramChunks,
  runAlsTask,
  sumGram,
  weightedError,
  type AlsRows,
  type AlsShared,
  type AlsSide,
  type AlsTask,
} from './als-solve.js';
import { AlsPool } from './als-threads.js';
import { FactorModel } from './factors.js';
import { Rng } from './random.js';
import type { FitOptions, Recommender, Snapshot, TrainData } from './types.js';

export interface AlsOptions {
  /** Latent dimensions f. */
  factors?: number;
  /** Full alternations (users, then items). */
  iterations?: number;
  /** λ on ‖x_u‖² and ‖y_i‖² (Hu et al. eq. 3), not scaled by the number of interactions. */
  regularization?: number;
  /**
   * Confidence slope: c_ui = 1 + α·r_ui (Hu et al. eq. 6), so an observed pair weighs 1 + α·r
   * against 1 for every unobserved pair. The default, 40, is Hu et al.'s value; it assumes r of
   * order 1 per interaction: binary data, or our event-type weights (1 for a view, a few for a
   * cart or purchase). Raw counts or durations need a correspondingly smaller α (or a log
   * transform of r). On Amazon Beauty (binary r, validation split) HR@10 rose from 0.055 at α = 1
   * to 0.070 at α = 40, flat from 20 to 80.
   */
  alpha?: number;
  /** Conjugate gradient steps per row and half-step; 3 is implicit's default. */
  cgSteps?: number;
  /**
   * Worker threads for `fit`; 0 (default) picks 1 for small problems and up to 4 (never more than
   * the CPUs) for large ones. The factors are identical for every thread count, so this is not a
   * model parameter.
   */
  threads?: number;
}

export type AlsParams = {
  factors: number;
  iterations: number;
  regularization: number;
  alpha: number;
  cgSteps: number;
};

/** `fit`'s options, plus a hook after every iteration (for tests and diagnostics). */
export interface AlsFitOptions extends FitOptions {
  /** Called after iteration `iteration` (1-based) with both sides updated; `loss(data)` is valid then. */
  onIteration?: (iteration: number) => void;
}

/** Below this many multiply-adds per iteration, starting threads costs more than it saves. */
const THREAD_WORK = 2e8;
/** The initial factors are N(0, INIT_SD²), small so the first solves start near zero. */
const INIT_SD = 0.01;

/** Implicit ALS: score(u, i) = x_uᵀy_i. */
export class Als extends FactorModel implements Recommender {
  readonly name = 'als';
  readonly params: Readonly<AlsParams>;
  private readonly threads: number;
  /** YᵀY + λI of the trained item factors, for folding in unknown users. */
  private itemGram = new Float64Array(0);
  /** Reused by `score` and `userVectorFromHistory`, so serving allocates nothing. */
  private foldA = new Float64Array(0);
  private foldB = new Float64Array(0);
  private seen = new Uint8Array(0);

  constructor(options: AlsOptions = {}) {
    super();
    this.params = Object.freeze({
      factors: options.factors ?? 64,
      iterations: options.iterations ?? 15,
      regularization: options.regularization ?? 0.01,
      alpha: options.alpha ?? 40,
      cgSteps: options.cgSteps ?? 3,
    });
    const { factors, iterations, regularization, alpha, cgSteps } = this.params;
    if (!Number.isInteger(factors) || factors < 1) throw new RangeError(`als: factors must be a positive integer, got ${factors}`);
    if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`als: iterations must be an integer >= 0, got ${iterations}`);
    if (!(regularization >= 0)) throw new RangeError(`als: regularization must be >= 0, got ${regularization}`);
    if (!(alpha >= 0)) throw new RangeError(`als: alpha must be >= 0, got ${alpha}`);
    if (!Number.isInteger(cgSteps) || cgSteps < 1) throw new RangeError(`als: cgSteps must be a positive integer, got ${cgSteps}`);
    this.threads = options.threads ?? 0;
  }

  /** The user factors, numUsers × factors row-major (a view: do not modify). */
  get userFactors(): Float32Array {
    return this.users;
  }

  /** The item factors, numItems × factors row-major (a view: do not modify). */
  get itemFactors(): Float32Array {
    return this.items;
  }

  async fit(data: TrainData, options: AlsFitOptions): Promise<void> {
    const { factors: f, iterations, regularization, alpha, cgSteps } = this.params;
    const { numUsers, numItems, matrix } = data;
    if (matrix.rows !== numUsers || matrix.cols !== numItems) {
      throw new RangeError(`als: the matrix is ${matrix.rows} × ${matrix.cols}, expected ${numUsers} × ${numItems}`);
    }
    const threads = this.threadCount(data);
    const shared = threads > 1;
    const f32 = (n: number) => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
    const f64 = (n: number) => (shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n));
    const rows = (indptr: Int32Array, indices: Int32Array, values: Float32Array): AlsRows =>
      shared ? { indptr: toShared(indptr), indices: toShared(indices), values: toShared(values) } : { indptr, indices, values };

    const rng = new Rng(options.seed);
    const state: AlsShared = {
      factors: f,
      alpha,
      cgSteps,
      userFactors: rng.fillNormal(f32(numUsers * f), INIT_SD),
      itemFactors: rng.fillNormal(f32(numItems * f), INIT_SD),
      byUser: rows(matrix.indptr, matrix.indices, matrix.data),
      byItem: (() => {
        const t = matrix.transpose();
        return rows(t.indptr, t.indices, t.data);
      })(),
      gram: f64(f * f),
      partials: f64(gramChunks(Math.max(numUsers, numItems)) * f * f),
    };
    this.numUsers = numUsers;
    this.numItems = numItems;
    this.users = state.userFactors;
    this.items = state.itemFactors;

    const pool = shared ? AlsPool.start(state, threads) : undefined;
    const scratch = createCgScratch(f);
    const run = async (tasks: AlsTask[]) => {
      if (pool) await pool.run(tasks);
      else for (const task of tasks) runAlsTask(state, task, scratch);
    };
    const parts = pool?.size ?? 1;
    const splits = {
      users: splitRows(state.byUser.indptr, parts, f, cgSteps),
      items: splitRows(state.byItem.indptr, parts, f, cgSteps),
    };
    // One half-step: the Gram matrix of the fixed side, then every row of the other side.
    const halfStep = async (solve: AlsSide) => {
      const fixed: AlsSide = solve === 'users' ? 'items' : 'users';
      const chunks = gramChunks(fixed === 'users' ? numUsers : numItems);
      await run(evenSplit(chunks, parts).map(([from, to]) => ({ op: 'gram', side: fixed, from, to })));
      sumGram(state.partials, chunks, f, regularization, state.gram);
      await run(splits[solve].map(([from, to]) => ({ op: 'solve', side: solve, from, to })));
    };

    try {
      for (let it = 1; it <= iterations; it++) {
        await halfStep('users');
        await halfStep('items');
        options.progress?.(it / iterations);
        options.onIteration?.(it);
        // In-process, let the event loop breathe between iterations.
        if (!pool) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      await pool?.close();
    }
    // Plain buffers from here on: snapshots and callers need not know about shared memory.
    this.users = shared ? state.userFactors.slice() : state.userFactors;
    this.items = shared ? state.itemFactors.slice() : state.itemFactors;
    this.prepareServing();
  }

  /**
   * Hu et al.'s objective (eq. 3) for the current factors: Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² over every
   * user–item pair, plus λ(Σ_u ‖x_u‖² + Σ_i ‖y_i‖²). Unobserved pairs are summed through YᵀY, so
   * the cost is that of one half-step, not numUsers × numItems.
   */
  loss(data: TrainData): number {
    const { factors: f, regularization, alpha } = this.params;
    const chunks = gramChunks(this.numItems);
    const partials = new Float64Array(chunks * f * f);
    for (let k = 0; k < chunks; k++) gramChunk(this.items, f, k, partials);
    const plainGram = new Float64Array(f * f);
    sumGram(partials, chunks, f, 0, plainGram);
    const error = weightedError(this.users, this.items, f, plainGram, data.matrix, alpha);
    return error + regularization * (sumSquares(this.users) + sumSquares(this.items));
  }

  /**
   * The factor vector of a user the model was not trained on, from what they did: the exact
   * least-squares solution (Cholesky) of Hu et al. eq. 4 against the trained item factors, with
   * each distinct history item at confidence 1 + α (r = 1) and every other item at 1 with p = 0.
   * This is the user half-step for one row, so it is also how an online update would refresh a
   * known user. Items outside 0..numItems-1 are ignored. Writes `factors` values into `out`.
   */
  userVectorFromHistory(history: Int32Array, out: Float32Array): void {
    const { factors: f, alpha } = this.params;
    const a = this.foldA;
    const b = this.foldB;
    a.set(this.itemGram);
    b.fill(0);
    const y = this.items;
    for (let h = 0; h < history.length; h++) {
      const item = history[h] as number;
      if (!(item >= 0 && item < this.numItems) || this.seen[item] === 1) continue;
      this.seen[item] = 1;
      const yi = item * f;
      // Only the lower triangle: choleskySolve reads no more.
      for (let r = 0; r < f; r++) {
        const yr = alpha * (y[yi + r] as number);
        b[r] = (b[r] as number) + (1 + alpha) * (y[yi + r] as number);
        for (let c = 0; c <= r; c++) a[r * f + c] = (a[r * f + c] as number) + yr * (y[yi + c] as number);
      }
    }
    for (let h = 0; h < history.length; h++) {
      const item = history[h] as number;
      if (item >= 0 && item < this.numItems) this.seen[item] = 0;
    }
    choleskySolve(a, b, f);
    for (let r = 0; r < f; r++) out[r] = b[r] as number;
  }

  save(): Snapshot {
    return {
      model: this.name,
      params: { ...this.params },
      arrays: { userFactors: this.users, itemFactors: this.items },
      meta: { numUsers: this.numUsers, numItems: this.numItems, factors: this.params.factors },
    };
  }

  static load(snapshot: Snapshot): Als {
    const p = snapshot.params;
    const model = new Als({
      factors: p.factors as number,
      iterations: p.iterations as number,
      regularization: p.regularization as number,
      alpha: p.alpha as number,
      cgSteps: p.cgSteps as number,
    });
    const users = snapshot.arrays.userFactors;
    const items = snapshot.arrays.itemFactors;
    const f = model.params.factors;
    if (!(users instanceof Float32Array) || !(items instanceof Float32Array) || users.length % f !== 0 || items.length % f !== 0) {
      throw new TypeError(`als: the snapshot needs Float32Array userFactors and itemFactors with rows of ${f} factors`);
    }
    model.users = users;
    model.items = items;
    model.numUsers = users.length / f;
    model.numItems = items.length / f;
    model.prepareServing();
    return model;
  }

  /** The item Gram matrix, norms and scratch buffers that serving needs. */
  private prepareServing(): void {
    const { factors: f, regularization } = this.params;
    const chunks = gramChunks(this.numItems);
    const partials = new Float64Array(chunks * f * f);
    for (let k = 0; k < chunks; k++) gramChunk(this.items, f, k, partials);
    this.itemGram = new Float64Array(f * f);
    sumGram(partials, chunks, f, regularization, this.itemGram);
    this.prepareFactors();
    this.foldA = new Float64Array(f * f);
    this.foldB = new Float64Array(f);
    this.seen = new Uint8Array(this.numItems);
  }

  private threadCount(data: TrainData): number {
    if (this.threads > 0) return Math.floor(this.threads);
    const { factors: f, cgSteps } = this.params;
    const work = (cgSteps + 1) * ((data.numUsers + data.numItems) * f * f + 4 * data.matrix.nnz * f);
    return work < THREAD_WORK ? 1 : Math.max(1, Math.min(4, availableParallelism()));
  }
}

function toShared<T extends Int32Array | Float32Array>(a: T): T {
  const copy = (a instanceof Int32Array ? new Int32Array(new SharedArrayBuffer(a.byteLength)) : new Float32Array(new SharedArrayBuffer(a.byteLength))) as T;
  copy.set(a);
  return copy;
}

/** [from, to) ranges cutting 0..n into `parts` near-equal pieces. */
function evenSplit(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, w) => [Math.floor((w * n) / parts), Math.floor(((w + 1) * n) / parts)]);
}

/**
 * Contiguous row ranges of near-equal CG cost: a row costs (cgSteps + 1) products with the f × f
 * Gram matrix plus two f-vector operations per interaction and step.
 */
function splitRows(indptr: Int32Array, parts: number, f: number, cgSteps: number): [number, number][] {
  const rows = indptr.length - 1;
  if (parts === 1) return [[0, rows]];
  const cost = (r: number) => (cgSteps + 1) * (f + 2 * ((indptr[r + 1] as number) - (indptr[r] as number)));
  let total = 0;
  for (let r = 0; r < rows; r++) total += cost(r);
  const ranges: [number, number][] = [];
  let from = 0;
  let acc = 0;
  for (let r = 0; r < rows && ranges.length < parts - 1; r++) {
    acc += cost(r);
    if (acc >= (total * (ranges.length + 1)) / parts) {
      ranges.push([from, r + 1]);
      from = r + 1;
    }
  }
  while (ranges.length < parts) {
    ranges.push([from, rows]);
    from = rows;
  }
  return ranges;
}

function sumSquares(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (a[i] as number);
  return s;
}
