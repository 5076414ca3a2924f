/**
 * Entity keys, relation names and category paths of the knowledge graph: how a catalog value
 * becomes a stable string key, and which names are accepted.
 */
import { EVENT_TYPES, type EventType } from '../core/schema.js';

export const ENTITY_KINDS = ['item', 'user', 'brand', 'category', 'attr', 'ent'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** The separator of a category path inside its key: `category:Beauty > Skin Care`. */
export const CATEGORY_SEPARATOR = ' > ';

/** Relations built from the catalog and the events (triples may not use the event-derived ones). */
export const RELATIONS = {
  madeBy: 'made_by',
  inCategory: 'in_category',
  subcategoryOf: 'subcategory_of',
  interacted: 'interacted',
  boughtTogether: 'bought_together',
  viewedTogether: 'viewed_together',
  /** An item ↔ external-entity link (`.link` files): merges the entity into the item, no edge. */
  sameAs: 'same_as',
} as const;

/** Relations whose weights come from events: a triple naming one would corrupt them. */
export const RESERVED_RELATIONS: ReadonlySet<string> = new Set([RELATIONS.interacted, RELATIONS.boughtTogether, RELATIONS.viewedTogether]);

const RELATION_NAME = /^[a-z0-9_.:/-]+$/;
export const MAX_RELATION_NAME = 128;

/** Lower case, trimmed, inner runs of white space → `_`. */
export function normaliseRelation(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '_');
}

/** The normalised relation name, or undefined when it is not `[a-z0-9_.:/-]+` (at most 128 characters). */
export function validRelation(name: string): string | undefined {
  const normal = normaliseRelation(name);
  return normal.length > 0 && normal.length <= MAX_RELATION_NAME && RELATION_NAME.test(normal) ? normal : undefined;
}

/** Trimmed, inner white space collapsed to one space. */
export function cleanName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

export const KIND_PREFIX: Readonly<Record<EntityKind, string>> = {
  item: 'item:',
  user: 'user:',
  brand: 'brand:',
  category: 'category:',
  attr: 'attr:',
  ent: 'ent:',
};

export function itemKey(id: string): string {
  return `item:${id}`;
}

export function userKey(id: string): string {
  return `user:${id}`;
}

/** The kind a key's prefix names, or undefined for a bare external id. */
export function kindOfKey(key: string): EntityKind | undefined {
  const colon = key.indexOf(':');
  if (colon <= 0) return undefined;
  const prefix = key.slice(0, colon);
  return (ENTITY_KINDS as readonly string[]).includes(prefix) ? (prefix as EntityKind) : undefined;
}

export interface CategoryPath {
  /** The names kept, root first. */
  names: string[];
  /** True when the path repeated a name (["A", "B", "A"]) and was cut before the repeat. */
  cycle: boolean;
}

/**
 * A category path cleaned (names trimmed, empty ones dropped) and cut before the first name that
 * repeats an ancestor: ["A", "B", "A"] would make A its own grandparent, so the item goes to A > B.
 */
export function categoryPath(categories: readonly string[]): CategoryPath {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const raw of categories) {
    const name = cleanName(raw);
    if (!name) continue;
    if (seen.has(name)) return { names, cycle: true };
    seen.add(name);
    names.push(name);
  }
  return { names, cycle: false };
}

/** The readable part of a relation name: `film.film.actor` → `actor`, `has_colour` → `colour`. */
export function relationNoun(relation: string): string {
  const last = relation.split(/[.:/]/).pop() ?? relation;
  return last.replace(/^has_/, '').replace(/_/g, ' ');
}

/** Empty, white space, or a kind prefix with nothing after it (`item:`). */
export function blank(raw: string): boolean {
  return raw.trim() === '' || (kindOfKey(raw) !== undefined && raw.slice(raw.indexOf(':') + 1).trim() === '');
}

/** The label an entity named only by its key gets: the key without its prefix (`key: value` for attributes). */
export function labelOfKey(key: string, kind: EntityKind): string {
  const rest = key.slice(key.indexOf(':') + 1);
  if (kind === 'attr') {
    const eq = rest.indexOf('=');
    return eq < 0 ? rest : `${rest.slice(0, eq)}: ${rest.slice(eq + 1)}`;
  }
  return rest;
}

/** One bit per event type in an `interacted` edge's tags. */
export const EVENT_BIT = Object.fromEntries(EVENT_TYPES.map((t, i) => [t, 1 << i])) as Record<EventType, number>;

/** The event types set in an `interacted` edge's tag bits. */
export function eventTypesOf(tag: number): EventType[] {
  return EVENT_TYPES.filter((t) => (tag & EVENT_BIT[t]) !== 0);
}
