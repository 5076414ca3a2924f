/**
 * The SASRec network (Kang & McAuley 2018, "Self-attentive sequential recommendation"), forward
 * and backward written by hand over float64 typed arrays.
 *
 * - Input: x_t = √d · e(item_t) + P[position_t] for a user's last ≤ L items, positions counted so
 *   that the newest item is at L − 1 (the left padding of the reference code, without computing
 *   the padding).
 * - Blocks (pre-norm, as the PyTorch ports): x ← x + Drop(Attn(LN₁(x))) and
 *   x ← x + Drop(W₂ ReLU(W₁ LN₂(x) + b₁) + b₂); attention is causal, with `heads` heads and no
 *   output projection (as the reference); the output is h = LN_f(x).
 * - Items: e(i) = E[i], or with text vectors e(i) = E[i] + A v_i + a (the parametric adapter of
 *   UniSRec, Hou et al. 2022, with one expert): an item nobody interacted with, or one added after
 *   training, is represented by its text alone (E[i] = 0). Input and output embeddings are tied.
 * - Loss: softmax cross-entropy of the next item at every position against the positive and the
 *   batch's shared negatives (sampled softmax; the full softmax is the case of every item as a
 *   negative), the mean over positions. Many negatives with softmax, not one with a binary loss,
 *   is what gSASRec (Petrov & Macdonald 2023) found makes SASRec converge fast and rank well.
 *
 * A `SasrecNet` holds the shape and the parameter layout; a `SasrecWork` holds the activations of
 * one batch shard and computes its loss and gradient into a gradient array of the same layout.
 * Nothing is allocated per step once a workspace has grown to its largest shard.
 */
import { gemm, matmul, matmulAT, matmulBT } from '../core/gemm.js';
import { Rng } from '../models/random.js';

export interface SasrecShape {
  /** Items in the catalog (dense indices 0..items − 1). */
  items: number;
  /** Hidden size d. */
  dim: number;
  /** The most recent items read, L. */
  maxLength: number;
  blocks: number;
  heads: number;
  /** Dimensions of the items' text vectors; 0 without text. */
  textDim: number;
}

/** Offsets of one block's parameters in the flat parameter array. */
interface BlockLayout {
  ln1g: number;
  ln1b: number;
  wq: number;
  bq: number;
  wk: number;
  bk: number;
  wv: number;
  bv: number;
  ln2g: number;
  ln2b: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
}

export interface SasrecLayout {
  E: number;
  P: number;
  blocks: BlockLayout[];
  lnfg: number;
  lnfb: number;
  /** Text adapter A (textDim × d) and its bias a; -1 without text. */
  A: number;
  a: number;
  size: number;
}

export function sasrecLayout(shape: SasrecShape): SasrecLayout {
  const { items, dim: d, maxLength, blocks, textDim } = shape;
  let at = 0;
  const take = (n: number) => {
    const o = at;
    at += n;
    return o;
  };
  const E = take(items * d);
  const P = take(maxLength * d);
  const layout: BlockLayout[] = [];
  for (let b = 0; b < blocks; b++) {
    layout.push({
      ln1g: take(d), ln1b: take(d),
      wq: take(d * d), bq: take(d), wk: take(d * d), bk: take(d), wv: take(d * d), bv: take(d),
      ln2g: take(d), ln2b: take(d),
      w1: take(d * d), b1: take(d), w2: take(d * d), b2: take(d),
    });
  }
  const lnfg = take(d);
  const lnfb = take(d);
  const A = textDim > 0 ? take(textDim * d) : -1;
  const a = textDim > 0 ? take(d) : -1;
  return { E, P, blocks: layout, lnfg, lnfb, A, a, size: at };
}

/**
 * Initial parameters: E ~ N(0, (s/√d)²) with s = 1, or 0.1 with text (so that the text leads at
 * first), P and the weights ~ N(0, 1/d) (A ~ N(0, 1/textDim)), layer-norm gains 1, biases 0.
 */
