/**
 * The live semantic index of a shop: the configured embedder, every item's vector from the store
 * under that embedder's id, and an ANN index over them. It embeds the catalog at start (only what
 * changed since the vectors were stored), then keeps up with the catalog as it changes: an item
 * upserted through the API is embedded and searchable moment later, which is what lets a new
 * item be recommended before anybody has seen it.
 */
import { createVectorIndex, type VectorIndex } from '../ann/vector-index.js';
import type { ItemInput } from '../core/schema.js';
import { IdMap } from '../data/id-map.js';
import { itemText } from '../embed/item-text.js';
import { syncItemVectors, textHash, type SyncReport } from '../embed/item-embeddings.js';
import { EmbedPool, embedAll } from '../embed/pipeline.js';
import { runsLocally, type EmbedderSpec } from '../embed/providers.js';
import type { Embedder } from '../embed/types.js';
import type { Store } from '../store/types.js';

export interface SemanticStatus {
  embedder: string;
  dimensions: number;
  /** `embedding`: the catalog is being embedded; the index answers from what it has. */
  state: 'starting' | 'embedding' | 'ready' | 'failed';
  /** Items in the index (those with a vector). */
  indexed: number;
  progress: { done: number; total: number } | null;
  lastSync: SyncReport | null;
  error: string | null;
}

export interface ScoredItem {
  itemId: string;
  score: number;
}

export class SemanticIndex {
  private readonly ids = new IdMap();
  private index: VectorIndex;
  private state: SemanticStatus['state'] = 'starting';
  private progress: SemanticStatus['progress'] = null;
  private lastSync: SyncReport | null = null;
  private error: string | null = null;
  /** Item upserts are embedded one batch at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private running: Promise<unknown> = Promise.resolve();
  /** Threads that embed for this index (local providers): the event loop never runs the model. */
  private readonly pool: EmbedPool | undefined;

  constructor(
    readonly embedder: Embedder,
    private readonly spec: EmbedderSpec,
    private readonly store: Store,
    private readonly options: { threads?: number } = {},
  ) {
    this.index = createVectorIndex(embedder.dimensions, 0);
    this.pool = runsLocally(spec) ? new EmbedPool(spec, options.threads ?? 2) : undefined;
  }

  /** Embeds what changed in the catalog, then rebuilds the index from the store's vectors. */
  sync(): Promise<SyncReport> {
    // One sync at a time: a second one runs after the first and sees what it wrote.
    const run = this.running.then(() => this.runSync());
    this.running = run.catch(() => {});
    return run;
  }

  private async runSync(): Promise<SyncReport> {
    this.state = 'embedding';
    this.error = null;
    try {
      const report = await syncItemVectors(this.store, this.spec, this.embedder, {
        threads: this.options.threads,
        pool: this.pool,
        signal: this.abort.signal,
        progress: (done, total) => (this.progress = { done, total }),
      });
      await this.rebuild();
      this.lastSync = report;
      this.state = 'ready';
      return report;
    } catch (error) {
      this.state = 'failed';
      this.error = (error as Error).message;
      throw error;
    } finally {
      this.progress = null;
    }
  }

  /** Loads every stored vector of this embedder (and only this one) into a fresh index. */
  async rebuild(): Promise<void> {
    const counts = await this.store.vectors.counts();
    const expected = counts.find((c) => c.embedder === this.embedder.id)?.vectors ?? 0;
    const next = createVectorIndex(this.embedder.dimensions, expected);
    for await (const batch of this.store.vectors.scan(this.embedder.id)) {
      const keys = Int32Array.from(batch, (r) => this.ids.add(r.itemId));
      const data = new Float32Array(batch.length * this.embedder.dimensions);
      batch.forEach((r, i) => data.set(r.vector, i * this.embedder.dimensions));
      next.add(keys, data);
    }
    this.index = next;
  }

  /**
   * Embeds upserted items whose text changed and puts them in the store and the index; items
   * whose text is gone leave the index. Runs behind earlier calls; resolves when done.
   */
  itemsChanged(items: readonly ItemInput[]): Promise<void> {
    const run = async () => {
      const ids = items.map((i) => i.id);
      const hashes = await this.store.vectors.hashes(this.embedder.id, ids);
      const todo = items.map((item) => ({ item, text: itemText(item) })).filter(({ item, text }) => text.trim() === '' || hashes.get(item.id) !== textHash(text));
      const gone = todo.filter((t) => t.text.trim() === '').map((t) => t.item.id);
      const changed = todo.filter((t) => t.text.trim() !== '');
      if (changed.length) {
        const { vectors, errors } = await embedAll(
          this.spec,
          changed.map((t) => t.text),
          { embedder: this.embedder, pool: this.pool },
        );
        const d = this.embedder.dimensions;
        const rows = changed.flatMap((t, i) =>
          errors[i] === null ? [{ itemId: t.item.id, textHash: textHash(t.text), vector: vectors.subarray(i * d, (i + 1) * d) }] : [],
        );
        await this.store.vectors.put(this.embedder.id, rows);
        if (rows.length) {
          const data = new Float32Array(rows.length * d);
          rows.forEach((r, i) => data.set(r.vector, i * d));
          this.index.add(Int32Array.from(rows, (r) => this.ids.add(r.itemId)), data);
        }
        gone.push(...changed.filter((_, i) => errors[i] !== null).map((t) => t.item.id));
      }
      if (gone.length) {
        await this.store.vectors.delete(this.embedder.id, gone);
        this.removeFromIndex(gone);
      }
    };
    const next = this.queue.then(run);
    // A failure is reported to this caller; later batches still run.
    this.queue = next.catch(() => {});
    return next;
  }

  /** Deleted items leave the index (the store drops their vectors with them). */
  itemsDeleted(ids: readonly string[]): void {
    this.removeFromIndex(ids);
  }

  private removeFromIndex(ids: readonly string[]): void {
    const keys = ids.flatMap((id) => {
      const key = this.ids.get(id);
      return key === undefined ? [] : [key];
    });
    if (keys.length) this.index.remove(keys);
  }

  /** The indexed vector of an item, or undefined when it has none. */
  vectorOf(itemId: string): Float32Array | undefined {
    const key = this.ids.get(itemId);
    return key === undefined ? undefined : this.index.vector(key);
  }

  /** The k items nearest to `query` by cosine, skipping ids `skip` rejects. */
  search(query: Float32Array, k: number, skip?: (itemId: string) => boolean): ScoredItem[] {
    const found = this.index.search(query, k, skip ? (key) => !skip(this.ids.ids[key] as string) : undefined);
    return Array.from(found.keys, (key, i) => ({ itemId: this.ids.ids[key] as string, score: found.scores[i] as number }));
  }

  /** Stops a sync in progress and waits for pending work; the store may close after this. */
  async close(): Promise<void> {
    this.abort.abort(new Error('the semantic index is closing'));
    await Promise.all([this.running, this.queue]);
    await this.pool?.close();
    await this.embedder.close?.();
  }

  status(): SemanticStatus {
    return {
      embedder: this.embedder.id,
      dimensions: this.embedder.dimensions,
      state: this.state,
      indexed: this.index.size,
      progress: this.progress,
      lastSync: this.lastSync,
      error: this.error,
    };
  }
}
