/**
 * Bad input gets a clear 4xx — `{ code, message, details? }` naming the field — and never changes
 * or loses what was stored before it.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { testConfig } from './helpers.js';

let api: FastifyInstance;
let store: Store;
const STORED_ITEM = { id: 'keep', title: 'Kept item', price: 10 };

before(async () => {
  const config = testConfig({ server: { bodyLimitBytes: 1024 * 1024 } });
  store = openStore(config.store);
  api = await buildApp({ store, config });
  await api.inject({ method: 'POST', url: '/items', payload: { items: [STORED_ITEM] } });
  await api.inject({ method: 'POST', url: '/events', payload: { events: [{ id: 'e-keep', userId: 'u', itemId: 'keep', type: 'view' }] } });
});

async function post(url: string, payload: string | Buffer | object, contentType = 'application/json') {
  const res = await api.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });
  return { status: res.statusCode, body: res.json() as { code: string; message: string; details?: unknown; rejected?: Array<{ errors: Array<{ path: string; message: string }> }> } };
}

/** The one row's errors of a partially accepted or rejected batch. */
function rowErrors(body: Awaited<ReturnType<typeof post>>['body']) {
  const rejected = body.rejected ?? (body.details as { rejected: NonNullable<typeof body.rejected> }).rejected;
  return rejected.flatMap((r) => r.errors);
}

