import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShopfusionError } from '../core/errors.js';
import { Rng } from '../models/random.js';
import { rerank, type RerankCandidate, type RerankInput, type StageRecord } from './rerank.js';
import { mergeRules, narrowRules, validateRules, type PlacementRules } from './rules.js';

const NOW = Date.UTC(2026, 0, 31);
const DAY = 86_400_000;

function cand(itemId: string, score: number, extra: Partial<RerankCandidate> = {}): RerankCandidate {
  return { itemId, score, interactions: 10, ...extra };
}

/** Candidates a, b, c, … with scores 1, 0.9, 0.8, … (sorted, as the ranker hands them over). */
function ladder(n: number, extra: (i: number) => Partial<RerankCandidate> = () => ({})): RerankCandidate[] {
  return Array.from({ length: n }, (_, i) => cand(String.fromCharCode(97 + i), 1 - i / 10, extra(i)));
}

function run(candidates: RerankCandidate[], k: number, rules: PlacementRules, more: Partial<RerankInput> = {}) {
  return rerank({ candidates, k, rules, now: NOW, ...more });
}

const ids = (r: { items: RerankCandidate[] }) => r.items.map((i) => i.itemId);
const stage = (stages: StageRecord[], name: StageRecord['stage']) => stages.find((s) => s.stage === name);

function unit(...v: number[]): Float32Array {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / norm);
}

function assertUnique(list: string[]): void {
  assert.equal(new Set(list).size, list.length, `repeated ids in ${list.join(',')}`);
}

test('a pinned item lands exactly at its position: absent from candidates, lower in the list, never twice', () => {
  const candidates = ladder(8);
  const pinned = new Map([['z', cand('z', 0, { brand: 'Pinned' })]]);
  const r = run(candidates, 5, { pins: [{ itemId: 'z', position: 2 }, { itemId: 'g', position: 4 }] }, { pinned });
  assert.deepEqual(ids(r), ['a', 'z', 'b', 'g', 'c']);
  assert.deepEqual(r.items[1]?.stages, ['pin']);
  assert.deepEqual(stage(r.stages, 'pin'), { stage: 'pin', changed: 2, items: ['z', 'g'] });

  // Already in the list, above its pin: moved down, not duplicated.
  const down = run(candidates, 5, { pins: [{ itemId: 'a', position: 5 }] });
  assert.deepEqual(ids(down), ['b', 'c', 'd', 'e', 'a']);

  // A short list: the pin goes at the end (length + 1), and a pin beyond k is ignored.
  const short = run(ladder(2), 5, { pins: [{ itemId: 'z', position: 4 }, { itemId: 'b', position: 9 }] }, { pinned });
  assert.deepEqual(ids(short), ['a', 'b', 'z']);
  assert.match(stage(short.stages, 'pin')?.note ?? '', /b: pin ignored, position 9 > k 5/);
  assert.match(stage(short.stages, 'pin')?.note ?? '', /z: position 4 moved to 3/);
});

test('excluded items never appear, a pinned-but-excluded item included', () => {
  const candidates = ladder(6);
  const exclude = new Map([
    ['a', 'purchased'],
    ['c', 'purchased'],
    ['z', 'seen'],
    ['e', 'unavailable'],
  ]);
  const pinned = new Map([['z', cand('z', 0)]]);
  const r = run(candidates, 10, { pins: [{ itemId: 'z', position: 1 }, { itemId: 'e', position: 2 }] }, { exclude, pinned });
  assert.deepEqual(ids(r), ['b', 'd', 'f']);
  assert.deepEqual(stage(r.stages, 'exclude'), {
    stage: 'exclude',
    changed: 3,
    items: ['a', 'c', 'e'],
    note: 'purchased: 2, unavailable: 1',
  });
  const pin = stage(r.stages, 'pin');
  assert.equal(pin?.changed, 0);
  assert.match(pin?.note ?? '', /z: dropped, excluded \(seen\)/);
  assert.match(pin?.note ?? '', /e: dropped, excluded \(unavailable\)/);
});

test('repeated candidate ids are shown once', () => {
  const r = run([cand('a', 1), cand('b', 0.9), cand('a', 0.8), cand('c', 0.7)], 10, {});
  assert.deepEqual(ids(r), ['a', 'b', 'c']);
  assert.equal(stage(r.stages, 'exclude')?.note, 'duplicate: 1');
});

