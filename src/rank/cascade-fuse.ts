/**
 * The fusion stage of the serving cascade (`cascade.ts`): the union of the channels' lists, each
 * channel normalised by the placement's mode and combined with its weight, or weighted reciprocal
 * rank fusion; with a trained fusion model, its learned scores plus the configured channels as
 * evidence. Pure and synchronous; it keeps each candidate's per-channel breakdown for `explain`.
 *
 * Scores, for candidate m and channel c with weight w_c:
 * - `minmax`, `zscore`, `rank`: fused(m) = Σ_c w_c · norm_c(m), `normalise` of `fusion/fuse.ts`
 *   (absent items: 0 for minmax and rank, the list's lowest z-score for zscore).
 * - `rrf`: fused(m) = Σ_c w_c / (60 + r_c(m)), r 1-based, absent channels add 0 (Cormack et al. 2009).
 * - learned (a loaded `fusion` model whose channels all answered): fused(m) = mm(L)(m) +
 *   Σ_c w_c · minmax_c(m), where L is the fusion model's learned linear score of the candidates its
 *   own `fusion/*` channels recalled, mm its min-max normalisation over them to [0, 1] (0 for a
 *   candidate only the configured channels recalled), and minmax_c the configured channels'
 *   min-max normalised scores whatever the placement's mode. The ranker score, where the model has
 *   a ranker, is ranker(m) = mm(R)(m) + Σ_c w_c · minmax_c(m) with R its ranker's scores. The
 *   `fusion/*` channels themselves carry weight 0: their evidence is L (or R), not counted twice.
 */
import { CandidateSet } from '../fusion/candidates.js';
import { fuseLinear, fuseRrf, normalise, RRF_K } from '../fusion/fuse.js';
import type { Placement } from './placements.js';

export interface FusionInput {
  id: string;
  weight: number;
  /** Best first. */
  items: ReadonlyArray<{ itemId: string; score: number }>;
}

export interface LearnedInput {
  fused: ReadonlyMap<string, number>;
  ranked?: ReadonlyMap<string, number>;
}

export interface ChannelBreakdown {
  channel: string;
  /** The channel's own score. */
  score: number;
  /** 1-based rank in the channel's list. */
  rank: number;
  /** The normalised value the weight multiplies (for rrf: 1 / (60 + rank)). */
  normalised: number;
  weight: number;
}

export interface FusedCandidates {
  ids: string[];
  fused: Float64Array;
  /** Ranker scores (learned fusion with a ranker only). */
  ranker?: Float64Array;
  /** The learned model's raw fused and ranker scores (learned fusion only). */
  learned?: { fused: Float64Array; ranked?: Float64Array };
  /** The breakdown of candidate m. */
  breakdown(m: number): ChannelBreakdown[];
}

/** Min-max over the candidates that have a value (NaN = none) to [0, 1]; none → 0; all equal → 1. */
function minMaxOf(values: Float64Array): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  return values.map((v) => (Number.isNaN(v) ? 0 : range > 0 ? (v - min) / range : 1));
}

/** Fuses the channels' lists; see the module comment for the formulas. */
export function fuseCandidates(lists: readonly FusionInput[], mode: Placement['normalisation'], learned?: LearnedInput): FusedCandidates {
  const c = lists.length;
  const total = lists.reduce((n, l) => n + l.items.length, 0);
  const set = new CandidateSet(c, Math.max(1, total), Math.max(16, total));
  const dense = new Map<string, number>();
  const ids: string[] = [];
  const denseOf = (id: string) => {
    let d = dense.get(id);
    if (d === undefined) {
      dense.set(id, (d = ids.length));
      ids.push(id);
    }
    return d;
  };
  lists.forEach((list, ch) => {
    const items = new Int32Array(list.items.length);
    const scores = new Float32Array(list.items.length);
    list.items.forEach((item, r) => {
      items[r] = denseOf(item.itemId);
      scores[r] = item.score;
    });
    set.addList(ch, items, scores);
  });
  const size = set.size;
  // Candidate slots follow first appearance, which is the order of `ids`.
  const exact = lists.map((l) => new Map(l.items.map((i) => [i.itemId, i.score] as const)));
  const weights = lists.map((l) => l.weight);
  const norm = new Float32Array(size * c);
  const fused = new Float64Array(size);
  const useRrf = mode === 'rrf' && !learned;
  if (useRrf) {
    fuseRrf(set, fused, weights);
    for (let i = 0; i < size * c; i++) norm[i] = (set.ranks[i] as number) >= 0 ? 1 / (RRF_K + (set.ranks[i] as number) + 1) : 0;
  } else {
    normalise(set, learned ? 'minmax' : (mode as Exclude<Placement['normalisation'], 'rrf'>), norm);
    fuseLinear(norm, size, c, weights, fused);
  }

  const out: FusedCandidates = {
    ids: ids.slice(0, size),
    fused,
    breakdown: (m) => {
      const rows: ChannelBreakdown[] = [];
      for (let ch = 0; ch < c; ch++) {
        const rank = set.ranks[m * c + ch] as number;
        if (rank < 0) continue;
        rows.push({
          channel: (lists[ch] as FusionInput).id,
          score: (exact[ch] as Map<string, number>).get(ids[m] as string) as number,
          rank: rank + 1,
          normalised: norm[m * c + ch] as number,
          weight: weights[ch] as number,
        });
      }
      return rows;
    },
  };
  if (learned) {
    const rawFused = Float64Array.from(out.ids, (id) => learned.fused.get(id) ?? NaN);
    const lf = minMaxOf(rawFused);
    for (let m = 0; m < size; m++) fused[m] = (fused[m] as number) + (lf[m] as number);
    out.learned = { fused: rawFused };
    if (learned.ranked) {
      const rawRanked = Float64Array.from(out.ids, (id) => learned.ranked?.get(id) ?? NaN);
      const lr = minMaxOf(rawRanked);
      const evidence = new Float64Array(size);
      fuseLinear(norm, size, c, weights, evidence);
      out.ranker = evidence.map((e, m) => e + (lr[m] as number));
      out.learned.ranked = rawRanked;
    }
  }
  return out;
}
