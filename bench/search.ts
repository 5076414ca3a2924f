/**
 * Lexical search against two in-process peers, MiniSearch and Orama, side by side in one process.
 *
 * 1. Home Depot catalog (Kaggle 2016): 54,667 product titles and all 5,898 search terms of this
 *    copy, read from `../shared/datasets/homedepot-search` at run time (skipped when absent).
 * 2. A generated catalog of 1,000,000 titles (8–15 words from brand, adjective, colour, material,
 *    product-noun and size lists, a third with a model code; seeded sfc32) and 2,000 generated
 *    queries of 2–4 words, a fifth with one typo. A peer runs at 1M only when, projected from its
 *    first 200k items, its build stays under 3 minutes and its mean query under 250 ms (so that
 *    the whole run fits in about 10 minutes); otherwise it is measured on those 200k.
 *
 * Per engine: index build time, memory (JS heap + external growth after a full GC), query p50/p99
 * and queries per second for k = 10 after a warm-up pass, single thread, one query at a time.
 * Ours runs plain, with typo tolerance, and with typos + the last word as a prefix (target p99 <
 * 2 ms); MiniSearch runs with its defaults and with `{ prefix: true, fuzzy: 0.2 }` (its
 * typo + prefix), Orama with its defaults. Target: our QPS ≥ 20× each peer's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import MiniSearch from 'minisearch';
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { Rng } from '../src/models/random.js';
import { LexicalIndex } from '../src/search/lexical-index.js';
import { LexicalSearcher } from '../src/search/lexical-search.js';
import { Analyzer } from '../src/text/analyzer.js';
import type { BenchResult } from './run.js';

const DATASETS = resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');
const HOME_DEPOT = join(DATASETS, 'homedepot-search');
const K = 10;
const GENERATED_ITEMS = Number(process.env.SEARCH_BENCH_ITEMS ?? 1_000_000);
const GENERATED_QUERIES = 2_000;
const GENERATED_WARMUP = 200;
const CATALOG_SEED = 20_260_101;
const QUERY_SEED = 20_260_102;
const TYPO_SHARE = 0.2;
/** Peers are built on the generated catalog in chunks; the first checkpoint decides their size. */
const PEER_CHECKPOINT = Math.min(200_000, GENERATED_ITEMS);
const PEER_BUILD_LIMIT_MS = 180_000;
const PEER_QUERY_LIMIT_MS = 250;
const PROBE_QUERIES = 10;
/** A mode stops measuring after this long (the queries it got through are reported). */
const MODE_TIME_LIMIT_MS = 30_000;
const TARGET_P99_MS = 2;
const TARGET_RATIO = 20;
const MIB = 1024 * 1024;

