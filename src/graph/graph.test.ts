import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../core/schema.js';
import { Adjacency, EdgeBuffer, mergeEdges } from './adjacency.js';
import { buildGraph, eventTypesOf, type KnowledgeGraph } from './graph.js';
import { SHOP_ITEMS, SHOP_TRIPLES, shopEvents, shopStore } from './graph-fixture.js';
import { neighbors } from './neighbors.js';

/** A relation as sorted `from → to = weight` lines, by key (node indices differ between builds). */
function edges(graph: KnowledgeGraph, relation: string, inverse = false): string[] {
  const r = graph.relationIndex(relation);
  if (r === undefined) return [];
  const a = graph.adjacency(r, inverse);
  const out: string[] = [];
  for (let s = 0; s < a.rows.length; s++) {
    for (let p = a.indptr[s] as number; p < (a.indptr[s + 1] as number); p++) {
      out.push(`${graph.key(a.rows[s] as number)} -> ${graph.key(a.cols[p] as number)} = ${a.weights[p]}`);
    }
  }
  return out.sort();
}

describe('adjacency merge', () => {
  test('sorted rows, sums or maxima of repeated pairs, duplicates counted, base rows kept', () => {
    const buffer = new EdgeBuffer();
    for (const [s, d, w] of [[3, 1, 1], [0, 2, 2], [3, 0, 1], [3, 1, 4], [0, 2, 1]] as const) buffer.push(s, d, w);
    const sum = mergeEdges(Adjacency.EMPTY, buffer, { inverse: false, combine: 'sum', tags: false, nodes: 4 });
    assert.deepEqual([...sum.adjacency.rows], [0, 3]);
    assert.deepEqual([...sum.adjacency.indptr], [0, 1, 3]);
    assert.deepEqual([...sum.adjacency.cols], [2, 0, 1]);
    assert.deepEqual([...sum.adjacency.weights], [3, 1, 5]);
    assert.deepEqual([...sum.adjacency.rowSums], [3, 6]);
    assert.equal(sum.duplicates, 2);
    const max = mergeEdges(Adjacency.EMPTY, buffer, { inverse: false, combine: 'max', tags: false, nodes: 4 });
    assert.deepEqual([...max.adjacency.weights], [2, 1, 4]);
    const inverse = mergeEdges(Adjacency.EMPTY, buffer, { inverse: true, combine: 'sum', tags: false, nodes: 4 });
    assert.deepEqual([...inverse.adjacency.rows], [0, 1, 2]);
    assert.deepEqual([...inverse.adjacency.cols], [3, 3, 0]);

    const more = new EdgeBuffer();
    more.push(3, 2, 1);
    more.push(1, 0, 1);
    const merged = mergeEdges(sum.adjacency, more, { inverse: false, combine: 'sum', tags: false, nodes: 4 });
    assert.deepEqual([...merged.adjacency.rows], [0, 1, 3]);
    assert.deepEqual([...merged.adjacency.cols], [2, 0, 0, 1, 2]);
    assert.equal(merged.adjacency.edge(3, 2), 4);
    assert.equal(merged.adjacency.edge(3, 3), -1);
    assert.equal(merged.adjacency.slot(2), -1);
  });
});

