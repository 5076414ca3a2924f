/**
 * Behaviour adaptation of the pretrained encoder (`vector-adapted`): the use-lite vectors stay
 * frozen, and a projection learnt on the shop's co-interaction pairs (contrastive, in-batch
 * negatives) moves them so that items used together come close:
 * - `mode: residual`: h̃ = normalise(h + W h), W (512 × 512) starting at 0;
 * - `mode: lexical`: h̃ = normalise(γ·h + Σ_t x_t W[t]) over the item's word features x (sublinear
 *   TF-IDF of the analysed text, L2-normalised), W starting at 0: the pretrained meaning plus
 *   what the shop's behaviour says its words (brands, product lines, sizes) mean. Words shared
 *   with cold items carry what was learnt to them, which is how cold items benefit.
 * Items without a use-lite vector keep none.
 */
import { coInteractionPairs } from '../data/interactions.js';
import { denseRows, trainProjection, type FeatureRows } from '../embed/contrastive.js';
import { analyze } from '../text/analyze.js';
import { Rng } from './random.js';
import type { FitOptions, ItemVectors, TrainData } from './types.js';
import type { VectorSource } from './vector-profile.js';

/** Sublinear TF-IDF rows of the items' analysed text, L2-normalised; terms of one item only are dropped. */
export function wordFeatures(texts: readonly string[]): FeatureRows {
  const docs = texts.map((t) => analyze(t));
  const df = new Map<string, number>();
  for (const doc of docs) for (const term of new Set(doc)) df.set(term, (df.get(term) ?? 0) + 1);
  const vocabulary = new Map<string, number>();
  const idf: number[] = [];
  for (const [term, n] of df) {
    if (n < 2) continue;
    vocabulary.set(term, vocabulary.size);
    idf.push(Math.log(docs.length / n));
  }
  const indptr = new Int32Array(docs.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  docs.forEach((doc, i) => {
    const tf = new Map<number, number>();
    for (const term of doc) {
      const id = vocabulary.get(term);
      if (id !== undefined) tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    const row = [...tf].sort((a, b) => a[0] - b[0]).map(([id, f]) => [id, (1 + Math.log(f)) * (idf[id] as number)] as const);
    const norm = Math.sqrt(row.reduce((s, [, w]) => s + w * w, 0)) || 1;
    for (const [id, w] of row) {
      indices.push(id);
      values.push(w / norm);
    }
    indptr[i + 1] = indices.length;
  });
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values), numFeatures: vocabulary.size };
}

/** Splits pairs into training and a seeded 5% for early stopping. */
function holdOut(pairs: Int32Array, seed: number): { train: Int32Array; valid: Int32Array } {
  const n = pairs.length / 2;
  const rng = new Rng(seed ^ 0x5eed);
  const isValid = new Uint8Array(n);
  let valid = 0;
  for (let p = 0; p < n; p++) {
    if (rng.next() >= 0.05) continue;
    isValid[p] = 1;
    valid++;
  }
  const train = new Int32Array(2 * (n - valid));
  const held = new Int32Array(2 * valid);
  for (let p = 0, t = 0, v = 0; p < n; p++) {
    const into = isValid[p] ? held : train;
    const at = isValid[p] ? v++ : t++;
    into[2 * at] = pairs[2 * p] as number;
    into[2 * at + 1] = pairs[2 * p + 1] as number;
  }
  return { train, valid: held };
}

export const adaptedVectors: VectorSource = async (data: TrainData, options: FitOptions, params) => {
  const content = data.content as NonNullable<TrainData['content']>;
  const base = await content.vectors('use-lite');
  const d = base.dimensions;
  const pairs = coInteractionPairs(data.sequences, Number(params.window ?? 2), (item) => base.present[item] === 1);
  const { train, valid } = holdOut(pairs, options.seed);
  const common = {
    temperature: Number(params.temperature ?? 0.05),
    epochs: Number(params.epochs ?? 10),
    batchSize: Number(params.batchSize ?? 256),
    seed: options.seed,
    validationPairs: valid,
    progress: options.progress,
  };
  let vectors: Float32Array;
  if (params.mode === 'lexical') {
    const rows = wordFeatures(content.texts);
    const scale = Number(params.pretrained ?? 1);
    const offsets = Float32Array.from(base.data, (x) => x * scale);
    const projection = trainProjection(rows, train, {
      ...common,
      dimensions: d,
      offsets,
      initial: new Float32Array(rows.numFeatures * d),
      learningRate: Number(params.learningRate ?? 0.05),
    });
    vectors = projection.projectAll(rows, offsets);
  } else {
    const rows = denseRows(base.data, d);
    const projection = trainProjection(rows, train, { ...common, dimensions: d, residual: true, learningRate: Number(params.learningRate ?? 1e-3) });
    vectors = projection.projectAll(rows);
  }
  for (let i = 0; i < base.present.length; i++) if (!base.present[i]) vectors.fill(0, i * d, (i + 1) * d);
  const adapted: ItemVectors = { embedderId: `${base.embedderId}+adapted-${String(params.mode ?? 'residual')}`, dimensions: d, data: vectors, present: base.present };
  return adapted;
};

/**
 * `vector-catalog`: the shop's own n-gram encoder (any script), trained on the catalog text and
 * the co-interaction pairs; items without text have no vector.
 */
export const catalogVectors: VectorSource = async (data: TrainData, options: FitOptions, params) => {
  const { CatalogEmbedder } = await import('../embed/catalog.js');
  const texts = (data.content as NonNullable<TrainData['content']>).texts;
  const present = Uint8Array.from(texts, (t) => (t.trim() === '' ? 0 : 1));
  // The encoder learns from the items with text only: rows are renumbered to them.
  const withText = texts.flatMap((t, i) => (present[i] ? [i] : []));
  const row = new Int32Array(texts.length).fill(-1);
  withText.forEach((item, r) => (row[item] = r));
  const pairs = coInteractionPairs(data.sequences, Number(params.window ?? 2), (item) => present[item] === 1).map((item) => row[item] as number);
  const { train, valid } = holdOut(pairs, options.seed);
  const embedder = CatalogEmbedder.train({
    texts: withText.map((i) => texts[i] as string),
    pairs: train,
    validationPairs: valid,
    dimensions: Number(params.dimensions ?? 256),
    seed: options.seed,
    progress: options.progress,
  });
  const d = embedder.dimensions;
  const vectors = new Float32Array(texts.length * d);
  embedder.embedSync(withText.map((i) => texts[i] as string)).forEach((v, r) => vectors.set(v, (withText[r] as number) * d));
  return { embedderId: embedder.id, dimensions: d, data: vectors, present };
};
