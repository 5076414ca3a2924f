/**
 * Product search: the lexical index, the item facts, the semantic index (when configured), the
 * query log and the shopper's profile, put together for one request.
 *
 * A request runs: lexical retrieval (BM25F with coverage, phrase, typo, prefix, synonym and
 * compound variants) and semantic retrieval under the same filters → hybrid fusion → a bounded
 * rerank of the head by the shopper's affinities and the query's past clicks → sort and page.
 * The result set (what `total` and the facets count) is every item matching at least half of the
 * query's weight that the best match did, plus strong semantic hits. A query that finds nothing
 * falls back to semantic, then popular items, and says so.
 */
import type { EventContext, Item, ItemInput } from '../core/schema.js';
import { Analyzer } from '../text/analyzer.js';
import { ItemFacts, type FacetCount, type PriceStats, type SearchFilters } from './facts.js';
import { fuseHybrid, type FusedDoc } from './hybrid.js';
import { LexicalIndex } from './lexical-index.js';
import { LexicalSearcher, type LexicalHit, type ParsedQuery } from './lexical-search.js';
import { SEARCH_DIMS, featureRow, type QueryFacts, type SearchRanker } from './ranker.js';
import { DEFAULT_SEARCH, itemTexts, synonymMap, type SearchSettings, type SortOrder } from './settings.js';
import { QueryLog } from './query-log.js';

/** What the semantic side needs: the live vector index (recall/semantic-index.ts fits). */
export interface SemanticSource {
  search(query: Float32Array, k: number, skip?: (itemId: string) => boolean): Array<{ itemId: string; score: number }>;
  vectorOf(itemId: string): Float32Array | undefined;
}

/**
 * What the shopper's history says: shares of categories and brands, a mean item vector, and the
 * items a collaborative-filtering model recommends from it (scores scaled to 0..1).
 */
export interface ShopperProfile {
  categories: ReadonlyMap<string, number>;
  brands: ReadonlyMap<string, number>;
  vector?: Float32Array;
  cf?: ReadonlyMap<string, number>;
}

export interface SearchRequest {
  q?: string;
  filters?: SearchFilters;
  facets?: readonly string[];
  sort?: SortOrder;
  /** 1-based. */
  page?: number;
  pageSize?: number;
  /** The last word is still being typed: match it as a prefix. */
  prefix?: boolean;
  explain?: boolean;
  profile?: ShopperProfile;
  /** The query's vector from the configured embedder (semantic retrieval). */
  queryVector?: Float32Array;
}

export interface HitExplain {
  bm25?: number;
  coverage?: number;
  pairs?: number;
  lexical?: number;
  semantic?: number;
  fused: number;
  personal: number;
  clicks: number;
}

export interface SearchHit {
  itemId: string;
  score: number;
  explain?: HitExplain;
}

export interface SearchResult {
  query: string;
  mode: 'search' | 'browse';
  total: number;
  page: number;
  pageSize: number;
  hits: SearchHit[];
  facets: Record<string, FacetCount[]>;
  price?: PriceStats;
  didYouMean?: string;
  fallback?: { kind: 'semantic' | 'popular'; reason: string };
}

interface Ranked {
  doc: number;
  score: number;
  explain?: HitExplain;
}

/** Reads a whole catalog and event log, handing them over in batches. */
export type CatalogReader = (visit: {
  items(items: readonly Item[]): void;
  events(events: ReadonlyArray<{ itemId: string; type: string; context?: EventContext }>): void;
}) => Promise<void>;

/** Event weights for popularity (the config's `events.weights`). */
export type EventWeights = Readonly<Record<string, number>>;

export class SearchService {
  private lexical: LexicalIndex;
  private itemFacts = new ItemFacts();
  private queryLog = new QueryLog();
  private searcher: LexicalSearcher;
  private readonly analyzer: Analyzer;
  /** The learned ranker of the head, once one is trained (search/ranker.ts). */
  ranker: SearchRanker | undefined;

  constructor(
    readonly settings: SearchSettings = DEFAULT_SEARCH,
    private readonly eventWeights: EventWeights = {},
    readonly semantic?: SemanticSource,
    analyzer = new Analyzer(),
  ) {
    this.analyzer = analyzer;
    this.lexical = new LexicalIndex(analyzer, { fields: settings.fields });
    this.searcher = new LexicalSearcher(this.lexical, settings.lexical, synonymMap(analyzer, settings.synonyms));
  }

  get index(): LexicalIndex {
    return this.lexical;
  }

  get facts(): ItemFacts {
    return this.itemFacts;
  }

