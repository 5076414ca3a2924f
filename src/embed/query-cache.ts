/** The query path's cache, shared by every embedder: least recently used text → vector. */
export class QueryCache {
  private readonly entries = new Map<string, Promise<Float32Array>>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The vector of `text` from the cache, or from `compute` (then cached). Concurrent calls for one
   * text share one computation; a failure is not cached, so the next call tries again.
   */
  get(text: string, compute: () => Promise<Float32Array>): Promise<Float32Array> {
    const hit = this.entries.get(text);
    if (hit) {
      // Refresh its place in the LRU order.
      this.entries.delete(text);
      this.entries.set(text, hit);
      return hit;
    }
    if (this.capacity <= 0) return compute();
    const pending = compute();
    this.entries.set(text, pending);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    pending.catch(() => {
      if (this.entries.get(text) === pending) this.entries.delete(text);
    });
    return pending;
  }

  clear(): void {
    this.entries.clear();
  }
}