// The bench runs without --expose-gc; turning it on here lets memory be read after a full collection.
const globalGc = (globalThis as { gc?: () => void }).gc;
let gc: (() => void) | undefined = globalGc;
if (!gc) {
  setFlagsFromString('--expose-gc');
  gc = runInNewContext('gc') as (() => void) | undefined;
}
const gcMode = globalGc ? 'global.gc (--expose-gc)' : gc ? 'v8.setFlagsFromString(--expose-gc) + vm gc' : 'unavailable: memory is read without a forced collection';

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** JS heap plus memory outside it (typed arrays' buffers count in `external`). */
function usedBytes(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

// ---------------------------------------------------------------------------------------------
// Engines

interface Doc {
  id: string;
  title: string;
}

/** One way of querying a built index; returns how many hits came back (≤ k). */
type QueryFn = (query: string) => number | Promise<number>;

interface Built {
  modes: Record<string, QueryFn>;
  /** Memory the engine holds outside the JS heap and external buffers (SQLite's pages). */
  nativeBytes?: () => number;
  /** Adds the next documents (chunked builds on the generated catalog). */
  add(docs: readonly Doc[]): void | Promise<void>;
}

interface EngineSpec {
  name: string;
  /** Engine settings in words, for the JSON. */
  settings: string;
  create(): Built;
  /** Whether a chunked build may stop at the checkpoint (peers) or must index everything (ours). */
  peer: boolean;
  /** A peer the throughput target is set against (MiniSearch, Orama); FTS5 is a design comparison. */
  target?: boolean;
}

const OURS: EngineSpec = {
  name: 'shopfusion',
  settings: 'LexicalIndex(new Analyzer()) with default fields (title used), LexicalSearcher default params, depth 200',
  peer: false,
  create() {
    const index = new LexicalIndex(new Analyzer());
    const searcher = new LexicalSearcher(index);
    return {
      add: (docs) => index.upsertMany(docs.map((d) => ({ id: d.id, texts: { title: d.title } }))),
      modes: {
        plain: (q) => searcher.search(q, K, { typos: false }).length,
        typos: (q) => searcher.search(q, K).length,
        'typos+prefix': (q) => searcher.search(q, K, { prefix: true }).length,
      },
    };
  },
};

const MINISEARCH: EngineSpec = {
  name: 'minisearch',
  settings: "new MiniSearch({ fields: ['title'] }), addAll; search(q) and search(q, { prefix: true, fuzzy: 0.2 }); it returns every match sorted, cut to k here",
  peer: true,
  target: true,
  create() {
    const mini = new MiniSearch<Doc>({ fields: ['title'] });
    return {
      add: (docs) => mini.addAll(docs),
      modes: {
        default: (q) => Math.min(K, mini.search(q).length),
        'prefix+fuzzy0.2': (q) => Math.min(K, mini.search(q, { prefix: true, fuzzy: 0.2 }).length),
      },
    };
  },
};

const ORAMA: EngineSpec = {
  name: 'orama',
  settings: "create({ schema: { title: 'string' } }), insertMultiple; search(db, { term, limit: 10 })",
  peer: true,
  target: true,
  create() {
    const db = create({ schema: { title: 'string' } as const });
    return {
      add: async (docs) => {
        const inserted = insertMultiple(db, docs.map((d) => ({ title: d.title })));
        if (inserted instanceof Promise) await inserted;
      },
      modes: {
        default: (q) => {
          const result = oramaSearch(db, { term: q, limit: K });
          return result instanceof Promise ? result.then((r) => r.hits.length) : result.hits.length;
        },
      },
    };
  },
};

/** The embedded alternative to our own index: SQLite FTS5 in memory, porter stemmer, bm25(). */
const FTS5: EngineSpec = {
  name: 'fts5',
  settings: "better-sqlite3 ':memory:', fts5(title, tokenize = 'porter unicode61'); words quoted and OR-ed, ORDER BY bm25 LIMIT 10; memory = page_count × page_size",
  peer: true,
  create() {
    const db = new Database(':memory:');
    db.exec("CREATE VIRTUAL TABLE t USING fts5(title, tokenize = 'porter unicode61')");
    const insert = db.prepare('INSERT INTO t (title) VALUES (?)');
    const select = db.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10');
    return {
      add: (docs) => db.transaction(() => docs.forEach((d) => insert.run(d.title)))(),
      nativeBytes: () => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number),
      modes: {
        default: (q) => {
          const words = q.match(/[\p{L}\p{N}]+/gu) ?? [];
          return words.length === 0 ? 0 : select.all(words.map((w) => `"${w}"`).join(' OR ')).length;
        },
      },
    };
  },
};

/** `SEARCH_BENCH_ENGINES=shopfusion,orama` runs a subset (ours always first when present). */
const ENGINES = [OURS, MINISEARCH, ORAMA, FTS5].filter((e) => (process.env.SEARCH_BENCH_ENGINES ?? e.name).split(',').includes(e.name));

// ---------------------------------------------------------------------------------------------
// Measurement

interface ModeFigures {
  queries: number;
  /** Whether MODE_TIME_LIMIT_MS cut the timed pass short. */
  truncated: boolean;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  qps: number;
  /** Share of queries with no hit, and mean hits returned (≤ k): what each mode matches. */
  zeroHitShare: number;
  meanHits: number;
}

interface EngineFigures {
  engine: string;
  settings: string;
  items: number;
  buildMs: number;
  memoryMiB: number;
  /** For peers on the generated catalog: build and mean query time projected to the full size from the checkpoint. */
  projection?: { atItems: number; fullBuildMs: number; fullQueryMeanMs: number };
  sizeNote?: string;
  modes: Record<string, ModeFigures>;
}

async function timeQueries(fn: QueryFn, queries: readonly string[], warmup: readonly string[]): Promise<ModeFigures> {
  const warmStart = performance.now();
  for (const q of warmup) {
    const r = fn(q);
    if (r instanceof Promise) await r;
    if (performance.now() - warmStart > MODE_TIME_LIMIT_MS / 3) break;
  }
  const samples: number[] = [];
  let hits = 0;
  let zero = 0;
  const started = performance.now();
  for (const q of queries) {
    const t0 = performance.now();
    let r = fn(q);
    if (r instanceof Promise) r = await r;
    const t1 = performance.now();
    samples.push(t1 - t0);
    hits += r;
    if (r === 0) zero++;
    if (t1 - started > MODE_TIME_LIMIT_MS) break;
  }
  const total = performance.now() - started;
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    queries: samples.length,
    truncated: samples.length < queries.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    meanMs: round(total / samples.length),
    qps: Math.round((samples.length / total) * 1000),
    zeroHitShare: round(zero / samples.length),
    meanHits: round(hits / samples.length, 2),
  };
}

