/**
 * An Okapi BM25 inverted index over analysed documents in typed arrays (Robertson & Zaragoza
 * 2009, eq. 3.15 without the query-term saturation): each posting stores its document and its
 * precomputed saturated term frequency, so a query costs one pass over its terms' postings.
 */

export interface Bm25Options {
  /** Term-frequency saturation (default 1.2). */
  k1?: number;
  /** Document-length normalisation (default 0.75). */
  b?: number;
}

export class Bm25Index {
  private constructor(
    /** Term → term id. */
    readonly terms: Map<string, number>,
    /** Postings of term t are positions ptr[t] .. ptr[t + 1]. */
    readonly ptr: Int32Array,
    readonly docs: Int32Array,
    /** tf·(k1 + 1) / (tf + k1·(1 − b + b·len/avgLen)) of each posting. */
    readonly weights: Float32Array,
    /** Robertson–Spärck Jones idf, floored at 0: ln(1 + (N − df + 0.5)/(df + 0.5)). */
    readonly idf: Float32Array,
    readonly numDocs: number,
  ) {}

  /** Indexes documents given as their terms (`analyze` output); document i is index i. */
  static build(documents: ReadonlyArray<readonly string[]>, options: Bm25Options = {}): Bm25Index {
    const k1 = options.k1 ?? 1.2;
    const b = options.b ?? 0.75;
    const terms = new Map<string, number>();
    const counts: Array<Map<number, number>> = [];
    let totalLength = 0;
    for (const doc of documents) {
      const tf = new Map<number, number>();
      for (const term of doc) {
        let id = terms.get(term);
        if (id === undefined) {
          id = terms.size;
          terms.set(term, id);
        }
        tf.set(id, (tf.get(id) ?? 0) + 1);
      }
      counts.push(tf);
      totalLength += doc.length;
    }
    const avgLength = documents.length > 0 ? Math.max(1, totalLength / documents.length) : 1;
    const ptr = new Int32Array(terms.size + 1);
    for (const tf of counts) for (const id of tf.keys()) ptr[id + 1] = (ptr[id + 1] as number) + 1;
    for (let t = 0; t < terms.size; t++) ptr[t + 1] = (ptr[t + 1] as number) + (ptr[t] as number);
    const fill = ptr.slice(0, terms.size);
    const docs = new Int32Array(ptr[terms.size] as number);
    const weights = new Float32Array(docs.length);
    counts.forEach((tf, d) => {
      const norm = k1 * (1 - b + (b * (documents[d] as readonly string[]).length) / avgLength);
      for (const [id, f] of tf) {
        const at = fill[id] as number;
        fill[id] = at + 1;
        docs[at] = d;
        weights[at] = (f * (k1 + 1)) / (f + norm);
      }
    });
    const idf = new Float32Array(terms.size);
    const n = documents.length;
    for (let t = 0; t < terms.size; t++) {
      const df = (ptr[t + 1] as number) - (ptr[t] as number);
      idf[t] = Math.max(0, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
    }
    return new Bm25Index(terms, ptr, docs, weights, idf, n);
  }

  /**
   * Adds Σ_t queryWeight(t) · idf(t) · w(t, d) to `out[d]` for every document d (out is not
   * cleared: callers accumulate several queries or start from zeros).
   */
  score(termIds: ArrayLike<number>, queryWeights: ArrayLike<number>, count: number, out: Float32Array): void {
    for (let q = 0; q < count; q++) {
      const t = termIds[q] as number;
      const w = (queryWeights[q] as number) * (this.idf[t] as number);
      if (w === 0) continue;
      for (let p = this.ptr[t] as number, end = this.ptr[t + 1] as number; p < end; p++) {
        const d = this.docs[p] as number;
        out[d] = (out[d] as number) + w * (this.weights[p] as number);
      }
    }
  }

  /** Term ids of document d's distinct terms, by scanning postings (for building profiles). */
  documentTerms(): Int32Array[] {
    const byDoc: number[][] = Array.from({ length: this.numDocs }, () => []);
    for (let t = 0; t + 1 < this.ptr.length; t++) {
      for (let p = this.ptr[t] as number; p < (this.ptr[t + 1] as number); p++) (byDoc[this.docs[p] as number] as number[]).push(t);
    }
    return byDoc.map((ids) => Int32Array.from(ids));
  }

  save(): { terms: string; arrays: { ptr: Int32Array; docs: Int32Array; weights: Float32Array; idf: Float32Array } } {
    return { terms: [...this.terms.keys()].join('\n'), arrays: { ptr: this.ptr, docs: this.docs, weights: this.weights, idf: this.idf } };
  }

  static load(terms: string, arrays: { ptr: Int32Array; docs: Int32Array; weights: Float32Array; idf: Float32Array }, numDocs: number): Bm25Index {
    const map = new Map<string, number>(terms === '' ? [] : terms.split('\n').map((t, i) => [t, i]));
    return new Bm25Index(map, arrays.ptr, arrays.docs, arrays.weights, arrays.idf, numDocs);
  }
}
