/**
 * The models by command-line name, with their defaults and the small grids the evaluation
 * harness searches on the validation split.
 */
import { ShopfusionError } from '../core/errors.js';
import { Als } from './als.js';
import { Bpr } from './bpr.js';
import { Ease } from './ease.js';
import { ItemKnn, type ItemKnnOptions } from './item-knn.js';
import { LightGcn } from './lightgcn.js';
import { KgLightGcn, type KgLightGcnOptions } from './kg-lightgcn.js';
import { Markov } from './markov.js';
import { Popular, Trending } from './popular.js';
import { TextBm25, type TextBm25Options } from './text-bm25.js';
import { VectorProfile, useLiteVectors } from './vector-profile.js';
import { adaptedVectors, catalogVectors } from './vector-adapted.js';
import { GraphPpr, type GraphPprOptions } from './graph-ppr.js';
import { Sasrec, type SasrecOptions } from './sasrec.js';
import { Fusion, type FusionOptions } from './fusion.js';
import { ModelNotApplicable, type ParamValue, type Recommender, type Snapshot } from './types.js';

type Params = Record<string, ParamValue>;

export interface ModelSpec {
  name: string;
  description: string;
  create(params?: Params): Recommender;
  load(snapshot: Snapshot): Recommender;
  /** Parameter sets tried on the validation split (without a search, the model's defaults are used). */
  grid: Params[];
}

const cross = (axes: Record<string, ParamValue[]>): Params[] =>
  Object.entries(axes).reduce<Params[]>((sets, [key, values]) => sets.flatMap((set) => values.map((v) => ({ ...set, [key]: v }))), [{}]);

export const MODELS: readonly ModelSpec[] = [
  {
    name: 'pop',
    description: 'most popular items (distinct users)',
    create: () => new Popular(),
    load: (s) => Popular.load(s),
    grid: [{}],
  },
  {
    name: 'trending',
    description: 'popularity with exponential time decay',
    create: (p) => new Trending(p as { halfLifeDays?: number }),
    load: (s) => Trending.load(s),
    grid: cross({ halfLifeDays: [7, 30, 180] }),
  },
  {
    name: 'itemknn',
    description: 'item-based kNN (cosine, asymmetric cosine or BM25 co-occurrence)',
    create: (p) => new ItemKnn(p as ItemKnnOptions),
    load: (s) => ItemKnn.load(s),
    grid: [
      ...cross({ similarity: ['cosine'], neighbours: [50, 200], shrink: [0, 10] }),
      ...cross({ similarity: ['asymmetric'], alpha: [0.25, 0.75], neighbours: [200] }),
      ...cross({ similarity: ['bm25'], neighbours: [50, 200] }),
    ],
  },
  {
    name: 'als',
    description: 'implicit ALS (Hu, Koren, Volinsky 2008), conjugate gradient',
    create: (p) => new Als(p as ConstructorParameters<typeof Als>[0]),
    load: (s) => Als.load(s),
    grid: cross({ factors: [64], regularization: [0.01, 1], alpha: [1, 10, 40] }),
  },
  {
    name: 'bpr',
    description: 'BPR matrix factorisation (Rendle et al. 2009)',
    create: (p) => new Bpr(p as ConstructorParameters<typeof Bpr>[0]),
    load: (s) => Bpr.load(s),
    grid: cross({ factors: [64], learningRate: [0.05], regularization: [0.03, 0.05, 0.1] }),
  },
  {
    name: 'lightgcn',
    description: 'LightGCN graph convolution over the user–item graph (He et al. 2020), BPR loss, Adam',
    create: (p) => new LightGcn(p as ConstructorParameters<typeof LightGcn>[0]),
    load: (s) => LightGcn.load(s),
    grid: [{}],
  },
  {
    name: 'kg-lightgcn',
    description: 'LightGCN over the collaborative knowledge graph: users, items and their brands, categories, attributes and KG entities',
    create: (p) => new KgLightGcn(p as KgLightGcnOptions),
    load: (s) => KgLightGcn.load(s),
    grid: [{}],
  },
  {
    name: 'ease',
    description: 'EASE closed-form item autoencoder (Steck 2019), up to 6,000 items',
    create: (p) => new Ease(p as { regularization?: number }),
    load: (s) => Ease.load(s),
    grid: cross({ regularization: [200, 500] }),
  },
  {
    name: 'markov',
    description: 'first-order Markov chain of consecutive items, smoothed by popularity',
    create: (p) => new Markov(p as { smoothing?: number }),
    load: (s) => Markov.load(s),
    grid: cross({ smoothing: [0.1, 1, 10] }),
  },
  {
    name: 'text-bm25',
    description: 'BM25 of every item\'s text against the terms of the user\'s recent items',
    create: (p) => new TextBm25(p as TextBm25Options),
    load: (s) => TextBm25.load(s),
    grid: cross({ recency: [0.5, 0.8, 1] }),
  },
  {
    name: 'vector-use-lite',
    description: 'cosine to the recency-weighted sum of the history\'s use-lite text vectors',
    create: (p) => new VectorProfile('vector-use-lite', useLiteVectors, p as Record<string, number>),
    load: (s) => VectorProfile.load(s, useLiteVectors),
    grid: cross({ recency: [0.5, 0.8, 1] }),
  },
  {
    name: 'vector-adapted',
    description: 'use-lite vectors adapted to co-interactions by a contrastive projection, recency-weighted profile',
    create: (p) => new VectorProfile('vector-adapted', adaptedVectors, { mode: 'lexical', ...p }),
    load: (s) => VectorProfile.load(s, adaptedVectors),
    grid: cross({ recency: [0.8, 1] }),
  },
  {
    name: 'vector-catalog',
    description: "the shop's own n-gram encoder trained on its text and co-interactions, recency-weighted profile",
    create: (p) => new VectorProfile('vector-catalog', catalogVectors, p as Record<string, number>),
    load: (s) => VectorProfile.load(s, catalogVectors),
    grid: cross({ recency: [0.8, 1] }),
  },
  {
    name: 'graph-ppr',
    description: 'personalised PageRank over the knowledge graph from the user\'s recent items (evaluation twin of the graph/ppr channel)',
    create: (p) => new GraphPpr(p as GraphPprOptions),
    load: () => {
      throw new ModelNotApplicable('graph-ppr', 'it is served live from the store\'s graph (channel graph/ppr), not from a snapshot');
    },
    grid: cross({ alpha: [0.15], factWeight: [0.1, 1], beta: [0, 0.5] }),
  },
  {
    name: 'sasrec',
    description: 'self-attentive sequential recommender (SASRec) trained with a sampled softmax over many negatives, early-stopped on held-out next items',
    create: (p) => new Sasrec('sasrec', p as SasrecOptions),
    load: (s) => Sasrec.load(s),
    grid: [{}],
  },
  {
    name: 'sasrec-text',
    description: 'SASRec whose item embeddings add the use-lite text vectors through a learned adapter (UniSRec-style): items without interactions are represented by their text',
    create: (p) => new Sasrec('sasrec-text', p as SasrecOptions),
    load: (s) => Sasrec.load(s),
    grid: [{}],
  },
  {
    name: 'rrf',
    description: 'reciprocal rank fusion of the recall channels (baseline of the cascade)',
    create: (p) => new Fusion('rrf', { ...(p as FusionOptions), mode: 'rrf' }),
    load: (s) => Fusion.load(s),
    grid: [{}],
  },
  {
    name: 'fusion-linear',
    description: 'normalised channel scores fused with weights learned on validation (coordinate ascent on NDCG@10, per user segment)',
    create: (p) => new Fusion('fusion-linear', { ...(p as FusionOptions), mode: 'linear' }),
    load: (s) => Fusion.load(s),
    grid: [{}],
  },
  {
    name: 'fusion',
    description: 'the ranking cascade: recall channels, learned linear fusion, and a LambdaMART ranker over the fused candidates',
    create: (p) => new Fusion('fusion', p as FusionOptions),
    load: (s) => Fusion.load(s),
    grid: [{}],
  },
];