/** Mean time of a few queries in a mode (the peers' size probe). */
async function probeMs(fn: QueryFn, queries: readonly string[]): Promise<number> {
  const started = performance.now();
  for (const q of queries) {
    const r = fn(q);
    if (r instanceof Promise) await r;
  }
  return (performance.now() - started) / Math.max(1, queries.length);
}

/**
 * Builds one engine over `docs` and times each of its modes. On the generated catalog a peer is
 * built in chunks and stops at the checkpoint when, projected linearly to the full size (builds
 * and scans of posting lists grow about linearly with the catalog; 100k → 1M measured 12× for
 * both peers' builds), its build would pass PEER_BUILD_LIMIT_MS or its slowest mode's mean query
 * PEER_QUERY_LIMIT_MS (a 1M Orama query took 21 s at p50, which no timed pass can absorb).
 */
async function measureEngine(spec: EngineSpec, docs: readonly Doc[], queries: readonly string[], warmup: readonly string[], chunked: boolean): Promise<EngineFigures> {
  const before = usedBytes();
  const started = performance.now();
  let built: Built | undefined = spec.create();
  let items = 0;
  let probingMs = 0;
  let projection: EngineFigures['projection'];
  let sizeNote: string | undefined;
  if (!chunked || !spec.peer) {
    await built.add(docs);
    items = docs.length;
  } else {
    const chunk = 50_000;
    while (items < docs.length) {
      await built.add(docs.slice(items, items + chunk));
      items = Math.min(docs.length, items + chunk);
      if (items === PEER_CHECKPOINT && items < docs.length) {
        const probeStarted = performance.now();
        const scale = docs.length / items;
        const slowest = Object.values(built.modes).at(-1) as QueryFn;
        const buildMs = Math.round((probeStarted - started) * scale);
        const queryMs = Math.round((await probeMs(slowest, warmup.slice(0, PROBE_QUERIES))) * scale);
        probingMs = performance.now() - probeStarted;
        projection = { atItems: items, fullBuildMs: buildMs, fullQueryMeanMs: queryMs };
        if (buildMs > PEER_BUILD_LIMIT_MS || queryMs > PEER_QUERY_LIMIT_MS) {
          const why = [buildMs > PEER_BUILD_LIMIT_MS ? `build ${Math.round(buildMs / 1000)} s (limit ${PEER_BUILD_LIMIT_MS / 1000} s)` : '', queryMs > PEER_QUERY_LIMIT_MS ? `mean query ${queryMs} ms (limit ${PEER_QUERY_LIMIT_MS} ms)` : ''];
          sizeNote = `measured on the first ${items.toLocaleString('en-US')} items; projected at ${docs.length.toLocaleString('en-US')}: ${why.filter((w) => w !== '').join(', ')}`;
          break;
        }
      }
    }
  }
  const buildMs = Math.round(performance.now() - started - probingMs);
  const memoryMiB = Math.round((usedBytes() - before + (built.nativeBytes?.() ?? 0)) / MIB);
  const modes: Record<string, ModeFigures> = {};
  for (const [mode, fn] of Object.entries(built.modes)) {
    modes[mode] = await timeQueries(fn, queries, warmup);
    console.error(`  ${spec.name} ${mode}: p50 ${modes[mode].p50Ms} ms, p99 ${modes[mode].p99Ms} ms, ${modes[mode].qps} q/s`);
  }
  built = undefined;
  const figures: EngineFigures = { engine: spec.name, settings: spec.settings, items, buildMs, memoryMiB, modes };
  if (projection !== undefined) figures.projection = projection;
  if (sizeNote !== undefined) figures.sizeNote = sizeNote;
  return figures;
}

