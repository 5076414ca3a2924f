import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  coldItemsSplit,
  leaveOneOutSplit,
  msrSplit,
  randomSplit,
  recboleSplitCounts,
  roundHalfEven,
  splitInteractions,
  type InteractionLog,
  type Split,
} from './splits.js';

function log(users: number[], items: number[], times?: number[]): InteractionLog {
  return {
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    times: Float64Array.from(times ?? users.map((_, i) => i)),
    numUsers: Math.max(...users) + 1,
    numItems: Math.max(...items) + 1,
  };
}

/** Every row lands in exactly one part. */
function assertPartition(split: Split, n: number): void {
  const seen = new Uint8Array(n);
  for (const part of [split.train, split.valid ?? new Int32Array(0), split.test]) {
    for (const r of part) {
      assert.equal(seen[r], 0, `row ${r} in two parts`);
      seen[r] = 1;
    }
  }
  assert.equal(seen.reduce((a, b) => a + b, 0), n);
}

test('roundHalfEven is Python round', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 4.5, 0.75, 2.25, 3.75, 7].map(roundHalfEven), [0, 2, 2, 4, 1, 2, 4, 7]);
});

test('msr: round half to even per user (2 rows → 2 train, 6 rows → 4 train), fresh generator per user', () => {
  // user 0: 2 rows, user 1: 6 rows, interleaved in input order.
  const data = log([1, 0, 1, 1, 0, 1, 1, 1], [0, 1, 2, 3, 4, 5, 6, 7]);
  const split = msrSplit(data);
  assertPartition(split, 8);
  assert.deepEqual([...split.train].filter((r) => data.users[r] === 0).length, 2);
  // User 1's rows in input order are [0, 2, 3, 5, 6, 7]; RandomState(42).permutation(6) is
  // [0, 1, 5, 2, 4, 3], so train = rows at positions 0, 1, 5, 2 = rows 0, 2, 7, 3.
  assert.deepEqual([...split.train].filter((r) => data.users[r] === 1), [0, 2, 3, 7]);
  assert.deepEqual([...split.test], [5, 6]);
});

test('msr rank-threshold variant gives floor(0.75 n) train rows', () => {
  const data = log([1, 0, 1, 1, 0, 1, 1, 1], [0, 1, 2, 3, 4, 5, 6, 7]);
  const split = msrSplit(data, { msrVariant: 'rank-threshold' });
  assertPartition(split, 8);
  assert.equal([...split.train].filter((r) => data.users[r] === 0).length, 1);
  assert.equal([...split.train].filter((r) => data.users[r] === 1).length, 4);
});

function datasetsDir(): string {
  return process.env.SHOPFUSION_DATASETS ?? resolve(process.cwd(), '../shared/datasets');
}

function loadMl100k(): InteractionLog | undefined {
  const file = join(datasetsDir(), 'ml-100k', 'grouplens', 'u.data');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const users = new Int32Array(lines.length);
  const items = new Int32Array(lines.length);
  const times = new Float64Array(lines.length);
  lines.forEach((line, r) => {
    const [u, i, , t] = line.split('\t');
    // ml-100k ids are 1..943 / 1..1682; id - 1 is a dense index (order is irrelevant to the split).
    users[r] = Number(u) - 1;
    items[r] = Number(i) - 1;
    times[r] = Number(t);
  });
  return { users, items, times, numUsers: Math.max(...users) + 1, numItems: Math.max(...items) + 1 };
}

const ml = loadMl100k();
const skipMl = ml === undefined ? `ml-100k u.data not found under ${datasetsDir()} (set SHOPFUSION_DATASETS)` : false;

function fingerprint(rows: Int32Array): [number, number, number[]] {
  let sum = 0;
  let sumSq = 0;
  for (const r of rows) {
    sum += r;
    sumSq += r * r;
  }
  return [sum, sumSq, [...rows.subarray(0, 12)]];
}

