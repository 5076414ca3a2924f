/**
 * The demo catalog: bilingual items drawn from the vocabulary, plus the hidden quantities the
 * session simulation needs (popularity, quality, price relative to the category) and O(1)
 * samplers over them. Only `items` leaves the demo generator; the rest stays latent.
 */
import type { ItemInput } from '../../core/schema.js';
import {
  ADJECTIVES,
  BRANDS,
  CATEGORY_TREE,
  COLOURS,
  ECO_MATERIALS,
  MATERIALS,
  PRICE_SCALES_WITH_SIZE,
  SELLING_POINTS,
  SIZES,
  type ColourKey,
  type LeafCategory,
  type MaterialKey,
  type Words,
} from './catalog-words.js';
import { AliasTable, type Random } from './random.js';

const DAY_MS = 86_400_000;

/** A leaf of the category tree with its place in it. */
export interface FlatLeaf {
  def: LeafCategory;
  /** Index into CATEGORY_TREE. */
  top: number;
  /** English names, root to leaf: the item's `categories`. */
  path: string[];
  /** Chinese names, root to leaf. */
  pathZh: string[];
}

/** Items with their latent traits; item i of every array is `items[i]`. */
export interface CatalogModel {
  items: ItemInput[];
  ids: string[];
  leaves: FlatLeaf[];
  leafOf: Uint16Array;
  brandOf: Uint8Array;
  nounOf: Uint8Array;
  /** -1 when the title has no such word. */
  adjectiveOf: Int8Array;
  materialOf: Int8Array;
  colourOf: Int8Array;
  /** Price over the leaf median: above 1 is dear for its kind (a luxury brand, a big variant). */
  priceRatio: Float32Array;
  /** Hidden quality, standard normal: drives popularity, conversion and ratings. */
  quality: Float32Array;
  createdAt: Float64Array;
  available: Uint8Array;
  /** Items per leaf, and an alias table over their popularity. */
  leafItems: Int32Array[];
  leafSamplers: AliasTable[];
  /** Per top category: an alias table over its leaves (index into `topLeaves[t]`). */
  topLeaves: Int32Array[];
  topLeafSamplers: AliasTable[];
  /** Top categories by total item popularity: the taste of an anonymous visitor. */
  topSampler: AliasTable;
  /** Per top category: brands weighted by how much they sell there. */
  brandsByTop: AliasTable[];
}

export const MATERIAL_KEYS = Object.keys(MATERIALS) as MaterialKey[];
export const COLOUR_KEYS = Object.keys(COLOURS) as ColourKey[];

/** Exponent of the Zipf law behind item popularity: weight of rank r is r^-ZIPF. */
const ZIPF = 0.9;

