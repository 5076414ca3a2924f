/**
 * Contrastive training of a linear projection from feature rows (sparse hashed n-grams, or dense
 * pretrained vectors) to L2-normalised vectors in which items that belong together (co-interacted
 * items, a query and the item clicked for it) are close: the two-tower idea of DSSM (Huang et al.
 * 2013) with one shared tower, trained by symmetric InfoNCE over in-batch negatives (van den Oord,
 * Li & Vinyals 2018; the symmetric form of CLIP, Radford et al. 2021).
 *
 * Model, for row i with features x_i (and, when residual, the dense input h_i = x_i):
 *   z_i = [h_i +] Σ_j x_ij W[j] [+ offset_i],   y_i = z_i / ‖z_i‖
 * where W[j] (a row of `dimensions` numbers) is what input feature j adds. Loss over a batch of B
 * pairs (a_i, b_i) with in-batch and M shared random negatives, s = y·y′, τ the temperature:
 *   L = 1/(2B) Σ_i [ −log softmax_k(s(a_i, key_k) / τ)_{b_i} − log softmax_k(s(b_i, key_k) / τ)_{a_i} ]
 * Gradients, written out by hand:
 *   ∂L/∂s_qk = (p_qk − 1[k is q's positive]) / (2Bτ)          (per direction, summed)
 *   ∂L/∂y_q += Σ_k ∂L/∂s_qk y_k,   ∂L/∂y_k += Σ_q ∂L/∂s_qk y_q
 *   ∂L/∂z = (∂L/∂y − y (y·∂L/∂y)) / ‖z‖                      (through the normalisation)
 *   ∂L/∂W[j] = Σ_i x_ij ∂L/∂z_i                               (only rows j present in the batch)
 * Keys that are the query's own item or its positive's item elsewhere in the batch are masked out,
 * so a popular item paired twice in one batch is not pushed away from itself.
 *
 * Optimisers: dense inputs use Adam (Kingma & Ba 2015); sparse inputs use row-wise Adagrad (Duchi,
 * Hazan & Singer 2011, with one accumulator per row as for DLRM's embedding tables, Naumov et al.
 * 2019), which updates only the rows a batch touched and adds one number per row of memory.
 *
 * Everything is deterministic under `seed`, single-threaded and synchronous: callers that must keep
 * an event loop serving run it in a worker thread.
 */
import { ShopfusionError } from '../core/errors.js';
import { gemm } from '../core/gemm.js';
import { Rng } from '../models/random.js';
import type { ParamValue } from '../models/types.js';

/** One row of features per item, CSR; dense inputs are rows with every index present. */
export interface FeatureRows {
  /** Row i's entries are positions indptr[i] .. indptr[i + 1] of `indices` and `values`. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  numFeatures: number;
}

/** Wraps a row-major dense matrix (numRows × numFeatures) as feature rows (the indices are spelt out). */
export function denseRows(matrix: Float32Array, numFeatures: number): FeatureRows {
  if (!(numFeatures > 0) || matrix.length % numFeatures !== 0) {
    throw new ShopfusionError('invalid_argument', `denseRows: a matrix of ${matrix.length} numbers is not whole rows of ${numFeatures}`);
  }
  const numRows = matrix.length / numFeatures;
  const indptr = new Int32Array(numRows + 1);
  const indices = new Int32Array(matrix.length);
  for (let i = 0; i < numRows; i++) {
    indptr[i + 1] = (i + 1) * numFeatures;
    for (let j = 0; j < numFeatures; j++) indices[i * numFeatures + j] = j;
  }
  return { indptr, indices, values: matrix, numFeatures };
}

/** What one epoch did, for tests and progress displays. */
export interface EpochStats {
  /** 1-based. */
  epoch: number;
  /** Mean symmetric InfoNCE loss over the epoch's batches (ln B for a model that knows nothing). */
  loss: number;
  /** In-batch recall@1 on the validation pairs after the epoch, when they were given. */
  recall?: number;
  /** The best recall so far, before training included: the weights training will return. */
  bestRecall?: number;
}

export interface ProjectionOptions {
  /** Output size (ignored when residual: the output has the input's size). */
  dimensions: number;
  /**
   * Dense inputs only: f(h) = normalise(h + W h) with W starting at 0, so training starts from the
   * pretrained geometry and moves away from it only as far as the pairs ask.
   */
  residual?: boolean;
  /** τ of the softmax (default 0.05; 0.05 and 0.1 were within noise of each other on the tests' synthetic clusters). */
  temperature?: number;
  /** Passes over the pairs (default 10); early stopping may end training sooner. */
  epochs?: number;
  /** Pairs per batch, that is in-batch negatives + 1 (default 256). */
  batchSize?: number;
  /** Adam's step size for dense inputs (default 1e-3), row-wise Adagrad's for sparse ones (default 0.05). */
  learningRate?: number;
  /** Extra random rows per batch, shared as negatives by every query in it (default 0). */
  negatives?: number;
  /** Starting weights (numFeatures × output size); default N(0, 1/size), or 0 when residual. Copied. */
  initial?: Float32Array;
  /**
   * A fixed term per row (numRows × output size) added before normalising: the part of each row's
   * vector that comes from features kept out of training. Pass the same offsets to `project`.
   */
  offsets?: Float32Array;
  seed: number;
  /**
   * Early stopping: in-batch recall@1 on these pairs (flattened like `pairs`) is measured before
   * training and after each epoch; training stops at the first epoch that lowers it, and keeps the
   * weights of the best epoch.
   */
  validationPairs?: Int32Array;
  /** Reports progress in [0, 1]. */
  progress?: (fraction: number) => void;
  onEpoch?: (stats: EpochStats) => void;
}

export const DEFAULT_TEMPERATURE = 0.05;
const DEFAULT_EPOCHS = 10;
const DEFAULT_BATCH_SIZE = 256;
const DEFAULT_DENSE_LEARNING_RATE = 1e-3;
const DEFAULT_SPARSE_LEARNING_RATE = 0.05;

/** A trained projection: z = [h +] Σ_j x_j W[j] [+ offset], returned L2-normalised. */
export class Projection {
  private readonly scratch: Float64Array;

