/** The knowledge graph served live: graph/ppr, explanations, /graph/paths, /graph/neighbors, updates. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { EventRecord, ItemInput } from '../src/core/schema.js';
import { buildGraph, type KnowledgeGraph } from '../src/graph/graph.js';
import { ModelRepository } from '../src/models/repository.js';
import { trainModels } from '../src/models/train.js';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { tempDir, testConfig } from './helpers.js';

/**
 * Three corners: Acme running gear (a1 bought by u1 and u2), Zeta accessories (z1 bought with a1
 * by u2), Nova kitchen (only u3 saw it): nothing joins the kitchen to u1's corner.
 */
const CATALOG: ItemInput[] = [
  { id: 'a1', title: 'Acme Trail Runner', brand: 'Acme', categories: ['Shoes', 'Running'], attributes: { color: 'red' } },
  { id: 'a2', title: 'Acme Road Runner', brand: 'Acme', categories: ['Shoes', 'Running'], attributes: { color: 'blue' } },
  { id: 'a3', title: 'Acme Rain Jacket', brand: 'Acme', categories: ['Outerwear'], attributes: { color: 'red' } },
  { id: 'a4', title: 'Acme Limited Runner', brand: 'Acme', categories: ['Shoes', 'Running'], available: false },
  { id: 'z1', title: 'Zeta Wool Sock', brand: 'Zeta', categories: ['Accessories', 'Socks'], attributes: { material: 'wool' } },
  { id: 'z2', title: 'Zeta Cap', brand: 'Zeta', categories: ['Accessories', 'Hats'] },
  { id: 'n1', title: 'Nova Kettle', brand: 'Nova', categories: ['Kitchen'] },
  { id: 'n2', title: 'Nova Pan', brand: 'Nova', categories: ['Kitchen'] },
];

const T0 = 1_700_000_000_000;
const EVENTS: EventRecord[] = [
  { id: 'e1', userId: 'u1', sessionId: 's1', itemId: 'a1', type: 'purchase', timestamp: T0 },
  { id: 'e2', userId: 'u2', sessionId: 's2', itemId: 'a1', type: 'purchase', timestamp: T0 + 1 },
  { id: 'e3', userId: 'u2', sessionId: 's2', itemId: 'z1', type: 'purchase', timestamp: T0 + 2 },
  { id: 'e4', userId: 'u3', sessionId: 's3', itemId: 'n1', type: 'view', timestamp: T0 + 3 },
  { id: 'e5', userId: 'u3', sessionId: 's3', itemId: 'n2', type: 'view', timestamp: T0 + 4 },
];