export function modelSpec(name: string): ModelSpec {
  const spec = MODELS.find((m) => m.name === name);
  if (!spec) {
    throw new ShopfusionError('invalid_argument', `unknown model ${JSON.stringify(name)}; use one of: ${MODELS.map((m) => m.name).join(', ')}`);
  }
  return spec;
}

/** A model named with fixed parameters: `graph-ppr:beta=1:factWeight=3`. */
export interface ModelRef {
  /** The reference as written, the model's label in reports. */
  label: string;
  spec: ModelSpec;
  /** Parameters that override every grid entry and the defaults. */
  fixed: Params;
  /** The grid with the fixed parameters applied, without repeats. */
  grid: Params[];
}

function parseParamValue(text: string): ParamValue {
  if (text === 'true' || text === 'false') return text === 'true';
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

/**
 * Parses `name` or `name:key=value:key=value`. Each key must be one of the model's parameters
 * (those it reports in `params`); values are numbers, `true`/`false` or words.
 */
export function modelRef(ref: string): ModelRef {
  const [name = '', ...pairs] = ref.split(':');
  const spec = modelSpec(name);
  const fixed: Params = {};
  const known = Object.keys(spec.create().params);
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at) : '';
    if (!key || at === pair.length - 1) throw new ShopfusionError('invalid_argument', `model ${JSON.stringify(ref)}: parameters are written key=value after the name, got ${JSON.stringify(pair)}`);
    if (!known.includes(key)) throw new ShopfusionError('invalid_argument', `model ${JSON.stringify(ref)}: ${name} has no parameter ${JSON.stringify(key)}; it has ${known.join(', ') || 'none'}`);
    fixed[key] = parseParamValue(pair.slice(at + 1));
  }
  const seen = new Set<string>();
  const grid = spec.grid.map((g) => ({ ...g, ...fixed })).filter((g) => {
    const key = JSON.stringify(Object.entries(g).sort(([a], [b]) => a.localeCompare(b)));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { label: ref, spec, fixed, grid };
}
