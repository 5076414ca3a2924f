/**
 * LightGCN (He, Deng, Wang, Li, Zhang & Wang 2020, "LightGCN: Simplifying and powering graph
 * convolution network for recommendation"): embeddings E⁰ for users and items, smoothed by K
 * propagation layers over the normalised user–item graph without weights or non-linearities, the
 * final embedding being the mean of layers 0..K (eq. 9–11) and the score a dot product (eq. 12).
 * Trained on the BPR loss with L2 on E⁰ (eq. 15) by Adam, gradients by hand (`lightgcn-train.ts`).
 *
 * Batches follow the reference implementation: users drawn uniformly (among those with at least
 * one interaction), a positive uniformly from the user's items and a negative uniformly from the
 * rest; an epoch is ⌈nnz / batchSize⌉ batches. Deterministic under `FitOptions.seed`, whatever the
 * number of threads.
 *
 * The defaults differ from Microsoft Recommenders' LightGCN setting (batch 1024, η 0.005, λ 1e-4,
 * 50 epochs) because every batch costs 2K sparse products over the whole graph, so fewer, larger
 * batches are what makes a fit fast. On the ml-100k `msr` validation split their setting peaked at
 * NDCG@10 0.257 (epoch 40) and then overfit; batch 4096, η 0.02, λ 1e-3 reached 0.263 at epoch 30
 * and held it to epoch 60, at a quarter of the products per epoch (batch 2048, η 0.01: 0.261 at
 * epoch 50; batch 8192, η 0.04: 0.262 at epoch 30; K = 2: 0.253 at best).
 */
import { availableParallelism } from 'node:os';
import { FactorModel, meanOfRows } from './factors.js';
import type { ExtraEdges } from './lightgcn-graph.js';
import { LightGcnTrainer } from './lightgcn-train.js';
import { Rng } from './random.js';
import type { FitOptions, Recommender, Snapshot, TrainData } from './types.js';

export interface LightGcnOptions {
  /** Embedding dimensions. */
  factors?: number;
  /** Propagation layers K. */
  layers?: number;
  /** Epochs of ⌈nnz / batchSize⌉ batches. */
  iterations?: number;
  /** Adam's step size η. */
  learningRate?: number;
  /** λ of the L2 term on E⁰ (eq. 15), averaged over the batch as in the reference code. */
  regularization?: number;
  /** Triples per batch. */
  batchSize?: number;
  /**
   * Threads for `fit`; 0 (default) picks 1 for small graphs and up to 2 otherwise (on an idle
   * 2-core machine, 2 threads took an ml-100k epoch from 1.33 to 0.76 s and an Amazon Beauty epoch
   * from 9.0 to 6.4 s). The embeddings are identical for every thread count, so this is not a
   * model parameter.
   */
  threads?: number;
}

export type LightGcnParams = {
  factors: number;
  layers: number;
  iterations: number;
  learningRate: number;
  regularization: number;
  batchSize: number;
};

/** What one epoch saw, measured on its own batches before each update. */
export interface LightGcnEpoch {
  /** 1-based. */
  epoch: number;
  /** The fraction of triples with x_ui > x_uj: a sampled training AUC. */
  auc: number;
  /** The mean batch loss (BPR plus L2). */
  loss: number;
  /** Wall-clock seconds of the epoch. */
  seconds: number;
}

export interface LightGcnFitOptions extends FitOptions {
  onEpoch?: (stats: LightGcnEpoch) => void;
  /**
   * Edges to propagate over besides the interactions (a knowledge graph's item–entity facts, see
   * `kg-lightgcn.ts`); their entities get embeddings during the fit, which are not kept.
   */
  extra?: ExtraEdges;
  /**
   * Draw negatives only among items with at least one training interaction (default false: among
   * all items). Under Adam, an item that is only ever a negative is pushed away from every user at
   * the full step size, which buries items that are reachable through `extra` edges alone.
   */
  interactedNegatives?: boolean;
}

