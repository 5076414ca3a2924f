/**
 * `catalog`: a text encoder the engine trains on the shop's own catalog text and, when there is
 * behaviour, on the shop's own behaviour pairs. It reads any script: nothing in it knows a language.
 *
 * Features (the hashing trick, Weinberger et al. 2009, into 2^bits buckets):
 *  - runs of scripts written without spaces (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar):
 *    character 1-, 2- and 3-grams, so a Chinese title needs no word segmenter;
 *  - other words (letters, digits, marks): the lower-cased word itself plus its character 3- to
 *    5-grams with boundary markers, as fastText's subwords (Bojanowski et al. 2017) and DSSM's
 *    letter-trigrams (Huang et al. 2013), which match inflections, typos and glued model numbers;
 *  - symbols (`+`, `€`, emoji) one by one.
 * Each bucket is weighted by sub-linear TF × IDF, (1 + ln tf) · (ln((1 + N) / (1 + df)) + 1) with
 * the IDF learned from the catalog texts (an unseen bucket gets df = 0, the largest IDF), and the
 * vector is L2-normalised.
 *
 * Projection to `dimensions`:
 *  - without behaviour pairs, a seeded random sign projection (Achlioptas 2003, the ±1 variant):
 *    cosines of TF-IDF vectors are kept up to about 1/√dimensions, and a new shop with no events
 *    still gets a working encoder. The signs are hashed from (seed, bucket), never stored.
 *  - with pairs, the rows of the most frequent buckets of the paired items start at their random
 *    rows and are trained by the contrastive trainer (`contrastive.ts`); the other buckets keep
 *    their random rows, so text the training never saw still lands in the same space.
 */
import { createHash } from 'node:crypto';
import { ShopfusionError } from '../core/errors.js';
import type { ParamValue, Snapshot } from '../models/types.js';
import { trainProjection, type FeatureRows, type ProjectionOptions } from './contrastive.js';
import { prepareText } from './text.js';
import { normalise, type Embedder } from './types.js';
import { QueryCache } from './query-cache.js';

/** The contrastive trainer's knobs the catalog passes through. */
export type CatalogTraining = Pick<ProjectionOptions, 'temperature' | 'epochs' | 'batchSize' | 'learningRate' | 'negatives' | 'onEpoch'>;

export interface CatalogTrainOptions {
  /** One text per item (title, or title + description); pairs name items by their index here. */
  texts: readonly string[];
  /** Flattened [a0, b0, a1, b1, ...] item indices that belong together (co-interacted, co-bought). */
  pairs?: Int32Array;
  /** Held-out pairs for early stopping (see `ProjectionOptions.validationPairs`). */
  validationPairs?: Int32Array;
  /**
   * Output size (default 256). The random projection's noise is about 1/√dimensions: on 501 JD.com
   * titles, near-duplicates ranked above unrelated titles in 83% of triplets at 256 dimensions,
   * 90% at 512, and 99.5% with exact TF-IDF cosines; behaviour pairs close most of that gap.
   */
  dimensions?: number;
  /** log2 of the number of hash buckets (default 18, 262,144 buckets). */
  bits?: number;
  seed: number;
  /** Texts are cut at this many characters, near a word boundary (default 2,000). */
  maxChars?: number;
  /** At most this many buckets get trained rows (default 65,536: 64 MiB of weights at 256 dimensions). */
  maxTrainedFeatures?: number;
  training?: CatalogTraining;
  /** Query vectors kept in the LRU cache (default 10,000). */
  cacheSize?: number;
  progress?: (fraction: number) => void;
}

export interface CatalogLoadOptions {
  cacheSize?: number;
}

const MODEL = 'catalog';
const FORMAT = 1;
const DEFAULT_DIMENSIONS = 256;
const DEFAULT_BITS = 18;
const DEFAULT_MAX_CHARS = 2_000;
const DEFAULT_MAX_TRAINED = 65_536;

