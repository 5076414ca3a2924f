import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { topK } from '../core/top-k.js';
import { trainDataFromPairs } from '../data/interactions.js';
import { CandidateSet } from '../fusion/candidates.js';
import { Fusion } from './fusion.js';
import { modelSpec } from './registry.js';
import { ModelNotApplicable, type TrainData } from './types.js';

const ITEMS = 40;

/**
 * Two users in three first visit a popular item that has nothing to do with the ring (item 0); then
 * every user walks the ring 1 → 2 → … for 6 steps from a start of their own. The next item of the
 * ring is what a good fusion predicts; popularity misleads.
 */
function rings(users = 400): TrainData {
  const pairs: Array<[number, number]> = [];
  for (let u = 0; u < users; u++) {
    const start = 1 + ((u * 7) % (ITEMS - 8));
    if (u % 3 !== 0) pairs.push([u, 0]);
    for (let s = 0; s < 6; s++) pairs.push([u, start + s]);
  }
  return trainDataFromPairs(pairs, users, ITEMS);
}

function best(model: Fusion, history: number[], k = 1): number[] {
  const out = new Float32Array(ITEMS);
  model.score(-1, Int32Array.from(history), out);
  const seen = new Uint8Array(ITEMS);
  for (const item of history) seen[item] = 1;
  return [...topK(out, k, seen).items];
}

describe('fusion', () => {
  test('learned linear fusion beats rank fusion on validation, and the next ring item ranks first', async () => {
    const model = new Fusion('fusion-linear', { mode: 'linear', channels: 'markov,pop', tuneChannels: false, segments: false });
    await model.fit(rings(), { seed: 3, holdout: 'last' });
    const report = model.fitReport();
    // RRF gives popularity's top item (0) the same pull as the next ring item; scores tell them apart.
    assert.ok(Number(report['valid-ndcg@10:linear']) > Number(report['valid-ndcg@10:rrf']) + 0.3, JSON.stringify(report));
    assert.deepEqual(best(model, [10, 11, 12]), [13]);
    assert.deepEqual(best(model, [30, 31]), [32]);
  });

  test('rrf learns nothing but fuses; a channel that does not apply is skipped with its reason', async () => {
    const model = new Fusion('rrf', { mode: 'rrf', channels: 'markov,text-bm25,pop', tuneChannels: false });
    await model.fit(rings(), { seed: 3 });
    assert.equal(model.fitReport().channels, 'markov,pop');
    assert.match(String(model.fitReport().skipped), /text-bm25/);
    assert.equal(model.fitReport().weights, undefined);
    const [first] = best(model, [20, 21]);
    assert.ok(first === 22 || first === 0, `first ${first}`);
  });

  test('the ranker cascade ranks the next ring item first and survives save → load with identical scores', async () => {
    const model = new Fusion('fusion', { channels: 'markov,itemknn,pop', tuneChannels: false, validationUsers: 400 });
    await model.fit(rings(), { seed: 5, holdout: 'last' });
    const report = model.fitReport();
    assert.ok(Number(report['ranker-groups']) > 100, JSON.stringify(report));
    assert.deepEqual(best(model, [5, 6, 7]), [8]);
    const loaded = modelSpec('fusion').load(model.save());
    for (const history of [[5, 6, 7], [33], [0, 1, 2, 3]]) {
      const a = new Float32Array(ITEMS);
      const b = new Float32Array(ITEMS);
      model.score(-1, Int32Array.from(history), a);
      loaded.score(-1, Int32Array.from(history), b);
      assert.deepEqual(b, a);
    }
  });

  test('serving: the ranker reorders only the fused head, and a large request does not shrink the buffers score() uses', async () => {
    const model = new Fusion('fusion', { channels: 'markov,itemknn,pop', tuneChannels: false, validationUsers: 400, depth: 20, rankDepth: 10 });
    await model.fit(rings(), { seed: 5, holdout: 'last' });
    const before = new Float32Array(ITEMS);
    model.score(-1, Int32Array.from([5, 6, 7]), before);
    const set = new CandidateSet(3, ITEMS);
    const all = Array.from({ length: 35 }, (_, i) => i + 5);
    set.addList(0, all, all.map((_, r) => 35 - r));
    set.addList(1, all.slice(10), all.slice(10).map((_, r) => 1 / (r + 1)));
    set.addList(2, [0, ...all.slice(0, 5)], [9, 5, 4, 3, 2, 1]);
    const fused = new Float64Array(64);
    const ranked = new Float64Array(64);
    if (model.rankCandidates(set, [1, 2, 3], fused, ranked)) {
      const order = Array.from({ length: set.size }, (_, m) => m).sort((a, b) => (fused[b] as number) - (fused[a] as number) || a - b);
      const head = order.slice(0, 10).map((m) => ranked[m] as number);
      const tail = order.slice(10).map((m) => ranked[m] as number);
      assert.ok(Math.max(...tail) < Math.min(...head), 'the tail stays below the ranked head');
    }
    // Without time for the ranker: the same fused scores, no ranker scores.
    const fusedOnly = new Float64Array(64);
    assert.equal(model.rankCandidates(set, [1, 2, 3], fusedOnly, new Float64Array(64), false), false);
    assert.deepEqual(fusedOnly, fused);
    const after = new Float32Array(ITEMS);
    model.score(-1, Int32Array.from([5, 6, 7]), after);
    assert.deepEqual(after, before);
  });

  test('bad options are refused with the option named; no applicable channel is not applicable', async () => {
    assert.throws(() => new Fusion('fusion', { depth: 0 }), /depth/);
    assert.throws(() => new Fusion('fusion', { mode: 'best' as never }), /mode/);
    assert.throws(() => new Fusion('fusion', { channels: 'itemknn,nosuch' }), /nosuch/);
    await assert.rejects(new Fusion('fusion', { channels: 'text-bm25' }).fit(rings(30), { seed: 1 }), ModelNotApplicable);
  });
});
