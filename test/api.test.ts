/** The HTTP API, exercised in-process with `inject`. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import { join } from 'node:path';
import { tempDir, testConfig } from './helpers.js';

const WRITE_KEY = 'write-key-0123456789';
const READ_KEY = 'read-key-0123456789';

async function app(flags: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const config = testConfig(flags);
  return buildApp({ store: openStore(config.store), config });
}

describe('items', () => {
  test('upsert, get, list with cursor, delete', async () => {
    const api = await app();
    const items = Array.from({ length: 12 }, (_, i) => ({ id: `sku-${String(i).padStart(2, '0')}`, title: `商品 ${i}`, price: i, categories: ['Home'] }));
    const put = await api.inject({ method: 'POST', url: '/items', payload: { items } });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), { created: 12, updated: 0, unchanged: 0, rejected: [] });
    const again = await api.inject({ method: 'POST', url: '/items', payload: { items } });
    assert.deepEqual(again.json(), { created: 0, updated: 0, unchanged: 12, rejected: [] });

    const one = await api.inject({ method: 'GET', url: '/items/sku-03' });
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().title, '商品 3');
    assert.equal(one.json().available, true);

    const seen: string[] = [];
    let url = '/items?limit=5';
    for (;;) {
      const page = (await api.inject({ method: 'GET', url })).json() as { data: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...page.data.map((i) => i.id));
      if (!page.nextCursor) break;
      url = `/items?limit=5&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    assert.deepEqual(seen, items.map((i) => i.id));

    assert.deepEqual((await api.inject({ method: 'DELETE', url: '/items/sku-03' })).json(), { deleted: 1 });
    assert.equal((await api.inject({ method: 'GET', url: '/items/sku-03' })).json().code, 'item_not_found');
    assert.equal((await api.inject({ method: 'DELETE', url: '/items/sku-03' })).statusCode, 404);
    const batchDelete = await api.inject({ method: 'POST', url: '/items/delete', payload: { ids: ['sku-04', 'sku-05', 'nope'] } });
    assert.deepEqual(batchDelete.json(), { deleted: 2 });
    assert.equal((await api.inject({ method: 'GET', url: '/items?limit=100' })).json().data.length, 9);
  });

  test('ids with slashes and Chinese characters round-trip through the path', async () => {
    const api = await app();
    const id = '衬衫/男款 #1';
    await api.inject({ method: 'POST', url: '/items', payload: { items: [{ id, title: '男款衬衫' }] } });
    const got = await api.inject({ method: 'GET', url: `/items/${encodeURIComponent(id)}` });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().id, id);
  });

  test('a batch stores its valid rows and reports the invalid ones by index and field', async () => {
    const api = await app();
    const res = await api.inject({
      method: 'POST',
      url: '/items',
      payload: { items: [{ id: 'ok-1' }, { id: 'bad', price: -3 }, { id: 'ok-2', title: 'fine' }, { title: 'no id' }] },
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.created, 2);
    assert.deepEqual(body.rejected, [
      { index: 1, id: 'bad', errors: [{ path: '/items/1/price', message: 'must be >= 0' }] },
      { index: 3, errors: [{ path: '/items/3/id', message: 'is required' }] },
    ]);
    assert.equal((await api.inject({ method: 'GET', url: '/items/ok-2' })).statusCode, 200);
  });

  test('atomic=true stores nothing when one row is invalid', async () => {
    const api = await app();
    const res = await api.inject({ method: 'POST', url: '/items?atomic=true', payload: { items: [{ id: 'ok' }, { id: 'bad', price: 'cheap' }] } });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'validation_failed');
    assert.match(body.message, /\/items\/1\/price: must be number, got the string "cheap"/);
    assert.equal(body.details.rejected[0].index, 1);
    assert.equal((await api.inject({ method: 'GET', url: '/items/ok' })).statusCode, 404);
    const fine = await api.inject({ method: 'POST', url: '/items?atomic=true', payload: { items: [{ id: 'ok' }] } });
    assert.equal(fine.json().created, 1);
  });

  test('a batch with no valid row is a 400, and a batch over the limit is refused whole', async () => {
    const api = await app({ server: { maxBatchSize: 3 } });
    const none = await api.inject({ method: 'POST', url: '/items', payload: { items: [{ id: '' }] } });
    assert.equal(none.statusCode, 400);
    assert.match(none.json().message, /\/items\/0\/id: must NOT have fewer than 1 characters/);
    const bigDelete = await api.inject({ method: 'POST', url: '/items/delete', payload: { ids: ['1', '2', '3', '4'] } });
    assert.equal(bigDelete.json().code, 'batch_too_large');
    const big = await api.inject({ method: 'POST', url: '/items', payload: { items: [{ id: '1' }, { id: '2' }, { id: '3' }, { id: '4' }] } });
    assert.equal(big.statusCode, 400);
    assert.equal(big.json().code, 'batch_too_large');
    assert.match(big.json().message, /4 rows is more than the limit of 3/);
    assert.equal((await api.inject({ method: 'GET', url: '/items/1' })).statusCode, 404);
  });
});

describe('users and events', () => {
  test('events are idempotent by id, derived ids make retries safe, and lists filter', async () => {
    const api = await app();
    const events = [
      { id: 'ev-1', userId: 'u1', itemId: 'a', type: 'view', timestamp: '2026-11-01T10:00:00Z' },
      { userId: 'u1', itemId: 'b', type: 'purchase', timestamp: 1_793_000_000_000, context: { recommId: 'r-9', position: 0 } },
      { sessionId: 's-anon', itemId: 'a', type: 'rating', value: 5, timestamp: '2026-11-02T10:00:00+08:00' },
    ];
    const first = await api.inject({ method: 'POST', url: '/events', payload: { events } });
    assert.deepEqual(first.json(), { inserted: 3, duplicates: 0, rejected: [] });
    const retry = await api.inject({ method: 'POST', url: '/events', payload: { events } });
    assert.deepEqual(retry.json(), { inserted: 0, duplicates: 3, rejected: [] });

    const mine = (await api.inject({ method: 'GET', url: '/users/u1/events' })).json();
    assert.deepEqual(mine.data.map((e: { itemId: string }) => e.itemId), ['b', 'a']);
    assert.deepEqual(mine.data[0].context, { recommId: 'r-9', position: 0 });
    const session = (await api.inject({ method: 'GET', url: '/events?sessionId=s-anon' })).json();
    assert.equal(session.data[0].timestamp, '2026-11-02T02:00:00.000Z');
    const since = (await api.inject({ method: 'GET', url: '/events?since=2026-11-01T12:00:00Z&type=rating' })).json();
    assert.equal(since.data.length, 1);
  });

  test('events without id or timestamp are distinct events; with a timestamp, retries are one', async () => {
    const api = await app();
    const view = { userId: 'u1', itemId: 'a', type: 'view' };
    assert.equal((await api.inject({ method: 'POST', url: '/events', payload: { events: [view, view] } })).json().inserted, 2);
    assert.equal((await api.inject({ method: 'POST', url: '/events', payload: { events: [view] } })).json().inserted, 1);
    const impressions = [0, 1].map((position) => ({ ...view, type: 'impression', timestamp: 1_790_000_000_000, context: { recommId: 'r', position } }));
    assert.equal((await api.inject({ method: 'POST', url: '/events', payload: { events: impressions } })).json().inserted, 2);
    assert.equal((await api.inject({ method: 'POST', url: '/events', payload: { events: impressions } })).json().duplicates, 2);
  });

  test('users: upsert, get, list, delete with their events', async () => {
    const api = await app();
    await api.inject({ method: 'POST', url: '/users', payload: { users: [{ id: 'u1', attributes: { segment: 'premium', language: 'zh' } }, { id: 'u2' }] } });
    await api.inject({ method: 'POST', url: '/events', payload: { events: [{ userId: 'u1', itemId: 'a', type: 'view' }] } });
    assert.deepEqual((await api.inject({ method: 'GET', url: '/users/u1' })).json().attributes, { language: 'zh', segment: 'premium' });
    assert.equal((await api.inject({ method: 'GET', url: '/users?limit=1' })).json().nextCursor !== null, true);
    assert.deepEqual((await api.inject({ method: 'DELETE', url: '/users/u1' })).json(), { deleted: 1, events: 1 });
    assert.equal((await api.inject({ method: 'GET', url: '/users/u1' })).json().code, 'user_not_found');
    assert.equal((await api.inject({ method: 'GET', url: '/events' })).json().data.length, 0);
    assert.deepEqual((await api.inject({ method: 'POST', url: '/users/delete', payload: { ids: ['u2'] } })).json(), { deleted: 1, events: 0 });
  });
});

describe('popular and stats', () => {
  test('popular honours window, category, types and availability', async () => {
    const api = await app();
    const now = Date.now();
    await api.inject({
      method: 'POST',
      url: '/items',
      payload: { items: [{ id: 'old', categories: ['A'] }, { id: 'new', categories: ['A'] }, { id: 'other', categories: ['B'] }, { id: 'hidden', available: false }] },
    });
    const at = (days: number) => now - days * 86_400_000;
    await api.inject({
      method: 'POST',
      url: '/events',
      payload: {
        events: [
          ...Array.from({ length: 5 }, (_, i) => ({ userId: `u${i}`, itemId: 'old', type: 'purchase', timestamp: at(30) })),
          { userId: 'u1', itemId: 'new', type: 'view', timestamp: at(1) },
          { userId: 'u1', itemId: 'other', type: 'add_to_cart', timestamp: at(1) },
          { userId: 'u1', itemId: 'hidden', type: 'purchase', timestamp: at(1) },
        ],
      },
    });
    const ids = async (query: string) =>
      ((await api.inject({ method: 'GET', url: `/popular?${query}` })).json().data as Array<{ item: { id: string } }>).map((d) => d.item.id);
    assert.deepEqual(await ids('k=10'), ['old', 'other', 'new']);
    assert.deepEqual(await ids('k=10&window=7d'), ['other', 'new']);
    assert.deepEqual(await ids('k=10&category=A'), ['old', 'new']);
    assert.deepEqual(await ids('k=10&types=view,add_to_cart'), ['other', 'new']);
    const bad = await api.inject({ method: 'GET', url: '/popular?window=7days' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /query.window: must be a duration like 30m, 24h, 7d or 2w/);
    const badType = await api.inject({ method: 'GET', url: '/popular?types=view,zap' });
    assert.match(badType.json().message, /query.types/);
  });

  test('readiness checks the SQLite store and its writer thread', async () => {
    const config = testConfig({ store: `sqlite:${join(tempDir(), 'ready.db')}` });
    const store = openStore(config.store);
    const api = await buildApp({ store, config });
    assert.deepEqual((await api.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready', store: 'sqlite' });
    await api.close();
    await store.close();
  });

  test('stats, health and readiness', async () => {
    const api = await app();
    await api.inject({ method: 'POST', url: '/items', payload: { items: [{ id: 'a' }] } });
    const stats = (await api.inject({ method: 'GET', url: '/stats' })).json();
    assert.equal(stats.items.total, 1);
    assert.equal(stats.backend, 'memory');
    assert.deepEqual((await api.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    assert.deepEqual((await api.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready', store: 'memory' });
  });
});

describe('documentation', () => {
  test('/docs serves the OpenAPI UI and /docs/json the document with every route', async () => {
    const api = await app();
    const ui = await api.inject({ method: 'GET', url: '/docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger-ui/i);
    // The UI's assets are served locally (no CDN): the page works with the network cut.
    const bundle = await api.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(bundle.statusCode, 200);
    assert.ok(bundle.body.length > 100_000);
    const doc = (await api.inject({ method: 'GET', url: '/docs/json' })).json();
    assert.equal(doc.openapi, '3.0.3');
    for (const path of ['/items', '/items/{id}', '/items/delete', '/users', '/users/{id}', '/events', '/users/{id}/events', '/popular', '/stats', '/healthz', '/readyz']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    const itemSchema = doc.paths['/items'].post.requestBody.content['application/json'].schema;
    assert.equal(itemSchema.properties.items.items.properties.price.minimum, 0);
    assert.match(doc.info.description, /validation_failed/);
  });
});

describe('API keys', () => {
  test('writes need the write key, reads take either key, health stays open', async () => {
    const api = await app({ server: { apiKey: WRITE_KEY, readApiKey: READ_KEY } });
    const write = (headers: Record<string, string>) => api.inject({ method: 'POST', url: '/items', headers, payload: { items: [{ id: 'a' }] } });
    const none = await write({});
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'missing_api_key');
    assert.equal((await write({ authorization: 'Bearer wrong-key-000000000' })).json().code, 'invalid_api_key');
    const readOnly = await write({ authorization: `Bearer ${READ_KEY}` });
    assert.equal(readOnly.statusCode, 403);
    assert.equal(readOnly.json().code, 'forbidden');
    assert.equal((await write({ 'x-api-key': WRITE_KEY })).statusCode, 200);
    assert.equal((await api.inject({ method: 'GET', url: '/items/a', headers: { authorization: `Bearer ${READ_KEY}` } })).statusCode, 200);
    assert.equal((await api.inject({ method: 'GET', url: '/items/a' })).statusCode, 401);
    assert.equal((await api.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await api.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200);
  });
});