interface Entity {
  key: string;
  label: string;
  kind: string;
}
interface Explanation {
  sentence: string;
  score: number;
  path: Entity[];
  relations: Array<{ relation: string; inverse: boolean }>;
}
interface List {
  model: string;
  version: string;
  data: Array<{ itemId: string; score: number; explanations?: Explanation[] }>;
}
interface Status {
  state: string;
  generation: number;
  nodes: number;
  edges: number;
  needsRebuild: boolean;
  walk: { alpha: number; compiledVersion: number; refreshes: number; stale: boolean };
  updates: { items: number; events: number; skippedEvents: number; deletedItems: number; deletedUsers: number };
  build: { catalog: { items: number }; events: { read: number } } | null;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the graph is built (a generation past `generation`, when given). */
function ready(app: FastifyInstance, generation = 0): Promise<Status> {
  return waitFor(async () => {
    const status = (await app.inject('/graph')).json<Status>();
    return status.state === 'ready' && status.generation > generation ? status : undefined;
  }, 'the knowledge graph');
}

/** Every hop of every path is an edge of the graph; the path runs from the user to the item. */
function assertPathsHold(graph: KnowledgeGraph, userId: string, itemId: string, explanations: readonly Explanation[]): void {
  for (const e of explanations) {
    assert.equal(e.path[0]?.key, `user:${userId}`);
    assert.equal(e.path[e.path.length - 1]?.key, `item:${itemId}`);
    assert.equal(e.relations.length, e.path.length - 1);
    e.relations.forEach((hop, i) => {
      const from = e.path[i]?.key as string;
      const to = e.path[i + 1]?.key as string;
      assert.ok(graph.hasEdge(from, hop.relation, to, hop.inverse), `${from} ${hop.inverse ? '<-' : '->'}${hop.relation} ${to}`);
    });
    assert.match(e.sentence, /^You .+\.$/);
  }
}

const ids = (list: List) => list.data.map((d) => d.itemId);

describe('knowledge graph over the API', () => {
  let store: Store;
  let app: FastifyInstance;
  const models = join(tempDir(), 'models');
  before(async () => {
    store = openStore('memory:');
    await store.items.upsert(CATALOG, T0);
    await store.events.insert(EVENTS);
    await trainModels({ store, repository: new ModelRepository(models), models: ['pop'], weights: testConfig().events.weights });
    // A short refresh so that updates show up within the test; the default is 5 s.
    app = await buildApp({ store, config: testConfig({ graph: { refreshSeconds: 0.02 }, models: { dir: models, default: 'pop' } }) });
    await ready(app);
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('GET /graph reports the build', async () => {
    const status = (await app.inject('/graph')).json<Status>();
    assert.equal(status.state, 'ready');
    assert.equal(status.build?.catalog.items, 8);
    assert.equal(status.build?.events.read, 5);
    // 8 items, 3 users, 3 brands, 7 categories (4 roots, 3 subcategories), 3 attribute values.
    assert.equal(status.nodes, 8 + 3 + 3 + 7 + 3);
    assert.equal(status.walk.alpha, 0.3);
    assert.equal(status.needsRebuild, false);
  });

  test('graph/ppr reaches items through the brand and a co-purchase, never own, unavailable or unconnected ones', async () => {
    const started = performance.now();
    const res = await app.inject('/users/u1/recommendations?channel=graph/ppr&k=10');
    const ms = performance.now() - started;
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<List>();
    assert.equal(body.model, 'graph/ppr');
    assert.match(body.version, /^kg@1\.\d+;alpha=0\.3$/);
    assert.ok(ids(body).includes('a2'), 'same brand and category');
    assert.ok(ids(body).includes('z1'), 'bought together with a1');
    for (const bad of ['a1', 'a4', 'n1', 'n2']) assert.ok(!ids(body).includes(bad), `${bad} in ${ids(body).join(', ')}`);
    // Exactly the recommendable items of u1's corner; the co-purchase is the strongest link of a1.
    assert.deepEqual([...ids(body)].sort(), ['a2', 'a3', 'z1', 'z2']);
    assert.equal(body.data[0]?.itemId, 'z1');
    for (let i = 1; i < body.data.length; i++) assert.ok((body.data[i - 1]?.score as number) >= (body.data[i]?.score as number));
    assert.ok(ms < 1000, `${ms} ms`);
    // Similar items: seeded by the item alone.
    const similar = (await app.inject('/items/z1/similar?channel=graph/ppr&k=3')).json<List>();
    assert.ok(!ids(similar).includes('z1'));
    assert.ok(ids(similar).includes('a1') && ids(similar).includes('z2'), ids(similar).join(', '));
    // Nobody seeds nothing.
    assert.deepEqual((await app.inject('/users/nobody/recommendations?channel=graph/ppr')).json<List>().data, []);
  });

  test('graph.degreePenalty: the walk divides by degree^β, and says so', async () => {
    const penalised = await buildApp({ store, config: testConfig({ graph: { refreshSeconds: 0.02, degreePenalty: 1 }, models: { dir: models, default: 'pop' } }) });
    try {
      const status = await ready(penalised);
      assert.equal((status.walk as { degreePenalty?: number }).degreePenalty, 1);
      const plain = (await app.inject('/users/u1/recommendations?channel=graph/ppr&k=10')).json<List>();
      const body = (await penalised.inject('/users/u1/recommendations?channel=graph/ppr&k=10')).json<List>();
      assert.match(body.version, /^kg@1\.\d+;alpha=0\.3;beta=1$/);
      assert.deepEqual([...ids(body)].sort(), [...ids(plain)].sort(), 'the same reachable items');
      // Each score is divided by the item's own degree (> 1 here): smaller, by different factors.
      const ratios = body.data.map((d) => d.score / (plain.data.find((p) => p.itemId === d.itemId)?.score as number));
      assert.ok(ratios.every((r) => r > 0 && r < 1), ratios.join(', '));
      assert.ok(new Set(ratios.map((r) => r.toFixed(6))).size > 1, ratios.join(', '));
    } finally {
      await penalised.close();
    }
  });

  test('/graph/paths: known answers, best first; an empty list when nothing joins them within 3 hops', async () => {
    const res = await app.inject('/graph/paths?user=u1&item=a3');
    assert.equal(res.statusCode, 200, res.body);
    const { paths } = res.json<{ paths: Explanation[] }>();
    // Red is shared by 2 items (score 1/2), the brand Acme by 4 (1/4).
    assert.deepEqual(
      paths.map((p) => p.path.map((e) => e.key)),
      [
        ['user:u1', 'item:a1', 'attr:color=red', 'item:a3'],
        ['user:u1', 'item:a1', 'brand:Acme', 'item:a3'],
      ],
    );
    assert.equal(paths[1]?.sentence, 'You bought Acme Trail Runner; Acme Trail Runner and Acme Rain Jacket share the brand Acme.');
    assert.deepEqual(paths[1]?.relations, [
      { relation: 'interacted', inverse: false },
      { relation: 'made_by', inverse: false },
      { relation: 'made_by', inverse: true },
    ]);
    assert.deepEqual(paths[1]?.path[2], { key: 'brand:Acme', label: 'Acme', kind: 'brand' });
    assert.equal((await app.inject('/graph/paths?user=u1&item=a3&limit=1')).json<{ paths: unknown[] }>().paths.length, 1);
    assert.deepEqual((await app.inject('/graph/paths?user=u3&item=a3')).json<{ paths: unknown[] }>().paths, []);
  });

  test('/graph/neighbors: grouped by relation with labels, paged, filtered', async () => {
    const res = await app.inject(`/graph/neighbors/${encodeURIComponent('brand:Acme')}`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ key: string; kind: string; groups: Array<{ relation: string; inverse: boolean; total: number; neighbors: Entity[]; nextOffset: number | null }> }>();
    assert.equal(body.key, 'brand:Acme');
    assert.equal(body.kind, 'brand');
    assert.deepEqual(body.groups.map((g) => [g.relation, g.inverse, g.total]), [['made_by', true, 4]]);
    assert.deepEqual(
      body.groups[0]?.neighbors.map((n) => [n.key, n.label]),
      [
        ['item:a1', 'Acme Trail Runner'],
        ['item:a2', 'Acme Road Runner'],
        ['item:a3', 'Acme Rain Jacket'],
        ['item:a4', 'Acme Limited Runner'],
      ],
    );
    const page = (await app.inject('/graph/neighbors/brand%3AAcme?limit=3&offset=2')).json<typeof body>();
    assert.deepEqual(page.groups[0]?.neighbors.map((n) => n.key), ['item:a3', 'item:a4']);
    assert.equal(page.groups[0]?.nextOffset, null);
    assert.equal((await app.inject('/graph/neighbors/brand%3AAcme?limit=1')).json<typeof body>().groups[0]?.nextOffset, 1);
    const a1 = (await app.inject('/graph/neighbors/item%3Aa1?relation=bought_together')).json<typeof body>();
    assert.deepEqual(a1.groups.map((g) => [g.relation, g.neighbors.map((n) => n.key)]), [
      ['bought_together', ['item:z1']],
      ['bought_together', ['item:z1']],
    ]);
    const category = (await app.inject(`/graph/neighbors/${encodeURIComponent('category:Shoes > Running')}?relation=subcategory_of`)).json<typeof body>();
    assert.deepEqual(category.groups.map((g) => g.neighbors.map((n) => n.key)), [['category:Shoes']]);
  });

  test('explain=true: every path is made of graph edges and ends at the recommended item, for channels and models', async () => {
    const graph = await buildGraph(store, { eventWeights: testConfig().events.weights });
    for (const url of ['/users/u1/recommendations?channel=graph/ppr&k=5&explain=true', '/users/u2/recommendations?model=pop&k=5&explain=true']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<List>();
      assert.ok(body.data.length > 0);
      const user = url.includes('u1') ? 'u1' : 'u2';
      for (const d of body.data) {
        assert.ok(Array.isArray(d.explanations), `${d.itemId} has explanations`);
        assert.ok((d.explanations?.length ?? 0) <= 3);
        assertPathsHold(graph, user, d.itemId, d.explanations ?? []);
      }
      assert.ok(body.data.some((d) => (d.explanations?.length ?? 0) > 0), url);
    }
    // Without explain, no explanations.
    const plain = (await app.inject('/users/u1/recommendations?channel=graph/ppr&k=5')).json<List>();
    assert.ok(plain.data.every((d) => d.explanations === undefined));
  });

  test('bad input: unknown user, item and entity are 404s with codes; malformed keys and limits are 400s', async () => {
    const cases: Array<[string, number, string]> = [
      ['/graph/paths?user=ghost&item=a1', 404, 'user_not_found'],
      ['/graph/paths?user=u1&item=ghost', 404, 'item_not_found'],
      ['/graph/paths?user=u1', 400, 'validation_failed'],
      ['/graph/paths?user=u1&item=a1&limit=0', 400, 'validation_failed'],
      ['/graph/paths?user=u1&item=a1&limit=11', 400, 'validation_failed'],
      ['/graph/paths?user=u1&item=a1&hops=2', 400, 'validation_failed'],
      ['/graph/neighbors/brand%3ANope', 404, 'entity_not_found'],
      ['/graph/neighbors/item%3Aghost', 404, 'entity_not_found'],
      ['/graph/neighbors/Acme', 400, 'validation_failed'],
      ['/graph/neighbors/shop%3AAcme', 400, 'validation_failed'],
      ['/graph/neighbors/item%3A', 400, 'validation_failed'],
      ['/graph/neighbors/brand%3AAcme?limit=0', 400, 'validation_failed'],
      ['/graph/neighbors/brand%3AAcme?limit=1001', 400, 'validation_failed'],
      ['/graph/neighbors/brand%3AAcme?offset=-1', 400, 'validation_failed'],
      ['/graph/neighbors/brand%3AAcme?relation=sold_by', 400, 'validation_failed'],
      ['/users/u1/recommendations?channel=graph/ppr&k=0', 400, 'validation_failed'],
      ['/users/u1/recommendations?channel=graph/ppr&k=101&explain=true', 400, 'validation_failed'],
      ['/users/u1/recommendations?channel=graph/ppr&model=pop', 400, 'validation_failed'],
      ['/items/ghost/similar?channel=graph/ppr', 404, 'item_not_found'],
    ];
    for (const [url, status, code] of cases) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      assert.equal(res.json<{ code: string }>().code, code, url);
    }
    const malformed = (await app.inject('/graph/neighbors/Acme')).json<{ message: string }>();
    assert.match(malformed.message, /expected <kind>:<id> with kind item, user, brand, category, attr, ent/);
    assert.match((await app.inject('/graph/neighbors/brand%3AAcme?relation=sold_by')).json<{ message: string }>().message, /the graph has .*made_by/);
  });

  test('a new item and new events show up after the refresh; repeated events count once', async () => {
    const before = (await app.inject('/graph')).json<Status>();
    const up = await app.inject({
      method: 'POST',
      url: '/items',
      payload: { items: [{ id: 'a5', title: 'Acme Sprint Runner', brand: 'Acme', categories: ['Shoes', 'Running'] }] },
    });
    assert.equal(up.statusCode, 200);
    await waitFor(async () => {
      const body = (await app.inject('/users/u1/recommendations?channel=graph/ppr&k=10')).json<List>();
      return ids(body).includes('a5') ? body : undefined;
    }, 'the new item in graph/ppr');

    // u1 looks at the kettle: the pan, unreachable so far, follows (and the kettle is u1's own now).
    const batch = { events: [{ id: 'e6', userId: 'u1', sessionId: 's6', itemId: 'n1', type: 'view' }] };
    assert.equal((await app.inject({ method: 'POST', url: '/events', payload: batch })).json<{ inserted: number }>().inserted, 1);
    const recs = await waitFor(async () => {
      const body = (await app.inject('/users/u1/recommendations?channel=graph/ppr&k=10')).json<List>();
      return ids(body).includes('n2') ? body : undefined;
    }, 'the new event in graph/ppr');
    assert.ok(!ids(recs).includes('n1'));
    // The newest item leads the seeds: the kitchen comes before the older running shoes' corner.
    assert.equal(recs.data[0]?.itemId, 'n2');

    // The same batch again, and a batch with one repeat and one new event: only new events count.
    assert.equal((await app.inject({ method: 'POST', url: '/events', payload: batch })).json<{ duplicates: number }>().duplicates, 1);
    const mixed = { events: [...batch.events, { id: 'e7', userId: 'u3', sessionId: 's3', itemId: 'z2', type: 'view' }] };
    assert.deepEqual((await app.inject({ method: 'POST', url: '/events', payload: mixed })).json<object>(), { inserted: 1, duplicates: 1, rejected: [] });
    const status = await waitFor(async () => {
      const s = (await app.inject('/graph')).json<Status>();
      return s.walk.stale ? undefined : s;
    }, 'the refresh');
    assert.equal(status.updates.events - before.updates.events, 2);
    assert.equal(status.updates.skippedEvents, 0);
    assert.ok(status.walk.refreshes > before.walk.refreshes);
    // The live graph holds exactly what a build from the store holds.
    const rebuilt = await buildGraph(store, { eventWeights: testConfig().events.weights });
    assert.equal(status.nodes, rebuilt.size);
    assert.equal(status.edges, rebuilt.relations().reduce((sum, r) => sum + r.edges, 0));
    const weight = (await app.inject('/graph/neighbors/user%3Au1?relation=interacted')).json<{ groups: Array<{ neighbors: Array<{ key: string; weight: number }> }> }>();
    assert.deepEqual(weight.groups[0]?.neighbors, [
      { key: 'item:a1', label: 'Acme Trail Runner', kind: 'item', weight: 8 },
      { key: 'item:n1', label: 'Nova Kettle', kind: 'item', weight: 1 },
    ]);
  });

  test('deletes: a deleted item leaves the lists at once; a deleted user is forgotten by a rebuild', async () => {
    const generation = (await app.inject('/graph')).json<Status>().generation;
    assert.equal((await app.inject({ method: 'DELETE', url: '/items/a2' })).statusCode, 200);
    assert.equal((await app.inject('/graph/neighbors/item%3Aa2')).json<{ code: string }>().code, 'entity_not_found');
    const acme = (await app.inject('/graph/neighbors/brand%3AAcme')).json<{ groups: Array<{ neighbors: Entity[] }> }>();
    assert.ok(!acme.groups[0]?.neighbors.some((n) => n.key === 'item:a2'));
    assert.ok(!ids((await app.inject('/users/u1/recommendations?channel=graph/ppr&k=20')).json<List>()).includes('a2'));
    assert.equal((await app.inject('/graph')).json<Status>().needsRebuild, true);

    assert.equal((await app.inject({ method: 'DELETE', url: '/users/u2' })).statusCode, 200);
    assert.equal((await app.inject('/graph/neighbors/user%3Au2')).json<{ code: string }>().code, 'entity_not_found');
    const status = await ready(app, generation);
    assert.equal(status.needsRebuild, false);
    // u2's purchases made a1 and z1 "bought together": gone with u2.
    const a1 = (await app.inject('/graph/neighbors/item%3Aa1?relation=bought_together')).json<{ groups: unknown[] }>();
    assert.deepEqual(a1.groups, []);
    assert.equal((await app.inject('/graph/neighbors/item%3Aa2')).statusCode, 404);
    const rebuild = await app.inject({ method: 'POST', url: '/graph/rebuild?wait=true' });
    assert.equal(rebuild.statusCode, 200);
    assert.equal(rebuild.json<Status>().generation, status.generation + 1);
  });
});

/** `target` with some members replaced, its methods bound to it. */
function wrap<T extends object>(target: T, members: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, key) {
      if (typeof key === 'string' && key in members) return members[key];
      const value: unknown = Reflect.get(t, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function latch(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('updates that arrive while the graph is being built', () => {
  test('are applied once each, whether the build read them or not', async () => {
    const store = openStore('memory:');
    await store.items.upsert(CATALOG, T0);
    await store.events.insert(EVENTS);
    // The build stops twice: before it reads the catalog (what arrives then is read) and after it
    // read the events (what arrives then is not, and must be added when the build ends).
    const gates = [latch(), latch()] as const;
    const reached = [latch(), latch()] as const;
    const items = wrap(store.items, {
      list: async (query: Parameters<Store['items']['list']>[0]) => {
        reached[0].resolve();
        await gates[0].promise;
        return store.items.list(query);
      },
    });
    const events = wrap(store.events, {
      scan: async function* (size?: number) {
        yield* store.events.scan(size);
        reached[1].resolve();
        await gates[1].promise;
      },
    });
    const slow = wrap(store, { items, events });
    const app = await buildApp({ store: slow, config: testConfig({ graph: { refreshSeconds: 0.02 } }) });
    try {
      const post = async (url: string, payload: object) => assert.equal((await app.inject({ method: 'POST', url, payload })).statusCode, 200);
      await reached[0].promise;
      assert.equal((await app.inject('/graph')).json<Status>().state, 'building');
      assert.equal((await app.inject('/graph/neighbors/brand%3AAcme')).json<{ code: string }>().code, 'not_ready');
      await post('/items', { items: [{ id: 'a5', title: 'Acme Sprint Runner', brand: 'Acme' }] });
      await post('/events', { events: [{ id: 'r1', userId: 'u1', sessionId: 's1', itemId: 'a2', type: 'view' }] });
      gates[0].resolve();
      await reached[1].promise;
      await post('/items', { items: [{ id: 'z3', title: 'Zeta Scarf', brand: 'Zeta' }] });
      await post('/events', {
        events: [
          { id: 'r2', userId: 'u1', sessionId: 's1', itemId: 'z3', type: 'purchase' },
          { id: 'r1', userId: 'u1', sessionId: 's1', itemId: 'a2', type: 'view' },
        ],
      });
      gates[1].resolve();
      const status = await ready(app);
      const rebuilt = await buildGraph(store, { eventWeights: testConfig().events.weights });
      assert.equal(status.nodes, rebuilt.size);
      assert.equal(status.edges, rebuilt.relations().reduce((sum, r) => sum + r.edges, 0));
      assert.equal(status.needsRebuild, false);
      const u1 = (await app.inject('/graph/neighbors/user%3Au1?relation=interacted')).json<{ groups: Array<{ neighbors: Array<{ key: string; weight: number }> }> }>();
      assert.deepEqual(
        u1.groups[0]?.neighbors.map((n) => [n.key, n.weight]),
        [['item:a1', 8], ['item:z3', 8], ['item:a2', 1]],
      );
      const acme = (await app.inject('/graph/neighbors/brand%3AAcme')).json<{ groups: Array<{ total: number }> }>();
      assert.equal(acme.groups[0]?.total, 5);
    } finally {
      gates[0].resolve();
      gates[1].resolve();
      await app.close();
      await store.close();
    }
  });
});

describe('configured walk', () => {
  test('follows only the configured relations; one the graph lacks is reported', async () => {
    const store = openStore('memory:');
    await store.items.upsert(CATALOG, T0);
    await store.events.insert(EVENTS);
    const app = await buildApp({ store, config: testConfig({ graph: { alpha: 0.5, relations: { made_by: 1, sold_by: 2 } } }) });
    try {
      const status = await ready(app);
      const walk = (await app.inject('/graph')).json<{ walk: { alpha: number; relations: string[]; ignoredRelations: string[] } }>().walk;
      assert.deepEqual([walk.alpha, walk.relations, walk.ignoredRelations], [0.5, ['made_by'], ['sold_by']]);
      assert.equal(status.state, 'ready');
      // The brand alone: no co-purchase (z1), no other shopper.
      const body = (await app.inject('/users/u1/recommendations?channel=graph/ppr')).json<List>();
      assert.deepEqual([...ids(body)].sort(), ['a2', 'a3']);
      assert.match(body.version, /;alpha=0\.5$/);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe('knowledge graph turned off', () => {
  test('graph routes, graph/ppr and explain answer 409 not_configured', async () => {
    const store = openStore('memory:');
    await store.items.upsert(CATALOG, T0);
    const app = await buildApp({ store, config: testConfig({ graph: { enabled: false } }) });
    try {
      for (const url of [
        '/graph',
        '/graph/paths?user=u1&item=a1',
        '/graph/neighbors/brand%3AAcme',
        '/users/u1/recommendations?channel=graph/ppr',
        '/items/a1/similar?channel=graph/ppr',
        '/users/u1/recommendations?explain=true',
      ]) {
        const res = await app.inject(url);
        assert.equal(res.statusCode, 409, `${url}: ${res.body}`);
        assert.equal(res.json<{ code: string }>().code, 'not_configured');
        assert.match(res.json<{ message: string }>().message, /graph\.enabled/);
      }
      assert.equal((await app.inject({ method: 'POST', url: '/graph/rebuild' })).statusCode, 409);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
