/**
 * Score fusion: per-channel normalisation, the weighted linear combination of the normalised
 * scores (`s' = α·s_cf + (1-α)·<h̃_i, u>` is its two-channel case), and reciprocal rank fusion.
 *
 * - `minmax`: (s − min) / (max − min) over the channel's list; absent items 0.
 * - `zscore`: (s − mean) / deviation over the list; absent items take the list's lowest value.
 * - `rank`: 1 − r / n for the item at 0-based rank r of n; absent items 0.
 * - RRF (Cormack, Clarke, Büttcher 2009): Σ_c 1 / (60 + r_c), r 1-based, absent channels add 0.
 */

export const NORMALISATIONS = ['minmax', 'zscore', 'rank'] as const;
export type Normalisation = (typeof NORMALISATIONS)[number];

export const RRF_K = 60;

/** Raw scores and ranks of candidates by channel: a `CandidateSet` or a stored slice of one. */
export interface ScoredCandidates {
  size: number;
  channels: number;
  raw: Float32Array;
  ranks: Int32Array;
  lengths: Int32Array;
}

/** Normalised scores of every candidate, size × channels, into `out`. */
export function normalise(set: ScoredCandidates, mode: Normalisation, out: Float32Array): void {
  const c = set.channels;
  const n = set.size;
  for (let ch = 0; ch < c; ch++) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let sq = 0;
    let count = 0;
    for (let m = 0; m < n; m++) {
      const s = set.raw[m * c + ch] as number;
      if (Number.isNaN(s)) continue;
      if (s < min) min = s;
      if (s > max) max = s;
      sum += s;
      sq += s * s;
      count++;
    }
    const length = set.lengths[ch] as number;
    const mean = count > 0 ? sum / count : 0;
    const deviation = count > 1 ? Math.sqrt(Math.max(0, sq / count - mean * mean)) : 0;
    const range = max - min;
    const floor = mode === 'zscore' && count > 0 ? (deviation > 0 ? (min - mean) / deviation : 0) : 0;
    for (let m = 0; m < n; m++) {
      const s = set.raw[m * c + ch] as number;
      let v: number;
      if (Number.isNaN(s)) v = floor;
      else if (mode === 'minmax') v = range > 0 ? (s - min) / range : 1;
      else if (mode === 'zscore') v = deviation > 0 ? (s - mean) / deviation : 0;
      else v = 1 - (set.ranks[m * c + ch] as number) / Math.max(1, length);
      out[m * c + ch] = v;
    }
  }
}

/** Σ_c weights[c] · x[m][c] for each candidate m. */
export function fuseLinear(x: Float32Array, size: number, channels: number, weights: ArrayLike<number>, out: Float32Array | Float64Array): void {
  for (let m = 0; m < size; m++) {
    let s = 0;
    for (let ch = 0; ch < channels; ch++) s += (weights[ch] as number) * (x[m * channels + ch] as number);
    out[m] = s;
  }
}

/** Reciprocal rank fusion of the set's channels, with each channel's weight (1 for plain RRF). */
export function fuseRrf(set: ScoredCandidates, out: Float32Array | Float64Array, weights?: ArrayLike<number>): void {
  const c = set.channels;
  for (let m = 0; m < set.size; m++) {
    let s = 0;
    for (let ch = 0; ch < c; ch++) {
      const r = set.ranks[m * c + ch] as number;
      if (r >= 0) s += (weights ? (weights[ch] as number) : 1) / (RRF_K + r + 1);
    }
    out[m] = s;
  }
}
