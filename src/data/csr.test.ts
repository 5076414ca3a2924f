import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Csr } from './csr.js';
import { buildTrainData, InteractionsBuilder } from './interactions.js';

test('CSR from triplets sorts columns and combines duplicates; transpose inverts it', () => {
  const m = Csr.fromTriplets(3, 4, Int32Array.of(2, 0, 0, 2, 0), Int32Array.of(1, 3, 1, 1, 3), Float32Array.of(1, 2, 3, 4, 5));
  assert.deepEqual(Array.from(m.indptr), [0, 2, 2, 3]);
  assert.deepEqual(Array.from(m.indices), [1, 3, 1]);
  assert.deepEqual(Array.from(m.data), [3, 7, 5]);
  const max = Csr.fromTriplets(3, 4, Int32Array.of(2, 2), Int32Array.of(1, 1), Float32Array.of(1, 4), 'max');
  assert.deepEqual(Array.from(max.row(2).data), [4]);
  const t = m.transpose();
  assert.deepEqual([t.rows, t.cols], [4, 3]);
  assert.deepEqual(Array.from(t.row(1).indices), [0, 2]);
  assert.deepEqual(Array.from(t.transpose().data), Array.from(m.data));
});

test('training data: event weights, ratings as confidence, time decay and time-ordered sequences', () => {
  const b = new InteractionsBuilder();
  const day = 86_400_000;
  b.add({ id: '1', userId: 'u', itemId: 'a', type: 'view', timestamp: 3 * day });
  b.add({ id: '2', userId: 'u', itemId: 'a', type: 'purchase', timestamp: 1 * day });
  b.add({ id: '3', userId: 'u', itemId: 'b', type: 'rating', value: 4, timestamp: 2 * day });
  b.add({ id: '4', sessionId: 's', itemId: 'b', type: 'dislike', timestamp: 2 * day });
  const ia = b.build();
  const weights = { view: 1, click: 2, add_to_cart: 4, purchase: 8, rating: 1, like: 3, dislike: -1, search_click: 2, impression: 0 };
  const data = buildTrainData(ia, undefined, { scheme: 'events', weights });
  assert.deepEqual(Array.from(data.matrix.row(0).data), [9, 4]);
  assert.equal(data.matrix.rowLength(1), 0, 'a net-negative interaction is not positive feedback');
  assert.deepEqual(Array.from(data.sequences.items.subarray(0, 3)), [0, 1, 0], 'oldest first');
  const decayed = buildTrainData(ia, undefined, { scheme: 'events', weights, halfLifeDays: 1, now: 3 * day });
  // purchase 2 days old: 8/4; view now: 1.
  assert.ok(Math.abs((decayed.matrix.row(0).data[0] as number) - 3) < 1e-5);
  const binary = buildTrainData(ia, Int32Array.of(0, 1), { scheme: 'binary' });
  assert.deepEqual(Array.from(binary.matrix.row(0).data), [1]);
});
