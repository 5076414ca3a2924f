/**
 * The demo shop's registered users, with latent tastes the session simulation draws on: a
 * Dirichlet preference over top categories (concentrated on one or two), favourite brands, a
 * price sensitivity tied to the visible `segment`, and a heavy-tailed activity level.
 */
import type { UserInput } from '../../core/schema.js';
import { CATEGORY_TREE, COUNTRIES } from './catalog-words.js';
import type { CatalogModel } from './catalog.js';
import { AliasTable, type Random } from './random.js';

const DAY_MS = 86_400_000;

/** Users with their latent traits; user u of every array is `users[u]`. */
export interface AudienceModel {
  users: UserInput[];
  ids: string[];
  createdAt: Float64Array;
  /** Cumulative taste over top categories, row-major (users × tops); each row ends at 1. */
  tasteCdf: Float32Array;
  /** FAVOURITES slots per user, -1 where empty. */
  favouriteBrands: Int16Array;
  /**
   * Exponent on the price ratio in a shopper's appeal: appeal ∝ ratio^-sensitivity, so bargain
   * hunters (1.2) shy away from dear items and premium shoppers (-0.4) lean towards them.
   */
  priceSensitivity: Float32Array;
  /** 1 where the user reads Chinese: their searches are in Chinese. */
  zh: Uint8Array;
  /** Who starts the next session: activity is log-normal, so a few users come back often. */
  activity: AliasTable;
}

export const FAVOURITES = 2;

/** Dirichlet concentration per top category: well below 1, so most users care for one or two. */
const TASTE_ALPHA = 0.25;

const SEGMENTS = [
  { name: 'bargain', share: 0.3, sensitivity: 1.2 },
  { name: 'regular', share: 0.5, sensitivity: 0.3 },
  { name: 'premium', share: 0.2, sensitivity: -0.4 },
] as const;

export function userId(u: number): string {
  return `user-${String(u).padStart(5, '0')}`;
}

export interface AudienceOptions {
  count: number;
  now: number;
  periodStart: number;
}

/** `count` users; about a quarter sign up during the event window and only shop after that. */
export function buildAudience(rng: Random, catalog: CatalogModel, options: AudienceOptions): AudienceModel {
  const { count: n, now, periodStart } = options;
  const tops = CATEGORY_TREE.length;
  const alpha = new Float64Array(tops).fill(TASTE_ALPHA);
  const segmentPicker = SEGMENTS.map((s) => s.share);
  const countryPicker = new AliasTable(COUNTRIES.map(([, share]) => share));
  const a: AudienceModel = {
    users: new Array<UserInput>(n),
    ids: new Array<string>(n),
    createdAt: new Float64Array(n),
    tasteCdf: new Float32Array(n * tops),
    favouriteBrands: new Int16Array(n * FAVOURITES).fill(-1),
    priceSensitivity: new Float32Array(n),
    zh: new Uint8Array(n),
    activity: countryPicker, // replaced below
  };
  const activity = new Float64Array(n);
  const twoYearsAgo = now - 730 * DAY_MS;

  for (let u = 0; u < n; u++) {
    const taste = rng.dirichlet(alpha);
    let acc = 0;
    for (let t = 0; t < tops; t++) {
      acc += taste[t] as number;
      a.tasteCdf[u * tops + t] = acc;
    }
    a.tasteCdf[u * tops + tops - 1] = 1;
    const order = Array.from(taste.keys()).sort((x, y) => (taste[y] as number) - (taste[x] as number));
    const first = order[0] as number;
    const second = order[1] as number;
    a.favouriteBrands[u * FAVOURITES] = (catalog.brandsByTop[first] as AliasTable).sample(rng);
    if (rng.chance(0.5)) a.favouriteBrands[u * FAVOURITES + 1] = (catalog.brandsByTop[second] as AliasTable).sample(rng);

    const segment = SEGMENTS[rng.weightedPick(segmentPicker)] ?? SEGMENTS[1];
    a.priceSensitivity[u] = segment.sensitivity + rng.normal(0, 0.2);
    const country = COUNTRIES[countryPicker.sample(rng)]?.[0] ?? 'DE';
    const zh = country === 'CN' ? rng.chance(0.95) : country === 'SG' ? rng.chance(0.6) : rng.chance(0.05);
    a.zh[u] = zh ? 1 : 0;
    activity[u] = rng.logNormal(0, 1);
    const created = rng.chance(0.75) ? rng.uniform(twoYearsAgo, periodStart) : rng.uniform(periodStart, now - DAY_MS);
    a.createdAt[u] = Math.floor(created / 1000) * 1000;
    a.ids[u] = userId(u);

    const attributes: Record<string, string | boolean | string[]> = {
      segment: segment.name,
      country,
      language: zh ? 'zh' : 'en',
      newsletter: rng.chance(0.35),
    };
    // Some users told the shop what they like; it matches their hidden taste, as declared interests
    // roughly do.
    if (rng.chance(0.4)) {
      attributes.interests = [first, second].filter((t) => (taste[t] as number) > 0.15).map((t) => CATEGORY_TREE[t]?.en ?? 'Shop');
      if ((attributes.interests as string[]).length === 0) delete attributes.interests;
    }
    a.users[u] = { id: a.ids[u] as string, attributes, createdAt: new Date(a.createdAt[u] as number).toISOString() };
  }
  a.activity = new AliasTable(activity);
  return a;
}

/** A top category drawn from user u's taste. */
export function sampleTaste(a: AudienceModel, u: number, rng: Random): number {
  const tops = CATEGORY_TREE.length;
  const r = rng.next();
  const base = u * tops;
  for (let t = 0; t < tops - 1; t++) if (r < (a.tasteCdf[base + t] as number)) return t;
  return tops - 1;
}

export function isFavourite(a: AudienceModel, u: number, brand: number): boolean {
  for (let k = 0; k < FAVOURITES; k++) if (a.favouriteBrands[u * FAVOURITES + k] === brand) return true;
  return false;
}

