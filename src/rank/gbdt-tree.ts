/**
 * The trees of the LambdaMART ranker (`gbdt.ts`), grown as LightGBM grows them: quantile bins per
 * feature computed once, leaf-wise (best-first) growth on gradient/hessian histograms with the
 * subtraction trick (build the smaller child, subtract it from the parent), Newton leaf values
 * Σg / (Σh + λ) and split gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ).
 */
import type { Rng } from '../models/random.js';
import type { LambdaMartArrays, LambdaMartOptions } from './gbdt.js';

/** Rows sampled for the bin edges (LightGBM's bin_construct_sample_cnt). */
const BIN_SAMPLE = 200_000;

/** Quantile bin edges per feature and the training rows' bins, row-major. */
export class Binning {
  readonly rows: number;
  readonly dims: number;
  readonly maxBins: number;
  /** Upper edge of bin b of feature f at f * maxBins + b (the last is +∞). */
  readonly upper: Float64Array;
  readonly count: Int32Array;
  /** Bin of local row r, feature f, at r * dims + f. */
  readonly binned: Uint8Array;

  constructor(features: Float64Array, dims: number, rowsOf: Int32Array, maxBins: number, rng: Rng) {
    const rows = rowsOf.length;
    this.rows = rows;
    this.dims = dims;
    this.maxBins = maxBins;
    this.upper = new Float64Array(dims * maxBins).fill(Infinity);
    this.count = new Int32Array(dims).fill(1);
    this.binned = new Uint8Array(rows * dims);
    const sampled = rows > BIN_SAMPLE ? Int32Array.from({ length: BIN_SAMPLE }, () => rowsOf[rng.int(rows)] as number) : rowsOf;
    const values = new Float64Array(sampled.length);
    for (let f = 0; f < dims; f++) {
      let m = 0;
      for (const r of sampled) {
        const v = features[r * dims + f] as number;
        if (!Number.isNaN(v)) values[m++] = v;
      }
      this.edges(f, values.subarray(0, m).sort());
    }
    // One sequential pass over the raw rows; NaN fails every comparison and lands in the last bin.
    const { upper, count, binned } = this;
    for (let r = 0; r < rows; r++) {
      const from = (rowsOf[r] as number) * dims;
      for (let f = 0; f < dims; f++) {
        const v = features[from + f] as number;
        let lo = f * maxBins;
        let hi = lo + (count[f] as number) - 1;
        const first = lo;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (v <= (upper[mid] as number)) hi = mid;
          else lo = mid + 1;
        }
        binned[r * dims + f] = lo - first;
      }
    }
  }

  /** Edges from sorted values: one bin per distinct value when they fit, else equal-count bins. */
  private edges(f: number, sorted: Float64Array): void {
    const m = sorted.length;
    let distinct = 0;
    for (let i = 0; i < m; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
    let made = 0;
    for (let i = 0; i < m && made < this.maxBins - 1; i++) {
      const v = sorted[i] as number;
      const next = sorted[i + 1];
      if (next === undefined || next === v) continue;
      if (distinct > this.maxBins && i + 1 < ((made + 1) * m) / this.maxBins) continue;
      const mid = v + (next - v) / 2;
      this.upper[f * this.maxBins + made++] = mid < next && Number.isFinite(mid) ? mid : v;
    }
    this.count[f] = made + 1;
  }
}

/** The fitted trees, growing; `finish` keeps a prefix. */
export class ForestBuilder {
  roots: Int32Array;
  feature = new Int32Array(256);
  threshold = new Float64Array(256);
  gain = new Float64Array(256);
  left = new Int32Array(256);
  right = new Int32Array(256);
  leafValue = new Float64Array(256);
  nodes = 0;
  leaves = 0;
  trees = 0;
  private nodeEnd: number[] = [0];
  private leafEnd: number[] = [0];

  constructor(readonly dims: number) {
    this.roots = new Int32Array(16);
  }

