/**
 * Learning fusion weights: coordinate ascent on NDCG@10 (Metzler & Croft 2007, "Linear
 * feature-based models for information retrieval"): one weight at a time is moved along a fixed
 * set of multipliers, a move is kept when the validation NDCG@10 rises, and rounds repeat until no
 * move helps. Weights stay non-negative (a channel can only add evidence, or be switched off by a
 * weight of 0) and are returned summing to 1.
 */

/** Validation requests: rows × dims feature matrix grouped by request, with gains. */
export interface FusionGroups {
  x: Float32Array;
  dims: number;
  /** Group g is rows starts[g] .. starts[g + 1]. */
  starts: Int32Array;
  labels: Float32Array;
  /** Each group's ideal DCG@10 over all its relevant items (recalled or not). */
  ideal: Float64Array;
}

const MULTIPLIERS = [0, 0.25, 0.5, 0.8, 1.25, 2, 4];
const TOP = 10;

/** Mean NDCG@10 of the groups under linear weights (ties ranked against the relevant row). */
export function groupsNdcg(groups: FusionGroups, weights: ArrayLike<number>, members?: Int32Array): number {
  const { x, dims, starts, labels, ideal } = groups;
  const topScore = new Float64Array(TOP);
  const topGain = new Float64Array(TOP);
  const count = members ? members.length : starts.length - 1;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const g = members ? (members[i] as number) : i;
    let filled = 0;
    for (let r = starts[g] as number; r < (starts[g + 1] as number); r++) {
      let s = 0;
      for (let d = 0; d < dims; d++) s += (weights[d] as number) * (x[r * dims + d] as number);
      const gain = labels[r] as number;
      // Insert into the running top 10: higher score first; on a tie the lower gain first.
      let at = filled;
      while (at > 0 && (s > (topScore[at - 1] as number) || (s === topScore[at - 1] && gain < (topGain[at - 1] as number)))) at--;
      if (at >= TOP) continue;
      for (let j = Math.min(filled, TOP - 1); j > at; j--) {
        topScore[j] = topScore[j - 1] as number;
        topGain[j] = topGain[j - 1] as number;
      }
      topScore[at] = s;
      topGain[at] = gain;
      if (filled < TOP) filled++;
    }
    let dcg = 0;
    for (let j = 0; j < filled; j++) dcg += (topGain[j] as number) / Math.log2(j + 2);
    sum += (ideal[g] as number) > 0 ? dcg / (ideal[g] as number) : 0;
  }
  return count > 0 ? sum / count : 0;
}

export interface AscentResult {
  weights: Float64Array;
  ndcg: number;
  rounds: number;
}

/** Coordinate ascent from `start` (default: all ones) over the given groups (default: all). */
export function coordinateAscent(groups: FusionGroups, options: { start?: ArrayLike<number>; members?: Int32Array; maxRounds?: number } = {}): AscentResult {
  const dims = groups.dims;
  const w = Float64Array.from({ length: dims }, (_, d) => (options.start ? (options.start[d] as number) : 1));
  let best = groupsNdcg(groups, w, options.members);
  const maxRounds = options.maxRounds ?? 8;
  let rounds = 0;
  for (; rounds < maxRounds; rounds++) {
    let improved = false;
    for (let d = 0; d < dims; d++) {
      const original = w[d] as number;
      let mean = 0;
      for (let j = 0; j < dims; j++) mean += (w[j] as number) / dims;
      // A switched-off weight is tried again at fractions of the mean weight.
      const values = original > 0 ? MULTIPLIERS.map((f) => f * original) : [0.1 * mean, 0.5 * mean, mean];
      let bestValue = original;
      for (const v of values) {
        if (v === original) continue;
        w[d] = v;
        const ndcg = groupsNdcg(groups, w, options.members);
        if (ndcg > best + 1e-7) {
          best = ndcg;
          bestValue = v;
          improved = true;
        }
      }
      w[d] = bestValue;
    }
    if (!improved) break;
  }
  let total = 0;
  for (let d = 0; d < dims; d++) total += w[d] as number;
  if (total > 0) for (let d = 0; d < dims; d++) w[d] = (w[d] as number) / total;
  return { weights: w, ndcg: best, rounds };
}

/**
 * Coordinate ascent from two starts, the better kept: all weights equal, and the best single
 * channel alone (the ascent is greedy, and a strong channel diluted by equal weights can be a
 * local optimum it does not leave).
 */
export function learnWeights(groups: FusionGroups, options: { members?: Int32Array } = {}): AscentResult & { single: number; singleNdcg: number } {
  const dims = groups.dims;
  let single = 0;
  let singleNdcg = -1;
  for (let d = 0; d < dims; d++) {
    const oneHot = Float64Array.from({ length: dims }, (_, j) => (j === d ? 1 : 0));
    const ndcg = groupsNdcg(groups, oneHot, options.members);
    if (ndcg > singleNdcg) [single, singleNdcg] = [d, ndcg];
  }
  const uniform = coordinateAscent(groups, options);
  const fromSingle = coordinateAscent(groups, { ...options, start: Float64Array.from({ length: dims }, (_, j) => (j === single ? 1 : 0)) });
  return { ...(fromSingle.ndcg > uniform.ndcg ? fromSingle : uniform), single, singleNdcg };
}

/** The ideal DCG@10 of a request with `relevant` items of gain 1. */
export function idealDcg(relevant: number): number {
  let idcg = 0;
  for (let j = 0; j < Math.min(TOP, relevant); j++) idcg += 1 / Math.log2(j + 2);
  return idcg;
}
