/**
 * The serving ranking cascade: recall channels → fusion → learned ranker → rerank, for one
 * placement (`placements.ts`). A library class with no HTTP in it; `serve/routes/recommend.ts` is
 * its shell. Every stage is timed and recorded, and the response says whether it degraded.
 *
 * - recall: every configured channel that exists runs concurrently, asked for its quota with the
 *   history, the item and the excluded ids left out. A channel that does not exist (model not
 *   trained, semantic index or graph off) or answers `model_not_found` / `not_configured` /
 *   `not_ready` is skipped and named; one that throws otherwise fails (degraded). Each channel
 *   races a timer set to what is left of 60% of `deadlineMs`; one that loses is dropped (degraded).
 *   With `learned` and a loaded fusion model, its `fusion/*` channels run too.
 * - fusion: `fuseCandidates` (`cascade-fuse.ts`); the learned scores only when every `fusion/*`
 *   channel answered (a partial set would feed the ranker features it was not trained on).
 * - rank: the ranker score order where the fusion model has a ranker and less than 80% of the
 *   deadline has passed (else the fused order, degraded); otherwise the fused order.
 * - rerank: the top max(5k, 50) candidates with their records; unavailable or deleted items,
 *   purchased (home), seen and requested ids excluded; the placement's rules merged with the
 *   request's (`narrowRules`: a request only narrows) applied by `rerank`, which records what each rule changed.
 *
 * Fallbacks (`fallback` in the result, never an error): a `user` placement without history answers
 * from the session's items when given, else from popular items; any placement whose channels
 * recall nothing answers from popular items.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ShopfusionError } from '../core/errors.js';
import type { LearnedScores } from '../recall/fusion-channels.js';
import type { RecallChannel, RecallContext, RecallResult } from '../recall/types.js';
import { fuseCandidates, type ChannelBreakdown, type FusionInput } from './cascade-fuse.js';
import type { Placement } from './placements.js';
import { rerank, type RerankCandidate, type StageName } from './rerank.js';
import { narrowRules, type PlacementRules } from './rules.js';

/** Candidates each of the learned fusion's channels recalls when it does not say its training depth. */
const LEARNED_QUOTA = 100;

/** Share of the deadline recall may use, and the point after which the ranker is skipped. */
export const RECALL_SHARE = 0.6;
export const RANK_SHARE = 0.8;
/** Candidates handed to rerank: max(RERANK_FACTOR · k, RERANK_MIN). */
export const RERANK_FACTOR = 5;
export const RERANK_MIN = 50;
/** The channel of the popular-items fallback. */
export const POPULAR_CHANNEL = 'popular';

/** What rerank needs of an item; `available: false` or no record at all hides it. */
export interface CascadeItem {
  itemId: string;
  available: boolean;
  brand?: string;
  categories?: readonly string[];
  price?: number;
  /** Epoch milliseconds. */
  createdAt?: number;
  vector?: Float32Array;
}

/** The trained fusion as the cascade sees it (`LearnedFusion` of `recall/fusion-channels.ts`). */
export interface LearnedScorer {
  channels(): RecallChannel[];
  /** How many candidates each channel recalled in training (they are asked as many here). */
  depth?(): number | undefined;
  /** `options.ranker: false` leaves the ranker out (no time left for it). */
  rank(results: readonly RecallResult[], history: readonly string[], options?: { ranker?: boolean }): LearnedScores | undefined;
}

export interface CascadeSources {
  /** The channel with this id, or undefined when it is not available here. */
  channel(id: string): RecallChannel | undefined;
  learned?: LearnedScorer;
  /** Records of these items (deleted ones absent). */
  records(ids: readonly string[]): Promise<Map<string, CascadeItem>>;
  /** Behaviour events per item (only asked when the rules have exploration slots). */
  interactions?(ids: readonly string[]): Promise<Map<string, number>>;
  /** The most popular available items, best first, for the fallback. */
  popular(k: number, exclude: (itemId: string) => boolean): Promise<Array<{ itemId: string; score: number }>>;
  /** Milliseconds clock (performance.now by default). */
  clock?: () => number;
}

