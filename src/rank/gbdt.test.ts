import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeepRanker, ndcgAt10, type RankingData } from '../deep/ranker.js';
import { Rng } from '../models/random.js';
import { LambdaMart, lambdas } from './gbdt.js';

/**
 * Requests of 20 candidates with `dims` features in [−1, 1]; relevance is `label` of a row's
 * features.
 */
function requests(count: number, dims: number, seed: number, label: (x: Float64Array) => number): RankingData {
  const rng = new Rng(seed);
  const rows = count * 20;
  const features = Float64Array.from({ length: rows * dims }, () => 2 * rng.next() - 1);
  const labels = Float32Array.from({ length: rows }, (_, r) => label(features.subarray(r * dims, (r + 1) * dims)));
  return { features, dims, labels, starts: Int32Array.from({ length: count + 1 }, (_, g) => g * 20) };
}

/** Relevant when x₀·x₁ > 0.2, a rule no linear scorer can express; x₂, x₃ are noise. */
const xor = (x: Float64Array): number => ((x[0] as number) * (x[1] as number) > 0.2 ? 1 : 0);
/** Gains 0..3 by quarters of x₂ alone. */
const byX2 = (x: Float64Array): number => Math.min(3, Math.floor((((x[2] as number) + 1) / 2) * 4));

function scoreAll(ranker: { score: LambdaMart['score'] }, data: RankingData): Float64Array {
  const rows = data.starts[data.starts.length - 1] as number;
  const out = new Float64Array(rows);
  ranker.score(data.features, rows, out);
  return out;
}

function meanNdcg(ranker: { score: LambdaMart['score'] }, data: RankingData, groups?: Int32Array): number {
  const scores = scoreAll(ranker, data);
  const list = groups ?? Int32Array.from({ length: data.starts.length - 1 }, (_, g) => g);
  let sum = 0;
  for (const g of list) {
    const s = data.starts[g] as number;
    const e = data.starts[g + 1] as number;
    sum += ndcgAt10(scores.subarray(s, e), data.labels.subarray(s, e));
  }
  return sum / list.length;
}