test('filters hold on every output item, and only failing items go', () => {
  const rng = new Rng(7);
  const brands = ['Acme', 'Bolt', 'Coda', undefined];
  const cats = [['Home', 'Kitchen'], ['Home', 'Garden'], ['Sport'], undefined];
  const filters = { brands: ['Acme', 'Bolt'], excludeBrands: ['Bolt'], categories: ['Home'], priceMin: 10, priceMax: 50 };
  const passes = (c: RerankCandidate) =>
    c.brand === 'Acme' && c.categories?.includes('Home') === true && c.price !== undefined && c.price >= 10 && c.price <= 50;
  for (let trial = 0; trial < 50; trial++) {
    const candidates = Array.from({ length: 40 }, (_, i) => {
      const price = rng.next() < 0.1 ? undefined : Math.round(rng.next() * 80);
      return cand(`i${i}`, 1 - i / 40, {
        ...(brands[rng.int(4)] !== undefined && { brand: brands[rng.int(4)] as string }),
        ...(cats[rng.int(4)] !== undefined && { categories: cats[rng.int(4)] as string[] }),
        ...(price !== undefined && { price }),
      });
    });
    const r = run(candidates, 100, { filters });
    for (const item of r.items) assert.ok(passes(item), `${item.itemId} fails the filters`);
    assert.equal(r.items.length, candidates.filter(passes).length);
    assert.equal(stage(r.stages, 'filter')?.changed, 40 - r.items.length);
  }
});

test('missing fields: no brand passes excludeBrands but fails brands; no price fails a price bound', () => {
  const candidates = [cand('nobrand', 1, { price: 5 }), cand('noprice', 0.9, { brand: 'X' }), cand('old', 0.8, { createdAt: NOW - 40 * DAY })];
  assert.deepEqual(ids(run(candidates, 5, { filters: { excludeBrands: ['X'] } })), ['nobrand', 'old']);
  assert.deepEqual(ids(run(candidates, 5, { filters: { brands: ['X'] } })), ['noprice']);
  assert.deepEqual(ids(run(candidates, 5, { filters: { priceMax: 100 } })), ['nobrand']);
  assert.deepEqual(ids(run(candidates, 5, { filters: { newerThanDays: 60 } })), ['old']);
  const r = run(candidates, 5, { filters: { priceMin: 1, brands: ['X'] } });
  assert.equal(stage(r.stages, 'filter')?.note, 'brands: 2, priceMin: 1');
});

test('a boost lifts a matching item above a non-matching one with a slightly higher score', () => {
  const candidates = [cand('a', 1, { brand: 'A' }), cand('b', 0.98, { brand: 'B' }), cand('c', 0.5, { brand: 'A' })];
  const r = run(candidates, 3, { boosts: [{ brand: 'B', factor: 1.1 }] });
  assert.deepEqual(ids(r), ['b', 'a', 'c']);
  assert.deepEqual(r.items[0]?.stages, ['boost']);
  assert.equal(r.items[1]?.stages, undefined);
  assert.equal(r.items[0]?.score, 0.98, 'the input score is kept');
  assert.deepEqual(stage(r.stages, 'boost'), { stage: 'boost', changed: 1, items: ['b'], note: '2 moved' });

  // Negative scores and the bottom item: normalisation makes the factor count.
  const negative = [cand('x', -1), cand('y', -1.02, { categories: ['Toys'] }), cand('w', -3, { categories: ['Toys'], createdAt: NOW - DAY })];
  assert.deepEqual(ids(run(negative, 3, { boosts: [{ category: 'Toys', factor: 1.05 }] })), ['y', 'x', 'w']);
  const bottom = run(negative, 3, { boosts: [{ category: 'Toys', newerThanDays: 7, factor: 200 }] });
  assert.deepEqual(ids(bottom), ['w', 'x', 'y'], 'all conditions of a boost must hold; the lowest item still moves');
});

