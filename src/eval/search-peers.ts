/**
 * Peer search engines for side-by-side evaluation and benchmarks: MiniSearch and Orama with their
 * default settings over the same titles. Both are development dependencies, loaded on demand.
 */

export interface PeerEngine {
  name: string;
  /** Ids of the best `k` titles for a query. */
  search(query: string, k: number): Promise<string[]>;
  /** Every id the engine returns for a query, with its score (for reranking a judged set). */
  scores(query: string, limit: number): Promise<Map<string, number>>;
}

export async function miniSearchPeer(ids: readonly string[], titles: readonly string[], options: object = {}): Promise<PeerEngine> {
  const { default: MiniSearch } = await import('minisearch');
  const engine = new MiniSearch<{ id: string; title: string }>({ fields: ['title'] });
  engine.addAll(ids.map((id, i) => ({ id, title: titles[i] ?? '' })));
  return {
    name: 'minisearch',
    search: async (query, k) => engine.search(query, options).slice(0, k).map((h) => String(h.id)),
    scores: async (query) => new Map(engine.search(query, options).map((h) => [String(h.id), h.score])),
  };
}

export async function oramaPeer(ids: readonly string[], titles: readonly string[]): Promise<PeerEngine> {
  const { create, insertMultiple, search } = await import('@orama/orama');
  const db = create({ schema: { pid: 'string', title: 'string' } as const });
  await insertMultiple(
    db,
    ids.map((pid, i) => ({ pid, title: titles[i] ?? '' })),
  );
  const run = async (term: string, limit: number) => {
    const result = await search(db, { term, limit, properties: ['title'] });
    return result.hits.map((h) => ({ id: String(h.document.pid), score: h.score }));
  };
  return {
    name: 'orama',
    search: async (query, k) => (await run(query, k)).map((h) => h.id),
    scores: async (query, limit) => new Map((await run(query, limit)).map((h) => [h.id, h.score])),
  };
}

/**
 * SQLite FTS5 (through better-sqlite3, in memory) with the porter stemmer, ranked by its bm25():
 * the embedded alternative to our own index. A query is its words OR-ed, each quoted.
 */
export async function fts5Peer(ids: readonly string[], titles: readonly string[]): Promise<PeerEngine & { close(): void }> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE t USING fts5(pid UNINDEXED, title, tokenize = 'porter unicode61')");
  const insert = db.prepare('INSERT INTO t (pid, title) VALUES (?, ?)');
  db.transaction(() => ids.forEach((id, i) => insert.run(id, titles[i] ?? '')))();
  const select = db.prepare('SELECT pid, bm25(t) AS score FROM t WHERE t MATCH ? ORDER BY score LIMIT ?');
  const run = (query: string, limit: number): Array<{ id: string; score: number }> => {
    const words = query.match(/[\p{L}\p{N}]+/gu) ?? [];
    if (words.length === 0) return [];
    const rows = select.all(words.map((w) => `"${w}"`).join(' OR '), limit) as Array<{ pid: string; score: number }>;
    // bm25() is lower for better matches.
    return rows.map((r) => ({ id: r.pid, score: -r.score }));
  };
  return {
    name: 'fts5',
    search: async (query, k) => run(query, k).map((h) => h.id),
    scores: async (query, limit) => new Map(run(query, limit).map((h) => [h.id, h.score])),
    close: () => db.close(),
  };
}
