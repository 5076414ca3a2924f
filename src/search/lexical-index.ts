/**
 * The lexical index: BM25F (Robertson, Zaragoza & Taylor 2004) over a shop's item fields in typed
 * arrays, updated item by item.
 *
 * - Each field has a weight and its own length normalisation; a posting holds the item's
 *   pseudo term frequency Σ_f w_f·tf_f / (1 − b_f + b_f·len_f/avglen_f), saturated at query time.
 * - Postings live in a compact segment (CSR arrays) plus a small append-only tail that takes
 *   upserts at once; a deleted or replaced item is masked until the tail is merged (when it
 *   outgrows a quarter of the segment, or on save), which also refreshes the average lengths.
 * - Each item's terms are kept in order, per field, for phrase and proximity scoring and for
 *   merging without re-analysing.
 */
import type { Analyzer } from '../text/analyzer.js';
import { TypoDictionary } from './typos.js';

export interface FieldSpec {
  name: string;
  /** Weight of a term occurrence in this field relative to one in another. */
  weight: number;
  /** Length normalisation of this field (default 0.75). */
  b?: number;
}

/** The item fields searched by default, and their weights. */
export const DEFAULT_FIELDS: readonly FieldSpec[] = [
  { name: 'title', weight: 1 },
  { name: 'brand', weight: 0.8, b: 0.2 },
  { name: 'categories', weight: 0.6, b: 0.3 },
  { name: 'attributes', weight: 0.4 },
  { name: 'description', weight: 0.2 },
];

export interface LexicalOptions {
  fields?: readonly FieldSpec[];
  /** BM25 term-frequency saturation (default 1.2). */
  k1?: number;
}

/** The text of an item, per field name. */
export type FieldTexts = Readonly<Record<string, string | undefined>>;

/** Postings added since the last merge, per term. */
interface TailPostings {
  docs: number[];
  tf: number[];
}

const FIELD_MARK = -1;

export interface LexicalSnapshot {
  fields: FieldSpec[];
  k1: number;
  terms: string;
  /** The written form of each term, in term order. */
  surface: string;
  ids: string;
  arrays: {
    ptr: Int32Array;
    docs: Int32Array;
    tf: Float32Array;
    tokens: Int32Array;
    tokenStart: Int32Array;
    fieldLengths: Int32Array;
  };
}

export class LexicalIndex {
  readonly fields: readonly FieldSpec[];
  readonly k1: number;
  /** Term text → term id, and back. */
  readonly termIds = new Map<string, number>();
  readonly termText: string[] = [];
  /** A word as written that each term came from (the first seen): how a term is shown to people. */
  readonly surface: string[] = [];
  /** Live items containing each term. */
  private df = new Int32Array(1024);
  readonly typos = new TypoDictionary();

  /** Item number → external id, and back (live items only in `numbers`). */
  readonly ids: string[] = [];
  private readonly numbers = new Map<string, number>();
  private live = new Uint8Array(1024);
  private liveCount = 0;
  /** Each item's term ids in reading order, each field preceded by -1 - field index. */
  private tokens: Int32Array = new Int32Array(4096);
  private tokensUsed = 0;
  private tokenStart: Int32Array = new Int32Array(1025);
  /** Field lengths per item (numItems × numFields), and their totals over live items. */
  private fieldLengths: Int32Array = new Int32Array(1024);
  private readonly lengthTotals: Float64Array;

  /** The merged segment: postings of term t at ptr[t] .. ptr[t + 1]. */
  private ptr: Int32Array = new Int32Array(1);
  private postDocs: Int32Array = new Int32Array(0);
  private postTf: Float32Array = new Float32Array(0);
  private tail = new Map<number, TailPostings>();
  private tailSize = 0;
  private bulk = false;

  constructor(
    readonly analyzer: Analyzer,
    options: LexicalOptions = {},
  ) {
    this.fields = options.fields ?? DEFAULT_FIELDS;
    this.k1 = options.k1 ?? 1.2;
    this.lengthTotals = new Float64Array(this.fields.length);
  }

