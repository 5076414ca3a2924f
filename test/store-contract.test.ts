/**
 * The store contract: every backend must pass the same suite (STYLE.md rule 4). Add a backend by
 * adding a line to BACKENDS.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { DEFAULT_CONFIG } from '../src/core/config.js';
import { ShopfusionError } from '../src/core/errors.js';
import type { EventRecord, ItemInput } from '../src/core/schema.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { tempDir } from './helpers.js';

const BACKENDS: Array<{ name: string; open: () => Store }> = [
  { name: 'memory', open: () => openStore('memory:') },
  { name: 'sqlite', open: () => openStore(`sqlite:${join(tempDir(), 'contract.db')}`) },
];

const T0 = Date.UTC(2026, 0, 1);
const weights = DEFAULT_CONFIG.events.weights;

function event(id: string, fields: Partial<EventRecord> = {}): EventRecord {
  return { id, userId: 'u1', itemId: 'a', type: 'view', timestamp: T0, ...fields };
}

async function all<T>(fetch: (cursor?: string) => Promise<{ data: T[]; nextCursor: string | null }>): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(cursor);
    rows.push(...page.data);
    pages++;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { rows, pages };
}

for (const backend of BACKENDS) {
  describe(`store contract: ${backend.name}`, () => {
    test('an upsert creates, replaces whole, and leaves identical rows untouched', async () => {
      const store = backend.open();
      const full: ItemInput = {
        id: 'sku-1',
        title: '纯棉T恤 Cotton T-shirt',
        categories: ['Women', 'Tops'],
        brand: 'Acme',
        price: 19.5,
        currency: 'EUR',
        attributes: { size: ['S', 'M'], colour: 'red', organic: true, weight: 0.2 },
        tags: ['summer'],
        imageUrl: 'https://img.example.com/1.jpg',
      };
      assert.deepEqual(await store.items.upsert([full], T0), { created: 1, updated: 0, unchanged: 0 });
      const stored = await store.items.get('sku-1');
      assert.ok(stored);
      assert.equal(stored.title, full.title);
      assert.deepEqual(stored.attributes, { colour: 'red', organic: true, size: ['S', 'M'], weight: 0.2 });
      assert.equal(stored.available, true);
      assert.equal(stored.createdAt, new Date(T0).toISOString());

      // Same content, attributes in another order: unchanged, updatedAt stays.
      const reordered = { ...full, attributes: { weight: 0.2, organic: true, colour: 'red', size: ['S', 'M'] } };
      assert.deepEqual(await store.items.upsert([reordered], T0 + 1000), { created: 0, updated: 0, unchanged: 1 });
      assert.equal((await store.items.get('sku-1'))?.updatedAt, new Date(T0).toISOString());

      // A replacement drops the fields it does not carry and keeps createdAt.
      assert.deepEqual(await store.items.upsert([{ id: 'sku-1', title: 'New' }], T0 + 2000), { created: 0, updated: 1, unchanged: 0 });
      const replaced = await store.items.get('sku-1');
      assert.equal(replaced?.title, 'New');
      assert.equal(replaced?.brand, undefined);
      assert.equal(replaced?.createdAt, new Date(T0).toISOString());
      assert.equal(replaced?.updatedAt, new Date(T0 + 2000).toISOString());
      await store.close();
    });

    test('strings that look like SQL are stored literally', async () => {
      const store = backend.open();
      const id = "x'); DROP TABLE items; --";
      await store.items.upsert([{ id, title: "Robert'); DELETE FROM events WHERE ('1'='1" }], T0);
      await store.events.insert([event("e'1", { itemId: id, userId: "u' OR '1'='1" })]);
      assert.equal((await store.items.get(id))?.title, "Robert'); DELETE FROM events WHERE ('1'='1");
      const events = await store.events.list({ limit: 10, userId: "u' OR '1'='1" });
      assert.equal(events.data.length, 1);
      assert.equal(events.data[0]?.itemId, id);
      assert.equal((await store.items.list({ limit: 10 })).data.length, 1);
      await store.close();
    });

    test('lists page through every item once, in id order, with filters', async () => {
      const store = backend.open();
      const items: ItemInput[] = Array.from({ length: 25 }, (_, i) => ({
        id: `i${String(i).padStart(2, '0')}`,
        categories: i % 2 ? ['Home', 'Kitchen'] : ['Home', 'Garden'],
        available: i % 5 !== 0,
      }));
      await store.items.upsert(items, T0);
      const { rows, pages } = await all((cursor) => store.items.list({ limit: 10, cursor }));
      assert.equal(pages, 3);
      assert.deepEqual(rows.map((r) => r.id), items.map((i) => i.id));
      const kitchen = await all((cursor) => store.items.list({ limit: 4, cursor, category: 'Kitchen' }));
      assert.deepEqual(kitchen.rows.map((r) => r.id), items.filter((_, i) => i % 2).map((i) => i.id));
      assert.equal((await all((cursor) => store.items.list({ limit: 100, cursor, category: 'Home' }))).rows.length, 25);
      const hidden = await store.items.list({ limit: 100, available: false });
      assert.deepEqual(hidden.data.map((r) => r.id), ['i00', 'i05', 'i10', 'i15', 'i20']);
      await assert.rejects(store.items.list({ limit: 10, cursor: 'not-a-cursor' }), (e: unknown) => e instanceof ShopfusionError && e.code === 'invalid_cursor');
      await store.close();
    });

    test('deleted items are gone from get, list and popular; their events stay', async () => {
      const store = backend.open();
      await store.items.upsert([{ id: 'a' }, { id: 'b' }], T0);
      await store.events.insert([event('e1', { itemId: 'a', type: 'purchase' }), event('e2', { itemId: 'b' })]);
      assert.equal(await store.items.delete(['a', 'missing']), 1);
      assert.equal(await store.items.get('a'), undefined);
      assert.deepEqual((await store.items.list({ limit: 10 })).data.map((i) => i.id), ['b']);
      assert.deepEqual((await store.popular({ k: 10, weights })).map((p) => p.item.id), ['b']);
      assert.equal((await store.events.list({ limit: 10, itemId: 'a' })).data.length, 1);
      assert.deepEqual(await store.items.existing(['a', 'b']), new Set(['b']));
      await store.items.upsert([{ id: 'c', available: false }], T0);
      assert.deepEqual(await store.items.available(['a', 'b', 'c']), new Set(['b']));
      await store.close();
    });

    test('events are stored once per id and listed with filters, both orders and cursors', async () => {
      const store = backend.open();
      const batch = [
        event('e1', { type: 'view', timestamp: T0 }),
        event('e2', { type: 'click', timestamp: T0 + 10, sessionId: 's1', context: { recommId: 'r1', position: 2 } }),
        event('e3', { type: 'rating', value: 4.5, userId: 'u2', timestamp: T0 + 20 }),
        event('e4', { type: 'purchase', userId: undefined, sessionId: 's2', itemId: 'b', timestamp: T0 + 30 }),
      ];
      assert.deepEqual(await store.events.insert(batch), { inserted: 4, duplicates: 0 });
      assert.deepEqual(await store.events.insert([batch[0] as EventRecord, event('e5')]), { inserted: 1, duplicates: 1 });
      const everything = await all((cursor) => store.events.list({ limit: 2, cursor }));
      assert.equal(everything.pages, 3);
      assert.deepEqual(everything.rows.map((e) => e.id), ['e1', 'e2', 'e3', 'e4', 'e5']);
      const newest = await all((cursor) => store.events.list({ limit: 3, cursor, order: 'desc' }));
      assert.deepEqual(newest.rows.map((e) => e.id), ['e5', 'e4', 'e3', 'e2', 'e1']);
      const e2 = (await store.events.list({ limit: 10, sessionId: 's1' })).data;
      assert.deepEqual(e2, [
        { id: 'e2', userId: 'u1', sessionId: 's1', itemId: 'a', type: 'click', timestamp: new Date(T0 + 10).toISOString(), context: { recommId: 'r1', position: 2 } },
      ]);
      assert.equal((await store.events.list({ limit: 10, userId: 'u2' })).data[0]?.value, 4.5);
      assert.deepEqual((await store.events.list({ limit: 10, type: 'purchase' })).data.map((e) => e.id), ['e4']);
      assert.deepEqual((await store.events.list({ limit: 10, itemId: 'b' })).data.map((e) => e.id), ['e4']);
      assert.deepEqual((await store.events.list({ limit: 10, since: T0 + 10, until: T0 + 30 })).data.map((e) => e.id), ['e2', 'e3']);
      await store.close();
    });

    test('scan returns every event once, in the order received, in batches', async () => {
      const store = backend.open();
      const events = Array.from({ length: 25 }, (_, i) => event(`s${i}`, { timestamp: T0 + (i % 3), value: i % 2 ? 4 : undefined }));
      await store.events.insert(events);
      const batches: EventRecord[][] = [];
      for await (const batch of store.events.scan(10)) batches.push(batch);
      assert.deepEqual(batches.map((b) => b.length), [10, 10, 5]);
      assert.deepEqual(batches.flat().map((e) => [e.id, e.timestamp, e.value]), events.map((e) => [e.id, e.timestamp, e.value]));
      await store.close();
    });

    test('deleting a user removes the user and all of their events', async () => {
      const store = backend.open();
      await store.users.upsert([{ id: 'u1', attributes: { segment: 'premium' } }, { id: 'u2' }], T0);
      await store.events.insert([event('e1'), event('e2', { userId: 'u2' }), event('e3')]);
      assert.deepEqual(await store.users.delete(['u1']), { users: 1, events: 2 });
      assert.equal(await store.users.get('u1'), undefined);
      assert.deepEqual((await store.events.list({ limit: 10 })).data.map((e) => e.id), ['e2']);
      // The id of a deleted event may be used again.
      assert.deepEqual(await store.events.insert([event('e1', { userId: 'u3' })]), { inserted: 1, duplicates: 0 });
      await store.close();
    });

    test('an event cursor never skips events added after deletes', async () => {
      const store = backend.open();
      await store.events.insert([event('a', { userId: 'keep' }), event('b', { userId: 'gone' }), event('c', { userId: 'gone' })]);
      const first = await store.events.list({ limit: 1 });
      await store.users.delete(['gone']);
      await store.events.insert([event('new', { userId: 'keep' })]);
      const rest = await store.events.list({ limit: 10, cursor: first.nextCursor ?? undefined });
      assert.deepEqual(rest.data.map((e) => e.id), ['new']);
      await store.close();
    });

    test('users upsert idempotently and page in id order', async () => {
      const store = backend.open();
      const users = Array.from({ length: 7 }, (_, i) => ({ id: `user-${i}`, attributes: { n: i } }));
      assert.deepEqual(await store.users.upsert(users, T0), { created: 7, updated: 0, unchanged: 0 });
      assert.deepEqual(await store.users.upsert(users, T0 + 5), { created: 0, updated: 0, unchanged: 7 });
      assert.deepEqual(await store.users.upsert([{ id: 'user-3', attributes: { n: 30 } }], T0 + 5), { created: 0, updated: 1, unchanged: 0 });
      const { rows, pages } = await all((cursor) => store.users.list({ limit: 3, cursor }));
      assert.equal(pages, 3);
      assert.deepEqual(rows.map((u) => u.attributes?.n), [0, 1, 2, 30, 4, 5, 6]);
      assert.deepEqual(await store.users.existing(['user-1', 'nobody']), new Set(['user-1']));
      await store.close();
    });

    test('popular ranks available items by weighted counts, within a window and category', async () => {
      const store = backend.open();
      await store.items.upsert(
        [
          { id: 'a', categories: ['Shoes', 'Running'] },
          { id: 'b', categories: ['Shoes', 'Hiking'] },
          { id: 'c', categories: ['Bags'] },
          { id: 'd', categories: ['Bags'], available: false },
        ],
        T0,
      );
      await store.events.insert([
        event('1', { itemId: 'a', type: 'view', timestamp: T0 }),
        event('2', { itemId: 'a', type: 'view', timestamp: T0 }),
        event('3', { itemId: 'b', type: 'purchase', timestamp: T0 + 100 }),
        event('4', { itemId: 'c', type: 'click', timestamp: T0 + 200 }),
        event('5', { itemId: 'd', type: 'purchase', timestamp: T0 + 200 }),
        event('6', { itemId: 'c', type: 'impression', timestamp: T0 + 200 }),
        event('7', { itemId: 'ghost', type: 'purchase', timestamp: T0 + 200 }),
      ]);
      const ranked = await store.popular({ k: 10, weights });
      assert.deepEqual(ranked.map((p) => [p.item.id, p.score, p.events]), [['b', 8, 1], ['a', 2, 2], ['c', 2, 1]]);
      assert.deepEqual((await store.popular({ k: 1, weights })).map((p) => p.item.id), ['b']);
      assert.deepEqual((await store.popular({ k: 10, weights, category: 'Shoes' })).map((p) => p.item.id), ['b', 'a']);
      assert.deepEqual((await store.popular({ k: 10, weights, since: T0 + 100, until: T0 + 150 })).map((p) => p.item.id), ['b']);
      assert.deepEqual((await store.popular({ k: 10, weights, types: ['view'] })).map((p) => p.item.id), ['a']);
      await store.close();
    });

    test('triples are stored once and listed by head', async () => {
      const store = backend.open();
      const t = (head: string, relation: string, tail: string) => ({ head, relation, tail });
      assert.deepEqual(await store.triples.insert([t('m1', 'film.actor', 'p1'), t('m1', 'film.genre', 'g1'), t('m2', 'film.actor', 'p1')], 'kg'), {
        inserted: 3,
        duplicates: 0,
      });
      assert.deepEqual(await store.triples.insert([t('m1', 'film.actor', 'p1')], 'kg'), { inserted: 0, duplicates: 1 });
      assert.deepEqual((await store.triples.list({ limit: 10, head: 'm1' })).data, [t('m1', 'film.actor', 'p1'), t('m1', 'film.genre', 'g1')]);
      const { rows, pages } = await all((cursor) => store.triples.list({ limit: 2, cursor }));
      assert.equal(pages, 2);
      assert.equal(rows.length, 3);
      await store.close();
    });

    test('vectors are kept per embedder, replaced by item, scanned whole, and go with their item', async () => {
      const store = backend.open();
      await store.items.upsert([{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }, { id: 'c', title: 'C' }], T0);
      const v = (...xs: number[]) => Float32Array.from(xs);
      assert.equal(
        await store.vectors.put('enc-1', [
          { itemId: 'a', textHash: 'h-a', vector: v(1, 0, 0) },
          { itemId: 'b', textHash: 'h-b', vector: v(0, 1, 0) },
        ]),
        2,
      );
      await store.vectors.put('enc-2', [{ itemId: 'a', textHash: 'h-a', vector: v(0.5, 0.5) }]);
      // Replacing one item's vector leaves the other embedder's untouched.
      await store.vectors.put('enc-1', [{ itemId: 'a', textHash: 'h-a2', vector: v(0, 0, 1) }]);
      assert.deepEqual(await store.vectors.hashes('enc-1'), new Map([['a', 'h-a2'], ['b', 'h-b']]));
      assert.deepEqual(await store.vectors.hashes('enc-1', ['b', 'c', 'b']), new Map([['b', 'h-b']]));
      const got = await store.vectors.get('enc-1', ['a', 'b', 'missing']);
      assert.deepEqual([...got.keys()].sort(), ['a', 'b']);
      assert.deepEqual([...(got.get('a') as Float32Array)], [0, 0, 1]);
      assert.deepEqual([...((await store.vectors.get('enc-2', ['a'])).get('a') as Float32Array)], [0.5, 0.5]);
      const scanned: string[] = [];
      for await (const batch of store.vectors.scan('enc-1', 1)) for (const r of batch) scanned.push(`${r.itemId}:${r.textHash}:${r.vector.length}`);
      assert.deepEqual(scanned, ['a:h-a2:3', 'b:h-b:3']);
      assert.deepEqual(await store.vectors.counts(), [
        { embedder: 'enc-1', vectors: 2, dimensions: 3 },
        { embedder: 'enc-2', vectors: 1, dimensions: 2 },
      ]);
      // Deleting an item deletes its vectors under every embedder.
      await store.items.delete(['a']);
      assert.deepEqual([...(await store.vectors.hashes('enc-1')).keys()], ['b']);
      assert.equal((await store.vectors.hashes('enc-2')).size, 0);
      assert.equal(await store.vectors.delete('enc-1', ['b', 'zz']), 1);
      await store.vectors.put('enc-1', [{ itemId: 'c', textHash: 'h-c', vector: v(1, 1, 1) }]);
      assert.equal(await store.vectors.drop('enc-1'), 1);
      assert.deepEqual(await store.vectors.counts(), []);
      await store.close();
    });

    test('stats count what the store holds', async () => {
      const store = backend.open();
      assert.equal(await store.isEmpty(), true);
      await store.items.upsert([{ id: 'a' }, { id: 'b', available: false }], T0);
      await store.users.upsert([{ id: 'u1' }], T0);
      await store.events.insert([event('1'), event('2', { type: 'purchase', itemId: 'zz', userId: undefined, sessionId: 's' })]);
      assert.equal(await store.isEmpty(), false);
      const stats = await store.stats();
      assert.deepEqual(stats.items, { total: 2, available: 1 });
      assert.equal(stats.users, 1);
      assert.equal(stats.events.total, 2);
      assert.deepEqual(stats.events.byType, { view: 1, purchase: 1 });
      assert.equal(stats.events.distinctUsers, 1);
      assert.equal(stats.events.distinctSessions, 1);
      assert.equal(stats.events.unknownItems, 1);
      assert.equal(stats.events.first, new Date(T0).toISOString());
      await store.close();
    });
  });
}

test('sqlite: what was written is there after the store is closed and opened again', async () => {
  const file = join(tempDir(), 'reopen.db');
  const first = openStore(`sqlite:${file}`);
  await first.items.upsert([{ id: '商品-1', title: '蓝牙耳机 Bluetooth headphones' }], T0);
  await first.events.insert([event('e1', { itemId: '商品-1' })]);
  await first.close();
  const second = openStore(`sqlite:${file}`);
  assert.equal((await second.items.get('商品-1'))?.title, '蓝牙耳机 Bluetooth headphones');
  assert.deepEqual(await second.events.insert([event('e1', { itemId: '商品-1' })]), { inserted: 0, duplicates: 1 });
  await second.close();
});

test('sqlite: a SQLite file that is not a Shopfusion store is refused, not altered', () => {
  const file = join(tempDir(), 'foreign.db');
  const foreign = new Database(file);
  foreign.exec('CREATE TABLE events (x TEXT)');
  foreign.close();
  assert.throws(() => openStore(`sqlite:${file}`), /is a SQLite file but not a Shopfusion store/);
});

test('openStore names the schemes it supports', () => {
  assert.throws(() => openStore('postgres://localhost/shop'), /use one of: sqlite:<path>, memory:/);
});
