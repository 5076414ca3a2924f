/**
 * Every write of the SQLite store, each one transaction. They run on the writer thread (see
 * writer.ts), or in-process for `:memory:` databases, which a second thread cannot share.
 */
import type { EventRecord, ItemInput, UserInput } from '../../core/schema.js';
import { createdAtOf, itemContent, userContent } from '../records.js';
import type { StoredVector, Triple, UpsertCounts } from '../types.js';
import { TYPE_CODE, type DB } from './database.js';

interface StoredRow {
  content: string;
  created_at: number;
}

function upsertTransaction<T extends { id: string; createdAt?: string }>(
  db: DB,
  table: 'items' | 'users',
  contentOf: (input: T) => string,
  afterWrite: (input: T, created: boolean) => void,
  extra: { columns: string[]; values: (input: T) => unknown[] },
) {
  const select = db.prepare<[string], StoredRow>(`SELECT content, created_at FROM ${table} WHERE id = ?`);
  const columns = ['content', ...extra.columns, 'created_at', 'updated_at'];
  const insert = db.prepare(`INSERT INTO ${table} (id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`);
  const update = db.prepare(`UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
  return db.transaction((rows: readonly T[], now: number): UpsertCounts => {
    const counts = { created: 0, updated: 0, unchanged: 0 };
    for (const input of rows) {
      const content = contentOf(input);
      const existing = select.get(input.id);
      if (!existing) {
        insert.run(input.id, content, ...extra.values(input), createdAtOf(input, now), now);
        afterWrite(input, true);
        counts.created++;
        continue;
      }
      const createdAt = input.createdAt === undefined ? existing.created_at : Date.parse(input.createdAt);
      if (existing.content === content && existing.created_at === createdAt) {
        counts.unchanged++;
        continue;
      }
      update.run(content, ...extra.values(input), createdAt, now, input.id);
      afterWrite(input, false);
      counts.updated++;
    }
    return counts;
  });
}

/**
 * A batch of events as columns: cheaper to pass to the writer thread than an array of objects
 * (strings and typed arrays are cloned without walking per-row property maps).
 */
export interface EventColumns {
  ids: string[];
  users: Array<string | null>;
  sessions: Array<string | null>;
  items: string[];
  types: Uint8Array;
  /** NaN where the event has no value. */
  values: Float64Array;
  timestamps: Float64Array;
  /** JSON of the context, or null. */
  contexts: Array<string | null>;
}

export function eventColumns(events: readonly EventRecord[]): EventColumns {
  const n = events.length;
  const c: EventColumns = {
    ids: new Array<string>(n),
    users: new Array<string | null>(n),
    sessions: new Array<string | null>(n),
    items: new Array<string>(n),
    types: new Uint8Array(n),
    values: new Float64Array(n),
    timestamps: new Float64Array(n),
    contexts: new Array<string | null>(n),
  };
  for (let i = 0; i < n; i++) {
    const e = events[i] as EventRecord;
    c.ids[i] = e.id;
    c.users[i] = e.userId ?? null;
    c.sessions[i] = e.sessionId ?? null;
    c.items[i] = e.itemId;
    c.types[i] = TYPE_CODE.get(e.type) as number;
    c.values[i] = e.value ?? NaN;
    c.timestamps[i] = e.timestamp;
    c.contexts[i] = e.context === undefined ? null : JSON.stringify(e.context);
  }
  return c;
}

export class SqliteWrites {
  readonly upsertItems;
  readonly deleteItems;
  readonly upsertUsers;
  readonly deleteUsers;
  readonly insertEvents;
  readonly insertTriples;
  readonly putVectors;
  readonly deleteVectors;
  readonly dropVectors;

  constructor(db: DB) {
    const deleteCategories = db.prepare('DELETE FROM item_categories WHERE item_id = ?');
    const insertCategory = db.prepare('INSERT OR IGNORE INTO item_categories (category, item_id) VALUES (?, ?)');
    this.upsertItems = upsertTransaction<ItemInput>(
      db,
      'items',
      itemContent,
      (input, created) => {
        if (!created) deleteCategories.run(input.id);
        for (const category of input.categories ?? []) insertCategory.run(category, input.id);
      },
      { columns: ['available'], values: (input) => [input.available === false ? 0 : 1] },
    );

    const deleteItem = db.prepare('DELETE FROM items WHERE id = ?');
    const deleteItemVectors = db.prepare('DELETE FROM item_vectors WHERE item_id = ?');
    this.deleteItems = db.transaction((ids: readonly string[]): number => {
      let deleted = 0;
      for (const id of ids) {
        deleted += deleteItem.run(id).changes;
        deleteCategories.run(id);
        deleteItemVectors.run(id);
      }
      return deleted;
    });

    this.upsertUsers = upsertTransaction<UserInput>(db, 'users', userContent, () => {}, { columns: [], values: () => [] });

    const deleteUser = db.prepare('DELETE FROM users WHERE id = ?');
    const deleteUserEvents = db.prepare('DELETE FROM events WHERE user_id = ?');
    this.deleteUsers = db.transaction((ids: readonly string[]) => {
      let users = 0;
      let events = 0;
      for (const id of ids) {
        users += deleteUser.run(id).changes;
        events += deleteUserEvents.run(id).changes;
      }
      return { users, events };
    });

    const insertEvent = db.prepare(
      `INSERT INTO events (id, user_id, session_id, item_id, type, value, ts, context)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    this.insertEvents = db.transaction((c: EventColumns) => {
      let inserted = 0;
      const n = c.ids.length;
      for (let i = 0; i < n; i++) {
        const value = c.values[i] as number;
        inserted += insertEvent.run(
          c.ids[i],
          c.users[i],
          c.sessions[i],
          c.items[i],
          c.types[i],
          Number.isNaN(value) ? null : value,
          c.timestamps[i],
          c.contexts[i],
        ).changes;
      }
      return { inserted, duplicates: n - inserted };
    });

    const insertTriple = db.prepare('INSERT INTO triples (head, relation, tail, source) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.insertTriples = db.transaction((triples: readonly Triple[], source: string) => {
      let inserted = 0;
      for (const t of triples) inserted += insertTriple.run(t.head, t.relation, t.tail, source).changes;
      return { inserted, duplicates: triples.length - inserted };
    });

    const putVector = db.prepare(
      `INSERT INTO item_vectors (embedder, item_id, text_hash, vector) VALUES (?, ?, ?, ?)
       ON CONFLICT (embedder, item_id) DO UPDATE SET text_hash = excluded.text_hash, vector = excluded.vector`,
    );
    this.putVectors = db.transaction((embedder: string, rows: readonly StoredVector[]) => {
      for (const r of rows) putVector.run(embedder, r.itemId, r.textHash, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
      return rows.length;
    });
    const deleteVector = db.prepare('DELETE FROM item_vectors WHERE embedder = ? AND item_id = ?');
    this.deleteVectors = db.transaction((embedder: string, ids: readonly string[]) => {
      let deleted = 0;
      for (const id of ids) deleted += deleteVector.run(embedder, id).changes;
      return deleted;
    });
    const dropVectors = db.prepare('DELETE FROM item_vectors WHERE embedder = ?');
    this.dropVectors = (embedder: string) => dropVectors.run(embedder).changes;
  }
}

export type WriteOp =
  | 'upsertItems'
  | 'deleteItems'
  | 'upsertUsers'
  | 'deleteUsers'
  | 'insertEvents'
  | 'insertTriples'
  | 'putVectors'
  | 'deleteVectors'
  | 'dropVectors';
