/**
 * The candidates of one request: the union of every recall channel's list, keeping each channel's
 * raw score and rank for each candidate (absent: NaN score, rank -1). Buffers are allocated once
 * per capacity and reused request after request.
 */

export class CandidateSet {
  size = 0;
  /** The candidate's item: a dense item index, or an index into the caller's id list. */
  items: Int32Array;
  /** size × channels, row-major: raw scores (NaN where the channel did not recall the item). */
  raw: Float32Array;
  /** size × channels: 0-based rank in the channel's list, -1 where absent. */
  ranks: Int32Array;
  /** Each channel's list length in this request. */
  readonly lengths: Int32Array;
  private slotOf: Int32Array;

  constructor(
    readonly channels: number,
    /** Items are dense indices below this bound (sizes the slot lookup). */
    numItems: number,
    capacity = 512,
  ) {
    this.items = new Int32Array(capacity);
    this.raw = new Float32Array(capacity * channels);
    this.ranks = new Int32Array(capacity * channels);
    this.lengths = new Int32Array(channels);
    this.slotOf = new Int32Array(numItems).fill(-1);
  }

  /** Empties the set (cost proportional to the last request's size). */
  reset(): void {
    for (let m = 0; m < this.size; m++) this.slotOf[this.items[m] as number] = -1;
    this.size = 0;
    this.lengths.fill(0);
  }

  /** Grows the item bound (items added to the catalog since the set was made). */
  ensureItems(numItems: number): void {
    if (numItems <= this.slotOf.length) return;
    const next = new Int32Array(numItems).fill(-1);
    next.set(this.slotOf);
    this.slotOf = next;
  }

  /** The candidate slot of an item, or -1. */
  slot(item: number): number {
    return this.slotOf[item] as number;
  }

  /** Adds channel `channel`'s list, best first. */
  addList(channel: number, items: ArrayLike<number>, scores: ArrayLike<number>, count = items.length): void {
    const c = this.channels;
    for (let r = 0; r < count; r++) {
      const item = items[r] as number;
      let m = this.slotOf[item] as number;
      if (m < 0) {
        m = this.size++;
        if (m >= this.items.length) this.grow();
        this.items[m] = item;
        this.slotOf[item] = m;
        this.raw.fill(NaN, m * c, m * c + c);
        this.ranks.fill(-1, m * c, m * c + c);
      }
      this.raw[m * c + channel] = scores[r] as number;
      this.ranks[m * c + channel] = r;
    }
    this.lengths[channel] = count;
  }

  private grow(): void {
    const capacity = this.items.length * 2;
    const items = new Int32Array(capacity);
    items.set(this.items);
    const raw = new Float32Array(capacity * this.channels);
    raw.set(this.raw);
    const ranks = new Int32Array(capacity * this.channels);
    ranks.set(this.ranks);
    this.items = items;
    this.raw = raw;
    this.ranks = ranks;
  }
}
