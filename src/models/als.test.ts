import assert from 'node:assert/strict';
import { trainDataFromPairs } from '../data/interactions.js';
import { describe, it } from 'node:test';
import { Als } from './als.js';
import { createCgScratch, solveRows } from './als-solve.js';
import { Rng } from './random.js';
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

/** Random interactions with values 1..3, so confidence varies. */
function randomData(numUsers: number, numItems: number, perUser: number, seed: number): TrainData {
  const rng = new Rng(seed);
  const pairs: [number, number, number][] = [];
  for (let u = 0; u < numUsers; u++) {
    const seen = new Set<number>();
    while (seen.size < perUser) seen.add(rng.int(numItems));
    for (const i of seen) pairs.push([u, i, 1 + rng.int(3)]);
  }
  return trainDataFromPairs(pairs, numUsers, numItems);
}

function assertWithheldFirst(score: (u: number, out: Float32Array) => void, data: TrainData): void {
  const out = new Float32Array(data.numItems);
  for (let u = 0; u < data.numUsers; u++) {
    score(u, out);
    const seen = new Set(data.matrix.row(u).indices);
    let best = -1;
    for (let i = 0; i < data.numItems; i++) if (!seen.has(i) && (best < 0 || (out[i] as number) > (out[best] as number))) best = i;
    assert.equal(best, u, `user ${u}: item ${best} ranked first among unseen items, expected the withheld item ${u}`);
  }
}

const dot = (a: Float32Array, ao: number, b: Float32Array, bo: number, f: number) => {
  let s = 0;
  for (let k = 0; k < f; k++) s += (a[ao + k] as number) * (b[bo + k] as number);
  return s;
};