  constructor(
    readonly inputSize: number,
    readonly dimensions: number,
    readonly residual: boolean,
    /** inputSize × dimensions, row-major: row j is what input feature j adds. */
    readonly weights: Float32Array,
  ) {
    if (weights.length !== inputSize * dimensions) {
      throw new ShopfusionError('invalid_argument', `projection: ${weights.length} weights are not ${inputSize} × ${dimensions}`);
    }
    if (residual && inputSize !== dimensions) {
      throw new ShopfusionError('invalid_argument', `projection: a residual projection maps ${inputSize} inputs to as many outputs, not ${dimensions}`);
    }
    this.scratch = new Float64Array(dimensions);
  }

  /** Row `row` of `rows`, projected and normalised into `out` (length `dimensions`). */
  project(rows: FeatureRows, row: number, out: Float32Array, offset?: Float32Array): void {
    const z = this.scratch;
    const d = this.dimensions;
    if (rows.numFeatures !== this.inputSize) {
      throw new ShopfusionError('invalid_argument', `projection: rows have ${rows.numFeatures} features, the projection reads ${this.inputSize}`);
    }
    if (offset) for (let k = 0; k < d; k++) z[k] = offset[k] as number;
    else z.fill(0);
    if (this.residual) addInput(rows, row, z, 0);
    accumulateRow(rows, row, this.weights, d, z, 0);
    const norm = Math.sqrt(sumSquares(z, 0, d));
    const inv = norm > 0 ? 1 / norm : 0;
    for (let k = 0; k < d; k++) out[k] = (z[k] as number) * inv;
  }

  /** Every row projected: numRows × dimensions, row-major. `offsets` as in training. */
  projectAll(rows: FeatureRows, offsets?: Float32Array): Float32Array {
    const numRows = rows.indptr.length - 1;
    const d = this.dimensions;
    const out = new Float32Array(numRows * d);
    for (let i = 0; i < numRows; i++) {
      this.project(rows, i, out.subarray(i * d, (i + 1) * d), offsets?.subarray(i * d, (i + 1) * d));
    }
    return out;
  }

  save(): { params: Record<string, ParamValue>; arrays: { weights: Float32Array } } {
    return {
      params: { inputSize: this.inputSize, dimensions: this.dimensions, residual: this.residual },
      arrays: { weights: this.weights },
    };
  }

