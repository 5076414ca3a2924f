import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShopfusionError } from '../core/errors.js';
import type { EventRecord, ItemInput } from '../core/schema.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { buildGraph, type KnowledgeGraph } from './graph.js';
import { shopStore } from './graph-fixture.js';
import { PersonalizedPageRank, pprPowerIteration, type PprOptions } from './ppr.js';

function maxDifference(engine: PersonalizedPageRank, reference: Float64Array): number {
  let max = 0;
  for (let v = 0; v < reference.length; v++) max = Math.max(max, Math.abs(engine.score(v) - (reference[v] as number)));
  return max;
}

/** The reference's top k recommendable items, seeds and `exclude` left out. */
function referenceTop(graph: KnowledgeGraph, reference: Float64Array, k: number, leaveOut: readonly number[]): number[] {
  const nodes: number[] = [];
  for (let v = 0; v < graph.size; v++) {
    if (graph.kind(v) === 'item' && graph.recommendable(v) && !leaveOut.includes(v) && (reference[v] as number) > 0) nodes.push(v);
  }
  return nodes.sort((a, b) => (reference[b] as number) - (reference[a] as number) || a - b).slice(0, k);
}

/** A random shop: `items` items over 20 brands and 12 categories, `users` users with 1–30 events each. */
async function randomGraph(items: number, users: number, seed = 7): Promise<KnowledgeGraph> {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const store = new MemoryStore();
  const catalog: ItemInput[] = Array.from({ length: items }, (_, i) => ({
    id: `i${i}`,
    brand: `b${Math.floor(random() * 20)}`,
    categories: ['Root', `c${Math.floor(random() * 12)}`],
    attributes: { color: `k${Math.floor(random() * 8)}` },
  }));
  await store.items.upsert(catalog, 0);
  const events: EventRecord[] = [];
  for (let u = 0; u < users; u++) {
    const n = 1 + Math.floor(random() * 30);
    for (let e = 0; e < n; e++) {
      // Popularity skew: squares favour low item numbers.
      const item = Math.floor(random() * random() * items);
      events.push({ id: `u${u}e${e}`, userId: `u${u}`, sessionId: `u${u}s${Math.floor(e / 5)}`, itemId: `i${item}`, type: random() < 0.2 ? 'purchase' : 'view', timestamp: events.length });
    }
  }
  await store.events.insert(events);
  return buildGraph(store);
}

