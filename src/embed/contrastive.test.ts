import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShopfusionError } from '../core/errors.js';
import { Rng } from '../models/random.js';
import { contrastiveLoss, denseRows, Projection, trainProjection, type EpochStats, type FeatureRows } from './contrastive.js';

/** Central finite differences of the loss against the analytic gradient, for every weight. */
function gradientError(
  projection: Projection,
  rows: FeatureRows,
  pairs: Int32Array,
  extra: { offsets?: Float32Array; negatives?: Int32Array } = {},
): { maxError: number; maxGradient: number } {
  const options = { temperature: 0.1, ...extra };
  const gradient = new Float32Array(projection.weights.length);
  contrastiveLoss(projection, rows, pairs, { ...options, gradient });
  const w = projection.weights;
  let maxError = 0;
  let maxGradient = 0;
  for (let i = 0; i < w.length; i++) {
    const w0 = w[i] as number;
    w[i] = w0 + 1e-3;
    const up = w[i] as number;
    const lossUp = contrastiveLoss(projection, rows, pairs, options);
    w[i] = w0 - 1e-3;
    const down = w[i] as number;
    const lossDown = contrastiveLoss(projection, rows, pairs, options);
    w[i] = w0;
    // Divide by the float32 step actually taken, not the nominal one.
    const numeric = (lossUp - lossDown) / (up - down);
    maxError = Math.max(maxError, Math.abs(numeric - (gradient[i] as number)));
    maxGradient = Math.max(maxGradient, Math.abs(gradient[i] as number));
  }
  return { maxError, maxGradient };
}

/** Items in two clusters; `signal` on the first 4 of n dense features marks the cluster, the rest is noise. */
function denseClusters(numItems: number, n: number, signal: number, rng: Rng): { rows: FeatureRows; cluster: Int32Array } {
  const matrix = new Float32Array(numItems * n);
  const cluster = new Int32Array(numItems);
  for (let i = 0; i < numItems; i++) {
    cluster[i] = i % 2;
    let norm = 0;
    for (let j = 0; j < n; j++) {
      const v = rng.normal() + (j < 4 ? (i % 2 ? signal : -signal) : 0);
      matrix[i * n + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < n; j++) matrix[i * n + j] = (matrix[i * n + j] as number) / Math.sqrt(norm);
  }
  return { rows: denseRows(matrix, n), cluster };
}

/** Sparse items: 6 noise features shared by both clusters, 2 drawn from their cluster's own pool of 20. */
function sparseClusters(numItems: number, rng: Rng): { rows: FeatureRows; cluster: Int32Array } {
  const numFeatures = 200;
  const indptr = new Int32Array(numItems + 1);
  const indices: number[] = [];
  const cluster = new Int32Array(numItems);
  for (let i = 0; i < numItems; i++) {
    cluster[i] = i % 2;
    const features = new Set<number>();
    while (features.size < 6) features.add(40 + rng.int(numFeatures - 40));
    features.add((i % 2) * 20 + rng.int(20));
    features.add((i % 2) * 20 + rng.int(20));
    indices.push(...[...features].sort((a, b) => a - b));
    indptr[i + 1] = indices.length;
  }
  const values = new Float32Array(indices.length);
  for (let i = 0; i < numItems; i++) {
    const nnz = (indptr[i + 1] as number) - (indptr[i] as number);
    values.fill(1 / Math.sqrt(nnz), indptr[i], indptr[i + 1]);
  }
  return { rows: { indptr, indices: Int32Array.from(indices), values, numFeatures }, cluster };
}

function pairsWithinClusters(cluster: Int32Array, count: number, rng: Rng): Int32Array {
  const pairs = new Int32Array(2 * count);
  for (let t = 0; t < count; t++) {
    const a = rng.int(cluster.length);
    let b: number;
    do b = rng.int(cluster.length);
    while (b === a || cluster[b] !== cluster[a]);
    pairs[2 * t] = a;
    pairs[2 * t + 1] = b;
  }
  return pairs;
}

/** Fraction of sampled triplets (a, same-cluster b, other-cluster c) with cos(a, b) > cos(a, c), and the mean gap. */
function tripletAccuracy(vectors: Float32Array, d: number, cluster: Int32Array): { accuracy: number; gap: number } {
  const rng = new Rng(99);
  const cos = (a: number, b: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) s += (vectors[a * d + k] as number) * (vectors[b * d + k] as number);
    return s;
  };
  let correct = 0;
  let gap = 0;
  const trials = 2_000;
  for (let t = 0; t < trials; t++) {
    const a = rng.int(cluster.length);
    let b: number;
    let c: number;
    do b = rng.int(cluster.length);
    while (b === a || cluster[b] !== cluster[a]);
    do c = rng.int(cluster.length);
    while (cluster[c] === cluster[a]);
    if (cos(a, b) > cos(a, c)) correct++;
    gap += cos(a, b) - cos(a, c);
  }
  return { accuracy: correct / trials, gap: gap / trials };
}

