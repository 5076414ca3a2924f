/**
 * The deep ranker: an MLP over each candidate's feature row (channel scores and ranks, popularity,
 * affinities, text similarities, and any block of text-vector features the caller appends),
 * trained with a listwise softmax cross-entropy per request (ListNet's top-one probability, Cao et
 * al. 2007): for a request with gains y, L = −Σ_i (y_i / Σy) log softmax(s)_i. Features are
 * standardised with the training rows' mean and deviation. Early stopping on a seeded share of the
 * requests (NDCG@10); the best epoch's weights are kept. One of the ranking cascade's models.
 */
import { Adam } from './adam.js';
import { MlpWork, initMlp, mlpLayout, type MlpLayout } from './mlp.js';
import { Rng } from '../models/random.js';

/** Candidates grouped by request: group g is rows starts[g] .. starts[g + 1]. */
export interface RankingData {
  /** rows × dims, row-major. */
  features: Float64Array;
  dims: number;
  /** Gain of each row (0: not relevant). */
  labels: Float32Array;
  starts: Int32Array;
}

export interface DeepRankerOptions {
  /** Hidden layer widths (default [64, 32]; [] is a linear ranker). */
  hidden?: number[];
  learningRate?: number;
  /** Decoupled weight decay (default 1e-4). */
  weightDecay?: number;
  /** The most epochs (default 100). */
  epochs?: number;
  /** Epochs without a better validation NDCG@10 before stopping (default 8). */
  patience?: number;
  /** Requests per step (default 32). */
  batchGroups?: number;
  /** Share of requests held out for early stopping (default 0.2). */
  validationShare?: number;
}

export interface DeepRankerFit {
  epochs: number;
  bestEpoch: number;
  validNdcg: number;
}

export class DeepRanker {
  readonly options: Required<DeepRankerOptions>;
  private layout: MlpLayout | undefined;
  private theta: Float64Array = new Float64Array(0);
  private mean: Float64Array = new Float64Array(0);
  private scale: Float64Array = new Float64Array(0);
  private work: MlpWork | undefined;
  private input = new Float64Array(0);

  constructor(options: DeepRankerOptions = {}) {
    this.options = {
      hidden: options.hidden ?? [64, 32],
      learningRate: options.learningRate ?? 1e-3,
      weightDecay: options.weightDecay ?? 1e-4,
      epochs: options.epochs ?? 100,
      patience: options.patience ?? 8,
      batchGroups: options.batchGroups ?? 32,
      validationShare: options.validationShare ?? 0.2,
    };
    const o = this.options;
    if (!o.hidden.every((h) => Number.isInteger(h) && h >= 1)) throw new RangeError(`deep ranker: hidden sizes must be integers >= 1, got ${JSON.stringify(o.hidden)}`);
    if (!(o.validationShare >= 0 && o.validationShare < 1)) throw new RangeError(`deep ranker: validationShare must be in [0, 1), got ${o.validationShare}`);
    if (!(o.learningRate > 0)) throw new RangeError(`deep ranker: learningRate must be > 0, got ${o.learningRate}`);
  }

  get dims(): number {
    return this.layout?.sizes[0] ?? 0;
  }

  fit(data: RankingData, seed: number): DeepRankerFit {
    const { dims, features, labels, starts } = data;
    const groups = starts.length - 1;
    const rows = starts[groups] as number;
    if (features.length < rows * dims || labels.length < rows) throw new RangeError(`deep ranker: ${rows} rows need ${rows * dims} features and ${rows} labels`);
    this.standardise(features, rows, dims);
    const x = new Float64Array(rows * dims);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dims; j++) x[r * dims + j] = ((features[r * dims + j] as number) - (this.mean[j] as number)) * (this.scale[j] as number);