/** E⁰ starts N(0, INIT_SD²), as in the authors' PyTorch code. */
const INIT_SD = 0.1;
/** Draws of a negative item per triple before the triple is given up. */
const NEGATIVE_TRIES = 64;
/** Below this many edges × factors per product, a second thread costs more than it saves. */
const THREAD_WORK = 2e6;
/** The most threads `threads: 0` picks: products are memory-bound and short. */
const MAX_AUTO_THREADS = 2;

/** LightGCN: score(u, i) = e_uᵀe_i of the final (layer-averaged) embeddings. */
export class LightGcn extends FactorModel implements Recommender {
  readonly name = 'lightgcn';
  readonly params: Readonly<LightGcnParams>;
  private readonly threads: number;

  constructor(options: LightGcnOptions = {}) {
    super();
    this.params = Object.freeze({
      factors: options.factors ?? 64,
      layers: options.layers ?? 3,
      iterations: options.iterations ?? 40,
      learningRate: options.learningRate ?? 0.02,
      regularization: options.regularization ?? 1e-3,
      batchSize: options.batchSize ?? 4096,
    });
    const { factors, layers, iterations, learningRate, regularization, batchSize } = this.params;
    const positiveInteger = (name: string, value: number, min: number) => {
      if (!Number.isInteger(value) || value < min) throw new RangeError(`lightgcn: ${name} must be an integer >= ${min}, got ${value}`);
    };
    positiveInteger('factors', factors, 1);
    positiveInteger('layers', layers, 0);
    positiveInteger('iterations', iterations, 0);
    positiveInteger('batchSize', batchSize, 1);
    if (!(learningRate > 0)) throw new RangeError(`lightgcn: learningRate must be > 0, got ${learningRate}`);
    if (!(regularization >= 0)) throw new RangeError(`lightgcn: regularization must be >= 0, got ${regularization}`);
    this.threads = options.threads ?? 0;
    positiveInteger('threads', this.threads, 0);
  }

  /** The final user embeddings, numUsers × factors row-major (a view: do not modify). */
  get userEmbeddings(): Float32Array {
    return this.users;
  }

  /** The final item embeddings, numItems × factors row-major (a view: do not modify). */
  get itemEmbeddings(): Float32Array {
    return this.items;
  }