describe('contrastive projection trainer', () => {
  const rng = new Rng(7);
  const dense = denseRows(rng.fillNormal(new Float32Array(11 * 5), 1), 5);
  // Item 0 and 3 twice, and a pair of an item with itself: the masking of duplicates is in the gradient too.
  const pairs = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 3, 5, 1, 1]);
  const sparse: FeatureRows = {
    indptr: Int32Array.from([0, 2, 3, 6, 8, 9, 11]),
    indices: Int32Array.from([0, 3, 2, 1, 3, 6, 0, 6, 5, 4, 2]),
    values: Float32Array.from([1, 0.5, 2, -1, 0.3, 0.7, 0.2, 1.5, 1, 0.8, 0.4]),
    numFeatures: 7,
  };
  const sparsePairs = Int32Array.from([0, 1, 2, 3, 4, 5, 0, 3, 1, 1]);

  it('has the gradient of its loss (finite differences) for dense, residual, sparse, offsets and extra negatives', () => {
    const cases = [
      { name: 'dense', p: new Projection(5, 6, false, rng.fillNormal(new Float32Array(30), 0.5)), rows: dense, pairs },
      { name: 'residual', p: new Projection(5, 5, true, rng.fillNormal(new Float32Array(25), 0.3)), rows: dense, pairs },
      {
        name: 'dense with negatives',
        p: new Projection(5, 4, false, rng.fillNormal(new Float32Array(20), 0.5)),
        rows: dense,
        pairs,
        extra: { negatives: Int32Array.from([2, 5, 9, 4, 1, 0, 7]) },
      },
      {
        name: 'sparse with offsets and negatives',
        p: new Projection(7, 4, false, rng.fillNormal(new Float32Array(28), 0.5)),
        rows: sparse,
        pairs: sparsePairs,
        extra: { offsets: rng.fillNormal(new Float32Array(6 * 4), 0.3), negatives: Int32Array.from([2, 5, 0]) },
      },
    ];
    for (const c of cases) {
      const { maxError, maxGradient } = gradientError(c.p, c.rows, c.pairs, c.extra);
      assert.ok(maxGradient > 0.1, `${c.name}: the gradient should not vanish (max ${maxGradient})`);
      assert.ok(maxError < 1e-3, `${c.name}: analytic and numeric gradients differ by ${maxError}`);
    }
  });

  it('learns dense (residual) features that separate held-out items of two clusters the raw features mix up', () => {
    const data = new Rng(1);
    const train = denseClusters(400, 32, 0.8, data);
    const test = denseClusters(400, 32, 0.8, data);
    const pairsIn = pairsWithinClusters(train.cluster, 2_000, data);
    const raw = tripletAccuracy(test.rows.values, 32, test.cluster);
    assert.ok(raw.accuracy < 0.78, `raw features should not separate the clusters well (${raw.accuracy})`);
    const epochs: EpochStats[] = [];
    const projection = trainProjection(train.rows, pairsIn, {
      dimensions: 32,
      residual: true,
      // Faster than the 1e-3 default, for a test that has to finish in a second.
      learningRate: 3e-3,
      epochs: 20,
      batchSize: 64,
      seed: 3,
      onEpoch: (s) => epochs.push(s),
    });
    assert.equal(projection.dimensions, 32);
    const trained = tripletAccuracy(projection.projectAll(test.rows), 32, test.cluster);
    assert.ok(trained.accuracy > 0.85, `held-out triplets ordered correctly: ${trained.accuracy} (raw ${raw.accuracy})`);
    assert.ok(trained.gap > raw.gap + 0.3, `similarity gap ${trained.gap} vs raw ${raw.gap}`);
    assert.ok((epochs.at(-1)?.loss as number) < (epochs[0]?.loss as number), 'the loss goes down');
  });

  it('learns sparse features (row-wise Adagrad) that generalise to held-out items', () => {
    const data = new Rng(1);
    const train = sparseClusters(300, data);
    const test = sparseClusters(300, data);
    const pairsIn = pairsWithinClusters(train.cluster, 1_500, data);
    const untrained = trainProjection(train.rows, pairsIn, { dimensions: 32, seed: 2, epochs: 0 });
    const before = tripletAccuracy(untrained.projectAll(test.rows), 32, test.cluster);
    const projection = trainProjection(train.rows, pairsIn, { dimensions: 32, seed: 2, epochs: 20, batchSize: 64 });
    const after = tripletAccuracy(projection.projectAll(test.rows), 32, test.cluster);
    assert.ok(before.accuracy < 0.6, `a random projection does not separate them (${before.accuracy})`);
    assert.ok(after.accuracy > 0.85, `held-out triplets ordered correctly: ${after.accuracy} (before ${before.accuracy})`);
  });

  it('measures validation recall, stops when it falls, and is deterministic under its seed', () => {
    // Rows 0..199 are items, rows 200..399 noisy views of them (three of five features replaced):
    // a pair (item, its view) is what an in-batch recall can find.
    const data = new Rng(5);
    const indptr = new Int32Array(401);
    const indices = new Int32Array(2_000);
    for (let i = 0; i < 200; i++) {
      const features = new Set<number>();
      while (features.size < 5) features.add(data.int(300));
      const item = [...features];
      const view = [...item.slice(3), 300 + data.int(100), 300 + data.int(100), 300 + data.int(100)];
      indices.set(item.sort((a, b) => a - b), 5 * i);
      indices.set(view.sort((a, b) => a - b), 1_000 + 5 * i);
    }
    for (let r = 0; r <= 400; r++) indptr[r] = 5 * r;
    const rows: FeatureRows = { indptr, indices, values: new Float32Array(2_000).fill(1 / Math.sqrt(5)), numFeatures: 400 };
    const all = new Int32Array(400);
    for (let i = 0; i < 200; i++) all.set([i, 200 + i], 2 * i);
    const train = all.subarray(0, 300);
    const validation = all.subarray(300);
    const run = (seed: number, onEpoch?: (s: EpochStats) => void): Projection =>
      trainProjection(rows, train, { dimensions: 16, seed, epochs: 30, batchSize: 25, learningRate: 0.1, validationPairs: validation, onEpoch });
    const stats: EpochStats[] = [];
    const first = run(4, (s) => stats.push(s));
    const recalls = stats.map((s) => s.recall as number);
    assert.ok(recalls.every((r) => r >= 0 && r <= 1), `recall@1 in [0, 1]: ${recalls}`);
    assert.ok(Math.max(...recalls) > 0.3, `in-batch recall@1 among 25 is well above chance (0.04): ${recalls}`);
    assert.ok(stats.every((s) => (s.bestRecall as number) >= (s.recall as number)));
    const last = stats.at(-1) as EpochStats;
    assert.ok(stats.length < 30, `recall on 50 noisy pairs stops improving long before 30 epochs: ${recalls}`);
    assert.ok((last.recall as number) < (last.bestRecall as number), `it stopped because recall fell: ${recalls}`);
    assert.deepEqual(run(4).weights, first.weights, 'same seed, same weights');
    assert.notDeepEqual(run(5).weights, first.weights, 'another seed, other weights');

    const loaded = Projection.load(first.save());
    assert.deepEqual(loaded.projectAll(rows), first.projectAll(rows));
  });

  it('refuses pairs outside the rows, residual sparse inputs, and a bad temperature', () => {
    const isArgumentError = (message: RegExp) => (e: unknown) => e instanceof ShopfusionError && e.code === 'invalid_argument' && message.test(e.message);
    assert.throws(() => trainProjection(sparse, Int32Array.from([0, 6]), { dimensions: 4, seed: 1 }), isArgumentError(/pairs\[1\] is row 6, outside 0\.\.5/));
    assert.throws(() => trainProjection(sparse, Int32Array.from([0, 1, 2]), { dimensions: 4, seed: 1 }), isArgumentError(/\[a, b\] row pairs/));
    assert.throws(() => trainProjection(sparse, sparsePairs, { dimensions: 4, residual: true, seed: 1 }), isArgumentError(/residual needs dense rows/));
    assert.throws(() => trainProjection(dense, pairs, { dimensions: 4, temperature: 0, seed: 1 }), isArgumentError(/temperature must be > 0/));
  });
});
