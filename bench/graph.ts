/**
 * The knowledge graph and the graph models:
 * - build time and memory of the graph of a generated shop of 1M events in a `MemoryStore`;
 *   baseline: the bare scan of the same store's events (the reading the build cannot avoid);
 * - keeping it current: `addEvents` of 1,000-event batches (new copies of stored events, later in
 *   time), against the build's own cost per 1,000 events;
 * - `graph/ppr` latency (push, `recommend` for random users, k = 20) on a graph of >= 100k nodes:
 *   the 1M-event shop has ~73k, so a second generated shop (another seed, its item, user, session
 *   and event ids prefixed) joins it in the store and the graph is built again from both;
 *   baseline: the dense power iteration (`pprPowerIteration`, 30 iterations) for a few users;
 * - LightGCN seconds per epoch on Amazon Beauty with 1 thread and with 2.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EventRecord } from '../src/core/schema.js';
import { buildTrainData } from '../src/data/interactions.js';
import { loadInteractions } from '../src/eval/datasets.js';
import { buildGraph, type KnowledgeGraph } from '../src/graph/graph.js';
import { PersonalizedPageRank, pprPowerIteration } from '../src/graph/ppr.js';
import { createIngestor } from '../src/ingest/batch.js';
import { generateDemoShop } from '../src/ingest/demo/generate.js';
import { loadDemoShop } from '../src/ingest/demo/load-demo.js';
import { LightGcn } from '../src/models/lightgcn.js';
import { Rng } from '../src/models/random.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import type { BenchResult } from './run.js';

const DATASETS = resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');
const SHOP_EVENTS = 1_000_000;
const UPDATE_BATCH = 1_000;
const UPDATE_BATCHES = 100;
const PPR_REQUESTS = 2_000;
const PPR_WARMUP = 200;
const PPR_K = 20;
const POWER_USERS = 5;
const POWER_ITERATIONS = 30;
const LIGHTGCN_EPOCHS = 3;
const MIB = 1024 * 1024;
const SHOP_NOW = Date.UTC(2026, 10, 1);

// The bench runs without --expose-gc; turning it on here lets memory be read after a full collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Memory {
  heapMiB: number;
  /** Typed arrays live outside the JS heap: the graph's adjacency shows here, not in heapMiB. */
  arrayBuffersMiB: number;
  rssMiB: number;
}

