/**
 * `GET /recommend/:placement`: the recommendation cascade (`rank/cascade.ts`) for a configured
 * placement. This module only reads the request, gathers the visitor's history from the store,
 * hands the engine its channels and lookups, and writes the answer.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError, describeFieldErrors, type FieldError } from '../../core/errors.js';
import { Cascade, type CascadeItem, type CascadeRequest } from '../../rank/cascade.js';
import type { Placement } from '../../rank/placements.js';
import { narrowRules, validateRules, type PlacementRules } from '../../rank/rules.js';
import { LearnedFusion } from '../../recall/fusion-channels.js';
import { GraphPprChannel } from '../../recall/graph-channel.js';
import { ModelChannel } from '../../recall/model-channel.js';
import type { RecallChannel } from '../../recall/types.js';
import { VectorSimilarItems, VectorUserProfile } from '../../recall/vector-channels.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from './common.js';

/** How many of a user's or session's latest events make up the history. */
const HISTORY = 200;
export const MAX_CONTEXT_ITEMS = 100;
const MAX_EXCLUDE = 1000;
/** Interaction counts for exploration slots are counted up to this many events per item. */
const MAX_COUNTED = 1000;

const IdField = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
const Csv = (description: string) => Type.String({ minLength: 1, maxLength: 64 * 1024, description });

const RecommendQuery = Type.Object(
  {
    userId: Type.Optional(IdField('The shopper (home); their latest events are the history.')),
    sessionId: Type.Optional(IdField("An anonymous visitor's session (session, or home's fallback); its events are the history.")),
    itemId: Type.Optional(IdField('The item of an item page (similar).')),
    items: Type.Optional(Csv(`Comma-separated item ids, oldest first: the cart (bought-together) or items viewed so far (session); at most ${MAX_CONTEXT_ITEMS}.`)),
    k: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    explain: Type.Boolean({ default: false, description: "Each item's per-channel breakdown and rerank stages, and the stage timings." }),
    priceMin: Type.Optional(Type.Number({ minimum: 0 })),
    priceMax: Type.Optional(Type.Number({ minimum: 0 })),
    brands: Type.Optional(Csv('Only these brands (comma-separated).')),
    excludeBrands: Type.Optional(Csv('Not these brands (comma-separated).')),
    categories: Type.Optional(Csv('Only items in one of these categories (comma-separated).')),
    exclude: Type.Optional(Csv(`Item ids never to show (comma-separated, at most ${MAX_EXCLUDE}).`)),
  },
  { additionalProperties: false },
);
type RecommendQuery = Static<typeof RecommendQuery>;

const PlacementParams = Type.Object({ placement: Type.String({ minLength: 1, maxLength: 64 }) });

const Breakdown = Type.Object({ channel: Type.String(), score: Type.Number(), rank: Type.Integer(), normalised: Type.Number(), weight: Type.Number() });
const Explain = Type.Object({
  channels: Type.Array(Breakdown),
  fused: Type.Number(),
  ranker: Type.Optional(Type.Number()),
  learned: Type.Optional(Type.Object({ fused: Type.Optional(Type.Number()), ranked: Type.Optional(Type.Number()) })),
  stages: Type.Optional(Type.Array(Type.String())),
});
const ChannelReport = Type.Object({
  id: Type.String(),
  status: Type.String({ description: 'ok, skipped (not available here), timeout (dropped), failed.' }),
  ms: Type.Optional(Type.Number()),
  count: Type.Optional(Type.Integer()),
  digest: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
});
const RecommendResponse = Type.Object({
  placement: Type.String(),
  recommId: Type.String({ description: 'Send it back with the impression, click and purchase events this list led to.' }),
  degraded: Type.Boolean({ description: 'A channel was dropped for time or failed, or the ranker was skipped for time.' }),
  fallback: Type.Optional(Type.Object({ to: Type.String({ description: 'session or popular' }), reason: Type.String() })),
  data: Type.Array(Type.Object({ itemId: Type.String(), score: Type.Number(), explain: Type.Optional(Explain) })),
  stages: Type.Optional(
    Type.Array(
      Type.Object({
        stage: Type.String(),
        ms: Type.Optional(Type.Number()),
        changed: Type.Optional(Type.Integer()),
        note: Type.Optional(Type.String()),
        channels: Type.Optional(Type.Array(ChannelReport)),
      }),
    ),
  ),
});

