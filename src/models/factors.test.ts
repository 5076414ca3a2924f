import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { topK } from '../core/top-k.js';
import { trainDataFromPairs } from '../data/interactions.js';
import { Bpr } from './bpr.js';
import { ANN_MIN_ITEMS } from './factors.js';

describe('factor models: top k from the HNSW index', () => {
  test('above ANN_MIN_ITEMS the index finds (nearly) the exact top 10, with the bias, never an excluded item', async () => {
    const items = ANN_MIN_ITEMS + 1_000;
    // 600 users, each with 12 items from a band of the catalog of their own.
    const pairs: Array<[number, number]> = [];
    for (let u = 0; u < 600; u++) for (let j = 0; j < 12; j++) pairs.push([u, (u * 37 + j * 11) % items]);
    const model = new Bpr({ factors: 16, iterations: 3 });
    await model.fit(trainDataFromPairs(pairs, 600, items), { seed: 1 });
    const scores = new Float32Array(items);
    const exclude = new Uint8Array(items);
    let overlap = 0;
    for (let u = 0; u < 20; u++) {
      const history = Int32Array.from(pairs.filter(([v]) => v === u).map(([, i]) => i));
      for (const i of history) exclude[i] = 1;
      const fast = model.topK(u, history, 10, exclude);
      assert.ok(fast, 'the index answers');
      model.score(u, history, scores);
      const exact = new Set(topK(scores, 10, exclude).items);
      for (const [r, i] of fast.items.entries()) {
        assert.equal(exclude[i], 0, 'an excluded item');
        assert.ok(Math.abs((fast.scores[r] as number) - (scores[i] as number)) < 1e-4, 'the score is the dot product plus the bias');
        if (exact.has(i)) overlap++;
      }
      for (const i of history) exclude[i] = 0;
    }
    assert.ok(overlap >= 180, `${overlap} of 200 exact top-10 items found`);
    const small = new Bpr({ factors: 4, iterations: 1 });
    await small.fit(trainDataFromPairs([[0, 1], [1, 2]], 2, 3), { seed: 1 });
    assert.equal(small.topK(0, new Int32Array(0), 2, new Uint8Array(3)), undefined, 'small catalogs score every item');
  });
});
