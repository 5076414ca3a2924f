import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RecallChannel, RecallContext, RecallOptions } from '../recall/types.js';
import { Cascade, type CascadeItem, type CascadeRequest, type CascadeSources, type LearnedScorer } from './cascade.js';
import type { Placement } from './placements.js';

type Pairs = Array<[string, number]>;

/** A channel answering a fixed list, honouring k and exclude; optionally after `delayMs`. */
function fixed(id: string, pairs: Pairs, delayMs = 0): RecallChannel {
  return {
    id,
    recall: async (_context, options) => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const items = pairs.filter(([i]) => options.exclude?.(i) !== true).slice(0, options.k).map(([itemId, score]) => ({ itemId, score }));
      return { channel: id, digest: `${id}@test`, items };
    },
  };
}

function sources(channels: RecallChannel[], options: { records?: Record<string, Partial<CascadeItem>>; learned?: LearnedScorer } = {}): CascadeSources {
  const byId = new Map(channels.map((c) => [c.id, c]));
  return {
    channel: (id) => byId.get(id),
    ...(options.learned && { learned: options.learned }),
    records: async (ids) => new Map(ids.filter((id) => options.records?.[id] !== null).map((id) => [id, { itemId: id, available: true, ...options.records?.[id] }])),
    popular: async (k, exclude) => [['pop1', 9], ['pop2', 8], ['pop3', 7]].filter(([i]) => !exclude(i as string)).slice(0, k).map(([itemId, score]) => ({ itemId: itemId as string, score: score as number })),
  };
}

function placement(channels: Array<[string, number]>, extra: Partial<Placement> = {}): Placement {
  return { channels: channels.map(([id, weight]) => ({ id, quota: 100, weight })), normalisation: 'minmax', learned: false, deadlineMs: 1000, rules: {}, requires: 'user', ...extra };
}

function request(p: Placement, extra: Partial<CascadeRequest> = {}): CascadeRequest {
  return { name: 'test', placement: p, context: { userId: 'u', history: ['h1'] }, k: 10, now: Date.now(), ...extra };
}

const ids = (r: { data: Array<{ itemId: string }> }) => r.data.map((d) => d.itemId);