test('MMR with lambda 1 is the input order; with 0.5 on vectors a dissimilar item beats a near-duplicate', () => {
  const candidates = [
    cand('a', 1, { vector: unit(1, 0, 0) }),
    cand('a2', 0.95, { vector: unit(0.99, 0.14, 0) }),
    cand('c', 0.8, { vector: unit(0, 1, 0) }),
    cand('d', 0.7, { vector: unit(0.98, 0, 0.2) }),
    cand('e', 0),
  ];
  const same = run(candidates, 5, { diversity: { lambda: 1, by: 'vectors' } });
  assert.deepEqual(ids(same), ['a', 'a2', 'c', 'd', 'e']);
  assert.equal(stage(same.stages, 'diversity')?.changed, 0);

  const diverse = run(candidates, 3, { diversity: { lambda: 0.5, by: 'vectors' } });
  assert.deepEqual(ids(diverse).slice(0, 2), ['a', 'c']);
  assert.ok(ids(diverse).indexOf('c') < ids(diverse).indexOf('a2') || !ids(diverse).includes('a2'));
  assert.ok(diverse.items[1]?.stages?.includes('diversity'));
  assert.ok((stage(diverse.stages, 'diversity')?.changed ?? 0) >= 2);
});

test('MMR by categories: an equal leaf counts as a duplicate', () => {
  const candidates = [
    cand('a', 1, { categories: ['Home', 'Kitchen', 'Pans'] }),
    cand('b', 0.95, { categories: ['Outlet', 'Pans'] }),
    cand('c', 0.9, { categories: ['Home', 'Garden'] }),
  ];
  assert.deepEqual(ids(run(candidates, 3, { diversity: { lambda: 0.5, by: 'categories' } })), ['a', 'c', 'b']);
});

test('the brand cap holds over seeded random lists, with and without diversity, and the list stays k long', () => {
  const rng = new Rng(42);
  const brands = ['A', 'B', 'C', 'D', 'E'];
  for (let trial = 0; trial < 300; trial++) {
    const n = 5 + rng.int(60);
    const nBrands = 1 + rng.int(brands.length);
    const candidates = Array.from({ length: n }, (_, i) => {
      const brand = rng.next() < 0.1 ? undefined : brands[rng.int(nBrands)];
      return cand(`i${i}`, 1 - i / n, {
        ...(brand !== undefined && { brand }),
        categories: ['Root', `c${rng.int(4)}`],
        vector: unit(rng.normal(), rng.normal(), rng.normal(), rng.normal()),
        interactions: rng.int(3),
      });
    });
    const cap = 1 + rng.int(3);
    const k = 1 + rng.int(20);
    const mode = trial % 4;
    const rules: PlacementRules = { brandCap: cap };
    if (mode === 1) rules.diversity = { lambda: rng.next(), by: 'vectors' };
    if (mode === 2) rules.diversity = { lambda: rng.next(), by: 'categories' };
    if (mode === 3) rules.exploration = { positions: [1 + rng.int(5), 7], maxInteractions: 0 };
    const r = run(candidates, k, rules);
    const perBrand = new Map<string, number>();
    for (const item of r.items) if (item.brand) perBrand.set(item.brand, (perBrand.get(item.brand) ?? 0) + 1);
    for (const [brand, count] of perBrand) assert.ok(count <= cap, `trial ${trial}: ${brand} has ${count} > cap ${cap}`);
    const available = new Map<string, number>();
    let unbranded = 0;
    for (const c of candidates) {
      if (c.brand === undefined) unbranded++;
      else available.set(c.brand, (available.get(c.brand) ?? 0) + 1);
    }
    const reachable = unbranded + [...available.values()].reduce((s, count) => s + Math.min(count, cap), 0);
    assert.equal(r.items.length, Math.min(k, reachable), `trial ${trial}: length`);
    assertUnique(ids(r));
    for (const skipped of stage(r.stages, 'brand-cap')?.items ?? []) assert.ok(!ids(r).includes(skipped));
  }
});

test('brand cap: records the skipped items and counts pins first', () => {
  const candidates = ladder(6, (i) => ({ brand: i < 4 ? 'A' : 'B' }));
  const r = run(candidates, 4, { brandCap: 2 });
  assert.deepEqual(ids(r), ['a', 'b', 'e', 'f']);
  assert.deepEqual(stage(r.stages, 'brand-cap'), { stage: 'brand-cap', changed: 2, items: ['c', 'd'], note: 'at most 2 per brand' });
  const pinned = new Map([['p', cand('p', 0, { brand: 'A' })]]);
  const withPin = run(candidates, 4, { brandCap: 2, pins: [{ itemId: 'p', position: 4 }] }, { pinned });
  assert.deepEqual(ids(withPin), ['a', 'e', 'f', 'p']);
});

