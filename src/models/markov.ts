/**
 * First-order Markov chain over consecutive items ("what comes next"), usable on anonymous
 * sessions: P(next = b | last = a) = (T[a,b] + β·pop(b)/N) / (Σ_b' T[a,b'] + β), additively
 * smoothed towards popularity, so an item with few observed successors still ranks sensibly.
 */
import { Csr } from '../data/csr.js';
import type { FitOptions, Recommender, Snapshot, TrainData } from './types.js';

export interface MarkovOptions {
  /** β: pseudo-count of the popularity prior. */
  smoothing?: number;
}

export class Markov implements Recommender {
  readonly name = 'markov';
  readonly params: { smoothing: number };
  private transitions = new Csr(0, 0, new Int32Array(1), new Int32Array(0), new Float32Array(0));
  private rowTotals: Float32Array = new Float32Array(0);
  private popularity: Float32Array = new Float32Array(0);

  constructor(options: MarkovOptions = {}) {
    this.params = { smoothing: options.smoothing ?? 1 };
  }

  async fit(data: TrainData, _options: FitOptions): Promise<void> {
    const { indptr, items } = data.sequences;
    const from: number[] = [];
    const to: number[] = [];
    const pop = new Float64Array(data.numItems);
    for (let u = 0; u < data.numUsers; u++) {
      for (let p = indptr[u] as number; p < (indptr[u + 1] as number); p++) {
        pop[items[p] as number] = (pop[items[p] as number] as number) + 1;
        if (p + 1 < (indptr[u + 1] as number) && items[p] !== items[p + 1]) {
          from.push(items[p] as number);
          to.push(items[p + 1] as number);
        }
      }
    }
    this.transitions = Csr.fromTriplets(data.numItems, data.numItems, Int32Array.from(from), Int32Array.from(to), new Float32Array(from.length).fill(1));
    this.rowTotals = new Float32Array(data.numItems);
    for (let a = 0; a < data.numItems; a++) {
      let total = 0;
      for (let p = this.transitions.indptr[a] as number; p < (this.transitions.indptr[a + 1] as number); p++) total += this.transitions.data[p] as number;
      this.rowTotals[a] = total;
    }
    let sum = 0;
    for (const x of pop) sum += x;
    this.popularity = Float32Array.from(pop, (x) => (sum > 0 ? x / sum : 0));
  }

  score(_user: number, history: Int32Array, out: Float32Array): void {
    const beta = this.params.smoothing;
    if (history.length === 0) {
      out.set(this.popularity);
      return;
    }
    const last = history[history.length - 1] as number;
    const denominator = (this.rowTotals[last] as number) + beta;
    for (let b = 0; b < out.length; b++) out[b] = (beta * (this.popularity[b] as number)) / denominator;
    const row = this.transitions.row(last);
    for (let p = 0; p < row.indices.length; p++) {
      const b = row.indices[p] as number;
      out[b] = (out[b] as number) + (row.data[p] as number) / denominator;
    }
  }

  similar(item: number, out: Float32Array): void {
    this.score(-1, Int32Array.of(item), out);
  }

  save(): Snapshot {
    const t = this.transitions;
    return {
      model: this.name,
      params: this.params,
      arrays: { indptr: t.indptr, indices: t.indices, counts: t.data, rowTotals: this.rowTotals, popularity: this.popularity },
    };
  }

  static load(s: Snapshot): Markov {
    const model = new Markov({ smoothing: s.params.smoothing as number });
    const n = (s.arrays.popularity as Float32Array).length;
    model.transitions = new Csr(n, n, s.arrays.indptr as Int32Array, s.arrays.indices as Int32Array, s.arrays.counts as Float32Array);
    model.rowTotals = s.arrays.rowTotals as Float32Array;
    model.popularity = s.arrays.popularity as Float32Array;
    return model;
  }
}
