/**
 * A store's whole event log as interaction columns, with every catalog item registered so that
 * items nobody interacted with yet still take part in ranking. Training and evaluation both read
 * their data this way.
 */
import type { Store } from '../store/types.js';
import { InteractionsBuilder, type Interactions } from './interactions.js';

export async function interactionsFromStore(store: Store): Promise<Interactions> {
  const builder = new InteractionsBuilder();
  for await (const batch of store.events.scan()) for (const e of batch) builder.add(e);
  let cursor: string | undefined;
  do {
    const page = await store.items.list({ limit: 1000, cursor });
    for (const item of page.data) builder.addItem(item.id);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return builder.build();
}
