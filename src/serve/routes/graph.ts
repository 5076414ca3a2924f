/** The knowledge graph's routes: its status, a rebuild, explanation paths, an entity's neighbours. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import type { GraphIndex } from '../../recall/graph-index.js';
import type { RouteContext } from '../context.js';
import { errorResponses, NoQuery } from './common.js';

const Entity = Type.Object({ key: Type.String(), label: Type.String(), kind: Type.String() });

export const ExplanationSchema = Type.Object({
  sentence: Type.String({ description: 'The path in words: "You bought X; X and Y share the brand Z."' }),
  score: Type.Number({ description: 'Product of the hops\' normalised weights, discounted by the connecting entity\'s degree.' }),
  path: Type.Array(Entity, { description: 'The user first, the recommended item last.' }),
  relations: Type.Array(Type.Object({ relation: Type.String(), inverse: Type.Boolean() }), {
    description: 'Hop i goes from path[i] to path[i + 1] along the relation, tail → head when inverse.',
  }),
});

const PathsQuery = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 256, description: 'A user id.' }),
    item: Type.String({ minLength: 1, maxLength: 256, description: 'An item id.' }),
    limit: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
  },
  { additionalProperties: false },
);

const PathsResponse = Type.Object({ user: Type.String(), item: Type.String(), paths: Type.Array(ExplanationSchema) });

const EntityParams = Type.Object({
  entity: Type.String({ minLength: 1, maxLength: 4096, description: 'An entity key, percent-encoded: item:sku-1, brand:Acme, attr:color=red.' }),
});

const NeighborsQuery = Type.Object(
  {
    relation: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this relation.' })),
    inverse: Type.Optional(Type.Boolean({ description: 'Only edges into the entity (true) or out of it (false).' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Neighbours per group.' }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'Skip this many of each group.' }),
  },
  { additionalProperties: false },
);

const NeighborsResponse = Type.Object({
  key: Type.String(),
  label: Type.String(),
  kind: Type.String(),
  degree: Type.Integer(),
  groups: Type.Array(
    Type.Object({
      relation: Type.String(),
      inverse: Type.Boolean(),
      total: Type.Integer(),
      neighbors: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), kind: Type.String(), weight: Type.Number() })),
      nextOffset: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
});

const Counts = Type.Record(Type.String(), Type.Unknown());

export const GraphStatusSchema = Type.Object({
  state: Type.String({ description: 'building | ready | failed; a graph already built keeps serving during a rebuild.' }),
  generation: Type.Integer({ description: 'Builds completed since the server started.' }),
  progress: Type.Union([Type.Object({ step: Type.String(), done: Type.Integer(), total: Type.Integer() }), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  builtAt: Type.Union([Type.String(), Type.Null()]),
  nodes: Type.Integer(),
  edges: Type.Integer(),
  entities: Type.Union([Type.Record(Type.String(), Type.Integer()), Type.Null()]),
  relations: Type.Array(Type.Object({ name: Type.String(), origin: Type.String(), edges: Type.Integer() })),
  walk: Type.Object({
    alpha: Type.Number(),
    relations: Type.Array(Type.String()),
    ignoredRelations: Type.Array(Type.String()),
    refreshSeconds: Type.Number(),
    degreePenalty: Type.Number(),
    compiledVersion: Type.Integer(),
    stale: Type.Boolean(),
    refreshes: Type.Integer(),
    lastRefreshMs: Type.Union([Type.Number(), Type.Null()]),
  }),
  updates: Type.Object({
    items: Type.Integer(),
    events: Type.Integer(),
    skippedEvents: Type.Integer({ description: 'Events left out because the batch repeated stored events the graph could not place.' }),
    failed: Type.Integer({ description: 'Updates that failed (logged); a rebuild repairs them.' }),
    deletedItems: Type.Integer(),
    deletedUsers: Type.Integer(),
  }),
  needsRebuild: Type.Boolean(),
  build: Type.Union([
    Type.Object({ catalog: Counts, events: Counts, triples: Counts, issues: Counts, ms: Type.Number(), bytes: Type.Integer() }),
    Type.Null(),
  ]),
});

/** The live graph, or a clear error when the configuration turned it off. */
export function requireGraph(graph: GraphIndex | undefined): GraphIndex {
  if (!graph) throw new ShopfusionError('not_configured', 'the knowledge graph is off: set graph.enabled to true');
  return graph;
}

export function graphRoutes({ store, graph }: RouteContext) {
  return async (app: FastifyInstance) => {
    app.get(
      '/graph',
      {
        config: { access: 'read' },
        schema: {
          tags: ['graph'],
          summary: 'The knowledge graph: build state and progress, entity and edge counts, the walk, the build report.',
          querystring: NoQuery,
          response: { 200: GraphStatusSchema, ...errorResponses },
        },
      },
      async () => requireGraph(graph).status(),
    );

    app.post<{ Querystring: { wait?: boolean } }>(
      '/graph/rebuild',
      {
        config: { access: 'write' },
        schema: {
          tags: ['graph'],
          summary: 'Build the graph again from the store (after a bulk import, or when GET /graph says needsRebuild).',
          description: 'Answers 202 at once with the status, or with `wait=true` 200 once the new graph serves. The current graph serves meanwhile.',
          querystring: Type.Object({ wait: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { 200: GraphStatusSchema, 202: GraphStatusSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const index = requireGraph(graph);
        const run = index.rebuild();
        if (request.query.wait) return run;
        run.catch(() => {});
        return reply.code(202).send(index.status());
      },
    );

    app.get<{ Querystring: Static<typeof PathsQuery> }>(
      '/graph/paths',
      {
        config: { access: 'read' },
        schema: {
          tags: ['graph'],
          summary: 'Why this item for this user: the best paths of at most three hops from the user to the item.',
          description:
            'Each path lists its entities and relations and says itself in a sentence. An empty list when no path of three hops ' +
            'or fewer joins them. Paths never pass through another user.',
          querystring: PathsQuery,
          response: { 200: PathsResponse, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request) => {
        const index = requireGraph(graph);
        const { user, item, limit } = request.query;
        const [users, items, events] = await Promise.all([
          store.users.existing([user]),
          store.items.existing([item]),
          store.events.list({ userId: user, limit: 1 }),
        ]);
        if (users.size === 0 && events.data.length === 0) {
          throw new ShopfusionError('user_not_found', `no user has id ${JSON.stringify(user)} (neither a user record nor an event)`);
        }
        if (items.size === 0) throw new ShopfusionError('item_not_found', `no item has id ${JSON.stringify(item)}`);
        return { user, item, paths: index.explain(user, item, limit) };
      },
    );

    app.get<{ Params: Static<typeof EntityParams>; Querystring: Static<typeof NeighborsQuery> }>(
      '/graph/neighbors/:entity',
      {
        config: { access: 'read' },
        schema: {
          tags: ['graph'],
          summary: "An entity's neighbours, grouped by relation and direction, strongest first, a page per group.",
          description:
            'The entity is a key `<kind>:<id>` (kinds: item, user, brand, category, attr, ent), percent-encoded in the path: ' +
            '`/graph/neighbors/brand%3AAcme`. A malformed key or an unknown relation is a 400, a key no entity has a 404 `entity_not_found`.',
          params: EntityParams,
          querystring: NeighborsQuery,
          response: { 200: NeighborsResponse, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request) => requireGraph(graph).neighbors(request.params.entity, request.query),
    );
  };
}
