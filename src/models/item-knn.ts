/**
 * Item-based k-nearest neighbours (Sarwar et al. 2001; Deshpande & Karypis 2004) with three
 * similarities: cosine, asymmetric cosine (Aiolli 2013: dot / (‖i‖^{2α}·‖j‖^{2(1−α)})), and
 * BM25-weighted co-occurrence (the user-item matrix re-weighted as in Okapi BM25, as the implicit
 * library does), each pruned to the k most similar neighbours per item.
 */
import { Csr } from '../data/csr.js';
import type { FitOptions, Recommender, Snapshot, TrainData } from './types.js';

export type Similarity = 'cosine' | 'asymmetric' | 'bm25';

export interface ItemKnnOptions {
  neighbours?: number;
  similarity?: Similarity;
  /** α of the asymmetric cosine (0.5 is the plain cosine). */
  alpha?: number;
  /** Shrinkage: sim·n/(n+shrink) damps similarities built on few co-occurrences. */
  shrink?: number;
  /** BM25's K1 and B. */
  k1?: number;
  b?: number;
}

/** Okapi BM25 weighting of the user × item matrix (rows = users as "documents"). */
function bm25(m: Csr, k1: number, b: number): Csr {
  const n = m.rows;
  const df = new Float64Array(m.cols);
  for (let p = 0; p < m.nnz; p++) df[m.indices[p] as number] = (df[m.indices[p] as number] as number) + 1;
  const rowSums = new Float64Array(n);
  let total = 0;
  for (let u = 0; u < n; u++) {
    for (let p = m.indptr[u] as number; p < (m.indptr[u + 1] as number); p++) rowSums[u] = (rowSums[u] as number) + (m.data[p] as number);
    total += rowSums[u] as number;
  }
  const average = total / Math.max(1, n);
  const data = new Float32Array(m.nnz);
  for (let u = 0; u < n; u++) {
    const lengthNorm = (1 - b) + (b * (rowSums[u] as number)) / average;
    for (let p = m.indptr[u] as number; p < (m.indptr[u + 1] as number); p++) {
      const tf = m.data[p] as number;
      const idf = Math.log(n / (1 + (df[m.indices[p] as number] as number)));
      data[p] = ((tf * (k1 + 1)) / (k1 * lengthNorm + tf)) * Math.max(idf, 0);
    }
  }
  return new Csr(m.rows, m.cols, m.indptr, m.indices, data);
}

export class ItemKnn implements Recommender {
  readonly name = 'itemknn';
  readonly params: { neighbours: number; similarity: Similarity; alpha: number; shrink: number; k1: number; b: number };
  /** Row i: the neighbours j of item i with sim(i, j), strongest first. */
  private neighbours = new Csr(0, 0, new Int32Array(1), new Int32Array(0), new Float32Array(0));
  private matrix: Csr | undefined;

  constructor(options: ItemKnnOptions = {}) {
    this.params = {
      neighbours: options.neighbours ?? 100,
      similarity: options.similarity ?? 'cosine',
      alpha: options.alpha ?? 0.5,
      shrink: options.shrink ?? 0,
      k1: options.k1 ?? 100,
      b: options.b ?? 0.8,
    };
  }