export function initSasrec(shape: SasrecShape, layout: SasrecLayout, seed: number): Float64Array {
  const theta = new Float64Array(layout.size);
  const rng = new Rng(seed);
  const d = shape.dim;
  const normal = (offset: number, n: number, sd: number) => {
    for (let i = 0; i < n; i++) theta[offset + i] = rng.normal(0, sd);
  };
  normal(layout.E, shape.items * d, (shape.textDim > 0 ? 0.1 : 1) / Math.sqrt(d));
  normal(layout.P, shape.maxLength * d, 1 / Math.sqrt(d));
  const ones = (offset: number) => theta.fill(1, offset, offset + d);
  for (const b of layout.blocks) {
    ones(b.ln1g);
    ones(b.ln2g);
    for (const w of [b.wq, b.wk, b.wv, b.w1, b.w2]) normal(w, d * d, 1 / Math.sqrt(d));
  }
  ones(layout.lnfg);
  if (layout.A >= 0) normal(layout.A, shape.textDim * d, 1 / Math.sqrt(shape.textDim));
  return theta;
}

/** One shard of a batch: sequences packed one after another, with their targets. */
export interface SasrecBatch {
  /** Sequence s is tokens start[s] .. start[s + 1]. */
  starts: Int32Array;
  sequences: number;
  /** Per token: its item, its position (0..L − 1) and the next item to predict. */
  inputs: Int32Array;
  positions: Int32Array;
  targets: Int32Array;
  /** Shared negatives. */
  negatives: Int32Array;
  numNegatives: number;
  /** The loss is a sum over tokens divided by this (the tokens of the whole batch). */
  normaliser: number;
  /** Seed of this shard's dropout masks. */
  seed: number;
}

const LN_EPS = 1e-8;

/** Layer norm of each row of x (rows × d) into y, keeping x̂ and 1/σ for the backward pass. */
function layerNorm(rows: number, d: number, x: Float64Array, g: Float64Array, go: number, bo: number, xhat: Float64Array, rstd: Float64Array, y: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let k = 0; k < d; k++) mean += x[o + k] as number;
    mean /= d;
    let variance = 0;
    for (let k = 0; k < d; k++) variance += ((x[o + k] as number) - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / d + LN_EPS);
    rstd[r] = inv;
    for (let k = 0; k < d; k++) {
      const h = ((x[o + k] as number) - mean) * inv;
      xhat[o + k] = h;
      y[o + k] = h * (g[go + k] as number) + (g[bo + k] as number);
    }
  }
}

/** dx += LN'ᵀ dy, and the gain and bias gradients. */
function layerNormBackward(rows: number, d: number, dy: Float64Array, xhat: Float64Array, rstd: Float64Array, theta: Float64Array, go: number, grad: Float64Array, bo: number, dx: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let meanD = 0;
    let meanDx = 0;
    for (let k = 0; k < d; k++) {
      const dh = (dy[o + k] as number) * (theta[go + k] as number);
      meanD += dh;
      meanDx += dh * (xhat[o + k] as number);
      grad[go + k] = (grad[go + k] as number) + (dy[o + k] as number) * (xhat[o + k] as number);
      grad[bo + k] = (grad[bo + k] as number) + (dy[o + k] as number);
    }
    meanD /= d;
    meanDx /= d;
    const inv = rstd[r] as number;
    for (let k = 0; k < d; k++) {
      const dh = (dy[o + k] as number) * (theta[go + k] as number);
      dx[o + k] = (dx[o + k] as number) + inv * (dh - meanD - (xhat[o + k] as number) * meanDx);
    }
  }
}

/** y = x W + b for rows × d inputs and a d × d weight at `w` (bias at `b`). */
function linear(rows: number, d: number, x: Float64Array, theta: Float64Array, w: number, b: number, y: Float64Array): void {
  for (let r = 0; r < rows; r++) for (let k = 0; k < d; k++) y[r * d + k] = theta[b + k] as number;
  gemm(rows, d, d, x, 0, d, 1, theta, w, d, 1, y, 0, d);
}

/** dW += xᵀ dy, db += Σ dy, and dx += dy Wᵀ (when dx is given). */
function linearBackward(rows: number, d: number, x: Float64Array, dy: Float64Array, theta: Float64Array, grad: Float64Array, w: number, b: number, dx: Float64Array | undefined): void {
  gemm(d, d, rows, x, 0, 1, d, dy, 0, d, 1, grad, w, d);
  for (let r = 0; r < rows; r++) for (let k = 0; k < d; k++) grad[b + k] = (grad[b + k] as number) + (dy[r * d + k] as number);
  if (dx) gemm(rows, d, d, dy, 0, d, 1, theta, w, 1, d, dx, 0, d);
}

