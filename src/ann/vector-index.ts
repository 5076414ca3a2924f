/**
 * Nearest-neighbour search over unit vectors by cosine similarity, keyed by dense integer ids:
 * an HNSW index (usearch, Malkov & Yashunin 2018) for large catalogs, and an exact brute-force
 * index for small ones and for measuring the approximate index's recall.
 *
 * Filters (availability, category, price) are predicates on keys. usearch's JavaScript binding
 * has no filtered search, so the HNSW index over-fetches and filters, widening the fetch until k
 * matches are found; when a filter is so selective that the fetch would cover a large share of the
 * index, it scans the matching vectors exactly instead. Either way no match is lost to the filter.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { topK } from '../core/top-k.js';

export interface Neighbours {
  keys: Int32Array;
  /** Cosine similarity, best first. */
  scores: Float32Array;
}

export interface VectorIndex {
  readonly dimensions: number;
  readonly size: number;
  /** Adds or replaces the vectors of `keys` (row-major, `keys.length × dimensions`). */
  add(keys: ArrayLike<number>, vectors: Float32Array): void;
  remove(keys: ArrayLike<number>): void;
  has(key: number): boolean;
  /** The stored vector of a key (a view), or undefined. */
  vector(key: number): Float32Array | undefined;
  search(query: Float32Array, k: number, filter?: (key: number) => boolean): Neighbours;
}

/** Exact search by scanning every vector: the reference, and the fast path for small catalogs. */
export class BruteForceIndex implements VectorIndex {
  private data: Float32Array;
  private keysBySlot: Int32Array;
  private readonly slots = new Map<number, number>();
  private scores = new Float32Array(0);
  private excluded = new Uint8Array(0);

  constructor(readonly dimensions: number, capacity = 1024) {
    this.data = new Float32Array(capacity * dimensions);
    this.keysBySlot = new Int32Array(capacity);
  }

  get size(): number {
    return this.slots.size;
  }

  add(keys: ArrayLike<number>, vectors: Float32Array): void {
    const d = this.dimensions;
    if (vectors.length !== keys.length * d) throw new RangeError(`expected ${keys.length}×${d} values, got ${vectors.length}`);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as number;
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = this.slots.size;
        this.grow(slot + 1);
        this.slots.set(key, slot);
        this.keysBySlot[slot] = key;
      }
      this.data.set(vectors.subarray(i * d, i * d + d), slot * d);
    }
  }

  private grow(needed: number): void {
    if (needed <= this.keysBySlot.length) return;
    const capacity = Math.max(needed, this.keysBySlot.length * 2);
    const data = new Float32Array(capacity * this.dimensions);
    data.set(this.data);
    this.data = data;
    const keys = new Int32Array(capacity);
    keys.set(this.keysBySlot);
    this.keysBySlot = keys;
  }

  /** Removal moves the last vector into the freed slot, keeping the scan dense. */
  remove(keys: ArrayLike<number>): void {
    const d = this.dimensions;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as number;
      const slot = this.slots.get(key);
      if (slot === undefined) continue;
      const last = this.slots.size - 1;
      if (slot !== last) {
        this.data.copyWithin(slot * d, last * d, last * d + d);
        const moved = this.keysBySlot[last] as number;
        this.keysBySlot[slot] = moved;
        this.slots.set(moved, slot);
      }
      this.slots.delete(key);
    }
  }

  has(key: number): boolean {
    return this.slots.has(key);
  }

  vector(key: number): Float32Array | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.data.subarray(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  search(query: Float32Array, k: number, filter?: (key: number) => boolean): Neighbours {
    const d = this.dimensions;
    const n = this.slots.size;
    // Scratch reused across searches: one score per slot, and the slots the filter leaves out.
    if (this.scores.length < n) {
      this.scores = new Float32Array(this.keysBySlot.length);
      this.excluded = new Uint8Array(this.keysBySlot.length);
    }
    const scores = this.scores.subarray(0, n);
    const excluded = this.excluded.subarray(0, n);
    for (let slot = 0; slot < n; slot++) {
      excluded[slot] = filter && !filter(this.keysBySlot[slot] as number) ? 1 : 0;
      if (excluded[slot] === 1) continue;
      let s = 0;
      const base = slot * d;
      for (let j = 0; j < d; j++) s += (query[j] as number) * (this.data[base + j] as number);
      scores[slot] = s;
    }
    const best = topK(scores, k, excluded);
    return sortNeighbours(Array.from(best.items, (slot) => this.keysBySlot[slot] as number), best.scores);
  }

  /** Every (key, vector) pair, for persistence and index rebuilds. */
  entries(): { keys: Int32Array; vectors: Float32Array } {
    const n = this.slots.size;
    return { keys: this.keysBySlot.slice(0, n), vectors: this.data.slice(0, n * this.dimensions) };
  }
}

function sortNeighbours(keys: ArrayLike<number>, scores: ArrayLike<number>): Neighbours {
  const order = Array.from({ length: keys.length }, (_, i) => i).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number) || (keys[a] as number) - (keys[b] as number),
  );
  return { keys: Int32Array.from(order, (i) => keys[i] as number), scores: Float32Array.from(order, (i) => scores[i] as number) };
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  remove(keys: BigUint64Array): number | number[];
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array };
  size(): number;
}

