/**
 * The embedding pipeline over a store: every catalog item's text through the configured
 * embedder, vectors persisted with the embedder id and a hash of the text, and only what changed
 * re-embedded. Vectors of another embedder are never read back under this one's id, so switching
 * models re-embeds everything under the new id and never mixes the two.
 */
import { createHash } from 'node:crypto';
import type { Item } from '../core/schema.js';
import type { Store, StoredVector } from '../store/types.js';
import { itemText } from './item-text.js';
import { embedAll, type EmbedAllOptions } from './pipeline.js';
import type { EmbedderSpec } from './providers.js';
import type { Embedder } from './types.js';

/** sha256 of the text, shortened: equal hashes mean the stored vector is still the text's. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export interface SyncReport {
  embedder: string;
  items: number;
  embedded: number;
  unchanged: number;
  /** Items without text, or whose text the embedder refused: they have no vector. */
  withoutVector: number;
  /** Vectors removed because their item's text is gone. */
  removed: number;
  seconds: number;
  refused: Array<{ itemId: string; reason: string }>;
}

export interface SyncOptions extends Pick<EmbedAllOptions, 'threads' | 'progress' | 'signal' | 'pool'> {
  /** Vectors written per store transaction (default 1,000). */
  writeBatch?: number;
}

async function* catalog(store: Store): AsyncIterable<Item> {
  let cursor: string | undefined;
  do {
    const page = await store.items.list({ limit: 1000, cursor });
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Brings the store's vectors from `embedder` up to date with the catalog's text. */
export async function syncItemVectors(store: Store, spec: EmbedderSpec, embedder: Embedder, options: SyncOptions = {}): Promise<SyncReport> {
  const started = performance.now();
  const stored = await store.vectors.hashes(embedder.id);
  const todo: Array<{ itemId: string; text: string; hash: string }> = [];
  const stale: string[] = [];
  let items = 0;
  let unchanged = 0;
  let withoutText = 0;
  for await (const item of catalog(store)) {
    items++;
    const text = itemText(item);
    if (text.trim() === '') {
      withoutText++;
      if (stored.has(item.id)) stale.push(item.id);
      continue;
    }
    const hash = textHash(text);
    if (stored.get(item.id) === hash) unchanged++;
    else todo.push({ itemId: item.id, text, hash });
  }
  const refused: SyncReport['refused'] = [];
  if (todo.length > 0) {
    const result = await embedAll(
      spec,
      todo.map((t) => t.text),
      { ...options, embedder },
    );
    const d = result.dimensions;
    const batch = options.writeBatch ?? 1_000;
    let rows: StoredVector[] = [];
    for (let i = 0; i < todo.length; i++) {
      const t = todo[i] as (typeof todo)[number];
      const error = result.errors[i];
      if (error) {
        refused.push({ itemId: t.itemId, reason: error });
        if (stored.has(t.itemId)) stale.push(t.itemId);
        continue;
      }
      rows.push({ itemId: t.itemId, textHash: t.hash, vector: result.vectors.subarray(i * d, (i + 1) * d) });
      if (rows.length >= batch) {
        await store.vectors.put(embedder.id, rows);
        rows = [];
      }
    }
    if (rows.length > 0) await store.vectors.put(embedder.id, rows);
  }
  const removed = stale.length > 0 ? await store.vectors.delete(embedder.id, stale) : 0;
  return {
    embedder: embedder.id,
    items,
    embedded: todo.length - refused.length,
    unchanged,
    withoutVector: withoutText + refused.length,
    removed,
    seconds: (performance.now() - started) / 1000,
    refused,
  };
}
