/**
 * The deep sequential models on Amazon Beauty (the `loo` training part: each user's last two
 * items held out, as the evaluation trains):
 * - SASRec training seconds per epoch with 1 thread and with 2 (a few epochs each), and the
 *   tokens (training positions) per second; the total of a full fit with early stopping is read
 *   from the evaluation report (`bench/results/eval/deep-beauty.json`) where one was written;
 * - serving latency of `score` for a 50-item history over the whole catalog (12,101 items),
 *   beside the first-order Markov model's `score` on the same requests as the baseline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTrainData } from '../src/data/interactions.js';
import { loadInteractions } from '../src/eval/datasets.js';
import { splitInteractions } from '../src/eval/splits.js';
import { Markov } from '../src/models/markov.js';
import { Rng } from '../src/models/random.js';
import { Sasrec } from '../src/models/sasrec.js';
import type { Recommender } from '../src/models/types.js';
import type { BenchResult } from './run.js';

const DATASETS = resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');
const EPOCHS = 3;
const REQUESTS = 2_000;
const WARMUP = 200;
const HISTORY = 50;

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

interface Latency {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

function latency(model: Recommender, numItems: number, seed: number): Latency {
  const rng = new Rng(seed);
  const out = new Float32Array(numItems);
  const history = new Int32Array(HISTORY);
  const times: number[] = [];
  for (let r = 0; r < WARMUP + REQUESTS; r++) {
    for (let i = 0; i < HISTORY; i++) history[i] = Math.floor(rng.next() * numItems);
    const start = performance.now();
    model.score(-1, history, out);
    const ms = performance.now() - start;
    if (r >= WARMUP) times.push(ms);
  }
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    p50Ms: round(quantile(sorted, 0.5), 3),
    p95Ms: round(quantile(sorted, 0.95), 3),
    p99Ms: round(quantile(sorted, 0.99), 3),
    maxMs: round(sorted.at(-1) as number, 3),
    meanMs: round(times.reduce((a, b) => a + b, 0) / times.length, 3),
  };
}

interface FullFit {
  source: string;
  model: string;
  fitSeconds: number;
  params: Record<string, unknown>;
}

/** The full fits of the evaluation run, where its report exists. */
function fullFits(): FullFit[] | { missing: string } {
  const file = 'bench/results/eval/deep-beauty.json';
  if (!existsSync(file)) return { missing: `${file} (npm run eval -- deep-beauty)` };
  const report = JSON.parse(readFileSync(file, 'utf8')) as { results: Array<{ model: string; fitSeconds: number; params: Record<string, unknown> }> };
  return report.results.filter((r) => r.model.startsWith('sasrec')).map((r) => ({ source: file, model: r.model, fitSeconds: round(r.fitSeconds, 1), params: r.params }));
}

export async function deepBenchmark(): Promise<BenchResult> {
  const load: { start: number[]; end?: number[] } = { start: loadavg() };
  const path = join(DATASETS, 'amazon-beauty');
  if (!existsSync(path)) {
    const reason = `${path} is absent (set SHOPFUSION_DATASETS)`;
    return { name: 'deep', table: `deep: skipped, ${reason}`, data: { skipped: reason } };
  }
  const ia = await loadInteractions('s3rec', path);
  const split = splitInteractions({ users: ia.user, items: ia.item, times: ia.time, numUsers: ia.users.size, numItems: ia.items.size }, 'loo', { seed: 42 });
  const data = buildTrainData(ia, split.train, { scheme: 'binary' });
  let tokens = 0;
  for (let u = 0; u < data.numUsers; u++) tokens += Math.max(0, Math.min(50, (data.sequences.indptr[u + 1] as number) - (data.sequences.indptr[u] as number) - 1));

  const runs: Array<{ threads: number; epochSeconds: number[]; secondsPerEpoch: number; tokensPerSecond: number }> = [];
  let trained: Sasrec | undefined;
  for (const threads of [1, 2]) {
    const model = new Sasrec('sasrec', { epochs: EPOCHS, patience: EPOCHS, validationUsers: 0 });
    const epochSeconds: number[] = [];
    await model.fit(data, { seed: 42, threads, onEpoch: (e) => epochSeconds.push(e.seconds) });
    const mean = epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length;
    runs.push({ threads, epochSeconds: epochSeconds.map((s) => round(s)), secondsPerEpoch: round(mean), tokensPerSecond: Math.round(tokens / mean) });
    trained = model;
  }
  const sasrec = latency(trained as Sasrec, data.numItems, 7);
  const markov = new Markov();
  await markov.fit(data, { seed: 42 });
  const baseline = latency(markov, data.numItems, 7);
  const full = fullFits();
  load.end = loadavg();

  const [one, two] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const row = (name: string, value: string, compared = '') => `${name.padEnd(46)} ${value.padStart(14)}  ${compared}`;
  const lines = [
    `SASRec on Amazon Beauty (loo training part: ${data.numUsers.toLocaleString('en-US')} users, ${data.numItems.toLocaleString('en-US')} items, ${tokens.toLocaleString('en-US')} training positions)`,
    row('measure', 'value', 'compared with'),
    ...runs.map((r) => row(`s/epoch, ${r.threads} thread${r.threads > 1 ? 's' : ''} (d 64, 2 blocks, 256 negatives)`, r.secondsPerEpoch.toFixed(2), `${r.tokensPerSecond.toLocaleString('en-US')} positions/s; epochs ${r.epochSeconds.join(', ')}`)),
    row('speed-up, 2 threads vs 1', `${round(one.secondsPerEpoch / two.secondsPerEpoch)}×`),
    ...('missing' in full ? [row('full fit (early stopping)', 'not run', full.missing)] : full.map((f) => row(`full fit: ${f.model} s`, f.fitSeconds.toFixed(1), `from ${f.source}`))),
    row(`score, ${HISTORY}-item history: p50 / p99 ms`, `${sasrec.p50Ms.toFixed(3)} / ${sasrec.p99Ms.toFixed(3)}`, `target p99 < 10 ms: ${sasrec.p99Ms < 10 ? 'met' : 'NOT met'}; max ${sasrec.maxMs.toFixed(3)}`),
    row('baseline markov score: p50 / p99 ms', `${baseline.p50Ms.toFixed(3)} / ${baseline.p99Ms.toFixed(3)}`, `sasrec/markov mean ${round(sasrec.meanMs / baseline.meanMs, 1)}×`),
    `load average (1/5/15 min) at start ${load.start.map((x) => x.toFixed(2)).join(' ')}, at end ${load.end.map((x) => x.toFixed(2)).join(' ')}`,
  ];
  return {
    name: 'deep',
    table: lines.join('\n'),
    data: {
      dataset: 'amazon-beauty',
      users: data.numUsers,
      items: data.numItems,
      trainingPositions: tokens,
      training: { model: 'sasrec', epochs: EPOCHS, runs, speedup2v1: round(one.secondsPerEpoch / two.secondsPerEpoch) },
      fullFits: full,
      inference: { historyLength: HISTORY, requests: REQUESTS, sasrec, baselineMarkov: baseline, target: { p99Ms: 10, met: sasrec.p99Ms < 10 } },
      load,
    },
  };
}
