/**
 * The configuration: one typed schema, validated once and frozen. Precedence is
 * defaults < config file (JSON) < environment (`SHOPFUSION_*`) < command-line flags.
 * Unknown keys are rejected everywhere, in the file and in the environment alike.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema, Kind } from '@sinclair/typebox';
import { ShopfusionError, describeFieldErrors, type FieldError } from './errors.js';
import { EVENT_TYPES, type EventType } from './schema.js';
import { compileChecker } from './validate.js';
import { DEFAULT_PLACEMENTS, Placement, placementProblems } from '../rank/placements.js';

const Weights = Type.Object(
  Object.fromEntries(EVENT_TYPES.map((t) => [t, Type.Number({ minimum: -100, maximum: 100 })])) as Record<
    EventType,
    ReturnType<typeof Type.Number>
  >,
  { additionalProperties: false, description: 'Weight of each event type in popularity scores.' },
);

export const ConfigSchema = Type.Object(
  {
    store: Type.String({ minLength: 1, description: 'Store URL: sqlite:<path>, or memory: for tests.' }),
    server: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 0, maximum: 65535 }),
        apiKey: Type.Optional(Type.String({ minLength: 16, description: 'Write/admin key; without it the API is open.' })),
        readApiKey: Type.Optional(Type.String({ minLength: 16, description: 'Optional key that may only read.' })),
        bodyLimitBytes: Type.Integer({ minimum: 1024 }),
        maxBatchSize: Type.Integer({ minimum: 1, maximum: 100_000 }),
        logLevel: Type.Unsafe<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent'>({
          type: 'string',
          enum: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'],
        }),
      },
      { additionalProperties: false },
    ),
    events: Type.Object(
      {
        unknownItems: Type.Unsafe<'accept' | 'reject'>({
          type: 'string',
          enum: ['accept', 'reject'],
          description: 'accept: store events for items not in the catalog yet; reject: report them as bad rows.',
        }),
        weights: Weights,
      },
      { additionalProperties: false },
    ),
    demo: Type.Object(
      {
        loadIfEmpty: Type.Boolean({ description: '`serve` fills an empty store with the demo shop.' }),
        events: Type.Integer({ minimum: 1_000, maximum: 1_000_000 }),
        seed: Type.Integer(),
      },
      { additionalProperties: false },
    ),
    models: Type.Object(
      {
        dir: Type.String({ minLength: 1, description: 'Where trained model versions are kept.' }),
        train: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Models `shopfusion train` fits, each a name or name:key=value:… (`fusion:channels=itemknn+markov`).' }),
        default: Type.String({ minLength: 1, description: 'Model the recommendation routes use when none is named.' }),
        halfLifeDays: Type.Number({ minimum: 0, description: 'Time decay of event weights in training; 0 turns it off.' }),
      },
      { additionalProperties: false },
    ),
    embedding: Type.Object(
      {
        provider: Type.Unsafe<'use-lite' | 'onnx' | 'http' | 'none'>({
          type: 'string',
          enum: ['use-lite', 'onnx', 'http', 'none'],
          description: 'Text encoder of the semantic layer: the bundled use-lite, a local ONNX folder, an HTTP endpoint, or none.',
        }),
        onnxDir: Type.Optional(Type.String({ minLength: 1, description: 'onnx: folder with model.onnx and tokenizer.json.' })),
        httpUrl: Type.Optional(Type.String({ minLength: 1, description: 'http: base URL of an OpenAI-compatible /v1/embeddings endpoint.' })),
        httpModel: Type.Optional(Type.String({ minLength: 1, description: 'http: the model name sent to the endpoint.' })),
        httpApiKey: Type.Optional(Type.String({ minLength: 1, description: 'http: bearer key of the endpoint.' })),
        threads: Type.Integer({ minimum: 1, maximum: 64, description: 'Worker threads that embed the catalog (local providers).' }),
        onStart: Type.Boolean({ description: '`serve` embeds new and changed items in the background when it starts.' }),
      },
      { additionalProperties: false },
    ),
    graph: Type.Object(
      {
        enabled: Type.Boolean({ description: 'Build the knowledge graph at start and serve graph/ppr, explanations and the /graph routes.' }),
        alpha: Type.Number({
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          description: 'Restart probability of the personalised PageRank walk: higher stays nearer the seeds.',
        }),
        relations: Type.Optional(
          Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Number({ minimum: 0, maximum: 1000 }), {
            description:
              'Relations the walk follows, both ways, with their relative weights ({"bought_together": 2, "made_by": 1}); ' +
              'every relation with weight 1 when absent. A relation this shop\'s graph lacks is ignored and reported by GET /graph.',
          }),
        ),
        refreshSeconds: Type.Number({
          minimum: 0.01,
          maximum: 3600,
          description: 'How often the walk is recompiled when the graph changed, so that no request pays for it.',
        }),
        degreePenalty: Type.Number({
          minimum: 0,
          maximum: 2,
          description: 'Popularity penalty β of graph/ppr: an item scores PageRank / degree^β; above 0 lifts the long tail and items nobody has interacted with yet.',
        }),
      },
      { additionalProperties: false },
    ),
    search: Type.Object(
      {
        enabled: Type.Boolean({ description: 'Index the catalog at start and serve GET/POST /search and GET /suggest.' }),
        fieldWeights: Type.Object(
          Object.fromEntries(['title', 'brand', 'categories', 'attributes', 'description'].map((f) => [f, Type.Number({ minimum: 0, maximum: 10 })])) as Record<
            'title' | 'brand' | 'categories' | 'attributes' | 'description',
            ReturnType<typeof Type.Number>
          >,
          { additionalProperties: false, description: 'BM25F weight of a word in each item field (0 leaves the field out).' },
        ),
        synonyms: Type.Array(Type.String({ minLength: 3, maxLength: 1000, pattern: '\\|' }), {
          maxItems: 10_000,
          description: 'Synonym groups, words joined by | ("fridge|refrigerator"); a query word also matches its group.',
        }),
        typos: Type.Boolean({ description: 'Match words with typos (1 edit from 4 letters on, 2 from 8).' }),
        semanticWeight: Type.Number({ minimum: 0, maximum: 1, description: 'Weight of semantic retrieval in the hybrid fusion (needs an embedder).' }),
        personalWeight: Type.Number({ minimum: 0, maximum: 1, description: "Largest relative boost from the shopper's category, brand and vector affinities." }),
        clickWeight: Type.Number({ minimum: 0, maximum: 1, description: "Largest relative boost from the query's past search clicks." }),
      },
      { additionalProperties: false },
    ),
    datasets: Type.String({ description: 'Folder of the shared evaluation datasets.' }),
    placements: Type.Record(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' }), Placement, {
      description:
        'Recommendation placements served by GET /recommend/:placement (home, similar, bought-together, session and any ' +
        'added here): recall channels with quotas and weights, normalisation, learned fusion, deadline, rules, required context. ' +
        'As an environment variable: SHOPFUSION_PLACEMENTS with a JSON object, merged like a file.',
    }),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Config = {
  store: 'sqlite:./data/shop.db',
  server: {
    host: '127.0.0.1',
    port: 8080,
    bodyLimitBytes: 8 * 1024 * 1024,
    maxBatchSize: 10_000,
    logLevel: 'info',
  },
  events: {
    unknownItems: 'accept',
    weights: {
      view: 1,
      click: 2,
      add_to_cart: 4,
      purchase: 8,
      rating: 1,
      like: 3,
      dislike: 0,
      search_click: 2,
      impression: 0,
    },
  },
  demo: { loadIfEmpty: true, events: 20_000, seed: 42 },
  models: { dir: './data/models', train: ['pop', 'itemknn', 'als', 'markov', 'fusion:channels=itemknn+markov+als+pop'], default: 'itemknn', halfLifeDays: 0 },
  embedding: { provider: 'use-lite', threads: 2, onStart: true },
  graph: { enabled: true, alpha: 0.3, refreshSeconds: 5, degreePenalty: 0 },
  search: {
    enabled: true,
    fieldWeights: { title: 1, brand: 0.8, categories: 0.6, attributes: 0.4, description: 0.2 },
    synonyms: [],
    typos: true,
    semanticWeight: 0.3,
    personalWeight: 0.15,
    clickWeight: 0.3,
  },
  datasets: '../shared/datasets',
  placements: DEFAULT_PLACEMENTS,
};

const checkConfig = compileChecker<Config>(ConfigSchema);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key], value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (isObject(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `server.apiKey` → `SHOPFUSION_SERVER_API_KEY`. */
export function envName(path: readonly string[]): string {
  return `SHOPFUSION_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

interface Leaf {
  path: string[];
  schema: TSchema;
}

/**
 * The settable leaves of the schema, one environment variable each. A record (`graph.relations`,
 * `placements`) is one leaf whose keys are not known in advance: its variable holds JSON.
 */
function leaves(schema: TSchema, path: string[] = []): Leaf[] {
  if (schema[Kind] === 'Object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, s]) => leaves(s, [...path, k]));
  }
  return [{ path, schema }];
}

const ENV_LEAVES = new Map(leaves(ConfigSchema).map((leaf) => [envName(leaf.path), leaf]));

/** Every environment variable the engine reads, for `--help` and the README. */
export function environmentVariables(): string[] {
  return [...ENV_LEAVES.keys(), 'SHOPFUSION_CONFIG'];
}

function parseLeaf(raw: string, schema: TSchema): unknown {
  const type = schema.type;
  if (type === 'integer' || type === 'number') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (type === 'array') return raw.split(',').map((part) => part.trim()).filter(Boolean);
  if (type === 'object') {
    // A map (graph.relations, placements) comes as JSON; what does not parse is left for validation to name.
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[path[path.length - 1] as string] = value;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SHOPFUSION_') || raw === undefined || name === 'SHOPFUSION_CONFIG') continue;
    const leaf = ENV_LEAVES.get(name);
    if (!leaf) {
      throw new ShopfusionError(
        'invalid_config',
        `unknown environment variable ${name}; allowed: ${environmentVariables().join(', ')}`,
      );
    }
    setPath(out, leaf.path, parseLeaf(raw, leaf.schema));
  }
  return out;
}

function fromFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShopfusionError('invalid_config', `cannot read config file ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) throw new Error('the top level must be an object');
    return parsed;
  } catch (cause) {
    throw new ShopfusionError('invalid_config', `config file ${file} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Synonym groups must name two or more single words ("fridge|refrigerator"). */
function synonymProblems(groups: readonly string[]): FieldError[] {
  return groups.flatMap((group, i) => {
    const words = group.split('|').map((w) => w.trim());
    const path = `search.synonyms.${i}`;
    if (words.filter(Boolean).length < 2 || words.some((w) => w === '')) return [{ path, message: `${JSON.stringify(group)} must be two or more words joined by |` }];
    const long = words.find((w) => /\s/u.test(w));
    return long === undefined ? [] : [{ path, message: `${JSON.stringify(long)} has several words; synonyms are single words (fridge|refrigerator)` }];
  });
}

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flags as a partial config object, already shaped by the CLI. */
  flags?: Json;
}

/** Builds, validates and freezes the configuration. Throws `invalid_config` naming the key. */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? {};
  const file = sources.file ?? env.SHOPFUSION_CONFIG;
  let merged: Json = structuredClone(DEFAULT_CONFIG) as unknown as Json;
  if (file) merged = deepMerge(merged, fromFile(file));
  merged = deepMerge(merged, fromEnvironment(env));
  if (sources.flags) merged = deepMerge(merged, sources.flags);
  const checked = checkConfig(merged);
  if (!checked.ok) {
    throw new ShopfusionError('invalid_config', `invalid configuration: ${describeFieldErrors(checked.errors)}`, {
      details: checked.errors,
    });
  }
  if (checked.value.server.readApiKey !== undefined && checked.value.server.apiKey === undefined) {
    throw new ShopfusionError(
      'invalid_config',
      'invalid configuration: server.readApiKey is set without server.apiKey, which would leave the API open to writes; set server.apiKey too',
    );
  }
  const problems = [
    ...Object.entries(checked.value.placements).flatMap(([name, placement]) => placementProblems(name, placement)),
    ...synonymProblems(checked.value.search.synonyms),
  ];
  if (problems.length > 0) {
    throw new ShopfusionError('invalid_config', `invalid configuration: ${describeFieldErrors(problems)}`, { details: problems });
  }
  return deepFreeze(checked.value);
}
