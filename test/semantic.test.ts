/** The semantic layer end to end: catalog embedding, the vector channels, /embed and /stats. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ItemInput } from '../src/core/schema.js';
import { syncItemVectors } from '../src/embed/item-embeddings.js';
import { UseLiteEmbedder } from '../src/embed/use-lite.js';
import { DEFAULT_CONFIG } from '../src/core/config.js';
import { ModelRepository } from '../src/models/repository.js';
import { ModelServing } from '../src/models/serving.js';
import { trainModels } from '../src/models/train.js';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { tempDir, testConfig } from './helpers.js';

const CATALOG: ItemInput[] = [
  { id: 'tee-red', title: 'Red cotton t-shirt', categories: ['Clothing', 'Tops'], brand: 'Acme' },
  { id: 'tee-blue', title: 'Blue cotton tee shirt', categories: ['Clothing', 'Tops'], brand: 'Acme' },
  { id: 'knife', title: 'Stainless steel chef knife', categories: ['Kitchen', 'Knives'] },
  { id: 'pan', title: 'Non-stick frying pan 28 cm', categories: ['Kitchen', 'Cookware'] },
  { id: 'drill', title: 'Cordless power drill with two batteries', categories: ['Tools'] },
  { id: 'saw', title: 'Circular saw for wood', categories: ['Tools'] },
  { id: 'no-text' },
  { id: 'chinese', title: '纯棉短袖衬衫 红色' },
  { id: 'hidden', title: 'Green cotton t-shirt', available: false },
];

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('semantic layer over the API (use-lite)', () => {
  let store: Store;
  let app: FastifyInstance;
  before(async () => {
    store = openStore(`sqlite:${join(tempDir(), 'semantic.db')}`);
    await store.items.upsert(CATALOG, 0);
    await store.events.insert([
      { id: 'e1', userId: 'u1', itemId: 'knife', type: 'purchase', timestamp: 1 },
      { id: 'e2', userId: 'u1', itemId: 'drill', type: 'view', timestamp: 2 },
      { id: 'e3', userId: 'u1', itemId: 'saw', type: 'view', timestamp: 3 },
    ]);
    app = await buildApp({ store, config: testConfig({ embedding: { provider: 'use-lite', threads: 1 } }) });
    await waitFor(async () => {
      const s = (await app.inject('/embedding')).json<{ state: string }>();
      return s.state === 'ready' ? s : undefined;
    }, 'the catalog embedding');
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('the catalog is embedded: items with readable text are indexed, the others are reported', async () => {
    const status = (await app.inject('/embedding')).json<{ embedder: string; indexed: number; lastSync: { embedded: number; withoutVector: number; refused: Array<{ itemId: string }> } }>();
    assert.equal(status.embedder, 'use-lite@0.2.0');
    // 9 items: one has no text, one is Chinese only (use-lite reads Latin script only).
    assert.equal(status.indexed, 7);
    assert.equal(status.lastSync.embedded, 7);
    assert.equal(status.lastSync.withoutVector, 2);
    assert.deepEqual(status.lastSync.refused.map((r) => r.itemId), ['chinese']);
    // Items written straight into the store (a bulk import) are embedded on request.
    await store.items.upsert([{ id: 'hose', title: 'Garden hose 50 ft' }], 1);
    const sync = await app.inject({ method: 'POST', url: '/embedding/sync?wait=true' });
    assert.equal(sync.statusCode, 200);
    assert.deepEqual(sync.json<{ embedded: number; unchanged: number }>(), { ...sync.json<object>(), embedded: 1, unchanged: 7 });
    await store.items.delete(['hose']);
    await app.inject({ method: 'POST', url: '/embedding/sync?wait=true' });
    const stats = (await app.inject('/stats')).json<{ embedding: { state: string }; vectors: unknown }>();
    assert.equal(stats.embedding.state, 'ready');
    assert.deepEqual(stats.vectors, [{ embedder: 'use-lite@0.2.0', vectors: 7, dimensions: 512 }]);
  });

  test('vector/similar-items ranks the paraphrase first and leaves out the item and unavailable items', async () => {
    const res = await app.inject('/items/tee-red/similar?channel=vector/similar-items&k=3');
    assert.equal(res.statusCode, 200);
    const body = res.json<{ model: string; version: string; data: Array<{ itemId: string; score: number }> }>();
    assert.equal(body.model, 'vector/similar-items');
    assert.equal(body.version, 'use-lite@0.2.0');
    assert.equal(body.data[0]?.itemId, 'tee-blue');
    assert.ok(!body.data.some((d) => d.itemId === 'tee-red' || d.itemId === 'hidden'));
    assert.equal(body.data.length, 3);
    for (let i = 1; i < body.data.length; i++) assert.ok((body.data[i - 1]?.score as number) >= (body.data[i]?.score as number));
  });

  test('vector/user-profile follows the recent history (tools) and skips what the user had', async () => {
    const body = (await app.inject('/users/u1/recommendations?channel=vector/user-profile&k=2')).json<{ data: Array<{ itemId: string }> }>();
    assert.ok(!body.data.some((d) => ['knife', 'drill', 'saw'].includes(d.itemId)));
    // The newest items are tools: kitchen items are not what comes first.
    assert.ok(body.data.length === 2);
    const unknown = (await app.inject('/users/nobody/recommendations?channel=vector/user-profile')).json<{ data: unknown[] }>();
    assert.deepEqual(unknown.data, []);
  });

  test('a new item is recommendable as soon as it is upserted, without any interaction', async () => {
    const res = await app.inject({ method: 'POST', url: '/items', payload: { items: [{ id: 'tee-new', title: 'Crimson cotton t-shirt for men' }] } });
    assert.equal(res.statusCode, 200);
    const similar = await waitFor(async () => {
      const body = (await app.inject('/items/tee-red/similar?channel=vector/similar-items&k=2')).json<{ data: Array<{ itemId: string }> }>();
      return body.data.some((d) => d.itemId === 'tee-new') ? body : undefined;
    }, 'the new item in the index');
    assert.ok(similar.data.some((d) => d.itemId === 'tee-new'));
    // Deleted, it leaves the index and the store's vectors.
    await app.inject({ method: 'DELETE', url: '/items/tee-new' });
    const after = (await app.inject('/items/tee-red/similar?channel=vector/similar-items&k=20')).json<{ data: Array<{ itemId: string }> }>();
    assert.ok(!after.data.some((d) => d.itemId === 'tee-new'));
    assert.equal((await store.vectors.hashes('use-lite@0.2.0', ['tee-new'])).size, 0);
  });

  test('content models train from the store, reusing its vectors, and serve like any model', async () => {
    const lines: string[] = [];
    const repository = new ModelRepository(join(tempDir(), 'models'));
    const trained = await trainModels({ store, repository, models: ['text-bm25', 'vector-use-lite'], weights: DEFAULT_CONFIG.events.weights, log: (l) => lines.push(l) });
    assert.deepEqual(trained.map((t) => [t.model, t.skipped]), [['text-bm25', undefined], ['vector-use-lite', undefined]]);
    assert.ok(lines.some((l) => /use-lite@0.2.0: 0 items embedded, 7 unchanged/.test(l)), lines.join('\n'));
    const serving = new ModelServing(repository, 'vector-use-lite');
    serving.reload();
    const available = (ids: readonly string[]) => store.items.available(ids);
    const similar = await serving.similar('vector-use-lite', 'pan', 1, available);
    assert.equal(similar.data[0]?.itemId, 'knife');
    const bm25 = await serving.similar('text-bm25', 'tee-red', 1, available);
    assert.equal(bm25.data[0]?.itemId, 'tee-blue');
  });

  test('POST /embed returns similarities and nearest items; bad text is a 400 naming its position', async () => {
    const res = await app.inject({ method: 'POST', url: '/embed', payload: { texts: ['cordless drill', 'battery powered drill', 'frying pan'] } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ similarities: number[][]; nearest: Array<Array<{ itemId: string }>> }>();
    const sim = body.similarities;
    assert.ok(Math.abs((sim[0]?.[0] as number) - 1) < 1e-5);
    assert.ok((sim[0]?.[1] as number) > (sim[0]?.[2] as number));
    assert.equal(body.nearest[0]?.[0]?.itemId, 'drill');
    assert.equal(body.nearest[2]?.[0]?.itemId, 'pan');

    const empty = await app.inject({ method: 'POST', url: '/embed', payload: { texts: ['fine', '   '] } });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.json<{ message: string }>().message, /text 1 is empty/);
    const chinese = await app.inject({ method: 'POST', url: '/embed', payload: { texts: ['红色短袖'] } });
    assert.equal(chinese.statusCode, 400);
    assert.match(chinese.json<{ message: string }>().message, /use-lite embeds English text only/);
    const long = await app.inject({ method: 'POST', url: '/embed', payload: { texts: [`cotton shirt ${'x'.repeat(99_000)}`], vectors: true } });
    assert.equal(long.statusCode, 200, `a 100 kB text is truncated, not refused: ${long.body}`);
    assert.equal(long.json<{ vectors: number[][] }>().vectors[0]?.length, 512);
    const wrongChannel = await app.inject('/items/tee-red/similar?channel=vector/user-profile');
    assert.equal(wrongChannel.statusCode, 400);
  });
});

test('without an embedder the semantic routes say so with 409 not_configured', async () => {
  const store = openStore('memory:');
  const app = await buildApp({ store, config: testConfig() });
  await store.items.upsert([{ id: 'a', title: 'A thing' }], 0);
  const similar = await app.inject('/items/a/similar?channel=vector/similar-items');
  assert.equal(similar.statusCode, 409, similar.body);
  const res = await app.inject({ method: 'POST', url: '/embed', payload: { texts: ['x'] } });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json<{ code: string }>().code, 'not_configured');
  assert.equal((await app.inject('/stats')).json<{ embedding: unknown }>().embedding, null);
  await app.close();
});

test('the pipeline re-embeds only changed text, and another embedder\'s vectors never enter the index', async () => {
  const store = openStore('memory:');
  await store.items.upsert(CATALOG.slice(0, 4), 0);
  // Vectors of a previous model under its own id: a switch must not read them.
  await store.vectors.put('old-model@1', [{ itemId: 'tee-red', textHash: 'x', vector: new Float32Array(3) }]);
  const embedder = await UseLiteEmbedder.load();
  const spec = { provider: 'use-lite' as const };
  const first = await syncItemVectors(store, spec, embedder, { threads: 1 });
  assert.deepEqual([first.embedded, first.unchanged], [4, 0]);
  const again = await syncItemVectors(store, spec, embedder, { threads: 1 });
  assert.deepEqual([again.embedded, again.unchanged], [0, 4]);
  await store.items.upsert([{ ...CATALOG[2], title: 'Ceramic chef knife' } as ItemInput, { id: 'pan' }], 1);
  const changed = await syncItemVectors(store, spec, embedder, { threads: 1 });
  assert.deepEqual([changed.embedded, changed.unchanged, changed.removed], [1, 2, 1]);
  assert.deepEqual(
    (await store.vectors.counts()).map((c) => [c.embedder, c.vectors, c.dimensions]),
    [
      ['old-model@1', 1, 3],
      ['use-lite@0.2.0', 3, 512],
    ],
  );
  const { SemanticIndex } = await import('../src/recall/semantic-index.js');
  const index = new SemanticIndex(embedder, spec, store);
  await index.rebuild();
  assert.equal(index.status().indexed, 3);
  assert.equal(index.vectorOf('tee-red')?.length, 512);
});
