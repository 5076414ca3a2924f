import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../models/random.js';
import { MlpWork, initMlp, mlpLayout } from './mlp.js';
import { DeepRanker, ndcgAt10, type RankingData } from './ranker.js';

describe('MLP', () => {
  test('gradient check: two hidden layers, a batch of 5 rows', () => {
    const layout = mlpLayout(3, [4, 3]);
    const theta = initMlp(layout, 1);
    const rng = new Rng(2);
    for (let i = 0; i < theta.length; i++) theta[i] = (theta[i] as number) + 0.1 * rng.normal();
    const x = Float64Array.from({ length: 15 }, () => rng.normal());
    const weights = Float64Array.from({ length: 5 }, () => rng.normal());
    const work = new MlpWork(layout);
    // L = Σ_r w_r · score_r, so ∂L/∂score = w.
    const loss = () => work.forward(theta, x, 5).reduce((s, v, r) => s + v * (weights[r] as number), 0);
    loss();
    const grad = new Float64Array(theta.length);
    work.backward(theta, weights, grad);
    for (let i = 0; i < theta.length; i++) {
      const keep = theta[i] as number;
      theta[i] = keep + 1e-6;
      const up = loss();
      theta[i] = keep - 1e-6;
      const down = loss();
      theta[i] = keep;
      const numeric = (up - down) / 2e-6;
      assert.ok(Math.abs(numeric - (grad[i] as number)) < 1e-6 * Math.max(1, Math.abs(numeric)), `parameter ${i}: ${numeric} vs ${grad[i]}`);
    }
  });
});

/**
 * Requests of 20 candidates with 4 features in [−1, 1]; a candidate is relevant when x₀·x₁ > 0.2,
 * a rule no linear scorer can express.
 */
function xorRequests(requests: number, seed: number): RankingData {
  const rng = new Rng(seed);
  const dims = 4;
  const rows = requests * 20;
  const features = Float64Array.from({ length: rows * dims }, () => 2 * rng.next() - 1);
  const labels = Float32Array.from({ length: rows }, (_, r) => ((features[r * dims] as number) * (features[r * dims + 1] as number) > 0.2 ? 1 : 0));
  return { features, dims, labels, starts: Int32Array.from({ length: requests + 1 }, (_, g) => g * 20) };
}

function meanNdcg(ranker: DeepRanker, data: RankingData): number {
  let sum = 0;
  const groups = data.starts.length - 1;
  for (let g = 0; g < groups; g++) {
    const s = data.starts[g] as number;
    const e = data.starts[g + 1] as number;
    const scores = new Float64Array(e - s);
    ranker.score(data.features.subarray(s * data.dims, e * data.dims), e - s, scores);
    sum += ndcgAt10(scores, data.labels.subarray(s, e));
  }
  return sum / groups;
}

describe('deep ranker', () => {
  test('learns a non-linear relevance rule a linear ranker cannot, on requests it never saw', () => {
    const train = xorRequests(300, 1);
    const test = xorRequests(100, 2);
    const deep = new DeepRanker({ hidden: [32, 16], learningRate: 0.01, epochs: 60 });
    const fit = deep.fit(train, 3);
    const linear = new DeepRanker({ hidden: [], learningRate: 0.01, epochs: 60 });
    linear.fit(train, 3);
    const deepNdcg = meanNdcg(deep, test);
    const linearNdcg = meanNdcg(linear, test);
    assert.ok(deepNdcg > 0.9, `deep ${deepNdcg}`);
    assert.ok(linearNdcg < 0.75, `linear ${linearNdcg}`);
    assert.ok(fit.bestEpoch >= 1 && fit.validNdcg > 0.85, JSON.stringify(fit));
    // A snapshot scores the same.
    const loaded = DeepRanker.load(deep.save());
    const a = new Float64Array(20);
    const b = new Float64Array(20);
    deep.score(test.features, 20, a);
    loaded.score(test.features, 20, b);
    assert.deepEqual(a, b);
  });

  test('NDCG@10 against a hand computation; bad options are refused', () => {
    // Relevant rows 1 (gain 2) and 3 (gain 1); ranked 3, 0, 1, 2.
    const ndcg = ndcgAt10(Float64Array.from([3, 2, 1, 4]), Float32Array.from([0, 2, 0, 1]));
    const dcg = 1 / Math.log2(2) + 2 / Math.log2(4);
    const idcg = 2 / Math.log2(2) + 1 / Math.log2(3);
    assert.ok(Math.abs(ndcg - dcg / idcg) < 1e-12);
    assert.throws(() => new DeepRanker({ hidden: [0] }), /hidden sizes must be integers >= 1/);
    assert.throws(() => new DeepRanker({ validationShare: 1 }), /validationShare must be in \[0, 1\)/);
  });
});