interface BlockActivations {
  /** Block input x, and x after the attention residual. */
  x: Float64Array;
  x1: Float64Array;
  xhat1: Float64Array;
  rstd1: Float64Array;
  n1: Float64Array;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  /** Attention output before dropout. */
  o: Float64Array;
  xhat2: Float64Array;
  rstd2: Float64Array;
  n2: Float64Array;
  /** ReLU(W₁ LN₂(x₁) + b₁). */
  h: Float64Array;
  /** Dropout scales (0 or 1/(1 − p)) of the attention and feed-forward branches. */
  dropO: Float64Array;
  dropF: Float64Array;
  /** Attention probabilities: per sequence and head, an ℓ × ℓ block at `attnAt[s]`. */
  attention: Float64Array;
}

/** The sizes and parameter layout of one SASRec network. */
export class SasrecNet {
  readonly layout: SasrecLayout;

  constructor(
    readonly shape: SasrecShape,
    /** Dropout rate of the embeddings and both residual branches during training. */
    readonly dropout: number,
    /**
     * With text: the share of the batch's items represented by their text alone (E[i] left out)
     * during training, as DropoutNet does, so that items without interactions (E[i] = 0) are
     * scored on the same footing as the rest.
     */
    readonly idDropout = 0,
  ) {
    if (shape.dim % shape.heads !== 0) throw new RangeError(`sasrec: dim ${shape.dim} is not divisible by heads ${shape.heads}`);
    this.layout = sasrecLayout(shape);
  }

  /**
   * Each item's representation e(i) = E[i] (+ A v_i + a with text) into `out` (items × d, float32):
   * the output embeddings, computed once after training for serving.
   */
  itemTable(theta: Float64Array, text: Float32Array | undefined, out: Float32Array): void {
    const { items, dim: d, textDim } = this.shape;
    const { E, A, a } = this.layout;
    const row = new Float64Array(d);
    for (let i = 0; i < items; i++) {
      for (let k = 0; k < d; k++) row[k] = theta[E + i * d + k] as number;
      if (text && A >= 0) addText(theta, A, a, d, textDim, text, i * textDim, row);
      out.set(row, i * d);
    }
  }
}

/** row += A v + a for the text vector v at text[vo .. vo + textDim). */
export function addText(theta: Float64Array, A: number, a: number, d: number, textDim: number, text: Float32Array, vo: number, row: Float64Array): void {
  for (let k = 0; k < d; k++) row[k] = (row[k] as number) + (theta[a + k] as number);
  for (let j = 0; j < textDim; j++) {
    const v = text[vo + j] as number;
    if (v === 0) continue;
    const w = A + j * d;
    for (let k = 0; k < d; k++) row[k] = (row[k] as number) + v * (theta[w + k] as number);
  }
}

/** Activations and gradients of one batch shard; grows to the largest shard it has seen. */
export class SasrecWork {
  private tokens = 0;
  private capacity = 0;
  private itemCapacity = 0;
  private attentionCapacity = 0;
  private blocks: BlockActivations[] = [];
  private x0 = new Float64Array(0);
  private drop0 = new Float64Array(0);
  private out = new Float64Array(0);
  private xhatF = new Float64Array(0);
  private rstdF = new Float64Array(0);
  private hf = new Float64Array(0);
  /** The batch's items (inputs, targets, negatives) and their representations. */
  private slotOf: Int32Array;
  private slotItems = new Int32Array(0);
  /** 1 for slots represented by their text alone in this batch (`idDropout`). */
  private idDropped = new Uint8Array(0);
  private slots = 0;
  private reps = new Float64Array(0);
  private dReps = new Float64Array(0);
  private inputSlot = new Int32Array(0);
  private targetSlot = new Int32Array(0);
  private negativeSlot = new Int32Array(0);
  private negLogits = new Float64Array(0);
  /** The positive's logit, then (after `loss`) its softmax probability. */
  private posLogits = new Float64Array(0);
  private attnAt = new Int32Array(0);
  private buffer = new Float64Array(0);
  private dx = new Float64Array(0);
  private dn = new Float64Array(0);
  private dq = new Float64Array(0);
  private dk = new Float64Array(0);
  private dv = new Float64Array(0);
  private dh = new Float64Array(0);
  private negReps = new Float64Array(0);
  private dNegReps = new Float64Array(0);
  private readonly row: Float64Array;
  /** One ℓ × ℓ block of attention gradients. */
  private readonly square: Float64Array;