/** Our QPS over a peer mode's QPS, both on the same items. */
interface RatioFigures {
  peer: string;
  peerMode: string;
  items: number;
  /** Our mode that does what the peer's mode does; `ratio` is against it. */
  oursMode: string;
  ratio: number;
  vsEachOurMode: Record<string, number>;
}

interface DatasetFigures {
  dataset: string;
  items: number;
  queries: number;
  warmupQueries: number;
  engines: EngineFigures[];
  ratios: RatioFigures[];
  targets: { p99TyposPrefixMs: number; p99TyposPrefixMet: boolean; minQpsRatio: number; qpsRatioMet: boolean };
}

/** Our figures on the same number of items as `peer` (the like-for-like comparison). */
function oursAt(engines: readonly EngineFigures[], items: number): EngineFigures | undefined {
  return engines.find((e) => e.engine === OURS.name && e.items === items);
}

async function measureDataset(dataset: string, docs: readonly Doc[], queries: readonly string[], warmup: readonly string[], chunked: boolean): Promise<DatasetFigures> {
  const engines: EngineFigures[] = [];
  for (const spec of ENGINES) {
    console.error(`${dataset}: building ${spec.name} over ${docs.length.toLocaleString('en-US')} items`);
    engines.push(await measureEngine(spec, docs, queries, warmup, chunked));
  }
  // A peer measured on fewer items is compared with ours on the same first items.
  const smaller = [...new Set(engines.filter((e) => e.items < docs.length).map((e) => e.items))];
  if (ENGINES.includes(OURS)) {
    for (const items of smaller) {
      console.error(`${dataset}: building ${OURS.name} over the first ${items.toLocaleString('en-US')} items`);
      engines.push(await measureEngine(OURS, docs.slice(0, items), queries, warmup, false));
    }
  }
  const ratios: RatioFigures[] = [];
  let minRatio = Infinity;
  const targetPeers = new Set(ENGINES.filter((e) => e.target).map((e) => e.name));
  for (const peer of engines.filter((e) => e.engine !== OURS.name)) {
    const ours = oursAt(engines, peer.items);
    if (!ours) continue;
    for (const [peerMode, peerFigures] of Object.entries(peer.modes)) {
      const vs: Record<string, number> = {};
      for (const [mode, figures] of Object.entries(ours.modes)) vs[mode] = round(figures.qps / Math.max(1, peerFigures.qps), 1);
      // Like for like: a peer's default against our default (typos), its typo + prefix mode against ours.
      const like = peerMode === 'default' ? 'typos' : 'typos+prefix';
      ratios.push({ peer: peer.engine, peerMode, items: peer.items, oursMode: like, ratio: vs[like] ?? 0, vsEachOurMode: vs });
      if (targetPeers.has(peer.engine)) minRatio = Math.min(minRatio, vs[like] ?? 0);
    }
  }
  const p99 = oursAt(engines, docs.length)?.modes['typos+prefix']?.p99Ms ?? Infinity;
  return {
    dataset,
    items: docs.length,
    queries: queries.length,
    warmupQueries: warmup.length,
    engines,
    ratios,
    targets: { p99TyposPrefixMs: TARGET_P99_MS, p99TyposPrefixMet: p99 < TARGET_P99_MS, minQpsRatio: TARGET_RATIO, qpsRatioMet: Number.isFinite(minRatio) && minRatio >= TARGET_RATIO },
  };
}

// ---------------------------------------------------------------------------------------------
// Data

