/**
 * The serving cascade (`src/rank/cascade.ts`) per request, in process: a generated catalog of
 * 100,000 items with brands, categories, prices and creation times in memory, and 5 synthetic
 * recall channels over typed arrays answering 100 candidates each (500 per request, overlapping as
 * real channels do). Measured: the whole `run()` (recall, fusion, rank, rerank with a brand cap
 * and a boost, k = 10) p50/p99 over 2,000 requests, and the time of each stage (from `explain`
 * runs); baseline: one channel's top-k alone. Target: p99 < 15 ms.
 *
 * Second setup, the learned path end to end: a `fusion` model trained on generated behaviour over
 * the same 100,000 items (channels itemknn, markov, als, bpr, pop: real models scoring the whole
 * catalog per request), saved and loaded through the model repository and served by
 * `LearnedFusion`; the cascade runs its 5 channels × 100 candidates, the learned fusion, the
 * LambdaMART ranker where the fusion kept one, and the rerank with MMR diversity and a brand cap.
 */
import { performance } from 'node:perf_hooks';
import { Cascade, type CascadeItem } from '../src/rank/cascade.js';
import type { Placement } from '../src/rank/placements.js';
import { Rng } from '../src/models/random.js';
import type { RecallChannel } from '../src/recall/types.js';
import type { BenchResult } from './run.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainDataFromPairs } from '../src/data/interactions.js';
import { Fusion } from '../src/models/fusion.js';
import { ModelRepository } from '../src/models/repository.js';
import { ModelServing } from '../src/models/serving.js';
import { LearnedFusion } from '../src/recall/fusion-channels.js';

const ITEMS = 100_000;
const CHANNELS = 5;
const QUOTA = 100;
const REQUESTS = 2_000;
const WARMUP = 200;
const K = 10;
const TARGET_P99_MS = 15;

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

interface Latency {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)), meanMs: round(samples.reduce((s, x) => s + x, 0) / samples.length) };
}

/**
 * Channel c answers, for a request's seed s, the items (s + c·7919 + j·(c + 1)·13) mod N, j < quota,
 * with decreasing scores from its own score table: lists of different channels overlap in part.
 */
function syntheticChannel(c: number, ids: readonly string[], seedOf: (userId: string) => number): RecallChannel {
  const rng = new Rng(100 + c);
  const scale = new Float32Array(QUOTA);
  let s = 1 + rng.next() * 10;
  for (let j = 0; j < QUOTA; j++) scale[j] = s -= rng.next() * 0.1;
  return {
    id: `synthetic/${c}`,
    recall: (context, options) => {
      const seed = seedOf(context.userId ?? '');
      const items: Array<{ itemId: string; score: number }> = [];
      for (let j = 0; items.length < options.k && j < options.k * 2; j++) {
        const id = ids[(seed + (c % 3) * 7919 + j * ((c % 2) + 1) * 13) % ITEMS] as string;
        if (options.exclude?.(id) !== true) items.push({ itemId: id, score: scale[Math.min(QUOTA - 1, items.length)] as number });
      }
      return Promise.resolve({ channel: `synthetic/${c}`, digest: 'synthetic', items });
    },
  };
}

const LEARNED_USERS = 40_000;
const LEARNED_REQUESTS = 1_000;

/**
 * Behaviour over the catalog: each user browses one of 400 item clusters (items i ≡ cluster mod
 * 400), 8–20 steps, mostly to a nearby item of the cluster: co-occurrence and sequence structure
 * the channels can learn.
 */
function generatedPairs(rng: Rng): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const perCluster = ITEMS / 400;
  for (let u = 0; u < LEARNED_USERS; u++) {
    const cluster = Math.floor(rng.next() * 400);
    let at = Math.floor(rng.next() * perCluster);
    const steps = 8 + Math.floor(rng.next() * 13);
    for (let s = 0; s < steps; s++) {
      pairs.push([u, (at * 400 + cluster) % ITEMS]);
      at = (at + 1 + Math.floor(rng.next() * 3) + perCluster) % perCluster;
    }
  }
  return pairs;
}

