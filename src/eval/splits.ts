/**
 * Train / valid / test splits for the evaluation protocols of DESIGN.md ("Evaluation protocols").
 * Every split returns row indices into the input interaction arrays, in ascending row order, so a
 * split is a set of rows and never copies interaction data.
 */
import { RandomState } from './numpy-random.js';

/** Interactions in the dataset's original row order, with dense user and item indices. */
export interface InteractionLog {
  /** Dense user index of each row, 0..numUsers-1. */
  users: Int32Array;
  /** Dense item index of each row, 0..numItems-1. */
  items: Int32Array;
  /** Time of each row (any monotone unit: epoch ms, seconds, or a synthetic sequence position). */
  times: Float64Array;
  numUsers: number;
  numItems: number;
}

/** Names of the split protocols (the `replay` protocol streams events and needs no split here). */
export type SplitProtocol = 'msr' | 'loo' | 'random' | 'cold-items';

/** The rows of each part, as ascending row indices into the input {@link InteractionLog}. */
export interface Split {
  protocol: SplitProtocol;
  train: Int32Array;
  valid?: Int32Array;
  test: Int32Array;
  /** `cold-items` only: 1 for items that were given no training interaction. */
  coldItems?: Uint8Array;
}

/** Options shared by the split functions; each function documents the ones it reads. */
export interface SplitOptions {
  /** Seed of every random choice (default 42, Microsoft Recommenders' default). */
  seed?: number;
  /** `msr`: the training ratio (default 0.75). */
  ratio?: number;
  /**
   * `msr`: which version of Microsoft Recommenders' `python_stratified_split` to replicate.
   * - `per-group-permutation` (default): the releases the published ml-100k tables came from.
   * - `rank-threshold`: the current upstream code (rank within user ≤ ratio). See {@link msrSplit}.
   */
  msrVariant?: 'per-group-permutation' | 'rank-threshold';
  /** `random`: train/valid/test ratios (default [0.8, 0.1, 0.1]). */
  ratios?: readonly [number, number, number];
  /** `random`: split each user's interactions instead of all interactions (default false). */
  byUser?: boolean;
  /** `cold-items`: share of items made cold (default 0.2). */
  coldFraction?: number;
  /** `cold-items`: share of each user's warm interactions also held out for test (default 0.1). */
  warmTestFraction?: number;
}

const TRAIN = 0;
const VALID = 1;
const TEST = 2;
const DROPPED = 3;

/** Splits `data` by the named protocol; see each protocol's function for its exact rule. */
export function splitInteractions(data: InteractionLog, protocol: SplitProtocol, options: SplitOptions = {}): Split {
  switch (protocol) {
    case 'msr':
      return msrSplit(data, options);
    case 'loo':
      return leaveOneOutSplit(data);
    case 'random':
      return randomSplit(data, options);
    case 'cold-items':
      return coldItemsSplit(data, options);
    default:
      throw new RangeError(`unknown split protocol '${String(protocol)}'; allowed: msr, loo, random, cold-items`);
  }
}

/** Each user's rows in input order: user u's rows are `rows[ptr[u] .. ptr[u + 1])`. */
export interface UserGroups {
  ptr: Int32Array;
  rows: Int32Array;
}

/** Groups rows by user with a stable counting sort (rows keep their input order in each group). */
export function groupByUser(data: InteractionLog): UserGroups {
  checkLog(data);
  const n = data.users.length;
  const ptr = new Int32Array(data.numUsers + 1);
  for (let r = 0; r < n; r++) {
    const slot = (data.users[r] as number) + 1;
    ptr[slot] = (ptr[slot] as number) + 1;
  }
  for (let u = 0; u < data.numUsers; u++) ptr[u + 1] = (ptr[u + 1] as number) + (ptr[u] as number);
  const fill = ptr.slice(0, data.numUsers);
  const rows = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const u = data.users[r] as number;
    rows[fill[u] as number] = r;
    fill[u] = (fill[u] as number) + 1;
  }
  return { ptr, rows };
}

/**
 * `msr`: Microsoft Recommenders' `python_stratified_split(data, ratio=0.75, filter_by="user",
 * seed=42)` (recommenders/datasets/python_splitters.py), replicated row for row.
 *
 * `per-group-permutation` (default; the `_do_stratification` of the releases behind the published
 * ml-100k benchmark tables): rows are grouped by user, each group keeping input order (pandas
 * `groupby`); each group of n rows is shuffled with `group.sample(frac=1, random_state=seed)`,
 * i.e. a FRESH `RandomState(seed).permutation(n)` per group; the first `round(ratio·n)` shuffled
 * rows are train, the rest test (`np.split` at `round(x · len)`, Python's round: half to even, so
 * n = 2 → 2 train and n = 6 → round(4.5) = 4 train). The group order does not matter since each
 * group has its own generator. On ml-100k (u.data file order, seed 42): 74,992 train / 25,008 test.
 *
 * `rank-threshold` (current upstream): `np.random.seed(seed)`, one `rand()` per row in input
 * order, rows sorted by (user, random), rank = position / count within the user; train is
 * rank ≤ ratio, test is ratio < rank ≤ ratio + (1 − ratio) (numpy's cumsum in float64; a row above
 * that threshold is dropped, as upstream). Train gets ⌊ratio·n⌋ rows: 74,646 / 25,354 on ml-100k.
 *
 * The input must be in the dataset's original row order: the shuffles are of that order.
 */
