/**
 * The gradient-boosted tree ranker: LambdaMART (Burges 2010, "From RankNet to LambdaRank to
 * LambdaMART", MSR-TR-2010-82, §7). For each request and each pair (i, j) with y_i > y_j,
 * ρ = 1 / (1 + exp(s_i − s_j)) (σ = 1) and |ΔNDCG| is the change of NDCG from swapping i and j;
 * λ_i += ρ|ΔNDCG|, λ_j −= ρ|ΔNDCG|, and both get the Newton weight ρ(1 − ρ)|ΔNDCG| (§7, eq. 8–9).
 * Pairs whose positions both lie beyond `ndcgAt` are skipped and IDCG is taken at `ndcgAt`, as in
 * LightGBM's lambdarank_truncation_level. Gains are the labels as given (like `ndcgAt10`).
 *
 * Each tree is a regression tree on the λs with Newton leaf values Σλ / (Σh + l2) and split gain
 * G_L²/(H_L + l2) + G_R²/(H_R + l2) − G²/(H + l2) (Chen & Guestrin 2016, XGBoost, eq. 6–7),
 * shrunk by the learning rate. Histogram-based and leaf-wise like LightGBM (Ke et al. 2017):
 * per-feature quantile bin edges from (a sample of) the training rows, a row-major Uint8Array of
 * bins (one row's bins are read together, which measured faster than column-major), best-first growth, and the histogram subtraction trick (build the smaller child, the
 * larger is its parent minus it). A split keeps its bin's upper edge as a raw threshold
 * (x <= t goes left; NaN goes right, as it falls in the last bin), so scoring walks raw rows.
 * Early stopping on a seeded share of the requests (NDCG@10); the best prefix of trees is kept.
 * One of the ranking cascade's models, interchangeable with `DeepRanker`.
 */
import type { RankingData } from '../deep/ranker.js';
import { Rng } from '../models/random.js';
import { Binning, ForestBuilder, TreeGrower } from './gbdt-tree.js';

export interface LambdaMartOptions {
  /** The most trees (default 300). */
  trees?: number;
  /** Shrinkage of each tree's leaf values (default 0.1). */
  learningRate?: number;
  /** The most leaves per tree, grown best-first (default 31). */
  leaves?: number;
  /** Fewest training rows in a leaf (default 20). */
  minLeafRows?: number;
  /** Smallest hessian sum in a leaf (default 1e-3). */
  minLeafHessian?: number;
  /** The most histogram bins per feature, 2..256 (default 64). */
  bins?: number;
  /** L2 regularization λ of the leaf values (default 1). */
  l2?: number;
  /** Share of the features each tree may split on, (0, 1] (default 1). */
  featureFraction?: number;
  /** Trees without a better validation NDCG@10 before stopping (default 30). */
  patience?: number;
  /** Share of requests held out for early stopping (default 0.2). */
  validationShare?: number;
  /** Truncation of the lambdas' ΔNDCG (default 10). */
  ndcgAt?: number;
  /**
   * A feature whose value, times `baseScale`, is every row's initial score (LightGBM's
   * init_score): the trees then learn corrections to an existing ranking, such as a fused score,
   * and early stopping may keep none of them (default -1: start from 0).
   */
  baseFeature?: number;
  /** Multiplier of the base feature (default 1). */
  baseScale?: number;
}

export interface LambdaMartFit {
  /** Trees grown before stopping. */
  trees: number;
  /** Trees kept: the prefix with the best validation NDCG@10. */
  bestTrees: number;
  validNdcg: number;
}

/** The fitted forest, flat. A child reference >= 0 is a node index, < 0 is ~leaf index. */
export type LambdaMartArrays = {
  /** Root reference of each tree. */
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf values, learning rate included. */
  leafValue: Float64Array;
  /** Total split gain per feature; its length is the ranker's dims. */
  importance: Float64Array;
};

/** Rows sampled for the bin edges (LightGBM's bin_construct_sample_cnt). */
const EVAL_AT = 10;

export class LambdaMart {
  readonly options: Required<LambdaMartOptions>;
  private forest: LambdaMartArrays | undefined;

