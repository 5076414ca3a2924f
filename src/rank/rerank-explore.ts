/**
 * The `exploration` stage of `rerank`: slots reserved for items few people have interacted with,
 * so new items get impressions and therefore data (a fixed-slot form of exploration; the slot
 * positions come from the placement's rules).
 */
import type { BrandCap } from './rerank-fill.js';
import type { RerankCandidate } from './rerank.js';
import type { PlacementRules } from './rules.js';

export interface Exploration {
  pool: readonly RerankCandidate[];
  /** The filled list (pool indices), updated in place. */
  list: number[];
  /** The fill's target length (k minus the pins). */
  slots: number;
  /** Positions the pins will take. */
  pinPositions: readonly number[];
  cap: BrandCap;
  exploration: NonNullable<PlacementRules['exploration']>;
}

/**
 * Stage 6 of `rerank`, on the filled list (pool indices, changed in place); returns the pool
 * indices it moved or inserted and notes on the slots it left alone. Slots are final positions; the
 * fill list lacks the pins, so a slot maps to the fill index `slot − 1 − (pins above it)`, exact
 * whenever the list is long enough for every pin to land at its own position. A candidate taken
 * from beyond the list pushes the list's last item out when the list is full, and must fit under
 * the brand cap counting that departure.
 */
export function explore(e: Exploration): { explored: number[]; notes: string[] } {
  const { pool, list, cap, pinPositions } = e;
  const maxInteractions = e.exploration.maxInteractions ?? 0;
  const explored: number[] = [];
  const notes: string[] = [];
  const at = new Int32Array(pool.length).fill(-1);
  list.forEach((j, i) => (at[j] = i));
  for (const slot of [...e.exploration.positions].sort((a, b) => a - b)) {
    if (pinPositions.includes(slot)) {
      notes.push(`slot ${slot}: pinned`);
      continue;
    }
    const t = slot - 1 - pinPositions.filter((p) => p < slot).length;
    if (t >= list.length) {
      notes.push(`slot ${slot}: beyond the list`);
      continue;
    }
    const full = list.length >= e.slots;
    const tail = list[list.length - 1] as number;
    let chosen = -1;
    for (let j = 0; j < pool.length; j++) {
      if ((pool[j] as RerankCandidate).interactions > maxInteractions) continue;
      const i = at[j] as number;
      if (i >= 0) {
        if (i < t) continue;
        chosen = j;
        break;
      }
      const b = cap.brandId[j] as number;
      const freed = full && b >= 0 && cap.brandId[tail] === b ? 1 : 0;
      if (b >= 0 && (cap.counts[b] as number) - freed >= cap.cap) continue;
      chosen = j;
      break;
    }
    if (chosen < 0) {
      notes.push(`slot ${slot}: no candidate with at most ${maxInteractions} interactions`);
      continue;
    }
    const from = at[chosen] as number;
    if (from === t) continue;
    if (from > t) {
      list.splice(from, 1);
    } else {
      if (full) {
        list.pop();
        at[tail] = -1;
        const b = cap.brandId[tail] as number;
        if (b >= 0) cap.counts[b] = (cap.counts[b] as number) - 1;
        notes.push(`${(pool[tail] as RerankCandidate).itemId} made room`);
      }
      const b = cap.brandId[chosen] as number;
      if (b >= 0) cap.counts[b] = (cap.counts[b] as number) + 1;
    }
    list.splice(t, 0, chosen);
    for (let i = t; i < list.length; i++) at[list[i] as number] = i;
    explored.push(chosen);
  }
  return { explored, notes };
}