  get queries(): QueryLog {
    return this.queryLog;
  }

  /**
   * Forgets everything and reads the catalog and the event log again through the last `load`'s
   * reader (after a bulk import straight into the store). Requests wait until it is done.
   */
  reload(): Promise<void> {
    const read = this.reader;
    if (!read) return Promise.resolve();
    this.lexical = new LexicalIndex(this.analyzer, { fields: this.settings.fields });
    this.searcher = new LexicalSearcher(this.lexical, this.settings.lexical, synonymMap(this.analyzer, this.settings.synonyms));
    this.itemFacts = new ItemFacts();
    this.queryLog = new QueryLog();
    return this.load(read);
  }

  /** Ids changed or deleted while `load` runs: the load must not bring back their older state. */
  private changedDuringLoad: Set<string> | undefined;
  private loaded: Promise<void> = Promise.resolve();
  private reader: CatalogReader | undefined;
  private generation = 0;

  /**
   * Reads the whole catalog and event log through `read` (in the background; `whenLoaded`
   * resolves when done). Changes that arrive meanwhile through `upsert`/`remove` win over the
   * rows the read returns for the same items.
   */
  load(read: CatalogReader): Promise<void> {
    this.reader = read;
    const changed = new Set<string>();
    this.changedDuringLoad = changed;
    // A later load (a reload) supersedes this one: what this one still reads is dropped.
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    const run = read({
      items: (items) => {
        if (current()) this.index.upsertBulk(() => this.upsert(items.filter((i) => !changed.has(i.id)), false));
      },
      events: (events) => {
        if (current()) this.recordEvents(events);
      },
    }).finally(() => {
      if (!current()) return;
      this.changedDuringLoad = undefined;
      this.index.merge();
    });
    this.loaded = run.catch(() => {});
    return run;
  }

  /** Resolves once the catalog read by `load` is indexed (at once when nothing is loading). */
  whenLoaded(): Promise<void> {
    return this.loaded;
  }

  /** Indexes items (new or changed); each is searchable when this returns. */
  upsert(items: readonly Item[], live = true): void {
    for (const item of items) {
      if (live) this.changedDuringLoad?.add(item.id);
      const old = this.index.numberOf(item.id);
      const doc = this.index.upsert(item.id, itemTexts(item));
      this.facts.set(doc, item);
      if (old !== undefined) this.facts.carry(old, doc);
    }
  }

