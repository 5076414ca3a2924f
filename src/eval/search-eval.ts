/**
 * `shopfusion eval-search`: product search quality on a judged dataset, ours and the peers side
 * by side in one run.
 *
 * Home Depot: each system searches all titles; NDCG@10 with gain = relevance − 1 over the full
 * retrieval (unjudged titles gain 0) and over each query's judged set reordered by the system's
 * scores (rerank). The run is repeated with one seeded typo per query. Parameters learned from the
 * judgements (hybrid weights) are fitted by cross-validation over queries: each query is scored
 * by a fit on the other folds only.
 *
 * WANDS pairs are evaluated by `search-pairs.ts`.
 */
import { createVectorIndex, type VectorIndex } from '../ann/vector-index.js';
import { itemContent } from '../embed/item-vectors.js';
import type { ItemVectors } from '../models/types.js';
import { Rng } from '../models/random.js';
import { fuseHybrid, type HybridParams, type ScoredDoc } from '../search/hybrid.js';
import { SEARCH_DIMS, SearchRanker } from '../search/ranker.js';
import { SearchService, type SemanticSource } from '../search/service.js';
import { DEFAULT_SEARCH } from '../search/settings.js';
import { Analyzer } from '../text/analyzer.js';
import { LexicalIndex } from '../search/lexical-index.js';
import { DEFAULT_LEXICAL_PARAMS, LexicalSearcher, type LexicalParams } from '../search/lexical-search.js';
import type { RankingDataset } from './search-data.js';
import { gradedNdcg, injectTypo, orderByScore, queryFolds } from './search-metrics.js';
import { fts5Peer, miniSearchPeer, oramaPeer, type PeerEngine } from './search-peers.js';

export interface SearchEvalOptions {
  seed: number;
  folds: number;
  /** Systems to run (default all). */
  systems?: readonly string[];
  /** Run the systems that need item vectors (default true). */
  semantic?: boolean;
  /** Where item and query vectors are kept between runs. */
  embedCache?: string;
  log?: (line: string) => void;
}

export interface SystemResult {
  'ndcg@10': number;
  'rerank-ndcg@10': number;
  'typo-ndcg@10'?: number;
  /** Relative loss of full-retrieval NDCG@10 under one typo per query. */
  'typo-loss'?: number;
  'build-ms': number;
  'query-ms'?: number;
  note?: string;
}

export interface SearchEvalReport {
  dataset: string;
  protocol: Record<string, unknown>;
  results: Record<string, SystemResult | { auc: number; note?: string }>;
  ratios?: Record<string, number>;
}

/** A system under evaluation: full retrieval and scoring of a judged set, for query number q. */
interface RankingSystem {
  name: string;
  buildMs: number;
  note?: string;
  search(query: string, q: number, typo: boolean): Promise<string[]>;
  rerank(query: string, q: number, ids: readonly string[]): Promise<string[]>;
}

/** BM25F alone: no coverage, phrase, typo or compound handling. */
export const PLAIN_LEXICAL: LexicalParams = { ...DEFAULT_LEXICAL_PARAMS, coverage: 0, proximity: 0, typo: 0, typoKnown: 0, join: 0, synonym: 0 };

export const RANKING_SYSTEMS = ['bm25', 'semantic', 'hybrid', 'hybrid-rrf', 'shopfusion', 'shopfusion-ltr', 'minisearch', 'orama', 'fts5'] as const;
const NEEDS_VECTORS = new Set(['semantic', 'hybrid', 'hybrid-rrf']);

/** Hybrid settings tried by cross-validation. */
const HYBRID_GRID: HybridParams[] = [false, true].flatMap((adaptive) =>
  [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7].flatMap((w) => [0.2, 0.3, 0.4].map((floor) => ({ method: 'linear' as const, semanticWeight: w, cosineFloor: floor, adaptive }))),
);
const RRF_GRID: HybridParams[] = [0.2, 0.3, 0.4, 0.5, 0.6].map((w) => ({ method: 'rrf' as const, semanticWeight: w, cosineFloor: 0 }));