const csv = (value: string | undefined): string[] => (value === undefined ? [] : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0));

function invalid(path: string, message: string): ShopfusionError {
  return new ShopfusionError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}

/** Rule errors against the query's names: `query/filters/priceMin` → `query.priceMin`. */
function asQueryError(error: unknown): unknown {
  if (!(error instanceof ShopfusionError) || !Array.isArray(error.details)) return error;
  const details = (error.details as FieldError[]).map((d) => ({ path: d.path.replace(/^query\/filters\/([A-Za-z]+).*$/, 'query.$1').replace(/^query\//, 'query.'), message: d.message }));
  return new ShopfusionError('validation_failed', describeFieldErrors(details), { details });
}

/** The query's rule overrides, checked alone and against the placement's rules. */
function requestRules(query: RecommendQuery, placement: Placement): PlacementRules | undefined {
  const filters: NonNullable<PlacementRules['filters']> = {
    ...(query.priceMin !== undefined && { priceMin: query.priceMin }),
    ...(query.priceMax !== undefined && { priceMax: query.priceMax }),
    ...(query.brands !== undefined && { brands: csv(query.brands) }),
    ...(query.excludeBrands !== undefined && { excludeBrands: csv(query.excludeBrands) }),
    ...(query.categories !== undefined && { categories: csv(query.categories) }),
  };
  if (Object.keys(filters).length === 0) return undefined;
  const rules: PlacementRules = { filters };
  try {
    validateRules(rules, 'query');
    narrowRules(placement.rules, rules, 'query');
  } catch (error) {
    throw asQueryError(error);
  }
  return rules;
}

export function recommendRoutes({ store, config, models, semantic, graph }: RouteContext) {
  const fixedChannels = new Map<string, RecallChannel>([
    ...(semantic ? ([['vector/user-profile', new VectorUserProfile(semantic)], ['vector/similar-items', new VectorSimilarItems(semantic)]] as const) : []),
    ...(graph ? ([[GraphPprChannel.ID, new GraphPprChannel(graph)]] as const) : []),
  ]);
  const modelChannels = new Map<string, ModelChannel>();
  const cascade = new Cascade({
    channel: (id) => {
      const fixed = fixedChannels.get(id);
      if (fixed) return fixed;
      const names = id === ModelChannel.GRAPH_LIGHTGCN ? ['kg-lightgcn', 'lightgcn'] : id.startsWith('model/') ? [id.slice('model/'.length)] : [];
      if (!names.some((n) => models.has(n))) return undefined;
      let channel = modelChannels.get(id);
      if (!channel) modelChannels.set(id, (channel = new ModelChannel(id, models, names)));
      return channel;
    },
    learned: new LearnedFusion(models),
    records: async (ids) => {
      const items = await Promise.all(ids.map((id) => store.items.get(id)));
      const out = new Map<string, CascadeItem>();
      for (const item of items) {
        if (!item) continue;
        const vector = semantic?.vectorOf(item.id);
        out.set(item.id, {
          itemId: item.id,
          available: item.available,
          ...(item.brand !== undefined && { brand: item.brand }),
          ...(item.categories !== undefined && { categories: item.categories }),
          ...(item.price !== undefined && { price: item.price }),
          createdAt: Date.parse(item.createdAt),
          ...(vector && { vector }),
        });
      }
      return out;
    },
    interactions: async (ids) => {
      const pages = await Promise.all(ids.map((itemId) => store.events.list({ itemId, limit: MAX_COUNTED })));
      return new Map(ids.map((id, i) => [id, pages[i]?.data.length ?? 0]));
    },
    popular: async (k, exclude) => {
      const found = await store.popular({ k: k + MAX_CONTEXT_ITEMS + HISTORY, weights: config.events.weights });
      return found.filter((p) => !exclude(p.item.id)).slice(0, k).map((p) => ({ itemId: p.item.id, score: p.score }));
    },
  });

  async function recentItems(query: { userId?: string; sessionId?: string }) {
    const page = await store.events.list({ ...query, limit: HISTORY, order: 'desc' });
    const events = page.data.reverse();
    return { history: events.map((e) => e.itemId), purchased: events.filter((e) => e.type === 'purchase').map((e) => e.itemId) };
  }

  /** The engine's request from the query, per the placement's required context. */
  async function cascadeRequest(name: string, placement: Placement, query: RecommendQuery): Promise<CascadeRequest> {
    const items = csv(query.items);
    if (items.length > MAX_CONTEXT_ITEMS) throw invalid('query.items', `at most ${MAX_CONTEXT_ITEMS} ids, got ${items.length}`);
    const exclude = csv(query.exclude);
    if (exclude.length > MAX_EXCLUDE) throw invalid('query.exclude', `at most ${MAX_EXCLUDE} ids, got ${exclude.length}`);
    const rules = requestRules(query, placement);
    const base = { name, placement, k: query.k, explain: query.explain, now: Date.now(), ...(rules && { rules }) };
    const userId = query.userId === undefined ? {} : { userId: query.userId };
    const session = async () => (items.length > 0 ? items : query.sessionId !== undefined ? (await recentItems({ sessionId: query.sessionId })).history : []);
    switch (placement.requires) {
      case 'item': {
        if (query.itemId === undefined) throw invalid('query.itemId', `is required by placement ${name} (the item of the page)`);
        if ((await store.items.existing([query.itemId])).size === 0) throw new ShopfusionError('item_not_found', `no item has id ${JSON.stringify(query.itemId)}`);
        return { ...base, context: { ...userId, itemId: query.itemId, history: [] }, exclude };
      }
      case 'items':
        if (items.length === 0) throw invalid('query.items', `is required by placement ${name}: the comma-separated ids of the cart`);
        return { ...base, context: { ...userId, history: items }, exclude: [...exclude, ...items] };
      case 'session-or-items': {
        if (items.length === 0 && query.sessionId === undefined) throw invalid('query.sessionId', `placement ${name} needs sessionId or items (the items viewed so far)`);
        return { ...base, context: { history: await session() }, exclude };
      }
      case 'user': {
        const known = query.userId === undefined ? { history: [], purchased: [] } : await recentItems({ userId: query.userId });
        return { ...base, context: { ...userId, ...known }, session: await session(), exclude };
      }
    }
  }

  return async (app: FastifyInstance) => {
    app.get<{ Params: Static<typeof PlacementParams>; Querystring: RecommendQuery }>(
      '/recommend/:placement',
      {
        config: { access: 'read' },
        schema: {
          tags: ['recommendations'],
          summary: 'Recommendations for a placement: recall channels, fusion, learned ranker and business rules.',
          description:
            'Placements are configured under `placements` (defaults: home, similar, bought-together, session). home needs ' +
            'userId (falls back to sessionId/items, then popular items); similar needs itemId; bought-together needs items ' +
            '(the cart); session needs sessionId or items. Items the visitor interacted with, the page item, the cart, ' +
            '`exclude` ids and unavailable or deleted items are never returned. Rule overrides (priceMin, priceMax, brands, ' +
            'excludeBrands, categories) narrow the placement\'s rules. `explain=true` adds each item\'s per-channel breakdown ' +
            'and the timed stages.',
          params: PlacementParams,
          querystring: RecommendQuery,
          response: { 200: RecommendResponse, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request) => {
        const name = request.params.placement;
        const placement = Object.hasOwn(config.placements, name) ? config.placements[name] : undefined;
        if (!placement) {
          throw new ShopfusionError(
            'placement_not_found',
            `no placement ${JSON.stringify(name)} is configured; configured placements: ${Object.keys(config.placements).join(', ')}`,
          );
        }
        const cascadeInput = await cascadeRequest(name, placement, request.query);
        try {
          return await cascade.run(cascadeInput);
        } catch (error) {
          throw asQueryError(error);
        }
      },
    );
  };
}
