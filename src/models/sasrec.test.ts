import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trainDataFromPairs } from '../data/interactions.js';
import { topK } from '../core/top-k.js';
import { Sasrec, type SasrecOptions } from './sasrec.js';
import { ModelNotApplicable, type ItemVectors, type TrainData } from './types.js';

const ITEMS = 24;

/** Every user walks the cycle 0 → 1 → … → 23 → 0 for 8 steps from a start of their own. */
function cycles(users = 160): TrainData {
  const pairs: Array<[number, number]> = [];
  for (let u = 0; u < users; u++) for (let s = 0; s < 8; s++) pairs.push([u, (u * 7 + s) % ITEMS]);
  return trainDataFromPairs(pairs, users, ITEMS);
}

const SMALL: SasrecOptions = { dim: 16, blocks: 1, heads: 2, maxLength: 6, dropout: 0.1, learningRate: 0.01, batchSize: 32, negatives: 64, epochs: 25, patience: 25, validationUsers: 16 };

async function fitted(options: SasrecOptions = SMALL, data = cycles(), threads = 1): Promise<Sasrec> {
  const model = new Sasrec('sasrec', options);
  await model.fit(data, { seed: 5, threads });
  return model;
}

/** The best k items after `history`, the history left out (as the caller does). */
function top(model: Sasrec, history: number[], k = 1): number[] {
  const out = new Float32Array(ITEMS);
  model.score(-1, Int32Array.from(history), out);
  const seen = new Uint8Array(ITEMS);
  for (const item of history) seen[item] = 1;
  return [...topK(out, k, seen).items];
}

describe('sasrec', () => {
  test('learns a deterministic next-item pattern: the next item of the cycle ranks first', async () => {
    const model = await fitted();
    for (const history of [[3, 4, 5], [20, 21, 22, 23], [9]]) {
      assert.deepEqual(top(model, history), [((history.at(-1) as number) + 1) % ITEMS], `after ${history.join(',')}`);
    }
    const last = model.history.at(-1);
    assert.ok(last && last.validHr === 1, `validation HR@10 ${last?.validHr}`);
    assert.ok((model.history[0]?.loss as number) > (last?.loss as number), 'the loss falls');
  });

  test('deterministic under a seed, and the same with one thread or two', async () => {
    const options = { ...SMALL, epochs: 3, patience: 3 };
    const a = (await fitted(options, cycles(), 1)).save();
    const b = (await fitted(options, cycles(), 1)).save();
    const c = (await fitted(options, cycles(), 2)).save();
    assert.deepEqual(a.arrays.theta, b.arrays.theta);
    assert.deepEqual(a.arrays.theta, c.arrays.theta);
    assert.deepEqual(a.arrays.table, c.arrays.table);
  });

  test('histories: truncated to maxLength, unknown items skipped, empty gives zeros; snapshots round-trip', async () => {
    const model = await fitted({ ...SMALL, epochs: 5 });
    const score = (m: Sasrec, history: number[]) => {
      const out = new Float32Array(ITEMS);
      m.score(-1, Int32Array.from(history), out);
      return out;
    };
    const recent = [10, 11, 12, 13, 14, 15];
    assert.deepEqual(score(model, [1, 2, 3, 4, ...recent]), score(model, recent), 'only the newest maxLength items count');
    assert.deepEqual(score(model, [-1, 10, 99, 11, ITEMS]), score(model, [10, 11]), 'unknown items are skipped');
    assert.deepEqual(score(model, []), new Float32Array(ITEMS));
    assert.deepEqual(score(model, [-3]), new Float32Array(ITEMS));
    // Batch inference gives each history's own scores, empty and unknown-only histories included.
    const histories = [recent, [], [3, 4], [-1], [1, 2, 3, 4, ...recent]];
    const batch = new Float32Array(histories.length * ITEMS);
    model.scoreBatch(histories, batch);
    histories.forEach((h, s) => {
      const one = score(model, h);
      batch.subarray(s * ITEMS, (s + 1) * ITEMS).forEach((v, j) => assert.ok(Math.abs(v - (one[j] as number)) < 1e-5, `history ${s} item ${j}`));
    });
    const loaded = Sasrec.load(model.save());
    assert.deepEqual(score(loaded, recent), score(model, recent));
    const similar = new Float32Array(ITEMS);
    model.similar(7, similar);
    assert.deepEqual(similar, score(model, [7]));
  });

  test('sasrec-text on a catalog without text is not applicable, and says why', async () => {
    const data = { ...cycles(), content: { texts: new Array<string>(ITEMS).fill(''), vectors: () => Promise.reject(new Error('not reached')) } };
    await assert.rejects(new Sasrec('sasrec-text', SMALL).fit(data, { seed: 1 }), (e: unknown) => e instanceof ModelNotApplicable && /the catalog has no item text for its use-lite vectors/.test(e.message));
  });

  test('without validation users it trains every epoch and keeps the last', async () => {
    const model = await fitted({ ...SMALL, epochs: 4, patience: 1, validationUsers: 0 });
    assert.equal(model.history.length, 4);
    assert.equal(model.fitReport().bestEpoch, 4);
  });

  test('bad options are refused with the parameter named', () => {
    assert.throws(() => new Sasrec('sasrec', { dim: 10, heads: 3 }), /dim 10 must be divisible by heads 3/);
    assert.throws(() => new Sasrec('sasrec', { dropout: 1 }), /dropout must be in \[0, 1\)/);
    assert.throws(() => new Sasrec('sasrec', { maxLength: 0 }), /maxLength must be an integer >= 1/);
  });
});

