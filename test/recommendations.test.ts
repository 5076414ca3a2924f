/** Training from the store, versioned snapshots, and serving them over the API. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../src/core/config.js';
import { trainDataFromPairs } from '../src/data/interactions.js';
import { ModelRepository, newVersion } from '../src/models/repository.js';
import { Sasrec } from '../src/models/sasrec.js';
import { ModelServing } from '../src/models/serving.js';
import { readSnapshotFile } from '../src/models/snapshot-file.js';
import { trainModels } from '../src/models/train.js';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { tempDir, testConfig } from './helpers.js';

/** Two tastes: u0..u4 buy from a0..a4, u5..u9 from b0..b4; user i misses item i of their block. */
async function shop(store: Store): Promise<void> {
  const items = [...['a', 'b'].flatMap((p) => Array.from({ length: 5 }, (_, i) => ({ id: `${p}${i}` })))];
  await store.items.upsert(items, 0);
  const events = [];
  for (let u = 0; u < 10; u++) {
    const block = u < 5 ? 'a' : 'b';
    for (let i = 0; i < 5; i++) {
      if (i === u % 5) continue;
      events.push({ id: `e${u}-${i}`, userId: `u${u}`, itemId: `${block}${i}`, type: 'purchase' as const, timestamp: 1_700_000_000_000 + i });
    }
  }
  await store.events.insert(events);
}

test('train saves versioned snapshots that load back to the same scores', async () => {
  const store = openStore('memory:');
  await shop(store);
  const repository = new ModelRepository(join(tempDir(), 'models'));
  const trained = await trainModels({ store, repository, models: ['pop', 'itemknn', 'markov'], weights: DEFAULT_CONFIG.events.weights });
  assert.deepEqual(trained.map((t) => t.model), ['pop', 'itemknn', 'markov']);
  assert.deepEqual(repository.names(), ['itemknn', 'markov', 'pop']);
  const version = repository.latestVersion('itemknn') as string;
  const file = readSnapshotFile(join(repository.dir, 'itemknn', `${version}.snap`));
  assert.equal(file.items.length, 10);
  assert.equal(file.trainedOn.events, 40);
  const loaded = repository.load('itemknn');
  const out = new Float32Array(10);
  loaded?.model.similar?.(loaded.items.get('a1') as number, out);
  const block = Array.from(out).map((s, i) => [file.items[i], s] as const).filter(([, s]) => s > 0).map(([id]) => id);
  assert.ok(block.every((id) => id?.startsWith('a')), 'a1 is similar only to a-items');
  // A second training makes a new version current.
  await new Promise((r) => setTimeout(r, 5));
  await trainModels({ store, repository, models: ['itemknn'], weights: DEFAULT_CONFIG.events.weights });
  assert.notEqual(repository.latestVersion('itemknn'), version);
});

