import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventInput, ItemInput, UserInput, type EventInput as EventRow } from '../../core/schema.js';
import { compileChecker } from '../../core/validate.js';
import { demoSizes, generateDemoShop, type DemoShop } from './generate.js';
import { createRandom } from './random.js';

const NOW = Date.UTC(2026, 10, 29, 12, 0);
const DAY_MS = 86_400_000;
const EVENTS = 20_000;

function digest(shop: DemoShop): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(shop.items));
  hash.update(JSON.stringify(shop.users));
  for (const e of shop.events()) hash.update(JSON.stringify(e));
  return hash.digest('hex');
}

const shop = generateDemoShop({ events: EVENTS, seed: 7, now: NOW });
const events: EventRow[] = [...shop.events()];
const itemsById = new Map(shop.items.map((item) => [item.id, item]));
const usersById = new Map(shop.users.map((user) => [user.id, user]));

test('the same seed and now give the same shop; another seed gives another', () => {
  const first = digest(shop);
  assert.equal(digest(shop), first, 'events() replays the same sequence');
  assert.equal(digest(generateDemoShop({ events: EVENTS, seed: 7, now: NOW })), first);
  assert.notEqual(digest(generateDemoShop({ events: EVENTS, seed: 8, now: NOW })), first);
});

test('the PRNG is deterministic and its forks are independent of draws on the parent', () => {
  const a = createRandom(1);
  const b = createRandom(1);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(Array.from({ length: 5 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => createRandom(2).next()), xs.slice(0, 1).concat(xs.slice(0, 4)));
  const fresh = createRandom(1).fork('x').next();
  assert.equal(a.fork('x').next(), fresh, 'a fork does not depend on what the parent has drawn');
  assert.notEqual(a.fork('y').next(), fresh);
  for (let i = 0; i < 1000; i++) {
    const r = a.int(3, 5);
    assert.ok(r >= 3 && r <= 5 && Number.isInteger(r));
  }
});

test('exactly the requested number of events, at every size', () => {
  assert.equal(events.length, EVENTS);
  assert.equal([...generateDemoShop({ events: 1_234, seed: 3, now: NOW }).events()].length, 1_234);
  assert.throws(() => generateDemoShop({ events: 0, seed: 1, now: NOW }), RangeError);
  assert.throws(() => generateDemoShop({ events: 1.5, seed: 1, now: NOW }), RangeError);
});

test('catalog and audience scale with the event count', () => {
  assert.deepEqual(demoSizes(20_000), { items: 1_000, users: 800 });
  assert.deepEqual(demoSizes(1_000), { items: 200, users: 50 });
  assert.deepEqual(demoSizes(1_000_000), { items: 50_000, users: 40_000 });
  assert.equal(shop.items.length, 1_000);
  assert.equal(shop.users.length, 800);
  assert.equal(new Set(shop.items.map((i) => i.id)).size, shop.items.length, 'item ids are unique');
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'event ids are unique');
});

test('timestamps are integers, non-decreasing and inside the 90-day window', () => {
  let previous = -Infinity;
  for (const e of events) {
    const t = e.timestamp as number;
    assert.ok(Number.isInteger(t), `timestamp ${String(t)} is an integer`);
    assert.ok(t >= previous, `event ${e.id ?? ''} is not earlier than the one before`);
    assert.ok(t >= NOW - 90 * DAY_MS && t <= NOW, `event ${e.id ?? ''} lies in the window`);
    previous = t;
  }
  // The window is filled from start to end, not bunched up at one side.
  const first = events[0]?.timestamp as number;
  const last = events[events.length - 1]?.timestamp as number;
  assert.ok(first < NOW - 88 * DAY_MS && last > NOW - DAY_MS);
});

test('every item, user and event validates against the API schemas', () => {
  const checkItem = compileChecker(ItemInput);
  const checkUser = compileChecker(UserInput);
  const checkEvent = compileChecker(EventInput);
  for (const item of shop.items) assert.deepEqual(checkItem(item), { ok: true, value: item });
  for (const user of shop.users) assert.deepEqual(checkUser(user), { ok: true, value: user });
  for (const e of events) {
    const r = checkEvent(e);
    assert.ok(r.ok, `${JSON.stringify(e)}: ${JSON.stringify(r.ok ? [] : r.errors)}`);
  }
});

test('items are bilingual and complete', () => {
  for (const item of shop.items) {
    assert.match(item.title ?? '', /[\u4e00-\u9fff]/, `${item.id} has Chinese in its title`);
    assert.match(item.title ?? '', /[A-Za-z]{3}/, `${item.id} has English in its title`);
    assert.match(item.description ?? '', /[\u4e00-\u9fff]/);
    assert.equal(item.categories?.length, 3);
    assert.ok((item.price ?? -1) > 0 && Math.round((item.price as number) * 100) / 100 === item.price);
    assert.equal(item.imageUrl, `https://img.example.com/${item.id}.jpg`);
  }
  const unavailable = shop.items.filter((i) => i.available === false).length / shop.items.length;
  assert.ok(unavailable > 0.005 && unavailable < 0.08, `about 3% unavailable, got ${unavailable}`);
  const tops = new Set(shop.items.map((i) => i.categories?.[0]));
  assert.ok(tops.size >= 6, 'items span the top categories');
});

