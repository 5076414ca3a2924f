/**
 * `GET/POST /search` and `GET /suggest`: product search (`search/service.ts`). This module reads
 * the request, builds the shopper's profile from their latest events, embeds the query when an
 * embedder is configured, and writes the answer with the items' records.
 */
import { Type, type Static, type TOptional } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import { Item, LIMITS } from '../../core/schema.js';
import type { SearchFilters } from '../../search/facts.js';
import type { SearchRequest, SearchService, ShopperProfile } from '../../search/service.js';
import { SORT_ORDERS } from '../../search/settings.js';
import type { RouteContext } from '../context.js';
import { NoQuery, errorResponses } from './common.js';

/** Events of the shopper's history that make up their profile. */
const PROFILE_EVENTS = 100;
const MAX_PAGE = 1000;

const Query = Type.String({ maxLength: LIMITS.queryLength, description: `The words typed (at most ${LIMITS.queryLength} characters); empty or absent browses the catalog.` });
const Names = Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.nameLength }), { maxItems: 100 });
const shared = {
  q: Type.Optional(Query),
  sort: Type.Unsafe<(typeof SORT_ORDERS)[number]>({ type: 'string', enum: [...SORT_ORDERS], default: 'relevance' }),
  page: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1, description: '1-based; a page past the end is empty (total says how many there are).' }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  prefix: Type.Boolean({ default: false, description: 'As-you-type: the last word may be unfinished and matches as a prefix.' }),
  explain: Type.Boolean({ default: false, description: "Each hit's score breakdown (lexical, semantic, personal, clicks)." }),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.idLength, description: 'The shopper: their behaviour personalises the order (bounded).' })),
  sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.idLength, description: "An anonymous visitor's session, used like userId." })),
};

const Csv = (description: string) => Type.String({ minLength: 1, maxLength: 16 * 1024, description });
const SearchQuery = Type.Object(
  {
    ...shared,
    categories: Type.Optional(Csv('Only items in one of these categories (comma-separated).')),
    brands: Type.Optional(Csv('Only these brands (comma-separated).')),
    priceMin: Type.Optional(Type.Number({ minimum: 0 })),
    priceMax: Type.Optional(Type.Number({ minimum: 0 })),
    available: Type.Optional(Type.Unsafe<'true' | 'false' | 'any'>({ type: 'string', enum: ['true', 'false', 'any'], description: 'Default true: available items only.' })),
    attributes: Type.Optional(Csv('Attribute filters key:value, comma-separated (color:red,color:blue,size:xl); values of one key are alternatives.')),
    facets: Type.Optional(Csv('Facets to count over the result set: brand, category, or attribute keys (comma-separated). Prices are always summarised.')),
  },
  { additionalProperties: false },
);
type SearchQuery = Static<typeof SearchQuery>;

/** The body's fields are optional: defaults are applied in code (bodies are not coerced). */
const optionalShared = Object.fromEntries(Object.entries(shared).map(([k, v]) => [k, Type.Optional(v)])) as {
  [K in keyof typeof shared]: TOptional<(typeof shared)[K]>;
};
const SearchBody = Type.Object(
  {
    ...optionalShared,
    filters: Type.Optional(
      Type.Object(
        {
          categories: Type.Optional(Names),
          brands: Type.Optional(Names),
          priceMin: Type.Optional(Type.Number({ minimum: 0 })),
          priceMax: Type.Optional(Type.Number({ minimum: 0 })),
          available: Type.Optional(Type.Union([Type.Boolean(), Type.Literal('any')], { description: 'Default true: available items only.' })),
          attributes: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: LIMITS.attributeKeyLength }), Names, { maxProperties: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
    facets: Type.Optional(Names),
  },
  { additionalProperties: false },
);
type SearchBody = Static<typeof SearchBody>;

const Explain = Type.Object({
  bm25: Type.Optional(Type.Number()),
  coverage: Type.Optional(Type.Number({ description: "Share of the query's weight the item matched." })),
  pairs: Type.Optional(Type.Integer({ description: 'Neighbouring query words found side by side.' })),
  lexical: Type.Optional(Type.Number()),
  semantic: Type.Optional(Type.Number()),
  fused: Type.Number(),
  personal: Type.Number(),
  clicks: Type.Number(),
});
const FacetCounts = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }));
const SearchResponse = Type.Object({
  query: Type.String(),
  mode: Type.String({ description: 'search, or browse for an empty query.' }),
  total: Type.Integer({ description: 'Items in the result set (all pages).' }),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  data: Type.Array(Type.Object({ itemId: Type.String(), score: Type.Number(), item: Item, explain: Type.Optional(Explain) })),
  facets: Type.Record(Type.String(), FacetCounts),
  price: Type.Optional(Type.Object({ min: Type.Number(), max: Type.Number(), bands: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), count: Type.Integer() })) })),
  didYouMean: Type.Optional(Type.String({ description: 'The query with its misspelt words corrected.' })),
  fallback: Type.Optional(Type.Object({ kind: Type.String({ description: 'semantic or popular' }), reason: Type.String() })),
  semantic: Type.Boolean({ description: 'Semantic retrieval took part.' }),
  tookMs: Type.Number(),
});

const SuggestQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200, description: 'What has been typed so far.' }),
    k: Type.Integer({ minimum: 1, maximum: 20, default: 8 }),
  },
  { additionalProperties: false },
);
const SuggestResponse = Type.Object({
  query: Type.String(),
  data: Type.Array(Type.Object({ text: Type.String(), source: Type.String({ description: 'queries (the query log) or catalog' }) })),
});

function invalid(path: string, message: string): ShopfusionError {
  return new ShopfusionError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}

const csv = (value: string | undefined): string[] | undefined => (value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0));

function attributesFromCsv(value: string | undefined): Record<string, string[]> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, string[]> = {};
  for (const pair of csv(value) ?? []) {
    const at = pair.indexOf(':');
    if (at <= 0 || at === pair.length - 1) throw invalid('query.attributes', `expected key:value pairs, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, at).trim();
    (out[key] ??= []).push(pair.slice(at + 1).trim());
  }
  return out;
}

export function searchRoutes(context: RouteContext) {
  const { search } = context;
  if (!search) {
    return async (app: FastifyInstance) => {
      const off = async () => {
        throw new ShopfusionError('not_configured', 'search is turned off (search.enabled is false)');
      };
      app.get('/search', { config: { access: 'read' }, schema: { hide: true } }, off);
      app.post('/search', { config: { access: 'read' }, schema: { hide: true } }, off);
      app.get('/suggest', { config: { access: 'read' }, schema: { hide: true } }, off);
      app.post('/search/rebuild', { config: { access: 'write' }, schema: { hide: true } }, off);
    };
  }
  return enabledRoutes(context, search);
}

/** Collaborative-filtering candidates scored into a profile, per request with a history. */
const CF_CANDIDATES = 500;

function enabledRoutes({ store, semantic, models, config }: RouteContext, search: SearchService) {
  /** Checks what the schema cannot: the price range's order, and facet and attribute names the catalog has. */
  function checked(filters: SearchFilters, facets: readonly string[], where: string): void {
    if (filters.priceMin !== undefined && filters.priceMax !== undefined && filters.priceMin > filters.priceMax) {
      throw invalid(`${where}.priceMin`, `is above priceMax (${filters.priceMin} > ${filters.priceMax}); swap them or drop one`);
    }
    for (const key of Object.keys(filters.attributes ?? {})) {
      if (!search.facts.knownAttribute(key)) throw invalid(`${where}.attributes`, `no item has attribute ${JSON.stringify(key)}; filter on brand, category, price, availability or an attribute the catalog has`);
    }
    for (const facet of facets) {
      if (facet !== 'brand' && facet !== 'category' && !search.facts.knownAttribute(facet)) {
        throw invalid(`${where === 'query' ? 'query' : 'body'}.facets`, `unknown facet ${JSON.stringify(facet)}; allowed: brand, category, or an attribute key of the catalog`);
      }
    }
  }

  async function profile(userId: string | undefined, sessionId: string | undefined): Promise<ShopperProfile | undefined> {
    if (userId === undefined && sessionId === undefined) return undefined;
    const page = await store.events.list({ ...(userId !== undefined ? { userId } : { sessionId }), limit: PROFILE_EVENTS, order: 'desc' });
    if (page.data.length === 0) return undefined;
    const categories = new Map<string, number>();
    const brands = new Map<string, number>();
    let vector: Float32Array | undefined;
    let counted = 0;
    for (const event of page.data) {
      const doc = search.index.numberOf(event.itemId);
      if (doc === undefined) continue;
      counted++;
      for (const c of new Set(search.facts.categoriesOf(doc))) categories.set(c, (categories.get(c) ?? 0) + 1);
      const brand = search.facts.brandOf(doc);
      if (brand !== undefined) brands.set(brand, (brands.get(brand) ?? 0) + 1);
      const v = semantic?.vectorOf(event.itemId);
      if (v) {
        vector ??= new Float32Array(v.length);
        for (let i = 0; i < v.length; i++) vector[i] = (vector[i] as number) + (v[i] as number);
      }
    }
    if (counted === 0) return undefined;
    for (const map of [categories, brands]) for (const [k, n] of map) map.set(k, n / counted);
    const cf = collaborative(userId, page.data.map((e) => e.itemId));
    if (vector) {
      const norm = Math.hypot(...vector);
      if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
    }
    return { categories, brands, ...(vector && { vector }), ...(cf && { cf }) };
  }

  /** The default model's top items for this history, scores scaled to 0..1 (none without a trained model). */
  function collaborative(userId: string | undefined, history: readonly string[]): Map<string, number> | undefined {
    const name = config.models.default;
    if (!models.has(name)) return undefined;
    const found = models.candidates(name, { ...(userId !== undefined && { userId }), history }, CF_CANDIDATES, () => false).data;
    const top = found[0]?.score ?? 0;
    if (!(top > 0)) return undefined;
    return new Map(found.filter((f) => f.score > 0).map((f) => [f.itemId, f.score / top]));
  }

  async function run(request: SearchRequest, userId: string | undefined, sessionId: string | undefined) {
    const started = performance.now();
    await search.whenLoaded();
    const shopper = await profile(userId, sessionId);
    let queryVector: Float32Array | undefined;
    const q = request.q?.trim() ?? '';
    if (semantic && q !== '' && search.settings.hybrid.semanticWeight > 0) {
      // An embedder that cannot read the query (use-lite and a Chinese query) leaves search lexical.
      queryVector = await semantic.embedder.embedQuery(q).catch(() => undefined);
    }
    const result = search.search({ ...request, ...(shopper && { profile: shopper }), ...(queryVector && { queryVector }) });
    const records = await Promise.all(result.hits.map((h) => store.items.get(h.itemId)));
    const data = result.hits.flatMap((hit, i) => {
      const item = records[i];
      return item ? [{ itemId: hit.itemId, score: hit.score, item, ...(hit.explain && { explain: hit.explain }) }] : [];
    });
    const { hits: _hits, ...rest } = result;
    void _hits;
    return { ...rest, data, semantic: queryVector !== undefined, tookMs: performance.now() - started };
  }

  return async (app: FastifyInstance) => {
    const description =
      'Lexical (BM25F over title, brand, categories, attributes and description, with typo tolerance, phrase boost and ' +
      'compound words) and semantic retrieval fused, then reranked by the shopper\'s behaviour (bounded) and past search ' +
      'clicks. `total` and facets count the result set: items matching at least half as much of the query as the best ' +
      'match, and strong semantic hits. Empty q browses (popularity order). A query with no searchable words (only ' +
      'punctuation or emoji) or no match falls back to semantic then popular items, flagged in `fallback`. A page past ' +
      'the end is empty. Unavailable items are left out unless available=false or any.';
    app.get<{ Querystring: SearchQuery }>(
      '/search',
      { config: { access: 'read' }, schema: { tags: ['search'], summary: 'Product search.', description, querystring: SearchQuery, response: { 200: SearchResponse, ...errorResponses } } },
      async (request) => {
        const query = request.query;
        const filters: SearchFilters = {
          ...(query.categories !== undefined && { categories: csv(query.categories) }),
          ...(query.brands !== undefined && { brands: csv(query.brands) }),
          ...(query.priceMin !== undefined && { priceMin: query.priceMin }),
          ...(query.priceMax !== undefined && { priceMax: query.priceMax }),
          ...(query.attributes !== undefined && { attributes: attributesFromCsv(query.attributes) }),
          ...(query.available !== 'any' && { available: query.available !== 'false' }),
        };
        if (query.available === 'any') filters.available = undefined;
        const facets = csv(query.facets) ?? [];
        checked(filters, facets, 'query');
        return run({ ...query, filters, facets }, query.userId, query.sessionId);
      },
    );
    app.post<{ Body: SearchBody }>(
      '/search',
      { config: { access: 'read' }, schema: { tags: ['search'], summary: 'Product search with filters in a JSON body.', description, body: SearchBody, response: { 200: SearchResponse, ...errorResponses } } },
      async (request) => {
        const body = request.body;
        const { available, ...rest } = body.filters ?? {};
        const filters: SearchFilters = { ...rest, available: available === 'any' ? undefined : (available ?? true) };
        checked(filters, body.facets ?? [], 'body.filters');
        return run({ ...body, filters, facets: body.facets ?? [] }, body.userId, body.sessionId);
      },
    );
    app.post(
      '/search/rebuild',
      {
        config: { access: 'write' },
        schema: {
          tags: ['search'],
          summary: 'Index the catalog and the event log again from the store (after a bulk import straight into the store).',
          description: 'Answers once the new index serves; search requests wait for it meanwhile.',
          querystring: NoQuery,
          response: { 200: Type.Object({ items: Type.Integer(), queries: Type.Integer() }), ...errorResponses },
        },
      },
      async () => {
        await search.reload();
        return { items: search.index.size, queries: search.queries.size };
      },
    );
    app.get<{ Querystring: Static<typeof SuggestQuery> }>(
      '/suggest',
      {
        config: { access: 'read' },
        schema: {
          tags: ['search'],
          summary: 'Query suggestions as the shopper types: past queries that found something, then catalog words completing the last word.',
          querystring: SuggestQuery,
          response: { 200: SuggestResponse, ...errorResponses },
        },
      },
      async (request) => {
        await search.whenLoaded();
        return { query: request.query.q, data: search.suggest(request.query.q, request.query.k) };
      },
    );
  };
}