/** Rows of a TSV file with a header line, as objects keyed by the header's names. */
function readTsv(file: string): Array<Record<string, string>> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const header = (lines[0] ?? '').split('\t');
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const cells = line.split('\t');
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
  }
  return rows;
}

function homeDepot(): { docs: Doc[]; queries: string[] } | undefined {
  const products = join(HOME_DEPOT, 'products.tsv');
  const queries = join(HOME_DEPOT, 'queries.tsv');
  if (!existsSync(products) || !existsSync(queries)) return undefined;
  return {
    docs: readTsv(products).map((r) => ({ id: r.product_uid ?? '', title: r.product_title ?? '' })),
    queries: readTsv(queries).map((r) => r.search_term ?? ''),
  };
}

const BRANDS = 'acme apex bluestone brightway cedarline duraforge everbilt fieldmaster granite harborview ironclad keystone lakeshore maxwell northpeak oakridge pinnacle quickset redwood summit titan trueline unity vantage westfield zenith hampton glacier milwaukee ryobi dewalt makita bosch kohler moen delta husky stanley craftsman behr valspar'.split(' ');
const ADJECTIVES = 'heavy-duty cordless brushless compact adjustable portable waterproof outdoor indoor premium professional modern classic rustic industrial decorative folding stackable rechargeable wireless smart energy-efficient dimmable programmable commercial residential universal reversible insulated reinforced lightweight quick-connect self-closing soft-close anti-slip weather-resistant rust-resistant frameless recessed flush-mount wall-mounted freestanding'.split(' ');
const COLOURS = 'white black brushed-nickel chrome bronze oil-rubbed satin matte gray beige espresso walnut cherry natural clear red blue green ivory charcoal'.split(' ');
const MATERIALS = 'steel stainless aluminum brass copper cast-iron vinyl pvc oak maple pine cedar bamboo porcelain ceramic glass granite marble quartz concrete fiberglass polyethylene nylon rubber leather fabric resin acrylic plywood'.split(' ');
const NOUNS = 'drill saw hammer wrench screwdriver pliers ladder toolbox workbench faucet sink toilet showerhead bathtub vanity mirror cabinet drawer shelf bracket hinge handle knob lock deadbolt doorknob door window blind curtain rod fan heater thermostat dehumidifier humidifier air-conditioner light bulb fixture chandelier pendant sconce lantern switch outlet dimmer cord extension breaker panel wire conduit pipe fitting valve hose nozzle sprinkler mower trimmer blower chainsaw shovel rake wheelbarrow planter pot grill smoker patio umbrella chair table bench hammock deck tile flooring carpet rug underlayment grout mortar caulk sealant adhesive paint primer stain brush roller sprayer sander grinder router jigsaw compressor generator battery charger flashlight mailbox fence gate post lumber board plank panel insulation drywall'.split(' ');
const PARTS = 'kit set replacement assembly attachment accessory cartridge filter blade bit head base cover mount frame'.split(' ');
const SIZES = ['1/2 in.', '3/4 in.', '1/4 in.', '3/8 in.', '5/8 in.', '1 in.', '2 in.', '6 in.', '12 in.', '24 in.', '36 in.', '48 in.', '8 ft.', '10 ft.', '25 ft.', '50 ft.', '100 ft.', '1 gal.', '5 gal.', '32 oz.', '16 oz.', '20-volt', '18-volt', '12-volt', '60-watt', '100-watt', '15 amp', '2-pack', '4-pack', '10-pack', '32gb', '64gb', '1500 sq. ft.', '2x4', '4x8', '30 lb.'];
const CODE_PREFIXES = 'hd ms rx tb gp vx kr lt pz qa wd cf bn sx dm'.split(' ');

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng.next() * list.length)] as T;
}

