/** Popularity scoring shared by the backends: weighted event counts, ties broken by id. */
import { EVENT_TYPES, type EventType } from '../core/schema.js';
import type { PopularQuery } from './types.js';

/** The event types a popularity query counts: the ones asked for, else every positive weight. */
export function popularTypes(query: PopularQuery): EventType[] {
  const types = query.types ?? EVENT_TYPES.filter((t) => query.weights[t] > 0);
  return types.filter((t) => query.weights[t] !== 0);
}

export interface TypeCount {
  itemId: string;
  type: EventType;
  count: number;
}

/** Sums `weight(type) · count` per item and returns the best `k` with a positive score. */
export function rankPopular(counts: readonly TypeCount[], query: PopularQuery): Array<{ itemId: string; score: number; events: number }> {
  const totals = new Map<string, { score: number; events: number }>();
  for (const c of counts) {
    const entry = totals.get(c.itemId) ?? { score: 0, events: 0 };
    entry.score += query.weights[c.type] * c.count;
    entry.events += c.count;
    totals.set(c.itemId, entry);
  }
  return [...totals]
    .filter(([, t]) => t.score > 0)
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, query.k)
    .map(([itemId, t]) => ({ itemId, score: t.score, events: t.events }));
}
