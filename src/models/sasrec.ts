/**
 * `sasrec` and `sasrec-text`: the self-attentive sequential recommender (`deep/sasrec-net.ts`)
 * trained with a sampled softmax over many negatives (`deep/sasrec-train.ts`), scoring every item
 * for the next step after the user's newest ≤ L items. `sasrec-text` adds the items' text vectors
 * through a learned adapter, so an item without interactions (or added after training, given its
 * vector) still has a representation.
 *
 * History handling: the newest `maxLength` items are read (longer histories are truncated), items
 * the model does not know (indices outside its catalog) are skipped, and an empty history gives
 * every item the score 0, leaving the caller to fall back (to popular items, say).
 */
import { availableParallelism } from 'node:os';
import { ShardBuilder } from '../deep/sasrec-batches.js';
import { SasrecNet, SasrecWork, addText, type SasrecShape } from '../deep/sasrec-net.js';
import { trainSasrec, type SasrecEpoch } from '../deep/sasrec-train.js';
import { ModelNotApplicable, type FitOptions, type Recommender, type Snapshot, type TrainData } from './types.js';

export interface SasrecOptions {
  /** Hidden size d (default 64). */
  dim?: number;
  /** Self-attention blocks (default 2). */
  blocks?: number;
  /** Attention heads (default 1, as the paper on Amazon data). */
  heads?: number;
  /** The newest items read, L (default 50). */
  maxLength?: number;
  /** Dropout of the embeddings and residual branches (default 0.3). */
  dropout?: number;
  /**
   * `sasrec-text`: share of the batch's items trained by their text alone (default 0), so that
   * items without interactions score on the same footing as the others. On Scientific 0.3 took
   * cold-recall@20 from 0.009 to 0.032 under `cold-items`, but cost 5% NDCG@10 and the rare items'
   * recall under `loo`: a setting for catalogs with many new items.
   */
  idDropout?: number;
  /** Adam's step size (default 0.001). */
  learningRate?: number;
  /** AdamW's decoupled weight decay (default 0). */
  weightDecay?: number;
  /** Users per batch (default 128). */
  batchSize?: number;
  /** Shared negatives per batch (default 256; the catalog size or more: full softmax). */
  negatives?: number;
  /** The most epochs (default 200). */
  epochs?: number;
  /** Epochs without a better validation NDCG@10 before stopping (default 5). */
  patience?: number;
  /** Training budget in seconds (default 1500). */
  maxSeconds?: number;
  /** Users whose last item is held out for early stopping (default 2000). */
  validationUsers?: number;
  /** Text vectors of the items (`sasrec-text`: `use-lite`); '' for none. */
  text?: string;
}

export interface SasrecFitOptions extends FitOptions {
  onEpoch?: (epoch: SasrecEpoch) => void;
  /** 1 or 2 (default: 2 where there are 2 cores); the model does not depend on it. */
  threads?: number;
}

type Params = Required<SasrecOptions>;

export class Sasrec implements Recommender {
  readonly params: Readonly<Params>;
  private net: SasrecNet | undefined;
  private theta: Float64Array = new Float64Array(0);
  /** The items' representations e(i), items × d. */
  private table: Float32Array = new Float32Array(0);
  private work: SasrecWork | undefined;
  private builder: ShardBuilder | undefined;
  /** Items the table holds: those of training, then any added from their text. */
  private items = 0;
  /** The embedder of the text vectors the adapter was trained on (sasrec-text). */
  private embedderId: string | undefined;
  /** The encoded history of the current request. */
  private h = new Float64Array(0);
  /** What the last fit did, epoch by epoch, and the epoch it kept. */
  history: SasrecEpoch[] = [];
  bestEpoch = 0;