test('msr on ml-100k (seed 42) gives 74,992 / 25,008, the same rows as pandas', { skip: skipMl }, () => {
  const data = ml as InteractionLog;
  const split = msrSplit(data, { seed: 42 });
  assert.equal(split.train.length, 74992);
  assert.equal(split.test.length, 25008);
  assertPartition(split, 100000);
  // Reference: recommenders' legacy _do_stratification run with numpy 2.4 / pandas 3.0 on u.data
  // (sum and sum of squares of train row indices, first 12 test rows).
  const [sum, sumSq] = fingerprint(split.train);
  assert.deepEqual([sum, sumSq], [3696245951, 244134067446733]);
  assert.deepEqual(fingerprint(split.test)[2], [23, 43, 57, 60, 62, 64, 66, 74, 81, 87, 89, 92]);
});

test('msr rank-threshold on ml-100k matches current upstream (74,646 / 25,354)', { skip: skipMl }, () => {
  const split = msrSplit(ml as InteractionLog, { msrVariant: 'rank-threshold' });
  assert.equal(split.train.length, 74646);
  assert.equal(split.test.length, 25354);
  const [sum, sumSq] = fingerprint(split.train);
  assert.deepEqual([sum, sumSq], [3728647158, 248586900643408]);
  assert.deepEqual(fingerprint(split.test)[2], [1, 7, 11, 12, 25, 30, 33, 34, 43, 50, 52, 53]);
});

test('loo: last by time is test, second-last valid, stable ties, short users all train', () => {
  // user 0: times 5, 1, 3, 3 (rows 0, 1, 2, 4) → order rows 1, 2, 4, 0 → test 0, valid 4.
  // user 1: two rows → train. user 2: equal times → input order: test = row 6, valid = row 5.
  const data = log([0, 0, 0, 1, 0, 2, 2, 1, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8], [5, 1, 3, 9, 3, 7, 7, 1, 7]);
  const split = leaveOneOutSplit(data);
  assertPartition(split, 9);
  assert.deepEqual([...split.test], [0, 8]);
  assert.deepEqual([...(split.valid ?? [])], [4, 6]);
  assert.deepEqual([...split.train], [1, 2, 3, 5, 7]);
});

test('random: RecBole part sizes, seeded and reproducible', () => {
  assert.deepEqual(recboleSplitCounts(100, [0.8, 0.1, 0.1]), [80, 10, 10]);
  assert.deepEqual(recboleSplitCounts(15, [0.8, 0.1, 0.1]), [13, 1, 1]);
  assert.deepEqual(recboleSplitCounts(5, [0.8, 0.1, 0.1]), [3, 1, 1]);
  const n = 1000;
  const data = log(
    Array.from({ length: n }, (_, i) => i % 37),
    Array.from({ length: n }, (_, i) => i % 101),
  );
  const a = randomSplit(data, { seed: 7 });
  assertPartition(a, n);
  assert.deepEqual([a.train.length, a.valid?.length, a.test.length], [800, 100, 100]);
  assert.deepEqual(randomSplit(data, { seed: 7 }).test, a.test);
  assert.notDeepEqual(randomSplit(data, { seed: 8 }).test, a.test);
  const byUser = splitInteractions(data, 'random', { byUser: true });
  assertPartition(byUser, n);
});

test('cold-items: 20% of items have no training row; all their rows are test', () => {
  const n = 2000;
  const data = log(
    Array.from({ length: n }, (_, i) => i % 50),
    Array.from({ length: n }, (_, i) => (i * 7) % 100),
  );
  const split = coldItemsSplit(data, { seed: 3 });
  assertPartition(split, n);
  const cold = split.coldItems as Uint8Array;
  assert.equal(cold.reduce((a, b) => a + b, 0), 20);
  for (const r of split.train) assert.equal(cold[data.items[r] as number], 0);
  const coldRows = [...data.items].filter((i) => cold[i] === 1).length;
  // Besides the cold rows, Math.round(0.1 · w) of each user's w warm rows are test.
  const warmPerUser = new Array<number>(50).fill(0);
  data.users.forEach((u, r) => {
    if (cold[data.items[r] as number] === 0) warmPerUser[u] = (warmPerUser[u] as number) + 1;
  });
  const warmTest = warmPerUser.reduce((a, w) => a + Math.round(0.1 * w), 0);
  assert.ok(warmTest > 0);
  assert.equal(split.test.length, coldRows + warmTest);
  assert.deepEqual(coldItemsSplit(data, { seed: 3 }).test, split.test);
});