export interface CascadeRequest {
  /** The placement's name, echoed in the result. */
  name: string;
  placement: Placement;
  context: RecallContext & { purchased?: readonly string[] };
  /** Items of the visitor's session: the `user` placement's fallback history. */
  session?: readonly string[];
  /** Ids the request excludes (cart items, `exclude=`). */
  exclude?: readonly string[];
  k: number;
  /** Request-level rules over the placement's. */
  rules?: PlacementRules;
  explain?: boolean;
  /** Epoch milliseconds, for time-based rules. */
  now: number;
}

export interface ChannelReport {
  id: string;
  status: 'ok' | 'skipped' | 'timeout' | 'failed';
  ms?: number;
  count?: number;
  digest?: string;
  note?: string;
}

export interface StageReport {
  /** recall, fusion, rank, rerank, then `rerank:<rule stage>` (timed as part of rerank: no ms). */
  stage: string;
  ms?: number;
  changed?: number;
  note?: string;
  channels?: ChannelReport[];
}

export interface ItemExplanation {
  channels: ChannelBreakdown[];
  fused: number;
  ranker?: number;
  /** The trained fusion's own scores, before the configured channels' evidence is added. */
  learned?: { fused?: number; ranked?: number };
  stages?: StageName[];
}

export interface CascadeResult {
  placement: string;
  recommId: string;
  degraded: boolean;
  fallback?: { to: 'session' | 'popular'; reason: string };
  data: Array<{ itemId: string; score: number; explain?: ItemExplanation }>;
  stages?: StageReport[];
}

interface ChannelSpec {
  id: string;
  quota: number;
  weight: number;
  channel: RecallChannel | undefined;
}

const TIMEOUT = Symbol('timeout');
const UNAVAILABLE_CODES = new Set(['model_not_found', 'not_configured', 'not_ready']);