  static load(saved: { params: Record<string, ParamValue>; arrays: Record<string, unknown> }): Projection {
    const { inputSize, dimensions, residual } = saved.params;
    const weights = saved.arrays.weights;
    if (typeof inputSize !== 'number' || typeof dimensions !== 'number' || typeof residual !== 'boolean' || !(weights instanceof Float32Array)) {
      throw new ShopfusionError('invalid_argument', 'projection: the snapshot needs inputSize, dimensions, residual and Float32Array weights');
    }
    return new Projection(inputSize, dimensions, residual, weights);
  }
}

/**
 * Trains a projection on `pairs`: flattened [a0, b0, a1, b1, ...] row indices that belong together
 * (co-interacted items, query → clicked item). Loss: symmetric InfoNCE with in-batch negatives (and
 * optionally extra random negatives), cosine of the L2-normalised projected vectors over τ.
 */
export function trainProjection(rows: FeatureRows, pairs: Int32Array, options: ProjectionOptions): Projection {
  const numRows = checkRows(rows);
  const n = rows.numFeatures;
  const residual = options.residual ?? false;
  const dense = isDense(rows);
  if (residual && !dense) {
    throw new ShopfusionError('invalid_argument', 'trainProjection: residual needs dense rows (every feature present in every row)');
  }
  const d = residual ? n : options.dimensions;
  positiveInteger('dimensions', d);
  const numPairs = checkPairs('pairs', pairs, numRows);
  const temperature = options.temperature ?? DEFAULT_TEMPERATURE;
  if (!(temperature > 0)) throw new ShopfusionError('invalid_argument', `trainProjection: temperature must be > 0, got ${temperature}`);
  const epochs = options.epochs ?? DEFAULT_EPOCHS;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ShopfusionError('invalid_argument', `trainProjection: epochs must be an integer >= 0, got ${epochs}`);
  const batchSize = Math.min(options.batchSize ?? DEFAULT_BATCH_SIZE, Math.max(numPairs, 1));
  positiveInteger('batchSize', batchSize);
  const negatives = options.negatives ?? 0;
  if (!Number.isInteger(negatives) || negatives < 0) throw new ShopfusionError('invalid_argument', `trainProjection: negatives must be an integer >= 0, got ${negatives}`);
  const learningRate = options.learningRate ?? (dense ? DEFAULT_DENSE_LEARNING_RATE : DEFAULT_SPARSE_LEARNING_RATE);
  if (!(learningRate > 0)) throw new ShopfusionError('invalid_argument', `trainProjection: learningRate must be > 0, got ${learningRate}`);
  if (options.offsets && options.offsets.length !== numRows * d) {
    throw new ShopfusionError('invalid_argument', `trainProjection: offsets hold ${options.offsets.length} numbers, expected ${numRows} rows × ${d}`);
  }
  const validation = options.validationPairs;
  const numValidation = validation ? checkPairs('validationPairs', validation, numRows) : 0;

  const rng = new Rng(options.seed);
  const weights = new Float32Array(n * d);
  if (options.initial) {
    if (options.initial.length !== n * d) {
      throw new ShopfusionError('invalid_argument', `trainProjection: initial holds ${options.initial.length} weights, expected ${n} × ${d}`);
    }
    weights.set(options.initial);
  } else if (!residual) {
    rng.fillNormal(weights, 1 / Math.sqrt(d));
  }

  const engine = new InfoNce(rows, weights, d, residual, temperature, options.offsets, batchSize, negatives);
  const gradient = new RowGradient(n, d, Math.min(n, 1024));
  const optimiser: Optimiser = dense ? new Adam(n * d, learningRate) : new RowAdagrad(n, learningRate);
  const order = new Int32Array(numPairs);
  for (let i = 0; i < numPairs; i++) order[i] = i;
  const stepsPerEpoch = Math.ceil(numPairs / batchSize);
  const totalSteps = Math.max(1, epochs * stepsPerEpoch);

  let best = validation ? engine.recall(validation, numValidation) : 0;
  const bestWeights = validation ? Float32Array.from(weights) : undefined;
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < numPairs; start += batchSize) {
      const count = Math.min(batchSize, numPairs - start);
      // One pair alone has no in-batch negative: its loss and gradient would be zero.
      if (count > 1 || negatives > 0) {
        for (let i = 0; i < count; i++) {
          const p = order[start + i] as number;
          engine.assign(i, pairs[2 * p] as number);
          engine.assign(count + i, pairs[2 * p + 1] as number);
        }
        for (let m = 0; m < negatives; m++) engine.assign(2 * count + m, rng.int(numRows));
        engine.forward(2 * count + negatives);
        lossSum += engine.loss(count, negatives, true);
        batches++;
        engine.weightGradient(2 * count + negatives, gradient);
        optimiser.step(weights, gradient, d);
      }
      step++;
      options.progress?.(step / totalSteps);
    }
    const stats: EpochStats = { epoch, loss: batches > 0 ? lossSum / batches : 0 };
    if (validation && bestWeights) {
      const recall = engine.recall(validation, numValidation);
      stats.recall = recall;
      // Ties keep training (and the newer weights): a small validation set saturates early.
      if (recall >= best) {
        best = recall;
        bestWeights.set(weights);
      }
      stats.bestRecall = best;
      options.onEpoch?.(stats);
      if (recall < best) {
        weights.set(bestWeights);
        break;
      }
    } else {
      options.onEpoch?.(stats);
    }
  }
  options.progress?.(1);
  return new Projection(n, d, residual, weights);
}

