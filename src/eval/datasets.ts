/**
 * Loading a dataset for evaluation: the same importers as `shopfusion import`, into an in-memory
 * store, then the event log as interaction columns and each item's text. Catalog items without
 * events are included, so they take part in full ranking.
 */
import { interactionsFromStore } from '../data/from-store.js';
import type { Interactions } from '../data/interactions.js';
import { itemText } from '../embed/item-text.js';
import type { ImporterOptions } from '../ingest/importers/types.js';
import { runImport } from '../ingest/run-import.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Item } from '../core/schema.js';
import type { Triple } from '../store/types.js';

export interface Dataset {
  interactions: Interactions;
  /** Each dense item's text ('' when the dataset has none). */
  texts: string[];
  /** Each dense item's catalog record (undefined for items only named by events). */
  items: Array<Item | undefined>;
  /** Knowledge-graph triples imported with the dataset (`--kg`, RecBole `.kg`/`.link`). */
  triples: Triple[];
}

export interface LoadOptions extends ImporterOptions {
  /** A RecBole folder with `.kg` and `.link` files whose links name this dataset's item ids. */
  kg?: string;
}

export async function loadDataset(format: string, path: string, options: LoadOptions = {}): Promise<Dataset> {
  const { kg, ...importer } = options;
  const store = new MemoryStore();
  await runImport({ format, path, store, policy: { unknownItems: 'accept' }, ...importer });
  if (kg) await runImport({ format: 'recbole', path: kg, store, policy: { unknownItems: 'accept' } });
  const interactions = await interactionsFromStore(store);
  const texts: string[] = [];
  const items: Array<Item | undefined> = [];
  for (const id of interactions.items.ids) {
    const item = await store.items.get(id);
    items.push(item);
    texts.push(item ? itemText(item) : '');
  }
  const triples: Triple[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.triples.list({ limit: 10_000, cursor });
    triples.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { interactions, texts, items, triples };
}

export async function loadInteractions(format: string, path: string, options: ImporterOptions = {}): Promise<Interactions> {
  return (await loadDataset(format, path, options)).interactions;
}
