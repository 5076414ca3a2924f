/**
 * Measuring attribute extraction on real catalogs (read from the shared datasets folder, never
 * copied into the project):
 *
 * - Amazon "Industrial & Scientific" (UniSRec text: "title. categories. brand."): the brand is a
 *   structured field. A seeded 80/20 split of items; the gazetteer learns from the training items'
 *   brands and titles; on the held-out items only the title is read, and each extracted brand is
 *   checked against the item's real brand.
 * - JD.com titles with labelled entity spans (GAIIC 2022): spans of the training titles play the
 *   shop's structured attributes (product type, brand, colour, material); held-out titles are
 *   scored span by span. The segmenter's product types need no training and are scored on all titles.
 * - Home Depot titles have no structured attributes (its attributes file is not in the copy), so
 *   only how often the patterns fire can be counted there, not their precision.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Rng } from '../models/random.js';
import { Gazetteer, type GazetteerItem, type GazetteerOptions } from './extract-gazetteer.js';
import { extractPatterns } from './extract-patterns.js';
import { createWordSegmenter, productTypes, type WordSegmenter } from './extract-segment.js';
import { matchKey } from './extract-text.js';
import { extractAttributes } from './extract.js';

/** `SHOPFUSION_DATASETS`, else `../shared/datasets` from the working directory. */
export function datasetsDir(): string {
  return resolve(process.env.SHOPFUSION_DATASETS ?? '../shared/datasets');
}

export interface ScientificItem {
  id: string;
  title: string;
  /** The category path as one string: the levels are not separated in this copy. */
  categories: string;
  brand: string;
}

/** Items of `Scientific.text`; rows without a brand are skipped. */
export function loadScientificItems(file: string): ScientificItem[] {
  const items: ScientificItem[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    // "title. categories. brand. " — the title may hold ". " itself, so the shortest title that
    // leaves a (possibly empty) category part and a brand wins.
    const m = /^(.*?)\. ((?:Industrial & Scientific)[^]*?)?\. ([^]*?)\.?\s*$/u.exec(line.slice(tab + 1));
    if (!m || !m[3]) continue;
    items.push({ id: line.slice(0, tab), title: (m[1] as string).trim(), categories: (m[2] ?? '').trim(), brand: m[3].trim() });
  }
  return items;
}

