/**
 * The serving cascade (`src/rank/cascade.ts`) per request, in process: a generated catalog of
 * 100,000 items with brands, categories, prices and creation times in memory, and 5 synthetic
 * recall channels over typed arrays answering 100 candidates each (500 per request, overlapping as
 * real channels do). Measured: the whole `run()` (recall, fusion, rank, rerank with a brand cap
 * and a boost, k = 10) p50/p99 over 2,000 requests, and the time of each stage (from `explain`
 * runs); baseline: one channel's top-k alone. Target: p99 < 15 ms.
 */
import { performance } from 'node:perf_hooks';
import { Cascade, type CascadeItem } from '../src/rank/cascade.js';
import type { Placement } from '../src/rank/placements.js';
import { Rng } from '../src/models/random.js';
import type { RecallChannel } from '../src/recall/types.js';
import type { BenchResult } from './run.js';

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
  const cascadeLatency = latency(whole);
  const baselineLatency = latency(baseline);
  const stages = Object.fromEntries([...stageMs].map(([stage, samples]) => [stage, latency(samples)]));
  const met = cascadeLatency.p99Ms < TARGET_P99_MS;
  const rows = [
    ['', 'p50 ms', 'p99 ms', 'mean ms'],
    ['cascade run() (5 channels × 100, k = 10)', cascadeLatency.p50Ms, cascadeLatency.p99Ms, cascadeLatency.meanMs],
    ...Object.entries(stages).map(([stage, l]) => [`  stage ${stage}`, l.p50Ms, l.p99Ms, l.meanMs]),
    ['baseline: one channel top-k', baselineLatency.p50Ms, baselineLatency.p99Ms, baselineLatency.meanMs],
  ].map((row) => row.map(String));
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const table = [
    `recommendation cascade: ${ITEMS.toLocaleString('en')} items, ${CHANNELS} channels × ${QUOTA} candidates, ${REQUESTS} requests`,
    ...rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ')),
    `target p99 < ${TARGET_P99_MS} ms: ${met ? 'met' : 'NOT met'}; ${round(count / REQUESTS, 1)} items per response`,
  ].join('\n');
  return {
    name: 'recommend',
    table,
    data: {
      setup: { items: ITEMS, channels: CHANNELS, quota: QUOTA, candidatesPerRequest: CHANNELS * QUOTA, k: K, requests: REQUESTS, warmup: WARMUP, rules: placement.rules },
      cascade: cascadeLatency,
      stages,
      baselineOneChannel: baselineLatency,
      target: { p99Ms: TARGET_P99_MS, met },
    },
  };
}
