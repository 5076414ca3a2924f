/**
 * The rules a placement carries into the rerank stages (`rerank.ts`): filters, boosts, pins, a
 * brand cap, diversity and exploration slots. They come from the placement's entry in the config
 * file and may be overridden per request (`mergeRules`). The TypeBox schema is the single source of
 * the type and of the field-level limits; `validateRules` adds the contradictions between fields
 * that a JSON schema cannot express.
 *
 * Matching is exact and case-sensitive: brands and category names are compared as the catalog
 * stores them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ShopfusionError, describeFieldErrors, type FieldError } from '../core/errors.js';
import { Id, LIMITS } from '../core/schema.js';
import { compileChecker } from '../core/validate.js';

/** Upper bounds that keep a request's rules cheap to apply (lists are turned into sets per request). */
export const RULE_LIMITS = {
  /** Entries of `filters.brands`, `filters.excludeBrands`, `filters.categories`. */
  filterValues: 1_000,
  boosts: 100,
  pins: 100,
  explorationPositions: 100,
} as const;

const Name = Type.String({ minLength: 1, maxLength: LIMITS.nameLength });
const Names = (description: string) => Type.Array(Name, { maxItems: RULE_LIMITS.filterValues, description });
const Days = (description: string) => Type.Number({ exclusiveMinimum: 0, description });

export const RuleFilters = Type.Object(
  {
    brands: Type.Optional(Names('Only items of these brands; an item without a brand fails.')),
    excludeBrands: Type.Optional(Names('No items of these brands; an item without a brand passes.')),
    categories: Type.Optional(
      Names('Only items with one of these categories anywhere in their category path; an item without categories fails.'),
    ),
    priceMin: Type.Optional(Type.Number({ minimum: 0, description: 'Lowest price allowed; an item without a price fails.' })),
    priceMax: Type.Optional(Type.Number({ minimum: 0, description: 'Highest price allowed; an item without a price fails.' })),
    newerThanDays: Type.Optional(Days('Only items created within this many days; an item without createdAt fails.')),
  },
  { additionalProperties: false },
);
export type RuleFilters = Static<typeof RuleFilters>;

export const RuleBoost = Type.Object(
  {
    brand: Type.Optional(Name),
    category: Type.Optional(Name),
    newerThanDays: Type.Optional(Days('Items created within this many days.')),
    factor: Type.Number({ exclusiveMinimum: 0, description: 'Multiplier on the normalised score (> 1 lifts, < 1 sinks).' }),
  },
  { additionalProperties: false, description: 'Applies when all its given conditions hold; at least one is required.' },
);
export type RuleBoost = Static<typeof RuleBoost>;

export const RulePin = Type.Object(
  { itemId: Id, position: Type.Integer({ minimum: 1, description: '1-based position in the list.' }) },
  { additionalProperties: false },
);
export type RulePin = Static<typeof RulePin>;

