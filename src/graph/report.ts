/**
 * What a graph build met on its way: counts of what it read and kept, and every kind of bad input
 * it handled, each with a few examples, so that a shop's engineers can find and fix the source.
 */
import type { EntityKind } from './names.js';

export const GRAPH_ISSUES = {
  unknown_item: 'a triple names `item:<id>` that the catalog lacks: kept as an item entity outside the catalog (never recommended)',
  self_loop: 'a triple whose head and tail are the same entity: dropped',
  duplicate_triple: 'a triple equal to an earlier one after normalising its relation and resolving its entities: counted once',
  invalid_relation: 'a relation name not matching [a-z0-9_.:/-]+ after normalising case and spaces, or reserved: skipped',
  invalid_triple: 'a triple with an empty head or tail: skipped',
  category_cycle: 'a category path repeating a name (["A", "B", "A"]): cut before the repeat',
  alias_conflict: 'an external entity linked (same_as) to a second item, or linked after it already had edges: the first stays',
  skipped_attribute: 'an attribute value that is empty or longer than maxValueLength: not an entity',
  event_unknown_item: 'an event names an item the catalog lacks: kept as an item entity outside the catalog',
  changed_item: 'addItems got an item the graph already holds: new facts added, removed facts stay until a rebuild',
} as const;

export type GraphIssueKind = keyof typeof GRAPH_ISSUES;

export interface GraphIssue {
  count: number;
  /** The first few cases, as readable one-liners. */
  examples: string[];
}

export interface GraphBuildReport {
  catalog: { items: number };
  events: {
    read: number;
    /** Events that added weight to a user → item `interacted` edge. */
    interactions: number;
    /** Events that fed item ↔ item co-occurrence (bought / viewed together). */
    cooccurrence: number;
    /** Events without a user (session only), or with an event type weighted 0. */
    withoutInteraction: number;
  };
  triples: {
    read: number;
    /** Item ↔ external-entity links merged into their items (`same_as`). */
    aliases: number;
    /** Distinct edges the triples added. */
    edges: number;
  };
  entities: Record<EntityKind, number>;
  relations: Array<{ name: string; origin: RelationOrigin; edges: number }>;
  issues: Record<GraphIssueKind, GraphIssue>;
  /** True after a change an incremental update cannot apply in full (see `changed_item`, `alias_conflict`). */
  needsRebuild: boolean;
  /** Edges staged by incremental updates and not yet merged (large relations merge in batches; `flush()` forces it). */
  pendingEdges: number;
  /** Wall-clock milliseconds of the last build or update, and total bytes of the adjacency arrays. */
  ms: number;
  bytes: number;
}

export type RelationOrigin = 'catalog' | 'events' | 'triples';

export class IssueLog {
  readonly issues = Object.fromEntries(
    Object.keys(GRAPH_ISSUES).map((k) => [k, { count: 0, examples: [] as string[] }]),
  ) as Record<GraphIssueKind, GraphIssue>;

  constructor(private readonly maxExamples = 5) {}

  add(kind: GraphIssueKind, example: () => string, count = 1): void {
    const issue = this.issues[kind];
    issue.count += count;
    if (issue.examples.length < this.maxExamples) issue.examples.push(example());
  }

  /** Adds `count` cases at once, with the examples (already formatted) that fit. */
  addMany(kind: GraphIssueKind, count: number, examples: readonly string[]): void {
    const issue = this.issues[kind];
    issue.count += count;
    for (const e of examples) if (issue.examples.length < this.maxExamples) issue.examples.push(e);
  }

  snapshot(): Record<GraphIssueKind, GraphIssue> {
    return Object.fromEntries(Object.entries(this.issues).map(([k, v]) => [k, { count: v.count, examples: [...v.examples] }])) as Record<
      GraphIssueKind,
      GraphIssue
    >;
  }
}
