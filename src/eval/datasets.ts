/**
 * Loading a dataset for evaluation: the same importers as `shopfusion import`, into an in-memory
 * store, then the event log as interaction columns. Catalog items without events are included,
 * so they take part in full ranking.
 */
import { interactionsFromStore } from '../data/from-store.js';
import type { Interactions } from '../data/interactions.js';
import type { ImporterOptions } from '../ingest/importers/types.js';
import { runImport } from '../ingest/run-import.js';
import { MemoryStore } from '../store/memory/memory-store.js';

export async function loadInteractions(format: string, path: string, options: ImporterOptions = {}): Promise<Interactions> {
  const store = new MemoryStore();
  await runImport({ format, path, store, policy: { unknownItems: 'accept' }, ...options });
  return interactionsFromStore(store);
}