  constructor(options: LambdaMartOptions = {}) {
    this.options = {
      trees: options.trees ?? 300,
      learningRate: options.learningRate ?? 0.1,
      leaves: options.leaves ?? 31,
      minLeafRows: options.minLeafRows ?? 20,
      minLeafHessian: options.minLeafHessian ?? 1e-3,
      bins: options.bins ?? 64,
      l2: options.l2 ?? 1,
      featureFraction: options.featureFraction ?? 1,
      patience: options.patience ?? 30,
      validationShare: options.validationShare ?? 0.2,
      ndcgAt: options.ndcgAt ?? 10,
      baseFeature: options.baseFeature ?? -1,
      baseScale: options.baseScale ?? 1,
    };
    const o = this.options;
    const integer = (name: keyof LambdaMartOptions, min: number, max = Infinity): void => {
      const v = o[name];
      if (!(Number.isInteger(v) && v >= min && v <= max)) throw new RangeError(`lambdamart: ${name} must be an integer in [${min}, ${max}], got ${v}`);
    };
    integer('trees', 1);
    integer('leaves', 2, 65_536);
    integer('minLeafRows', 1);
    integer('bins', 2, 256);
    integer('patience', 1);
    integer('ndcgAt', 1);
    if (!(o.learningRate > 0 && Number.isFinite(o.learningRate))) throw new RangeError(`lambdamart: learningRate must be > 0, got ${o.learningRate}`);
    if (!(o.minLeafHessian >= 0 && Number.isFinite(o.minLeafHessian))) throw new RangeError(`lambdamart: minLeafHessian must be >= 0, got ${o.minLeafHessian}`);
    if (!(o.l2 >= 0 && Number.isFinite(o.l2))) throw new RangeError(`lambdamart: l2 must be >= 0, got ${o.l2}`);
    if (!(o.featureFraction > 0 && o.featureFraction <= 1)) throw new RangeError(`lambdamart: featureFraction must be in (0, 1], got ${o.featureFraction}`);
    if (!(o.validationShare >= 0 && o.validationShare < 1)) throw new RangeError(`lambdamart: validationShare must be in [0, 1), got ${o.validationShare}`);
    integer('baseFeature', -1);
    if (!Number.isFinite(o.baseScale)) throw new RangeError(`lambdamart: baseScale must be a finite number, got ${o.baseScale}`);
  }

  /** Row r's initial score: the scaled base feature, or 0. */
  private base(features: Float64Array, dims: number, r: number): number {
    const f = this.options.baseFeature;
    return f >= 0 ? this.options.baseScale * (features[r * dims + f] as number) : 0;
  }

  get dims(): number {
    return this.forest?.importance.length ?? 0;
  }