function lexicalSystem(name: string, index: LexicalIndex, params: LexicalParams, buildMs: number): RankingSystem {
  const searcher = new LexicalSearcher(index, params);
  const typos = params.typo > 0 || params.typoKnown > 0;
  return {
    name,
    buildMs,
    search: async (query, _q, _typo) => searcher.search(query, 10, { typos }).map((h) => index.ids[h.doc] as string),
    rerank: async (query, _q, ids) => judgedOrder(searcher, index, query, ids, typos),
  };
}

/** A judged set ordered by the lexical score (items it does not match last, in file order). */
function judgedOrder(searcher: LexicalSearcher, index: LexicalIndex, query: string, ids: readonly string[], typos: boolean): string[] {
  const allowed = new Set(ids.map((id) => index.numberOf(id)));
  const hits = searcher.run(searcher.parse(query, { typos }), ids.length, ids.length, (doc) => allowed.has(doc));
  const score = new Map(hits.map((h) => [index.ids[h.doc] as string, h.score]));
  return orderByScore(ids, ids.map((id) => score.get(id) ?? 0));
}

function peerSystem(peer: PeerEngine, buildMs: number): RankingSystem {
  return {
    name: peer.name,
    buildMs,
    search: (query) => peer.search(query, 10),
    rerank: async (query, _q, ids) => {
      const scores = await peer.scores(query, 1000);
      return orderByScore(ids, ids.map((id) => scores.get(id) ?? 0));
    },
  };
}

/** Fixed item vectors behind the semantic interface of the search service. */
class FixedVectors implements SemanticSource {
  private readonly index: VectorIndex;
  private readonly keys = new Map<string, number>();
  constructor(
    private readonly ids: readonly string[],
    private readonly vectors: ItemVectors,
  ) {
    const present = ids.flatMap((_, i) => (vectors.present[i] === 1 ? [i] : []));
    this.index = createVectorIndex(vectors.dimensions, present.length);
    const rows = new Float32Array(present.length * vectors.dimensions);
    present.forEach((i, r) => rows.set(vectors.data.subarray(i * vectors.dimensions, (i + 1) * vectors.dimensions), r * vectors.dimensions));
    this.index.add(present, rows);
    ids.forEach((id, i) => this.keys.set(id, i));
  }
  search(query: Float32Array, k: number, skip?: (itemId: string) => boolean): Array<{ itemId: string; score: number }> {
    const found = this.index.search(query, k, skip ? (key) => !skip(this.ids[key] as string) : undefined);
    return Array.from(found.keys, (key, i) => ({ itemId: this.ids[key] as string, score: found.scores[i] as number }));
  }
  vectorOf(itemId: string): Float32Array | undefined {
    const i = this.keys.get(itemId);
    return i === undefined || this.vectors.present[i] !== 1 ? undefined : this.vectors.data.subarray(i * this.vectors.dimensions, (i + 1) * this.vectors.dimensions);
  }
}

async function timed<T>(build: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await build();
  return { value, ms: performance.now() - started };
}

/** Per query and per setting, the NDCG@10 of fusing the given lexical and semantic hits. */
function hybridScores(
  grid: readonly HybridParams[],
  queries: RankingDataset['queries'],
  hits: ReadonlyArray<{ lexical: ScoredDoc[]; semantic: ScoredDoc[]; strength: number }>,
  ids: readonly string[],
): Float64Array[] {
  return grid.map((params) =>
    Float64Array.from(queries, (query, q) => {
      const h = hits[q] as (typeof hits)[number];
      const fused = fuseHybrid(h.lexical, h.semantic, h.strength, params);
      return gradedNdcg(fused.slice(0, 10).map((f) => ids[f.doc] as string), query.gains, 10);
    }),
  );
}

/**
 * Cross-validated choice among settings: each query's score comes from the setting that did best
 * on the other folds. Returns the mean score and how often each setting was chosen.
 */