export function msrSplit(data: InteractionLog, options: SplitOptions = {}): Split {
  const seed = options.seed ?? 42;
  const ratio = options.ratio ?? 0.75;
  if (!(ratio > 0 && ratio < 1)) throw new RangeError(`msr ratio must be in (0, 1), got ${ratio}`);
  const { ptr, rows } = groupByUser(data);
  const label = new Uint8Array(data.users.length);
  if ((options.msrVariant ?? 'per-group-permutation') === 'per-group-permutation') {
    for (let u = 0; u < data.numUsers; u++) {
      const start = ptr[u] as number;
      const n = (ptr[u + 1] as number) - start;
      if (n === 0) continue;
      const perm = new RandomState(seed).permutation(n);
      const nTrain = roundHalfEven(ratio * n);
      for (let j = 0; j < n; j++) label[rows[start + (perm[j] as number)] as number] = j < nTrain ? TRAIN : TEST;
    }
  } else {
    const rs = new RandomState(seed);
    const random = new Float64Array(data.users.length);
    for (let r = 0; r < random.length; r++) random[r] = rs.randomSample();
    const lastThreshold = ratio + (1 - ratio);
    for (let u = 0; u < data.numUsers; u++) {
      const group = Array.from(rows.subarray(ptr[u] as number, ptr[u + 1] as number));
      group.sort((a, b) => (random[a] as number) - (random[b] as number) || a - b);
      const n = group.length;
      group.forEach((r, j) => {
        const rank = (j + 1) / n;
        label[r] = rank <= ratio ? TRAIN : rank <= lastThreshold ? TEST : DROPPED;
      });
    }
  }
  return { protocol: 'msr', ...collect(label, false) };
}

/**
 * `loo`: per-user chronological leave-one-out (SASRec, Kang & McAuley 2018; S3-Rec; UniSRec).
 * Each user's rows are sorted by time, stably (ties keep input order, which for sequence datasets
 * is the sequence order); the last row is test, the second-to-last valid, the rest train. Users
 * with fewer than 3 interactions put all of them in train (they have no valid/test row).
 */
export function leaveOneOutSplit(data: InteractionLog): Split {
  const { ptr, rows } = groupByUser(data);
  const label = new Uint8Array(data.users.length);
  const times = data.times;
  for (let u = 0; u < data.numUsers; u++) {
    const start = ptr[u] as number;
    const end = ptr[u + 1] as number;
    if (end - start < 3) continue; // all TRAIN (label 0)
    // Rows within a group are in input order, so a stable sort by time breaks ties by input order.
    const group = Array.from(rows.subarray(start, end));
    group.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
    label[group[group.length - 1] as number] = TEST;
    label[group[group.length - 2] as number] = VALID;
  }
  return { protocol: 'loo', ...collect(label, true) };
}

/**
 * RecBole's part sizes (`Dataset._calcu_split_ids`, recbole/data/dataset/dataset.py): every part
 * but the first is ⌊ratio·total⌋, the first takes the rest; then a part whose exact share is in
 * (0, 1) is given one row from the first part, while the first part has more than one.
 */
export function recboleSplitCounts(total: number, ratios: readonly number[]): number[] {
  const sum = ratios.reduce((a, b) => a + b, 0);
  const norm = ratios.map((r) => r / sum);
  const cnt = norm.map((r) => Math.floor(r * total));
  cnt[0] = total - cnt.slice(1).reduce((a, b) => a + b, 0);
  for (let i = 1; i < norm.length; i++) {
    if ((cnt[0] as number) <= 1) break;
    const share = (norm[norm.length - i] as number) * total;
    if (share > 0 && share < 1) {
      cnt[norm.length - i] = (cnt[norm.length - i] as number) + 1;
      cnt[0] = (cnt[0] as number) - 1;
    }
  }
  return cnt;
}

/**
 * `random`: RecBole-style random 8/1/1 (`eval_args.split: {RS: [0.8, 0.1, 0.1]}`, order RO).
 * All rows are shuffled with `RandomState(seed).permutation(rows)` (RecBole shuffles with torch,
 * which is not replicated) and cut into parts of {@link recboleSplitCounts} sizes. With
 * `byUser` each user's rows are shuffled and cut separately (RecBole's `group_by: user`), all
 * users drawing from one generator in ascending user order.
 */