/** Trains the fusion, saves it as a model version and loads it the way the server does. */
async function learnedServing(ids: readonly string[]): Promise<{ learned: LearnedFusion; fitSeconds: number; report: Record<string, unknown>; histories: string[][]; cleanup: () => void }> {
  const rng = new Rng(11);
  const pairs = generatedPairs(rng);
  const data = trainDataFromPairs(pairs, LEARNED_USERS, ITEMS);
  const fusion = new Fusion('fusion', { channels: 'itemknn,markov,als,bpr,pop', tuneChannels: false, validationUsers: 3_000 });
  const started = performance.now();
  await fusion.fit(data, { seed: 3, holdout: 'last' });
  const fitSeconds = (performance.now() - started) / 1000;
  const dir = mkdtempSync(join(tmpdir(), 'shopfusion-bench-'));
  const repository = new ModelRepository(dir);
  repository.save({
    snapshot: fusion.save(),
    users: Array.from({ length: LEARNED_USERS }, (_, u) => `u${u}`),
    items: [...ids],
    version: 'bench',
    createdAt: new Date().toISOString(),
    trainedOn: { events: pairs.length },
  });
  const serving = new ModelServing(repository, 'fusion');
  serving.reload();
  // Anonymous visitors replaying the last 20 items of a generated user.
  const histories: string[][] = [];
  for (let u = 0; u < LEARNED_REQUESTS + WARMUP; u++) {
    const start = data.sequences.indptr[u] as number;
    const end = data.sequences.indptr[u + 1] as number;
    histories.push(Array.from(data.sequences.items.subarray(Math.max(start, end - 20), end), (i) => ids[i] as string));
  }
  return { learned: new LearnedFusion(serving), fitSeconds, report: fusion.fitReport(), histories, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function recommendBenchmark(): Promise<BenchResult> {
  const rng = new Rng(7);
  const ids = Array.from({ length: ITEMS }, (_, i) => `item-${i}`);
  const records = new Map<string, CascadeItem>();
  const now = Date.UTC(2026, 10, 1);
  for (let i = 0; i < ITEMS; i++) {
    records.set(ids[i] as string, {
      itemId: ids[i] as string,
      available: rng.next() > 0.02,
      brand: `brand-${Math.floor(rng.next() * 500)}`,
      categories: ['Root', `cat-${i % 40}`, `sub-${i % 400}`],
      price: Math.round(rng.next() * 20000) / 100,
      createdAt: now - Math.floor(rng.next() * 365) * 86_400_000,
    });
  }
  const seeds = new Map<string, number>();
  const seedOf = (userId: string) => seeds.get(userId) ?? 0;
  const channels = Array.from({ length: CHANNELS }, (_, c) => syntheticChannel(c, ids, seedOf));
  const byId = new Map(channels.map((c) => [c.id, c]));
  const cascade = new Cascade({
    channel: (id) => byId.get(id),
    records: (wanted) => {
      const out = new Map<string, CascadeItem>();
      for (const id of wanted) {
        const r = records.get(id);
        if (r) out.set(id, r);
      }
      return Promise.resolve(out);
    },
    popular: (k) => Promise.resolve(ids.slice(0, k).map((itemId, i) => ({ itemId, score: k - i }))),
  });
  const placement: Placement = {
    channels: channels.map((c, i) => ({ id: c.id, quota: QUOTA, weight: i === 4 ? 0.1 : 1 })),
    normalisation: 'minmax',
    learned: false,
    deadlineMs: 1000,
    rules: { brandCap: 3, boosts: [{ newerThanDays: 30, factor: 1.2 }] },
    requires: 'user',
  };
  const history = Array.from({ length: 20 }, (_, i) => ids[i * 37] as string);

  const whole: number[] = [];
  const baseline: number[] = [];
  const stageMs = new Map<string, number[]>();
  let count = 0;
  for (let r = 0; r < WARMUP + REQUESTS; r++) {
    const userId = `u${r}`;
    seeds.set(userId, Math.floor(rng.next() * ITEMS));
    const request = { name: 'bench', placement, context: { userId, history }, k: K, now };
    let t = performance.now();
    const result = await cascade.run(request);
    const ms = performance.now() - t;
    t = performance.now();
    await (channels[0] as RecallChannel).recall({ userId, history }, { k: K, exclude: (id) => history.includes(id) });
    const base = performance.now() - t;
    const explained = await cascade.run({ ...request, explain: true });
    if (r < WARMUP) continue;
    whole.push(ms);
    baseline.push(base);
    count += result.data.length;
    for (const s of explained.stages ?? []) {
      if (s.ms === undefined) continue;
      const list = stageMs.get(s.stage) ?? [];
      list.push(s.ms);
      stageMs.set(s.stage, list);
    }
  }
  // The learned path: real trained channels, learned fusion and ranker, MMR diversity.
  const served = await learnedServing(ids);
  const learnedChannels = new Map(served.learned.channels().map((c) => [c.id, c]));
  const learnedCascade = new Cascade({
    channel: (id) => learnedChannels.get(id),
    learned: served.learned,
    records: (wanted) => Promise.resolve(new Map(wanted.flatMap((id) => (records.has(id) ? [[id, records.get(id) as CascadeItem]] : [])))),
    popular: (k) => Promise.resolve(ids.slice(0, k).map((itemId, i) => ({ itemId, score: k - i }))),
  });
  const learnedPlacement: Placement = {
    channels: [],
    normalisation: 'minmax',
    learned: true,
    deadlineMs: 1000,
    rules: { brandCap: 3, diversity: { lambda: 0.8, by: 'categories' } },
    requires: 'session-or-items',
  };
  const learnedWhole: number[] = [];
  const learnedStages = new Map<string, number[]>();
  let rankedRequests = 0;
  for (let r = 0; r < WARMUP + LEARNED_REQUESTS; r++) {
    const request = { name: 'bench-learned', placement: learnedPlacement, context: { history: served.histories[r] as string[] }, k: K, now };
    const t = performance.now();
    await learnedCascade.run(request);
    const ms = performance.now() - t;
    const explained = await learnedCascade.run({ ...request, explain: true });
    if (r < WARMUP) continue;
    learnedWhole.push(ms);
    if (explained.data.some((d) => d.explain?.ranker !== undefined)) rankedRequests++;
    for (const s of explained.stages ?? []) {
      if (s.ms === undefined) continue;
      const list = learnedStages.get(s.stage) ?? [];
      list.push(s.ms);
      learnedStages.set(s.stage, list);
    }
  }
  served.cleanup();
  const learnedLatency = latency(learnedWhole);
  const learnedStageLatency = Object.fromEntries([...learnedStages].map(([stage, samples]) => [stage, latency(samples)]));

  const cascadeLatency = latency(whole);
  const baselineLatency = latency(baseline);
  const stages = Object.fromEntries([...stageMs].map(([stage, samples]) => [stage, latency(samples)]));
  const met = cascadeLatency.p99Ms < TARGET_P99_MS && learnedLatency.p99Ms < TARGET_P99_MS;
  const rows = [
    ['', 'p50 ms', 'p99 ms', 'mean ms'],
    ['cascade run() (5 channels × 100, k = 10)', cascadeLatency.p50Ms, cascadeLatency.p99Ms, cascadeLatency.meanMs],
    ...Object.entries(stages).map(([stage, l]) => [`  stage ${stage}`, l.p50Ms, l.p99Ms, l.meanMs]),
    ['baseline: one channel top-k', baselineLatency.p50Ms, baselineLatency.p99Ms, baselineLatency.meanMs],
    ['learned fusion cascade (5 trained channels × 100, ranker, MMR)', learnedLatency.p50Ms, learnedLatency.p99Ms, learnedLatency.meanMs],
    ...Object.entries(learnedStageLatency).map(([stage, l]) => [`  stage ${stage}`, l.p50Ms, l.p99Ms, l.meanMs]),
  ].map((row) => row.map(String));
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const table = [
    `recommendation cascade: ${ITEMS.toLocaleString('en')} items, ${CHANNELS} channels × ${QUOTA} candidates, ${REQUESTS} requests`,
    ...rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ')),
    `target p99 < ${TARGET_P99_MS} ms: ${met ? 'met' : 'NOT met'}; ${round(count / REQUESTS, 1)} items per response`,
    `learned fusion: fitted in ${round(served.fitSeconds, 1)} s on ${LEARNED_USERS.toLocaleString('en')} generated users; ranker ${String(served.report.ranker ?? 'none')}; ranker scores in ${rankedRequests} of ${LEARNED_REQUESTS} requests`,
  ].join('\n');
  return {
    name: 'recommend',
    table,
    data: {
      setup: { items: ITEMS, channels: CHANNELS, quota: QUOTA, candidatesPerRequest: CHANNELS * QUOTA, k: K, requests: REQUESTS, warmup: WARMUP, rules: placement.rules },
      cascade: cascadeLatency,
      stages,
      baselineOneChannel: baselineLatency,
      learned: { cascade: learnedLatency, stages: learnedStageLatency, fitSeconds: round(served.fitSeconds, 1), rankedRequests, requests: LEARNED_REQUESTS, fit: served.report },
      target: { p99Ms: TARGET_P99_MS, met },
    },
  };
}
