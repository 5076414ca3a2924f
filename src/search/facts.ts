/**
 * What search filters, counts and sorts by, per item number of the lexical index: brand,
 * category path, price, availability, creation time, attributes and popularity. Kept in columns
 * (typed arrays and interned strings) so a filter is a few array reads per candidate.
 */
import type { Attributes, Item } from '../core/schema.js';
import { IdMap } from '../data/id-map.js';
import { grow } from './lexical-index.js';

export interface SearchFilters {
  /** Items in any of these categories (at any level of their path). */
  categories?: readonly string[];
  brands?: readonly string[];
  priceMin?: number;
  priceMax?: number;
  /** true (the default in search): available items only; false: unavailable only; undefined: both. */
  available?: boolean;
  /** Attribute key → accepted values (an item matches when any of its values is accepted). */
  attributes?: Readonly<Record<string, readonly string[]>>;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface PriceStats {
  min: number;
  max: number;
  /** Counts per price band, bands chosen from the result set's range. */
  bands: Array<{ from: number; to: number; count: number }>;
}

const NO_BRAND = -1;

export class ItemFacts {
  private brand = new Int32Array(1024).fill(NO_BRAND);
  private price = new Float64Array(1024).fill(Number.NaN);
  private available = new Uint8Array(1024);
  private created = new Float64Array(1024);
  private popularity = new Float64Array(1024);
  private readonly categories: Array<Int32Array | undefined> = [];
  private readonly attributes: Array<Map<number, Int32Array> | undefined> = [];
  /** Interned strings: value ↔ small integer. */
  readonly brands = new IdMap();
  readonly categoryNames = new IdMap();
  readonly attributeKeys = new IdMap();
  readonly attributeValues = new IdMap();

  /** Records an item under its index number. */
  set(doc: number, item: Item): void {
    this.ensure(doc + 1);
    this.brand[doc] = item.brand === undefined ? NO_BRAND : this.brands.add(item.brand);
    this.price[doc] = item.price ?? Number.NaN;
    this.available[doc] = item.available ? 1 : 0;
    this.created[doc] = Date.parse(item.createdAt);
    this.categories[doc] = item.categories?.length ? Int32Array.from(item.categories, (c) => this.categoryNames.add(c)) : undefined;
    this.attributes[doc] = this.internAttributes(item.attributes);
  }

  /** Adds `amount` to an item's popularity (weighted events). */
  addPopularity(doc: number, amount: number): void {
    this.ensure(doc + 1);
    this.popularity[doc] = (this.popularity[doc] as number) + amount;
  }

  /** Moves an item's popularity to its new number (an upsert renumbers the item). */
  carry(from: number, to: number): void {
    this.ensure(Math.max(from, to) + 1);
    this.popularity[to] = this.popularity[from] as number;
    this.popularity[from] = 0;
  }

  popularityOf(doc: number): number {
    return this.popularity[doc] ?? 0;
  }

  priceOf(doc: number): number {
    return this.price[doc] ?? Number.NaN;
  }

  createdOf(doc: number): number {
    return this.created[doc] ?? 0;
  }

  brandOf(doc: number): string | undefined {
    const b = this.brand[doc] ?? NO_BRAND;
    return b === NO_BRAND ? undefined : this.brands.ids[b];
  }

  categoriesOf(doc: number): string[] {
    return [...(this.categories[doc] ?? [])].map((c) => this.categoryNames.ids[c] as string);
  }

  /**
   * A predicate for `filters`, or undefined when nothing is filtered. Names no known value
   * matches make the filter match nothing (they are valid, just absent from this catalog).
   */
  compile(filters: SearchFilters): ((doc: number) => boolean) | undefined {
    const tests: Array<(doc: number) => boolean> = [];
    if (filters.available !== undefined) {
      const want = filters.available ? 1 : 0;
      tests.push((d) => this.available[d] === want);
    }
    if (filters.brands) {
      const ids = new Set(filters.brands.flatMap((b) => this.brands.get(b) ?? []));
      tests.push((d) => ids.has(this.brand[d] as number));
    }
    if (filters.categories) {
      const ids = new Set(filters.categories.flatMap((c) => this.categoryNames.get(c) ?? []));
      tests.push((d) => (this.categories[d] ?? []).some((c) => ids.has(c)));
    }
    const min = filters.priceMin;
    const max = filters.priceMax;
    if (min !== undefined || max !== undefined) {
      tests.push((d) => {
        const p = this.price[d] as number;
        return !Number.isNaN(p) && (min === undefined || p >= min) && (max === undefined || p <= max);
      });
    }
    for (const [key, values] of Object.entries(filters.attributes ?? {})) {
      const k = this.attributeKeys.get(key);
      const accepted = new Set(values.flatMap((v) => this.attributeValues.get(v.toLowerCase()) ?? []));
      tests.push((d) => {
        const have = k === undefined ? undefined : this.attributes[d]?.get(k);
        return have !== undefined && have.some((v) => accepted.has(v));
      });
    }
    if (tests.length === 0) return undefined;
    return (doc) => tests.every((t) => t(doc));
  }

