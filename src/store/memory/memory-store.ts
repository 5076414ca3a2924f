/**
 * An in-process store for tests and throwaway runs (`memory:`). It keeps the same contract as the
 * durable backends, except durability itself: everything is gone when the process ends.
 */
import type { Event, EventRecord, Item, ItemInput, User, UserInput } from '../../core/schema.js';
import { decodeCursor, encodeCursor, toIso } from '../../core/ids.js';
import { createdAtOf, eventFromRecord, itemContent, itemFromContent, userContent, userFromContent } from '../records.js';
import { popularTypes, rankPopular, type TypeCount } from '../popularity.js';
import type {
  EventListQuery,
  EventStore,
  ItemListQuery,
  ItemStore,
  Page,
  PopularItem,
  PopularQuery,
  Store,
  StoreStats,
  Triple,
  TripleStore,
  StoredVector,
  VectorStore,
  EmbedderVectorCount,
  UpsertCounts,
  UserStore,
} from '../types.js';

interface Row {
  content: string;
  categories: readonly string[];
  available: boolean;
  createdAt: number;
  updatedAt: number;
}

function pageAfter<T>(sorted: T[], limit: number, position: (row: T) => string | number): Page<T> {
  if (sorted.length <= limit) return { data: sorted, nextCursor: null };
  const data = sorted.slice(0, limit);
  return { data, nextCursor: encodeCursor(position(data[data.length - 1] as T)) };
}

function upsertRows<T extends { id: string; createdAt?: string }>(
  rows: Map<string, Row>,
  inputs: readonly T[],
  now: number,
  describe: (input: T) => Omit<Row, 'createdAt' | 'updatedAt'>,
): UpsertCounts {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const staged = new Map<string, Row>();
  for (const input of inputs) {
    const existing = staged.get(input.id) ?? rows.get(input.id);
    const next = describe(input);
    if (!existing) {
      staged.set(input.id, { ...next, createdAt: createdAtOf(input, now), updatedAt: now });
      counts.created++;
      continue;
    }
    const createdAt = input.createdAt === undefined ? existing.createdAt : Date.parse(input.createdAt);
    if (existing.content === next.content && existing.createdAt === createdAt) {
      counts.unchanged++;
      continue;
    }
    staged.set(input.id, { ...next, createdAt, updatedAt: now });
    counts.updated++;
  }
  for (const [id, row] of staged) rows.set(id, row);
  return counts;
}

class MemoryVectors implements VectorStore {
  /** embedder → item id → vector and text hash. */
  readonly byEmbedder = new Map<string, Map<string, { textHash: string; vector: Float32Array }>>();

  async put(embedder: string, rows: readonly StoredVector[]): Promise<number> {
    let stored = this.byEmbedder.get(embedder);
    if (!stored) this.byEmbedder.set(embedder, (stored = new Map()));
    // Copies: the caller may reuse its buffers.
    for (const r of rows) stored.set(r.itemId, { textHash: r.textHash, vector: Float32Array.from(r.vector) });
    return rows.length;
  }

  async hashes(embedder: string, ids?: readonly string[]): Promise<Map<string, string>> {
    const stored = this.byEmbedder.get(embedder) ?? new Map<string, { textHash: string }>();
    const keys = ids ?? [...stored.keys()];
    return new Map(keys.flatMap((id) => (stored.has(id) ? [[id, (stored.get(id) as { textHash: string }).textHash] as const] : [])));
  }

  async get(embedder: string, ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const stored = this.byEmbedder.get(embedder);
    const found = new Map<string, Float32Array>();
    for (const id of ids) {
      const hit = stored?.get(id);
      if (hit) found.set(id, Float32Array.from(hit.vector));
    }
    return found;
  }

  async *scan(embedder: string, batchSize = 5_000): AsyncIterable<StoredVector[]> {
    const rows = [...(this.byEmbedder.get(embedder) ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < rows.length; i += batchSize) {
      yield rows.slice(i, i + batchSize).map(([itemId, v]) => ({ itemId, textHash: v.textHash, vector: Float32Array.from(v.vector) }));
    }
  }

  async delete(embedder: string, ids: readonly string[]): Promise<number> {
    const stored = this.byEmbedder.get(embedder);
    return ids.filter((id) => stored?.delete(id)).length;
  }

  async drop(embedder: string): Promise<number> {
    const n = this.byEmbedder.get(embedder)?.size ?? 0;
    this.byEmbedder.delete(embedder);
    return n;
  }

  async counts(): Promise<EmbedderVectorCount[]> {
    return [...this.byEmbedder]
      .filter(([, rows]) => rows.size > 0)
      .map(([embedder, rows]) => ({ embedder, vectors: rows.size, dimensions: Math.max(...[...rows.values()].map((r) => r.vector.length)) }))
      .sort((a, b) => (a.embedder < b.embedder ? -1 : 1));
  }

  removeItem(id: string): void {
    for (const rows of this.byEmbedder.values()) rows.delete(id);
  }
}

class MemoryItems implements ItemStore {
  constructor(
    readonly rows: Map<string, Row>,
    private readonly vectors: MemoryVectors,
  ) {}