  constructor(
    readonly name: 'sasrec' | 'sasrec-text',
    options: SasrecOptions = {},
  ) {
    this.params = Object.freeze({
      dim: options.dim ?? 64,
      blocks: options.blocks ?? 2,
      heads: options.heads ?? 1,
      maxLength: options.maxLength ?? 50,
      dropout: options.dropout ?? 0.3,
      idDropout: options.idDropout ?? 0,
      learningRate: options.learningRate ?? 1e-3,
      weightDecay: options.weightDecay ?? 0,
      batchSize: options.batchSize ?? 128,
      negatives: options.negatives ?? 256,
      epochs: options.epochs ?? 200,
      patience: options.patience ?? 5,
      maxSeconds: options.maxSeconds ?? 1500,
      validationUsers: options.validationUsers ?? 2000,
      text: options.text ?? (name === 'sasrec-text' ? 'use-lite' : ''),
    });
    const p = this.params;
    const integer = (key: keyof Params, min: number) => {
      const value = p[key] as number;
      if (!Number.isInteger(value) || value < min) throw new RangeError(`${name}: ${key} must be an integer >= ${min}, got ${value}`);
    };
    for (const key of ['dim', 'blocks', 'heads', 'maxLength', 'batchSize', 'negatives', 'epochs', 'patience'] as const) integer(key, 1);
    integer('validationUsers', 0);
    if (p.dim % p.heads !== 0) throw new RangeError(`${name}: dim ${p.dim} must be divisible by heads ${p.heads}`);
    if (!(p.dropout >= 0 && p.dropout < 1)) throw new RangeError(`${name}: dropout must be in [0, 1), got ${p.dropout}`);
    if (!(p.idDropout >= 0 && p.idDropout <= 1)) throw new RangeError(`${name}: idDropout must be in [0, 1], got ${p.idDropout}`);
    if (!(p.learningRate > 0)) throw new RangeError(`${name}: learningRate must be > 0, got ${p.learningRate}`);
    if (!(p.maxSeconds > 0)) throw new RangeError(`${name}: maxSeconds must be > 0, got ${p.maxSeconds}`);
  }

  async fit(data: TrainData, options: SasrecFitOptions): Promise<void> {
    const p = this.params;
    let text: Float32Array | undefined;
    let textDim = 0;
    if (p.text) {
      if (!data.content || (data.content.texts.length > 0 && data.content.texts.every((t) => t === ''))) {
        throw new ModelNotApplicable(this.name, `the catalog has no item text for its ${p.text} vectors`);
      }
      const vectors = await data.content.vectors(p.text);
      this.embedderId = vectors.embedderId;
      text = vectors.data;
      textDim = vectors.dimensions;
    }
    const shape: SasrecShape = { items: data.numItems, dim: p.dim, maxLength: p.maxLength, blocks: p.blocks, heads: p.heads, textDim };
    const trained = await trainSasrec(data.sequences, {
      shape,
      dropout: p.dropout,
      idDropout: p.idDropout,
      learningRate: p.learningRate,
      weightDecay: p.weightDecay,
      batchSize: p.batchSize,
      negatives: p.negatives,
      epochs: p.epochs,
      patience: p.patience,
      maxSeconds: p.maxSeconds,
      validationUsers: p.validationUsers,
      seed: options.seed,
      threads: options.threads ?? Math.min(2, availableParallelism()),
      ...(text ? { text } : {}),
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    });
    this.history = trained.epochs;
    this.bestEpoch = trained.bestEpoch;
    const theta = trained.theta;
    if (text) {
      // Items nobody had in a training sequence learnt nothing of their own: their text speaks.
      const { E } = trained.net.layout;
      for (let i = 0; i < data.numItems; i++) if (trained.seen[i] === 0) theta.fill(0, E + i * p.dim, E + (i + 1) * p.dim);
    }
    const table = new Float32Array(data.numItems * p.dim);
    trained.net.itemTable(theta, text, table);
    this.prepare(trained.net, theta, table);
  }

  private prepare(net: SasrecNet, theta: Float64Array, table: Float32Array): void {
    this.net = net;
    this.theta = theta;
    this.table = table;
    this.work = new SasrecWork(net, undefined, table);
    this.builder = new ShardBuilder(net.shape.maxLength);
    this.items = table.length / net.shape.dim;
    this.h = new Float64Array(net.shape.dim);
  }

  /** The output h of the history's newest item into `out` (d values); false when no item is known. */
  private encode(history: ArrayLike<number>, out: Float64Array): boolean {
    const { net, work, builder } = this;
    if (!net || !work || !builder) throw new Error(`${this.name} is not fitted`);
    const batch = builder.single(history, this.items);
    if (batch.sequences === 0) return false;
    const hidden = work.hidden(this.theta, batch);
    const d = net.shape.dim;
    const last = ((batch.starts[1] as number) - 1) * d;
    for (let k = 0; k < d; k++) out[k] = hidden[last + k] as number;
    return true;
  }

  score(_user: number, history: Int32Array, out: Float32Array): void {
    const d = this.params.dim;
    const h = this.h;
    if (!this.encode(history, h)) {
      out.fill(0);
      return;
    }
    const table = this.table;
    const n = Math.min(out.length, table.length / d);
    for (let j = 0; j < n; j++) {
      let s = 0;
      const o = j * d;
      for (let k = 0; k < d; k++) s += (h[k] as number) * (table[o + k] as number);
      out[j] = s;
    }
    out.fill(0, n);
  }