  constructor(
    readonly net: SasrecNet,
    /** Items' text vectors (items × textDim, float32) when the shape has text (training). */
    readonly text?: Float32Array,
    /** The items' representations (items × d) when serving: read instead of E and the adapter. */
    readonly table?: Float32Array,
  ) {
    // Serving may know more items than training did (added later from their text): the table's rows.
    this.slotOf = new Int32Array(table ? table.length / net.shape.dim : net.shape.items).fill(-1);
    this.row = new Float64Array(net.shape.dim);
    this.square = new Float64Array(net.shape.maxLength * net.shape.maxLength);
  }

  private ensure(tokens: number, sequences: number, items: number, attention: number): void {
    const d = this.net.shape.dim;
    if (tokens > this.capacity) {
      const n = Math.max(tokens, Math.ceil(this.capacity * 1.5));
      const f = () => new Float64Array(n * d);
      this.blocks = this.net.layout.blocks.map(() => ({
        x: f(), x1: f(), xhat1: f(), rstd1: new Float64Array(n), n1: f(), q: f(), k: f(), v: f(), o: f(),
        xhat2: f(), rstd2: new Float64Array(n), n2: f(), h: f(), dropO: f(), dropF: f(), attention: new Float64Array(0),
      }));
      this.attentionCapacity = 0;
      this.x0 = f();
      this.drop0 = f();
      this.out = f();
      this.xhatF = f();
      this.rstdF = new Float64Array(n);
      this.hf = f();
      this.inputSlot = new Int32Array(n);
      this.targetSlot = new Int32Array(n);
      this.posLogits = new Float64Array(n);
      this.buffer = f();
      this.dx = f();
      this.dn = f();
      this.dq = f();
      this.dk = f();
      this.dv = f();
      this.dh = f();
      this.capacity = n;
    }
    if (attention > this.attentionCapacity) {
      const n = Math.max(attention, Math.ceil(this.attentionCapacity * 1.5));
      for (const b of this.blocks) b.attention = new Float64Array(n);
      this.attentionCapacity = n;
    }
    if (items > this.itemCapacity) {
      this.releaseSlots();
      const n = Math.max(items, Math.ceil(this.itemCapacity * 1.5));
      this.slotItems = new Int32Array(n);
      this.idDropped = new Uint8Array(n);
      this.reps = new Float64Array(n * d);
      this.dReps = new Float64Array(n * d);
      this.itemCapacity = n;
    }
    if (this.attnAt.length < sequences + 1) this.attnAt = new Int32Array(sequences + 1);
  }

  /** Forgets the last batch's item slots. */
  private releaseSlots(): void {
    for (let s = 0; s < this.slots; s++) this.slotOf[this.slotItems[s] as number] = -1;
    this.slots = 0;
  }

  private slot(item: number): number {
    let s = this.slotOf[item] as number;
    if (s < 0) {
      s = this.slots++;
      this.slotOf[item] = s;
      this.slotItems[s] = item;
    }
    return s;
  }

