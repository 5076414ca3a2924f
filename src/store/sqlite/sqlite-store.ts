/**
 * The embedded default store: one SQLite file through better-sqlite3, in WAL mode with
 * `synchronous = FULL`, so a committed transaction is on disk before any write is acknowledged.
 * Each write method is a single transaction (all rows or none).
 */
import { statSync } from 'node:fs';
import { EVENT_TYPES, type Event, type EventRecord, type EventType, type Item, type ItemInput, type User, type UserInput } from '../../core/schema.js';
import { decodeCursor, encodeCursor, toIso } from '../../core/ids.js';
import { itemFromContent, userFromContent } from '../records.js';
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
import { popularTypes, rankPopular } from '../popularity.js';
import { TYPE_CODE, chunks, migrate, openDatabase, type DB } from './database.js';
import { inProcessWriter, threadWriter, type Writer } from './writer.js';
import { eventColumns } from './sqlite-writes.js';

function page<T>(rows: T[], limit: number, position: (row: T) => string | number): Page<T> {
  if (rows.length <= limit) return { data: rows, nextCursor: null };
  const data = rows.slice(0, limit);
  return { data, nextCursor: encodeCursor(position(data[data.length - 1] as T)) };
}

function existingIds(db: DB, table: 'items' | 'users', ids: readonly string[], onlyAvailable = false): Set<string> {
  const found = new Set<string>();
  for (const part of chunks([...new Set(ids)])) {
    const sql = `SELECT id FROM ${table} WHERE ${onlyAvailable ? 'available = 1 AND ' : ''}id IN (${part.map(() => '?').join(',')})`;
    for (const row of db.prepare<string[], { id: string }>(sql).all(...part)) found.add(row.id);
  }
  return found;
}

interface ItemRow {
  id: string;
  content: string;
  created_at: number;
  updated_at: number;
}

interface EventRow {
  seq: number;
  id: string;
  user_id: string | null;
  session_id: string | null;
  item_id: string;
  type: number;
  value: number | null;
  ts: number;
  context: string | null;
}

function recordFromRow(r: EventRow): EventRecord {
  const e: EventRecord = { id: r.id, itemId: r.item_id, type: EVENT_TYPES[r.type] as EventType, timestamp: r.ts };
  if (r.user_id !== null) e.userId = r.user_id;
  if (r.session_id !== null) e.sessionId = r.session_id;
  if (r.value !== null) e.value = r.value;
  if (r.context !== null) e.context = JSON.parse(r.context) as EventRecord['context'];
  return e;
}

function eventFromRow(r: EventRow): Event {
  const e: Event = { id: r.id, itemId: r.item_id, type: EVENT_TYPES[r.type] as EventType, timestamp: toIso(r.ts) };
  if (r.user_id !== null) e.userId = r.user_id;
  if (r.session_id !== null) e.sessionId = r.session_id;
  if (r.value !== null) e.value = r.value;
  if (r.context !== null) e.context = JSON.parse(r.context) as Event['context'];
  return e;
}

class SqliteItems implements ItemStore {
  private readonly select;

  constructor(
    private readonly db: DB,
    private readonly writer: Writer,
  ) {
    this.select = db.prepare<[string], ItemRow>('SELECT id, content, created_at, updated_at FROM items WHERE id = ?');
  }

  async upsert(items: readonly ItemInput[], now: number): Promise<UpsertCounts> {
    return this.writer.call('upsertItems', items, now);
  }

  async get(id: string): Promise<Item | undefined> {
    const row = this.select.get(id);
    return row && itemFromContent(row.id, row.content, row.created_at, row.updated_at);
  }