function withTimer<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, ms));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export class Cascade {
  private readonly clock: () => number;

  constructor(private readonly sources: CascadeSources) {
    this.clock = sources.clock ?? (() => performance.now());
  }

  /** Answers one request; see the module comment. Throws only `validation_failed` for rules. */
  async run(request: CascadeRequest): Promise<CascadeResult> {
    const start = this.clock();
    const { placement } = request;
    const rules = request.rules ? narrowRules(placement.rules, request.rules) : placement.rules;
    const stages: StageReport[] = [];
    let degraded = false;
    let fallback: CascadeResult['fallback'];
    let context: CascadeRequest['context'] = request.context;

    const anonymous = context.history.length === 0 && context.itemId === undefined;
    if (anonymous && placement.requires === 'user' && request.session && request.session.length > 0) {
      context = { ...context, history: request.session };
      fallback = {
        to: 'session',
        reason: context.userId === undefined ? 'no user given; answered from the session items' : `user ${JSON.stringify(context.userId)} has no history; answered from the session items`,
      };
    } else if (anonymous) {
      fallback = { to: 'popular', reason: context.userId === undefined ? 'no user, session or item history given' : `user ${JSON.stringify(context.userId)} has no history and no session items were given` };
    }

    const excluded = new Map<string, string>();
    for (const id of context.purchased ?? []) excluded.set(id, 'purchased');
    for (const id of context.history) if (!excluded.has(id)) excluded.set(id, 'seen');
    for (const id of request.exclude ?? []) excluded.set(id, 'requested');
    if (context.itemId !== undefined) excluded.set(context.itemId, 'requested');
    const exclude = (id: string) => excluded.has(id);
    const pool = Math.max(RERANK_FACTOR * request.k, RERANK_MIN);

    // recall
    const popularSpec = (): ChannelSpec => ({
      id: POPULAR_CHANNEL,
      quota: pool,
      weight: 1,
      channel: { id: POPULAR_CHANNEL, recall: async (_c, o) => ({ channel: POPULAR_CHANNEL, digest: 'store:popular', items: await this.sources.popular(o.k, o.exclude ?? exclude) }) },
    });
    const learnedChannels = fallback?.to !== 'popular' && placement.learned ? (this.sources.learned?.channels() ?? []) : [];
    // The learned channels are asked as many candidates as they recalled in training: the ranks and
    // normalised scores its weights and ranker learned from.
    const learnedQuota = this.sources.learned?.depth?.() ?? LEARNED_QUOTA;
    let specs: ChannelSpec[] =
      fallback?.to === 'popular'
        ? [popularSpec()]
        : [
            ...placement.channels.map((c) => ({ ...c, channel: this.sources.channel(c.id) })),
            ...learnedChannels.map((channel) => ({ id: channel.id, quota: learnedQuota, weight: 0, channel })),
          ];
    let recalled = await this.recall(specs, context, exclude, start + RECALL_SHARE * placement.deadlineMs);
    stages.push(recalled.stage);
    degraded ||= recalled.degraded;
    if (fallback?.to !== 'popular' && recalled.results.every((r) => r.items.length === 0)) {
      const skipped = recalled.stage.channels?.filter((c) => c.status !== 'ok').map((c) => c.id) ?? [];
      fallback = { to: 'popular', reason: `no recall channel returned candidates${skipped.length > 0 ? ` (not answering: ${skipped.join(', ')})` : ''}` };
      specs = [popularSpec()];
      recalled = await this.recall(specs, context, exclude, this.clock() + RECALL_SHARE * placement.deadlineMs);
      stages.push({ ...recalled.stage, note: 'fallback: popular items' });
      degraded ||= recalled.degraded;
    }

    // fusion
    let at = this.clock();
    const answered = recalled.results;
    // Past the ranker's share of the deadline the learned fusion does not run its ranker at all.
    const late = at - start >= RANK_SHARE * placement.deadlineMs;
    const learnedHistory = context.itemId !== undefined ? [context.itemId] : context.history;
    const learnedScores = learnedChannels.length > 0 && fallback?.to !== 'popular' ? this.sources.learned?.rank(answered, learnedHistory, { ranker: !late }) : undefined;
    const lists: FusionInput[] = answered.map((r) => ({ id: r.channel, weight: specs.find((s) => s.id === r.channel)?.weight ?? 0, items: r.items }));
    const fused = fuseCandidates(lists, fallback?.to === 'popular' ? 'minmax' : placement.normalisation, learnedScores);
    const fusionNote = learnedScores
      ? `learned fusion ${learnedScores.digest} + configured channels as min-max evidence`
      : learnedChannels.length > 0
        ? `${placement.normalisation}; learned fusion not used: not all of its channels answered`
        : placement.normalisation;
    stages.push({ stage: 'fusion', ms: round(this.clock() - at), changed: fused.ids.length, note: fusionNote });

    // rank
    at = this.clock();
    let scores = fused.fused;
    let rankNote = 'no learned ranker: fused order';
    if (fused.ranker) {
      if (at - start < RANK_SHARE * placement.deadlineMs) {
        scores = fused.ranker;
        rankNote = `learned ranker ${learnedScores?.digest ?? ''}`.trim();
      } else {
        degraded = true;
        rankNote = `ranker skipped: ${round(at - start)} ms of ${placement.deadlineMs} ms had passed; fused order`;
      }
    } else if (learnedScores?.rankerSkipped) {
      degraded = true;
      rankNote = `ranker skipped: the fusion began after ${RANK_SHARE * 100}% of ${placement.deadlineMs} ms; fused order`;
    }
    const order = Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
    stages.push({ stage: 'rank', ms: round(this.clock() - at), note: rankNote });

    // rerank
    at = this.clock();
    const top = order.slice(0, pool);
    const topIds = top.map((m) => fused.ids[m] as string);
    const pinIds = (rules.pins ?? []).map((p) => p.itemId);
    const records = await this.sources.records([...new Set([...topIds, ...pinIds])]);
    const counts = rules.exploration && this.sources.interactions ? await this.sources.interactions([...records.keys()]) : undefined;
    const rerankExclude = new Map(excluded);
    const toCandidate = (id: string, score: number): RerankCandidate => {
      const r = records.get(id);
      if (!r || !r.available) rerankExclude.set(id, 'unavailable');
      return {
        itemId: id,
        score,
        interactions: counts?.get(id) ?? 0,
        ...(r?.brand !== undefined && { brand: r.brand }),
        ...(r?.categories !== undefined && { categories: r.categories }),
        ...(r?.price !== undefined && { price: r.price }),
        ...(r?.createdAt !== undefined && { createdAt: r.createdAt }),
        ...(r?.vector !== undefined && { vector: r.vector }),
      };
    };
    const candidates = top.map((m) => toCandidate(fused.ids[m] as string, scores[m] as number));
    const pinned = new Map<string, RerankCandidate>();
    for (const id of pinIds) if (!topIds.includes(id)) pinned.set(id, toCandidate(id, Number.NEGATIVE_INFINITY));
    const reranked = rerank({ candidates, k: request.k, rules, now: request.now, exclude: rerankExclude, pinned });
    stages.push({ stage: 'rerank', ms: round(this.clock() - at), changed: reranked.items.length, note: `${candidates.length} candidates` });
    for (const s of reranked.stages) stages.push({ stage: `rerank:${s.stage}`, changed: s.changed, ...(s.note !== undefined && { note: s.note }) });

    const slotOf = new Map(fused.ids.map((id, m) => [id, m] as const));
    const data: CascadeResult['data'] = reranked.items.map((item) => {
      const m = slotOf.get(item.itemId);
      const score = m === undefined ? 0 : (scores[m] as number);
      if (!request.explain) return { itemId: item.itemId, score };
      const explain: ItemExplanation = m === undefined ? { channels: [], fused: 0 } : { channels: fused.breakdown(m), fused: fused.fused[m] as number };
      if (m !== undefined && fused.ranker) explain.ranker = fused.ranker[m] as number;
      if (m !== undefined && fused.learned) {
        const lf = fused.learned.fused[m] as number;
        const lr = fused.learned.ranked?.[m];
        explain.learned = { ...(!Number.isNaN(lf) && { fused: lf }), ...(lr !== undefined && !Number.isNaN(lr) && { ranked: lr }) };
      }
      if (item.stages) explain.stages = item.stages;
      return { itemId: item.itemId, score, explain };
    });
    return {
      placement: request.name,
      recommId: randomUUID(),
      degraded,
      ...(fallback && { fallback }),
      data,
      ...(request.explain && { stages }),
    };
  }

  /** Runs the channels concurrently, each racing the recall deadline (an absolute clock time). */
  private async recall(specs: readonly ChannelSpec[], context: RecallContext, exclude: (id: string) => boolean, deadline: number) {
    const begin = this.clock();
    let degraded = false;
    const reports: ChannelReport[] = [];
    const results: RecallResult[] = [];
    const answers = await Promise.all(
      specs.map(async (spec): Promise<[ChannelReport, RecallResult?]> => {
        const { channel } = spec;
        if (!channel) return [{ id: spec.id, status: 'skipped', note: 'not available here (model not trained or feature off)' }];
        // Timed from when the channel starts to when its answer arrives (not when it is read).
        let t0 = this.clock();
        let t1: number | undefined;
        try {
          const work = Promise.resolve().then(async () => {
            t0 = this.clock();
            const answer = await channel.recall(context, { k: spec.quota, exclude });
            t1 = this.clock();
            return answer;
          });
          const answer = await withTimer(work, deadline - this.clock());
          const ms = round((t1 ?? this.clock()) - t0);
          if (answer === TIMEOUT || (t1 ?? Infinity) > deadline) {
            degraded = true;
            return [{ id: spec.id, status: 'timeout', ms, note: `no answer within the recall budget (${RECALL_SHARE * 100}% of the deadline)` }];
          }
          return [{ id: spec.id, status: 'ok', ms, count: answer.items.length, digest: answer.digest }, { ...answer, channel: spec.id }];
        } catch (error) {
          const ms = round(this.clock() - t0);
          if (error instanceof ShopfusionError && UNAVAILABLE_CODES.has(error.code)) return [{ id: spec.id, status: 'skipped', ms, note: error.message }];
          degraded = true;
          return [{ id: spec.id, status: 'failed', ms, note: error instanceof ShopfusionError && error.kind === 'user' ? error.message : 'internal error' }];
        }
      }),
    );
    for (const [report, result] of answers) {
      reports.push(report);
      if (result) results.push(result);
    }
    const stage: StageReport = { stage: 'recall', ms: round(this.clock() - begin), changed: results.reduce((n, r) => n + r.items.length, 0), channels: reports };
    return { results, stage, degraded };
  }
}
