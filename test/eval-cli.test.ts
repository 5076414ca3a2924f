/** `shopfusion eval` as a user runs it: reports, and clear errors for bad arguments. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from './helpers.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small s3rec-layout dataset: two groups of users with a shared next-item pattern. */
function tinyDataset(): string {
  const dir = tempDir();
  const lines: string[] = [];
  for (let u = 1; u <= 40; u++) {
    const base = u % 2 ? 1 : 20;
    lines.push([u, ...Array.from({ length: 6 }, (_, i) => base + ((u + i) % 8))].join(' '));
  }
  writeFileSync(join(dir, 'Tiny.txt'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'Tiny_item2attributes.json'), '{}');
  return dir;
}

describe('shopfusion eval', () => {
  test('runs every model, writes the JSON, Markdown and SVG report', () => {
    const dataset = tinyDataset();
    const out = join(tempDir(), 'tiny.json');
    const r = cli(['eval', '--dataset', dataset, '--format', 's3rec', '--protocol', 'loo', '--models', 'pop,itemknn,markov,ease', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /markov\s+\d\.\d{4}/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { protocol: string; results: Array<{ model: string; metrics: Record<string, number>; fitSeconds: number }> };
    assert.equal(report.protocol, 'loo');
    assert.deepEqual(report.results.map((x) => x.model), ['pop', 'itemknn', 'markov', 'ease']);
    for (const result of report.results) {
      for (const key of ['ndcg@10', 'hr@10', 'recall@10', 'mrr@10', 'precision@10', 'map@10', 'coverage@10', 'gini@10', 'longtail@10']) {
        assert.equal(typeof result.metrics[key], 'number', `${result.model} ${key}`);
      }
    }
    // Each user's next item follows a fixed cycle: the sequence model must beat popularity.
    const hr = (m: string) => report.results.find((x) => x.model === m)?.metrics['hr@10'] ?? 0;
    assert.ok(hr('markov') > hr('pop'), `markov ${hr('markov')} > pop ${hr('pop')}`);
    assert.ok(existsSync(out.replace(/\.json$/, '.md')));
    assert.match(readFileSync(join(out.replace(/\.json$/, '-charts'), 'ndcg-at-10.svg'), 'utf8'), /<svg/);
  });

  test('a model with fixed parameters: its grid collapses to them and the report keeps the label', () => {
    const dataset = tinyDataset();
    const out = join(tempDir(), 'fixed.json');
    const r = cli(['eval', '--dataset', dataset, '--format', 's3rec', '--protocol', 'loo', '--models', 'markov,markov:smoothing=7.5', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ model: string; params: Record<string, unknown>; search?: unknown[] }> };
    assert.deepEqual(report.results.map((x) => x.model), ['markov', 'markov:smoothing=7.5']);
    assert.equal(report.results[0]?.search?.length, 3, 'markov alone searches its grid');
    assert.deepEqual(report.results[1]?.params, { smoothing: 7.5 });
    assert.equal(report.results[1]?.search, undefined, 'one candidate left: nothing to search');
  });

  test('bad arguments: clear errors, non-zero exits, no stack traces', () => {
    const dataset = tinyDataset();
    const base = ['eval', '--dataset', dataset, '--format', 's3rec', '--protocol', 'loo'];
    const cases: Array<[string[], RegExp]> = [
      [[...base, '--models', 'pop,deepmagic'], /unknown model "deepmagic"; use one of: pop, trending, itemknn/],
      [['eval', '--dataset', dataset, '--format', 's3rec', '--protocol', 'kfold', '--models', 'pop'], /argument 'kfold' is invalid. Allowed choices are msr, loo, random, cold-items/],
      [[...base, '--models', 'markov:smooth=1'], /model "markov:smooth=1": markov has no parameter "smooth"; it has smoothing/],
      [[...base, '--models', 'markov:smoothing'], /parameters are written key=value after the name, got "smoothing"/],
      [[...base, '--models', 'pop', '--k', '0'], /--k must be a whole number from 1 to 1000; got "0"/],
      [['eval', '--dataset', join(dataset, 'missing'), '--format', 's3rec', '--protocol', 'loo', '--models', 'pop'], /does not exist/],
      [['eval', '--dataset', dataset, '--format', 'movielens', '--protocol', 'loo', '--models', 'pop'], /movielens import needs u.item/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});

/** A small dataset in the Home Depot layout: each query's words are in its one relevant title. */
function tinySearchDataset(): string {
  const dir = tempDir();
  const nouns = ['drill', 'hammer', 'ladder', 'faucet', 'shovel', 'lantern', 'blanket', 'kettle'];
  const colours = ['red', 'blue', 'green', 'black'];
  const products: string[] = ['product_uid\tproduct_title'];
  const queries: string[] = ['qid\tsearch_term'];
  const qrels: string[] = ['qid\tproduct_uid\trelevance\tid'];
  let id = 100;
  nouns.forEach((noun, n) =>
    colours.forEach((colour, c) => {
      id++;
      products.push(`${id}\tAcme ${colour} ${noun} model ${n}${c}`);
      const qid = n * colours.length + c;
      queries.push(`${qid}\t${colour} ${noun}s`);
      qrels.push(`${qid}\t${id}\t3\t${qid}`);
    }),
  );
  writeFileSync(join(dir, 'products.tsv'), `${products.join('\n')}\n`);
  writeFileSync(join(dir, 'queries.tsv'), `${queries.join('\n')}\n`);
  writeFileSync(join(dir, 'qrels.tsv'), `${qrels.join('\n')}\n`);
  return dir;
}

describe('shopfusion eval-search', () => {
  test('ours and the peers side by side, with the typo run, in the table and the JSON', () => {
    const out = join(tempDir(), 'search.json');
    const r = cli(['eval-search', '--dataset', tinySearchDataset(), '--no-semantic', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /shopfusion\s+\d\.\d{4}/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Record<string, Record<string, number>>; ratios: Record<string, number> };
    assert.deepEqual(Object.keys(report.results).sort(), ['bm25', 'fts5', 'minisearch', 'orama', 'shopfusion', 'shopfusion-ltr']);
    // Stemming ("drills" → drill) and coverage put the one title with both words first.
    assert.equal(report.results.shopfusion?.['ndcg@10'], 1);
    assert.ok((report.results.minisearch?.['ndcg@10'] ?? 1) < 1, 'MiniSearch does not stem "drills"');
    for (const result of Object.values(report.results)) {
      for (const key of ['ndcg@10', 'rerank-ndcg@10', 'typo-ndcg@10', 'typo-loss']) assert.equal(typeof result[key], 'number', key);
    }
    assert.ok((report.ratios['shopfusion/minisearch'] ?? 0) > 1);
  });

  test('a folder that is neither dataset is a clear error', () => {
    const r = cli(['eval-search', '--dataset', tempDir()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /neither Home Depot search \(qrels\.tsv\) nor WANDS/);
  });
});
