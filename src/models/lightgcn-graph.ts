/**
 * The sparse side of LightGCN (He, Deng, Wang, Li, Zhang & Wang 2020, "LightGCN: Simplifying and
 * powering graph convolution network for recommendation"): the symmetric-normalised adjacency
 * Â = D^-1/2 A D^-1/2 of the user–item bipartite graph (their eq. 8) and the product Â·X over a
 * range of rows, which the main thread and the worker threads (`lightgcn-worker.ts`) share.
 *
 * Every row of a product is computed by the same code whichever thread runs it, so results do not
 * depend on the number of threads.
 */
import type { Csr } from '../data/csr.js';

/**
 * Â over the graph's nodes: users 0..numUsers-1, then items numUsers..numUsers+numItems-1, then any
 * extra nodes (entities, see {@link ExtraEdges}).
 */
export interface Adjacency {
  nodes: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** The arrays one fit's threads share; names of `buffers` are what a task refers to. */
export interface PropagationState {
  factors: number;
  adjacency: Adjacency;
  /** Each nodes × factors, row-major. */
  buffers: Record<BufferName, Float32Array>;
}

/**
 * `ego`: E⁰, the trained embeddings; `sum`: Σ_k Âᵏ E⁰; `a`/`b`: one layer at a time; `grad`: ∂L/∂sum
 * of a batch; `spread`: Â·grad.
 */
export type BufferName = 'ego' | 'sum' | 'a' | 'b' | 'grad' | 'spread';

/** out[r] = addend[r] + Σ_c Â[r, c]·input[c] for rows from..to-1 (addend omitted: 0); then acc[r] += out[r]. */
export interface PropagationTask {
  input: BufferName;
  out: BufferName;
  addend?: BufferName;
  acc?: BufferName;
  from: number;
  to: number;
}

/**
 * Extra undirected edges among items and further nodes (the entities of a knowledge graph), for
 * LightGCN over a collaborative knowledge graph (`kg-lightgcn`). Endpoints are numbered in item
 * space: 0..numItems-1 are the items, numItems..numItems+entities-1 the entities; in Â they follow
 * the users, so entity e is node numUsers + numItems + e.
 */
export interface ExtraEdges {
  /** Nodes beyond users and items. */
  entities: number;
  from: Int32Array;
  to: Int32Array;
  /** Each edge's weight (an interaction weighs 1). */
  weights: Float32Array;
}

/**
 * Â for a user × item matrix: every stored entry with a positive value is an edge of weight 1
 * (LightGCN propagates over the binary interaction graph; confidence weights are not part of it), and
 * the edge (u, i) gets 1/√(d_u d_i) with d the node degrees. Nodes without edges have empty rows.
 * With `extra`, its edges join the graph with their weights w, and every edge gets w/√(d_a d_b) with d
 * the weighted degrees (the same symmetric normalisation, D being the row sums of the weighted A).
 */
export function normalizedAdjacency(matrix: Csr, extra?: ExtraEdges): Adjacency {
  const { rows: numUsers, cols: numItems, indptr, indices, data } = matrix;
  const nodes = numUsers + numItems + (extra?.entities ?? 0);
  const degree = new Float64Array(nodes);
  const count = new Int32Array(nodes);
  let edges = 0;
  for (let u = 0; u < numUsers; u++) {
    for (let p = indptr[u] as number; p < (indptr[u + 1] as number); p++) {
      if (!((data[p] as number) > 0)) continue;
      const i = numUsers + (indices[p] as number);
      degree[u] = (degree[u] as number) + 1;
      degree[i] = (degree[i] as number) + 1;
      count[u] = (count[u] as number) + 1;
      count[i] = (count[i] as number) + 1;
      edges++;
    }
  }
  const extraEdges = extra ? checkExtra(extra, numItems) : 0;
  for (let e = 0; e < extraEdges; e++) {
    const w = (extra as ExtraEdges).weights[e] as number;
    if (!(w > 0)) continue;
    const a = numUsers + ((extra as ExtraEdges).from[e] as number);
    const b = numUsers + ((extra as ExtraEdges).to[e] as number);
    degree[a] = (degree[a] as number) + w;
    degree[b] = (degree[b] as number) + w;
    count[a] = (count[a] as number) + 1;
    count[b] = (count[b] as number) + 1;
    edges++;
  }
  const outPtr = new Int32Array(nodes + 1);
  for (let n = 0; n < nodes; n++) outPtr[n + 1] = (outPtr[n] as number) + (count[n] as number);
  const outIndices = new Int32Array(2 * edges);
  const values = new Float32Array(2 * edges);
  // Users' rows come out sorted because the matrix's columns are; items' rows fill in user order.
  const next = outPtr.slice(0, nodes);
  const link = (a: number, b: number, w: number) => {
    const pa = next[a] as number;
    const pb = next[b] as number;
    outIndices[pa] = b;
    values[pa] = w;
    outIndices[pb] = a;
    values[pb] = w;
    next[a] = pa + 1;
    next[b] = pb + 1;
  };
  for (let u = 0; u < numUsers; u++) {
    for (let p = indptr[u] as number; p < (indptr[u + 1] as number); p++) {
      if (!((data[p] as number) > 0)) continue;
      const i = numUsers + (indices[p] as number);
      link(u, i, 1 / Math.sqrt((degree[u] as number) * (degree[i] as number)));
    }
  }
  for (let e = 0; e < extraEdges; e++) {
    const w = (extra as ExtraEdges).weights[e] as number;
    if (!(w > 0)) continue;
    const a = numUsers + ((extra as ExtraEdges).from[e] as number);
    const b = numUsers + ((extra as ExtraEdges).to[e] as number);
    link(a, b, w / Math.sqrt((degree[a] as number) * (degree[b] as number)));
  }
  return { nodes, indptr: outPtr, indices: outIndices, values };
}

/** The number of extra edges, after checking their endpoints (no self-loops: Â would not be a graph's). */
function checkExtra(extra: ExtraEdges, numItems: number): number {
  const { entities, from, to, weights } = extra;
  const n = from.length;
  if (!Number.isInteger(entities) || entities < 0) throw new RangeError(`lightgcn: entities must be an integer >= 0, got ${entities}`);
  if (to.length !== n || weights.length !== n) {
    throw new RangeError(`lightgcn: extra edges need from, to and weights of one length, got ${n}, ${to.length} and ${weights.length}`);
  }
  const limit = numItems + entities;
  for (let e = 0; e < n; e++) {
    const a = from[e] as number;
    const b = to[e] as number;
    if (!(a >= 0 && a < limit && b >= 0 && b < limit) || a === b) {
      throw new RangeError(`lightgcn: extra edge ${e} joins ${a} and ${b}; endpoints must differ and lie in 0..${limit - 1}`);
    }
  }
  return n;
}

/** Runs one task on `state` (see {@link PropagationTask}). */
export function runPropagation(state: PropagationState, task: PropagationTask): void {
  const { buffers } = state;
  propagateRows(
    state.adjacency,
    state.factors,
    buffers[task.input],
    buffers[task.out],
    task.addend ? buffers[task.addend] : undefined,
    task.acc ? buffers[task.acc] : undefined,
    task.from,
    task.to,
  );
}

/**
 * out[r] = addend[r] + Σ_c Â[r, c]·input[c], then acc[r] += out[r], for rows from..to-1 of
 * nodes × f matrices. Eight running sums per pass over a row's edges keep the partial sums in
 * registers (twice as fast in V8 as accumulating into `out`).
 */
export function propagateRows(
  adj: Adjacency,
  f: number,
  input: Float32Array,
  out: Float32Array,
  addend: Float32Array | undefined,
  acc: Float32Array | undefined,
  from: number,
  to: number,
): void {
  const { indptr, indices, values } = adj;
  const wide = f - (f % 8);
  for (let r = from; r < to; r++) {
    const start = indptr[r] as number;
    const end = indptr[r + 1] as number;
    const o = r * f;
    let a = 0;
    for (; a < wide; a += 8) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let p = start; p < end; p++) {
        const w = values[p] as number;
        const c = (indices[p] as number) * f + a;
        s0 += w * (input[c] as number);
        s1 += w * (input[c + 1] as number);
        s2 += w * (input[c + 2] as number);
        s3 += w * (input[c + 3] as number);
        s4 += w * (input[c + 4] as number);
        s5 += w * (input[c + 5] as number);
        s6 += w * (input[c + 6] as number);
        s7 += w * (input[c + 7] as number);
      }
      out[o + a] = s0;
      out[o + a + 1] = s1;
      out[o + a + 2] = s2;
      out[o + a + 3] = s3;
      out[o + a + 4] = s4;
      out[o + a + 5] = s5;
      out[o + a + 6] = s6;
      out[o + a + 7] = s7;
    }
    for (; a < f; a++) {
      let s = 0;
      for (let p = start; p < end; p++) s += (values[p] as number) * (input[(indices[p] as number) * f + a] as number);
      out[o + a] = s;
    }
    if (addend) for (a = 0; a < f; a++) out[o + a] = (out[o + a] as number) + (addend[o + a] as number);
    if (acc) for (a = 0; a < f; a++) acc[o + a] = (acc[o + a] as number) + (out[o + a] as number);
  }
}