  /**
   * Representations of the batch's items into `reps`, one slot per distinct item: rows of the
   * item table when serving, E[i] (+ A v_i + a) when training.
   */
  private gatherItems(theta: Float64Array, batch: SasrecBatch, withTargets: boolean, rng: Rng | undefined): void {
    const { dim: d, textDim } = this.net.shape;
    const { E, A, a } = this.net.layout;
    this.releaseSlots();
    const T = this.tokens;
    for (let t = 0; t < T; t++) this.inputSlot[t] = this.slot(batch.inputs[t] as number);
    if (withTargets) {
      if (this.negativeSlot.length < batch.numNegatives) this.negativeSlot = new Int32Array(batch.numNegatives);
      for (let t = 0; t < T; t++) this.targetSlot[t] = this.slot(batch.targets[t] as number);
      for (let j = 0; j < batch.numNegatives; j++) this.negativeSlot[j] = this.slot(batch.negatives[j] as number);
    }
    const row = this.row;
    const table = this.table;
    for (let s = 0; s < this.slots; s++) {
      const item = this.slotItems[s] as number;
      if (table) {
        for (let k = 0; k < d; k++) this.reps[s * d + k] = table[item * d + k] as number;
        continue;
      }
      const textOnly = rng !== undefined && this.text !== undefined && this.net.idDropout > 0 && rng.next() < this.net.idDropout;
      this.idDropped[s] = textOnly ? 1 : 0;
      for (let k = 0; k < d; k++) row[k] = textOnly ? 0 : (theta[E + item * d + k] as number);
      if (this.text && A >= 0) addText(theta, A, a, d, textDim, this.text, item * textDim, row);
      for (let k = 0; k < d; k++) this.reps[s * d + k] = row[k] as number;
    }
  }

  private dropoutMask(mask: Float64Array, n: number, rng: Rng | undefined): void {
    const p = this.net.dropout;
    if (!rng || p === 0) {
      mask.fill(1, 0, n);
      return;
    }
    const keep = 1 / (1 - p);
    for (let i = 0; i < n; i++) mask[i] = rng.next() < p ? 0 : keep;
  }

  /**
   * Forward pass over the shard; returns the summed cross-entropy of its tokens divided by the
   * batch normaliser. `train` draws dropout masks; without it the network is deterministic.
   */
  forward(theta: Float64Array, batch: SasrecBatch, train: boolean): number {
    this.encode(theta, batch, train, true);
    return this.loss(batch);
  }

  /**
   * The output h of every token (tokens × d, valid until the next call): for serving, a batch of
   * inputs and positions only (no targets or negatives needed).
   */
  hidden(theta: Float64Array, batch: SasrecBatch): Float64Array {
    this.encode(theta, batch, false, false);
    return this.hf;
  }

  private encode(theta: Float64Array, batch: SasrecBatch, train: boolean, withTargets: boolean): void {
    const { dim: d, heads, maxLength } = this.net.shape;
    const S = batch.sequences;
    const T = batch.starts[S] as number;
    let attention = 0;
    for (let s = 0; s < S; s++) {
      const l = (batch.starts[s + 1] as number) - (batch.starts[s] as number);
      if (l > maxLength) throw new RangeError(`sasrec: a sequence of ${l} tokens is longer than maxLength ${maxLength}`);
      attention += heads * l * l;
    }
    this.tokens = T;
    this.ensure(T, S, 2 * T + (withTargets ? batch.numNegatives : 0), attention);
    const rng = train ? new Rng(batch.seed) : undefined;
    this.gatherItems(theta, batch, withTargets, rng);
    this.attnAt[0] = 0;
    for (let s = 0; s < S; s++) {
      const l = (batch.starts[s + 1] as number) - (batch.starts[s] as number);
      this.attnAt[s + 1] = (this.attnAt[s] as number) + heads * l * l;
    }
    // Embeddings.
    const scale = Math.sqrt(d);
    const { P } = this.net.layout;
    const x0 = this.x0;
    for (let t = 0; t < T; t++) {
      const r = (this.inputSlot[t] as number) * d;
      const p = P + (batch.positions[t] as number) * d;
      for (let k = 0; k < d; k++) x0[t * d + k] = scale * (this.reps[r + k] as number) + (theta[p + k] as number);
    }
    this.dropoutMask(this.drop0, T * d, rng);
    let x = this.blocks[0]?.x ?? this.out;
    for (let i = 0; i < T * d; i++) x[i] = (x0[i] as number) * (this.drop0[i] as number);
    for (let l = 0; l < this.blocks.length; l++) {
      const act = this.blocks[l] as BlockActivations;
      const p = this.net.layout.blocks[l] as BlockLayout;
      if (act.x !== x) act.x.set(x.subarray(0, T * d));
      this.blockForward(theta, batch, act, p, rng);
      const next = this.blocks[l + 1]?.x ?? this.out;
      const { x1, n2, h, dropF } = act;
      // x₂ = x₁ + Drop(W₂ h + b₂): the FFN output lands in `next`.
      linear(T, d, n2, theta, p.w1, p.b1, h);
      for (let i = 0; i < T * d; i++) if ((h[i] as number) < 0) h[i] = 0;
      linear(T, d, h, theta, p.w2, p.b2, next);
      this.dropoutMask(dropF, T * d, rng);
      for (let i = 0; i < T * d; i++) next[i] = (x1[i] as number) + (next[i] as number) * (dropF[i] as number);
      x = next;
    }
    layerNorm(T, d, this.out, theta, this.net.layout.lnfg, this.net.layout.lnfb, this.xhatF, this.rstdF, this.hf);
  }

