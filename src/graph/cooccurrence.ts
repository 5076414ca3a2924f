/**
 * Short per-group memories kept between incremental updates: the last few distinct items of each
 * session (for item ↔ item co-occurrence) and of each user (their recent items, the seeds of
 * personalised PageRank). One pooled Int32Array holds every window: no object per group or edge.
 */
import { grow, type Adjacency, type EdgeBuffer } from './adjacency.js';

export class ItemWindows<K> {
  private readonly slots = new Map<K, number>();
  private items: Int32Array;
  private lengths: Uint16Array;

  /**
   * `size` items per group, most recent first. With `moveToFront`, an item seen again moves to the
   * front (a recency list); without, a repeat inside the window is ignored (co-occurrence counts
   * each pair once per window).
   */
  constructor(
    readonly size: number,
    private readonly moveToFront: boolean,
  ) {
    this.items = new Int32Array(size * 256);
    this.lengths = new Uint16Array(256);
  }

  get groups(): number {
    return this.slots.size;
  }

  private slotOf(key: K): number {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(key, slot);
      if (slot >= this.lengths.length) {
        this.lengths = grow(this.lengths, this.lengths.length * 2);
        this.items = grow(this.items, this.lengths.length * this.size);
      }
    }
    return slot;
  }

  /**
   * Puts `item` at the front of `key`'s window. Unless the item was already in the window, calls
   * `pair` with each item it now follows. Returns whether the item was new to the window.
   */
  push(key: K, item: number, pair?: (other: number) => void): boolean {
    if (this.size <= 0) return false;
    const slot = this.slotOf(key);
    const base = slot * this.size;
    const length = this.lengths[slot] as number;
    for (let i = 0; i < length; i++) {
      if (this.items[base + i] !== item) continue;
      if (this.moveToFront) {
        this.items.copyWithin(base + 1, base, base + i);
        this.items[base] = item;
      }
      return false;
    }
    if (pair) for (let i = 0; i < length; i++) pair(this.items[base + i] as number);
    const kept = Math.min(length, this.size - 1);
    this.items.copyWithin(base + 1, base, base + kept);
    this.items[base] = item;
    this.lengths[slot] = kept + 1;
    return true;
  }

  /** Copies `key`'s window (most recent first) into `out`; returns how many were written. */
  read(key: K, out: Int32Array | number[]): number {
    const slot = this.slots.get(key);
    if (slot === undefined) return 0;
    const n = Math.min(this.lengths[slot] as number, out.length);
    for (let i = 0; i < n; i++) out[i] = this.items[slot * this.size + i] as number;
    return n;
  }

  get bytes(): number {
    return this.items.byteLength + this.lengths.byteLength;
  }
}

/**
 * The `k` strongest neighbours (ties: lower node index first) of each row of the co-occurrence
 * counts marked in `touched`, appended to `out`: the rows of the pruned relation that changed.
 */
export function pruneNeighbours(full: Adjacency, touched: Uint8Array, k: number, out: EdgeBuffer): void {
  const scratch: number[] = [];
  for (let s = 0; s < full.rows.length; s++) {
    const row = full.rows[s] as number;
    if (touched[row] !== 1) continue;
    const start = full.indptr[s] as number;
    const end = full.indptr[s + 1] as number;
    scratch.length = 0;
    for (let p = start; p < end; p++) scratch.push(p);
    if (scratch.length > k) {
      scratch.sort((a, b) => (full.weights[b] as number) - (full.weights[a] as number) || (full.cols[a] as number) - (full.cols[b] as number));
      scratch.length = k;
    }
    for (const p of scratch) out.push(row, full.cols[p] as number, full.weights[p] as number);
  }
}
