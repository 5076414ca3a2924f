/**
 * The graph's edges: one `Relation` per name with its forward and inverse adjacency, the edges
 * staged by incremental updates, and the co-occurrence counts behind the pruned item ↔ item
 * relations. Merging is where the cost of updates lies, so it is batched: a small relation merges
 * its staged edges at once (a copy of a few MB at most), a large one once they reach `ratio` of
 * its size, so that a stream of small updates costs amortised O(1 / ratio) per edge instead of a
 * full copy each time.
 */
import { Adjacency, EdgeBuffer, mergeEdges, transposeAdjacency } from './adjacency.js';
import { pruneNeighbours } from './cooccurrence.js';
import type { RelationOrigin } from './report.js';

export interface Relation {
  readonly index: number;
  readonly name: string;
  readonly origin: RelationOrigin;
  /** How repeats of one (head, tail) combine: summed (event weights) or the max (facts, weight 1). */
  readonly combine: 'sum' | 'max';
  /** Whether edges keep OR-combined tag bits (the event types of `interacted`). */
  readonly tags: boolean;
  /** Item ↔ item relations whose direction carries no meaning (bought/viewed together). */
  readonly symmetric: boolean;
  forward: Adjacency;
  inverse: Adjacency;
  readonly pending: EdgeBuffer;
}

/** Symmetric pair counts (both directions in one adjacency) behind a relation pruned to top neighbours. */
interface Cooccurrence {
  readonly relation: Relation;
  counts: Adjacency;
  readonly pending: EdgeBuffer;
}

export interface MergePolicy {
  /** Relations with fewer edges merge at once. */
  eagerBelow: number;
  /** Larger ones merge once their staged edges reach this share of them. */
  ratio: number;
  /** Neighbours kept per item in a co-occurrence relation. */
  neighbours: number;
  /** Examples of duplicate pairs handed to `onDuplicates`. */
  examples: number;
}

export class RelationSet {
  readonly list: Relation[] = [];
  private readonly byName = new Map<string, Relation>();
  private readonly cooccurrences: Cooccurrence[] = [];
  /** Something is staged. */
  dirty = false;
  /** Grows by one at every merge that changed an adjacency. */
  changes = 0;
  /** Milliseconds spent merging. */
  ms = 0;

  constructor(
    private readonly policy: MergePolicy,
    /** Repeated pairs met while merging a `max` relation (repeated facts). */
    private readonly onDuplicates: (relation: Relation, count: number, examples: ReadonlyArray<[number, number]>) => void,
  ) {}

  get(name: string): Relation | undefined {
    return this.byName.get(name);
  }

  /** The relation of this name, created with these properties when new. */
  ensure(name: string, origin: RelationOrigin, combine: 'sum' | 'max' = 'max', tags = false, symmetric = false): Relation {
    let relation = this.byName.get(name);
    if (!relation) {
      relation = { index: this.list.length, name, origin, combine, tags, symmetric, forward: Adjacency.EMPTY, inverse: Adjacency.EMPTY, pending: new EdgeBuffer() };
      this.list.push(relation);
      this.byName.set(name, relation);
    }
    return relation;
  }

  /** A relation fed by `countPair` and pruned to each item's strongest neighbours. */
  cooccurrence(name: string): number {
    this.cooccurrences.push({ relation: this.ensure(name, 'events', 'sum', false, true), counts: Adjacency.EMPTY, pending: new EdgeBuffer() });
    return this.cooccurrences.length - 1;
  }

  stage(relation: Relation, from: number, to: number, weight: number, tag = 0): void {
    relation.pending.push(from, to, weight, tag);
    this.dirty = true;
  }

  /** One more co-occurrence of items a and b in co-occurrence relation `which`. */
  countPair(which: number, a: number, b: number): void {
    const co = this.cooccurrences[which] as Cooccurrence;
    co.pending.push(a, b, 1);
    co.pending.push(b, a, 1);
    this.dirty = true;
  }

  get pendingEdges(): number {
    let pending = 0;
    for (const r of this.list) pending += r.pending.length;
    for (const co of this.cooccurrences) pending += co.pending.length;
    return pending;
  }

  get bytes(): number {
    let bytes = 0;
    for (const r of this.list) bytes += r.forward.bytes + r.inverse.bytes;
    for (const co of this.cooccurrences) bytes += co.counts.bytes;
    return bytes;
  }

  private due(pending: number, size: number, force: boolean): boolean {
    return pending > 0 && (force || size < this.policy.eagerBelow || pending >= size * this.policy.ratio);
  }

  /** Merges what is due (everything with `force`) into new adjacency arrays over `nodes` nodes. */
  merge(nodes: number, force: boolean): void {
    if (!this.dirty) return;
    const started = performance.now();
    let merged = false;
    let left = false;
    for (const co of this.cooccurrences) {
      if (!this.due(co.pending.length, co.counts.nnz, force)) {
        left ||= co.pending.length > 0;
        continue;
      }
      merged = true;
      const touched = new Uint8Array(nodes);
      for (let i = 0; i < co.pending.length; i++) touched[co.pending.src[i] as number] = 1;
      co.counts = mergeEdges(co.counts, co.pending, { inverse: false, combine: 'sum', tags: false, nodes }).adjacency;
      co.pending.clear();
      // Only rows whose counts changed are pruned again; they replace their old top neighbours.
      const kept = new EdgeBuffer();
      pruneNeighbours(co.counts, touched, this.policy.neighbours, kept);
      const relation = co.relation;
      relation.forward = mergeEdges(relation.forward, kept, { inverse: false, combine: 'sum', tags: false, nodes, replace: true }).adjacency;
      relation.inverse = transposeAdjacency(relation.forward, nodes);
    }
    for (const r of this.list) {
      if (!this.due(r.pending.length, r.forward.nnz, force)) {
        left ||= r.pending.length > 0;
        continue;
      }
      merged = true;
      const options = { combine: r.combine, tags: r.tags, nodes, examples: this.policy.examples };
      const forward = mergeEdges(r.forward, r.pending, { ...options, inverse: false });
      if (r.combine === 'max' && forward.duplicates > 0) this.onDuplicates(r, forward.duplicates, forward.duplicateExamples);
      r.forward = forward.adjacency;
      r.inverse = mergeEdges(r.inverse, r.pending, { ...options, inverse: true }).adjacency;
      r.pending.clear();
    }
    this.dirty = left;
    if (merged) this.changes++;
    this.ms += performance.now() - started;
  }
}
