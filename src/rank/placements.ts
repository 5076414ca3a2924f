/**
 * Placements: where a shop shows recommendations (home feed, item page, cart, anonymous session)
 * and how the cascade (`cascade.ts`) answers each: which recall channels with how many candidates
 * and what weight, how their scores are normalised and fused, whether the trained fusion model is
 * used, the time budget, the rerank rules and which request context the placement needs.
 *
 * The schema is part of the config schema (`placements.<name>`); a config file may add placements
 * or override fields of the defaults below (objects merge key by key, arrays are replaced whole).
 */
import { Type, type Static } from '@sinclair/typebox';
import { PlacementRules, validateRules } from './rules.js';

export const PLACEMENT_NORMALISATIONS = ['minmax', 'zscore', 'rank', 'rrf'] as const;
export const PLACEMENT_REQUIRES = ['user', 'item', 'items', 'session-or-items'] as const;

const literalUnion = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });

export const PlacementChannel = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'A recall channel: model/<trained model>, vector/user-profile, vector/similar-items, graph/ppr.',
    }),
    quota: Type.Integer({ minimum: 1, maximum: 1000, description: 'Candidates asked of the channel.' }),
    weight: Type.Number({ minimum: 0, description: 'Weight of its normalised score in the fused score; 0 = recalled but not scored.' }),
  },
  { additionalProperties: false },
);
export type PlacementChannel = Static<typeof PlacementChannel>;

export const Placement = Type.Object(
  {
    channels: Type.Array(PlacementChannel, { minItems: 1, maxItems: 32 }),
    normalisation: literalUnion(
      PLACEMENT_NORMALISATIONS,
      'Per-channel score normalisation before the weighted sum (minmax, zscore, rank), or weighted reciprocal rank fusion (rrf).',
    ),
    learned: Type.Boolean({ description: "Use the trained fusion model's channels, weights and ranker when one is loaded." }),
    deadlineMs: Type.Number({
      exclusiveMinimum: 0,
      maximum: 60_000,
      description: 'Time budget: recall gets 60% of it, the ranker runs only before 80% of it has passed.',
    }),
    rules: PlacementRules,
    requires: literalUnion(
      PLACEMENT_REQUIRES,
      'Context the placement needs: user (userId; falls back to session items, then popular items), item (itemId), items (cart items), session-or-items (sessionId or items).',
    ),
  },
  { additionalProperties: false },
);
export type Placement = Static<typeof Placement>;

const channel = (id: string, quota: number, weight: number): PlacementChannel => ({ id, quota, weight });

export const DEFAULT_PLACEMENTS: Record<string, Placement> = {
  home: {
    channels: [
      channel('model/itemknn', 100, 1),
      channel('model/als', 100, 1),
      channel('model/markov', 100, 0.5),
      channel('vector/user-profile', 100, 0.5),
      channel('graph/ppr', 100, 0.5),
      channel('model/pop', 50, 0.1),
    ],
    normalisation: 'minmax',
    learned: true,
    deadlineMs: 100,
    rules: { brandCap: 3 },
    requires: 'user',
  },
  similar: {
    channels: [channel('model/itemknn', 100, 1), channel('vector/similar-items', 100, 1), channel('graph/ppr', 100, 0.5)],
    normalisation: 'minmax',
    learned: false,
    deadlineMs: 100,
    rules: {},
    requires: 'item',
  },
  'bought-together': {
    channels: [channel('model/markov', 100, 1), channel('model/itemknn', 100, 1), channel('graph/ppr', 100, 0.5)],
    normalisation: 'minmax',
    learned: false,
    deadlineMs: 100,
    rules: {},
    requires: 'items',
  },
  session: {
    channels: [
      channel('model/markov', 100, 1),
      channel('model/itemknn', 100, 1),
      channel('vector/user-profile', 100, 0.5),
      channel('graph/ppr', 100, 0.5),
      channel('model/pop', 50, 0.1),
    ],
    normalisation: 'minmax',
    learned: true,
    deadlineMs: 100,
    rules: {},
    requires: 'session-or-items',
  },
};

/**
 * The contradictions a schema cannot see, as `{ path, message }` with dotted paths
 * (`placements.home.rules.filters.priceMin`): the rules' (`validateRules`) and a channel listed twice.
 */
export function placementProblems(name: string, placement: Placement): Array<{ path: string; message: string }> {
  const base = `placements.${name}`;
  const problems: Array<{ path: string; message: string }> = [];
  const seen = new Map<string, number>();
  placement.channels.forEach((c, i) => {
    const first = seen.get(c.id);
    if (first !== undefined) problems.push({ path: `${base}.channels.${i}.id`, message: `repeats channel ${JSON.stringify(c.id)} (channels.${first}); list a channel once` });
    else seen.set(c.id, i);
  });
  try {
    validateRules(placement.rules, `${base}.rules`);
  } catch (error) {
    const details = (error as { details?: unknown }).details;
    if (!Array.isArray(details)) throw error;
    for (const d of details as Array<{ path: string; message: string }>) problems.push({ path: d.path.replace(/\//g, '.'), message: d.message });
  }
  return problems;
}
