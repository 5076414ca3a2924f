/**
 * The baseline of the SASRec training-step measurement in `deep.ts`: the same network, loss and
 * optimiser as `src/deep/sasrec-net.ts`, written with TensorFlow.js (4.22, automatic
 * differentiation) on its WebAssembly backend (SIMD, one thread: the fastest of its backends that
 * runs here; tfjs-node's native TensorFlow cannot be installed offline and the pure-JS `cpu`
 * backend is several times slower).
 *
 * - Item embedding E (items × d), tied for input and output; x = √d · E[item] + P[position].
 * - Pre-norm blocks x += Attn(LN₁(x)) (one head, Q/K/V d × d with biases, causal, padding keys
 *   masked, no output projection) and x += W₂ ReLU(W₁ LN₂(x) + b₁) + b₂; h = LN_f(x).
 * - Sampled softmax: the positive's logit against the batch's shared negatives (a negative equal
 *   to the target is left out, as ours), cross-entropy summed over real positions divided by their
 *   number; Adam (β 0.9 / 0.999, ε 1e-8).
 * - No dropout (ours is measured without it too, so that both compute the same function and the
 *   first losses agree).
 *
 * The full `@tensorflow/tfjs` package is imported, not `@tensorflow/tfjs-core` alone: core's Node
 * bundle registers no gradients (`register_all_gradients` ships only as extensionless ES modules,
 * which Node cannot load), so autodiff fails there ("gradient function not found for RealDiv").
 *
 * Each batch is padded on the left (positions end at L − 1) to its own longest sequence, the usual
 * layout for a dense tensor library; with `buckets` > 1 its sequences are first sorted by length
 * and split into that many groups, each padded to its own longest and encoded apart, with one loss
 * and one update for the batch (far fewer padded positions on skewed lengths, more and smaller
 * kernels). `positionsComputed` counts the padded positions beside the real `tokens`. The wasm
 * backend has no `UnsortedSegmentSum` kernel, which the gradient of `tf.gather` needs, so the
 * embedding lookup has a custom gradient through `tf.scatterND` (which sums repeated indices); the
 * lookups of a step (inputs, targets, negatives) are one gather, so one dense scatter per step.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { SasrecBatch, SasrecLayout, SasrecShape } from '../src/deep/sasrec-net.js';

export interface TfjsStepOptions {
  shape: SasrecShape;
  layout: SasrecLayout;
  /** Initial parameters in our layout (float64; converted to float32). */
  theta: Float64Array;
  /** Batches (packed as `ShardBuilder` builds them, one shard each); the first `warmup` are not timed. */
  batches: SasrecBatch[];
  warmup: number;
  learningRate: number;
  /**
   * Groups each batch is split into by sequence length, each padded to its own longest (one
   * loss, one update): 1 pads the whole batch to its longest sequence.
   */
  buckets: number;
}

export interface TfjsStepResult {
  backend: string;
  tfjs: string;
  buckets: number;
  simd: boolean;
  threads: number;
  warmup: number;
  steps: number;
  /** Median over the measured steps. */
  msPerStep: number;
  stepMs: number[];
  /** Real training positions of the measured steps over their total time. */
  tokensPerSecond: number;
  /** Positions computed in the measured steps: Σ batch size × its longest sequence. */
  positionsComputed: number;
  /** Real training positions of the measured steps. */
  tokens: number;
  /** Loss of the first batch before any update, and of the last step. */
  firstLoss: number;
  lastLoss: number;
  /** Tensors alive after everything was disposed (a leak check: 0). */
  tensorsAtEnd: number;
}

const LN_EPS = 1e-8;
const MASKED = -1e9;

/** Sequences of similar length, each left-padded to the group's longest, Lb. */
interface Group {
  S: number;
  Lb: number;
  /** First row of the group among the batch's padded rows. */
  offset: number;
  /** Attention bias, S × Lb × Lb: 0 where a query may read a key, else MASKED. */
  bias: Float32Array;
}

/** A batch laid out for dense tensors: its groups' padded rows one after another. */
interface Padded {
  groups: Group[];
  /** Padded rows (positions computed). */
  N: number;
  tokens: number;
  /** Items to look up: N inputs, N targets (0 at padding), then the negatives. */
  lookup: Int32Array;
  /** 1 at real positions. */
  real: Float32Array;
  normaliser: number;
  numNegatives: number;
}

