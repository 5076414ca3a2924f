import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trainDataFromPairs } from '../data/interactions.js';
import { CandidateSet } from './candidates.js';
import { fuseLinear, fuseRrf, normalise, RRF_K } from './fuse.js';
import { holdOut } from './holdout.js';
import { coordinateAscent, groupsNdcg, idealDcg, type FusionGroups } from './learn.js';

/** Two channels over items 0..4: channel 0 lists 0, 1, 2 (scores 3, 2, 1); channel 1 lists 2, 3 (scores 10, 0). */
function example(): CandidateSet {
  const set = new CandidateSet(2, 5, 2);
  set.addList(0, [0, 1, 2], [3, 2, 1]);
  set.addList(1, [2, 3], [10, 0]);
  return set;
}

const close = (actual: ArrayLike<number>, expected: number[], what: string) =>
  expected.forEach((e, i) => assert.ok(Math.abs((actual[i] as number) - e) < 1e-6, `${what}[${i}]: ${actual[i]} != ${e}`));

describe('candidate union and normalisation', () => {
  test('the union keeps each channel score and rank, absent as NaN / -1, and grows past its capacity', () => {
    const set = example();
    assert.equal(set.size, 4);
    assert.deepEqual([...set.items.subarray(0, 4)], [0, 1, 2, 3]);
    assert.deepEqual([...set.ranks.subarray(0, 8)], [0, -1, 1, -1, 2, 0, -1, 1]);
    assert.ok(Number.isNaN(set.raw[1] as number));
    set.reset();
    assert.equal(set.size, 0);
    assert.equal(set.slot(2), -1);
  });

  test('min-max, z-score and rank normalisation give their formulas; absent items take the documented floor', () => {
    const set = example();
    const out = new Float32Array(8);
    normalise(set, 'minmax', out);
    close(out, [1, 0, 0.5, 0, 0, 1, 0, 0], 'minmax');
    normalise(set, 'rank', out);
    close(out, [1, 0, 2 / 3, 0, 1 / 3, 1, 0, 0.5], 'rank');
    normalise(set, 'zscore', out);
    const sd = Math.sqrt(2 / 3);
    // Channel 0: mean 2, deviation √(2/3); channel 1: mean 5, deviation 5; absent = the list's lowest.
    close(out, [1 / sd, -1, 0, -1, -1 / sd, 1, -1 / sd, -1], 'zscore');
  });

  test('RRF is Σ 1/(60 + rank) over the channels that recalled the item', () => {
    const set = example();
    const out = new Float64Array(4);
    fuseRrf(set, out);
    close(out, [1 / (RRF_K + 1), 1 / (RRF_K + 2), 1 / (RRF_K + 3) + 1 / (RRF_K + 1), 1 / (RRF_K + 2)], 'rrf');
  });

  test('a weight of zero removes a channel: the fused scores equal those without it', () => {
    const set = example();
    const x = new Float32Array(8);
    normalise(set, 'minmax', x);
    const both = new Float64Array(4);
    fuseLinear(x, 4, 2, [0.7, 0], both);
    const alone = new CandidateSet(1, 5, 4);
    alone.addList(0, [0, 1, 2], [3, 2, 1]);
    const y = new Float32Array(3);
    normalise(alone, 'minmax', y);
    const one = new Float64Array(3);
    fuseLinear(y, 3, 1, [0.7], one);
    close(both, [...one, 0], 'fused');
  });
});

describe('coordinate ascent', () => {
  /** Requests where feature 0 marks the relevant row and feature 1 is seeded noise that favours a wrong row. */
  function groups(count: number): FusionGroups {
    const rows = 20;
    const x = new Float32Array(count * rows * 2);
    const labels = new Float32Array(count * rows);
    let state = 7;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let g = 0; g < count; g++) {
      const hit = g % rows;
      for (let r = 0; r < rows; r++) {
        const at = g * rows + r;
        labels[at] = r === hit ? 1 : 0;
        x[at * 2] = (r === hit ? 0.6 : 0) + 0.4 * next();
        x[at * 2 + 1] = r === (hit + 1) % rows ? 1 : next() * 0.5;
      }
    }
    return { x, dims: 2, starts: Int32Array.from({ length: count + 1 }, (_, g) => g * rows), labels, ideal: new Float64Array(count).fill(idealDcg(1)) };
  }

  test('finds the informative channel and turns the misleading one down', () => {
    const data = groups(200);
    const start = groupsNdcg(data, [1, 1]);
    const result = coordinateAscent(data);
    assert.ok(result.ndcg > start + 0.2 && result.ndcg > 0.95, `ndcg ${start} → ${result.ndcg}`);
    assert.ok((result.weights[0] as number) >= 4 * (result.weights[1] as number), `weights ${[...result.weights]}`);
    assert.ok(Math.abs((result.weights[0] as number) + (result.weights[1] as number) - 1) < 1e-9, 'weights sum to 1');
    assert.equal(result.ndcg, groupsNdcg(data, result.weights));
  });

  test('NDCG counts ties against the relevant row and divides by the ideal over all relevant items', () => {
    const data: FusionGroups = { x: new Float32Array([1, 1, 0]), dims: 1, starts: Int32Array.from([0, 3]), labels: new Float32Array([0, 1, 0]), ideal: new Float64Array([idealDcg(2)]) };
    // The relevant row ties with a non-relevant one: it ranks second.
    assert.ok(Math.abs(groupsNdcg(data, [1]) - 1 / Math.log2(3) / idealDcg(2)) < 1e-12);
  });
});

describe('holdout', () => {
  const data = trainDataFromPairs(
    [
      [0, 1], [0, 2], [0, 3], [0, 4],
      [1, 0], [1, 1],
      [2, 4], [2, 3], [2, 2], [2, 1], [2, 0], [2, 4],
    ],
    3,
    5,
  );

  test('last: each user with 3+ items loses the newest one everywhere (a repeat included)', () => {
    const h = holdOut(data, 'last', 1);
    assert.deepEqual([...h.users], [0, 2]);
    assert.deepEqual([...h.targets], [4, 4]);
    assert.deepEqual([...h.train.sequences.items], [1, 2, 3, 0, 1, 3, 2, 1, 0]);
    assert.deepEqual([...h.train.matrix.row(2).indices], [0, 1, 2, 3]);
    assert.deepEqual([...h.train.matrix.row(1).indices], [0, 1]);
  });

  test('random: about a fifth of each user’s distinct items, none left in training, seeded', () => {
    const h = holdOut(data, 'random', 3);
    for (let g = 0; g < h.users.length; g++) {
      const u = h.users[g] as number;
      const targets = [...h.targets.subarray(h.targetPtr[g], h.targetPtr[g + 1])];
      assert.equal(targets.length, 1);
      assert.ok(!h.train.matrix.row(u).indices.includes(targets[0] as number));
    }
    assert.deepEqual(holdOut(data, 'random', 3).targets, h.targets);
  });
});
