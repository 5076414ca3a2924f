/**
 * The store seam: narrow interfaces that every backend implements and one contract suite
 * (`test/store-contract.test.ts`) checks. Every write method is one transaction: it stores all of
 * its rows or none, and it has reached the durable log before its promise resolves.
 */
import type { Event, EventRecord, EventType, Item, ItemInput, User, UserInput } from '../core/schema.js';

export interface Page<T> {
  data: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface UpsertCounts {
  created: number;
  updated: number;
  /** Rows identical to what was stored: nothing changed, not even `updatedAt`. */
  unchanged: number;
}

export interface ItemListQuery {
  cursor?: string;
  limit: number;
  /** Items whose category path contains this category at any level. */
  category?: string;
  available?: boolean;
}

export interface ItemStore {
  /** Replaces each item whole (an upsert is idempotent); `now` stamps created/updated items. */
  upsert(items: readonly ItemInput[], now: number): Promise<UpsertCounts>;
  get(id: string): Promise<Item | undefined>;
  list(query: ItemListQuery): Promise<Page<Item>>;
  /** Removes the items; returns how many existed. Their events stay as history. */
  delete(ids: readonly string[]): Promise<number>;
  /** Which of these ids are in the catalog. */
  existing(ids: readonly string[]): Promise<Set<string>>;
  /** Which of these ids are in the catalog and available: the ones a recommendation may show. */
  available(ids: readonly string[]): Promise<Set<string>>;
}

export interface UserStore {
  upsert(users: readonly UserInput[], now: number): Promise<UpsertCounts>;
  get(id: string): Promise<User | undefined>;
  list(query: { cursor?: string; limit: number }): Promise<Page<User>>;
  existing(ids: readonly string[]): Promise<Set<string>>;
  /** Removes the users and every event of theirs (a shopper's right to be forgotten). */
  delete(ids: readonly string[]): Promise<{ users: number; events: number }>;
}

export interface EventListQuery {
  cursor?: string;
  limit: number;
  userId?: string;
  sessionId?: string;
  itemId?: string;
  type?: EventType;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  order?: 'asc' | 'desc';
}

export interface EventStore {
  /** Stores each event whose id is new; an id already stored is skipped and counted as duplicate. */
  insert(events: readonly EventRecord[]): Promise<{ inserted: number; duplicates: number }>;
  /** Events in the order they were received (`order: 'desc'` for newest first). */
  list(query: EventListQuery): Promise<Page<Event>>;
  /** Every event in the order received, in batches: how models read the whole log. */
  scan(batchSize?: number): AsyncIterable<EventRecord[]>;
}

export interface Triple {
  head: string;
  relation: string;
  tail: string;
}

/** Knowledge-graph triples imported with a catalog (external entities, item links). */
export interface TripleStore {
  insert(triples: readonly Triple[], source: string): Promise<{ inserted: number; duplicates: number }>;
  list(query: { head?: string; relation?: string; cursor?: string; limit: number }): Promise<Page<Triple>>;
}

/** An item's vector from one embedder, with a hash of the text it was computed from. */
export interface StoredVector {
  itemId: string;
  textHash: string;
  vector: Float32Array;
}

export interface EmbedderVectorCount {
  embedder: string;
  vectors: number;
  dimensions: number;
}

/**
 * Item vectors by embedder id: several embedders' vectors may be stored side by side, and every
 * read names one, so vectors of two models never meet. Deleting an item deletes its vectors.
 */
export interface VectorStore {
  /** Stores or replaces these items' vectors from `embedder` (one transaction). */
  put(embedder: string, rows: readonly StoredVector[]): Promise<number>;
  /**
   * Item id → text hash of the vectors from `embedder` (of these items, or all): what the pipeline
   * compares to re-embed only what changed.
   */
  hashes(embedder: string, ids?: readonly string[]): Promise<Map<string, string>>;
  /** These items' vectors from `embedder` (missing ones are absent from the map). */
  get(embedder: string, ids: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Every vector of `embedder`, in batches. */
  scan(embedder: string, batchSize?: number): AsyncIterable<StoredVector[]>;
  /** Removes these items' vectors from `embedder`. */
  delete(embedder: string, ids: readonly string[]): Promise<number>;
  /** Removes every vector of `embedder` (after a switch to another model). */
  drop(embedder: string): Promise<number>;
  counts(): Promise<EmbedderVectorCount[]>;
}

export interface PopularQuery {
  k: number;
  since?: number;
  until?: number;
  category?: string;
  /** Event types counted; all types with a positive weight when absent. */
  types?: readonly EventType[];
  weights: Readonly<Record<EventType, number>>;
}

export interface PopularItem {
  item: Item;
  score: number;
  events: number;
}

export interface StoreStats {
  backend: string;
  items: { total: number; available: number };
  users: number;
  events: {
    total: number;
    byType: Partial<Record<EventType, number>>;
    distinctUsers: number;
    distinctSessions: number;
    /** Events naming an item the catalog does not hold (yet). */
    unknownItems: number;
    first: string | null;
    last: string | null;
  };
  triples: number;
  bytes: number | null;
}

export interface Store {
  /** `sqlite`, `memory`, ... */
  readonly backend: string;
  readonly items: ItemStore;
  readonly users: UserStore;
  readonly events: EventStore;
  readonly triples: TripleStore;
  readonly vectors: VectorStore;
  /** Most popular available items: weighted event counts over an optional window and category. */
  popular(query: PopularQuery): Promise<PopularItem[]>;
  stats(): Promise<StoreStats>;
  /** True when the store holds no items, users or events. */
  isEmpty(): Promise<boolean>;
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