/** One generated title of 8–15 words (counting size tokens and model codes as they read). */
function generatedTitle(rng: Rng): string {
  const words: string[] = [pick(rng, BRANDS)];
  const target = 8 + Math.floor(rng.next() * 8);
  if (rng.next() < 0.4) words.push(pick(rng, SIZES));
  words.push(pick(rng, ADJECTIVES));
  if (rng.next() < 0.5) words.push(pick(rng, ADJECTIVES));
  if (rng.next() < 0.6) words.push(pick(rng, COLOURS));
  words.push(pick(rng, MATERIALS), pick(rng, NOUNS));
  if (rng.next() < 0.5) words.push(pick(rng, PARTS));
  while (words.join(' ').split(' ').length < target - 1) {
    const r = rng.next();
    if (r < 0.35) words.push('with', pick(rng, ADJECTIVES), pick(rng, NOUNS));
    else if (r < 0.6) words.push('for', pick(rng, NOUNS));
    else if (r < 0.85) words.push(pick(rng, SIZES));
    else words.push('in', pick(rng, COLOURS));
  }
  if (rng.next() < 1 / 3) words.push(`${pick(rng, CODE_PREFIXES)}${100 + Math.floor(rng.next() * 9_900)}`);
  return words.join(' ');
}

/** One edit (deletion, neighbour swap, substitution or insertion) inside a word of 5+ letters. */
function withTypo(rng: Rng, word: string): string {
  const at = 1 + Math.floor(rng.next() * (word.length - 2));
  const letter = String.fromCharCode(97 + Math.floor(rng.next() * 26));
  const kind = Math.floor(rng.next() * 4);
  if (kind === 0) return word.slice(0, at) + word.slice(at + 1);
  if (kind === 1) return word.slice(0, at) + (word[at + 1] ?? '') + (word[at] ?? '') + word.slice(at + 2);
  if (kind === 2) return word.slice(0, at) + letter + word.slice(at + 1);
  return word.slice(0, at) + letter + word.slice(at);
}

