/**
 * `text-bm25`: content-based recommendation by BM25 over item text. The user's profile is the
 * bag of terms of their recent items (each item's distinct terms, weighted by recency) used as a
 * BM25 query against every item's text: the lexical baseline the semantic channels must beat,
 * and a channel that reaches cold items the moment their text is known.
 */
import { analyze } from '../text/analyze.js';
import { Bm25Index } from '../text/bm25.js';
import { forEachRecent } from './profile.js';
import { ModelNotApplicable, type FitOptions, type Recommender, type Snapshot, type TrainData } from './types.js';

export interface TextBm25Options {
  /** Weight of each older history item relative to the next (default 0.8). */
  recency?: number;
  maxHistory?: number;
  k1?: number;
  b?: number;
}

export class TextBm25 implements Recommender {
  readonly name = 'text-bm25';
  readonly params: Required<TextBm25Options>;
  private index?: Bm25Index;
  private docTerms: Int32Array[] = [];
  /** Query-term weights by term id, cleared after each query (sized at fit). */
  private queryWeights = new Float32Array(0);
  private queryTerms = new Int32Array(0);
  private packedWeights = new Float32Array(0);

  constructor(options: TextBm25Options = {}) {
    this.params = { recency: options.recency ?? 0.8, maxHistory: options.maxHistory ?? 50, k1: options.k1 ?? 1.2, b: options.b ?? 0.75 };
  }

  async fit(data: TrainData, _options: FitOptions): Promise<void> {
    const texts = data.content?.texts;
    if (!texts || texts.every((t) => t === '')) throw new ModelNotApplicable(this.name, 'the catalog has no item text');
    this.setIndex(Bm25Index.build(texts.map(analyze), { k1: this.params.k1, b: this.params.b }));
  }

  private setIndex(index: Bm25Index): void {
    this.index = index;
    this.docTerms = index.documentTerms();
    this.queryWeights = new Float32Array(index.terms.size);
    this.queryTerms = new Int32Array(index.terms.size);
    this.packedWeights = new Float32Array(index.terms.size);
  }

  score(_user: number, history: Int32Array, out: Float32Array): void {
    out.fill(0);
    let count = 0;
    forEachRecent(history, this.params.recency, this.params.maxHistory, (item, weight) => {
      for (const t of this.docTerms[item] ?? []) {
        if (this.queryWeights[t] === 0) this.queryTerms[count++] = t;
        this.queryWeights[t] = (this.queryWeights[t] as number) + weight;
      }
    });
    this.run(count, out);
  }

  similar(item: number, out: Float32Array): void {
    out.fill(0);
    let count = 0;
    for (const t of this.docTerms[item] ?? []) {
      this.queryTerms[count++] = t;
      this.queryWeights[t] = 1;
    }
    this.run(count, out);
  }

  private run(count: number, out: Float32Array): void {
    const index = this.index;
    if (!index) throw new Error('text-bm25 is not fitted');
    for (let q = 0; q < count; q++) this.packedWeights[q] = this.queryWeights[this.queryTerms[q] as number] as number;
    index.score(this.queryTerms, this.packedWeights, count, out);
    for (let q = 0; q < count; q++) this.queryWeights[this.queryTerms[q] as number] = 0;
  }

  save(): Snapshot {
    if (!this.index) throw new Error('text-bm25 is not fitted');
    const { terms, arrays } = this.index.save();
    return { model: this.name, params: { ...this.params }, arrays, meta: { terms, numDocs: this.index.numDocs } };
  }

  static load(snapshot: Snapshot): TextBm25 {
    const model = new TextBm25(snapshot.params as TextBm25Options);
    const a = snapshot.arrays as { ptr: Int32Array; docs: Int32Array; weights: Float32Array; idf: Float32Array };
    model.setIndex(Bm25Index.load(String(snapshot.meta?.terms ?? ''), a, Number(snapshot.meta?.numDocs ?? 0)));
    return model;
  }
}
