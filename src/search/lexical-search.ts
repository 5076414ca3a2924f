/**
 * Lexical retrieval over a {@link LexicalIndex}: a query is cut into words, each word matches its
 * own term and its variants (typos, the last word as a prefix while typing, synonyms, and two
 * neighbouring words written as one), and an item's score is
 *
 *   BM25F(item) · coverage^γ · (1 + δ · adjacent pairs / (words − 1))
 *
 * where coverage is the idf-weighted share of the query's words the item matches (shoppers expect
 * items with every word first) and adjacent pairs counts neighbouring query words that sit next to
 * each other in one field of the item (a phrase boost).
 */
import { topK } from '../core/top-k.js';
import type { Token } from '../text/analyzer.js';
import { Accumulator, type LexicalIndex } from './lexical-index.js';
import { allowedTypos } from './typos.js';

export interface LexicalSearchOptions {
  /** Expand the last word to the terms it begins (as-you-type). Default false. */
  prefix?: boolean;
  /** Typo tolerance (default true). */
  typos?: boolean;
  /** Items scored in full (with proximity) before the final cut (default 200). */
  depth?: number;
}

export interface LexicalParams {
  /** Exponent of the matched-word coverage (0 = plain BM25F). */
  coverage: number;
  /** Weight of the phrase boost. */
  proximity: number;
  /** Weight of a term one typo away (squared for two typos). */
  typo: number;
  /** Weight of a typo variant when the word itself is in the vocabulary. */
  typoKnown: number;
  /** Weight of a prefix completion. */
  prefix: number;
  /** Weight of a synonym. */
  synonym: number;
  /** Weight of two neighbouring words matched as one term ("deck over" → deckover). */
  join: number;
  /** Longest list of prefix completions per word. */
  maxCompletions: number;
}

export const DEFAULT_LEXICAL_PARAMS: LexicalParams = {
  coverage: 2,
  proximity: 0.25,
  typo: 0.6,
  typoKnown: 0,
  prefix: 0.7,
  synonym: 0.8,
  join: 0.8,
  maxCompletions: 30,
};

export type VariantKind = 'exact' | 'typo' | 'prefix' | 'synonym' | 'join';

export interface Variant {
  term: number;
  weight: number;
  kind: VariantKind;
  /** Query words this variant stands for (a bit per word). */
  bits: number;
}

export interface ParsedQuery {
  words: Token[];
  variants: Variant[];
  /** idf weight of each word (its best variant's), for coverage. */
  wordWeights: Float64Array;
}

export interface LexicalHit {
  doc: number;
  score: number;
  bm25: number;
  /** Share of the query's weight matched (0..1). */
  coverage: number;
  /** Neighbouring query-word pairs found next to each other. */
  pairs: number;
  /** Bit i set: the item matched query word i (through any variant). */
  mask: number;
}

/** Synonym groups by term: each term → the other terms of its groups. */
export type SynonymMap = ReadonlyMap<string, readonly string[]>;

export class LexicalSearcher {
  private readonly acc = new Accumulator();
  private sortedTerms: number[] = [];
  private sortedFor = -1;

  constructor(
    readonly index: LexicalIndex,
    readonly params: LexicalParams = DEFAULT_LEXICAL_PARAMS,
    readonly synonyms: SynonymMap = new Map(),
  ) {}

  /** Words and term variants of a query. At most 32 words are used. */
  parse(query: string, options: LexicalSearchOptions = {}): ParsedQuery {
    const words = this.index.analyzer.tokens(query).slice(0, 32);
    const p = this.params;
    const index = this.index;
    const variants: Variant[] = [];
    const add = (term: number | undefined, weight: number, kind: VariantKind, bits: number) => {
      if (term === undefined || weight <= 0 || index.documentFrequency(term) === 0) return;
      const same = variants.find((v) => v.term === term);
      if (same) {
        same.bits |= bits;
        if (weight > same.weight) {
          same.weight = weight;
          same.kind = kind;
        }
        return;
      }
      variants.push({ term, weight, kind, bits });
    };
    words.forEach((word, i) => {
      const bit = 1 << i;
      const exact = index.termIds.get(word.term);
      const known = exact !== undefined && index.documentFrequency(exact) > 0;
      add(exact, 1, 'exact', bit);
      for (const synonym of this.synonyms.get(word.term) ?? []) add(index.termIds.get(synonym), p.synonym, 'synonym', bit);
      const last = i === words.length - 1;
      if (options.typos !== false && /^\p{L}/u.test(word.term)) {
        const base = known ? p.typoKnown : p.typo;
        if (base > 0) {
          for (const m of index.typos.lookup(word.term, (id) => index.termText[id] as string, allowedTypos(word.term.length))) {
            add(m.term, base ** m.distance, 'typo', bit);
          }
        }
      }
      if (options.prefix && last) for (const term of this.completions(word.term)) add(term, p.prefix, 'prefix', bit);
      const next = words[i + 1];
      if (next && p.join > 0) add(index.termIds.get(index.analyzer.term(word.word + next.word)), p.join, 'join', bit | (bit << 1));
    });
    const wordWeights = new Float64Array(words.length);
    for (const v of variants) {
      const w = v.weight * index.idf(v.term);
      for (let i = 0; i < words.length; i++) if (v.bits & (1 << i) && w > (wordWeights[i] as number)) wordWeights[i] = w;
    }
    return { words, variants, wordWeights };
  }

