/**
 * The rerank stages, last step of the recommendation cascade (recall → fusion → ranker → rerank):
 * a pure, synchronous function over an already-scored candidate list whose catalog fields the
 * caller has fetched. It applies a placement's rules (`rules.ts`) in a fixed order and records what
 * each stage changed, so `explain=true` can show it:
 *
 * 1. `exclude` — drop excluded ids (purchased, unavailable, seen, requested) and repeated ids (the
 *    first, best-scored occurrence stays); the note counts them by reason.
 * 2. `filter` — drop items failing `filters`. A missing price fails a price bound, a missing brand
 *    fails `brands` but passes `excludeBrands`, missing categories fail `categories`, a missing
 *    `createdAt` fails `newerThanDays`. The note counts drops by filter.
 * 3. `boost` — scores are min-max normalised to [0, 1] over the surviving candidates (non-finite
 *    scores count as the minimum), `BOOST_EPSILON` is added so a factor also moves the lowest item,
 *    and every matching boost multiplies the result. Normalising first makes a factor meaningful
 *    for negative scores too (a raw −2 × 1.5 would sink). The list is then re-sorted, stably. The
 *    items' `score` fields are left as they came: the reranked order is the output.
 * 4. `diversity` — Maximal Marginal Relevance (Carbonell & Goldstein 1998, eq. 2): greedily take the
 *    item maximising λ·rel − (1−λ)·max sim to those taken, rel = the boosted score normalised again
 *    to [0, 1]; sim = the dot product of unit vectors (`by: 'vectors'`, 0 without a vector) or the
 *    category overlap (`by: 'categories'`, see `categorySimilarity`). λ = 1 takes the list in order.
 *    An item is marked `diversity` when it lands at a different position than the λ = 1 fill.
 * 5. `brand-cap` — applied while filling (in order, or inside each MMR step), so the list never
 *    holds more than `brandCap` items of one brand (items without a brand are uncapped) and still
 *    reaches k when enough other candidates exist. Records the items the fill passed over.
 * 6. `exploration` — for each slot (ascending), the best-ranked candidate with interactions ≤
 *    `maxInteractions` (default 0) that is not already above the slot is moved down or up to it, or
 *    taken from the candidates left over (the list's last item then makes room). Exploration honours
 *    the brand cap; a slot with no such candidate, or a pinned one, keeps the normal order.
 * 7. `pin` — each pinned item goes exactly at its 1-based position, or at the end when the list is
 *    shorter. A pin beyond k is ignored (the item may still rank normally); a pinned item that is
 *    excluded, fails the filters or is unknown is dropped and never shown. Pinned items are taken
 *    out of the candidates before the fill, so they are never duplicated and do not use a slot
 *    twice. Pins win over exploration (a pinned slot is skipped) and over the cap (pinned items
 *    count towards it first, but are placed even when their brand is full).
 *
 * Output: min(k, available) items, no repeated id; `stages` on an item names the stages that
 * boosted, moved or inserted it. A stage is recorded when its rule is set (exclude: when the map
 * is given or ids repeat), also with `changed: 0`. Cost: O(n·k) similarity calls at worst (MMR),
 * O(n log n) for the boost sort; typed scratch arrays of n are allocated once per call.
 */
import { explore } from './rerank-explore.js';
import { fillInOrder, fillMmr, vectorSimilarity, categorySimilarity, type BrandCap } from './rerank-fill.js';
import type { PlacementRules } from './rules.js';

export interface RerankCandidate {
  itemId: string;
  /** Fused or ranker score; the input arrives sorted by it, descending. */
  score: number;
  brand?: string;
  /** One category path from the root down. */
  categories?: readonly string[];
  price?: number;
  /** Epoch milliseconds. */
  createdAt?: number;
  /** Behaviour events on the item (0 = nobody interacted with it). */
  interactions: number;
  /** Unit vector, for MMR by vectors. */
  vector?: Float32Array;
}

export type StageName = 'exclude' | 'filter' | 'boost' | 'diversity' | 'brand-cap' | 'exploration' | 'pin';

