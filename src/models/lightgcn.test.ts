import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Csr } from '../data/csr.js';
import { trainDataFromPairs } from '../data/interactions.js';
import { normalizedAdjacency } from './lightgcn-graph.js';
import { LightGcnTrainer } from './lightgcn-train.js';
import { LightGcn, type LightGcnEpoch } from './lightgcn.js';
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

function matrixOf(pairs: ReadonlyArray<readonly [number, number]>, numUsers: number, numItems: number): Csr {
  return Csr.fromTriplets(
    numUsers,
    numItems,
    Int32Array.from(pairs, (p) => p[0]),
    Int32Array.from(pairs, (p) => p[1]),
    new Float32Array(pairs.length).fill(1),
  );
}

/** The index of the best-scoring item among those not in `seen`. */
function bestUnseen(scores: Float32Array, seen: Set<number>): number {
  let best = -1;
  for (let i = 0; i < scores.length; i++) if (!seen.has(i) && (best < 0 || (scores[i] as number) > (scores[best] as number))) best = i;
  return best;
}

const SMALL = { factors: 16, layers: 2, iterations: 40, learningRate: 0.02, regularization: 1e-4, batchSize: 64 };

describe('LightGcn', () => {
  it('builds D^-1/2 A D^-1/2 and propagates it as computed by hand (2 users, 3 items)', async () => {
    // User 0 has items 0 and 1, user 1 has items 1 and 2: degrees u0 2, u1 2, i0 1, i1 2, i2 1.
    const matrix = matrixOf([[0, 0], [0, 1], [1, 1], [1, 2]], 2, 3);
    const adj = normalizedAdjacency(matrix);
    const dense = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
    for (let r = 0; r < 5; r++) {
      for (let p = adj.indptr[r] as number; p < (adj.indptr[r + 1] as number); p++) (dense[r] as number[])[adj.indices[p] as number] = adj.values[p] as number;
    }
    const h = Math.SQRT1_2;
    const expected = [
      [0, 0, h, 0.5, 0],
      [0, 0, 0, 0.5, h],
      [h, 0, 0, 0, 0],
      [0.5, 0.5, 0, 0, 0],
      [0, h, 0, 0, 0],
    ];
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) assert.ok(Math.abs((dense[r] as number[])[c]! - expected[r]![c]!) < 1e-7, `Â[${r}][${c}]`);

    // With E⁰ = I (one factor per node), the final embeddings are the rows of (I + Â + Â²)/3.
    // Â²[u0] = h·Â[i0] + ½·Â[i1] = (h² + ¼, ¼, 0, 0, 0); Â²[i0] = h·Â[u0] = (0, 0, ½, h/2, 0).
    const trainer = new LightGcnTrainer(matrix, { factors: 5, layers: 2, learningRate: 0.1, regularization: 0, threads: 1 });
    for (let n = 0; n < 5; n++) trainer.ego[n * 5 + n] = 1;
    await trainer.forward();
    const final = trainer.finalEmbeddings();
    const rows: Record<number, number[]> = {
      0: [1 + 0.75, 0.25, h, 0.5, 0],
      2: [h, 0, 1 + 0.5, h / 2, 0],
    };
    for (const [r, row] of Object.entries(rows)) {
      for (let c = 0; c < 5; c++) {
        assert.ok(Math.abs((final[Number(r) * 5 + c] as number) - row[c]! / 3) < 1e-6, `final[${r}][${c}] = ${final[Number(r) * 5 + c]}, expected ${row[c]! / 3}`);
      }
    }
    await trainer.close();
  });

  for (const batchRowsOnly of [false, true]) {
    it(`computes ∂L/∂E⁰ through the propagation as finite differences of the BPR loss do (batchRowsOnly: ${batchRowsOnly})`, async () => {
      const numUsers = 3;
      const numItems = 4;
      const pairs: Array<[number, number]> = [[0, 0], [0, 1], [1, 1], [1, 2], [1, 3], [2, 0], [2, 3]];
      // 10 factors: one 8-wide block and a remainder in the sparse kernel.
      const f = 10;
      const layers = 3;
      const reg = 0.05;
      const trainer = new LightGcnTrainer(matrixOf(pairs, numUsers, numItems), { factors: f, layers, learningRate: 0.1, regularization: reg, threads: 1, batchRowsOnly });
      new Rng(3).fillNormal(trainer.ego, 0.5);
      // User 1 appears twice, item 3 as a positive and as a negative.
      const users = Int32Array.of(0, 1, 1, 2);
      const pos = Int32Array.of(1, 3, 2, 0);
      const neg = Int32Array.of(3, 0, 0, 2);
      const stats = await trainer.gradient(users, pos, neg, users.length);
      const analytic = Float64Array.from(trainer.lastGradient);

      // An independent dense float64 reference: Â, F = Σ_k Âᵏ E⁰ / (K + 1), and the loss.
      const n = numUsers + numItems;
      const deg = new Array<number>(n).fill(0);
      for (const [u, i] of pairs) {
        deg[u]!++;
        deg[numUsers + i]!++;
      }
      const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (const [u, i] of pairs) {
        const w = 1 / Math.sqrt(deg[u]! * deg[numUsers + i]!);
        a[u]![numUsers + i] = w;
        a[numUsers + i]![u] = w;
      }
      const loss = (e0: Float64Array): number => {
        const final = Float64Array.from(e0);
        let layer = Float64Array.from(e0);
        for (let k = 1; k <= layers; k++) {
          const next = new Float64Array(n * f);
          for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) for (let d = 0; d < f; d++) next[r * f + d]! += a[r]![c]! * layer[c * f + d]!;
          for (let p = 0; p < n * f; p++) final[p]! += next[p]!;
          layer = next;
        }
        for (let p = 0; p < n * f; p++) final[p]! /= layers + 1;
        let total = 0;
        for (let b = 0; b < users.length; b++) {
          const [u, i, j] = [users[b]!, numUsers + pos[b]!, numUsers + neg[b]!];
          let x = 0;
          let sq = 0;
          for (let d = 0; d < f; d++) {
            x += final[u * f + d]! * (final[i * f + d]! - final[j * f + d]!);
            sq += e0[u * f + d]! ** 2 + e0[i * f + d]! ** 2 + e0[j * f + d]! ** 2;
          }
          total += Math.log1p(Math.exp(-x)) + (reg / 2) * sq;
        }
        return total / users.length;
      };
      const e0 = Float64Array.from(trainer.ego);
      assert.ok(Math.abs(stats.loss - loss(e0)) < 1e-5, `the batch loss ${stats.loss} against the reference ${loss(e0)}`);
      const step = 1e-5;
      let largest = 0;
      for (let p = 0; p < n * f; p++) {
        const keep = e0[p]!;
        e0[p] = keep + step;
        const up = loss(e0);
        e0[p] = keep - step;
        const down = loss(e0);
        e0[p] = keep;
        const numeric = (up - down) / (2 * step);
        largest = Math.max(largest, Math.abs(numeric));
        assert.ok(Math.abs(analytic[p]! - numeric) < 2e-5 + 1e-3 * Math.abs(numeric), `∂L/∂E⁰[${p}]: analytic ${analytic[p]}, numeric ${numeric}`);
      }
      assert.ok(largest > 1e-3, 'the check compared non-trivial gradients');
      await trainer.close();
    });
  }

  it('ranks the withheld item first on the checkerboard, and the training loss falls', async () => {
    const data = checkerboard(20);
    const model = new LightGcn(SMALL);
    const epochs: LightGcnEpoch[] = [];
    await model.fit(data, { seed: 7, onEpoch: (e) => epochs.push(e) });
    assert.equal(epochs.length, SMALL.iterations);
    assert.ok(epochs.at(-1)!.loss < epochs[0]!.loss / 2, `loss ${epochs[0]!.loss} → ${epochs.at(-1)!.loss}`);
    const out = new Float32Array(data.numItems);
    for (let u = 0; u < data.numUsers; u++) {
      model.score(u, Int32Array.of(), out);
      const best = bestUnseen(out, new Set(data.matrix.row(u).indices));
      assert.equal(best, u, `user ${u}: item ${best} ranked first among unseen items, expected the withheld item ${u}`);
    }
    // A visitor folded in from three even items prefers the unseen even items to every odd one.
    model.score(-1, Int32Array.of(0, 2, 4), out);
    const best = bestUnseen(out, new Set([0, 2, 4]));
    assert.equal(best % 2, 0, `the visitor's best item ${best} is odd`);
    // Items of one block are closer to each other than to the other block's.
    model.similar(4, out);
    for (let i = 1; i < data.numItems; i += 2) assert.ok((out[6] as number) > (out[i] as number), `cos(4, 6) = ${out[6]} ≤ cos(4, ${i}) = ${out[i]}`);
  });

  it('is deterministic under the seed, for any number of threads, and a snapshot scores the same', async () => {
    const data = checkerboard(12);
    const options = { ...SMALL, iterations: 5 };
    const one = new LightGcn({ ...options, threads: 1 });
    const two = new LightGcn({ ...options, threads: 2 });
    const other = new LightGcn({ ...options, threads: 1 });
    await one.fit(data, { seed: 5 });
    await two.fit(data, { seed: 5 });
    await other.fit(data, { seed: 6 });
    assert.deepEqual(two.userEmbeddings, one.userEmbeddings);
    assert.deepEqual(two.itemEmbeddings, one.itemEmbeddings);
    assert.notDeepEqual(other.itemEmbeddings, one.itemEmbeddings);

    const loaded = LightGcn.load(structuredClone(one.save()));
    assert.deepEqual(loaded.params, one.params);
    const a = new Float32Array(data.numItems);
    const b = new Float32Array(data.numItems);
    for (const [user, history] of [[3, Int32Array.of(1)], [-1, Int32Array.of(1, 5, 5)]] as const) {
      one.score(user, history, a);
      loaded.score(user, history, b);
      assert.deepEqual(b, a);
    }
    one.similar(2, a);
    loaded.similar(2, b);
    assert.deepEqual(b, a);
  });

  it('rejects invalid parameters and snapshots', () => {
    assert.throws(() => new LightGcn({ layers: -1 }), /layers must be an integer >= 0/);
    assert.throws(() => new LightGcn({ learningRate: 0 }), /learningRate must be > 0/);
    const snapshot = new LightGcn({ factors: 4 }).save();
    assert.throws(() => LightGcn.load({ ...snapshot, arrays: { userEmbeddings: new Float32Array(3), itemEmbeddings: new Float32Array(4) } }), /rows of 4/);
  });
});
