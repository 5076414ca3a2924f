/**
 * A multilayer perceptron with ReLU hidden layers and one linear output, forward and backward by
 * hand over float64 rows (`core/gemm.ts`). Parameters live in one flat array: for each layer its
 * weights (in × out, row-major) and then its biases. Nothing is allocated per batch once the
 * workspace has grown to the largest batch.
 */
import { gemm } from '../core/gemm.js';
import { Rng } from '../models/random.js';

export interface MlpLayout {
  /** Layer sizes: inputs, hidden layers, 1 output. */
  sizes: readonly number[];
  /** Offset of each layer's weights and biases. */
  weights: number[];
  biases: number[];
  size: number;
}

export function mlpLayout(inputs: number, hidden: readonly number[]): MlpLayout {
  const sizes = [inputs, ...hidden, 1];
  const weights: number[] = [];
  const biases: number[] = [];
  let at = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    weights.push(at);
    at += (sizes[l] as number) * (sizes[l + 1] as number);
    biases.push(at);
    at += sizes[l + 1] as number;
  }
  return { sizes, weights, biases, size: at };
}

/** He initialisation (N(0, 2 / fan-in)) for the ReLU layers, biases 0. */
export function initMlp(layout: MlpLayout, seed: number): Float64Array {
  const theta = new Float64Array(layout.size);
  const rng = new Rng(seed);
  for (let l = 0; l < layout.weights.length; l++) {
    const fanIn = layout.sizes[l] as number;
    const n = fanIn * (layout.sizes[l + 1] as number);
    const sd = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) theta[(layout.weights[l] as number) + i] = rng.normal(0, sd);
  }
  return theta;
}

/** Activations of one batch, kept for the backward pass. */
export class MlpWork {
  private rows = 0;
  private capacity = 0;
  /** Layer l's input (after ReLU for l > 0), rows × sizes[l]. */
  private activations: Float64Array[] = [];
  private deltas: Float64Array[] = [];
  private outputs = new Float64Array(0);

  constructor(readonly layout: MlpLayout) {}

  private ensure(rows: number): void {
    if (rows <= this.capacity) return;
    const n = Math.max(rows, Math.ceil(this.capacity * 1.5));
    this.activations = this.layout.sizes.map((s) => new Float64Array(n * s));
    this.deltas = this.layout.sizes.map((s) => new Float64Array(n * s));
    this.outputs = new Float64Array(n);
    this.capacity = n;
  }

  /** Scores of `rows` input rows (x, rows × inputs): a view valid until the next call. */
  forward(theta: Float64Array, x: Float64Array, rows: number): Float64Array {
    const { sizes, weights, biases } = this.layout;
    this.ensure(rows);
    this.rows = rows;
    const inputs = sizes[0] as number;
    (this.activations[0] as Float64Array).set(x.subarray(0, rows * inputs));
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l] as number;
      const fanOut = sizes[l + 1] as number;
      const a = this.activations[l] as Float64Array;
      const z = this.activations[l + 1] as Float64Array;
      const b = biases[l] as number;
      for (let r = 0; r < rows; r++) for (let k = 0; k < fanOut; k++) z[r * fanOut + k] = theta[b + k] as number;
      gemm(rows, fanOut, fanIn, a, 0, fanIn, 1, theta, weights[l] as number, fanOut, 1, z, 0, fanOut);
      // ReLU on hidden layers; the last layer is linear.
      if (l + 2 < sizes.length) for (let i = 0; i < rows * fanOut; i++) if ((z[i] as number) < 0) z[i] = 0;
    }
    const last = this.activations[sizes.length - 1] as Float64Array;
    for (let r = 0; r < rows; r++) this.outputs[r] = last[r] as number;
    return this.outputs.subarray(0, rows);
  }

  /** Adds ∂L/∂θ to `grad`, given ∂L/∂score per row of the last `forward`. */
  backward(theta: Float64Array, dScores: Float64Array, grad: Float64Array): void {
    const { sizes, weights, biases } = this.layout;
    const rows = this.rows;
    const top = sizes.length - 1;
    (this.deltas[top] as Float64Array).set(dScores.subarray(0, rows));
    for (let l = top - 1; l >= 0; l--) {
      const fanIn = sizes[l] as number;
      const fanOut = sizes[l + 1] as number;
      const delta = this.deltas[l + 1] as Float64Array;
      const a = this.activations[l] as Float64Array;
      const b = biases[l] as number;
      // dW += aᵀ δ, db += Σ δ.
      gemm(fanIn, fanOut, rows, a, 0, 1, fanIn, delta, 0, fanOut, 1, grad, weights[l] as number, fanOut);
      for (let r = 0; r < rows; r++) for (let k = 0; k < fanOut; k++) grad[b + k] = (grad[b + k] as number) + (delta[r * fanOut + k] as number);
      if (l === 0) break;
      // δ_l = (δ_{l+1} Wᵀ) ⊙ [a_l > 0].
      const below = this.deltas[l] as Float64Array;
      below.fill(0, 0, rows * fanIn);
      gemm(rows, fanIn, fanOut, delta, 0, fanOut, 1, theta, weights[l] as number, 1, fanOut, below, 0, fanIn);
      for (let i = 0; i < rows * fanIn; i++) if ((a[i] as number) <= 0) below[i] = 0;
    }
  }
}
