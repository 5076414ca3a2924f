/**
 * A learned ranker for the head of a search result (LambdaMART, `rank/gbdt.ts`): it reorders the
 * fused candidates from features of the query, the item and how they matched. It learns from the
 * shop's own judgements: graded relevance labels, or search clicks as labels.
 */
import { LambdaMart, type LambdaMartOptions } from '../rank/gbdt.js';

export const SEARCH_FEATURES = [
  'fused',
  'bm25',
  'coverage',
  'pairShare',
  'words',
  'titleLength',
  'titleCoverage',
  'cosine',
  'lexicalRank',
  'lastWord',
  'numberShare',
  'firstWord',
  'popularity',
] as const;
export const SEARCH_DIMS = SEARCH_FEATURES.length;

/** What the service knows of one candidate, from which its feature row is made. */
export interface CandidateFacts {
  fused: number;
  bm25: number;
  coverage: number;
  pairs: number;
  /** Bits of the query words it matched. */
  mask: number;
  /** 1-based position in the lexical list; 0 when the lexical side did not return it. */
  lexicalRank: number;
  /** Cosine to the query vector (0 without vectors). */
  cosine: number;
  /** Its title's term ids in order. */
  title: ArrayLike<number>;
  popularity: number;
}

/** What every candidate of one query shares. */
export interface QueryFacts {
  words: number;
  /** Term ids standing for some query word (any variant). */
  queryTerms: ReadonlySet<number>;
  /** Bits of the query words that are numbers. */
  numberBits: number;
  depth: number;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

/** Writes one candidate's feature row at `out[offset ..]`. */
export function featureRow(query: QueryFacts, c: CandidateFacts, out: Float64Array, offset: number): void {
  let matched = 0;
  let first = 0;
  for (let i = 0; i < c.title.length; i++) {
    if (query.queryTerms.has(c.title[i] as number)) {
      matched++;
      if (i === 0) first = 1;
    }
  }
  const lastBit = query.words > 0 ? 1 << (query.words - 1) : 0;
  const numbers = popcount(query.numberBits);
  out[offset] = c.fused;
  out[offset + 1] = c.bm25;
  out[offset + 2] = c.coverage;
  out[offset + 3] = query.words > 1 ? c.pairs / (query.words - 1) : 0;
  out[offset + 4] = query.words;
  out[offset + 5] = c.title.length;
  out[offset + 6] = c.title.length > 0 ? matched / c.title.length : 0;
  out[offset + 7] = c.cosine;
  out[offset + 8] = c.lexicalRank > 0 ? c.lexicalRank : query.depth + 1;
  out[offset + 9] = c.mask & lastBit ? 1 : 0;
  out[offset + 10] = numbers > 0 ? popcount(c.mask & query.numberBits) / numbers : 1;
  out[offset + 11] = first;
  out[offset + 12] = Math.log1p(Math.max(0, c.popularity));
}

export interface RankerTrainingData {
  /** rows × SEARCH_DIMS. */
  features: Float64Array;
  labels: Float32Array;
  /** Row ranges of the queries: query g is rows starts[g] .. starts[g + 1]. */
  starts: Int32Array;
}

export class SearchRanker {
  private constructor(private readonly model: LambdaMart) {}

  /** Fits LambdaMART on judged result heads (early stopping on a held-out share of the queries). */
  static train(data: RankerTrainingData, seed: number, options: LambdaMartOptions = {}): SearchRanker {
    const model = new LambdaMart({ trees: 200, leaves: 15, minLeafRows: 50, ...options });
    model.fit({ dims: SEARCH_DIMS, ...data }, seed);
    return new SearchRanker(model);
  }

  /** Scores `rows` feature rows into `out`. */
  score(features: Float64Array, rows: number, out: Float64Array): void {
    this.model.score(features, rows, out);
  }

  save(): ReturnType<LambdaMart['save']> {
    return this.model.save();
  }

  static load(saved: ReturnType<LambdaMart['save']>): SearchRanker {
    return new SearchRanker(LambdaMart.load(saved));
  }
}