  async upsert(items: readonly ItemInput[], now: number): Promise<UpsertCounts> {
    return upsertRows(this.rows, items, now, (input) => ({
      content: itemContent(input),
      categories: input.categories ?? [],
      available: input.available !== false,
    }));
  }

  async get(id: string): Promise<Item | undefined> {
    const row = this.rows.get(id);
    return row && itemFromContent(id, row.content, row.createdAt, row.updatedAt);
  }

  async list(query: ItemListQuery): Promise<Page<Item>> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 'string');
    const ids = [...this.rows.keys()]
      .filter((id) => {
        const row = this.rows.get(id) as Row;
        if (after !== undefined && !(id > after)) return false;
        if (query.available !== undefined && row.available !== query.available) return false;
        return query.category === undefined || row.categories.includes(query.category);
      })
      .sort()
      .slice(0, query.limit + 1);
    const items = ids.map((id) => {
      const row = this.rows.get(id) as Row;
      return itemFromContent(id, row.content, row.createdAt, row.updatedAt);
    });
    return pageAfter(items, query.limit, (item) => item.id);
  }

  async delete(ids: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const id of ids) {
      if (this.rows.delete(id)) deleted++;
      this.vectors.removeItem(id);
    }
    return deleted;
  }

  async existing(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.rows.has(id)));
  }

  async available(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.rows.get(id)?.available === true));
  }
}

class MemoryEvents implements EventStore {
  readonly log: Array<{ seq: number; record: EventRecord } | undefined> = [];
  readonly ids = new Map<string, number>();

  async insert(events: readonly EventRecord[]): Promise<{ inserted: number; duplicates: number }> {
    let inserted = 0;
    for (const record of events) {
      if (this.ids.has(record.id)) continue;
      const seq = this.log.length + 1;
      this.log.push({ seq, record: structuredClone(record) });
      this.ids.set(record.id, seq);
      inserted++;
    }
    return { inserted, duplicates: events.length - inserted };
  }

  live(): Array<{ seq: number; record: EventRecord }> {
    return this.log.filter((e): e is { seq: number; record: EventRecord } => e !== undefined);
  }

  removeUser(userId: string): number {
    let removed = 0;
    for (let i = 0; i < this.log.length; i++) {
      const entry = this.log[i];
      if (entry && entry.record.userId === userId) {
        this.ids.delete(entry.record.id);
        this.log[i] = undefined;
        removed++;
      }
    }
    return removed;
  }

  async *scan(batchSize = 10_000): AsyncIterable<EventRecord[]> {
    const events = this.live();
    for (let i = 0; i < events.length; i += batchSize) yield events.slice(i, i + batchSize).map((e) => e.record);
  }

  async list(query: EventListQuery): Promise<Page<Event>> {
    const desc = query.order === 'desc';
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 'number');
    const matches = this.live().filter(({ seq, record: r }) => {
      if (cursor !== undefined && (desc ? seq >= cursor : seq <= cursor)) return false;
      if (query.userId !== undefined && r.userId !== query.userId) return false;
      if (query.sessionId !== undefined && r.sessionId !== query.sessionId) return false;
      if (query.itemId !== undefined && r.itemId !== query.itemId) return false;
      if (query.type !== undefined && r.type !== query.type) return false;
      if (query.since !== undefined && r.timestamp < query.since) return false;
      return query.until === undefined || r.timestamp < query.until;
    });
    if (desc) matches.reverse();
    const result = pageAfter(matches.slice(0, query.limit + 1), query.limit, (e) => e.seq);
    return { data: result.data.map((e) => eventFromRecord(e.record)), nextCursor: result.nextCursor };
  }
}

class MemoryUsers implements UserStore {
  constructor(
    readonly rows: Map<string, Row>,
    private readonly events: MemoryEvents,
  ) {}

  async upsert(users: readonly UserInput[], now: number): Promise<UpsertCounts> {
    return upsertRows(this.rows, users, now, (input) => ({ content: userContent(input), categories: [], available: true }));
  }

  async get(id: string): Promise<User | undefined> {
    const row = this.rows.get(id);
    return row && userFromContent(id, row.content, row.createdAt, row.updatedAt);
  }