/** The HNSW settings used when none are given (64: recall@10 ≥ 0.95 at ≥ 2,000 queries/s, see bench/embed.ts). */
export const HNSW_DEFAULTS = { connectivity: 16, expansionAdd: 128, expansionSearch: 64 } as const;

export interface HnswOptions {
  /** Graph degree M (usearch's `connectivity`). */
  connectivity?: number;
  /** Candidate list size while building (`expansion_add`). */
  expansionAdd?: number;
  /** Candidate list size while searching (`expansion_search`): recall against speed. */
  expansionSearch?: number;
}

/**
 * HNSW over usearch. It keeps the vectors themselves too (a {@link BruteForceIndex}), for exact
 * scans of very selective filters, item-to-item queries by key, and persistence.
 */
export class HnswIndex implements VectorIndex {
  private readonly index: UsearchIndex;
  private readonly exact: BruteForceIndex;

  constructor(readonly dimensions: number, options: HnswOptions = {}) {
    const { Index, MetricKind, ScalarKind } = createRequire(import.meta.url)('usearch') as {
      Index: new (config: Record<string, unknown>) => UsearchIndex;
      MetricKind: { IP: string };
      ScalarKind: { F32: string };
    };
    // Vectors are unit length: inner product is cosine similarity, and cheaper.
    this.index = new Index({
      dimensions,
      metric: MetricKind.IP,
      quantization: ScalarKind.F32,
      connectivity: options.connectivity ?? HNSW_DEFAULTS.connectivity,
      expansion_add: options.expansionAdd ?? HNSW_DEFAULTS.expansionAdd,
      expansion_search: options.expansionSearch ?? HNSW_DEFAULTS.expansionSearch,
      multi: false,
    });
    this.exact = new BruteForceIndex(dimensions);
  }

  get size(): number {
    return this.exact.size;
  }

  add(keys: ArrayLike<number>, vectors: Float32Array): void {
    const replaced = Array.from(keys).filter((key) => this.exact.has(key));
    if (replaced.length) this.index.remove(BigUint64Array.from(replaced, BigInt));
    this.exact.add(keys, vectors);
    this.index.add(BigUint64Array.from(Array.from(keys), BigInt), vectors, 0);
  }

  remove(keys: ArrayLike<number>): void {
    const present = Array.from(keys).filter((key) => this.exact.has(key));
    if (present.length === 0) return;
    this.index.remove(BigUint64Array.from(present, BigInt));
    this.exact.remove(present);
  }

  has(key: number): boolean {
    return this.exact.has(key);
  }

  vector(key: number): Float32Array | undefined {
    return this.exact.vector(key);
  }

  search(query: Float32Array, k: number, filter?: (key: number) => boolean): Neighbours {
    const size = this.size;
    if (size === 0 || k <= 0) return { keys: new Int32Array(0), scores: new Float32Array(0) };
    for (let fetch = Math.min(size, filter ? k * 4 : k); ; ) {
      const found = this.index.search(query, fetch, 1);
      const keys: number[] = [];
      const scores: number[] = [];
      let passed = 0;
      for (let i = 0; i < found.keys.length; i++) {
        const key = Number(found.keys[i]);
        if (filter && !filter(key)) continue;
        passed++;
        if (keys.length < k) {
          keys.push(key);
          scores.push(1 - (found.distances[i] as number));
        }
      }
      if (keys.length >= k || fetch >= size) return sortNeighbours(keys, scores);
      // The share of candidates passing the filter tells how far the graph search would have to
      // go; past a quarter of the index an exact scan of the matching vectors is cheaper.
      const needed = (k / Math.max(passed, 0.5)) * found.keys.length * 1.5;
      if (needed > size / 4) return this.exact.search(query, k, filter);
      fetch = Math.min(size, Math.max(fetch * 2, Math.ceil(needed)));
    }
  }

  /** Writes the vectors (the graph is rebuilt on load: an index never outlives its vectors). */
  save(path: string): void {
    const { keys, vectors } = this.exact.entries();
    const header = Buffer.alloc(8);
    header.writeUInt32LE(this.dimensions, 0);
    header.writeUInt32LE(keys.length, 4);
    writeFileSync(path, Buffer.concat([header, Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength), Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength)]));
  }

  static load(path: string, options: HnswOptions = {}): HnswIndex {
    if (!existsSync(path)) throw new Error(`no vector index at ${path}`);
    const bytes = readFileSync(path);
    const dimensions = bytes.readUInt32LE(0);
    const n = bytes.readUInt32LE(4);
    const keys = new Int32Array(n);
    new Uint8Array(keys.buffer).set(bytes.subarray(8, 8 + n * 4));
    const vectors = new Float32Array(n * dimensions);
    new Uint8Array(vectors.buffer).set(bytes.subarray(8 + n * 4, 8 + n * 4 + n * dimensions * 4));
    const index = new HnswIndex(dimensions, options);
    if (n > 0) index.add(keys, vectors);
    return index;
  }
}

/** Exact search up to `exactBelow` vectors (fast enough and perfect), HNSW above. */
export function createVectorIndex(dimensions: number, expectedSize: number, options: HnswOptions & { exactBelow?: number } = {}): VectorIndex {
  return expectedSize < (options.exactBelow ?? 20_000) ? new BruteForceIndex(dimensions, Math.max(16, expectedSize)) : new HnswIndex(dimensions, options);
}
