/**
 * The semantic recall models: every item has a unit vector of its text, and the user is the
 * recency-weighted sum of their recent items' vectors; items are scored by cosine to it.
 * Variants differ in where item vectors come from:
 * - `vector-use-lite`: the pretrained Universal Sentence Encoder as is;
 * - `vector-adapted`: the same vectors through a projection trained so that items used together
 *   come close (behaviour adaptation of a frozen encoder);
 * - `vector-catalog`: the shop's own n-gram encoder trained on its text and behaviour.
 * An item with a vector is reachable the moment it exists: cold items need no interactions.
 */
import { forEachRecent } from './profile.js';
import { ModelNotApplicable, type FitOptions, type ItemVectors, type Recommender, type Snapshot, type TrainData } from './types.js';

export interface VectorProfileOptions {
  /** Weight of each older history item relative to the next (default 0.8). */
  recency?: number;
  maxHistory?: number;
}

/** Turns the training data into item vectors; the variant's one difference. */
export type VectorSource = (data: TrainData, options: FitOptions, params: Record<string, number | string | boolean>) => Promise<ItemVectors>;

/** The profile's own parameters: they do not change the item vectors. */
const PROFILE_PARAMS = new Set(['recency', 'maxHistory']);

/**
 * Item vectors per training data and source settings: candidates of a parameter search that
 * differ only in profile parameters share one (possibly long) training of the vectors.
 */
const sharedVectors = new WeakMap<TrainData, Map<string, Promise<ItemVectors>>>();

export class VectorProfile implements Recommender {
  readonly params: Record<string, number | string | boolean>;
  private vectors?: ItemVectors;
  private profile = new Float32Array(0);

  constructor(
    readonly name: string,
    private readonly source: VectorSource,
    options: VectorProfileOptions & Record<string, number | string | boolean | undefined> = {},
  ) {
    const { recency, maxHistory, ...rest } = options;
    this.params = { recency: recency ?? 0.8, maxHistory: maxHistory ?? 50 };
    for (const [key, value] of Object.entries(rest)) if (value !== undefined) this.params[key] = value;
  }

  async fit(data: TrainData, options: FitOptions): Promise<void> {
    if (!data.content || data.content.texts.every((t) => t === '')) throw new ModelNotApplicable(this.name, 'the catalog has no item text');
    const settings = Object.entries(this.params).filter(([key]) => !PROFILE_PARAMS.has(key));
    const key = JSON.stringify([this.name, this.source.name, options.seed, settings]);
    let byKey = sharedVectors.get(data);
    if (!byKey) sharedVectors.set(data, (byKey = new Map()));
    let vectors = byKey.get(key);
    if (!vectors) {
      vectors = this.source(data, options, this.params);
      byKey.set(key, vectors);
      vectors.catch(() => byKey.delete(key));
    }
    this.setVectors(await vectors);
  }

  private setVectors(vectors: ItemVectors): void {
    this.vectors = vectors;
    this.profile = new Float32Array(vectors.dimensions);
  }

  /** The fitted item vectors (for indexing and for similar-items recall). */
  itemVectors(): ItemVectors {
    if (!this.vectors) throw new Error(`${this.name} is not fitted`);
    return this.vectors;
  }

  score(_user: number, history: Int32Array, out: Float32Array): void {
    const { data, present, dimensions: d } = this.itemVectors();
    const profile = this.profile;
    profile.fill(0);
    forEachRecent(history, Number(this.params.recency), Number(this.params.maxHistory), (item, weight) => {
      if (!present[item]) return;
      for (let k = 0, base = item * d; k < d; k++) profile[k] = (profile[k] as number) + weight * (data[base + k] as number);
    });
    this.scoreAgainst(profile, out);
  }

  similar(item: number, out: Float32Array): void {
    const { data, present, dimensions: d } = this.itemVectors();
    if (!present[item]) {
      out.fill(0);
      return;
    }
    this.profile.set(data.subarray(item * d, (item + 1) * d));
    this.scoreAgainst(this.profile, out);
  }

  /** out[j] = <v_j, query>; items without a vector rank below every item with one. */
  private scoreAgainst(query: Float32Array, out: Float32Array): void {
    const { data, present, dimensions: d } = this.itemVectors();
    let norm = 0;
    for (let k = 0; k < d; k++) norm += (query[k] as number) ** 2;
    const floor = -Math.sqrt(norm) - 1;
    for (let j = 0; j < out.length; j++) {
      if (!present[j]) {
        out[j] = floor;
        continue;
      }
      let s = 0;
      for (let k = 0, base = j * d; k < d; k++) s += (data[base + k] as number) * (query[k] as number);
      out[j] = s;
    }
  }

  save(): Snapshot {
    const v = this.itemVectors();
    return {
      model: this.name,
      params: { ...this.params },
      arrays: { vectors: v.data, present: Float32Array.from(v.present) },
      meta: { embedderId: v.embedderId, dimensions: v.dimensions },
    };
  }

  static load(snapshot: Snapshot, source: VectorSource): VectorProfile {
    const model = new VectorProfile(snapshot.model, source, snapshot.params);
    const present = snapshot.arrays.present as Float32Array;
    model.setVectors({
      embedderId: String(snapshot.meta?.embedderId),
      dimensions: Number(snapshot.meta?.dimensions),
      data: snapshot.arrays.vectors as Float32Array,
      present: Uint8Array.from(present),
    });
    return model;
  }
}

/** `vector-use-lite`: the pretrained encoder's vectors unchanged. */
export const useLiteVectors: VectorSource = (data) => (data.content as NonNullable<TrainData['content']>).vectors('use-lite');
