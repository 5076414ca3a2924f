/** Conversions shared by every backend, so all of them store and return the same shapes. */
import type { Attributes, Event, EventRecord, Item, ItemInput, User, UserInput } from '../core/schema.js';
import { toIso } from '../core/ids.js';

function sortedAttributes(attributes: Attributes | undefined): Attributes | undefined {
  if (!attributes) return undefined;
  const out: Attributes = {};
  for (const key of Object.keys(attributes).sort()) out[key] = attributes[key] as Attributes[string];
  return out;
}

/**
 * The content of an item in a fixed key order, without server-managed fields: two upserts of the
 * same item give the same text, which is how an upsert that changes nothing is recognised.
 */
export function itemContent(input: ItemInput): string {
  return JSON.stringify({
    title: input.title,
    description: input.description,
    categories: input.categories,
    brand: input.brand,
    price: input.price,
    currency: input.currency,
    attributes: sortedAttributes(input.attributes),
    tags: input.tags,
    imageUrl: input.imageUrl,
    available: input.available ?? true,
  });
}

export function itemFromContent(id: string, content: string, createdAt: number, updatedAt: number): Item {
  const parsed = JSON.parse(content) as Omit<Item, 'id' | 'createdAt' | 'updatedAt'>;
  return { id, ...parsed, createdAt: toIso(createdAt), updatedAt: toIso(updatedAt) };
}

export function userContent(input: UserInput): string {
  return JSON.stringify({ attributes: sortedAttributes(input.attributes) });
}

export function userFromContent(id: string, content: string, createdAt: number, updatedAt: number): User {
  const parsed = JSON.parse(content) as Pick<User, 'attributes'>;
  return { id, ...parsed, createdAt: toIso(createdAt), updatedAt: toIso(updatedAt) };
}

/** A client-supplied `createdAt`, else the first time the server saw the row. */
export function createdAtOf(input: { createdAt?: string }, now: number): number {
  return input.createdAt === undefined ? now : Date.parse(input.createdAt);
}

export function eventFromRecord(r: EventRecord): Event {
  const e: Event = { id: r.id, itemId: r.itemId, type: r.type, timestamp: toIso(r.timestamp) };
  if (r.userId !== undefined) e.userId = r.userId;
  if (r.sessionId !== undefined) e.sessionId = r.sessionId;
  if (r.value !== undefined) e.value = r.value;
  if (r.context !== undefined) e.context = r.context;
  return e;
}