describe('knowledge graph build', () => {
  test('catalog relations: exact adjacency, nested categories as distinct nodes', async () => {
    const graph = await buildGraph(await shopStore());
    assert.deepEqual(edges(graph, 'made_by'), [
      'item:p1 -> brand:Acme = 1',
      'item:p2 -> brand:Acme = 1',
      'item:p3 -> brand:Zeta = 1',
      'item:p4 -> brand:Zeta = 1',
      'item:p5 -> brand:Acme = 1',
      'item:p6 -> brand:Nova = 1',
    ]);
    assert.deepEqual(edges(graph, 'made_by', true), [
      'brand:Acme -> item:p1 = 1',
      'brand:Acme -> item:p2 = 1',
      'brand:Acme -> item:p5 = 1',
      'brand:Nova -> item:p6 = 1',
      'brand:Zeta -> item:p3 = 1',
      'brand:Zeta -> item:p4 = 1',
    ]);
    assert.deepEqual(edges(graph, 'in_category'), [
      'item:p1 -> category:Shoes > Running = 1',
      'item:p2 -> category:Shoes > Running = 1',
      'item:p3 -> category:Shoes > Trail = 1',
      'item:p4 -> category:Accessories > Socks = 1',
      'item:p5 -> category:Accessories > Hats = 1',
      'item:p6 -> category:Outerwear = 1',
    ]);
    assert.deepEqual(edges(graph, 'subcategory_of'), [
      'category:Accessories > Hats -> category:Accessories = 1',
      'category:Accessories > Socks -> category:Accessories = 1',
      'category:Shoes > Running -> category:Shoes = 1',
      'category:Shoes > Trail -> category:Shoes = 1',
    ]);
    assert.deepEqual(edges(graph, 'has_color'), ['item:p1 -> attr:color=red = 1', 'item:p2 -> attr:color=blue = 1', 'item:p3 -> attr:color=red = 1']);
    assert.deepEqual(edges(graph, 'has_sizes'), ['item:p1 -> attr:sizes=42 = 1', 'item:p1 -> attr:sizes=43 = 1']);
    assert.equal(graph.label(graph.index('category:Shoes > Running') as number), 'Shoes > Running');
    assert.equal(graph.label(graph.index('attr:color=red') as number), 'color: red');
    assert.equal(graph.label(graph.itemIndex('p1') as number), 'Red Shoe');
    assert.equal(graph.recommendable(graph.itemIndex('p1') as number), true);
    assert.equal(graph.recommendable(graph.itemIndex('p5') as number), false, 'p5 is unavailable');
  });

  test('event relations: interacted weights are sums of event-type weights; co-occurrence per session', async () => {
    const graph = await buildGraph(await shopStore());
    assert.deepEqual(edges(graph, 'interacted'), [
      'user:u1 -> item:p1 = 8',
      'user:u1 -> item:p2 = 1',
      'user:u1 -> item:p3 = 1',
      'user:u2 -> item:p1 = 9',
      'user:u2 -> item:p2 = 1',
      'user:u2 -> item:p4 = 8',
      'user:u3 -> item:p2 = 1',
      'user:u3 -> item:p3 = 1',
    ]);
    const interacted = graph.adjacency(graph.relationIndex('interacted') as number);
    const at = interacted.edge(graph.userIndex('u2') as number, graph.itemIndex('p1') as number);
    assert.deepEqual(eventTypesOf(interacted.tags?.[at] as number), ['view', 'purchase']);
    assert.deepEqual(edges(graph, 'bought_together'), ['item:p1 -> item:p4 = 1', 'item:p4 -> item:p1 = 1']);
    assert.deepEqual(edges(graph, 'viewed_together'), [
      'item:p1 -> item:p2 = 1',
      'item:p2 -> item:p1 = 1',
      'item:p2 -> item:p3 = 2',
      'item:p2 -> item:p4 = 1',
      'item:p3 -> item:p2 = 2',
      'item:p4 -> item:p2 = 1',
    ]);
    const recent = new Int32Array(5);
    const n = graph.recentItems(graph.userIndex('u1') as number, recent);
    assert.deepEqual([...recent.subarray(0, n)].map((i) => graph.key(i)), ['item:p3', 'item:p2', 'item:p1']);
  });

  test('co-occurrence is pruned to the strongest neighbours per item', async () => {
    const graph = await buildGraph(await shopStore(), { cooccurrenceNeighbours: 1 });
    assert.deepEqual(edges(graph, 'viewed_together'), [
      'item:p1 -> item:p2 = 1',
      'item:p2 -> item:p3 = 2',
      'item:p3 -> item:p2 = 2',
      'item:p4 -> item:p2 = 1',
    ]);
  });

  test('triples: links merge entities into items; external relations by name', async () => {
    const graph = await buildGraph(await shopStore());
    assert.equal(graph.index('ent:m.1'), graph.itemIndex('p1'));
    assert.deepEqual(edges(graph, 'designed_by'), ['item:p1 -> ent:m.designer = 1', 'item:p6 -> ent:m.designer = 1']);
    assert.deepEqual(edges(graph, 'born_in'), ['ent:m.designer -> ent:m.city = 1']);
    assert.deepEqual(edges(graph, 'made_of'), ['item:ghost -> ent:m.leather = 1']);
    assert.equal(graph.hasEdge('ent:m.designer', 'designed_by', 'item:p6', true), true);
    assert.equal(graph.hasEdge('item:p6', 'designed_by', 'ent:m.designer', true), false);
  });

  test('the build report counts and shows each kind of bad input', async () => {
    const graph = await buildGraph(await shopStore());
    const report = graph.report();
    const issues = report.issues;
    assert.deepEqual(
      Object.fromEntries(Object.entries(issues).map(([k, v]) => [k, v.count])),
      {
        unknown_item: 1,
        self_loop: 1,
        duplicate_triple: 2,
        invalid_relation: 3,
        invalid_triple: 0,
        category_cycle: 1,
        alias_conflict: 0,
        skipped_attribute: 1,
        event_unknown_item: 0,
        changed_item: 0,
      },
    );
    assert.deepEqual(issues.unknown_item.examples, ['item:ghost made_of m.leather']);
    assert.deepEqual(issues.self_loop.examples, ['m.1 remake_of item:p1']);
    assert.deepEqual(issues.duplicate_triple.examples, ['item:p1 designed_by ent:m.designer', 'item:p6 designed_by ent:m.designer']);
    assert.deepEqual(issues.invalid_relation.examples, [
      'attribute key "Größe" of item:p5',
      '"bad relation!" in m.2 bad relation! m.3',
      '"interacted" in m.2 interacted m.3',
    ]);
    assert.deepEqual(issues.category_cycle.examples, ['item:p5: ["Accessories", "Hats", "Accessories"]']);
    assert.equal(issues.skipped_attribute.examples.length, 1);
    assert.deepEqual(report.triples, { read: SHOP_TRIPLES.length, aliases: 2, edges: 4 });
    assert.deepEqual(report.entities, { item: 7, user: 3, brand: 3, category: 7, attr: 5, ent: 3 });
    assert.deepEqual(report.events, { read: 12, interactions: 9, cooccurrence: 11, withoutInteraction: 3 });
    assert.equal(report.needsRebuild, false);
    assert.ok(report.bytes > 0);
  });

  test('an alias arriving after its entity has edges is a conflict that asks for a rebuild', async () => {
    const graph = await buildGraph(await shopStore());
    graph.addTriples([{ head: 'item:p2', relation: 'same_as', tail: 'm.designer' }, { head: 'item:p2', relation: 'same_as', tail: 'm.1' }]);
    const report = graph.report();
    assert.equal(report.issues.alias_conflict.count, 2);
    assert.equal(report.needsRebuild, true);
  });

  test('incremental addItems / addEvents / addTriples match a rebuild', async () => {
    const events = shopEvents();
    const firstItems = SHOP_ITEMS.slice(0, 3);
    const firstEvents = events.slice(0, 5);
    const firstTriples = SHOP_TRIPLES.slice(0, 4);
    const store = await shopStore({ items: firstItems, events: firstEvents, triples: firstTriples });
    const graph = await buildGraph(store);
    const version = graph.version;
    // Later: new items (p4 already known from an event), new events, new triples.
    await store.items.upsert(SHOP_ITEMS.slice(3), 1_700_000_000_000);
    const later = (await store.items.list({ limit: 100 })).data.filter((i: Item) => !firstItems.some((f) => f.id === i.id));
    graph.addItems(later);
    graph.addEvents(events.slice(5));
    graph.addTriples(SHOP_TRIPLES.slice(4));
    assert.ok(graph.version > version);

    const rebuilt = await buildGraph(await shopStore());
    for (const r of rebuilt.relations()) {
      assert.deepEqual(edges(graph, r.name), edges(rebuilt, r.name), r.name);
      assert.deepEqual(edges(graph, r.name, true), edges(rebuilt, r.name, true), `${r.name} inverse`);
    }
    assert.equal(graph.relations().length, rebuilt.relations().length);
    const a = graph.report();
    const b = rebuilt.report();
    assert.deepEqual(a.entities, b.entities);
    assert.deepEqual(a.triples, b.triples);
    assert.deepEqual(a.events, b.events);
    assert.equal(graph.label(graph.itemIndex('p4') as number), 'Wool Sock');
    assert.equal(graph.inCatalog(graph.itemIndex('p4') as number), true);
  });

  test('large relations merge staged edges in batches; flush() merges all', async () => {
    const events = shopEvents();
    const graph = await buildGraph(await shopStore({ events: events.slice(0, 4) }), { mergeEagerBelow: 0, mergeRatio: 0.5 });
    const version = graph.version;
    assert.deepEqual(edges(graph, 'interacted'), ['user:u1 -> item:p1 = 8', 'user:u1 -> item:p2 = 1', 'user:u1 -> item:p3 = 1', 'user:u2 -> item:p1 = 8']);
    graph.addEvents(events.slice(4, 5));
    // 1 staged edge < 0.5 × 4: not merged yet, but the user's recent items are current.
    assert.equal(edges(graph, 'interacted').length, 4);
    assert.ok(graph.report().pendingEdges > 0);
    const recent = new Int32Array(3);
    assert.equal(graph.recentItems(graph.userIndex('u2') as number, recent), 2);
    assert.equal(graph.key(recent[0] as number), 'item:p4');
    graph.addEvents(events.slice(5, 7));
    assert.ok(edges(graph, 'interacted').includes('user:u2 -> item:p4 = 8'), 'merged once 2 edges were staged');
    assert.ok(graph.version > version);
    graph.addEvents(events.slice(7));
    graph.flush();
    assert.equal(graph.report().pendingEdges, 0);
    const rebuilt = await buildGraph(await shopStore());
    for (const r of rebuilt.relations()) assert.deepEqual(edges(graph, r.name), edges(rebuilt, r.name), r.name);
  });

  test('a changed item gets its new facts and flags the graph for a rebuild', async () => {
    const graph = await buildGraph(await shopStore());
    const p2 = (await (await shopStore()).items.get('p2')) as Item;
    graph.addItems([{ ...p2, brand: 'Zeta', title: 'Blue Shoe II' }]);
    assert.ok(edges(graph, 'made_by').includes('item:p2 -> brand:Zeta = 1'));
    assert.equal(graph.label(graph.itemIndex('p2') as number), 'Blue Shoe II');
    const report = graph.report();
    assert.equal(report.issues.changed_item.count, 1);
    assert.equal(report.issues.duplicate_triple.count, 2, 'the facts p2 kept are not duplicates');
    assert.equal(report.needsRebuild, true);
  });

  test('neighbours grouped by relation, strongest first, paged', async () => {
    const graph = await buildGraph(await shopStore());
    const page = neighbors(graph, 'item:p2', { limit: 2 });
    assert.ok(page);
    assert.equal(page.label, 'Blue Shoe');
    const viewed = page.groups.find((g) => g.relation === 'viewed_together' && !g.inverse);
    assert.deepEqual(viewed?.neighbors.map((n) => [n.key, n.weight]), [['item:p3', 2], ['item:p1', 1]]);
    assert.equal(viewed?.total, 3);
    assert.equal(viewed?.nextOffset, 2);
    const users = page.groups.find((g) => g.relation === 'interacted' && g.inverse);
    assert.equal(users?.total, 3);
    const next = neighbors(graph, 'item:p2', { relation: 'viewed_together', inverse: false, limit: 2, offset: 2 });
    assert.deepEqual(next?.groups.map((g) => g.neighbors.map((n) => n.key)), [['item:p4']]);
    assert.equal(next?.groups[0]?.nextOffset, null);
    assert.equal(neighbors(graph, 'item:nope'), undefined);
    assert.equal(page.degree, graph.degree(graph.itemIndex('p2') as number));
  });
});
