/**
 * The offline evaluation harness: load a dataset, split it by a named protocol, pick each model's
 * parameters on a validation split (never on test), refit, and rank all items for every test user
 * with the user's training items excluded.
 *
 * - Validation: `loo` and `random` have their own validation part; `msr` and `cold-items` carve
 *   one out of the training rows with the same method and seed + 1. Parameters are chosen by
 *   NDCG@10 on at most 5,000 validation users (a seeded sample, to bound search time).
 * - Final fit: on train plus validation for `loo` (the validation item is the input that
 *   precedes the test item, as in S3-Rec), on train for the others.
 * - Ties between scores never favour the model: a relevant item is ranked after the non-relevant
 *   items with the same score.
 */
import { buildTrainData, historyOf, type Interactions } from '../data/interactions.js';
import { seededSample } from '../core/sample.js';
import type { Holdout } from '../fusion/holdout.js';
import { fitShared } from '../models/fit-cache.js';
import { modelRef } from '../models/registry.js';
import { ModelNotApplicable, type ItemContent, type ParamValue, type Recommender, type TrainData } from '../models/types.js';
import { MetricAccumulator, rankWithPessimisticTies } from './metrics.js';
import { splitInteractions, type InteractionLog, type Split, type SplitProtocol } from './splits.js';

export type Protocol = SplitProtocol;

export interface ModelResult {
  model: string;
  params: Record<string, ParamValue>;
  metrics: Record<string, number>;
  fitSeconds: number;
  scoreSeconds: number;
  /** What the final fit did, as the model reports it (epochs, early stopping). */
  training?: Record<string, ParamValue>;
  /** The parameter sets tried and their validation NDCG@10. */
  search?: Array<{ params: Record<string, ParamValue>; ndcg10: number }>;
  skipped?: string;
}

export interface EvalReport {
  dataset: string;
  protocol: Protocol;
  seed: number;
  stats: { users: number; items: number; interactions: number; train: number; valid: number; test: number; testUsers: number };
  results: ModelResult[];
}

export interface EvalOptions {
  dataset: string;
  interactions: Interactions;
  /** Item text and vectors for content models (by dense item index of `interactions`). */
  content?: ItemContent;
  protocol: Protocol;
  models: readonly string[];
  ks?: readonly number[];
  seed?: number;
  /** Search parameters on the validation split; false uses each model's defaults. */
  search?: boolean;
  log?: (line: string) => void;
}

const SEARCH_USERS = 5_000;


function concat(a: Int32Array, b: Int32Array | undefined): Int32Array {
  if (!b || b.length === 0) return a;
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Each user's distinct items among `rows`. */
function itemsByUser(ia: Interactions, rows: Int32Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const row of rows) {
    const u = ia.user[row] as number;
    const items = groups.get(u) ?? [];
    const item = ia.item[row] as number;
    if (!items.includes(item)) items.push(item);
    groups.set(u, items);
  }
  return groups;
}

/** Ranks all items for each user with relevant rows, and returns the metrics. */
function rankAll(
  ia: Interactions,
  model: Recommender,
  train: TrainData,
  relevantRows: Int32Array,
  options: { ks: readonly number[]; users?: number[]; coldItems?: Uint8Array },
): Record<string, number> {
  const numItems = ia.items.size;
  const popularity = new Float64Array(numItems);
  for (let p = 0; p < train.matrix.nnz; p++) popularity[train.matrix.indices[p] as number] = (popularity[train.matrix.indices[p] as number] as number) + 1;
  const acc = new MetricAccumulator({ ks: [...options.ks], numItems, popularity, coldItems: options.coldItems });
  const relevantByUser = itemsByUser(ia, relevantRows);
  const users = options.users ?? [...relevantByUser.keys()].sort((a, b) => a - b);
  const scores = new Float32Array(numItems);
  const exclude = new Uint8Array(numItems);
  const maxK = Math.max(...options.ks);
  for (const u of users) {
    const relevant = relevantByUser.get(u);
    if (!relevant) continue;
    const history = historyOf(train.sequences, u);
    model.score(u, history, scores);
    for (const item of history) exclude[item] = 1;
    const ranked = rankWithPessimisticTies(scores, exclude, Int32Array.from(relevant), maxK);
    acc.add(ranked, Int32Array.from(relevant));
    for (const item of history) exclude[item] = 0;
  }
  return acc.result();
}