describe('bad input', () => {
  test('malformed JSON', async () => {
    const { status, body } = await post('/items', '{"items": [{"id": "x",}]}');
    assert.equal(status, 400);
    assert.equal(body.code, 'invalid_json');
    assert.match(body.message, /not valid JSON/);
  });

  test('an empty body and a body that is not JSON', async () => {
    assert.equal((await post('/items', '')).body.code, 'invalid_json');
    const text = await post('/items', 'items=1', 'text/plain');
    assert.equal(text.status, 415);
    assert.equal(text.body.code, 'unsupported_media_type');
  });

  test('wrong types name the field, what is expected and what came', async () => {
    const { status, body } = await post('/items', { items: [{ id: 42, price: '12', available: 'yes' }] });
    assert.equal(status, 400);
    assert.equal(body.code, 'validation_failed');
    assert.deepEqual(rowErrors(body), [
      { path: '/items/0/id', message: 'must be string, got number 42' },
      { path: '/items/0/price', message: 'must be number, got the string "12"' },
      { path: '/items/0/available', message: 'must be boolean, got the string "yes"' },
    ]);
  });

  test('missing ids, and an envelope without its rows', async () => {
    const missing = await post('/items', { items: [{ title: 'no id' }] });
    assert.deepEqual(rowErrors(missing.body), [{ path: '/items/0/id', message: 'is required' }]);
    const envelope = await post('/items', [{ id: 'a' }]);
    assert.equal(envelope.status, 400);
    assert.match(envelope.body.message, /must be object/);
    const noRows = await post('/events', { items: [] });
    assert.match(noRows.body.message, /\/events: is required/);
  });

  test('negative prices and malformed currency, URL and dates', async () => {
    const { body } = await post('/items', { items: [{ id: 'p', price: -0.01, currency: 'euro', imageUrl: 'javascript:alert(1)', createdAt: 'yesterday' }] });
    const errors = rowErrors(body);
    assert.deepEqual(errors.map((e) => e.path), ['/items/0/price', '/items/0/currency', '/items/0/imageUrl', '/items/0/createdAt']);
    assert.equal(errors[0]?.message, 'must be >= 0');
    assert.match(errors[1]?.message ?? '', /three-letter ISO 4217 code/);
    assert.match(errors[3]?.message ?? '', /ISO 8601 date-time/);
  });

  test('unknown event type, missing actor, rating without value, future timestamp', async () => {
    const { status, body } = await post('/events', {
      events: [
        { userId: 'u', itemId: 'keep', type: 'wishlist' },
        { itemId: 'keep', type: 'view' },
        { userId: 'u', itemId: 'keep', type: 'rating' },
        { userId: 'u', itemId: 'keep', type: 'view', timestamp: Date.now() + 7 * 86_400_000 },
      ],
    });
    assert.equal(status, 400);
    assert.deepEqual(rowErrors(body), [
      { path: '/events/0/type', message: 'must be one of view, click, add_to_cart, purchase, rating, like, dislike, search_click, impression; got the string "wishlist"' },
      { path: '/events/1', message: 'needs userId or sessionId' },
      { path: '/events/2/value', message: 'is required when type is "rating"' },
      { path: '/events/3/timestamp', message: 'must not be more than 24 hours in the future' },
    ]);
  });

  test('unknown fields are rejected and the allowed ones listed', async () => {
    const { body } = await post('/items', { items: [{ id: 'u', colour: 'red' }] });
    const [error] = rowErrors(body);
    assert.equal(error?.path, '/items/0/colour');
    assert.match(error?.message ?? '', /is not a known field; allowed fields: id, title, description, categories, brand, price, currency, attributes/);
    const envelope = await post('/items', { items: [], dryRun: true });
    assert.match(envelope.body.message, /\/dryRun: is not a known field/);
    const context = await post('/events', { events: [{ userId: 'u', itemId: 'keep', type: 'click', context: { recomId: 'r' } }] });
    assert.equal(rowErrors(context.body)[0]?.path, '/events/0/context/recomId');
    const query = await api.inject({ method: 'GET', url: '/items?limt=5' });
    assert.equal(query.statusCode, 400);
    assert.match(query.json().message, /query.limt: is not a known field/);
  });

  test('an oversized body is refused with 413; a 10 MB title never reaches the store', async () => {
    const title = 'x'.repeat(10 * 1024 * 1024);
    const { status, body } = await post('/items', JSON.stringify({ items: [{ id: 'huge', title }] }));
    assert.equal(status, 413);
    assert.equal(body.code, 'payload_too_large');
    assert.match(body.message, /larger than the limit of 1048576 bytes/);
    // Under the body limit, the title limit speaks.
    const long = await post('/items', { items: [{ id: 'long', title: 'y'.repeat(5000) }] });
    assert.deepEqual(rowErrors(long.body), [{ path: '/items/0/title', message: 'must be at most 2000 characters, got 5000' }]);
    assert.equal((await api.inject({ method: 'GET', url: '/items/huge' })).statusCode, 404);
  });

  test('invalid UTF-8 is refused, not silently replaced', async () => {
    const bytes = Buffer.concat([Buffer.from('{"items":[{"id":"bad","title":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]}')]);
    const { status, body } = await post('/items', bytes);
    assert.equal(status, 400);
    assert.equal(body.code, 'invalid_encoding');
    assert.equal((await api.inject({ method: 'GET', url: '/items/bad' })).statusCode, 404);
  });

  test('ids with control characters and bad cursors', async () => {
    const { body } = await post('/items', { items: [{ id: 'tab\there' }] });
    assert.match(rowErrors(body)[0]?.message ?? '', /without control characters/);
    const cursor = await api.inject({ method: 'GET', url: '/items?cursor=bm90LWEtY3Vyc29y' });
    assert.equal(cursor.statusCode, 400);
    assert.equal(cursor.json().code, 'invalid_cursor');
  });

  test('strings that look like SQL or markup are stored and returned literally', async () => {
    const id = "1; DROP TABLE items; --";
    const title = "Robert'); DELETE FROM events; -- <script>alert(1)</script>";
    const put = await post('/items', { items: [{ id, title }] });
    assert.equal(put.status, 200);
    const got = await api.inject({ method: 'GET', url: `/items/${encodeURIComponent(id)}` });
    assert.equal(got.json().title, title);
    await api.inject({ method: 'DELETE', url: `/items/${encodeURIComponent(id)}` });
  });

  test('numbers JSON cannot hold, unparseable times and prototype keys are refused', async () => {
    const body = '{"items":[{"id":"n","price":1e999,"attributes":{"__proto__":"x","w":1e999},"createdAt":"2016-12-31T23:59:60Z"}]}';
    const { status, body: res } = await post('/items', body);
    assert.equal(status, 400);
    assert.deepEqual(rowErrors(res).map((e) => [e.path, e.message.split(';')[0]]), [
      ['/items/0/price', 'must be a finite number, got Infinity'],
      ['/items/0/attributes/__proto__', 'is not an allowed name'],
      ['/items/0/attributes/w', 'must be a string (at most 1000 characters), a finite number, a boolean or a list of strings'],
      ['/items/0/createdAt', 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-29T10:00:00Z'],
    ]);
    const since = await api.inject({ method: 'GET', url: '/popular?since=2016-12-31T23:59:60Z' });
    assert.equal(since.statusCode, 400);
    const window = await api.inject({ method: 'GET', url: '/popular?window=999999999w' });
    assert.equal(window.statusCode, 400);
    assert.match(window.json().message, /query.window: must be at most 100 years/);
  });

  test('long ids work in paths; malformed URLs get a catalog error', async () => {
    const id = `長い-${'x'.repeat(250)}`;
    assert.equal((await post('/items', { items: [{ id }] })).status, 200);
    const got = await api.inject({ method: 'GET', url: `/items/${encodeURIComponent(id)}` });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().id, id);
    assert.equal((await api.inject({ method: 'DELETE', url: `/items/${encodeURIComponent(id)}` })).statusCode, 200);
    const bad = await api.inject({ method: 'GET', url: '/items/%E0%A4%A' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'invalid_url');
  });

  test('routes without parameters refuse unknown query parameters', async () => {
    for (const url of ['/stats?verbose=1', '/items/keep?fields=title', '/healthz?x=1']) {
      const res = await api.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 400, url);
      assert.match(res.json().message, /is not a known field/);
    }
  });

  test('unknown routes answer 404 in the same error format', async () => {
    const res = await api.inject({ method: 'GET', url: '/itemz' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(Object.keys(res.json()), ['code', 'message']);
    assert.equal(res.json().code, 'route_not_found');
  });

  test('none of the above changed what was stored before', async () => {
    const item = await store.items.get('keep');
    assert.equal(item?.title, STORED_ITEM.title);
    assert.equal(item?.price, STORED_ITEM.price);
    const stats = await store.stats();
    assert.equal(stats.events.total, 1);
    assert.deepEqual((await store.items.list({ limit: 100 })).data.map((i) => i.id), ['keep']);
  });
});

describe('events for items not in the catalog', () => {
  test('are stored by default (the catalog may lag behind the events)', async () => {
    const config = testConfig();
    const app = await buildApp({ store: openStore(config.store), config });
    const res = await app.inject({ method: 'POST', url: '/events', payload: { events: [{ userId: 'u', itemId: 'later', type: 'view' }] } });
    assert.deepEqual(res.json(), { inserted: 1, duplicates: 0, rejected: [] });
    assert.equal((await app.inject({ method: 'GET', url: '/stats' })).json().events.unknownItems, 1);
  });

  test('are rejected row by row with events.unknownItems = "reject"', async () => {
    const config = testConfig({ events: { unknownItems: 'reject' } });
    const app = await buildApp({ store: openStore(config.store), config });
    await app.inject({ method: 'POST', url: '/items', payload: { items: [{ id: 'known' }] } });
    const res = await app.inject({
      method: 'POST',
      url: '/events',
      payload: { events: [{ userId: 'u', itemId: 'known', type: 'view' }, { userId: 'u', itemId: 'ghost', type: 'view' }] },
    });
    assert.equal(res.json().inserted, 1);
    assert.deepEqual(res.json().rejected[0].errors, [
      { path: '/events/1/itemId', message: 'unknown item "ghost"; upsert the item first (events.unknownItems is "reject")' },
    ]);
  });
});