  /** Room for `nodes` more nodes and leaves. */
  reserve(nodes: number): void {
    if (this.trees >= this.roots.length) this.roots = grow(this.roots, 2 * this.roots.length);
    const need = this.nodes + nodes;
    if (need > this.feature.length) {
      const size = Math.max(need, 2 * this.feature.length);
      this.feature = grow(this.feature, size);
      this.threshold = grow(this.threshold, size);
      this.gain = grow(this.gain, size);
      this.left = grow(this.left, size);
      this.right = grow(this.right, size);
    }
    if (this.leaves + nodes > this.leafValue.length) this.leafValue = grow(this.leafValue, Math.max(this.leaves + nodes, 2 * this.leafValue.length));
  }

  endTree(root: number): void {
    this.roots[this.trees++] = root;
    this.nodeEnd.push(this.nodes);
    this.leafEnd.push(this.leaves);
  }

  finish(trees: number): LambdaMartArrays {
    const nodes = this.nodeEnd[trees] as number;
    const importance = new Float64Array(this.dims);
    for (let i = 0; i < nodes; i++) importance[this.feature[i] as number] = (importance[this.feature[i] as number] as number) + (this.gain[i] as number);
    return {
      roots: this.roots.slice(0, trees),
      feature: this.feature.slice(0, nodes),
      threshold: this.threshold.slice(0, nodes),
      left: this.left.slice(0, nodes),
      right: this.right.slice(0, nodes),
      leafValue: this.leafValue.slice(0, this.leafEnd[trees] as number),
      importance,
    };
  }
}

function grow<T extends Int32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** Leaf-wise growth of one tree over the binned rows, with per-leaf histograms of (g, h, count). */
export class TreeGrower {
  private readonly idx: Int32Array;
  private readonly tmp: Int32Array;
  private readonly hist: Float64Array[] = [];
  // Per leaf of the tree being grown.
  private readonly begin: Int32Array;
  private readonly end: Int32Array;
  private readonly slot: Int32Array;
  private readonly sumG: Float64Array;
  private readonly sumH: Float64Array;
  private readonly parent: Int32Array;
  private readonly bestGain: Float64Array;
  private readonly bestFeature: Int32Array;
  private readonly bestBin: Int32Array;
  private readonly bestG: Float64Array;
  private readonly bestH: Float64Array;

  constructor(
    private readonly bins: Binning,
    private readonly o: Required<LambdaMartOptions>,
  ) {
    const n = bins.rows;
    this.idx = new Int32Array(n);
    this.tmp = new Int32Array(n);
    const leaves = o.leaves;
    this.begin = new Int32Array(leaves);
    this.end = new Int32Array(leaves);
    this.slot = new Int32Array(leaves);
    this.parent = new Int32Array(leaves);
    this.bestFeature = new Int32Array(leaves);
    this.bestBin = new Int32Array(leaves);
    this.sumG = new Float64Array(leaves);
    this.sumH = new Float64Array(leaves);
    this.bestGain = new Float64Array(leaves);
    this.bestG = new Float64Array(leaves);
    this.bestH = new Float64Array(leaves);
  }