test('exploration puts a new item at its slot, moved up or taken from beyond k', () => {
  const candidates = ladder(8, (i) => ({ interactions: i === 5 || i === 7 ? 0 : 3 }));
  const moved = run(candidates, 5, { exploration: { positions: [2] } });
  assert.deepEqual(ids(moved), ['a', 'f', 'b', 'c', 'd']);
  assert.deepEqual(moved.items[1]?.stages, ['exploration']);

  const two = run(candidates, 4, { exploration: { positions: [2, 3] } });
  assert.deepEqual(ids(two), ['a', 'f', 'h', 'b']);
  assert.equal(stage(two.stages, 'exploration')?.changed, 2);
  assert.match(stage(two.stages, 'exploration')?.note ?? '', /d made room/);

  // A pin above shifts the fill; the explored item still lands at final position 3.
  const pinned = new Map([['p', cand('p', 0)]]);
  const withPin = run(candidates, 5, { pins: [{ itemId: 'p', position: 1 }], exploration: { positions: [3] } }, { pinned });
  assert.deepEqual(ids(withPin), ['p', 'a', 'f', 'b', 'c']);

  // maxInteractions widens who qualifies; no candidate leaves the order alone.
  assert.deepEqual(ids(run(ladder(4, () => ({ interactions: 3 })), 3, { exploration: { positions: [1] } })), ['a', 'b', 'c']);
  assert.deepEqual(ids(run(candidates, 3, { exploration: { positions: [1], maxInteractions: 5 } })), ['a', 'b', 'c']);
});

test('stage records appear in cascade order and count what changed', () => {
  const candidates = ladder(8, (i) => ({ brand: i % 2 ? 'A' : 'B', price: 10 * (i + 1), interactions: i === 7 ? 0 : 1 }));
  const r = run(
    candidates,
    5,
    {
      filters: { priceMax: 70 },
      boosts: [{ brand: 'A', factor: 1.5 }],
      brandCap: 2,
      exploration: { positions: [4] },
      pins: [{ itemId: 'f', position: 1 }],
    },
    { exclude: new Map([['b', 'requested']]) },
  );
  assert.deepEqual(
    r.stages.map((s) => s.stage),
    ['exclude', 'filter', 'boost', 'brand-cap', 'exploration', 'pin'],
  );
  assert.equal(stage(r.stages, 'exclude')?.changed, 1);
  assert.deepEqual(stage(r.stages, 'filter')?.items, ['h']);
  // f is pinned, so it leaves the candidates before the boost; the pinned A counts towards the cap.
  assert.deepEqual(stage(r.stages, 'boost')?.items, ['d']);
  assert.deepEqual(stage(r.stages, 'brand-cap')?.items, ['e', 'g']);
  assert.equal(stage(r.stages, 'exploration')?.changed, 0, 'the only new item was filtered out');
  assert.equal(stage(r.stages, 'pin')?.changed, 1);
  assert.deepEqual(ids(r), ['f', 'a', 'd', 'c'], 'five asked, four reachable under the cap');
});

test('a large request stays fast and well-formed (n 500, k 100, 512 dims)', () => {
  const rng = new Rng(3);
  const candidates = Array.from({ length: 500 }, (_, i) => {
    const v = new Float32Array(512);
    rng.fillNormal(v, 1);
    const norm = Math.hypot(...v);
    return cand(`i${i}`, 1 - i / 500, { brand: `b${rng.int(20)}`, vector: v.map((x) => x / norm), interactions: rng.int(3) });
  });
  const started = performance.now();
  const r = run(candidates, 100, { brandCap: 6, diversity: { lambda: 0.7, by: 'vectors' }, exploration: { positions: [5, 10] } });
  const ms = performance.now() - started;
  assert.equal(r.items.length, 100);
  assertUnique(ids(r));
  assert.ok(ms < 2_000, `took ${ms.toFixed(0)} ms`);
});

function rejects(rules: unknown, path: string, words: RegExp): void {
  assert.throws(
    () => validateRules(rules),
    (error: unknown) => {
      assert.ok(error instanceof ShopfusionError);
      assert.equal(error.code, 'validation_failed');
      const details = error.details as Array<{ path: string; message: string }>;
      assert.ok(
        details.some((d) => d.path === path && words.test(d.message)),
        `no detail at ${path} matching ${words}: ${JSON.stringify(details)}`,
      );
      assert.ok(error.message.includes(path), error.message);
      return true;
    },
  );
}