function memory(): Memory {
  gc();
  const m = process.memoryUsage();
  return { heapMiB: Math.round(m.heapUsed / MIB), arrayBuffersMiB: Math.round(m.arrayBuffers / MIB), rssMiB: Math.round(m.rss / MIB) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

interface BuildFigures {
  shop: { items: number; users: number; events: number; loadSeconds: number };
  seconds: number;
  scanSeconds: number;
  buildVsScan: number;
  nodes: number;
  entities: Record<string, number>;
  edges: Record<string, number>;
  totalEdges: number;
  graphBytes: number;
  graphMiB: number;
  memoryBefore: Memory;
  memoryAfter: Memory;
  heapDeltaMiB: number;
  /** heap + array buffers, after minus before. */
  retainedMiB: number;
  rssDeltaMiB: number;
  reportMs: number;
}

interface UpdateFigures {
  batch: number;
  batches: number;
  meanMs: number;
  p50Ms: number;
  maxMs: number;
  /** The build's own cost of 1,000 events (build seconds / events read × 1,000). */
  buildMsPer1000: number;
  meanVsBuild: number;
  pendingEdgesAfter: number;
}

interface PprFigures {
  graph: { shops: number; events: number; nodes: number; edges: number; buildSeconds: number };
  refreshMs: number;
  requests: number;
  warmup: number;
  k: number;
  emptyResults: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  baseline: { description: string; users: number; meanMs: number; speedupOfMean: number };
  target: { p99Ms: number; met: boolean };
}

interface LightGcnRun {
  threads: number;
  epochSeconds: number[];
  secondsPerEpoch: number;
}

type LightGcnFigures =
  | { skipped: string }
  | { dataset: string; users: number; items: number; pairs: number; epochs: number; runs: LightGcnRun[]; speedup2v1: number };

async function buildFigures(store: MemoryStore, shop: BuildFigures['shop']): Promise<{ graph: KnowledgeGraph; figures: BuildFigures }> {
  let scanned = 0;
  const scanStart = performance.now();
  for await (const batch of store.events.scan(10_000)) scanned += batch.length;
  const scanSeconds = (performance.now() - scanStart) / 1000;
  if (scanned !== shop.events) throw new Error(`the store scan read ${scanned} events, expected ${shop.events}`);

  const memoryBefore = memory();
  const started = performance.now();
  const graph = await buildGraph(store);
  const seconds = (performance.now() - started) / 1000;
  const memoryAfter = memory();
  const report = graph.report();
  const edges = Object.fromEntries(report.relations.map((r) => [r.name, r.edges]));
  return {
    graph,
    figures: {
      shop,
      seconds,
      scanSeconds,
      buildVsScan: seconds / scanSeconds,
      nodes: graph.size,
      entities: report.entities,
      edges,
      totalEdges: report.relations.reduce((sum, r) => sum + r.edges, 0),
      graphBytes: graph.bytes,
      graphMiB: round(graph.bytes / MIB, 1),
      memoryBefore,
      memoryAfter,
      heapDeltaMiB: memoryAfter.heapMiB - memoryBefore.heapMiB,
      retainedMiB: memoryAfter.heapMiB + memoryAfter.arrayBuffersMiB - memoryBefore.heapMiB - memoryBefore.arrayBuffersMiB,
      rssDeltaMiB: memoryAfter.rssMiB - memoryBefore.rssMiB,
      reportMs: report.ms,
    },
  };
}

/**
 * The users with events (for the PPR requests), and new events for the update runs: the first
 * `n` stored ones copied with fresh ids, a day after the last.
 */
async function usersAndNewEvents(store: MemoryStore, n: number): Promise<{ users: string[]; events: EventRecord[] }> {
  const users = new Set<string>();
  const out: EventRecord[] = [];
  let last = 0;
  for await (const batch of store.events.scan(10_000)) {
    for (const e of batch) {
      if (e.userId !== undefined) users.add(e.userId);
      if (e.timestamp > last) last = e.timestamp;
      if (out.length < n) out.push(e);
    }
  }
  const later = last + 86_400_000;
  return { users: [...users], events: out.map((e, i) => ({ ...e, id: `bench-${i}`, timestamp: later + i })) };
}

function updateFigures(graph: KnowledgeGraph, events: readonly EventRecord[], build: BuildFigures): UpdateFigures {
  const times: number[] = [];
  for (let i = 0; i < events.length; i += UPDATE_BATCH) {
    const batch = events.slice(i, i + UPDATE_BATCH);
    const t = performance.now();
    graph.addEvents(batch);
    times.push(performance.now() - t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  const buildMsPer1000 = ((build.seconds * 1000) / build.shop.events) * UPDATE_BATCH;
  return {
    batch: UPDATE_BATCH,
    batches: times.length,
    meanMs: round(meanMs),
    p50Ms: round(percentile(sorted, 0.5)),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
    buildMsPer1000: round(buildMsPer1000),
    meanVsBuild: round(meanMs / buildMsPer1000, 2),
    pendingEdgesAfter: graph.report().pendingEdges,
  };
}

function pprFigures(graph: KnowledgeGraph, built: PprFigures['graph'], users: readonly string[]): PprFigures {
  const ppr = new PersonalizedPageRank(graph, { refresh: 'manual' });
  const refreshStart = performance.now();
  ppr.refresh();
  const refreshMs = performance.now() - refreshStart;
  const rng = new Rng(42);
  const pick = () => users[rng.int(users.length)] as string;
  for (let i = 0; i < PPR_WARMUP; i++) ppr.recommend({ userId: pick(), k: PPR_K });
  const times: number[] = [];
  let emptyResults = 0;
  for (let i = 0; i < PPR_REQUESTS; i++) {
    const userId = pick();
    const t = performance.now();
    const result = ppr.recommend({ userId, k: PPR_K });
    times.push(performance.now() - t);
    if (result.length === 0) emptyResults++;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;

  // Baseline: the dense power iteration from the same seeds (the user's recent items, weighted as `recommend` does).
  const recent = new Int32Array(graph.options.recentItems);
  let powerMs = 0;
  let powerUsers = 0;
  for (let i = 0; i < POWER_USERS * 4 && powerUsers < POWER_USERS; i++) {
    const node = graph.userIndex(pick());
    if (node === undefined) continue;
    const seeds = Array.from(recent.subarray(0, graph.recentItems(node, recent)));
    if (seeds.length === 0) continue;
    const t = performance.now();
    pprPowerIteration(graph, {}, seeds, seeds.map((_, j) => 1 / (1 + 0.1 * j)), POWER_ITERATIONS);
    powerMs += performance.now() - t;
    powerUsers++;
  }
  const powerMean = powerUsers > 0 ? powerMs / powerUsers : 0;
  const p99 = percentile(sorted, 0.99);
  return {
    graph: built,
    refreshMs: round(refreshMs, 1),
    requests: PPR_REQUESTS,
    warmup: PPR_WARMUP,
    k: PPR_K,
    emptyResults,
    p50Ms: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    p99Ms: round(p99),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
    meanMs: round(meanMs),
    baseline: {
      description: `pprPowerIteration, ${POWER_ITERATIONS} iterations, same seeds`,
      users: powerUsers,
      meanMs: round(powerMean, 1),
      speedupOfMean: round(powerMean / meanMs, 1),
    },
    target: { p99Ms: 5, met: p99 < 5 },
  };
}

async function lightGcnFigures(): Promise<LightGcnFigures> {
  const path = join(DATASETS, 'amazon-beauty');
  if (!existsSync(path)) return { skipped: `${path} is absent` };
  const ia = await loadInteractions('s3rec', path);
  const data = buildTrainData(ia, undefined, { scheme: 'binary' });
  const runs: LightGcnRun[] = [];
  for (const threads of [1, 2]) {
    const epochSeconds: number[] = [];
    const model = new LightGcn({ iterations: LIGHTGCN_EPOCHS, threads });
    await model.fit(data, { seed: 42, onEpoch: (e) => epochSeconds.push(e.seconds) });
    runs.push({ threads, epochSeconds: epochSeconds.map((s) => round(s)), secondsPerEpoch: round(epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length) });
  }
  const [one, two] = runs as [LightGcnRun, LightGcnRun];
  return {
    dataset: 'amazon-beauty',
    users: data.numUsers,
    items: data.numItems,
    pairs: data.matrix.nnz,
    epochs: LIGHTGCN_EPOCHS,
    runs,
    speedup2v1: round(one.secondsPerEpoch / two.secondsPerEpoch, 2),
  };
}

function table(build: BuildFigures, update: UpdateFigures, ppr: PprFigures, gcn: LightGcnFigures, load: { start: number[]; end: number[] }): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const signed = (n: number) => (n >= 0 ? `+${n}` : String(n));
  const row = (name: string, value: string, compared = '') => `${name.padEnd(44)} ${value.padStart(16)}  ${compared}`;
  const lines = [
    `graph (generated shop: ${fmt(build.shop.items)} items, ${fmt(build.shop.users)} users, ${fmt(build.shop.events)} events, MemoryStore)`,
    row('measure', 'value', 'compared with'),
    row('build seconds', build.seconds.toFixed(2), `${build.buildVsScan.toFixed(1)}× the bare event scan (${build.scanSeconds.toFixed(2)} s)`),
    row('nodes', fmt(build.nodes), Object.entries(build.entities).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')),
    ...Object.entries(build.edges).map(([name, n]) => row(`  edges: ${name}`, fmt(n))),
    row('edges, all relations', fmt(build.totalEdges)),
    row('graph.bytes (MiB)', build.graphMiB.toFixed(1)),
    row('heap MiB before → after build (after GC)', `${build.memoryBefore.heapMiB} → ${build.memoryAfter.heapMiB}`, `${signed(build.heapDeltaMiB)} MiB`),
    row('array buffers MiB before → after build', `${build.memoryBefore.arrayBuffersMiB} → ${build.memoryAfter.arrayBuffersMiB}`, `retained (heap + buffers) ${signed(build.retainedMiB)} MiB = ${(build.retainedMiB / build.graphMiB).toFixed(2)}× graph.bytes`),
    row('RSS MiB before → after build', `${build.memoryBefore.rssMiB} → ${build.memoryAfter.rssMiB}`, `${signed(build.rssDeltaMiB)} MiB (after GC; the store's load garbage is freed)`),
    row(`addEvents ${fmt(update.batch)}/batch: mean ms (${update.batches} batches)`, update.meanMs.toFixed(2), `${update.meanVsBuild}× the build's ${update.buildMsPer1000.toFixed(2)} ms per 1,000 events`),
    row('addEvents: p50 / max ms', `${update.p50Ms.toFixed(2)} / ${update.maxMs.toFixed(2)}`),
    row('ppr graph: nodes (2 shops, 2M events)', fmt(ppr.graph.nodes), `${fmt(ppr.graph.edges)} edges, built in ${ppr.graph.buildSeconds.toFixed(2)} s`),
    row('ppr refresh (compile walk) ms', ppr.refreshMs.toFixed(1)),
    row(`ppr recommend k=${ppr.k}: p50 / p95 ms`, `${ppr.p50Ms.toFixed(3)} / ${ppr.p95Ms.toFixed(3)}`, `${fmt(ppr.requests)} requests after ${ppr.warmup} warm-up`),
    row('ppr recommend: p99 / max ms', `${ppr.p99Ms.toFixed(3)} / ${ppr.maxMs.toFixed(3)}`, `target p99 < ${ppr.target.p99Ms} ms: ${ppr.target.met ? 'met' : 'NOT met'}`),
    row('ppr baseline: power iteration, mean ms', ppr.baseline.meanMs.toFixed(1), `push is ${ppr.baseline.speedupOfMean}× faster on the mean (${ppr.baseline.users} users)`),
  ];
  if ('skipped' in gcn) lines.push(row('LightGCN on Amazon Beauty', 'skipped', gcn.skipped));
  else {
    for (const r of gcn.runs) lines.push(row(`LightGCN Amazon Beauty s/epoch, ${r.threads} thread${r.threads > 1 ? 's' : ''}`, r.secondsPerEpoch.toFixed(2), `epochs: ${r.epochSeconds.map((s) => s.toFixed(2)).join(', ')}`));
    lines.push(row('LightGCN speed-up, 2 threads vs 1', `${gcn.speedup2v1.toFixed(2)}×`, `${fmt(gcn.users)} users, ${fmt(gcn.items)} items, ${fmt(gcn.pairs)} pairs`));
  }
  lines.push(`load average (1/5/15 min) at start ${load.start.map((x) => x.toFixed(2)).join(' ')}, at end ${load.end.map((x) => x.toFixed(2)).join(' ')}`);
  return lines.join('\n');
}

/** A second demo shop (seed 8) whose items, users, sessions and events are apart from the first's. */
async function loadSecondShop(store: MemoryStore): Promise<number> {
  const shop = generateDemoShop({ events: SHOP_EVENTS, seed: 8, now: SHOP_NOW });
  const ingest = createIngestor(store, { unknownItems: 'accept' });
  const p = (id: string) => `b-${id}`;
  for (let i = 0; i < shop.items.length; i += 10_000) {
    await ingest.upsertItems(shop.items.slice(i, i + 10_000).map((it) => ({ ...it, id: p(it.id) })), { pointer: '/items' });
  }
  for (let i = 0; i < shop.users.length; i += 10_000) {
    await ingest.upsertUsers(shop.users.slice(i, i + 10_000).map((u) => ({ ...u, id: p(u.id) })), { pointer: '/users' });
  }
  let batch: unknown[] = [];
  let inserted = 0;
  const flush = async () => {
    inserted += (await ingest.insertEvents(batch, { pointer: '/events' })).inserted;
    batch = [];
  };
  for (const e of shop.events()) {
    const copy = { ...e, itemId: p(e.itemId) };
    if (e.id !== undefined) copy.id = p(e.id);
    if (e.userId !== undefined) copy.userId = p(e.userId);
    if (e.sessionId !== undefined) copy.sessionId = p(e.sessionId);
    batch.push(copy);
    if (batch.length >= 10_000) await flush();
  }
  if (batch.length) await flush();
  if (inserted < SHOP_EVENTS * 0.9) throw new Error(`the second shop stored ${inserted} events, expected about ${SHOP_EVENTS}`);
  return inserted;
}

export async function graphBenchmark(): Promise<BenchResult> {
  const loadStart = loadavg();
  const store = new MemoryStore();
  const shopStart = performance.now();
  const counts = await loadDemoShop(store, { unknownItems: 'accept' }, { events: SHOP_EVENTS, seed: 7, now: SHOP_NOW });
  const shop = { ...counts, loadSeconds: round((performance.now() - shopStart) / 1000, 2) };
  const { graph, figures: build } = await buildFigures(store, shop);

  const { events } = await usersAndNewEvents(store, UPDATE_BATCH * UPDATE_BATCHES);
  const update = updateFigures(graph, events, build);

  const second = await loadSecondShop(store);
  const pprStart = performance.now();
  const both = await buildGraph(store);
  const pprBuild = {
    shops: 2,
    events: shop.events + second,
    nodes: both.size,
    edges: both.report().relations.reduce((sum, r) => sum + r.edges, 0),
    buildSeconds: round((performance.now() - pprStart) / 1000, 2),
  };
  const { users } = await usersAndNewEvents(store, 0);
  const ppr = pprFigures(both, pprBuild, users);
  const gcn = await lightGcnFigures();
  const load = { start: loadStart.map((x) => round(x, 2)), end: loadavg().map((x) => round(x, 2)) };
  return {
    name: 'graph',
    table: table(build, update, ppr, gcn, load),
    data: {
      build: { ...build, seconds: round(build.seconds), scanSeconds: round(build.scanSeconds), buildVsScan: round(build.buildVsScan, 2) },
      addEvents: update,
      ppr,
      lightgcn: gcn,
      loadAverage: load,
    },
  };
}