  async list(query: { cursor?: string; limit: number }): Promise<Page<User>> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 'string');
    const ids = [...this.rows.keys()].filter((id) => after === undefined || id > after).sort().slice(0, query.limit + 1);
    const users = ids.map((id) => {
      const row = this.rows.get(id) as Row;
      return userFromContent(id, row.content, row.createdAt, row.updatedAt);
    });
    return pageAfter(users, query.limit, (u) => u.id);
  }

  async existing(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.rows.has(id)));
  }

  async delete(ids: readonly string[]): Promise<{ users: number; events: number }> {
    let users = 0;
    let events = 0;
    for (const id of ids) {
      if (this.rows.delete(id)) users++;
      events += this.events.removeUser(id);
    }
    return { users, events };
  }
}

class MemoryTriples implements TripleStore {
  readonly rows = new Map<string, Triple>();

  async insert(triples: readonly Triple[]): Promise<{ inserted: number; duplicates: number }> {
    let inserted = 0;
    for (const t of triples) {
      const key = JSON.stringify([t.head, t.relation, t.tail]);
      if (this.rows.has(key)) continue;
      this.rows.set(key, { head: t.head, relation: t.relation, tail: t.tail });
      inserted++;
    }
    return { inserted, duplicates: triples.length - inserted };
  }

  async list(query: { head?: string; relation?: string; cursor?: string; limit: number }): Promise<Page<Triple>> {
    const after = query.cursor === undefined ? undefined : (JSON.parse(decodeCursor(query.cursor, 'string')) as string[]);
    const compare = (a: readonly string[], b: readonly string[]) => {
      for (let i = 0; i < 3; i++) {
        if ((a[i] as string) < (b[i] as string)) return -1;
        if ((a[i] as string) > (b[i] as string)) return 1;
      }
      return 0;
    };
    const key = (t: Triple) => [t.head, t.relation, t.tail];
    const rows = [...this.rows.values()]
      .filter((t) => (query.head === undefined || t.head === query.head) && (query.relation === undefined || t.relation === query.relation))
      .filter((t) => after === undefined || compare(key(t), after) > 0)
      .sort((a, b) => compare(key(a), key(b)))
      .slice(0, query.limit + 1);
    return pageAfter(rows, query.limit, (t) => JSON.stringify(key(t)));
  }
}

export class MemoryStore implements Store {
  readonly backend = 'memory';
  readonly vectors = new MemoryVectors();
  readonly items = new MemoryItems(new Map(), this.vectors);
  readonly events = new MemoryEvents();
  readonly users = new MemoryUsers(new Map(), this.events);
  readonly triples = new MemoryTriples();

  async popular(query: PopularQuery): Promise<PopularItem[]> {
    const types = new Set(popularTypes(query));
    const counts = new Map<string, TypeCount>();
    for (const { record: r } of this.events.live()) {
      if (!types.has(r.type)) continue;
      if (query.since !== undefined && r.timestamp < query.since) continue;
      if (query.until !== undefined && r.timestamp >= query.until) continue;
      const row = this.items.rows.get(r.itemId);
      if (!row || !row.available) continue;
      if (query.category !== undefined && !row.categories.includes(query.category)) continue;
      const key = `${r.itemId}\u0000${r.type}`;
      const entry = counts.get(key) ?? { itemId: r.itemId, type: r.type, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    const out: PopularItem[] = [];
    for (const r of rankPopular([...counts.values()], query)) {
      const item = await this.items.get(r.itemId);
      if (item) out.push({ item, score: r.score, events: r.events });
    }
    return out;
  }

  async stats(): Promise<StoreStats> {
    const events = this.events.live().map((e) => e.record);
    const byType: StoreStats['events']['byType'] = {};
    for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
    let first = Infinity;
    let last = -Infinity;
    for (const e of events) {
      if (e.timestamp < first) first = e.timestamp;
      if (e.timestamp > last) last = e.timestamp;
    }
    const itemRows = [...this.items.rows.values()];
    return {
      backend: this.backend,
      items: { total: itemRows.length, available: itemRows.filter((r) => r.available).length },
      users: this.users.rows.size,
      events: {
        total: events.length,
        byType,
        distinctUsers: new Set(events.filter((e) => e.userId !== undefined).map((e) => e.userId)).size,
        distinctSessions: new Set(events.filter((e) => e.sessionId !== undefined).map((e) => e.sessionId)).size,
        unknownItems: events.filter((e) => !this.items.rows.has(e.itemId)).length,
        first: events.length ? toIso(first) : null,
        last: events.length ? toIso(last) : null,
      },
      triples: this.triples.rows.size,
      bytes: null,
    };
  }

  async isEmpty(): Promise<boolean> {
    return this.items.rows.size === 0 && this.users.rows.size === 0 && this.events.ids.size === 0;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
