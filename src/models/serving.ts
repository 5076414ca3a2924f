/**
 * Serving trained models: the current version of each, scoring for a user (by id, with the
 * user's recent history) or an item, with seen, unavailable and deleted items left out.
 */
import { ShopfusionError } from '../core/errors.js';
import type { VectorStore } from '../store/types.js';
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

interface Scratch {
  scores: Float32Array;
  exclude: Uint8Array;
}

export class ModelServing {
  private loaded = new Map<string, LoadedModel>();
  /**
   * Score and exclusion buffers, reused across requests instead of allocated per request; a
   * request holds its pair across awaits, so concurrent requests each take their own.
   */
  private readonly free = new Map<number, Scratch[]>();

  private acquire(n: number): Scratch {
    const scratch = this.free.get(n)?.pop() ?? { scores: new Float32Array(n), exclude: new Uint8Array(n) };
    scratch.exclude.fill(0);
    return scratch;
  }

  private release(n: number, scratch: Scratch): void {
    const list = this.free.get(n) ?? [];
    if (list.length < 8) list.push(scratch);
    this.free.set(n, list);
  }

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

  /**
   * Gives models that read text vectors (`sasrec-text`) the items among `ids` they do not know
   * yet, from the vectors the store holds for their embedder: new catalog items become scorable
   * without retraining. Returns how many items were added, over all models.
   */
  async addItemsFromVectors(vectors: VectorStore, ids: readonly string[]): Promise<number> {
    let added = 0;
    for (const m of this.loaded.values()) added += await this.extend(m, vectors, ids);
    return added;
  }

  /** The same for every stored vector of each such model's embedder (after a load or reload). */
  async addStoredItems(vectors: VectorStore): Promise<number> {
    let added = 0;
    for (const m of this.loaded.values()) {
      const embedder = m.model.textEmbedder?.();
      if (!embedder) continue;
      const ids: string[] = [];
      for await (const batch of vectors.scan(embedder)) for (const row of batch) if (m.items.get(row.itemId) === undefined) ids.push(row.itemId);
      added += await this.extend(m, vectors, ids);
    }
    return added;
  }

  private async extend(m: LoadedModel, vectors: VectorStore, ids: readonly string[]): Promise<number> {
    const embedder = m.model.textEmbedder?.();
    if (!embedder || !m.model.addItems) return 0;
    const fresh = [...new Set(ids)].filter((id) => m.items.get(id) === undefined);
    if (fresh.length === 0) return 0;
    const found = await vectors.get(embedder, fresh);
    // Checked again after the await: a concurrent call may have added some meanwhile.
    const known = fresh.filter((id) => found.has(id) && m.items.get(id) === undefined);
    if (known.length === 0) return 0;
    const dim = (found.get(known[0] as string) as Float32Array).length;
    const data = new Float32Array(known.length * dim);
    known.forEach((id, i) => data.set(found.get(id) as Float32Array, i * dim));
    m.model.addItems(data, known.length);
    for (const id of known) m.items.add(id);
    return known.length;
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
    const scratch = this.acquire(m.items.size);
    try {
      this.scoreUser(m, m.users.get(userId) ?? -1, dense, scratch);
      return { model: m.name, version: m.version, data: await this.pick(m, scratch.scores, scratch.exclude, k, available) };
    } finally {
      this.release(m.items.size, scratch);
    }
  }

  /** A user's (or visitor's) scores into `scratch`, their history excluded. */
  private scoreUser(m: LoadedModel, user: number, dense: readonly number[], scratch: Scratch): void {
    m.model.score(user, Int32Array.from(dense), scratch.scores);
    for (const i of dense) scratch.exclude[i] = 1;
  }

  /** Scores of items like `item` into `scratch`, the item itself excluded. */
  private scoreItem(m: LoadedModel, item: number, scratch: Scratch): void {
    if (m.model.similar) m.model.similar(item, scratch.scores);
    else m.model.score(-1, Int32Array.of(item), scratch.scores);
    scratch.exclude[item] = 1;
  }

  /** Items similar to one item (the item itself excluded); empty when the model never saw it. */
  async similar(name: string | undefined, itemId: string, k: number, available: AvailabilityCheck): Promise<ServedList> {
    const m = this.get(name);
    const item = m.items.get(itemId);
    if (item === undefined) return { model: m.name, version: m.version, data: [] };
    const scratch = this.acquire(m.items.size);
    try {
      this.scoreItem(m, item, scratch);
      return { model: m.name, version: m.version, data: await this.pick(m, scratch.scores, scratch.exclude, k, available) };
    } finally {
      this.release(m.items.size, scratch);
    }
  }

  /**
   * Candidates for a recall channel: the model's top k for a user (from their history) or for an
   * item page, without a fallback (an unknown user with no known history gets none), seen items
   * and those `exclude` rejects left out.
   */
  candidates(name: string, context: { userId?: string; itemId?: string; history: readonly string[] }, k: number, exclude: (id: string) => boolean): { version: string; data: Scored[] } {
    const m = this.get(name);
    const scratch = this.acquire(m.items.size);
    try {
      if (context.itemId !== undefined) {
        const item = m.items.get(context.itemId);
        if (item === undefined) return { version: m.version, data: [] };
        this.scoreItem(m, item, scratch);
      } else {
        const dense = context.history.map((id) => m.items.get(id)).filter((i): i is number => i !== undefined);
        const user = context.userId === undefined ? -1 : (m.users.get(context.userId) ?? -1);
        if (user < 0 && dense.length === 0) return { version: m.version, data: [] };
        this.scoreUser(m, user, dense, scratch);
      }
      for (let fetch = k * 2 + 10; ; fetch *= 4) {
        const best = topK(scratch.scores, fetch, scratch.exclude);
        const data: Scored[] = [];
        for (let j = 0; j < best.items.length && data.length < k; j++) {
          const id = m.items.ids[best.items[j] as number] as string;
          if (!exclude(id)) data.push({ itemId: id, score: best.scores[j] as number });
        }
        if (data.length >= k || best.items.length < fetch) return { version: m.version, data };
      }
    } finally {
      this.release(m.items.size, scratch);
    }
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