describe('sasrec-text', () => {
  /**
   * One text dimension per item, except that the cold item has the same text as its twin: a new
   * listing of a product people already buy.
   */
  function withText(data: TrainData, cold: number, twin: number): TrainData {
    const dims = ITEMS;
    const vectors: ItemVectors = { embedderId: 'test', dimensions: dims, data: new Float32Array(ITEMS * dims), present: new Uint8Array(ITEMS).fill(1) };
    for (let i = 0; i < ITEMS; i++) vectors.data[i * dims + (i === cold ? twin : i)] = 1;
    // The cold item never occurs in the training sequences.
    const pairs: Array<[number, number]> = [];
    const { indptr, items } = data.sequences;
    for (let u = 0; u + 1 < indptr.length; u++) for (let p = indptr[u] as number; p < (indptr[u + 1] as number); p++) if (items[p] !== cold) pairs.push([u, items[p] as number]);
    const trimmed = trainDataFromPairs(pairs, indptr.length - 1, ITEMS);
    return { ...trimmed, content: { texts: [], vectors: () => Promise.resolve(vectors) } };
  }

  test('an item nobody interacted with is represented by its text alone, and is recommended where its twin is', async () => {
    // Users go 12 → 14 (13 is never seen); 13 reads like 14.
    const cold = 13;
    const model = new Sasrec('sasrec-text', { ...SMALL, text: 'test', epochs: 40, patience: 40 });
    const data = withText(cycles(), cold, 14);
    await model.fit(data, { seed: 5, threads: 1 });
    const vectors = await data.content?.vectors('test');
    const table = model.save().arrays.table as Float32Array;
    const own = model.representText((vectors as ItemVectors).data.subarray(cold * ITEMS, (cold + 1) * ITEMS));
    assert.deepEqual(table.subarray(cold * 16, (cold + 1) * 16), own, 'E[cold] = 0: the row is A v + a');
    assert.equal(top(model, [10, 11, 12])[0], 14);
    assert.ok(top(model, [10, 11, 12], 3).includes(cold), `top 3 after 12: ${top(model, [10, 11, 12], 3).join(',')}`);
    const plain = new Sasrec('sasrec', { ...SMALL, epochs: 40, patience: 40 });
    await plain.fit(data, { seed: 5, threads: 1 });
    assert.ok(!top(plain, [10, 11, 12], 3).includes(cold), 'without text the cold item is out of reach');
  });
});