  /** Indexes items as clients send them (server defaults filled in: available, createdAt = now). */
  upsertInputs(items: readonly ItemInput[], now: number): void {
    const stamp = new Date(now).toISOString();
    this.upsert(items.map((i) => ({ ...i, available: i.available ?? true, createdAt: i.createdAt ?? stamp, updatedAt: stamp })));
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      this.changedDuringLoad?.add(id);
      this.index.remove(id);
    }
  }

  /** Popularity from behaviour, and the click model and query log from `search_click` events. */
  recordEvents(events: ReadonlyArray<{ itemId: string; type: string; context?: EventContext }>): void {
    for (const e of events) {
      const doc = this.index.numberOf(e.itemId);
      if (doc !== undefined) this.facts.addPopularity(doc, this.eventWeights[e.type] ?? 1);
      if (e.type === 'search_click' && e.context?.query) this.queries.recordClick(e.context.query, e.itemId);
    }
  }

  search(request: SearchRequest): SearchResult {
    const query = (request.q ?? '').trim();
    const page = request.page ?? 1;
    const pageSize = request.pageSize ?? 20;
    const filter = this.facts.compile({ available: true, ...request.filters });
    const facets = request.facets ?? [];
    if (query === '') return this.browse(request, filter, page, pageSize);

    const { parsed, lexical, matches, semantic, fused } = this.retrieve(query, request, filter);
    let ranked: Ranked[];
    let fallback: SearchResult['fallback'];
    if (lexical.length === 0 && semantic.length === 0) {
      ranked = this.popular(filter);
      fallback = { kind: 'popular', reason: parsed.words.length === 0 ? 'the query has no searchable words' : 'nothing matched the query' };
    } else {
      ranked = this.rerank(query, this.ranker ? this.learned(parsed, lexical, fused, request.queryVector) : fused, request, new Map(lexical.map((h) => [h.doc, h])));
      if (lexical.length === 0) fallback = { kind: 'semantic', reason: 'no item matched the words of the query' };
    }
    // The result set: lexical matches, strong semantic hits, or the fallback list.
    const inSet = new Set<number>();
    for (let i = 0; i < matches.count; i++) inSet.add(matches.docs[i] as number);
    for (const r of ranked) if (fallback || (r.explain?.semantic ?? 0) > 0) inSet.add(r.doc);
    if (!fallback) {
      // Past the fused head, the remaining matches follow by lexical score.
      const head = new Set(ranked.map((r) => r.doc));
      const rest = [...inSet].filter((d) => !head.has(d));
      if (rest.length > 0 && (page * pageSize > ranked.length || (request.sort ?? 'relevance') !== 'relevance')) {
        rest.sort((a, b) => this.searcher.lastScore(b) - this.searcher.lastScore(a) || a - b);
        for (const doc of rest) ranked.push({ doc, score: 0 });
      }
    }
    const setDocs = Int32Array.from(inSet);
    const ordered = this.sorted(ranked.filter((r) => inSet.has(r.doc)), request.sort ?? 'relevance');
    const result: SearchResult = {
      query,
      mode: 'search',
      total: inSet.size,
      page,
      pageSize,
      hits: this.page(ordered, page, pageSize, request.explain ?? false),
      facets: Object.fromEntries(facets.map((f) => [f, this.facts.count(f, setDocs, setDocs.length, 20)])),
    };
    const price = this.facts.prices(setDocs, setDocs.length);
    if (price) result.price = price;
    const correction = parsed.words.length > 0 ? this.searcher.correction(parsed) : undefined;
    if (correction && correction !== query) result.didYouMean = correction;
    if (fallback) result.fallback = fallback;
    else this.queries.recordSearch(query);
    return result;
  }

  /** Lexical and semantic retrieval under the filters, fused. */
  private retrieve(query: string, request: SearchRequest, filter: ((doc: number) => boolean) | undefined) {
    const s = this.settings;
    const parsed = this.searcher.parse(query, { prefix: request.prefix ?? false, typos: s.lexical.typo > 0 });
    const lexical = parsed.words.length > 0 ? this.searcher.run(parsed, s.depth, s.depth, filter) : [];
    const matches = parsed.words.length > 0 ? this.searcher.lastMatches(parsed, s.minShare) : { docs: new Int32Array(0), count: 0, bestCoverage: 0 };
    const semantic = request.queryVector && this.semantic ? this.semanticHits(request.queryVector, filter) : [];
    const fused: FusedDoc[] =
      semantic.length > 0 ? fuseHybrid(lexical, semantic, matches.bestCoverage, s.hybrid) : lexical.map((h) => ({ doc: h.doc, score: h.score, lexical: h.score, semantic: Number.NaN }));
    return { parsed, lexical, matches, semantic, fused };
  }

  /**
   * The fused head of a query with each candidate's ranker features (SEARCH_FEATURES), for
   * training a ranker on judged queries. Candidates are the first `n` of the fused list (of the
   * items in `only`, when given).
   */
  headFeatures(request: SearchRequest, n = this.settings.rankDepth, only?: ReadonlySet<string>): { itemIds: string[]; features: Float64Array } {
    const query = (request.q ?? '').trim();
    const filter = this.facts.compile({ available: true, ...request.filters });
    const allowed = only && new Set([...only].map((id) => this.index.numberOf(id)));
    const { parsed, lexical, fused } = this.retrieve(query, request, allowed ? (doc) => allowed.has(doc) && (!filter || filter(doc)) : filter);
    const head = fused.slice(0, n);
    const features = new Float64Array(head.length * SEARCH_DIMS);
    this.fillFeatures(parsed, lexical, head, request.queryVector, features);
    return { itemIds: head.map((f) => this.index.ids[f.doc] as string), features };
  }

  /** Scores feature rows with the ranker (for evaluation). */
  rankerScores(features: Float64Array): Float64Array {
    const rows = features.length / SEARCH_DIMS;
    const out = new Float64Array(rows);
    if (this.ranker && rows > 0) this.ranker.score(features, rows, out);
    return out;
  }

  /** The fused list with its head reordered by the ranker; scores stay positive and in order. */
  private learned(parsed: ParsedQuery, lexical: readonly LexicalHit[], fused: readonly FusedDoc[], vector: Float32Array | undefined): FusedDoc[] {
    const n = Math.min(this.settings.rankDepth, fused.length);
    if (n < 2) return [...fused];
    const features = new Float64Array(n * SEARCH_DIMS);
    this.fillFeatures(parsed, lexical, fused.slice(0, n), vector, features);
    const out = new Float64Array(n);
    (this.ranker as SearchRanker).score(features, n, out);
    const max = Math.max(...out);
    const head = fused.slice(0, n).map((f, i) => ({ ...f, score: Math.exp((out[i] as number) - max) }));
    head.sort((a, b) => b.score - a.score || a.doc - b.doc);
    const floor = (head[n - 1] as FusedDoc).score;
    const tailTop = fused[n]?.score ?? 0;
    const tail = fused.slice(n).map((f) => ({ ...f, score: tailTop > 0 ? (0.99 * floor * f.score) / tailTop : 0 }));
    return [...head, ...tail];
  }

  private fillFeatures(parsed: ParsedQuery, lexical: readonly LexicalHit[], head: readonly FusedDoc[], vector: Float32Array | undefined, out: Float64Array): void {
    const byDoc = new Map(lexical.map((h, i) => [h.doc, { hit: h, rank: i + 1 }]));
    let numberBits = 0;
    parsed.words.forEach((w, i) => {
      if (/^\d/u.test(w.term)) numberBits |= 1 << i;
    });
    const query: QueryFacts = { words: parsed.words.length, queryTerms: new Set(parsed.variants.map((v) => v.term)), numberBits, depth: this.settings.depth };
    head.forEach((f, r) => {
      const lex = byDoc.get(f.doc);
      const id = this.index.ids[f.doc] as string;
      const item = vector ? this.semantic?.vectorOf(id) : undefined;
      let cosine = 0;
      if (item && vector) for (let i = 0; i < item.length; i++) cosine += (item[i] as number) * (vector[i] as number);
      featureRow(
        query,
        {
          fused: f.score,
          bm25: lex?.hit.bm25 ?? 0,
          coverage: lex?.hit.coverage ?? 0,
          pairs: lex?.hit.pairs ?? 0,
          mask: lex?.hit.mask ?? 0,
          lexicalRank: lex?.rank ?? 0,
          cosine,
          title: this.titleTerms(f.doc),
          popularity: this.facts.popularityOf(f.doc),
        },
        out,
        r * SEARCH_DIMS,
      );
    });
  }

  /** The term ids of an item's first field (the title). */
  private titleTerms(doc: number): Int32Array {
    const seq = this.index.sequence(doc);
    let end = 1;
    while (end < seq.length && (seq[end] as number) >= 0) end++;
    return seq.subarray(1, end);
  }

  /** Query suggestions: logged queries first, then the catalog's completions of the last word. */
  suggest(prefix: string, k: number): Array<{ text: string; source: 'queries' | 'catalog' }> {
    const out: Array<{ text: string; source: 'queries' | 'catalog' }> = this.queries.suggest(prefix, k).map((q) => ({ text: q.text, source: 'queries' }));
    const seen = new Set(out.map((o) => o.text));
    const tokens = this.index.analyzer.tokens(prefix);
    const last = tokens[tokens.length - 1];
    const key = QueryLog.key(prefix);
    if (last && key.endsWith(last.word) && !/[\s\p{P}]$/u.test(prefix)) {
      const head = key.slice(0, key.length - last.word.length);
      const words = [this.index.termIds.get(last.term), ...this.searcher.completions(last.term)]
        .filter((t): t is number => t !== undefined && this.index.documentFrequency(t) > 0)
        .map((t) => this.index.surface[t] ?? (this.index.termText[t] as string))
        .filter((w) => w.startsWith(last.word.slice(0, Math.max(1, last.word.length - 1))));
      for (const word of words) {
        const text = `${head}${word}`;
        if (out.length >= k) break;
        if (!seen.has(text)) {
          seen.add(text);
          out.push({ text, source: 'catalog' });
        }
      }
    }
    return out.slice(0, k);
  }

  private semanticHits(vector: Float32Array, filter: ((doc: number) => boolean) | undefined): Array<{ doc: number; score: number }> {
    const hits = (this.semantic as SemanticSource).search(vector, this.settings.depth, (itemId) => {
      const doc = this.index.numberOf(itemId);
      return doc === undefined || (filter !== undefined && !filter(doc));
    });
    return hits.flatMap((h) => {
      const doc = this.index.numberOf(h.itemId);
      return doc === undefined ? [] : [{ doc, score: h.score }];
    });
  }

  /** Boosts the fused head by the shopper's affinities and the query's clicks, each bounded. */
  private rerank(query: string, fused: readonly FusedDoc[], request: SearchRequest, lexical: Map<number, { bm25: number; coverage: number; pairs: number }>): Ranked[] {
    const s = this.settings;
    const clicks = s.clickWeight > 0 ? this.queries.clicksFor(query) : undefined;
    const profile = s.personalWeight > 0 ? request.profile : undefined;
    const out = fused.map((f) => {
      const id = this.index.ids[f.doc] as string;
      const personal = profile ? s.personalWeight * this.affinity(f.doc, id, profile) : 0;
      const c = clicks?.get(id) ?? 0;
      const click = s.clickWeight * (c / (c + 3));
      const score = f.score * (1 + personal + click);
      const ranked: Ranked = { doc: f.doc, score };
      if (request.explain || !Number.isNaN(f.semantic)) {
        const lex = lexical.get(f.doc);
        ranked.explain = {
          ...(lex ? { bm25: lex.bm25, coverage: lex.coverage, pairs: lex.pairs } : {}),
          ...(Number.isNaN(f.lexical) ? {} : { lexical: f.lexical }),
          ...(Number.isNaN(f.semantic) ? {} : { semantic: f.semantic }),
          fused: f.score,
          personal,
          clicks: click,
        };
      }
      return ranked;
    });
    return out.sort((a, b) => b.score - a.score || a.doc - b.doc);
  }

  /**
   * 0..1: the deepest category share, brand share, cosine to the shopper's mean vector and the CF
   * model's score, weighted 0.4 / 0.2 / 0.2 / 0.2.
   */
  private affinity(doc: number, itemId: string, profile: ShopperProfile): number {
    let category = 0;
    for (const c of this.facts.categoriesOf(doc)) category = Math.max(category, profile.categories.get(c) ?? 0);
    const brand = this.facts.brandOf(doc);
    const brandShare = brand === undefined ? 0 : (profile.brands.get(brand) ?? 0);
    let cosine = 0;
    const v = profile.vector && this.semantic?.vectorOf(itemId);
    if (v && profile.vector) for (let i = 0; i < v.length; i++) cosine += (v[i] as number) * (profile.vector[i] as number);
    return 0.4 * category + 0.2 * brandShare + 0.2 * Math.max(0, cosine) + 0.2 * (profile.cf?.get(itemId) ?? 0);
  }

  private browse(request: SearchRequest, filter: ((doc: number) => boolean) | undefined, page: number, pageSize: number): SearchResult {
    const docs: number[] = [];
    for (let d = 0; d < this.index.capacity; d++) if (this.index.isLive(d) && (!filter || filter(d))) docs.push(d);
    const sort = request.sort && request.sort !== 'relevance' ? request.sort : 'popularity';
    const ordered = this.sorted(docs.map((doc) => ({ doc, score: 0 })), sort);
    const setDocs = Int32Array.from(docs);
    const result: SearchResult = {
      query: '',
      mode: 'browse',
      total: docs.length,
      page,
      pageSize,
      hits: this.page(ordered, page, pageSize, false),
      facets: Object.fromEntries((request.facets ?? []).map((f) => [f, this.facts.count(f, setDocs, setDocs.length, 20)])),
    };
    const price = this.facts.prices(setDocs, setDocs.length);
    if (price) result.price = price;
    return result;
  }

  private popular(filter: ((doc: number) => boolean) | undefined): Ranked[] {
    const docs: Ranked[] = [];
    for (let d = 0; d < this.index.capacity; d++) if (this.index.isLive(d) && (!filter || filter(d))) docs.push({ doc: d, score: this.facts.popularityOf(d) });
    return this.sorted(docs, 'popularity').slice(0, this.settings.depth);
  }

  /** Orders by the sort key; relevance keeps the given order. Ties fall back to the given order. */
  private sorted(ranked: Ranked[], sort: SortOrder): Ranked[] {
    if (sort === 'relevance') return ranked;
    const position = new Map(ranked.map((r, i) => [r.doc, i]));
    const f = this.facts;
    const key: (doc: number) => number =
      sort === 'price_asc' ? (d) => f.priceOf(d) : sort === 'price_desc' ? (d) => -f.priceOf(d) : sort === 'newest' ? (d) => -f.createdOf(d) : (d) => -f.popularityOf(d);
    return [...ranked].sort((a, b) => {
      const ka = key(a.doc);
      const kb = key(b.doc);
      // Items without the key (no price) go last.
      if (Number.isNaN(ka) !== Number.isNaN(kb)) return Number.isNaN(ka) ? 1 : -1;
      return ka - kb || (position.get(a.doc) as number) - (position.get(b.doc) as number);
    });
  }

  private page(ranked: readonly Ranked[], page: number, pageSize: number, explain: boolean): SearchHit[] {
    return ranked.slice((page - 1) * pageSize, page * pageSize).map((r) => {
      const hit: SearchHit = { itemId: this.index.ids[r.doc] as string, score: r.score };
      if (explain && r.explain) hit.explain = r.explain;
      return hit;
    });
  }
}