describe('Cascade.run', () => {
  test('a channel with weight 0 recalls but does not change the order', async () => {
    const a = fixed('a', [['x', 3], ['y', 2], ['z', 1]]);
    const b = fixed('b', [['z', 10], ['y', 5], ['w', 1]]);
    const cascade = new Cascade(sources([a, b]));
    const alone = await cascade.run(request(placement([['a', 1]])));
    const zero = await cascade.run(request(placement([['a', 1], ['b', 0]])));
    assert.deepEqual(ids(zero).slice(0, 3), ids(alone));
    assert.deepEqual(ids(alone), ['x', 'y', 'z']);
    // The same channel with a weight does change it: the test can tell.
    const weighted = await cascade.run(request(placement([['a', 1], ['b', 1]])));
    assert.notDeepEqual(ids(weighted).slice(0, 3), ids(alone));
  });

  test('minmax and rrf give their known orders on a hand-made example', async () => {
    const a = fixed('a', [['a', 1], ['b', 0.1], ['c', 0.05], ['x', 0]]);
    const b = fixed('b', [['c', 1], ['b', 0.5], ['y', 0.4], ['a', 0]]);
    const cascade = new Cascade(sources([a, b]));
    // minmax: a = 1 + 0, b = 0.1 + 0.5, c = 0.05 + 1, y = 0 + 0.4, x = 0.
    const minmax = await cascade.run(request(placement([['a', 1], ['b', 1]])));
    assert.deepEqual(ids(minmax), ['c', 'a', 'b', 'y', 'x']);
    // rrf: c = 1/63 + 1/61, b = 2/62, a = 1/61 + 1/64, y = 1/63, x = 1/64.
    const rrf = await cascade.run(request(placement([['a', 1], ['b', 1]], { normalisation: 'rrf' })));
    assert.deepEqual(ids(rrf), ['c', 'b', 'a', 'y', 'x']);
    assert.ok(Math.abs((rrf.data[0]?.score ?? 0) - (1 / 63 + 1 / 61)) < 1e-12);
  });

  test('a channel slower than the recall budget is cut off and the response is degraded', async () => {
    const fast = fixed('fast', [['x', 1], ['y', 0.5]]);
    const slow = fixed('slow', [['s', 100]], 400);
    const cascade = new Cascade(sources([fast, slow]));
    const started = Date.now();
    const result = await cascade.run(request(placement([['fast', 1], ['slow', 2]], { deadlineMs: 50 }), { explain: true }));
    assert.ok(Date.now() - started < 300, 'the slow channel was not awaited');
    assert.equal(result.degraded, true);
    assert.deepEqual(ids(result), ['x', 'y']);
    const recall = result.stages?.find((s) => s.stage === 'recall');
    assert.equal(recall?.channels?.find((c) => c.id === 'slow')?.status, 'timeout');
    assert.equal(recall?.channels?.find((c) => c.id === 'fast')?.status, 'ok');
    const relaxed = await cascade.run(request(placement([['fast', 1], ['slow', 2]], { deadlineMs: 2000 })));
    assert.equal(relaxed.degraded, false);
    assert.equal(ids(relaxed)[0], 's');
  });

  test('a channel that is not available is skipped and named, not an error', async () => {
    const cascade = new Cascade(sources([fixed('a', [['x', 1]])]));
    const result = await cascade.run(request(placement([['a', 1], ['model/als', 1]]), { explain: true }));
    assert.deepEqual(ids(result), ['x']);
    assert.equal(result.degraded, false);
    assert.equal(result.stages?.[0]?.channels?.find((c) => c.id === 'model/als')?.status, 'skipped');
  });

  test('the learned fusion and its ranker order the candidates when the placement asks for them', async () => {
    const a = fixed('a', [['x', 3], ['y', 2], ['z', 1]]);
    const learnedChannel = fixed('fusion/itemknn', [['z', 1], ['y', 0.9], ['x', 0.8]]);
    let asked = 0;
    const learned: LearnedScorer = {
      channels: () => [learnedChannel],
      rank: (results) => {
        asked++;
        assert.ok(results.some((r) => r.channel === 'fusion/itemknn'), 'the fusion channel answered');
        return { digest: 'fusion@1', fused: new Map([['z', 5], ['y', 4], ['x', 3]]), ranked: new Map([['y', 10], ['z', 2], ['x', 1]]) };
      },
    };
    const cascade = new Cascade(sources([a], { learned }));
    const result = await cascade.run(request(placement([['a', 0.1]], { learned: true }), { explain: true }));
    assert.equal(asked, 1);
    // ranker: y = 1 + 0.1·0.5, z = (1/9) + 0, x = 0 + 0.1·1.
    assert.deepEqual(ids(result), ['y', 'z', 'x']);
    const y = result.data[0]?.explain;
    assert.equal(y?.learned?.ranked, 10);
    assert.equal(y?.learned?.fused, 4);
    assert.ok(Math.abs((y?.ranker ?? 0) - 1.05) < 1e-6);
    assert.match(result.stages?.find((s) => s.stage === 'rank')?.note ?? '', /learned ranker fusion@1/);
    const plain = await cascade.run(request(placement([['a', 0.1]], { learned: false })));
    assert.deepEqual(ids(plain), ['x', 'y', 'z']);
    assert.equal(asked, 1, 'not asked when the placement does not use it');
    // A placement of the learned fusion alone: its channels are asked their training depth.
    let quota = 0;
    const onlyChannels = () => [{ id: 'fusion/itemknn', recall: (c: RecallContext, o: RecallOptions) => ((quota = o.k), learnedChannel.recall(c, o)) }];
    const only = new Cascade(sources([], { learned: { ...learned, channels: onlyChannels, depth: () => 60 } }));
    const alone = await only.run(request(placement([], { learned: true })));
    assert.equal(quota, 60);
    assert.equal(alone.fallback, undefined);
    assert.deepEqual(ids(alone), ['y', 'z', 'x']);
  });

  test('explain: the breakdown carries the inputs and the fused score is their weighted sum', async () => {
    const a = fixed('a', [['x', 0.7], ['y', 0.3], ['z', 0.2]]);
    const b = fixed('b', [['y', 4], ['w', 2]]);
    const result = await new Cascade(sources([a, b])).run(request(placement([['a', 2], ['b', 0.5]]), { explain: true }));
    const y = result.data.find((d) => d.itemId === 'y')?.explain;
    assert.ok(y);
    const fromA = y.channels.find((c) => c.channel === 'a');
    const fromB = y.channels.find((c) => c.channel === 'b');
    assert.deepEqual({ score: fromA?.score, rank: fromA?.rank, weight: fromA?.weight }, { score: 0.3, rank: 2, weight: 2 });
    assert.deepEqual({ score: fromB?.score, rank: fromB?.rank, weight: fromB?.weight }, { score: 4, rank: 1, weight: 0.5 });
    assert.ok(Math.abs((fromA?.normalised ?? 0) - 0.2) < 1e-6, 'min-max of 0.3 in [0.2, 0.7]');
    assert.equal(fromB?.normalised, 1);
    assert.ok(Math.abs(y.fused - (2 * 0.2 + 0.5 * 1)) < 1e-6);
    assert.equal(result.data.find((d) => d.itemId === 'y')?.score, y.fused);
    const stageNames = result.stages?.map((s) => s.stage);
    assert.deepEqual(stageNames?.slice(0, 4), ['recall', 'fusion', 'rank', 'rerank']);
    assert.ok(result.stages?.every((s) => s.stage.startsWith('rerank:') || typeof s.ms === 'number'));
  });

  test('rules through run(): pins at their position, brand cap held, excluded and unavailable items never shown', async () => {
    const list: Pairs = Array.from({ length: 12 }, (_, i) => [`i${i}`, 12 - i]);
    const records: Record<string, Partial<CascadeItem>> = Object.fromEntries(list.map(([id], i) => [id, { brand: i < 6 ? 'acme' : `b${i}` }]));
    records.i1 = { available: false };
    records.pinned = { brand: 'other' };
    const cascade = new Cascade(sources([fixed('a', list)], { records }));
    const result = await cascade.run(
      request(placement([['a', 1]], { rules: { brandCap: 2 } }), {
        k: 6,
        context: { userId: 'u', history: ['i2'] },
        exclude: ['i3'],
        rules: { pins: [{ itemId: 'pinned', position: 2 }] },
        explain: true,
      }),
    );
    const shown = ids(result);
    assert.equal(shown.length, 6);
    assert.equal(shown[1], 'pinned');
    for (const gone of ['i1', 'i2', 'i3']) assert.ok(!shown.includes(gone), `${gone} is not shown`);
    const acme = shown.filter((id) => records[id]?.brand === 'acme');
    assert.ok(acme.length <= 2, `at most 2 acme items, got ${acme.join(',')}`);
    assert.deepEqual(shown, ['i0', 'pinned', 'i4', 'i6', 'i7', 'i8']);
    assert.deepEqual(result.data[1]?.explain?.stages, ['pin']);
    assert.ok(result.stages?.some((s) => s.stage === 'rerank:brand-cap' && (s.changed ?? 0) > 0));
  });

  test('contradictory request rules are a validation error', async () => {
    const cascade = new Cascade(sources([fixed('a', [['x', 1]])]));
    await assert.rejects(
      cascade.run(request(placement([['a', 1]], { rules: { filters: { priceMax: 5 } } }), { rules: { filters: { priceMin: 10 } } })),
      (e: Error & { code?: string }) => e.code === 'validation_failed' && /priceMin/.test(e.message),
    );
  });

  test('without history: session items first, else popular items, and the result says so', async () => {
    const a = fixed('a', [['x', 1], ['y', 0.5]]);
    const cascade = new Cascade(sources([a]));
    const popular = await cascade.run(request(placement([['a', 1]]), { context: { userId: 'nobody', history: [] }, k: 2 }));
    assert.equal(popular.fallback?.to, 'popular');
    assert.match(popular.fallback?.reason ?? '', /nobody/);
    assert.deepEqual(ids(popular), ['pop1', 'pop2']);
    const session = await cascade.run(request(placement([['a', 1]]), { context: { userId: 'nobody', history: [] }, session: ['s1'], k: 2 }));
    assert.equal(session.fallback?.to, 'session');
    assert.deepEqual(ids(session), ['x', 'y']);
    // Channels that recall nothing also fall back to popular items.
    const empty = await new Cascade(sources([fixed('a', [])])).run(request(placement([['a', 1]]), { k: 1 }));
    assert.equal(empty.fallback?.to, 'popular');
    assert.deepEqual(ids(empty), ['pop1']);
  });
});
