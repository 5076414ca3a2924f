/**
 * A gazetteer learned from the structured attributes a shop already sends: every value an item
 * carries under a key ("Stainless Steel" under `material`, "Acme" as `brand`) becomes a dictionary
 * entry, and texts are scanned for entries with leftmost-longest matching over a character trie
 * (the usual gazetteer policy: "stainless steel" wins over "steel" where both match).
 *
 * Three filters keep the dictionary honest, each learned from the same items:
 * - minimum support: a value must be carried by at least `minSupport` items;
 * - ambiguity: a value seen under several keys goes to the most frequent key if that key holds at
 *   least `dominance` of its items (or is dropped, with `ambiguity: 'skip'`);
 * - text precision: where a value appears in the training texts, the share of those items that
 *   actually carry it under its key. A brand called "Universal" appears in many titles of other
 *   brands; its share is low and it is dropped below `minPrecision`.
 */
import type { ExtractedAttribute } from './extract-types.js';
import { isBoundary, matchForm, matchKey, sourceSpan } from './extract-text.js';

export type AttributeValue = string | number | boolean | readonly string[];

/** The parts of a catalog item the gazetteer learns from (a subset of `Item`). */
export interface GazetteerItem {
  title?: string;
  description?: string;
  brand?: string;
  categories?: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface GazetteerOptions {
  /** Items that must carry a value (under its chosen key) for it to become an entry. Default 1. */
  minSupport?: number;
  /** A value seen under several keys: keep the most frequent key (`frequent`, default) or drop it (`skip`). */
  ambiguity?: 'frequent' | 'skip';
  /** Under `frequent`, the share of the value's items its top key needs. Default 0.6. */
  dominance?: number;
  /**
   * Minimum share of training items whose text mentions the value and that carry it under its
   * key. Values never mentioned in training texts are kept. Default 0.5; 0 turns the filter off.
   */
  minPrecision?: number;
  /** Shortest match key, in UTF-16 units: one-letter values would match everywhere. Default 2. */
  minLength?: number;
  /** Longest value kept; long free-text attributes are descriptions, not names. Default 60. */
  maxLength?: number;
  /** Learn from `categories` (one entry per level, key `category`). Default true. */
  categories?: boolean;
  /** Only these keys (`brand`, `category`, attribute keys); default all. */
  keys?: readonly string[];
}

export interface GazetteerEntry {
  /** Match key: folded, punctuation as blanks. */
  form: string;
  key: string;
  /** The spelling the shop used most often for this value. */
  value: string;
  /** Items carrying the value under `key`. */
  support: number;
  /** Training items whose text mentions the value, and of those, the ones carrying it under `key`. */
  textHits: number;
  textAgree: number;
  /** Other keys the value was seen under, with their support (an ambiguity that was resolved). */
  alternatives: Array<{ key: string; support: number }>;
}

interface Candidate {
  key: string;
  support: number;
  spellings: Map<string, number>;
}

/** A character trie over match keys; node 0 is the root. */
class Trie {
  private readonly children: Array<Map<number, number>> = [new Map()];
  private readonly terminal: number[] = [-1];

  add(form: string, entry: number): void {
    let node = 0;
    for (let i = 0; i < form.length; i++) {
      const code = form.charCodeAt(i);
      let next = (this.children[node] as Map<number, number>).get(code);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.terminal.push(-1);
        (this.children[node] as Map<number, number>).set(code, next);
      }
      node = next;
    }
    this.terminal[node] = entry;
  }

  /**
   * Leftmost-longest, non-overlapping matches in a match form, each starting and ending on a word
   * boundary: `[start, end, entry]` triples.
   */
  scan(form: string): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    let i = 0;
    while (i < form.length) {
      if (form.charCodeAt(i) === 0x20 || !isBoundary(form, i)) {
        i++;
        continue;
      }
      let node = 0;
      let best = -1;
      let bestEnd = -1;
      for (let j = i; j < form.length; j++) {
        const next = (this.children[node] as Map<number, number>).get(form.charCodeAt(j));
        if (next === undefined) break;
        node = next;
        const entry = this.terminal[node] as number;
        if (entry >= 0 && isBoundary(form, j + 1)) {
          best = entry;
          bestEnd = j + 1;
        }
      }
      if (best >= 0) {
        out.push([i, bestEnd, best]);
        i = bestEnd;
      } else {
        i++;
      }
    }
    return out;
  }
}

export class Gazetteer {
  private readonly list: GazetteerEntry[];
  private readonly byForm = new Map<string, number>();
  private readonly trie = new Trie();

  private constructor(entries: readonly GazetteerEntry[]) {
    this.list = entries.map((e) => ({ ...e, alternatives: e.alternatives.map((a) => ({ ...a })) }));
    this.list.forEach((e, i) => {
      this.byForm.set(e.form, i);
      this.trie.add(e.form, i);
    });
  }

