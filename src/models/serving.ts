/**
 * Serving trained models: the current version of each, scoring for a user (by id, with the
 * user's recent history) or an item, with seen, unavailable and deleted items left out.
 */
import { ShopfusionError } from '../core/errors.js';
import type { LoadedModel, ModelRepository } from './repository.js';
import { topK } from '../core/top-k.js';

export interface Scored {
  itemId: string;
  score: number;
}

export interface ServedList {
  model: string;
  version: string;
  data: Scored[];
  /** Set when the asked model knew nothing of the user and `pop` answered instead. */
  fallback?: string;
}

const FALLBACK = 'pop';

/** Which of these item ids may be shown (exist and are available). */
export type AvailabilityCheck = (ids: readonly string[]) => Promise<Set<string>>;

export class ModelServing {
  private loaded = new Map<string, LoadedModel>();

  constructor(
    private readonly repository: ModelRepository,
    private readonly defaultModel: string,
  ) {}

  /** Loads the latest version of every trained model; returns what is loaded. */
  reload(): Array<{ name: string; version: string }> {
    const next = new Map<string, LoadedModel>();
    for (const name of this.repository.names()) {
      const loaded = this.repository.load(name);
      if (loaded) next.set(name, loaded);
    }
    this.loaded = next;
    return [...next.values()].map((m) => ({ name: m.name, version: m.version }));
  }

  list(): Array<Pick<LoadedModel, 'name' | 'version' | 'createdAt' | 'trainedOn'>> {
    return [...this.loaded.values()].map(({ name, version, createdAt, trainedOn }) => ({ name, version, createdAt, trainedOn }));
  }

  get(name = this.defaultModel): LoadedModel {
    const model = this.loaded.get(name);
    if (!model) {
      const trained = [...this.loaded.keys()];
      throw new ShopfusionError(
        'model_not_found',
        `no trained version of model ${JSON.stringify(name)} is loaded (${trained.length ? `loaded: ${trained.join(', ')}` : 'none is'}); run \`shopfusion train\` and reload`,
      );
    }
    return model;
  }

  has(name: string): boolean {
    return this.loaded.has(name);
  }

  /**
   * Top-k for a user. `history` is the user's item ids, oldest first; those items are not
   * recommended again. Items the model never saw in training are ignored in the history.
   */
  async recommend(name: string | undefined, userId: string, history: readonly string[], k: number, available: AvailabilityCheck): Promise<ServedList> {
    const m = this.get(name);
    const dense = history.map((id) => m.items.get(id)).filter((i): i is number => i !== undefined);
    // Nothing to personalise from: most popular items beat an arbitrary order of zero scores.
    if (m.users.get(userId) === undefined && dense.length === 0 && m.name !== FALLBACK && this.loaded.has(FALLBACK)) {
      return { ...(await this.recommend(FALLBACK, userId, history, k, available)), fallback: FALLBACK };
    }
    const scores = new Float32Array(m.items.size);
    m.model.score(m.users.get(userId) ?? -1, Int32Array.from(dense), scores);
    const exclude = new Uint8Array(m.items.size);
    for (const i of dense) exclude[i] = 1;
    return { model: m.name, version: m.version, data: await this.pick(m, scores, exclude, k, available) };
  }

  /** Items similar to one item (the item itself excluded); empty when the model never saw it. */
  async similar(name: string | undefined, itemId: string, k: number, available: AvailabilityCheck): Promise<ServedList> {
    const m = this.get(name);
    const item = m.items.get(itemId);
    if (item === undefined) return { model: m.name, version: m.version, data: [] };
    const scores = new Float32Array(m.items.size);
    if (m.model.similar) m.model.similar(item, scores);
    else m.model.score(-1, Int32Array.of(item), scores);
    const exclude = new Uint8Array(m.items.size);
    exclude[item] = 1;
    return { model: m.name, version: m.version, data: await this.pick(m, scores, exclude, k, available) };
  }

  /** The k best available items; over-fetches so that unavailable ones can be dropped. */
  private async pick(m: LoadedModel, scores: Float32Array, exclude: Uint8Array, k: number, available: AvailabilityCheck): Promise<Scored[]> {
    for (let fetch = k * 2 + 10; ; fetch *= 4) {
      const best = topK(scores, fetch, exclude);
      const ids = Array.from(best.items, (i) => m.items.ids[i] as string);
      const ok = await available(ids);
      const out: Scored[] = [];
      for (let j = 0; j < ids.length && out.length < k; j++) {
        if (ok.has(ids[j] as string)) out.push({ itemId: ids[j] as string, score: best.scores[j] as number });
      }
      if (out.length >= k || best.items.length < fetch) return out;
    }
  }
}