/**
 * The symmetric InfoNCE loss of `pairs` taken as one batch (with `negatives`, rows shared as extra
 * negatives), and, when `gradient` (inputSize × dimensions) is given, its gradient with respect to
 * the weights written into it: what training minimises, through the same code, for gradient checks
 * and diagnostics.
 */
export function contrastiveLoss(
  projection: Projection,
  rows: FeatureRows,
  pairs: Int32Array,
  options: { temperature?: number; offsets?: Float32Array; negatives?: Int32Array; gradient?: Float32Array },
): number {
  const numRows = checkRows(rows);
  const numPairs = checkPairs('pairs', pairs, numRows);
  const negatives = options.negatives ?? new Int32Array(0);
  for (const row of negatives) if (row < 0 || row >= numRows) throw new ShopfusionError('invalid_argument', `contrastiveLoss: negative row ${row} is outside 0..${numRows - 1}`);
  const m = negatives.length;
  const d = projection.dimensions;
  const engine = new InfoNce(
    rows,
    projection.weights,
    d,
    projection.residual,
    options.temperature ?? DEFAULT_TEMPERATURE,
    options.offsets,
    numPairs,
    m,
  );
  for (let i = 0; i < numPairs; i++) {
    engine.assign(i, pairs[2 * i] as number);
    engine.assign(numPairs + i, pairs[2 * i + 1] as number);
  }
  for (let q = 0; q < m; q++) engine.assign(2 * numPairs + q, negatives[q] as number);
  engine.forward(2 * numPairs + m);
  const loss = engine.loss(numPairs, m, options.gradient !== undefined);
  const out = options.gradient;
  if (out) {
    const gradient = new RowGradient(rows.numFeatures, d, 16);
    engine.weightGradient(2 * numPairs + m, gradient);
    out.fill(0);
    for (let t = 0; t < gradient.count; t++) {
      const j = gradient.features[t] as number;
      for (let k = 0; k < d; k++) out[j * d + k] = gradient.values[t * d + k] as number;
    }
  }
  return loss;
}

/** z[o..o+d) += x, the residual term. */
function addInput(rows: FeatureRows, row: number, z: Float64Array, o: number): void {
  const { indptr, indices, values } = rows;
  const end = indptr[row + 1] as number;
  for (let p = indptr[row] as number; p < end; p++) {
    const at = o + (indices[p] as number);
    z[at] = (z[at] as number) + (values[p] as number);
  }
}

/** z[o..o+d) += Σ_j x_j W[j] for one row. */
function accumulateRow(rows: FeatureRows, row: number, weights: Float32Array, d: number, z: Float64Array, o: number): void {
  const { indptr, indices, values } = rows;
  const end = indptr[row + 1] as number;
  for (let p = indptr[row] as number; p < end; p++) {
    const v = values[p] as number;
    const b = (indices[p] as number) * d;
    let k = 0;
    for (; k + 3 < d; k += 4) {
      z[o + k] = (z[o + k] as number) + v * (weights[b + k] as number);
      z[o + k + 1] = (z[o + k + 1] as number) + v * (weights[b + k + 1] as number);
      z[o + k + 2] = (z[o + k + 2] as number) + v * (weights[b + k + 2] as number);
      z[o + k + 3] = (z[o + k + 3] as number) + v * (weights[b + k + 3] as number);
    }
    for (; k < d; k++) z[o + k] = (z[o + k] as number) + v * (weights[b + k] as number);
  }
}

function sumSquares(a: Float64Array, o: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += (a[o + k] as number) ** 2;
  return s;
}

function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let k = 0;
  for (; k + 1 < d; k += 2) {
    s0 += (a[ao + k] as number) * (b[bo + k] as number);
    s1 += (a[ao + k + 1] as number) * (b[bo + k + 1] as number);
  }
  if (k < d) s0 += (a[ao + k] as number) * (b[bo + k] as number);
  return s0 + s1;
}

