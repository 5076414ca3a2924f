/** Recommendations from trained models: for a user, similar to an item; the loaded models. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import type { RouteContext } from '../context.js';
import { errorResponses, IdParams, NoQuery } from './common.js';
import { requireSemantic } from './embedding.js';
import type { RecallChannel, RecallContext } from '../../recall/types.js';
import { VectorSimilarItems, VectorUserProfile } from '../../recall/vector-channels.js';

const queryWith = (channels: string[]) =>
  Type.Object(
    {
      model: Type.Optional(Type.String({ minLength: 1, description: 'A trained model (default: models.default).' })),
      channel: Type.Optional(
        Type.Unsafe<string>({ type: 'string', enum: channels, description: 'Answer from a recall channel instead of a trained model.' }),
      ),
      k: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
    },
    { additionalProperties: false },
  );
const UserQuery = queryWith(['vector/user-profile']);
const ItemQuery = queryWith(['vector/similar-items']);
type Query = Static<typeof UserQuery>;

const ListResponse = Type.Object({
  model: Type.String(),
  version: Type.String(),
  data: Type.Array(Type.Object({ itemId: Type.String(), score: Type.Number() })),
  fallback: Type.Optional(Type.String({ description: 'The model that answered instead: the asked one knew nothing of this user.' })),
});

/** How many of a user's latest events make up the history a model sees. */
const HISTORY = 200;

export function recommendationRoutes({ store, models, semantic }: RouteContext) {
  const available = (ids: readonly string[]) => store.items.available(ids);
  const channels = semantic ? [new VectorUserProfile(semantic), new VectorSimilarItems(semantic)] : [];

  /** A channel's top-k available items: over-fetches, drops unavailable ones, widens if short. */
  async function fromChannel(name: string, context: RecallContext, query: Query) {
    if (query.model !== undefined) throw new ShopfusionError('validation_failed', 'query: give either model or channel, not both');
    requireSemantic(semantic);
    const channel = channels.find((c) => c.id === name) as RecallChannel;
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
    app.get<{ Params: Static<typeof IdParams>; Querystring: Query }>(
      '/users/:id/recommendations',
      {
        config: { access: 'read' },
        schema: {
          tags: ['recommendations'],
          summary: "A user's top-k from a trained model.",
          description:
            "The model scores every item from what it learned of the user and the user's latest events; items the " +
            'user already interacted with, unavailable and deleted items are left out.',
          params: IdParams,
          querystring: UserQuery,
          response: { 200: ListResponse, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request) => {
        const page = await store.events.list({ userId: request.params.id, limit: HISTORY, order: 'desc' });
        const history = page.data.map((e) => e.itemId).reverse();
        if (request.query.channel) return fromChannel(request.query.channel, { userId: request.params.id, history }, request.query);
        return models.recommend(request.query.model, request.params.id, history, request.query.k, available);
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
      async () => ({ data: models.reload() }),
    );
  };
}