/** Indices 0..n-1 in a seeded random order (Fisher–Yates). */
function shuffled(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

function split<T>(rows: readonly T[], seed: number, trainShare: number): { train: T[]; test: T[] } {
  const order = shuffled(rows.length, seed);
  const cut = Math.round(rows.length * trainShare);
  return { train: order.slice(0, cut).map((i) => rows[i] as T), test: order.slice(cut).map((i) => rows[i] as T) };
}

export interface Score {
  predictions: number;
  correct: number;
  gold: number;
  /** correct / predictions (0 when nothing was predicted). */
  precision: number;
  /** Gold mentions or items found / gold. */
  recall: number;
}

function score(predictions: number, correct: number, gold: number, found = correct): Score {
  return { predictions, correct, gold, precision: predictions ? correct / predictions : 0, recall: gold ? found / gold : 0 };
}

export interface HeldOutOptions {
  /** Folder holding the datasets (default {@link datasetsDir}). */
  datasets?: string;
  seed?: number;
  /** Share of items the gazetteer learns from. Default 0.8. */
  trainShare?: number;
  gazetteer?: GazetteerOptions;
}

export interface BrandReport {
  protocol: string;
  train: number;
  test: number;
  entries: number;
  /** Every distinct brand extracted from a held-out title, checked against the item's brand. */
  mentions: Score;
  /** Only the first brand in each title (what would fill an empty brand field). */
  first: Score;
  /** Held-out items whose brand the gazetteer knows and whose title contains it: the reachable ceiling. */
  reachable: number;
}

/** Held-out brand extraction on Amazon Scientific; see the file comment for the protocol. */
export function measureBrandExtraction(options: HeldOutOptions = {}): BrandReport {
  const seed = options.seed ?? 42;
  const trainShare = options.trainShare ?? 0.8;
  const file = resolve(options.datasets ?? datasetsDir(), 'amazon-unisrec-scientific/Scientific.text');
  const { train, test } = split(loadScientificItems(file), seed, trainShare);
  const gazetteer = Gazetteer.learn(
    train.map((i): GazetteerItem => ({ title: i.title, brand: i.brand })),
    { keys: ['brand'], ...options.gazetteer },
  );
  let predicted = 0;
  let correct = 0;
  let itemsFound = 0;
  let firstPredicted = 0;
  let firstCorrect = 0;
  let reachable = 0;
  for (const item of test) {
    const gold = matchKey(item.brand);
    // The whole local pipeline, so that "1400 Watts" is read as power, not as the brand Watts.
    const found = extractAttributes(item.title, { gazetteer, segmenter: null });
    const brands = [...new Set(found.filter((a) => a.key === 'brand').map((a) => matchKey(a.value)))];
    predicted += brands.length;
    const hit = brands.filter((b) => b === gold).length;
    correct += hit;
    if (hit) itemsFound++;
    if (brands.length) {
      firstPredicted++;
      if (brands[0] === gold) firstCorrect++;
    }
    if (gazetteer.lookup(item.brand)?.key === 'brand' && ` ${matchKey(item.title)} `.includes(` ${gold} `)) reachable++;
  }
  return {
    protocol: `amazon-unisrec-scientific, items with a brand, seeded (${seed}) random ${Math.round(trainShare * 100)}/${Math.round((1 - trainShare) * 100)} item split; gazetteer learned from train brands + titles; brand extracted from held-out titles only`,
    train: train.length,
    test: test.length,
    entries: gazetteer.size,
    mentions: score(predicted, correct, test.length, itemsFound),
    first: score(firstPredicted, firstCorrect, test.length),
    reachable,
  };
}

interface LabelledTitle {
  title: string;
  entities: Array<{ start: number; end: number; type: string; text: string }>;
}

/** Entity types of the JD sample mapped to attribute keys (the types are anonymised numbers). */
export const JD_ENTITY_KEYS: Readonly<Record<string, string>> = {
  '4': 'product_type',
  '1': 'brand',
  '16': 'color',
  '12': 'material',
  '37': 'compatible_brand',
};

export function loadLabelledTitles(file: string): LabelledTitle[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as LabelledTitle);
}

export interface ChineseReport {
  protocol: string;
  segmenter: string;
  train: number;
  test: number;
  /** Gazetteer (learned from training spans) + segmenter on held-out titles: exact span and key. */
  heldOut: Record<string, Score>;
  /** The same by source (`product_type/segmenter`): recall is the share of the key's gold each source found. */
  heldOutBySource: Record<string, Score>;
  /** Held-out brand mentions whose brand was labelled in some training title, and how many were found. */
  knownBrands: { gold: number; found: number; recall: number };
  /** Segmenter product types alone (nothing learned), all titles: exact span, and any overlap. */
  segmenterOnly: { exact: Score; overlapPrecision: number };
}

