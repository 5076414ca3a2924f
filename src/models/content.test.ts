import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainDataFromPairs } from '../data/interactions.js';
import { Rng } from './random.js';
import { TextBm25 } from './text-bm25.js';
import type { ItemContent, ItemVectors, TrainData } from './types.js';
import { adaptedVectors } from './vector-adapted.js';
import { VectorProfile, useLiteVectors } from './vector-profile.js';

/** Content with fixed texts and fixed 'use-lite' vectors (unit rows given by the test). */
function content(texts: string[], vectors?: { dims: number; rows: Array<number[] | null> }): ItemContent {
  return {
    texts,
    vectors(provider: string): Promise<ItemVectors> {
      assert.equal(provider, 'use-lite');
      if (!vectors) throw new Error('no vectors in this test');
      const data = new Float32Array(vectors.rows.length * vectors.dims);
      const present = new Uint8Array(vectors.rows.length);
      vectors.rows.forEach((r, i) => {
        if (!r) return;
        const norm = Math.hypot(...r);
        r.forEach((x, k) => (data[i * vectors.dims + k] = x / norm));
        present[i] = 1;
      });
      return Promise.resolve({ embedderId: 'fixed', dimensions: vectors.dims, data, present });
    },
  };
}

const ranking = (scores: Float32Array, skip: number[] = []) =>
  [...scores.keys()].filter((i) => !skip.includes(i)).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);

describe('text-bm25', () => {
  const texts = ['Cordless drill 18V', 'Cordless drill 12V with battery', 'Frying pan', 'Cast iron frying pan', ''];
  const train: TrainData = { ...trainDataFromPairs([[0, 0], [1, 2]], 2, 5), content: content(texts) };

  it('ranks the item sharing the history\'s rare words first, and reaches items nobody interacted with', async () => {
    const model = new TextBm25();
    await model.fit(train, { seed: 1 });
    const out = new Float32Array(5);
    model.score(0, Int32Array.of(0), out);
    assert.deepEqual(ranking(out, [0]).slice(0, 1), [1]);
    assert.equal(out[4], 0);
    model.score(1, Int32Array.of(2), out);
    assert.equal(ranking(out, [2])[0], 3, 'item 3 has no interactions, only text');
    model.similar(3, out);
    assert.equal(ranking(out, [3])[0], 2);
  });

  it('weighs recent items more (recency < 1) and saves to the same scores', async () => {
    const model = new TextBm25({ recency: 0.1 });
    await model.fit(train, { seed: 1 });
    const out = new Float32Array(5);
    model.score(0, Int32Array.of(0, 2), out);
    assert.equal(ranking(out, [0, 2])[0], 3, 'the newest item (a pan) leads');
    const loaded = TextBm25.load(model.save());
    const again = new Float32Array(5);
    loaded.score(0, Int32Array.of(0, 2), again);
    assert.deepEqual(again, out);
  });

  it('is not applicable without text', async () => {
    await assert.rejects(new TextBm25().fit({ ...train, content: content(['', '', '', '', '']) }, { seed: 1 }), /no item text/);
  });
});

describe('vector profile', () => {
  const rows = [[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.2], null];
  const train: TrainData = { ...trainDataFromPairs([[0, 0]], 1, 5), content: content(['a', 'b', 'c', 'd', ''], { dims: 3, rows }) };

  it('scores by cosine to the recency-weighted history; items without a vector come last', async () => {
    const model = new VectorProfile('vector-use-lite', useLiteVectors, { recency: 0.5 });
    await model.fit(train, { seed: 1 });
    const out = new Float32Array(5);
    model.score(0, Int32Array.of(0, 2), out);
    // Profile = 0.5·v0 + v2: nearer the newest item's side.
    assert.deepEqual(ranking(out, [0, 2]), [3, 1, 4]);
    assert.ok(Math.abs((out[3] as number) - (0.5 * 0 + 1 * 0.9) / Math.hypot(0.9, 0.2)) < 1e-5);
    model.similar(0, out);
    assert.equal(ranking(out, [0])[0], 1);
    const loaded = VectorProfile.load(model.save(), useLiteVectors);
    const again = new Float32Array(5);
    loaded.similar(0, again);
    assert.deepEqual(again, out);
  });
});

describe('vector-adapted', () => {
  it('pulls items used together closer than the frozen vectors had them', async () => {
    // 40 items with random vectors; users always take item 2k and then 2k+1.
    const n = 40;
    const rng = new Rng(7);
    const vectorRows = Array.from({ length: n }, () => Array.from({ length: 16 }, () => rng.normal()));
    const pairs: Array<[number, number]> = [];
    for (let u = 0; u < 400; u++) {
      const k = u % (n / 2);
      pairs.push([u, 2 * k], [u, 2 * k + 1]);
    }
    const texts = Array.from({ length: n }, (_, i) => `item ${i} brand${i % 4}`);
    const train: TrainData = { ...trainDataFromPairs(pairs, 400, n), content: content(texts, { dims: 16, rows: vectorRows }) };
    const base = await useLiteVectors(train, { seed: 1 }, {});
    const cos = (v: ItemVectors, a: number, b: number) => {
      let s = 0;
      for (let k = 0; k < v.dimensions; k++) s += (v.data[a * v.dimensions + k] as number) * (v.data[b * v.dimensions + k] as number);
      return s;
    };
    const meanPairCos = (v: ItemVectors) => Array.from({ length: n / 2 }, (_, k) => cos(v, 2 * k, 2 * k + 1)).reduce((a, b) => a + b) / (n / 2);
    for (const mode of ['residual', 'lexical']) {
      const adapted = await adaptedVectors(train, { seed: 1 }, { mode, epochs: 30, batchSize: 16, learningRate: mode === 'residual' ? 0.01 : 0.5 });
      for (let i = 0; i < n; i++) assert.ok(Math.abs(cos(adapted, i, i) - 1) < 1e-4);
      assert.ok(meanPairCos(adapted) > meanPairCos(base) + 0.2, `${mode}: ${meanPairCos(adapted)} vs ${meanPairCos(base)}`);
    }
  });
});

describe('graph-ppr', () => {
  it('reaches an item nobody interacted with through the brand it shares with the history', async () => {
    const { GraphPpr } = await import('./graph-ppr.js');
    const records = [
      { id: 'a', brand: 'Acme', categories: ['Tools'], available: true, createdAt: '', updatedAt: '' },
      { id: 'b', brand: 'Acme', categories: ['Tools'], available: true, createdAt: '', updatedAt: '' },
      { id: 'c', brand: 'Other', categories: ['Kitchen'], available: true, createdAt: '', updatedAt: '' },
      { id: 'd', brand: 'Other', categories: ['Kitchen'], available: true, createdAt: '', updatedAt: '' },
    ];
    // Users 0 and 1 take a then c; item b has no interaction at all, d only from user 2.
    const train: TrainData = {
      ...trainDataFromPairs([[0, 0], [0, 2], [1, 0], [1, 2], [2, 3]], 3, 4),
      content: { ...content(['', '', '', '']), records, itemIds: ['a', 'b', 'c', 'd'] },
    };
    const model = new GraphPpr({ factWeight: 1 });
    await model.fit(train, { seed: 1 });
    const out = new Float32Array(4);
    model.score(2, Int32Array.of(3), out);
    // From d: its brand and category lead to c, its co-users' items lead nowhere else.
    assert.equal(ranking(out, [3])[0], 2);
    model.score(0, Int32Array.of(0), out);
    assert.ok((out[1] as number) > 0, 'the cold item b is reached through brand Acme');
    assert.throws(() => model.save(), /runs it live/);
  });
});
