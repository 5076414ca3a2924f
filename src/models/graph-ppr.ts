/**
 * `graph-ppr`: personalised PageRank over the knowledge graph (items, users, brands, categories,
 * attribute values, external entities, co-interactions) from the user's recent items. The graph
 * is built from the training interactions and the catalog's facts, so an item nobody interacted
 * with is still reached through its brand, category and attributes. Served live from the store's
 * graph as the `graph/ppr` channel; this model is its offline twin for evaluation.
 */
import { ShopfusionError } from '../core/errors.js';
import type { EventRecord, Item } from '../core/schema.js';
import { KnowledgeGraph } from '../graph/graph.js';
import { PersonalizedPageRank } from '../graph/ppr.js';
import { forEachRecent } from './profile.js';
import type { FitOptions, Recommender, Snapshot, TrainData } from './types.js';

export interface GraphPprOptions {
  /** Restart probability (default 0.15). */
  alpha?: number;
  /** Recent history items used as seeds (default 100), newest weighted most. */
  seeds?: number;
  /** Seed weight of each older item relative to the next (default 0.95). */
  recency?: number;
  /** Push threshold of the PageRank (default 1e-7: fine enough to rank every reachable item). */
  epsilon?: number;
  /** Weight of the catalog and external relations against the behaviour ones (default 0.1). */
  factWeight?: number;
  /** Popularity penalty β: PageRank / deg^β (default 0; see `PprOptions.degreePenalty`). */
  beta?: number;
}

/** Relations learnt from behaviour; every other relation is a catalog or external fact. */
const BEHAVIOUR = new Set(['interacted', 'bought_together', 'viewed_together']);

export class GraphPpr implements Recommender {
  readonly name = 'graph-ppr';
  readonly params: Required<GraphPprOptions>;
  private ppr?: PersonalizedPageRank;
  /** Dense item index → graph node (-1 when the item is not in the graph). */
  private nodeOf = new Int32Array(0);
  private seedNodes = new Int32Array(0);
  private seedWeights = new Float32Array(0);

  constructor(options: GraphPprOptions = {}) {
    this.params = {
      alpha: options.alpha ?? 0.15,
      seeds: options.seeds ?? 100,
      recency: options.recency ?? 0.95,
      epsilon: options.epsilon ?? 1e-7,
      factWeight: options.factWeight ?? 0.1,
      beta: options.beta ?? 0,
    };
  }

  async fit(data: TrainData, _options: FitOptions): Promise<void> {
    const ids = data.content?.itemIds ?? Array.from({ length: data.numItems }, (_, i) => String(i));
    const graph = new KnowledgeGraph();
    const records = (data.content?.records ?? []).filter((r): r is Item => r !== undefined);
    graph.addItems(records, { defer: true });
    if (data.content?.triples?.length) graph.addTriples(data.content.triples, { defer: true });
    const { indptr, items, times } = data.sequences;
    const events: EventRecord[] = [];
    for (let u = 0; u + 1 < indptr.length; u++) {
      for (let p = indptr[u] as number; p < (indptr[u + 1] as number); p++) {
        events.push({ id: String(p), userId: `u${u}`, itemId: ids[items[p] as number] as string, type: 'purchase', timestamp: times[p] as number });
      }
      if (events.length >= 50_000) graph.addEvents(events.splice(0), { defer: true });
    }
    graph.addEvents(events, { defer: true });
    graph.flush();
    this.nodeOf = Int32Array.from(ids, (id) => graph.itemIndex(id) ?? -1);
    const relations = graph.relations().map((r) => ({ relation: r.name, weight: BEHAVIOUR.has(r.name) ? 1 : this.params.factWeight }));
    this.ppr = new PersonalizedPageRank(graph, { alpha: this.params.alpha, epsilon: this.params.epsilon, relations, refresh: 'manual', degreePenalty: this.params.beta });
    this.ppr.refresh();
    this.seedNodes = new Int32Array(this.params.seeds);
    this.seedWeights = new Float32Array(this.params.seeds);
    await Promise.resolve();
  }

  score(_user: number, history: Int32Array, out: Float32Array): void {
    const ppr = this.ppr;
    if (!ppr) throw new Error('graph-ppr is not fitted');
    let count = 0;
    forEachRecent(history, this.params.recency, this.params.seeds, (item, weight) => {
      const node = this.nodeOf[item] as number;
      if (node < 0) return;
      this.seedNodes[count] = node;
      this.seedWeights[count++] = weight;
    });
    out.fill(0);
    if (count === 0) return;
    ppr.run({ seeds: this.seedNodes.subarray(0, count), seedWeights: this.seedWeights.subarray(0, count), k: 1 });
    for (let j = 0; j < out.length; j++) {
      const node = this.nodeOf[j] as number;
      if (node >= 0) out[j] = ppr.score(node);
    }
  }

  save(): Snapshot {
    throw new ShopfusionError('invalid_argument', 'graph-ppr is not saved as a snapshot: the server runs it live on the store\'s graph (channel graph/ppr)');
  }
}