/** JD titles: held-out gazetteer + segmenter scores, and the untrained segmenter rule alone. */
export function measureChineseExtraction(options: HeldOutOptions & { segmenter?: WordSegmenter } = {}): ChineseReport {
  const seed = options.seed ?? 42;
  const trainShare = options.trainShare ?? 0.8;
  const rows = loadLabelledTitles(resolve(options.datasets ?? datasetsDir(), 'chinese-text/titles_entities.jsonl'));
  const segmenter = options.segmenter ?? createWordSegmenter();
  const { train, test } = split(rows, seed, trainShare);
  const labelled = (row: LabelledTitle): Array<{ key: string; start: number; end: number; text: string }> =>
    row.entities.flatMap((e) => (JD_ENTITY_KEYS[e.type] ? [{ key: JD_ENTITY_KEYS[e.type] as string, start: e.start, end: e.end, text: e.text }] : []));
  const gazetteer = Gazetteer.learn(
    train.map((row) => {
      const attributes: Record<string, string[]> = {};
      for (const e of labelled(row)) (attributes[e.key] ??= []).push(e.text);
      return { title: row.title, attributes };
    }),
    options.gazetteer,
  );
  const knownBrands = new Set(train.flatMap((r) => labelled(r).filter((e) => e.key === 'brand').map((e) => matchKey(e.text))));

  const counts: Record<string, { predictions: number; correct: number; gold: number }> = {};
  const sources: Record<string, { predictions: number; correct: number }> = {};
  const tally = (key: string): { predictions: number; correct: number; gold: number } => (counts[key] ??= { predictions: 0, correct: 0, gold: 0 });
  let brandGold = 0;
  let brandFound = 0;
  for (const row of test) {
    const gold = labelled(row);
    const predicted = extractAttributes(row.title, { gazetteer, segmenter, patterns: false });
    for (const g of gold) tally(g.key).gold++;
    for (const p of predicted) {
      const t = tally(p.key);
      const bySource = (sources[`${p.key}/${p.source}`] ??= { predictions: 0, correct: 0 });
      t.predictions++;
      bySource.predictions++;
      if (gold.some((g) => g.key === p.key && g.start === p.span[0] && g.end === p.span[1])) {
        t.correct++;
        bySource.correct++;
      }
    }
    for (const g of gold) {
      if (g.key !== 'brand' || !knownBrands.has(matchKey(g.text))) continue;
      brandGold++;
      if (predicted.some((p) => p.key === 'brand' && p.span[0] === g.start && p.span[1] === g.end)) brandFound++;
    }
  }
  const heldOut: Record<string, Score> = {};
  for (const [key, c] of Object.entries(counts)) heldOut[key] = score(c.predictions, c.correct, c.gold);
  const heldOutBySource: Record<string, Score> = {};
  for (const [id, c] of Object.entries(sources)) heldOutBySource[id] = score(c.predictions, c.correct, counts[id.split('/')[0] as string]?.gold ?? 0);

  let predictions = 0;
  let exact = 0;
  let overlap = 0;
  let gold = 0;
  for (const row of rows) {
    const types = row.entities.filter((e) => e.type === '4');
    gold += types.length;
    for (const p of productTypes(row.title, segmenter)) {
      predictions++;
      if (types.some((e) => e.start === p.span[0] && e.end === p.span[1])) exact++;
      if (types.some((e) => e.start < p.span[1] && p.span[0] < e.end)) overlap++;
    }
  }
  return {
    protocol: `chinese-text JD titles, seeded (${seed}) random ${Math.round(trainShare * 100)}/${Math.round((1 - trainShare) * 100)} title split; gazetteer learned from training-title entity spans (types ${Object.entries(JD_ENTITY_KEYS).map(([t, k]) => `${t}=${k}`).join(', ')}); held-out scores need the exact span and key`,
    segmenter: segmenter.id,
    train: train.length,
    test: test.length,
    heldOut,
    heldOutBySource,
    knownBrands: { gold: brandGold, found: brandFound, recall: brandGold ? brandFound / brandGold : 0 },
    segmenterOnly: { exact: score(predictions, exact, gold), overlapPrecision: predictions ? overlap / predictions : 0 },
  };
}

export interface CoverageReport {
  titles: number;
  /** Titles with at least one pattern attribute. */
  withAny: number;
  /** Attributes found per key. */
  byKey: Record<string, number>;
}

/** How often the quantity patterns fire on Home Depot titles (no gold attributes exist there). */
export function measurePatternCoverage(options: { datasets?: string; limit?: number } = {}): CoverageReport {
  const file = resolve(options.datasets ?? datasetsDir(), 'homedepot-search/products.tsv');
  const lines = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.includes('\t'));
  const titles = lines.slice(0, options.limit ?? lines.length).map((l) => l.slice(l.indexOf('\t') + 1));
  const byKey: Record<string, number> = {};
  let withAny = 0;
  for (const title of titles) {
    const found = extractPatterns(title);
    if (found.length) withAny++;
    for (const a of found) byKey[a.key] = (byKey[a.key] ?? 0) + 1;
  }
  return { titles: titles.length, withAny, byKey };
}

/** Whether a dataset file is present, else the reason a test skips (naming the folder). */
export function datasetMissing(relative: string): string | false {
  const path = resolve(datasetsDir(), relative);
  return existsSync(path) ? false : `dataset ${path} is not here (set SHOPFUSION_DATASETS to the shared datasets folder)`;
}