/** a[ao..ao+d) += g · b[bo..bo+d) */
function axpyAt(a: Float64Array, ao: number, g: number, b: Float64Array, bo: number, d: number): void {
  if (g === 0) return;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    a[ao + k] = (a[ao + k] as number) + g * (b[bo + k] as number);
    a[ao + k + 1] = (a[ao + k + 1] as number) + g * (b[bo + k + 1] as number);
    a[ao + k + 2] = (a[ao + k + 2] as number) + g * (b[bo + k + 2] as number);
    a[ao + k + 3] = (a[ao + k + 3] as number) + g * (b[bo + k + 3] as number);
  }
  for (; k < d; k++) a[ao + k] = (a[ao + k] as number) + g * (b[bo + k] as number);
}

/**
 * The batch: slots 0..c−1 hold the a side, c..2c−1 the b side, 2c..2c+m−1 the shared negatives.
 * Buffers are sized once for the largest batch; nothing is allocated per step.
 */
class InfoNce {
  private readonly y: Float64Array;
  private readonly dy: Float64Array;
  private readonly norms: Float64Array;
  private readonly rowOfSlot: Int32Array;
  private readonly sab: Float64Array;
  private readonly san: Float64Array;
  private readonly sbn: Float64Array;
  private readonly gab: Float64Array;
  private readonly gan: Float64Array;
  private readonly gbn: Float64Array;
  /** Every row has every feature, in order: forward and gradient run as matrix products. */
  private readonly dense: boolean;
  /** Dense rows: the batch's inputs (slots × numFeatures) and the weights, as float64. */
  private readonly x: Float64Array;
  private readonly w: Float64Array;

  constructor(
    private readonly rows: FeatureRows,
    private readonly weights: Float32Array,
    private readonly d: number,
    private readonly residual: boolean,
    private readonly temperature: number,
    private readonly offsets: Float32Array | undefined,
    private readonly maxPairs: number,
    maxNegatives: number,
  ) {
    const slots = 2 * maxPairs + maxNegatives;
    this.y = new Float64Array(slots * d);
    this.dy = new Float64Array(slots * d);
    this.norms = new Float64Array(slots);
    this.rowOfSlot = new Int32Array(slots);
    this.sab = new Float64Array(maxPairs * maxPairs);
    this.gab = new Float64Array(maxPairs * maxPairs);
    this.san = new Float64Array(maxPairs * maxNegatives);
    this.sbn = new Float64Array(maxPairs * maxNegatives);
    this.gan = new Float64Array(maxPairs * maxNegatives);
    this.gbn = new Float64Array(maxPairs * maxNegatives);
    this.dense = isDense(rows);
    this.x = new Float64Array(this.dense ? slots * rows.numFeatures : 0);
    this.w = new Float64Array(this.dense ? weights.length : 0);
  }

  assign(slot: number, row: number): void {
    this.rowOfSlot[slot] = row;
  }

  /** Forward pass of slots 0..count−1: y = z / ‖z‖. */
  forward(count: number): void {
    const { d, y, offsets, rows, rowOfSlot, norms } = this;
    for (let s = 0; s < count; s++) {
      const o = s * d;
      const row = rowOfSlot[s] as number;
      if (offsets) for (let k = 0; k < d; k++) y[o + k] = offsets[row * d + k] as number;
      else y.fill(0, o, o + d);
      if (this.residual) addInput(rows, row, y, o);
    }
    if (this.dense) {
      // Y += X W as one matrix product, in float64 copies (one kernel type keeps V8's code monomorphic).
      const { x, w } = this;
      const n = rows.numFeatures;
      w.set(this.weights);
      for (let t = 0; t < count; t++) {
        const start = rows.indptr[rowOfSlot[t] as number] as number;
        x.set(rows.values.subarray(start, start + n), t * n);
      }
      gemm(count, d, n, x, 0, n, 1, w, 0, d, 1, y, 0, d);
    } else {
      for (let s = 0; s < count; s++) accumulateRow(rows, rowOfSlot[s] as number, this.weights, d, y, s * d);
    }
    for (let t = 0; t < count; t++) {
      const o = t * d;
      const norm = Math.sqrt(sumSquares(y, o, d));
      norms[t] = norm;
      if (norm > 0) for (let k = 0; k < d; k++) y[o + k] = (y[o + k] as number) / norm;
    }
  }

  /** Cosines of the a side with the b side and with the negatives: S = Y_a Y_bᵀ, Y_a Y_nᵀ, Y_b Y_nᵀ. */
  private gram(c: number, m: number): void {
    const { d, y, sab, san, sbn } = this;
    sab.fill(0, 0, c * c);
    san.fill(0, 0, c * m);
    sbn.fill(0, 0, c * m);
    gemm(c, c, d, y, 0, d, 1, y, c * d, 1, d, sab, 0, c);
    gemm(c, m, d, y, 0, d, 1, y, 2 * c * d, 1, d, san, 0, m);
    gemm(c, m, d, y, c * d, d, 1, y, 2 * c * d, 1, d, sbn, 0, m);
  }

