/**
 * Known-answer tests for the neighbourhood, closed-form, sequence and popularity models. (ALS and
 * BPR have their own files.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainDataFromPairs } from '../data/interactions.js';
import { Ease, cholesky, inverseFromCholesky } from './ease.js';
import { ItemKnn } from './item-knn.js';
import { Markov } from './markov.js';
import { Popular, Trending } from './popular.js';
import { topK } from '../core/top-k.js';
import type { Recommender } from './types.js';

/**
 * The checkerboard of the implicit library's tests: users 0..4 like items 0..4, users 5..9 like
 * items 5..9, and each user misses exactly one item of their block (user u misses item u). A
 * correct model ranks that withheld item first among the items the user has not seen.
 */
function checkerboard() {
  const pairs: Array<[number, number]> = [];
  for (let u = 0; u < 10; u++) {
    const base = u < 5 ? 0 : 5;
    for (let i = base; i < base + 5; i++) if (i !== u) pairs.push([u, i]);
  }
  return trainDataFromPairs(pairs, 10, 10);
}

async function assertCheckerboard(model: Recommender) {
  const data = checkerboard();
  await model.fit(data, { seed: 1 });
  const scores = new Float32Array(10);
  for (let u = 0; u < 10; u++) {
    const row = data.matrix.row(u);
    model.score(u, Int32Array.from(row.indices), scores);
    const exclude = new Uint8Array(10);
    for (const i of row.indices) exclude[i] = 1;
    assert.equal(topK(scores, 1, exclude).items[0], u, `${model.name}: user ${u} gets the withheld item first`);
  }
}

for (const similarity of ['cosine', 'asymmetric', 'bm25'] as const) {
  test(`item-kNN (${similarity}) ranks the withheld checkerboard item first`, async () => {
    await assertCheckerboard(new ItemKnn({ similarity, neighbours: 20, k1: 1.2, b: 0.75 }));
  });
}

test('item-kNN cosine similarities match a hand computation, and neighbours are pruned to k', async () => {
  // Item 0: users {0,1}; item 1: users {0,1,2}; item 2: user {2}.
  const data = trainDataFromPairs([[0, 0], [0, 1], [1, 0], [1, 1], [2, 1], [2, 2]], 3, 3);
  const model = new ItemKnn({ similarity: 'cosine', neighbours: 1 });
  await model.fit(data, { seed: 1 });
  const out = new Float32Array(3);
  model.similar(1, out);
  // cos(1,0) = 2/√(3·2) ≈ 0.816 beats cos(1,2) = 1/√3 ≈ 0.577; only one neighbour is kept.
  assert.ok(Math.abs((out[0] as number) - 2 / Math.sqrt(6)) < 1e-6);
  assert.equal(out[2], 0);
});

test('Cholesky inverse solves a known system', () => {
  const a = Float64Array.of(4, 2, 2, 3);
  cholesky(a, 2);
  const p = inverseFromCholesky(a, 2);
  // [[4,2],[2,3]]⁻¹ = [[3,-2],[-2,4]] / 8
  assert.deepEqual(Array.from(p, (x) => Math.round(x * 8 * 1e9) / 1e9), [3, -2, -2, 4]);
});

test('EASE equals its closed form on a small matrix, and ranks the checkerboard', async () => {
  const data = trainDataFromPairs([[0, 0], [0, 1], [1, 1], [1, 2], [2, 0], [2, 2], [3, 0]], 4, 3);
  const lambda = 2;
  const model = new Ease({ regularization: lambda });
  await model.fit(data, { seed: 1 });
  // G = XᵀX + λI, computed by hand: item counts 3, 2, 2; co-occurrences (0,1)=1, (1,2)=1, (0,2)=1.
  const g = [[3 + lambda, 1, 1], [1, 2 + lambda, 1], [1, 1, 2 + lambda]];
  // Invert the 3×3 by the adjugate to check B = I − P·diag(1/diag P) independently.
  const [[a, b, c], [d, e, f], [gg, h, i]] = g as [[number, number, number], [number, number, number], [number, number, number]];
  const det = a * (e * i - f * h) - b * (d * i - f * gg) + c * (d * h - e * gg);
  const p = [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * gg - d * i) / det, (a * i - c * gg) / det, (c * d - a * f) / det],
    [(d * h - e * gg) / det, (b * gg - a * h) / det, (a * e - b * d) / det],
  ];
  const out = new Float32Array(3);
  for (let j = 0; j < 3; j++) {
    model.similar(j, out);
    for (let k = 0; k < 3; k++) {
      const expected = j === k ? 0 : -(p[j]![k]! / p[k]![k]!);
      assert.ok(Math.abs((out[k] as number) - expected) < 1e-6, `B[${j}][${k}]`);
    }
  }
  await assertCheckerboard(new Ease({ regularization: 1 }));
});

test('EASE refuses a catalog above its item limit, naming the limit', async () => {
  const model = new Ease({ maxItems: 2 });
  await assert.rejects(model.fit(trainDataFromPairs([[0, 0]], 1, 3), { seed: 1 }), /3 items is more than maxItems 2/);
});

test('Markov predicts the observed successor of the last item, smoothed by popularity', async () => {
  // Sequences: 0→1→2, 0→1, 3→1.
  const data = trainDataFromPairs([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 3], [2, 1]], 3, 4);
  const model = new Markov({ smoothing: 1 });
  await model.fit(data, { seed: 1 });
  const out = new Float32Array(4);
  model.score(-1, Int32Array.of(3, 0), out);
  // From 0: two transitions to 1; pop = [2,3,1,1]/7; P(1|0) = (2 + 3/7) / 3.
  assert.ok(Math.abs((out[1] as number) - (2 + 3 / 7) / 3) < 1e-6);
  assert.ok(Math.abs((out[2] as number) - 1 / 7 / 3) < 1e-6);
  assert.equal(topK(out, 1).items[0], 1);
  model.score(-1, Int32Array.of(), out);
  assert.equal(topK(out, 1).items[0], 1, 'an empty history falls back to popularity');
});

test('popularity counts interactions; trending prefers recent events', async () => {
  const data = trainDataFromPairs([[0, 0], [0, 0], [1, 0], [2, 1], [0, 2], [1, 2], [2, 2]], 3, 3);
  const pop = new Popular();
  await pop.fit(data, { seed: 1 });
  const out = new Float32Array(3);
  pop.score(0, Int32Array.of(), out);
  assert.deepEqual(Array.from(out), [3, 1, 3]);
  // Times are the pair positions (ms); with a tiny half-life the newest events dominate.
  const trending = new Trending({ halfLifeDays: 1e-8 });
  await trending.fit(data, { seed: 1 });
  trending.score(0, Int32Array.of(), out);
  assert.equal(topK(out, 1).items[0], 2);
});

test('top-k keeps the best k, breaks ties by the lower index and honours exclusions', () => {
  const scores = Float32Array.of(0.5, 0.9, 0.9, -Infinity, 0.1, 0.7);
  const exclude = Uint8Array.of(0, 0, 0, 0, 0, 1);
  const best = topK(scores, 3, exclude);
  assert.deepEqual(Array.from(best.items), [1, 2, 0]);
  assert.deepEqual(Array.from(topK(scores, 10).items), [1, 2, 5, 0, 4]);
});
