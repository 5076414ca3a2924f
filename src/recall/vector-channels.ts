/**
 * The semantic recall channels over the live {@link SemanticIndex}:
 * - `vector/similar-items`: the items whose text vectors are nearest to the item's;
 * - `vector/user-profile`: the items nearest to the user's profile, the recency-weighted sum of
 *   the vectors of their recent items (newest weight 1, each older one `recency` times the next).
 * Neither needs an interaction with the candidates, so a new item is recalled as soon as it is
 * indexed.
 */
import { forEachRecent } from '../models/profile.js';
import type { SemanticIndex } from './semantic-index.js';
import type { RecallChannel, RecallContext, RecallOptions, RecallResult } from './types.js';

export class VectorSimilarItems implements RecallChannel {
  readonly id = 'vector/similar-items';

  constructor(private readonly index: SemanticIndex) {}

  recall(context: RecallContext, options: RecallOptions): Promise<RecallResult> {
    const digest = this.index.embedder.id;
    const query = context.itemId === undefined ? undefined : this.index.vectorOf(context.itemId);
    if (!query) return Promise.resolve({ channel: this.id, digest, items: [] });
    const self = context.itemId;
    const items = this.index.search(query, options.k, (id) => id === self || options.exclude?.(id) === true);
    return Promise.resolve({ channel: this.id, digest, items });
  }
}

export class VectorUserProfile implements RecallChannel {
  readonly id = 'vector/user-profile';
  private readonly profile: Float32Array;

  constructor(
    private readonly index: SemanticIndex,
    private readonly settings: { recency: number; maxHistory: number } = { recency: 0.8, maxHistory: 50 },
  ) {
    this.profile = new Float32Array(index.embedder.dimensions);
  }

  recall(context: RecallContext, options: RecallOptions): Promise<RecallResult> {
    const digest = `${this.index.embedder.id};recency=${this.settings.recency}`;
    const profile = this.profile;
    profile.fill(0);
    let used = 0;
    const history = context.history;
    // The history as positions, so the shared recency rule applies unchanged.
    forEachRecent(Int32Array.from(history.keys()), this.settings.recency, this.settings.maxHistory, (at, weight) => {
      const v = this.index.vectorOf(history[at] as string);
      if (!v) return;
      used++;
      for (let k = 0; k < v.length; k++) profile[k] = (profile[k] as number) + weight * (v[k] as number);
    });
    if (used === 0) return Promise.resolve({ channel: this.id, digest, items: [] });
    let norm = 0;
    for (let k = 0; k < profile.length; k++) norm += (profile[k] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let k = 0; k < profile.length; k++) profile[k] = (profile[k] as number) / norm;
    const seen = new Set(history);
    const items = this.index.search(profile, options.k, (id) => seen.has(id) || options.exclude?.(id) === true);
    return Promise.resolve({ channel: this.id, digest, items });
  }
}