  /** Grows one tree on (grad, hess) over the features `use`, appends it, adds it to `scores`. */
  grow(grad: Float64Array, hess: Float64Array, use: Int32Array, forest: ForestBuilder, scores: Float64Array): void {
    const { idx, o } = this;
    const n = idx.length;
    for (let i = 0; i < n; i++) idx[i] = i;
    forest.reserve(o.leaves);
    let G = 0;
    let H = 0;
    for (let i = 0; i < n; i++) {
      G += grad[i] as number;
      H += hess[i] as number;
    }
    this.begin[0] = 0;
    this.end[0] = n;
    this.slot[0] = 0;
    this.sumG[0] = G;
    this.sumH[0] = H;
    this.parent[0] = -1;
    this.build(0, grad, hess, use);
    this.findSplit(0, use);
    let leaves = 1;
    let root = ~0;
    while (leaves < o.leaves) {
      let l = -1;
      for (let k = 0; k < leaves; k++) if ((this.bestGain[k] as number) > 0 && (l < 0 || (this.bestGain[k] as number) > (this.bestGain[l] as number))) l = k;
      if (l < 0) break;
      const r = leaves++;
      const node = forest.nodes++;
      const f = this.bestFeature[l] as number;
      const bin = this.bestBin[l] as number;
      forest.feature[node] = f;
      forest.threshold[node] = this.bins.upper[f * this.bins.maxBins + bin] as number;
      forest.gain[node] = this.bestGain[l] as number;
      forest.left[node] = ~l;
      forest.right[node] = ~r;
      const p = this.parent[l] as number;
      if (p < 0) root = node;
      else if (forest.left[p] === ~l) forest.left[p] = node;
      else forest.right[p] = node;
      this.parent[l] = node;
      this.parent[r] = node;
      const mid = this.partition(l, f, bin);
      this.begin[r] = mid;
      this.end[r] = this.end[l] as number;
      this.end[l] = mid;
      this.sumG[r] = (this.sumG[l] as number) - (this.bestG[l] as number);
      this.sumH[r] = (this.sumH[l] as number) - (this.bestH[l] as number);
      this.sumG[l] = this.bestG[l] as number;
      this.sumH[l] = this.bestH[l] as number;
      // The smaller child gets a fresh histogram; the larger takes its parent's minus the smaller's.
      const small = mid - (this.begin[l] as number) <= (this.end[r] as number) - mid ? l : r;
      const large = small === l ? r : l;
      const parentSlot = this.slot[l] as number;
      this.slot[large] = parentSlot;
      this.slot[small] = r;
      this.build(small, grad, hess, use);
      const big = this.hist[parentSlot] as Float64Array;
      const sub = this.hist[r] as Float64Array;
      for (const uf of use) {
        const from = uf * this.bins.maxBins * 3;
        const to = from + (this.bins.count[uf] as number) * 3;
        for (let i = from; i < to; i++) big[i] = (big[i] as number) - (sub[i] as number);
      }
      this.findSplit(l, use);
      this.findSplit(r, use);
    }
    // Newton leaf values, shrunk; leaf k of this tree is forest leaf forest.leaves + k.
    const base = forest.leaves;
    for (let k = 0; k < leaves; k++) {
      const den = (this.sumH[k] as number) + o.l2;
      const value = den > 0 ? (o.learningRate * (this.sumG[k] as number)) / den : 0;
      forest.leafValue[base + k] = value;
      for (let i = this.begin[k] as number; i < (this.end[k] as number); i++) scores[idx[i] as number] = (scores[idx[i] as number] as number) + value;
    }
    for (let i = forest.nodes - (leaves - 1); i < forest.nodes; i++) {
      if ((forest.left[i] as number) < 0) forest.left[i] = ~(base + ~(forest.left[i] as number));
      if ((forest.right[i] as number) < 0) forest.right[i] = ~(base + ~(forest.right[i] as number));
    }
    forest.leaves += leaves;
    forest.endTree(root < 0 ? ~base : root);
  }

  /** Stable partition of the leaf's rows: bin <= `bin` of feature f first; returns the boundary. */
  private partition(leaf: number, f: number, bin: number): number {
    const { idx, tmp } = this;
    const { binned, dims } = this.bins;
    const b = this.begin[leaf] as number;
    const e = this.end[leaf] as number;
    let w = b;
    let t = 0;
    for (let i = b; i < e; i++) {
      const r = idx[i] as number;
      if ((binned[r * dims + f] as number) <= bin) idx[w++] = r;
      else tmp[t++] = r;
    }
    idx.set(tmp.subarray(0, t), w);
    return w;
  }