  fitReport(): Record<string, number> {
    const epochs = this.history;
    const best = epochs.find((e) => e.epoch === this.bestEpoch);
    const seconds = epochs.reduce((sum, e) => sum + e.seconds, 0);
    return {
      epochs: epochs.length,
      bestEpoch: this.bestEpoch,
      validNdcg10: Number((best?.validNdcg ?? 0).toFixed(4)),
      validHr10: Number((best?.validHr ?? 0).toFixed(4)),
      secondsPerEpoch: Number((seconds / Math.max(1, epochs.length)).toFixed(2)),
    };
  }

  /**
   * Batch inference: the scores of every item for each history at once (out: histories × items,
   * row-major), one pass of the network over all the sequences. The same as `score` per history.
   */
  scoreBatch(histories: ReadonlyArray<ArrayLike<number>>, out: Float32Array): void {
    const { net, work, builder } = this;
    if (!net || !work || !builder) throw new Error(`${this.name} is not fitted`);
    const n = this.items;
    if (out.length < histories.length * n) throw new RangeError(`${this.name}: scoreBatch needs ${histories.length} × ${n} scores, got ${out.length}`);
    const batch = builder.many(histories, n);
    const hidden = work.hidden(this.theta, batch);
    const d = net.shape.dim;
    const table = this.table;
    for (let s = 0; s < histories.length; s++) {
      const row = out.subarray(s * n, (s + 1) * n);
      const end = batch.starts[s + 1] as number;
      if (end === batch.starts[s]) {
        row.fill(0);
        continue;
      }
      const h = (end - 1) * d;
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < d; k++) sum += (hidden[h + k] as number) * (table[j * d + k] as number);
        row[j] = sum;
      }
    }
  }

  /** What follows a visit to `item` alone: the next-item scores of a one-item session. */
  similar(item: number, out: Float32Array): void {
    this.score(-1, Int32Array.of(item), out);
  }

  textEmbedder(): string | undefined {
    return this.net && this.net.layout.A >= 0 ? this.embedderId : undefined;
  }

  /**
   * Appends items added after training, each represented by its text vector alone (A v + a), so
   * that they are scored and read in histories without retraining (`sasrec-text` only).
   */
  addItems(vectors: Float32Array, count: number): void {
    const net = this.net;
    if (!net || net.layout.A < 0) throw new Error(`${this.name} has no text adapter: it cannot take new items`);
    const { dim: d, textDim } = net.shape;
    if (vectors.length !== count * textDim) throw new RangeError(`${this.name}: ${count} items need ${count * textDim} values (${textDim} each), got ${vectors.length}`);
    const table = new Float32Array(this.table.length + count * d);
    table.set(this.table);
    for (let i = 0; i < count; i++) table.set(this.representText(vectors.subarray(i * textDim, (i + 1) * textDim)), this.table.length + i * d);
    this.prepare(net, this.theta, table);
  }

  /**
   * The representation of an item the model has not seen, from its text vector (`sasrec-text`):
   * A v + a, to append to the catalog without retraining.
   */
  representText(vector: Float32Array): Float32Array {
    const net = this.net;
    if (!net || net.layout.A < 0) throw new Error(`${this.name} has no text adapter`);
    const row = new Float64Array(net.shape.dim);
    addText(this.theta, net.layout.A, net.layout.a, net.shape.dim, net.shape.textDim, vector, 0, row);
    return Float32Array.from(row);
  }

  save(): Snapshot {
    const net = this.net;
    if (!net) throw new Error(`${this.name} is not fitted`);
    // E and the adapter are folded into the item table; the snapshot keeps the rest of θ as is.
    return {
      model: this.name,
      params: { ...this.params },
      arrays: { theta: this.theta, table: this.table },
      meta: { items: net.shape.items, textDim: net.shape.textDim, ...(this.embedderId ? { embedderId: this.embedderId } : {}) },
    };
  }

  static load(snapshot: Snapshot): Sasrec {
    const model = new Sasrec(snapshot.model === 'sasrec-text' ? 'sasrec-text' : 'sasrec', snapshot.params as SasrecOptions);
    const { theta, table } = snapshot.arrays;
    const p = model.params;
    const items = Number(snapshot.meta?.items);
    const shape: SasrecShape = { items, dim: p.dim, maxLength: p.maxLength, blocks: p.blocks, heads: p.heads, textDim: Number(snapshot.meta?.textDim ?? 0) };
    const net = new SasrecNet(shape, p.dropout);
    if (!(theta instanceof Float64Array) || theta.length !== net.layout.size || !(table instanceof Float32Array) || table.length < items * p.dim || table.length % p.dim !== 0) {
      throw new TypeError(`${model.name}: the snapshot needs theta (${net.layout.size} float64) and table (at least ${items} × ${p.dim} float32)`);
    }
    if (snapshot.meta?.embedderId !== undefined) model.embedderId = String(snapshot.meta.embedderId);
    model.prepare(net, theta, table);
    return model;
  }
}

