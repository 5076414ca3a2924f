/** The search engine's settings, from the `search` section of the configuration. */
import type { Config } from '../core/config.js';
import type { Item } from '../core/schema.js';
import type { Analyzer } from '../text/analyzer.js';
import { DEFAULT_HYBRID, type HybridParams } from './hybrid.js';
import { DEFAULT_FIELDS, type FieldSpec, type FieldTexts } from './lexical-index.js';
import { DEFAULT_LEXICAL_PARAMS, type LexicalParams } from './lexical-search.js';

export const SORT_ORDERS = ['relevance', 'price_asc', 'price_desc', 'newest', 'popularity'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export interface SearchSettings {
  fields: readonly FieldSpec[];
  lexical: LexicalParams;
  hybrid: HybridParams;
  /** Groups of words that mean the same ("fridge", "refrigerator"). */
  synonyms: ReadonlyArray<readonly string[]>;
  /** An item is in the result set when it matches this share of the best match's coverage. */
  minShare: number;
  /** Largest relative boost from the shopper's affinities (0 turns personalisation off). */
  personalWeight: number;
  /** Largest relative boost from the query's past clicks (0 turns the click model off). */
  clickWeight: number;
  /** Lexical and semantic candidates fused and reranked per request. */
  depth: number;
  /** Head of the fused list the learned ranker reorders (when there is one). */
  rankDepth: number;
}

export const DEFAULT_SEARCH: SearchSettings = {
  fields: DEFAULT_FIELDS,
  lexical: DEFAULT_LEXICAL_PARAMS,
  hybrid: DEFAULT_HYBRID,
  synonyms: [],
  minShare: 0.5,
  personalWeight: 0.15,
  clickWeight: 0.3,
  depth: 200,
  rankDepth: 50,
};

/** Settings from the `search` section of the configuration. */
export function searchSettings(config: Readonly<Config['search']>): SearchSettings {
  return {
    ...DEFAULT_SEARCH,
    fields: DEFAULT_FIELDS.map((f) => ({ ...f, weight: config.fieldWeights[f.name as keyof Config['search']['fieldWeights']] })).filter((f) => f.weight > 0),
    lexical: { ...DEFAULT_LEXICAL_PARAMS, ...(config.typos ? {} : { typo: 0, typoKnown: 0 }) },
    hybrid: { ...DEFAULT_HYBRID, semanticWeight: config.semanticWeight },
    synonyms: config.synonyms.map((group) => group.split('|').map((w) => w.trim()).filter(Boolean)),
    personalWeight: config.personalWeight,
    clickWeight: config.clickWeight,
  };
}

export function itemTexts(item: Item): FieldTexts {
  const attributes = Object.values(item.attributes ?? {})
    .flatMap((v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v : []))
    .join(' ');
  return { title: item.title, brand: item.brand, categories: item.categories?.join(' '), attributes, description: item.description };
}

/** Each term of a synonym group → the other groups' members' terms (single-word members). */
export function synonymMap(analyzer: Analyzer, groups: ReadonlyArray<readonly string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const group of groups) {
    const terms = group.map((w) => analyzer.terms(w)).filter((t) => t.length === 1).map((t) => t[0] as string);
    for (const term of terms) out.set(term, [...new Set([...(out.get(term) ?? []), ...terms.filter((t) => t !== term)])]);
  }
  return out;
}
