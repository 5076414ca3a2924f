/**
 * The ranking cascade as one model: recall channels (trained models) → fusion of their
 * normalised scores → learned ranker over the fused top candidates. Three depths of it are
 * evaluated side by side:
 *
 * - `rrf`: reciprocal rank fusion of the channels, nothing learned but the channels.
 * - `fusion-linear`: per-channel normalisation (min-max, z-score or rank: the best on
 *   validation) and weights learned by coordinate ascent on validation NDCG@10, per user segment
 *   (short, medium, long histories) where a segment has enough validation users.
 * - `fusion`: the linear fusion's top `rankDepth` candidates reordered by a learned ranker
 *   (LambdaMART trees by default, or the neural ranker) over channel scores and ranks, item
 *   popularity and freshness, the user's activity, brand and category affinity, price band and
 *   text similarity to the session.
 *
 * Everything learned beyond the channels is learned on a validation holdout the channels were not
 * trained on: the evaluation's own validation split when the caller passes one, else the newest
 * interaction of each user (`holdout: 'last'`) or a random 20% (`'random'`). Channels are then
 * refitted on all the data with the chosen parameters. Items that no behaviour channel can know
 * (no training interactions) keep the best rank a content channel gives them (`coldSlots`), so
 * the cascade never recalls new items worse than its best semantic channel.
 */
import { CandidateSet } from '../fusion/candidates.js';
import { ChannelRecall, chooseChannels, parseChannels, sampleGroups, type ChosenChannel } from '../fusion/channels.js';
import { fuseLinear, fuseRrf, normalise, NORMALISATIONS, type Normalisation } from '../fusion/fuse.js';
import { collectGroups, normalisedGroups, rrfNdcg, type StoredGroups } from '../fusion/groups.js';
import { holdOut, type Holdout } from '../fusion/holdout.js';
import { coordinateAscent, groupsNdcg, learnWeights, type FusionGroups } from '../fusion/learn.js';
import { historyOf } from '../data/interactions.js';
import { DeepRanker, type RankingData } from '../deep/ranker.js';
import { LambdaMart, type LambdaMartOptions } from '../rank/gbdt.js';
import { FeatureBuilder, featureNames, itemSignals, type ItemSignals } from '../rank/features.js';
import { fitShared } from './fit-cache.js';
import { Rng } from './random.js';
import { modelRef, modelSpec } from './registry.js';
import { ModelNotApplicable, type FitOptions, type ParamValue, type Recommender, type Snapshot, type TrainData } from './types.js';

export type FusionMode = 'rrf' | 'linear' | 'ranker';

export interface FusionOptions {
  /** Channels, comma-separated; `a|b` takes the first that applies. */
  channels?: string;
  /** Candidates each channel recalls (default 100). */
  depth?: number;
  mode?: FusionMode;
  /** `gbdt` (LambdaMART) or `mlp` (the deep ranker). */
  ranker?: 'gbdt' | 'mlp';
  /** Fused candidates the ranker reorders (default 200). */
  rankDepth?: number;
  /** Validation users the fusion learns from (a seeded sample; default 10,000). */
  validationUsers?: number;
  /** Choose each channel's parameters from its grid on validation (default true). */
  tuneChannels?: boolean;
  /** Learn weights per history-length segment where one has enough users (default true). */
  segments?: boolean;
  /** New items keep their best content-channel rank (default true). */
  coldSlots?: boolean;
}

export const DEFAULT_CHANNELS = 'itemknn,markov,als,ease,sasrec-text|sasrec,text-bm25,vector-adapted,pop';

/** Content channels: the ones that can rank an item without interactions. */
const CONTENT_CHANNELS = new Set(['text-bm25', 'vector-use-lite', 'vector-adapted', 'vector-catalog', 'graph-ppr', 'sasrec-text', 'kg-lightgcn']);

/** History-length segments: up to 5 items, up to 20, more. */
const SEGMENT_BOUNDS = [5, 20];
const SEGMENT_NAMES = ['short', 'medium', 'long'];
const MIN_SEGMENT_GROUPS = 500;

/**
 * LambdaMART settings for a few thousand requests with one relevant item each: small trees, many
 * rows per leaf and a slow rate, since the relevant rows are few and easy to overfit.
 */
