/**
 * Test fixture for the graph: a tiny shoe shop whose every edge can be worked out by hand, with
 * one case of each kind of bad input the build report covers.
 */
import type { EventRecord, EventType, ItemInput } from '../core/schema.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Triple, TripleStore } from '../store/types.js';

export const SHOP_ITEMS: ItemInput[] = [
  { id: 'p1', title: 'Red Shoe', brand: 'Acme', categories: ['Shoes', 'Running'], attributes: { color: 'red', sizes: ['42', '43', '42'] } },
  { id: 'p2', title: 'Blue Shoe', brand: 'Acme', categories: ['Shoes', 'Running'], attributes: { color: 'blue' } },
  { id: 'p3', title: 'Trail Shoe', brand: 'Zeta', categories: ['Shoes', 'Trail'], attributes: { color: 'red' } },
  { id: 'p4', title: 'Wool Sock', brand: 'Zeta', categories: ['Accessories', 'Socks'], attributes: { material: 'wool' } },
  // A category path that loops back to its root, an attribute key outside [a-z0-9_.:/-], a long value.
  {
    id: 'p5',
    title: 'Cap',
    brand: 'Acme',
    categories: ['Accessories', 'Hats', 'Accessories'],
    attributes: { 'Größe': 'L', note: 'x'.repeat(200) },
    available: false,
  },
  { id: 'p6', title: 'Rare Jacket', brand: 'Nova', categories: ['Outerwear'] },
];

let seq = 0;
function event(userId: string | undefined, sessionId: string | undefined, itemId: string, type: EventType): EventRecord {
  seq++;
  return { id: `e${seq}`, userId, sessionId, itemId, type, timestamp: 1_700_000_000_000 + seq * 1000 };
}

export function shopEvents(): EventRecord[] {
  seq = 0;
  return [
    event('u1', 's1', 'p1', 'purchase'),
    event('u1', 's1', 'p2', 'view'),
    event('u1', 's1', 'p3', 'view'),
    event('u2', 's2', 'p1', 'purchase'),
    event('u2', 's2', 'p4', 'purchase'),
    event('u2', 's2', 'p1', 'view'),
    event('u2', 's2', 'p2', 'view'),
    event('u3', undefined, 'p2', 'view'),
    event('u3', undefined, 'p3', 'view'),
    event(undefined, 's9', 'p2', 'view'),
    event(undefined, 's9', 'p4', 'view'),
    event('u1', 's1', 'p6', 'impression'),
  ];
}

export const SHOP_TRIPLES: Triple[] = [
  { head: 'item:p1', relation: 'same_as', tail: 'm.1' },
  { head: 'item:p6', relation: 'same_as', tail: 'm.6' },
  { head: 'm.1', relation: 'designed_by', tail: 'm.designer' },
  { head: 'm.6', relation: 'designed_by', tail: 'm.designer' },
  // Duplicate of the one above once the relation name is normalised.
  { head: 'm.6', relation: ' Designed  By ', tail: 'm.designer' },
  // Duplicate once m.1 resolves to item p1.
  { head: 'item:p1', relation: 'designed_by', tail: 'm.designer' },
  // Self-loop once m.1 resolves to item p1.
  { head: 'm.1', relation: 'remake_of', tail: 'item:p1' },
  { head: 'm.2', relation: 'bad relation!', tail: 'm.3' },
  { head: 'm.2', relation: 'interacted', tail: 'm.3' },
  { head: 'item:ghost', relation: 'made_of', tail: 'm.leather' },
  { head: 'm.designer', relation: 'born_in', tail: 'm.city' },
];

export async function shopStore(options: { items?: ItemInput[]; events?: EventRecord[]; triples?: Triple[] } = {}): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.items.upsert(options.items ?? SHOP_ITEMS, 1_700_000_000_000);
  await store.events.insert(options.events ?? shopEvents());
  const triples: TripleStore = store.triples;
  await triples.insert(options.triples ?? SHOP_TRIPLES, 'test');
  return store;
}
