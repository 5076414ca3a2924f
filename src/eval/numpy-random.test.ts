import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomState } from './numpy-random.js';

// Expected values were produced by numpy 2.4 (`np.random.RandomState`), legacy int seeding.

test('permutation(10) matches numpy for seeds 42 and 0', () => {
  assert.deepEqual([...new RandomState(42).permutation(10)], [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
  assert.deepEqual([...new RandomState(0).permutation(10)], [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
});

test('permutation matches numpy for other seeds and sizes', () => {
  assert.deepEqual(
    [...new RandomState(123).permutation(20)],
    [14, 5, 4, 17, 8, 7, 19, 12, 0, 15, 16, 9, 11, 10, 3, 1, 6, 18, 2, 13],
  );
  assert.deepEqual([...new RandomState(0xffffffff).permutation(5)], [4, 1, 0, 2, 3]);
  // pandas DataFrame(range(7)).sample(frac=1, random_state=42).index
  assert.deepEqual([...new RandomState(42).permutation(7)], [0, 1, 5, 2, 4, 3, 6]);
});

test('raw 32-bit outputs match genrand_int32, including after a state regeneration', () => {
  const rs = new RandomState(42);
  // RandomState(42).randint(0, 2**32, dtype=uint64) returns raw next_uint32 values.
  assert.deepEqual([rs.nextUint32(), rs.nextUint32(), rs.nextUint32()], [1608637542, 3421126067, 4083286876]);
  const rs7 = new RandomState(7);
  const out: number[] = [];
  for (let i = 0; i < 2000; i++) out.push(rs7.nextUint32());
  assert.deepEqual(out.slice(-3), [85438961, 70646866, 1233290179]);
});

test('randomSample matches random_sample()', () => {
  const rs = new RandomState(42);
  assert.deepEqual(
    [rs.randomSample(), rs.randomSample(), rs.randomSample()],
    [0.3745401188473625, 0.9507143064099162, 0.7319939418114051],
  );
});

test('choiceWithoutReplacement matches choice(n, size, replace=False)', () => {
  assert.deepEqual([...new RandomState(42).choiceWithoutReplacement(1000, 5)], [521, 737, 740, 660, 411]);
});

test('rejects seeds numpy rejects', () => {
  assert.throws(() => new RandomState(-1), RangeError);
  assert.throws(() => new RandomState(2 ** 32), RangeError);
  assert.throws(() => new RandomState(1.5), RangeError);
});
