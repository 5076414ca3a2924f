/**
 * Bayesian personalised ranking with matrix factorisation (Rendle, Freudenthaler, Gantner &
 * Schmidt-Thieme 2009, "BPR: Bayesian personalized ranking from implicit feedback"), trained by
 * stochastic gradient ascent on sampled (user, positive, negative) triples (their LearnBPR, Fig. 4),
 * with an item bias as in implicit's BPR.
 *
 * Training is single-threaded and deterministic under `FitOptions.seed`. Hogwild-style parallel
 * SGD would be faster on many cores but gives a different model on every run.
 */
import { FactorModel, meanOfRows } from './factors.js';
import { Rng } from './random.js';
import type { FitOptions, Recommender, Snapshot, TrainData } from './types.js';

export interface BprOptions {
  /** Latent dimensions f. */
  factors?: number;
  /** Epochs; one epoch draws as many triples as the matrix has entries. */
  iterations?: number;
  /** SGD step size η. */
  learningRate?: number;
  /**
   * λ on the factors and biases touched by each step (Rendle et al. eq. 7's λ_Θ). On Amazon Beauty
   * (validation split, 100 epochs, η = 0.05) HR@10 was 0.032 at λ = 0.0025, 0.046–0.048 for λ from
   * 0.03 to 0.1, and collapsed at 0.3.
   */
  regularization?: number;
}

export type BprParams = {
  factors: number;
  iterations: number;
  learningRate: number;
  regularization: number;
};

/** What one epoch saw, measured on its own triples before each one's update. */
export interface BprEpoch {
  /** 1-based. */
  epoch: number;
  /** The fraction of triples with x_ui > x_uj: a sampled training AUC. */
  auc: number;
  /** The mean of −ln σ(x_ui − x_uj) (the negative BPR-Opt log-likelihood, without the prior). */
  loss: number;
  /** Triples drawn (users who interacted with every item give none). */
  samples: number;
}

/** `fit`'s options, plus a report after every epoch (for tests and progress displays). */
export interface BprFitOptions extends FitOptions {
  onEpoch?: (stats: BprEpoch) => void;
}

/** The initial factors are N(0, INIT_SD²); biases start at 0. */
const INIT_SD = 0.1;
/** Draws of a negative item per triple before the triple is given up (the user has seen almost all). */
const NEGATIVE_TRIES = 64;

/** BPR-MF: score(u, i) = x_uᵀy_i + b_i. */
export class Bpr extends FactorModel implements Recommender {
  readonly name = 'bpr';
  readonly params: Readonly<BprParams>;
  protected override bias: Float32Array = new Float32Array(0);