  /** Learns value → key entries from the items' structured fields (see the file comment). */
  static learn(items: Iterable<GazetteerItem>, options: GazetteerOptions = {}): Gazetteer {
    const o = resolveOptions(options);
    const perItem: Array<{ pairs: Set<string>; text: string }> = [];
    const candidates = new Map<string, Map<string, Candidate>>();
    for (const item of items) {
      const pairs = new Set<string>();
      for (const [key, raw] of itemValues(item, o)) {
        const value = raw.trim();
        const form = matchKey(value);
        if (!usable(form, value, o)) continue;
        const pair = `${key}\u0000${form}`;
        if (pairs.has(pair)) continue;
        pairs.add(pair);
        let byKey = candidates.get(form);
        if (!byKey) candidates.set(form, (byKey = new Map()));
        let c = byKey.get(key);
        if (!c) byKey.set(key, (c = { key, support: 0, spellings: new Map() }));
        c.support++;
        c.spellings.set(value, (c.spellings.get(value) ?? 0) + 1);
      }
      perItem.push({ pairs, text: [item.title, item.description].filter(Boolean).join('\n') });
    }

    const entries: GazetteerEntry[] = [];
    for (const [form, byKey] of candidates) {
      const ranked = [...byKey.values()].sort((a, b) => b.support - a.support || (a.key < b.key ? -1 : 1));
      const top = ranked[0] as Candidate;
      const total = ranked.reduce((s, c) => s + c.support, 0);
      if (ranked.length > 1) {
        if (o.ambiguity === 'skip') continue;
        const second = ranked[1] as Candidate;
        if (top.support === second.support || top.support / total < o.dominance) continue;
      }
      if (top.support < o.minSupport) continue;
      entries.push({
        form,
        key: top.key,
        value: mostFrequent(top.spellings),
        support: top.support,
        textHits: 0,
        textAgree: 0,
        alternatives: ranked.slice(1).map((c) => ({ key: c.key, support: c.support })),
      });
    }

    // Text precision: scan the training texts with every candidate entry.
    const draft = new Gazetteer(entries);
    for (const { pairs, text } of perItem) {
      if (!text) continue;
      const seen = new Set<number>();
      for (const [, , index] of draft.trie.scan(matchForm(text).text)) {
        if (seen.has(index)) continue;
        seen.add(index);
        const entry = draft.list[index] as GazetteerEntry;
        entry.textHits++;
        if (pairs.has(`${entry.key}\u0000${entry.form}`)) entry.textAgree++;
      }
    }
    return new Gazetteer(draft.list.filter((e) => e.textHits === 0 || e.textAgree / e.textHits >= o.minPrecision));
  }

  /** Rebuilds a gazetteer from `toJSON()` output (a saved model). */
  static fromEntries(entries: readonly GazetteerEntry[]): Gazetteer {
    return new Gazetteer(entries);
  }

  get size(): number {
    return this.list.length;
  }

  /** The entry a value would match as, if any. */
  lookup(value: string): GazetteerEntry | undefined {
    const index = this.byForm.get(matchKey(value));
    return index === undefined ? undefined : this.list[index];
  }

  entries(): GazetteerEntry[] {
    return this.list.map((e) => ({ ...e, alternatives: e.alternatives.map((a) => ({ ...a })) }));
  }

  toJSON(): GazetteerEntry[] {
    return this.entries();
  }

  /** Entries mentioned in `text`, leftmost-longest, spans in `text`'s own offsets. */
  match(text: string): ExtractedAttribute[] {
    const view = matchForm(text);
    return this.trie.scan(view.text).map(([from, to, index]) => {
      const entry = this.list[index] as GazetteerEntry;
      const attribute: ExtractedAttribute = { key: entry.key, value: entry.value, span: sourceSpan(view, from, to), source: 'gazetteer' };
      if (entry.textHits > 0) attribute.confidence = entry.textAgree / entry.textHits;
      return attribute;
    });
  }
}

type Resolved = Required<Omit<GazetteerOptions, 'keys'>> & { keys: Set<string> | undefined };

function resolveOptions(options: GazetteerOptions): Resolved {
  const o: Resolved = {
    minSupport: options.minSupport ?? 1,
    ambiguity: options.ambiguity ?? 'frequent',
    dominance: options.dominance ?? 0.6,
    minPrecision: options.minPrecision ?? 0.5,
    minLength: options.minLength ?? 2,
    maxLength: options.maxLength ?? 60,
    categories: options.categories ?? true,
    keys: options.keys ? new Set(options.keys) : undefined,
  };
  if (!Number.isInteger(o.minSupport) || o.minSupport < 1) throw new RangeError(`gazetteer: minSupport must be an integer >= 1, got ${o.minSupport}`);
  if (!(o.dominance > 0.5 && o.dominance <= 1)) throw new RangeError(`gazetteer: dominance must be in (0.5, 1], got ${o.dominance}`);
  if (!(o.minPrecision >= 0 && o.minPrecision <= 1)) throw new RangeError(`gazetteer: minPrecision must be in [0, 1], got ${o.minPrecision}`);
  if (o.ambiguity !== 'frequent' && o.ambiguity !== 'skip') throw new RangeError(`gazetteer: ambiguity must be 'frequent' or 'skip', got ${String(o.ambiguity)}`);
  return o;
}

/** `[key, value]` pairs of an item's structured fields; numbers and booleans have no spelling to find. */
function* itemValues(item: GazetteerItem, o: Resolved): Generator<[string, string]> {
  const wanted = (key: string): boolean => o.keys === undefined || o.keys.has(key);
  if (item.brand && wanted('brand')) yield ['brand', item.brand];
  if (o.categories && item.categories && wanted('category')) for (const c of item.categories) yield ['category', c];
  for (const [key, value] of Object.entries(item.attributes ?? {})) {
    if (!wanted(key)) continue;
    if (typeof value === 'string') yield [key, value];
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') yield [key, v];
  }
}

function usable(form: string, value: string, o: Resolved): boolean {
  if (form.length < o.minLength || value.length > o.maxLength) return false;
  // Bare numbers ("3", "10 20") would match every quantity; the patterns read those.
  return !/^[\d ]+$/u.test(form);
}

function mostFrequent(counts: Map<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}