  private blockForward(theta: Float64Array, batch: SasrecBatch, act: BlockActivations, p: BlockLayout, rng: Rng | undefined): void {
    const { dim: d, heads } = this.net.shape;
    const T = this.tokens;
    layerNorm(T, d, act.x, theta, p.ln1g, p.ln1b, act.xhat1, act.rstd1, act.n1);
    linear(T, d, act.n1, theta, p.wq, p.bq, act.q);
    linear(T, d, act.n1, theta, p.wk, p.bk, act.k);
    linear(T, d, act.n1, theta, p.wv, p.bv, act.v);
    act.o.fill(0, 0, T * d);
    const dh = d / heads;
    const inv = 1 / Math.sqrt(dh);
    for (let s = 0; s < batch.sequences; s++) {
      const t0 = batch.starts[s] as number;
      const l = (batch.starts[s + 1] as number) - t0;
      for (let hd = 0; hd < heads; hd++) {
        const base = (this.attnAt[s] as number) + hd * l * l;
        const a = act.attention;
        a.fill(0, base, base + l * l);
        // Scores QKᵀ of this sequence and head, then a causal softmax per row.
        gemm(l, l, dh, act.q, t0 * d + hd * dh, d, 1, act.k, t0 * d + hd * dh, 1, d, a, base, l);
        for (let i = 0; i < l; i++) {
          const row = base + i * l;
          let max = -Infinity;
          for (let j = 0; j <= i; j++) max = Math.max(max, (a[row + j] as number) * inv);
          let sum = 0;
          for (let j = 0; j <= i; j++) {
            const e = Math.exp((a[row + j] as number) * inv - max);
            a[row + j] = e;
            sum += e;
          }
          for (let j = 0; j <= i; j++) a[row + j] = (a[row + j] as number) / sum;
          for (let j = i + 1; j < l; j++) a[row + j] = 0;
        }
        gemm(l, dh, l, a, base, l, 1, act.v, t0 * d + hd * dh, d, 1, act.o, t0 * d + hd * dh, d);
      }
    }
    this.dropoutMask(act.dropO, T * d, rng);
    for (let i = 0; i < T * d; i++) act.x1[i] = (act.x[i] as number) + (act.o[i] as number) * (act.dropO[i] as number);
    layerNorm(T, d, act.x1, theta, p.ln2g, p.ln2b, act.xhat2, act.rstd2, act.n2);
  }

  /** Sampled-softmax cross-entropy of each token's target against the shared negatives. */
  private loss(batch: SasrecBatch): number {
    const d = this.net.shape.dim;
    const T = this.tokens;
    const M = batch.numNegatives;
    if (this.negLogits.length < T * M) this.negLogits = new Float64Array(Math.max(T * M, Math.ceil(this.negLogits.length * 1.5)));
    const neg = this.negLogits;
    // Negatives' representations are gathered rows; their logits as one product H · Rᵀ.
    if (this.negReps.length < M * d) {
      this.negReps = new Float64Array(M * d);
      this.dNegReps = new Float64Array(M * d);
    }
    const negReps = this.negReps;
    for (let j = 0; j < M; j++) {
      const r = (this.negativeSlot[j] as number) * d;
      for (let k = 0; k < d; k++) negReps[j * d + k] = this.reps[r + k] as number;
    }
    neg.fill(0, 0, T * M);
    matmulBT(T, M, d, this.hf, negReps, neg);
    let total = 0;
    for (let t = 0; t < T; t++) {
      const r = (this.targetSlot[t] as number) * d;
      let pos = 0;
      for (let k = 0; k < d; k++) pos += (this.hf[t * d + k] as number) * (this.reps[r + k] as number);
      let max = pos;
      const target = this.targetSlot[t] as number;
      for (let j = 0; j < M; j++) {
        // A negative that is the target itself is left out of the softmax.
        if (this.negativeSlot[j] === target) neg[t * M + j] = -Infinity;
        max = Math.max(max, neg[t * M + j] as number);
      }
      let sum = Math.exp(pos - max);
      for (let j = 0; j < M; j++) {
        const e = Math.exp((neg[t * M + j] as number) - max);
        neg[t * M + j] = e;
        sum += e;
      }
      total += max + Math.log(sum) - pos;
      // Kept for the backward pass: the softmax probabilities of the negatives and the positive.
      for (let j = 0; j < M; j++) neg[t * M + j] = (neg[t * M + j] as number) / sum;
      this.posLogits[t] = Math.exp(pos - max) / sum;
    }
    return total / batch.normaliser;
  }