  constructor(options: BprOptions = {}) {
    super();
    this.params = Object.freeze({
      factors: options.factors ?? 64,
      iterations: options.iterations ?? 100,
      learningRate: options.learningRate ?? 0.05,
      regularization: options.regularization ?? 0.05,
    });
    const { factors, iterations, learningRate, regularization } = this.params;
    if (!Number.isInteger(factors) || factors < 1) throw new RangeError(`bpr: factors must be a positive integer, got ${factors}`);
    if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`bpr: iterations must be an integer >= 0, got ${iterations}`);
    if (!(learningRate > 0)) throw new RangeError(`bpr: learningRate must be > 0, got ${learningRate}`);
    if (!(regularization >= 0)) throw new RangeError(`bpr: regularization must be >= 0, got ${regularization}`);
  }

  /** The user factors, numUsers × factors row-major (a view: do not modify). */
  get userFactors(): Float32Array {
    return this.users;
  }

  /** The item factors, numItems × factors row-major (a view: do not modify). */
  get itemFactors(): Float32Array {
    return this.items;
  }

  /** The item biases b_i (a view: do not modify). */
  get itemBias(): Float32Array {
    return this.bias;
  }

  async fit(data: TrainData, options: BprFitOptions): Promise<void> {
    const { factors: f, iterations, learningRate: lr, regularization: reg } = this.params;
    const { numUsers, numItems, matrix } = data;
    if (matrix.rows !== numUsers || matrix.cols !== numItems) {
      throw new RangeError(`bpr: the matrix is ${matrix.rows} × ${matrix.cols}, expected ${numUsers} × ${numItems}`);
    }
    const rng = new Rng(options.seed);
    const users = rng.fillNormal(new Float32Array(numUsers * f), INIT_SD);
    const items = rng.fillNormal(new Float32Array(numItems * f), INIT_SD);
    const bias = new Float32Array(numItems);
    const { indptr, indices } = matrix;
    const nnz = matrix.nnz;
    // The user of each entry, so a positive pair is one uniform draw over all entries.
    const rowOf = new Int32Array(nnz);
    for (let u = 0; u < numUsers; u++) rowOf.fill(u, indptr[u] as number, indptr[u + 1] as number);

    for (let epoch = 1; epoch <= iterations; epoch++) {
      let correct = 0;
      let lossSum = 0;
      let samples = 0;
      for (let s = 0; s < nnz; s++) {
        const e = rng.int(nnz);
        const u = rowOf[e] as number;
        const i = indices[e] as number;
        const from = indptr[u] as number;
        const to = indptr[u + 1] as number;
        // A negative: uniform over the items u has not interacted with, by rejection.
        let j = -1;
        for (let t = 0; t < NEGATIVE_TRIES && j < 0; t++) {
          const c = rng.int(numItems);
          if (!containsSorted(indices, from, to, c)) j = c;
        }
        if (j < 0) continue;
        const xu = u * f;
        const yi = i * f;
        const yj = j * f;
        // x_uij = x_ui − x_uj, as four partial sums (independent adds run in parallel).
        let x0 = (bias[i] as number) - (bias[j] as number);
        let x1 = 0;
        let x2 = 0;
        let x3 = 0;
        let a = 0;
        for (; a + 3 < f; a += 4) {
          x0 += (users[xu + a] as number) * ((items[yi + a] as number) - (items[yj + a] as number));
          x1 += (users[xu + a + 1] as number) * ((items[yi + a + 1] as number) - (items[yj + a + 1] as number));
          x2 += (users[xu + a + 2] as number) * ((items[yi + a + 2] as number) - (items[yj + a + 2] as number));
          x3 += (users[xu + a + 3] as number) * ((items[yi + a + 3] as number) - (items[yj + a + 3] as number));
        }
        for (; a < f; a++) x0 += (users[xu + a] as number) * ((items[yi + a] as number) - (items[yj + a] as number));
        const x = x0 + x1 + (x2 + x3);
        if (x > 0) correct++;
        lossSum += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
        samples++;
        // ∂ ln σ(x_uij) / ∂x_uij = σ(−x_uij) (Rendle et al. §4.2, LearnBPR).
        const z = 1 / (1 + Math.exp(x));
        for (a = 0; a < f; a++) {
          const wu = users[xu + a] as number;
          const wi = items[yi + a] as number;
          const wj = items[yj + a] as number;
          users[xu + a] = wu + lr * (z * (wi - wj) - reg * wu);
          items[yi + a] = wi + lr * (z * wu - reg * wi);
          items[yj + a] = wj + lr * (-z * wu - reg * wj);
        }
        bias[i] = (bias[i] as number) + lr * (z - reg * (bias[i] as number));
        bias[j] = (bias[j] as number) + lr * (-z - reg * (bias[j] as number));
      }
      options.progress?.(epoch / iterations);
      options.onEpoch?.({ epoch, auc: samples > 0 ? correct / samples : 0, loss: samples > 0 ? lossSum / samples : 0, samples });
      // Let the event loop breathe between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.numUsers = numUsers;
    this.numItems = numItems;
    this.users = users;
    this.items = items;
    this.bias = bias;
    this.prepareServing();
  }

  /**
   * The factor vector of a visitor: the mean of the factors of the items in `history` (repeats
   * count as often as they occur; items outside 0..numItems-1 are ignored), or zeros for an empty
   * history, which leaves the item biases as the ranking. BPR has no closed-form fold-in; the mean
   * is the usual cheap stand-in. Writes `factors` values into `out`.
   */
  userVectorFromHistory(history: Int32Array, out: Float32Array): void {
    meanOfRows(this.items, this.params.factors, this.numItems, history, out);
  }

  save(): Snapshot {
    return {
      model: this.name,
      params: { ...this.params },
      arrays: { userFactors: this.users, itemFactors: this.items, itemBias: this.bias },
      meta: { numUsers: this.numUsers, numItems: this.numItems, factors: this.params.factors },
    };
  }

  static load(snapshot: Snapshot): Bpr {
    const p = snapshot.params;
    const model = new Bpr({
      factors: p.factors as number,
      iterations: p.iterations as number,
      learningRate: p.learningRate as number,
      regularization: p.regularization as number,
    });
    const { userFactors: users, itemFactors: items, itemBias: bias } = snapshot.arrays;
    const f = model.params.factors;
    if (
      !(users instanceof Float32Array) ||
      !(items instanceof Float32Array) ||
      !(bias instanceof Float32Array) ||
      users.length % f !== 0 ||
      items.length !== bias.length * f
    ) {
      throw new TypeError(`bpr: the snapshot needs Float32Array userFactors, itemFactors (rows of ${f}) and itemBias (one per item)`);
    }
    model.users = users;
    model.items = items;
    model.bias = bias;
    model.numUsers = users.length / f;
    model.numItems = bias.length;
    model.prepareServing();
    return model;
  }

  private prepareServing(): void {
    this.prepareFactors();
  }
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