test('events refer to existing items and users, and to nothing before it existed', () => {
  let anonymous = 0;
  for (const e of events) {
    const item = itemsById.get(e.itemId);
    assert.ok(item, `item ${e.itemId} exists`);
    const t = e.timestamp as number;
    assert.ok(Date.parse(item.createdAt as string) <= t, `${e.itemId} existed at ${t}`);
    if (e.userId !== undefined) {
      const user = usersById.get(e.userId);
      assert.ok(user, `user ${e.userId} exists`);
      assert.ok(Date.parse(user.createdAt as string) <= t);
    } else {
      anonymous++;
    }
    if (e.type === 'purchase') assert.notEqual(item.available, false, 'only available items are bought');
    if (e.type === 'rating') {
      assert.ok(Number.isInteger(e.value) && (e.value as number) >= 1 && (e.value as number) <= 5);
    } else {
      assert.equal(e.value, undefined, `${e.type} events carry no value`);
    }
    if (e.type === 'impression') {
      assert.ok(e.context?.recommId && e.context.placement && Number.isInteger(e.context.position));
    }
    if (e.type === 'search_click') assert.ok((e.context?.query ?? '').length > 0);
  }
  const share = anonymous / events.length;
  assert.ok(share > 0.1 && share < 0.3, `about 20% of events are anonymous, got ${share}`);
});

test('the funnel narrows and every purchase follows an add_to_cart in its session', () => {
  const count = (type: string) => events.filter((e) => e.type === type).length;
  const views = count('view');
  const clicks = count('click');
  const carts = count('add_to_cart');
  const purchases = count('purchase');
  assert.ok(purchases > 0 && purchases < carts && carts < clicks && clicks < views, JSON.stringify({ views, clicks, carts, purchases }));
  assert.ok(clicks / views > 0.2 && clicks / views < 0.4, `~30% of views clicked: ${clicks / views}`);
  assert.ok(carts / views > 0.06 && carts / views < 0.15, `~10% of views carted: ${carts / views}`);
  assert.ok(purchases / carts > 0.25 && purchases / carts < 0.55, `~40% of carts bought: ${purchases / carts}`);
  assert.ok(count('rating') > 0 && count('like') > 0 && count('search_click') > 0 && count('impression') > 0);

  const carted = new Set<string>();
  const lastInSession = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'rating') continue;
    assert.ok(e.sessionId, 'session events carry a sessionId');
    const key = `${e.sessionId}\u0000${e.itemId}`;
    if (e.type === 'add_to_cart') carted.add(key);
    if (e.type === 'purchase') assert.ok(carted.has(key), `${e.id ?? ''}: purchase of ${e.itemId} follows its add_to_cart`);
    const t = e.timestamp as number;
    const before = lastInSession.get(e.sessionId);
    if (before !== undefined) assert.ok(t - before <= 30 * 60_000, 'events of a session are seconds to minutes apart');
    lastInSession.set(e.sessionId, t);
  }
});

test('item popularity is long-tailed', () => {
  const views = new Map<string, number>();
  for (const e of events) if (e.type === 'view') views.set(e.itemId, (views.get(e.itemId) ?? 0) + 1);
  const sorted = [...views.values()].sort((a, b) => b - a);
  const total = sorted.reduce((a, b) => a + b, 0);
  const top = sorted.slice(0, Math.ceil(shop.items.length * 0.1)).reduce((a, b) => a + b, 0);
  assert.ok(top / total > 0.4, `top 10% of items get ${top / total} of views`);
});

test("users' sessions return to the same few top categories, far more than chance", () => {
  // Each signed-in session's main top category (the most viewed one), grouped by user.
  const perSession = new Map<string, { user: string; counts: Map<string, number> }>();
  for (const e of events) {
    if (e.type !== 'view' || e.userId === undefined || e.sessionId === undefined) continue;
    const s = perSession.get(e.sessionId) ?? { user: e.userId, counts: new Map<string, number>() };
    const top = itemsById.get(e.itemId)?.categories?.[0] ?? '';
    s.counts.set(top, (s.counts.get(top) ?? 0) + 1);
    perSession.set(e.sessionId, s);
  }
  const byUser = new Map<string, string[]>();
  for (const { user, counts } of perSession.values()) {
    const main = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? '';
    byUser.set(user, [...(byUser.get(user) ?? []), main]);
  }
  // The chance that two sessions of one user share their main category: sum of p_c^2 of the user's
  // taste, (alpha + 1) / (K alpha + 1) ~ 0.45 for a Dirichlet(0.25) over 7 categories, but only
  // about 0.17 if users browsed the shop's overall category mix.
  const agreement = (groups: string[][]) => {
    let same = 0;
    let pairs = 0;
    for (const g of groups) {
      const counts = new Map<string, number>();
      for (const c of g) counts.set(c, (counts.get(c) ?? 0) + 1);
      for (const n of counts.values()) same += (n * (n - 1)) / 2;
      pairs += (g.length * (g.length - 1)) / 2;
    }
    return { rate: same / pairs, pairs };
  };
  const groups = [...byUser.values()];
  const actual = agreement(groups);
  // The null model: the same sessions dealt to users at random keep the category mix but lose taste.
  const pool = createRandom('null-model').shuffle(groups.flat());
  let k = 0;
  const chance = agreement(groups.map((g) => g.map(() => pool[k++] as string)));
  assert.ok(actual.pairs > 500, `enough returning users: ${actual.pairs} session pairs`);
  assert.ok(actual.rate > 0.3, `same-category rate ${actual.rate}`);
  assert.ok(actual.rate > 1.8 * chance.rate, `taste ${actual.rate} vs chance ${chance.rate}`);
});
