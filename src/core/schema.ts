/**
 * The domain model: one TypeBox schema per entity, the single source for TypeScript types, request
 * validation (Ajv) and the OpenAPI document. Limits here are the ones the API documents.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const LIMITS = {
  idLength: 256,
  titleLength: 2_000,
  descriptionLength: 100_000,
  categoryDepth: 16,
  nameLength: 200,
  attributeCount: 100,
  attributeKeyLength: 128,
  attributeValueLength: 1_000,
  attributeListLength: 100,
  tagCount: 100,
  urlLength: 2_048,
  queryLength: 1_000,
  /** Events may not claim to come from further in the future than this (clock skew). */
  futureSkewMs: 24 * 3_600_000,
} as const;

export const EVENT_TYPES = [
  'view',
  'click',
  'add_to_cart',
  'purchase',
  'rating',
  'like',
  'dislike',
  'search_click',
  'impression',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** No control characters: ids travel in URLs, logs and CSV files. */
const NO_CONTROL_CHARS = '^[^\\u0000-\\u001f\\u007f]+$';

export const Id = Type.String({
  minLength: 1,
  maxLength: LIMITS.idLength,
  pattern: NO_CONTROL_CHARS,
  description: 'Any non-empty string without control characters, at most 256 characters.',
  'x-expected': 'a string without control characters',
});

/** `x-expected` words the validation message: "must be <x-expected>". */
const Timestamp = Type.String({
  format: 'date-time',
  description: 'ISO 8601 date-time, e.g. 2026-11-29T10:00:00Z.',
  'x-expected': 'an ISO 8601 date-time with a time zone, e.g. 2026-11-29T10:00:00Z',
});

const AttributeValue = Type.Union(
  [
    Type.String({ maxLength: LIMITS.attributeValueLength }),
    Type.Number(),
    Type.Boolean(),
    Type.Array(Type.String({ maxLength: LIMITS.attributeValueLength }), { maxItems: LIMITS.attributeListLength }),
  ],
  { 'x-expected': `a string (at most ${LIMITS.attributeValueLength} characters), a finite number, a boolean or a list of strings` },
);

export const Attributes = Type.Record(Type.String({ minLength: 1, maxLength: LIMITS.attributeKeyLength }), AttributeValue, {
  maxProperties: LIMITS.attributeCount,
  // `__proto__` would become an object's prototype instead of a key on the way through JavaScript.
  propertyNames: { minLength: 1, maxLength: LIMITS.attributeKeyLength, not: { const: '__proto__' } },
  description: 'Free attributes: string, number, boolean or list of strings per key (colour, material, size, ...).',
});
export type Attributes = Static<typeof Attributes>;

const itemFields = {
  id: Id,
  title: Type.Optional(Type.String({ maxLength: LIMITS.titleLength })),
  description: Type.Optional(Type.String({ maxLength: LIMITS.descriptionLength })),
  categories: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.nameLength }), {
      maxItems: LIMITS.categoryDepth,
      description: 'One category path from the root down, e.g. ["Beauty", "Skin Care", "Face"].',
    }),
  ),
  brand: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.nameLength })),
  price: Type.Optional(Type.Number({ minimum: 0 })),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR.', 'x-expected': 'a three-letter ISO 4217 code such as EUR' })),
  attributes: Type.Optional(Attributes),
  tags: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.nameLength }), { maxItems: LIMITS.tagCount }),
  ),
  imageUrl: Type.Optional(
    Type.String({
      maxLength: LIMITS.urlLength,
      pattern: '^https?://[^\\s]+$',
      description: 'http(s) URL.',
      'x-expected': 'an http:// or https:// URL without spaces',
    }),
  ),
  available: Type.Optional(Type.Boolean({ description: 'false hides the item from every recommendation list.' })),
  createdAt: Type.Optional(Timestamp),
};

/** What a client sends. An upsert replaces the whole item; `createdAt` defaults to first sight. */
export const ItemInput = Type.Object(itemFields, { additionalProperties: false, title: 'ItemInput' });
export type ItemInput = Static<typeof ItemInput>;

/** What the store holds and the API returns. */
export const Item = Type.Object(
  {
    ...itemFields,
    available: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false, title: 'Item' },
);
export type Item = Static<typeof Item>;

const userFields = {
  id: Id,
  attributes: Type.Optional(Attributes),
  createdAt: Type.Optional(Timestamp),
};

export const UserInput = Type.Object(userFields, { additionalProperties: false, title: 'UserInput' });
export type UserInput = Static<typeof UserInput>;

export const User = Type.Object(
  { ...userFields, createdAt: Timestamp, updatedAt: Timestamp },
  { additionalProperties: false, title: 'User' },
);
export type User = Static<typeof User>;

export const EventContext = Type.Object(
  {
    recommId: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.idLength })),
    query: Type.Optional(Type.String({ maxLength: LIMITS.queryLength })),
    position: Type.Optional(Type.Integer({ minimum: 0 })),
    placement: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.nameLength })),
    page: Type.Optional(Type.String({ maxLength: LIMITS.urlLength })),
  },
  { additionalProperties: false, description: 'Where the event happened: the recommendation or search behind it.' },
);
export type EventContext = Static<typeof EventContext>;

const eventFields = {
  id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: LIMITS.idLength,
      pattern: NO_CONTROL_CHARS,
      description:
        'Idempotency key. Without one, an event with a timestamp gets an id derived from its content (a retry is ' +
        'stored once); an event with neither id nor timestamp is stored each time it is sent.',
      'x-expected': 'a string without control characters',
    }),
  ),
  userId: Type.Optional(Id),
  sessionId: Type.Optional(Id),
  itemId: Id,
  type: Type.Unsafe<EventType>({ type: 'string', enum: [...EVENT_TYPES], description: 'The kind of behaviour.' }),
  value: Type.Optional(Type.Number({ description: 'The rating for `rating` events; a weight otherwise.' })),
  timestamp: Type.Optional(
    Type.Union([Timestamp, Type.Integer({ minimum: 0, description: 'Unix epoch milliseconds.' })], {
      description: 'When it happened: ISO 8601 or epoch milliseconds. Defaults to the time of receipt.',
      'x-expected': 'an ISO 8601 date-time (2026-11-29T10:00:00Z) or Unix epoch milliseconds',
    }),
  ),
  context: Type.Optional(EventContext),
};

export const EventInput = Type.Object(eventFields, {
  additionalProperties: false,
  title: 'EventInput',
  description: 'A behaviour event. It needs userId or sessionId (or both); rating events need a value.',
  anyOf: [{ required: ['userId'] }, { required: ['sessionId'] }],
  if: { properties: { type: { const: 'rating' } } },
  then: { required: ['value'] },
});
export type EventInput = Static<typeof EventInput>;

/** A stored event: id resolved, timestamp in ISO form. */
export const Event = Type.Object(
  {
    ...eventFields,
    id: Type.String(),
    timestamp: Timestamp,
  },
  { additionalProperties: false, title: 'Event' },
);
export type Event = Static<typeof Event>;

/** The normalised form the stores write (epoch milliseconds, id resolved). */
export interface EventRecord {
  id: string;
  userId?: string;
  sessionId?: string;
  itemId: string;
  type: EventType;
  value?: number;
  timestamp: number;
  context?: EventContext;
}

export function batchOf<T extends TSchema>(field: string, row: T, maxItems: number) {
  return Type.Object({ [field]: Type.Array(row, { maxItems }) }, { additionalProperties: false });
}