  /** Adds the shard's gradient (of the loss `forward` returned) to `grad`. Call after `forward`. */
  backward(theta: Float64Array, batch: SasrecBatch, grad: Float64Array): void {
    const { dim: d, textDim } = this.net.shape;
    const T = this.tokens;
    const M = batch.numNegatives;
    const layout = this.net.layout;
    const dReps = this.dReps;
    dReps.fill(0, 0, this.slots * d);
    // Softmax gradient: p − onehot, scaled by 1/normaliser.
    const neg = this.negLogits;
    const dH = this.dx;
    dH.fill(0, 0, T * d);
    const scale = 1 / batch.normaliser;
    for (let t = 0; t < T; t++) {
      const gPos = ((this.posLogits[t] as number) - 1) * scale;
      for (let j = 0; j < M; j++) neg[t * M + j] = (neg[t * M + j] as number) * scale;
      const r = (this.targetSlot[t] as number) * d;
      for (let k = 0; k < d; k++) {
        dH[t * d + k] = (dH[t * d + k] as number) + gPos * (this.reps[r + k] as number);
        dReps[r + k] = (dReps[r + k] as number) + gPos * (this.hf[t * d + k] as number);
      }
    }
    // Negatives: dH += G · R_neg, dR_neg += Gᵀ · H.
    matmul(T, d, M, neg, this.negReps, dH);
    const dNegRows = this.dNegReps;
    dNegRows.fill(0, 0, M * d);
    matmulAT(M, d, T, neg, this.hf, dNegRows);
    for (let j = 0; j < M; j++) {
      const r = (this.negativeSlot[j] as number) * d;
      for (let k = 0; k < d; k++) dReps[r + k] = (dReps[r + k] as number) + (dNegRows[j * d + k] as number);
    }
    // Final layer norm.
    let dx: Float64Array = this.dn;
    dx.fill(0, 0, T * d);
    layerNormBackward(T, d, dH, this.xhatF, this.rstdF, theta, layout.lnfg, grad, layout.lnfb, dx);
    for (let l = this.blocks.length - 1; l >= 0; l--) dx = this.blockBackward(theta, batch, l, dx, grad);
    // Embeddings: x = Drop(√d e + P).
    const s = Math.sqrt(d);
    for (let t = 0; t < T; t++) {
      const r = (this.inputSlot[t] as number) * d;
      const p = layout.P + (batch.positions[t] as number) * d;
      for (let k = 0; k < d; k++) {
        const g = (dx[t * d + k] as number) * (this.drop0[t * d + k] as number);
        grad[p + k] = (grad[p + k] as number) + g;
        dReps[r + k] = (dReps[r + k] as number) + s * g;
      }
    }
    // Items: E[i] and, with text, the adapter.
    for (let slot = 0; slot < this.slots; slot++) {
      const item = this.slotItems[slot] as number;
      const e = layout.E + item * d;
      if (this.idDropped[slot] === 0) for (let k = 0; k < d; k++) grad[e + k] = (grad[e + k] as number) + (dReps[slot * d + k] as number);
      if (this.text && layout.A >= 0) {
        for (let k = 0; k < d; k++) grad[layout.a + k] = (grad[layout.a + k] as number) + (dReps[slot * d + k] as number);
        const vo = item * textDim;
        for (let j = 0; j < textDim; j++) {
          const v = this.text[vo + j] as number;
          if (v === 0) continue;
          const w = layout.A + j * d;
          for (let k = 0; k < d; k++) grad[w + k] = (grad[w + k] as number) + v * (dReps[slot * d + k] as number);
        }
      }
    }
  }