  fit(data: RankingData, seed: number): LambdaMartFit {
    const { dims, features, labels, starts } = data;
    const groups = starts.length - 1;
    const rows = groups >= 0 ? (starts[groups] as number) : 0;
    if (!(Number.isInteger(dims) && dims >= 1)) throw new RangeError(`lambdamart: dims must be an integer >= 1, got ${dims}`);
    if (features.length < rows * dims || labels.length < rows) throw new RangeError(`lambdamart: ${rows} rows need ${rows * dims} features and ${rows} labels`);
    const o = this.options;
    if (o.baseFeature >= dims) throw new RangeError(`lambdamart: baseFeature must be below dims ${dims}, got ${o.baseFeature}`);

    // The same split as DeepRanker: requests with a positive gain, shuffled, the first share held out.
    const rng = new Rng(seed);
    const order = Int32Array.from({ length: Math.max(0, groups) }, (_, g) => g).filter((g) => groupGain(labels, starts, g) > 0);
    rng.shuffle(order);
    const held = Math.floor(order.length * o.validationShare);
    const valid = gather(order.slice(0, held), starts);
    const train = gather(order.slice(held), starts);
    const n = train.rows.length;
    const trainLabels = Float32Array.from(train.rows, (r) => labels[r] as number);
    const validLabels = Float32Array.from(valid.rows, (r) => labels[r] as number);

    const bins = new Binning(features, dims, train.rows, o.bins, rng);
    const grower = new TreeGrower(bins, o);
    const forest = new ForestBuilder(dims);
    const scores = new Float64Array(n);
    const grad = new Float64Array(n);
    const hess = new Float64Array(n);
    const validScores = new Float64Array(valid.rows.length);
    const featureOrder = Int32Array.from({ length: dims }, (_, j) => j);
    const perTree = Math.max(1, Math.round(o.featureFraction * dims));
    for (let i = 0; i < n; i++) scores[i] = this.base(features, dims, train.rows[i] as number);
    for (let v = 0; v < valid.rows.length; v++) validScores[v] = this.base(features, dims, valid.rows[v] as number);
    // With a base ranking, keeping no tree at all is a candidate too.
    let best = { ndcg: o.baseFeature >= 0 && valid.starts.length > 1 ? meanNdcg(validScores, validLabels, valid.starts) : -1, trees: 0 };
    let grown = 0;
    for (let t = 1; t <= o.trees; t++) {
      grown = t;
      for (let g = 0; g + 1 < train.starts.length; g++) {
        lambdas(scores, trainLabels, train.starts[g] as number, train.starts[g + 1] as number, o.ndcgAt, grad, hess);
      }
      let selected = featureOrder;
      if (perTree < dims) {
        rng.shuffle(featureOrder);
        selected = featureOrder.slice(0, perTree).sort();
      }
      grower.grow(grad, hess, selected, forest, scores);
      const root = forest.roots[t - 1] as number;
      for (let v = 0; v < valid.rows.length; v++) {
        validScores[v] = (validScores[v] as number) + walk(forest, root, features, (valid.rows[v] as number) * dims);
      }
      const ndcg = valid.starts.length > 1 ? meanNdcg(validScores, validLabels, valid.starts) : 0;
      if (ndcg > best.ndcg || valid.starts.length <= 1) best = { ndcg, trees: t };
      if (t - best.trees >= o.patience) break;
    }
    this.forest = forest.finish(best.trees);
    return { trees: grown, bestTrees: best.trees, validNdcg: best.ndcg };
  }

  /** Scores of `rows` raw feature rows into `out`; allocates nothing. */
  score(features: Float64Array, rows: number, out: Float32Array | Float64Array): void {
    const forest = this.forest;
    if (!forest) throw new Error('the lambdamart ranker is not fitted');
    const dims = forest.importance.length;
    if (features.length < rows * dims || out.length < rows) throw new RangeError(`lambdamart: ${rows} rows need ${rows * dims} features and ${rows} outputs`);
    const { roots } = forest;
    for (let r = 0; r < rows; r++) {
      let sum = this.base(features, dims, r);
      for (let t = 0; t < roots.length; t++) sum += walk(forest, roots[t] as number, features, r * dims);
      out[r] = sum;
    }
  }

  save(): { options: Required<LambdaMartOptions>; arrays: LambdaMartArrays } {
    if (!this.forest) throw new Error('the lambdamart ranker is not fitted');
    return { options: this.options, arrays: this.forest };
  }

  static load(saved: ReturnType<LambdaMart['save']>): LambdaMart {
    const ranker = new LambdaMart(saved.options);
    const a = saved.arrays;
    const nodes = a.feature.length;
    const leaves = a.leafValue.length;
    const bad = (why: string): never => {
      throw new TypeError(`lambdamart: a snapshot of ${a.roots.length} trees, ${nodes} nodes and ${leaves} leaves ${why}`);
    };
    const ints = [a.roots, a.feature, a.left, a.right].every((x) => x instanceof Int32Array);
    const floats = [a.threshold, a.leafValue, a.importance].every((x) => x instanceof Float64Array);
    if (!ints || !floats) bad('needs Int32Array roots, feature, left, right and Float64Array threshold, leafValue, importance');
    if (!(a.threshold.length === nodes && a.left.length === nodes && a.right.length === nodes)) bad('needs feature, threshold, left and right of one length');
    if (a.importance.length < 1) bad('needs an importance per feature');
    // Children come after their node, so every walk ends.
    const ref = (r: number, after: number): boolean => (r >= 0 ? r > after && r < nodes : ~r < leaves);
    for (let i = 0; i < nodes; i++) {
      const f = a.feature[i] as number;
      if (!(f >= 0 && f < a.importance.length && ref(a.left[i] as number, i) && ref(a.right[i] as number, i))) bad(`has a bad node ${i}`);
    }
    for (const r of a.roots) if (!ref(r, -1)) bad(`has a bad root ${r}`);
    ranker.forest = a;
    return ranker;
  }

