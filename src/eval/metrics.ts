/**
 * Top-k ranking metrics over full rankings, as defined by Microsoft Recommenders
 * (recommenders/evaluation/python_evaluation.py), plus catalog metrics over all users' lists.
 *
 * Per user, with `ranked` the recommended items best first, `rel` the user's relevant (test)
 * items and a hit an item of the top k that is in `rel` (rank r is 1-based):
 * - precision@k = hits / k (k even if fewer than k items were recommended, as upstream);
 * - recall@k = hits / |rel|;
 * - ndcg@k (binary relevance) = Σ_hits 1/log2(r + 1) / Σ_{r=1}^{min(|rel|, k)} 1/log2(r + 1)
 *   (upstream's default natural log cancels in the ratio);
 * - map@k = upstream's current `map_at_k`: Σ_hits precision@r / min(|rel|, k), following Spark's
 *   `RankingMetrics.meanAveragePrecisionAt`. (Releases before 1.2 named the |rel|-normalised
 *   variant `map_at_k`; it is now upstream's `map`.)
 * - hr@k = 1 if there is a hit; mrr@k = 1 / rank of the first hit, 0 without one.
 * Each is averaged over the users added with at least one relevant item.
 */

/** Options of a {@link MetricAccumulator}. */
export interface MetricOptions {
  /** Cut-offs, e.g. [5, 10, 20]. */
  ks: readonly number[];
  numItems: number;
  /**
   * Training interactions per item. Enables `longtail@k`: the share of recommended slots that go
   * to items outside the head, the most popular items that together make up `headShare` of all
   * training interactions (see {@link headItems}).
   */
  popularity?: Float64Array;
  /** Head share for `longtail@k` (default 0.8). */
  headShare?: number;
  /**
   * 1 for cold items. Enables `cold-recall@k`: recall over each user's relevant cold items,
   * averaged over users that have at least one (the key is left out when no user has one).
   */
  coldItems?: Uint8Array;
  /**
   * Enables `rare-recall@k` (with `popularity`): recall over each user's relevant items that have
   * at most this many training interactions (cold ones included), averaged over users that have
   * at least one (default 5).
   */
  rareMax?: number;
}

const METRICS = ['precision', 'recall', 'ndcg', 'map', 'hr', 'mrr'] as const;

/**
 * Accumulates per-user metrics and catalog statistics; `result()` returns the averages with keys
 * `name@k`: precision, recall, ndcg, map, hr, mrr, coverage, gini, longtail, cold-recall,
 * rare-recall.
 *
 * Catalog metrics count every list added (also users without relevant items):
 * coverage@k = distinct recommended items / numItems; gini@k = Gini index of the recommendation
 * counts of all numItems items (RecBole's `GiniIndex`: Σ_i (2i − n − 1)·c_(i) / (n·Σc), counts
 * sorted ascending, i = 1..n); longtail@k, cold-recall@k and rare-recall@k as in {@link MetricOptions}.
 */
export class MetricAccumulator {
  private readonly ks: number[];
  private readonly maxK: number;
  private readonly numItems: number;
  private readonly mark: Uint8Array;
  /** sums[m * ks.length + j] = Σ over users of metric m at ks[j]. */
  private readonly sums: Float64Array;
  private readonly coldSums: Float64Array;
  private readonly rareSums: Float64Array;
  private readonly recCounts: Float64Array[];
  private readonly tailSlots: Float64Array;
  private readonly slots: Float64Array;
  private readonly head: Uint8Array | undefined;
  private readonly cold: Uint8Array | undefined;
  private readonly rare: Uint8Array | undefined;
  /** idcg[n] = Σ_{r=1}^{n} 1/log2(r + 1). */
  private readonly idcg: Float64Array;
  private users = 0;
  private lists = 0;
  private coldUsers = 0;
  private rareUsers = 0;

  constructor(options: MetricOptions) {
    if (options.ks.length === 0 || options.ks.some((k) => !Number.isInteger(k) || k < 1)) {
      throw new RangeError(`ks must be positive integers, got [${options.ks.join(', ')}]`);
    }
    this.ks = [...options.ks];
    this.maxK = Math.max(...this.ks);
    this.numItems = options.numItems;
    this.mark = new Uint8Array(options.numItems);
    this.sums = new Float64Array(METRICS.length * this.ks.length);
    this.coldSums = new Float64Array(this.ks.length);
    this.rareSums = new Float64Array(this.ks.length);
    this.recCounts = this.ks.map(() => new Float64Array(options.numItems));
    this.tailSlots = new Float64Array(this.ks.length);
    this.slots = new Float64Array(this.ks.length);
    this.head = options.popularity ? headItems(options.popularity, options.headShare ?? 0.8) : undefined;
    this.cold = options.coldItems;
    const rareMax = options.rareMax ?? 5;
    this.rare = options.popularity ? Uint8Array.from(options.popularity, (count) => (count <= rareMax ? 1 : 0)) : undefined;
    this.idcg = new Float64Array(this.maxK + 1);
    for (let r = 1; r <= this.maxK; r++) this.idcg[r] = (this.idcg[r - 1] as number) + 1 / Math.log2(r + 1);
  }

