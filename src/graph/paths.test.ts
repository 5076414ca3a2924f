import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph, type KnowledgeGraph } from './graph.js';
import { SHOP_ITEMS, shopStore } from './graph-fixture.js';
import { explainPaths, type ExplanationPath } from './paths.js';

/** Every hop is an edge of the graph, the path starts at the user and ends at the item, no entity twice. */
function assertValid(graph: KnowledgeGraph, path: ExplanationPath, userId: string, itemId: string): void {
  assert.equal(path.entities[0]?.key, `user:${userId}`);
  assert.equal(path.entities[path.entities.length - 1]?.key, `item:${itemId}`);
  assert.equal(path.hops.length, path.entities.length - 1);
  assert.ok(path.hops.length >= 1 && path.hops.length <= 3);
  assert.equal(new Set(path.entities.map((e) => e.key)).size, path.entities.length);
  path.hops.forEach((hop, i) => {
    const from = path.entities[i]?.key as string;
    const to = path.entities[i + 1]?.key as string;
    assert.ok(graph.hasEdge(from, hop.relation, to, hop.inverse), `${from} ${hop.inverse ? '<-' : '->'}${hop.relation} ${to}`);
  });
  for (const e of path.entities.slice(1)) assert.notEqual(e.kind, 'user');
  assert.ok(path.score > 0);
  assert.match(path.sentence, /^You .+\.$/);
}

describe('explanation paths', () => {
  test('a shared designer from the imported triples (three hops)', async () => {
    const graph = await buildGraph(await shopStore());
    const paths = explainPaths(graph, 'u1', 'p6');
    assert.equal(paths.length, 1);
    const [path] = paths as [ExplanationPath];
    assertValid(graph, path, 'u1', 'p6');
    assert.deepEqual(path.entities.map((e) => e.key), ['user:u1', 'item:p1', 'ent:m.designer', 'item:p6']);
    assert.deepEqual(path.entities.map((e) => e.label), ['u1', 'Red Shoe', 'm.designer', 'Rare Jacket']);
    assert.deepEqual(path.hops, [
      { relation: 'interacted', inverse: false },
      { relation: 'designed_by', inverse: false },
      { relation: 'designed_by', inverse: true },
    ]);
    assert.equal(path.sentence, 'You bought Red Shoe; Red Shoe and Rare Jacket are both linked to m.designer (designed by).');
  });

  test('several paths, best first, one per connecting entity, each an edge-by-edge path to the item', async () => {
    const graph = await buildGraph(await shopStore());
    const paths = explainPaths(graph, 'u3', 'p1');
    assert.equal(paths.length, 3);
    for (const path of paths) assertValid(graph, path, 'u3', 'p1');
    for (let i = 1; i < paths.length; i++) assert.ok((paths[i - 1] as ExplanationPath).score >= (paths[i] as ExplanationPath).score);
    const connecting = paths.map((p) => p.entities[p.entities.length - 2]?.key);
    assert.equal(new Set(connecting).size, paths.length);
    // Connecting entities with 2 items (red, the category, Wool Sock bought with Red Shoe alone) tie
    // at 1/2 and beat the brand Acme with 3 items (1/3).
    assert.deepEqual(paths.map((p) => p.entities[2]?.key), ['attr:color=red', 'category:Shoes > Running', 'item:p4']);
    assert.deepEqual(paths.map((p) => Math.round(p.score * 1e6) / 1e6), [0.5, 0.5, 0.5]);
    assert.equal(
      paths[2]?.sentence,
      'You viewed Blue Shoe; shoppers who viewed Blue Shoe also viewed Wool Sock; Wool Sock is often bought together with Red Shoe.',
    );
    const all = explainPaths(graph, 'u3', 'p1', { limit: 10 });
    assert.ok(Math.abs((all.find((p) => p.entities[2]?.key === 'brand:Acme') as ExplanationPath).score - 1 / 3) < 1e-6);
    // Blue Shoe was co-viewed with Red Shoe once, with Trail Shoe twice (weight 1/2), among 3 neighbours.
    const coViewed = all.find((p) => p.hops.length === 2);
    assert.equal(coViewed?.sentence, 'You viewed Blue Shoe; shoppers who viewed Blue Shoe also viewed Red Shoe.');
    assert.ok(Math.abs((coViewed as ExplanationPath).score - 1 / 6) < 1e-6);
    const brand = all.find((p) => p.entities.some((e) => e.key === 'brand:Acme'));
    const red = all.find((p) => p.entities.some((e) => e.key === 'attr:color=red'));
    assert.ok(brand && red);
    assert.equal(red.sentence, 'You viewed Trail Shoe; Trail Shoe and Red Shoe share color: red.');
    assert.equal(brand.sentence, 'You viewed Blue Shoe; Blue Shoe and Red Shoe share the brand Acme.');
  });

  test('every (user, item) pair: each returned path is valid; hop and relation limits hold', async () => {
    const graph = await buildGraph(await shopStore());
    let found = 0;
    for (const user of ['u1', 'u2', 'u3']) {
      for (const item of [...SHOP_ITEMS.map((i) => i.id), 'ghost']) {
        for (const path of explainPaths(graph, user, item, { limit: 5 })) {
          assertValid(graph, path, user, item);
          found++;
        }
        for (const path of explainPaths(graph, user, item, { maxHops: 2 })) assert.ok(path.hops.length <= 2);
        for (const path of explainPaths(graph, user, item, { relations: ['interacted', 'made_by'] })) {
          assert.ok(path.hops.every((h) => h.relation === 'interacted' || h.relation === 'made_by'));
        }
      }
    }
    assert.ok(found > 20, `${found} paths`);
  });

  test('a direct interaction is a one-hop path; unknown users and items have none', async () => {
    const graph = await buildGraph(await shopStore());
    const direct = explainPaths(graph, 'u2', 'p4').find((p) => p.hops.length === 1);
    assert.equal(direct?.sentence, 'You bought Wool Sock.');
    // 8 of u2's strongest weight 9.
    assert.ok(Math.abs((direct as ExplanationPath).score - 8 / 9) < 1e-6);
    assert.deepEqual(explainPaths(graph, 'nobody', 'p1'), []);
    assert.deepEqual(explainPaths(graph, 'u1', 'nothing'), []);
  });
});