export function crossValidate(scores: readonly Float64Array[], folds: Int32Array, numFolds: number): { mean: number; chosen: number[] } {
  const n = folds.length;
  const chosen: number[] = [];
  let total = 0;
  for (let f = 0; f < numFolds; f++) {
    let best = 0;
    let bestMean = -Infinity;
    scores.forEach((row, s) => {
      let sum = 0;
      let count = 0;
      for (let q = 0; q < n; q++) {
        if (folds[q] === f) continue;
        sum += row[q] as number;
        count++;
      }
      if (count > 0 && sum / count > bestMean) {
        bestMean = sum / count;
        best = s;
      }
    });
    chosen.push(best);
    for (let q = 0; q < n; q++) if (folds[q] === f) total += (scores[best] as Float64Array)[q] as number;
  }
  return { mean: total / n, chosen };
}

export async function evaluateRanking(data: RankingDataset, options: SearchEvalOptions): Promise<SearchEvalReport> {
  const log = options.log ?? (() => {});
  const wanted = new Set((options.systems ?? RANKING_SYSTEMS).filter((s) => options.semantic !== false || !NEEDS_VECTORS.has(s)));
  const rng = new Rng(options.seed);
  const typoQueries = data.queries.map((q) => injectTypo(q.text, rng));
  const folds = queryFolds(data.queries.length, options.folds, options.seed);
  const results: SearchEvalReport['results'] = {};
  const notes: Record<string, unknown> = {};

  const built = await timed(() => {
    const index = new LexicalIndex(new Analyzer());
    index.upsertMany(data.ids.map((id, i) => ({ id, texts: { title: data.titles[i] } })));
    return index;
  });
  log(`lexical index: ${data.ids.length.toLocaleString('en-US')} titles in ${built.ms.toFixed(0)} ms`);
  const index = built.value;

  // Vectors: the titles, the queries and the typo queries, through the bundled encoder.
  let vectors: { items: ItemVectors; queries: ItemVectors; semantic: FixedVectors } | undefined;
  if (options.semantic !== false && [...wanted].some((s) => NEEDS_VECTORS.has(s) || s === 'shopfusion')) {
    const cache = { log, ...(options.embedCache && { cacheDir: options.embedCache }) };
    const items = await itemContent(data.titles, cache).vectors('use-lite');
    const queries = await itemContent([...data.queries.map((q) => q.text), ...typoQueries], cache).vectors('use-lite');
    vectors = { items, queries, semantic: new FixedVectors(data.ids, items) };
  }
  const queryVector = (q: number, typo: boolean): Float32Array | undefined => {
    if (!vectors) return undefined;
    const row = typo ? q + data.queries.length : q;
    const d = vectors.queries.dimensions;
    return vectors.queries.present[row] === 1 ? vectors.queries.data.subarray(row * d, (row + 1) * d) : undefined;
  };

  const systems: RankingSystem[] = [];
  if (wanted.has('bm25')) systems.push(lexicalSystem('bm25', index, PLAIN_LEXICAL, built.ms));
  if (vectors && wanted.has('semantic')) {
    const semantic = vectors.semantic;
    systems.push({
      name: 'semantic',
      buildMs: 0,
      note: 'use-lite (bundled Universal Sentence Encoder lite), cosine over all titles',
      search: async (_query, q, typo) => {
        const v = queryVector(q, typo);
        return v ? semantic.search(v, 10).map((h) => h.itemId) : [];
      },
      rerank: async (_query, q, ids) => {
        const v = queryVector(q, false);
        return orderByScore(ids, ids.map((id) => {
          const iv = semantic.vectorOf(id);
          return v && iv ? iv.reduce((s, x, i) => s + x * (v[i] as number), 0) : 0;
        }));
      },
    });
  }
  if (vectors && (wanted.has('hybrid') || wanted.has('hybrid-rrf'))) {
    const searcher = new LexicalSearcher(index, DEFAULT_LEXICAL_PARAMS);
    const semantic = vectors.semantic;
    const hitsOf = (typo: boolean) =>
      data.queries.map((query, q) => {
        const text = typo ? (typoQueries[q] as string) : query.text;
        const parsed = searcher.parse(text);
        const lexical = searcher.run(parsed, 200, 200);
        const strength = lexical.length > 0 ? searcher.lastMatches(parsed, 0.5).bestCoverage : 0;
        const v = queryVector(q, typo);
        const sem = v ? semantic.search(v, 200).map((h) => ({ doc: index.numberOf(h.itemId) as number, score: h.score })) : [];
        return { lexical: lexical.map((h) => ({ doc: h.doc, score: h.score })), semantic: sem, strength };
      });
    const clean = hitsOf(false);
    const typo = hitsOf(true);
    for (const [name, grid] of [
      ['hybrid', HYBRID_GRID],
      ['hybrid-rrf', RRF_GRID],
    ] as const) {
      if (!wanted.has(name)) continue;
      const cv = crossValidate(hybridScores(grid, data.queries, clean, data.ids), folds, options.folds);
      const cvTypo = crossValidate(hybridScores(grid, data.queries, typo, data.ids), folds, options.folds);
      notes[name] = { chosen: cv.chosen.map((i) => grid[i]), grid: grid.length };
      // Rerank: the judged set ordered by the setting chosen most often.
      const counts = new Map<number, number>();
      for (const c of cv.chosen) counts.set(c, (counts.get(c) ?? 0) + 1);
      const params = grid[[...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0] as HybridParams;
      let rerank = 0;
      data.queries.forEach((query, q) => {
        const judged = [...query.gains.keys()];
        const allowed = new Set(judged.map((id) => index.numberOf(id)));
        const h = clean[q] as (typeof clean)[number];
        const fused = fuseHybrid(h.lexical.filter((x) => allowed.has(x.doc)), judgedCosines(semantic, judged, queryVector(q, false), index), h.strength, params);
        const score = new Map(fused.map((f) => [data.ids[f.doc] as string, f.score]));
        rerank += gradedNdcg(orderByScore(judged, judged.map((id) => score.get(id) ?? 0)), query.gains, 10);
      });
      const result: SystemResult = {
        'ndcg@10': cv.mean,
        'rerank-ndcg@10': rerank / data.queries.length,
        'typo-ndcg@10': cvTypo.mean,
        'typo-loss': cv.mean > 0 ? 1 - cvTypo.mean / cv.mean : 0,
        'build-ms': built.ms,
        note: `settings chosen by ${options.folds}-fold cross-validation over queries from ${grid.length}; each query scored by a choice made without it`,
      };
      results[name] = result;
      log(`${name.padEnd(12)} ndcg@10 ${cv.mean.toFixed(4)}  rerank ${result['rerank-ndcg@10'].toFixed(4)}  typo ${cvTypo.mean.toFixed(4)}`);
    }
  }
  if (wanted.has('shopfusion')) {
    const service = await timed(() => {
      const s = new SearchService(DEFAULT_SEARCH, {}, vectors?.semantic);
      s.upsert(data.ids.map((id, i) => ({ id, title: data.titles[i] as string, available: true, createdAt: '2016-01-01T00:00:00.000Z', updatedAt: '2016-01-01T00:00:00.000Z' })));
      s.index.merge();
      return s;
    });
    const engine = service.value;
    const rerankSearcher = new LexicalSearcher(engine.index, DEFAULT_LEXICAL_PARAMS);
    systems.push({
      name: 'shopfusion',
      buildMs: service.ms,
      note: vectors ? `the shipped default: lexical + use-lite hybrid (semantic weight ${DEFAULT_SEARCH.hybrid.semanticWeight})` : 'the shipped default without an embedder (lexical)',
      search: async (query, q, typo) => {
        const v = queryVector(q, typo);
        return engine.search({ q: query, pageSize: 10, ...(v && { queryVector: v }) }).hits.map((h) => h.itemId);
      },
      rerank: async (query, _q, ids) => judgedOrder(rerankSearcher, engine.index, query, ids, true),
    });
  }
  if (wanted.has('shopfusion-ltr')) {
    const engine = new SearchService(DEFAULT_SEARCH, {}, vectors?.semantic);
    engine.upsert(data.ids.map((id, i) => ({ id, title: data.titles[i] as string, available: true, createdAt: '2016-01-01T00:00:00.000Z', updatedAt: '2016-01-01T00:00:00.000Z' })));
    engine.index.merge();
    results['shopfusion-ltr'] = learnedRanking(engine, data, typoQueries, folds, options, queryVector);
    const r = results['shopfusion-ltr'];
    log(`${'shopfusion-ltr'.padEnd(12)} ndcg@10 ${r['ndcg@10'].toFixed(4)}  rerank ${r['rerank-ndcg@10'].toFixed(4)}  typo ${(r['typo-ndcg@10'] ?? 0).toFixed(4)}`);
  }
  if (wanted.has('minisearch')) {
    const peer = await timed(() => miniSearchPeer(data.ids, data.titles));
    systems.push(peerSystem(peer.value, peer.ms));
  }
  if (wanted.has('orama')) {
    const peer = await timed(() => oramaPeer(data.ids, data.titles));
    systems.push(peerSystem(peer.value, peer.ms));
  }
  if (wanted.has('fts5')) {
    const peer = await timed(() => fts5Peer(data.ids, data.titles));
    systems.push({ ...peerSystem(peer.value, peer.ms), note: 'SQLite FTS5, porter stemmer, bm25(), words OR-ed: the embedded alternative to our index' });
  }

  for (const system of systems) {
    let full = 0;
    let rerank = 0;
    let typo = 0;
    const started = performance.now();
    for (let q = 0; q < data.queries.length; q++) {
      const query = data.queries[q] as RankingDataset['queries'][number];
      full += gradedNdcg(await system.search(query.text, q, false), query.gains, 10);
    }
    const queryMs = (performance.now() - started) / data.queries.length;
    for (let q = 0; q < data.queries.length; q++) {
      const query = data.queries[q] as RankingDataset['queries'][number];
      rerank += gradedNdcg(await system.rerank(query.text, q, [...query.gains.keys()]), query.gains, 10);
      typo += gradedNdcg(await system.search(typoQueries[q] as string, q, true), query.gains, 10);
    }
    const n = data.queries.length;
    const result: SystemResult = {
      'ndcg@10': full / n,
      'rerank-ndcg@10': rerank / n,
      'typo-ndcg@10': typo / n,
      'typo-loss': full > 0 ? 1 - typo / full : 0,
      'build-ms': system.buildMs,
      'query-ms': queryMs,
    };
    if (system.note) result.note = system.note;
    results[system.name] = result;
    log(`${system.name.padEnd(12)} ndcg@10 ${result['ndcg@10'].toFixed(4)}  rerank ${result['rerank-ndcg@10'].toFixed(4)}  typo ${(result['typo-ndcg@10'] ?? 0).toFixed(4)}`);
  }
  const ratios: Record<string, number> = {};
  const ours = results.shopfusion as SystemResult | undefined;
  for (const peer of ['minisearch', 'orama', 'bm25']) {
    const other = results[peer] as SystemResult | undefined;
    if (ours && other && other['ndcg@10'] > 0) ratios[`shopfusion/${peer}`] = ours['ndcg@10'] / other['ndcg@10'];
  }
  return {
    dataset: data.name,
    protocol: {
      queries: data.queries.length,
      titles: data.ids.length,
      gain: 'relevance - 1 (0..2)',
      full: 'NDCG@10 over all titles, unjudged titles gain 0',
      rerank: "NDCG@10 of each query's judged titles ordered by the system's score (unscored last, in file order)",
      typo: 'one random typo per query (a letter deleted, inserted, replaced or swapped in a word of 4+ letters), seeded',
      seed: options.seed,
      folds: options.folds,
      ...(Object.keys(notes).length > 0 && { fitted: notes }),
    },
    results,
    ratios,
  };
}

/**
 * The shipped default with a learned ranker of its head, by cross-validation over queries: for
 * each fold, LambdaMART learns from the judged heads of the other folds' queries (gain as the
 * label, unjudged items 0) and ranks the fold's queries, which it never saw.
 */
function learnedRanking(
  engine: SearchService,
  data: RankingDataset,
  typoQueries: readonly string[],
  folds: Int32Array,
  options: SearchEvalOptions,
  queryVector: (q: number, typo: boolean) => Float32Array | undefined,
): SystemResult {
  const started = performance.now();
  const request = (q: number, typo: boolean) => {
    const v = queryVector(q, typo);
    return { q: typo ? (typoQueries[q] as string) : (data.queries[q] as RankingDataset['queries'][number]).text, ...(v && { queryVector: v }) };
  };
  let full = 0;
  let rerank = 0;
  let typo = 0;
  for (let f = 0; f < options.folds; f++) {
    engine.ranker = undefined;
    const rows: Float64Array[] = [];
    const labels: number[] = [];
    const starts = [0];
    data.queries.forEach((query, q) => {
      if (folds[q] === f) return;
      const head = engine.headFeatures(request(q, false));
      if (head.itemIds.length === 0) return;
      rows.push(head.features);
      for (const id of head.itemIds) labels.push(query.gains.get(id) ?? 0);
      starts.push(labels.length);
    });
    const features = new Float64Array(labels.length * SEARCH_DIMS);
    let at = 0;
    for (const r of rows) {
      features.set(r, at);
      at += r.length;
    }
    engine.ranker = SearchRanker.train({ features, labels: Float32Array.from(labels), starts: Int32Array.from(starts) }, options.seed + f);
    data.queries.forEach((query, q) => {
      if (folds[q] !== f) return;
      full += gradedNdcg(engine.search({ ...request(q, false), pageSize: 10 }).hits.map((h) => h.itemId), query.gains, 10);
      typo += gradedNdcg(engine.search({ ...request(q, true), pageSize: 10 }).hits.map((h) => h.itemId), query.gains, 10);
      const judged = [...query.gains.keys()];
      const head = engine.headFeatures(request(q, false), judged.length, new Set(judged));
      const scores = engine.rankerScores(head.features);
      const score = new Map(head.itemIds.map((id, i) => [id, scores[i] as number]));
      // Judged items the query does not match come last, in file order.
      const min = Math.min(0, ...scores) - 1;
      rerank += gradedNdcg(orderByScore(judged, judged.map((id) => score.get(id) ?? min)), query.gains, 10);
    });
  }
  engine.ranker = undefined;
  const n = data.queries.length;
  return {
    'ndcg@10': full / n,
    'rerank-ndcg@10': rerank / n,
    'typo-ndcg@10': typo / n,
    'typo-loss': full > 0 ? 1 - typo / full : 0,
    'build-ms': performance.now() - started,
    note: `the shipped default plus a LambdaMART ranker of its top ${DEFAULT_SEARCH.rankDepth}, learned by ${options.folds}-fold cross-validation over queries (each query ranked by a model that never saw it)`,
  };
}

/** Cosines of the judged titles to the query (for reranking a judged set semantically). */
function judgedCosines(semantic: FixedVectors, judged: readonly string[], v: Float32Array | undefined, index: LexicalIndex): ScoredDoc[] {
  if (!v) return [];
  return judged
    .flatMap((id) => {
      const iv = semantic.vectorOf(id);
      const doc = index.numberOf(id);
      return iv && doc !== undefined ? [{ doc, score: iv.reduce((s, x, i) => s + x * (v[i] as number), 0) }] : [];
    })
    .sort((a, b) => b.score - a.score);
}

/** The report as a table: one row per system. */
export function renderSearchTable(report: SearchEvalReport): string {
  const rows = Object.entries(report.results).map(([name, r]) =>
    'auc' in r
      ? [name, r.auc.toFixed(4)]
      : [name, r['ndcg@10'].toFixed(4), r['rerank-ndcg@10'].toFixed(4), (r['typo-ndcg@10'] ?? 0).toFixed(4), `${((r['typo-loss'] ?? 0) * 100).toFixed(1)}%`, r['query-ms'] === undefined ? '' : r['query-ms'].toFixed(2)],
  );
  const header = rows[0]?.length === 2 ? ['system', 'roc-auc'] : ['system', 'ndcg@10', 'rerank@10', 'typo@10', 'typo loss', 'ms/query'];
  const width = Math.max(12, ...rows.map((r) => (r[0] as string).length));
  const lines = [header, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(11))).join(' '));
  const ratios = Object.entries(report.ratios ?? {}).map(([k, v]) => `${k}: ${v.toFixed(3)}×`);
  return [`${report.dataset}`, ...lines, ...(ratios.length ? ['', ...ratios] : [])].join('\n');
}
