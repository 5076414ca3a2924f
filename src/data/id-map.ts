/** Dense ids: external string ids ↔ 0..n-1, in order of first sight. */
export class IdMap {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  /** The dense index of `id`, adding it when new. */
  add(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    return i;
  }

  get(id: string): number | undefined {
    return this.index.get(id);
  }

  static from(ids: Iterable<string>): IdMap {
    const map = new IdMap();
    for (const id of ids) map.add(id);
    return map;
  }
}
