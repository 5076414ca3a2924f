/**
 * Behaviour events as flat typed columns with dense ids, and the training matrices built from
 * any subset of them. The same builder serves the store (live events) and imported datasets.
 */
import { EVENT_TYPES, type EventRecord, type EventType } from '../core/schema.js';
import type { Sequences, TrainData } from '../models/types.js';
import { Csr } from './csr.js';
import { IdMap } from './id-map.js';

export interface Interactions {
  users: IdMap;
  items: IdMap;
  /** Per interaction, in the order the events were read. */
  user: Int32Array;
  item: Int32Array;
  time: Float64Array;
  type: Uint8Array;
  /** The event's value (ratings), NaN when absent. */
  value: Float32Array;
  length: number;
}

const TYPE_CODE = new Map<EventType, number>(EVENT_TYPES.map((t, i) => [t, i]));

/** Collects events into columns; ids get dense indices in order of first sight. */
export class InteractionsBuilder {
  private readonly users = new IdMap();
  private readonly items = new IdMap();
  private user: number[] = [];
  private item: number[] = [];
  private time: number[] = [];
  private type: number[] = [];
  private value: number[] = [];

  /** Adds an event; events without a user id are keyed by their session id. */
  add(e: EventRecord): void {
    const actor = e.userId ?? (e.sessionId === undefined ? undefined : `session:${e.sessionId}`);
    if (actor === undefined) return;
    this.user.push(this.users.add(actor));
    this.item.push(this.items.add(e.itemId));
    this.time.push(e.timestamp);
    this.type.push(TYPE_CODE.get(e.type) as number);
    this.value.push(e.value ?? NaN);
  }

  /** Registers catalog items so they are rankable even without interactions. */
  addItem(id: string): void {
    this.items.add(id);
  }

  build(): Interactions {
    return {
      users: this.users,
      items: this.items,
      user: Int32Array.from(this.user),
      item: Int32Array.from(this.item),
      time: Float64Array.from(this.time),
      type: Uint8Array.from(this.type),
      value: Float32Array.from(this.value),
      length: this.user.length,
    };
  }
}

export interface WeightOptions {
  /**
   * `binary`: every interacted (user, item) is 1. `events`: the sum of event-type weights (ratings
   * weigh their value), the implicit-feedback confidence of Hu et al. 2008.
   */
  scheme: 'binary' | 'events';
  weights?: Readonly<Record<EventType, number>>;
  /** Exponential time decay: an event `halfLifeDays` older than `now` counts half. */
  halfLifeDays?: number;
  now?: number;
}

/** Training data from the interactions at `rows` (all when omitted). */
export function buildTrainData(ia: Interactions, rows: Int32Array | undefined, options: WeightOptions): TrainData {
  const n = rows ? rows.length : ia.length;
  const at = (i: number) => (rows ? (rows[i] as number) : i);
  const r = new Int32Array(n);
  const c = new Int32Array(n);
  const v = new Float32Array(n);
  const decay = options.halfLifeDays ? Math.LN2 / (options.halfLifeDays * 86_400_000) : 0;
  const now = options.now ?? Date.now();
  for (let i = 0; i < n; i++) {
    const row = at(i);
    r[i] = ia.user[row] as number;
    c[i] = ia.item[row] as number;
    let w = 1;
    if (options.scheme === 'events') {
      const type = EVENT_TYPES[ia.type[row] as number] as EventType;
      const value = ia.value[row] as number;
      w = type === 'rating' && !Number.isNaN(value) ? value : (options.weights?.[type] ?? 1);
    }
    if (decay > 0) w *= Math.exp(-decay * Math.max(0, now - (ia.time[row] as number)));
    v[i] = w;
  }
  let matrix = Csr.fromTriplets(ia.users.size, ia.items.size, r, c, v, options.scheme === 'binary' ? 'max' : 'sum');
  // Non-positive totals (dislikes outweighing views) are not positive feedback.
  if (options.scheme === 'events') matrix = dropNonPositive(matrix);
  return { numUsers: ia.users.size, numItems: ia.items.size, matrix, sequences: buildSequences(ia, rows) };
}