  /**
   * The batch's loss; with `withGradient`, ∂L/∂y of every slot is left in `dy` for `weightGradient`.
   * Query a_i's keys are b_j and the negatives, b_j's are a_i and the negatives; a key holding the
   * query's own item or its positive's item (other than the positive itself) is masked out.
   */
  loss(c: number, m: number, withGradient: boolean): number {
    this.gram(c, m);
    const { sab, san, sbn, gab, gan, gbn, rowOfSlot: item } = this;
    const invT = 1 / this.temperature;
    // Each direction's mean over c queries, halved: the ∂L/∂s factor 1/(2cτ).
    const scale = invT / (2 * c);
    gab.fill(0, 0, c * c);
    gan.fill(0, 0, c * m);
    gbn.fill(0, 0, c * m);
    let total = 0;
    for (let dir = 0; dir < 2; dir++) {
      for (let i = 0; i < c; i++) {
        // dir 0: query a_i, positive b_i, keys b_j = sab[i][j]; dir 1: query b_i, positive a_i, keys a_j = sab[j][i].
        const self = item[dir === 0 ? i : c + i] as number;
        const positive = item[dir === 0 ? c + i : i] as number;
        const keyBase = dir === 0 ? c : 0;
        const negs = dir === 0 ? san : sbn;
        const gNegs = dir === 0 ? gan : gbn;
        let max = -Infinity;
        for (let j = 0; j < c; j++) {
          const key = item[keyBase + j] as number;
          if (j !== i && (key === self || key === positive)) continue;
          const s = (dir === 0 ? sab[i * c + j] : sab[j * c + i]) as number;
          if (s > max) max = s;
        }
        for (let q = 0; q < m; q++) {
          const key = item[2 * c + q] as number;
          if (key === self || key === positive) continue;
          const s = negs[i * m + q] as number;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j < c; j++) {
          const key = item[keyBase + j] as number;
          if (j !== i && (key === self || key === positive)) continue;
          sum += Math.exp(((dir === 0 ? sab[i * c + j] : sab[j * c + i]) as number) * invT - max * invT);
        }
        for (let q = 0; q < m; q++) {
          const key = item[2 * c + q] as number;
          if (key === self || key === positive) continue;
          sum += Math.exp((negs[i * m + q] as number) * invT - max * invT);
        }
        const logSum = Math.log(sum) + max * invT;
        total += logSum - (sab[i * c + i] as number) * invT;
        if (!withGradient) continue;
        for (let j = 0; j < c; j++) {
          const key = item[keyBase + j] as number;
          if (j !== i && (key === self || key === positive)) continue;
          const at = dir === 0 ? i * c + j : j * c + i;
          const p = Math.exp((sab[at] as number) * invT - logSum);
          gab[at] = (gab[at] as number) + scale * (j === i ? p - 1 : p);
        }
        for (let q = 0; q < m; q++) {
          const key = item[2 * c + q] as number;
          if (key === self || key === positive) continue;
          gNegs[i * m + q] = scale * Math.exp((negs[i * m + q] as number) * invT - logSum);
        }
      }
    }
    if (withGradient) this.similarityGradient(c, m);
    return total / (2 * c);
  }

  /**
   * ∂L/∂y from ∂L/∂s: each cosine s = y_q·y_k sends g·y_k to q and g·y_q to k, that is
   * dY_a = G_ab Y_b + G_an Y_n, dY_b = G_abᵀ Y_a + G_bn Y_n, dY_n = G_anᵀ Y_a + G_bnᵀ Y_b.
   */
  private similarityGradient(c: number, m: number): void {
    const { d, y, dy, gab, gan, gbn } = this;
    const b = c * d;
    const n = 2 * c * d;
    dy.fill(0, 0, (2 * c + m) * d);
    gemm(c, d, c, gab, 0, c, 1, y, b, d, 1, dy, 0, d);
    gemm(c, d, m, gan, 0, m, 1, y, n, d, 1, dy, 0, d);
    gemm(c, d, c, gab, 0, 1, c, y, 0, d, 1, dy, b, d);
    gemm(c, d, m, gbn, 0, m, 1, y, n, d, 1, dy, b, d);
    gemm(m, d, c, gan, 0, 1, m, y, 0, d, 1, dy, n, d);
    gemm(m, d, c, gbn, 0, 1, m, y, b, d, 1, dy, n, d);
  }