  async fit(data: TrainData, options: FitOptions): Promise<void> {
    const { similarity, alpha, shrink, neighbours: k } = this.params;
    const weighted = similarity === 'bm25' ? bm25(data.matrix, this.params.k1, this.params.b) : data.matrix;
    const byItem = weighted.transpose();
    const n = data.numItems;
    const norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = byItem.indptr[i] as number; p < (byItem.indptr[i + 1] as number); p++) s += (byItem.data[p] as number) ** 2;
      norms[i] = Math.sqrt(s);
    }
    const dots = new Float64Array(n);
    const support = new Int32Array(n);
    const touched = new Int32Array(n);
    const indptr = new Int32Array(n + 1);
    const outIndices: number[] = [];
    const outData: number[] = [];
    const candidates: number[] = [];
    for (let i = 0; i < n; i++) {
      // dot(i, j) for every j sharing a user with i: Σ_u w_ui · w_uj.
      let count = 0;
      for (let p = byItem.indptr[i] as number; p < (byItem.indptr[i + 1] as number); p++) {
        const u = byItem.indices[p] as number;
        const wi = byItem.data[p] as number;
        for (let q = weighted.indptr[u] as number; q < (weighted.indptr[u + 1] as number); q++) {
          const j = weighted.indices[q] as number;
          if (j === i) continue;
          if (support[j] === 0) touched[count++] = j;
          dots[j] = (dots[j] as number) + wi * (weighted.data[q] as number);
          support[j] = (support[j] as number) + 1;
        }
      }
      candidates.length = 0;
      for (let t = 0; t < count; t++) {
        const j = touched[t] as number;
        let sim = dots[j] as number;
        if (similarity === 'cosine') sim /= (norms[i] as number) * (norms[j] as number) || 1;
        else if (similarity === 'asymmetric') sim /= (norms[i] as number) ** (2 * alpha) * (norms[j] as number) ** (2 * (1 - alpha)) || 1;
        if (shrink > 0) sim *= (support[j] as number) / ((support[j] as number) + shrink);
        dots[j] = sim;
        candidates.push(j);
      }
      candidates.sort((a, b) => (dots[b] as number) - (dots[a] as number) || a - b);
      for (let t = 0; t < Math.min(k, candidates.length); t++) {
        const j = candidates[t] as number;
        outIndices.push(j);
        outData.push(dots[j] as number);
      }
      indptr[i + 1] = outIndices.length;
      for (let t = 0; t < count; t++) {
        const j = touched[t] as number;
        dots[j] = 0;
        support[j] = 0;
      }
      if ((i & 1023) === 0) options.progress?.(i / n);
    }
    this.neighbours = new Csr(n, n, indptr, Int32Array.from(outIndices), Float32Array.from(outData));
    this.matrix = data.matrix;
  }

  /**
   * Σ over the user's items j (weighted by the user's interaction strength) of sim(j, i), using
   * item j's pruned neighbour list. Unknown users (-1) weigh each distinct history item 1.
   */
  score(user: number, history: Int32Array, out: Float32Array): void {
    out.fill(0);
    const add = (j: number, w: number) => {
      const row = this.neighbours.row(j);
      for (let p = 0; p < row.indices.length; p++) {
        const i = row.indices[p] as number;
        out[i] = (out[i] as number) + w * (row.data[p] as number);
      }
    };
    if (user >= 0 && this.matrix && user < this.matrix.rows && this.matrix.rowLength(user) > 0) {
      const row = this.matrix.row(user);
      for (let p = 0; p < row.indices.length; p++) add(row.indices[p] as number, row.data[p] as number);
      return;
    }
    const seen = new Set<number>();
    for (const j of history) {
      if (seen.has(j) || j >= this.neighbours.rows) continue;
      seen.add(j);
      add(j, 1);
    }
  }

  similar(item: number, out: Float32Array): void {
    out.fill(0);
    const row = this.neighbours.row(item);
    for (let p = 0; p < row.indices.length; p++) out[row.indices[p] as number] = row.data[p] as number;
  }

  save(): Snapshot {
    const nb = this.neighbours;
    return { model: this.name, params: this.params, arrays: { indptr: nb.indptr, indices: nb.indices, sims: nb.data }, meta: { numItems: nb.rows } };
  }

  static load(s: Snapshot): ItemKnn {
    const model = new ItemKnn(s.params as ItemKnnOptions);
    const n = s.meta?.numItems as number;
    model.neighbours = new Csr(n, n, s.arrays.indptr as Int32Array, s.arrays.indices as Int32Array, s.arrays.sims as Float32Array);
    return model;
  }
}