  /** Total split gain per feature over the kept trees. */
  featureImportance(): Float64Array {
    return (this.forest?.importance ?? new Float64Array(0)).slice();
  }
}

type Trees = Pick<LambdaMartArrays, 'feature' | 'threshold' | 'left' | 'right' | 'leafValue'>;

/** The leaf value a raw row at `at` in `features` reaches from `ref`. */
function walk(forest: Trees, ref: number, features: Float64Array, at: number): number {
  const { feature, threshold, left, right } = forest;
  while (ref >= 0) ref = (features[at + (feature[ref] as number)] as number) <= (threshold[ref] as number) ? (left[ref] as number) : (right[ref] as number);
  return forest.leafValue[~ref] as number;
}

function groupGain(labels: Float32Array, starts: Int32Array, g: number): number {
  let sum = 0;
  for (let r = starts[g] as number; r < (starts[g + 1] as number); r++) sum += labels[r] as number;
  return sum;
}

/** The rows of the given groups, concatenated, with their local group starts. */
function gather(groups: Int32Array, starts: Int32Array): { rows: Int32Array; starts: Int32Array } {
  const local = new Int32Array(groups.length + 1);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as number;
    local[i + 1] = (local[i] as number) + (starts[g + 1] as number) - (starts[g] as number);
  }
  const rows = new Int32Array(local[groups.length] as number);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as number;
    for (let r = starts[g] as number, k = local[i] as number; r < (starts[g + 1] as number); r++, k++) rows[k] = r;
  }
  return { rows, starts: local };
}

// Scratch of `lambdas` and `ndcgTop`, grown to the largest request seen (fitting is synchronous).
let permScratch = new Int32Array(0);
let discountScratch = new Float64Array(0);
let expScratch = new Float64Array(0);
let topScratch = new Float64Array(2 * 16);

function discounts(size: number): Float64Array {
  if (discountScratch.length < size) {
    discountScratch = Float64Array.from({ length: Math.max(size, 2 * discountScratch.length) }, (_, p) => 1 / Math.log2(p + 2));
    permScratch = new Int32Array(discountScratch.length);
    expScratch = new Float64Array(discountScratch.length);
  }
  return discountScratch;
}

/**
 * The LambdaMART λs (ascent direction: λ_i > 0 pushes row i up) and Newton weights of the rows
 * start .. end, written into grad and hess there. Positions come from sorting by score, ties by
 * row order; pairs whose positions are both >= ndcgAt contribute nothing.
 */
export function lambdas(scores: Float64Array, labels: Float32Array, start: number, end: number, ndcgAt: number, grad: Float64Array, hess: Float64Array): void {
  grad.fill(0, start, end);
  hess.fill(0, start, end);
  const size = end - start;
  if (size < 2) return;
  const idcg = idealDcg(labels, start, end, ndcgAt);
  if (!(idcg > 0)) return;
  const discount = discounts(size);
  const perm = permScratch;
  for (let i = 0; i < size; i++) perm[i] = start + i;
  sortByScore(perm, 0, size - 1, scores);
  // ρ = 1 / (1 + e^(s_hi − s_lo)) = e_lo / (e_hi + e_lo) with e = exp(s − max s): n exps, not one per pair.
  const ex = expScratch;
  const max = scores[perm[0] as number] as number;
  for (let p = 0; p < size; p++) ex[p] = Math.exp((scores[perm[p] as number] as number) - max);
  const top = Math.min(ndcgAt, size);
  for (let p = 0; p < top; p++) {
    const a = perm[p] as number;
    const la = labels[a] as number;
    const da = discount[p] as number;
    const ea = ex[p] as number;
    for (let q = p + 1; q < size; q++) {
      const b = perm[q] as number;
      const lb = labels[b] as number;
      if (la === lb) continue;
      const eb = ex[q] as number;
      const aHigh = la > lb;
      const hi = aHigh ? a : b;
      const lo = aHigh ? b : a;
      const delta = (Math.abs(la - lb) * (da - (discount[q] as number))) / idcg;
      const sum = ea + eb;
      // Both exps underflow only for scores ~745 below the top; then compute ρ directly.
      const rho = sum > 0 ? (aHigh ? eb : ea) / sum : 1 / (1 + Math.exp((scores[hi] as number) - (scores[lo] as number)));
      const lambda = rho * delta;
      const weight = lambda * (1 - rho);
      grad[hi] = (grad[hi] as number) + lambda;
      grad[lo] = (grad[lo] as number) - lambda;
      hess[hi] = (hess[hi] as number) + weight;
      hess[lo] = (hess[lo] as number) + weight;
    }
  }
}

