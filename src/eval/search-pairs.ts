/**
 * Search evaluation on WANDS pairs: ROC-AUC of each system's relevance score over the 2,800
 * (query, product name) pairs.
 */
import { itemContent } from '../embed/item-vectors.js';
import { LexicalIndex } from '../search/lexical-index.js';
import { DEFAULT_LEXICAL_PARAMS, LexicalSearcher, type LexicalParams } from '../search/lexical-search.js';
import { DEFAULT_SEARCH } from '../search/settings.js';
import { Analyzer } from '../text/analyzer.js';
import type { PairDataset } from './search-data.js';
import { PLAIN_LEXICAL, type SearchEvalOptions, type SearchEvalReport } from './search-eval.js';
import { rocAuc } from './search-metrics.js';

/**
 * ROC-AUC of each system's relevance score over WANDS pairs; the names of all pairs form the
 * catalog. `shopfusion` scores a pair as the search service fuses a single candidate: (1 − w) ·
 * the share of the query it matches (its coverage) + w · its cosine above the floor.
 */
export async function evaluatePairs(data: PairDataset, options: SearchEvalOptions): Promise<SearchEvalReport> {
  const titles = [...new Set(data.pairs.map((p) => p.title))];
  const index = new LexicalIndex(new Analyzer());
  index.upsertMany(titles.map((title, i) => ({ id: String(i), texts: { title } })));
  const number = new Map(titles.map((t, i) => [t, index.numberOf(String(i)) as number]));
  const labels = data.pairs.map((p) => p.relevant);
  const lexical = (params: LexicalParams) => {
    const searcher = new LexicalSearcher(index, params);
    return data.pairs.map((pair) => {
      const doc = number.get(pair.title) as number;
      const hit = searcher.run(searcher.parse(pair.query), 1, 1, (d) => d === doc)[0];
      return hit ?? { score: 0, coverage: 0 };
    });
  };
  const results: SearchEvalReport['results'] = {};
  const record = (name: string, scores: readonly number[], note?: string) => {
    results[name] = { auc: rocAuc(scores, labels), ...(note && { note }) };
    options.log?.(`${name.padEnd(12)} auc ${rocAuc(scores, labels).toFixed(4)}`);
  };
  record('bm25', lexical(PLAIN_LEXICAL).map((h) => h.score));
  const ours = lexical(DEFAULT_LEXICAL_PARAMS);
  let cosines: number[] | undefined;
  if (options.semantic !== false) {
    const cache = { ...(options.embedCache && { cacheDir: options.embedCache }), log: options.log ?? (() => {}) };
    const queries = [...new Set(data.pairs.map((p) => p.query))];
    const qv = await itemContent(queries, cache).vectors('use-lite');
    const tv = await itemContent(titles, cache).vectors('use-lite');
    const qRow = new Map(queries.map((q, i) => [q, i]));
    const tRow = new Map(titles.map((t, i) => [t, i]));
    const d = qv.dimensions;
    cosines = data.pairs.map((pair) => {
      const a = qRow.get(pair.query) as number;
      const b = tRow.get(pair.title) as number;
      let dot = 0;
      for (let i = 0; i < d; i++) dot += (qv.data[a * d + i] as number) * (tv.data[b * d + i] as number);
      return dot;
    });
    record('semantic', cosines, 'use-lite cosine');
  }
  const { semanticWeight, cosineFloor: floor, adaptive } = DEFAULT_SEARCH.hybrid;
  record(
    'shopfusion',
    ours.map((h, i) => {
      if (!cosines) return h.coverage;
      const w = adaptive ? semanticWeight * (1 - h.coverage) : semanticWeight;
      return (1 - w) * h.coverage + w * Math.max(0, ((cosines[i] as number) - floor) / (1 - floor));
    }),
    cosines ? `the shipped hybrid on one candidate: (1 − w)·coverage + w·semantic, w = ${semanticWeight}${adaptive ? '·(1 − coverage)' : ''}` : 'lexical coverage (no embedder)',
  );
  return {
    dataset: data.name,
    protocol: { pairs: data.pairs.length, titles: titles.length, metric: 'ROC-AUC of the relevance score over all pairs (ties count one half)' },
    results,
  };
}
