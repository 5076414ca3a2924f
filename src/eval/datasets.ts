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

export interface Dataset {
  interactions: Interactions;
  /** Each dense item's text ('' when the dataset has none). */
  texts: string[];
}

export async function loadDataset(format: string, path: string, options: ImporterOptions = {}): Promise<Dataset> {
  const store = new MemoryStore();
  await runImport({ format, path, store, policy: { unknownItems: 'accept' }, ...options });
  const interactions = await interactionsFromStore(store);
  const texts: string[] = [];
  for (const id of interactions.items.ids) {
    const item = await store.items.get(id);
    texts.push(item ? itemText(item) : '');
  }
  return { interactions, texts };
}

export async function loadInteractions(format: string, path: string, options: ImporterOptions = {}): Promise<Interactions> {
  return (await loadDataset(format, path, options)).interactions;
}
