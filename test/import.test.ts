/** Importers: small fixtures for every format, then the real datasets where they are present. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ShopfusionError } from '../src/core/errors.js';
import { runImport } from '../src/ingest/run-import.js';
import { SEQUENCE_EPOCH } from '../src/ingest/importers/recbole.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { DATASETS, needsDataset, tempDir } from './helpers.js';

function files(contents: Record<string, string | Buffer>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(contents)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function run(format: string, path: string, store: Store = openStore('memory:'), extra: Record<string, unknown> = {}) {
  const summary = await runImport({ format, path, store, policy: { unknownItems: 'accept' }, batchSize: 3, ...extra });
  return { summary, store };
}

describe('jsonl', () => {
  test('items, users and events from a folder; bad lines reported with their numbers', async () => {
    const dir = files({
      'events.jsonl': [
        JSON.stringify({ id: 'e1', userId: 'u1', itemId: 'a', type: 'view', timestamp: '2026-01-01T00:00:00Z' }),
        '{not json',
        JSON.stringify({ id: 'e2', userId: 'u1', itemId: 'a', type: 'teleport' }),
        '',
        JSON.stringify({ id: 'e3', sessionId: 's', itemId: 'b', type: 'purchase', timestamp: 1_767_225_600_000 }),
      ].join('\n'),
      'items.jsonl': [JSON.stringify({ id: 'a', title: '连衣裙 Dress' }), JSON.stringify({ id: 'b', price: -1 })].join('\n'),
      'users.jsonl': JSON.stringify({ id: 'u1', attributes: { language: 'zh' } }),
    });
    const { summary, store } = await run('jsonl', dir);
    assert.deepEqual(summary.read, { items: 2, users: 1, events: 3, triples: 0 });
    assert.deepEqual(summary.stored, { items: 1, users: 1, events: 2, triples: 0 });
    assert.equal(summary.rejected, 3);
    assert.deepEqual(
      summary.rejections.map((r) => [r.file, r.line, r.errors[0]?.path]),
      [
        ['items.jsonl', 2, '/price'],
        ['events.jsonl', 2, ''],
        ['events.jsonl', 3, '/type'],
      ],
    );
    assert.equal((await store.items.get('a'))?.title, '连衣裙 Dress');
    // A second run stores nothing new.
    const again = await run('jsonl', dir, store);
    assert.equal(again.summary.stored.events, 0);
    assert.equal(again.summary.duplicates, 2);
    assert.equal(again.summary.unchanged, 2);
  });

  test('a file whose name does not say what it holds needs --entity', async () => {
    const dir = files({ 'dump.jsonl': JSON.stringify({ id: 'x' }) });
    await assert.rejects(run('jsonl', join(dir, 'dump.jsonl')), /cannot tell whether dump.jsonl holds items, users or events/);
    const { summary } = await run('jsonl', join(dir, 'dump.jsonl'), undefined, { entity: 'items' });
    assert.equal(summary.stored.items, 1);
  });
});

describe('csv', () => {
  test('columns map to fields, nested attributes and context, quoted cells and bad rows', async () => {
    const dir = files({
      'items.csv': 'id,title,categories,price,tags,attributes.colour,attributes.size,available\n' +
        'sku-1,"Mug, large","Home > Kitchen > Mugs",9.5,gift|ceramic,blue,S|M,true\n' +
        'sku-2,Plate,Home,abc,,,,false\n' +
        'sku-3,Short row\n',
      'events.csv': 'userId,itemId,type,timestamp,context.position,context.recommId\nu1,sku-1,click,1767225600000,3,r1\n',
    });
    const { summary, store } = await run('csv', dir);
    assert.equal(summary.stored.items, 1);
    assert.deepEqual(summary.rejections.map((r) => [r.file, r.line]), [['items.csv', 3], ['items.csv', 4]]);
    assert.match(summary.rejections[0]?.errors[0]?.message ?? '', /must be number/);
    const item = await store.items.get('sku-1');
    assert.deepEqual(item?.categories, ['Home', 'Kitchen', 'Mugs']);
    assert.equal(item?.title, 'Mug, large');
    assert.deepEqual(item?.attributes, { colour: 'blue', size: ['S', 'M'] });
    assert.deepEqual(item?.tags, ['gift', 'ceramic']);
    const [event] = (await store.events.list({ limit: 10 })).data;
    assert.deepEqual(event?.context, { position: 3, recommId: 'r1' });
    assert.equal(event?.timestamp, '2026-01-01T00:00:00.000Z');
  });

  test('other people\'s files: renamed and dropped columns, header-less text, ids derived from a field', async () => {
    const dir = files({
      'products.tsv': 'product_uid\tproduct_title\tnoise\n100001\tSimpson "Strong-Tie" 12-Gauge Angle\tx\n',
      'titles.txt': '手机三脚架 蓝牙遥控\n牛皮纸袋手提袋\n手机三脚架 蓝牙遥控\n',
    });
    const store = openStore('memory:');
    const products = await run('csv', join(dir, 'products.tsv'), store, { entity: 'items', map: { product_uid: 'id', product_title: 'title', noise: '' } });
    assert.equal(products.summary.stored.items, 1);
    assert.equal((await store.items.get('100001'))?.title, 'Simpson "Strong-Tie" 12-Gauge Angle');
    const titles = await run('csv', join(dir, 'titles.txt'), store, { entity: 'items', columns: ['title'], idFrom: 'title' });
    assert.deepEqual([titles.summary.stored.items, titles.summary.unchanged], [2, 1]);
    const chinese = (await store.items.list({ limit: 10 })).data.filter((i) => i.id.startsWith('title:'));
    assert.deepEqual(chinese.map((i) => i.title).sort(), ['手机三脚架 蓝牙遥控', '牛皮纸袋手提袋']);
    await assert.rejects(run('csv', join(dir, 'titles.txt'), store, { entity: 'items', columns: ['title'], idFrom: 'name' }), /--id-from name names no column/);
  });

  test('an unknown column in any file stops the import before anything is written', async () => {
    const dir = files({ 'items.csv': 'id,title\na,Fine\n', 'events.csv': 'userId,itemId,type,colour\nu,a,view,red\n' });
    const store = openStore('memory:');
    await assert.rejects(run('csv', dir, store), /unknown column\(s\) colour for events; allowed: id, userId/);
    assert.equal(await store.isEmpty(), true);
  });

  test('attribute names that JavaScript would swallow are reported, not dropped', async () => {
    const dir = files({ 'items.csv': 'id,attributes.__proto__,attributes.colour\na,x,red\n' });
    const { summary } = await run('csv', dir);
    assert.deepEqual(summary.rejections[0]?.errors, [{ path: '/attributes/__proto__', message: 'is not an allowed name' }]);
  });

  test('a file that cannot be read is an import error, not a crash', async () => {
    // Reading /proc/self/mem from offset 0 fails with EIO on Linux.
    for (const format of ['csv', 'jsonl']) {
      await assert.rejects(run(format, '/proc/self/mem', undefined, { entity: 'items' }), (e: unknown) => e instanceof ShopfusionError && e.code === 'import_failed' && /cannot read/.test(e.message));
    }
    await assert.rejects(run('csv', join(tempDir(), 'missing.csv'), undefined, { entity: 'items' }), /does not exist/);
  });
});

describe('research formats (fixtures)', () => {
  test('movielens: latin1 titles, genres, users and ratings', async () => {
    const genres = ['unknown', 'Action', 'Comedy'];
    const dir = files({
      'u.genre': genres.map((g, i) => `${g}|${i}`).join('\n'),
      'u.item': Buffer.from('1|Amélie (2001)|01-Jan-2001||http://x|0|0|1\n2|Heat (1995)|15-Dec-1995||http://y|0|1|0\n', 'latin1'),
      'u.user': '1|24|M|technician|85711\n',
      'u.data': '1\t1\t5\t881250949\n1\t2\t3\t881250950\n',
    });
    const { summary, store } = await run('movielens', dir);
    assert.deepEqual(summary.stored, { items: 2, users: 1, events: 2, triples: 0 });
    const item = await store.items.get('1');
    assert.equal(item?.title, 'Amélie (2001)');
    assert.deepEqual(item?.tags, ['Comedy']);
    assert.equal(item?.createdAt, '2001-01-01T00:00:00.000Z');
    assert.deepEqual((await store.users.get('1'))?.attributes, { age: 24, gender: 'M', occupation: 'technician', zip: '85711' });
    const events = (await store.events.list({ limit: 10 })).data;
    assert.deepEqual(events.map((e) => [e.itemId, e.type, e.value, e.timestamp]), [
      ['1', 'rating', 5, new Date(881250949000).toISOString()],
      ['2', 'rating', 3, new Date(881250950000).toISOString()],
    ]);
  });

  test('recbole: item attributes, text, kg and link triples, sequence splits mapped back to tokens', async () => {
    const dir = files({
      'shop.item2index': 'ASIN-A\t0\nASIN-B\t1\nASIN-C\t2\n',
      'shop.user2index': 'USER-X\t0\n',
      'shop.text': 'item_id:token\ttext:token_seq\nASIN-A\tAcme Glue 50 ml. Tools Adhesives. Acme. \nASIN-B\tPlain text\n',
      'shop.train.inter': 'user_id:token\titem_id_list:token_seq\titem_id:token\n0\t0\t1\n',
      'shop.valid.inter': 'user_id:token\titem_id_list:token_seq\titem_id:token\n0\t0 1\t2\n',
      'shop.test.inter': 'user_id:token\titem_id_list:token_seq\titem_id:token\n0\t0 1 2\t0\n',
      'shop.kg': 'head_id:token\trelation_id:token\ttail_id:token\nm.1\tfilm.actor\tm.2\n',
      'shop.link': 'item_id:token\tentity_id:token\n0\tm.1\n',
    });
    const { summary, store } = await run('recbole', dir);
    assert.deepEqual(summary.stored, { items: 3, users: 1, events: 4, triples: 2 });
    const a = await store.items.get('ASIN-A');
    assert.equal(a?.title, 'Acme Glue 50 ml');
    assert.equal(a?.brand, 'Acme');
    assert.equal(a?.description, 'Acme Glue 50 ml. Tools Adhesives. Acme.');
    assert.equal((await store.items.get('ASIN-B'))?.title, 'Plain text');
    const events = (await store.events.list({ limit: 10, userId: 'USER-X' })).data;
    assert.deepEqual(events.map((e) => e.itemId), ['ASIN-A', 'ASIN-B', 'ASIN-C', 'ASIN-A']);
    assert.deepEqual(events.map((e) => Date.parse(e.timestamp) - SEQUENCE_EPOCH), [0, 3_600_000, 7_200_000, 10_800_000]);
    assert.deepEqual((await store.triples.list({ limit: 10, head: 'item:ASIN-A' })).data, [{ head: 'item:ASIN-A', relation: 'same_as', tail: 'm.1' }]);
  });

  test('s3rec: sequences in order and attribute ids; items without attributes still exist', async () => {
    const dir = files({ 'Toy.txt': '1 10 11\n2 11 12 10\n', 'Toy_item2attributes.json': '{"10": [1, 2], "11": [3]}' });
    const { summary, store } = await run('s3rec', dir);
    assert.deepEqual(summary.stored, { items: 3, users: 2, events: 5, triples: 0 });
    assert.deepEqual((await store.items.get('10'))?.attributes, { attributeIds: ['1', '2'] });
    assert.ok(await store.items.get('12'));
    assert.deepEqual((await store.events.list({ limit: 10, userId: '2' })).data.map((e) => e.itemId), ['11', '12', '10']);
  });

  test('an id-only item never blanks an item the store already describes', async () => {
    const store = openStore('memory:');
    await store.items.upsert([{ id: '12', title: 'Described' }], 0);
    const dir = files({ 'Toy.txt': '1 12\n', 'Toy_item2attributes.json': '{}' });
    await run('s3rec', dir, store);
    assert.equal((await store.items.get('12'))?.title, 'Described');
  });

  test('session-csv: anonymous sessions, timeframes and dates', async () => {
    const dir = files({
      'views.csv': 'session_id;user_id;item_id;timeframe;eventdate\n1;NA;81766;526309;2016-05-09\n1;NA;31331;1031018;2016-05-09\n2;7;81766;0;2016-05-10\n3;NA;;5;2016-05-10\n',
    });
    const { summary, store } = await run('session-csv', join(dir, 'views.csv'));
    assert.equal(summary.stored.events, 3);
    assert.deepEqual(summary.rejections.map((r) => r.line), [5]);
    const [first] = (await store.events.list({ limit: 1, sessionId: '1' })).data;
    assert.equal(first?.timestamp, new Date(Date.parse('2016-05-09T00:00:00Z') + 526309).toISOString());
    assert.equal(first?.userId, undefined);
    assert.equal((await store.events.list({ limit: 10, userId: '7' })).data.length, 1);
  });
});

describe('the shared datasets', () => {
  test('MovieLens 100K: 943 users, 1,682 items, 100,000 events', { skip: needsDataset('ml-100k/grouplens') }, async () => {
    const { summary, store } = await run('movielens', join(DATASETS, 'ml-100k/grouplens'), openStore(`sqlite:${join(tempDir(), 'ml.db')}`), { batchSize: 10_000 });
    assert.deepEqual(summary.stored, { items: 1682, users: 943, events: 100_000, triples: 0 });
    assert.equal(summary.rejected, 0);
    assert.equal((await store.items.get('1'))?.title, 'Toy Story (1995)');
    await store.close();
  });

  test('Amazon Beauty (s3rec): 198,502 events', { skip: needsDataset('amazon-beauty') }, async () => {
    const { summary } = await run('s3rec', join(DATASETS, 'amazon-beauty'), undefined, { batchSize: 10_000 });
    assert.deepEqual(summary.stored, { items: 12_101, users: 22_363, events: 198_502, triples: 0 });
  });

  test('Scientific (recbole splits): 4,385 items with their text, 59,384 events', { skip: needsDataset('amazon-unisrec-scientific') }, async () => {
    const { summary, store } = await run('recbole', join(DATASETS, 'amazon-unisrec-scientific'), undefined, { batchSize: 10_000 });
    assert.deepEqual(summary.stored, { items: 4385, users: 8442, events: 59_384, triples: 0 });
    const page = await store.items.list({ limit: 5000 });
    assert.equal(page.data.filter((i) => i.title && i.description).length, 4385);
    assert.equal((await store.items.get('B0000223SI'))?.brand, 'PORTER-CABLE');
  });

  test('ml-100k RecBole atomic files and the Freebase triples', { skip: needsDataset('kg-ml100k-recbole') }, async () => {
    const store = openStore('memory:');
    const atomic = await run('recbole', join(DATASETS, 'ml-100k/recbole-atomic'), store, { batchSize: 10_000 });
    assert.deepEqual(atomic.summary.stored, { items: 1682, users: 943, events: 100_000, triples: 0 });
    const kg = await run('recbole', join(DATASETS, 'kg-ml100k-recbole'), store, { batchSize: 10_000 });
    assert.equal(kg.summary.stored.triples, 91_631 + 1_598);
    assert.equal((await store.items.get('1'))?.title, 'Toy Story');
  });

  test('Home Depot products as a catalog: 54,667 items', { skip: needsDataset('homedepot-search') }, async () => {
    const { summary, store } = await run('csv', join(DATASETS, 'homedepot-search/products.tsv'), undefined, {
      entity: 'items',
      map: { product_uid: 'id', product_title: 'title' },
      batchSize: 10_000,
    });
    assert.equal(summary.stored.items, 54_667);
    assert.equal(summary.rejected, 0);
    assert.equal((await store.items.get('100001'))?.title, 'Simpson Strong-Tie 12-Gauge Angle');
  });

  test('Diginetica sample (session-csv): 12,391 clicks in 2,986 sessions', { skip: needsDataset('diginetica-sample-srgnn') }, async () => {
    const { summary, store } = await run('session-csv', join(DATASETS, 'diginetica-sample-srgnn/sample_train-item-views.csv'), undefined, { batchSize: 10_000 });
    assert.equal(summary.stored.events, 12_391);
    assert.equal((await store.stats()).events.distinctSessions, 2986);
  });
});