export function flattenLeaves(): FlatLeaf[] {
  const out: FlatLeaf[] = [];
  CATEGORY_TREE.forEach((top, t) => {
    for (const s of top.subs) {
      for (const def of s.leaves) out.push({ def, top: t, path: [top.en, s.en, def.en], pathZh: [top.zh, s.zh, def.zh] });
    }
  });
  return out;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function itemId(i: number): string {
  return `sku-${pad(i, 6)}`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Shop prices: most end in .99, the rest are rounded to the cent. */
function shopPrice(raw: number, rng: Random): number {
  if (raw >= 3 && rng.chance(0.7)) return Math.round((Math.round(raw) - 0.01) * 100) / 100;
  return Math.max(0.49, Math.round(raw * 100) / 100);
}

export interface CatalogOptions {
  count: number;
  /** End of the simulated period (epoch ms). */
  now: number;
  /** Start of the 90-day event window (epoch ms). */
  periodStart: number;
}

/**
 * `count` items. The first one of each leaf predates the event window, so every category has
 * something to show from the first day; the rest are created across the past year, about a
 * quarter of them during the window.
 */
export function buildCatalog(rng: Random, options: CatalogOptions): CatalogModel {
  const { count: n, now, periodStart } = options;
  const leaves = flattenLeaves();
  if (n < leaves.length) throw new RangeError(`the demo catalog needs at least ${leaves.length} items, one per category`);

  // Some categories carry a much larger assortment than others.
  const leafShare = leaves.map(() => rng.gamma(2));
  const leafPicker = new AliasTable(leafShare);
  const brandsByTop = CATEGORY_TREE.map((top) => new AliasTable(BRANDS.map((b) => (b.focus.includes(top.key) ? 1 : 0.02))));
  const adjectivesByTop = CATEGORY_TREE.map((top) =>
    ADJECTIVES.map((a, i) => ({ a, i })).filter(({ a }) => !a.tops || a.tops.includes(top.key)),
  );

  const m: CatalogModel = {
    items: new Array<ItemInput>(n),
    ids: new Array<string>(n),
    leaves,
    leafOf: new Uint16Array(n),
    brandOf: new Uint8Array(n),
    nounOf: new Uint8Array(n),
    adjectiveOf: new Int8Array(n),
    materialOf: new Int8Array(n),
    colourOf: new Int8Array(n),
    priceRatio: new Float32Array(n),
    quality: new Float32Array(n),
    createdAt: new Float64Array(n),
    available: new Uint8Array(n),
    leafItems: [],
    leafSamplers: [],
    topLeaves: [],
    topLeafSamplers: [],
    topSampler: leafPicker, // replaced below, once popularity is known
    brandsByTop,
  };

  const yearAgo = now - 365 * DAY_MS;
  for (let i = 0; i < n; i++) {
    const l = i < leaves.length ? i : leafPicker.sample(rng);
    const leaf = leaves[l] as FlatLeaf;
    const def = leaf.def;
    m.leafOf[i] = l;
    const b = (brandsByTop[leaf.top] as AliasTable).sample(rng);
    m.brandOf[i] = b;
    m.nounOf[i] = rng.int(0, def.nouns.length - 1);
    const adjs = adjectivesByTop[leaf.top] as Array<{ i: number }>;
    m.adjectiveOf[i] = rng.chance(0.7) ? rng.pick(adjs).i : -1;
    m.materialOf[i] = def.materials.length ? MATERIAL_KEYS.indexOf(rng.pick(def.materials)) : -1;
    m.colourOf[i] = def.colours.length ? COLOUR_KEYS.indexOf(rng.pick(def.colours)) : -1;
    const sizes: readonly string[] = def.sizes ? SIZES[def.sizes] : [];
    const sizeIndex = sizes.length ? rng.int(0, sizes.length - 1) : -1;
    const size = sizeIndex >= 0 ? (sizes[sizeIndex] as string) : undefined;

    // Log-normal around leaf median × brand level; larger variants of sized goods cost more.
    let ratio = rng.logNormal(0, 0.35);
    if (def.sizes && PRICE_SCALES_WITH_SIZE.has(def.sizes)) ratio *= 1 + 0.25 * (sizeIndex - (sizes.length - 1) / 2);
    ratio = Math.max(0.2, ratio);
    const price = shopPrice(def.price * (BRANDS[b]?.level ?? 1) * ratio, rng);
    m.priceRatio[i] = price / def.price;
    m.quality[i] = rng.normal();
    const created = i < leaves.length ? rng.uniform(yearAgo, periodStart - DAY_MS) : rng.uniform(yearAgo, now - 3_600_000);
    m.createdAt[i] = Math.floor(created / 1000) * 1000;
    m.available[i] = rng.chance(0.97) ? 1 : 0;
    m.ids[i] = itemId(i);
    m.items[i] = describeItem(m, i, { price, size, rng, now });
  }

  // Popularity: Zipf over a random ranking, nudged by quality, so a few items in each category
  // take most of the attention.
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[i] = i;
  rng.shuffle(rank);
  const popularity = new Float64Array(n);
  for (let i = 0; i < n; i++) popularity[i] = Math.pow((rank[i] as number) + 1, -ZIPF) * Math.exp(0.3 * (m.quality[i] as number));
  tagBestsellers(m, popularity);
  indexByCategory(m, popularity);
  return m;
}

interface Variant {
  price: number;
  size: string | undefined;
  rng: Random;
  now: number;
}

function describeItem(m: CatalogModel, i: number, v: Variant): ItemInput {
  const leaf = m.leaves[m.leafOf[i] as number] as FlatLeaf;
  const def = leaf.def;
  const brand = BRANDS[m.brandOf[i] as number]?.name ?? 'Acme';
  const noun = def.nouns[m.nounOf[i] as number] as Words;
  const adj = (m.adjectiveOf[i] as number) >= 0 ? ADJECTIVES[m.adjectiveOf[i] as number] : undefined;
  const materialKey = (m.materialOf[i] as number) >= 0 ? MATERIAL_KEYS[m.materialOf[i] as number] : undefined;
  const material = materialKey ? MATERIALS[materialKey] : undefined;
  const colourKey = (m.colourOf[i] as number) >= 0 ? COLOUR_KEYS[m.colourOf[i] as number] : undefined;
  const colour = colourKey ? COLOURS[colourKey] : undefined;
  const { size, rng } = v;

  // "Acme 经典 纯棉 T恤 Classic Cotton T-Shirt Red M": how cross-border listings read.
  const title = [brand, adj?.zh, material?.zh, noun.zh, adj?.en, material?.en, noun.en, colour?.en, size]
    .filter((w): w is string => Boolean(w))
    .join(' ');

  const point = rng.pick(SELLING_POINTS);
  const en =
    `${adj ? `${adj.en} ` : ''}${noun.en.toLowerCase()} by ${brand}` +
    `${material ? `, made of ${material.en.toLowerCase()}` : ''}${colour ? `, in ${colour.en.toLowerCase()}` : ''}` +
    `${size ? `, size ${size}` : ''}. Part of our ${leaf.path.join(' › ')} range. ${point.en}`;
  const zh =
    `${brand} ${adj?.zh ?? ''}${noun.zh}${material ? `，${def.materialAttribute === 'ingredient' ? '含' : '采用'}${material.zh}` : ''}` +
    `${colour ? `，${colour.zh}` : ''}${size ? `，规格${size}` : ''}。属于${leaf.pathZh.join(' › ')}系列。${point.zh}`;

  const attributes: Record<string, string> = {};
  if (colour) attributes.colour = colour.en;
  if (material) attributes[def.materialAttribute] = material.en;
  if (size) attributes.size = size;
  const topKey = CATEGORY_TREE[leaf.top]?.key;
  if (topKey === 'women' || topKey === 'men') attributes.gender = topKey;

  const tags = [slug(def.en), topKey ?? 'shop'];
  if (adj) tags.push(slug(adj.en));
  if (materialKey && ECO_MATERIALS.has(materialKey) && !tags.includes('eco')) tags.push('eco');
  if ((m.createdAt[i] as number) > v.now - 30 * DAY_MS) tags.push('new-arrival');
  if (rng.chance(0.08)) tags.push('sale');

  return {
    id: m.ids[i] as string,
    title,
    description: `${en.charAt(0).toUpperCase()}${en.slice(1)}\n\n${zh}`,
    categories: [...leaf.path],
    brand,
    price: v.price,
    currency: 'EUR',
    attributes,
    tags,
    imageUrl: `https://img.example.com/${m.ids[i] as string}.jpg`,
    available: m.available[i] === 1,
    createdAt: new Date(m.createdAt[i] as number).toISOString(),
  };
}

/** The most popular 2% carry a `bestseller` tag, as a shop would show it. */
function tagBestsellers(m: CatalogModel, popularity: Float64Array): void {
  const sorted = Float64Array.from(popularity).sort();
  const threshold = sorted[Math.floor(sorted.length * 0.98)] as number;
  for (let i = 0; i < popularity.length; i++) {
    if ((popularity[i] as number) >= threshold) m.items[i]?.tags?.push('bestseller');
  }
}

function indexByCategory(m: CatalogModel, popularity: Float64Array): void {
  const perLeaf: number[][] = m.leaves.map(() => []);
  for (let i = 0; i < m.items.length; i++) perLeaf[m.leafOf[i] as number]?.push(i);
  m.leafItems = perLeaf.map((ids) => Int32Array.from(ids));
  m.leafSamplers = m.leafItems.map((ids) => new AliasTable(Array.from(ids, (i) => popularity[i] as number)));
  const leafMass = m.leafItems.map((ids) => ids.reduce((s, i) => s + (popularity[i] as number), 0));
  const topMass = new Float64Array(CATEGORY_TREE.length);
  m.topLeaves = CATEGORY_TREE.map((_, t) => Int32Array.from(m.leaves.flatMap((l, li) => (l.top === t ? [li] : []))));
  m.topLeafSamplers = m.topLeaves.map((ls, t) => {
    // A category's share of browsing follows its items' popularity, but damped (square root), since
    // shoppers browse small categories too.
    const w = Array.from(ls, (l) => Math.sqrt(leafMass[l] as number));
    topMass[t] = w.reduce((s, x) => s + x, 0);
    return new AliasTable(w);
  });
  m.topSampler = new AliasTable(topMass);
}