/** Queries of 2–4 words as shoppers type them: a product noun with qualifiers, a share with a typo. */
function generatedQueries(rng: Rng, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const words = [pick(rng, NOUNS).replace('-', ' ')];
    const extra = 1 + Math.floor(rng.next() * 3);
    for (let j = 0; j < extra; j++) {
      const r = rng.next();
      const list = r < 0.25 ? BRANDS : r < 0.5 ? MATERIALS : r < 0.7 ? ADJECTIVES : r < 0.85 ? COLOURS : SIZES;
      words.unshift(pick(rng, list).replace('-', ' '));
    }
    if (rng.next() < TYPO_SHARE) {
      const candidates = words.map((w, j) => [w, j] as const).filter(([w]) => /^[a-z]{5,}$/.test(w));
      if (candidates.length > 0) {
        const [w, j] = pick(rng, candidates);
        words[j] = withTypo(rng, w);
      }
    }
    out.push(words.join(' '));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

function table(datasets: DatasetFigures[], skipped: string[]): string {
  const lines: string[] = [];
  const header = ['engine / mode', 'items', 'build ms', 'memory MB', 'queries', 'p50 ms', 'p99 ms', 'qps', 'zero-hit', 'vs ours'];
  for (const d of datasets) {
    const rows: string[][] = [];
    // Largest catalog first, ours first within a size: each peer sits below its comparison.
    const order = [...d.engines].sort((a, b) => b.items - a.items || Number(b.engine === OURS.name) - Number(a.engine === OURS.name));
    for (const e of order) {
      for (const [mode, m] of Object.entries(e.modes)) {
        const ratio = d.ratios.find((r) => r.peer === e.engine && r.peerMode === mode && r.items === e.items);
        const versus = ratio ? `${ratio.ratio}×` : '';
        rows.push([
          `${e.engine} ${mode}`,
          e.items.toLocaleString('en-US'),
          e.buildMs.toLocaleString('en-US'),
          String(e.memoryMiB),
          `${m.queries.toLocaleString('en-US')}${m.truncated ? '*' : ''}`,
          m.p50Ms.toFixed(3),
          m.p99Ms.toFixed(3),
          m.qps.toLocaleString('en-US'),
          `${(m.zeroHitShare * 100).toFixed(1)}%`,
          versus,
        ]);
      }
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const format = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
    lines.push(`${d.dataset}: ${d.items.toLocaleString('en-US')} items, ${d.queries.toLocaleString('en-US')} queries (warm-up ${d.warmupQueries.toLocaleString('en-US')}), k = ${K}`);
    lines.push(format(header), format(header.map((_, i) => '-'.repeat(widths[i] as number))), ...rows.map(format));
    for (const e of d.engines) if (e.sizeNote) lines.push(`  note: ${e.engine} ${e.sizeNote}`);
    if (rows.some((r) => r[4]?.endsWith('*'))) lines.push(`  * timed pass stopped after ${MODE_TIME_LIMIT_MS / 1000} s (warm-up capped at ${MODE_TIME_LIMIT_MS / 3000} s): figures over the queries it reached`);
    lines.push(
      `  vs ours: our QPS on the same items over the peer's, typos against a peer default mode, typos+prefix against MiniSearch prefix+fuzzy0.2`,
      d.dataset === 'homedepot'
        ? `  targets on this catalog: ≥ ${TARGET_RATIO}× MiniSearch and Orama: ${d.targets.qpsRatioMet ? 'met' : 'not met'}; our typos+prefix p99 ${oursAt(d.engines, d.items)?.modes['typos+prefix']?.p99Ms ?? '?'} ms < ${TARGET_P99_MS} ms: ${d.targets.p99TyposPrefixMet ? 'met' : 'not met'}`
        : '  (the latency and throughput targets are set on the Home Depot catalog; this one measures scale)',
      '',
    );
  }
  for (const s of skipped) lines.push(`skipped: ${s}`);
  return lines.join('\n').trimEnd();
}

export async function searchBenchmark(): Promise<BenchResult> {
  const datasets: DatasetFigures[] = [];
  const skipped: string[] = [];

  const hd = homeDepot();
  if (hd) {
    datasets.push(await measureDataset('homedepot', hd.docs, hd.queries, hd.queries, false));
  } else {
    const reason = `Home Depot catalog: ${HOME_DEPOT} has no products.tsv/queries.tsv (set SHOPFUSION_DATASETS to the datasets folder)`;
    console.error(`skipping the ${reason}`);
    skipped.push(reason);
  }

  const generateStarted = performance.now();
  const catalogRng = new Rng(CATALOG_SEED);
  const docs: Doc[] = Array.from({ length: GENERATED_ITEMS }, (_, i) => ({ id: `g${i}`, title: generatedTitle(catalogRng) }));
  const queryRng = new Rng(QUERY_SEED);
  const queries = generatedQueries(queryRng, GENERATED_QUERIES);
  const warmup = generatedQueries(queryRng, GENERATED_WARMUP);
  const generateMs = Math.round(performance.now() - generateStarted);
  const meanWords = round(docs.reduce((s, d) => s + d.title.split(' ').length, 0) / docs.length, 2);
  datasets.push(await measureDataset('generated', docs, queries, warmup, true));

  return {
    name: 'search',
    table: table(datasets, skipped),
    data: {
      setup: {
        k: K,
        gc: gcMode,
        memory: 'growth of process.memoryUsage() heapUsed + external after a forced GC, before vs. after the build (documents loaded beforehand)',
        latency: 'per query, one at a time on the main thread, after a warm-up pass (capped at a third of modeTimeLimitMs); qps = queries / wall time of the timed pass, which stops after modeTimeLimitMs (then `truncated` is true and `queries` says how many were timed)',
        modeTimeLimitMs: MODE_TIME_LIMIT_MS,
        homedepot: hd ? { source: HOME_DEPOT, items: hd.docs.length, queries: hd.queries.length, warmup: 'a pass over the same queries' } : { skipped: skipped[0] },
        generated: {
          items: GENERATED_ITEMS,
          catalogSeed: CATALOG_SEED,
          querySeed: QUERY_SEED,
          queries: GENERATED_QUERIES,
          warmupQueries: GENERATED_WARMUP,
          typoShare: TYPO_SHARE,
          titleWords: '8–15 (brand, sizes, adjectives, colour, material, noun, "with"/"for" phrases; a third with a model code)',
          meanTitleWords: meanWords,
          generateMs,
          peerCheckpoint: PEER_CHECKPOINT,
          peerBuildLimitMs: PEER_BUILD_LIMIT_MS,
          peerQueryLimitMs: PEER_QUERY_LIMIT_MS,
          peerProbeQueries: PROBE_QUERIES,
        },
        engines: Object.fromEntries(ENGINES.map((e) => [e.name, e.settings])),
      },
      datasets,
    },
  };
}
