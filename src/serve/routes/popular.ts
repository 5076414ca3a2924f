/** Most-popular items and store statistics. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import { parseDuration, toIso } from '../../core/ids.js';
import { EVENT_TYPES, Item, type EventType } from '../../core/schema.js';
import type { RouteContext } from '../context.js';
import { SemanticStatusSchema } from './embedding.js';
import { GraphStatusSchema } from './graph.js';
import { errorResponses, NoQuery } from './common.js';

const PopularQuery = Type.Object(
  {
    k: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    window: Type.Optional(Type.String({ description: 'Only events of the last 30m, 24h, 7d, 2w, ...' })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    category: Type.Optional(Type.String({ minLength: 1 })),
    types: Type.Optional(
      Type.String({ description: `Comma-separated event types to count (default: all with a positive weight): ${EVENT_TYPES.join(', ')}.` }),
    ),
  },
  { additionalProperties: false },
);

const PopularResponse = Type.Object({
  data: Type.Array(Type.Object({ item: Item, score: Type.Number(), events: Type.Integer() })),
  since: Type.Union([Type.String(), Type.Null()]),
  until: Type.Union([Type.String(), Type.Null()]),
});

const Count = Type.Integer();
const StatsResponse = Type.Object({
  backend: Type.String(),
  items: Type.Object({ total: Count, available: Count }),
  users: Count,
  events: Type.Object({
    total: Count,
    byType: Type.Record(Type.String(), Count),
    distinctUsers: Count,
    distinctSessions: Count,
    unknownItems: Count,
    first: Type.Union([Type.String(), Type.Null()]),
    last: Type.Union([Type.String(), Type.Null()]),
  }),
  triples: Count,
  bytes: Type.Union([Type.Integer(), Type.Null()]),
  embedding: Type.Union([SemanticStatusSchema, Type.Null()], { description: 'The semantic index; null when embedding.provider is none.' }),
  graph: Type.Union([GraphStatusSchema, Type.Null()], { description: 'The knowledge graph; null when graph.enabled is false.' }),
  vectors: Type.Array(Type.Object({ embedder: Type.String(), vectors: Count, dimensions: Count }), {
    description: 'Item vectors in the store, by embedder.',
  }),
});

function parseTypes(text: string): EventType[] {
  const types = text.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0 || types.length === 0) {
    const message = `must be a comma-separated list of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(text)}`;
    throw new ShopfusionError('validation_failed', `query.types: ${message}`, { details: [{ path: 'query.types', message }] });
  }
  return types as EventType[];
}

export function popularRoutes({ store, config, semantic, graph }: RouteContext) {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: Static<typeof PopularQuery> }>(
      '/popular',
      {
        config: { access: 'read' },
        schema: {
          tags: ['recommendations'],
          summary: 'Most popular available items, by weighted event counts.',
          description:
            'Score = sum over events of the weight of their type (events.weights in the config). `window` counts ' +
            'only recent events; `since`/`until` set an explicit range. Unavailable and deleted items never appear.',
          querystring: PopularQuery,
          response: { 200: PopularResponse, ...errorResponses },
        },
      },
      async (request) => {
        const q = request.query;
        if (q.window !== undefined && q.since !== undefined) {
          const message = 'give either window or since, not both';
          throw new ShopfusionError('validation_failed', `query.window: ${message}`, { details: [{ path: 'query.window', message }] });
        }
        const until = q.until === undefined ? undefined : Date.parse(q.until);
        const since =
          q.window !== undefined ? (until ?? Date.now()) - parseDuration(q.window, 'query.window') : q.since === undefined ? undefined : Date.parse(q.since);
        const data = await store.popular({
          k: q.k,
          since,
          until,
          category: q.category,
          types: q.types === undefined ? undefined : parseTypes(q.types),
          weights: config.events.weights,
        });
        return { data, since: since === undefined ? null : toIso(since), until: until === undefined ? null : toIso(until) };
      },
    );

    app.get(
      '/stats',
      {
        config: { access: 'read' },
        schema: { tags: ['stats'], summary: 'Counts of items, users, events, triples and vectors; the state of the semantic index.', querystring: NoQuery, response: { 200: StatsResponse, ...errorResponses } },
      },
      async () => ({ ...(await store.stats()), embedding: semantic?.status() ?? null, graph: graph?.status() ?? null, vectors: await store.vectors.counts() }),
    );
  };
}
