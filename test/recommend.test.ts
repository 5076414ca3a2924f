/** GET /recommend/:placement: the cascade over trained models, end to end through the API. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ModelRepository } from '../src/models/repository.js';
import { trainModels } from '../src/models/train.js';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { tempDir, testConfig } from './helpers.js';

interface Body {
  placement: string;
  recommId: string;
  degraded: boolean;
  fallback?: { to: string; reason: string };
  data: Array<{ itemId: string; score: number; explain?: { channels: Array<{ channel: string; score: number; rank: number; normalised: number; weight: number }>; fused: number } }>;
  stages?: Array<{ stage: string; ms?: number; channels?: Array<{ id: string; status: string }> }>;
}

/** Two tastes: u0..u5 buy from a0..a7, u6..u11 from b0..b7, each all but two items of their block. */
async function shop(store: Store): Promise<void> {
  const items = ['a', 'b'].flatMap((p) => Array.from({ length: 8 }, (_, i) => ({ id: `${p}${i}`, brand: `${p}-brand${i % 2}`, price: 10 * (i + 1), categories: [p === 'a' ? 'Audio' : 'Books'] })));
  await store.items.upsert(items, 0);
  const events = [];
  for (let u = 0; u < 12; u++) {
    const block = u < 6 ? 'a' : 'b';
    for (let i = 0; i < 8; i++) {
      if (i === u % 6 || i === (u + 1) % 6) continue;
      events.push({ id: `e${u}-${i}`, userId: `u${u}`, itemId: `${block}${i}`, type: 'purchase' as const, timestamp: 1_700_000_000_000 + u * 100 + i });
    }
  }
  events.push(...[0, 1].map((i) => ({ id: `s${i}`, userId: 'anon-1', sessionId: 'sess-1', itemId: `b${i}`, type: 'view' as const, timestamp: 1_700_000_100_000 + i })));
  await store.events.insert(events);
}

const historyOf = (u: number) => {
  const block = u < 6 ? 'a' : 'b';
  return Array.from({ length: 8 }, (_, i) => i).filter((i) => i !== u % 6 && i !== (u + 1) % 6).map((i) => `${block}${i}`);
};