  get size(): number {
    return this.liveCount;
  }

  /** Item numbers ever assigned (the bound of per-item arrays). */
  get capacity(): number {
    return this.ids.length;
  }

  numberOf(id: string): number | undefined {
    return this.numbers.get(id);
  }

  isLive(doc: number): boolean {
    return this.live[doc] === 1;
  }

  documentFrequency(term: number): number {
    return this.df[term] ?? 0;
  }

  /** Robertson–Spärck Jones idf over live items, floored at 0. */
  idf(term: number): number {
    const df = this.df[term] ?? 0;
    return Math.max(0, Math.log(1 + (this.liveCount - df + 0.5) / (df + 0.5)));
  }

  /** Adds or replaces an item; it is searchable when this returns. Returns its item number. */
  upsert(id: string, texts: FieldTexts): number {
    this.remove(id);
    const doc = this.ids.length;
    this.ids.push(id);
    this.numbers.set(id, doc);
    this.ensureDocs(doc + 1);
    const lengths: number[] = [];
    const sequence: number[] = [];
    this.fields.forEach((field, f) => {
      const text = texts[field.name];
      const tokens = text ? this.analyzer.tokens(text) : [];
      sequence.push(FIELD_MARK - f);
      for (const token of tokens) {
        const id = this.termId(token.term);
        if (this.surface[id] === undefined) this.surface[id] = token.word;
        sequence.push(id);
      }
      lengths.push(tokens.length);
    });
    this.ensureTokens(this.tokensUsed + sequence.length);
    this.tokenStart[doc] = this.tokensUsed;
    this.tokens.set(sequence, this.tokensUsed);
    this.tokensUsed += sequence.length;
    this.tokenStart[doc + 1] = this.tokensUsed;
    lengths.forEach((len, f) => {
      this.fieldLengths[doc * this.fields.length + f] = len;
      this.lengthTotals[f] = (this.lengthTotals[f] as number) + len;
    });
    this.live[doc] = 1;
    this.liveCount++;
    for (const [term, tf] of this.pseudoFrequencies(doc)) {
      this.df[term] = (this.df[term] as number) + 1;
      let postings = this.tail.get(term);
      if (!postings) this.tail.set(term, (postings = { docs: [], tf: [] }));
      postings.docs.push(doc);
      postings.tf.push(tf);
      this.tailSize++;
    }
    if (!this.bulk && this.tailSize > 4096 && this.tailSize > this.postDocs.length / 4) this.merge();
    return doc;
  }

  /** Removes an item; returns whether it was there. */
  remove(id: string): boolean {
    const doc = this.numbers.get(id);
    if (doc === undefined) return false;
    this.numbers.delete(id);
    this.live[doc] = 0;
    this.liveCount--;
    for (const term of this.distinctTerms(doc)) this.df[term] = (this.df[term] as number) - 1;
    for (let f = 0; f < this.fields.length; f++) {
      this.lengthTotals[f] = (this.lengthTotals[f] as number) - (this.fieldLengths[doc * this.fields.length + f] as number);
    }
    return true;
  }

  /**
   * Adds `weight · idf · saturated tf` of `term` to each live item containing it, and sets `bit`
   * in the item's mask of matched query words.
   */
  accumulate(term: number, weight: number, bit: number, acc: Accumulator): void {
    const w = weight * this.idf(term);
    if (w <= 0) return;
    const k1 = this.k1;
    const live = this.live;
    acc.reserve(this.ids.length);
    if (term + 1 < this.ptr.length) {
      const docs = this.postDocs;
      const tfs = this.postTf;
      for (let p = this.ptr[term] as number, end = this.ptr[term + 1] as number; p < end; p++) {
        const d = docs[p] as number;
        if (live[d] !== 1) continue;
        const tf = tfs[p] as number;
        acc.add(d, (w * tf * (k1 + 1)) / (tf + k1), bit);
      }
    }
    const tail = this.tail.get(term);
    if (!tail) return;
    for (let i = 0; i < tail.docs.length; i++) {
      const d = tail.docs[i] as number;
      if (live[d] !== 1) continue;
      const tf = tail.tf[i] as number;
      acc.add(d, (w * tf * (k1 + 1)) / (tf + k1), bit);
    }
  }