export interface StageRecord {
  stage: StageName;
  /** How many items the stage dropped, boosted, moved, inserted or placed. */
  changed: number;
  /** The affected ids, at most `MAX_RECORDED_IDS`. */
  items?: string[];
  note?: string;
}

export interface RerankInput {
  candidates: RerankCandidate[];
  k: number;
  rules: PlacementRules;
  /** Epoch milliseconds, for `newerThanDays`. */
  now: number;
  /** itemId → reason ('purchased', 'unavailable', 'seen', 'requested'). */
  exclude?: ReadonlyMap<string, string>;
  /** Records of pinned items, which may be absent from `candidates`. */
  pinned?: ReadonlyMap<string, RerankCandidate>;
}

export type RerankItem = RerankCandidate & { stages?: StageName[] };

export interface RerankResult {
  items: RerankItem[];
  stages: StageRecord[];
}

/** Added to normalised scores before boosting, so a factor lifts the lowest candidate too. */
export const BOOST_EPSILON = 0.01;
export const MAX_RECORDED_IDS = 20;
const DAY_MS = 86_400_000;

const BOOSTED = 1;
const DIVERSIFIED = 2;
const EXPLORED = 4;

type Filters = NonNullable<PlacementRules['filters']>;

/** The filters with their lists as sets, built once per call. */
interface FilterSets {
  filters: Filters;
  brands?: ReadonlySet<string>;
  excludeBrands?: ReadonlySet<string>;
  categories?: ReadonlySet<string>;
  newerThan?: number;
}

function filterSets(filters: Filters, now: number): FilterSets {
  return {
    filters,
    ...(filters.brands && { brands: new Set(filters.brands) }),
    ...(filters.excludeBrands && { excludeBrands: new Set(filters.excludeBrands) }),
    ...(filters.categories && { categories: new Set(filters.categories) }),
    ...(filters.newerThanDays !== undefined && { newerThan: now - filters.newerThanDays * DAY_MS }),
  };
}

/** The name of the first filter `item` fails, or undefined when it passes them all. */
function failedFilter(item: RerankCandidate, sets: FilterSets): string | undefined {
  const { filters } = sets;
  if (sets.brands && (item.brand === undefined || !sets.brands.has(item.brand))) return 'brands';
  if (sets.excludeBrands && item.brand !== undefined && sets.excludeBrands.has(item.brand)) return 'excludeBrands';
  if (sets.categories && !item.categories?.some((c) => sets.categories?.has(c))) return 'categories';
  if (filters.priceMin !== undefined && !(item.price !== undefined && item.price >= filters.priceMin)) return 'priceMin';
  if (filters.priceMax !== undefined && !(item.price !== undefined && item.price <= filters.priceMax)) return 'priceMax';
  if (sets.newerThan !== undefined && !(item.createdAt !== undefined && item.createdAt >= sets.newerThan)) {
    return 'newerThanDays';
  }
  return undefined;
}

function boostFactor(item: RerankCandidate, boosts: NonNullable<PlacementRules['boosts']>, now: number): number {
  let factor = 1;
  for (const boost of boosts) {
    if (boost.brand !== undefined && item.brand !== boost.brand) continue;
    if (boost.category !== undefined && !item.categories?.includes(boost.category)) continue;
    if (boost.newerThanDays !== undefined) {
      if (item.createdAt === undefined || item.createdAt < now - boost.newerThanDays * DAY_MS) continue;
    }
    factor *= boost.factor;
  }
  return factor;
}

/** Min-max normalisation into `out` ([0, 1]; all 1 when every value is equal; non-finite → 0). */
function normalise(values: ArrayLike<number>, out: Float64Array): Float64Array {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < out.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  for (let i = 0; i < out.length; i++) {
    const v = values[i] as number;
    out[i] = !Number.isFinite(v) ? 0 : range > 0 ? (v - min) / range : 1;
  }
  return out;
}

function record(stage: StageName, ids: readonly string[], note?: string): StageRecord {
  const out: StageRecord = { stage, changed: ids.length };
  if (ids.length > 0) out.items = ids.slice(0, MAX_RECORDED_IDS);
  if (note) out.note = note;
  return out;
}