  /** ∂L/∂W after `loss(…, true)`: through y = z/‖z‖ (∂L/∂z replaces ∂L/∂y in `dy`), then into the rows. */
  weightGradient(count: number, gradient: RowGradient): void {
    const { d, y, dy, rows, rowOfSlot } = this;
    for (let s = 0; s < count; s++) {
      const o = s * d;
      const norm = this.norms[s] as number;
      const yDy = dotAt(y, o, dy, o, d);
      const inv = norm > 0 ? 1 / norm : 0;
      for (let k = 0; k < d; k++) dy[o + k] = ((dy[o + k] as number) - (y[o + k] as number) * yDy) * inv;
    }
    gradient.reset();
    // Dense: ∂L/∂W = Xᵀ ∂L/∂Z, with X as `forward` left it.
    if (this.dense) gemm(rows.numFeatures, d, count, this.x, 0, 1, rows.numFeatures, dy, 0, d, 1, gradient.all(), 0, d);
    else for (let s = 0; s < count; s++) gradient.add(rows, rowOfSlot[s] as number, dy, s * d);
  }

  /** In-batch recall@1: chunks of the batch size, a_i's nearest allowed b_j must be b_i. */
  recall(pairs: Int32Array, numPairs: number): number {
    const chunk = this.maxPairs;
    let hits = 0;
    let counted = 0;
    for (let start = 0; start < numPairs; start += chunk) {
      const c = Math.min(chunk, numPairs - start);
      if (c < 2) continue;
      for (let i = 0; i < c; i++) {
        this.assign(i, pairs[2 * (start + i)] as number);
        this.assign(c + i, pairs[2 * (start + i) + 1] as number);
      }
      this.forward(2 * c);
      this.gram(c, 0);
      const { sab, rowOfSlot: item } = this;
      for (let i = 0; i < c; i++) {
        const self = item[i] as number;
        const positive = item[c + i] as number;
        const target = sab[i * c + i] as number;
        let hit = 1;
        for (let j = 0; j < c && hit; j++) {
          const key = item[c + j] as number;
          if (j === i || key === self || key === positive) continue;
          if ((sab[i * c + j] as number) >= target) hit = 0;
        }
        hits += hit;
        counted++;
      }
    }
    return counted > 0 ? hits / counted : 0;
  }
}

/** ∂L/∂W for the rows a batch touched, accumulated per feature (a slot per distinct feature). */
class RowGradient {
  private readonly slotOf: Int32Array;
  features: Int32Array;
  values: Float64Array;
  count = 0;

  constructor(
    numFeatures: number,
    private readonly d: number,
    capacity: number,
  ) {
    this.slotOf = new Int32Array(numFeatures).fill(-1);
    this.features = new Int32Array(capacity);
    this.values = new Float64Array(capacity * d);
  }

  reset(): void {
    for (let t = 0; t < this.count; t++) this.slotOf[this.features[t] as number] = -1;
    this.count = 0;
  }

  /** Opens a slot for every feature, slot j for feature j, all zero: for dense rows. */
  all(): Float64Array {
    const n = this.slotOf.length;
    if (this.features.length < n) this.grow(n);
    for (let j = 0; j < n; j++) {
      this.features[j] = j;
      this.slotOf[j] = j;
    }
    this.count = n;
    this.values.fill(0, 0, n * this.d);
    return this.values;
  }

  /** ∂L/∂W[j] += x_j ∂L/∂z for every feature j of the row (∂L/∂z at dz[o..o+d)). */
  add(rows: FeatureRows, row: number, dz: Float64Array, o: number): void {
    const { d, slotOf } = this;
    const { indptr, indices, values } = rows;
    const end = indptr[row + 1] as number;
    for (let p = indptr[row] as number; p < end; p++) {
      const j = indices[p] as number;
      let slot = slotOf[j] as number;
      if (slot < 0) slot = this.open(j);
      axpyAt(this.values, slot * d, values[p] as number, dz, o, d);
    }
  }

  private open(feature: number): number {
    // Grows by doubling, so a run allocates O(log n) times, never per step once warm.
    if (this.count === this.features.length) this.grow(this.features.length * 2);
    const slot = this.count++;
    this.features[slot] = feature;
    this.slotOf[feature] = slot;
    this.values.fill(0, slot * this.d, (slot + 1) * this.d);
    return slot;
  }