test('the API serves recommendations and similar items, without seen or unavailable items', async () => {
  const dir = join(tempDir(), 'models');
  const config = testConfig({ models: { dir, default: 'itemknn' } });
  const store = openStore(config.store);
  await shop(store);
  await trainModels({ store, repository: new ModelRepository(dir), models: ['itemknn', 'pop'], weights: config.events.weights });
  const api = await buildApp({ store, config });

  const recs = await api.inject({ method: 'GET', url: '/users/u2/recommendations?k=3' });
  assert.equal(recs.statusCode, 200);
  const body = recs.json() as { model: string; data: Array<{ itemId: string }> };
  assert.equal(body.model, 'itemknn');
  assert.equal(body.data[0]?.itemId, 'a2', 'the one a-item u2 has not bought comes first');
  assert.ok(!body.data.some((d) => ['a0', 'a1', 'a3', 'a4'].includes(d.itemId)), 'bought items are not recommended again');

  await store.items.upsert([{ id: 'a2', available: false }], 1);
  const after = (await api.inject({ method: 'GET', url: '/users/u2/recommendations?k=3' })).json() as typeof body;
  assert.ok(!after.data.some((d) => d.itemId === 'a2'), 'an unavailable item is never shown');

  const similar = (await api.inject({ method: 'GET', url: '/items/b1/similar?k=2' })).json() as typeof body;
  assert.ok(similar.data.every((d) => d.itemId.startsWith('b') && d.itemId !== 'b1'));
  // A visitor the model never saw, with no events, gets popular items from `pop`, flagged.
  const fresh = (await api.inject({ method: 'GET', url: '/users/nobody/recommendations?k=2' })).json() as typeof body & { fallback?: string };
  assert.equal(fresh.model, 'pop');
  assert.equal(fresh.fallback, 'pop');
  assert.equal(fresh.data.length, 2);
  // With a few events, the visitor is scored by the asked model from that history.
  await store.events.insert([{ id: 'v1', userId: 'visitor', itemId: 'b0', type: 'view', timestamp: 1_700_000_000_100 }]);
  const visitor = (await api.inject({ method: 'GET', url: '/users/visitor/recommendations?k=2' })).json() as typeof body & { fallback?: string };
  assert.equal(visitor.model, 'itemknn');
  assert.equal(visitor.fallback, undefined);
  assert.ok(visitor.data.every((d) => d.itemId.startsWith('b') && d.itemId !== 'b0'));

  const missing = await api.inject({ method: 'GET', url: '/users/u1/recommendations?model=als' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'model_not_found');
  assert.match(missing.json().message, /loaded: itemknn, pop/);
  assert.equal((await api.inject({ method: 'GET', url: '/items/zzz/similar' })).json().code, 'item_not_found');
  const listed = (await api.inject({ method: 'GET', url: '/models' })).json() as { data: Array<{ name: string }> };
  assert.deepEqual(listed.data.map((m) => m.name).sort(), ['itemknn', 'pop']);
});

test('sasrec trained from the store serves the next item of a sequence over the API', async () => {
  const dir = join(tempDir(), 'models');
  const config = testConfig({ models: { dir, default: 'sasrec' } });
  const store = openStore(config.store);
  // 150 shoppers walk a ring of 12 items, 6 steps each, from starts of their own.
  await store.items.upsert(Array.from({ length: 12 }, (_, i) => ({ id: `c${i}` })), 0);
  const events = [];
  for (let u = 0; u < 150; u++) {
    for (let s = 0; s < 6; s++) events.push({ id: `s${u}-${s}`, userId: `w${u}`, itemId: `c${(u * 5 + s) % 12}`, type: 'view' as const, timestamp: 1_700_000_000_000 + u * 100 + s });
  }
  await store.events.insert(events);
  const [trained] = await trainModels({ store, repository: new ModelRepository(dir), models: ['sasrec'], weights: config.events.weights });
  assert.ok(trained?.version, JSON.stringify(trained));
  const api = await buildApp({ store, config });
  // A visitor the model never saw: scored from their own events, newest last.
  await store.events.insert([3, 4, 5].map((i) => ({ id: `v${i}`, userId: 'newcomer', itemId: `c${i}`, type: 'view' as const, timestamp: 1_700_000_100_000 + i })));
  const body = (await api.inject({ method: 'GET', url: '/users/newcomer/recommendations?model=sasrec&k=3' })).json() as { model: string; data: Array<{ itemId: string }> };
  assert.equal(body.model, 'sasrec');
  assert.equal(body.data[0]?.itemId, 'c6', JSON.stringify(body.data));
  assert.ok(!body.data.some((d) => ['c3', 'c4', 'c5'].includes(d.itemId)), 'seen items are not recommended');
  await api.close();
});

test('graph/lightgcn: the trained LightGCN as a recall channel, and a clear error before one is trained', async () => {
  const dir = join(tempDir(), 'models');
  const config = testConfig({ models: { dir, default: 'pop' } });
  const store = openStore(config.store);
  await shop(store);
  const api = await buildApp({ store, config });
  const before = await api.inject({ method: 'GET', url: '/users/u2/recommendations?channel=graph/lightgcn&k=3' });
  assert.equal(before.statusCode, 404);
  assert.equal(before.json().code, 'model_not_found');
  assert.match(before.json().message, /channel graph\/lightgcn needs a trained kg-lightgcn or lightgcn model/);

  await trainModels({ store, repository: new ModelRepository(dir), models: ['lightgcn'], weights: config.events.weights });
  await api.inject({ method: 'POST', url: '/models/reload' });
  const recs = (await api.inject({ method: 'GET', url: '/users/u2/recommendations?channel=graph/lightgcn&k=3' })).json() as { model: string; version: string; data: Array<{ itemId: string }> };
  assert.equal(recs.model, 'graph/lightgcn');
  assert.match(recs.version, /^lightgcn@/);
  assert.equal(recs.data[0]?.itemId, 'a2', JSON.stringify(recs.data));
  assert.ok(!recs.data.some((d) => ['a0', 'a1', 'a3', 'a4'].includes(d.itemId)));
  const similar = (await api.inject({ method: 'GET', url: '/items/b1/similar?channel=graph/lightgcn&k=3' })).json() as typeof recs;
  assert.deepEqual(similar.data.map((d) => d.itemId[0]), ['b', 'b', 'b']);
  assert.ok(!similar.data.some((d) => d.itemId === 'b1'));
  // A visitor with no history: the channel has nothing to offer (no silent popularity).
  const nobody = (await api.inject({ method: 'GET', url: '/users/nobody/recommendations?channel=graph/lightgcn&k=3' })).json() as typeof recs;
  assert.deepEqual(nobody.data, []);
  await api.close();
});

test('sasrec-text: an item added after training is scored from its stored text vector, without retraining', async () => {
  // A ring of 24 products; c13 is not in the catalog at training time. Text: one dimension per
  // product, and the new c13 reads exactly like c14 (a new listing of it).
  const ring = Array.from({ length: 24 }, (_, i) => i).filter((i) => i !== 13);
  const index = new Map(ring.map((n, i) => [n, i]));
  const pairs: Array<[number, number]> = [];
  for (let u = 0; u < 160; u++) for (let s = 0; s < 8; s++) if ((u * 7 + s) % 24 !== 13) pairs.push([u, index.get((u * 7 + s) % 24) as number]);
  const text = new Float32Array(ring.length * 24);
  ring.forEach((n, i) => (text[i * 24 + n] = 1));
  const data = { ...trainDataFromPairs(pairs, 160, ring.length), content: { texts: [], vectors: () => Promise.resolve({ embedderId: 'test@1', dimensions: 24, data: text, present: new Uint8Array(ring.length).fill(1) }) } };
  const model = new Sasrec('sasrec-text', { dim: 16, blocks: 1, heads: 2, maxLength: 6, dropout: 0.1, learningRate: 0.01, batchSize: 32, negatives: 64, epochs: 40, patience: 40, validationUsers: 16, text: 'test' });
  await model.fit(data, { seed: 5, threads: 1 });
  const repository = new ModelRepository(join(tempDir(), 'models'));
  repository.save({ snapshot: model.save(), users: Array.from({ length: 160 }, (_, u) => `w${u}`), items: ring.map((n) => `c${n}`), version: newVersion(), createdAt: new Date().toISOString(), trainedOn: { events: pairs.length } });

  const store = openStore('memory:');
  const twin = new Float32Array(24);
  twin[14] = 1;
  await store.vectors.put('test@1', [{ itemId: 'c13', textHash: 'h', vector: twin }]);
  const serving = new ModelServing(repository, 'sasrec-text');
  serving.reload();
  const everything = (ids: readonly string[]) => Promise.resolve(new Set(ids));
  const before = await serving.recommend('sasrec-text', 'visitor', ['c10', 'c11', 'c12'], 3, everything);
  assert.ok(!before.data.some((d) => d.itemId === 'c13'));
  assert.equal(await serving.addItemsFromVectors(store.vectors, ['c13', 'c99']), 1, 'c99 has no vector: left out');
  assert.equal(await serving.addStoredItems(store.vectors), 0, 'nothing more to add');
  const after = await serving.recommend('sasrec-text', 'visitor', ['c10', 'c11', 'c12'], 3, everything);
  assert.equal(after.data[0]?.itemId, 'c14');
  assert.ok(after.data.some((d) => d.itemId === 'c13'), JSON.stringify(after.data));
  // The new item is read in a history too: after it comes what follows its twin.
  const next = await serving.recommend('sasrec-text', 'visitor', ['c11', 'c12', 'c13'], 1, everything);
  assert.equal(next.data[0]?.itemId, 'c15');
});