  async list(query: ItemListQuery): Promise<Page<Item>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.cursor !== undefined) {
      where.push('id > ?');
      params.push(decodeCursor(query.cursor, 'string'));
    }
    if (query.available !== undefined) {
      where.push('available = ?');
      params.push(query.available ? 1 : 0);
    }
    if (query.category !== undefined) {
      where.push('id IN (SELECT item_id FROM item_categories WHERE category = ?)');
      params.push(query.category);
    }
    const sql = `SELECT id, content, created_at, updated_at FROM items ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    const rows = this.db.prepare<unknown[], ItemRow>(sql).all(...params, query.limit + 1);
    const items = rows.map((r) => itemFromContent(r.id, r.content, r.created_at, r.updated_at));
    return page(items, query.limit, (item) => item.id);
  }

  async delete(ids: readonly string[]): Promise<number> {
    return this.writer.call('deleteItems', ids);
  }

  async existing(ids: readonly string[]): Promise<Set<string>> {
    return existingIds(this.db, 'items', ids);
  }

  async available(ids: readonly string[]): Promise<Set<string>> {
    return existingIds(this.db, 'items', ids, true);
  }
}

class SqliteUsers implements UserStore {
  private readonly select;

  constructor(
    private readonly db: DB,
    private readonly writer: Writer,
  ) {
    this.select = db.prepare<[string], ItemRow>('SELECT id, content, created_at, updated_at FROM users WHERE id = ?');
  }

  async upsert(users: readonly UserInput[], now: number): Promise<UpsertCounts> {
    return this.writer.call('upsertUsers', users, now);
  }

  async get(id: string): Promise<User | undefined> {
    const row = this.select.get(id);
    return row && userFromContent(row.id, row.content, row.created_at, row.updated_at);
  }

  async list(query: { cursor?: string; limit: number }): Promise<Page<User>> {
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor, 'string');
    const rows = this.db
      .prepare<unknown[], ItemRow>(
        `SELECT id, content, created_at, updated_at FROM users ${after === null ? '' : 'WHERE id > ?'} ORDER BY id LIMIT ?`,
      )
      .all(...(after === null ? [] : [after]), query.limit + 1);
    const users = rows.map((r) => userFromContent(r.id, r.content, r.created_at, r.updated_at));
    return page(users, query.limit, (u) => u.id);
  }

  async delete(ids: readonly string[]): Promise<{ users: number; events: number }> {
    return this.writer.call('deleteUsers', ids);
  }

  async existing(ids: readonly string[]): Promise<Set<string>> {
    return existingIds(this.db, 'users', ids);
  }
}

class SqliteEvents implements EventStore {
  constructor(
    private readonly db: DB,
    private readonly writer: Writer,
  ) {}

  async insert(events: readonly EventRecord[]): Promise<{ inserted: number; duplicates: number }> {
    return this.writer.call('insertEvents', eventColumns(events));
  }

  async *scan(batchSize = 10_000): AsyncIterable<EventRecord[]> {
    const select = this.db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    let after = 0;
    for (;;) {
      const rows = select.all(after, batchSize);
      if (rows.length === 0) return;
      after = (rows[rows.length - 1] as EventRow).seq;
      yield rows.map(recordFromRow);
    }
  }

  async list(query: EventListQuery): Promise<Page<Event>> {
    const desc = query.order === 'desc';
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (query.cursor !== undefined) add(desc ? 'seq < ?' : 'seq > ?', decodeCursor(query.cursor, 'number'));
    if (query.userId !== undefined) add('user_id = ?', query.userId);
    if (query.sessionId !== undefined) add('session_id = ?', query.sessionId);
    if (query.itemId !== undefined) add('item_id = ?', query.itemId);
    if (query.type !== undefined) add('type = ?', TYPE_CODE.get(query.type));
    if (query.since !== undefined) add('ts >= ?', query.since);
    if (query.until !== undefined) add('ts < ?', query.until);
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.db.prepare<unknown[], EventRow>(sql).all(...params, query.limit + 1);
    const result = page(rows, query.limit, (r) => r.seq);
    return { data: result.data.map(eventFromRow), nextCursor: result.nextCursor };
  }
}

class SqliteTriples implements TripleStore {
  constructor(
    private readonly db: DB,
    private readonly writer: Writer,
  ) {}

  async insert(triples: readonly Triple[], source: string): Promise<{ inserted: number; duplicates: number }> {
    return this.writer.call('insertTriples', triples, source);
  }

  async list(query: { head?: string; relation?: string; cursor?: string; limit: number }): Promise<Page<Triple>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.cursor !== undefined) {
      const after = JSON.parse(decodeCursor(query.cursor, 'string')) as [string, string, string];
      where.push('(head, relation, tail) > (?, ?, ?)');
      params.push(...after);
    }
    if (query.head !== undefined) {
      where.push('head = ?');
      params.push(query.head);
    }
    if (query.relation !== undefined) {
      where.push('relation = ?');
      params.push(query.relation);
    }
    const sql = `SELECT head, relation, tail FROM triples ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY head, relation, tail LIMIT ?`;
    const rows = this.db.prepare<unknown[], Triple>(sql).all(...params, query.limit + 1);
    return page(rows, query.limit, (t) => JSON.stringify([t.head, t.relation, t.tail]));
  }
}

/** A stored BLOB as a vector with its own aligned buffer (a Buffer's offset may not be 4-aligned). */
function vectorFromBlob(blob: Buffer): Float32Array {
  const v = new Float32Array(blob.byteLength / 4);
  new Uint8Array(v.buffer).set(blob);
  return v;
}

class SqliteVectors implements VectorStore {
  constructor(
    private readonly db: DB,
    private readonly writer: Writer,
  ) {}

  put(embedder: string, rows: readonly StoredVector[]): Promise<number> {
    return this.writer.call('putVectors', embedder, rows);
  }

  delete(embedder: string, ids: readonly string[]): Promise<number> {
    return this.writer.call('deleteVectors', embedder, ids);
  }

  drop(embedder: string): Promise<number> {
    return this.writer.call('dropVectors', embedder);
  }

  async hashes(embedder: string, ids?: readonly string[]): Promise<Map<string, string>> {
    if (ids === undefined) {
      const rows = this.db
        .prepare<[string], { item_id: string; text_hash: string }>('SELECT item_id, text_hash FROM item_vectors WHERE embedder = ?')
        .all(embedder);
      return new Map(rows.map((r) => [r.item_id, r.text_hash]));
    }
    const found = new Map<string, string>();
    for (const part of chunks([...new Set(ids)])) {
      const sql = `SELECT item_id, text_hash FROM item_vectors WHERE embedder = ? AND item_id IN (${part.map(() => '?').join(',')})`;
      for (const r of this.db.prepare<string[], { item_id: string; text_hash: string }>(sql).all(embedder, ...part)) found.set(r.item_id, r.text_hash);
    }
    return found;
  }

  async get(embedder: string, ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    for (const part of chunks([...new Set(ids)])) {
      const sql = `SELECT item_id, vector FROM item_vectors WHERE embedder = ? AND item_id IN (${part.map(() => '?').join(',')})`;
      for (const r of this.db.prepare<string[], { item_id: string; vector: Buffer }>(sql).all(embedder, ...part)) found.set(r.item_id, vectorFromBlob(r.vector));
    }
    return found;
  }

  async *scan(embedder: string, batchSize = 5_000): AsyncIterable<StoredVector[]> {
    const select = this.db.prepare<[string, string, number], { item_id: string; text_hash: string; vector: Buffer }>(
      'SELECT item_id, text_hash, vector FROM item_vectors WHERE embedder = ? AND item_id > ? ORDER BY item_id LIMIT ?',
    );
    let after = '';
    for (;;) {
      const rows = select.all(embedder, after, batchSize);
      if (rows.length === 0) return;
      yield rows.map((r) => ({ itemId: r.item_id, textHash: r.text_hash, vector: vectorFromBlob(r.vector) }));
      after = (rows[rows.length - 1] as { item_id: string }).item_id;
    }
  }

  async counts(): Promise<EmbedderVectorCount[]> {
    return this.db
      .prepare<[], EmbedderVectorCount>(
        'SELECT embedder, COUNT(*) AS vectors, MAX(LENGTH(vector)) / 4 AS dimensions FROM item_vectors GROUP BY embedder ORDER BY embedder',
      )
      .all();
  }
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  readonly items: SqliteItems;
  readonly users: SqliteUsers;
  readonly events: SqliteEvents;
  readonly triples: SqliteTriples;
  readonly vectors: SqliteVectors;
  private readonly db: DB;
  private readonly writer: Writer;

  /** Reads run on this thread's connection; writes go to the writer (its own thread for files). */
  constructor(private readonly file: string) {
    this.db = openDatabase(file);
    try {
      migrate(this.db, file);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.writer = file === ':memory:' ? inProcessWriter(this.db) : threadWriter(file);
    this.items = new SqliteItems(this.db, this.writer);
    this.users = new SqliteUsers(this.db, this.writer);
    this.events = new SqliteEvents(this.db, this.writer);
    this.triples = new SqliteTriples(this.db, this.writer);
    this.vectors = new SqliteVectors(this.db, this.writer);
  }

  async popular(query: PopularQuery): Promise<PopularItem[]> {
    const types = popularTypes(query);
    if (types.length === 0) return [];
    const where = [`e.type IN (${types.map((t) => TYPE_CODE.get(t)).join(',')})`, 'i.available = 1'];
    const params: unknown[] = [];
    if (query.since !== undefined) {
      where.push('e.ts >= ?');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push('e.ts < ?');
      params.push(query.until);
    }
    if (query.category !== undefined) {
      where.push('e.item_id IN (SELECT item_id FROM item_categories WHERE category = ?)');
      params.push(query.category);
    }
    const counts = this.db
      .prepare<unknown[], { item_id: string; type: number; n: number }>(
        `SELECT e.item_id, e.type, COUNT(*) AS n FROM events e JOIN items i ON i.id = e.item_id
         WHERE ${where.join(' AND ')} GROUP BY e.item_id, e.type`,
      )
      .all(...params);
    const ranked = rankPopular(
      counts.map((c) => ({ itemId: c.item_id, type: EVENT_TYPES[c.type] as EventType, count: c.n })),
      query,
    );
    const out: PopularItem[] = [];
    for (const r of ranked) {
      const item = await this.items.get(r.itemId);
      if (item) out.push({ item, score: r.score, events: r.events });
    }
    return out;
  }

  async stats(): Promise<StoreStats> {
    const one = <T>(sql: string): T => this.db.prepare<[], T>(sql).get() as T;
    const items = one<{ total: number; available: number | null }>(
      'SELECT COUNT(*) AS total, SUM(available) AS available FROM items',
    );
    const byType: StoreStats['events']['byType'] = {};
    let total = 0;
    for (const row of this.db.prepare<[], { type: number; n: number }>('SELECT type, COUNT(*) AS n FROM events GROUP BY type').all()) {
      byType[EVENT_TYPES[row.type] as EventType] = row.n;
      total += row.n;
    }
    const span = one<{ first: number | null; last: number | null }>('SELECT MIN(ts) AS first, MAX(ts) AS last FROM events');
    let bytes: number | null = null;
    if (this.file !== ':memory:') {
      bytes = 0;
      for (const suffix of ['', '-wal']) {
        try {
          bytes += statSync(this.file + suffix).size;
        } catch {
          // no WAL file right after a checkpoint
        }
      }
    }
    return {
      backend: this.backend,
      items: { total: items.total, available: items.available ?? 0 },
      users: one<{ n: number }>('SELECT COUNT(*) AS n FROM users').n,
      events: {
        total,
        byType,
        distinctUsers: one<{ n: number }>('SELECT COUNT(DISTINCT user_id) AS n FROM events').n,
        distinctSessions: one<{ n: number }>('SELECT COUNT(DISTINCT session_id) AS n FROM events').n,
        unknownItems: one<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE item_id NOT IN (SELECT id FROM items)').n,
        first: span.first === null ? null : toIso(span.first),
        last: span.last === null ? null : toIso(span.last),
      },
      triples: one<{ n: number }>('SELECT COUNT(*) AS n FROM triples').n,
      bytes,
    };
  }

  async isEmpty(): Promise<boolean> {
    const row = this.db
      .prepare<[], { n: number }>(
        'SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM items LIMIT 1)) + (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1)) + (SELECT COUNT(*) FROM (SELECT 1 FROM events LIMIT 1)) AS n',
      )
      .get();
    return (row?.n ?? 0) === 0;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
    await this.writer.ping();
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}