describe('personalised PageRank', () => {
  test('forward push matches power iteration on the shop graph (all relations, both ways)', async () => {
    const graph = await buildGraph(await shopStore());
    const seeds = [graph.itemIndex('p1') as number, graph.itemIndex('p2') as number];
    const options: PprOptions = { alpha: 0.2, epsilon: 1e-12 };
    const engine = new PersonalizedPageRank(graph, options);
    const top = engine.run({ seeds, seedWeights: [2, 1], k: 3 });
    const reference = pprPowerIteration(graph, options, seeds, [2, 1], 500);
    assert.ok(maxDifference(engine, reference) < 1e-9, `max difference ${maxDifference(engine, reference)}`);
    let total = 0;
    for (let v = 0; v < graph.size; v++) total += engine.score(v);
    assert.ok(Math.abs(total - 1) < 1e-9, 'the scores are a probability distribution');
    assert.deepEqual([...top.nodes.subarray(0, top.count)], referenceTop(graph, reference, 3, seeds));
  });

  test('meta-path weights and directions, against power iteration', async () => {
    const graph = await buildGraph(await shopStore());
    const options: PprOptions = {
      alpha: 0.35,
      epsilon: 1e-12,
      relations: [
        { relation: 'interacted', weight: 2 },
        { relation: 'made_by', weight: 1 },
        { relation: 'viewed_together', weight: 3, direction: 'forward' },
        { relation: 'in_category', weight: 0.5, direction: 'forward' },
      ],
    };
    const engine = new PersonalizedPageRank(graph, options);
    const seeds = [graph.itemIndex('p3') as number];
    engine.run({ seeds, k: 10 });
    const reference = pprPowerIteration(graph, options, seeds, undefined, 500);
    assert.ok(maxDifference(engine, reference) < 1e-9);
    // in_category only forward: categories are dangling and send the walk back to p3.
    assert.ok(engine.score(graph.index('category:Shoes > Trail') as number) > 0);
    assert.equal(engine.score(graph.index('category:Shoes') as number), 0);
  });

  test('a random shop: push within tolerance of the reference, top items agree', async () => {
    const graph = await randomGraph(400, 150);
    const engine = new PersonalizedPageRank(graph, { epsilon: 1e-9 });
    const seeds = [graph.itemIndex('i3') as number, graph.itemIndex('i50') as number, graph.itemIndex('i200') as number];
    const top = engine.run({ seeds, k: 10 });
    const reference = pprPowerIteration(graph, {}, seeds, undefined, 300);
    assert.ok(maxDifference(engine, reference) < 1e-5, `max difference ${maxDifference(engine, reference)}`);
    assert.deepEqual([...top.nodes.subarray(0, 5)], referenceTop(graph, reference, 5, seeds));

    // The default ε is coarser: the leading items still agree with the reference.
    const coarse = new PersonalizedPageRank(graph);
    const rough = coarse.run({ seeds, k: 3 });
    assert.deepEqual([...rough.nodes.subarray(0, rough.count)], referenceTop(graph, reference, 3, seeds));
  });

  test('recommend: seeds from the user’s recent items; seen, unavailable and unknown items never returned', async () => {
    const graph = await buildGraph(await shopStore());
    const engine = new PersonalizedPageRank(graph);
    const result = engine.recommend({ userId: 'u3', k: 10 });
    const ids = result.map((r) => r.itemId);
    assert.ok(ids.length > 0);
    for (const excluded of ['p2', 'p3', 'p5', 'ghost']) assert.ok(!ids.includes(excluded), excluded);
    for (let i = 1; i < result.length; i++) assert.ok((result[i - 1]?.score as number) >= (result[i]?.score as number));
    assert.deepEqual(engine.recommend({ userId: 'nobody', k: 5 }), []);
    const byItems = engine.recommend({ itemIds: ['p4'], k: 2 });
    assert.equal(byItems[0]?.itemId, 'p1', 'p4 was bought with p1 and shares no brand with p2');
  });

  test('scratch arrays are reused: the same result object, identical answers', async () => {
    const graph = await buildGraph(await shopStore());
    const engine = new PersonalizedPageRank(graph);
    const seeds = new Int32Array([graph.itemIndex('p1') as number]);
    const first = engine.run({ seeds, k: 3 });
    const copy = [...first.nodes.subarray(0, first.count)];
    const scores = [...first.scores.subarray(0, first.count)];
    engine.run({ seeds: new Int32Array([graph.itemIndex('p4') as number]), k: 3 });
    const again = engine.run({ seeds, k: 3 });
    assert.equal(again, first);
    assert.deepEqual([...again.nodes.subarray(0, again.count)], copy);
    assert.deepEqual([...again.scores.subarray(0, again.count)], scores);
  });

  test('the graph growing after the engine was made is picked up', async () => {
    const graph = await buildGraph(await shopStore());
    const engine = new PersonalizedPageRank(graph);
    graph.addItems([{ id: 'p7', title: 'New Shoe', brand: 'Nova', available: true, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' }]);
    const result = engine.recommend({ itemIds: ['p6'], k: 5 });
    assert.deepEqual(result.map((r) => r.itemId).slice(0, 1), ['p7']);
  });

  test('a manual engine keeps its compiled walk until refresh()', async () => {
    const graph = await buildGraph(await shopStore());
    const engine = new PersonalizedPageRank(graph, { refresh: 'manual' });
    assert.ok(!engine.recommend({ itemIds: ['p6'], k: 5 }).some((r) => r.itemId === 'p7'));
    graph.addItems([{ id: 'p7', title: 'New Shoe', brand: 'Nova', available: true, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' }]);
    assert.equal(engine.stale, true);
    assert.ok(!engine.recommend({ itemIds: ['p6'], k: 5 }).some((r) => r.itemId === 'p7'));
    engine.refresh();
    assert.equal(engine.stale, false);
    assert.equal(engine.recommend({ itemIds: ['p6'], k: 5 })[0]?.itemId, 'p7');
  });

  test('degree penalty: scores are PageRank / degree^β, and it lifts items with few edges', async () => {
    const graph = await randomGraph(400, 150);
    const seeds = [graph.itemIndex('i3') as number, graph.itemIndex('i50') as number];
    const plain = new PersonalizedPageRank(graph, { epsilon: 1e-9 });
    const penalised = new PersonalizedPageRank(graph, { epsilon: 1e-9, degreePenalty: 1 });
    const plainTop = plain.run({ seeds, k: 10 });
    const plainNodes = [...plainTop.nodes.subarray(0, plainTop.count)];
    const top = penalised.run({ seeds, k: 10 });
    // Edges of a node in the walk (every relation, both ways): its degree.
    const degree = (node: number) => graph.relations().reduce((sum, r) => {
      const index = graph.relationIndex(r.name) as number;
      return sum + [false, true].reduce((s, inverse) => {
        const a = graph.adjacency(index, inverse);
        const slot = a.slot(node);
        return s + (slot < 0 ? 0 : (a.indptr[slot + 1] as number) - (a.indptr[slot] as number));
      }, 0);
    }, 0);
    const expected: number[] = [];
    for (let v = 0; v < graph.size; v++) {
      assert.ok(Math.abs(penalised.score(v) - plain.score(v) / Math.max(1, degree(v))) < 1e-15, `node ${v}`);
      if (graph.kind(v) === 'item' && !seeds.includes(v) && plain.score(v) > 0) expected.push(v);
    }
    expected.sort((a, b) => penalised.score(b) - penalised.score(a) || a - b);
    assert.deepEqual([...top.nodes.subarray(0, top.count)], expected.slice(0, 10));
    const meanDegree = (nodes: number[]) => nodes.reduce((sum, v) => sum + degree(v), 0) / nodes.length;
    assert.ok(meanDegree(expected.slice(0, 10)) < meanDegree(plainNodes) / 2, `${meanDegree(expected.slice(0, 10))} vs ${meanDegree(plainNodes)}`);
  });

  test('bad options are user errors', async () => {
    const graph = await buildGraph(await shopStore());
    assert.throws(() => new PersonalizedPageRank(graph, { relations: [{ relation: 'teleports' }] }), (e: unknown) => e instanceof ShopfusionError && e.code === 'invalid_argument');
    assert.throws(() => new PersonalizedPageRank(graph, { alpha: 1 }), ShopfusionError);
    assert.throws(() => new PersonalizedPageRank(graph, { degreePenalty: -1 }), /degreePenalty must be in \[0, 2\]/);
  });
});