  private grow(capacity: number): void {
    const features = new Int32Array(capacity);
    features.set(this.features);
    const values = new Float64Array(capacity * this.d);
    values.set(this.values);
    this.features = features;
    this.values = values;
  }
}

interface Optimiser {
  step(weights: Float32Array, gradient: RowGradient, d: number): void;
}

/** Adam (Kingma & Ba 2015, Algorithm 1) on the touched rows: every row, for dense inputs. */
class Adam implements Optimiser {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  step(weights: Float32Array, gradient: RowGradient, d: number): void {
    const { m, v } = this;
    const beta1 = 0.9;
    const beta2 = 0.999;
    this.t++;
    const stepSize = (this.learningRate * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    for (let s = 0; s < gradient.count; s++) {
      const b = (gradient.features[s] as number) * d;
      const gb = s * d;
      for (let k = 0; k < d; k++) {
        const g = gradient.values[gb + k] as number;
        const mk = beta1 * (m[b + k] as number) + (1 - beta1) * g;
        const vk = beta2 * (v[b + k] as number) + (1 - beta2) * g * g;
        m[b + k] = mk;
        v[b + k] = vk;
        weights[b + k] = (weights[b + k] as number) - (stepSize * mk) / (Math.sqrt(vk) + 1e-8);
      }
    }
  }
}

/** Row-wise Adagrad: one accumulator of the mean squared gradient per row; untouched rows cost nothing. */
class RowAdagrad implements Optimiser {
  private readonly sums: Float32Array;

  constructor(
    numRows: number,
    private readonly learningRate: number,
  ) {
    this.sums = new Float32Array(numRows);
  }

  step(weights: Float32Array, gradient: RowGradient, d: number): void {
    for (let s = 0; s < gradient.count; s++) {
      const j = gradient.features[s] as number;
      const gb = s * d;
      let sq = 0;
      for (let k = 0; k < d; k++) sq += (gradient.values[gb + k] as number) ** 2;
      const sum = (this.sums[j] as number) + sq / d;
      this.sums[j] = sum;
      const rate = this.learningRate / (Math.sqrt(sum) + 1e-10);
      const b = j * d;
      for (let k = 0; k < d; k++) weights[b + k] = (weights[b + k] as number) - rate * (gradient.values[gb + k] as number);
    }
  }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ShopfusionError('invalid_argument', `trainProjection: ${name} must be a positive integer, got ${value}`);
}

/** Validates the CSR structure once; returns the number of rows. */
function checkRows(rows: FeatureRows): number {
  const { indptr, indices, values, numFeatures } = rows;
  const numRows = indptr.length - 1;
  if (numRows < 0 || indptr[0] !== 0 || indptr[numRows] !== indices.length || values.length !== indices.length) {
    throw new ShopfusionError('invalid_argument', `feature rows: indptr must run from 0 to the ${indices.length} entries, and values must match indices`);
  }
  positiveInteger('numFeatures', numFeatures);
  for (let i = 0; i < numRows; i++) {
    if ((indptr[i + 1] as number) < (indptr[i] as number)) throw new ShopfusionError('invalid_argument', `feature rows: indptr decreases at row ${i}`);
  }
  for (let p = 0; p < indices.length; p++) {
    const j = indices[p] as number;
    if (j < 0 || j >= numFeatures) throw new ShopfusionError('invalid_argument', `feature rows: entry ${p} has feature ${j}, outside 0..${numFeatures - 1}`);
    if (!Number.isFinite(values[p])) throw new ShopfusionError('invalid_argument', `feature rows: entry ${p} has the value ${values[p]}`);
  }
  return numRows;
}

/** Every row holds every feature, in order. */
function isDense(rows: FeatureRows): boolean {
  const { indptr, indices, numFeatures: n } = rows;
  const numRows = indptr.length - 1;
  for (let i = 0; i < numRows; i++) {
    const start = indptr[i] as number;
    if ((indptr[i + 1] as number) - start !== n) return false;
    for (let j = 0; j < n; j++) if (indices[start + j] !== j) return false;
  }
  return numRows > 0;
}

function checkPairs(name: string, pairs: Int32Array, numRows: number): number {
  if (pairs.length % 2 !== 0) throw new ShopfusionError('invalid_argument', `trainProjection: ${name} must hold [a, b] row pairs, got ${pairs.length} numbers`);
  for (let p = 0; p < pairs.length; p++) {
    const r = pairs[p] as number;
    if (r < 0 || r >= numRows) throw new ShopfusionError('invalid_argument', `trainProjection: ${name}[${p}] is row ${r}, outside 0..${numRows - 1}`);
  }
  return pairs.length / 2;
}
