/** Recommendations from trained models: for a user, similar to an item; the loaded models. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import type { RouteContext } from '../context.js';
import { errorResponses, IdParams, NoQuery } from './common.js';
import { requireSemantic } from './embedding.js';
import { ExplanationSchema, requireGraph } from './graph.js';
import { GraphPprChannel } from '../../recall/graph-channel.js';
import { ModelChannel } from '../../recall/model-channel.js';
import type { RecallChannel, RecallContext } from '../../recall/types.js';
import { VectorSimilarItems, VectorUserProfile } from '../../recall/vector-channels.js';

/** Explanations cost a bounded path search per item: at most this many items per request. */
const MAX_EXPLAINED = 100;

const queryFields = (channels: string[]) => ({
  model: Type.Optional(Type.String({ minLength: 1, description: 'A trained model (default: models.default).' })),
  channel: Type.Optional(
    Type.Unsafe<string>({ type: 'string', enum: channels, description: 'Answer from a recall channel instead of a trained model.' }),
  ),
  k: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
});
const UserQuery = Type.Object(
  {
    ...queryFields(['vector/user-profile', GraphPprChannel.ID, ModelChannel.GRAPH_LIGHTGCN]),
    explain: Type.Boolean({
      default: false,
      description: `Explain each item by the best (at most 3) knowledge-graph paths from the user to it, whatever model or channel answered; k at most ${MAX_EXPLAINED}.`,
    }),
  },
  { additionalProperties: false },
);
const ItemQuery = Type.Object(queryFields(['vector/similar-items', GraphPprChannel.ID, ModelChannel.GRAPH_LIGHTGCN]), { additionalProperties: false });
type Query = Static<typeof ItemQuery>;

const ListResponse = Type.Object({
  model: Type.String(),
  version: Type.String(),
  data: Type.Array(
    Type.Object({
      itemId: Type.String(),
      score: Type.Number(),
      explanations: Type.Optional(Type.Array(ExplanationSchema, { description: 'With explain=true; empty when no path of three hops joins them.' })),
    }),
  ),
  fallback: Type.Optional(Type.String({ description: 'The model that answered instead: the asked one knew nothing of this user.' })),
});

/** How many of a user's latest events make up the history a model sees. */
const HISTORY = 200;

export function recommendationRoutes({ store, models, semantic, graph }: RouteContext) {
  const available = (ids: readonly string[]) => store.items.available(ids);
  const channels: RecallChannel[] = [
    ...(semantic ? [new VectorUserProfile(semantic), new VectorSimilarItems(semantic)] : []),
    ...(graph ? [new GraphPprChannel(graph)] : []),
    new ModelChannel(ModelChannel.GRAPH_LIGHTGCN, models, ['kg-lightgcn', 'lightgcn']),
  ];

  /** The channel, or `not_configured` naming the part of the engine it needs. */
  function channelNamed(name: string): RecallChannel {
    const channel = channels.find((c) => c.id === name);
    if (channel) return channel;
    if (name === GraphPprChannel.ID) requireGraph(graph);
    requireSemantic(semantic);
    throw new ShopfusionError('validation_failed', `query.channel: unknown channel ${JSON.stringify(name)}`);
  }

  /** A channel's top-k available items: over-fetches, drops unavailable ones, widens if short. */
  async function fromChannel(name: string, context: RecallContext, query: Query) {
    if (query.model !== undefined) throw new ShopfusionError('validation_failed', 'query: give either model or channel, not both');
    const channel = channelNamed(name);
    const dropped = new Set<string>();
    for (;;) {
      const result = await channel.recall(context, { k: query.k + dropped.size + 10, exclude: (id) => dropped.has(id) });
      const ok = await available(result.items.map((i) => i.itemId));
      const data = result.items.filter((i) => ok.has(i.itemId));
      for (const i of result.items) if (!ok.has(i.itemId)) dropped.add(i.itemId);
      if (data.length >= query.k || result.items.length < query.k + 10) return { model: channel.id, version: result.digest, data: data.slice(0, query.k) };
    }
  }

  return async (app: FastifyInstance) => {
    app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof UserQuery> }>(
      '/users/:id/recommendations',
      {
        config: { access: 'read' },
        schema: {
          tags: ['recommendations'],
          summary: "A user's top-k from a trained model or a recall channel, optionally explained.",
          description:
            "The model scores every item from what it learned of the user and the user's latest events; items the " +
            'user already interacted with, unavailable and deleted items are left out. `channel=graph/ppr` walks the ' +
            'knowledge graph from the latest items; `explain=true` adds knowledge-graph paths to every item.',
          params: IdParams,
          querystring: UserQuery,
          response: { 200: ListResponse, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request) => {
        const { explain, ...query } = request.query;
        const index = explain ? requireGraph(graph) : undefined;
        if (explain && query.k > MAX_EXPLAINED) {
          throw new ShopfusionError('validation_failed', `query.k: must be <= ${MAX_EXPLAINED} with explain=true, got ${query.k}`, {
            details: [{ path: 'query.k', message: `must be <= ${MAX_EXPLAINED} with explain=true` }],
          });
        }
        const userId = request.params.id;
        const page = await store.events.list({ userId, limit: HISTORY, order: 'desc' });
        const history = page.data.map((e) => e.itemId).reverse();
        const result = query.channel
          ? await fromChannel(query.channel, { userId, history }, query)
          : await models.recommend(query.model, userId, history, query.k, available);
        if (!index) return result;
        return { ...result, data: result.data.map((d) => ({ ...d, explanations: index.explain(userId, d.itemId, 3) })) };
      },
    );

    app.get<{ Params: Static<typeof IdParams>; Querystring: Query }>(
      '/items/:id/similar',
      {
        config: { access: 'read' },
        schema: {
          tags: ['recommendations'],
          summary: 'Items similar to one item, from a trained model.',
          params: IdParams,
          querystring: ItemQuery,
          response: { 200: ListResponse, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request) => {
        if ((await store.items.existing([request.params.id])).size === 0) {
          throw new ShopfusionError('item_not_found', `no item has id ${JSON.stringify(request.params.id)}`);
        }
        if (request.query.channel) return fromChannel(request.query.channel, { itemId: request.params.id, history: [] }, request.query);
        return models.similar(request.query.model, request.params.id, request.query.k, available);
      },
    );

    app.get(
      '/models',
      {
        config: { access: 'read' },
        schema: { tags: ['recommendations'], summary: 'The trained models the server has loaded.', querystring: NoQuery },
      },
      async () => ({ data: models.list() }),
    );

    app.post(
      '/models/reload',
      {
        config: { access: 'write' },
        schema: { tags: ['recommendations'], summary: 'Load the latest trained version of every model.', querystring: NoQuery },
      },
      async () => {
        const data = models.reload();
        await models.addStoredItems(store.vectors);
        return { data };
      },
    );
  };
}