/** Sorts perm[lo..hi] by score descending, ties by row ascending (a total order, so any sort agrees). */
function before(scores: Float64Array, x: number, y: number): boolean {
  const sx = scores[x] as number;
  const sy = scores[y] as number;
  return sx > sy || (sx === sy && x < y);
}

function sortByScore(perm: Int32Array, lo: number, hi: number, scores: Float64Array): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    const pivot = perm[mid] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(scores, perm[i] as number, pivot)) i++;
      while (before(scores, pivot, perm[j] as number)) j--;
      if (i <= j) {
        const t = perm[i] as number;
        perm[i++] = perm[j] as number;
        perm[j--] = t;
      }
    }
    // Recurse into the smaller side, loop on the larger: O(log n) stack.
    if (j - lo < hi - i) {
      sortByScore(perm, lo, j, scores);
      lo = i;
    } else {
      sortByScore(perm, i, hi, scores);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = perm[i] as number;
    let k = i - 1;
    while (k >= lo && before(scores, v, perm[k] as number)) {
      perm[k + 1] = perm[k] as number;
      k--;
    }
    perm[k + 1] = v;
  }
}

/** DCG of the best `at` labels of rows start .. end. */
function idealDcg(labels: Float32Array, start: number, end: number, at: number): number {
  return topDcg(labels, labels, start, end, at);
}

/**
 * DCG@at of rows start .. end ranked by `keys` descending, ties against the higher label (as
 * `ndcgAt10` breaks them); with keys = labels it is the ideal DCG. A partial insertion sort.
 */
function topDcg(keys: Float64Array | Float32Array, labels: Float32Array, start: number, end: number, at: number): number {
  const k = Math.min(at, end - start);
  if (2 * k > topScratch.length) topScratch = new Float64Array(2 * k);
  let filled = 0;
  for (let r = start; r < end; r++) {
    const key = keys[r] as number;
    const label = labels[r] as number;
    let p = filled;
    while (p > 0) {
      const pk = topScratch[2 * (p - 1)] as number;
      if (!(key > pk || (key === pk && label < (topScratch[2 * p - 1] as number)))) break;
      p--;
    }
    if (p >= k) continue;
    for (let q = Math.min(filled, k - 1); q > p; q--) {
      topScratch[2 * q] = topScratch[2 * q - 2] as number;
      topScratch[2 * q + 1] = topScratch[2 * q - 1] as number;
    }
    topScratch[2 * p] = key;
    topScratch[2 * p + 1] = label;
    if (filled < k) filled++;
  }
  let dcg = 0;
  for (let p = 0; p < filled; p++) dcg += (topScratch[2 * p + 1] as number) / Math.log2(p + 2);
  return dcg;
}

/** Mean NDCG@10 of the groups (local starts), equal to averaging `ndcgAt10` over them. */
function meanNdcg(scores: Float64Array, labels: Float32Array, starts: Int32Array): number {
  let sum = 0;
  const groups = starts.length - 1;
  for (let g = 0; g < groups; g++) {
    const s = starts[g] as number;
    const e = starts[g + 1] as number;
    const ideal = idealDcg(labels, s, e, EVAL_AT);
    sum += ideal > 0 ? topDcg(scores, labels, s, e, EVAL_AT) / ideal : 0;
  }
  return sum / groups;
}
