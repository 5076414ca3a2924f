/** GET/POST /search and GET /suggest, end to end through the API on a small shop. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { ModelRepository } from '../src/models/repository.js';
import { trainModels } from '../src/models/train.js';
import { buildApp } from '../src/serve/app.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { tempDir, testConfig } from './helpers.js';

interface Hit {
  itemId: string;
  score: number;
  item: { id: string; title?: string; brand?: string; price?: number };
  explain?: { bm25?: number; coverage?: number; pairs?: number; fused: number; personal: number; clicks: number };
}
interface Body {
  query: string;
  mode: string;
  total: number;
  page: number;
  data: Hit[];
  facets: Record<string, Array<{ value: string; count: number }>>;
  price?: { min: number; max: number; bands: Array<{ from: number; to: number; count: number }> };
  didYouMean?: string;
  fallback?: { kind: string; reason: string };
}

const ITEMS = [
  { id: 'fridge-1', title: 'Samsung French Door Refrigerator in Stainless Steel', brand: 'Samsung', price: 1899, categories: ['Appliances', 'Refrigerators'], attributes: { color: 'stainless' } },
  { id: 'fridge-2', title: 'LG Top Freezer Refrigerator in White', brand: 'LG', price: 799, categories: ['Appliances', 'Refrigerators'], attributes: { color: 'white' } },
  { id: 'fridge-3', title: 'Whirlpool Side by Side Refrigerator', brand: 'Whirlpool', price: 1299, categories: ['Appliances', 'Refrigerators'], attributes: { color: 'black' } },
  { id: 'drill-1', title: 'DEWALT 20V MAX Cordless Drill Driver Kit', brand: 'DEWALT', price: 159, categories: ['Tools', 'Power Tools'], attributes: { color: 'yellow' } },
  { id: 'drill-2', title: 'Milwaukee M18 Cordless Hammer Drill', brand: 'Milwaukee', price: 199, categories: ['Tools', 'Power Tools'], attributes: { color: 'red' } },
  { id: 'bit-1', title: 'DEWALT Drill Bit Set (21-Piece)', brand: 'DEWALT', price: 29, categories: ['Tools', 'Accessories'] },
  { id: 'pipe-1', title: '1/2 in. x 10 ft. Copper Pipe', brand: 'Mueller', price: 24, categories: ['Plumbing'] },
  { id: 'pipe-2', title: '3/4 in. x 10 ft. PVC Pipe', brand: 'Charlotte', price: 9, categories: ['Plumbing'] },
  { id: 'deck-1', title: 'BEHR Premium DeckOver 1 gal. Wood Coating', brand: 'BEHR', price: 42, categories: ['Paint'] },
  { id: 'old-1', title: 'Discontinued Cordless Drill', brand: 'Ryobi', price: 49, categories: ['Tools', 'Power Tools'], available: false },
];

describe('search API', () => {
  let app: FastifyInstance;
  let store: Store;
  const get = async (url: string) => app.inject({ method: 'GET', url });
  const search = async (url: string) => {
    const res = await get(url);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Body>();
  };
  const ids = (b: Body) => b.data.map((h) => h.itemId);

  before(async () => {
    const config = testConfig({ graph: { enabled: false }, search: { synonyms: ['fridge|refrigerator'] } });
    store = openStore(config.store);
    await store.items.upsert(ITEMS, Date.parse('2026-01-01'));
    // Popularity: drill-2 is bought often.
    await store.events.insert(Array.from({ length: 5 }, (_, i) => ({ id: `p${i}`, userId: `u${i}`, itemId: 'drill-2', type: 'purchase' as const, timestamp: 1_700_000_000_000 + i })));
    app = await buildApp({ store, config });
  });
  after(async () => app.close());

  test('words, stems and units find the item; every word matched ranks first', async () => {
    const res = await search('/search?q=cordless%20drills');
    assert.equal(res.mode, 'search');
    assert.deepEqual(new Set(ids(res).slice(0, 2)), new Set(['drill-1', 'drill-2']), 'both cordless drills, unavailable one left out');
    assert.ok(!ids(res).includes('old-1'));
    const pipe = await search('/search?q=1%2F2%20inch%20copper%20pipe');
    assert.equal(ids(pipe)[0], 'pipe-1', '"1/2 inch" matches "1/2 in."');
    const item = pipe.data[0]?.item;
    assert.equal(item?.title, ITEMS[6]?.title, 'the item record comes with the hit');
  });

  test('typos, compounds, synonyms and prefixes', async () => {
    const typo = await search('/search?q=refrigerater');
    assert.ok(ids(typo).slice(0, 3).every((id) => id.startsWith('fridge')), JSON.stringify(ids(typo)));
    assert.equal(typo.didYouMean, 'refrigerator');
    const compound = await search('/search?q=deck%20over');
    assert.equal(ids(compound)[0], 'deck-1', '"deck over" finds DeckOver');
    const synonym = await search('/search?q=fridge');
    assert.equal(synonym.total, 3);
    const prefix = await search('/search?q=milwau&prefix=true');
    assert.equal(ids(prefix)[0], 'drill-2');
    const noPrefix = await search('/search?q=milwau');
    assert.equal(noPrefix.fallback?.kind, 'popular', 'without prefix a partial word two letters short matches nothing');
  });

  test('filters, facets, price summary and sorting', async () => {
    const tools = await search('/search?q=drill&categories=Power%20Tools&facets=brand,color');
    assert.deepEqual(new Set(ids(tools)), new Set(['drill-1', 'drill-2']));
    assert.deepEqual(tools.facets.brand?.map((f) => f.value).sort(), ['DEWALT', 'Milwaukee']);
    assert.deepEqual(tools.facets.color?.map((f) => f.value).sort(), ['red', 'yellow']);
    assert.deepEqual([tools.price?.min, tools.price?.max], [159, 199]);
    const all = await search('/search?q=drill&facets=brand');
    assert.equal(all.total, 3);
    assert.deepEqual(all.facets.brand?.[0], { value: 'DEWALT', count: 2 });
    const cheap = await search('/search?q=drill&priceMax=100');
    assert.deepEqual(ids(cheap), ['bit-1']);
    const byPrice = await search('/search?q=refrigerator&sort=price_asc');
    assert.deepEqual(ids(byPrice), ['fridge-2', 'fridge-3', 'fridge-1']);
    const byPriceDesc = await search('/search?q=refrigerator&sort=price_desc');
    assert.deepEqual(ids(byPriceDesc), ['fridge-1', 'fridge-3', 'fridge-2']);
    const white = await search('/search?q=refrigerator&attributes=color:white,color:black');
    assert.deepEqual(new Set(ids(white)), new Set(['fridge-2', 'fridge-3']));
    const withOld = await search('/search?q=cordless%20drill&available=any');
    assert.ok(ids(withOld).includes('old-1'));
    const onlyOld = await search('/search?q=drill&available=false');
    assert.deepEqual(ids(onlyOld), ['old-1']);
    const post = await app.inject({ method: 'POST', url: '/search', payload: { q: 'drill', filters: { brands: ['DEWALT'], priceMin: 100 }, facets: ['category'] } });
    assert.equal(post.statusCode, 200, post.body);
    assert.deepEqual(ids(post.json<Body>()), ['drill-1']);
  });

  test('paging, browse, and a page past the end', async () => {
    const first = await search('/search?q=refrigerator&pageSize=2');
    const second = await search('/search?q=refrigerator&pageSize=2&page=2');
    assert.equal(first.total, 3);
    assert.equal(first.data.length, 2);
    assert.equal(second.data.length, 1);
    assert.ok(!ids(first).includes(ids(second)[0] as string));
    const beyond = await search('/search?q=refrigerator&pageSize=2&page=50');
    assert.deepEqual([beyond.data.length, beyond.total, beyond.page], [0, 3, 50]);
    const browse = await search('/search?pageSize=3');
    assert.equal(browse.mode, 'browse');
    assert.equal(browse.total, 9, 'every available item');
    assert.equal(ids(browse)[0], 'drill-2', 'browse is by popularity');
    const newest = await search('/search?q=&sort=newest&pageSize=1');
    assert.equal(newest.mode, 'browse');
  });

  test('an upserted item is searchable at once, a deleted one is gone', async () => {
    let res = await app.inject({ method: 'POST', url: '/items', payload: { items: [{ id: 'saw-1', title: 'Makita Cordless Circular Saw', brand: 'Makita', price: 149, categories: ['Tools', 'Power Tools'] }] } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(ids(await search('/search?q=circular%20saw')), ['saw-1']);
    res = await app.inject({ method: 'DELETE', url: '/items/saw-1' });
    assert.equal(res.statusCode, 200, res.body);
    const after = await search('/search?q=circular%20saw');
    assert.ok(!ids(after).includes('saw-1'));
  });

  test('POST /search/rebuild reads items written straight into the store', async () => {
    await store.items.upsert([{ id: 'lamp-1', title: 'Brass Desk Lamp', brand: 'Lumi', price: 35, categories: ['Lighting'] }], Date.parse('2026-02-01'));
    assert.equal((await search('/search?q=brass%20lamp')).fallback?.kind, 'popular', 'the index has not seen it');
    const res = await app.inject({ method: 'POST', url: '/search/rebuild' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ items: number }>().items, ITEMS.length + 1, 'the shop\'s items and the new lamp (the saw was deleted)');
    assert.deepEqual(ids(await search('/search?q=brass%20lamp')), ['lamp-1']);
    assert.equal(ids(await search('/search?pageSize=1'))[0], 'drill-2', 'popularity is read again from the events');
  });

  test('personalisation and search clicks move the order, within bounds', async () => {
    const plain = await search('/search?q=cordless%20drill&explain=true');
    const [top, second] = plain.data;
    assert.ok(top && second);
    assert.equal(top.explain?.personal, 0);
    // A shopper who buys DEWALT: drill-1 gets a personal boost.
    await store.events.insert([{ id: 'h1', userId: 'fan', itemId: 'bit-1', type: 'purchase' as const, timestamp: 1_700_000_001_000 }]);
    const personal = await search('/search?q=cordless%20drill&explain=true&userId=fan');
    const dewalt = personal.data.find((h) => h.itemId === 'drill-1');
    assert.ok(dewalt?.explain && dewalt.explain.personal > 0 && dewalt.explain.personal <= 0.15, JSON.stringify(dewalt?.explain));
    const other = personal.data.find((h) => h.itemId === 'drill-2')?.explain?.personal ?? 1;
    assert.ok(other < dewalt.explain.personal, 'Milwaukee shares only the Tools category with their history, not the brand');
    // Clicks on the second hit for this query lift it.
    const clicked = second.itemId;
    const events = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, userId: `c${i}`, itemId: clicked, type: 'search_click', context: { query: 'cordless drill' } }));
    const res = await app.inject({ method: 'POST', url: '/events', payload: { events } });
    assert.equal(res.statusCode, 200, res.body);
    const after = await search('/search?q=cordless%20drill&explain=true');
    const lifted = after.data.find((h) => h.itemId === clicked);
    assert.ok(lifted?.explain && lifted.explain.clicks > 0 && lifted.explain.clicks <= 0.3);
    assert.equal(after.data[0]?.itemId, clicked, JSON.stringify(after.data.map((h) => [h.itemId, h.score])));
  });

  test('suggestions from the query log and the catalog', async () => {
    await search('/search?q=copper%20pipe');
    const res = await get('/suggest?q=copp');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ data: Array<{ text: string; source: string }> }>();
    assert.equal(body.data[0]?.text, 'copper pipe');
    assert.equal(body.data[0]?.source, 'queries');
    assert.ok(body.data.some((s) => s.text === 'copper' && s.source === 'catalog'), JSON.stringify(body.data));
    const words = await get('/suggest?q=refrig');
    assert.ok(words.json<{ data: Array<{ text: string }> }>().data.some((s) => s.text === 'refrigerator'));
  });

  test('bad input: clear errors or documented behaviour', async () => {
    const long = await get(`/search?q=${'a'.repeat(10_000)}`);
    assert.equal(long.statusCode, 400);
    assert.equal(long.json<{ code: string }>().code, 'validation_failed');
    assert.match(long.json<{ message: string }>().message, /q/);
    const punctuation = await search('/search?q=%3F%3F!!%20...');
    assert.equal(punctuation.fallback?.kind, 'popular');
    assert.match(punctuation.fallback?.reason ?? '', /no searchable words/);
    assert.ok(punctuation.data.length > 0);
    const emoji = await search(`/search?q=${encodeURIComponent('🔨🔧')}`);
    assert.equal(emoji.fallback?.kind, 'popular');
    const nothing = await search('/search?q=zzzzqqq');
    assert.equal(nothing.fallback?.kind, 'popular');
    assert.match(nothing.fallback?.reason ?? '', /nothing matched/);
    const inverted = await get('/search?q=drill&priceMin=100&priceMax=10');
    assert.equal(inverted.statusCode, 400);
    assert.match(inverted.json<{ message: string }>().message, /priceMin.*above priceMax/);
    const unknownParam = await get('/search?q=drill&colour=red');
    assert.equal(unknownParam.statusCode, 400);
    assert.match(unknownParam.json<{ message: string }>().message, /colour/);
    const unknownAttribute = await get('/search?q=drill&attributes=weight:heavy');
    assert.equal(unknownAttribute.statusCode, 400);
    assert.match(unknownAttribute.json<{ message: string }>().message, /weight/);
    const unknownFacet = await get('/search?q=drill&facets=weight');
    assert.equal(unknownFacet.statusCode, 400);
    const unknownFilter = await app.inject({ method: 'POST', url: '/search', payload: { q: 'drill', filters: { colour: ['red'] } } });
    assert.equal(unknownFilter.statusCode, 400);
    assert.match(unknownFilter.json<{ message: string }>().message, /colour/);
    const badSort = await get('/search?q=drill&sort=cheapest');
    assert.equal(badSort.statusCode, 400);
    const badPair = await get('/search?q=drill&attributes=color');
    assert.equal(badPair.statusCode, 400);
    assert.equal((await get('/suggest')).statusCode, 400, 'suggest needs q');
  });
});

describe('search personalised by a trained CF model', () => {
  test("the default model's recommendations from the shopper's history lift an item, boundedly", async () => {
    const dir = join(tempDir(), 'models');
    const config = testConfig({ graph: { enabled: false }, models: { dir, default: 'itemknn' } });
    const store = openStore(config.store);
    await store.items.upsert(
      [
        { id: 'lamp-a', title: 'Desk Lamp', brand: 'Alpha', categories: ['Lamps'] },
        { id: 'lamp-b', title: 'Desk Lamp', brand: 'Beta', categories: ['Lamps'] },
        { id: 'bulb', title: 'LED Bulb', brand: 'Gamma', categories: ['Bulbs'] },
      ],
      0,
    );
    // Five shoppers bought the bulb with lamp-b; "me" bought only the bulb.
    const events = Array.from({ length: 5 }, (_, u) => [
      { id: `b${u}`, userId: `u${u}`, itemId: 'bulb', type: 'purchase' as const, timestamp: 1_700_000_000_000 + u },
      { id: `l${u}`, userId: `u${u}`, itemId: 'lamp-b', type: 'purchase' as const, timestamp: 1_700_000_000_100 + u },
    ]).flat();
    await store.events.insert([...events, { id: 'me', userId: 'me', itemId: 'bulb', type: 'purchase' as const, timestamp: 1_700_000_001_000 }]);
    await trainModels({ store, repository: new ModelRepository(dir), models: ['itemknn'], weights: config.events.weights });
    const app = await buildApp({ store, config });
    try {
      const res = await app.inject({ method: 'GET', url: '/search?q=desk%20lamp&explain=true&userId=me' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<Body>();
      const b = body.data.find((h) => h.itemId === 'lamp-b');
      const a = body.data.find((h) => h.itemId === 'lamp-a');
      assert.ok(b?.explain && a?.explain);
      assert.ok(b.explain.personal > 0 && b.explain.personal <= 0.15 * 0.2 + 1e-9, `CF share only: ${b.explain.personal}`);
      assert.equal(a.explain.personal, 0, 'lamp-a shares nothing with the history and is not recommended');
      assert.equal(body.data[0]?.itemId, 'lamp-b');
    } finally {
      await app.close();
    }
  });
});
