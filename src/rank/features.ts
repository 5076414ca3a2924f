/**
 * The learned ranker's features for one request's candidates. Per channel: the min-max normalised
 * score and the reciprocal rank (0 where the channel did not recall the item). Then the fused
 * scores, how many channels agree, the item's popularity and freshness, the user's activity
 * level, brand and category affinity of the user's history (counts of the 2-hop knowledge-graph
 * paths user → history item → brand/category ← candidate, as shares), whether the candidate
 * shares the last item's brand or category, its price relative to the prices the user paid, and
 * its text similarity to the session (mean of the last items' vectors) and to the last item.
 */
import type { CandidateSet } from '../fusion/candidates.js';

/** What the features read about items, by dense item index. */
export interface ItemSignals {
  numItems: number;
  /** Interactions per item in the training data. */
  popularity: Float32Array;
  /** Epoch ms of each item's newest interaction (NaN: none). */
  lastSeen: Float64Array;
  /** The moment freshness is measured from (the newest interaction, or now). */
  now: number;
  /** Dense brand id per item, -1 without one. */
  brand: Int32Array;
  /** Dense id of the item's most specific category, -1 without one. */
  category: Int32Array;
  /** Price per item, NaN without one. */
  price: Float32Array;
  brands: number;
  categories: number;
  /** Unit text vectors, numItems × dimensions, where the catalog has them. */
  vectors?: { data: Float32Array; dimensions: number; present: Uint8Array };
}

/** Extra features after the 2 per channel. */
export const CONTEXT_FEATURES = [
  'fused',
  'rrf',
  'channels',
  'log-popularity',
  'log-age-days',
  'log-history',
  'brand-affinity',
  'category-affinity',
  'same-brand-as-last',
  'same-category-as-last',
  'price-ratio',
  'session-similarity',
  'last-item-similarity',
] as const;

export function featureNames(channels: readonly string[]): string[] {
  return [...channels.map((c) => `${c}:score`), ...channels.map((c) => `${c}:rr`), ...CONTEXT_FEATURES];
}

const SESSION = 5;
const DAY = 86_400_000;

/** Builds feature rows; the per-request state (affinities, session vector) lives in reused buffers. */
export class FeatureBuilder {
  readonly dims: number;
  private readonly brandCounts: Float32Array;
  private readonly categoryCounts: Float32Array;
  private readonly session: Float32Array;
  private readonly last: Float32Array;
  private touchedBrands: number[] = [];
  private touchedCategories: number[] = [];
  private historyLength = 0;
  private lastBrand = -1;
  private lastCategory = -1;
  private meanLogPrice = NaN;
  private hasSession = false;

  constructor(
    readonly signals: ItemSignals,
    readonly channels: number,
  ) {
    this.dims = 2 * channels + CONTEXT_FEATURES.length;
    this.brandCounts = new Float32Array(signals.brands);
    this.categoryCounts = new Float32Array(signals.categories);
    const d = signals.vectors?.dimensions ?? 0;
    this.session = new Float32Array(d);
    this.last = new Float32Array(d);
  }