  /** Back through block l given ∂L/∂(its output) in dOut; returns ∂L/∂(its input). */
  private blockBackward(theta: Float64Array, batch: SasrecBatch, l: number, dOut: Float64Array, grad: Float64Array): Float64Array {
    const { dim: d, heads } = this.net.shape;
    const T = this.tokens;
    const n = T * d;
    const act = this.blocks[l] as BlockActivations;
    const p = this.net.layout.blocks[l] as BlockLayout;
    // x₂ = x₁ + Drop(W₂ ReLU(W₁ n₂ + b₁) + b₂), n₂ = LN₂(x₁).
    const dF = this.dh;
    for (let i = 0; i < n; i++) dF[i] = (dOut[i] as number) * (act.dropF[i] as number);
    const dHidden = this.dv;
    dHidden.fill(0, 0, n);
    linearBackward(T, d, act.h, dF, theta, grad, p.w2, p.b2, dHidden);
    for (let i = 0; i < n; i++) if ((act.h[i] as number) <= 0) dHidden[i] = 0;
    const dN2 = this.dk;
    dN2.fill(0, 0, n);
    linearBackward(T, d, act.n2, dHidden, theta, grad, p.w1, p.b1, dN2);
    // dx₁ = dOut + LN₂ᵀ dN2 (accumulated in place in dOut).
    layerNormBackward(T, d, dN2, act.xhat2, act.rstd2, theta, p.ln2g, grad, p.ln2b, dOut);
    // x₁ = x + Drop(attention).
    const dO = this.dh;
    for (let i = 0; i < n; i++) dO[i] = (dOut[i] as number) * (act.dropO[i] as number);
    const dq = this.dq;
    const dk = this.dk;
    const dv = this.dv;
    dq.fill(0, 0, n);
    dk.fill(0, 0, n);
    dv.fill(0, 0, n);
    const dh = d / heads;
    const inv = 1 / Math.sqrt(dh);
    const scratch = this.square;
    for (let s = 0; s < batch.sequences; s++) {
      const t0 = batch.starts[s] as number;
      const len = (batch.starts[s + 1] as number) - t0;
      for (let hd = 0; hd < heads; hd++) {
        const base = (this.attnAt[s] as number) + hd * len * len;
        const a = act.attention;
        const c = t0 * d + hd * dh;
        // dV += Aᵀ dO; dA = dO Vᵀ.
        gemm(len, dh, len, a, base, 1, len, dO, c, d, 1, dv, c, d);
        scratch.fill(0, 0, len * len);
        gemm(len, len, dh, dO, c, d, 1, act.v, c, 1, d, scratch, 0, len);
        // Softmax: dS = A ⊙ (dA − rowsum(dA ⊙ A)), times 1/√dh.
        for (let i = 0; i < len; i++) {
          let dot = 0;
          for (let j = 0; j <= i; j++) dot += (scratch[i * len + j] as number) * (a[base + i * len + j] as number);
          for (let j = 0; j <= i; j++) scratch[i * len + j] = (a[base + i * len + j] as number) * ((scratch[i * len + j] as number) - dot) * inv;
          for (let j = i + 1; j < len; j++) scratch[i * len + j] = 0;
        }
        // dQ += dS K; dK += dSᵀ Q.
        gemm(len, dh, len, scratch, 0, len, 1, act.k, c, d, 1, dq, c, d);
        gemm(len, dh, len, scratch, 0, 1, len, act.q, c, d, 1, dk, c, d);
      }
    }
    const dN1 = this.buffer;
    dN1.fill(0, 0, n);
    linearBackward(T, d, act.n1, dq, theta, grad, p.wq, p.bq, dN1);
    linearBackward(T, d, act.n1, dk, theta, grad, p.wk, p.bk, dN1);
    linearBackward(T, d, act.n1, dv, theta, grad, p.wv, p.bv, dN1);
    layerNormBackward(T, d, dN1, act.xhat1, act.rstd1, theta, p.ln1g, grad, p.ln1b, dOut);
    return dOut;
  }
}