describe('GET /recommend/:placement', () => {
  let app: FastifyInstance;
  let store: Store;
  const get = async (url: string) => app.inject({ method: 'GET', url });
  const body = async (url: string) => {
    const res = await get(url);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Body>();
  };

  before(async () => {
    const dir = join(tempDir(), 'models');
    const config = testConfig({ models: { dir, default: 'itemknn' }, graph: { enabled: false } });
    store = openStore(config.store);
    await shop(store);
    await trainModels({ store, repository: new ModelRepository(dir), models: ['itemknn', 'pop', 'markov'], weights: config.events.weights });
    app = await buildApp({ store, config });
  });
  after(async () => app.close());

  test('home for a known user: k items from their taste, none already interacted with, with a recommId', async () => {
    const res = await body('/recommend/home?userId=u2&k=2');
    assert.equal(res.placement, 'home');
    assert.match(res.recommId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(res.fallback, undefined);
    assert.equal(res.degraded, false);
    assert.equal(res.data.length, 2);
    const seen = new Set(historyOf(2));
    assert.ok(res.data.every((d) => !seen.has(d.itemId)), JSON.stringify(res.data));
    assert.deepEqual(res.data.map((d) => d.itemId).sort(), ['a2', 'a3'], 'the two a-items u2 has not bought');
    assert.equal(res.stages, undefined, 'stages only with explain');
    const other = await body('/recommend/home?userId=u2&k=2');
    assert.notEqual(other.recommId, res.recommId);
  });

  test('unavailable items and rule overrides are honoured', async () => {
    await store.items.upsert([{ id: 'a3', brand: 'a-brand1', price: 40, categories: ['Audio'], available: false }], 1);
    try {
      const res = await body('/recommend/home?userId=u2&k=10');
      assert.ok(!res.data.some((d) => d.itemId === 'a3'));
      assert.ok(res.data.length > 0);
    } finally {
      await store.items.upsert([{ id: 'a3', brand: 'a-brand1', price: 40, categories: ['Audio'] }], 2);
    }
    const cheap = await body('/recommend/home?userId=u2&k=10&priceMax=30');
    assert.ok(cheap.data.length > 0 && cheap.data.every((d) => Number(d.itemId.slice(1)) < 3), JSON.stringify(cheap.data));
    const excluded = await body('/recommend/home?userId=u2&k=10&exclude=a2');
    assert.ok(!excluded.data.some((d) => d.itemId === 'a2'));
    const brands = await body('/recommend/home?userId=u2&k=10&excludeBrands=a-brand0');
    assert.ok(brands.data.every((d) => d.itemId !== 'a2'), 'a2 is a-brand0');
  });

  test('explain=true: per-channel breakdown, fused score and timed stages', async () => {
    const res = await body('/recommend/home?userId=u2&k=2&explain=true');
    const first = res.data[0];
    assert.ok(first?.explain);
    const knn = first.explain.channels.find((c) => c.channel === 'model/itemknn');
    assert.ok(knn, JSON.stringify(first.explain));
    assert.equal(knn.weight, 1);
    assert.ok(knn.rank >= 1 && knn.score > 0);
    const sum = first.explain.channels.reduce((s, c) => s + c.weight * c.normalised, 0);
    assert.ok(Math.abs(sum - first.explain.fused) < 1e-6);
    const names = res.stages?.map((s) => s.stage) ?? [];
    assert.deepEqual(names.slice(0, 4), ['recall', 'fusion', 'rank', 'rerank']);
    assert.ok(res.stages?.slice(0, 4).every((s) => typeof s.ms === 'number'));
    const channels = res.stages?.[0]?.channels ?? [];
    assert.equal(channels.find((c) => c.id === 'model/itemknn')?.status, 'ok');
    assert.equal(channels.find((c) => c.id === 'model/als')?.status, 'skipped', 'als is not trained');
    assert.equal(channels.find((c) => c.id === 'graph/ppr')?.status, 'skipped', 'the graph is off');
  });

  test('an unknown user falls back to session items, else popular items, and says so', async () => {
    const popular = await body('/recommend/home?userId=stranger&k=3');
    assert.equal(popular.fallback?.to, 'popular');
    assert.match(popular.fallback?.reason ?? '', /stranger/);
    assert.equal(popular.data.length, 3);
    const session = await body('/recommend/home?userId=stranger&k=3&items=b0,b1');
    assert.equal(session.fallback?.to, 'session');
    assert.ok(session.data.length > 0 && session.data.every((d) => d.itemId.startsWith('b') && !['b0', 'b1'].includes(d.itemId)), JSON.stringify(session.data));
    const bySession = await body('/recommend/home?k=3&sessionId=sess-1');
    assert.equal(bySession.fallback?.to, 'session');
    assert.ok(bySession.data.every((d) => d.itemId.startsWith('b') && !['b0', 'b1'].includes(d.itemId)));
  });

  test('similar, bought-together and session placements', async () => {
    const similar = await body('/recommend/similar?itemId=b1&k=3');
    assert.equal(similar.data.length, 3);
    assert.ok(similar.data.every((d) => d.itemId.startsWith('b') && d.itemId !== 'b1'), JSON.stringify(similar.data));
    const cart = await body('/recommend/bought-together?items=a0,a1&k=3');
    assert.ok(cart.data.length > 0 && cart.data.every((d) => d.itemId.startsWith('a') && !['a0', 'a1'].includes(d.itemId)), JSON.stringify(cart.data));
    const viewed = await body('/recommend/session?items=b3&k=3');
    assert.ok(viewed.data.length > 0 && viewed.data.every((d) => d.itemId.startsWith('b') && d.itemId !== 'b3'), JSON.stringify(viewed.data));
    const fromStore = await body('/recommend/session?sessionId=sess-1&k=3');
    assert.equal(fromStore.fallback, undefined);
    assert.ok(fromStore.data.every((d) => d.itemId.startsWith('b') && !['b0', 'b1'].includes(d.itemId)), JSON.stringify(fromStore.data));
    const emptySession = await body('/recommend/session?sessionId=nobody&k=2');
    assert.equal(emptySession.fallback?.to, 'popular');
    assert.equal((await get('/recommend/similar?itemId=ghost')).json<{ code: string }>().code, 'item_not_found');
  });

  test('bad input: status, code and a message naming the field', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      ['/recommend/nope', 404, 'placement_not_found', /no placement "nope".*configured placements: home, similar, bought-together, session/],
      ['/recommend/similar', 400, 'validation_failed', /query\.itemId: is required by placement similar/],
      ['/recommend/bought-together', 400, 'validation_failed', /query\.items: is required by placement bought-together/],
      ['/recommend/session', 400, 'validation_failed', /query\.sessionId: placement session needs sessionId or items/],
      ['/recommend/home?userId=u1&k=0', 400, 'validation_failed', /query\.k/],
      ['/recommend/home?userId=u1&k=101', 400, 'validation_failed', /query\.k/],
      ['/recommend/home?userId=u1&k=ten', 400, 'validation_failed', /query\.k/],
      ['/recommend/home?userId=u1&priceMin=10&priceMax=5', 400, 'validation_failed', /query\.priceMin: must be at most filters\.priceMax \(5\), got 10/],
      ['/recommend/home?userId=u1&brands=x,y&excludeBrands=y', 400, 'validation_failed', /query\.excludeBrands: names "y"/],
      ['/recommend/home?userId=u1&priceMin=-1', 400, 'validation_failed', /query\.priceMin/],
      [`/recommend/session?items=${Array.from({ length: 101 }, (_, i) => `x${i}`).join(',')}`, 400, 'validation_failed', /query\.items: at most 100 ids, got 101/],
      ['/recommend/home?user=u1', 400, 'validation_failed', /query\.user: is not a known field/],
    ];
    for (const [url, status, code, message] of cases) {
      const res = await get(url);
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      const error = res.json<{ code: string; message: string }>();
      assert.equal(error.code, code, url);
      assert.match(error.message, message, url);
    }
  });
});

test('a placement whose rules contradict the request is rejected naming the query field', async () => {
  const config = testConfig({ graph: { enabled: false }, placements: { cheap: { channels: [{ id: 'model/pop', quota: 10, weight: 1 }], normalisation: 'minmax', learned: false, deadlineMs: 50, rules: { filters: { priceMax: 20 } }, requires: 'user' } } });
  const store = openStore(config.store);
  await shop(store);
  const app = await buildApp({ store, config });
  const res = await app.inject({ method: 'GET', url: '/recommend/cheap?priceMin=30' });
  assert.equal(res.statusCode, 400);
  assert.match(res.json<{ message: string }>().message, /query\.priceMin: must be at most filters\.priceMax \(20\), got 30/);
  const ok = await app.inject({ method: 'GET', url: '/recommend/cheap?k=3' });
  assert.equal(ok.statusCode, 200, ok.body);
  const data = ok.json<Body>();
  assert.equal(data.fallback?.to, 'popular');
  assert.ok(data.data.length > 0);
  await app.close();
});
