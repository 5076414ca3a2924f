/**
 * Ingest throughput, durable (SQLite WAL, synchronous = FULL):
 * - the CLI import, run as the real command, on the shared datasets and on generated shops of
 *   200k and 1M events (where process start-up no longer counts);
 * - the HTTP batch API (1,000 events a batch) against the real server in a child process;
 * - baseline: raw better-sqlite3 inserts of the same event rows into the same schema, with no
 *   validation, ids or HTTP — the ceiling of this store on this machine. Ratios are against it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { migrate, openDatabase } from '../src/store/sqlite/database.js';
import { writeDemoShop } from '../src/ingest/demo/load-demo.js';
import type { BenchResult } from './run.js';

const DATASETS = resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');
const CLI = resolve('bin/shopfusion.js');
const HTTP_EVENTS = 200_000;
const HTTP_BATCH = 1_000;
const HTTP_CONCURRENCY = 4;

interface CliRun {
  input: string;
  format: string;
  events: number;
  /** The import's own clock (open store → last commit). */
  importSeconds: number;
  /** The whole command, process start to exit. */
  wallSeconds: number;
  eventsPerSecond: number;
  wallEventsPerSecond: number;
}

function cliImport(format: string, path: string, work: string, label: string): CliRun {
  const db = join(work, `${label}.db`);
  const started = performance.now();
  const out = execFileSync(process.execPath, [CLI, 'import', format, path, '--json', '--store', `sqlite:${db}`], { encoding: 'utf8' });
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = JSON.parse(out) as { stored: { events: number }; seconds: number };
  return {
    input: label,
    format,
    events: summary.stored.events,
    importSeconds: summary.seconds,
    wallSeconds,
    eventsPerSecond: Math.round(summary.stored.events / summary.seconds),
    wallEventsPerSecond: Math.round(summary.stored.events / wallSeconds),
  };
}

/** Raw inserts of generated event rows into the real schema and settings, 20,000 per transaction. */
function baseline(work: string, n: number): number {
  const file = join(work, 'baseline.db');
  const db = openDatabase(file);
  migrate(db, file);
  const insert = db.prepare('INSERT INTO events (id, user_id, session_id, item_id, type, value, ts, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const rows = Array.from({ length: n }, (_, i) => [`ev-${(i * 2654435761) % 4294967296}-${i}`, `user-${i % 5000}`, null, `sku-${i % 10000}`, i % 4, null, 1_700_000_000_000 + i, null]);
  const write = db.transaction((batch: unknown[][]) => {
    for (const r of batch) insert.run(...r);
  });
  const started = performance.now();
  for (let i = 0; i < n; i += 20_000) write(rows.slice(i, i + 20_000));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return Math.round(n / seconds);
}

async function httpIngest(work: string, eventsFile: string): Promise<{ events: number; seconds: number; eventsPerSecond: number; p50Ms: number; p99Ms: number }> {
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).slice(0, HTTP_EVENTS);
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += HTTP_BATCH) bodies.push(`{"events":[${lines.slice(i, i + HTTP_BATCH).join(',')}]}`);
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-demo', '--store', `sqlite:${join(work, 'http.db')}`], {
    env: { ...process.env, SHOPFUSION_SERVER_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) ok(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  const latencies: number[] = [];
  let next = 0;
  let stored = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: HTTP_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string;
        const t = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const result = (await res.json()) as { inserted: number };
        if (!res.ok) throw new Error(`HTTP ${res.status}: ${JSON.stringify(result)}`);
        stored += result.inserted;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  child.kill('SIGTERM');
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 10) / 10;
  return { events: stored, seconds, eventsPerSecond: Math.round(stored / seconds), p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

export async function ingestBenchmark(): Promise<BenchResult> {
  if (!existsSync(join('dist', 'cli', 'bin.js'))) execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'shopfusion-bench-'));
  try {
    const demoDir = join(work, 'demo');
    await writeDemoShop(demoDir, { events: HTTP_EVENTS, seed: 7 });
    const bigDir = join(work, 'demo-1m');
    await writeDemoShop(bigDir, { events: 1_000_000, seed: 7 });
    // Let the freshly written files reach the disk first, so their write-back does not slow the imports' fsyncs.
    execFileSync('sync');
    const cli: CliRun[] = [cliImport('jsonl', demoDir, work, 'demo-200k (jsonl)'), cliImport('jsonl', bigDir, work, 'demo-1m (jsonl)')];
    rmSync(bigDir, { recursive: true, force: true });
    if (existsSync(DATASETS)) {
      cli.push(cliImport('movielens', join(DATASETS, 'ml-100k/grouplens'), work, 'ml-100k'));
      cli.push(cliImport('s3rec', join(DATASETS, 'amazon-beauty'), work, 'amazon-beauty'));
    }
    const raw = baseline(work, HTTP_EVENTS);
    const http = await httpIngest(work, join(demoDir, 'events.jsonl'));
    const rows = [
      ...cli.map((r) => [`CLI import ${r.input}`, r.events, r.eventsPerSecond, r.wallEventsPerSecond, r.eventsPerSecond / raw]),
      [`HTTP batch ${HTTP_BATCH}/req, ${HTTP_CONCURRENCY} in flight`, http.events, http.eventsPerSecond, http.eventsPerSecond, http.eventsPerSecond / raw],
      ['baseline: raw SQLite inserts', HTTP_EVENTS, raw, raw, 1],
    ];
    const fmt = (n: number) => n.toLocaleString('en-US');
    const table = [
      'ingest (durable: SQLite WAL, synchronous=FULL)',
      `${'path'.padEnd(44)} ${'events'.padStart(9)} ${'events/s'.padStart(10)} ${'wall ev/s'.padStart(10)} ${'vs raw'.padStart(7)}`,
      ...rows.map(([name, n, rate, wall, ratio]) =>
        `${String(name).padEnd(44)} ${fmt(n as number).padStart(9)} ${fmt(rate as number).padStart(10)} ${fmt(wall as number).padStart(10)} ${(ratio as number).toFixed(2).padStart(7)}`),
      `HTTP batch latency p50 ${http.p50Ms} ms, p99 ${http.p99Ms} ms`,
      'targets: CLI import >= 100,000 events/s; HTTP batch ingest >= 30,000 events/s',
    ].join('\n');
    const cliBest = Math.min(...cli.map((r) => r.eventsPerSecond));
    return {
      name: 'ingest',
      table,
      data: {
        durability: 'SQLite WAL, synchronous=FULL; every response after commit',
        cli,
        http: { ...http, batch: HTTP_BATCH, concurrency: HTTP_CONCURRENCY },
        baseline: { description: 'raw better-sqlite3 inserts on one thread, same schema and pragmas, 20k rows per transaction', eventsPerSecond: raw },
        ratios: { cliVsRaw: cli.map((r) => ({ input: r.input, ratio: r.eventsPerSecond / raw })), httpVsRaw: http.eventsPerSecond / raw },
        targets: {
          cliImportEventsPerSecond: { target: 100_000, worst: cliBest, met: cliBest >= 100_000 },
          httpEventsPerSecond: { target: 30_000, measured: http.eventsPerSecond, met: http.eventsPerSecond >= 30_000 },
        },
      },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