  /** Runs `add` with merging held back (a bulk load merges once, at its end). */
  upsertBulk(add: () => void): void {
    const was = this.bulk;
    this.bulk = true;
    try {
      add();
    } finally {
      this.bulk = was;
    }
  }

  /** Adds items given as field texts in one go: averages are exact and the segment is built once. */
  upsertMany(items: Iterable<{ id: string; texts: FieldTexts }>): void {
    this.bulk = true;
    try {
      for (const { id, texts } of items) this.upsert(id, texts);
    } finally {
      this.bulk = false;
    }
    this.merge();
  }

  /** The term ids of an item in reading order, with field marks (-1 - field index) between fields. */
  sequence(doc: number): Int32Array {
    return this.tokens.subarray(this.tokenStart[doc] as number, this.tokenStart[doc + 1] as number);
  }

  /** Id of a term, adding it to the vocabulary (and the typo dictionary) when new. */
  termId(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.termText.length;
      this.termIds.set(term, id);
      this.termText.push(term);
      if (id >= this.df.length) this.df = grow(this.df, id + 1);
      this.typos.add(term, id);
    }
    return id;
  }

  /** Rebuilds the segment from the live items, folding in the tail and refreshing lengths. */
  merge(): void {
    const counts = new Int32Array(this.termText.length + 1);
    const frequencies: Array<Map<number, number>> = [];
    const docs: number[] = [];
    for (let d = 0; d < this.ids.length; d++) {
      if (this.live[d] !== 1) continue;
      const tf = this.pseudoFrequencies(d);
      frequencies.push(tf);
      docs.push(d);
      for (const term of tf.keys()) counts[term + 1] = (counts[term + 1] as number) + 1;
    }
    for (let t = 0; t < this.termText.length; t++) counts[t + 1] = (counts[t + 1] as number) + (counts[t] as number);
    const fill = counts.slice(0, this.termText.length);
    const postDocs = new Int32Array(counts[this.termText.length] as number);
    const postTf = new Float32Array(postDocs.length);
    frequencies.forEach((tf, i) => {
      for (const [term, value] of tf) {
        const at = fill[term] as number;
        fill[term] = at + 1;
        postDocs[at] = docs[i] as number;
        postTf[at] = value;
      }
    });
    this.ptr = counts;
    this.postDocs = postDocs;
    this.postTf = postTf;
    this.tail = new Map();
    this.tailSize = 0;
  }

  snapshot(): LexicalSnapshot {
    this.merge();
    const n = this.ids.length;
    return {
      fields: this.fields.map((f) => ({ ...f })),
      k1: this.k1,
      terms: this.termText.join('\n'),
      surface: this.termText.map((t, i) => this.surface[i] ?? t).join('\n'),
      ids: this.ids.map((id, d) => (this.live[d] === 1 ? id : '')).join('\n'),
      arrays: {
        ptr: this.ptr,
        docs: this.postDocs,
        tf: this.postTf,
        tokens: this.tokens.slice(0, this.tokensUsed),
        tokenStart: this.tokenStart.slice(0, n + 1),
        fieldLengths: this.fieldLengths.slice(0, n * this.fields.length),
      },
    };
  }

  static restore(analyzer: Analyzer, snapshot: LexicalSnapshot): LexicalIndex {
    const index = new LexicalIndex(analyzer, { fields: snapshot.fields, k1: snapshot.k1 });
    if (snapshot.terms !== '') for (const term of snapshot.terms.split('\n')) index.termId(term);
    if (snapshot.surface !== '') snapshot.surface.split('\n').forEach((word, i) => (index.surface[i] = word));
    const ids = snapshot.ids === '' && snapshot.arrays.tokenStart.length <= 1 ? [] : snapshot.ids.split('\n');
    index.ensureDocs(ids.length);
    ids.forEach((id, d) => {
      index.ids.push(id);
      if (id === '') return;
      index.numbers.set(id, d);
      index.live[d] = 1;
      index.liveCount++;
    });
    index.tokens = snapshot.arrays.tokens.slice();
    index.tokensUsed = index.tokens.length;
    index.tokenStart = grow(snapshot.arrays.tokenStart, Math.max(1025, ids.length + 1));
    index.fieldLengths = grow(snapshot.arrays.fieldLengths, Math.max(1024, ids.length * index.fields.length));
    for (let d = 0; d < ids.length; d++) {
      if (index.live[d] !== 1) continue;
      for (let f = 0; f < index.fields.length; f++) {
        index.lengthTotals[f] = (index.lengthTotals[f] as number) + (index.fieldLengths[d * index.fields.length + f] as number);
      }
      for (const term of index.distinctTerms(d)) index.df[term] = (index.df[term] as number) + 1;
    }
    index.ptr = snapshot.arrays.ptr;
    index.postDocs = snapshot.arrays.docs;
    index.postTf = snapshot.arrays.tf;
    return index;
  }

  /** BM25F pseudo frequencies of an item's terms under the current average field lengths. */
  private pseudoFrequencies(doc: number): Map<number, number> {
    const out = new Map<number, number>();
    const seq = this.sequence(doc);
    const norms = this.fields.map((field, f) => {
      const avg = this.liveCount > 0 ? Math.max(1, (this.lengthTotals[f] as number) / this.liveCount) : 1;
      const b = field.b ?? 0.75;
      return field.weight / (1 - b + (b * (this.fieldLengths[doc * this.fields.length + f] as number)) / avg);
    });
    let norm = 0;
    for (const term of seq) {
      if (term < 0) norm = norms[FIELD_MARK - term] as number;
      else out.set(term, (out.get(term) ?? 0) + norm);
    }
    return out;
  }

  private distinctTerms(doc: number): Set<number> {
    const out = new Set<number>();
    for (const term of this.sequence(doc)) if (term >= 0) out.add(term);
    return out;
  }

  private ensureDocs(n: number): void {
    if (n > this.live.length) this.live = grow(this.live, n);
    if (n + 1 > this.tokenStart.length) this.tokenStart = grow(this.tokenStart, n + 1);
    if (n * this.fields.length > this.fieldLengths.length) this.fieldLengths = grow(this.fieldLengths, n * this.fields.length);
  }

  private ensureTokens(n: number): void {
    if (n > this.tokens.length) this.tokens = grow(this.tokens, n);
  }
}

