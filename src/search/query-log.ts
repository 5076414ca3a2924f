/**
 * The shop's query log: how often each query was searched and found something, and which items
 * its searchers clicked (`search_click` events carry the query). It feeds the click model (items
 * clicked for a query rank higher for it next time) and query suggestions.
 */
import { foldText } from '../text/analyze.js';

export interface LoggedQuery {
  text: string;
  searches: number;
  clicks: number;
}

interface Entry extends LoggedQuery {
  key: string;
  /** Item id → clicks for this query. */
  clicked: Map<string, number>;
}

/** At most this many distinct queries are kept; later new ones are not logged. */
const MAX_QUERIES = 200_000;

export class QueryLog {
  private readonly entries = new Map<string, Entry>();
  private sorted: Entry[] = [];
  private dirty = false;

  /** The form queries are compared in: folded, spaces collapsed. */
  static key(query: string): string {
    return foldText(query).replace(/\s+/gu, ' ').trim();
  }

  /** A search that returned results (zero-result queries are never suggested). */
  recordSearch(query: string): void {
    const entry = this.entry(query);
    if (entry) entry.searches++;
  }

  recordClick(query: string, itemId: string, weight = 1): void {
    const entry = this.entry(query);
    if (!entry) return;
    entry.clicks += weight;
    entry.clicked.set(itemId, (entry.clicked.get(itemId) ?? 0) + weight);
  }

  /** Items clicked after this query, with their click weights. */
  clicksFor(query: string): ReadonlyMap<string, number> | undefined {
    return this.entries.get(QueryLog.key(query))?.clicked;
  }

  /** Logged queries that begin with `prefix`, most used first (a click counts as two searches). */
  suggest(prefix: string, k: number): LoggedQuery[] {
    const key = QueryLog.key(prefix);
    if (key === '') return [];
    if (this.dirty) {
      this.sorted = [...this.entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.dirty = false;
    }
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.sorted[mid] as Entry).key < key) lo = mid + 1;
      else hi = mid;
    }
    const found: Entry[] = [];
    for (let i = lo; i < this.sorted.length && (this.sorted[i] as Entry).key.startsWith(key); i++) found.push(this.sorted[i] as Entry);
    return found
      .sort((a, b) => b.searches + 2 * b.clicks - (a.searches + 2 * a.clicks) || (a.key < b.key ? -1 : 1))
      .slice(0, k)
      .map(({ text, searches, clicks }) => ({ text, searches, clicks }));
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(query: string): Entry | undefined {
    const key = QueryLog.key(query);
    if (key === '') return undefined;
    let entry = this.entries.get(key);
    if (!entry && this.entries.size < MAX_QUERIES) {
      entry = { key, text: key, searches: 0, clicks: 0, clicked: new Map() };
      this.entries.set(key, entry);
      this.dirty = true;
    }
    return entry;
  }
}