describe('Als', () => {
  it('computes the full weighted loss of Hu et al. eq. 3, and it falls every iteration', async () => {
    const data = randomData(40, 30, 6, 7);
    const model = new Als({ factors: 6, iterations: 10, regularization: 0.1, alpha: 2 });
    const losses: number[] = [];
    await model.fit(data, { seed: 1, onIteration: () => losses.push(model.loss(data)) });
    assert.equal(losses.length, 10);
    for (let k = 1; k < losses.length; k++) {
      assert.ok((losses[k] as number) < (losses[k - 1] as number), `iteration ${k + 1}: loss ${losses[k]} after ${losses[k - 1]}`);
    }
    // Brute force over every user–item pair, against the Gram-matrix shortcut.
    const { userFactors: x, itemFactors: y } = model;
    let brute = 0;
    for (let u = 0; u < data.numUsers; u++) {
      const row = data.matrix.row(u);
      for (let i = 0; i < data.numItems; i++) {
        const at = row.indices.indexOf(i);
        const c = at >= 0 ? 1 + 2 * (row.data[at] as number) : 1;
        const p = at >= 0 ? 1 : 0;
        brute += c * (p - dot(x, u * 6, y, i * 6, 6)) ** 2;
      }
    }
    for (const v of x) brute += 0.1 * v * v;
    for (const v of y) brute += 0.1 * v * v;
    assert.ok(Math.abs(model.loss(data) - brute) < 1e-6 * brute, `loss ${model.loss(data)}, brute force ${brute}`);
  });

  it('ranks the withheld item first on the checkerboard', async () => {
    const data = checkerboard(20);
    // On 20 × 20 entries, 8 factors with almost no regularization can also fit each user's one
    // missing item (the margin goes negative for a user or two); λ = 1 keeps the fit to the blocks.
    const model = new Als({ factors: 8, iterations: 15, regularization: 1 });
    await model.fit(data, { seed: 3 });
    assertWithheldFirst((u, out) => model.score(u, new Int32Array(0), out), data);
  });

  it('CG with as many steps as factors reaches the exact least-squares solution', () => {
    // f = 7 and 6 rows exercise the kernels' tails (rows not a multiple of the block of 4).
    const f = 7;
    const rows = 6;
    const rng = new Rng(11);
    const source = rng.fillNormal(new Float32Array(9 * f), 0.5);
    const lambda = 0.3;
    const alpha = 2;
    const gram = new Float64Array(f * f);
    for (let i = 0; i < 9; i++) for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) gram[a * f + b] = (gram[a * f + b] as number) + (source[i * f + a] as number) * (source[i * f + b] as number);
    for (let a = 0; a < f; a++) gram[a * f + a] = (gram[a * f + a] as number) + lambda;
    const data = randomData(rows, 9, 4, 5).matrix;
    const target = rng.fillNormal(new Float32Array(rows * f), 1);
    const input = { target, source, factors: f, gram, indptr: data.indptr, indices: data.indices, values: data.data, alpha, cgSteps: 40, start: 0, end: rows };
    solveRows(input, createCgScratch(f));
    // The normal equations of Hu et al. eq. 4, formed explicitly: A x = b.
    for (let u = 0; u < rows; u++) {
      const row = data.row(u);
      for (let a = 0; a < f; a++) {
        let ax = 0;
        for (let b = 0; b < f; b++) ax += (gram[a * f + b] as number) * (target[u * f + b] as number);
        let rhs = 0;
        row.indices.forEach((i, k) => {
          const c = 1 + alpha * (row.data[k] as number);
          ax += (c - 1) * (source[i * f + a] as number) * dot(source, i * f, target, u * f, f);
          rhs += c * (source[i * f + a] as number);
        });
        assert.ok(Math.abs(ax - rhs) < 1e-4, `row ${u}, equation ${a}: A x = ${ax}, b = ${rhs}`);
      }
    }
  });

  it('is deterministic under the seed, whatever the thread count', async () => {
    const data = randomData(60, 40, 5, 9);
    const fit = async (seed: number, threads: number) => {
      const model = new Als({ factors: 8, iterations: 4, threads });
      await model.fit(data, { seed });
      return model;
    };
    const a = await fit(42, 1);
    const b = await fit(42, 1);
    assert.deepEqual(a.userFactors, b.userFactors);
    assert.deepEqual(a.itemFactors, b.itemFactors);
    const threaded = await fit(42, 2);
    assert.deepEqual(threaded.userFactors, a.userFactors);
    assert.deepEqual(threaded.itemFactors, a.itemFactors);
    const other = await fit(43, 1);
    assert.notDeepEqual(other.itemFactors, a.itemFactors);
  });

  it('save and load give identical scores and similarities', async () => {
    const data = checkerboard(12);
    const model = new Als({ factors: 5, iterations: 3, regularization: 0.05, alpha: 3 });
    await model.fit(data, { seed: 8 });
    const snapshot = model.save();
    assert.deepEqual(snapshot.meta, { numUsers: 12, numItems: 12, factors: 5 });
    assert.deepEqual(snapshot.params, { factors: 5, iterations: 3, regularization: 0.05, alpha: 3, cgSteps: 3 });
    const loaded = Als.load(snapshot);
    assert.deepEqual(loaded.params, model.params);
    const a = new Float32Array(12);
    const b = new Float32Array(12);
    for (const [user, history] of [[3, new Int32Array(0)], [-1, Int32Array.of(0, 2, 2, 4)]] as const) {
      model.score(user, history, a);
      loaded.score(user, history, b);
      assert.deepEqual(b, a);
    }
    model.similar(4, a);
    loaded.similar(4, b);
    assert.deepEqual(b, a);
    assert.ok(Math.abs((a[4] as number) - 1) < 1e-6, 'an item is its own nearest neighbour');
  });

  it('folds in an unknown user by the exact least-squares solve', async () => {
    const data = checkerboard(20);
    const alpha = 4;
    // Strong regularization: with little of it, 8 factors also learn which user lacks which item,
    // and a four-item history no longer points clearly at its block.
    const lambda = 1;
    const model = new Als({ factors: 8, iterations: 10, alpha, regularization: lambda });
    await model.fit(data, { seed: 5 });
    const history = Int32Array.of(0, 4, 8, 8, 12); // block A (even items), a repeat
    const out = new Float32Array(20);
    model.score(-1, history, out);
    let minA = Infinity;
    let maxB = -Infinity;
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 1) maxB = Math.max(maxB, out[i] as number);
      else if (!history.includes(i)) minA = Math.min(minA, out[i] as number);
    }
    assert.ok(minA > maxB, `unseen block-A items score down to ${minA}, block-B items up to ${maxB}`);
    // The gradient of Σ_i c_i (p_i − xᵀy_i)² + λ‖x‖² vanishes at the fold-in vector.
    const x = new Float32Array(8);
    model.userVectorFromHistory(history, x);
    const y = model.itemFactors;
    const grad = new Float64Array(8).map((_, a) => lambda * (x[a] as number));
    for (let i = 0; i < 20; i++) {
      const inHistory = history.includes(i);
      const c = inHistory ? 1 + alpha : 1;
      const err = dot(x, 0, y, i * 8, 8) - (inHistory ? 1 : 0);
      for (let a = 0; a < 8; a++) grad[a] = (grad[a] as number) + c * err * (y[i * 8 + a] as number);
    }
    for (const g of grad) assert.ok(Math.abs(g) < 1e-4, `gradient ${Array.from(grad).join(', ')}`);
  });
});