  /** Histogram of the leaf's rows over the features `use`, into the leaf's slot. */
  private build(leaf: number, grad: Float64Array, hess: Float64Array, use: Int32Array): void {
    const s = this.slot[leaf] as number;
    const { maxBins, binned, dims, count } = this.bins;
    let hist = this.hist[s];
    if (!hist) this.hist[s] = hist = new Float64Array(dims * maxBins * 3);
    const { idx } = this;
    const b = this.begin[leaf] as number;
    const e = this.end[leaf] as number;
    for (const f of use) hist.fill(0, f * maxBins * 3, (f * maxBins + (count[f] as number)) * 3);
    if (use.length < dims) {
      for (let i = b; i < e; i++) {
        const r = idx[i] as number;
        const g = grad[r] as number;
        const h = hess[r] as number;
        for (const f of use) {
          const at = (f * maxBins + (binned[r * dims + f] as number)) * 3;
          hist[at] = (hist[at] as number) + g;
          hist[at + 1] = (hist[at + 1] as number) + h;
          hist[at + 2] = (hist[at + 2] as number) + 1;
        }
      }
      return;
    }
    // All features: unrolled by four, which measured ~1.5x faster in V8.
    const d4 = dims & ~3;
    for (let i = b; i < e; i++) {
      const r = idx[i] as number;
      const g = grad[r] as number;
      const h = hess[r] as number;
      const row = r * dims;
      let f = 0;
      for (; f < d4; f += 4) {
        let at = (f * maxBins + (binned[row + f] as number)) * 3;
        hist[at] = (hist[at] as number) + g;
        hist[at + 1] = (hist[at + 1] as number) + h;
        hist[at + 2] = (hist[at + 2] as number) + 1;
        at = ((f + 1) * maxBins + (binned[row + f + 1] as number)) * 3;
        hist[at] = (hist[at] as number) + g;
        hist[at + 1] = (hist[at + 1] as number) + h;
        hist[at + 2] = (hist[at + 2] as number) + 1;
        at = ((f + 2) * maxBins + (binned[row + f + 2] as number)) * 3;
        hist[at] = (hist[at] as number) + g;
        hist[at + 1] = (hist[at + 1] as number) + h;
        hist[at + 2] = (hist[at + 2] as number) + 1;
        at = ((f + 3) * maxBins + (binned[row + f + 3] as number)) * 3;
        hist[at] = (hist[at] as number) + g;
        hist[at + 1] = (hist[at + 1] as number) + h;
        hist[at + 2] = (hist[at + 2] as number) + 1;
      }
      for (; f < dims; f++) {
        const at = (f * maxBins + (binned[row + f] as number)) * 3;
        hist[at] = (hist[at] as number) + g;
        hist[at + 1] = (hist[at + 1] as number) + h;
        hist[at + 2] = (hist[at + 2] as number) + 1;
      }
    }
  }

  /** The leaf's best split (gain 0 when none passes the leaf constraints). */
  private findSplit(leaf: number, use: Int32Array): void {
    const { o } = this;
    const hist = this.hist[this.slot[leaf] as number] as Float64Array;
    const G = this.sumG[leaf] as number;
    const H = this.sumH[leaf] as number;
    const C = (this.end[leaf] as number) - (this.begin[leaf] as number);
    const lambda = o.l2;
    const parentScore = (G * G) / (H + lambda);
    let best = 0;
    this.bestGain[leaf] = 0;
    if (C < 2 * o.minLeafRows) return;
    for (const f of use) {
      const base = f * this.bins.maxBins * 3;
      const last = (this.bins.count[f] as number) - 1;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let bin = 0; bin < last; bin++) {
        const at = base + bin * 3;
        gl += hist[at] as number;
        hl += hist[at + 1] as number;
        cl += hist[at + 2] as number;
        if (cl < o.minLeafRows || hl < o.minLeafHessian) continue;
        if (C - cl < o.minLeafRows) break;
        const hr = H - hl;
        if (hr < o.minLeafHessian) continue;
        const gr = G - gl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
        if (gain > best) {
          best = gain;
          this.bestGain[leaf] = gain;
          this.bestFeature[leaf] = f;
          this.bestBin[leaf] = bin;
          this.bestG[leaf] = gl;
          this.bestH[leaf] = hl;
        }
      }
    }
  }
}