  /** The best `k` items for a query, best first. */
  search(query: string, k: number, options: LexicalSearchOptions = {}): LexicalHit[] {
    return this.run(this.parse(query, options), k, options.depth ?? 200);
  }

  /** Scores a parsed query; `filter(doc)` false drops an item. */
  run(parsed: ParsedQuery, k: number, depth = 200, filter?: (doc: number) => boolean): LexicalHit[] {
    const acc = this.acc;
    acc.reset();
    for (const v of parsed.variants) this.index.accumulate(v.term, v.weight, v.bits, acc);
    const total = parsed.wordWeights.reduce((s, w) => s + w, 0);
    if (acc.count === 0 || total <= 0) return [];
    const wordBits = parsed.words.length;
    // Coverage first: the BM25F sum is reweighted in place, then the best `depth` get proximity.
    const coverageOf = this.memo(wordBits);
    const powOf = this.powMemo;
    for (let i = 0; i < acc.count; i++) {
      const d = acc.touched[i] as number;
      if (filter && !filter(d)) {
        acc.scores[d] = -Infinity;
        continue;
      }
      const mask = acc.masks[d] as number;
      let factor = mask < powOf.length ? (powOf[mask] as number) : Number.NaN;
      if (Number.isNaN(factor)) {
        factor = this.coverage(mask, parsed.wordWeights, total, coverageOf) ** this.params.coverage;
        if (mask < powOf.length) powOf[mask] = factor;
      }
      acc.scores[d] = (acc.scores[d] as number) * factor;
    }
    const head = topK(acc.scores, Math.max(k, depth), undefined, acc.touched, acc.count);
    const pairMap = this.pairMap(parsed);
    const hits: LexicalHit[] = [];
    for (let i = 0; i < head.items.length; i++) {
      const doc = head.items[i] as number;
      const mask = acc.masks[doc] as number;
      const coverage = this.coverage(mask, parsed.wordWeights, total, coverageOf);
      const pairs = wordBits > 1 ? this.adjacentPairs(doc, pairMap) : 0;
      const base = head.scores[i] as number;
      const score = base * (1 + (this.params.proximity * pairs) / Math.max(1, wordBits - 1));
      hits.push({ doc, score, bm25: coverage > 0 ? base / coverage ** this.params.coverage : 0, coverage, pairs, mask });
    }
    hits.sort((a, b) => b.score - a.score || a.doc - b.doc);
    return hits.slice(0, k);
  }

  /**
   * The items of the last `run` whose coverage is at least `minShare` of the best coverage found
   * (filtered items excluded): the result set that facets count and `total` reports. Valid until
   * the next run.
   */
  lastMatches(parsed: ParsedQuery, minShare: number): { docs: Int32Array; count: number; bestCoverage: number } {
    const acc = this.acc;
    const total = parsed.wordWeights.reduce((s, w) => s + w, 0);
    const memo = this.memo(parsed.words.length);
    let best = 0;
    for (let i = 0; i < acc.count; i++) {
      const d = acc.touched[i] as number;
      if (acc.scores[d] === -Infinity) continue;
      best = Math.max(best, this.coverage(acc.masks[d] as number, parsed.wordWeights, total, memo));
    }
    const docs = new Int32Array(acc.count);
    let count = 0;
    for (let i = 0; i < acc.count; i++) {
      const d = acc.touched[i] as number;
      if (acc.scores[d] === -Infinity) continue;
      if (this.coverage(acc.masks[d] as number, parsed.wordWeights, total, memo) >= minShare * best - 1e-9) docs[count++] = d;
    }
    return { docs, count, bestCoverage: best };
  }

