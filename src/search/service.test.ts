import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Item, ItemInput } from '../core/schema.js';
import { Analyzer } from '../text/analyzer.js';
import { ItemFacts } from './facts.js';
import { DEFAULT_HYBRID, fuseHybrid, type ScoredDoc } from './hybrid.js';
import { QueryLog } from './query-log.js';
import { loadConfig } from '../core/config.js';
import { SearchService, type SearchResult, type SemanticSource } from './service.js';
import { DEFAULT_SEARCH, searchSettings } from './settings.js';

function close(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${message ?? ''} ${actual} ≠ ${expected}`);
}

describe('ItemFacts', () => {
  const stamp = '2025-01-01T00:00:00.000Z';
  const item = (fields: Omit<Item, 'available' | 'createdAt' | 'updatedAt'> & { available?: boolean }): Item => ({ available: true, createdAt: stamp, updatedAt: stamp, ...fields });
  const items: Item[] = [
    item({ id: 'd1', brand: 'DEWALT', price: 159, categories: ['Tools', 'Power Tools'], attributes: { color: 'Yellow', voltage: 20, cordless: true } }),
    item({ id: 'd2', brand: 'Milwaukee', price: 199, categories: ['Tools', 'Power Tools'], attributes: { color: ['Red', 'Black'] } }),
    item({ id: 'b1', brand: 'DEWALT', price: 29, categories: ['Tools', 'Accessories'] }),
    item({ id: 'p1', brand: 'Mueller', categories: ['Plumbing'], attributes: { color: 'copper' } }),
    item({ id: 'o1', price: 49, categories: ['Tools', 'Power Tools'], available: false }),
  ];
  const facts = new ItemFacts();
  items.forEach((it, doc) => facts.set(doc, it));
  const all = Int32Array.from(items.keys());
  /** The ids of the items a compiled filter keeps. */
  const kept = (filters: Parameters<ItemFacts['compile']>[0]) => {
    const test = facts.compile(filters);
    assert.ok(test, 'a filter was compiled');
    return items.filter((_, d) => test(d)).map((it) => it.id);
  };

  it('compiles nothing for no filters', () => {
    assert.equal(facts.compile({}), undefined);
  });

  it('filters categories at any level of the path', () => {
    assert.deepEqual(kept({ categories: ['Tools'] }), ['d1', 'd2', 'b1', 'o1']);
    assert.deepEqual(kept({ categories: ['Power Tools'] }), ['d1', 'd2', 'o1']);
    assert.deepEqual(kept({ categories: ['Accessories', 'Plumbing'] }), ['b1', 'p1']);
    assert.deepEqual(kept({ categories: ['Garden'] }), [], 'a category no item has matches nothing');
  });

  it('filters brands, availability and a price range that excludes items without a price', () => {
    assert.deepEqual(kept({ brands: ['DEWALT', 'Mueller'] }), ['d1', 'b1', 'p1']);
    assert.deepEqual(kept({ available: true }), ['d1', 'd2', 'b1', 'p1']);
    assert.deepEqual(kept({ available: false }), ['o1']);
    assert.deepEqual(kept({ priceMin: 30, priceMax: 159 }), ['d1', 'o1'], 'bounds are inclusive');
    assert.deepEqual(kept({ priceMax: 29 }), ['b1']);
    assert.deepEqual(kept({ priceMin: 0 }), ['d1', 'd2', 'b1', 'o1'], 'p1 has no price');
  });

  it('filters attributes by value case-insensitively, numbers and booleans as text', () => {
    assert.deepEqual(kept({ attributes: { color: ['RED'] } }), ['d2']);
    assert.deepEqual(kept({ attributes: { color: ['yellow', 'Copper'] } }), ['d1', 'p1']);
    assert.deepEqual(kept({ attributes: { voltage: ['20'] } }), ['d1']);
    assert.deepEqual(kept({ attributes: { cordless: ['TRUE'] } }), ['d1']);
    assert.deepEqual(kept({ attributes: { size: ['xl'] } }), []);
  });

  it('combines filters with AND', () => {
    assert.deepEqual(kept({ categories: ['Tools'], brands: ['DEWALT'], priceMin: 100 }), ['d1']);
    assert.deepEqual(kept({ categories: ['Power Tools'], available: true, attributes: { color: ['black', 'yellow'] } }), ['d1', 'd2']);
  });

  it('counts facet values over the given items, most frequent first, then by name', () => {
    assert.deepEqual(facts.count('brand', all, all.length, 20), [
      { value: 'DEWALT', count: 2 },
      { value: 'Milwaukee', count: 1 },
      { value: 'Mueller', count: 1 },
    ]);
    assert.deepEqual(facts.count('category', all, all.length, 2), [
      { value: 'Tools', count: 4 },
      { value: 'Power Tools', count: 3 },
    ]);
    assert.deepEqual(facts.count('color', all, all.length, 20), [
      { value: 'black', count: 1 },
      { value: 'copper', count: 1 },
      { value: 'red', count: 1 },
      { value: 'yellow', count: 1 },
    ]);
    // Only the first n entries of docs count.
    assert.deepEqual(facts.count('brand', Int32Array.from([1, 3, 0, 2]), 2, 20), [
      { value: 'Milwaukee', count: 1 },
      { value: 'Mueller', count: 1 },
    ]);
  });

  it('price bands span min..max in five equal widths and add up to the priced items', () => {
    // Prices 159, 199, 29, (none), 49: min 29, max 199, width 34.
    const stats = facts.prices(all, all.length);
    assert.ok(stats);
    assert.deepEqual([stats.min, stats.max], [29, 199]);
    assert.deepEqual(
      stats.bands.map((b) => [b.from, b.to, b.count]),
      [
        [29, 63, 2],
        [63, 97, 0],
        [97, 131, 0],
        [131, 165, 1],
        [165, 199, 1],
      ],
    );
    assert.equal(
      stats.bands.reduce((s, b) => s + b.count, 0),
      4,
    );
    assert.deepEqual(facts.prices(Int32Array.from([2]), 1)?.bands, [{ from: 29, to: 29, count: 1 }]);
    assert.equal(facts.prices(Int32Array.from([3]), 1), undefined, 'no priced item');
  });

  it('carry moves popularity to an item\'s new number, past the initial capacity', () => {
    const f = new ItemFacts();
    f.set(0, items[0] as Item);
    f.addPopularity(0, 3);
    f.addPopularity(0, 2);
    f.carry(0, 1500);
    assert.deepEqual([f.popularityOf(0), f.popularityOf(1500)], [0, 5]);
    f.set(2000, items[1] as Item);
    assert.deepEqual([f.priceOf(2000), f.brandOf(2000), f.popularityOf(1500)], [199, 'Milwaukee', 5]);
    assert.ok(Number.isNaN(f.priceOf(1999)), 'a never-set item has no price');
  });
});

describe('fuseHybrid', () => {
  const lexicalWeak: ScoredDoc[] = [
    { doc: 1, score: 12 },
    { doc: 2, score: 9 },
    { doc: 3, score: 6 },
  ];
  const FIXED = { ...DEFAULT_HYBRID, adaptive: false };

  it('a strong semantic hit is not buried under weak lexical hits', () => {
    // Best lexical hit covers a quarter of the query: 0.7 · (12/12 · 0.25) = 0.175.
    // Cosine 0.9 over floor 0.3: 0.3 · (0.6 / 0.7) ≈ 0.257.
    const fused = fuseHybrid(lexicalWeak, [{ doc: 9, score: 0.9 }], 0.25, FIXED);
    assert.deepEqual(
      fused.map((f) => f.doc),
      [9, 1, 2, 3],
    );
    close(fused[0]?.score as number, 0.3 * (0.6 / 0.7));
    close(fused[1]?.score as number, 0.7 * 0.25);
    close(fused[2]?.score as number, 0.7 * (9 / 12) * 0.25);
    assert.ok(Number.isNaN(fused[0]?.lexical as number) && Number.isNaN(fused[1]?.semantic as number));
  });

  it('a full-coverage lexical hit is not buried under weak semantic hits', () => {
    const semantic: ScoredDoc[] = [
      { doc: 7, score: 0.35 },
      { doc: 8, score: 0.32 },
      { doc: 2, score: 0.2 },
    ];
    const fused = fuseHybrid(lexicalWeak, semantic, 1, FIXED);
    assert.deepEqual(
      fused.map((f) => f.doc),
      [1, 2, 3, 7, 8],
    );
    close(fused[0]?.score as number, 0.7);
    // Doc 2: lexical 0.75, semantic below the floor clamps at 0.
    assert.equal(fused[1]?.semantic, 0);
    close(fused[3]?.score as number, 0.3 * (0.05 / 0.7));
  });

  it('adaptive (the default): the semantic weight shrinks with the lexical side\'s coverage', () => {
    assert.equal(DEFAULT_HYBRID.adaptive, true);
    // Coverage 1: w = 0.3 · 0 → the words alone decide; the semantic-only hit scores 0.
    const full = fuseHybrid(lexicalWeak, [{ doc: 9, score: 0.99 }], 1, DEFAULT_HYBRID);
    assert.deepEqual(full.map((f) => f.doc), [1, 2, 3, 9]);
    close(full[0]?.score as number, 1);
    assert.equal(full[3]?.score, 0);
    // Coverage 0.25: w = 0.3 · 0.75 = 0.225; cosine 0.95 → 0.225 · 0.65/0.7 ≈ 0.209 > 0.775 · 0.25 ≈ 0.194.
    const weak = fuseHybrid(lexicalWeak, [{ doc: 9, score: 0.95 }], 0.25, DEFAULT_HYBRID);
    close(weak.find((f) => f.doc === 9)?.score as number, 0.225 * (0.65 / 0.7));
    close(weak.find((f) => f.doc === 1)?.score as number, 0.775 * 0.25);
    assert.equal(weak[0]?.doc, 9, 'a strong semantic hit above a weak lexical list');
  });

  it('semanticWeight 0 keeps the lexical order, semantic-only items after', () => {
    const fused = fuseHybrid(lexicalWeak, [{ doc: 9, score: 0.99 }, { doc: 3, score: 0.99 }], 0.5, { ...DEFAULT_HYBRID, semanticWeight: 0 });
    assert.deepEqual(
      fused.map((f) => f.doc),
      [1, 2, 3, 9],
    );
  });

  it('rrf: Σ weight / (60 + rank), ranks from 1', () => {
    const fused = fuseHybrid(lexicalWeak, [{ doc: 3, score: 0.1 }, { doc: 5, score: 0.05 }], 0, { method: 'rrf', semanticWeight: 0.4, cosineFloor: 0.3 });
    const score = Object.fromEntries(fused.map((f) => [f.doc, f.score]));
    close(score[1] as number, 0.6 / 61);
    close(score[2] as number, 0.6 / 62);
    close(score[3] as number, 0.6 / 63 + 0.4 / 61);
    close(score[5] as number, 0.4 / 62);
    assert.deepEqual(
      fused.map((f) => f.doc),
      [3, 1, 2, 5],
    );
  });
});

describe('QueryLog', () => {
  it('folds case, accents and spaces into one key', () => {
    assert.equal(QueryLog.key('  Crème   BRÛLÉE\tTorch '), 'creme brulee torch');
    const log = new QueryLog();
    log.recordSearch('Red Shoes');
    log.recordSearch('  red   SHOES');
    assert.equal(log.size, 1);
    assert.deepEqual(log.suggest('RED', 5), [{ text: 'red shoes', searches: 2, clicks: 0 }]);
  });

  it('suggests queries that begin with the prefix, a click counting as two searches', () => {
    const log = new QueryLog();
    for (let i = 0; i < 3; i++) log.recordSearch('red shoes'); // 3
    log.recordSearch('red socks');
    log.recordClick('red socks', 's1');
    log.recordClick('red socks', 's2'); // 1 + 2·2 = 5
    for (let i = 0; i < 4; i++) log.recordSearch('red shirt'); // 4
    log.recordSearch('blue shoes');
    log.recordSearch('reds'); // 1, begins with "red" too
    assert.deepEqual(
      log.suggest('red', 10).map((q) => q.text),
      ['red socks', 'red shirt', 'red shoes', 'reds'],
    );
    assert.deepEqual(
      log.suggest('red s', 2).map((q) => q.text),
      ['red socks', 'red shirt'],
    );
    assert.deepEqual(
      log.suggest('red sh', 10).map((q) => q.text),
      ['red shirt', 'red shoes'],
    );
    assert.deepEqual(log.suggest('green', 10), []);
    assert.deepEqual(log.suggest('   ', 10), []);
    // Equal use: alphabetical. A query logged after a suggest is found by the next one.
    log.recordSearch('red hat');
    assert.deepEqual(
      log.suggest('red', 10).map((q) => q.text),
      ['red socks', 'red shirt', 'red shoes', 'red hat', 'reds'],
    );
  });

  it('clicksFor gives the clicked items and weights under the folded key', () => {
    const log = new QueryLog();
    log.recordClick('Cordless Drill', 'd1');
    log.recordClick('cordless  drill', 'd1', 2);
    log.recordClick('cordless drill', 'd2');
    assert.deepEqual([...(log.clicksFor('CORDLESS DRILL') ?? [])], [
      ['d1', 3],
      ['d2', 1],
    ]);
    assert.equal(log.clicksFor('hammer'), undefined);
    assert.deepEqual(log.suggest('cord', 1), [{ text: 'cordless drill', searches: 0, clicks: 4 }]);
  });
});

describe('SearchService', () => {
  const CATALOG: ItemInput[] = [
    { id: 'l1', title: 'Desk Lamp LED', brand: 'Lumi', price: 40, categories: ['Lighting'], createdAt: '2025-01-01T00:00:00Z' },
    { id: 'l2', title: 'Floor Lamp', brand: 'Lumi', price: 120, categories: ['Lighting'], createdAt: '2025-03-01T00:00:00Z' },
    { id: 'l3', title: 'Lamp Shade', brand: 'Shady', categories: ['Lighting'], createdAt: '2025-02-01T00:00:00Z' },
    { id: 'l4', title: 'Clip Lamp', brand: 'Clipco', price: 15, categories: ['Lighting'], createdAt: '2024-12-01T00:00:00Z' },
    { id: 'l5', title: 'Lamp Oil', brand: 'Clipco', price: 8, categories: ['Lighting'], available: false },
    { id: 'c1', title: 'Office Chair', brand: 'Sitwell', price: 200, categories: ['Furniture'] },
    { id: 'c2', title: 'Desk Chair', brand: 'Sitwell', price: 90, categories: ['Furniture'] },
  ];
  const NOW = Date.parse('2026-01-01T00:00:00Z');

  function service(semantic?: SemanticSource): SearchService {
    const s = new SearchService(DEFAULT_SEARCH, { purchase: 5 }, semantic, new Analyzer({ stemming: false }));
    s.upsertInputs(CATALOG, NOW);
    // Popularity: l3 5 (a purchase), l1 2 (two views at the default weight 1), l4 1, the rest 0.
    s.recordEvents([
      { itemId: 'l3', type: 'purchase' },
      { itemId: 'l1', type: 'view' },
      { itemId: 'l1', type: 'view' },
      { itemId: 'l4', type: 'cart' },
      { itemId: 'unknown', type: 'purchase' },
    ]);
    return s;
  }
  const ids = (r: SearchResult) => r.hits.map((h) => h.itemId);

  it('sorts by price both ways with items lacking a price last', () => {
    const s = service();
    assert.deepEqual(ids(s.search({ q: 'lamp', sort: 'price_asc' })), ['l4', 'l1', 'l2', 'l3']);
    assert.deepEqual(ids(s.search({ q: 'lamp', sort: 'price_desc' })), ['l2', 'l1', 'l4', 'l3']);
  });

  it('sorts by newest and by popularity', () => {
    const s = service();
    assert.deepEqual(ids(s.search({ q: 'lamp', sort: 'newest' })), ['l2', 'l3', 'l1', 'l4']);
    assert.deepEqual(ids(s.search({ q: 'lamp', sort: 'popularity' })), ['l3', 'l1', 'l4', 'l2']);
  });

  it('pages through the sorted result set with a stable total', () => {
    const s = service();
    const pages = [1, 2, 3].map((page) => s.search({ q: 'lamp', sort: 'price_asc', page, pageSize: 3 }));
    assert.deepEqual(pages.map(ids), [['l4', 'l1', 'l2'], ['l3'], []]);
    assert.deepEqual(
      pages.map((p) => [p.total, p.page, p.pageSize]),
      [
        [4, 1, 3],
        [4, 2, 3],
        [4, 3, 3],
      ],
    );
  });

  it('total, facets and price summary cover the result set, not the page or the catalog', () => {
    const s = service();
    const lamp = s.search({ q: 'lamp', facets: ['brand', 'category'], pageSize: 1 });
    assert.equal(lamp.total, 4, 'l5 is unavailable');
    assert.equal(lamp.hits.length, 1);
    assert.deepEqual(lamp.facets.brand, [
      { value: 'Lumi', count: 2 },
      { value: 'Clipco', count: 1 },
      { value: 'Shady', count: 1 },
    ]);
    assert.deepEqual(lamp.facets.category, [{ value: 'Lighting', count: 4 }]);
    assert.deepEqual([lamp.price?.min, lamp.price?.max], [15, 120]);
    // "desk lamp": N = 7, df(desk) = 2, df(lamp) = 5, so idf ln 3.2 ≈ 1.163 vs ln(16/11) ≈ 0.375.
    // Lamps without "desk" cover 0.375/1.538 ≈ 0.24 < half the best (1): out; "Desk Chair" covers 0.76: in.
    const desk = s.search({ q: 'desk lamp', facets: ['brand'] });
    assert.equal(desk.total, 2);
    assert.deepEqual(ids(desk), ['l1', 'c2']);
    assert.deepEqual(desk.facets.brand, [
      { value: 'Lumi', count: 1 },
      { value: 'Sitwell', count: 1 },
    ]);
    assert.deepEqual([desk.price?.min, desk.price?.max], [40, 90]);
  });

  it('filters apply to search; unavailable items only on request', () => {
    const s = service();
    assert.deepEqual(ids(s.search({ q: 'lamp', filters: { available: false } })), ['l5']);
    assert.deepEqual(ids(s.search({ q: 'lamp', filters: { brands: ['Lumi'] }, sort: 'price_asc' })), ['l1', 'l2']);
  });

  it('a query that matches nothing falls back to popular items and says so', () => {
    const s = service();
    const none = s.search({ q: 'zzzz qqqq' });
    assert.equal(none.mode, 'search');
    assert.equal(none.fallback?.kind, 'popular');
    assert.match(none.fallback?.reason ?? '', /nothing matched/);
    assert.deepEqual(ids(none).slice(0, 3), ['l3', 'l1', 'l4']);
    assert.equal(none.total, 6, 'every available item');
    const words = s.search({ q: '?? !! ...' });
    assert.equal(words.fallback?.kind, 'popular');
    assert.match(words.fallback?.reason ?? '', /no searchable words/);
    assert.equal(s.search({ q: 'lamp' }).fallback, undefined);
    // Only queries that found something are logged for suggestions.
    assert.deepEqual(s.suggest('zzz', 5), []);
    assert.deepEqual(s.suggest('lam', 5)[0], { text: 'lamp', source: 'queries' });
  });

  it('falls back to semantic hits, under the same filters, before popular items', () => {
    const semantic: SemanticSource = {
      search: (_v, k, skip) => [{ itemId: 'c1', score: 0.9 }].filter((h) => !skip?.(h.itemId)).slice(0, k),
      vectorOf: () => undefined,
    };
    const s = service(semantic);
    const vector = new Float32Array([1, 0]);
    const r = s.search({ q: 'zzzz', queryVector: vector });
    assert.equal(r.fallback?.kind, 'semantic');
    assert.deepEqual([ids(r), r.total], [['c1'], 1]);
    // The filter hides c1 from the semantic side too: nothing left but popular items.
    const filtered = s.search({ q: 'zzzz', queryVector: vector, filters: { brands: ['Lumi'] } });
    assert.equal(filtered.fallback?.kind, 'popular');
    assert.deepEqual(ids(filtered), ['l1', 'l2']);
  });

  it('an empty query browses every available item by popularity, or by the sort asked for', () => {
    const s = service();
    const browse = s.search({ q: '  ', facets: ['brand'] });
    assert.equal(browse.mode, 'browse');
    assert.equal(browse.total, 6);
    assert.deepEqual(ids(browse), ['l3', 'l1', 'l4', 'l2', 'c1', 'c2']);
    assert.deepEqual(browse.facets.brand?.[0], { value: 'Lumi', count: 2 });
    assert.deepEqual(ids(s.search({ sort: 'price_asc' })), ['l4', 'l1', 'c2', 'l2', 'c1', 'l3']);
    assert.deepEqual(ids(s.search({ filters: { categories: ['Furniture'] }, sort: 'price_desc' })), ['c1', 'c2']);
  });

  it('suggests logged queries first, then catalog completions of the last word after the words before it', () => {
    const s = service();
    assert.deepEqual(s.suggest('desk la', 5), [{ text: 'desk lamp', source: 'catalog' }]);
    assert.deepEqual(s.suggest('desk ', 5), [], 'a finished word is not completed');
    s.search({ q: 'Desk Lamp' });
    s.search({ q: 'desk chair' });
    s.recordEvents([{ itemId: 'c2', type: 'search_click', context: { query: 'Desk  Chair' } }]);
    assert.deepEqual(s.suggest('desk', 5), [
      { text: 'desk chair', source: 'queries' }, // 1 search + 2 for the click
      { text: 'desk lamp', source: 'queries' },
      { text: 'desk', source: 'catalog' },
    ]);
    assert.deepEqual(s.queries.clicksFor('desk chair')?.get('c2'), 1);
    assert.deepEqual(s.suggest('desk la', 5), [{ text: 'desk lamp', source: 'queries' }], 'the catalog does not repeat a logged query');
    assert.equal(s.suggest('desk', 2).length, 2);
  });

  it('re-indexing an item keeps its popularity; createdAt defaults to the upsert time', () => {
    const s = service();
    s.upsertInputs([{ id: 'l3', title: 'Large Lamp Shade', categories: ['Lighting'] }], NOW + 1000);
    assert.deepEqual(ids(s.search({ pageSize: 1 })), ['l3']);
    assert.deepEqual(ids(s.search({ q: 'lamp', sort: 'newest', pageSize: 1 })), ['l3']);
    // The new record replaces the old one whole: its brand is gone from the facets.
    assert.deepEqual(
      s.search({ q: 'lamp', facets: ['brand'] }).facets.brand?.map((f) => f.value),
      ['Lumi', 'Clipco'],
    );
  });

  it('sorts the whole result set, not just the relevance head', () => {
    const s = new SearchService({ ...DEFAULT_SEARCH, depth: 2 }, {}, undefined, new Analyzer({ stemming: false }));
    s.upsertInputs(
      [
        { id: 'a', title: 'lamp lamp lamp', price: 50 },
        { id: 'b', title: 'lamp lamp', price: 40 },
        { id: 'c', title: 'lamp', price: 5 },
        { id: 'd', title: 'lamp shade', price: 1 },
      ],
      NOW,
    );
    assert.deepEqual(ids(s.search({ q: 'lamp', sort: 'price_asc', pageSize: 2 })), ['d', 'c']);
    assert.deepEqual(ids(s.search({ q: 'lamp', sort: 'price_asc', pageSize: 2, page: 2 })), ['b', 'a']);
  });

  it('completes the last word only when the prefix ends in it', () => {
    const s = service();
    for (const prefix of ['lamp with', 'desk lamp x', 'lamp.', 'lamp-']) {
      const texts = s.suggest(prefix, 8).map((x) => x.text);
      assert.ok(texts.every((t) => !/lalamp|llamp|lamp lamp/.test(t)), `${prefix}: ${JSON.stringify(texts)}`);
    }
    assert.ok(s.suggest('desk la', 8).some((x) => x.text === 'desk lamp'));
  });
});


describe('searchSettings', () => {
  it('maps the search section of the configuration', () => {
    const config = loadConfig({ flags: { search: { fieldWeights: { description: 0, brand: 2 }, typos: false, synonyms: ['fridge|refrigerator|icebox'], semanticWeight: 0.5 } } });
    const settings = searchSettings(config.search);
    assert.deepEqual(settings.fields.map((f) => [f.name, f.weight]), [['title', 1], ['brand', 2], ['categories', 0.6], ['attributes', 0.4]], 'weight 0 leaves description out');
    assert.deepEqual([settings.lexical.typo, settings.lexical.typoKnown], [0, 0]);
    assert.deepEqual(settings.synonyms, [['fridge', 'refrigerator', 'icebox']]);
    assert.equal(settings.hybrid.semanticWeight, 0.5);
    // A service built from them: no typo matches, a synonym match, description not searched.
    const s = new SearchService(settings, {}, undefined, new Analyzer({ stemming: false }));
    s.upsertInputs([{ id: 'f', title: 'Steel Refrigerator', description: 'quiet compressor' }], Date.parse('2026-01-01'));
    assert.deepEqual(s.search({ q: 'icebox' }).hits.map((h) => h.itemId), ['f']);
    assert.equal(s.search({ q: 'refrigerater' }).fallback?.kind, 'popular', 'typos are off');
    assert.equal(s.search({ q: 'compressor' }).fallback?.kind, 'popular', 'the description is not indexed');
  });
});

describe('SearchService.load', () => {
  const item = (id: string, title: string) => ({ id, title, available: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });

  it('changes that arrive while the catalog is read win over the rows read; a reload supersedes a running load', async () => {
    const s = new SearchService(DEFAULT_SEARCH, {}, undefined, new Analyzer({ stemming: false }));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rows = [item('a', 'old lamp'), item('b', 'desk chair')];
    const first = s.load(async (visit) => {
      await gate;
      visit.items(rows);
    });
    // While the read waits: a live upsert of a and a delete of b.
    s.upsertInputs([{ id: 'a', title: 'new lamp' }], Date.parse('2026-02-01'));
    s.remove(['b']);
    release();
    await first;
    await s.whenLoaded();
    assert.deepEqual(s.search({ q: 'new lamp' }).hits.map((h) => h.itemId), ['a']);
    assert.equal(s.search({ q: 'old' }).fallback?.kind, 'popular', 'the older row read for a did not come back');
    assert.equal(s.search({ q: 'chair' }).fallback?.kind, 'popular', 'the deleted b did not come back');

    // A slow first read, then a reload through the same reader: the slow read's rows are dropped
    // when they finally arrive.
    const t = new SearchService(DEFAULT_SEARCH, {}, undefined, new Analyzer({ stemming: false }));
    let releaseSlow: () => void = () => {};
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    let calls = 0;
    const slow = t.load(async (visit) => {
      if (calls++ === 0) {
        await slowGate;
        visit.items([item('z', 'stale zebra rug')]);
      } else {
        visit.items([item('c', 'garden hose')]);
      }
    });
    await t.reload();
    releaseSlow();
    await slow;
    assert.deepEqual(t.search({ q: 'garden hose' }).hits.map((h) => h.itemId), ['c']);
    assert.equal(t.search({ q: 'zebra' }).fallback?.kind, 'popular');
  });
});
