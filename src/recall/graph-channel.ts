/**
 * `graph/ppr`: personalised PageRank over the live knowledge graph ({@link GraphIndex}). For a
 * user the walk restarts at their recent items, the newest weighted most (1, 1/1.1, 1/1.2, …, the
 * rule of `PersonalizedPageRank.recommend`); for an item page at the item. It reaches items through
 * shared brands, categories and attribute values, co-purchases and co-views, and other shoppers
 * of the same items, so a new item is recalled once the walk is refreshed, before anyone saw it.
 *
 * Never returned: the seeds, every item of the history and of the user's graph edges, items the
 * graph holds as unavailable or outside the catalog, deleted items.
 */
import { RELATIONS } from '../graph/names.js';
import type { GraphIndex } from './graph-index.js';
import type { RecallChannel, RecallContext, RecallOptions, RecallResult } from './types.js';

export class GraphPprChannel implements RecallChannel {
  static readonly ID = 'graph/ppr';
  readonly id = GraphPprChannel.ID;

  constructor(
    private readonly index: GraphIndex,
    private readonly settings: { maxSeeds: number } = { maxSeeds: 20 },
  ) {}

  recall(context: RecallContext, options: RecallOptions): Promise<RecallResult> {
    const { graph, ppr, generation, compiled } = this.index.engine();
    // Which graph build and walk compilation answered, and how far the walk strays.
    const digest = `kg@${generation}.${compiled};alpha=${ppr.alpha}` + (ppr.degreePenalty > 0 ? `;beta=${ppr.degreePenalty}` : '');
    const seeds: number[] = [];
    const weights: number[] = [];
    const exclude: number[] = [];
    if (context.itemId !== undefined) {
      const node = graph.itemIndex(context.itemId);
      if (node !== undefined) {
        seeds.push(node);
        weights.push(1);
      }
    } else {
      const seeded = new Set<number>();
      for (let i = context.history.length - 1; i >= 0; i--) {
        const node = graph.itemIndex(context.history[i] as string);
        if (node === undefined) continue;
        exclude.push(node);
        if (seeded.has(node) || seeds.length >= this.settings.maxSeeds) continue;
        seeded.add(node);
        weights.push(1 / (1 + 0.1 * seeds.length));
        seeds.push(node);
      }
      const user = context.userId === undefined || this.index.isDeletedUser(context.userId) ? undefined : graph.userIndex(context.userId);
      const interacted = graph.relationIndex(RELATIONS.interacted);
      if (user !== undefined && interacted !== undefined) {
        const a = graph.adjacency(interacted);
        const slot = a.slot(user);
        if (slot >= 0) for (let p = a.indptr[slot] as number; p < (a.indptr[slot + 1] as number); p++) exclude.push(a.cols[p] as number);
      }
    }
    const items: RecallResult['items'] = [];
    if (seeds.length === 0 || options.k <= 0) return Promise.resolve({ channel: this.id, digest, items });

    const skip = (id: string) => options.exclude?.(id) === true || this.index.isDeletedItem(id);
    // Items the caller rejects are skipped: ask the walk for more until k are left or it has no more.
    for (let want = options.k; ; want *= 4) {
      const top = ppr.run({ seeds, seedWeights: weights, k: want, exclude });
      items.length = 0;
      for (let i = 0; i < top.count && items.length < options.k; i++) {
        const itemId = graph.itemId(top.nodes[i] as number);
        if (!skip(itemId)) items.push({ itemId, score: top.scores[i] as number });
      }
      if (items.length >= options.k || top.count < want) break;
    }
    return Promise.resolve({ channel: this.id, digest, items });
  }
}