  async fit(data: TrainData, options: LightGcnFitOptions): Promise<void> {
    const { factors: f, layers, iterations, learningRate, regularization, batchSize } = this.params;
    const { numUsers, numItems, matrix } = data;
    if (matrix.rows !== numUsers || matrix.cols !== numItems) {
      throw new RangeError(`lightgcn: the matrix is ${matrix.rows} × ${matrix.cols}, expected ${numUsers} × ${numItems}`);
    }
    const rng = new Rng(options.seed);
    const edges = matrix.nnz + (options.extra?.from.length ?? 0);
    const threads = this.threads > 0 ? this.threads : 2 * edges * f >= THREAD_WORK ? Math.min(MAX_AUTO_THREADS, availableParallelism()) : 1;
    const trainer = new LightGcnTrainer(matrix, { factors: f, layers, learningRate, regularization, threads, extra: options.extra });
    try {
      rng.fillNormal(trainer.ego, INIT_SD);
      const { indptr, indices } = matrix;
      // Users a triple can be drawn for: at least one positive and one negative.
      const active: number[] = [];
      for (let u = 0; u < numUsers; u++) if (matrix.rowLength(u) > 0 && matrix.rowLength(u) < numItems) active.push(u);
      const negatives = options.interactedNegatives ? interactedItems(matrix) : undefined;
      const users = new Int32Array(batchSize);
      const pos = new Int32Array(batchSize);
      const neg = new Int32Array(batchSize);
      const batches = active.length > 0 ? Math.ceil(matrix.nnz / batchSize) : 0;
      for (let epoch = 1; epoch <= iterations; epoch++) {
        const start = performance.now();
        let lossSum = 0;
        let correct = 0;
        let samples = 0;
        for (let batch = 0; batch < batches; batch++) {
          let count = 0;
          for (let b = 0; b < batchSize; b++) {
            const u = active[rng.int(active.length)] as number;
            const from = indptr[u] as number;
            const to = indptr[u + 1] as number;
            const i = indices[from + rng.int(to - from)] as number;
            let j = -1;
            for (let t = 0; t < NEGATIVE_TRIES && j < 0; t++) {
              const c = negatives ? (negatives[rng.int(negatives.length)] as number) : rng.int(numItems);
              if (!containsSorted(indices, from, to, c)) j = c;
            }
            if (j < 0) continue;
            users[count] = u;
            pos[count] = i;
            neg[count] = j;
            count++;
          }
          if (count === 0) continue;
          const stats = await trainer.gradient(users, pos, neg, count);
          trainer.adamStep();
          lossSum += stats.loss * count;
          correct += stats.correct;
          samples += count;
        }
        options.progress?.(epoch / iterations);
        const seconds = (performance.now() - start) / 1000;
        options.onEpoch?.({ epoch, auc: samples > 0 ? correct / samples : 0, loss: samples > 0 ? lossSum / samples : 0, seconds });
        // Let the event loop breathe between epochs (with threads it already does at every product).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await trainer.forward();
      const final = trainer.finalEmbeddings();
      this.numUsers = numUsers;
      this.numItems = numItems;
      this.users = final.slice(0, numUsers * f);
      this.items = final.slice(numUsers * f, (numUsers + numItems) * f);
    } finally {
      await trainer.close();
    }
    this.prepareServing();
  }

  /**
   * The embedding of a visitor: the mean of the final embeddings of the items in `history` (repeats
   * count as often as they occur; items outside 0..numItems-1 are ignored), or zeros for an empty
   * history. Writes `factors` values into `out`.
   */
  userVectorFromHistory(history: Int32Array, out: Float32Array): void {
    meanOfRows(this.items, this.params.factors, this.numItems, history, out);
  }

  save(): Snapshot {
    return {
      model: this.name,
      params: { ...this.params },
      arrays: { userEmbeddings: this.users, itemEmbeddings: this.items },
      meta: { numUsers: this.numUsers, numItems: this.numItems, factors: this.params.factors },
    };
  }

  static load(snapshot: Snapshot): LightGcn {
    const p = snapshot.params;
    const model = new LightGcn({
      factors: p.factors as number,
      layers: p.layers as number,
      iterations: p.iterations as number,
      learningRate: p.learningRate as number,
      regularization: p.regularization as number,
      batchSize: p.batchSize as number,
    });
    const { userEmbeddings: users, itemEmbeddings: items } = snapshot.arrays;
    const f = model.params.factors;
    if (!(users instanceof Float32Array) || !(items instanceof Float32Array) || users.length % f !== 0 || items.length % f !== 0) {
      throw new TypeError(`lightgcn: the snapshot needs Float32Array userEmbeddings and itemEmbeddings (rows of ${f})`);
    }
    model.users = users;
    model.items = items;
    model.numUsers = users.length / f;
    model.numItems = items.length / f;
    model.prepareServing();
    return model;
  }

  private prepareServing(): void {
    this.prepareFactors();
  }
}

/** The items with at least one stored entry, ascending. */
function interactedItems(matrix: TrainData['matrix']): Int32Array {
  const seen = new Uint8Array(matrix.cols);
  for (let p = 0; p < matrix.nnz; p++) seen[matrix.indices[p] as number] = 1;
  const items: number[] = [];
  for (let i = 0; i < matrix.cols; i++) if (seen[i] === 1) items.push(i);
  return Int32Array.from(items);
}

/** Whether `value` is among a[from..to), which is sorted ascending (binary search). */
function containsSorted(a: Int32Array, from: number, to: number, value: number): boolean {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = a[mid] as number;
    if (m === value) return true;
    if (m < value) lo = mid + 1;
    else hi = mid;
  }
  return false;
}