    const rng = new Rng(seed);
    const order = Int32Array.from({ length: groups }, (_, g) => g).filter((g) => groupGain(labels, starts, g) > 0);
    rng.shuffle(order);
    const held = Math.floor(order.length * this.options.validationShare);
    const valid = order.slice(0, held);
    const train = order.slice(held);
    const layout = mlpLayout(dims, this.options.hidden);
    this.layout = layout;
    this.theta = initMlp(layout, seed);
    this.work = new MlpWork(layout);
    const adam = new Adam(layout.size, this.options.learningRate, this.options.weightDecay);
    const grad = new Float64Array(layout.size);
    let best = { ndcg: -1, epoch: 0, theta: this.theta.slice() };
    let epochs = 0;
    const batch = new Float64Array(rows * dims);
    const dScores = new Float64Array(rows);
    for (let epoch = 1; epoch <= this.options.epochs; epoch++) {
      epochs = epoch;
      rng.shuffle(train);
      for (let b = 0; b < train.length; b += this.options.batchGroups) {
        const members = train.subarray(b, Math.min(train.length, b + this.options.batchGroups));
        // Gather the batch's rows, then one forward and one backward pass over them all.
        let n = 0;
        for (const g of members) {
          const s = starts[g] as number;
          const e = starts[g + 1] as number;
          batch.set(x.subarray(s * dims, e * dims), n * dims);
          n += e - s;
        }
        const scores = this.work.forward(this.theta, batch, n);
        let at = 0;
        for (const g of members) {
          const size = (starts[g + 1] as number) - (starts[g] as number);
          softmaxGradient(scores, labels, starts[g] as number, at, size, members.length, dScores);
          at += size;
        }
        grad.fill(0);
        this.work.backward(this.theta, dScores, grad);
        adam.step(this.theta, grad);
      }
      const ndcg = valid.length > 0 ? this.ndcg(x, data, valid) : 0;
      if (ndcg > best.ndcg || valid.length === 0) best = { ndcg, epoch, theta: this.theta.slice() };
      if (epoch - best.epoch >= this.options.patience) break;
    }
    this.theta = best.theta;
    return { epochs, bestEpoch: best.epoch, validNdcg: best.ndcg };
  }

  private standardise(features: Float64Array, rows: number, dims: number): void {
    this.mean = new Float64Array(dims);
    this.scale = new Float64Array(dims);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dims; j++) this.mean[j] = (this.mean[j] as number) + (features[r * dims + j] as number) / rows;
    const variance = new Float64Array(dims);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dims; j++) variance[j] = (variance[j] as number) + ((features[r * dims + j] as number) - (this.mean[j] as number)) ** 2 / rows;
    for (let j = 0; j < dims; j++) this.scale[j] = (variance[j] as number) > 1e-24 ? 1 / Math.sqrt(variance[j] as number) : 1;
  }

  /** Mean NDCG@10 of the given requests (rows already standardised in x). */
  private ndcg(x: Float64Array, data: RankingData, groups: Int32Array): number {
    const work = this.work as MlpWork;
    let sum = 0;
    for (const g of groups) {
      const s = data.starts[g] as number;
      const e = data.starts[g + 1] as number;
      const scores = work.forward(this.theta, x.subarray(s * data.dims, e * data.dims), e - s);
      sum += ndcgAt10(scores, data.labels.subarray(s, e));
    }
    return sum / groups.length;
  }

  /** Scores of `rows` raw feature rows into `out`. */
  score(features: Float64Array, rows: number, out: Float32Array | Float64Array): void {
    const { work } = this;
    const dims = this.dims;
    if (!work) throw new Error('the deep ranker is not fitted');
    if (this.input.length < rows * dims) this.input = new Float64Array(rows * dims);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dims; j++) this.input[r * dims + j] = ((features[r * dims + j] as number) - (this.mean[j] as number)) * (this.scale[j] as number);
    const scores = work.forward(this.theta, this.input, rows);
    for (let r = 0; r < rows; r++) out[r] = scores[r] as number;
  }

  save(): { options: Required<DeepRankerOptions>; arrays: { theta: Float64Array; mean: Float64Array; scale: Float64Array } } {
    if (!this.layout) throw new Error('the deep ranker is not fitted');
    return { options: this.options, arrays: { theta: this.theta, mean: this.mean, scale: this.scale } };
  }

  static load(saved: ReturnType<DeepRanker['save']>): DeepRanker {
    const ranker = new DeepRanker(saved.options);
    const layout = mlpLayout(saved.arrays.mean.length, saved.options.hidden);
    if (saved.arrays.theta.length !== layout.size || saved.arrays.scale.length !== saved.arrays.mean.length) {
      throw new TypeError(`deep ranker: a snapshot of ${saved.arrays.mean.length} features and layers ${JSON.stringify(saved.options.hidden)} needs ${layout.size} weights`);
    }
    ranker.layout = layout;
    ranker.theta = saved.arrays.theta;
    ranker.mean = saved.arrays.mean;
    ranker.scale = saved.arrays.scale;
    ranker.work = new MlpWork(layout);
    return ranker;
  }
}

function groupGain(labels: Float32Array, starts: Int32Array, g: number): number {
  let sum = 0;
  for (let r = starts[g] as number; r < (starts[g + 1] as number); r++) sum += labels[r] as number;
  return sum;
}

/** ∂L/∂s for one request: (softmax(s) − y / Σy) / groups, into dScores at the batch offset. */
function softmaxGradient(scores: Float64Array, labels: Float32Array, row: number, at: number, size: number, groups: number, dScores: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < size; i++) max = Math.max(max, scores[at + i] as number);
  let sum = 0;
  let gain = 0;
  for (let i = 0; i < size; i++) {
    sum += Math.exp((scores[at + i] as number) - max);
    gain += labels[row + i] as number;
  }
  for (let i = 0; i < size; i++) dScores[at + i] = (Math.exp((scores[at + i] as number) - max) / sum - (labels[row + i] as number) / gain) / groups;
}

/** NDCG@10 with gains as given, ties broken against the relevant rows. */
export function ndcgAt10(scores: Float64Array, labels: Float32Array): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || (labels[a] as number) - (labels[b] as number));
  let dcg = 0;
  for (let r = 0; r < Math.min(10, order.length); r++) dcg += (labels[order[r] as number] as number) / Math.log2(r + 2);
  const ideal = Array.from(labels).sort((a, b) => b - a);
  let idcg = 0;
  for (let r = 0; r < Math.min(10, ideal.length); r++) idcg += (ideal[r] as number) / Math.log2(r + 2);
  return idcg > 0 ? dcg / idcg : 0;
}
