/**
 * Fit time of the behaviour models: ALS (64 factors, 15 iterations), BPR and item-kNN on
 * ml-100k and Amazon Beauty, and ALS on a generated shop of 1M events. Each fit runs in the same
 * process, one after another; peak memory is the process's maximum resident set size.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildTrainData, InteractionsBuilder, type Interactions } from '../src/data/interactions.js';
import { loadInteractions } from '../src/eval/datasets.js';
import { generateDemoShop } from '../src/ingest/demo/generate.js';
import { DEFAULT_CONFIG } from '../src/core/config.js';
import { modelSpec } from '../src/models/registry.js';
import type { EventRecord } from '../src/core/schema.js';
import type { BenchResult } from './run.js';

const DATASETS = resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');

interface Fit {
  dataset: string;
  model: string;
  params: Record<string, unknown>;
  users: number;
  items: number;
  pairs: number;
  fitSeconds: number;
  rssMiB: number;
}

function demoInteractions(events: number): Interactions {
  const shop = generateDemoShop({ events, seed: 7, now: Date.UTC(2026, 10, 1) });
  const builder = new InteractionsBuilder();
  for (const item of shop.items) builder.addItem(item.id);
  for (const e of shop.events()) {
    const record: EventRecord = { id: e.id as string, itemId: e.itemId, type: e.type, timestamp: e.timestamp as number };
    if (e.userId !== undefined) record.userId = e.userId;
    if (e.sessionId !== undefined) record.sessionId = e.sessionId;
    if (e.value !== undefined) record.value = e.value;
    builder.add(record);
  }
  return builder.build();
}

async function fit(dataset: string, ia: Interactions, model: string, params: Record<string, number | string>, scheme: 'binary' | 'events'): Promise<Fit> {
  const data = buildTrainData(ia, undefined, { scheme, weights: DEFAULT_CONFIG.events.weights });
  const recommender = modelSpec(model).create(params);
  const started = performance.now();
  await recommender.fit(data, { seed: 42 });
  const fitSeconds = (performance.now() - started) / 1000;
  return {
    dataset,
    model,
    params: { ...recommender.params },
    users: data.numUsers,
    items: data.numItems,
    pairs: data.matrix.nnz,
    fitSeconds,
    rssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

export async function trainBenchmark(): Promise<BenchResult> {
  const fits: Fit[] = [];
  const als = { factors: 64, iterations: 15 };
  const sets: Array<[string, () => Promise<Interactions>]> = [];
  if (existsSync(DATASETS)) {
    sets.push(['ml-100k', () => loadInteractions('movielens', join(DATASETS, 'ml-100k/grouplens'))]);
    sets.push(['amazon-beauty', () => loadInteractions('s3rec', join(DATASETS, 'amazon-beauty'))]);
  }
  for (const [name, load] of sets) {
    const ia = await load();
    fits.push(await fit(name, ia, 'als', als, 'binary'));
    fits.push(await fit(name, ia, 'bpr', {}, 'binary'));
    fits.push(await fit(name, ia, 'itemknn', {}, 'binary'));
  }
  const demo = demoInteractions(1_000_000);
  fits.push(await fit('demo-1m (event weights)', demo, 'als', als, 'events'));
  const table = [
    'model fit time (2 threads where the model uses them)',
    `${'dataset'.padEnd(26)} ${'model'.padEnd(8)} ${'users'.padStart(7)} ${'items'.padStart(7)} ${'pairs'.padStart(9)} ${'fit s'.padStart(7)} ${'peak RSS MiB'.padStart(13)}`,
    ...fits.map((f) => `${f.dataset.padEnd(26)} ${f.model.padEnd(8)} ${String(f.users).padStart(7)} ${String(f.items).padStart(7)} ${String(f.pairs).padStart(9)} ${f.fitSeconds.toFixed(2).padStart(7)} ${String(f.rssMiB).padStart(13)}`),
    'target: ALS (64 factors, 15 iterations) on Amazon Beauty under 10 s',
  ].join('\n');
  const beautyAls = fits.find((f) => f.dataset === 'amazon-beauty' && f.model === 'als');
  return {
    name: 'train',
    table,
    data: {
      fits,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      targets: { alsBeautySeconds: { target: 10, measured: beautyAls?.fitSeconds ?? null, met: beautyAls ? beautyAls.fitSeconds < 10 : null } },
    },
  };
}
