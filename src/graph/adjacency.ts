/**
 * One relation's edges in one direction, as compressed sparse rows in typed arrays. Rows are kept
 * only for nodes that have edges (`rows` is sorted, looked up by binary search), so a relation that
 * touches few nodes costs memory in proportion to its edges, not to the size of the whole graph.
 * New edges are staged in an `EdgeBuffer` and merged in one linear pass (`mergeEdges`).
 */

/** Rows with edges: row slot s holds node `rows[s]`, its edges at `indptr[s] .. indptr[s + 1])`. */
export class Adjacency {
  constructor(
    /** Source nodes with at least one edge, ascending. */
    readonly rows: Int32Array,
    readonly indptr: Int32Array,
    /** Target nodes, ascending within each row. */
    readonly cols: Int32Array,
    readonly weights: Float32Array,
    /** Per-edge bit sets combined by OR (the event types behind an `interacted` edge); absent when unused. */
    readonly tags: Uint16Array | undefined,
    /** The sum of each row's weights: the denominator of a random walk's transition probabilities. */
    readonly rowSums: Float32Array,
  ) {}

  static readonly EMPTY = new Adjacency(new Int32Array(0), new Int32Array(1), new Int32Array(0), new Float32Array(0), undefined, new Float32Array(0));

  get nnz(): number {
    return this.cols.length;
  }

