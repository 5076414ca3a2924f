/**
 * What the factor models (ALS, BPR, LightGCN) share: row norms, cosine similarity, the mean fold-in
 * and dot-product scoring over a row-major rows × f factor matrix, and their common base class.
 */
import { HnswIndex } from '../ann/vector-index.js';

/** The Euclidean norm of each row of a rows × f matrix. */
export function rowNorms(m: Float32Array, f: number): Float32Array {
  const rows = m.length / f;
  const norms = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let a = 0; a < f; a++) s += (m[r * f + a] as number) * (m[r * f + a] as number);
    norms[r] = Math.sqrt(s);
  }
  return norms;
}

/** out[j] = cos(row `item`, row j) of a rows × f matrix with precomputed row norms; 0 for zero rows. */
export function cosineRow(m: Float32Array, norms: Float32Array, f: number, item: number, out: Float32Array): void {
  const rows = norms.length;
  const ni = norms[item] as number;
  const yi = item * f;
  for (let j = 0; j < rows; j++) {
    const nj = norms[j] as number;
    if (!(ni > 0 && nj > 0)) {
      out[j] = 0;
      continue;
    }
    let s = 0;
    for (let a = 0; a < f; a++) s += (m[yi + a] as number) * (m[j * f + a] as number);
    out[j] = s / (ni * nj);
  }
}

/**
 * The mean of the rows of `items` named in `history` (repeats count as often as they occur; ids
 * outside 0..numItems-1 are ignored), written into out[0..f); zeros for an empty history. The
 * usual cheap fold-in of a visitor for models without a closed-form one.
 */
export function meanOfRows(items: Float32Array, f: number, numItems: number, history: Int32Array, out: Float32Array): void {
  out.fill(0, 0, f);
  let n = 0;
  for (let h = 0; h < history.length; h++) {
    const item = history[h] as number;
    if (!(item >= 0 && item < numItems)) continue;
    for (let a = 0; a < f; a++) out[a] = (out[a] as number) + (items[item * f + a] as number);
    n++;
  }
  if (n > 1) for (let a = 0; a < f; a++) out[a] = (out[a] as number) / n;
}

/** out[i] = x[xu..xu+f) · items row i (+ bias[i]) for every item: a factor model's scores. */
export function dotAllRows(x: Float32Array, xu: number, items: Float32Array, f: number, numItems: number, out: Float32Array, bias?: Float32Array): void {
  // Four running sums per row: independent additions V8 can overlap (about 2× a single sum).
  const tail = f - (f % 4);
  for (let i = 0; i < numItems; i++) {
    const yi = i * f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let a = 0; a < tail; a += 4) {
      s0 += (x[xu + a] as number) * (items[yi + a] as number);
      s1 += (x[xu + a + 1] as number) * (items[yi + a + 1] as number);
      s2 += (x[xu + a + 2] as number) * (items[yi + a + 2] as number);
      s3 += (x[xu + a + 3] as number) * (items[yi + a + 3] as number);
    }
    for (let a = tail; a < f; a++) s0 += (x[xu + a] as number) * (items[yi + a] as number);
    out[i] = (bias ? (bias[i] as number) : 0) + (s0 + s1 + (s2 + s3));
  }
}

/** Catalog size from which a factor model answers top-k requests from an HNSW index (`topK`). */
export const ANN_MIN_ITEMS = 20_000;

/**
 * What the factor models (ALS, BPR, LightGCN) share once trained: user and item factor matrices,
 * scoring by dot products (with item biases where the model has them), a visitor folded in from
 * their history by the model's own rule, and cosine item similarity.
 */
export abstract class FactorModel {
  abstract readonly params: Readonly<{ factors: number }>;
  protected numUsers = 0;
  protected numItems = 0;
  protected users: Float32Array = new Float32Array(0);
  protected items: Float32Array = new Float32Array(0);
  /** Per-item biases added to every score; absent for models without them. */
  protected bias: Float32Array | undefined;
  protected itemNorms: Float32Array = new Float32Array(0);
  /** Reused by `score` for visitors, so serving allocates nothing. */
  protected foldVector: Float32Array = new Float32Array(0);
  private ann: HnswIndex | undefined;
  private query = new Float32Array(0);

  /** The factor vector of a visitor from their history; writes `factors` values into `out`. */
  abstract userVectorFromHistory(history: Int32Array, out: Float32Array): void;

  /** x_uᵀy_i (+ b_i) for every item; users outside 0..numUsers-1 (such as -1) use `userVectorFromHistory`. */
  score(user: number, history: Int32Array, out: Float32Array): void {
    const f = this.params.factors;
    let x = this.users;
    let xu = user * f;
    if (!(user >= 0 && user < this.numUsers)) {
      this.userVectorFromHistory(history, this.foldVector);
      x = this.foldVector;
      xu = 0;
    }
    dotAllRows(x, xu, this.items, f, this.numItems, out, this.bias);
  }

  /** Cosine similarity of the item factors; items with all-zero factors score 0. */
  similar(item: number, out: Float32Array): void {
    cosineRow(this.items, this.itemNorms, this.params.factors, item, out);
  }

  /**
   * The k best items for a user, `exclude`d ones left out, from an HNSW index over the item factors
   * (inner product; an item bias rides as one more dimension against a constant 1): approximate,
   * and far cheaper than scoring every item once the catalog is large. Undefined below
   * {@link ANN_MIN_ITEMS} items, where scoring every item is cheap and exact. The index is built
   * when the factors are trained or loaded.
   */
  topK(user: number, history: Int32Array, k: number, exclude: Uint8Array): { items: Int32Array; scores: Float32Array } | undefined {
    if (this.numItems < ANN_MIN_ITEMS) return undefined;
    if (!this.ann) this.buildIndex();
    const ann = this.ann as HnswIndex;
    const f = this.params.factors;
    if (user >= 0 && user < this.numUsers) this.query.set(this.users.subarray(user * f, user * f + f));
    else {
      this.userVectorFromHistory(history, this.foldVector);
      this.query.set(this.foldVector);
    }
    if (this.bias) this.query[f] = 1;
    const found = ann.search(this.query, k, (key) => exclude[key] !== 1);
    return { items: found.keys, scores: found.scores };
  }

  /** The HNSW index of the item factors (and biases), for `topK` on large catalogs. */
  private buildIndex(): void {
    const f = this.params.factors;
    const d = this.bias ? f + 1 : f;
    const vectors = new Float32Array(this.numItems * d);
    for (let i = 0; i < this.numItems; i++) {
      vectors.set(this.items.subarray(i * f, i * f + f), i * d);
      if (this.bias) vectors[i * d + f] = this.bias[i] as number;
    }
    // Inner products of unnormalised factors are a harder search than cosine: a wider beam.
    const ann = new HnswIndex(d, { expansionSearch: 200 });
    ann.add(Int32Array.from({ length: this.numItems }, (_, i) => i), vectors);
    this.ann = ann;
    this.query = new Float32Array(d);
  }

  /**
   * Item norms and the visitor buffer, after the factors were trained or loaded; on a large
   * catalog the HNSW index too, so that no request pays for building it.
   */
  protected prepareFactors(): void {
    this.itemNorms = rowNorms(this.items, this.params.factors);
    this.foldVector = new Float32Array(this.params.factors);
    this.ann = undefined;
    if (this.numItems >= ANN_MIN_ITEMS) this.buildIndex();
  }
}