/** Splits the batch's sequences, sorted by length, into `buckets` groups of equal count. */
function pad(batch: SasrecBatch, buckets: number): Padded {
  const S = batch.sequences;
  const length = (s: number) => (batch.starts[s + 1] as number) - (batch.starts[s] as number);
  const order = Array.from({ length: S }, (_, s) => s).sort((x, y) => length(x) - length(y));
  const members: number[][] = [];
  for (let g = 0; g < buckets; g++) {
    const m = order.slice(Math.floor((g * S) / buckets), Math.floor(((g + 1) * S) / buckets));
    if (m.length > 0) members.push(m);
  }
  let N = 0;
  const groups: Group[] = members.map((m) => {
    const Lb = Math.max(...m.map(length));
    const group = { S: m.length, Lb, offset: N, bias: new Float32Array(m.length * Lb * Lb).fill(MASKED) };
    N += m.length * Lb;
    return group;
  });
  const M = batch.numNegatives;
  const lookup = new Int32Array(2 * N + M);
  const real = new Float32Array(N);
  members.forEach((m, g) => {
    const { Lb, offset, bias } = groups[g] as Group;
    m.forEach((s, r) => {
      const t0 = batch.starts[s] as number;
      const l = length(s);
      for (let j = 0; j < l; j++) {
        const c = offset + r * Lb + Lb - l + j;
        lookup[c] = batch.inputs[t0 + j] as number;
        lookup[N + c] = batch.targets[t0 + j] as number;
        real[c] = 1;
      }
      // Query row i (a real position) reads keys Lb − l .. i.
      for (let i = Lb - l; i < Lb; i++) bias.fill(0, r * Lb * Lb + i * Lb + Lb - l, r * Lb * Lb + i * Lb + i + 1);
    });
  });
  lookup.set(batch.negatives.subarray(0, M), 2 * N);
  return { groups, N, tokens: batch.starts[S] as number, lookup, real, normaliser: batch.normaliser, numNegatives: M };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

let ready: Promise<void> | undefined;

/** Selects the wasm backend once (the .wasm files are read from the installed package). */
function wasmBackend(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') throw new Error(`tfjs: the wasm backend did not start (active: ${tf.getBackend()})`);
    await tf.ready();
  })();
  return ready;
}