function countNote(counts: ReadonlyMap<string, number>): string | undefined {
  if (counts.size === 0) return undefined;
  return [...counts].map(([reason, n]) => `${reason}: ${n}`).join(', ');
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

interface ResolvedPin {
  item: RerankCandidate;
  position: number;
}

/** Which pins will be placed; the others are explained in `notes`. Pins come sorted by position. */
function resolvePins(input: RerankInput, k: number, sets: FilterSets | undefined, notes: string[]): ResolvedPin[] {
  const pins = [...(input.rules.pins ?? [])].sort((a, b) => a.position - b.position);
  if (pins.length === 0) return [];
  const byId = new Map<string, RerankCandidate>();
  for (const c of input.candidates) if (!byId.has(c.itemId)) byId.set(c.itemId, c);
  const placed: ResolvedPin[] = [];
  const ids = new Set<string>();
  const positions = new Set<number>();
  for (const pin of pins) {
    const id = pin.itemId;
    const reason = input.exclude?.get(id);
    const item = byId.get(id) ?? input.pinned?.get(id);
    const failed = item && sets ? failedFilter(item, sets) : undefined;
    if (ids.has(id)) notes.push(`${id}: pinned twice, first pin kept`);
    else if (reason !== undefined) notes.push(`${id}: dropped, excluded (${reason})`);
    else if (!item) notes.push(`${id}: dropped, unknown item`);
    else if (failed) notes.push(`${id}: dropped, fails filter ${failed}`);
    else if (pin.position > k) notes.push(`${id}: pin ignored, position ${pin.position} > k ${k}`);
    else if (positions.has(pin.position)) notes.push(`${id}: pin ignored, position ${pin.position} already pinned`);
    else {
      placed.push({ item, position: pin.position });
      ids.add(id);
      positions.add(pin.position);
    }
  }
  return placed;
}

/** Applies the placement's rules to a scored candidate list; see the module comment for the stages. */
export function rerank(input: RerankInput): RerankResult {
  const { rules, now } = input;
  const k = Number.isFinite(input.k) ? Math.max(0, Math.floor(input.k)) : 0;
  const stages: StageRecord[] = [];
  const sets = rules.filters ? filterSets(rules.filters, now) : undefined;
  const pinNotes: string[] = [];
  const pins = resolvePins(input, k, sets, pinNotes);
  const pinnedIds = new Set(pins.map((p) => p.item.itemId));

  // 1. exclude (and repeated ids)
  const seen = new Set<string>();
  const excluded: string[] = [];
  const excludedBy = new Map<string, number>();
  let pool: RerankCandidate[] = [];
  for (const c of input.candidates) {
    const reason = seen.has(c.itemId) ? 'duplicate' : input.exclude?.get(c.itemId);
    seen.add(c.itemId);
    if (reason !== undefined) {
      excluded.push(c.itemId);
      bump(excludedBy, reason);
    } else {
      pool.push(c);
    }
  }
  if (input.exclude || excluded.length > 0) stages.push(record('exclude', excluded, countNote(excludedBy)));

  // 2. filter; valid pins leave the pool here too, whatever the filters say
  if (sets) {
    const dropped: string[] = [];
    const droppedBy = new Map<string, number>();
    pool = pool.filter((c) => {
      const failed = failedFilter(c, sets);
      if (failed === undefined) return true;
      dropped.push(c.itemId);
      bump(droppedBy, failed);
      return false;
    });
    stages.push(record('filter', dropped, countNote(droppedBy)));
  }
  if (pinnedIds.size > 0) pool = pool.filter((c) => !pinnedIds.has(c.itemId));
  const n = pool.length;
  const flags = new Uint8Array(n);

  // 3. boost
  let rel = normalise(
    pool.map((c) => c.score),
    new Float64Array(n),
  );
  if (rules.boosts) {
    const boosted: string[] = [];
    const value = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const c = pool[j] as RerankCandidate;
      const factor = boostFactor(c, rules.boosts, now);
      value[j] = ((rel[j] as number) + BOOST_EPSILON) * factor;
      if (factor !== 1) {
        flags[j] = BOOSTED;
        boosted.push(c.itemId);
      }
    }
    let moved = 0;
    if (boosted.length > 0) {
      const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => (value[b] as number) - (value[a] as number) || a - b);
      const sortedFlags = order.map((j) => flags[j] as number);
      pool = order.map((j) => pool[j] as RerankCandidate);
      rel = normalise(
        order.map((j) => value[j] as number),
        rel,
      );
      flags.set(sortedFlags);
      moved = order.reduce((m, j, i) => m + (j !== i ? 1 : 0), 0);
    }
    stages.push(record('boost', boosted, boosted.length > 0 ? `${moved} moved` : undefined));
  }

  // 4. diversity and 5. brand cap, in one fill
  const slots = Math.max(0, k - pins.length);
  const brandIds = new Map<string, number>();
  const brandId = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    const brand = pool[j]?.brand;
    if (brand === undefined) continue;
    let b = brandIds.get(brand);
    if (b === undefined) brandIds.set(brand, (b = brandIds.size));
    brandId[j] = b;
  }
  const counts = new Int32Array(brandIds.size);
  for (const pin of pins) {
    const b = pin.item.brand === undefined ? undefined : brandIds.get(pin.item.brand);
    if (b !== undefined) counts[b] = (counts[b] as number) + 1;
  }
  const cap: BrandCap = { brandId, counts, cap: rules.brandCap ?? Number.POSITIVE_INFINITY, skipped: new Uint8Array(n) };
  let list: number[];
  const diversity = rules.diversity;
  if (diversity && diversity.lambda < 1) {
    const inOrder = fillInOrder(n, slots, { ...cap, counts: counts.slice(), skipped: new Uint8Array(n) });
    const sim = diversity.by === 'vectors' ? vectorSimilarity(pool) : categorySimilarity(pool);
    list = fillMmr({ n, slots, lambda: diversity.lambda, rel, sim, brand: cap });
    const moved: string[] = [];
    list.forEach((j, i) => {
      if (inOrder[i] === j) return;
      flags[j] = (flags[j] as number) | DIVERSIFIED;
      moved.push((pool[j] as RerankCandidate).itemId);
    });
    stages.push(record('diversity', moved, `lambda ${diversity.lambda}, by ${diversity.by}`));
  } else {
    list = fillInOrder(n, slots, cap);
    if (diversity) stages.push(record('diversity', [], 'lambda 1: relevance order'));
  }
  if (rules.brandCap !== undefined) {
    const skipped: string[] = [];
    for (let j = 0; j < n; j++) if (cap.skipped[j]) skipped.push((pool[j] as RerankCandidate).itemId);
    stages.push(record('brand-cap', skipped, `at most ${rules.brandCap} per brand`));
  }

  // 6. exploration
  if (rules.exploration) {
    const positions = pins.map((p) => p.position);
    const { explored, notes } = explore({ pool, list, slots, pinPositions: positions, cap, exploration: rules.exploration });
    for (const j of explored) flags[j] = (flags[j] as number) | EXPLORED;
    const exploredIds = explored.map((j) => (pool[j] as RerankCandidate).itemId);
    stages.push(record('exploration', exploredIds, notes.join('; ') || undefined));
  }

  // 7. pin
  const items: RerankItem[] = list.map((j) => withStages(pool[j] as RerankCandidate, flags[j] as number));
  if (rules.pins) {
    const placed: string[] = [];
    for (const pin of pins) {
      const at = Math.min(pin.position, items.length + 1);
      if (at !== pin.position) pinNotes.push(`${pin.item.itemId}: position ${pin.position} moved to ${at}, the list is shorter`);
      items.splice(at - 1, 0, { ...pin.item, stages: ['pin'] });
      placed.push(pin.item.itemId);
    }
    stages.push(record('pin', placed, pinNotes.join('; ') || undefined));
  }
  return { items, stages };
}

function withStages(item: RerankCandidate, flags: number): RerankItem {
  if (flags === 0) return item;
  const stages: StageName[] = [];
  if (flags & BOOSTED) stages.push('boost');
  if (flags & DIVERSIFIED) stages.push('diversity');
  if (flags & EXPLORED) stages.push('exploration');
  return { ...item, stages };
}
