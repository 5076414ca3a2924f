/**
 * The list fills behind the `diversity` and `brand-cap` stages of `rerank`: an in-order fill and a
 * Maximal Marginal Relevance fill (Carbonell & Goldstein 1998), both honouring a per-brand cap while
 * they fill, so the list never exceeds the cap and still reaches its length when enough uncapped
 * candidates remain. Candidates are addressed by their index in the pool (the reranked order).
 */
import type { RerankCandidate } from './rerank.js';

/** The brand bookkeeping shared by both fills; `counts` is updated as items are taken. */
export interface BrandCap {
  /** Per pool index: the brand's dense id, or -1 for an item without a brand (never capped). */
  brandId: Int32Array;
  /** Items per brand id already in the list (pins count before the fill starts). */
  counts: Int32Array;
  /** At most this many items per brand; `Infinity` when the placement has no cap. */
  cap: number;
  /** Out: 1 for each pool index the cap made the fill pass over. */
  skipped: Uint8Array;
}

function capped(brand: BrandCap, j: number): boolean {
  const b = brand.brandId[j] as number;
  return b >= 0 && (brand.counts[b] as number) >= brand.cap;
}

function take(brand: BrandCap, j: number): void {
  const b = brand.brandId[j] as number;
  if (b >= 0) brand.counts[b] = (brand.counts[b] as number) + 1;
}

/** Takes pool items in order until `slots` are filled, passing over (and marking) capped ones. O(n). */
export function fillInOrder(n: number, slots: number, brand: BrandCap): number[] {
  const picked: number[] = [];
  for (let j = 0; j < n && picked.length < slots; j++) {
    if (capped(brand, j)) {
      brand.skipped[j] = 1;
      continue;
    }
    take(brand, j);
    picked.push(j);
  }
  return picked;
}

/** Similarity of two pool items in [-1, 1]; 0 when either lacks what it compares. */
export type Similarity = (a: number, b: number) => number;

/** Dot product of unit vectors (their cosine); 0 when a vector is missing or the lengths differ. */
export function vectorSimilarity(pool: readonly RerankCandidate[]): Similarity {
  return (a, b) => {
    const x = pool[a]?.vector;
    const y = pool[b]?.vector;
    if (!x || !y || x.length !== y.length) return 0;
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += (x[i] as number) * (y[i] as number);
    return dot;
  };
}

/**
 * 1 when both leaf categories are equal, else the Jaccard overlap of the two category paths taken
 * as sets of names (names are assumed distinct within one path); 0 when either has no categories.
 */
export function categorySimilarity(pool: readonly RerankCandidate[]): Similarity {
  return (a, b) => {
    const x = pool[a]?.categories;
    const y = pool[b]?.categories;
    if (!x || !y || x.length === 0 || y.length === 0) return 0;
    if (x[x.length - 1] === y[y.length - 1]) return 1;
    let shared = 0;
    for (const name of x) if (y.includes(name)) shared++;
    return shared / (x.length + y.length - shared);
  };
}

export interface MmrFill {
  n: number;
  slots: number;
  /** 1 = relevance only, 0 = diversity only. */
  lambda: number;
  /** Relevance per pool index in [0, 1]. */
  rel: Float64Array;
  sim: Similarity;
  brand: BrandCap;
}

/**
 * Greedy MMR: each step takes the uncapped item maximising λ·rel − (1−λ)·max sim to the items
 * already taken (the max over an empty list is 0); ties go to the earlier pool item. A capped item
 * whose value beats the step's pick is marked as skipped by the cap. The running max similarity is
 * updated with the last pick only, so a fill costs O(n·slots) similarity calls and allocates three
 * arrays of n up front, nothing per step.
 */
export function fillMmr(input: MmrFill): number[] {
  const { n, slots, lambda, rel, sim, brand } = input;
  const maxSim = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const value = new Float64Array(n);
  const taken = new Uint8Array(n);
  const picked: number[] = [];
  const hasCap = Number.isFinite(brand.cap);
  let last = -1;
  while (picked.length < slots) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      if (taken[j]) continue;
      if (last >= 0) {
        const s = sim(j, last);
        if (s > (maxSim[j] as number)) maxSim[j] = s;
      }
      const redundancy = picked.length === 0 ? 0 : (maxSim[j] as number);
      const v = lambda * (rel[j] as number) - (1 - lambda) * redundancy;
      value[j] = v;
      if (v > bestValue && !capped(brand, j)) {
        best = j;
        bestValue = v;
      }
    }
    if (best < 0) break;
    if (hasCap) {
      for (let j = 0; j < n; j++) {
        if (taken[j] || !capped(brand, j)) continue;
        const v = value[j] as number;
        if (v > bestValue || (v === bestValue && j < best)) brand.skipped[j] = 1;
      }
    }
    taken[best] = 1;
    take(brand, best);
    picked.push(best);
    last = best;
  }
  return picked;
}