/** Runs our SASRec training step in TensorFlow.js on `batches` and times it. */
export async function tfjsSasrecSteps(options: TfjsStepOptions): Promise<TfjsStepResult> {
  await wasmBackend();
  const { shape, layout, theta, batches, warmup, learningRate, buckets } = options;
  const { items, dim: d, maxLength: L } = shape;
  if (shape.heads !== 1 || shape.textDim !== 0) throw new RangeError('tfjs baseline: one head and no text only');
  const variable = (offset: number, dims: number[]) => {
    const n = dims.reduce((a, b) => a * b, 1);
    // In a tidy so that the initial value (the variable holds its own reference) is released.
    return tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(theta.subarray(offset, offset + n)), dims, 'float32')));
  };
  const E = variable(layout.E, [items, d]);
  const P = variable(layout.P, [L, d]);
  const blocks = layout.blocks.map((b) => ({
    ln1g: variable(b.ln1g, [d]), ln1b: variable(b.ln1b, [d]),
    wq: variable(b.wq, [d, d]), bq: variable(b.bq, [d]),
    wk: variable(b.wk, [d, d]), bk: variable(b.bk, [d]),
    wv: variable(b.wv, [d, d]), bv: variable(b.bv, [d]),
    ln2g: variable(b.ln2g, [d]), ln2b: variable(b.ln2b, [d]),
    w1: variable(b.w1, [d, d]), b1: variable(b.b1, [d]),
    w2: variable(b.w2, [d, d]), b2: variable(b.b2, [d]),
  }));
  const lnfg = variable(layout.lnfg, [d]);
  const lnfb = variable(layout.lnfb, [d]);
  const vars: tf.Variable[] = [E, P, ...blocks.flatMap((b) => Object.values(b)), lnfg, lnfb];
  const optimizer = tf.train.adam(learningRate, 0.9, 0.999, 1e-8);

  const layerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS))), g), b);
  };
  const linear = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x, w as tf.Tensor2D), b);

  /** Rows E[idx] with the gradient scattered back by scatterND (wasm lacks UnsortedSegmentSum). */
  const lookupRows = (idx: tf.Tensor1D, idx2: tf.Tensor2D) =>
    tf.customGrad(() => ({
      value: tf.gather(E, idx),
      gradFunc: (dy: tf.Tensor) => tf.scatterND(idx2, dy, E.shape),
    }))(E);

  const lossOf = (p: Padded, idx: tf.Tensor1D, idx2: tf.Tensor2D, real: tf.Tensor1D, biases: tf.Tensor3D[], negBias: tf.Tensor2D): tf.Scalar => {
    const { N, numNegatives: M } = p;
    const rows = lookupRows(idx, idx2);
    // The encoder per group; the loss over all padded rows at once.
    const hs = p.groups.map(({ S, Lb, offset }, g) => {
      const n = S * Lb;
      const inputs = tf.slice(rows, [offset, 0], [n, d]);
      let x: tf.Tensor = tf.add(tf.mul(tf.reshape(inputs, [S, Lb, d]), Math.sqrt(d)), tf.slice(P, [L - Lb, 0], [Lb, d]));
      for (const b of blocks) {
        const n1 = tf.reshape(layerNorm(x, b.ln1g, b.ln1b), [n, d]) as tf.Tensor2D;
        const q = tf.reshape(linear(n1, b.wq, b.bq), [S, Lb, d]) as tf.Tensor3D;
        const k = tf.reshape(linear(n1, b.wk, b.bk), [S, Lb, d]) as tf.Tensor3D;
        const v = tf.reshape(linear(n1, b.wv, b.bv), [S, Lb, d]) as tf.Tensor3D;
        const attention = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)), biases[g] as tf.Tensor3D));
        x = tf.add(x, tf.matMul(attention as tf.Tensor3D, v));
        const n2 = tf.reshape(layerNorm(x, b.ln2g, b.ln2b), [n, d]) as tf.Tensor2D;
        const f = linear(tf.relu(linear(n2, b.w1, b.b1)) as tf.Tensor2D, b.w2, b.b2);
        x = tf.add(x, tf.reshape(f, [S, Lb, d]));
      }
      return tf.reshape(x, [n, d]);
    });
    const h = layerNorm(hs.length === 1 ? (hs[0] as tf.Tensor) : tf.concat(hs, 0), lnfg, lnfb) as tf.Tensor2D;
    const targets = tf.slice(rows, [N, 0], [N, d]);
    const negatives = tf.slice(rows, [2 * N, 0], [M, d]);
    const positive = tf.sum(tf.mul(h, targets), -1);
    const negativeLogits = tf.add(tf.matMul(h, negatives as tf.Tensor2D, false, true), negBias);
    const lse = tf.logSumExp(tf.concat([tf.expandDims(positive, 1), negativeLogits], 1), -1);
    return tf.div(tf.sum(tf.mul(tf.sub(lse, positive), real)), p.normaliser) as tf.Scalar;
  };

  const padded = batches.map((b) => pad(b, buckets));
  const stepMs: number[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  let positionsComputed = 0;
  let tokens = 0;
  for (let i = 0; i < padded.length; i++) {
    const p = padded[i] as Padded;
    const { N } = p;
    const start = performance.now();
    const idx = tf.tensor1d(p.lookup, 'int32');
    const idx2 = tf.reshape(idx, [-1, 1]) as tf.Tensor2D;
    const real = tf.tensor1d(p.real, 'float32');
    const biases = p.groups.map((g) => tf.tensor3d(g.bias, [g.S, g.Lb, g.Lb], 'float32'));
    // A negative equal to the position's target is left out of its softmax.
    const negBias = tf.tidy(() => {
      const targets = tf.reshape(tf.slice(idx, [N], [N]), [N, 1]);
      const negatives = tf.reshape(tf.slice(idx, [2 * N], [p.numNegatives]), [1, p.numNegatives]);
      return tf.mul(tf.cast(tf.equal(targets, negatives), 'float32'), MASKED) as tf.Tensor2D;
    });
    const loss = optimizer.minimize(() => lossOf(p, idx, idx2, real, biases, negBias), true, vars);
    const value = (loss as tf.Scalar).dataSync()[0] as number;
    tf.dispose([loss as tf.Scalar, idx, idx2, real, ...biases, negBias]);
    const ms = performance.now() - start;
    if (i === 0) firstLoss = value;
    lastLoss = value;
    if (i >= warmup) {
      stepMs.push(ms);
      positionsComputed += N;
      tokens += p.tokens;
    }
  }
  optimizer.dispose();
  tf.dispose(vars);
  const total = stepMs.reduce((a, b) => a + b, 0);
  return {
    backend: tf.getBackend(),
    tfjs: version_wasm,
    buckets,
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: getThreadsCount(),
    warmup: Math.min(warmup, padded.length),
    steps: stepMs.length,
    msPerStep: median(stepMs),
    stepMs,
    tokensPerSecond: tokens / (total / 1000),
    positionsComputed,
    tokens,
    firstLoss,
    lastLoss,
    tensorsAtEnd: tf.memory().numTensors,
  };
}
