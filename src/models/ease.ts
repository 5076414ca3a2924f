/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item-item weight
 * matrix B with zero diagonal minimising ‖X − XB‖² + λ‖B‖², in closed form (eq. 8):
 * P = (XᵀX + λI)⁻¹, B = I − P·diagMat(1 ⊘ diag(P)). The inverse is dense (n² memory, n³ time),
 * so the model refuses catalogs above `maxItems`.
 */
import { ModelNotApplicable, type FitOptions, type Recommender, type Snapshot, type TrainData } from './types.js';

export interface EaseOptions {
  /** λ, the L2 regularization. */
  regularization?: number;
  /** Above this many items the n³ inverse is refused (6,000 items ≈ 1 min and 300 MB here). */
  maxItems?: number;
}

/** Cholesky factorisation A = LLᵀ of a symmetric positive-definite row-major n×n matrix, in place (lower triangle). */
export function cholesky(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j] as number;
    for (let k = 0; k < j; k++) d -= (a[rj + k] as number) ** 2;
    if (!(d > 0)) throw new Error(`matrix is not positive definite at row ${j}`);
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j] as number;
      for (let k = 0; k < j; k++) s -= (a[ri + k] as number) * (a[rj + k] as number);
      a[ri + j] = s / ljj;
    }
  }
}

/** (LLᵀ)⁻¹ from the Cholesky factor in the lower triangle of `l`; returns the full symmetric inverse. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  // M = L⁻¹ by forward substitution: row i = −(Σ_{k<i} L[i][k]·M[k][·]) / L[i][i], off the diagonal.
  // Accumulating whole rows of M keeps the inner loop on contiguous memory.
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k] as number;
      if (lik === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) m[ri + j] = (m[ri + j] as number) + lik * (m[rk + j] as number);
    }
    const inv = 1 / (l[ri + i] as number);
    for (let j = 0; j < i; j++) m[ri + j] = -(m[ri + j] as number) * inv;
    m[ri + i] = inv;
  }
  // P = MᵀM as a sum of rank-one updates by rows of M (row k touches P's top-left (k+1)² block).
  const p = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const mki = m[rk + i] as number;
      if (mki === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) p[ri + j] = (p[ri + j] as number) + mki * (m[rk + j] as number);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) p[j * n + i] = p[i * n + j] as number;
  return p;
}

export class Ease implements Recommender {
  readonly name = 'ease';
  readonly params: { regularization: number; maxItems: number };
  /** B, row-major: score(u) = x_u · B. */
  private weights: Float32Array = new Float32Array(0);
  private n = 0;

  constructor(options: EaseOptions = {}) {
    this.params = { regularization: options.regularization ?? 500, maxItems: options.maxItems ?? 6_000 };
  }

  async fit(data: TrainData, options: FitOptions): Promise<void> {
    const n = data.numItems;
    if (n > this.params.maxItems) {
      throw new ModelNotApplicable(this.name, `${n} items is more than maxItems ${this.params.maxItems} (the dense n×n inverse needs O(n³) time and ${Math.round((n * n * 16) / 2 ** 20)} MB)`);
    }
    const x = data.matrix;
    const g = new Float64Array(n * n);
    for (let u = 0; u < x.rows; u++) {
      const start = x.indptr[u] as number;
      const end = x.indptr[u + 1] as number;
      for (let p = start; p < end; p++) {
        const i = x.indices[p] as number;
        const wi = x.data[p] as number;
        const ri = i * n;
        for (let q = start; q < end; q++) g[ri + (x.indices[q] as number)] = (g[ri + (x.indices[q] as number)] as number) + wi * (x.data[q] as number);
      }
    }
    for (let i = 0; i < n; i++) g[i * n + i] = (g[i * n + i] as number) + this.params.regularization;
    options.progress?.(0.1);
    cholesky(g, n);
    options.progress?.(0.5);
    const p = inverseFromCholesky(g, n);
    const b = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) if (i !== j) b[i * n + j] = -(p[i * n + j] as number) / (p[j * n + j] as number);
    }
    this.weights = b;
    this.n = n;
  }

  score(user: number, history: Int32Array, out: Float32Array): void {
    out.fill(0);
    const n = this.n;
    const seen = new Set<number>();
    for (const j of history) {
      if (seen.has(j) || j >= n) continue;
      seen.add(j);
      const row = this.weights.subarray(j * n, j * n + n);
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (row[i] as number);
    }
    void user;
  }

  similar(item: number, out: Float32Array): void {
    out.set(this.weights.subarray(item * this.n, item * this.n + this.n));
  }

  save(): Snapshot {
    return { model: this.name, params: this.params, arrays: { weights: this.weights }, meta: { numItems: this.n } };
  }

  static load(s: Snapshot): Ease {
    const model = new Ease(s.params as EaseOptions);
    model.weights = s.arrays.weights as Float32Array;
    model.n = s.meta?.numItems as number;
    return model;
  }
}