export function randomSplit(data: InteractionLog, options: SplitOptions = {}): Split {
  checkLog(data);
  const ratios = options.ratios ?? [0.8, 0.1, 0.1];
  const rs = new RandomState(options.seed ?? 42);
  const label = new Uint8Array(data.users.length);
  const assign = (group: Int32Array) => {
    const perm = rs.permutation(group.length);
    const [nTrain, nValid] = recboleSplitCounts(group.length, ratios) as [number, number, number];
    for (let j = 0; j < group.length; j++) {
      label[group[perm[j] as number] as number] = j < nTrain ? TRAIN : j < nTrain + nValid ? VALID : TEST;
    }
  };
  if (options.byUser) {
    const { ptr, rows } = groupByUser(data);
    for (let u = 0; u < data.numUsers; u++) assign(rows.subarray(ptr[u] as number, ptr[u + 1] as number));
  } else {
    const all = new Int32Array(data.users.length);
    for (let r = 0; r < all.length; r++) all[r] = r;
    assign(all);
  }
  return { protocol: 'random', ...collect(label, true) };
}

/**
 * `cold-items` (ours): `round(coldFraction · m)` of the m items that have at least one
 * interaction are drawn with `RandomState(seed).choice(m, replace=False)` and made cold: all their
 * interactions go to test and none to train. From each user's remaining (warm) rows, in ascending
 * user order and from the same generator, `Math.round(warmTestFraction · w)` of the user's w warm
 * rows (a permutation prefix) also go to test (0 for users with fewer than 5 warm rows at 0.1), the
 * rest to train. `coldItems` marks the cold items.
 */
export function coldItemsSplit(data: InteractionLog, options: SplitOptions = {}): Split {
  const coldFraction = options.coldFraction ?? 0.2;
  const warmTestFraction = options.warmTestFraction ?? 0.1;
  const rs = new RandomState(options.seed ?? 42);
  const { ptr, rows } = groupByUser(data);
  const present = new Uint8Array(data.numItems);
  for (let r = 0; r < data.items.length; r++) present[data.items[r] as number] = 1;
  const presentItems: number[] = [];
  for (let i = 0; i < data.numItems; i++) if (present[i] === 1) presentItems.push(i);
  const nCold = Math.round(coldFraction * presentItems.length);
  const coldItems = new Uint8Array(data.numItems);
  for (const j of rs.choiceWithoutReplacement(presentItems.length, nCold)) coldItems[presentItems[j] as number] = 1;

  const label = new Uint8Array(data.users.length);
  const warm: number[] = [];
  for (let u = 0; u < data.numUsers; u++) {
    warm.length = 0;
    for (let p = ptr[u] as number; p < (ptr[u + 1] as number); p++) {
      const r = rows[p] as number;
      if (coldItems[data.items[r] as number] === 1) label[r] = TEST;
      else warm.push(r);
    }
    if (warm.length === 0) continue;
    const perm = rs.permutation(warm.length);
    const nTest = Math.round(warmTestFraction * warm.length);
    for (let j = 0; j < warm.length; j++) label[warm[perm[j] as number] as number] = j < nTest ? TEST : TRAIN;
  }
  return { protocol: 'cold-items', ...collect(label, false), coldItems };
}

/** Python 3's `round(x)` for a float: nearest integer, halves to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function collect(label: Uint8Array, withValid: boolean): { train: Int32Array; valid?: Int32Array; test: Int32Array } {
  const counts = new Int32Array(4);
  for (let r = 0; r < label.length; r++) {
    const l = label[r] as number;
    counts[l] = (counts[l] as number) + 1;
  }
  const parts = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(4);
  for (let r = 0; r < label.length; r++) {
    const l = label[r] as number;
    const at = fill[l] as number;
    (parts[l] as Int32Array)[at] = r;
    fill[l] = at + 1;
  }
  const out: { train: Int32Array; valid?: Int32Array; test: Int32Array } = {
    train: parts[TRAIN] as Int32Array,
    test: parts[TEST] as Int32Array,
  };
  if (withValid) out.valid = parts[VALID] as Int32Array;
  return out;
}

function checkLog(data: InteractionLog): void {
  const n = data.users.length;
  if (data.items.length !== n || data.times.length !== n) {
    throw new RangeError(
      `users, items and times must have the same length; got ${n}, ${data.items.length}, ${data.times.length}`,
    );
  }
  for (let r = 0; r < n; r++) {
    const u = data.users[r] as number;
    const i = data.items[r] as number;
    if (u < 0 || u >= data.numUsers || i < 0 || i >= data.numItems) {
      throw new RangeError(`row ${r}: user ${u} / item ${i} outside [0, ${data.numUsers}) × [0, ${data.numItems})`);
    }
  }
}
