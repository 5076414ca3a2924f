import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CandidateSet } from '../fusion/candidates.js';
import { CONTEXT_FEATURES, FeatureBuilder, featureNames, itemSignals } from './features.js';

const DAY = 86_400_000;

/** Items 0..3: brands A, A, B, none; categories x, y, x, none; prices 10, 40, 10, none; 2-d vectors. */
function signals() {
  const vectors = new Float32Array([1, 0, 0, 1, Math.SQRT1_2, Math.SQRT1_2, 0, 0]);
  return itemSignals({
    numItems: 4,
    matrix: { indices: Int32Array.from([0, 0, 1, 2]), nnz: 4 },
    sequences: { items: Int32Array.from([0, 0, 1, 2]), times: Float64Array.from([0, 10 * DAY, 5 * DAY, 10 * DAY]) },
    records: [
      { brand: 'A', categories: ['root', 'x'], price: 10 },
      { brand: 'A', categories: ['root', 'y'], price: 40 },
      { brand: 'B', categories: ['root', 'x'], price: 10 },
      undefined,
    ],
    vectors: { data: vectors, dimensions: 2, present: Uint8Array.from([1, 1, 1, 0]) },
  });
}

describe('ranker features', () => {
  test('item signals: popularity, last interaction, dense brand and category ids, prices', () => {
    const s = signals();
    assert.deepEqual([...s.popularity], [2, 1, 1, 0]);
    assert.deepEqual([...s.lastSeen].slice(0, 3), [10 * DAY, 5 * DAY, 10 * DAY]);
    assert.ok(Number.isNaN(s.lastSeen[3] as number));
    assert.equal(s.now, 10 * DAY);
    assert.deepEqual([...s.brand], [0, 0, 1, -1]);
    assert.deepEqual([...s.category], [0, 1, 0, -1]);
    assert.equal(s.brands, 2);
  });

  test('each feature of a candidate row has its documented value', () => {
    const s = signals();
    const builder = new FeatureBuilder(s, 2);
    assert.equal(builder.dims, 4 + CONTEXT_FEATURES.length);
    assert.deepEqual(featureNames(['a', 'b']).slice(0, 4), ['a:score', 'b:score', 'a:rr', 'b:rr']);
    const set = new CandidateSet(2, 4, 4);
    set.addList(0, [1, 2], [5, 3]);
    set.addList(1, [2], [1]);
    const norm = new Float32Array([1, 0, 0, 1]);
    const out = new Float64Array(2 * builder.dims);
    // History: item 0 (brand A, category x, price 10) then item 2 (brand B, category x, price 10).
    builder.begin([0, 2]);
    builder.write(set, norm, [0.7, 0.4], [0.02, 0.03], [0, 1], 2, out, 0);
    const row = (r: number) => Object.fromEntries(featureNames(['a', 'b']).map((name, j) => [name, out[r * builder.dims + j] as number]));
    const one = row(0);
    assert.deepEqual([one['a:score'], one['b:score'], one['a:rr'], one['b:rr']], [1, 0, 1, 0]);
    assert.equal(one.fused, 0.7);
    assert.equal(one.channels, 1);
    assert.equal(one['log-popularity'], Math.log1p(1));
    assert.equal(one['log-age-days'], Math.log1p(5));
    assert.equal(one['log-history'], Math.log1p(2));
    assert.equal(one['brand-affinity'], 0.5);
    assert.equal(one['category-affinity'], 0);
    assert.equal(one['same-brand-as-last'], 0);
    assert.ok(Math.abs((one['price-ratio'] as number) - Math.log(4)) < 1e-12);
    const two = row(1);
    assert.deepEqual([two['a:rr'], two['b:rr'], two.channels], [0.5, 1, 2]);
    assert.equal(two['same-brand-as-last'], 1);
    assert.equal(two['same-category-as-last'], 1);
    assert.equal(two['category-affinity'], 1);
    // Item 2's vector against the session (mean of items 0 and 2, normalised) and the last item (itself).
    assert.ok(Math.abs((two['last-item-similarity'] as number) - 1) < 1e-6);
    const session = [1 + Math.SQRT1_2, Math.SQRT1_2];
    const length = Math.hypot(...session);
    assert.ok(Math.abs((two['session-similarity'] as number) - (Math.SQRT1_2 * (session[0] as number) + Math.SQRT1_2 * (session[1] as number)) / length) < 1e-6);
    // A new request starts from a clean state.
    builder.begin([]);
    builder.write(set, norm, [0, 0], [0, 0], [0], 1, out, 0);
    assert.equal(row(0)['brand-affinity'], 0);
    assert.equal(row(0)['session-similarity'], 0);
  });
});