  /** Users with at least one relevant item added so far (the denominator of the averages). */
  get userCount(): number {
    return this.users;
  }

  /**
   * Adds one user. `ranked` holds the recommended items best first (at least max k of them where
   * the catalog allows; negative entries are empty slots); `relevant` the user's test items.
   */
  add(ranked: Int32Array, relevant: Int32Array): void {
    const mark = this.mark;
    // Bits: 1 relevant, 2 cold, 4 rare.
    let nRel = 0;
    let nCold = 0;
    let nRare = 0;
    for (const item of relevant) {
      if (item < 0 || item >= this.numItems) throw new RangeError(`relevant item ${item} outside [0, ${this.numItems})`);
      if (mark[item] !== 0) continue;
      const isCold = this.cold !== undefined && this.cold[item] === 1;
      const isRare = this.rare !== undefined && this.rare[item] === 1;
      mark[item] = 1 | (isCold ? 2 : 0) | (isRare ? 4 : 0);
      nRel++;
      if (isCold) nCold++;
      if (isRare) nRare++;
    }
    this.lists++;
    if (nRel > 0) this.users++;
    if (nCold > 0) this.coldUsers++;
    if (nRare > 0) this.rareUsers++;

    const nk = this.ks.length;
    for (let j = 0; j < nk; j++) {
      const k = this.ks[j] as number;
      const depth = Math.min(k, ranked.length);
      let hits = 0;
      let coldHits = 0;
      let rareHits = 0;
      let dcg = 0;
      let ap = 0;
      let firstHit = 0;
      const counts = this.recCounts[j] as Float64Array;
      for (let p = 0; p < depth; p++) {
        const item = ranked[p] as number;
        if (item < 0) continue;
        if (item >= this.numItems) throw new RangeError(`ranked item ${item} outside [0, ${this.numItems})`);
        counts[item] = (counts[item] as number) + 1;
        this.slots[j] = (this.slots[j] as number) + 1;
        if (this.head !== undefined && this.head[item] === 0) this.tailSlots[j] = (this.tailSlots[j] as number) + 1;
        const m = mark[item] as number;
        if (m === 0) continue;
        hits++;
        if (m & 2) coldHits++;
        if (m & 4) rareHits++;
        dcg += 1 / Math.log2(p + 2);
        ap += hits / (p + 1);
        if (firstHit === 0) firstHit = p + 1;
      }
      if (nRel > 0) {
        const add = (metric: number, value: number) => {
          this.sums[metric * nk + j] = (this.sums[metric * nk + j] as number) + value;
        };
        add(0, hits / k);
        add(1, hits / nRel);
        add(2, dcg / (this.idcg[Math.min(nRel, k)] as number));
        add(3, ap / Math.min(nRel, k));
        add(4, hits > 0 ? 1 : 0);
        add(5, firstHit > 0 ? 1 / firstHit : 0);
      }
      if (nCold > 0) this.coldSums[j] = (this.coldSums[j] as number) + coldHits / nCold;
      if (nRare > 0) this.rareSums[j] = (this.rareSums[j] as number) + rareHits / nRare;
    }
    for (const item of relevant) if (item >= 0 && item < this.numItems) mark[item] = 0;
  }

  /** Averages so far, keyed `name@k` (lower case). */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    const nk = this.ks.length;
    for (let j = 0; j < nk; j++) {
      const k = this.ks[j] as number;
      METRICS.forEach((name, m) => {
        out[`${name}@${k}`] = this.users > 0 ? (this.sums[m * nk + j] as number) / this.users : 0;
      });
      const counts = this.recCounts[j] as Float64Array;
      let distinct = 0;
      for (const c of counts) if (c > 0) distinct++;
      out[`coverage@${k}`] = this.numItems > 0 ? distinct / this.numItems : 0;
      out[`gini@${k}`] = giniIndex(counts);
      if (this.head !== undefined) {
        const slots = this.slots[j] as number;
        out[`longtail@${k}`] = slots > 0 ? (this.tailSlots[j] as number) / slots : 0;
      }
      if (this.cold !== undefined && this.coldUsers > 0) {
        out[`cold-recall@${k}`] = (this.coldSums[j] as number) / this.coldUsers;
      }
      if (this.rare !== undefined && this.rareUsers > 0) {
        out[`rare-recall@${k}`] = (this.rareSums[j] as number) / this.rareUsers;
      }
    }
    return out;
  }
}

