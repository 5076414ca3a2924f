/**
 * Search relevance datasets: Home Depot (titles, queries, graded judgements) and the WANDS pairs
 * (query, product name, relevant or not). Read from their folders at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ShopfusionError } from '../core/errors.js';

export interface JudgedQuery {
  id: string;
  text: string;
  /** Product id → gain (relevance − 1, 0..2). */
  gains: Map<string, number>;
}

export interface RankingDataset {
  kind: 'ranking';
  name: string;
  ids: string[];
  titles: string[];
  queries: JudgedQuery[];
}

export interface PairDataset {
  kind: 'pairs';
  name: string;
  pairs: Array<{ query: string; title: string; relevant: boolean }>;
}

function tsv(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));
}

/** Home Depot (`products.tsv`, `queries.tsv`, `qrels.tsv`) or WANDS (the 2,800-pair file). */
export function loadSearchDataset(path: string): RankingDataset | PairDataset {
  if (existsSync(join(path, 'qrels.tsv'))) {
    const products = tsv(join(path, 'products.tsv'));
    const gains = new Map<string, Map<string, number>>();
    for (const [qid, pid, relevance] of tsv(join(path, 'qrels.tsv'))) {
      if (qid === undefined || pid === undefined) continue;
      let judged = gains.get(qid);
      if (!judged) gains.set(qid, (judged = new Map()));
      judged.set(pid, Number(relevance) - 1);
    }
    const queries: JudgedQuery[] = [];
    for (const [qid, text] of tsv(join(path, 'queries.tsv'))) {
      const judged = qid === undefined ? undefined : gains.get(qid);
      if (judged && text !== undefined) queries.push({ id: qid as string, text, gains: judged });
    }
    return { kind: 'ranking', name: 'homedepot-search', ids: products.map((p) => p[0] as string), titles: products.map((p) => p[1] ?? ''), queries };
  }
  const wands = join(path, 'chatgpt-goes-shopping-subset', 'wands_2800_test_partial.csv');
  if (existsSync(wands)) {
    const rows = parse(readFileSync(wands, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
    return {
      kind: 'pairs',
      name: 'wands',
      pairs: rows.map((r) => ({ query: r.query ?? '', title: r.name ?? '', relevant: r.target === 'Relevant' })),
    };
  }
  throw new ShopfusionError('invalid_argument', `${path} is neither Home Depot search (qrels.tsv) nor WANDS (chatgpt-goes-shopping-subset/)`);
}
