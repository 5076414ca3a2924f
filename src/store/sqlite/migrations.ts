/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Append only:
 * a released migration is never edited.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE items (
    id TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    available INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE item_categories (
    category TEXT NOT NULL,
    item_id TEXT NOT NULL,
    PRIMARY KEY (category, item_id)
  ) WITHOUT ROWID;
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE events (
    -- AUTOINCREMENT: a seq is never reused after deletes, so event cursors never skip rows.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    user_id TEXT,
    session_id TEXT,
    item_id TEXT NOT NULL,
    type INTEGER NOT NULL,
    value REAL,
    ts INTEGER NOT NULL,
    context TEXT
  );
  CREATE UNIQUE INDEX events_id ON events (id);
  CREATE INDEX events_user ON events (user_id) WHERE user_id IS NOT NULL;
  CREATE INDEX events_session ON events (session_id) WHERE session_id IS NOT NULL;
  CREATE INDEX events_item ON events (item_id);
  CREATE TABLE triples (
    head TEXT NOT NULL,
    relation TEXT NOT NULL,
    tail TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (head, relation, tail)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE item_vectors (
    embedder TEXT NOT NULL,
    item_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, item_id)
  ) WITHOUT ROWID;
  CREATE INDEX item_vectors_item ON item_vectors (item_id);
  `,
];