/** One user's accuracy metrics at k, with the definitions of this module's header. */
export function userMetrics(
  ranked: Int32Array,
  relevant: Int32Array,
  k: number,
): { precision: number; recall: number; ndcg: number; map: number; hr: number; mrr: number } {
  let numItems = 0;
  for (const i of ranked) numItems = Math.max(numItems, i + 1);
  for (const i of relevant) numItems = Math.max(numItems, i + 1);
  const acc = new MetricAccumulator({ ks: [k], numItems });
  acc.add(ranked, relevant);
  const r = acc.result();
  return {
    precision: r[`precision@${k}`] ?? 0,
    recall: r[`recall@${k}`] ?? 0,
    ndcg: r[`ndcg@${k}`] ?? 0,
    map: r[`map@${k}`] ?? 0,
    hr: r[`hr@${k}`] ?? 0,
    mrr: r[`mrr@${k}`] ?? 0,
  };
}

/**
 * Gini index of non-negative counts (0 = perfectly even, → 1 = all on one item), over all entries
 * including zeros: Σ_i (2i − n − 1)·c_(i) / (n·Σc) with c sorted ascending, i = 1..n
 * (as RecBole's `GiniIndex`, recbole/evaluator/metrics.py). 0 when all counts are 0.
 */
export function giniIndex(counts: Float64Array): number {
  const n = counts.length;
  const sorted = Float64Array.from(counts).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const c = sorted[i] as number;
    total += c;
    weighted += (2 * (i + 1) - n - 1) * c;
  }
  return total > 0 ? weighted / (n * total) : 0;
}

/**
 * The head of a popularity distribution: items sorted by popularity (descending, ties by lower
 * index) are taken until their cumulative popularity reaches `share` of the total; every other
 * item (and any item with popularity 0) is long tail. Returns 1 for head items.
 */
export function headItems(popularity: Float64Array, share = 0.8): Uint8Array {
  const n = popularity.length;
  const head = new Uint8Array(n);
  let total = 0;
  for (const p of popularity) total += p;
  if (total <= 0) return head;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (popularity[b] as number) - (popularity[a] as number) || a - b);
  let cum = 0;
  for (const i of order) {
    if (cum >= share * total || (popularity[i] as number) <= 0) break;
    head[i] = 1;
    cum += popularity[i] as number;
  }
  return head;
}

/**
 * The top-k items by score, best first, breaking ties pessimistically: among equal scores a
 * non-relevant item always ranks before a relevant one (a relevant item never wins a tie), then
 * the lower item index first. Items with `exclude[item] === 1` (e.g. training items) and items
 * scored NaN or -Infinity are never returned, so the list may be shorter than k.
 */
export function rankWithPessimisticTies(
  scores: Float32Array,
  exclude: Uint8Array | undefined,
  relevant: Int32Array,
  k: number,
): Int32Array {
  if (k <= 0) return new Int32Array(0);
  const rel = Int32Array.from(relevant).sort();
  const isRelevant = (item: number): number => {
    let lo = 0;
    let hi = rel.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = rel[mid] as number;
      if (v === item) return 1;
      if (v < item) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  };
  // a ranks before b.
  const before = (a: number, b: number): boolean => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    if (sa !== sb) return sa > sb;
    const ra = isRelevant(a);
    const rb = isRelevant(b);
    if (ra !== rb) return ra < rb;
    return a < b;
  };
  // Min-heap on rank order: heap[0] is the worst of the current best k.
  const heap = new Int32Array(k);
  let size = 0;
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && before(heap[m] as number, heap[l] as number)) m = l;
      if (r < size && before(heap[m] as number, heap[r] as number)) m = r;
      if (m === i) return;
      const t = heap[i] as number;
      heap[i] = heap[m] as number;
      heap[m] = t;
      i = m;
    }
  };
  for (let item = 0; item < scores.length; item++) {
    if (!((scores[item] as number) > -Infinity) || (exclude !== undefined && exclude[item] === 1)) continue;
    if (size < k) {
      heap[size] = item;
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!before(heap[p] as number, heap[i] as number)) break;
        const t = heap[i] as number;
        heap[i] = heap[p] as number;
        heap[p] = t;
        i = p;
      }
    } else if (before(item, heap[0] as number)) {
      heap[0] = item;
      siftDown(0);
    }
  }
  const out = heap.slice(0, size);
  out.sort((a, b) => (before(a, b) ? -1 : 1));
  return out;
}
