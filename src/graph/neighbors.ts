/**
 * An entity's neighbours grouped by relation and direction, strongest first, a page at a time:
 * what the dashboard shows when someone opens an item, a brand or an external entity.
 */
import type { KnowledgeGraph } from './graph.js';
import type { EntityKind } from './names.js';

export interface Neighbor {
  key: string;
  label: string;
  kind: EntityKind;
  weight: number;
}

export interface NeighborGroup {
  relation: string;
  /** True for edges into the entity (it is their tail): `brand:Acme ←made_by— item:1`. */
  inverse: boolean;
  /** All neighbours in this group, of which `neighbors` is one page. */
  total: number;
  neighbors: Neighbor[];
  /** The `offset` of the next page, or null on the last one. */
  nextOffset: number | null;
}

export interface EntityNeighbors {
  key: string;
  label: string;
  kind: EntityKind;
  degree: number;
  groups: NeighborGroup[];
}

export interface NeighborQuery {
  /** Neighbours per group (default 20, at most 1,000). */
  limit?: number;
  /** Skip this many of each group's neighbours (default 0). */
  offset?: number;
  /** Only this relation. */
  relation?: string;
  /** Only this direction. */
  inverse?: boolean;
}

/** Undefined when no entity has the key. */
export function neighbors(graph: KnowledgeGraph, key: string, query: NeighborQuery = {}): EntityNeighbors | undefined {
  const node = graph.index(key);
  if (node === undefined) return undefined;
  const limit = Math.min(1_000, Math.max(1, Math.floor(query.limit ?? 20)));
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const only = query.relation === undefined ? undefined : graph.relationIndex(query.relation);
  const groups: NeighborGroup[] = [];
  if (query.relation === undefined || only !== undefined) {
    for (let r = 0; r < graph.relationCount; r++) {
      if (only !== undefined && r !== only) continue;
      for (const inverse of [false, true]) {
        if (query.inverse !== undefined && query.inverse !== inverse) continue;
        const a = graph.adjacency(r, inverse);
        const slot = a.slot(node);
        if (slot < 0) continue;
        const start = a.indptr[slot] as number;
        const end = a.indptr[slot + 1] as number;
        const order = Array.from({ length: end - start }, (_, i) => start + i);
        order.sort((x, y) => (a.weights[y] as number) - (a.weights[x] as number) || (a.cols[x] as number) - (a.cols[y] as number));
        const page = order.slice(offset, offset + limit).map((p) => {
          const n = a.cols[p] as number;
          return { key: graph.key(n), label: graph.label(n), kind: graph.kind(n), weight: a.weights[p] as number };
        });
        groups.push({
          relation: graph.relationName(r),
          inverse,
          total: order.length,
          neighbors: page,
          nextOffset: offset + limit < order.length ? offset + limit : null,
        });
      }
    }
  }
  return { key: graph.key(node), label: graph.label(node), kind: graph.kind(node), degree: graph.degree(node), groups };
}