  /** Value counts of `facet` (brand, category, or an attribute key) over `docs`, most frequent first. */
  count(facet: string, docs: ArrayLike<number>, n: number, limit: number): FacetCount[] {
    const counts = new Map<number, number>();
    const bump = (v: number) => counts.set(v, (counts.get(v) ?? 0) + 1);
    const key = facet === 'brand' || facet === 'category' ? undefined : this.attributeKeys.get(facet);
    for (let i = 0; i < n; i++) {
      const d = docs[i] as number;
      if (facet === 'brand') {
        const b = this.brand[d] as number;
        if (b !== NO_BRAND) bump(b);
      } else if (facet === 'category') {
        for (const c of new Set(this.categories[d] ?? [])) bump(c);
      } else if (key !== undefined) {
        for (const v of new Set(this.attributes[d]?.get(key) ?? [])) bump(v);
      }
    }
    const names = facet === 'brand' ? this.brands.ids : facet === 'category' ? this.categoryNames.ids : this.attributeValues.ids;
    return [...counts]
      .sort((a, b) => b[1] - a[1] || ((names[a[0]] as string) < (names[b[0]] as string) ? -1 : 1))
      .slice(0, limit)
      .map(([v, count]) => ({ value: names[v] as string, count }));
  }

  /** Minimum, maximum and five equal-width bands of the prices of `docs` (undefined when none has a price). */
  prices(docs: ArrayLike<number>, n: number): PriceStats | undefined {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const p = this.price[docs[i] as number] as number;
      if (Number.isNaN(p)) continue;
      if (p < min) min = p;
      if (p > max) max = p;
    }
    if (min === Infinity) return undefined;
    const bandCount = max > min ? 5 : 1;
    const width = (max - min) / bandCount;
    const bands = Array.from({ length: bandCount }, (_, b) => ({ from: min + b * width, to: b === bandCount - 1 ? max : min + (b + 1) * width, count: 0 }));
    for (let i = 0; i < n; i++) {
      const p = this.price[docs[i] as number] as number;
      if (Number.isNaN(p)) continue;
      const band = bands[width > 0 ? Math.min(bandCount - 1, Math.floor((p - min) / width)) : 0];
      if (band) band.count++;
    }
    return { min, max, bands };
  }

  /** Attribute keys that appear in the catalog (the attribute facets and filters that exist). */
  knownAttribute(key: string): boolean {
    return this.attributeKeys.get(key) !== undefined;
  }

  private internAttributes(attributes: Attributes | undefined): Map<number, Int32Array> | undefined {
    if (!attributes) return undefined;
    const out = new Map<number, Int32Array>();
    for (const [key, value] of Object.entries(attributes)) {
      const values = Array.isArray(value) ? value : [String(value)];
      out.set(this.attributeKeys.add(key), Int32Array.from(values, (v) => this.attributeValues.add(String(v).toLowerCase())));
    }
    return out.size ? out : undefined;
  }

  private ensure(n: number): void {
    if (n <= this.brand.length) return;
    const old = this.brand.length;
    this.brand = grow(this.brand, n);
    this.brand.fill(NO_BRAND, old);
    const price = new Float64Array(this.brand.length).fill(Number.NaN);
    price.set(this.price);
    this.price = price;
    this.available = grow(this.available, n);
    const created = new Float64Array(this.brand.length);
    created.set(this.created);
    this.created = created;
    const popularity = new Float64Array(this.brand.length);
    popularity.set(this.popularity);
    this.popularity = popularity;
  }
}
