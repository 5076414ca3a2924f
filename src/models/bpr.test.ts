import assert from 'node:assert/strict';
import { trainDataFromPairs } from '../data/interactions.js';
import { describe, it } from 'node:test';
import { Bpr, type BprEpoch } from './bpr.js';
import type { TrainData } from './types.js';

/**
 * implicit's checkerboard: n users and n items in two blocks by parity; user u has every item of
 * its own block except item u, which any sound model must rank above the other block's items.
 */
function checkerboard(n: number): TrainData {
  const pairs: [number, number][] = [];
  for (let u = 0; u < n; u++) for (let i = u % 2; i < n; i += 2) if (i !== u) pairs.push([u, i]);
  return trainDataFromPairs(pairs, n, n);
}

describe('Bpr', () => {
  it('learns: the sampled training AUC rises and the loss falls', async () => {
    const data = checkerboard(20);
    const epochs: BprEpoch[] = [];
    const progress: number[] = [];
    const model = new Bpr({ factors: 8, iterations: 60 });
    await model.fit(data, { seed: 2, onEpoch: (e) => epochs.push(e), progress: (p) => progress.push(p) });
    assert.equal(epochs.length, 60);
    assert.deepEqual(
      epochs.map((e) => e.epoch),
      Array.from({ length: 60 }, (_, k) => k + 1),
    );
    assert.equal(progress.at(-1), 1);
    const first = epochs[0] as BprEpoch;
    const last = epochs.at(-1) as BprEpoch;
    assert.equal(last.samples, data.matrix.nnz);
    assert.ok(first.auc < 0.75, `first epoch AUC ${first.auc}: the factors start random`);
    // Below 1: each user's withheld item is one of the negatives, yet scores like a positive.
    assert.ok(last.auc > 0.9, `last epoch AUC ${last.auc}`);
    assert.ok(last.loss < first.loss / 2, `loss ${first.loss} → ${last.loss}`);
  });

  it('ranks the withheld item first on the checkerboard', async () => {
    const data = checkerboard(20);
    const model = new Bpr({ factors: 8, iterations: 60 });
    await model.fit(data, { seed: 3 });
    const out = new Float32Array(data.numItems);
    for (let u = 0; u < data.numUsers; u++) {
      model.score(u, new Int32Array(0), out);
      const seen = new Set(data.matrix.row(u).indices);
      let best = -1;
      for (let i = 0; i < data.numItems; i++) if (!seen.has(i) && (best < 0 || (out[i] as number) > (out[best] as number))) best = i;
      assert.equal(best, u, `user ${u}: item ${best} ranked first among unseen items, expected the withheld item ${u}`);
    }
  });

  it('scores a visitor by the mean of their history items', async () => {
    const data = checkerboard(20);
    const model = new Bpr({ factors: 8, iterations: 60 });
    await model.fit(data, { seed: 4 });
    const history = Int32Array.of(1, 5, 9); // block B (odd items)
    const out = new Float32Array(20);
    model.score(-1, history, out);
    const mean = new Float32Array(8);
    model.userVectorFromHistory(history, mean);
    const y = model.itemFactors;
    for (let a = 0; a < 8; a++) {
      const expected = ((y[8 + a] as number) + (y[40 + a] as number) + (y[72 + a] as number)) / 3;
      assert.ok(Math.abs((mean[a] as number) - expected) < 1e-6);
    }
    let minB = Infinity;
    let maxA = -Infinity;
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) maxA = Math.max(maxA, out[i] as number);
      else if (!history.includes(i)) minB = Math.min(minB, out[i] as number);
    }
    assert.ok(minB > maxA, `unseen block-B items score down to ${minB}, block-A items up to ${maxA}`);
  });

  it('is deterministic under the seed', async () => {
    const data = checkerboard(16);
    const fit = async (seed: number) => {
      const model = new Bpr({ factors: 6, iterations: 5 });
      await model.fit(data, { seed });
      return model;
    };
    const a = await fit(42);
    const b = await fit(42);
    assert.deepEqual(a.userFactors, b.userFactors);
    assert.deepEqual(a.itemFactors, b.itemFactors);
    assert.deepEqual(a.itemBias, b.itemBias);
    const other = await fit(43);
    assert.notDeepEqual(other.itemFactors, a.itemFactors);
  });

  it('save and load give identical scores and similarities', async () => {
    const data = checkerboard(12);
    const model = new Bpr({ factors: 5, iterations: 3, learningRate: 0.1, regularization: 0.01 });
    await model.fit(data, { seed: 8 });
    const snapshot = model.save();
    assert.deepEqual(snapshot.meta, { numUsers: 12, numItems: 12, factors: 5 });
    assert.deepEqual(snapshot.params, { factors: 5, iterations: 3, learningRate: 0.1, regularization: 0.01 });
    const loaded = Bpr.load(snapshot);
    assert.deepEqual(loaded.params, model.params);
    const a = new Float32Array(12);
    const b = new Float32Array(12);
    for (const [user, history] of [[3, new Int32Array(0)], [-1, Int32Array.of(0, 2, 2, 4)], [-1, new Int32Array(0)]] as const) {
      model.score(user, history, a);
      loaded.score(user, history, b);
      assert.deepEqual(b, a);
    }
    // An empty history leaves the item biases as the ranking.
    model.score(-1, new Int32Array(0), a);
    assert.deepEqual(a, model.itemBias);
    model.similar(4, a);
    loaded.similar(4, b);
    assert.deepEqual(b, a);
    assert.ok(Math.abs((a[4] as number) - 1) < 1e-6, 'an item is its own nearest neighbour');
  });
});
