/**
 * Item content for training from the store: each item's text, and vectors from the store's
 * `item_vectors` (embedding first whatever changed since they were stored), so that a model
 * trained for serving reads the same vectors the semantic index serves.
 */
import type { ItemContent, ItemVectors } from '../models/types.js';
import type { Store } from '../store/types.js';
import { syncItemVectors } from './item-embeddings.js';
import { itemText } from './item-text.js';
import { createEmbedder, type EmbedderSpec } from './providers.js';

export async function contentFromStore(store: Store, itemIds: readonly string[], options: { threads?: number; log?: (line: string) => void } = {}): Promise<ItemContent> {
  const position = new Map(itemIds.map((id, i) => [id, i]));
  const texts = new Array<string>(itemIds.length).fill('');
  let cursor: string | undefined;
  do {
    const page = await store.items.list({ limit: 1000, cursor });
    for (const item of page.data) {
      const at = position.get(item.id);
      if (at !== undefined) texts[at] = itemText(item);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const cache = new Map<string, Promise<ItemVectors>>();
  const load = async (provider: string): Promise<ItemVectors> => {
    const spec = { provider } as EmbedderSpec;
    const embedder = await createEmbedder(spec);
    const report = await syncItemVectors(store, spec, embedder, { threads: options.threads });
    options.log?.(`  ${report.embedder}: ${report.embedded} items embedded, ${report.unchanged} unchanged`);
    const d = embedder.dimensions;
    const data = new Float32Array(itemIds.length * d);
    const present = new Uint8Array(itemIds.length);
    for (const [id, vector] of await store.vectors.get(embedder.id, itemIds)) {
      const at = position.get(id) as number;
      data.set(vector, at * d);
      present[at] = 1;
    }
    await embedder.close?.();
    return { embedderId: embedder.id, dimensions: d, data, present };
  };
  return {
    texts,
    vectors(provider: string) {
      let vectors = cache.get(provider);
      if (!vectors) cache.set(provider, (vectors = load(provider)));
      return vectors;
    },
  };
}