  /** The last run's score of an item (0 when it matched nothing). */
  lastScore(doc: number): number {
    return this.acc.scores[doc] ?? 0;
  }

  /**
   * "Did you mean": the query with each word that matched only through a typo replaced by its
   * likeliest correction (the most frequent term at the smallest distance), or undefined when no
   * word needed one.
   */
  correction(parsed: ParsedQuery): string | undefined {
    const index = this.index;
    let changed = false;
    const words = parsed.words.map((word, i) => {
      const bit = 1 << i;
      const mine = parsed.variants.filter((v) => v.bits === bit);
      if (mine.some((v) => v.kind === 'exact' || v.kind === 'prefix')) return word.word;
      const typos = mine.filter((v) => v.kind === 'typo').sort((a, b) => b.weight - a.weight || index.documentFrequency(b.term) - index.documentFrequency(a.term));
      const best = typos[0];
      if (!best) return word.word;
      changed = true;
      return index.surface[best.term] ?? index.termText[best.term] ?? word.word;
    });
    return changed ? words.join(' ') : undefined;
  }

  /** Per-query caches by word mask (masks of up to 12 words), cleared for a new query. */
  private coverageMemo = new Float64Array(0);
  private powMemo = new Float64Array(0);
  private memo(words: number): Float64Array {
    const n = 1 << Math.min(words, 12);
    if (this.coverageMemo.length < n) {
      this.coverageMemo = new Float64Array(n);
      this.powMemo = new Float64Array(n);
    }
    this.coverageMemo.fill(Number.NaN, 0, n);
    this.powMemo.fill(Number.NaN, 0, n);
    return this.coverageMemo.subarray(0, n);
  }

  private coverage(mask: number, weights: Float64Array, total: number, memo: Float64Array): number {
    if (mask < memo.length && !Number.isNaN(memo[mask] as number)) return memo[mask] as number;
    let sum = 0;
    for (let i = 0; i < weights.length; i++) if (mask & (1 << i)) sum += weights[i] as number;
    const value = sum / total;
    if (mask < memo.length) memo[mask] = value;
    return value;
  }

  /** Term id → bits of the query words it stands for. */
  private pairMap(parsed: ParsedQuery): Map<number, number> {
    const out = new Map<number, number>();
    for (const v of parsed.variants) if (v.kind !== 'join') out.set(v.term, (out.get(v.term) ?? 0) | v.bits);
    return out;
  }

  /** How many query-word pairs (i, i + 1) occur as neighbours, in order, in one field of the item. */
  private adjacentPairs(doc: number, pairMap: Map<number, number>): number {
    const seq = this.index.sequence(doc);
    let found = 0;
    let prev = 0;
    for (let p = 0; p < seq.length; p++) {
      const term = seq[p] as number;
      const bits = term < 0 ? 0 : (pairMap.get(term) ?? 0);
      // Words i at p − 1 and i + 1 at p: the previous bits shifted onto this term's bits.
      found |= (prev << 1) & bits;
      prev = bits;
    }
    let pairs = 0;
    for (let x = found; x !== 0; x &= x - 1) pairs++;
    return pairs;
  }

  /** Terms beginning with `prefix`, most frequent first. */
  completions(prefix: string): number[] {
    const index = this.index;
    const text = index.termText;
    const firstAtOrAfter = (word: string): number => {
      let lo = 0;
      let hi = this.sortedTerms.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((text[this.sortedTerms[mid] as number] as string) < word) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    if (this.sortedFor < text.length) {
      // Terms added since the last call go in by binary insertion while they are few; a full sort otherwise.
      if (text.length - this.sortedFor > 1000 || this.sortedFor <= 0) {
        this.sortedTerms = text.map((_, i) => i).sort((a, b) => ((text[a] as string) < (text[b] as string) ? -1 : 1));
      } else {
        for (let t = this.sortedFor; t < text.length; t++) this.sortedTerms.splice(firstAtOrAfter(text[t] as string), 0, t);
      }
      this.sortedFor = text.length;
    }
    const sorted = this.sortedTerms;
    const lo = firstAtOrAfter(prefix);
    const out: number[] = [];
    for (let i = lo; i < sorted.length && (index.termText[sorted[i] as number] as string).startsWith(prefix); i++) {
      const term = sorted[i] as number;
      if (index.documentFrequency(term) > 0 && index.termText[term] !== prefix) out.push(term);
    }
    out.sort((a, b) => index.documentFrequency(b) - index.documentFrequency(a));
    return out.slice(0, this.params.maxCompletions);
  }
}