/** Feature kinds, hashed in so a word, an n-gram and a CJK gram with the same characters differ. */
const KIND_WORD = 1;
const KIND_SUBWORD = 2;
const KIND_RUN = 3;
const KIND_SYMBOL = 4;
const KIND_FALLBACK = 5;
/** Word boundary markers: values no code point takes. */
const BOW = 0x110000;
const EOW = 0x110001;

/**
 * Runs of scripts written without spaces between words, then words of other letters, digits and
 * marks, then single symbols. Punctuation and spaces separate.
 */
const RUN = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}ー々〆`;
const SEGMENT = new RegExp(String.raw`([${RUN}]+)|((?:(?![${RUN}])[\p{L}\p{N}\p{M}])+)|(\p{S})`, 'gu');

/** The learned state: everything `save` writes and the id is a digest of. */
interface CatalogState {
  bits: number;
  dimensions: number;
  seed: number;
  maxChars: number;
  numDocs: number;
  /** Buckets seen in the catalog (ascending) and their document frequencies. */
  dfBuckets: Int32Array;
  dfCounts: Int32Array;
  /** Buckets with trained rows, in row order; empty when trained without pairs. */
  trainedBuckets: Int32Array;
  /** trainedBuckets.length × dimensions. */
  weights: Float32Array;
}

/** The murmur3 32-bit finaliser (Appleby): spreads every input bit over the low bits kept. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Text → weighted buckets. Reuses its buffers: `buckets`/`values` hold the last text's features
 * until the next call. One per embedder (JavaScript runs one call at a time).
 */
class Featuriser {
  readonly idf: Float32Array;
  buckets: Int32Array;
  values: Float64Array;
  count = 0;
  private readonly mask: number;
  private readonly counts: Int32Array;
  private codePoints = new Int32Array(64);

  constructor(bits: number, numDocs: number, dfBuckets: Int32Array, dfCounts: Int32Array) {
    const size = 2 ** bits;
    this.mask = size - 1;
    this.counts = new Int32Array(size);
    this.buckets = new Int32Array(256);
    this.values = new Float64Array(256);
    this.idf = new Float32Array(size).fill(Math.log(1 + numDocs) + 1);
    for (let t = 0; t < dfBuckets.length; t++) {
      this.idf[dfBuckets[t] as number] = Math.log((1 + numDocs) / (1 + (dfCounts[t] as number))) + 1;
    }
  }

  /** Counts the buckets of a prepared text; with `weighted`, turns counts into normalised TF-IDF. */
  run(text: string, weighted: boolean): number {
    this.count = 0;
    const lower = text.toLowerCase();
    for (const match of lower.matchAll(SEGMENT)) {
      const segment = match[0];
      const n = this.decode(segment);
      if (match[1] !== undefined) {
        for (let size = 1; size <= 3; size++) for (let i = 1; i + size <= n + 1; i++) this.gram(KIND_RUN + 16 * size, i, size);
      } else if (match[2] !== undefined) {
        this.gram(KIND_WORD, 1, n);
        // Bracketed word: BOW w0 .. wn-1 EOW, its 3- to 5-grams.
        this.codePoints[0] = BOW;
        this.codePoints[n + 1] = EOW;
        for (let size = 3; size <= 5; size++) for (let i = 0; i + size <= n + 2; i++) this.gram(KIND_SUBWORD + 16 * size, i, size);
      } else {
        this.gram(KIND_SYMBOL, 1, n);
      }
    }
    if (this.count === 0) {
      // Punctuation only ("?!", "..."): its characters are all there is.
      const n = this.decode(lower.replace(/\s+/gu, ''));
      for (let i = 0; i < n; i++) this.gram(KIND_FALLBACK, 1 + i, 1);
    }
    if (weighted) this.weigh();
    else for (let t = 0; t < this.count; t++) this.counts[this.buckets[t] as number] = 0;
    return this.count;
  }

  /** Code points of `s` into codePoints[1..n]; returns n. Slot 0 and n + 1 are for markers. */
  private decode(s: string): number {
    if (this.codePoints.length < s.length + 2) this.codePoints = new Int32Array(2 * s.length + 2);
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const cp = s.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      this.codePoints[++n] = cp;
    }
    return n;
  }

  /** One feature: the FNV-1a hash (Fowler, Noll & Vo) of kind and code points [from, from + size). */
  private gram(kind: number, from: number, size: number): void {
    let h = Math.imul(0x811c9dc5 ^ kind, 0x01000193);
    for (let i = from; i < from + size; i++) h = Math.imul(h ^ (this.codePoints[i] as number), 0x01000193);
    const bucket = fmix32(h) & this.mask;
    if ((this.counts[bucket] as number) === 0) {
      if (this.count === this.buckets.length) {
        const buckets = new Int32Array(2 * this.count);
        buckets.set(this.buckets);
        this.buckets = buckets;
        this.values = new Float64Array(2 * this.count);
      }
      this.buckets[this.count++] = bucket;
    }
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
  }

  private weigh(): void {
    let sum = 0;
    for (let t = 0; t < this.count; t++) {
      const b = this.buckets[t] as number;
      const w = (1 + Math.log(this.counts[b] as number)) * (this.idf[b] as number);
      this.counts[b] = 0;
      this.values[t] = w;
      sum += w * w;
    }
    const inv = 1 / Math.sqrt(sum);
    for (let t = 0; t < this.count; t++) this.values[t] = (this.values[t] as number) * inv;
  }
}

/** SIGNS[8·b + t] = ±1 from bit t of the byte b: a table load per entry, no branch to mispredict. */
const SIGNS = new Float64Array(256 * 8);
for (let b = 0; b < 256; b++) for (let t = 0; t < 8; t++) SIGNS[8 * b + t] = (b >>> t) & 1 ? 1 : -1;

/** z += w · R[bucket], R's entries ±1/√d with signs hashed from (seed, bucket, block of 32). */
function addRandomRow(z: Float64Array, d: number, seed: number, bucket: number, w: number): void {
  const s = w / Math.sqrt(d);
  const key = Math.imul(bucket + 1, 0x9e3779b1) ^ seed;
  for (let block = 0; block * 32 < d; block++) {
    const bits = fmix32(key ^ Math.imul(block + 1, 0x85ebca77));
    for (let byte = 0; byte < 4; byte++) {
      const k = block * 32 + byte * 8;
      const t = 8 * ((bits >>> (8 * byte)) & 0xff);
      if (k + 8 <= d) {
        z[k] = (z[k] as number) + s * (SIGNS[t] as number);
        z[k + 1] = (z[k + 1] as number) + s * (SIGNS[t + 1] as number);
        z[k + 2] = (z[k + 2] as number) + s * (SIGNS[t + 2] as number);
        z[k + 3] = (z[k + 3] as number) + s * (SIGNS[t + 3] as number);
        z[k + 4] = (z[k + 4] as number) + s * (SIGNS[t + 4] as number);
        z[k + 5] = (z[k + 5] as number) + s * (SIGNS[t + 5] as number);
        z[k + 6] = (z[k + 6] as number) + s * (SIGNS[t + 6] as number);
        z[k + 7] = (z[k + 7] as number) + s * (SIGNS[t + 7] as number);
      } else {
        for (let r = 0; k + r < d; r++) z[k + r] = (z[k + r] as number) + s * (SIGNS[t + r] as number);
      }
    }
  }
}

export class CatalogEmbedder implements Embedder {
  /** `catalog@` and a digest of the learned parameters: the same training gives the same id. */
  readonly id: string;
  readonly dimensions: number;
  private readonly featuriser: Featuriser;
  /** Bucket → trained row, or −1. Empty when nothing was trained. */
  private readonly rowOf: Int32Array;
  private readonly z: Float64Array;
  private readonly cache: QueryCache;

  private constructor(
    private readonly state: CatalogState,
    cacheSize: number,
  ) {
    this.dimensions = state.dimensions;
    this.featuriser = new Featuriser(state.bits, state.numDocs, state.dfBuckets, state.dfCounts);
    this.rowOf = new Int32Array(state.trainedBuckets.length > 0 ? 2 ** state.bits : 0).fill(-1);
    for (let c = 0; c < state.trainedBuckets.length; c++) this.rowOf[state.trainedBuckets[c] as number] = c;
    this.z = new Float64Array(state.dimensions);
    this.cache = new QueryCache(cacheSize);
    this.id = `${MODEL}@${digest(state)}`;
  }

  /** Learns IDF from `texts` and, with `pairs`, trains the projection. Synchronous: run it in a worker. */
  static train(options: CatalogTrainOptions): CatalogEmbedder {
    const dimensions = options.dimensions ?? DEFAULT_DIMENSIONS;
    const bits = options.bits ?? DEFAULT_BITS;
    const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    const maxTrained = options.maxTrainedFeatures ?? DEFAULT_MAX_TRAINED;
    integerIn('dimensions', dimensions, 1, 4096);
    integerIn('bits', bits, 8, 24);
    integerIn('maxChars', maxChars, 1, 10_000_000);
    integerIn('maxTrainedFeatures', maxTrained, 0, 2 ** 24);
    const { texts } = options;
    if (texts.length === 0) throw new ShopfusionError('invalid_argument', 'catalog: there are no texts to learn from');
    for (const [name, pairs] of [['pairs', options.pairs], ['validationPairs', options.validationPairs]] as const) {
      if (pairs) checkItemPairs(name, pairs, texts.length);
    }
    if (!Number.isFinite(options.seed)) throw new ShopfusionError('invalid_argument', `catalog: the seed must be a finite number, got ${options.seed}`);
    const prepared = texts.map((t, i) => prepareText(t, maxChars, i));
    // The random rows hash a 32-bit seed.
    const seed = options.seed >>> 0;

    // IDF: document frequency of every bucket over the catalog.
    const featuriser = new Featuriser(bits, 0, new Int32Array(0), new Int32Array(0));
    const df = new Int32Array(2 ** bits);
    for (const text of prepared) {
      const n = featuriser.run(text, false);
      for (let t = 0; t < n; t++) {
        const b = featuriser.buckets[t] as number;
        df[b] = (df[b] as number) + 1;
      }
    }
    let seen = 0;
    for (let b = 0; b < df.length; b++) if ((df[b] as number) > 0) seen++;
    const dfBuckets = new Int32Array(seen);
    const dfCounts = new Int32Array(seen);
    for (let b = 0, t = 0; b < df.length; b++) {
      if ((df[b] as number) > 0) {
        dfBuckets[t] = b;
        dfCounts[t++] = df[b] as number;
      }
    }
    const state: CatalogState = {
      bits,
      dimensions,
      seed,
      maxChars,
      numDocs: texts.length,
      dfBuckets,
      dfCounts,
      trainedBuckets: new Int32Array(0),
      weights: new Float32Array(0),
    };
    if (options.pairs && options.pairs.length > 0 && maxTrained > 0) {
      Object.assign(state, trainRows(prepared, state, options, maxTrained));
    }
    options.progress?.(1);
    return new CatalogEmbedder(state, options.cacheSize ?? 10_000);
  }

  save(): Snapshot {
    const s = this.state;
    return {
      model: MODEL,
      params: paramsOf(s),
      arrays: { dfBuckets: s.dfBuckets, dfCounts: s.dfCounts, trainedBuckets: s.trainedBuckets, weights: s.weights },
      meta: { id: this.id, trainedFeatures: s.trainedBuckets.length },
    };
  }

  static load(snapshot: Snapshot, options: CatalogLoadOptions = {}): CatalogEmbedder {
    const p = snapshot.params;
    const { dfBuckets, dfCounts, trainedBuckets, weights } = snapshot.arrays;
    const numbers = ['bits', 'dimensions', 'seed', 'maxChars', 'numDocs'].every((k) => typeof p[k] === 'number');
    if (
      snapshot.model !== MODEL ||
      p.format !== FORMAT ||
      !numbers ||
      !(dfBuckets instanceof Int32Array) ||
      !(dfCounts instanceof Int32Array) ||
      dfBuckets.length !== dfCounts.length ||
      !(trainedBuckets instanceof Int32Array) ||
      !(weights instanceof Float32Array) ||
      weights.length !== trainedBuckets.length * (p.dimensions as number)
    ) {
      throw new ShopfusionError(
        'invalid_argument',
        `catalog: not a catalog snapshot of format ${FORMAT} (expected numeric bits, dimensions, seed, maxChars, numDocs; Int32Array dfBuckets, dfCounts, trainedBuckets; Float32Array weights of trainedBuckets × dimensions)`,
      );
    }
    integerIn('bits', p.bits as number, 8, 24);
    integerIn('dimensions', p.dimensions as number, 1, 4096);
    const state: CatalogState = {
      bits: p.bits as number,
      dimensions: p.dimensions as number,
      seed: p.seed as number,
      maxChars: p.maxChars as number,
      numDocs: p.numDocs as number,
      dfBuckets,
      dfCounts,
      trainedBuckets,
      weights,
    };
    return new CatalogEmbedder(state, options.cacheSize ?? 10_000);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const prepared = prepareText(text, this.state.maxChars);
    return this.cache.get(prepared, () => Promise.resolve(this.encode(prepared)));
  }

  async embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedSync(texts);
  }

  /** `embedBatch` without the promise, for worker threads and training scripts. */
  embedSync(texts: readonly string[]): Float32Array[] {
    const prepared = texts.map((t, i) => prepareText(t, this.state.maxChars, i));
    return prepared.map((t) => this.encode(t));
  }

  private encode(prepared: string): Float32Array {
    const { dimensions: d, seed, weights } = this.state;
    const f = this.featuriser;
    const z = this.z;
    z.fill(0);
    const n = f.run(prepared, true);
    for (let t = 0; t < n; t++) {
      const bucket = f.buckets[t] as number;
      const w = f.values[t] as number;
      const row = this.rowOf.length > 0 ? (this.rowOf[bucket] as number) : -1;
      if (row < 0) {
        addRandomRow(z, d, seed, bucket, w);
      } else {
        const b = row * d;
        for (let k = 0; k < d; k++) z[k] = (z[k] as number) + w * (weights[b + k] as number);
      }
    }
    return normalise(Float32Array.from(z));
  }
}

/**
 * The trained rows: the `maxTrained` buckets most frequent among the paired items start at their
 * random rows; every other bucket of a paired item is a fixed offset (its random row), so the
 * trained vectors are exactly what `encode` computes.
 */
function trainRows(
  prepared: readonly string[],
  state: CatalogState,
  options: CatalogTrainOptions,
  maxTrained: number,
): Pick<CatalogState, 'trainedBuckets' | 'weights'> {
  const pairs = options.pairs as Int32Array;
  const validation = options.validationPairs;
  const { dimensions: d, seed } = state;
  const featuriser = new Featuriser(state.bits, state.numDocs, state.dfBuckets, state.dfCounts);

  // Items in the pairs get compact rows 0..m-1; validation-only items follow.
  const rowOfItem = new Int32Array(prepared.length).fill(-1);
  const items: number[] = [];
  const take = (list: Int32Array): void => {
    for (const item of list) {
      if (rowOfItem[item] === -1) {
        rowOfItem[item] = items.length;
        items.push(item);
      }
    }
  };
  take(pairs);
  const numTrainItems = items.length;
  if (validation) take(validation);

  // Which buckets to train: the most frequent among the training items (ties: lower bucket).
  const pairedDf = new Int32Array(2 ** state.bits);
  for (let r = 0; r < numTrainItems; r++) {
    const n = featuriser.run(prepared[items[r] as number] as string, false);
    for (let t = 0; t < n; t++) {
      const b = featuriser.buckets[t] as number;
      pairedDf[b] = (pairedDf[b] as number) + 1;
    }
  }
  const candidates: number[] = [];
  for (let b = 0; b < pairedDf.length; b++) if ((pairedDf[b] as number) > 0) candidates.push(b);
  candidates.sort((a, b) => (pairedDf[b] as number) - (pairedDf[a] as number) || a - b);
  const trainedBuckets = Int32Array.from(candidates.slice(0, maxTrained));
  const compact = new Int32Array(pairedDf.length).fill(-1);
  for (let c = 0; c < trainedBuckets.length; c++) compact[trainedBuckets[c] as number] = c;

  // Feature rows over the trained buckets; the rest of each item's vector is its offset.
  const indptr = new Int32Array(items.length + 1);
  let indices = new Int32Array(1024);
  let values = new Float32Array(1024);
  let nnz = 0;
  let offsets: Float32Array | undefined;
  const offsetOf = new Float64Array(d);
  for (let r = 0; r < items.length; r++) {
    const n = featuriser.run(prepared[items[r] as number] as string, true);
    let fixed = false;
    if (nnz + n > indices.length) {
      const size = 2 * (nnz + n);
      indices = grow(indices, new Int32Array(size));
      values = grow(values, new Float32Array(size));
    }
    for (let t = 0; t < n; t++) {
      const bucket = featuriser.buckets[t] as number;
      const c = compact[bucket] as number;
      if (c >= 0) {
        indices[nnz] = c;
        values[nnz++] = featuriser.values[t] as number;
      } else {
        addRandomRow(offsetOf, d, seed, bucket, featuriser.values[t] as number);
        fixed = true;
      }
    }
    if (fixed) {
      offsets ??= new Float32Array(items.length * d);
      offsets.set(offsetOf, r * d);
      offsetOf.fill(0);
    }
    indptr[r + 1] = nnz;
  }
  const rows: FeatureRows = { indptr, indices: indices.subarray(0, nnz), values: values.subarray(0, nnz), numFeatures: trainedBuckets.length };
  const initial = new Float32Array(trainedBuckets.length * d);
  for (let c = 0; c < trainedBuckets.length; c++) {
    offsetOf.fill(0);
    addRandomRow(offsetOf, d, seed, trainedBuckets[c] as number, 1);
    initial.set(offsetOf, c * d);
  }

  const remap = (list: Int32Array): Int32Array => list.map((item) => rowOfItem[item] as number);
  const projection = trainProjection(rows, remap(pairs), {
    ...options.training,
    dimensions: d,
    seed,
    initial,
    offsets,
    validationPairs: validation ? remap(validation) : undefined,
    progress: options.progress ? (f) => options.progress?.(0.1 + 0.9 * f) : undefined,
  });
  return { trainedBuckets, weights: projection.weights };
}

function grow<T extends Int32Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function paramsOf(s: CatalogState): Record<string, ParamValue> {
  return { format: FORMAT, bits: s.bits, dimensions: s.dimensions, seed: s.seed, maxChars: s.maxChars, numDocs: s.numDocs };
}

/** The first 12 hex digits of SHA-256 over the parameters and the bytes of every array. */
function digest(s: CatalogState): string {
  const hash = createHash('sha256').update(JSON.stringify(paramsOf(s)));
  for (const array of [s.dfBuckets, s.dfCounts, s.trainedBuckets, s.weights]) {
    hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  return hash.digest('hex').slice(0, 12);
}

function integerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ShopfusionError('invalid_argument', `catalog: ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function checkItemPairs(name: string, pairs: Int32Array, numItems: number): void {
  if (pairs.length % 2 !== 0) throw new ShopfusionError('invalid_argument', `catalog: ${name} must hold [a, b] item pairs, got ${pairs.length} numbers`);
  for (let p = 0; p < pairs.length; p++) {
    const item = pairs[p] as number;
    if (item < 0 || item >= numItems) {
      throw new ShopfusionError('invalid_argument', `catalog: ${name}[${p}] is item ${item}, but there are ${numItems} texts`);
    }
  }
}
