import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricAccumulator, giniIndex, headItems, rankWithPessimisticTies, userMetrics } from './metrics.js';

const close = (actual: number | undefined, expected: number, msg?: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${msg ?? ''} ${actual} ≠ ${expected}`);

test('one user, ranked [3,1,7,2], relevant {1,2}, k=4', () => {
  const m = userMetrics(Int32Array.from([3, 1, 7, 2]), Int32Array.from([1, 2]), 4);
  close(m.precision, 0.5);
  close(m.recall, 1);
  close(m.ndcg, (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3)));
  close(m.hr, 1);
  close(m.mrr, 0.5);
  // map_at_k: (1/2 + 2/4) / min(2, 4) = 0.5
  close(m.map, 0.5);
});

test('map@k divides by min(|rel|, k); precision by k; misses count as zeros', () => {
  // relevant {0, 1, 2, 3}, k = 2, ranked [0, 9]: AP = (1/1) / min(4, 2) = 0.5
  const a = userMetrics(Int32Array.from([0, 9, 1]), Int32Array.from([0, 1, 2, 3]), 2);
  close(a.map, 0.5);
  close(a.precision, 0.5);
  close(a.recall, 0.25);
  close(a.ndcg, 1 / (1 + 1 / Math.log2(3)));
  const acc = new MetricAccumulator({ ks: [2], numItems: 10 });
  acc.add(Int32Array.from([0, 9]), Int32Array.from([0, 1, 2, 3]));
  acc.add(Int32Array.from([5, 6]), Int32Array.from([7]));
  acc.add(Int32Array.from([5, 6]), new Int32Array(0)); // no relevant items: not averaged
  const r = acc.result();
  assert.equal(acc.userCount, 2);
  close(r['map@2'], 0.25);
  close(r['hr@2'], 0.5);
  close(r['mrr@2'], 0.5);
  close(r['precision@2'], 0.25);
});

test('several ks from one list', () => {
  const acc = new MetricAccumulator({ ks: [1, 3], numItems: 5 });
  acc.add(Int32Array.from([4, 2, 0]), Int32Array.from([2]));
  const r = acc.result();
  close(r['hr@1'], 0);
  close(r['hr@3'], 1);
  close(r['mrr@3'], 0.5);
  close(r['ndcg@3'], 1 / Math.log2(3));
  close(r['recall@1'], 0);
});

test('coverage, gini, long tail and cold recall on a tiny catalog', () => {
  const popularity = Float64Array.from([50, 30, 10, 5, 5]); // head (80%) = items 0, 1
  assert.deepEqual([...headItems(popularity)], [1, 1, 0, 0, 0]);
  const coldItems = Uint8Array.from([0, 0, 0, 1, 1]);
  const acc = new MetricAccumulator({ ks: [2], numItems: 5, popularity, coldItems });
  acc.add(Int32Array.from([0, 1]), Int32Array.from([1, 3]));
  acc.add(Int32Array.from([0, 3]), Int32Array.from([3, 4]));
  const r = acc.result();
  close(r['coverage@2'], 3 / 5);
  // counts [2, 1, 0, 1, 0] sorted [0, 0, 1, 1, 2]: Σ(2i − 6)c = 0·1 + 2·1 + 4·2 = 10 → 10 / (5·4)
  close(r['gini@2'], 0.5);
  close(r['longtail@2'], 1 / 4);
  // user 1: cold relevant {3}, none hit → 0; user 2: cold relevant {3, 4}, 3 hit → 0.5
  close(r['cold-recall@2'], 0.25);
  // Rare (≤ 5 training interactions): items 3 and 4, the same as the cold ones here.
  close(r['rare-recall@2'], 0.25);
});

test('rare recall: items with at most rareMax training interactions, users without any left out', () => {
  const popularity = Float64Array.from([50, 6, 5, 0]);
  const acc = new MetricAccumulator({ ks: [1, 2], numItems: 4, popularity });
  acc.add(Int32Array.from([2, 0]), Int32Array.from([2, 1])); // rare {2}: hit at 1
  acc.add(Int32Array.from([0, 3]), Int32Array.from([2, 3])); // rare {2, 3}: 3 hit at 2
  acc.add(Int32Array.from([0, 1]), Int32Array.from([1])); // no rare item: not counted
  const r = acc.result();
  close(r['rare-recall@1'], (1 + 0) / 2);
  close(r['rare-recall@2'], (1 + 0.5) / 2);
  assert.equal(new MetricAccumulator({ ks: [1], numItems: 4, popularity, rareMax: 6 }).result()['rare-recall@1'], undefined);
});

test('giniIndex extremes', () => {
  close(giniIndex(Float64Array.from([3, 3, 3])), 0);
  close(giniIndex(Float64Array.from([0, 0, 0, 8])), 3 / 4);
  close(giniIndex(new Float64Array(4)), 0);
});

test('pessimistic ties: a relevant item never wins a tie', () => {
  const scores = Float32Array.from([0.5, 0.9, 0.5, 0.5, 0.1, 0.9]);
  const exclude = Uint8Array.from([0, 0, 0, 0, 0, 1]);
  // ties at 0.9: item 1 (relevant) alone after 5 is excluded; ties at 0.5: 0 (relevant), 2, 3
  assert.deepEqual([...rankWithPessimisticTies(scores, exclude, Int32Array.from([0, 1]), 4)], [1, 2, 3, 0]);
  assert.deepEqual([...rankWithPessimisticTies(scores, exclude, Int32Array.from([3]), 3)], [1, 0, 2]);
  assert.deepEqual([...rankWithPessimisticTies(scores, undefined, new Int32Array(0), 3)], [1, 5, 0]);
  // all equal: non-relevant by index, relevant last
  const flat = new Float32Array(6);
  assert.deepEqual([...rankWithPessimisticTies(flat, undefined, Int32Array.from([0, 2]), 6)], [1, 3, 4, 5, 0, 2]);
  // NaN / -Infinity are never ranked; fewer candidates than k gives a shorter list
  const odd = Float32Array.from([NaN, -Infinity, 1]);
  assert.deepEqual([...rankWithPessimisticTies(odd, undefined, new Int32Array(0), 3)], [2]);
});

test('pessimistic ranking agrees with a full sort on random scores', () => {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 7) / 7; // few distinct values → many ties
  for (let trial = 0; trial < 20; trial++) {
    const n = 50;
    const scores = Float32Array.from({ length: n }, rnd);
    const relevant = Int32Array.from([3, 7, 11, 19, 42]);
    const rel = new Set(relevant);
    const expected = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => (scores[b] as number) - (scores[a] as number) || Number(rel.has(a)) - Number(rel.has(b)) || a - b)
      .slice(0, 10);
    assert.deepEqual([...rankWithPessimisticTies(scores, undefined, relevant, 10)], expected);
  }
});