describe('lambdamart', () => {
  test('learns a non-linear relevance rule a linear ranker cannot, on requests it never saw', () => {
    const train = requests(300, 4, 1, xor);
    const test = requests(100, 4, 2, xor);
    const trees = new LambdaMart({ trees: 100 });
    const fit = trees.fit(train, 3);
    const linear = new DeepRanker({ hidden: [], learningRate: 0.01, epochs: 60 });
    linear.fit(train, 3);
    const treeNdcg = meanNdcg(trees, test);
    const linearNdcg = meanNdcg(linear, test);
    assert.ok(treeNdcg > 0.9, `lambdamart ${treeNdcg}`);
    assert.ok(linearNdcg < 0.75, `linear ${linearNdcg}`);
    assert.ok(fit.bestTrees >= 1 && fit.bestTrees <= fit.trees && fit.validNdcg > 0.85, JSON.stringify(fit));
    assert.equal(trees.dims, 4);
  });

  test('a base feature is the starting score: trees correct it, and a perfect base keeps no tree', () => {
    // Base x₂ orders the gains already; the trees can add nothing, so none is kept and scores are 3·x₂.
    const perfect = requests(200, 4, 7, byX2);
    const kept = new LambdaMart({ trees: 40, patience: 10, baseFeature: 2, baseScale: 3 });
    assert.equal(kept.fit(perfect, 1).bestTrees, 0);
    const scores = scoreAll(kept, perfect);
    for (let r = 0; r < 50; r++) assert.equal(scores[r], 3 * (perfect.features[r * 4 + 2] as number));
    // A weak base (x₃, noise) under the x₀·x₁ rule: the trees learn the rule on top of it.
    const train = requests(300, 4, 1, xor);
    const corrected = new LambdaMart({ trees: 100, baseFeature: 3, baseScale: 0.1 });
    corrected.fit(train, 3);
    assert.ok(meanNdcg(corrected, requests(100, 4, 2, xor)) > 0.9);
    assert.throws(() => new LambdaMart({ baseFeature: 9 }).fit(train, 1), /baseFeature/);
  });

  test('a single informative feature among noise: the ranking follows it and it has the most importance', () => {
    const train = requests(200, 5, 4, byX2);
    const test = requests(50, 5, 5, byX2);
    const ranker = new LambdaMart({ trees: 60 });
    ranker.fit(train, 6);
    const scores = scoreAll(ranker, test);
    // Rows of one request whose x₂ differ by more than a quarter of its range lie in different
    // gain bands, so any ranker that follows x₂ orders them right.
    let pairs = 0;
    let right = 0;
    for (let g = 0; g + 1 < test.starts.length; g++) {
      for (let i = test.starts[g] as number; i < (test.starts[g + 1] as number); i++) {
        for (let j = test.starts[g] as number; j < (test.starts[g + 1] as number); j++) {
          const dx = (test.features[i * 5 + 2] as number) - (test.features[j * 5 + 2] as number);
          if (dx <= 0.5) continue;
          pairs++;
          if ((scores[i] as number) > (scores[j] as number)) right++;
        }
      }
    }
    assert.ok(pairs > 1000 && right / pairs > 0.97, `${right} of ${pairs}`);
    const importance = ranker.featureImportance();
    assert.equal(importance.length, 5);
    const others = importance.reduce((s, v, j) => (j === 2 ? s : s + v), 0);
    assert.ok((importance[2] as number) > 5 * others, `importance ${Array.from(importance).join(', ')}`);
  });

  test('one tree splits where the rule does: x₀ at −0.5 first, then x₁ at 0 inside the larger side', () => {
    // Gain 1 when x₀ > −0.5, 2 when also x₁ > 0. The second split needs the larger child's
    // histogram, which comes from the subtraction trick.
    const data = requests(200, 4, 12, (x) => ((x[0] as number) > -0.5 ? ((x[1] as number) > 0 ? 2 : 1) : 0));
    const ranker = new LambdaMart({ trees: 1, leaves: 3, learningRate: 1, validationShare: 0 });
    ranker.fit(data, 13);
    const { feature, threshold, roots } = ranker.save().arrays;
    assert.equal(roots.length, 1);
    assert.deepEqual(Array.from(feature), [0, 1]);
    assert.ok(Math.abs((threshold[0] as number) + 0.5) < 0.05 && Math.abs(threshold[1] as number) < 0.05, `thresholds ${Array.from(threshold).join(', ')}`);
  });

  test('save then load scores the same; a snapshot with mismatched arrays is refused', () => {
    const train = requests(100, 4, 7, xor);
    const ranker = new LambdaMart({ trees: 20 });
    ranker.fit(train, 8);
    const saved = ranker.save();
    const loaded = LambdaMart.load(saved);
    assert.deepEqual(scoreAll(loaded, train), scoreAll(ranker, train));
    assert.deepEqual(loaded.featureImportance(), ranker.featureImportance());
    const a = saved.arrays;
    assert.throws(() => LambdaMart.load({ options: saved.options, arrays: { ...a, threshold: a.threshold.subarray(1) } }), TypeError);
    assert.throws(() => LambdaMart.load({ options: saved.options, arrays: { ...a, leafValue: a.leafValue.subarray(1) } }), TypeError);
    assert.throws(() => LambdaMart.load({ options: saved.options, arrays: { ...a, importance: a.importance.subarray(0, 1) } }), TypeError);
    assert.throws(() => new LambdaMart().save(), /not fitted/);
  });

  test('deterministic for a seed; validNdcg is the held-out NDCG@10 of the kept trees', () => {
    // Noisy labels, so validation NDCG stops improving early.
    const noisy = requests(150, 4, 9, (x) => ((x[0] as number) + 0.8 * Math.sin(17 * (x[3] as number)) > 0.3 ? 1 : 0));
    const options = { trees: 200, patience: 5, learningRate: 0.3, minLeafRows: 5 };
    const a = new LambdaMart(options);
    const fitA = a.fit(noisy, 10);
    const b = new LambdaMart(options);
    const fitB = b.fit(noisy, 10);
    assert.deepEqual(fitB, fitA);
    assert.deepEqual(scoreAll(b, noisy), scoreAll(a, noisy));
    assert.ok(fitA.trees < 200 && fitA.trees - fitA.bestTrees === 5 && fitA.bestTrees >= 1, JSON.stringify(fitA));
    assert.equal(a.save().arrays.roots.length, fitA.bestTrees);
    // The held-out requests, drawn as the ranker draws them: positive ones, shuffled, the first 20%.
    const rng = new Rng(10);
    const order = Int32Array.from({ length: 150 }, (_, g) => g).filter((g) => noisy.labels.subarray(g * 20, g * 20 + 20).some((y) => y > 0));
    rng.shuffle(order);
    const held = order.slice(0, Math.floor(order.length * 0.2));
    assert.ok(Math.abs(meanNdcg(a, noisy, held) - fitA.validNdcg) < 1e-12, `${meanNdcg(a, noisy, held)} vs ${fitA.validNdcg}`);
    // Refitting with exactly the kept trees grows the same forest.
    const c = new LambdaMart({ ...options, trees: fitA.bestTrees, patience: 1000 });
    const fitC = c.fit(noisy, 10);
    assert.deepEqual(fitC, { trees: fitA.bestTrees, bestTrees: fitA.bestTrees, validNdcg: fitA.validNdcg });
    assert.deepEqual(scoreAll(c, noisy), scoreAll(a, noisy));
    // A different seed holds out other requests and grows another forest.
    const d = new LambdaMart(options);
    d.fit(noisy, 11);
    assert.notDeepEqual(scoreAll(d, noisy), scoreAll(a, noisy));
  });

  test('bad options are refused with the option named', () => {
    assert.throws(() => new LambdaMart({ leaves: 1 }), /leaves must be an integer in \[2, /);
    assert.throws(() => new LambdaMart({ learningRate: 0 }), /learningRate must be > 0/);
    assert.throws(() => new LambdaMart({ bins: 1 }), /bins must be an integer in \[2, 256\]/);
    assert.throws(() => new LambdaMart({ bins: 257 }), /bins must be an integer in \[2, 256\]/);
    assert.throws(() => new LambdaMart({ validationShare: 1 }), /validationShare must be in \[0, 1\)/);
    assert.throws(() => new LambdaMart({ featureFraction: 0 }), /featureFraction must be in \(0, 1\]/);
    assert.throws(() => new LambdaMart({ trees: 2.5 }), /trees must be an integer/);
    assert.throws(() => new LambdaMart({ l2: -1 }), /l2 must be >= 0/);
    assert.throws(() => new LambdaMart({ ndcgAt: 0 }), /ndcgAt must be an integer/);
    assert.throws(() => new LambdaMart({ minLeafRows: 0 }), /minLeafRows must be an integer/);
    assert.throws(() => new LambdaMart({ patience: 0 }), /patience must be an integer/);
    assert.throws(() => new LambdaMart({ minLeafHessian: -1 }), /minLeafHessian must be >= 0/);
    assert.throws(() => new LambdaMart({ leaves: 1 }), RangeError);
  });

  test('lambdas of a three-row request against a hand computation, with and without truncation', () => {
    // The request is rows 1..3 (local 0, 1, 2): scores 0.5, 1, 0 rank them 1, 0, 2; gains 2, 0, 1.
    const scores = Float64Array.from([9, 0.5, 1, 0]);
    const labels = Float32Array.from([5, 2, 0, 1]);
    const d = [1, 1 / Math.log2(3), 1 / 2];
    const idcg = 2 * d[0]! + 1 * d[1]!;
    const rho = (si: number, sj: number): number => 1 / (1 + Math.exp(si - sj));
    // Pairs (high, low): (0, 1) at positions 1, 0; (0, 2) at 1, 2; (2, 1) at 2, 0.
    const p01 = (rho(0.5, 1) * (2 * (d[0]! - d[1]!))) / idcg;
    const p02 = (rho(0.5, 0) * (1 * (d[1]! - d[2]!))) / idcg;
    const p21 = (rho(0, 1) * (1 * (d[0]! - d[2]!))) / idcg;
    const w01 = p01 * (1 - rho(0.5, 1));
    const w02 = p02 * (1 - rho(0.5, 0));
    const w21 = p21 * (1 - rho(0, 1));
    const grad = new Float64Array(4).fill(7);
    const hess = new Float64Array(4).fill(7);
    lambdas(scores, labels, 1, 4, 10, grad, hess);
    const close = (got: Float64Array, want: number[]): void => got.forEach((v, i) => assert.ok(Math.abs(v - (want[i] as number)) < 1e-12, `${i}: ${v} vs ${want[i]}`));
    close(grad, [7, p01 + p02, -p01 - p21, p21 - p02]);
    close(hess, [7, w01 + w02, w01 + w21, w02 + w21]);
    // At ndcgAt = 1, IDCG is the top gain alone and the pair at positions 1, 2 drops out.
    const idcg1 = 2;
    const q01 = (p01 * idcg) / idcg1;
    const q21 = (p21 * idcg) / idcg1;
    lambdas(scores, labels, 1, 4, 1, grad, hess);
    close(grad, [7, q01, -q01 - q21, q21]);
    close(hess, [7, q01 * (1 - rho(0.5, 1)), q01 * (1 - rho(0.5, 1)) + q21 * (1 - rho(0, 1)), q21 * (1 - rho(0, 1))]);
    // No gain or a single row: nothing.
    lambdas(scores, Float32Array.from([0, 0, 0, 0]), 1, 4, 10, grad, hess);
    close(grad, [7, 0, 0, 0]);
    lambdas(scores, labels, 0, 1, 10, grad, hess);
    close(grad, [0, 0, 0, 0]);
  });
});