function dropNonPositive(m: Csr): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < m.rows; u++) {
    for (let p = m.indptr[u] as number; p < (m.indptr[u + 1] as number); p++) {
      if ((m.data[p] as number) > 0) {
        indices.push(m.indices[p] as number);
        data.push(m.data[p] as number);
      }
    }
    indptr[u + 1] = indices.length;
  }
  return new Csr(m.rows, m.cols, indptr, Int32Array.from(indices), Float32Array.from(data));
}

/** Each user's interactions at `rows`, ordered by time, ties in reading order. */
export function buildSequences(ia: Interactions, rows: Int32Array | undefined): Sequences {
  const n = rows ? rows.length : ia.length;
  const order = Int32Array.from({ length: n }, (_, i) => (rows ? (rows[i] as number) : i));
  order.sort((a, b) => (ia.user[a] as number) - (ia.user[b] as number) || (ia.time[a] as number) - (ia.time[b] as number) || a - b);
  const indptr = new Int32Array(ia.users.size + 1);
  const items = new Int32Array(n);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = order[i] as number;
    const u = ia.user[row] as number;
    indptr[u + 1] = (indptr[u + 1] as number) + 1;
    items[i] = ia.item[row] as number;
    times[i] = ia.time[row] as number;
  }
  for (let u = 0; u < ia.users.size; u++) indptr[u + 1] = (indptr[u + 1] as number) + (indptr[u] as number);
  return { indptr, items, times };
}

/** One user's history from sequences: items oldest first (a view, not a copy). */
export function historyOf(sequences: Sequences, user: number): Int32Array {
  return sequences.items.subarray(sequences.indptr[user] as number, sequences.indptr[user + 1] as number);
}

/**
 * Training data from (user, item[, weight]) triples in time order (weight 1 when absent; repeated
 * pairs add up): for tests and small tools.
 */
export function trainDataFromPairs(pairs: ReadonlyArray<readonly [number, number, number?]>, numUsers: number, numItems: number): TrainData {
  const users = IdMap.from(Array.from({ length: numUsers }, (_, u) => String(u)));
  const items = IdMap.from(Array.from({ length: numItems }, (_, i) => String(i)));
  const ia: Interactions = {
    users,
    items,
    user: Int32Array.from(pairs, (p) => p[0]),
    item: Int32Array.from(pairs, (p) => p[1]),
    time: Float64Array.from(pairs, (_, i) => i),
    type: new Uint8Array(pairs.length),
    value: new Float32Array(pairs.length).fill(NaN),
    length: pairs.length,
  };
  const data = buildTrainData(ia, undefined, { scheme: 'binary' });
  if (!pairs.some((p) => p[2] !== undefined)) return data;
  const matrix = Csr.fromTriplets(numUsers, numItems, ia.user, ia.item, Float32Array.from(pairs, (p) => p[2] ?? 1));
  return { ...data, matrix };
}

/**
 * Items that belong together by behaviour: each item paired with the up to `window` distinct
 * items the same user interacted with just before it, as flattened [a0, b0, a1, b1, ...]
 * (earlier item first). The training signal of the contrastive encoders.
 */
export function coInteractionPairs(sequences: Sequences, window = 1, keep?: (item: number) => boolean): Int32Array {
  const pairs: number[] = [];
  const users = sequences.indptr.length - 1;
  for (let u = 0; u < users; u++) {
    const start = sequences.indptr[u] as number;
    const end = sequences.indptr[u + 1] as number;
    for (let t = start + 1; t < end; t++) {
      const b = sequences.items[t] as number;
      if (keep && !keep(b)) continue;
      for (let s = t - 1, taken = 0; s >= start && taken < window; s--) {
        const a = sequences.items[s] as number;
        if (a === b || (keep && !keep(a))) continue;
        pairs.push(a, b);
        taken++;
      }
    }
  }
  return Int32Array.from(pairs);
}