/**
 * Per-query score accumulation over item numbers, reused between queries: scores, a bit mask of
 * the query words each item matched, and the list of items touched (to read and reset them).
 */
export class Accumulator {
  scores = new Float32Array(0);
  masks = new Uint32Array(0);
  touched = new Int32Array(0);
  count = 0;

  reserve(n: number): void {
    if (n <= this.scores.length) return;
    this.scores = grow(this.scores, n);
    this.masks = grow(this.masks, n);
    this.touched = grow(this.touched, n);
  }

  add(doc: number, score: number, bit: number): void {
    if (this.masks[doc] === 0 && this.scores[doc] === 0) this.touched[this.count++] = doc;
    this.scores[doc] = (this.scores[doc] as number) + score;
    this.masks[doc] = (this.masks[doc] as number) | bit;
  }

  /** Zeroes the touched items for the next query. */
  reset(): void {
    for (let i = 0; i < this.count; i++) {
      const d = this.touched[i] as number;
      this.scores[d] = 0;
      this.masks[d] = 0;
    }
    this.count = 0;
  }
}

/** A copy of `array` with room for at least `n` entries (doubling). */
export function grow<T extends Int32Array | Uint8Array | Uint32Array | Float32Array>(array: T, n: number): T {
  if (n <= array.length) return array;
  const next = new (array.constructor as new (size: number) => T)(Math.max(n, array.length * 2));
  next.set(array);
  return next;
}
