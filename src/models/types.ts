/**
 * The seam every behaviour model implements (after implicit's base: fit, recommend, similar items,
 * save/load). Models work on dense indices 0..numUsers-1 / 0..numItems-1; id maps live outside.
 */
import type { Item } from '../core/schema.js';
import type { Csr } from '../data/csr.js';
import type { Triple } from '../store/types.js';
import type { Holdout, HoldoutMode } from '../fusion/holdout.js';

/** Training data, built once per split and shared by every model. */
export interface TrainData {
  numUsers: number;
  numItems: number;
  /**
   * user × item interaction strength: deduplicated, weighted by event type (ratings as
   * confidence), optionally time-decayed. Columns sorted within each row.
   */
  matrix: Csr;
  /** Each user's interactions in time order, repeats kept (for sequence models). */
  sequences: Sequences;
  /** The catalog's text and its vectors, for content-based models (absent: behaviour only). */
  content?: ItemContent;
}

/** What content-based models read besides behaviour, by dense item index. */
export interface ItemContent {
  /** Each item's text ('' when the catalog has none). */
  texts: readonly string[];
  /** Every item's vector from an embedding provider (`use-lite`, ...), computed once and shared. */
  vectors(provider: string): Promise<ItemVectors>;
  /** Each item's id (the catalog's and the triples' name for it). */
  itemIds?: readonly string[];
  /** Each item's catalog record (brand, categories, attributes), where the source has them. */
  records?: ReadonlyArray<Item | undefined>;
  /** Knowledge-graph triples about the items (external entities, links), where the source has them. */
  triples?: readonly Triple[];
}

export interface ItemVectors {
  embedderId: string;
  dimensions: number;
  /** numItems × dimensions, row-major, unit rows; zero rows where `present` is 0. */
  data: Float32Array;
  /** 1 for items with a vector (items without text, or refused text, have none). */
  present: Uint8Array;
}

export interface Sequences {
  /** User u's events are positions indptr[u] .. indptr[u + 1]. */
  indptr: Int32Array;
  items: Int32Array;
  /** Epoch milliseconds of each event. */
  times: Float64Array;
}

export interface FitOptions {
  /** Every random choice derives from it: the same seed gives the same model. */
  seed: number;
  /** Reports progress in [0, 1]. */
  progress?: (fraction: number) => void;
  /**
   * A validation split of `data` chosen by the caller (the evaluation's own), for models that
   * learn on held-out interactions (fusion weights, the ranker); without it they hold out their own.
   */
  validation?: Holdout;
  /** How a model that holds out its own validation part should pick it (default `last`). */
  holdout?: HoldoutMode;
  /** Progress lines of long fits. */
  log?: (line: string) => void;
}

export type ParamValue = number | string | boolean;

/** A model's persisted form: its parameters, scalars and typed arrays. */
export interface Snapshot {
  model: string;
  params: Record<string, ParamValue>;
  arrays: Record<string, Float32Array | Int32Array | Float64Array>;
  meta?: Record<string, ParamValue>;
}

export interface Recommender {
  /** The name used on the command line and in reports (`als`, `itemknn`, ...). */
  readonly name: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  fit(data: TrainData, options: FitOptions): Promise<void>;
  /**
   * Scores every item for one user into `out` (length numItems; higher is better). `user` is the
   * dense user index, or -1 for a visitor the model has not seen; `history` is what the user did,
   * oldest first (sequence models read its end). Excluding seen items is the caller's job.
   */
  score(user: number, history: Int32Array, out: Float32Array): void;
  /** What the last fit did (epochs run, the epoch kept, ...), for reports; where the model has it. */
  fitReport?(): Record<string, ParamValue>;
  /**
   * The embedder whose item vectors the model reads (`use-lite@0.2.0`), for models that can take
   * items added after training from their vectors alone.
   */
  textEmbedder?(): string | undefined;
  /** Appends `count` items represented by their vectors (count × dimensions): dense indices from numItems on. */
  addItems?(vectors: Float32Array, count: number): void;
  /**
   * The k best items for a user with `exclude[item] === 1` left out, best first, where the model
   * has a faster way than scoring every item (an index); undefined sends the caller to `score`.
   */
  topK?(user: number, history: Int32Array, k: number, exclude: Uint8Array): { items: Int32Array; scores: Float32Array } | undefined;
  /** Item-to-item similarity scores for one item into `out`, where the model has them. */
  similar?(item: number, out: Float32Array): void;
  save(): Snapshot;
}

/** Thrown by `fit` when a model cannot run on this data (EASE above its item limit, ...). */
export class ModelNotApplicable extends Error {
  constructor(model: string, reason: string) {
    super(`${model}: ${reason}`);
    this.name = 'ModelNotApplicable';
  }
}