const GBDT_OPTIONS = { learningRate: 0.05, leaves: 15, minLeafRows: 50, patience: 50 };
/** Scales of the fused score as the trees' base, in units of its spread over the candidates. */
const BASE_SCALES = [2, 8];


function segmentOf(historyLength: number): number {
  let s = 0;
  while (s < SEGMENT_BOUNDS.length && historyLength > (SEGMENT_BOUNDS[s] as number)) s++;
  return s;
}

/** Candidate slots sorted by score, best first (ties by slot). */
function orderBy(scores: Float64Array, size: number, order: Int32Array): void {
  for (let m = 0; m < size; m++) order[m] = m;
  order.subarray(0, size).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

export class Fusion implements Recommender {
  readonly params: Required<FusionOptions>;
  private channels: ChosenChannel[] = [];
  private models: Recommender[] = [];
  private normalisation: Normalisation = 'minmax';
  /** segments × channels weights (every segment filled, with the global weights where not learned). */
  private weights: Float64Array = new Float64Array(0);
  private ranker: LambdaMart | DeepRanker | undefined;
  private signals: ItemSignals | undefined;
  private report: Record<string, ParamValue> = {};
  // Per-request buffers.
  private set: CandidateSet | undefined;
  private recall: ChannelRecall | undefined;
  private features: FeatureBuilder | undefined;
  private norm = new Float32Array(0);
  private minmax = new Float32Array(0);
  private fused = new Float64Array(0);
  private rrf = new Float64Array(0);
  private order = new Int32Array(0);
  private rows = new Float64Array(0);
  private ranked = new Float64Array(0);

  constructor(
    readonly name: string,
    options: FusionOptions = {},
  ) {
    this.params = {
      channels: options.channels ?? DEFAULT_CHANNELS,
      depth: options.depth ?? 100,
      mode: options.mode ?? 'ranker',
      ranker: options.ranker ?? 'gbdt',
      rankDepth: options.rankDepth ?? 200,
      validationUsers: options.validationUsers ?? 10_000,
      tuneChannels: options.tuneChannels ?? true,
      segments: options.segments ?? true,
      coldSlots: options.coldSlots ?? true,
    };
    const p = this.params;
    if (!['rrf', 'linear', 'ranker'].includes(p.mode)) throw new RangeError(`${name}: mode must be rrf, linear or ranker, got ${JSON.stringify(p.mode)}`);
    if (!['gbdt', 'mlp'].includes(p.ranker)) throw new RangeError(`${name}: ranker must be gbdt or mlp, got ${JSON.stringify(p.ranker)}`);
    for (const [key, min] of [['depth', 1], ['rankDepth', 10], ['validationUsers', 10]] as const) {
      if (!(Number.isInteger(p[key]) && p[key] >= min)) throw new RangeError(`${name}: ${key} must be an integer >= ${min}, got ${p[key]}`);
    }
    for (const entry of parseChannels(p.channels)) for (const ref of entry) modelRef(ref);
    if (parseChannels(p.channels).length === 0) throw new RangeError(`${name}: channels must name at least one model`);
  }

  async fit(data: TrainData, options: FitOptions): Promise<void> {
    const seed = options.seed;
    const log = options.log ?? (() => {});
    this.ranker = undefined;
    const holdout = options.validation ?? holdOut(data, options.holdout ?? 'last', seed);
    const { chosen, skipped } = await chooseChannels(parseChannels(this.params.channels), holdout, { seed, tune: this.params.tuneChannels, log });
    if (chosen.length === 0) throw new ModelNotApplicable(this.name, `no channel applies: ${skipped.join('; ')}`);
    this.channels = chosen;
    const inner = await Promise.all(chosen.map((c) => fitShared(c.ref.spec, c.params, holdout.train, seed)));
    const vectors = await textVectors(data);
    this.signals = itemSignals({ numItems: data.numItems, matrix: holdout.train.matrix, sequences: holdout.train.sequences, records: data.content?.records, vectors });
    this.allocate(inner, data.numItems);
    options.progress?.(0.3);

    this.report = { channels: chosen.map((c) => c.label).join(','), ...(skipped.length ? { skipped: skipped.join('; ') } : {}) };
    if (this.params.mode !== 'rrf') this.learn(holdout, seed);
    options.progress?.(0.8);

    // Serve from channels refitted on everything, with the item signals of everything.
    this.models = await Promise.all(chosen.map((c) => fitShared(c.ref.spec, c.params, data, seed)));
    this.signals = itemSignals({ numItems: data.numItems, matrix: data.matrix, sequences: data.sequences, records: data.content?.records, vectors });
    this.allocate(this.models, data.numItems);
    options.progress?.(1);
  }

  private allocate(models: Recommender[], numItems: number): void {
    const c = models.length;
    const capacity = c * this.params.depth;
    this.set = new CandidateSet(c, numItems, capacity);
    this.recall = new ChannelRecall(models, numItems, this.params.depth);
    this.features = this.signals ? new FeatureBuilder(this.signals, c) : undefined;
    this.norm = new Float32Array(capacity * c);
    this.minmax = new Float32Array(capacity * c);
    this.fused = new Float64Array(capacity);
    this.rrf = new Float64Array(capacity);
    this.order = new Int32Array(capacity);
    const dims = this.features?.dims ?? 0;
    this.rows = new Float64Array(this.params.rankDepth * dims);
    this.ranked = new Float64Array(this.params.rankDepth);
  }

  /** Learns the normalisation, the weights per segment and the ranker on the holdout. */
  private learn(holdout: Holdout, seed: number): void {
    const set = this.set as CandidateSet;
    const recall = this.recall as ChannelRecall;
    const c = set.channels;
    const sample = sampleGroups(holdout.users.length, this.params.validationUsers, seed);
    const stored = collectGroups({ recall, set, holdout, sample, segmentOf });
    const groups = stored.labels.length;
    const segment = stored.segment;
    // The share of requests with no held-out item recalled counts as NDCG 0 in every figure.
    const scale = groups / Math.max(1, sample.length);

    let best: { mode: Normalisation; weights: Float64Array; ndcg: number; groups: FusionGroups } | undefined;
    for (const mode of NORMALISATIONS) {
      const g = normalisedGroups(stored, mode);
      const result = learnWeights(g);
      this.report[`valid-ndcg@10:${mode}`] = +(result.ndcg * scale).toFixed(5);
      this.report[`valid-ndcg@10:best-single:${mode}`] = `${this.channels[result.single]?.label} ${(result.singleNdcg * scale).toFixed(5)}`;
      if (!best || result.ndcg > best.ndcg) best = { mode, weights: result.weights, ndcg: result.ndcg, groups: g };
    }
    if (!best) return;
    this.normalisation = best.mode;
    const segments = SEGMENT_NAMES.length;
    this.weights = new Float64Array(segments * c);
    for (let s = 0; s < segments; s++) {
      const members = Int32Array.from(segment.flatMap((seg, g) => (seg === s ? [g] : [])));
      const learned = this.params.segments && members.length >= MIN_SEGMENT_GROUPS ? coordinateAscent(best.groups, { start: best.weights, members }).weights : best.weights;
      this.weights.set(learned, s * c);
      this.report[`segment:${SEGMENT_NAMES[s]}`] = `${members.length} users${learned === best.weights ? ' (global weights)' : ''}`;
    }
    this.report.normalisation = best.mode;
    this.report['valid-ndcg@10:linear'] = +(best.ndcg * scale).toFixed(5);
    this.report.weights = this.channels.map((ch, i) => `${ch.label}=${(best.weights[i] as number).toFixed(3)}`).join(' ');
    this.report['valid-ndcg@10:rrf'] = +(rrfNdcg(stored) * scale).toFixed(5);
    this.report['validation-users'] = sample.length;
    this.report['recalled-users'] = groups;
    if (this.params.mode !== 'ranker') return;

    // The ranker against the linear fusion, measured on a quarter of the requests neither learned
    // from; the cascade keeps the ranker only where it wins.
    const perm = Int32Array.from({ length: groups }, (_, g) => g);
    new Rng(seed + 7).shuffle(perm);
    const cut = Math.floor(groups * 0.75);
    const a = perm.slice(0, cut).sort();
    const b = perm.slice(cut).sort();
    const learned = this.weights;
    const weightsA = learnWeights(best.groups, { members: a }).weights;
    this.weights = new Float64Array(segments * c);
    for (let s = 0; s < segments; s++) this.weights.set(weightsA, s * c);
    const dataA = this.rankingData(stored, a);
    const linearB = groupsNdcg(best.groups, weightsA, b);
    this.report['select-linear-ndcg@10'] = +linearB.toFixed(5);
    let chosen: { label: string; options: LambdaMartOptions; ndcg: number } | undefined;
    for (const trial of this.rankerTrials(dataA)) {
      const ranker = this.params.ranker === 'gbdt' ? new LambdaMart(trial.options) : new DeepRanker();
      ranker.fit(dataA, seed);
      const ndcg = this.rankerNdcg(ranker, stored, b);
      this.report[`select-ranker-${trial.label}-ndcg@10`] = +ndcg.toFixed(5);
      if (ndcg > linearB && (!chosen || ndcg > chosen.ndcg)) chosen = { ...trial, ndcg };
    }
    this.weights = learned;
    if (!chosen) {
      this.report.ranker = 'not used: the linear fusion ranked the held-out requests better';
      return;
    }
    this.report.ranker = chosen.label;
    const started = performance.now();
    const all = this.rankingData(stored, Int32Array.from({ length: groups }, (_, g) => g));
    const ranker = this.params.ranker === 'gbdt' ? new LambdaMart(chosen.options) : new DeepRanker();
    const fit = ranker.fit(all, seed);
    this.ranker = ranker;
    this.report['ranker-groups'] = all.starts.length - 1;
    for (const [key, value] of Object.entries(fit)) this.report[`ranker-${key}`] = typeof value === 'number' ? +value.toFixed(5) : value;
    this.report['ranker-fit-s'] = +((performance.now() - started) / 1000).toFixed(1);
    if (ranker instanceof LambdaMart) {
      const importance = ranker.featureImportance();
      const names = featureNames(this.channels.map((ch) => ch.label));
      const top = [...importance.keys()].sort((x, y) => (importance[y] as number) - (importance[x] as number)).slice(0, 8);
      this.report['ranker-top-features'] = top.map((f) => names[f]).join(',');
    }
  }

  /** Feature rows of the given stored requests: each one's top rankDepth by the current weights. */
  private rankingData(stored: StoredGroups, members: Int32Array): RankingData {
    const features = this.features as FeatureBuilder;
    const dims = features.dims;
    const parts: Float64Array[] = [];
    const partLabels: Float32Array[] = [];
    for (const g of members) {
      const take = this.loadAndFuse(stored, g);
      const out = new Float64Array(take * dims);
      features.write(this.set as CandidateSet, this.minmax, this.fused, this.rrf, this.order, take, out, 0);
      const y = new Float32Array(take);
      let hits = 0;
      for (let i = 0; i < take; i++) hits += y[i] = (stored.labels[g] as Float32Array)[this.order[i] as number] as number;
      if (hits === 0) continue;
      parts.push(out);
      partLabels.push(y);
    }
    const starts = new Int32Array(parts.length + 1);
    for (let i = 0; i < parts.length; i++) starts[i + 1] = (starts[i] as number) + (partLabels[i] as Float32Array).length;
    const rows = starts[parts.length] as number;
    const data: RankingData = { features: new Float64Array(rows * dims), dims, labels: new Float32Array(rows), starts };
    for (let i = 0; i < parts.length; i++) {
      data.features.set(parts[i] as Float64Array, (starts[i] as number) * dims);
      data.labels.set(partLabels[i] as Float32Array, starts[i] as number);
    }
    return data;
  }

  /**
   * Ranker settings to try: trees from scratch, and trees that correct the fused score (its
   * feature as the base score at two scales relative to its spread).
   */
  private rankerTrials(data: RankingData): Array<{ label: string; options: LambdaMartOptions }> {
    if (this.params.ranker !== 'gbdt') return [{ label: 'mlp', options: {} }];
    const fused = 2 * this.channels.length;
    const rows = data.labels.length;
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += (data.features[r * data.dims + fused] as number) / rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += ((data.features[r * data.dims + fused] as number) - mean) ** 2 / rows;
    const spread = Math.sqrt(variance) || 1;
    return [
      { label: 'trees', options: GBDT_OPTIONS },
      ...BASE_SCALES.map((k) => ({ label: `fused-base-x${k}`, options: { ...GBDT_OPTIONS, baseFeature: fused, baseScale: k / spread } })),
    ];
  }

  /** Mean NDCG@10 of the ranker over stored requests (relevant items beyond the ranked head count as missed). */
  private rankerNdcg(ranker: LambdaMart | DeepRanker, stored: StoredGroups, members: Int32Array): number {
    const dims = (this.features as FeatureBuilder).dims;
    let sum = 0;
    for (const g of members) {
      const take = this.loadAndFuse(stored, g);
      (this.features as FeatureBuilder).write(this.set as CandidateSet, this.minmax, this.fused, this.rrf, this.order, take, this.rows, 0);
      ranker.score(this.rows.subarray(0, take * dims), take, this.ranked);
      const y = Float32Array.from({ length: take }, (_, i) => (stored.labels[g] as Float32Array)[this.order[i] as number] as number);
      sum += groupsNdcg({ x: Float32Array.from(this.ranked.subarray(0, take)), dims: 1, starts: Int32Array.from([0, take]), labels: y, ideal: Float64Array.of(stored.ideal[g] as number) }, [1]);
    }
    return members.length > 0 ? sum / members.length : 0;
  }

  /** Loads stored request g into the buffers, fuses and orders it, and begins its features; returns the ranked head size. */
  private loadAndFuse(stored: StoredGroups, g: number): number {
    const set = this.set as CandidateSet;
    set.reset();
    set.size = (stored.labels[g] as Float32Array).length;
    set.items.set(stored.items[g] as Int32Array);
    set.raw.set(stored.raw[g] as Float32Array);
    set.ranks.set(stored.ranks[g] as Int32Array);
    set.lengths.set(stored.lengths[g] as Int32Array);
    const take = this.fuseAndOrder(stored.segment[g] as number);
    (this.features as FeatureBuilder).begin(historyOf(stored.train.sequences, stored.users[g] as number));
    return take;
  }

  /** Normalises and fuses the set; orders its slots by the fused score; returns how many the ranker takes. */
  private fuseAndOrder(segment: number): number {
    const set = this.set as CandidateSet;
    const c = set.channels;
    const n = set.size;
    normalise(set, 'minmax', this.minmax);
    fuseRrf(set, this.rrf);
    if (this.params.mode === 'rrf') {
      this.fused.set(this.rrf.subarray(0, n));
    } else {
      normalise(set, this.normalisation, this.norm);
      fuseLinear(this.norm, n, c, this.weights.subarray(segment * c, segment * c + c), this.fused);
    }
    orderBy(this.fused, n, this.order);
    return Math.min(n, this.params.rankDepth);
  }

  /** The channels in feature order, as trained (model references such as `itemknn`). */
  channelLabels(): string[] {
    return this.channels.map((c) => c.label);
  }

  /** Channel `c`'s top k for a user (dense indices of the training catalog), the history excluded. */
  channelTop(c: number, user: number, history: Int32Array, k: number): { items: Int32Array; scores: Float32Array } {
    if (!this.recall) throw new ModelNotApplicable(this.name, 'it has no channels');
    return this.recall.one(c, user, history, k);
  }

  /** Whether a learned ranker is part of this fusion. */
  get hasRanker(): boolean {
    return this.ranker !== undefined;
  }

  /**
   * The serving cascade's fusion and ranking of candidates recalled elsewhere: `set` holds raw
   * scores and ranks in this fusion's channel order, its items as dense indices of the catalog the
   * fusion was trained on (indices at or past that catalog's size are items it never saw).
   * Writes each slot's learned linear fusion score into `fused`, and, where a ranker is trained,
   * its score into `ranked` (returns whether it did; `withRanker` false skips it, when there is no
   * time left). No allocation when the set fits the buffers.
   */
  rankCandidates(set: CandidateSet, history: ArrayLike<number>, fused: Float64Array, ranked: Float64Array, withRanker = true): boolean {
    const c = set.channels;
    if (c !== this.channels.length) throw new RangeError(`${this.name}: the candidates have ${c} channels, the fusion was trained on ${this.channels.length}`);
    const n = set.size;
    this.ensureCapacity(n);
    normalise(set, 'minmax', this.minmax);
    fuseRrf(set, this.rrf);
    if (this.params.mode === 'rrf') {
      for (let m = 0; m < n; m++) fused[m] = this.rrf[m] as number;
    } else {
      normalise(set, this.normalisation, this.norm);
      const s = segmentOf(history.length);
      fuseLinear(this.norm, n, c, this.weights.subarray(s * c, s * c + c), fused);
    }
    const ranker = this.ranker;
    const features = this.features;
    if (!withRanker || !ranker || !features || this.params.mode !== 'ranker') return false;
    // As in training: the ranker reorders the fused head; the rest keep the fused order below it.
    this.fused.set(fused.subarray(0, n));
    orderBy(this.fused, n, this.order);
    const take = Math.min(n, this.params.rankDepth);
    features.begin(history);
    features.write(set, this.minmax, this.fused, this.rrf, this.order, take, this.rows, 0);
    ranker.score(this.rows, take, this.ranked);
    let floor = Infinity;
    for (let i = 0; i < take; i++) {
      const score = this.ranked[i] as number;
      ranked[this.order[i] as number] = score;
      if (score < floor) floor = score;
    }
    for (let i = take; i < n; i++) ranked[this.order[i] as number] = floor - 1 - (i - take) / n;
    return true;
  }

  /** Grows (never shrinks) the per-request buffers to hold `size` candidates. */
  private ensureCapacity(size: number): void {
    const c = this.channels.length;
    const dims = this.features?.dims ?? 0;
    if (this.norm.length < size * c) this.norm = new Float32Array(size * c);
    if (this.minmax.length < size * c) this.minmax = new Float32Array(size * c);
    if (this.fused.length < size) this.fused = new Float64Array(size);
    if (this.rrf.length < size) this.rrf = new Float64Array(size);
    if (this.order.length < size) this.order = new Int32Array(size);
    if (this.rows.length < Math.min(size, this.params.rankDepth) * dims) this.rows = new Float64Array(Math.min(size, this.params.rankDepth) * dims);
    if (this.ranked.length < size) this.ranked = new Float64Array(size);
  }


  score(user: number, history: Int32Array, out: Float32Array): void {
    const set = this.set;
    const recall = this.recall;
    if (!set || !recall) throw new ModelNotApplicable(this.name, 'it has no channels: fit it, or load it with its channels');
    recall.recall(user, history, set);
    const n = set.size;
    const take = this.fuseAndOrder(segmentOf(history.length));
    out.fill(-Infinity);
    // Below the ranked head, the fused order (scores far below any ranker score).
    for (let i = take; i < n; i++) out[set.items[this.order[i] as number] as number] = -1e30 * (1 + i / n);
    const ranker = this.ranker;
    const features = this.features;
    if (ranker && features && this.params.mode === 'ranker') {
      features.begin(history);
      features.write(set, this.minmax, this.fused, this.rrf, this.order, take, this.rows, 0);
      ranker.score(this.rows, take, this.ranked);
      for (let i = 0; i < take; i++) out[set.items[this.order[i] as number] as number] = this.ranked[i] as number;
    } else {
      for (let i = 0; i < take; i++) out[set.items[this.order[i] as number] as number] = this.fused[this.order[i] as number] as number;
    }
    if (this.params.coldSlots) this.placeColdItems(out);
  }

  /**
   * New items (no training interactions) recalled by a content channel take at least the rank
   * that channel gave them among all its items: each is lifted just above the item at that rank.
   */
  private placeColdItems(out: Float32Array): void {
    const set = this.set as CandidateSet;
    const signals = this.signals;
    if (!signals) return;
    const c = set.channels;
    const claims: Array<[number, number]> = [];
    for (let m = 0; m < set.size; m++) {
      const item = set.items[m] as number;
      if (item < signals.numItems && (signals.popularity[item] as number) > 0) continue;
      let best = Infinity;
      for (let ch = 0; ch < c; ch++) {
        const r = set.ranks[m * c + ch] as number;
        if (r >= 0 && CONTENT_CHANNELS.has(this.channels[ch]?.ref.spec.name ?? '') && r < best) best = r;
      }
      if (best < Infinity) claims.push([item, best]);
    }
    if (claims.length === 0) return;
    claims.sort((a, b) => a[1] - b[1]);
    const cold = new Set(claims.map(([item]) => item));
    const warm = [...set.items.subarray(0, set.size)].filter((i) => !cold.has(i)).sort((a, b) => (out[b] as number) - (out[a] as number));
    // Merge: a cold item claiming rank r goes at position r or the next free one.
    const merged: number[] = [];
    let w = 0;
    let k = 0;
    while (w < warm.length || k < claims.length) {
      const claim = claims[k];
      if (claim && (claim[1] <= merged.length || w >= warm.length)) merged.push(claims[k++]?.[0] as number);
      else merged.push(warm[w++] as number);
    }
    const n = merged.length;
    for (let i = 0; i < n; i++) out[merged[i] as number] = n - i;
  }

  /** Restores a fitted fusion with its channels, weights, item signals and ranker. */
  static load(s: Snapshot): Fusion {
    const fusion = new Fusion(s.model, s.params as FusionOptions);
    const meta = s.meta ?? {};
    const chosen = JSON.parse(String(meta.channels ?? '[]')) as Array<{ label: string; params: Record<string, ParamValue> }>;
    fusion.channels = chosen.map((c) => ({ label: c.label, ref: modelRef(c.label), params: c.params, validNdcg: NaN }));
    fusion.models = chosen.map((_, i) => {
      const saved = JSON.parse(String(meta[`channel${i}`])) as Pick<Snapshot, 'model' | 'params' | 'meta'>;
      const prefix = `channel${i}.`;
      const arrays = Object.fromEntries(Object.entries(s.arrays).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
      return modelSpec(saved.model).load({ ...saved, arrays });
    });
    fusion.normalisation = String(meta.normalisation ?? 'minmax') as Normalisation;
    fusion.weights = s.arrays.weights as Float64Array;
    const a = (key: string) => s.arrays[`signals.${key}`];
    const numItems = (a('popularity') as Float32Array).length;
    const vectors = a('vectors') as Float32Array | undefined;
    fusion.signals = {
      numItems,
      popularity: a('popularity') as Float32Array,
      lastSeen: a('lastSeen') as Float64Array,
      now: Number(meta.now),
      brand: a('brand') as Int32Array,
      category: a('category') as Int32Array,
      price: a('price') as Float32Array,
      brands: Number(meta.brands),
      categories: Number(meta.categories),
      ...(vectors ? { vectors: { data: vectors, dimensions: vectors.length / numItems, present: Uint8Array.from(a('present') as Int32Array) } } : {}),
    };
    if (meta.ranker !== undefined) {
      const { kind, options } = JSON.parse(String(meta.ranker)) as { kind: string; options: never };
      const arrays = Object.fromEntries(Object.entries(s.arrays).filter(([k]) => k.startsWith('ranker.')).map(([k, v]) => [k.slice('ranker.'.length), v])) as never;
      fusion.ranker = kind === 'gbdt' ? LambdaMart.load({ options, arrays }) : DeepRanker.load({ options, arrays });
    }
    fusion.allocate(fusion.models, numItems);
    return fusion;
  }

  fitReport(): Record<string, ParamValue> {
    return this.report;
  }

  save(): Snapshot {
    if (this.models.length === 0) throw new Error(`${this.name} is not fitted`);
    const arrays: Snapshot['arrays'] = { weights: this.weights };
    const meta: Record<string, ParamValue> = { normalisation: this.normalisation, channels: JSON.stringify(this.channels.map((c) => ({ label: c.label, params: c.params }))) };
    this.models.forEach((model, i) => {
      const s = model.save();
      meta[`channel${i}`] = JSON.stringify({ model: s.model, params: s.params, meta: s.meta ?? {} });
      for (const [key, value] of Object.entries(s.arrays)) arrays[`channel${i}.${key}`] = value;
    });
    const signals = this.signals as ItemSignals;
    Object.assign(arrays, {
      'signals.popularity': signals.popularity,
      'signals.lastSeen': signals.lastSeen,
      'signals.brand': signals.brand,
      'signals.category': signals.category,
      'signals.price': signals.price,
      ...(signals.vectors ? { 'signals.vectors': signals.vectors.data, 'signals.present': Int32Array.from(signals.vectors.present) } : {}),
    });
    Object.assign(meta, { now: signals.now, brands: signals.brands, categories: signals.categories });
    if (this.ranker) {
      const r = this.ranker.save();
      meta.ranker = JSON.stringify({ kind: this.ranker instanceof LambdaMart ? 'gbdt' : 'mlp', options: r.options });
      for (const [key, value] of Object.entries(r.arrays)) arrays[`ranker.${key}`] = value;
    }
    return { model: this.name, params: this.params, arrays, meta };
  }
}

async function textVectors(data: TrainData): Promise<ItemSignals['vectors']> {
  const content = data.content;
  if (!content || !content.texts.some((t) => t.trim() !== '')) return undefined;
  try {
    const v = await content.vectors('use-lite');
    return { data: v.data, dimensions: v.dimensions, present: v.present };
  } catch {
    return undefined;
  }
}