  /** Reads the request's history (oldest first) into the per-request state. */
  begin(history: ArrayLike<number>): void {
    const s = this.signals;
    for (const b of this.touchedBrands) this.brandCounts[b] = 0;
    for (const c of this.touchedCategories) this.categoryCounts[c] = 0;
    this.touchedBrands.length = 0;
    this.touchedCategories.length = 0;
    this.historyLength = history.length;
    let priceSum = 0;
    let priced = 0;
    for (let i = 0; i < history.length; i++) {
      const item = history[i] as number;
      if (item < 0 || item >= s.numItems) continue;
      const b = s.brand[item] as number;
      if (b >= 0) {
        if (this.brandCounts[b] === 0) this.touchedBrands.push(b);
        this.brandCounts[b] = (this.brandCounts[b] as number) + 1;
      }
      const c = s.category[item] as number;
      if (c >= 0) {
        if (this.categoryCounts[c] === 0) this.touchedCategories.push(c);
        this.categoryCounts[c] = (this.categoryCounts[c] as number) + 1;
      }
      const p = s.price[item] as number;
      if (p > 0) {
        priceSum += Math.log(p);
        priced++;
      }
    }
    this.meanLogPrice = priced > 0 ? priceSum / priced : NaN;
    const lastItem = history.length > 0 ? (history[history.length - 1] as number) : -1;
    const known = lastItem >= 0 && lastItem < s.numItems;
    this.lastBrand = known ? (s.brand[lastItem] as number) : -1;
    this.lastCategory = known ? (s.category[lastItem] as number) : -1;
    this.hasSession = false;
    const v = s.vectors;
    if (!v) return;
    this.session.fill(0);
    this.last.fill(0);
    const d = v.dimensions;
    for (let i = Math.max(0, history.length - SESSION); i < history.length; i++) {
      const item = history[i] as number;
      if (item < 0 || item >= s.numItems || v.present[item] !== 1) continue;
      for (let j = 0; j < d; j++) this.session[j] = (this.session[j] as number) + (v.data[item * d + j] as number);
      this.hasSession = true;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += (this.session[j] as number) ** 2;
    if (norm > 0) for (let j = 0; j < d; j++) this.session[j] = (this.session[j] as number) / Math.sqrt(norm);
    if (known && v.present[lastItem] === 1) this.last.set(v.data.subarray(lastItem * d, lastItem * d + d));
  }

  /**
   * Writes the feature rows of candidates `rows[0..count)` (slots of `set`) into `out` from row
   * `at`: `norm` holds the set's min-max normalised scores, `fused` and `rrf` its fused scores.
   */
  write(set: CandidateSet, norm: Float32Array, fused: ArrayLike<number>, rrf: ArrayLike<number>, rows: ArrayLike<number>, count: number, out: Float64Array, at: number): void {
    const s = this.signals;
    const c = this.channels;
    const dims = this.dims;
    const v = s.vectors;
    const history = Math.max(1, this.historyLength);
    for (let i = 0; i < count; i++) {
      const m = rows[i] as number;
      const item = set.items[m] as number;
      const o = (at + i) * dims;
      let present = 0;
      for (let ch = 0; ch < c; ch++) {
        const r = set.ranks[m * c + ch] as number;
        out[o + ch] = r >= 0 ? (norm[m * c + ch] as number) : 0;
        out[o + c + ch] = r >= 0 ? 1 / (r + 1) : 0;
        if (r >= 0) present++;
      }
      const known = item < s.numItems;
      const brand = known ? (s.brand[item] as number) : -1;
      const category = known ? (s.category[item] as number) : -1;
      const last = known ? (s.lastSeen[item] as number) : NaN;
      const price = known ? (s.price[item] as number) : NaN;
      let f = o + 2 * c;
      out[f++] = fused[m] as number;
      out[f++] = rrf[m] as number;
      out[f++] = present;
      out[f++] = Math.log1p(known ? (s.popularity[item] as number) : 0);
      out[f++] = Number.isNaN(last) ? Math.log1p(3650) : Math.log1p(Math.max(0, s.now - last) / DAY);
      out[f++] = Math.log1p(this.historyLength);
      out[f++] = brand >= 0 ? (this.brandCounts[brand] as number) / history : 0;
      out[f++] = category >= 0 ? (this.categoryCounts[category] as number) / history : 0;
      out[f++] = brand >= 0 && brand === this.lastBrand ? 1 : 0;
      out[f++] = category >= 0 && category === this.lastCategory ? 1 : 0;
      out[f++] = price > 0 && !Number.isNaN(this.meanLogPrice) ? Math.log(price) - this.meanLogPrice : 0;
      let session = 0;
      let toLast = 0;
      if (v && known && v.present[item] === 1 && this.hasSession) {
        const d = v.dimensions;
        for (let j = 0; j < d; j++) {
          const x = v.data[item * d + j] as number;
          session += x * (this.session[j] as number);
          toLast += x * (this.last[j] as number);
        }
      }
      out[f++] = session;
      out[f++] = toLast;
    }
  }
}

/** Item signals from training data: popularity and last interaction per item, catalog fields from records. */
export function itemSignals(options: {
  numItems: number;
  matrix: { indices: Int32Array; nnz: number };
  sequences: { items: Int32Array; times: Float64Array };
  records?: ReadonlyArray<{ brand?: string; categories?: readonly string[]; price?: number } | undefined>;
  vectors?: ItemSignals['vectors'];
}): ItemSignals {
  const n = options.numItems;
  const popularity = new Float32Array(n);
  for (let p = 0; p < options.matrix.nnz; p++) {
    const i = options.matrix.indices[p] as number;
    popularity[i] = (popularity[i] as number) + 1;
  }
  const lastSeen = new Float64Array(n).fill(NaN);
  let now = 0;
  const { items, times } = options.sequences;
  for (let p = 0; p < items.length; p++) {
    const i = items[p] as number;
    const t = times[p] as number;
    if (!(t <= (lastSeen[i] as number))) lastSeen[i] = t;
    if (t > now) now = t;
  }
  const brandIds = new Map<string, number>();
  const categoryIds = new Map<string, number>();
  const brand = new Int32Array(n).fill(-1);
  const category = new Int32Array(n).fill(-1);
  const price = new Float32Array(n).fill(NaN);
  const idOf = (map: Map<string, number>, key: string) => {
    let id = map.get(key);
    if (id === undefined) map.set(key, (id = map.size));
    return id;
  };
  const records = options.records ?? [];
  for (let i = 0; i < Math.min(n, records.length); i++) {
    const r = records[i];
    if (!r) continue;
    if (r.brand) brand[i] = idOf(brandIds, r.brand);
    const leaf = r.categories?.[r.categories.length - 1];
    if (leaf) category[i] = idOf(categoryIds, r.categories?.join('\u001f') ?? leaf);
    if (r.price !== undefined) price[i] = r.price;
  }
  return {
    numItems: n,
    popularity,
    lastSeen,
    now: now || Date.now(),
    brand,
    category,
    price,
    brands: brandIds.size,
    categories: categoryIds.size,
    ...(options.vectors ? { vectors: options.vectors } : {}),
  };
}