function validationSplit(ia: Interactions, split: Split, protocol: Protocol, seed: number): { train: Int32Array; valid: Int32Array } {
  if (split.valid && split.valid.length > 0) return { train: split.train, valid: split.valid };
  // Carve a validation part out of the training rows with the protocol's own method.
  const sub: InteractionLog = {
    users: Int32Array.from(split.train, (r) => ia.user[r] as number),
    items: Int32Array.from(split.train, (r) => ia.item[r] as number),
    times: Float64Array.from(split.train, (r) => ia.time[r] as number),
    numUsers: ia.users.size,
    numItems: ia.items.size,
  };
  const inner = splitInteractions(sub, protocol === 'cold-items' ? 'msr' : protocol, { seed: seed + 1 });
  const back = (rows: Int32Array) => Int32Array.from(rows, (r) => split.train[r] as number);
  return { train: back(inner.train), valid: back(inner.test) };
}

/** The validation rows as a holdout of `train`: each user's held-out items. */
function holdoutOf(ia: Interactions, train: TrainData, validRows: Int32Array): Holdout {
  const byUser = itemsByUser(ia, validRows);
  const users = Int32Array.from([...byUser.keys()].sort((a, b) => a - b));
  const targetPtr = new Int32Array(users.length + 1);
  const targets: number[] = [];
  users.forEach((u, g) => {
    targets.push(...(byUser.get(u) as number[]).sort((a, b) => a - b));
    targetPtr[g + 1] = targets.length;
  });
  return { train, users, targetPtr, targets: Int32Array.from(targets) };
}

export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  const ia = options.interactions;
  const ks = options.ks ?? [5, 10, 20];
  const seed = options.seed ?? 42;
  const log = options.log ?? (() => {});
  const rows: InteractionLog = { users: ia.user, items: ia.item, times: ia.time, numUsers: ia.users.size, numItems: ia.items.size };
  const split = splitInteractions(rows, options.protocol, { seed });
  const finalRows = options.protocol === 'loo' ? concat(split.train, split.valid) : split.train;
  const content = options.content ? { content: options.content } : {};
  const finalTrain = { ...buildTrainData(ia, finalRows, { scheme: 'binary' }), ...content };
  const search = options.search !== false ? validationSplit(ia, split, options.protocol, seed) : undefined;
  const searchTrain = search && { ...buildTrainData(ia, search.train, { scheme: 'binary' }), ...content };
  const searchUsers = search && seededSample([...itemsByUser(ia, search.valid).keys()].sort((a, b) => a - b), SEARCH_USERS, seed);
  const validation = search && searchTrain ? holdoutOf(ia, searchTrain, search.valid) : undefined;
  const holdout = options.protocol === 'loo' ? 'last' : 'random';

  const results: ModelResult[] = [];
  for (const name of options.models) {
    const { spec, fixed, grid } = modelRef(name);
    try {
      let params: Record<string, ParamValue> = fixed;
      let tried: ModelResult['search'];
      if (search && searchTrain && grid.length > 1) {
        tried = [];
        for (const candidate of grid) {
          const model = await fitShared(spec, candidate, searchTrain, seed);
          const m = rankAll(ia, model, searchTrain, search.valid, { ks: [10], users: searchUsers });
          tried.push({ params: { ...model.params }, ndcg10: m['ndcg@10'] ?? 0 });
          log(`  ${name} ${JSON.stringify(candidate)}: validation ndcg@10 ${(m['ndcg@10'] ?? 0).toFixed(4)}`);
        }
        const best = tried.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
        params = grid[tried.indexOf(best)] ?? params;
      }
      const fitStart = performance.now();
      const model = await fitShared(spec, params, finalTrain, seed, { holdout, log, ...(validation ? { validation } : {}) });
      const fitSeconds = (performance.now() - fitStart) / 1000;
      const scoreStart = performance.now();
      const metrics = rankAll(ia, model, finalTrain, split.test, { ks, coldItems: split.coldItems });
      const scoreSeconds = (performance.now() - scoreStart) / 1000;
      const training = model.fitReport?.();
      results.push({ model: name, params: { ...model.params }, metrics, fitSeconds, scoreSeconds, ...(training ? { training } : {}), ...(tried ? { search: tried } : {}) });
      log(`${name}: ndcg@10 ${(metrics['ndcg@10'] ?? 0).toFixed(4)} hr@10 ${(metrics['hr@10'] ?? 0).toFixed(4)} (fit ${fitSeconds.toFixed(1)} s)`);
    } catch (error) {
      if (!(error instanceof ModelNotApplicable)) throw error;
      results.push({ model: name, params: {}, metrics: {}, fitSeconds: 0, scoreSeconds: 0, skipped: error.message });
      log(`${name}: skipped (${error.message})`);
    }
  }
  return {
    dataset: options.dataset,
    protocol: options.protocol,
    seed,
    stats: {
      users: ia.users.size,
      items: ia.items.size,
      interactions: ia.length,
      train: split.train.length,
      valid: split.valid?.length ?? 0,
      test: split.test.length,
      testUsers: itemsByUser(ia, split.test).size,
    },
    results,
  };
}