test('validateRules rejects each contradiction, naming the field', () => {
  validateRules({
    filters: { brands: ['A'], excludeBrands: ['B'], priceMin: 1, priceMax: 1 },
    boosts: [{ newerThanDays: 3, factor: 2 }],
    pins: [{ itemId: 'x', position: 1 }, { itemId: 'y', position: 2 }],
    exploration: { positions: [3, 4] },
  });
  rejects({ filters: { priceMin: 20, priceMax: 10 } }, 'rules/filters/priceMin', /at most filters\.priceMax \(10\), got 20/);
  rejects({ filters: { brands: ['A', 'B'], excludeBrands: ['C', 'B'] } }, 'rules/filters/excludeBrands/1', /"B".*filters\.brands/);
  rejects({ boosts: [{ brand: 'A', factor: 2 }, { factor: 2 }] }, 'rules/boosts/1', /at least one condition/);
  rejects({ pins: [{ itemId: 'x', position: 2 }, { itemId: 'y', position: 2 }] }, 'rules/pins/1/position', /pins\/0 already/);
  rejects({ pins: [{ itemId: 'x', position: 1 }, { itemId: 'x', position: 2 }] }, 'rules/pins/1/itemId', /pinned once/);
  rejects(
    { pins: [{ itemId: 'x', position: 3 }], exploration: { positions: [3] } },
    'rules/exploration/positions/0',
    /pins\/0 takes/,
  );
  rejects({ exploration: { positions: [2, 5, 2] } }, 'rules/exploration/positions/2', /repeats position 2/);
  // The schema's own limits come through the same door.
  rejects({ boosts: [{ brand: 'A', factor: 0 }] }, 'rules/boosts/0/factor', /.+/);
  rejects({ brandCap: 0 }, 'rules/brandCap', /.+/);
  rejects({ sort: 'price' }, 'rules/sort', /not a known field/);
  assert.throws(() => validateRules({ filters: { priceMin: 5, priceMax: 1 } }, '/query'), /\/query\/filters\/priceMin/);
});

test('mergeRules overrides field by field and merges filters key by key', () => {
  const base: PlacementRules = {
    filters: { brands: ['A'], priceMax: 100 },
    brandCap: 2,
    pins: [{ itemId: 'x', position: 1 }],
    diversity: { lambda: 0.8, by: 'vectors' },
  };
  const snapshot = structuredClone(base);
  const merged = mergeRules(base, { filters: { priceMin: 10, brands: ['B'] }, brandCap: 3, diversity: { lambda: 1, by: 'categories' } });
  assert.deepEqual(merged, {
    filters: { brands: ['B'], priceMin: 10, priceMax: 100 },
    brandCap: 3,
    pins: [{ itemId: 'x', position: 1 }],
    diversity: { lambda: 1, by: 'categories' },
  });
  assert.deepEqual(base, snapshot, 'the base is not modified');
  assert.deepEqual(mergeRules(base, {}), base);
  assert.throws(
    () => mergeRules(base, { filters: { priceMin: 200 } }),
    (e: unknown) => e instanceof ShopfusionError && /rules\/filters\/priceMin/.test(e.message),
  );
  assert.throws(() => mergeRules(base, { exploration: { positions: [1] } }), /pins\/0 takes/);
});

test('narrowRules: a request narrows the placement filters and never widens them', () => {
  const base: PlacementRules = { filters: { excludeBrands: ['X'], brands: ['A', 'B', 'X'], priceMin: 5, priceMax: 100 }, brandCap: 2 };
  const narrowed = narrowRules(base, { filters: { excludeBrands: ['Z'], brands: ['B', 'C'], priceMin: 1, priceMax: 50 } }, 'query');
  assert.deepEqual(narrowed.filters, { excludeBrands: ['X', 'Z'], brands: ['B'], priceMin: 5, priceMax: 50 });
  assert.equal(narrowed.brandCap, 2);
  assert.deepEqual(base.filters?.excludeBrands, ['X'], 'the placement is not modified');
  // A filter the placement lacks is taken as the request gives it.
  assert.deepEqual(narrowRules({}, { filters: { brands: ['C'] } }).filters, { brands: ['C'] });
  assert.throws(
    () => narrowRules(base, { filters: { brands: ['C'] } }, 'query'),
    (e: unknown) => e instanceof ShopfusionError && e.code === 'validation_failed' && /query\/filters\/brands/.test(JSON.stringify(e.details)),
  );
  // A request that meets the placement's bounds from the other side is a contradiction.
  assert.throws(() => narrowRules(base, { filters: { priceMin: 200 } }, 'query'), /priceMin/);
});