/**
 * out[c] += Â[c, r]·input[r] for every edge (r, c) of the listed rows r = rows[0..count-1]: Â·input
 * when input is zero outside those rows, at the cost of their edges alone. Â is symmetric, so row r
 * lists the column r entries too. Single-threaded: rows write to shared neighbours.
 */
export function scatterRows(adj: Adjacency, f: number, input: Float32Array, out: Float32Array, rows: Int32Array, count: number): void {
  const { indptr, indices, values } = adj;
  const wide = f - (f % 8);
  for (let q = 0; q < count; q++) {
    const r = rows[q] as number;
    const o = r * f;
    const start = indptr[r] as number;
    const end = indptr[r + 1] as number;
    let a = 0;
    // Eight of the row's values in registers per pass over its edges (twice as fast as one).
    for (; a < wide; a += 8) {
      const g0 = input[o + a] as number;
      const g1 = input[o + a + 1] as number;
      const g2 = input[o + a + 2] as number;
      const g3 = input[o + a + 3] as number;
      const g4 = input[o + a + 4] as number;
      const g5 = input[o + a + 5] as number;
      const g6 = input[o + a + 6] as number;
      const g7 = input[o + a + 7] as number;
      for (let p = start; p < end; p++) {
        const w = values[p] as number;
        const c = (indices[p] as number) * f + a;
        out[c] = (out[c] as number) + w * g0;
        out[c + 1] = (out[c + 1] as number) + w * g1;
        out[c + 2] = (out[c + 2] as number) + w * g2;
        out[c + 3] = (out[c + 3] as number) + w * g3;
        out[c + 4] = (out[c + 4] as number) + w * g4;
        out[c + 5] = (out[c + 5] as number) + w * g5;
        out[c + 6] = (out[c + 6] as number) + w * g6;
        out[c + 7] = (out[c + 7] as number) + w * g7;
      }
    }
    for (; a < f; a++) {
      const g = input[o + a] as number;
      for (let p = start; p < end; p++) {
        const c = (indices[p] as number) * f + a;
        out[c] = (out[c] as number) + (values[p] as number) * g;
      }
    }
  }
}

/** Splits the rows into `parts` contiguous ranges of about equal work (edges plus a per-row cost). */
export function splitRows(adj: Adjacency, parts: number): Array<[number, number]> {
  const { nodes, indptr } = adj;
  const rowCost = 4;
  const total = (indptr[nodes] as number) + rowCost * nodes;
  const ranges: Array<[number, number]> = [];
  let from = 0;
  for (let k = 1; k <= parts; k++) {
    let to = from;
    const target = (total * k) / parts;
    while (to < nodes && (indptr[to] as number) + rowCost * to < target) to++;
    if (k === parts) to = nodes;
    ranges.push([from, to]);
    from = to;
  }
  return ranges;
}