  /** The row slot of `node`, or -1 when it has no edges here. */
  slot(node: number): number {
    const rows = this.rows;
    let lo = 0;
    let hi = rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = rows[mid] as number;
      if (v < node) lo = mid + 1;
      else if (v > node) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  degree(node: number): number {
    const s = this.slot(node);
    return s < 0 ? 0 : (this.indptr[s + 1] as number) - (this.indptr[s] as number);
  }

  /** The position of edge `from → to` in `cols`/`weights`, or -1. */
  edge(from: number, to: number): number {
    const s = this.slot(from);
    if (s < 0) return -1;
    let lo = this.indptr[s] as number;
    let hi = (this.indptr[s + 1] as number) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.cols[mid] as number;
      if (v < to) lo = mid + 1;
      else if (v > to) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** The largest weight in a row (0 when the node has no edges). */
  maxWeight(node: number): number {
    const s = this.slot(node);
    if (s < 0) return 0;
    let max = 0;
    for (let p = this.indptr[s] as number; p < (this.indptr[s + 1] as number); p++) max = Math.max(max, this.weights[p] as number);
    return max;
  }

  /** Bytes held, counting the whole buffer behind an array that is a view (`mergeEdges` keeps a little slack). */
  get bytes(): number {
    const arrays = [this.rows, this.indptr, this.cols, this.weights, this.tags, this.rowSums];
    return arrays.reduce((sum, a) => sum + (a?.buffer.byteLength ?? 0), 0);
  }
}

/** A growable list of (source, target, weight, tags) edges waiting to be merged. */
export class EdgeBuffer {
  src = new Int32Array(64);
  dst = new Int32Array(64);
  weight = new Float32Array(64);
  tag = new Uint16Array(64);
  length = 0;

  push(src: number, dst: number, weight: number, tag = 0): void {
    if (this.length === this.src.length) {
      const size = this.length * 2;
      this.src = grow(this.src, size);
      this.dst = grow(this.dst, size);
      this.weight = grow(this.weight, size);
      this.tag = grow(this.tag, size);
    }
    const i = this.length++;
    this.src[i] = src;
    this.dst[i] = dst;
    this.weight[i] = weight;
    this.tag[i] = tag;
  }

  clear(): void {
    this.length = 0;
    if (this.src.length > 1 << 16) {
      this.src = new Int32Array(64);
      this.dst = new Int32Array(64);
      this.weight = new Float32Array(64);
      this.tag = new Uint16Array(64);
    }
  }
}

export function grow<T extends Int32Array | Float32Array | Uint16Array | Uint8Array | Float64Array>(array: T, size: number): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  return next;
}

export interface MergeResult {
  adjacency: Adjacency;
  /** Pairs (source, target) that occurred more than once (new edges counted, not the first). */
  duplicates: number;
  /** The first few duplicate pairs, as [source, target]. */
  duplicateExamples: Array<[number, number]>;
}

export interface MergeOptions {
  /** Read the buffer as target → source (the inverse direction). */
  inverse: boolean;
  /** How weights of one (source, target) pair combine: summed (event weights) or the max (facts). */
  combine: 'sum' | 'max';
  /** Keep `tags` (OR-combined). */
  tags: boolean;
  /** An upper bound on node indices in the buffer. */
  nodes: number;
  /** Touched rows are replaced by the buffered edges instead of merged with them. */
  replace?: boolean;
  examples?: number;
}

/**
 * `base` plus the buffered edges, in one pass: the buffer is ordered by (source, target) with two
 * counting sorts, each touched row is merged with its base row, untouched rows are copied as they
 * are. O(base + new + nodes).
 */
export function mergeEdges(base: Adjacency, buffer: EdgeBuffer, options: MergeOptions): MergeResult {
  const n = buffer.length;
  const srcOf = options.inverse ? buffer.dst : buffer.src;
  const dstOf = options.inverse ? buffer.src : buffer.dst;
  const nodes = Math.max(options.nodes, base.rows.length ? (base.rows[base.rows.length - 1] as number) + 1 : 0);
  // Two stable counting sorts (by target, then by source) leave each source's edges sorted by
  // target, with no comparison sort at all: O(new edges + nodes).
  const byTarget = countingSort(dstOf, n, nodes, undefined);
  const { order, start } = countingSortWithStarts(srcOf, n, nodes, byTarget);
  const capacity = base.nnz + n;
  const cols = new Int32Array(capacity);
  const weights = new Float32Array(capacity);
  const tags = options.tags ? new Uint16Array(capacity) : undefined;
  const maxRows = base.rows.length + Math.min(n, nodes);
  const rowsOut = new Int32Array(maxRows);
  const indptr = new Int32Array(maxRows + 1);
  const sums = new Float32Array(maxRows);
  let rowCount = 0;
  let out = 0;
  let duplicates = 0;
  const examples: Array<[number, number]> = [];
  const maxExamples = options.examples ?? 5;
  /** Appends an edge to the open row that starts at `rowStart`, combining a repeated target. */
  const emit = (rowStart: number, src: number, dst: number, w: number, tag: number) => {
    if (out > rowStart && cols[out - 1] === dst) {
      duplicates++;
      if (examples.length < maxExamples) examples.push([src, dst]);
      weights[out - 1] = options.combine === 'sum' ? (weights[out - 1] as number) + w : Math.max(weights[out - 1] as number, w);
      if (tags) tags[out - 1] = (tags[out - 1] as number) | tag;
      return;
    }
    cols[out] = dst;
    weights[out] = w;
    if (tags) tags[out] = tag;
    out++;
  };

  const baseRows = base.rows.length;
  let b = 0;
  /**
   * Copies base rows [b, until) unchanged: one block copy of their edges, their row sums kept, their
   * row pointers shifted. Most rows of a large relation take this path, so a small update costs
   * little more than a memory copy.
   */
  const copyBaseRows = (until: number) => {
    if (until <= b) return;
    const bs = base.indptr[b] as number;
    const be = base.indptr[until] as number;
    cols.set(base.cols.subarray(bs, be), out);
    weights.set(base.weights.subarray(bs, be), out);
    if (tags && base.tags) tags.set(base.tags.subarray(bs, be), out);
    const shift = out - bs;
    for (let slot = b; slot < until; slot++) {
      rowsOut[rowCount] = base.rows[slot] as number;
      sums[rowCount] = base.rowSums[slot] as number;
      indptr[++rowCount] = (base.indptr[slot + 1] as number) + shift;
    }
    out += be - bs;
    b = until;
  };

  // The touched sources in ascending order, each merged with its base row (or replacing it).
  let k = 0;
  while (k < n) {
    const v = srcOf[order[k] as number] as number;
    const to = start[v + 1] as number;
    // Base rows before v are untouched.
    let until = b;
    while (until < baseRows && (base.rows[until] as number) < v) until++;
    copyBaseRows(until);
    const hasBase = b < baseRows && base.rows[b] === v;
    const rowStart = out;
    let bp = hasBase && !options.replace ? (base.indptr[b] as number) : 0;
    const be = hasBase && !options.replace ? (base.indptr[b + 1] as number) : 0;
    while (bp < be || k < to) {
      const fromBase = k >= to || (bp < be && (base.cols[bp] as number) <= (dstOf[order[k] as number] as number));
      if (fromBase) {
        emit(rowStart, v, base.cols[bp] as number, base.weights[bp] as number, base.tags ? (base.tags[bp] as number) : 0);
        bp++;
      } else {
        const e = order[k] as number;
        emit(rowStart, v, dstOf[e] as number, buffer.weight[e] as number, buffer.tag[e] as number);
        k++;
      }
    }
    if (hasBase) b++;
    if (out === rowStart) continue;
    let sum = 0;
    for (let p = rowStart; p < out; p++) sum += weights[p] as number;
    rowsOut[rowCount] = v;
    sums[rowCount] = sum;
    indptr[++rowCount] = out;
  }
  copyBaseRows(baseRows);

  // Views rather than copies when the slack left by merged duplicates is small.
  const fit = <T extends Int32Array | Float32Array | Uint16Array>(a: T, length: number): T =>
    (a.length - length) * 4 <= length ? (a.subarray(0, length) as T) : (a.slice(0, length) as T);
  return {
    adjacency: new Adjacency(
      fit(rowsOut, rowCount),
      fit(indptr, rowCount + 1),
      fit(cols, out),
      fit(weights, out),
      tags ? fit(tags, out) : undefined,
      fit(sums, rowCount),
    ),
    duplicates,
    duplicateExamples: examples,
  };
}

/** The same edges read the other way (rows become columns), by one counting sort: O(edges + nodes). */
export function transposeAdjacency(a: Adjacency, nodes: number): Adjacency {
  const nnz = a.nnz;
  const counts = new Int32Array(nodes + 1);
  for (let p = 0; p < nnz; p++) {
    const at = (a.cols[p] as number) + 1;
    counts[at] = (counts[at] as number) + 1;
  }
  let rowCount = 0;
  for (let v = 0; v < nodes; v++) {
    if ((counts[v + 1] as number) > 0) rowCount++;
    counts[v + 1] = (counts[v + 1] as number) + (counts[v] as number);
  }
  const next = counts.slice(0, nodes);
  const cols = new Int32Array(nnz);
  const weights = new Float32Array(nnz);
  const tags = a.tags ? new Uint16Array(nnz) : undefined;
  // Source rows ascend, so each target's new row comes out sorted.
  for (let s = 0; s < a.rows.length; s++) {
    const u = a.rows[s] as number;
    for (let p = a.indptr[s] as number; p < (a.indptr[s + 1] as number); p++) {
      const v = a.cols[p] as number;
      const at = next[v] as number;
      next[v] = at + 1;
      cols[at] = u;
      weights[at] = a.weights[p] as number;
      if (tags && a.tags) tags[at] = a.tags[p] as number;
    }
  }
  const rows = new Int32Array(rowCount);
  const indptr = new Int32Array(rowCount + 1);
  const sums = new Float32Array(rowCount);
  let r = 0;
  for (let v = 0; v < nodes; v++) {
    const from = counts[v] as number;
    const to = counts[v + 1] as number;
    if (from === to) continue;
    let sum = 0;
    for (let p = from; p < to; p++) sum += weights[p] as number;
    rows[r] = v;
    sums[r] = sum;
    indptr[++r] = to;
  }
  return new Adjacency(rows, indptr, cols, weights, tags, sums);
}

/** Edge indices 0..n-1 (or `input`'s order) stably sorted by `key[edge]`, a node index below `nodes`. */
function countingSort(key: Int32Array, n: number, nodes: number, input: Int32Array | undefined): Int32Array {
  return countingSortWithStarts(key, n, nodes, input).order;
}

function countingSortWithStarts(key: Int32Array, n: number, nodes: number, input: Int32Array | undefined): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(nodes + 1);
  for (let i = 0; i < n; i++) {
    const at = (key[i] as number) + 1;
    start[at] = (start[at] as number) + 1;
  }
  for (let v = 0; v < nodes; v++) start[v + 1] = (start[v + 1] as number) + (start[v] as number);
  const next = start.slice(0, nodes);
  const order = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = input ? (input[j] as number) : j;
    const k = key[i] as number;
    const at = next[k] as number;
    next[k] = at + 1;
    order[at] = i;
  }
  return { order, start };
}