export const PlacementRules = Type.Object(
  {
    filters: Type.Optional(RuleFilters),
    boosts: Type.Optional(Type.Array(RuleBoost, { maxItems: RULE_LIMITS.boosts })),
    pins: Type.Optional(Type.Array(RulePin, { maxItems: RULE_LIMITS.pins })),
    brandCap: Type.Optional(Type.Integer({ minimum: 1, description: 'At most this many items of one brand in the list.' })),
    diversity: Type.Optional(
      Type.Object(
        {
          lambda: Type.Number({ minimum: 0, maximum: 1, description: 'MMR trade-off: 1 = relevance only, 0 = diversity only.' }),
          by: Type.Union([Type.Literal('vectors'), Type.Literal('categories')], {
            'x-expected': 'either "vectors" or "categories"',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    exploration: Type.Optional(
      Type.Object(
        {
          positions: Type.Array(Type.Integer({ minimum: 1 }), {
            minItems: 1,
            maxItems: RULE_LIMITS.explorationPositions,
            description: '1-based slots reserved for items with few interactions.',
          }),
          maxInteractions: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Items with at most this many interactions qualify (default 0).' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'PlacementRules' },
);
export type PlacementRules = Static<typeof PlacementRules>;

let checkRules: ((value: unknown, prefix?: string) => { ok: true } | { ok: false; errors: FieldError[] }) | undefined;

/**
 * Checks `rules` against the schema and then for contradictions between fields; throws
 * `validation_failed` with one detail per problem. `path` prefixes every detail path (JSON-pointer
 * style: `${path}/filters/priceMin`), so pass where the rules came from (`/body/rules`, `query`).
 *
 * Contradictions rejected: `priceMin > priceMax`; a brand both in `brands` and `excludeBrands`; a
 * boost without any condition; two pins at one position; one item pinned twice; a pin and an
 * exploration slot at the same position; an exploration position listed twice.
 *
 * Not checkable here: whether a pinned item is excluded, filtered out (e.g. its brand is in
 * `excludeBrands`) or unknown — the rules do not know the catalog. `rerank` drops such a pin at
 * request time and records it in the `pin` stage; the item is never shown.
 */
export function validateRules(rules: unknown, path = 'rules'): asserts rules is PlacementRules {
  checkRules ??= compileChecker<PlacementRules>(PlacementRules);
  const checked = checkRules(rules, path);
  if (!checked.ok) throw invalid(checked.errors);

  const r = rules as PlacementRules;
  const errors: FieldError[] = [];
  const f = r.filters;
  if (f?.priceMin !== undefined && f.priceMax !== undefined && f.priceMin > f.priceMax) {
    errors.push({
      path: `${path}/filters/priceMin`,
      message: `must be at most filters.priceMax (${f.priceMax}), got ${f.priceMin}`,
    });
  }
  if (f?.brands && f.excludeBrands) {
    const only = new Set(f.brands);
    f.excludeBrands.forEach((brand, i) => {
      if (only.has(brand)) {
        errors.push({
          path: `${path}/filters/excludeBrands/${i}`,
          message: `names ${JSON.stringify(brand)}, which filters.brands also lists; a brand may be in one of the two, not both`,
        });
      }
    });
  }
  r.boosts?.forEach((boost, i) => {
    if (boost.brand === undefined && boost.category === undefined && boost.newerThanDays === undefined) {
      errors.push({
        path: `${path}/boosts/${i}`,
        message: 'needs at least one condition: brand, category or newerThanDays',
      });
    }
  });
  const pinAt = new Map<number, number>();
  const pinOf = new Map<string, number>();
  r.pins?.forEach((pin, i) => {
    const samePosition = pinAt.get(pin.position);
    if (samePosition !== undefined) {
      errors.push({
        path: `${path}/pins/${i}/position`,
        message: `is ${pin.position}, which pins/${samePosition} already takes; each position may hold one pin`,
      });
    } else {
      pinAt.set(pin.position, i);
    }
    const sameItem = pinOf.get(pin.itemId);
    if (sameItem !== undefined) {
      errors.push({
        path: `${path}/pins/${i}/itemId`,
        message: `pins ${JSON.stringify(pin.itemId)} again (pins/${sameItem}); an item may be pinned once`,
      });
    } else {
      pinOf.set(pin.itemId, i);
    }
  });
  const slots = new Set<number>();
  r.exploration?.positions.forEach((position, i) => {
    const slotPath = `${path}/exploration/positions/${i}`;
    if (slots.has(position)) {
      errors.push({ path: slotPath, message: `repeats position ${position}; each exploration position may be listed once` });
    }
    slots.add(position);
    const pinned = pinAt.get(position);
    if (pinned !== undefined) {
      errors.push({
        path: slotPath,
        message: `is ${position}, which pins/${pinned} takes; an exploration position must not be a pinned position`,
      });
    }
  });
  if (errors.length > 0) throw invalid(errors);
}

function invalid(details: FieldError[]): ShopfusionError {
  return new ShopfusionError('validation_failed', `invalid placement rules: ${describeFieldErrors(details)}`, { details });
}

/**
 * Request-level rules over the placement's: each field the override gives replaces the base's
 * (`boosts`, `pins`, `diversity`, `exploration` as a whole), except `filters`, which merge key by
 * key (a query's `priceMin` keeps the placement's `brands`). An override cannot remove a base field.
 * The result is validated again (`validateRules`), so an override that contradicts the placement
 * (a `priceMin` above its `priceMax`) is rejected. Neither argument is modified.
 */
export function mergeRules(base: PlacementRules, override: PlacementRules, path = 'rules'): PlacementRules {
  return mergeWith(base, override, path, (_key, _base, value) => value);
}

/**
 * A request's filters over the placement's, which they may only narrow, never widen (a shopper's
 * query cannot show what the shop's placement excludes): `excludeBrands` adds up, `brands` and
 * `categories` keep what both allow, `priceMin` the higher and `priceMax` the lower bound,
 * `newerThanDays` the shorter window. Other fields as {@link mergeRules}. An allow-list left empty
 * is refused, naming the request's field.
 */
export function narrowRules(base: PlacementRules, request: PlacementRules, path = 'rules'): PlacementRules {
  return mergeWith(base, request, path, (key, before, value) => {
    if (before === undefined) return value;
    switch (key) {
      case 'excludeBrands':
        return [...new Set([...(before as string[]), ...(value as string[])])];
      case 'brands':
      case 'categories': {
        const allowed = new Set(before as string[]);
        const kept = (value as string[]).filter((v) => allowed.has(v));
        if (kept.length === 0) {
          throw invalid([{ path: `/${path}/filters/${key}`, message: `allows none of the placement's ${key} (${(before as string[]).join(', ')})` }]);
        }
        return kept;
      }
      case 'priceMin':
        return Math.max(before as number, value as number);
      case 'priceMax':
      case 'newerThanDays':
        return Math.min(before as number, value as number);
      default:
        return value;
    }
  });
}

function mergeWith(base: PlacementRules, override: PlacementRules, path: string, filter: (key: string, before: unknown, value: unknown) => unknown): PlacementRules {
  const merged: PlacementRules = { ...base };
  for (const key of Object.keys(override) as Array<keyof PlacementRules>) {
    if (key === 'filters' || override[key] === undefined) continue;
    Object.assign(merged, { [key]: override[key] });
  }
  if (override.filters !== undefined) {
    const filters: Record<string, unknown> = { ...base.filters };
    for (const [key, value] of Object.entries(override.filters)) {
      if (value !== undefined) filters[key] = filter(key, filters[key], value);
    }
    merged.filters = filters as PlacementRules['filters'];
  }
  validateRules(merged, path);
  return merged;
}
